import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListedConflict } from '../../electron/cli/run-conflicts.js';
import { acquireAccountLock } from '../../electron/engine/state/account-lock.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { localMessages } from '../support/local-maildir.js';
import { deleteVsChangeWorld } from '../support/conflict-scenarios.js';
import { runCli, SyncWorld } from '../support/sync-world.js';

/**
 * `mailferry conflicts` and `conflicts settle` as a user runs them: a message deleted here and
 * flagged on the server is a conflict; the CLI lists it with what happened on each side, as
 * the app's Conflicts screen does, and a choice made there is carried out by the next sync.
 */
let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const conflictsOf = (w: SyncWorld, extra: string[] = []) => runCli(['conflicts', '--config', w.configPath, ...extra]);

async function listed(w: SyncWorld): Promise<ListedConflict[]> {
  const r = await conflictsOf(w, ['--json']);
  expect([r.code, r.stderr]).toEqual([0, '']);
  return (JSON.parse(r.stdout) as { conflicts: ListedConflict[] }).conflicts;
}

const deleteVsChange = () => deleteVsChangeWorld(server);

const subjects = async (w: SyncWorld) => ({
  remote: (await w.remote.messages('INBOX')).map((m) => /\r\nSubject: ([^\r]*)/.exec(m.bytes.toString())?.[1]).sort(),
  local: (await localMessages(w.maildir, 'INBOX')).map((m) => /\nSubject: ([^\r\n]*)/.exec(m.bytes.toString())?.[1]).sort(),
});

describe('mailferry conflicts', () => {
  it('lists a delete-vs-change conflict with each side, settles it "delete-both", and the next sync deletes it on both sides', async () => {
    const w = await deleteVsChange();
    expect((await w.status()).stdout).toContain('    (mailferry conflicts shows what happened on each side and how to settle it)\n');
    const [c, ...more] = await listed(w);
    expect(more).toEqual([]);
    expect(c).toMatchObject({ account: 'test', folder: 'INBOX', kind: 'delete-vs-change', choices: ['keep-both', 'delete-both'], settled: null, ref: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(c!.sides).toMatchObject({
      remote: { change: 'flags-changed', message: { subject: 'disputed', present: true, flags: expect.arrayContaining(['\\Flagged']) } },
      local: { change: 'deleted', message: { subject: 'disputed', present: false } },
    });

    const text = await conflictsOf(w);
    expect([text.code, text.stderr]).toEqual([0, '']);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^test/INBOX: conflict ${c!.ref} \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\)$`));
    expect(lines[1]).toBe('  Deleted on one side, changed on the other');
    expect(text.stdout).toMatch(/^ {4} +Server \(127\.0\.0\.1\) +This computer$/m);
    expect(text.stdout).toMatch(/^ {4}What happened +Flags changed +Deleted$/m);
    expect(text.stdout).toMatch(/^ {4}Subject +disputed +disputed$/m);
    expect(text.stdout).toMatch(/^ {4}Flags +Unread, Flagged +Unread \(before it was deleted\)$/m);
    expect(text.stdout).toContain('    keep-both    Keep the message: It stays on both sides, as Mailferry already restored it.\n');
    expect(text.stdout).toContain('    delete-both  Delete on both sides: ');
    expect(text.stdout).toContain(`  settle with: mailferry conflicts settle ${c!.ref} CHOICE\n`);
    // The restored message is on both sides until the choice is carried out.
    expect(await subjects(w)).toEqual({ remote: ['bystander', 'disputed'], local: ['bystander', 'disputed'] });

    const settle = await conflictsOf(w, ['settle', c!.ref.slice(0, 5), 'delete-both']);
    expect(settle).toEqual({
      code: 0,
      stdout: `test/INBOX: conflict ${c!.ref} settled: delete-both (Delete on both sides); the next sync carries it out (now: mailferry sync --account test --folder "INBOX")\n`,
      stderr: '',
    });
    expect(await listed(w)).toMatchObject([{ ref: c!.ref, settled: 'delete-both' }]);
    expect((await conflictsOf(w)).stdout).toContain('  settled: delete-both (Delete on both sides); the next sync of INBOX carries it out\n');

    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.deleted).toEqual({ toLocal: 1, toRemote: 1 });
    expect(await subjects(w)).toEqual({ remote: ['bystander'], local: ['bystander'] });
    expect(await listed(w)).toEqual([]);
    expect(await conflictsOf(w)).toEqual({ code: 0, stdout: 'no open conflicts\n', stderr: '' });
    await w.close();
  });

  it('"keep-both" dismisses it at once, the message stays on both sides', async () => {
    const w = await deleteVsChange();
    const [c] = await listed(w);
    const settle = await conflictsOf(w, ['settle', c!.ref, 'keep-both']);
    expect(settle).toEqual({ code: 0, stdout: `test/INBOX: conflict ${c!.ref} settled: keep-both (Keep the message); nothing more to do\n`, stderr: '' });
    expect(await listed(w)).toEqual([]);
    await w.syncJson();
    expect(await subjects(w)).toEqual({ remote: ['bystander', 'disputed'], local: ['bystander', 'disputed'] });
    await w.close();
  });

  it('refuses what cannot be done, saying why, and touches nothing', async () => {
    const w = await deleteVsChange();
    const [c] = await listed(w);
    const usage = (stderr: string) => ({ code: 2, stdout: '', stderr: `mailferry: ${stderr}\nRun "mailferry help conflicts" for usage.\n` });
    expect(await conflictsOf(w, ['settle', 'ffffffff', 'keep-both'])).toEqual(usage(`no open conflict "ffffffff"; "mailferry conflicts" lists them (open: ${c!.ref})`));
    expect(await conflictsOf(w, ['settle', c!.ref, 'keep'])).toEqual(usage('"keep" is not a choice (choices: keep-both, delete-both, take-local, take-remote, allow-deletion)'));
    expect(await conflictsOf(w, ['settle', c!.ref, 'allow-deletion'])).toEqual(
      usage('"allow-deletion" does not settle this conflict (deleted on one side, changed on the other); choose keep-both (Keep the message), delete-both (Delete on both sides)'),
    );
    expect(await conflictsOf(w, ['settle', c!.ref])).toEqual(usage('"conflicts settle" takes a conflict and a choice: mailferry conflicts settle REF CHOICE'));
    expect(await conflictsOf(w, ['--folder', 'INBOX'])).toEqual(usage('--folder is for "mailferry sync", not "conflicts"'));

    // While a sync holds the account's lock (here: this test process), the choice waits for it.
    const lock = await acquireAccountLock(join(w.dir, 'state', 'test'), 'test');
    try {
      const busy = await conflictsOf(w, ['settle', c!.ref, 'delete-both']);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(new RegExp(`^mailferry: conflict ${c!.ref} not settled: account "test" is being synced by another mailferry process \\(pid ${process.pid}, since .*\\); wait for it to finish\\n$`));
    } finally {
      await lock.release();
    }
    expect(await listed(w)).toMatchObject([{ ref: c!.ref, settled: null }]);
    await w.close();
  });
});
