import { createHash } from 'node:crypto';
import type { FullIdentity } from '../../../shared/identity.js';
import { applyRecord, emptyFolderState, type FolderState, type StateRecord } from '../../../electron/engine/state/folder-state.js';

export function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function identity(n: number): FullIdentity {
  return { messageId: `<m${n}@example.org>`, size: 1000 + n, headerSha256: hex(`header ${n}`), sha256: hex(`body ${n}`) };
}

/** One of every record kind, touching each other the way a sync pass does. */
export function sampleRecords(folder: string): StateRecord[] {
  return [
    { op: 'status', side: 'remote', status: { uidValidity: '1700000000', uidNext: 12, highestModseq: '77', messages: 3, changeToken: null } },
    { op: 'status', side: 'local', status: { uidValidity: 'maildir', uidNext: null, highestModseq: null, messages: 3, changeToken: 'cur:5/new:0' } },
    { op: 'pair', pair: { key: 1, remote: '9', local: '1700000000.M1P1.host', flags: ['\\Seen'], identity: identity(1) } },
    { op: 'pair', pair: { key: 2, remote: '10', local: '1700000000.M2P1.host', flags: [], identity: { messageId: null, size: 512, headerSha256: hex('h2') } } },
    { op: 'pair', pair: { key: 3, remote: '11', local: null, flags: ['$Forwarded'], identity: identity(3) } },
    { op: 'flags', key: 2, flags: ['\\Answered', '\\Seen'] },
    { op: 'unpair', key: 3 },
    {
      op: 'intent',
      intent: { id: 1, target: 'remote', ticket: { kind: 'imap', uidValidity: '1700000000', uidNext: 12 }, sourceId: 'x.M3', identity: identity(4), flags: ['\\Seen'], pairKey: null },
    },
    {
      op: 'intent',
      intent: { id: 2, target: 'local', ticket: { kind: 'maildir', unique: '1700000001.M9P2.host' }, sourceId: '12', identity: null, flags: [], pairKey: 2 },
    },
    { op: 'intentDone', id: 1 },
    { op: 'ghost', ghost: { side: 'remote', identity: identity(5), uidValidity: '1700000000', fromUid: 12, createdAt: 1_700_000_100_000 } },
    { op: 'ghost', ghost: { side: 'remote', identity: identity(6), uidValidity: '1700000000', fromUid: 13, createdAt: 1_700_000_200_000 } },
    { op: 'ghostDone', side: 'remote', sha256: identity(5).sha256 },
    { op: 'conflict', conflict: { id: 'c1', kind: 'delete-vs-change', folder, detail: 'deleted on the server, flagged locally; kept', pairKey: 1, at: 1_700_000_300_000 } },
    { op: 'conflict', conflict: { id: 'c2', kind: 'mass-delete-stopped', folder, detail: 'stopped: 90% of the folder deleted', pairKey: null, at: 1_700_000_400_000 } },
    { op: 'conflictDone', id: 'c2' },
    { op: 'synced', at: 1_700_000_500_000 },
  ];
}

/** The state the records lead to, computed in memory without the store. */
export function replayed(folder: string, records: readonly StateRecord[]): FolderState {
  const state = emptyFolderState(folder);
  for (const rec of records) applyRecord(state, structuredClone(rec));
  return state;
}
