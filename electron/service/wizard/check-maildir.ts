import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { MaildirCheck } from '../../../shared/api/app-api.js';
import { currentPlatform, expandHome } from '../../engine/config/platform-paths.js';

/** What is at a path the user typed or picked for the local replica. */
export async function checkMaildir(path: string): Promise<MaildirCheck> {
  const resolved = expandHome(path.trim(), currentPlatform());
  const base = { path, resolved: null, exists: false, empty: true, isMaildir: false };
  if (!isAbsolute(resolved)) return { ...base, problem: 'must be an absolute path or start with ~/' };
  let entries: string[];
  try {
    if (!(await stat(resolved)).isDirectory()) return { ...base, resolved, exists: true, empty: false, problem: 'is a file, not a folder' };
    entries = await readdir(resolved);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Saving the account creates it (the engine itself treats a missing root as an error).
    if (code === 'ENOENT') return { ...base, resolved, problem: null };
    return { ...base, resolved, problem: `cannot be read (${code ?? 'error'})` };
  }
  const isMaildir = (await Promise.all(['cur', 'new', 'tmp'].map((d) => isDir(join(resolved, d))))).every(Boolean);
  return { path, resolved, exists: true, empty: entries.length === 0, isMaildir, problem: null };
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
