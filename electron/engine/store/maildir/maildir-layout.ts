import type { MaildirLayoutName, MaildirNameEncoding } from '../../../../shared/config.js';
import { FlatLayout } from './flat-layout.js';
import { NestedLayout } from './nested-layout.js';
import { segmentCodec } from './folder-segments.js';

/**
 * Where each folder of a Maildir tree lives. Folder names are logical (UTF-8, levels separated
 * by `/`, `INBOX`); every layout maps them to directories and back without loss, and reads
 * only directories whose names it would write itself.
 */
export interface FolderLayout {
  /** The directory holding the folder's cur/, new/ and tmp/. */
  dirOf(name: string): string;
  /** Every folder of the tree, sorted. Entries that are no folder of this layout are skipped (oddities with a warning). */
  list(): Promise<string[]>;
  /** The directories a new folder needs, outermost first; the last one is dirOf(name). */
  dirsFor(name: string): string[];
  /** The directory renames that rename folder `from`, with its subfolders, to `to`, in order. */
  renames(from: string, to: string): Promise<{ from: string; to: string }[]>;
  /** Directories of subfolders that live outside the folder's own directory (flat layouts). */
  detachedSubfolders(name: string): Promise<string[]>;
  /** Why the folder can never be deleted or renamed in this layout, or null. */
  fixed(name: string): string | null;
}

export function folderLayout(
  root: string,
  layout: MaildirLayoutName,
  nameEncoding: MaildirNameEncoding,
  warn: (msg: string) => void,
): FolderLayout {
  switch (layout) {
    case 'verbatim':
    case 'legacy':
      return new NestedLayout(root, segmentCodec(nameEncoding, false), layout, warn);
    case 'flat':
    case 'maildir++':
      return new FlatLayout(root, segmentCodec(nameEncoding, true), layout, warn);
  }
}
