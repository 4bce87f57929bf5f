import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { writeFileDurably } from '../durable-fs.js';

/**
 * One mailferry process per account at a time: two syncing the same account would both act
 * on the same state and could copy or delete the same messages twice.
 *
 * The lock is `<accountDir>/lock`, created with O_EXCL and holding who owns it. A lock is
 * stale, and taken over, when its process is gone: the pid is not alive on this host, or it
 * was taken before this machine last booted (the pid may since belong to something else). A
 * lock file that cannot be read is stale when it was written before this boot, and otherwise
 * only after an hour (a live process may be mid-write). Locks from other hosts are never taken
 * over: their processes cannot be checked from here.
 *
 * Taking and releasing the lock is not fsync'd: it is taken for every pass (a watching engine
 * makes one every few minutes), and durability buys nothing. After a power cut the file is
 * gone, empty or whole, all written before the boot, hence stale.
 */
const LOCK_FILE = 'lock';
const UNREADABLE_STALE_MS = 60 * 60 * 1000;
/** Slack for clock adjustments when comparing a lock's age with the boot time. */
const BOOT_SLACK_MS = 60 * 1000;

const ownerSchema = z.object({
  pid: z.int().positive(),
  hostname: z.string(),
  startedAt: z.iso.datetime(),
  /** Tells this process's lock apart from one that replaced it. */
  token: z.string().optional(),
});
type LockOwner = z.infer<typeof ownerSchema>;

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: Date;
}

export class AccountLockedError extends Error {
  override readonly name = 'AccountLockedError';

  constructor(
    readonly account: string,
    readonly lockPath: string,
    /** Who holds the lock, or null when the lock file could not be read. */
    readonly holder: LockHolder | null,
    lockWrittenAt: Date,
  ) {
    super(
      holder
        ? `account "${account}" is being synced by another mailferry process (pid ${holder.pid}${holder.hostname === hostname() ? '' : ` on ${holder.hostname}`}, since ${clockTime(holder.startedAt)}); wait for it to finish`
        : `account "${account}" is being synced by another mailferry process (its lock ${lockPath}, written ${clockTime(lockWrittenAt)}, is not readable yet); wait for it to finish, or remove that file if no mailferry process is running`,
    );
  }
}

export interface AccountLock {
  readonly path: string;
  /** Removes the lock if it is still this one's (never a lock another process took over). */
  release(): Promise<void>;
}

/** `10:02` today, `2024-05-01 10:02` otherwise, in local time. */
function clockTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  if (at.toDateString() === new Date().toDateString()) return time;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

// The lock is taken and released on every pass of a watching engine: a tiny file, for which
// the async API's thread-pool round trips cost more than the I/O itself. Hence sync calls.

async function readOwner(path: string): Promise<LockOwner | null | 'missing'> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const owner = ownerSchema.safeParse(JSON.parse(text));
    return owner.success ? owner.data : null;
  } catch {
    return null;
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } catch (err) {
    closeSync(fd);
    unlinkSync(path);
    throw err;
  }
  closeSync(fd);
  return true;
}

type Verdict = { kind: 'gone' } | { kind: 'stale' } | { kind: 'held'; error: AccountLockedError };

async function judge(path: string, account: string): Promise<Verdict> {
  const owner = await readOwner(path);
  if (owner === 'missing') return { kind: 'gone' };
  let writtenAt: Date;
  try {
    writtenAt = (await stat(path)).mtime;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  const bootedAt = Date.now() - uptime() * 1000;
  if (owner === null) {
    if (writtenAt.getTime() < bootedAt - BOOT_SLACK_MS || Date.now() - writtenAt.getTime() > UNREADABLE_STALE_MS) return { kind: 'stale' };
    return { kind: 'held', error: new AccountLockedError(account, path, null, writtenAt) };
  }
  const startedAt = new Date(owner.startedAt);
  if (owner.hostname === hostname()) {
    if (startedAt.getTime() < bootedAt - BOOT_SLACK_MS || !isAlive(owner.pid)) return { kind: 'stale' };
  }
  return { kind: 'held', error: new AccountLockedError(account, path, { pid: owner.pid, hostname: owner.hostname, startedAt }, writtenAt) };
}

/**
 * Takes the account's lock or throws AccountLockedError naming the process that holds it.
 * `account` names the account in that message (default: the directory's name).
 */
export async function acquireAccountLock(accountDir: string, account = basename(accountDir)): Promise<AccountLock> {
  mkdirSync(accountDir, { recursive: true, mode: 0o700 });
  const path = join(accountDir, LOCK_FILE);
  const token = randomBytes(12).toString('hex');
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token };
  const content = JSON.stringify(owner);
  // A few rounds cover a lock that vanishes or is replaced while we look at it.
  for (let round = 0; round < 5; round++) {
    if (await createExclusive(path, content)) return new HeldLock(path, token);
    const verdict = await judge(path, account);
    if (verdict.kind === 'held') throw verdict.error;
    if (verdict.kind === 'gone') continue;
    // Replace the stale lock atomically, then look again: if another process replaced it at
    // the same time, the last rename wins and the loser sees the winner's lock.
    await writeFileDurably(path, content);
    const now = await readOwner(path);
    if (now !== 'missing' && now?.token === token) return new HeldLock(path, token);
  }
  throw new Error(`could not take the lock ${path}: it kept changing while mailferry looked at it`);
}

class HeldLock implements AccountLock {
  private released = false;

  constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const owner = await readOwner(this.path);
    if (owner !== 'missing' && owner?.token === this.token) await unlink(this.path).catch(ignoreMissing);
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
