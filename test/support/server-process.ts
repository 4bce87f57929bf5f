import { execFile, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

/**
 * What every real mail server the tests start needs alike (dovecot.ts, cyrus.ts, courier.ts): an
 * unprivileged user to run as, a free loopback port, a wait for the IMAP greeting, a stop.
 */
const run = promisify(execFile);

/** Mail processes must not run as root, so a root test run hands them to this system user. */
export const TEST_SYSTEM_USER = 'mailferry-test';
export const HOST = '127.0.0.1';

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
  if (uid === undefined || gid === undefined) throw new Error('mail server tests need a POSIX system');
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

export async function chownTree(dir: string, runAs: RunAs): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await run('chown', ['-R', `${runAs.uid}:${runAs.gid}`, dir]);
}

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

/** Waits until the port answers with an IMAP `* OK` greeting; `name` is the server, for errors. */
export async function waitForGreeting(port: number, child: ChildProcess, name: string, timeoutMs: number): Promise<void> {
  await poll(child, name, timeoutMs, async () => (await greeting(port))?.startsWith('* OK') ?? false);
}

export async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs: number): Promise<void> {
  await poll(child, name, timeoutMs, () => accepts(port));
}

async function poll(child: ChildProcess, name: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})`);
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${name}`);
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}
