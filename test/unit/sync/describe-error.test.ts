import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeError, describeSystemError } from '../../../electron/engine/sync/describe-error.js';

/** Node's file-system errors as the user reads them: what could not be done to which path, why, and what to do. */
const fsError = (code: string, syscall: string, path: string, dest?: string) =>
  Object.assign(new Error(`${code}: raw text, ${syscall} '${path}'`), { code, syscall, path, ...(dest ? { dest } : {}) });
const who = `the user running mailferry (${userInfo().username})`;

describe('describeError for file-system errors', () => {
  it.each([
    [fsError('EACCES', 'open', '/m/INBOX/cur/1.x:2,S'), `cannot open /m/INBOX/cur/1.x:2,S: permission denied (EACCES); ${who} needs access to it: check its owner and mode with ls -ld`],
    [fsError('EACCES', 'mkdir', '/s/work'), `cannot create the directory /s/work: permission denied (EACCES); ${who} needs access to it: check its owner and mode with ls -ld`],
    [fsError('EPERM', 'rename', '/m/a', '/m/b'), `cannot rename /m/a to /m/b: operation not permitted (EPERM); ${who} needs access to it: check its owner, mode and attributes with ls -ld and lsattr`],
    [fsError('ENOSPC', 'write', '/m/INBOX/tmp/1'), 'cannot write /m/INBOX/tmp/1: no space left on device (ENOSPC); free some space, then run again (nothing is lost)'],
    [fsError('EDQUOT', 'write', '/m/x'), 'cannot write /m/x: disk quota exceeded (EDQUOT); free some space or raise the quota, then run again (nothing is lost)'],
    [fsError('EROFS', 'open', '/m/x'), 'cannot open /m/x: read-only file system (EROFS); mount it writable, or point the config at a writable place'],
    [fsError('EMFILE', 'open', '/m/x'), 'cannot open /m/x: too many open files (EMFILE); raise the limit (ulimit -n) or lower "connections"'],
    [fsError('EIO', 'read', '/m/x'), 'cannot read /m/x: input/output error (EIO): the disk or network file system failed; check it (see dmesg) before running again'],
    [fsError('ENOENT', 'open', '/etc/ca.pem'), 'cannot open /etc/ca.pem: it does not exist (ENOENT)'],
    [fsError('ENOTDIR', 'scandir', '/m/file/cur'), 'cannot read the directory /m/file/cur: a part of the path is a file, not a directory (ENOTDIR)'],
  ])('%s', (err, words) => {
    expect(describeError(err)).toBe(words);
  });

  it('leaves other errors as they are, first line only', () => {
    expect(describeError(new Error('the server said no\nmore'))).toBe('the server said no');
    expect(describeError(Object.assign(new Error('EWHAT: odd'), { code: 'EWHAT', syscall: 'open', path: '/x' }))).toBe('EWHAT: odd');
    expect(describeError(Object.assign(new Error('no path'), { code: 'EACCES' }))).toBe('no path');
    expect(describeError('text')).toBe('text');
  });

  it('takes a better fix for permission problems from the caller', () => {
    expect(describeSystemError(fsError('EACCES', 'mkdir', '/s/work'), (u) => `${u} must own it`)).toBe(`cannot create the directory /s/work: permission denied (EACCES); ${who} must own it`);
    expect(describeSystemError(fsError('ENOSPC', 'write', '/s/j'), () => 'ignored')).toMatch(/free some space/);
  });
});
