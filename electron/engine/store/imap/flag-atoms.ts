import { normalizeFlags } from '../../../../shared/flags.js';

// RFC 9051 atom-specials: ( ) { SP CTL % * " \ ] — plus 8-bit, which an atom cannot carry.
const KEYWORD = /^[!#$&'+,\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/;

/**
 * Splits flags into those IMAP can store (canonical spelling, sorted) and those it cannot:
 * keywords that are not IMAP atoms. Flags that are never synced (`\Recent`) are dropped.
 */
export function storableFlags(flags: Iterable<string>): { storable: string[]; refused: string[] } {
  const storable: string[] = [];
  const refused: string[] = [];
  for (const flag of normalizeFlags(flags)) {
    if (flag.startsWith('\\') || KEYWORD.test(flag)) storable.push(flag);
    else refused.push(flag);
  }
  return { storable, refused };
}
