import { open, readFile, stat, unlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { unlinkDurably, writeFileDurably } from '../durable-fs.js';
import { registerSecret } from '../secrets.js';

/**
 * What a sign-in leaves behind for one IMAP side: the refresh token, the latest access token
 * with its expiry (so that a run soon after the last needs no token request), who signed in,
 * and which app registration it belongs to (`binding`): tokens of another client ID or
 * provider are never sent.
 */
export interface StoredGrant {
  binding: string;
  /** null once the provider refused it (revoked, expired): only a new sign-in helps. */
  refreshToken: string | null;
  accessToken: string | null;
  /** ms since the epoch; null when the provider gave no lifetime. */
  expiresAt: number | null;
  /** When the access token was obtained (ms since the epoch). */
  obtainedAt: number | null;
  scope: string | null;
  identity: string | null;
  signedInAt: string;
  /** Why the grant no longer works, once a token request was refused with invalid_grant. */
  refusedReason: string | null;
}

/** Where one side's grant is kept: a file for the CLI, the OS-encrypted secret store for the app. */
export interface GrantStore {
  read(): Promise<StoredGrant | null>;
  /** Replaces the grant, durably, before returning (a rotated refresh token is the only one that works). */
  write(grant: StoredGrant): Promise<void>;
  remove(): Promise<void>;
  /** Runs `work` while no other process refreshes the same grant (refresh tokens may be single-use). */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** For messages: where the grant lives. */
  readonly where: string;
}

const GrantFileSchema = z.strictObject({
  format: z.literal('mailferry-oauth2-grant'),
  version: z.literal(1),
  binding: z.string(),
  refreshToken: z.string().min(1).nullable(),
  accessToken: z.string().min(1).nullable(),
  expiresAt: z.number().nullable(),
  obtainedAt: z.number().nullable(),
  scope: z.string().nullable(),
  identity: z.string().nullable(),
  signedInAt: z.string(),
  refusedReason: z.string().nullable(),
});

/** What a finished sign-in leaves to keep. */
export function grantFromSignIn(binding: string, tokens: { refreshToken: string | null; accessToken: string; expiresAt: number | null; scope: string | null }, identity: string | null, now = Date.now()): StoredGrant {
  return {
    binding,
    refreshToken: tokens.refreshToken,
    accessToken: tokens.accessToken,
    expiresAt: tokens.expiresAt,
    obtainedAt: now,
    scope: tokens.scope,
    identity,
    signedInAt: new Date(now).toISOString(),
    refusedReason: null,
  };
}

/** The file of one side's grant under the account's state directory. */
export function grantFilePath(stateDir: string, account: string, side: 'remote' | 'local'): string {
  return join(stateDir, account, `oauth2-${side}.json`);
}

const LOCK_WAIT_MS = 30_000;
const LOCK_STALE_MS = 120_000;

/**
 * The CLI's grant store: a JSON file of mode 0600 in the account's state directory, replaced
 * atomically and durably (written aside, fsync'd, renamed, directory fsync'd). Refreshes are
 * serialised across processes by a lock file beside it (O_EXCL; a dead holder's lock is taken over).
 */
export class FileGrantStore implements GrantStore {
  constructor(readonly where: string) {}

  async read(): Promise<StoredGrant | null> {
    let text: string;
    try {
      text = await readFile(this.where, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read the sign-in kept in ${this.where}: ${(err as Error).message}`);
    }
    let parsed;
    try {
      parsed = GrantFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) throw new Error(`the sign-in kept in ${this.where} is damaged; sign in again (mailferry login) to replace it`);
    const { format: _f, version: _v, ...grant } = parsed.data;
    for (const secret of [grant.refreshToken, grant.accessToken]) if (secret) registerSecret(secret);
    return grant;
  }

  async write(grant: StoredGrant): Promise<void> {
    await mkdir(join(this.where, '..'), { recursive: true, mode: 0o700 });
    await writeFileDurably(this.where, `${JSON.stringify({ format: 'mailferry-oauth2-grant', version: 1, ...grant }, null, 2)}\n`, 0o600);
  }

  async remove(): Promise<void> {
    await unlinkDurably(this.where);
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const lock = `${this.where}.lock`;
    await mkdir(join(this.where, '..'), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lock, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (await isStale(lock)) {
          await unlink(lock).catch(() => undefined);
          continue;
        }
        if (Date.now() > deadline) throw new Error(`another mailferry process holds ${lock}; remove it if none is running`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    try {
      return await work();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }
}

async function isStale(lock: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    const pid = Number(text.trim());
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000;
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    // Gone meanwhile: try again.
    return false;
  }
}
