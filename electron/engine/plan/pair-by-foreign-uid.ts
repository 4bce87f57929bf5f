import type { ForeignUids } from '../store/mail-store.js';
import type { IdentifiedMessage } from './pair-by-identity.js';

/**
 * Pairs local messages with remote ones through another sync tool's records (a Maildir that
 * mbsync or OfflineIMAP kept in step with this server), for messages whose bytes differ between
 * the sides so that identity cannot pair them (mbsync's X-TUID line in the server's copy of a
 * message it uploaded, headers OfflineIMAP re-serialized). A pair is made only when all hold:
 * - the records were made under the server's current UIDVALIDITY, so their UIDs still name the
 *   same messages (a server never gives a UID to another message without changing it);
 * - the record names exactly one local file for that UID, and the UID is not paired yet;
 * - both copies carry the same Message-ID, which catches a file moved or copied in from
 *   another folder with its old UID, and a server that reused UIDs against the rules.
 * Messages without a Message-ID are never paired this way.
 */
export function pairByForeignUid(
  remote: readonly IdentifiedMessage[],
  local: readonly IdentifiedMessage[],
  foreign: ForeignUids,
  remoteUidValidity: string,
): [IdentifiedMessage, IdentifiedMessage][] {
  if (foreign.uidValidity !== remoteUidValidity) return [];
  const byUid = new Map(remote.map((m) => [m.id, m]));
  const claimed = new Map<string, IdentifiedMessage[]>();
  for (const l of local) {
    const uid = foreign.uids.get(l.id);
    if (uid !== undefined) claimed.set(uid, [...(claimed.get(uid) ?? []), l]);
  }
  const out: [IdentifiedMessage, IdentifiedMessage][] = [];
  for (const [uid, [l, ...more]] of claimed) {
    const r = byUid.get(uid);
    if (r === undefined || l === undefined || more.length > 0) continue;
    const messageId = r.identity.messageId;
    if (messageId !== null && messageId === l.identity.messageId) out.push([r, l]);
  }
  return out;
}
