import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';
const POLL_MS = 50;
const KEEP_OUTPUT = 4000;

export interface Measurement {
  wallMs: number;
  /** User + system CPU of the tool and every child it waited for. */
  cpuMs: number;
  /** Largest of: any single process's peak (GNU time), the summed RSS of the tree (sampled). */
  peakRssKb: number;
  exitCode: number | null;
  timedOut: boolean;
  /** The end of stdout + stderr, for explaining a failure. */
  output: string;
}

export interface MeasureOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  timeoutMs: number;
}

/** Runs a command under GNU time, sampling the process tree's RSS while it runs. */
export async function measure(argv: string[], opts: MeasureOptions): Promise<Measurement> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mailferry-bench-time-'));
  const timeFile = path.join(dir, 'time');
  try {
    const started = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, '--', ...argv], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the tool and all its children can be killed together.
      detached: true,
    });
    const killTree = () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    // Before any other exit hook: a tool left running would keep writing into directories being removed.
    process.prependOnceListener('exit', killTree);
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-KEEP_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let treePeakKb = 0;
    let running = true;
    const sampler = (async () => {
      while (running && child.pid !== undefined) {
        treePeakKb = Math.max(treePeakKb, await treeRssKb(child.pid));
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, opts.timeoutMs);
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    running = false;
    await sampler;
    clearTimeout(killer);
    process.removeListener('exit', killTree);
    const lines = (await readFile(timeFile, 'utf8').catch(() => '')).trim().split('\n');
    const [user, sys, maxKb] = (lines.at(-1) ?? '').split(' ').map(Number);
    return {
      wallMs,
      cpuMs: ((user ?? NaN) + (sys ?? NaN)) * 1000,
      peakRssKb: Math.max(maxKb ?? 0, treePeakKb),
      exitCode,
      timedOut,
      output,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every descendant of pid, found through /proc/<pid>/task/<tid>/children. */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    const tasks = await readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    for (const t of tasks) {
      const text = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      for (const c of text.split(' ').filter(Boolean).map(Number)) {
        out.push(c);
        stack.push(c);
      }
    }
  }
  return out;
}

/** Summed resident memory of pid's descendants (GNU time itself excluded). */
async function treeRssKb(pid: number): Promise<number> {
  let kb = 0;
  for (const p of await descendants(pid)) {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (m) kb += Number(m[1]);
  }
  return kb;
}
