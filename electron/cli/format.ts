import type { FolderSummary } from '../../shared/sync-summary.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** One line per folder, naming only what happened, e.g. "3 copied to local, 1 flag update to remote". */
export function describeFolder(account: string, f: FolderSummary): string {
  const parts: string[] = [];
  const eachWay = (n: { toLocal: number; toRemote: number }, what: string) => {
    if (n.toLocal) parts.push(`${n.toLocal} ${what} local`);
    if (n.toRemote) parts.push(`${n.toRemote} ${what} remote`);
  };
  const planned = f.outcome === 'planned';
  eachWay(f.copied, planned ? 'to copy to' : 'copied to');
  eachWay(f.moved, planned ? 'to move here on' : 'moved here on');
  eachWay(f.flagUpdates, 'flag updates to');
  eachWay(f.deleted, planned ? 'to delete on' : 'deleted on');
  if (f.paired) parts.push(`${f.paired} paired by identity`);
  if (f.duplicatesRemoved) parts.push(`${f.duplicatesRemoved} duplicates of interrupted uploads removed`);
  if (f.vanished) parts.push(`${f.vanished} vanished before copying`);
  if (f.conflicts) parts.push(`${f.conflicts} conflict${f.conflicts > 1 ? 's' : ''}`);
  const what = parts.length ? parts.join(', ') : f.outcome === 'unchanged' ? 'unchanged' : 'in step';
  const head = `${account}/${f.folder}: `;
  if (f.outcome === 'failed') return `${head}FAILED: ${f.error}`;
  if (f.outcome === 'stopped') return `${head}STOPPED: ${f.error}`;
  if (f.outcome === 'incomplete') return `${head}${what}; INCOMPLETE: ${f.error}`;
  return head + what + (f.outcome === 'planned' ? ' (dry run)' : '');
}
