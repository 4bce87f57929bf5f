import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { GNU_TIME } from './measure.js';
import type { Tool } from './tools/tool.js';

const run = promisify(execFile);

async function installed(binary: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${binary}`]).then(() => true, () => false);
}

/**
 * Installs the missing peer tools (and GNU time, which measures them) with apt-get when running
 * as root; otherwise says what is missing. Returns the packages still missing.
 */
export async function ensurePeers(tools: Tool[], log: (line: string) => void): Promise<string[]> {
  const wanted: string[] = [];
  for (const t of tools) if (t.apt && !(await installed(t.apt.binary))) wanted.push(t.apt.pkg);
  if (!existsSync(GNU_TIME)) wanted.push('time');
  if (wanted.length === 0) return [];
  if (process.getuid?.() !== 0 || !(await installed('apt-get'))) {
    log(`Missing: ${wanted.join(', ')}. Install them with: sudo apt-get install -y ${wanted.join(' ')}`);
    return wanted;
  }
  log(`Installing ${wanted.join(', ')} with apt-get…`);
  if (!(await aptGet(['install', '-y', ...wanted]))) {
    await aptGet(['update']);
    await aptGet(['install', '-y', ...wanted]);
  }
  const still: string[] = [];
  for (const t of tools) if (t.apt && !(await installed(t.apt.binary))) still.push(t.apt.pkg);
  if (!existsSync(GNU_TIME)) still.push('time');
  if (still.length) log(`Could not install: ${still.join(', ')}`);
  return still;
}

function aptGet(args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('apt-get', ['-q', ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
