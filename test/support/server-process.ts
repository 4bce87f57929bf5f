import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

/**
 * What the modules that start real IMAP servers for tests (dovecot.ts, courier.ts, ...) share:
 * the loopback address, free ports, the unprivileged user mail processes run as, and a look at
 * a server's greeting.
 */
const run = promisify(execFile);

export const HOST = '127.0.0.1';

/** Mail processes must not run as root, so a root test run hands them to this system user. */
export const TEST_SYSTEM_USER = 'mailferry-test';

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
  group: string;
}

/** The user mail processes run as: the current one, or a system user when we are root. */
export async function mailUser(): Promise<RunAs> {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || gid === undefined) throw new Error('IMAP server tests need a POSIX system');
  if (uid !== 0) {
    const name = (await run('id', ['-un'])).stdout.trim();
    const group = (await run('id', ['-gn'])).stdout.trim();
    return { uid, gid, name, group };
  }
  return ensureSystemUser();
}

async function ensureSystemUser(): Promise<RunAs> {
  // Parallel test workers may race to create the user; useradd fails for all but one of them
  // (the name exists, or /etc/passwd is locked), and the loser only has to look again.
  for (let attempt = 0; attempt < 20; attempt++) {
    const found = await lookupUser(TEST_SYSTEM_USER);
    if (found) return found;
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent',
      '--shell', '/usr/sbin/nologin', TEST_SYSTEM_USER]).catch(() => undefined);
    if (!(await lookupUser(TEST_SYSTEM_USER))) await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
  }
  throw new Error(`could not create system user ${TEST_SYSTEM_USER}`);
}

async function lookupUser(name: string): Promise<RunAs | null> {
  try {
    const { stdout } = await run('getent', ['passwd', name]);
    const fields = stdout.trim().split(':');
    // --user-group gave it a group of the same name.
    return { name, group: name, uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    return null;
  }
}

/** A loopback port free right now (another process may still take it before the server binds). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The first line a server at the port sends, or null if it sends none within 2 s. */
export function greeting(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let data = '';
    const done = (line: string | null) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(2000, () => done(null));
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const end = data.indexOf('\n');
      if (end >= 0) done(data.slice(0, end).replace(/\r$/, ''));
    });
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
  });
}
