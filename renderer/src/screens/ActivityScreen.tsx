import { useEffect, useId, useState } from 'react';
import type { ActivityEntry } from '../../../shared/api/app-api.js';
import { errorText, useBridge, useEvent, useLoad } from '../api/api-context.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { Empty, Failed, Loading } from '../components/Status.js';
import { formatDateTime } from '../model/format.js';
import { activityMatches, activityReport, mergeActivity } from '../model/activity.js';

const LIMIT = 500;

export function ActivityScreen() {
  const bridge = useBridge();
  const searchId = useId();
  const [typed, setTyped] = useState('');
  const [query, setQuery] = useState('');
  const [entries, setEntries] = useState<ActivityEntry[] | null>(null);
  const [copyStatus, setCopyStatus] = useState<string | null>(null);

  // Ask the host once typing pauses, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(typed.trim()), 250);
    return () => clearTimeout(timer);
  }, [typed]);

  const loaded = useLoad(() => bridge.request('getActivity', { ...(query ? { query } : {}), limit: LIMIT }), query);
  useEffect(() => {
    if (loaded.status === 'ready') setEntries(loaded.data);
  }, [loaded.status, loaded.data]);
  useEvent('activity', (entry) => {
    if (activityMatches(entry, query)) setEntries((list) => (list ? mergeActivity(list, entry, LIMIT) : list));
  });

  const copy = async () => {
    try {
      const info = await bridge.request('getAppInfo', {}).catch(() => null);
      await writeClipboard(activityReport(entries ?? [], info));
      setCopyStatus(`Copied ${entries?.length ?? 0} entries to the clipboard.`);
    } catch (err) {
      setCopyStatus(`Could not copy: ${errorText(err)}`);
    }
  };

  return (
    <section className="screen">
      <ScreenHeader title="Activity">
        <button type="button" onClick={() => void copy()} disabled={!entries || entries.length === 0}>
          Copy for a bug report
        </button>
      </ScreenHeader>
      <p className="lead">Sync runs, changes and errors, newest first. Passwords never appear here.</p>
      <div className="search">
        <label htmlFor={searchId}>Search</label>
        <input id={searchId} type="search" value={typed} placeholder="Account, folder or text" onChange={(e) => setTyped(e.currentTarget.value)} />
      </div>
      <p className="copy-status" role="status">
        {copyStatus}
      </p>
      {entries === null ? (
        loaded.status === 'failed' ? (
          <Failed title="Could not load the activity" message={loaded.error} onRetry={loaded.reload} />
        ) : (
          <Loading label="Loading activity…" />
        )
      ) : entries.length === 0 ? (
        <Empty title={query ? `Nothing matches “${query}”` : 'No activity yet'}>
          {!query && <p>Each sync adds a line here.</p>}
        </Empty>
      ) : (
        <table className="activity">
          <caption className="visually-hidden">Activity log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Where</th>
              <th scope="col">What happened</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} className={`level-${e.level}`}>
                <td className="nowrap">
                  <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                </td>
                <td>
                  <span className={`level level-${e.level}`}>{e.level}</span>
                </td>
                <td>{[e.account, e.folder].filter(Boolean).join(' / ') || '—'}</td>
                <td className="message">{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The async Clipboard API needs a secure context (app:// and http://127.0.0.1 are); the copy command is the fallback. */
async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Denied (e.g. the window lost focus): fall through to the copy command.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy');
}
