import { useState, type ReactNode } from 'react';
import type { AccountView, EndpointView } from '../../../shared/api/app-api.js';
import { errorText, useBridge, useLive, useLiveStore } from '../api/api-context.js';
import { useNavigate } from '../components/navigation.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { StateBadge } from '../components/StateBadge.js';
import { Empty, Failed, Loading } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { formatCount } from '../model/format.js';
import { passProgress } from '../model/live-state.js';
import { ERROR_ADVICE } from '../model/wording.js';

export function AccountsScreen() {
  const live = useLive();
  const store = useLiveStore();
  const navigate = useNavigate();
  const add = (
    <button type="button" className="primary" onClick={() => navigate({ screen: 'add-account' })}>
      Add account
    </button>
  );
  return (
    <section className="screen">
      <ScreenHeader title="Accounts">{live.accounts && live.accounts.length > 0 && add}</ScreenHeader>
      {live.accounts === null ? (
        store.accountsError() ? (
          <Failed title="Could not load your accounts" message={store.accountsError() ?? ''} onRetry={() => void store.reloadAccounts()} />
        ) : (
          <Loading label="Loading accounts…" />
        )
      ) : live.accounts.length === 0 ? (
        <Empty title="No accounts yet" action={add}>
          <p>
            Mailferry keeps a copy of your mailbox on this computer, or on a second mail server, in step with your mail
            server: both ways, without losing or duplicating a message.
          </p>
        </Empty>
      ) : (
        <ul className="cards" aria-label="Accounts">
          {live.accounts.map((a) => (
            <li key={a.name}>
              <AccountCard account={a} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function replicaText(local: EndpointView): string {
  return local.type === 'maildir' ? `Maildir folder ${local.path}` : `${local.user} at ${local.host}`;
}

function AccountCard({ account: a }: { account: AccountView }) {
  const live = useLive();
  const navigate = useNavigate();
  const pass = passProgress(live.progress[a.name]);
  const titleId = `account-${a.name}`;
  return (
    <article className="card account-card" aria-labelledby={titleId}>
      <header className="card-header">
        <h2 id={titleId}>
          <button type="button" className="title-link" onClick={() => navigate({ screen: 'account', account: a.name })}>
            {a.name}
          </button>
        </h2>
        <StateBadge state={a.state} />
      </header>
      <p className="route-line">
        <span>
          {a.remote.user} at {a.remote.host}
        </span>
        <span aria-hidden="true"> ⇄ </span>
        <span className="visually-hidden"> synced with </span>
        <span>{replicaText(a.local)}</span>
      </p>
      <dl className="facts">
        <div>
          <dt>Last sync</dt>
          <dd>
            <Time iso={a.lastSync} tense="past" />
          </dd>
        </div>
        <div>
          <dt>Next sync</dt>
          <dd>{a.paused ? <span className="muted">paused</span> : <Time iso={a.nextSync} fallback="not planned" tense="future" />}</dd>
        </div>
        <div>
          <dt>Folders</dt>
          <dd>{a.totals.folders.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Messages</dt>
          <dd>{a.totals.messages.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Conflicts</dt>
          <dd>{a.totals.conflicts.toLocaleString()}</dd>
        </div>
      </dl>
      {a.state === 'syncing' && pass && (
        <ProgressLine label={`${a.name} sync progress`} {...pass} done={false} />
      )}
      {a.lastError && a.state === 'error' && <AccountError account={a} />}
      {a.remote.passwordSource === 'missing' && (
        <p className="attention">
          Mailferry needs this account’s password to sync.{' '}
          <button type="button" className="link-button" onClick={() => navigate({ screen: 'edit-account', account: a.name })}>
            Enter the password
          </button>
        </p>
      )}
      {a.totals.failedFolders > 0 && (
        <p className="attention">{formatCount(a.totals.failedFolders, 'folder')} could not be synced or were stopped.</p>
      )}
      {a.totals.conflicts > 0 && (
        <p className="attention">
          <button type="button" className="link-button" onClick={() => navigate({ screen: 'conflicts', account: a.name })}>
            {formatCount(a.totals.conflicts, 'conflict')} to settle
          </button>
        </p>
      )}
      <AccountActions account={a} />
    </article>
  );
}

/** Errors the user fixes in the account's settings come with the way there. */
const FIXED_BY_EDITING = new Set(['auth', 'tls-untrusted', 'tls-mismatch', 'protocol', 'config']);

export function AccountError({ account: a }: { account: AccountView }) {
  const navigate = useNavigate();
  if (!a.lastError) return null;
  return (
    <div className="inline-error" role="alert">
      <p>{a.lastError.message}</p>
      <p className="hint">{ERROR_ADVICE[a.lastError.kind]}</p>
      {FIXED_BY_EDITING.has(a.lastError.kind) && (
        <button type="button" className="secondary" onClick={() => navigate({ screen: 'edit-account', account: a.name })}>
          {/* The editor opens at the server, password included; a new one is tested before it is saved. */}
          {a.lastError.kind === 'auth' ? 'Change password…' : 'Edit account'}
        </button>
      )}
    </div>
  );
}

/** Sync now and Pause/Resume, with the host's refusal shown next to the buttons. */
export function AccountActions({ account: a, extra }: { account: AccountView; extra?: ReactNode }) {
  const bridge = useBridge();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    work()
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="actions">
      <button type="button" disabled={busy || a.state === 'syncing'} onClick={() => act(() => bridge.request('syncNow', { account: a.name }))}>
        {a.state === 'syncing' ? 'Syncing…' : 'Sync now'}
      </button>
      {a.paused ? (
        <button type="button" disabled={busy} onClick={() => act(() => bridge.request('resume', { account: a.name }))}>
          Resume
        </button>
      ) : (
        <button type="button" disabled={busy} onClick={() => act(() => bridge.request('pause', { account: a.name }))}>
          Pause
        </button>
      )}
      {extra ?? (
        <button type="button" className="secondary" onClick={() => navigate({ screen: 'account', account: a.name })}>
          Folders and details
        </button>
      )}
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
