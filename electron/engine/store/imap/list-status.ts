import type { FolderStatus } from '../mail-store.js';

/** The STATUS items that make a FolderStatus (imapflow drops HIGHESTMODSEQ without CONDSTORE). */
export const LIST_STATUS_QUERY = { messages: true, uidNext: true, uidValidity: true, highestModseq: true } as const;

interface StatusReply {
  messages?: number;
  uidNext?: number;
  uidValidity?: bigint;
  highestModseq?: bigint;
}

/**
 * A folder's status from a STATUS reply, spelled as SELECT reports it (ImapFolderSession), or
 * null when the reply lacks an item SELECT would have given: then the folder is opened instead.
 */
export function statusFromListStatus(reply: StatusReply): FolderStatus | null {
  if (reply.uidValidity === undefined || reply.messages === undefined || reply.uidNext === undefined) return null;
  return {
    uidValidity: reply.uidValidity.toString(),
    uidNext: reply.uidNext > 0 ? reply.uidNext : null,
    // A mailbox without persistent modseqs reports 0 here and NOMODSEQ on SELECT.
    highestModseq: reply.highestModseq !== undefined && reply.highestModseq > 0n ? reply.highestModseq.toString() : null,
    messages: reply.messages,
    changeToken: null,
  };
}
