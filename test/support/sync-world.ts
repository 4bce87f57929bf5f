import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SyncSummary } from '../../shared/sync-summary.js';
import type { DovecotServer } from './dovecot.js';
import type { TestImapServer, TestImapUser } from './imap-server.js';
import { connect, type ImapFixture } from './imap-fixture.js';
import { folderDir, localFolderNames, localMessages, sha256, wireBytes } from './local-maildir.js';

const CLI = resolve(import.meta.dirname, '../../bin/mailferry.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI as a user would, in its own process (so fault-hook exits are real exits),
 * optionally as another system user.
 */
export function runCli(args: string[], env: Record<string, string> = {}, as?: { uid: number; gid: number; home: string }): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: as?.home ?? process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(as && as.uid !== process.getuid?.() ? { uid: as.uid, gid: as.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** What a user would compare: per folder, each message's bytes hash and flags, on each side. */
export type SideView = Record<string, string[]>;

/**
 * One account's world for a test: a fresh Dovecot user as the remote side, a fresh Maildir
 * (or a second Dovecot user) as the local side, a state dir and a config file.
 */
export class SyncWorld<S extends TestImapServer = DovecotServer> {
  private constructor(
    readonly server: S,
    readonly user: TestImapUser,
    public remote: ImapFixture,
    readonly dir: string,
    readonly maildir: string,
    readonly localUser: TestImapUser | null,
    public localImap: ImapFixture | null,
    readonly configPath: string,
  ) {}

  static async create<S extends TestImapServer>(server: S, opts: { localImap?: boolean; account?: Record<string, unknown> } = {}): Promise<SyncWorld<S>> {
    const user = await server.addUser();
    const remote = await connect(server, user);
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-world-'));
    const maildir = join(dir, 'Mail');
    await mkdir(maildir);
    const localUser = opts.localImap ? await server.addUser() : null;
    const localImap = localUser ? await connect(server, localUser) : null;
    const imap = (u: TestImapUser) => ({ type: 'imap', host: server.host, port: server.port, security: 'none', user: u.user, password: u.password });
    const config = {
      stateDir: join(dir, 'state'),
      accounts: [
        {
          name: 'test',
          remote: imap(user),
          local: localUser ? imap(localUser) : { type: 'maildir', path: maildir },
          ...opts.account,
        },
      ],
    };
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
    return new SyncWorld(server, user, remote, dir, maildir, localUser, localImap, configPath);
  }

  sync(extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
    return runCli(['sync', '--config', this.configPath, ...extra], env);
  }

  status(extra: string[] = []): Promise<CliResult> {
    return runCli(['status', '--config', this.configPath, ...extra]);
  }

  /** Runs sync --json and returns the parsed summary; fails the test on a non-zero exit. */
  async syncJson(extra: string[] = []): Promise<SyncSummary> {
    const r = await this.sync(['--json', ...extra]);
    if (r.code !== 0) throw new Error(`sync exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return JSON.parse(r.stdout) as SyncSummary;
  }

  async remoteView(folders?: string[]): Promise<SideView> {
    return imapView(this.remote, folders);
  }

  async localView(folders?: string[]): Promise<SideView> {
    if (this.localImap) return imapView(this.localImap, folders);
    const view: SideView = {};
    for (const f of folders ?? (await localFolderNames(this.maildir))) {
      const keywords = await readKeywords(folderDir(this.maildir, f));
      view[f] = (await localMessages(this.maildir, f)).map((m) => `${sha256(wireBytes(m.bytes))} ${lettersToFlags(m.letters, keywords)}`).sort();
    }
    return view;
  }

  async close(): Promise<void> {
    await this.remote.close();
    await this.localImap?.close();
  }

  /**
   * Closes the test's own IMAP clients, runs `change` (a server-side change such as a
   * UIDVALIDITY reset, which a logged-in client would not see), and logs them in again.
   */
  async whileLoggedOut(change: () => Promise<void>): Promise<void> {
    await this.close();
    await change();
    this.remote = await connect(this.server, this.user);
    if (this.localUser) this.localImap = await connect(this.server, this.localUser);
  }
}

async function imapView(fx: ImapFixture, folders?: string[]): Promise<SideView> {
  const view: SideView = {};
  for (const f of folders ?? (await imapFolderNames(fx))) {
    view[f] = (await fx.messages(f)).map((m) => `${sha256(m.bytes)} ${m.flags.filter((x) => x !== '\\Recent').sort().join(' ')}`).sort();
  }
  return view;
}

async function imapFolderNames(fx: ImapFixture): Promise<string[]> {
  const boxes = await fx.client.list();
  return boxes
    .filter((b) => !b.flags.has('\\Noselect') && !b.flags.has('\\NonExistent'))
    .map((b) => fx.logicalName(b.path, b.delimiter))
    .sort();
}

const LETTER_FLAGS: Record<string, string> = { D: '\\Draft', F: '\\Flagged', P: '$Forwarded', R: '\\Answered', S: '\\Seen', T: '\\Deleted' };

/** The flags a Maildir letter string stands for, in the same spelling and order as IMAP views. */
export function lettersToFlags(letters: string, keywords: string[] = []): string {
  return [...letters]
    .map((l) => LETTER_FLAGS[l] ?? (l >= 'a' && l <= 'z' ? keywords[l.charCodeAt(0) - 97] : undefined) ?? `letter:${l}`)
    .sort()
    .join(' ');
}

/** Dovecot's keyword file: `<index> <name>` per line, index 0 standing for the letter 'a'. */
async function readKeywords(dir: string): Promise<string[]> {
  const out: string[] = [];
  let text = '';
  try {
    text = await readFile(join(dir, 'dovecot-keywords'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const m = /^(\d+) (.+)$/.exec(line.trim());
    if (m) out[Number(m[1])] = m[2]!;
  }
  return out;
}
