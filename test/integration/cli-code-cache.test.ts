import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBundles, removeBuiltBundles } from '../support/built-bundles.js';

/**
 * dist/cli.mjs runs the bundled CLI from V8's code cache, kept per command in the user's cache
 * directory. The cache is only ever a speed-up: whatever state it is in, the command works
 * and says the same.
 */
const run = promisify(execFile);
let cli: string;
let dir: string;
beforeAll(async () => {
  cli = (await builtBundles()).cli;
  dir = await mkdtemp(join(tmpdir(), 'mailferry-code-cache-'));
}, 120_000);
afterAll(async () => {
  await removeBuiltBundles();
  await rm(dir, { recursive: true, force: true });
});

async function mailferry(cacheHome: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: cacheHome } });
}

const bundleHash = async () => {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(await readFile(join(cli, '..', 'cli.cjs'))).digest('hex').slice(0, 20);
};

describe('the CLI code cache', () => {
  it('is written per command after the first run, named by the bundle, and used by the next', async () => {
    const home = join(dir, 'fresh');
    const first = await mailferry(home, '--version');
    expect(first.stdout).toMatch(/^mailferry \d+\.\d+\.\d+/);
    await mailferry(home, 'status', '--help');
    const hash = await bundleHash();
    expect((await readdir(join(home, 'mailferry'))).sort()).toEqual([`cli-${hash}-other.v8cache`, `cli-${hash}-status.v8cache`]);
    const cached = await readFile(join(home, 'mailferry', `cli-${hash}-other.v8cache`));
    expect(cached.length).toBeGreaterThan(10_000);
    expect((await mailferry(home, '--version')).stdout).toBe(first.stdout);
    // Accepted: not rewritten.
    expect(await readFile(join(home, 'mailferry', `cli-${hash}-other.v8cache`))).toEqual(cached);
  });

  it('a damaged cache is rejected by V8, the command works, and the cache is written afresh', async () => {
    const home = join(dir, 'damaged');
    const clean = await mailferry(home, '--version');
    const file = join(home, 'mailferry', `cli-${await bundleHash()}-other.v8cache`);
    const good = await readFile(file);
    await writeFile(file, Buffer.concat([good.subarray(0, 64), Buffer.alloc(good.length - 64, 0x5a)]));
    expect((await mailferry(home, '--version')).stdout).toBe(clean.stdout);
    expect((await readFile(file)).subarray(64, 128)).not.toEqual(Buffer.alloc(64, 0x5a));
  });

  it('a failed command keeps no cache; a new build removes the caches of older ones', async () => {
    const home = join(dir, 'builds');
    await expect(mailferry(home, 'frobnicate')).rejects.toMatchObject({ code: 2 });
    await expect(readdir(join(home, 'mailferry'))).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(join(home, 'mailferry'), { recursive: true });
    const older = 'cli-0123456789abcdef0123-sync.v8cache';
    await writeFile(join(home, 'mailferry', older), 'an older build');
    await writeFile(join(home, 'mailferry', 'notes.txt'), 'not ours');
    await mailferry(home, '--version');
    expect((await readdir(join(home, 'mailferry'))).sort()).toEqual([`cli-${await bundleHash()}-other.v8cache`, 'notes.txt']);
  });

  it('a cache directory that cannot be written only costs the compile', async () => {
    const blocked = join(dir, 'not-a-directory');
    await writeFile(blocked, 'in the way');
    const r = await mailferry(blocked, '--version');
    expect(r.stdout).toMatch(/^mailferry \d+\.\d+\.\d+/);
    expect(r.stderr).toBe('');
  });
});
