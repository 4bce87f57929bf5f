import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chown, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestImapServer, TestImapUser } from './imap-server.js';
import { HOST, chownTree, freePort, mailUser, waitForGreeting, type RunAs } from './server-process.js';

/**
 * Cyrus IMAP 3.6 from Debian's packages, started unprivileged on a free loopback port with
 * everything (config, databases, spool, sockets, pidfile, log) in a temp dir.
 *
 * Debian's cyrus-imapd conflicts with dovecot-imapd, so it is not installed: scripts/test-servers.sh
 * unpacks its .debs into a cache directory (MAILFERRY_TEST_SERVERS, default
 * /var/cache/mailferry-test-servers) and the binaries run from there, with the package's own
 * libraries on LD_LIBRARY_PATH.
 *
 * The namespace is the one Debian's /etc/imapd.conf ships (altnamespace: no, unixhierarchysep:
 * no, although upstream's defaults are yes/yes since 3.0): a user's folders are children of
 * INBOX, spelt "INBOX.Archive.2024"; NAMESPACE says (("INBOX." ".")) (("user." ".")) (("" ".")).
 * The options flip either setting.
 *
 * Logins are checked against a sasldb in the temp dir (realm: the servername). A user's mailbox
 * (user.NAME) is created by the admin over IMAP when the user is added. Cyrus logs only to
 * syslog, which no test can read, so log() returns master's own output and the IMAP telemetry
 * (a transcript of every session, written per user under config/log/NAME).
 */
const run = promisify(execFile);

const STARTUP_TIMEOUT_MS = 15_000;
/** The greeting's host name, and the SASL realm that a plain LOGIN user is looked up in. */
const SERVERNAME = 'mailferry-cyrus';
const ADMIN_USER = 'cyrusadmin';
const CACHE_ROOT = process.env.MAILFERRY_TEST_SERVERS ?? '/var/cache/mailferry-test-servers';
const FETCH_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/test-servers.sh');

export type CyrusUser = TestImapUser;

export interface CyrusOptions {
  users?: CyrusUser[];
  /** Cyrus's altnamespace: personal folders beside INBOX, prefix ''. Default false, as Debian ships it. */
  altNamespace?: boolean;
  /** Cyrus's unixhierarchysep: '/' instead of '.' as the separator. Default false, as Debian ships it. */
  unixHierarchySep?: boolean;
  /** Write an IMAP transcript per user for log() (Cyrus's telemetry). Default true. */
  telemetry?: boolean;
}

export interface CyrusServer extends TestImapServer {
  readonly kind: 'cyrus';
  /** The Debian packages the binaries come from, e.g. "cyrus-imapd 3.6.1-4+deb12u5". */
  readonly version: string;
  readonly users: CyrusUser[];
  /** An IMAP admin (Cyrus `admins:`): sees every user's mailbox as user<sep>NAME. */
  readonly admin: CyrusUser;
  /** A fresh user with an empty INBOX (40-60 ms on an idle machine: a sasldb entry and an admin CREATE). */
  addUser(user?: string, password?: string): Promise<CyrusUser>;
  /** Gives the user a new password; sessions already open stay. */
  setPassword(user: string, password: string): Promise<CyrusUser>;
  /** The server-wide name of a user's INBOX, as the admin spells it: user.NAME or user/NAME. */
  userMailbox(user: string): string;
}

interface Install {
  home: string;
  bin: string;
  libPath: string;
  version: string;
}

let install: Promise<Install> | undefined;

/** The unpacked Cyrus tree, fetched on first use (once per process; the script itself locks). */
export function cyrusInstall(): Promise<Install> {
  install ??= (async () => {
    let home: string;
    try {
      home = (await run('bash', [FETCH_SCRIPT, 'cyrus'], { env: { ...process.env, MAILFERRY_TEST_SERVERS: CACHE_ROOT } })).stdout.trim();
    } catch (err) {
      throw new Error(`Cyrus IMAP is not available: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
    }
    return {
      home,
      bin: path.join(home, 'usr/lib/cyrus/bin'),
      libPath: path.join(home, 'usr/lib/x86_64-linux-gnu'),
      version: readFileSync(path.join(home, 'VERSION'), 'utf8').trim().split('\n').filter((l) => l.startsWith('cyrus-imapd ')).join(),
    };
  })();
  install.catch(() => (install = undefined));
  return install;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

export async function startCyrus(opts: CyrusOptions = {}): Promise<CyrusServer> {
  const inst = await cyrusInstall();
  const runAs = await mailUser();
  const dir = await mkdtemp(path.join(tmpdir(), 'mailferry-cyrus-'));
  try {
    return await launch(dir, inst, runAs, opts);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

interface Parts {
  dir: string;
  inst: Install;
  runAs: RunAs;
  port: number;
  separator: '.' | '/';
  prefix: string;
  telemetry: boolean;
  sasldb: string;
  admin: CyrusUser;
  users: CyrusUser[];
  child: ChildProcess;
  exited: Promise<void>;
}

async function launch(dir: string, inst: Install, runAs: RunAs, opts: CyrusOptions): Promise<CyrusServer> {
  const separator = opts.unixHierarchySep ? '/' : '.';
  const prefix = opts.altNamespace ? '' : `INBOX${separator}`;
  const telemetry = opts.telemetry ?? true;
  const users = [...(opts.users ?? [])];
  for (const u of users) checkName(u.user);
  const admin = { user: ADMIN_USER, password: newPassword() };
  for (const sub of ['config/socket', 'config/log', 'spool', 'run/proc', 'run/lock', 'sieve']) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  const sasldb = path.join(dir, 'sasldb2');
  // Nothing reads the sasldb yet, so the first entries go straight into it.
  for (const u of [admin, ...users]) await saslpasswd(sasldb, u, true);
  for (const u of users) if (telemetry) await mkdir(path.join(dir, 'config/log', u.user));

  // Another process may grab a probed port before master binds it; master then exits
  // (master_bind_errors_fatal) and a fresh port helps.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const imapdConf = path.join(dir, 'imapd.conf');
    const cyrusConf = path.join(dir, 'cyrus.conf');
    await writeFile(imapdConf, imapdConfig({ dir, runAs, admin, altNamespace: !!opts.altNamespace, unixHierarchySep: !!opts.unixHierarchySep }));
    await writeFile(cyrusConf, cyrusConfig({ dir, bin: inst.bin, imapdConf, port }));
    await rm(path.join(dir, 'master.log'), { force: true });
    await chownTree(dir, runAs);
    // master starts as the run user already (the port is unprivileged), so the parent-death
    // signal survives: a test worker that dies or exits without stop() takes Cyrus with it
    // (the exit hook alone does not run when vitest ends a worker). Its own process group,
    // because on SIGTERM master signals its whole group (kill(0)): in the test runner's group
    // that would take down every other server run as the same user, Dovecot's included.
    const child = spawn('setpriv', [
      ...(process.getuid?.() === 0 ? ['--reuid', String(runAs.uid), '--regid', String(runAs.gid), '--clear-groups'] : []),
      '--pdeathsig', 'TERM', '--',
      path.join(inst.bin, 'master'), '-C', imapdConf, '-M', cyrusConf, '-p', path.join(dir, 'run/master.pid'), '-L', path.join(dir, 'master.log'),
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LD_LIBRARY_PATH: inst.libPath }, detached: true });
    running.add(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => running.delete(child));
    try {
      await waitForGreeting(port, child, 'cyrus master', STARTUP_TIMEOUT_MS);
    } catch (err) {
      await stopMaster(child, exited);
      const log = await readFile(path.join(dir, 'master.log'), 'utf8').catch(() => '');
      lastError = new Error(`cyrus did not start: ${(err as Error).message}\n${output}\n${log}`);
      continue;
    }
    const p: Parts = { dir, inst, runAs, port, separator, prefix, telemetry, sasldb, admin, users, child, exited };
    try {
      if (users.length > 0) await adminCommands(p, users.map((u) => `CREATE ${quote(userMailbox(p, u.user))}`));
    } catch (err) {
      await stopMaster(child, exited);
      throw err;
    }
    return server(p);
  }
  throw lastError;
}

function server(p: Parts): CyrusServer {
  let stopped = false;
  // sasldb writes replace the file whole, one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    kind: 'cyrus',
    host: HOST,
    port: p.port,
    separator: p.separator,
    prefix: p.prefix,
    dir: p.dir,
    version: p.inst.version,
    users: p.users,
    admin: p.admin,
    addUser(user, password) {
      return serial(async () => {
        const added = { user: user ?? newUserName(), password: password ?? newPassword() };
        checkName(added.user);
        if (p.users.some((u) => u.user === added.user)) throw new Error(`user ${added.user} exists`);
        await replaceSasldb(p, added, true);
        if (p.telemetry) {
          const logDir = path.join(p.dir, 'config/log', added.user);
          await mkdir(logDir);
          await chown(logDir, p.runAs.uid, p.runAs.gid).catch(() => undefined);
        }
        await adminCommands(p, [`CREATE ${quote(userMailbox(p, added.user))}`]);
        p.users.push(added);
        return added;
      });
    },
    setPassword(user, password) {
      return serial(async () => {
        const index = p.users.findIndex((u) => u.user === user);
        if (index < 0) throw new Error(`no user ${user}`);
        const changed = { user, password };
        await replaceSasldb(p, changed, false);
        p.users[index] = changed;
        return changed;
      });
    },
    userMailbox: (user) => userMailbox(p, user),
    async log() {
      const parts = [`--- master.log ---\n${await readFile(path.join(p.dir, 'master.log'), 'utf8').catch(() => '')}`];
      const logRoot = path.join(p.dir, 'config/log');
      for (const user of (await readdir(logRoot).catch(() => [])).sort()) {
        for (const file of (await readdir(path.join(logRoot, user)).catch(() => [])).sort()) {
          const text = await readFile(path.join(logRoot, user, file), 'latin1').catch(() => '');
          parts.push(`--- telemetry ${user}/${file} ---\n${text}`);
        }
      }
      return parts.join('\n');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopMaster(p.child, p.exited);
      await rm(p.dir, { recursive: true, force: true });
    },
  };
}

function userMailbox(p: Pick<Parts, 'separator'>, user: string): string {
  return `user${p.separator}${user}`;
}

/** master takes its children down on SIGTERM; should it hang, its process group is killed. */
async function stopMaster(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, 5000);
  await exited;
  clearTimeout(killer);
}

interface ImapdConfigParts {
  dir: string;
  runAs: RunAs;
  admin: CyrusUser;
  altNamespace: boolean;
  unixHierarchySep: boolean;
}

function imapdConfig(c: ImapdConfigParts): string {
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  // The settings of Debian's /etc/imapd.conf, with every path moved into the temp dir, plus
  // what an unprivileged test instance needs (marked).
  return `# Generated for one test run; nothing here is shared with any system Cyrus.
configdirectory: ${c.dir}/config
defaultpartition: default
partition-default: ${c.dir}/spool
proc_path: ${c.dir}/run/proc
mboxname_lockpath: ${c.dir}/run/lock
sievedir: ${c.dir}/sieve
sieveusehomedir: false
altnamespace: ${yesNo(c.altNamespace)}
unixhierarchysep: ${yesNo(c.unixHierarchySep)}
lmtp_downcase_rcpt: yes
allowanonymouslogin: no
popminpoll: 1
autocreate_quota: 0
umask: 077
hashimapspool: true
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auto_transition: no
# --- test instance ---
servername: ${SERVERNAME}
syslog_prefix: mailferry-cyrus
cyrus_user: ${c.runAs.name}
cyrus_group: ${c.runAs.group}
admins: ${c.admin.user}
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${c.dir}/sasldb2
# Tests log in with wrong passwords on purpose; no 3 s pause after each.
failedloginpause: 0
# A port taken between probing and binding makes master exit, so the caller can retry.
master_bind_errors_fatal: yes
`;
}

function cyrusConfig(c: { dir: string; bin: string; imapdConf: string; port: number }): string {
  const cmd = (name: string, args = '') => `"${path.join(c.bin, name)} -C ${c.imapdConf}${args}"`;
  // Only IMAP, on loopback; idled (on a Unix socket in the temp dir) so IDLE sees changes at
  // once instead of polling every imapidlepoll (60 s). No pop3, nntp, http, lmtp, sieve, notify.
  return `START {
  recover cmd=${cmd('ctl_cyrusdb', ' -r')}
}
SERVICES {
  imap cmd=${cmd('imapd')} listen="${HOST}:${c.port}" prefork=0 maxchild=200
}
DAEMON {
  idled cmd=${cmd('idled')}
}
EVENTS {
}
`;
}

async function replaceSasldb(p: Parts, u: CyrusUser, create: boolean): Promise<void> {
  // imapd opens the sasldb for each login; a copy is changed and renamed over it, so no login
  // ever reads a half-written file.
  const tmp = `${p.sasldb}.${randomBytes(4).toString('hex')}`;
  try {
    await copyFile(p.sasldb, tmp);
    await saslpasswd(tmp, u, create);
    await chown(tmp, p.runAs.uid, p.runAs.gid).catch(() => undefined);
    await rename(tmp, p.sasldb);
  } finally {
    await rm(tmp, { force: true });
  }
}

function saslpasswd(file: string, u: CyrusUser, create: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('saslpasswd2', ['-p', ...(create ? ['-c'] : []), '-f', file, '-u', SERVERNAME, u.user], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`saslpasswd2 for ${u.user} failed (${code}): ${err.trim()}`))));
    child.stdin.end(u.password);
  });
}

/** Logs in as the admin, runs the commands (each must answer OK), logs out. */
async function adminCommands(p: Parts, commands: string[]): Promise<void> {
  const socket = net.connect({ host: HOST, port: p.port });
  socket.setTimeout(10_000, () => socket.destroy(new Error('admin IMAP session timed out')));
  let buffer = '';
  let waiting: { tag: string | null; resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure ??= e;
    waiting?.reject(failure);
    waiting = null;
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('admin IMAP session closed')));
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    let eol: number;
    while ((eol = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      const w = waiting;
      if (!w) continue;
      if (w.tag === null ? line.startsWith('* ') : line.startsWith(`${w.tag} `)) {
        waiting = null;
        w.resolve(line);
      }
    }
  });
  const next = (tag: string | null) =>
    new Promise<string>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting = { tag, resolve, reject };
    });
  try {
    const greeting = await next(null);
    if (!greeting.startsWith('* OK')) throw new Error(`Cyrus greeted the admin with: ${greeting}`);
    const all = [`LOGIN ${quote(p.admin.user)} ${quote(p.admin.password)}`, ...commands, 'LOGOUT'];
    for (const [i, command] of all.entries()) {
      const tag = `A${i}`;
      const answer = next(tag);
      socket.write(`${tag} ${command}\r\n`);
      const line = await answer;
      if (!line.startsWith(`${tag} OK`)) throw new Error(`Cyrus admin command ${command.startsWith('LOGIN') ? 'LOGIN' : command} failed: ${line}`);
    }
  } finally {
    socket.removeAllListeners('close');
    socket.destroy();
  }
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Cyrus maps some characters in user names (and lowercases them); test users avoid all that. */
function checkName(user: string): void {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(user)) throw new Error(`unusable Cyrus test user name ${JSON.stringify(user)} (use [a-z0-9_-])`);
}

function newUserName(): string {
  return `u${randomBytes(5).toString('hex')}`;
}

function newPassword(): string {
  return randomBytes(9).toString('base64url');
}
