import { mkdir, readdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durableStepsSoFar } from '../../../electron/engine/fault-hook.js';
import { AccountStateStore } from '../../../electron/engine/state/account-state-store.js';
import { emptyFolderState, type StateRecord } from '../../../electron/engine/state/folder-state.js';
import { encodeFolderName } from '../../../electron/engine/state/folder-files.js';
import { formatJournalLine } from '../../../electron/engine/state/state-codec.js';
import { hex, identity, replayed, sampleRecords } from './state-fixtures.js';
import { useTempDirs } from './temp-dirs.js';

const tempAccountDir = useTempDirs();
const FOLDER = 'INBOX';

async function freshStore() {
  const dir = await tempAccountDir();
  const store = await AccountStateStore.open(dir);
  const snap = join(dir, 'folders', `${encodeFolderName(FOLDER)}.snap`);
  const journal = join(dir, 'folders', `${encodeFolderName(FOLDER)}.journal`);
  return { dir, store, snap, journal };
}

async function loadOk(store: AccountStateStore, folder = FOLDER) {
  const load = await store.loadFolder(folder);
  if (!load.ok) throw new Error(`expected ok load, got: ${load.reason}`);
  return load;
}

/** Journals `records` (syncing after each) and compacts after the first `compactAfter`. */
async function writeRecords(store: AccountStateStore, records: StateRecord[], compactAfter?: number, folder = FOLDER) {
  const load = await loadOk(store, folder);
  const journal = store.openJournal(folder, load.state, load.seq);
  for (const [i, rec] of records.entries()) {
    journal.append(rec);
    await journal.sync(`test ${i}`);
    if (compactAfter === i + 1) await journal.compact();
  }
  await journal.close();
  return journal.state;
}

function flipByte(bytes: Buffer, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] = out[at] === 0x31 ? 0x32 : 0x31;
  return out;
}

describe('loading what was written', () => {
  it('replays snapshot plus journal to the expected pairs, flags, intents, ghosts, conflicts and status', async () => {
    const { store } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER), 8);
    const load = await loadOk(store);
    expect(load.seq).toBe(17);
    expect(load.notes).toEqual([]);
    const s = load.state;
    expect([...s.pairs.keys()]).toEqual([1, 2]);
    expect(s.pairs.get(1)).toEqual({ key: 1, remote: '9', local: '1700000000.M1P1.host', flags: ['\\Seen'], identity: identity(1) });
    expect(s.pairs.get(2)?.flags).toEqual(['\\Answered', '\\Seen']);
    expect(s.pairs.get(2)?.identity).toEqual({ messageId: null, size: 512, headerSha256: hex('h2') });
    expect(s.nextKey).toBe(4);
    expect([...s.intents.keys()]).toEqual([2]);
    expect(s.intents.get(2)?.ticket).toEqual({ kind: 'maildir', unique: '1700000001.M9P2.host' });
    expect(s.intents.get(2)?.identity).toBeNull();
    expect(s.nextIntent).toBe(3);
    expect(s.ghosts.map((g) => g.identity.sha256)).toEqual([identity(6).sha256]);
    expect(s.conflicts.map((c) => c.id)).toEqual(['c1']);
    expect(s.status.remote).toEqual({ uidValidity: '1700000000', uidNext: 12, highestModseq: '77', messages: 3, changeToken: null });
    expect(s.status.local?.changeToken).toBe('cur:5/new:0');
    expect(s.lastSync).toBe(1_700_000_500_000);
    expect(s).toEqual(replayed(FOLDER, sampleRecords(FOLDER)));
  });

  it('gives the same state after a compaction, with an empty journal and the seq in the snapshot header', async () => {
    const { store, snap, journal } = await freshStore();
    const written = await writeRecords(store, sampleRecords(FOLDER), 17);
    expect(await readFile(journal, 'utf8')).toBe('');
    const header = JSON.parse((await readFile(snap, 'utf8')).split('\n')[0]!);
    expect(header).toMatchObject({ format: 'mailferry-folder-state', version: 1, seq: 17 });
    const load = await loadOk(store);
    expect(load.state).toEqual(written);
    expect(load.state).toEqual(replayed(FOLDER, sampleRecords(FOLDER)));
    expect(load.seq).toBe(17);
  });

  it('keeps the in-memory state equal to what a reload sees', async () => {
    const { store } = await freshStore();
    const written = await writeRecords(store, sampleRecords(FOLDER));
    expect((await loadOk(store)).state).toEqual(written);
  });

  it('keeps stray copies, one per side and id (a later record replaces it), through the journal and a compaction, and drops them by strayDone', async () => {
    const { store } = await freshStore();
    const stray = (side: 'remote' | 'local', id: string, movingTo: string | null) => ({ op: 'stray' as const, stray: { side, id, uidValidity: '1700000000', movingTo } });
    const records: StateRecord[] = [
      stray('remote', '7', 'Archive'),
      stray('remote', '8', null),
      stray('local', '7', null),
      stray('remote', '7', null),
      { op: 'strayDone', side: 'remote', id: '8' },
    ];
    const written = await writeRecords(store, records, 3);
    const want = [
      { side: 'local', id: '7', uidValidity: '1700000000', movingTo: null },
      { side: 'remote', id: '7', uidValidity: '1700000000', movingTo: null },
    ];
    expect(written.strays).toEqual(want);
    expect((await loadOk(store)).state.strays).toEqual(want);
  });

  it('loads a snapshot written before stray copies were kept as having none', async () => {
    const { store, snap } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER), 17);
    const [header, body] = (await readFile(snap, 'utf8')).split('\n') as [string, string];
    const { strays, ...older } = JSON.parse(body) as Record<string, unknown>;
    expect(strays).toEqual([]);
    const olderBody = JSON.stringify(older);
    await writeFile(snap, `${JSON.stringify({ ...JSON.parse(header), sha256: hex(olderBody) })}\n${olderBody}`);
    expect((await loadOk(store)).state.strays).toEqual([]);
  });

  it('gives an empty state at seq 0 for a folder without files', async () => {
    const { store } = await freshStore();
    expect(await store.loadFolder('Never/Synced')).toEqual({ ok: true, state: emptyFolderState('Never/Synced'), seq: 0, notes: [] });
  });

  it('drops a torn last line, says so, and appends cleanly after it', async () => {
    const { store, journal } = await freshStore();
    const records = sampleRecords(FOLDER);
    await writeRecords(store, records.slice(0, 5));
    const torn = formatJournalLine(6, JSON.stringify(records[5])).slice(0, 30);
    await appendFile(journal, torn);

    const load = await loadOk(store);
    expect(load.seq).toBe(5);
    expect(load.state).toEqual(replayed(FOLDER, records.slice(0, 5)));
    expect(load.notes).toHaveLength(1);
    expect(load.notes[0]).toContain('dropped an incomplete last line (30 bytes)');

    const j = store.openJournal(FOLDER, load.state, load.seq);
    j.append(records[5]!);
    await j.sync('after torn');
    await j.close();
    const lines = (await readFile(journal, 'utf8')).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[5]!.startsWith('6 ')).toBe(true);
    const reload = await loadOk(store);
    expect(reload.notes).toEqual([]);
    expect(reload.state).toEqual(replayed(FOLDER, records.slice(0, 6)));
  });

  it('does not write or step anything when sync has nothing buffered', async () => {
    const { store, journal } = await freshStore();
    const steps = durableStepsSoFar();
    const j = store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
    await j.sync('nothing');
    await j.close();
    expect(durableStepsSoFar()).toBe(steps);
    await expect(readFile(journal)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('counts one durable step per sync that wrote something', async () => {
    const { store } = await freshStore();
    const steps = durableStepsSoFar();
    const j = store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
    j.append({ op: 'synced', at: 1 });
    j.append({ op: 'synced', at: 2 });
    await j.sync('two records');
    expect(durableStepsSoFar()).toBe(steps + 1);
    await j.compact();
    expect(durableStepsSoFar()).toBe(steps + 3);
    await j.close();
  });

  it('writes records appended during an in-flight sync in seq order', async () => {
    const { store, journal } = await freshStore();
    const records = sampleRecords(FOLDER);
    const j = store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
    const pending: Promise<void>[] = [];
    for (const rec of records) {
      j.append(rec);
      pending.push(j.sync('concurrent'));
    }
    await Promise.all(pending);
    await j.close();
    const seqs = (await readFile(journal, 'utf8')).trimEnd().split('\n').map((l) => Number(l.split(' ')[0]));
    expect(seqs).toEqual(records.map((_, i) => i + 1));
    expect((await loadOk(store)).state).toEqual(replayed(FOLDER, records));
  });
});

describe('damaged files fail the load, naming the file and line', () => {
  it('rejects a journal line with a flipped byte', async () => {
    const { store, journal } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER).slice(0, 4));
    const bytes = await readFile(journal);
    const lines = bytes.toString('utf8').split('\n');
    const line2Start = lines[0]!.length + 1;
    // Flip a digit inside line 2's JSON: still valid JSON, so only the checksum can tell.
    const at = line2Start + lines[1]!.indexOf('"uidValidity":"') + '"uidValidity":"'.length;
    await writeFile(journal, flipByte(bytes, at));

    const load = await store.loadFolder(FOLDER);
    expect(load.ok).toBe(false);
    if (load.ok) return;
    expect(load.reason).toContain(journal);
    expect(load.reason).toContain('line 2: checksum mismatch');
  });

  it('rejects a snapshot with a flipped byte', async () => {
    const { store, snap } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER), 10);
    const bytes = await readFile(snap);
    await writeFile(snap, flipByte(bytes, Math.floor(bytes.length * 0.6)));
    const load = await store.loadFolder(FOLDER);
    expect(load).toMatchObject({ ok: false });
    if (!load.ok) expect(load.reason).toMatch(new RegExp(`^snapshot .*${encodeFolderName(FOLDER)}\\.snap: checksum mismatch`));
  });

  it('rejects a truncated snapshot, whether cut in the body or in the header', async () => {
    const { store, snap } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER), 17);
    const bytes = await readFile(snap);
    await writeFile(snap, bytes.subarray(0, bytes.length - 40));
    const inBody = await store.loadFolder(FOLDER);
    expect(inBody.ok).toBe(false);
    if (!inBody.ok) expect(inBody.reason).toContain('checksum mismatch');

    await writeFile(snap, bytes.subarray(0, 20));
    const inHeader = await store.loadFolder(FOLDER);
    expect(inHeader.ok).toBe(false);
    if (!inHeader.ok) expect(inHeader.reason).toContain('truncated: no complete header line');

    await writeFile(snap, '');
    expect((await store.loadFolder(FOLDER)).ok).toBe(false);
  });

  it('rejects a seq gap and a seq repeat', async () => {
    const { store, journal } = await freshStore();
    const recs = sampleRecords(FOLDER).map((r) => JSON.stringify(r));
    await writeFile(journal, [formatJournalLine(1, recs[0]!), formatJournalLine(2, recs[1]!), formatJournalLine(4, recs[2]!)].join(''));
    const gap = await store.loadFolder(FOLDER);
    expect(gap).toEqual({ ok: false, reason: `journal ${journal}: line 3: seq gap: expected seq 3, found 4` });

    await writeFile(journal, [formatJournalLine(1, recs[0]!), formatJournalLine(2, recs[1]!), formatJournalLine(2, recs[1]!)].join(''));
    const repeat = await store.loadFolder(FOLDER);
    expect(repeat).toEqual({ ok: false, reason: `journal ${journal}: line 3: seq repeat: expected seq 3, found 2` });
  });

  it('rejects a journal that does not start at seq 1 when there is no snapshot', async () => {
    const { store, journal } = await freshStore();
    await writeFile(journal, formatJournalLine(5, JSON.stringify({ op: 'synced', at: 1 })));
    const load = await store.loadFolder(FOLDER);
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toContain('line 1: journal starts at seq 5 but there is no snapshot');
  });

  it('rejects a journal that skips past the snapshot seq', async () => {
    const { store, journal } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER).slice(0, 3), 3);
    await writeFile(journal, formatJournalLine(5, JSON.stringify({ op: 'synced', at: 1 })));
    const load = await store.loadFolder(FOLDER);
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toContain('seq gap: snapshot ends at seq 3, journal starts at 5');
  });

  it('rejects a snapshot of an unknown version', async () => {
    const { store, snap } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER), 17);
    const text = await readFile(snap, 'utf8');
    await writeFile(snap, text.replace('"version":1', '"version":2'));
    const load = await store.loadFolder(FOLDER);
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toContain('unknown version 2');
  });

  it('rejects a checksummed record that is not a valid record, and unparsable JSON', async () => {
    const { store, journal } = await freshStore();
    await writeFile(journal, formatJournalLine(1, JSON.stringify({ op: 'pair', pair: { key: 'one' } })));
    const bad = await store.loadFolder(FOLDER);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/line 1: invalid record: pair\.key: /);

    await writeFile(journal, formatJournalLine(1, '{"op":'));
    const unparsable = await store.loadFolder(FOLDER);
    expect(unparsable.ok).toBe(false);
    if (!unparsable.ok) expect(unparsable.reason).toContain('line 1: unparsable JSON');
  });

  it('rejects an empty or malformed complete line instead of skipping it', async () => {
    const { store, journal } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER).slice(0, 2));
    await appendFile(journal, '\n');
    const load = await store.loadFolder(FOLDER);
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toContain('line 3: malformed');
  });

  it('rejects a snapshot that belongs to another folder', async () => {
    const { store, dir, snap } = await freshStore();
    await writeRecords(store, sampleRecords('Sent'), 17, 'Sent');
    await writeFile(snap, await readFile(join(dir, 'folders', `${encodeFolderName('Sent')}.snap`)));
    const load = await store.loadFolder(FOLDER);
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toContain('belongs to folder "Sent"');
  });
});

describe('crashes during compaction', () => {
  it('loads the old snapshot with the full journal when the new snapshot never got renamed', async () => {
    const { store, dir, snap, journal } = await freshStore();
    const records = sampleRecords(FOLDER);
    await writeRecords(store, records.slice(0, 6), 6);
    const load = await loadOk(store);
    const j = store.openJournal(FOLDER, load.state, load.seq);
    for (const rec of records.slice(6)) j.append(rec);
    await j.sync('tail');
    const oldSnap = await readFile(snap);
    const oldJournal = await readFile(journal);
    await j.compact();
    await j.close();
    // Back to the moment before the rename, with the finished temp file left behind.
    const newSnap = await readFile(snap);
    await writeFile(snap, oldSnap);
    await writeFile(journal, oldJournal);
    await writeFile(join(dir, 'folders', `.${encodeFolderName(FOLDER)}.snap.tmp-1-abcd`), newSnap);

    const reload = await loadOk(store);
    expect(reload.seq).toBe(17);
    expect(reload.state).toEqual(replayed(FOLDER, records));
    expect(await store.folders()).toEqual([FOLDER]);
  });

  it('skips the records already in a new snapshot when the journal was not reset yet, then continues the journal', async () => {
    const { store, snap, journal } = await freshStore();
    const records = sampleRecords(FOLDER);
    await writeRecords(store, records.slice(0, 6), 6);
    const load = await loadOk(store);
    const j = store.openJournal(FOLDER, load.state, load.seq);
    for (const rec of records.slice(6, 12)) j.append(rec);
    await j.sync('tail');
    const oldJournal = await readFile(journal);
    await j.compact();
    await j.close();
    await writeFile(journal, oldJournal);
    expect(JSON.parse((await readFile(snap, 'utf8')).split('\n')[0]!).seq).toBe(12);

    const reload = await loadOk(store);
    expect(reload.seq).toBe(12);
    expect(reload.state).toEqual(replayed(FOLDER, records.slice(0, 12)));
    expect(reload.notes).toEqual([expect.stringContaining('skipped 6 record(s) already in the snapshot')]);

    const j2 = store.openJournal(FOLDER, reload.state, reload.seq);
    j2.append(records[12]!);
    await j2.sync('after');
    await j2.close();
    // The stale records were cleared before seq 13 was written.
    expect((await readFile(journal, 'utf8')).split('\n')[0]!.startsWith('13 ')).toBe(true);
    const last = await loadOk(store);
    expect(last.notes).toEqual([]);
    expect(last.state).toEqual(replayed(FOLDER, records.slice(0, 13)));
  });
});

describe('writing guards', () => {
  it('refuses an invalid record without consuming a seq', async () => {
    const { store } = await freshStore();
    const j = store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
    expect(() => j.append({ op: 'unpair', key: Number.NaN })).toThrow(/refusing to journal an invalid unpair record: key/);
    expect(() => j.append({ op: 'flags', key: 1, flags: ['\\Seen'], extra: 1 } as unknown as StateRecord)).toThrow(/invalid flags record/);
    j.append({ op: 'synced', at: 5 });
    expect(j.seq).toBe(1);
    await j.close();
    expect(await loadOk(store)).toMatchObject({ seq: 1, state: { lastSync: 5 } });
  });

  it('refuses to append when the files moved on since the state was loaded', async () => {
    const { store } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER).slice(0, 3));
    const j = store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
    j.append({ op: 'synced', at: 1 });
    await expect(j.sync('stale')).rejects.toThrow('on disk is at seq 3, but its journal was opened at seq 0');
    expect(() => j.append({ op: 'synced', at: 2 })).toThrow(/failed earlier/);
    await j.close();
    expect((await loadOk(store)).seq).toBe(3);
  });

  it('throws when the write fails and stays failed', async () => {
    const { store, journal } = await freshStore();
    await mkdir(journal);
    const j = store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
    j.append({ op: 'synced', at: 1 });
    await expect(j.sync('write')).rejects.toThrow();
    await expect(j.sync('again')).rejects.toThrow(/failed earlier/);
    await j.close();
  });

  it('allows one open journal per folder', async () => {
    const { store } = await freshStore();
    const j = store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
    expect(() => store.openJournal(FOLDER, emptyFolderState(FOLDER), 0)).toThrow('already open');
    await expect(store.deleteFolderState(FOLDER)).rejects.toThrow('is open');
    await j.close();
    store.openJournal(FOLDER, emptyFolderState(FOLDER), 0);
  });
});

describe('quarantine and delete', () => {
  it('moves damaged files aside, byte for byte, after which the folder loads empty', async () => {
    const { store, dir, snap, journal } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER), 10);
    const bytes = await readFile(journal);
    await writeFile(journal, flipByte(bytes, 5));
    const snapBytes = await readFile(snap);
    expect((await store.loadFolder(FOLDER)).ok).toBe(false);

    const moved = await store.quarantine(FOLDER);
    expect(moved).toHaveLength(2);
    expect(moved).toEqual([
      expect.stringMatching(/\/%49%4E%42%4F%58\.snap\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/),
      expect.stringMatching(/\/%49%4E%42%4F%58\.journal\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/),
    ]);
    expect(await readFile(moved[0]!)).toEqual(snapBytes);
    expect(await readFile(moved[1]!)).toEqual(flipByte(bytes, 5));
    expect(await store.loadFolder(FOLDER)).toEqual({ ok: true, state: emptyFolderState(FOLDER), seq: 0, notes: [] });
    expect(await store.folders()).toEqual([]);
    expect((await readdir(join(dir, 'folders'))).sort()).toEqual(moved.map((p) => p.slice(join(dir, 'folders').length + 1)).sort());

    // A later quarantine keeps the files of the earlier one.
    await writeRecords(store, sampleRecords(FOLDER).slice(0, 2));
    const again = await store.quarantine(FOLDER);
    expect(again).toHaveLength(1);
    expect(new Set([...moved, ...again]).size).toBe(3);
  });

  it('deletes both files', async () => {
    const { store, dir } = await freshStore();
    await writeRecords(store, sampleRecords(FOLDER), 10);
    await writeRecords(store, sampleRecords('Sent'), undefined, 'Sent');
    await store.deleteFolderState(FOLDER);
    expect(await store.folders()).toEqual(['Sent']);
    expect((await readdir(join(dir, 'folders'))).sort()).toEqual(['%53ent.journal']);
    expect((await loadOk(store)).seq).toBe(0);
  });
});

describe('folder names on disk', () => {
  const names = [
    'INBOX',
    'inbox',
    'Sent Items',
    'Archive/2024/Q1',
    '.hidden',
    '..',
    'a*b?c:d"e<f>g|h\\i',
    'con',
    'NUL',
    'lpt1.backup',
    '100% done',
    'Входящие/Проекты/Переписка с клиентами по договору поставки оборудования 2024',
    '收件箱/项目/客户往来邮件/二零二四年/第一季度/合同与发票/重要',
  ];

  it('lists every folder with state under its exact name, with no two files that differ only in case', async () => {
    const { store, dir } = await freshStore();
    for (const name of names) await writeRecords(store, [{ op: 'synced', at: 1 }], undefined, name);
    expect(await store.folders()).toEqual([...names].sort());
    const files = await readdir(join(dir, 'folders'));
    expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(files.length);
    for (const f of files) {
      expect(Buffer.byteLength(f)).toBeLessThan(200);
      expect(f).toMatch(/^[A-Za-z0-9%\-_.!~'()]+$/);
      expect(f).not.toMatch(/^\./);
      expect(f).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i);
    }
    for (const name of names) expect((await loadOk(store, name)).state.lastSync).toBe(1);
  });

  it('ignores temp, quarantined and stray files', async () => {
    const { store, dir } = await freshStore();
    await writeRecords(store, [{ op: 'synced', at: 1 }]);
    const folders = join(dir, 'folders');
    await writeFile(join(folders, '.x.snap.tmp-1-ff'), '');
    await writeFile(join(folders, 'Foo.snap'), '');
    await writeFile(join(folders, `${encodeFolderName(FOLDER)}.journal.corrupt-2024`), '');
    expect(await store.folders()).toEqual([FOLDER]);
  });
});
