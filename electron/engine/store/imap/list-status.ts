import type { ImapAttribute, ImapFlow } from 'imapflow';
// imapflow's own name helpers (the imapflow version is pinned), so folders are named exactly as
// its list() would name them.
import { decodePath, getStringList, getStringValue, normalizePath } from 'imapflow/lib/tools.js';
import type { FolderStatus } from '../mail-store.js';
import { atom, runCommand } from './raw-command.js';

export interface ListedMailbox {
  /** Decoded (UTF-8) and normalized as imapflow spells it: INBOX upper-case. */
  path: string;
  delimiter: string | null;
  flags: Set<string>;
  status: FolderStatus | null;
}

interface StatusReply {
  messages?: number;
  uidNext?: number;
  uidValidity?: bigint;
  highestModseq?: bigint;
}

/**
 * Every mailbox with its status in one command: `LIST "" "*" RETURN (STATUS (...))` (RFC 5819).
 * Sent directly rather than through imapflow's list(), which adds an LSUB round trip and
 * special-use guessing, several times the cost of the command itself for a hundred folders:
 * this is all a watching engine's quiet pass asks the server. Call only with LIST-STATUS.
 */
export async function listWithStatus(client: ImapFlow): Promise<ListedMailbox[]> {
  const mailboxes: ListedMailbox[] = [];
  const statuses = new Map<string, StatusReply>();
  const items = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', ...(client.capabilities.has('CONDSTORE') || client.capabilities.has('QRESYNC') ? ['HIGHESTMODSEQ'] : [])];
  // With RETURN options a server reports only the attributes asked for (Dovecot drops
  // special-use flags otherwise).
  const options: ImapAttribute[] = [atom('STATUS'), items.map(atom)];
  if (client.capabilities.has('SPECIAL-USE')) options.push(atom('SPECIAL-USE'));
  const pathOf = (attribute: ImapAttribute | undefined) => normalizePath(client, decodePath(client, String(attribute?.value ?? '')));
  await runCommand(client, 'LIST', [{ type: 'STRING', value: '' }, { type: 'STRING', value: '*' }, atom('RETURN'), options], {
    LIST: async (reply) => {
      const [flags, delimiter, name] = reply.attributes ?? [];
      const d = getStringValue(delimiter) ?? null;
      let path = pathOf(name ?? undefined);
      // Some servers prefix names with the delimiter (imapflow strips it too).
      if (d && path.startsWith(d)) path = path.slice(1);
      if (path) mailboxes.push({ path, delimiter: d, flags: new Set(getStringList(flags)), status: null });
    },
    STATUS: async (reply) => {
      const [name, list] = reply.attributes ?? [];
      if (Array.isArray(list)) statuses.set(pathOf(name ?? undefined), parseStatusList(list));
    },
  });
  for (const m of mailboxes) {
    const reply = statuses.get(m.path);
    m.status = reply ? statusFromListStatus(reply) : null;
  }
  seedSelectCache(client, mailboxes);
  return mailboxes;
}

/**
 * imapflow's SELECT first sends `LIST "" <name>` for a mailbox missing from its folder cache,
 * which only its own list() fills: one more round trip for every folder a pass opens. The
 * cache gets what this LIST said, as list() would have put it there. (A stale entry costs
 * nothing: a SELECT of a mailbox gone meanwhile fails, and imapflow then checks with a LIST.)
 * imapflow's field, hence the pinned version.
 */
function seedSelectCache(client: ImapFlow, mailboxes: ListedMailbox[]): void {
  const cache = (client as unknown as { folders: Map<string, unknown> }).folders;
  for (const m of mailboxes) {
    if (!cache.has(m.path)) cache.set(m.path, { path: m.path, delimiter: m.delimiter, flags: m.flags, listed: true });
  }
}

/** `(MESSAGES 3 UIDNEXT 4 ...)`; values that are not plain decimal numbers are left out. */
function parseStatusList(list: ImapAttribute[]): StatusReply {
  const reply: StatusReply = {};
  for (let i = 0; i + 1 < list.length; i += 2) {
    const key = String(list[i]?.value ?? '').toUpperCase();
    const value = String(list[i + 1]?.value ?? '');
    if (!/^[0-9]{1,20}$/.test(value)) continue;
    const small = Number(value) <= 0xffffffff;
    if (key === 'MESSAGES' && small) reply.messages = Number(value);
    else if (key === 'UIDNEXT' && small) reply.uidNext = Number(value);
    else if (key === 'UIDVALIDITY') reply.uidValidity = BigInt(value);
    else if (key === 'HIGHESTMODSEQ') reply.highestModseq = BigInt(value);
  }
  return reply;
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
