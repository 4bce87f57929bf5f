import { identityKey, type MessageIdentity } from '../../../shared/identity.js';

export interface IdentifiedMessage {
  id: string;
  identity: MessageIdentity;
}

/**
 * Matches messages of two sides that are the same message (equal size and header hash), one to
 * one. Several byte-identical copies on a side are matched in id order; surplus copies stay
 * unmatched (each is a message of its own and gets copied). Messages that differ in any header
 * byte or in size are never matched, so a list copy and the sent copy of one Message-ID stay apart.
 */
export function pairByIdentity(a: readonly IdentifiedMessage[], b: readonly IdentifiedMessage[]): [IdentifiedMessage, IdentifiedMessage][] {
  const byKey = new Map<string, IdentifiedMessage[]>();
  for (const m of sortById(b)) {
    const k = identityKey(m.identity);
    const list = byKey.get(k);
    if (list) list.push(m);
    else byKey.set(k, [m]);
  }
  const out: [IdentifiedMessage, IdentifiedMessage][] = [];
  for (const m of sortById(a)) {
    const match = byKey.get(identityKey(m.identity))?.shift();
    if (match) out.push([m, match]);
  }
  return out;
}

function sortById(ms: readonly IdentifiedMessage[]): IdentifiedMessage[] {
  // Numeric ids (IMAP UIDs) in numeric order, others lexically: deterministic either way.
  return [...ms].sort((x, y) => x.id.length - y.id.length || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
