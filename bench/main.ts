import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ALL_TOOLS, runBench } from './bench.js';
import { ensurePeers } from './peers.js';
import { renderMarkdown } from './report.js';

const USAGE = `Usage: npm run bench -- [options]
  --messages N    corpus size (default 10000; 100000 with --large)
  --folders N     folders (default 10; 100 with --large)
  --large         the 100,000-message, 100-folder preset
  --reps N        repetitions per workload and tool (default 3)
  --tools LIST    comma-separated subset of ${ALL_TOOLS.map((t) => t.name).join(',')}
  --seed N        corpus seed (default 1)
  --timeout S     limit per tool run in seconds (default 3600)
  --no-install    do not apt-get install missing peer tools
  --out DIR       where latest.json and latest.md go (default bench/results)`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${value})`);
  return n;
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      messages: { type: 'string' }, folders: { type: 'string' }, large: { type: 'boolean' }, reps: { type: 'string' },
      tools: { type: 'string' }, seed: { type: 'string' }, timeout: { type: 'string' }, 'no-install': { type: 'boolean' },
      out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    console.log(USAGE);
    return;
  }
  const names = v.tools ? v.tools.split(',').map((s) => s.trim()) : ALL_TOOLS.map((t) => t.name);
  const unknown = names.filter((n) => !ALL_TOOLS.some((t) => t.name === n));
  if (unknown.length) throw new Error(`unknown tool ${unknown.join(', ')}`);
  const log = (line: string) => console.log(line);
  if (!v['no-install']) await ensurePeers(ALL_TOOLS.filter((t) => names.includes(t.name)), log);
  const report = await runBench({
    messages: positive('messages', v.messages, v.large ? 100_000 : 10_000),
    folders: positive('folders', v.folders, v.large ? 100 : 10),
    seed: positive('seed', v.seed, 1),
    reps: positive('reps', v.reps, 3),
    tools: names,
    timeoutMs: positive('timeout', v.timeout, 3600) * 1000,
    log,
  });
  const markdown = renderMarkdown(report);
  const out = path.resolve(v.out ?? path.join('bench', 'results'));
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(out, 'latest.md'), markdown);
  console.log(`\n${markdown}\nWritten to ${path.join(out, 'latest.md')} and latest.json`);
}

// Exiting runs the hooks that stop Dovecot and free the disk.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
