import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHostileImapServer, type HostileImapServer, type Override } from '../support/hostile-imap-server.js';
import { deliverLocal, localFolderNames, localMessages, sha256, wireBytes } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { lettersToFlags, runCli, type CliResult, type SideView } from '../support/sync-world.js';

/**
 * The engine against a server that breaks the protocol on purpose (test/support/
 * hostile-imap-server.ts), remote = hostile server, local = Maildir. Each case starts from a
 * synced pair, adds mail in two folders, turns INBOX hostile and requires: INBOX fails with a
 * clear message while "Good" still syncs, exit status 1 and no crash, nothing in the Maildir
 * deleted or left half-written, the state intact, and a run against the healed server ending
 * exactly where an undisturbed sync would.
 */
const CLI = resolve(import.meta.dirname, '../../bin/mailferry.js');
// Tests run concurrently, so servers are stopped only when all of them are done.
const servers: HostileImapServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const msg = (n: string, extra: Partial<Parameters<typeof makeMessage>[0]> = {}) =>
  makeMessage({ subject: n, messageId: `<${n}@hostile.test>`, body: `Body of ${n}.\r\n`.repeat(40), ...extra });

interface World {
  server: HostileImapServer;
  maildir: string;
  configPath: string;
  sync(extra?: string[]): Promise<CliResult>;
}

async function world(capabilities?: string[]): Promise<World> {
  const server = await startHostileImapServer(capabilities ? { capabilities } : {});
  servers.push(server);
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-hostile-'));
  const maildir = join(dir, 'Mail');
  await mkdir(maildir);
  const configPath = join(dir, 'config.json');
  const remote = { type: 'imap', host: server.host, port: server.port, security: 'none', user: server.user, password: server.password, timeoutSeconds: 3 };
  await writeFile(configPath, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 'test', remote, local: { type: 'maildir', path: maildir } }] }), { mode: 0o600 });
  return { server, maildir, configPath, sync: (extra = []) => runCli(['sync', '--config', configPath, ...extra]) };
}

/** Synced INBOX and Good, then a new message in each on the server and one new local message in INBOX. */
async function seeded(capabilities?: string[]): Promise<World> {
  const w = await world(capabilities);
  w.server.append('INBOX', msg('i1'), ['\\Seen']);
  w.server.append('INBOX', msg('i2'));
  w.server.append('INBOX', msg('i3'), ['\\Flagged']);
  w.server.addFolder('Good');
  w.server.append('Good', msg('g1'));
  w.server.append('Good', msg('g2'), ['\\Seen']);
  const first = await w.sync();
  expect(first.code, first.stderr).toBe(0);
  w.server.append('INBOX', msg('i4'));
  w.server.append('Good', msg('g3'));
  await deliverLocal(w.maildir, 'INBOX', msg('l1'));
  return w;
}

function serverView(server: HostileImapServer): SideView {
  const view: SideView = {};
  for (const [name, box] of server.mailboxes) {
    view[name] = box.messages.map((m) => `${sha256(m.bytes)} ${m.flags.filter((f) => f !== '\\Recent').sort().join(' ')}`).sort();
  }
  return view;
}

async function localView(maildir: string): Promise<SideView> {
  const view: SideView = {};
  for (const f of await localFolderNames(maildir)) {
    view[f] = (await localMessages(maildir, f)).map((m) => `${sha256(wireBytes(m.bytes))} ${lettersToFlags(m.letters)}`).sort();
  }
  return view;
}

/** Every file in cur/ and new/ with its bytes' hash, and what tmp/ holds. */
async function maildirFiles(maildir: string): Promise<{ files: Map<string, string>; tmp: string[] }> {
  const files = new Map<string, string>();
  const tmp: string[] = [];
  for (const f of await localFolderNames(maildir)) {
    for (const m of await localMessages(maildir, f)) files.set(`${f}/${m.unique}`, sha256(wireBytes(m.bytes)));
    tmp.push(...(await readdir(join(maildir, f, 'tmp'))).map((n) => `${f}/tmp/${n}`));
  }
  return { files, tmp };
}

function expectNoCrash(r: CliResult): void {
  expect([0, 1], `exit ${r.code}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

/** Only while INBOX is selected on this connection. */
const inInbox = (fn: Override): Override => async (cmd, conn, next) => {
  if (conn.selected === 'INBOX') return fn(cmd, conn, next);
  return next();
};
const bodyFetch = (line: string) => /^\S+ UID FETCH .*BODY\.PEEK\[\]/i.test(line);
const flagsListing = (line: string) => /^\S+ UID FETCH 1:\* \(UID FLAGS/i.test(line);

/**
 * The scenario every failing case shares: hostile run, then the checks, then the healed run.
 * Returns the hostile run's result for case-specific checks.
 */
async function expectContained(w: World, hostile: Override, error: RegExp, run: (w: World) => Promise<CliResult> = (x) => x.sync()): Promise<CliResult> {
  const before = await maildirFiles(w.maildir);
  const healthyServer = serverView(w.server);
  w.server.override = hostile;
  const r = await run(w);
  w.server.override = null;
  expectNoCrash(r);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^test/INBOX: FAILED: ${error.source}`, 'm'));
  expect(r.stderr).toMatch(/^test\/Good: 1 copied to local$/m);
  // Nothing local removed or changed; whatever was added is a complete copy of a server message.
  const after = await maildirFiles(w.maildir);
  const serverHashes = new Set(Object.values(healthyServer).flat().map((line) => line.split(' ')[0]));
  for (const [file, hash] of before.files) expect(after.files.get(file), `${file} was removed or changed`).toBe(hash);
  for (const [file, hash] of after.files) if (!before.files.has(file)) expect(serverHashes, `${file} is not a complete message`).toContain(hash);
  expect(after.tmp).toEqual([]);
  // Nothing on the server removed either.
  for (const [folder, lines] of Object.entries(healthyServer)) {
    for (const line of lines) expect(serverView(w.server)[folder], `${folder} lost a message`).toContainEqual(expect.stringContaining(line.split(' ')[0]!));
  }
  const status = await runCli(['status', '--config', w.configPath, '--json']);
  expect(status.code).toBe(0);
  for (const f of JSON.parse(status.stdout).accounts[0].folders) expect(f.damaged ?? null, `state of ${f.folder}`).toBeNull();

  const healed = await w.sync();
  expect(healed.code, healed.stderr).toBe(0);
  expect(await localView(w.maildir)).toEqual(serverView(w.server));
  expect(serverView(w.server).INBOX).toHaveLength(5);
  return r;
}

describe.concurrent('a hostile IMAP server fails only the affected folder', () => {
  it('malformed FETCH responses (unbalanced parentheses)', async () => {
    const w = await seeded();
    await expectContained(
      w,
      inInbox(async (cmd, _conn, next) => (flagsListing(cmd.line) ? next((out) => out.replace(/FLAGS \(/g, 'FLAGS ((')) : next())),
      /IMAP UID FETCH \(FLAGS[^)]*\) in folder "INBOX" failed: /,
    );
  });

  it('a literal larger than announced', async () => {
    const w = await seeded();
    await expectContained(
      w,
      inInbox(async (cmd, _conn, next) => (bodyFetch(cmd.line) ? next((out) => out.replace(/\{(\d+)\}\r\n/, (_, n: string) => `{${Number(n) - 40}}\r\n`)) : next())),
      /IMAP UID FETCH \(BODY\.PEEK\[\]\) in folder "INBOX" failed: no answer for UID 4, which the server says still exists/,
    );
  });

  it('a FETCH reply without the data asked for (no RFC822.SIZE)', async () => {
    const w = await seeded();
    await expectContained(
      w,
      inInbox(async (cmd, _conn, next) => (/RFC822\.SIZE/.test(cmd.line) ? next((out) => out.replace(/ RFC822\.SIZE \d+/g, '')) : next())),
      /IMAP UID FETCH \(RFC822\.SIZE BODY\.PEEK\[HEADER\]\) in folder "INBOX" failed: no size for UID 4/,
    );
  });

  it('a FETCH reply without the header asked for', async () => {
    const w = await seeded();
    await expectContained(
      w,
      inInbox(async (cmd, _conn, next) => (/BODY\.PEEK\[HEADER\]/.test(cmd.line) ? next((out) => out.replace(/ BODY\[HEADER\] \{\d+\}\r\n[\s\S]*?\r\n\r\n/g, '')) : next())),
      /IMAP UID FETCH \(RFC822\.SIZE BODY\.PEEK\[HEADER\]\) in folder "INBOX" failed: no header for UID 4/,
    );
  });

  it('a listing with a UID outside the mailbox (beyond UIDNEXT)', async () => {
    const w = await seeded();
    await expectContained(
      w,
      inInbox(async (cmd, _conn, next) => (flagsListing(cmd.line) ? next((out) => out.replace(/(\S+ OK UID FETCH)/, '* 5 FETCH (UID 4000000 FLAGS ())\r\n$1')) : next())),
      /IMAP UID FETCH \(FLAGS[^)]*\) in folder "INBOX" failed: the server listed 5 messages but says the folder holds 4/,
    );
  });

  it('EXISTS announced twice for a message that never shows up', async () => {
    const w = await seeded();
    await expectContained(
      w,
      inInbox(async (cmd, conn, next) => {
        if (flagsListing(cmd.line)) conn.write('* 5 EXISTS\r\n* 5 EXISTS\r\n');
        return next();
      }),
      /IMAP UID FETCH \(FLAGS[^)]*\) in folder "INBOX" failed: the server listed 4 messages but says the folder holds 5/,
    );
  });

  it('BYE in the middle of a FETCH', async () => {
    const w = await seeded();
    await expectContained(
      w,
      inInbox(async (cmd, conn, next) => {
        if (!bodyFetch(cmd.line)) return next();
        conn.write('* 4 FETCH (UID 4 FLAGS ())\r\n* BYE going down for maintenance\r\n');
        conn.close();
      }),
      /IMAP UID FETCH \((?:INTERNALDATE RFC822\.SIZE )?BODY\.PEEK\[\]\) in folder "INBOX" failed: .*going down for maintenance/,
    );
  });

  it('endless continuation requests', async () => {
    const w = await seeded();
    const started = Date.now();
    await expectContained(
      w,
      inInbox(async (cmd, conn, next) => {
        if (!bodyFetch(cmd.line)) return next();
        // Bounded: stops when the client leaves, or after 60 s.
        for (let i = 0; i < 6000 && conn.open; i++) {
          conn.write('+ more please\r\n');
          await new Promise((r) => setTimeout(r, 10));
        }
        conn.close();
      }),
      /IMAP UID FETCH \((?:INTERNALDATE RFC822\.SIZE )?BODY\.PEEK\[\]\) in folder "INBOX" failed: .*the server sent more than 100 continuation requests in a row/,
    );
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 90_000);
});

describe.concurrent('a hostile IMAP server that still lets the sync complete', () => {
  it('UIDPLUS advertised but no APPENDUID: the upload is found by identity, exactly one copy', async () => {
    const w = await seeded();
    w.server.override = async (cmd, _conn, next) => (cmd.name === 'APPEND' ? next((out) => out.replace(/\[APPENDUID \d+ \d+\] /, '')) : next());
    const r = await w.sync();
    expect(r.code, r.stderr).toBe(0);
    w.server.override = null;
    const inbox = w.server.mailboxes.get('INBOX')!.messages;
    expect(inbox.filter((m) => m.bytes.equals(msg('l1')))).toHaveLength(1);
    expect(await localView(w.maildir)).toEqual(serverView(w.server));
    const again = await w.sync(['--json']);
    expect(JSON.parse(again.stdout).accounts[0].folders.map((f: { copied: unknown }) => f.copied)).toEqual([
      { toLocal: 0, toRemote: 0 },
      { toLocal: 0, toRemote: 0 },
    ]);
  });

  // Yahoo reports a HIGHESTMODSEQ on SELECT without announcing CONDSTORE, and refuses CHANGEDSINCE
  // (imapflow sends it only after CONDSTORE is announced; this keeps that so).
  it('a HIGHESTMODSEQ from a server that does not announce CONDSTORE is not used for change listings', async () => {
    const w = await seeded();
    w.server.override = async (cmd, conn, next) => {
      if (/CHANGEDSINCE/i.test(cmd.line)) return conn.write(`${cmd.tag} BAD Unknown FETCH modifier\r\n`);
      if (cmd.name === 'SELECT' || cmd.name === 'EXAMINE') conn.write('* OK [HIGHESTMODSEQ 7] modseq\r\n');
      return next();
    };
    for (let run = 0; run < 2; run++) {
      const r = await w.sync();
      expect(r.code, r.stderr).toBe(0);
      w.server.append('INBOX', msg(`later-${run}`), ['\\Seen']);
    }
    const r = await w.sync();
    expect(r.code, r.stderr).toBe(0);
    w.server.override = null;
    expect(await localView(w.maildir)).toEqual(serverView(w.server));
  });

  it('a harmless repeated EXISTS for the true count', async () => {
    const w = await seeded();
    w.server.override = inInbox(async (cmd, conn, next) => {
      if (/UID FETCH/.test(cmd.line)) conn.write('* 4 EXISTS\r\n* 4 EXISTS\r\n');
      return next();
    });
    const r = await w.sync();
    expect(r.code, r.stderr).toBe(0);
    expect(await localView(w.maildir)).toEqual(serverView(w.server));
  });
});

/** Runs the CLI and samples its peak resident memory (VmHWM) until it exits. */
function runMeasured(args: string[]): Promise<CliResult & { peakRssMb: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // Exited between samples.
      }
    };
    const timer = setInterval(sample, 20);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(timer);
      done({ code, stdout, stderr, peakRssMb: peakKb / 1024 });
    });
  });
}

describe.concurrent('gigantic literals keep memory bounded', () => {
  it.each([
    ['{99999999999} (beyond any sane size)', 99_999_999_999],
    ['{900000000} (under imapflow\'s own 1 GB cap)', 900_000_000],
  ])('a literal announced as %s: INBOX fails, peak RSS stays under 300 MB', async (_name, size) => {
    const w = await seeded();
    const junk = Buffer.alloc(1024 * 1024, 0x41);
    let measured: (CliResult & { peakRssMb: number }) | null = null;
    await expectContained(
      w,
      inInbox(async (cmd, conn, next) => {
        if (!bodyFetch(cmd.line)) return next();
        const uid = /UID FETCH (\d+)/.exec(cmd.line)?.[1] ?? '1';
        conn.write(`* 1 FETCH (UID ${uid} RFC822.SIZE ${size} BODY[]<0> {${size}}\r\n`);
        // Bounded: at most 1 GB, and only while the client reads.
        for (let sent = 0; sent < 1024 && conn.open; sent++) {
          conn.write(junk);
          await new Promise((r) => setImmediate(r));
        }
        conn.close();
      }),
      /IMAP UID FETCH \((?:INTERNALDATE RFC822\.SIZE )?BODY\.PEEK\[\]\) in folder "INBOX" failed: .*Literal size \d+ exceeds maximum allowed size of 67108864 bytes/,
      async (x) => {
        measured = await runMeasured(['sync', '--config', x.configPath]);
        return measured;
      },
    );
    expect(measured!.peakRssMb, measured!.stderr).toBeLessThan(300);
  }, 90_000);
});
