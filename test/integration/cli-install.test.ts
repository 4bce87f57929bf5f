import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { helpText } from '../../electron/cli/args.js';
import type { CliResult } from '../support/sync-world.js';

/**
 * Installing from the clone as the README says (`npm install -g .`, here into a scratch prefix,
 * offline and without re-running the build the test run already made), and the Node.js version
 * the command, package.json and the README agree on.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'mailferry.js');
const run = promisify(execFile);
const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

function runNode(args: string[], cwd = ROOT): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function minimumNode(): Promise<string> {
  const bin = await readFile(BIN, 'utf8');
  return /const MINIMUM_NODE = '(\d+\.\d+\.\d+)';/.exec(bin)![1]!;
}

describe('the Node.js version', () => {
  it('package.json, its lock file, the README and bin/mailferry.js name the same minimum', async () => {
    const minimum = await minimumNode();
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node: string } }> };
    expect(pkg.engines.node).toBe(`>=${minimum}`);
    expect(lock.packages['']!.engines!.node).toBe(`>=${minimum}`);
    const [major, minor] = minimum.split('.');
    expect(await readFile(join(ROOT, 'README.md'), 'utf8')).toContain(`Node.js ${major}.${minor} or newer`);
  });

  it.each([
    ['18.20.4', 2],
    ['20.18.3', 2],
    ['20.19.0', 0],
    ['24.1.0', 0],
  ])('as if on Node.js %s: exit %d', async (version, code) => {
    const fake = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`;
    const r = await runNode(['--import', fake, BIN, '--version']);
    expect(r.code).toBe(code);
    if (code === 0) expect(r.stdout).toMatch(/^mailferry \d+\.\d+\.\d+\n$/);
    else {
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `mailferry: needs Node.js ${await minimumNode()} or newer (an LTS line, 22 or 24, is best); this is Node.js ${version} (${process.execPath}).\n` +
          'Install a newer one from https://nodejs.org/ or your package manager, then run mailferry with it.\n',
      );
    }
  });
});

describe('npm install -g . from the clone', () => {
  it('puts mailferry on the PATH and its man page in the prefix, as links into the clone', async () => {
    const prefix = await mkdtemp(join(tmpdir(), 'mailferry-prefix-'));
    scratch.push(prefix);
    await run('npm', ['install', '-g', '.', '--prefix', prefix, '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], { cwd: ROOT });
    const installed = join(prefix, 'bin', 'mailferry');
    expect(await realpath(installed)).toBe(await realpath(BIN));
    expect(await realpath(join(prefix, 'share', 'man', 'man1', 'mailferry.1'))).toBe(await realpath(join(ROOT, 'docs', 'mailferry.1')));
    // Run as the PATH finds it, from elsewhere: through its #! line, not `node bin/...`.
    const { stdout } = await run('mailferry', ['help', 'sync'], { cwd: prefix, env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: prefix } });
    expect(stdout).toBe(`${helpText('sync')}\n`);
  });
});
