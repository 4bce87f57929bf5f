import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DovecotServer, DovecotUser } from '../test/support/dovecot.js';
import { applyChanges, type ChangeCounts } from './changes.js';
import type { CorpusSpec } from './corpus.js';
import { measure, type Measurement } from './measure.js';
import { measureWatchCycles } from './watch-cycles.js';
import type { Endpoint, Mode, Replica, Tool } from './tools/tool.js';
import { compareViews, type MaildirLayout, type SideView, type Verdict, type Verifier } from './verify.js';

export type WorkloadKind = 'first' | 'resync' | 'changes' | 'watch';

export interface Workload {
  id: string;
  title: string;
  mode: Mode;
  kind: WorkloadKind;
}

export const WORKLOADS: Workload[] = [
  { id: 'W1', title: 'first sync IMAP→Maildir', mode: 'maildir', kind: 'first' },
  { id: 'W2', title: 'no-change resync IMAP↔Maildir', mode: 'maildir', kind: 'resync' },
  { id: 'W3', title: 'resync IMAP↔Maildir after server changes', mode: 'maildir', kind: 'changes' },
  { id: 'W4', title: 'first sync IMAP→IMAP', mode: 'imap', kind: 'first' },
  { id: 'W5', title: 'no-change resync IMAP↔IMAP', mode: 'imap', kind: 'resync' },
  { id: 'W6', title: 'resync IMAP↔IMAP after server changes', mode: 'imap', kind: 'changes' },
  { id: 'W7', title: 'no-change cycle inside a running watch engine', mode: 'maildir', kind: 'watch' },
];

/** W7: timed no-change passes per repetition (each in a freshly started watch engine). */
const WATCH_CYCLES = 30;

/** Maildir directories touched within this long are not trusted unchanged by Mailferry (coarse mtimes); a real resync comes later. */
const SETTLE_MS = 2500;
const DOVECOT_LAYOUT: MaildirLayout = { inboxAtRoot: true, mutf7: true };

export interface RunRecord {
  tool: string;
  rep: number;
  measurement: Measurement;
  verdict: Verdict;
  /** Why these figures do not count: a failed exit, a timeout, or sides left different. */
  invalid: string | null;
}

export interface WorkloadResult extends Workload {
  runs: RunRecord[];
  /** The server changes applied before each repetition (W3, W6). */
  changes: ChangeCounts[];
  note: string | null;
}

export interface BenchContext {
  server: DovecotServer;
  /** Each tool's own copy of the corpus per mode (key `tool/mode`): a tool that changes the server cannot skew the others. */
  remotes: Map<string, DovecotUser>;
  spec: CorpusSpec;
  tools: Tool[];
  reps: number;
  workDir: string;
  verifier: Verifier;
  timeoutMs: number;
  log: (line: string) => void;
}

interface Live {
  replica: Replica;
  remoteUser: DovecotUser;
  argv: string[];
  endedAt: number;
}

/** Runs every workload in order; W2/W3 reuse the replicas W1 left, W5/W6 those of W4. */
export async function runWorkloads(ctx: BenchContext): Promise<WorkloadResult[]> {
  const live = new Map<string, Live>();
  const results: WorkloadResult[] = [];
  let round = 0;
  for (const w of WORKLOADS) {
    const result: WorkloadResult = { ...w, runs: [], changes: [], note: null };
    results.push(result);
    if (w.kind === 'watch') {
      await runWatchCycles(ctx, live, result);
      continue;
    }
    const tools = ctx.tools.filter((t) => t.modes.includes(w.mode));
    for (let rep = 0; rep < ctx.reps; rep++) {
      // Alternate: each repetition starts with the next tool.
      for (const tool of [...tools.slice(rep % tools.length), ...tools.slice(0, rep % tools.length)]) {
        const key = `${tool.name}/${w.mode}`;
        if (w.kind === 'first') {
          const old = live.get(key);
          if (old) await discard(ctx, old.replica);
          live.set(key, await fresh(ctx, tool, w.mode, rep));
        }
        const l = live.get(key);
        if (!l) throw new Error(`${w.id} needs the replica ${tool.name} made in the first-sync workload`);
        if (w.kind === 'changes') {
          // Same round, same selection on every tool's identical server copy.
          const counts = await applyChanges(ctx.server, l.remoteUser, ctx.spec, round + rep);
          if (result.changes.length === rep) result.changes.push(counts);
        }
        const wait = l.endedAt + SETTLE_MS - Date.now();
        if (w.kind !== 'first' && wait > 0) await new Promise((r) => setTimeout(r, wait));
        const record = await runOnce(ctx, tool, l, rep);
        result.runs.push(record);
        ctx.log(`${w.id} rep ${rep + 1}/${ctx.reps} ${tool.name.padEnd(11)} ${(record.measurement.wallMs / 1000).toFixed(2)} s  ` +
          `${record.invalid ? `INVALID: ${record.invalid}` : `verified (${record.verdict.messages} messages)`}`);
      }
    }
    if (w.kind === 'changes') round += ctx.reps;
  }
  for (const l of live.values()) await discard(ctx, l.replica);
  return results;
}

/** W7 on the replica W1–W3 left, for each tool that has a long-running engine. */
async function runWatchCycles(ctx: BenchContext, live: Map<string, Live>, result: WorkloadResult): Promise<void> {
  for (const tool of ctx.tools.filter((t) => t.watch && t.modes.includes(result.mode))) {
    const l = live.get(`${tool.name}/${result.mode}`);
    if (!l) throw new Error(`${result.id} needs the replica ${tool.name} made in the first-sync workload`);
    for (let rep = 0; rep < ctx.reps; rep++) {
      const m = await measureWatchCycles({
        argv: tool.watch!(l.replica),
        cwd: l.replica.dir,
        env: toolEnv(l.replica),
        cycles: WATCH_CYCLES,
        settleMs: SETTLE_MS,
        timeoutMs: ctx.timeoutMs,
      });
      const verdict = await verify(ctx, tool, l);
      const invalid = m.exitCode !== 0 ? `exit status ${m.exitCode}` : !verdict.identical ? `sides differ: ${verdict.reason}` : null;
      result.runs.push({ tool: tool.name, rep, measurement: m, verdict, invalid });
      ctx.log(`${result.id} rep ${rep + 1}/${ctx.reps} ${tool.name.padEnd(11)} ${m.wallMs.toFixed(1)} ms per cycle (median of ${m.cycleMs.length}), ` +
        `${m.cpuMs.toFixed(1)} ms CPU  ${invalid ? `INVALID: ${invalid}` : `verified (${verdict.messages} messages)`}`);
    }
  }
  result.note = `Per cycle: one no-change pass of a running \`watch\` engine over ${ctx.spec.folders} folders, its connections open; ` +
    `median of ${WATCH_CYCLES} cycles per repetition. Only Mailferry has such an engine.`;
}

const toolEnv = (replica: Replica) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: replica.dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' });

/** Compares the tool's replica with the server as `remote` (read when not given) shows it. */
async function verify(ctx: BenchContext, tool: Tool, l: Live, remote?: SideView): Promise<Verdict> {
  remote ??= await ctx.verifier.maildirView(ctx.server.mailRoot(l.remoteUser.user), DOVECOT_LAYOUT);
  const local = l.replica.mode === 'maildir'
    ? await ctx.verifier.maildirView(l.replica.maildir, tool.maildirLayout)
    : await ctx.verifier.maildirView(ctx.server.mailRoot(l.replica.local.user), DOVECOT_LAYOUT);
  return compareViews(remote, local);
}

async function runOnce(ctx: BenchContext, tool: Tool, l: Live, rep: number): Promise<RunRecord> {
  const remoteRoot = ctx.server.mailRoot(l.remoteUser.user);
  const before = await ctx.verifier.maildirView(remoteRoot, DOVECOT_LAYOUT);
  const m = await measure(l.argv, { cwd: l.replica.dir, env: toolEnv(l.replica), timeoutMs: ctx.timeoutMs });
  l.endedAt = Date.now();
  const remote = await ctx.verifier.maildirView(remoteRoot, DOVECOT_LAYOUT);
  const verdict = await verify(ctx, tool, l, remote);
  // Every change in these workloads is on the server, so a correct sync leaves the server as it was.
  const serverKept = compareViews(before, remote, ['before', 'after']);
  const lastLine = m.output.trim().split('\n').at(-1) ?? '';
  const invalid = m.timedOut ? `timed out after ${ctx.timeoutMs / 1000} s`
    : m.exitCode !== 0 ? `exit status ${m.exitCode}${lastLine ? `: ${lastLine}` : ''}`
    : !verdict.identical ? `sides differ: ${verdict.reason}`
    : !serverKept.identical ? `changed the server: ${serverKept.reason}`
    : null;
  return { tool: tool.name, rep, measurement: m, verdict, invalid };
}

async function fresh(ctx: BenchContext, tool: Tool, mode: Mode, rep: number): Promise<Live> {
  const dir = path.join(ctx.workDir, `${tool.name}-${mode}-${rep}`);
  await mkdir(dir, { recursive: true });
  const remoteUser = ctx.remotes.get(`${tool.name}/${mode}`);
  if (!remoteUser) throw new Error(`no server copy for ${tool.name}/${mode}`);
  const remote: Endpoint = { host: ctx.server.host, port: ctx.server.port, user: remoteUser.user, password: remoteUser.password };
  let replica: Replica;
  if (mode === 'maildir') {
    const maildir = path.join(dir, 'Mail');
    await mkdir(maildir);
    replica = { mode, dir, remote, maildir };
  } else {
    const u = await ctx.server.addUser();
    replica = { mode, dir, remote, local: { host: ctx.server.host, port: ctx.server.port, user: u.user, password: u.password } };
  }
  return { replica, remoteUser, argv: await tool.prepare(replica), endedAt: 0 };
}

/** Frees the disk of a replica that is done with (a first sync of the next repetition replaces it). */
async function discard(ctx: BenchContext, replica: Replica): Promise<void> {
  await rm(replica.dir, { recursive: true, force: true });
  if (replica.mode === 'imap') await rm(ctx.server.mailRoot(replica.local.user), { recursive: true, force: true });
}
