import type { AccountState, ConnectionTestResult, ErrorKind, ServerGuess } from '../../../shared/api/app-api.js';
import type { SideChange } from '../../../shared/conflict-sides.js';
import type { Direction } from '../../../shared/config.js';

/** Plain words for everything the engine reports by code. */

export { CONFLICT_TITLE, choiceText } from '../../../shared/conflict-wording.js';

export const STATE_LABEL: Record<AccountState, string> = {
  'never-synced': 'Not synced yet',
  'up-to-date': 'Up to date',
  syncing: 'Syncing',
  paused: 'Paused',
  error: 'Error',
  'needs-attention': 'Needs attention',
};

/** What to do about an account-wide error. */
export const ERROR_ADVICE: Record<ErrorKind, string> = {
  auth: 'The server refused the user name or password. Edit the account and enter the current password.',
  unreachable: 'Mailferry could not reach the server. It tries again at the next sync; check the network or the server name if this persists.',
  'tls-untrusted': 'The server’s certificate is not trusted. Edit the account and test the connection to review the certificate.',
  'tls-mismatch': 'The server’s certificate changed or does not belong to this server. Do not trust it unless your provider announced a new certificate.',
  protocol: 'The server did not answer as expected. Check the port and security settings.',
  locked: 'Another Mailferry process is syncing this account. It is tried again later.',
  config: 'The account’s settings are incomplete or invalid. Edit the account to fix them.',
  'signin-required': 'The sign-in with the account’s provider (Google, Microsoft, …) was revoked or has expired, so Mailferry stopped syncing it. Sign in again (on the command line: mailferry login --account followed by the account’s name).',
  folder: 'Some folders could not be synced. Open the account to see which.',
  other: 'Something unexpected went wrong. The Activity log has the details.',
};

export type TestFailureKind = Extract<ConnectionTestResult, { ok: false }>['kind'];

export const TEST_FAILURE_TITLE: Record<TestFailureKind, string> = {
  auth: 'Wrong user name or password',
  unreachable: 'Cannot reach the server',
  'tls-untrusted': 'The server’s certificate is not trusted',
  'tls-mismatch': 'The certificate does not match',
  protocol: 'The server did not answer as expected',
  config: 'These settings cannot be used',
};

export const GUESS_SOURCE: Record<ServerGuess['source'], string> = {
  provider: 'From Mailferry’s list of mail providers',
  srv: 'Published by your domain (DNS SRV records)',
  guess: 'A guess from your address — please check it',
};

export const DIRECTION_LABEL: Record<Direction, { title: string; detail: string }> = {
  both: { title: 'Both ways', detail: 'Changes on either side reach the other.' },
  pull: { title: 'From the server to the local copy only', detail: 'A backup: nothing in the local copy is sent to the server.' },
  push: { title: 'From the local copy to the server only', detail: 'An upload: nothing on the server is copied to the local copy.' },
};

export const SIDE_CHANGE_LABEL: Record<SideChange, string> = {
  deleted: 'Deleted',
  'flags-changed': 'Flags changed',
  moved: 'Moved',
  'folder-deleted': 'Folder deleted',
  'folder-kept': 'Folder kept, with mail in it',
  'messages-removed': 'Messages removed',
  'deletions-stopped': 'Deletions stopped by the safety check',
};

const FLAG_NAME: Record<string, string> = {
  '\\Answered': 'Answered',
  '\\Flagged': 'Flagged',
  '\\Draft': 'Draft',
  '\\Deleted': 'Marked for deletion',
  $Forwarded: 'Forwarded',
};

/** "Read, Flagged": read or unread always, then the other flags, keywords as they are spelled. */
export function flagsText(flags: readonly string[]): string {
  const rest = flags.filter((f) => f !== '\\Seen').map((f) => FLAG_NAME[f] ?? f);
  return [flags.includes('\\Seen') ? 'Read' : 'Unread', ...rest].join(', ');
}
