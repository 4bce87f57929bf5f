import { spawn } from 'node:child_process';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DovecotServer } from '../support/dovecot.js';
import { deliverLocal, localMessages, sha256 } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { SyncWorld, type SideView } from '../support/sync-world.js';

/**
 * SIGKILLs `mailferry sync` at random moments of a large two-way sync, many times in a row,
 * then lets it finish, and compares both sides with a model of what they must hold: every
 * message exactly once, with the merged flags. Two phases: a first sync of mail on both sides
 * (some of it identical, to be paired), then changes on both sides (flags, deletes, new mail).
 */
export interface KillStressOptions {
  server: DovecotServer;
  /** Messages on the remote side at the start, spread over INBOX and Archive. */
  remote: number;
  /** Messages only in the local INBOX at the start. */
  local: number;
  /** Identical messages on both sides at the start (paired by identity, never copied). */
  common: number;
  /** Kill attempts per phase (a run that finishes before its kill ends the phase early). */
  kills: number;
  /** Kill delays are drawn from [minDelayMs, maxDelayMs). */
  minDelayMs: number;
  maxDelayMs: number;
  seed: number;
  localImap?: boolean;
  log?: (line: string) => void;
}

export interface KillStressReport {
  killed: number;
  /** Kills that landed after the run had recorded progress in its state (not all at start-up). */
  killedMidWork: number;
  finishedEarly: number;
  messages: number;
}

const CLI = resolve(import.meta.dirname, '../../bin/mailferry.js');
const FOLDERS = ['INBOX', 'Archive'] as const;

/** What one message should look like on both sides. */
interface Modeled {
  folder: string;
  subject: string;
  bytes: Buffer;
  flags: Set<string>;
}

export async function runKillStress(opts: KillStressOptions): Promise<KillStressReport> {
  const log = opts.log ?? (() => undefined);
  const random = mulberry32(opts.seed);
  const w = await SyncWorld.create(opts.server, { localImap: opts.localImap ?? false });
  const model = new Map<string, Modeled>();
  const report: KillStressReport = { killed: 0, killedMidWork: 0, finishedEarly: 0, messages: 0 };
  try {
    let n = 0;
    const next = (folder: string, flags: string[]): Modeled => {
      const subject = `ks-${n++}`;
      const body = n % 25 === 0 ? `${'x'.repeat(76)}\r\n`.repeat(300) : `Body of ${subject}.\r\n`;
      const m = { folder, subject, bytes: makeMessage({ subject, messageId: `<${subject}@stress.test>`, body }), flags: new Set(flags) };
      model.set(subject, m);
      return m;
    };
    const someFlags = (): string[] => (random() < 0.3 ? ['\\Seen'] : random() < 0.1 ? ['\\Flagged', '\\Seen'] : []);

    await w.remote.createFolder('Archive');
    for (let i = 0; i < opts.remote; i++) {
      const m = next(FOLDERS[i % 2]!, someFlags());
      await w.remote.append(m.folder, m.bytes, { flags: [...m.flags] });
    }
    for (let i = 0; i < opts.local; i++) {
      const m = next('INBOX', someFlags());
      await addLocal(w, m);
    }
    for (let i = 0; i < opts.common; i++) {
      const m = next('INBOX', []);
      const remoteFlags = someFlags();
      const localFlags = someFlags();
      await w.remote.append('INBOX', m.bytes, { flags: remoteFlags });
      await addLocal(w, { ...m, flags: new Set(localFlags) });
      m.flags = new Set([...remoteFlags, ...localFlags]);
    }
    log(`phase 1: ${model.size} messages, ${opts.common} of them on both sides`);
    await killLoop(w, opts, random, report, log);
    await expectModel(w, model, 'after phase 1');

    // Phase 2: disjoint changes on both sides, each well below the mass-delete threshold.
    const inFolder = (folder: string) => [...model.values()].filter((m) => m.folder === folder);
    const pick = (list: Modeled[], share: number) => list.filter(() => random() < share);
    const taken = new Set<string>();
    const fresh = (list: Modeled[], share: number) => {
      const out = pick(list.filter((m) => !taken.has(m.subject)), share);
      for (const m of out) taken.add(m.subject);
      return out;
    };
    for (const folder of FOLDERS) {
      const all = inFolder(folder);
      const remoteIds = await remoteUids(w, folder);
      const flagOnRemote = fresh(all, 0.1);
      await w.remote.addFlags(folder, flagOnRemote.map((m) => remoteIds.get(m.subject)!), ['\\Flagged']);
      for (const m of flagOnRemote) m.flags.add('\\Flagged');
      const unseenOnRemote = fresh(all.filter((m) => m.flags.has('\\Seen')), 0.2);
      if (unseenOnRemote.length) await w.remote.removeFlags(folder, unseenOnRemote.map((m) => remoteIds.get(m.subject)!), ['\\Seen']);
      for (const m of unseenOnRemote) m.flags.delete('\\Seen');
      const deleteOnRemote = fresh(all, 0.05);
      if (deleteOnRemote.length) await w.remote.expunge(folder, deleteOnRemote.map((m) => remoteIds.get(m.subject)!));
      for (const m of deleteOnRemote) model.delete(m.subject);

      const answerLocally = fresh(all, 0.1).filter((m) => model.has(m.subject));
      for (const m of answerLocally) m.flags.add('\\Answered');
      const deleteLocally = fresh(all, 0.05).filter((m) => model.has(m.subject));
      for (const m of deleteLocally) model.delete(m.subject);
      await changeLocal(w, folder, answerLocally, deleteLocally);
    }
    const newRemote = Math.max(1, Math.round(opts.remote * 0.3));
    for (let i = 0; i < newRemote; i++) {
      const m = next(FOLDERS[i % 2]!, someFlags());
      await w.remote.append(m.folder, m.bytes, { flags: [...m.flags] });
    }
    const newLocal = Math.max(1, Math.round(opts.local * 0.2));
    for (let i = 0; i < newLocal; i++) await addLocal(w, next('INBOX', someFlags()));
    log(`phase 2: changes on both sides, ${model.size} messages expected`);
    await killLoop(w, opts, random, report, log);
    await expectModel(w, model, 'after phase 2');
    report.messages = model.size;
    return report;
  } finally {
    await w.close();
    await rm(w.dir, { recursive: true, force: true });
  }
}

/** Kills runs at random moments until one finishes or the kills are used up, then lets it finish. */
async function killLoop(w: SyncWorld, opts: KillStressOptions, random: () => number, report: KillStressReport, log: (line: string) => void): Promise<void> {
  for (let i = 0; i < opts.kills; i++) {
    const delay = Math.floor(opts.minDelayMs + random() * (opts.maxDelayMs - opts.minDelayMs));
    const before = await stateBytes(w);
    // Most kills wait for the run to start journaling (listing a large folder can outlast any
    // fixed delay), the rest land at a plain random time, start-up included.
    const r = await syncKilledAfter(w, delay, random() < 0.7 ? () => stateBytes(w).then((b) => b !== before) : null);
    if (r.signal === 'SIGKILL') {
      report.killed++;
      if ((await stateBytes(w)) !== before) report.killedMidWork++;
      continue;
    }
    if (r.code !== 0) throw new Error(`a run before its kill exited ${r.code}:\n${r.stderr}`);
    report.finishedEarly++;
    log(`  run ${i + 1} finished within ${delay} ms`);
    break;
  }
  for (let attempt = 1; ; attempt++) {
    const r = await syncKilledAfter(w, 10 * 60_000);
    if (r.code === 0) break;
    if (attempt === 3) throw new Error(`the sync did not finish after the kills (exit ${r.code ?? r.signal}):\n${r.stderr}`);
  }
  const quiet = await w.syncJson();
  for (const f of quiet.accounts[0]!.folders) {
    const changed = f.copied.toLocal + f.copied.toRemote + f.deleted.toLocal + f.deleted.toRemote + f.flagUpdates.toLocal + f.flagUpdates.toRemote;
    if (changed !== 0) throw new Error(`a run after the sync finished still changed ${changed} things in ${f.folder}: ${JSON.stringify(f)}`);
  }
  log(`  ${report.killed} kills so far, ${report.killedMidWork} of them after the run had journaled progress`);
}

/**
 * Runs a sync and SIGKILLs it `ms` after it starts, or, with `started`, `ms` after `started()`
 * first says the run is under way (polled every 20 ms).
 */
function syncKilledAfter(w: SyncWorld, ms: number, started: (() => Promise<boolean>) | null = null): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, 'sync', '--config', w.configPath], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let exited = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer = setTimeout(() => child.kill('SIGKILL'), ms);
    };
    if (started === null) arm();
    else {
      const poll = async () => {
        if (exited) return;
        if (await started()) arm();
        else setTimeout(() => void poll(), 20);
      };
      void poll();
    }
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      done({ code, signal, stderr });
    });
  });
}

/** Total size of the account's state files: it changes whenever a run journals anything. */
async function stateBytes(w: SyncWorld): Promise<number> {
  const dir = join(w.dir, 'state', 'test', 'folders');
  let total = 0;
  for (const name of await readdir(dir).catch(() => [])) total += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
  return total;
}

async function expectModel(w: SyncWorld, model: Map<string, Modeled>, when: string): Promise<void> {
  const expected: SideView = { Archive: [], INBOX: [] };
  for (const m of model.values()) expected[m.folder]!.push(`${sha256(m.bytes)} ${[...m.flags].sort().join(' ')}`);
  for (const f of FOLDERS) expected[f]!.sort();
  for (const [side, view] of [['remote', await w.remoteView([...FOLDERS])], ['local', await w.localView([...FOLDERS])]] as const) {
    for (const f of FOLDERS) {
      const got = view[f] ?? [];
      const want = expected[f]!;
      if (got.length !== want.length || got.some((line, i) => line !== want[i])) {
        const missing = want.filter((l) => !got.includes(l));
        const extra = got.filter((l) => !want.includes(l));
        throw new Error(`${when}: ${side} ${f} holds ${got.length} messages, expected ${want.length}; missing ${JSON.stringify(missing.slice(0, 5))}, unexpected ${JSON.stringify(extra.slice(0, 5))}`);
      }
    }
  }
}

async function addLocal(w: SyncWorld, m: Modeled): Promise<void> {
  if (w.localImap) {
    await w.localImap.append(m.folder, m.bytes, { flags: [...m.flags] });
    return;
  }
  const letters = [...m.flags].map((f) => ({ '\\Seen': 'S', '\\Flagged': 'F', '\\Answered': 'R' })[f] ?? '').sort().join('');
  await deliverLocal(w.maildir, m.folder, m.bytes, m.flags.size ? { letters } : {});
}

async function remoteUids(w: SyncWorld, folder: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of await w.remote.messages(folder)) out.set(subjectOf(m.bytes), m.uid);
  return out;
}

/** Adds \Answered to some messages and deletes others on the local side, reading the folder once. */
async function changeLocal(w: SyncWorld, folder: string, answer: Modeled[], remove: Modeled[]): Promise<void> {
  const answerSet = new Set(answer.map((m) => m.subject));
  const removeSet = new Set(remove.map((m) => m.subject));
  if (w.localImap) {
    const bySubject = new Map((await w.localImap.messages(folder)).map((m) => [subjectOf(m.bytes), m.uid]));
    if (answer.length) await w.localImap.addFlags(folder, answer.map((m) => bySubject.get(m.subject)!), ['\\Answered']);
    if (remove.length) await w.localImap.expunge(folder, remove.map((m) => bySubject.get(m.subject)!));
    return;
  }
  const dir = join(w.maildir, ...folder.split('/'));
  for (const m of await localMessages(w.maildir, folder)) {
    const subject = subjectOf(m.bytes);
    if (removeSet.has(subject)) await rm(join(dir, m.file));
    else if (answerSet.has(subject)) await rename(join(dir, m.file), join(dir, 'cur', `${m.unique}:2,${[...new Set([...m.letters, 'R'])].sort().join('')}`));
  }
}

function subjectOf(bytes: Buffer): string {
  return /\r?\nSubject: ([^\r\n]*)\r?\n/.exec(bytes.toString('latin1'))?.[1] ?? '';
}

/** A small seeded PRNG, so a failing run can be repeated with the same kill times. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
