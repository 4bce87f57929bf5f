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

describe('a folder stopped by the safety check', () => {
  it('shows what each side holds now, not what the last sync left (LOCAL 42 while the Maildir held 0)', async () => {
    const { massDeleteSides } = await import('../../../electron/engine/conflicts/describe-sides.js');
    const runtime = emptyRuntime();
    runtime.overview = {
      account: 'work',
      folders: [
        {
          ...folder(null),
          folder: 'Archive',
          remoteMessages: 42,
          localMessages: 42,
          conflicts: [
            { id: 'mass-delete-stopped:Archive', kind: 'mass-delete-stopped', detail: 'stopped', sides: massDeleteSides('Archive', 'remote', 42, { remote: 42, local: 0 }), at: '2026-12-01T10:00:00.000Z', settled: null },
          ],
        },
      ],
    };
    const account = config({ type: 'maildir', path: '/tmp/Mail' });
    expect(folderViews(account, runtime)[0]).toMatchObject({ folder: 'Archive', remoteMessages: 42, localMessages: 0, conflicts: 1 });
    // "Restore" chosen: nothing is copied back before the next pass, which then records the state.
    runtime.overview.folders[0]!.conflicts[0]!.settled = 'keep-both';
    expect(folderViews(account, runtime)[0]).toMatchObject({ remoteMessages: 42, localMessages: 0, conflicts: 0 });
    runtime.overview.folders[0]!.conflicts = [];
    expect(folderViews(account, runtime)[0]).toMatchObject({ remoteMessages: 42, localMessages: 42, conflicts: 0 });
  });
});
