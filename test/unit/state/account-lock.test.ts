import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireAccountLock, AccountLockedError } from '../../../electron/engine/state/account-lock.js';
import { useTempDirs } from './temp-dirs.js';

const tempAccountDir = useTempDirs();

async function accountDir(): Promise<string> {
  const dir = await tempAccountDir();
  await mkdir(dir, { recursive: true });
  return dir;
}

async function lockContent(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, 'lock'), 'utf8')) as Record<string, unknown>;
}

async function writeForeignLock(dir: string, pid: number, startedAt = new Date(), host = hostname()): Promise<string> {
  const text = JSON.stringify({ pid, hostname: host, startedAt: startedAt.toISOString(), token: 'someone-else' });
  await writeFile(join(dir, 'lock'), text);
  return text;
}

/** The pid of a process that has exited (so nothing runs under it right now). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

describe('account lock', () => {
  it('holds the pid, host and start time and refuses a second holder with who and since when', async () => {
    const dir = await accountDir();
    const lock = await acquireAccountLock(dir);
    const content = await lockContent(dir);
    expect(content).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(Math.abs(Date.parse(content.startedAt as string) - Date.now())).toBeLessThan(60_000);
    expect((await stat(join(dir, 'lock'))).mode & 0o777).toBe(0o600);

    const second = acquireAccountLock(dir);
    await expect(second).rejects.toBeInstanceOf(AccountLockedError);
    await expect(second).rejects.toThrow(
      new RegExp(`^account "work" is being synced by another mailferry process \\(pid ${process.pid}, since \\d\\d:\\d\\d\\); wait for it to finish$`),
    );
    await lock.release();
    await expect(readFile(join(dir, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
    await (await acquireAccountLock(dir)).release();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = await accountDir();
    await writeForeignLock(dir, await deadPid());
    const lock = await acquireAccountLock(dir);
    expect(await lockContent(dir)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('does not take over the lock of a live process, and names it', async () => {
    const dir = await accountDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const text = await writeForeignLock(dir, child.pid!);
      const err = await acquireAccountLock(dir, 'Work mail').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AccountLockedError);
      expect((err as AccountLockedError).message).toContain(`account "Work mail" is being synced by another mailferry process (pid ${child.pid}, since`);
      expect((err as AccountLockedError).holder?.pid).toBe(child.pid);
      expect(await readFile(join(dir, 'lock'), 'utf8')).toBe(text);
    } finally {
      child.kill();
    }
  });

  it('takes over a lock taken before this machine booted, even if its pid is in use now', async () => {
    const dir = await accountDir();
    await writeForeignLock(dir, process.pid, new Date(Date.now() - uptime() * 1000 - 3_600_000));
    const lock = await acquireAccountLock(dir);
    expect(await lockContent(dir)).not.toMatchObject({ token: 'someone-else' });
    await lock.release();
  });

  it('never takes over a lock from another host', async () => {
    const dir = await accountDir();
    await writeForeignLock(dir, await deadPid(), new Date(), 'other-machine.example');
    await expect(acquireAccountLock(dir)).rejects.toThrow(/\(pid \d+ on other-machine\.example, since/);
  });

  it('waits an hour before taking over an unreadable lock', async () => {
    const dir = await accountDir();
    const path = join(dir, 'lock');
    await writeFile(path, '{"pid":');
    await expect(acquireAccountLock(dir)).rejects.toThrow(/lock .* is not readable yet\); wait for it to finish, or remove that file/);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(path, twoHoursAgo, twoHoursAgo);
    const lock = await acquireAccountLock(dir);
    expect(await lockContent(dir)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('takes over at once an empty lock written before this machine booted (a power cut left it unwritten)', async () => {
    const dir = await accountDir();
    const path = join(dir, 'lock');
    await writeFile(path, '');
    const beforeBoot = new Date(Date.now() - uptime() * 1000 - 600_000);
    await utimes(path, beforeBoot, beforeBoot);
    const lock = await acquireAccountLock(dir);
    expect(await lockContent(dir)).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('release leaves alone a lock that another process took over', async () => {
    const dir = await accountDir();
    const lock = await acquireAccountLock(dir);
    const text = await writeForeignLock(dir, process.pid);
    await lock.release();
    expect(await readFile(join(dir, 'lock'), 'utf8')).toBe(text);
  });

  it('creates the account directory when it does not exist yet', async () => {
    const dir = join(await tempAccountDir(), 'nested', 'acct');
    const lock = await acquireAccountLock(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    await lock.release();
  });
});
