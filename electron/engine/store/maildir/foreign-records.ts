import { createHash } from 'node:crypto';
import type { ImportStateConfig, MaildirNameEncoding } from '../../../../shared/config.js';
import type { ForeignUids } from '../mail-store.js';
import { mbsyncUid, nameFields } from './maildir-names.js';
import { readMbsyncState, type MbsyncState } from './mbsync-state.js';
import { readMbsyncStateDir } from './mbsync-state-dir.js';
import { encodeModifiedUtf7 } from './modified-utf7.js';
import { readFolderValidity } from './offlineimap-state.js';

/** What another sync tool recorded for one Maildir folder: the server UID of each file it knew. */
export interface FolderRecords {
  /** The server's UIDVALIDITY the UIDs count under. */
  uidValidity: string;
  /** The server UID the records give the file with this unique part, or null. */
  serverUid(unique: string): number | null;
}

export interface RecordsFolder {
  /** Logical name (UTF-8, `/` between levels). */
  name: string;
  dir: string;
  /** The folder's directory below the Maildir root, `/` between levels: OfflineIMAP's name for it. */
  relativeDir: string;
  nameEncoding: MaildirNameEncoding;
}

/**
 * The records for a folder: mbsync's `.mbsyncstate` in the folder itself (`SyncState *`, found
 * without configuration), else what `importState` points at. Null when none can be trusted.
 */
export async function folderRecords(folder: RecordsFolder, importState: ImportStateConfig | undefined): Promise<FolderRecords | null> {
  const inFolder = await readMbsyncState(folder.dir);
  if (inFolder !== null) return mbsyncRecords(inFolder);
  // Both tools name a box as IMAP spells it, unless told to use UTF-8 (which nameEncoding mirrors).
  const spelled = folder.nameEncoding === 'modified-utf-7' ? encodeModifiedUtf7(folder.name) : folder.name;
  if (importState?.from === 'mbsync') {
    const state = await readMbsyncStateDir(importState.path, spelled, folder.dir);
    return state === null ? null : mbsyncRecords(state);
  }
  if (importState?.from === 'offlineimap') {
    const uidValidity = await readFolderValidity(importState.path, importState.repository, spelled);
    return uidValidity === null ? null : offlineimapRecords(uidValidity, folder.relativeDir);
  }
  return null;
}

/** mbsync's `,U=` is its own numbering of the folder; its state maps that to the server's UID. */
function mbsyncRecords(state: MbsyncState): FolderRecords {
  const farOf = new Map(state.pairs.map((p) => [p.near, p.far]));
  return {
    uidValidity: state.farUidValidity,
    serverUid: (unique) => {
      const near = mbsyncUid(unique);
      return near === null ? null : (farOf.get(near) ?? null);
    },
  };
}

/**
 * OfflineIMAP's `,U=` is the server's UID itself. Its `,FMD5=` (MD5 of the folder's directory
 * below the root) must name this folder: a file a mail client moved in from another folder
 * keeps the other folder's, and its UID counts there (OfflineIMAP treats it as new too).
 */
function offlineimapRecords(uidValidity: string, relativeDir: string): FolderRecords {
  const folderMd5 = createHash('md5').update(relativeDir, 'utf8').digest('hex');
  return {
    uidValidity,
    serverUid: (unique) => {
      const fields = nameFields(unique);
      return fields.folderMd5 === folderMd5 ? fields.uid : null;
    },
  };
}

/** The records by file, one to one: a UID that two files claim (a copied file keeps its name) pairs neither. */
export function foreignUidsOf(records: FolderRecords, uniques: Iterable<string>): ForeignUids {
  const claims = new Map<number, string[]>();
  for (const unique of uniques) {
    const uid = records.serverUid(unique);
    if (uid !== null) claims.set(uid, [...(claims.get(uid) ?? []), unique]);
  }
  const uids = new Map<string, string>();
  for (const [uid, files] of claims) if (files.length === 1) uids.set(files[0]!, String(uid));
  return { uidValidity: records.uidValidity, uids };
}
