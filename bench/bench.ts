import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDovecot, type DovecotUser } from '../test/support/dovecot.js';
import { describeCorpus, type CorpusSpec } from './corpus.js';
import { loadCorpus } from './load-corpus.js';
import { GNU_TIME } from './measure.js';
import { checkTargets, workloadReport, type BenchReport } from './report.js';
import { interimap } from './tools/interimap.js';
import { mailferry } from './tools/mailferry.js';
import { mbsync } from './tools/mbsync.js';
import { offlineimap } from './tools/offlineimap.js';
import type { Tool } from './tools/tool.js';
import { Verifier } from './verify.js';
import { runWorkloads } from './workloads.js';

export const ALL_TOOLS: Tool[] = [mailferry, mbsync, offlineimap, interimap];

export interface BenchOptions extends CorpusSpec {
  reps: number;
  /** Tool names to run; the ones not installed are skipped and listed as missing. */
  tools: string[];
  timeoutMs: number;
  log: (line: string) => void;
}

/** Starts a Dovecot, loads the corpus, runs every workload with every installed tool, and reports. */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg()[0]!;
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed to measure the tools: apt-get install time`);
  const tools: Tool[] = [];
  const versions: string[] = [];
  const missing: string[] = [];
  for (const t of ALL_TOOLS.filter((t) => opts.tools.includes(t.name))) {
    const v = await t.version();
    if (v === null) missing.push(t.name);
    else {
      tools.push(t);
      versions.push(v);
    }
  }
  if (!tools.some((t) => t.name === 'mailferry')) throw new Error('mailferry does not run: build it first (npm run build)');
  const spec: CorpusSpec = { messages: opts.messages, folders: opts.folders, seed: opts.seed };
  const server = await startDovecot();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'mailferry-bench-'));
  // Interrupted (Ctrl-C): Dovecot is stopped by its own exit hook; the disk is freed here.
  const cleanup = () => {
    for (const dir of [workDir, server.dir]) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        process.stderr.write(`bench: could not remove ${dir}: ${(err as Error).message}\n`);
      }
    }
  };
  process.once('exit', cleanup);
  try {
    const remotes = new Map<string, DovecotUser>();
    for (const t of tools) for (const m of t.modes) remotes.set(`${t.name}/${m}`, await server.addUser());
    opts.log(`Loading ${spec.messages} messages in ${spec.folders} folders into Dovecot, one copy per tool and mode (${remotes.size})…`);
    const loaded = await loadCorpus(server, [...remotes.values()].map((u) => u.user), spec);
    opts.log(`Loaded ${(loaded.totalBytes / 1e6).toFixed(0)} MB in ${loaded.seconds.toFixed(1)} s`);
    const results = await runWorkloads({
      server, remotes, spec, tools, reps: opts.reps, workDir, verifier: new Verifier(), timeoutMs: opts.timeoutMs, log: opts.log,
    });
    const workloads = results.map(workloadReport);
    return {
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.versions.node,
        platform: `${os.type()} ${os.release()}`, loadAvg: [loadAtStart, os.loadavg()[0]!],
      },
      corpus: { ...spec, description: describeCorpus(spec, loaded.totalBytes), bytes: loaded.totalBytes, loadSeconds: loaded.seconds },
      reps: opts.reps,
      tools: tools.map((t, i) => ({ name: t.name, version: versions[i]!, setup: t.modes.map((m) => t.describe(m)).join('; ') })),
      missing,
      workloads,
      targets: checkTargets(workloads, spec.folders, spec.messages),
    };
  } finally {
    process.removeListener('exit', cleanup);
    await rm(workDir, { recursive: true, force: true });
    await server.stop();
  }
}
