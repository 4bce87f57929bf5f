import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStateStore } from '../../../electron/engine/state/account-state-store.js';
import { folderFiles, type FolderFiles } from '../../../electron/engine/state/folder-files.js';
import { loadFolderFiles, type FolderLoad } from '../../../electron/engine/state/folder-loader.js';
import { parseRecordJson, parseSnapshot, scanJournal } from '../../../electron/engine/state/state-codec.js';
import { sampleRecords } from '../state/state-fixtures.js';

/**
 * Damaged state files of every shape (random bytes, flipped bytes, cuts, duplicated and
 * swapped lines, edited JSON): loading returns ok or a reason, never throws, never hangs.
 */
const RUNS = { numRuns: 300 };
const FOLDER = 'Fuzz/Folder';

let dir: string;
let files: FolderFiles;
let snapshot: Buffer;
let journal: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailferry-fuzz-state-'));
  const store = await AccountStateStore.open(dir);
  const first = await store.loadFolder(FOLDER);
  if (!first.ok) throw new Error(first.reason);
  const j = store.openJournal(FOLDER, first.state, first.seq);
  const records = sampleRecords(FOLDER);
  for (const rec of records.slice(0, 9)) j.append(rec);
  await j.compact();
  for (const rec of records.slice(9)) j.append(rec);
  await j.sync('fuzz');
  await j.close();
  files = folderFiles(join(dir, 'folders'), FOLDER);
  snapshot = await readFile(files.snapshot);
  journal = await readFile(files.journal);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadWith(snap: Buffer | null, jour: Buffer | null): Promise<FolderLoad> {
  for (const [path, bytes] of [[files.snapshot, snap], [files.journal, jour]] as const) {
    if (bytes === null) await rm(path, { force: true });
    else await writeFile(path, bytes);
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('loading did not finish within 2 s')), 2000);
  });
  try {
    return await Promise.race([loadFolderFiles(files), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function expectVerdict(load: FolderLoad): void {
  if (load.ok) expect(load.state.folder).toBe(FOLDER);
  else expect(load.reason.length).toBeGreaterThan(0);
}

/** Byte-level damage to a buffer. */
const damage = (bytes: () => Buffer) =>
  fc.oneof(
    fc.nat().map((n) => bytes().subarray(0, n % (bytes().length + 1))),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 5 }).map((flips) => {
      const b = Buffer.from(bytes());
      for (const [at, x] of flips) b[at % b.length]! ^= x;
      return b;
    }),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 30 })).map(([at, ins]) => {
      const b = bytes();
      const i = at % (b.length + 1);
      return Buffer.concat([b.subarray(0, i), Buffer.from(ins), b.subarray(i)]);
    }),
    fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
  );

/** Line-level damage: lines dropped, repeated, swapped, or their JSON edited with a valid checksum missing. */
const lineDamage = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('drop', 'repeat', 'swap', 'edit')).map(([a, b, op]) => {
  const lines = journal.toString('utf8').split('\n').slice(0, -1);
  const i = a % lines.length;
  const k = b % lines.length;
  if (op === 'drop') lines.splice(i, 1);
  else if (op === 'repeat') lines.splice(i, 0, lines[i]!);
  else if (op === 'swap') [lines[i], lines[k]] = [lines[k]!, lines[i]!];
  else lines[i] = lines[i]!.replace(/"op":"\w+"/, '"op":"pair"');
  return Buffer.from(lines.map((l) => `${l}\n`).join(''));
});

describe('state files under fuzzing', () => {
  it('the undamaged files load with every record', async () => {
    const load = await loadWith(snapshot, journal);
    expect(load.ok).toBe(true);
  });

  it('a damaged snapshot (with its journal): ok or a reason, never a throw', async () => {
    await fc.assert(fc.asyncProperty(damage(() => snapshot), async (snap) => expectVerdict(await loadWith(snap, journal))), RUNS);
  });

  it('a damaged journal (with its snapshot, or alone): ok or a reason, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(damage(() => journal), lineDamage), fc.boolean(), async (jour, withSnapshot) => expectVerdict(await loadWith(withSnapshot ? snapshot : null, jour))),
      RUNS,
    );
  });

  it('the parsers alone never throw on any bytes or text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }), (bytes, text, json) => {
        parseSnapshot(Buffer.from(bytes), FOLDER);
        scanJournal(Buffer.from(bytes));
        parseRecordJson(text);
        parseRecordJson(JSON.stringify(json));
      }),
      RUNS,
    );
  });
});
