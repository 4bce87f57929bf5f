import type { AccountView } from '../../../shared/api/app-api.js';
import { useLive } from '../api/api-context.js';
import { useNavigate } from '../components/navigation.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { StateBadge } from '../components/StateBadge.js';
import { formatBytes, formatCount } from '../model/format.js';
import { folderTree } from '../model/folder-tree.js';
import { passProgress } from '../model/live-state.js';
import { ERROR_ADVICE } from '../model/wording.js';

/** Step 5: the first pass, folder by folder, until it is done or needs the user. */
export function FirstSyncStep({ created }: { created: AccountView }) {
  const live = useLive();
  const navigate = useNavigate();
  const account = live.accounts?.find((a) => a.name === created.name) ?? created;
  const folders = live.progress[account.name] ?? {};
  const pass = passProgress(folders);
  const finished = account.state !== 'syncing' && account.state !== 'never-synced';
  const rows = folderTree(Object.values(folders), (f) => f.folder);

  return (
    <div className="first-sync">
      <p className="first-sync-state">
        <StateBadge state={account.state} />
      </p>
      {pass ? (
        <ProgressLine label="First sync progress" {...pass} done={finished} />
      ) : (
        !finished && (
          <p className="hint" role="status">
            <span className="spinner" aria-hidden="true" /> Connecting and listing folders…
          </p>
        )
      )}
      {rows.length > 0 && (
        <table className="folders">
          <caption className="visually-hidden">Progress per folder</caption>
          <thead>
            <tr>
              <th scope="col">Folder</th>
              <th scope="col">Progress</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.path}>
                <th scope="row" className={`folder-name depth-${Math.min(row.depth, 8)}`}>
                  {row.label}
                </th>
                <td>{row.item && <ProgressLine label={`${row.path} progress`} {...row.item} done={row.item.phase === 'done'} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {finished && (
        <div className="first-sync-done" role="status">
          {account.state === 'error' && account.lastError ? (
            <>
              <p className="inline-error">{account.lastError.message}</p>
              <p className="hint">{ERROR_ADVICE[account.lastError.kind]}</p>
            </>
          ) : (
            <p>
              Your mail is in step: {formatCount(account.totals.messages, 'message')} in {formatCount(account.totals.folders, 'folder')}
              {pass && pass.bytesDone > 0 ? `, ${formatBytes(pass.bytesDone)} copied` : ''}. Mailferry keeps it so in the background.
            </p>
          )}
          <div className="actions">
            <button type="button" className="primary" onClick={() => navigate({ screen: 'account', account: account.name })}>
              Show the account
            </button>
            <button type="button" className="secondary" onClick={() => navigate({ screen: 'accounts' })}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
