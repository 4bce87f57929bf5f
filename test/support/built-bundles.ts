import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
let built: Promise<{ dir: string; cli: string; engineHost: string }> | null = null;

/**
 * The CLI and engine host bundled fresh from the sources (scripts/build.mjs), once per test
 * file, so a test never runs a stale dist/. Built inside node_modules/.cache so that the
 * bundles' external packages resolve from the project's node_modules.
 */
export function builtBundles(): Promise<{ dir: string; cli: string; engineHost: string }> {
  built ??= (async () => {
    const parent = join(ROOT, 'node_modules', '.cache');
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, 'mailferry-test-build-'));
    await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--outdir', dir], { cwd: ROOT });
    return { dir, cli: join(dir, 'cli.mjs'), engineHost: join(dir, 'engine-host.mjs') };
  })();
  return built;
}

/** Removes this test file's build (call in afterAll). */
export async function removeBuiltBundles(): Promise<void> {
  if (!built) return;
  const { dir } = await built;
  built = null;
  await rm(dir, { recursive: true, force: true });
}
