import type { ImportStateInput, MaildirEndpointInput } from '../../../shared/api/app-api.js';
import type { MaildirLayoutName, MaildirNameEncoding } from '../../../shared/config.js';

/**
 * How an existing Maildir, another program's, is laid out, and that program's sync state to
 * take over (README "Maildir layouts" and "Migrate from mbsync or OfflineIMAP").
 */
export interface MaildirOptions {
  layout: MaildirLayoutName;
  nameEncoding: MaildirNameEncoding;
  adopt: 'none' | 'mbsync' | 'offlineimap';
  /** mbsync's SyncState directory, or OfflineIMAP's metadata directory. */
  statePath: string;
  /** OfflineIMAP: the remote repository's name ([Repository Remote]). */
  repository: string;
}

export const DEFAULT_MAILDIR_OPTIONS: MaildirOptions = { layout: 'verbatim', nameEncoding: 'utf-8', adopt: 'none', statePath: '', repository: '' };

export const LAYOUT_LABEL: Record<MaildirLayoutName, { title: string; detail: string }> = {
  verbatim: { title: 'Folders inside folders', detail: 'Archive/2024 is Archive/2024 on disk: Mailferry’s own, mbsync “SubFolders Verbatim”.' },
  'maildir++': { title: 'Maildir++', detail: 'Dot-folders in the top folder (.Archive.2024): Dovecot and Courier, mbsync “SubFolders Maildir++”.' },
  legacy: { title: 'mbsync legacy', detail: 'Archive/.2024: mbsync “SubFolders Legacy”.' },
  flat: { title: 'Flat, dot-separated', detail: 'Archive.2024: OfflineIMAP’s default, mbsync “Flatten .”.' },
};

export const ENCODING_LABEL: Record<MaildirNameEncoding, { title: string; detail: string }> = {
  'utf-8': { title: 'As they are (UTF-8)', detail: 'Entwürfe is Entwürfe on disk.' },
  'modified-utf-7': { title: 'As IMAP spells them', detail: 'Entwürfe is Entw&APw-rfe on disk: Dovecot, OfflineIMAP, mbsync 1.4.' },
};

export const DEFAULT_STATE_PATH: Record<'mbsync' | 'offlineimap', string> = { mbsync: '~/.mbsync/', offlineimap: '~/.offlineimap' };

/** What is missing before these options can be used; null when they can. */
export function maildirOptionsProblem(o: MaildirOptions): string | null {
  if (o.adopt === 'none') return null;
  const path = o.statePath.trim();
  if (path === '') return 'Enter the folder where the other program keeps its sync state.';
  if (!/^(?:~\/|\/|[A-Za-z]:[\\/]|\\\\)/.test(path)) return 'The state folder must be a full path or start with ~/.';
  if (o.adopt === 'offlineimap' && o.repository.trim() === '') return 'Enter the name of the remote repository from your offlineimaprc.';
  return null;
}

/** The Maildir side of the account, naming only what differs from the defaults. */
export function maildirInput(path: string, o: MaildirOptions): MaildirEndpointInput {
  const importState: ImportStateInput | undefined =
    o.adopt === 'mbsync'
      ? { from: 'mbsync', path: o.statePath.trim() }
      : o.adopt === 'offlineimap'
        ? { from: 'offlineimap', path: o.statePath.trim(), repository: o.repository.trim() }
        : undefined;
  return {
    type: 'maildir',
    path: path.trim(),
    ...(o.layout !== 'verbatim' ? { layout: o.layout } : {}),
    ...(o.nameEncoding !== 'utf-8' ? { nameEncoding: o.nameEncoding } : {}),
    ...(importState ? { importState } : {}),
  };
}
