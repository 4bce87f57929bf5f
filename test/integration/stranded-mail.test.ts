import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FolderSummary, SyncSummary } from '../../shared/sync-summary.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { deliverLocal } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { SyncWorld, type CliResult } from '../support/sync-world.js';

/**
 * A message the server refuses must never sit on one side while runs say all is well: its
 * folder is 'incomplete' with a count and the server's words, the run exits 1, every later
 * run retries it (also once the Maildir is old enough for the no-change skip to trust it),
 * and `status` names it until it is across.
 */
let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const msg = (n: string) => makeMessage({ subject: n, messageId: `<${n}@stranded.test>`, body: `Body of ${n}.\r\n` });

function inbox(r: CliResult): FolderSummary {
  const summary = JSON.parse(r.stdout) as SyncSummary;
  const f = summary.accounts[0]?.folders.find((x) => x.folder === 'INBOX');
  if (!f) throw new Error(`no INBOX in ${r.stdout}`);
  return f;
}

/** Past the 2 s in which a Maildir directory's mtime vouches for nothing. */
const settle = () => new Promise((r) => setTimeout(r, 2300));

describe('mail the server refuses is never left behind silently', () => {
  it('a refused upload makes the folder incomplete, exits 1, is retried by every run and shown by status until it is across', async () => {
    const w = await SyncWorld.create(server);
    await deliverLocal(w.maildir, 'INBOX', msg('fine'));
    // Dovecot refuses to store a zero-byte message ("Can't save a zero byte message").
    const empty = join(w.maildir, 'INBOX', 'cur', '1700000000.M1P1.empty:2,S');
    await writeFile(empty, '');

    const first = await w.sync(['--json']);
    expect(first.code, first.stderr).toBe(1);
    const f1 = inbox(first);
    expect(f1.outcome).toBe('incomplete');
    expect(f1.copied.toRemote).toBe(1);
    expect(f1.pending.copies).toEqual({ toLocal: 0, toRemote: 1 });
    expect(f1.pending.reasons.join(' ')).toMatch(/zero byte/i);
    expect(f1.error).toMatch(/^1 message only on the local side \(.*zero byte.*\); tried again at every sync$/i);

    // Runs 2 and 3, the second when the directory is old enough to be trusted unchanged.
    for (const wait of [false, true]) {
      if (wait) await settle();
      const again = await w.sync(['--json']);
      expect(again.code).toBe(1);
      const f = inbox(again);
      expect(f.outcome).toBe('incomplete');
      expect(f.pending.copies.toRemote).toBe(1);
    }
    const plain = await w.sync();
    expect(plain.code).toBe(1);
    expect(plain.stderr + plain.stdout).toMatch(/INBOX: .*INCOMPLETE: 1 message only on the local side/);

    const status = await w.status();
    expect(status.stdout).toMatch(/INBOX: 1 messages, .*\n\s+NOT IN STEP: 1 message only on this computer \(.*zero byte.*\); tried again at every sync/i);

    // Once the file has content, the next run carries it across and everything is in step.
    await writeFile(empty, msg('late'));
    const healed = await w.sync(['--json']);
    expect(healed.code, healed.stderr).toBe(0);
    expect(inbox(healed).outcome).toBe('synced');
    expect(inbox(healed).copied.toRemote).toBe(1);
    expect((await w.remote.messages('INBOX')).length).toBe(2);
    expect((await w.status()).stdout).not.toMatch(/NOT IN STEP/);
    // The pass after an upload lists the folder once (our own APPEND moved HIGHESTMODSEQ);
    // the one after it is skipped as unchanged: the hint is back.
    const after = await w.sync(['--json']);
    expect(after.code).toBe(0);
    expect(inbox(after).copied).toEqual({ toLocal: 0, toRemote: 0 });
    await settle();
    const quiet = await w.sync(['--json']);
    expect(quiet.code).toBe(0);
    expect(inbox(quiet).outcome).toBe('unchanged');
    await w.close();
  });
});
