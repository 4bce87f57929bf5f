import type { MaildirNameEncoding } from '../../../../shared/config.js';
import { encodeSegment, unescapeSegment } from './maildir-folders.js';
import { decodeModifiedUtf7, encodeModifiedUtf7 } from './modified-utf7.js';

/** How one level of a folder name is spelled as (part of) a directory name, and read back. */
export interface SegmentCodec {
  encode(segment: string): string;
  /** The segment a spelling stands for, or null when `encode` never writes it (such directories are skipped). */
  decode(onDisk: string): string | null;
}

/**
 * Characters are spelled as the name encoding says, then escaped (maildir-folders.ts). Where
 * `.` separates levels within one directory name (flat layouts), a `.` inside a level is
 * escaped too, so `a.b` and `a/b` stay two folders.
 */
export function segmentCodec(nameEncoding: MaildirNameEncoding, dotSeparatesLevels: boolean): SegmentCodec {
  const utf7 = nameEncoding === 'modified-utf-7';
  const encode = (segment: string): string => {
    const escaped = encodeSegment(utf7 ? encodeModifiedUtf7(segment) : segment);
    return dotSeparatesLevels ? escaped.replace(/\./g, '%2E') : escaped;
  };
  return {
    encode,
    decode(onDisk) {
      // U+FFFD is what a name that is not UTF-8 becomes when Node reads the directory.
      if (onDisk.includes('\uFFFD')) return null;
      const raw = unescapeSegment(onDisk);
      const segment = utf7 ? decodeModifiedUtf7(raw) : raw;
      return segment !== null && encode(segment) === onDisk ? segment : null;
    },
  };
}
