import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestImapServer, TestImapUser } from './imap-server.js';
import { HOST, chownTree, freePort, mailUser, stopChild, waitForGreeting, waitForPort, type RunAs } from './server-process.js';

const run = promisify(execFile);

const STARTUP_TIMEOUT_MS = 15_000;
const USER_POOL = 200;

export type DovecotUser = TestImapUser;

/** What the Dovecot the tests run announces by default (its imap_capability). */
export const DOVECOT_CAPABILITIES = [
  'IMAP4rev1', 'SASL-IR', 'LOGIN-REFERRALS', 'ID', 'ENABLE', 'IDLE', 'SORT', 'SORT=DISPLAY', 'THREAD=REFERENCES', 'THREAD=REFS',
  'THREAD=ORDEREDSUBJECT', 'MULTIAPPEND', 'URL-PARTIAL', 'CATENATE', 'UNSELECT', 'CHILDREN', 'NAMESPACE', 'UIDPLUS', 'LIST-EXTENDED',
  'I18NLEVEL=1', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'ESORT', 'SEARCHRES', 'WITHIN', 'CONTEXT=SEARCH', 'LIST-STATUS', 'BINARY', 'MOVE',
  'SNIPPET=FUZZY', 'PREVIEW=FUZZY', 'PREVIEW', 'STATUS=SIZE', 'SAVEDATE', 'LITERAL+', 'NOTIFY', 'SPECIAL-USE',
];

/** A `capability` option for a Dovecot that announces all it has except `missing`. */
export function capabilityWithout(...missing: string[]): string {
  return DOVECOT_CAPABILITIES.filter((c) => !missing.includes(c)).join(' ');
}

export interface DovecotOptions {
  users?: DovecotUser[];
  /** Serve IMAPS on a second port and offer STARTTLS on the plain one, with a fresh self-signed cert. */
  tls?: boolean;
  /** Hierarchy separator of the mail namespace (Dovecot's LAYOUT=fs keeps folders nested either way). */
  separator?: '/' | '.';
  /** Replaces Dovecot's imap_capability, to imitate servers that lack an extension. */
  capability?: string;
  /** Logins one user may hold at once from one address (Dovecot's default is 10; tests get 50). */
  maxConnections?: number;
  /**
   * Also accept OAuth2 bearer tokens (SASL XOAUTH2 / OAUTHBEARER), checked by RFC 7662
   * introspection at an authorization server (oauth-provider.ts); passwords keep working.
   */
  oauth2?: DovecotOAuth2;
}

export interface DovecotOAuth2 {
  /** POST introspection URL with the confidential client's credentials in it: http://id:secret@127.0.0.1:port/… */
  introspectionUrl: string;
  /** The introspection field that must equal the IMAP user name (default "sub"). */
  usernameAttribute?: string;
  /** Which OAuth2 mechanisms to offer (default both). */
  mechanisms?: ('xoauth2' | 'oauthbearer')[];
}

export interface DovecotServer extends TestImapServer {
  readonly kind: 'dovecot';
  readonly tlsPort?: number;
  /** The self-signed certificate (PEM) and its SHA-256 fingerprint in lowercase hex, with tls. */
  readonly caPem?: string;
  readonly fingerprint?: string;
  readonly users: DovecotUser[];
  /** A fresh user with an empty mailbox: instant, unless a name or password is given. */
  addUser(user?: string, password?: string): Promise<DovecotUser>;
  /** Gives the user a new password, as a change at the provider would; sessions already open stay. */
  setPassword(user: string, password: string): Promise<DovecotUser>;
  /** The user's Maildir root (INBOX lives here; folders nest below it). */
  mailRoot(user: string): string;
  /** The directory Dovecot stores a folder in (server-side name, with the server separator). */
  folderDir(user: string, folder: string): Promise<string>;
  /**
   * Makes Dovecot assign a new UIDVALIDITY (and new UIDs) to a folder, as a server migration
   * would. Call it while no client has the folder selected. Returns the new value.
   */
  resetUidValidity(user: string, folder: string): Promise<string>;
  /** Sets a folder's UIDVALIDITY (after resetUidValidity: a server that reuses UIDs silently). */
  setUidValidity(user: string, folder: string, value: string): Promise<void>;
  /** Drops every IMAP connection of the user, as a server restart or network cut would. */
  kick(user: string): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

export async function startDovecot(opts: DovecotOptions = {}): Promise<DovecotServer> {
  const runAs = await mailUser();
  const dir = await mkdtemp(path.join(tmpdir(), 'mailferry-dovecot-'));
  try {
    return await launch(dir, runAs, opts);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launch(dir: string, runAs: RunAs, opts: DovecotOptions): Promise<DovecotServer> {
  const users = [...(opts.users ?? [])];
  // Users for addUser() are in the passwd file from the start, so handing one out is instant.
  const pool = Array.from({ length: USER_POOL }, () => ({ user: newUserName(), password: newPassword() }));
  const separator = opts.separator ?? '/';
  await mkdir(path.join(dir, 'mail'));
  await mkdir(path.join(dir, 'home'));
  await mkdir(path.join(dir, 'state'));
  const passwdFile = path.join(dir, 'passwd');
  await writePasswd(passwdFile, [...users, ...pool], runAs);
  const cert = opts.tls ? await makeCertificate(dir) : null;

  // Another process may grab a probed port before Dovecot binds it; a fresh pair then helps.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const tlsPort = cert ? await freePort() : undefined;
    const confFile = path.join(dir, 'dovecot.conf');
    if (opts.oauth2) await writeFile(path.join(dir, 'dovecot-oauth2.conf.ext'), oauth2Args(opts.oauth2));
    await writeFile(confFile, config({ dir, runAs, port, tlsPort, cert, separator, capability: opts.capability, maxConnections: opts.maxConnections ?? 50, oauth2: opts.oauth2 }));
    await chownTree(dir, runAs);
    const child = spawn(dovecotBinary(), ['-F', '-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => running.delete(child));
    try {
      await waitForGreeting(port, child, 'dovecot', STARTUP_TIMEOUT_MS);
      if (tlsPort !== undefined) await waitForPort(tlsPort, child, 'dovecot', STARTUP_TIMEOUT_MS);
    } catch (err) {
      await stopChild(child, exited);
      const log = await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
      lastError = new Error(`dovecot did not start: ${(err as Error).message}\n${output}\n${log}`);
      continue;
    }
    return server({ dir, runAs, port, tlsPort, cert, separator, users, pool, passwdFile, confFile, child, exited });
  }
  throw lastError;
}

interface ServerParts {
  dir: string;
  runAs: RunAs;
  port: number;
  tlsPort: number | undefined;
  cert: Certificate | null;
  separator: string;
  users: DovecotUser[];
  pool: DovecotUser[];
  passwdFile: string;
  confFile: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/** Dovecot notices a changed passwd file only in a later second than its last look. */
async function untilLoginWorks(p: ServerParts, u: DovecotUser): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    if (await run('doveadm', ['-c', p.confFile, 'auth', 'test', u.user, u.password]).then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`Dovecot did not pick up the password of ${u.user}`);
  }
}

function server(p: ServerParts): DovecotServer {
  const mailRoot = (user: string) => path.join(p.dir, 'mail', user);
  const doveadm = async (...args: string[]) => (await run('doveadm', ['-c', p.confFile, ...args])).stdout.trim();
  let stopped = false;
  return {
    kind: 'dovecot',
    host: HOST,
    port: p.port,
    prefix: '',
    ...(p.tlsPort !== undefined ? { tlsPort: p.tlsPort } : {}),
    ...(p.cert ? { caPem: p.cert.pem, fingerprint: p.cert.fingerprint } : {}),
    separator: p.separator,
    users: p.users,
    dir: p.dir,
    async addUser(user, password) {
      const pooled = user === undefined && password === undefined ? p.pool.shift() : undefined;
      if (pooled) {
        p.users.push(pooled);
        return pooled;
      }
      const added = { user: user ?? newUserName(), password: password ?? newPassword() };
      p.users.push(added);
      await writePasswd(p.passwdFile, [...p.users, ...p.pool], p.runAs);
      await untilLoginWorks(p, added);
      return added;
    },
    async setPassword(user, password) {
      const index = p.users.findIndex((u) => u.user === user);
      if (index < 0) throw new Error(`no user ${user}`);
      const changed = { user, password };
      p.users[index] = changed;
      await writePasswd(p.passwdFile, [...p.users, ...p.pool], p.runAs);
      await untilLoginWorks(p, changed);
      return changed;
    },
    mailRoot,
    async folderDir(user, folder) {
      return doveadm('mailbox', 'path', '-u', user, '-t', 'dir', folder);
    },
    async resetUidValidity(user, folder) {
      const before = await uidValidityOf(doveadm, user, folder);
      const dirPath = await doveadm('mailbox', 'path', '-u', user, '-t', 'dir', folder);
      // UIDVALIDITY is taken from the clock (seconds); wait so the new one cannot equal the old.
      await waitUntilSecondAfter(Number(before));
      for (const name of await readdir(dirPath)) {
        if (name === 'dovecot-uidlist' || name.startsWith('dovecot-uidvalidity') || name.startsWith('dovecot.index')) {
          await rm(path.join(dirPath, name), { force: true });
        }
      }
      // The mailbox list index caches each folder's UIDVALIDITY for STATUS; drop it as well.
      for (const name of await readdir(mailRoot(user))) {
        if (name.startsWith('dovecot.list.index')) await rm(path.join(mailRoot(user), name), { force: true });
      }
      await doveadm('force-resync', '-u', user, folder);
      const after = await uidValidityOf(doveadm, user, folder);
      if (after === before) throw new Error(`UIDVALIDITY of ${user}/${folder} stayed ${before}`);
      return after;
    },
    async setUidValidity(user, folder, value) {
      await doveadm('mailbox', 'update', '-u', user, '--uid-validity', value, folder);
      const now = await uidValidityOf(doveadm, user, folder);
      if (now !== value) throw new Error(`UIDVALIDITY of ${user}/${folder} is ${now}, not ${value}`);
    },
    async kick(user) {
      await doveadm('kick', user);
    },
    async log() {
      return readFile(path.join(p.dir, 'dovecot.log'), 'utf8').catch(() => '');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(p.child, p.exited);
      await rm(p.dir, { recursive: true, force: true });
    },
  };
}

async function uidValidityOf(doveadm: (...args: string[]) => Promise<string>, user: string, folder: string): Promise<string> {
  const out = await doveadm('-f', 'flow', 'mailbox', 'status', '-u', user, 'uidvalidity', folder);
  const m = /uidvalidity=(\d+)/.exec(out);
  if (!m?.[1]) throw new Error(`doveadm gave no UIDVALIDITY for ${user}/${folder}: ${out}`);
  return m[1];
}

async function waitUntilSecondAfter(unixSeconds: number): Promise<void> {
  const wait = (unixSeconds + 1) * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 20));
}

function dovecotBinary(): string {
  return existsSync('/usr/sbin/dovecot') ? '/usr/sbin/dovecot' : 'dovecot';
}

interface ConfigParts {
  dir: string;
  runAs: RunAs;
  port: number;
  tlsPort: number | undefined;
  cert: Certificate | null;
  separator: string;
  capability: string | undefined;
  maxConnections: number;
  oauth2: DovecotOAuth2 | undefined;
}

function oauth2Args(o: DovecotOAuth2): string {
  return `introspection_mode = post
introspection_url = ${o.introspectionUrl}
username_attribute = ${o.usernameAttribute ?? 'sub'}
active_attribute = active
active_value = true
`;
}

function config(c: ConfigParts): string {
  const ssl = c.cert
    ? `ssl = yes\nssl_cert = <${c.cert.certFile}\nssl_key = <${c.cert.keyFile}\n`
    : 'ssl = no\n';
  return `# Generated for one test run; nothing here is shared with the system Dovecot.
instance_name = mailferry-${path.basename(c.dir)}
base_dir = ${c.dir}/run
state_dir = ${c.dir}/state
listen = ${HOST}
protocols = imap
log_path = ${c.dir}/dovecot.log
info_log_path = ${c.dir}/dovecot.log
debug_log_path = ${c.dir}/dovecot.log
${ssl}disable_plaintext_auth = no
auth_mechanisms = plain login${c.oauth2 ? ` ${(c.oauth2.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ')}` : ''}
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
default_internal_user = ${c.runAs.name}
default_internal_group = ${c.runAs.group}
default_login_user = ${c.runAs.name}
first_valid_uid = ${c.runAs.uid}
first_valid_gid = ${c.runAs.gid}
mail_uid = ${c.runAs.uid}
mail_gid = ${c.runAs.gid}
mail_location = maildir:${c.dir}/mail/%u:LAYOUT=fs
mail_fsync = always

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${c.dir}/passwd
${c.oauth2 ? '  mechanisms = plain login\n' : ''}}
${c.oauth2 ? `passdb {\n  driver = oauth2\n  mechanisms = ${(c.oauth2.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ')}\n  args = ${c.dir}/dovecot-oauth2.conf.ext\n}\n` : ''}
userdb {
  driver = static
  args = uid=${c.runAs.uid} gid=${c.runAs.gid} home=${c.dir}/home/%u
}

namespace inbox {
  inbox = yes
  separator = ${c.separator}
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Trash {
    special_use = \\Trash
  }
}

protocol imap {
  mail_max_userip_connections = ${c.maxConnections}
${c.capability !== undefined ? `  imap_capability = ${c.capability}\n` : ''}}

service imap-login {
  chroot =
  inet_listener imap {
    address = ${HOST}
    port = ${c.port}
  }
  inet_listener imaps {
    address = ${HOST}
    port = ${c.tlsPort ?? 0}
    ssl = yes
  }
}
# Tests log in with wrong passwords on purpose; no growing delays for 127.0.0.1 afterwards.
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service pop3-login {
  chroot =
}
service submission-login {
  chroot =
}
service imap-urlauth-login {
  chroot =
}
service managesieve-login {
  chroot =
}
`;
}

function newUserName(): string {
  return `u${randomBytes(5).toString('hex')}`;
}

function newPassword(): string {
  return randomBytes(9).toString('base64url');
}

async function writePasswd(file: string, users: DovecotUser[], runAs: RunAs): Promise<void> {
  for (const u of users) {
    if (/[:\n]/.test(u.user) || /[:\n]/.test(u.password)) throw new Error(`unusable test user ${u.user}`);
  }
  const text = users.map((u) => `${u.user}:{PLAIN}${u.password}:::::\n`).join('');
  // Written whole and renamed so Dovecot never reads a half-written file.
  const tmp = `${file}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, text, { mode: 0o644 });
  await chown(tmp, runAs.uid, runAs.gid);
  await rename(tmp, file);
}

interface Certificate {
  pem: string;
  fingerprint: string;
  certFile: string;
  keyFile: string;
}

async function makeCertificate(dir: string): Promise<Certificate> {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  const pem = await readFile(certFile, 'utf8');
  const fingerprint = new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
  return { pem, fingerprint, certFile, keyFile };
}
