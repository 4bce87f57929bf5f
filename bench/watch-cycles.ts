import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { median } from './report.js';
import type { Measurement } from './measure.js';

/**
 * W7: how long a no-change pass takes inside a running engine (`mailferry watch`), whose
 * connections are already open. The engine prints each pass's own duration ("pass done in
 * 3.1 ms"); SIGUSR1 asks it for a pass. CPU per cycle comes from /proc (utime + stime over
 * the cycles), RSS is the process's high-water mark.
 */
export interface WatchCyclesOptions {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  cycles: number;
  /** Before the timed cycles: Maildir directories our first pass touched must settle (coarse mtimes). */
  settleMs: number;
  timeoutMs: number;
}

const PASS = /pass done in ([\d.]+) ms/;
const CLOCK_TICKS_PER_S = 100;

export async function measureWatchCycles(opts: WatchCyclesOptions): Promise<Measurement & { cycleMs: number[] }> {
  const child = spawn(opts.argv[0]!, opts.argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const passes: number[] = [];
  let waiting: (() => void) | null = null;
  const onData = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
    for (const line of d.toString().split('\n')) {
      const m = PASS.exec(line);
      if (!m) continue;
      passes.push(Number(m[1]));
      waiting?.();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const nextPass = async (count: number) => {
    const deadline = Date.now() + opts.timeoutMs;
    while (passes.length < count) {
      if (child.exitCode !== null) throw new Error(`watch exited ${child.exitCode}: ${output.trim().split('\n').at(-1)}`);
      if (Date.now() > deadline) throw new Error(`no pass within ${opts.timeoutMs / 1000} s: ${output.trim().split('\n').at(-1)}`);
      await new Promise<void>((r) => {
        waiting = r;
        setTimeout(r, 200);
      });
      waiting = null;
    }
  };
  const pass = async () => {
    const want = passes.length + 1;
    child.kill('SIGUSR1');
    await nextPass(want);
  };
  try {
    await nextPass(1);
    await new Promise((r) => setTimeout(r, opts.settleMs));
    await pass();
    const cpuBefore = await cpuTicks(child.pid!);
    const first = passes.length;
    for (let i = 0; i < opts.cycles; i++) await pass();
    const cpuMs = ((await cpuTicks(child.pid!)) - cpuBefore) * (1000 / CLOCK_TICKS_PER_S) / opts.cycles;
    const peakRssKb = await peakRss(child.pid!);
    const cycleMs = passes.slice(first);
    child.kill('SIGTERM');
    const exitCode = await exited;
    return { wallMs: median(cycleMs), cpuMs, peakRssKb, exitCode, timedOut: false, output, cycleMs };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function cpuTicks(pid: number): Promise<number> {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}
