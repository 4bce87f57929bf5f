import type { FolderStatus } from './mail-store.js';

export function sameStatus(a: FolderStatus, b: FolderStatus): boolean {
  return (
    a.uidValidity === b.uidValidity &&
    a.uidNext === b.uidNext &&
    a.highestModseq === b.highestModseq &&
    a.messages === b.messages &&
    a.changeToken === b.changeToken
  );
}

/** A status that changes whenever anything in the folder does (a HIGHESTMODSEQ or a Maildir change token). */
export function statusVouches(status: FolderStatus): boolean {
  return status.highestModseq !== null || status.changeToken !== null;
}
