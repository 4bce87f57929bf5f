import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Crash-safe file primitives. A write is durable only when the file's data is fsync'd AND the
 * directory entry pointing at it is fsync'd; without the second step a power cut can leave the
 * name missing or pointing at the old file even though the data reached the disk.
 */

/** Makes a directory's entries (creations, renames, removals) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals metadata on its own.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames and makes the rename durable in both directories involved. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncDir(dirname(to));
  if (dirname(from) !== dirname(to)) await fsyncDir(dirname(from));
}

/**
 * Replaces `path` with `data` atomically: readers (and a restart after a crash) see either the
 * old file or the complete new one, never a mix or a truncated file.
 */
export async function writeFileDurably(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(tmp, 'wx', mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameDurably(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Removes a file and makes the removal durable; a file that is already gone is fine. */
export async function unlinkDurably(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await fsyncDir(dirname(path));
}
