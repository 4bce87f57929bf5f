import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cp, link, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { extractFile, listPackage } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Packs the app the way `npm run dist` does, offline: electron-builder --dir with a stub
 * Electron (a script carrying Electron's fuse wire, so the fuses can be flipped and checked).
 * It packs a staging copy of the project (dist built there, node_modules hard-linked), so the
 * shared dist/ other tests run from is never rewritten under them.
 */

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLE = 49;
const DISABLE = 48;

let stage: string;
let asar: string;
let files: string[];

async function hardLinkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.name === '.cache') continue;
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) await hardLinkTree(src, dst);
    else if (entry.isSymbolicLink()) await cp(src, dst, { verbatimSymlinks: true });
    else await link(src, dst);
  }
}

/** What electron-builder needs of an Electron distribution, with Electron 45's default fuse states. */
async function stubElectron(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const wire = Buffer.from([1, 8, ENABLE, DISABLE, ENABLE, ENABLE, DISABLE, DISABLE, DISABLE, ENABLE]);
  await writeFile(join(dir, 'electron'), Buffer.concat([Buffer.from(`#!/bin/sh\n# ${FUSE_SENTINEL}`), wire, Buffer.from('\nexit 0\n')]), { mode: 0o755 });
  await writeFile(join(dir, 'version'), '45.5.0');
  await writeFile(join(dir, 'LICENSE'), 'MIT');
}

beforeAll(async () => {
  stage = await mkdtemp(join(tmpdir(), 'mailferry-pack-'));
  await hardLinkTree(join(ROOT, 'node_modules'), join(stage, 'node_modules'));
  for (const f of ['package.json', 'electron-builder.yml', 'assets']) await cp(join(ROOT, f), join(stage, f), { recursive: true });
  await run(process.execPath, ['scripts/build-app.mjs', '--outdir', join(stage, 'dist')], { cwd: ROOT });
  await stubElectron(join(stage, 'electron-stub'));
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/electron-builder/cli.js'),
      '--dir',
      '--linux',
      '--projectDir',
      stage,
      `-c.electronDist=${join(stage, 'electron-stub')}`,
      `-c.directories.output=${join(stage, 'release')}`,
    ],
    { cwd: stage, env: { ...process.env, CI: '1' }, maxBuffer: 16 * 1024 * 1024 },
  );
  asar = join(stage, 'release/linux-unpacked/resources/app.asar');
  files = listPackage(asar, { isPack: false });
}, 240_000);

afterAll(async () => {
  if (stage) await rm(stage, { recursive: true, force: true });
});

describe('the packed app (electron-builder --dir)', () => {
  it('holds main, the CommonJS preload, the engine host, the renderer and the icons', () => {
    for (const f of [
      '/dist/app/main.mjs',
      '/dist/app/preload.cjs',
      '/dist/engine-host.mjs',
      '/dist/renderer/index.html',
      '/assets/icon-512.png',
      ...['idle', 'syncing', 'paused', 'error'].flatMap((s) => [`/assets/tray-${s}.png`, `/assets/tray-${s}@2x.png`]),
    ]) {
      expect(files, f).toContain(f);
    }
    const manifest = JSON.parse(extractFile(asar, 'package.json').toString()) as { main: string };
    expect(manifest.main).toBe('dist/app/main.mjs');

    const preload = extractFile(asar, 'dist/app/preload.cjs').toString();
    expect(preload).toContain('require("electron")');
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('holds no sources, source maps, tests or development tools', async () => {
    expect(files.filter((f) => /\.(ts|tsx|map)$/.test(f) && !f.startsWith('/node_modules/'))).toEqual([]);
    expect(files.filter((f) => /^\/(electron|shared|renderer|test|scripts|bench)\//.test(f))).toEqual([]);
    const { devDependencies } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const packed = new Set(files.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/').slice(2, f.split('/')[2]!.startsWith('@') ? 4 : 3).join('/')));
    expect(Object.keys(devDependencies).filter((d) => packed.has(d))).toEqual([]);
  });

  it('holds every package the bundles import', () => {
    const builtins = new Set([...builtinModules, 'electron']);
    const missing: string[] = [];
    for (const bundle of ['dist/app/main.mjs', 'dist/engine-host.mjs']) {
      const text = extractFile(asar, bundle).toString();
      for (const [, spec] of text.matchAll(/(?:^|\n)\s*import\s[^'"]*?['"]([^'"./][^'"]*)['"]/g)) {
        if (spec!.startsWith('node:') || builtins.has(spec!)) continue;
        const pkg = spec!.split('/').slice(0, spec!.startsWith('@') ? 2 : 1).join('/');
        if (!files.includes(`/node_modules/${pkg}/package.json`)) missing.push(`${bundle}: ${pkg}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has its fuses set: no running as Node, no NODE_OPTIONS or inspector flags, asar integrity, app only from asar', async () => {
    const binary = await readFile(join(stage, 'release/linux-unpacked/mailferry'));
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    const [version, length, runAsNode, cookieEncryption, nodeOptions, inspect, asarIntegrity, onlyAsar] = binary.subarray(at, at + 8);
    expect({ version, length }).toEqual({ version: 1, length: 8 });
    expect({ runAsNode, cookieEncryption, nodeOptions, inspect, asarIntegrity, onlyAsar }).toEqual({
      runAsNode: DISABLE,
      cookieEncryption: ENABLE,
      nodeOptions: DISABLE,
      inspect: DISABLE,
      asarIntegrity: ENABLE,
      onlyAsar: ENABLE,
    });
  });
});
