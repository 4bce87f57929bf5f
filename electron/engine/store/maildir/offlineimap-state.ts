import { join } from 'node:path';
import { readOrNull } from './mbsync-state.js';

/**
 * OfflineIMAP keeps, per folder, the server's UIDVALIDITY its `,U=` UIDs count under in
 * `<metadata>/Repository-<remote repository>/FolderValidity/<folder>`: one decimal and a newline
 * (written through a .tmp and a rename). The folder is the server's name with `/` written as
 * `.`, as IMAP spells it unless `utf8foldernames`. Null for a name that is no file name there.
 */
export function folderValidityPath(metadata: string, repository: string, serverName: string): string | null {
  const base = serverName.replaceAll('/', '.');
  if (base === '' || base === '.' || base === '..' || base.includes('\0')) return null;
  return join(metadata, `Repository-${repository}`, 'FolderValidity', base);
}

/** The UIDVALIDITY in a FolderValidity file, or null when it is not as OfflineIMAP writes it. */
export function parseFolderValidity(text: string): string | null {
  const m = /^([1-9][0-9]{0,9})\n$/.exec(text);
  return m && Number(m[1]) <= 0xffffffff ? m[1]! : null;
}

export async function readFolderValidity(metadata: string, repository: string, serverName: string): Promise<string | null> {
  const path = folderValidityPath(metadata, repository, serverName);
  const text = path === null ? null : await readOrNull(path);
  return text === null ? null : parseFolderValidity(text);
}
