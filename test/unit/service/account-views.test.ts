import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../shared/config.js';
import type { FolderOverview } from '../../../shared/api/engine-protocol.js';
import { accountView, emptyRuntime, folderViews } from '../../../electron/service/accounts/account-views.js';
import type { Passwords } from '../../../electron/service/accounts/passwords.js';

const config = (local: object) =>
  ConfigSchema.parse({
    accounts: [{ name: 'work', remote: { type: 'imap', host: 'imap.example.org', user: 'a', password: 'x' }, local }],
  }).accounts[0]!;

const folder = (pending: FolderOverview['pending']): FolderOverview => ({
  folder: 'Sent',
  lastSync: '2026-12-01T10:00:00.000Z',
  remoteMessages: 3,
  localMessages: 3,
  conflicts: [],
  pending,
  damaged: null,
});

const passwords = { source: () => 'config' } as unknown as Passwords;
const schedule = { running: false, paused: false, nextSync: null };

describe('what the account screen says about mail on one side only', () => {
  it('a folder with pending work says so in the app\'s words, and the account needs attention', () => {
    const runtime = emptyRuntime();
    runtime.overview = { account: 'work', folders: [folder({ copies: { toLocal: 0, toRemote: 2 }, deletes: { toLocal: 0, toRemote: 1 }, reasons: ['Message contains bare newlines'] })] };
    const account = config({ type: 'maildir', path: '/tmp/Mail' });
    expect(folderViews(account, runtime)[0]!.pending).toBe(
      '2 messages only on this computer, 1 message deleted on this computer but still on the server (Message contains bare newlines); tried again at every sync',
    );
    expect(accountView(account, runtime, schedule, passwords).state).toBe('needs-attention');
    const imapReplica = config({ type: 'imap', host: 'imap.local.example', user: 'b', password: 'y' });
    expect(folderViews(imapReplica, runtime)[0]!.pending).toMatch(/^2 messages only on the local account,/);
  });

  it('a folder in step shows nothing and the account is up to date', () => {
    const runtime = emptyRuntime();
    runtime.overview = { account: 'work', folders: [folder(null)] };
    const account = config({ type: 'maildir', path: '/tmp/Mail' });
    expect(folderViews(account, runtime)[0]!.pending).toBeNull();
    expect(accountView(account, runtime, schedule, passwords).state).toBe('up-to-date');
  });
});
