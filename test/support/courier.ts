import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, open, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestImapServer, TestImapUser } from './imap-server.js';
import { HOST, freePort, greeting, mailUser, type RunAs } from './server-process.js';

/**
 * Courier-IMAP 5.0 for tests, from Debian's packages unpacked into a cache (scripts/fetch-courier.sh):
 * courier-imap conflicts with dovecot-imapd, so it is never installed. Courier's programs look
 * for their files at built-in paths (/etc/courier, /run/courier/authdaemon/socket,
 * /usr/lib/courier-authlib, /usr/libexec/gam_server), so each instance runs in its own mount
 * and PID namespace (unshare, as root): read-only overlays show the unpacked /usr over the
 * system's, and the instance's directories over /etc/courier and /run/courier. Nothing outside
 * the namespace changes, and when its first process ends the kernel ends every other one in it
 * (authdaemond, couriertcpd, imaplogin/imapd sessions, gam_server).
 *
 * Users live in authuserdb (userdb + makeuserdb), with the uid/gid of the unprivileged mail user
 * and homes in the instance's directory; mail is Maildir++ in $HOME/Maildir, folders are
 * INBOX.name with '.' as separator.
 */
const run = promisify(execFile);

const STARTUP_TIMEOUT_MS = 15_000;
const USER_POOL = 200;
/** The capability list of Debian's /etc/courier/imapd; Courier adds ACL, ENABLE and UTF8=ACCEPT. */
const DEBIAN_CAPABILITY = 'IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE';

export type CourierUser = TestImapUser;

export interface CourierOptions {
  users?: CourierUser[];
  /** Replaces IMAP_CAPABILITY (Debian's list by default), to imitate servers that lack an extension. */
  capability?: string;
  /** Connections couriertcpd accepts from one address (tests get 100). */
  maxConnections?: number;
  /**
   * IMAP_ENHANCEDIDLE: true (the default here) has IDLE sessions told of changes through FAM
   * (gam_server) within about a second; false is Debian's setting, where an IDLE session hears
   * of new mail only when it polls, every IMAP_IDLE_TIMEOUT (60 s), or when IDLE ends.
   */
  enhancedIdle?: boolean;
}

export interface CourierProcess {
  pid: number;
  name: string;
}

export interface CourierServer extends TestImapServer {
  readonly kind: 'courier';
  readonly separator: '.';
  readonly prefix: 'INBOX.';
  readonly users: CourierUser[];
  /** A fresh user with an empty mailbox: instant, unless a name or password is given (then about 0.2 s). */
  addUser(user?: string, password?: string): Promise<CourierUser>;
  /** The user's Maildir++ root: INBOX's cur/new/tmp, and a dot-directory per folder. */
  mailRoot(user: string): string;
  /** The directory a folder is stored in (server-side name, e.g. 'INBOX.A.B' is `.A.B`). */
  folderDir(user: string, folder: string): string;
  /** The processes running in the instance's namespace now. */
  processes(): Promise<CourierProcess[]>;
}

/** The unpacked packages: ${MAILFERRY_TEST_SERVERS:-/var/cache/mailferry-test-servers}/courier/root. */
export function courierRoot(): string {
  const base = process.env.MAILFERRY_TEST_SERVERS || '/var/cache/mailferry-test-servers';
  return path.join(base, 'courier', 'root');
}

const FETCH_SCRIPT = fileURLToPath(new URL('../../scripts/fetch-courier.sh', import.meta.url));

/** Fetches and unpacks the packages unless the cache has them (.ci/run does this up front). */
export async function ensureCourier(): Promise<string> {
  const root = courierRoot();
  if (existsSync(path.join(root, '..', 'VERSIONS'))) return root;
  try {
    await run('bash', [FETCH_SCRIPT], { maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`could not fetch Courier-IMAP into ${root} (scripts/fetch-courier.sh): ${e.stderr || e.message}`);
  }
  return root;
}

/** Instances not stopped yet, by their unshare process, with their directory. */
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  // unshare --kill-child passes the kill on to the namespace's first process, which takes the rest.
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // A session still being killed may be writing there; a stale temp dir is all that is left.
    }
  }
});

export async function startCourier(opts: CourierOptions = {}): Promise<CourierServer> {
  if (process.getuid?.() !== 0) {
    throw new Error('Courier test support needs root: it runs Courier in a private mount namespace, and Courier changes to the mail user itself');
  }
  const root = await ensureCourier();
  const runAs = await mailUser();
  const dir = await mkdtemp(path.join(tmpdir(), 'mailferry-courier-'));
  try {
    return await launch(dir, root, runAs, opts);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The instance's first process (PID 1 of its namespace): mounts, then starts Courier's daemons. */
const NAMESPACE_SCRIPT = String.raw`
set -eu
mount -t overlay overlay -o "lowerdir=$COURIER_ROOT/usr:/usr" /usr
mount -t overlay overlay -o "lowerdir=$COURIER_DIR/stub/etc:/etc" /etc
mount -t overlay overlay -o "lowerdir=$COURIER_DIR/stub/run:/run" /run
mount --bind "$COURIER_DIR/etc" /etc/courier
mount --bind "$COURIER_DIR/run" /run/courier
makeuserdb
set +e
/usr/lib/courier/courier-authlib/authdaemond </dev/null &
auth=$!
n=0
until [ -S /run/courier/authdaemon/socket ]; do
  kill -0 "$auth" 2>/dev/null || { echo "mailferry: authdaemond exited" >&2; exit 1; }
  n=$((n + 1))
  [ "$n" -lt 1000 ] || { echo "mailferry: authdaemond made no socket" >&2; exit 1; }
  sleep 0.01
done
/usr/sbin/couriertcpd -address=127.0.0.1 -maxprocs="$COURIER_MAXPROCS" -maxperip="$COURIER_MAXPERIP" \
  -nodnslookup -noidentlookup "$COURIER_PORT" \
  /usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir </dev/null &
tcpd=$!
# Standard input is a pipe from the test process: it ends at stop(), or when that process dies.
exec 3<&0
( cat <&3 >/dev/null; kill -TERM "$tcpd" "$auth" 2>/dev/null ) &
wait "$tcpd"
status=$?
kill -TERM "$auth" 2>/dev/null
wait "$auth"
# Leaving ends whatever is still in the namespace (sessions, gam_server).
exit "$status"
`;

interface Instance {
  dir: string;
  runAs: RunAs;
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
}

async function launch(dir: string, root: string, runAs: RunAs, opts: CourierOptions): Promise<CourierServer> {
  const users = [...(opts.users ?? [])];
  for (const u of users) checkUser(u);
  // Users for addUser() are in userdb from the start, so handing one out is instant.
  const pool = Array.from({ length: USER_POOL }, () => ({ user: newUserName(), password: newPassword() }));
  // The mail user must reach the homes below the instance directory (mkdtemp made it 0700).
  await chmod(dir, 0o755);
  for (const sub of ['etc', 'run/authdaemon', 'home', 'stub/etc/courier', 'stub/run/courier']) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  await writeFile(path.join(dir, 'etc', 'authdaemonrc'), AUTHDAEMONRC, { mode: 0o644 });
  // makeuserdb insists that userdb is readable by its owner alone.
  await writeFile(path.join(dir, 'etc', 'userdb'), [...users, ...pool].map((u) => userdbLine(dir, runAs, u)).join(''), { mode: 0o600 });
  await writeFile(path.join(dir, 'namespace.sh'), NAMESPACE_SCRIPT);
  for (const u of users) await makeMaildir(dir, runAs, u.user);
  const logFile = path.join(dir, 'courier.log');

  // Another process may grab a probed port before couriertcpd binds it; a fresh one then helps.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const log = await open(logFile, 'a');
    const child = spawn('unshare', ['--mount', '--pid', '--fork', '--kill-child', '--mount-proc', 'sh', path.join(dir, 'namespace.sh')], {
      stdio: ['pipe', log.fd, log.fd],
      env: environment(dir, root, port, opts),
      // A process group of its own: authdaemond, told to stop, ends its children with
      // kill(0, SIGTERM), which reaches every process of its group, even outside the PID
      // namespace: in the test runner's group it would end the test runner and its shell.
      detached: true,
    });
    await log.close();
    running.set(child, dir);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => running.delete(child));
    try {
      await waitForCourier(port, child);
    } catch (err) {
      await stopInstance(child, exited);
      lastError = new Error(`courier did not start: ${(err as Error).message}\n${await readFile(logFile, 'utf8').catch(() => '')}`);
      continue;
    }
    return server({ dir, runAs, port, child, exited }, users, pool);
  }
  throw lastError;
}

const AUTHDAEMONRC = `# Generated for one test run.
authmodulelist="authuserdb"
daemons=2
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
`;

/** Courier's settings come from the environment (what Debian's /etc/courier/imapd would set). */
function environment(dir: string, root: string, port: number, opts: CourierOptions): NodeJS.ProcessEnv {
  const maxConnections = opts.maxConnections ?? 100;
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    COURIER_ROOT: root,
    COURIER_DIR: dir,
    COURIER_PORT: String(port),
    COURIER_MAXPERIP: String(maxConnections),
    COURIER_MAXPROCS: String(Math.max(200, maxConnections)),
    IMAP_CAPABILITY: opts.capability ?? DEBIAN_CAPABILITY,
    IMAP_KEYWORDS: '1',
    IMAP_ACL: '1',
    IMAP_PROXY: '0',
    IMAP_IDLE_TIMEOUT: '60',
    IMAP_MAILBOX_SANITY_CHECK: '1',
    IMAP_DISABLETHREADSORT: '0',
    IMAP_CHECK_ALL_FOLDERS: '0',
    IMAP_OBSOLETE_CLIENT: '0',
    IMAP_UMASK: '022',
    IMAP_USELOCKS: '1',
    IMAP_ENHANCEDIDLE: opts.enhancedIdle === false ? '0' : '1',
    IMAP_TRASHFOLDERNAME: 'Trash',
    // Debian's Trash:7 deletes Trash messages whose file is over 7 days old at every logout, and
    // an APPEND with an old INTERNALDATE makes an old file: tests would lose mail they put there.
    IMAP_EMPTYTRASH: '',
    IMAP_MOVE_EXPUNGE_TO_TRASH: '0',
    // Each instance gets its own gam_server (FAM, for IDLE): libgamin names its socket by user
    // and this id, so without it every instance's sessions would share the first one's.
    GAM_CLIENT_ID: `mailferry-${path.basename(dir)}`,
  };
}

async function waitForCourier(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`courier exited (${child.exitCode ?? child.signalCode})`);
    const line = await greeting(port);
    if (line?.startsWith('* OK') && line.includes('Courier-IMAP')) return;
    if (line) throw new Error(`another server answers on port ${port}: ${line}`);
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error('timed out waiting for courier');
}

async function stopInstance(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // Closing its standard input makes the namespace's first process stop couriertcpd (which
  // sends its sessions SIGTERM) and authdaemond, then leave, which ends the rest.
  child.stdin?.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

function server(inst: Instance, users: CourierUser[], pool: CourierUser[]): CourierServer {
  const mailRoot = (user: string) => path.join(inst.dir, 'home', user, 'Maildir');
  const nsenter = (...args: string[]) =>
    run('nsenter', [`--target=${inst.child.pid}`, '--mount', '--', ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  let stopped = false;
  // makeuserdb rewrites the whole database; one change at a time.
  let userdbChange: Promise<unknown> = Promise.resolve();
  return {
    kind: 'courier',
    host: HOST,
    port: inst.port,
    separator: '.',
    prefix: 'INBOX.',
    users,
    dir: inst.dir,
    async addUser(user, password) {
      const pooled = user === undefined && password === undefined ? pool.shift() : undefined;
      if (pooled) {
        await makeMaildir(inst.dir, inst.runAs, pooled.user);
        users.push(pooled);
        return pooled;
      }
      const added = { user: user ?? newUserName(), password: password ?? newPassword() };
      checkUser(added);
      const change = userdbChange.then(async () => {
        await appendFile(path.join(inst.dir, 'etc', 'userdb'), userdbLine(inst.dir, inst.runAs, added));
        await makeMaildir(inst.dir, inst.runAs, added.user);
        await nsenter('makeuserdb');
        await untilLoginWorks(nsenter, added);
      });
      userdbChange = change.catch(() => undefined);
      await change;
      users.push(added);
      return added;
    },
    mailRoot,
    folderDir(user, folder) {
      if (folder === 'INBOX') return mailRoot(user);
      if (!folder.startsWith('INBOX.')) throw new Error(`Courier folder names start with INBOX.: ${folder}`);
      return path.join(mailRoot(user), folder.slice('INBOX'.length));
    },
    async processes() {
      return namespaceProcesses(inst.child);
    },
    async log() {
      return readFile(path.join(inst.dir, 'courier.log'), 'utf8').catch(() => '');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopInstance(inst.child, inst.exited);
      await rm(inst.dir, { recursive: true, force: true });
    },
  };
}

/** authdaemond reads a rebuilt userdb.dat at its next lookup; authtest shows when it has. */
async function untilLoginWorks(nsenter: (...args: string[]) => Promise<unknown>, u: CourierUser): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (await nsenter('authtest', '-s', 'imap', u.user, u.password).then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`Courier did not pick up the password of ${u.user}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every process in the instance's PID namespace, found by the namespace's identity in /proc. */
async function namespaceProcesses(child: ChildProcess): Promise<CourierProcess[]> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return [];
  const ns = await readlink(`/proc/${child.pid}/ns/pid_for_children`).catch(() => null);
  if (!ns) return [];
  const out: CourierProcess[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readlink(`/proc/${entry}/ns/pid`).catch(() => null)) !== ns) continue;
    const name = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '?')).trim();
    out.push({ pid: Number(entry), name });
  }
  return out;
}

function checkUser(u: CourierUser): void {
  // userdb lines are name<TAB>field=value|...; the name also becomes a directory.
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(u.user) || /[\n\r]/.test(u.password)) throw new Error(`unusable test user ${u.user}`);
}

function userdbLine(dir: string, runAs: RunAs, u: CourierUser): string {
  // authlib checks {SHA256} passwords as the base64 SHA-256 digest.
  const systempw = `{SHA256}${createHash('sha256').update(u.password, 'utf8').digest('base64')}`;
  return `${u.user}\tuid=${runAs.uid}|gid=${runAs.gid}|home=${path.join(dir, 'home', u.user)}|systempw=${systempw}\n`;
}

async function makeMaildir(dir: string, runAs: RunAs, user: string): Promise<void> {
  const home = path.join(dir, 'home', user);
  for (const sub of ['', 'Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp']) {
    const p = path.join(home, sub);
    await mkdir(p, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await chown(p, runAs.uid, runAs.gid);
  }
}

function newUserName(): string {
  return `u${randomBytes(5).toString('hex')}`;
}

function newPassword(): string {
  return randomBytes(9).toString('base64url');
}
