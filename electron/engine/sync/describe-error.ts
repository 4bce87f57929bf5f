import { userInfo } from 'node:os';
import { redactSecrets } from '../secrets.js';

/** One line a user can act on, never carrying a password. */
export function describeError(err: unknown): string {
  const text = describeSystemError(err) ?? (err instanceof Error ? err.message : String(err));
  return redactSecrets(text.split('\n')[0] ?? text).trim() || 'unknown error';
}

/** What a failed system call was trying to do, in words: `cannot <verb> <path>`. */
const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  fsync: 'write',
  fdatasync: 'write',
  close: 'write',
  mkdir: 'create the directory',
  mkdtemp: 'create a directory in',
  rmdir: 'remove the directory',
  rm: 'remove',
  unlink: 'remove',
  rename: 'rename',
  link: 'link',
  symlink: 'link',
  copyfile: 'copy',
  scandir: 'read the directory',
  opendir: 'read the directory',
  stat: 'look at',
  lstat: 'look at',
  fstat: 'look at',
  access: 'access',
  chmod: 'change the mode of',
  chown: 'change the owner of',
  utime: 'set the time of',
  futime: 'set the time of',
  truncate: 'truncate',
  ftruncate: 'truncate',
};

/** Errno codes a user can meet on their own disks, with what is wrong and what to do. */
const PROBLEMS: Record<string, (who: string) => string> = {
  EACCES: (who) => `permission denied (EACCES); ${who} needs access to it: check its owner and mode with ls -ld`,
  EPERM: (who) => `operation not permitted (EPERM); ${who} needs access to it: check its owner, mode and attributes with ls -ld and lsattr`,
  ENOSPC: () => 'no space left on device (ENOSPC); free some space, then run again (nothing is lost)',
  EDQUOT: () => 'disk quota exceeded (EDQUOT); free some space or raise the quota, then run again (nothing is lost)',
  EROFS: () => 'read-only file system (EROFS); mount it writable, or point the config at a writable place',
  EMFILE: () => 'too many open files (EMFILE); raise the limit (ulimit -n) or lower "connections"',
  ENFILE: () => 'too many open files on this system (ENFILE); close some programs or raise the system limit',
  EIO: () => 'input/output error (EIO): the disk or network file system failed; check it (see dmesg) before running again',
  ENOTDIR: () => 'a part of the path is a file, not a directory (ENOTDIR)',
  EISDIR: () => 'it is a directory, not a file (EISDIR)',
  ELOOP: () => 'too many levels of symbolic links (ELOOP)',
  ENAMETOOLONG: () => 'the name is too long for this file system (ENAMETOOLONG)',
  ENOENT: () => 'it does not exist (ENOENT)',
};

interface SystemErrorFields {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  dest?: unknown;
}

/**
 * A file-system error (Node's `EACCES: permission denied, open '/x'`) in plain words with the fix,
 * e.g. `cannot open /x: permission denied (EACCES); the user running mailferry (alice) needs
 * access to it: check its owner and mode (ls -ld)`. `fix` replaces the advice for permission
 * problems where the caller knows a better one. Null for anything else.
 */
export function describeSystemError(err: unknown, fix?: (who: string) => string): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as SystemErrorFields;
  if (typeof e.code !== 'string' || typeof e.syscall !== 'string' || typeof e.path !== 'string') return null;
  const problem = PROBLEMS[e.code];
  if (!problem) return null;
  const verb = VERBS[e.syscall] ?? e.syscall;
  const target = typeof e.dest === 'string' ? `${e.path} to ${e.dest}` : e.path;
  const who = runningUser();
  const words = problem(who);
  const advised = fix && (e.code === 'EACCES' || e.code === 'EPERM') ? `${words.slice(0, words.indexOf(';'))}; ${fix(who)}` : words;
  return `cannot ${verb} ${target}: ${advised}`;
}

function runningUser(): string {
  try {
    return `the user running mailferry (${userInfo().username})`;
  } catch {
    return 'the user running mailferry';
  }
}
