import type { ScreenTarget } from '../../../shared/api/app-api.js';
import { useLive, useLiveStore } from '../api/api-context.js';

/** The host's notifications inside the window; a polite live region reads new ones out. */
export function Notices({ onOpen }: { onOpen: (target: ScreenTarget) => void }) {
  const { notices } = useLive();
  const store = useLiveStore();
  return (
    <section className="notices" aria-live="polite" aria-label="Notifications">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.severity}`}>
          <p className="notice-title">{n.title}</p>
          {/* A grouped notification has one line per problem: each its own paragraph, never run together. */}
          {n.body.split('\n').map((line, i) => (
            <p key={i} className="notice-body">
              {line}
            </p>
          ))}
          <div className="notice-actions">
            <button
              type="button"
              onClick={() => {
                store.dismissNotice(n.id);
                onOpen(n.target);
              }}
            >
              Show
            </button>
            <button type="button" className="link-button" onClick={() => store.dismissNotice(n.id)}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}
