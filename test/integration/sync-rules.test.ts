import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { SyncWorld } from '../support/sync-world.js';
import { deleteLocal, deliverLocal, localMessages, setLocalLetters, sha256 } from '../support/local-maildir.js';
import { largeMessage, makeMessage, oddMessages } from '../support/messages.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

/** Each rule runs IMAP<->Maildir and IMAP<->IMAP: the engine must not care which the replica is. */
describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('%s', (_name, localImap) => {
  async function world(account: Record<string, unknown> = {}): Promise<SyncWorld> {
    return SyncWorld.create(server, { localImap, account });
  }

  /** Puts a message on the local side, whichever kind it is; returns its local id. */
  async function addLocal(w: SyncWorld, folder: string, bytes: Buffer, flags: string[] = []): Promise<string> {
    if (w.localImap) return String(await w.localImap.append(folder, bytes, { flags }));
    return deliverLocal(w.maildir, folder, bytes, { letters: flags.length ? flagsToLetters(flags) : undefined });
  }

  it('first sync copies every folder byte-exact with flags, keywords and dates; a second run changes nothing', async () => {
    const w = await world();
    const date = new Date('2023-07-14T08:30:00Z');
    await w.remote.createFolder('Archive/2024');
    await w.remote.append('INBOX', makeMessage({ subject: 'one' }), { flags: ['\\Seen', '$Forwarded', 'Work'], internalDate: date });
    await w.remote.append('INBOX', makeMessage({ subject: 'two' }), { flags: ['\\Flagged'] });
    await w.remote.append('Archive/2024', makeMessage({ subject: 'three' }), { flags: ['\\Answered', '\\Seen'] });

    const first = await w.syncJson();
    const inbox = first.accounts[0]!.folders.find((f) => f.folder === 'INBOX')!;
    expect(inbox.copied).toEqual({ toLocal: 2, toRemote: 0 });
    expect(await w.localView(['INBOX', 'Archive/2024'])).toEqual(await w.remoteView(['INBOX', 'Archive/2024']));

    if (!w.localImap) {
      const local = await localMessages(w.maildir, 'INBOX');
      const one = local.find((m) => m.bytes.includes('Subject: one'))!;
      expect(one.mtime.getTime()).toBe(date.getTime());
      expect(one.unique).not.toMatch(/U=|,U=/);
    } else {
      const local = await w.localImap.messages('INBOX');
      expect(local.find((m) => m.bytes.includes('Subject: one'))!.internalDate.getTime()).toBe(date.getTime());
    }

    const second = await w.syncJson();
    for (const f of second.accounts[0]!.folders) {
      expect(f).toMatchObject({ copied: { toLocal: 0, toRemote: 0 }, deleted: { toLocal: 0, toRemote: 0 }, flagUpdates: { toLocal: 0, toRemote: 0 }, conflicts: 0 });
    }
    await w.close();
  });

  it('odd messages survive byte for byte both ways: 8-bit, long lines, no Message-ID, folded headers, 5 MB', async () => {
    const w = await world();
    const odd = oddMessages();
    const big = largeMessage(5 * 1024 * 1024);
    for (const m of [...odd.slice(0, 2), big]) await w.remote.append('INBOX', m);
    for (const m of odd.slice(2)) await addLocal(w, 'INBOX', m);
    await w.syncJson();
    const remote = await w.remoteView(['INBOX']);
    expect(remote).toEqual(await w.localView(['INBOX']));
    const hashes = remote.INBOX!.map((line) => line.split(' ')[0]);
    expect(hashes.sort()).toEqual([...odd, big].map(sha256).sort());
    await w.close();
  });

  it('new messages on both sides are copied each way, including a new folder on either side', async () => {
    const w = await world();
    await w.syncJson();
    await w.remote.append('INBOX', makeMessage({ subject: 'from remote' }));
    await addLocal(w, 'INBOX', makeMessage({ subject: 'from local' }), ['\\Seen']);
    await w.remote.createFolder('Projects');
    await w.remote.append('Projects', makeMessage({ subject: 'project mail' }));
    if (w.localImap) await w.localImap.createFolder('Notes');
    await addLocal(w, 'Notes', makeMessage({ subject: 'local note' }));
    const r = await w.syncJson();
    const byName = Object.fromEntries(r.accounts[0]!.folders.map((f) => [f.folder, f]));
    expect(byName.INBOX!.copied).toEqual({ toLocal: 1, toRemote: 1 });
    expect(byName.Projects!.copied).toEqual({ toLocal: 1, toRemote: 0 });
    expect(byName.Notes!.copied).toEqual({ toLocal: 0, toRemote: 1 });
    const folders = ['INBOX', 'Projects', 'Notes'];
    expect(await w.localView(folders)).toEqual(await w.remoteView(folders));
    expect((await w.remoteView(['INBOX'])).INBOX).toHaveLength(2);
    await w.close();
  });

  it('flags merge per flag: local +Seen and remote +Answered give both; local -Seen and remote +Flagged give Flagged only', async () => {
    const w = await world();
    const uidA = await w.remote.append('INBOX', makeMessage({ subject: 'a' }));
    const uidB = await w.remote.append('INBOX', makeMessage({ subject: 'b' }), { flags: ['\\Seen'] });
    await w.syncJson();
    const local = await localIds(w);
    await w.remote.addFlags('INBOX', [uidA], ['\\Answered', '$label1']);
    await setLocalFlags(w, local.get('a')!, ['\\Seen']);
    await w.remote.addFlags('INBOX', [uidB], ['\\Flagged']);
    await setLocalFlags(w, local.get('b')!, []);
    await w.syncJson();
    const remote = await w.remote.messages('INBOX');
    expect(remote.find((m) => m.uid === uidA)!.flags.sort()).toEqual(['$label1', '\\Answered', '\\Seen']);
    expect(remote.find((m) => m.uid === uidB)!.flags.sort()).toEqual(['\\Flagged']);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    await w.close();
  });

  it('deletes travel both ways, by UID EXPUNGE only: another client\'s \\Deleted mark survives', async () => {
    const w = await world();
    const uids = [];
    for (const s of ['keep', 'gone-remote', 'gone-local', 'soft']) uids.push(await w.remote.append('INBOX', makeMessage({ subject: s })));
    await w.syncJson();
    const local = await localIds(w);
    await w.remote.expunge('INBOX', [uids[1]!]);
    await removeLocal(w, local.get('gone-local')!);
    await w.remote.addFlags('INBOX', [uids[3]!], ['\\Deleted']);
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.deleted).toEqual({ toLocal: 1, toRemote: 1 });
    const remote = await w.remote.messages('INBOX');
    expect(remote.map((m) => m.uid)).toEqual([uids[0], uids[3]]);
    expect(remote[1]!.flags).toContain('\\Deleted');
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    await w.close();
  });

  it('deleted on one side but changed on the other: kept, restored, and recorded as a conflict', async () => {
    const w = await world();
    const uid = await w.remote.append('INBOX', makeMessage({ subject: 'precious' }));
    await w.syncJson();
    const local = await localIds(w);
    await removeLocal(w, local.get('precious')!);
    await w.remote.addFlags('INBOX', [uid], ['\\Flagged']);
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.conflicts).toBe(1);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    expect((await w.remoteView(['INBOX'])).INBOX).toHaveLength(1);
    const status = await (await import('../support/sync-world.js')).runCli(['status', '--config', w.configPath, '--json']);
    const report = JSON.parse(status.stdout);
    expect(report.accounts[0].folders[0].conflicts[0].kind).toBe('delete-vs-change');
    await w.close();
  });

  it('a count-neutral change (one expunged, one delivered) is seen', async () => {
    const w = await world();
    const uid = await w.remote.append('INBOX', makeMessage({ subject: 'old' }));
    await w.syncJson();
    await w.remote.expunge('INBOX', [uid]);
    await w.remote.append('INBOX', makeMessage({ subject: 'new' }));
    await w.syncJson();
    const local = await localIds(w);
    expect([...local.keys()]).toEqual(['new']);
    await w.close();
  });

  it('the mass-delete check stops a folder whose replica was emptied, and --allow-mass-delete lets it through', async () => {
    const w = await world();
    for (let i = 0; i < 12; i++) await w.remote.append('INBOX', makeMessage({ subject: `m${i}` }));
    await w.syncJson();
    for (const id of (await localIds(w)).values()) await removeLocal(w, id);
    const stopped = await w.sync(['--json']);
    expect(stopped.code).toBe(1);
    const folder = JSON.parse(stopped.stdout).accounts[0].folders[0];
    expect(folder.outcome).toBe('stopped');
    expect(folder.error).toMatch(/would delete 12 of 12 messages on the remote side/);
    expect((await w.remote.messages('INBOX')).length).toBe(12);
    const allowed = await w.syncJson(['--allow-mass-delete', '--folder', 'INBOX']);
    expect(allowed.accounts[0]!.folders[0]!.deleted.toRemote).toBe(12);
    expect((await w.remote.messages('INBOX')).length).toBe(0);
    await w.close();
  });

  it('after a UIDVALIDITY reset that reuses UIDs for other messages nothing is lost, duplicated or misflagged', async () => {
    const w = await world();
    const uids = [];
    for (const s of ['first', 'second', 'third']) uids.push(await w.remote.append('INBOX', makeMessage({ subject: s })));
    await w.remote.addFlags('INBOX', [uids[2]!], ['\\Flagged']);
    await w.syncJson();
    // "first" is deleted (and that reaches the replica), then the server renumbers:
    // "second" gets UID 1, the UID "first" had, and "third" UID 2.
    await w.remote.expunge('INBOX', [uids[0]!]);
    await w.syncJson();
    await w.remote.close();
    await server.resetUidValidity(w.user.user, 'INBOX');
    const fx = await (await import('../support/imap-fixture.js')).connect(server, w.user);
    const after = await fx.messages('INBOX');
    expect(after.map((m) => m.uid)).toEqual([1, 2]);
    await fx.close();
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.notes.join(' ')).toMatch(/UIDVALIDITY/);
    const local = await localIds(w);
    expect([...local.keys()].sort()).toEqual(['second', 'third']);
    const view = await w.localView(['INBOX']);
    expect(view.INBOX!.filter((l) => l.includes('\\Flagged'))).toHaveLength(1);
    const fx2 = await (await import('../support/imap-fixture.js')).connect(server, w.user);
    expect((await fx2.messages('INBOX')).find((m) => m.bytes.includes('Subject: third'))!.flags).toContain('\\Flagged');
    expect(await w.localView(['INBOX'])).toEqual(await imapViewOf(fx2));
    await fx2.close();
    await w.close();
  });

  /** Subject -> local id, read straight from the local side. */
  async function localIds(w: SyncWorld): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (w.localImap) {
      for (const m of await w.localImap.messages('INBOX')) out.set(subjectOf(m.bytes), String(m.uid));
    } else {
      for (const m of await localMessages(w.maildir, 'INBOX')) out.set(subjectOf(m.bytes), m.unique);
    }
    return out;
  }

  async function setLocalFlags(w: SyncWorld, id: string, flags: string[]): Promise<void> {
    if (w.localImap) {
      const current = (await w.localImap.messages('INBOX')).find((m) => String(m.uid) === id)!.flags;
      const drop = current.filter((f) => f !== '\\Recent');
      if (drop.length) await w.localImap.removeFlags('INBOX', [Number(id)], drop);
      if (flags.length) await w.localImap.addFlags('INBOX', [Number(id)], flags);
    } else {
      await setLocalLetters(w.maildir, 'INBOX', id, flagsToLetters(flags));
    }
  }

  async function removeLocal(w: SyncWorld, id: string): Promise<void> {
    if (w.localImap) await w.localImap.expunge('INBOX', [Number(id)]);
    else await deleteLocal(w.maildir, 'INBOX', id);
  }
});

async function imapViewOf(fx: import('../support/imap-fixture.js').ImapFixture) {
  const { createHash } = await import('node:crypto');
  return {
    INBOX: (await fx.messages('INBOX'))
      .map((m) => `${createHash('sha256').update(m.bytes).digest('hex')} ${m.flags.filter((x) => x !== '\\Recent').sort().join(' ')}`)
      .sort(),
  };
}

function subjectOf(bytes: Buffer): string {
  return /^Subject: (.*)$/m.exec(bytes.toString('latin1'))![1]!.trim();
}

function flagsToLetters(flags: string[]): string {
  const map: Record<string, string> = { '\\Draft': 'D', '\\Flagged': 'F', $Forwarded: 'P', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };
  return flags.map((f) => map[f] ?? '').join('');
}

/**
 * Without CONDSTORE every run lists UIDs, flags and sizes, which is how a server that renumbers
 * silently is caught. (With CONDSTORE only changes are fetched; a server that keeps its change
 * history while renumbering is not detectable cheaply, and Dovecot does not do that.)
 */
describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('a non-compliant server, %s', (_name, localImap) => {
  let plain: DovecotServer;
  beforeAll(async () => {
    plain = await startDovecot({ capability: 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT LITERAL+ UIDPLUS MOVE NAMESPACE SPECIAL-USE' });
  });
  afterAll(async () => {
    await plain?.stop();
  });

  it('a server without CONDSTORE that reuses UIDs without changing UIDVALIDITY is detected: no flag lands on the wrong message', async () => {
    const w = await SyncWorld.create(plain, { localImap });
    const uids = [];
    for (const s of ['first', 'second']) uids.push(await w.remote.append('INBOX', makeMessage({ subject: s })));
    await w.remote.addFlags('INBOX', [uids[0]!], ['\\Flagged']);
    await w.syncJson();
    const before = await w.remote.uidValidity('INBOX');
    // The server loses its UID map and numbers its messages from 1 again under the old
    // UIDVALIDITY: "second" now has UID 1 (which was "first"'s) and new mail gets UIDs 2 and 3.
    await w.remote.expunge('INBOX', [uids[0]!]);
    await w.remote.close();
    await plain.resetUidValidity(w.user.user, 'INBOX');
    await plain.setUidValidity(w.user.user, 'INBOX', before);
    const { connect } = await import('../support/imap-fixture.js');
    const fx = await connect(plain, w.user);
    await fx.append('INBOX', makeMessage({ subject: 'third' }));
    await fx.append('INBOX', makeMessage({ subject: 'fourth' }));
    expect((await fx.messages('INBOX')).map((m) => [m.uid, subjectOf(m.bytes)])).toEqual([
      [1, 'second'],
      [2, 'third'],
      [3, 'fourth'],
    ]);
    await fx.close();
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.notes.join(' ')).toMatch(/old UIDs to new messages/);
    // "second" keeps no \Flagged (that was "first"'s), new mail arrives once, "first" is not lost.
    const view = await w.localView(['INBOX']);
    expect(view.INBOX).toHaveLength(4);
    expect(view.INBOX!.filter((l) => l.includes('\\Flagged'))).toHaveLength(1);
    const fx2 = await connect(plain, w.user);
    const remote = await fx2.messages('INBOX');
    expect(remote.find((m) => subjectOf(m.bytes) === 'second')!.flags).not.toContain('\\Flagged');
    expect(remote.find((m) => subjectOf(m.bytes) === 'first')!.flags).toContain('\\Flagged');
    expect(view).toEqual(await imapViewOf(fx2));
    await fx2.close();
    await w.close();
  });

});

describe('folders, dry runs, and what only a Maildir replica has', () => {
  it('--dry-run prints the plan and changes nothing on either side', async () => {
    const w = await SyncWorld.create(server);
    await w.remote.append('INBOX', makeMessage({ subject: 'waiting' }));
    await deliverLocal(w.maildir, 'INBOX', makeMessage({ subject: 'local' }));
    const r = await w.sync(['--dry-run', '--json']);
    expect(r.code).toBe(0);
    const inbox = JSON.parse(r.stdout).accounts[0].folders[0];
    expect(inbox).toMatchObject({ outcome: 'planned', copied: { toLocal: 1, toRemote: 1 } });
    expect(r.stderr).toMatch(/test\/INBOX: 1 to copy to local, 1 to copy to remote \(dry run\)/);
    expect(await w.remote.messages('INBOX')).toHaveLength(1);
    expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(1);
    await w.close();
  });

  it('local keywords and file dates reach the server', async () => {
    const w = await SyncWorld.create(server);
    await w.syncJson();
    const date = new Date('2022-02-02T12:00:00Z');
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await mkdir(join(w.maildir, 'INBOX'), { recursive: true });
    await writeFile(join(w.maildir, 'INBOX', 'dovecot-keywords'), '0 $Junk\n1 ProjectX\n');
    await deliverLocal(w.maildir, 'INBOX', makeMessage({ subject: 'tagged' }), { letters: 'Sab', mtime: date });
    await w.syncJson();
    const [m] = await w.remote.messages('INBOX');
    expect(m!.flags.sort()).toEqual(['$Junk', 'ProjectX', '\\Seen']);
    expect(m!.internalDate.getTime()).toBe(date.getTime());
    await w.close();
  });

  it('a folder deleted on one side is deleted on the other only when empty there; otherwise kept and reported', async () => {
    const w = await SyncWorld.create(server);
    await w.remote.createFolder('Empty');
    await w.remote.createFolder('Full');
    await w.remote.append('Full', makeMessage({ subject: 'keep me' }));
    await w.syncJson();
    const { rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    // The user removes both folders from the replica; the server's "Full" still has mail.
    await rm(join(w.maildir, 'Empty'), { recursive: true });
    await rm(join(w.maildir, 'Full'), { recursive: true });
    const r = await w.sync(['--json']);
    expect(r.code).toBe(1);
    const byName = Object.fromEntries(JSON.parse(r.stdout).accounts[0].folders.map((f: { folder: string }) => [f.folder, f]));
    expect(byName.Empty.outcome).toBe('synced');
    expect(byName.Full).toMatchObject({ outcome: 'stopped', error: expect.stringMatching(/deleted on the local side but the remote side still holds 1 message/) });
    const { localFolderNames } = await import('../support/local-maildir.js');
    expect(await localFolderNames(w.maildir)).toEqual(['INBOX']);
    const names = (await w.remote.client.list()).map((b) => b.path).sort();
    expect(names).toEqual(['Full', 'INBOX']);
    expect(await w.remote.messages('Full')).toHaveLength(1);
    await w.close();
  });
});
