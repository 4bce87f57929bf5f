import { useState } from 'react';
import type { AccountDetail, AccountView, FolderProgressView, FolderView, ServerFolder } from '../../../shared/api/app-api.js';
import { errorText, useBridge, useEvent, useLive, useLoad, usePassFinished } from '../api/api-context.js';
import { useNavigate } from '../components/navigation.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { StateBadge } from '../components/StateBadge.js';
import { Failed, Loading } from '../components/Status.js';
import { Switch } from '../components/Switch.js';
import { Time } from '../components/Time.js';
import { formatCount } from '../model/format.js';
import { folderTree } from '../model/folder-tree.js';
import { DIRECTION_LABEL } from '../model/wording.js';
import { AccountActions, AccountError, replicaText } from './AccountsScreen.js';
import { RemoveAccountDialog } from './RemoveAccountDialog.js';

/** A folder row: what the last passes recorded and what the servers list now, either may be missing. */
interface FolderRow {
  folder: string;
  state: FolderView | null;
  listed: ServerFolder | null;
}

export function AccountDetailScreen({ account }: { account: string }) {
  const bridge = useBridge();
  const navigate = useNavigate();
  const detail = useLoad(() => bridge.request('getAccount', { account }), account);
  // Connects to both sides, so it may take a while or fail while the recorded state still shows.
  const listing = useLoad(() => bridge.request('listServerFolders', { account }), account);
  const [removing, setRemoving] = useState(false);

  usePassFinished(account, detail.reload);
  useEvent('conflictsChanged', (c) => {
    if (c.account === account) detail.reload();
  });

  const back = (
    <button type="button" className="back" onClick={() => navigate({ screen: 'accounts' })}>
      ← Accounts
    </button>
  );

  if (detail.data === null) {
    return (
      <section className="screen">
        <ScreenHeader title={account} back={back} />
        {detail.status === 'failed' ? (
          <Failed title="Could not load this account" message={detail.error} onRetry={detail.reload} />
        ) : (
          <Loading label="Loading folders…" />
        )}
      </section>
    );
  }

  const a = detail.data.account;
  return (
    <section className="screen">
      <ScreenHeader title={a.name} back={back}>
        <StateBadge state={a.state} />
      </ScreenHeader>
      <AccountSummary account={a} />
      <AccountActions
        account={a}
        extra={
          <>
            <button type="button" className="secondary" onClick={() => navigate({ screen: 'edit-account', account: a.name })}>
              Edit account
            </button>
            <button type="button" className="secondary danger" onClick={() => setRemoving(true)}>
              Remove account
            </button>
          </>
        }
      />
      <h2>Folders</h2>
      {listing.status === 'loading' && <p className="hint" role="status">Asking the servers for their folders…</p>}
      {listing.status === 'failed' && (
        <p className="inline-error" role="status">
          Could not list the folders on the servers ({listing.error}); showing the folders of the last sync.{' '}
          <button type="button" className="link-button" onClick={listing.reload}>
            Try again
          </button>
        </p>
      )}
      <FolderTable account={a} detail={detail.data} listed={listing.data ?? []} onChange={detail.replace} />
      {removing && <RemoveAccountDialog account={a} onClose={() => setRemoving(false)} />}
    </section>
  );
}

function AccountSummary({ account: a }: { account: AccountView }) {
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Server</dt>
          <dd>
            {a.remote.user} at {a.remote.host}:{a.remote.port}
          </dd>
        </div>
        <div>
          <dt>Local copy</dt>
          <dd>{replicaText(a.local)}</dd>
        </div>
        <div>
          <dt>Direction</dt>
          <dd>{DIRECTION_LABEL[a.direction].title}</dd>
        </div>
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
      </dl>
      {a.lastError && a.state === 'error' && <AccountError account={a} />}
    </>
  );
}

function FolderTable({ account, detail, listed, onChange }: { account: AccountView; detail: AccountDetail; listed: ServerFolder[]; onChange: (d: AccountDetail) => void }) {
  const live = useLive();
  const progress = live.progress[account.name] ?? {};
  const byName = new Map<string, FolderRow>();
  for (const f of detail.folders) byName.set(f.folder, { folder: f.folder, state: f, listed: null });
  for (const l of listed) byName.set(l.folder, { folder: l.folder, state: byName.get(l.folder)?.state ?? null, listed: l });
  const rows = folderTree([...byName.values()], (r) => r.folder);

  if (rows.length === 0) {
    return <p className="muted">No folders yet: they appear after the first sync.</p>;
  }
  return (
    <table className="folders">
      <caption className="visually-hidden">Folders of {account.name}, with message counts on the server and locally</caption>
      <thead>
        <tr>
          <th scope="col">Folder</th>
          <th scope="col" className="num">
            On server
          </th>
          <th scope="col" className="num">
            Local
          </th>
          <th scope="col">Sync</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.path} className={row.item === null ? 'placeholder' : undefined}>
            <th scope="row" className={`folder-name depth-${Math.min(row.depth, 8)}`}>
              {row.label}
            </th>
            <td className="num">{row.item?.state ? row.item.state.remoteMessages.toLocaleString() : '—'}</td>
            <td className="num">{row.item?.state ? row.item.state.localMessages.toLocaleString() : '—'}</td>
            <td>{row.item && <IncludeSwitch account={account.name} row={row.item} onChange={onChange} />}</td>
            <td>{row.item && <FolderStatus account={account} row={row.item} progress={progress[row.path]} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function IncludeSwitch({ account, row, onChange }: { account: string; row: FolderRow; onChange: (d: AccountDetail) => void }) {
  const bridge = useBridge();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<boolean | null>(null);
  const included = pending ?? row.state?.included ?? row.listed?.included ?? false;
  return (
    <>
      <Switch
        label={<span className="visually-hidden">Sync {row.folder}</span>}
        checked={included}
        disabled={pending !== null}
        onChange={(next) => {
          setPending(next);
          setError(null);
          bridge
            .request('setFolderIncluded', { account, folder: row.folder, included: next })
            .then(onChange, (err: unknown) => setError(errorText(err)))
            .finally(() => setPending(null));
        }}
      />
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function FolderStatus({ account, row, progress }: { account: AccountView; row: FolderRow; progress: FolderProgressView | undefined }) {
  const navigate = useNavigate();
  const s = row.state;
  // A folder the pass stopped or failed shows that, not its progress, even while others go on.
  const endedBadly = progress?.outcome === 'stopped' || progress?.outcome === 'failed';
  const showProgress = progress !== undefined && !endedBadly && (account.state === 'syncing' || progress.phase !== 'done');
  // An incomplete pass is told by `pending`, in the app's words, from the state (it outlives restarts).
  const error = s?.lastOutcome === 'incomplete' ? null : s?.lastError;
  const stopped = progress?.outcome === 'stopped' || (progress?.outcome !== 'failed' && s?.lastOutcome === 'stopped');
  return (
    <div className="folder-status">
      {showProgress && progress && <ProgressLine label={`${row.folder} progress`} {...progress} done={progress.phase === 'done'} />}
      {!showProgress && s?.pending && <p className="attention">{s.pending}</p>}
      {!showProgress && error && <p className="inline-error">{error}</p>}
      {!showProgress && !error && stopped && <p className="attention">Stopped by the safety check</p>}
      {!showProgress && !error && progress?.outcome === 'failed' && <p className="inline-error">Could not be synced</p>}
      {!showProgress && !error && !stopped && progress?.outcome !== 'failed' && (
        <span className="muted">
          {s ? (
            <>
              Synced <Time iso={s.lastSync} tense="past" />
            </>
          ) : (row.listed?.included ?? false) ? (
            'Not synced yet'
          ) : (
            'Not synced'
          )}
        </span>
      )}
      {s?.damaged && <p className="attention">State being rebuilt: {s.damaged}</p>}
      {s && s.conflicts > 0 && (
        <button type="button" className="link-button" onClick={() => navigate({ screen: 'conflicts', account: account.name })}>
          {formatCount(s.conflicts, 'conflict')}
        </button>
      )}
      {row.listed && !row.listed.onRemote && <span className="hint">Only local</span>}
      {row.listed && !row.listed.onLocal && <span className="hint">Only on the server</span>}
    </div>
  );
}
