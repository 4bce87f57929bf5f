/**
 * The `mailferry` command's entry point (dist/cli.mjs): runs the bundled CLI (dist/cli.cjs)
 * from V8's code cache. Compiling the bundle costs more than a sync with nothing new does, and
 * Node 20 has no code cache for ES modules, so the CLI ships as one CommonJS script compiled
 * through vm.Script, whose compiled code is kept per command in the user's cache directory
 * after a run that had to compile it.
 *
 * V8 checks a cache against the source's length only, so the file is named by the bundle's
 * SHA-256 (computed at build time): another build never reads this one's code; and V8 runs a
 * damaged cache as it is, so each file carries its own checksum. A missing, unreadable, damaged
 * or rejected cache only costs the compile; writing one is best effort.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

declare const MAILFERRY_BUNDLE_SHA256: string;
const DIGEST_BYTES = 32;

const bundle = join(dirname(fileURLToPath(import.meta.url)), 'cli.cjs');
// The commands compile different parts of the bundle: each keeps its own cache.
const command = /^[a-z][a-z-]{0,19}$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
const BUILD = MAILFERRY_BUNDLE_SHA256.slice(0, 20);
const cacheFile = join(cacheDir(), `cli-${BUILD}-${command}.v8cache`);

const module = { exports: {} };
const run = compile().runInThisContext() as (exports: unknown, require: NodeRequire, module: unknown, filename: string, dirname: string) => void;
run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));

/** The bundle's script; the file's text and the cache read are garbage once it is compiled (a few MB of a run's memory). */
function compile(): Script {
  const cachedData = readCache();
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  // Only after a run that worked: a mistyped command would leave a cache of its own.
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', (code) => code === 0 && keepCache(script));
  return script;
}

/**
 * The cache as V8 wrote it, or undefined. V8 does not checksum code caches in release builds
 * and runs damaged ones (a crash at best), so each file carries the SHA-256 of its payload.
 */
function readCache(): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const payload = file.subarray(DIGEST_BYTES);
  return file.length > DIGEST_BYTES && digest(payload).equals(file.subarray(0, DIGEST_BYTES)) ? payload : undefined;
}

/** At exit, when everything the run needed is compiled: written whole or not at all. */
function keepCache(compiled: Script): void {
  const partial = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    const payload = compiled.createCachedData();
    writeFileSync(partial, Buffer.concat([digest(payload), payload]), { mode: 0o600 });
    renameSync(partial, cacheFile);
    // Caches of other builds (an upgrade) are never read again.
    for (const name of readdirSync(dirname(cacheFile))) {
      if (/^cli-[0-9a-f]{20}-.*\.v8cache$/.test(name) && !name.startsWith(`cli-${BUILD}-`)) rmSync(join(dirname(cacheFile), name), { force: true });
    }
  } catch {
    // A read-only or full cache directory: the next run compiles again.
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing was written there.
    }
  }
}

function digest(payload: Buffer): Buffer {
  return createHash('sha256').update(payload).digest();
}

function cacheDir(): string {
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'mailferry', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'mailferry');
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'mailferry');
}
