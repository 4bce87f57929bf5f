import type { ImapAttribute, ImapFlow } from 'imapflow';
// imapflow's own path and date encoders (the imapflow version is pinned), so a batch is
// spelled exactly as its single APPEND would be.
import { encodePath, formatDateTime, normalizePath } from 'imapflow/lib/tools.js';
import { atom, runCommand } from './raw-command.js';

export interface MultiAppendItem {
  content: Buffer;
  /** IMAP flag atoms, already filtered to what the folder stores. */
  flags: string[];
  internalDate: Date;
}

/**
 * Appends several messages in one command (RFC 3502 MULTIAPPEND): the server stores all of
 * them or none, and commits them together, where one APPEND each costs a round trip and a
 * server-side commit per message. Returns the UIDs the server reported (APPENDUID, RFC 4315)
 * in order, or null in their place when it reported none it could be held to.
 */
export async function multiAppend(client: ImapFlow, serverPath: string, items: MultiAppendItem[]): Promise<{ uidValidity: string; uids: number[] } | null> {
  const binary = client.capabilities.has('BINARY');
  const attributes: ImapAttribute[] = [{ type: 'ATOM', value: encodePath(client, normalizePath(client, serverPath)) }];
  for (const item of items) {
    attributes.push(item.flags.map(atom), { type: 'STRING', value: formatDateTime(item.internalDate)! });
    // A NUL byte can only travel in a literal8 (RFC 3516), as imapflow's own APPEND does.
    attributes.push({ type: 'LITERAL', value: item.content, isLiteral8: binary && item.content.includes(0) });
  }
  const done = await runCommand(client, 'APPEND', attributes);
  return appendUid(done, items.length);
}

/** `[APPENDUID <uidvalidity> <uid-set>]` with exactly `count` UIDs, or null. */
function appendUid(attributes: ImapAttribute[], count: number): { uidValidity: string; uids: number[] } | null {
  const section = attributes[0]?.section;
  const [code, validity, set] = (section ?? []).map((a) => (a && typeof a.value === 'string' ? a.value : ''));
  if (code?.toUpperCase() !== 'APPENDUID' || !/^[1-9][0-9]{0,9}$/.test(validity ?? '')) return null;
  const uids = expandUidSet(set ?? '', count);
  return uids && uids.length === count ? { uidValidity: validity!, uids } : null;
}

/** `5:7,9` -> [5, 6, 7, 9]; null when malformed or longer than `max`. */
export function expandUidSet(set: string, max: number): number[] | null {
  const uids: number[] = [];
  for (const part of set.split(',')) {
    const m = /^([1-9][0-9]{0,9})(?::([1-9][0-9]{0,9}))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    // A range may be written either way round (RFC 9051 seq-range).
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    if (hi > 0xffffffff || uids.length + (hi - lo + 1) > max) return null;
    for (let uid = lo; uid <= hi; uid++) uids.push(uid);
  }
  return uids;
}
