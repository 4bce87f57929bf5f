import { describe, expect, it } from 'vitest';
import { ConfigSchema, DEFAULT_CONNECTIONS, formatConfigIssues, isLoopbackHost, type Config } from '../../../shared/config.js';

const SECRET = 'hunter2-do-not-print';

/** A valid config as a user would write it; each case breaks one field of a fresh copy. */
function validDoc(): any {
  return {
    accounts: [
      {
        name: 'work',
        remote: { type: 'imap', host: 'imap.example.org', user: 'alice', password: SECRET },
        local: { type: 'maildir', path: '/home/alice/Mail/work' },
      },
    ],
  };
}

function parse(doc: unknown): { ok: true; config: Config } | { ok: false; lines: string[] } {
  const r = ConfigSchema.safeParse(doc, { reportInput: true });
  return r.success ? { ok: true, config: r.data } : { ok: false, lines: formatConfigIssues(r.error) };
}

function issuesOf(doc: unknown): string[] {
  const r = parse(doc);
  if (r.ok) throw new Error('expected the config to be refused');
  return r.lines;
}

function configOf(doc: unknown): Config {
  const r = parse(doc);
  if (!r.ok) throw new Error(`expected a valid config, got:\n${r.lines.join('\n')}`);
  return r.config;
}

type Doc = any;
const remote = (d: Doc) => d.accounts[0].remote;
const local = (d: Doc) => d.accounts[0].local;

describe('ConfigSchema refuses each invalid field with its exact path', () => {
  const cases: Array<{ name: string; edit: (d: Doc) => void; line: string }> = [
    { name: 'top level not an object', edit: () => {}, line: '(top level): must be a JSON object with an "accounts" list' },
    { name: 'unknown top-level key', edit: (d) => (d.statedir = '/x'), line: 'statedir: unknown key (allowed: stateDir, accounts)' },
    { name: 'relative stateDir', edit: (d) => (d.stateDir = 'state'), line: 'stateDir: must be an absolute path or start with ~/ (got "state")' },
    { name: 'accounts missing', edit: (d) => delete d.accounts, line: 'accounts: is required' },
    { name: 'accounts empty', edit: (d) => (d.accounts = []), line: 'accounts: must list at least one account' },
    { name: 'accounts not a list', edit: (d) => (d.accounts = 'work'), line: 'accounts: must be a list of accounts (got "work")' },
    {
      name: 'account name with a slash',
      edit: (d) => (d.accounts[0].name = 'a/b'),
      line: 'accounts[0].name: must be 1 to 64 of the characters A-Z a-z 0-9 . _ - and not only dots, as it becomes a directory name (got "a/b")',
    },
    {
      name: 'account name ..',
      edit: (d) => (d.accounts[0].name = '..'),
      line: 'accounts[0].name: must be 1 to 64 of the characters A-Z a-z 0-9 . _ - and not only dots, as it becomes a directory name (got "..")',
    },
    {
      name: 'account name of 65 characters',
      edit: (d) => (d.accounts[0].name = 'a'.repeat(65)),
      line: `accounts[0].name: must be 1 to 64 of the characters A-Z a-z 0-9 . _ - and not only dots, as it becomes a directory name (got "${'a'.repeat(65)}")`,
    },
    {
      name: 'duplicate account name (ignoring case)',
      edit: (d) => d.accounts.push({ ...structuredClone(d.accounts[0]), name: 'Work' }),
      line: 'accounts[1].name: duplicate account name "Work" (already used by accounts[0]; names are compared ignoring case)',
    },
    { name: 'unknown account key', edit: (d) => (d.accounts[0].direction2 = 'pull'), line: 'accounts[0].direction2: unknown key (allowed: name, remote, local, folders, direction, propagateDeletes, connections)' },
    { name: 'remote missing', edit: (d) => delete d.accounts[0].remote, line: 'accounts[0].remote: is required' },
    { name: 'remote of type maildir', edit: (d) => (remote(d).type = 'maildir'), line: 'accounts[0].remote.type: must be "imap" (got "maildir")' },
    {
      name: 'host with scheme',
      edit: (d) => (remote(d).host = 'imaps://imap.example.org'),
      line: 'accounts[0].remote.host: must be a host name or IP address such as "imap.example.org", without scheme, path or spaces (got "imaps://imap.example.org")',
    },
    {
      name: 'host with a space',
      edit: (d) => (remote(d).host = 'imap example.org'),
      line: 'accounts[0].remote.host: must be a host name or IP address such as "imap.example.org", without scheme, path or spaces (got "imap example.org")',
    },
    {
      name: 'empty host',
      edit: (d) => (remote(d).host = ''),
      line: 'accounts[0].remote.host: must be a host name or IP address such as "imap.example.org", without scheme, path or spaces (got "")',
    },
    { name: 'port too large', edit: (d) => (remote(d).port = 99999), line: 'accounts[0].remote.port: must be an integer from 1 to 65535 (got 99999)' },
    { name: 'port zero', edit: (d) => (remote(d).port = 0), line: 'accounts[0].remote.port: must be an integer from 1 to 65535 (got 0)' },
    { name: 'port as a string', edit: (d) => (remote(d).port = '993'), line: 'accounts[0].remote.port: must be an integer from 1 to 65535 (got "993")' },
    { name: 'port not an integer', edit: (d) => (remote(d).port = 99.5), line: 'accounts[0].remote.port: must be an integer from 1 to 65535 (got 99.5)' },
    { name: 'unknown security', edit: (d) => (remote(d).security = 'ssl'), line: 'accounts[0].remote.security: must be "tls", "starttls" or "none" (got "ssl")' },
    { name: 'user missing', edit: (d) => delete remote(d).user, line: 'accounts[0].remote.user: is required' },
    { name: 'user empty', edit: (d) => (remote(d).user = ''), line: 'accounts[0].remote.user: must be a non-empty string (got "")' },
    {
      name: 'passwordEnv not a variable name',
      edit: (d) => {
        delete remote(d).password;
        remote(d).passwordEnv = 'MY-PASS';
      },
      line: 'accounts[0].remote.passwordEnv: must be an environment variable name (letters, digits and _, not starting with a digit) (got "MY-PASS")',
    },
    {
      name: 'no password source',
      edit: (d) => delete remote(d).password,
      line: 'accounts[0].remote: needs exactly one of password, passwordCommand, passwordEnv, auth (none given)',
    },
    { name: 'tls not an object', edit: (d) => (remote(d).tls = true), line: 'accounts[0].remote.tls: must be an object (got true)' },
    { name: 'unknown tls key', edit: (d) => (remote(d).tls = { verify: false }), line: 'accounts[0].remote.tls.verify: unknown key (allowed: ca, fingerprint)' },
    { name: 'relative tls.ca', edit: (d) => (remote(d).tls = { ca: 'ca.pem' }), line: 'accounts[0].remote.tls.ca: must be an absolute path or start with ~/ (got "ca.pem")' },
    {
      name: 'short fingerprint',
      edit: (d) => (remote(d).tls = { fingerprint: 'sha256:abcd' }),
      line: 'accounts[0].remote.tls.fingerprint: must be "sha256:" followed by 64 hex digits, colons between byte pairs allowed (`openssl x509 -noout -fingerprint -sha256` prints them) (got "sha256:abcd")',
    },
    {
      name: 'fingerprint of another algorithm',
      edit: (d) => (remote(d).tls = { fingerprint: `sha1:${'ab'.repeat(32)}` }),
      line: `accounts[0].remote.tls.fingerprint: must be "sha256:" followed by 64 hex digits, colons between byte pairs allowed (\`openssl x509 -noout -fingerprint -sha256\` prints them) (got "sha1:${'ab'.repeat(32)}")`,
    },
    { name: 'local missing', edit: (d) => delete d.accounts[0].local, line: 'accounts[0].local: is required' },
    { name: 'local of unknown type', edit: (d) => (local(d).type = 'mbox'), line: 'accounts[0].local.type: must be "maildir" or "imap" (got "mbox")' },
    { name: 'local not an object', edit: (d) => (d.accounts[0].local = '/home/alice/Mail'), line: 'accounts[0].local: must be an object with "type": "maildir" or "imap" (got "/home/alice/Mail")' },
    { name: 'relative maildir path', edit: (d) => (local(d).path = 'Mail/work'), line: 'accounts[0].local.path: must be an absolute path or start with ~/ (got "Mail/work")' },
    { name: 'maildir path missing', edit: (d) => delete local(d).path, line: 'accounts[0].local.path: is required' },
    {
      name: 'imap field on a maildir side',
      edit: (d) => (local(d).host = 'localhost'),
      line: 'accounts[0].local.host: unknown key (allowed: type, path, layout, nameEncoding, importState)',
    },
    {
      name: 'unknown maildir layout',
      edit: (d) => (local(d).layout = 'Maildir++'),
      line: 'accounts[0].local.layout: must be one of "verbatim", "maildir++", "legacy", "flat" (got "Maildir++")',
    },
    { name: 'maildir layout not a string', edit: (d) => (local(d).layout = 2), line: 'accounts[0].local.layout: must be one of "verbatim", "maildir++", "legacy", "flat" (got 2)' },
    {
      name: 'unknown folder name encoding',
      edit: (d) => (local(d).nameEncoding = 'utf7'),
      line: 'accounts[0].local.nameEncoding: must be one of "utf-8", "modified-utf-7" (got "utf7")',
    },
    {
      name: 'importState from an unknown tool',
      edit: (d) => (local(d).importState = { from: 'isync', path: '/home/alice/.mbsync' }),
      line: 'accounts[0].local.importState.from: must be "mbsync" or "offlineimap" (got "isync")',
    },
    { name: 'importState not an object', edit: (d) => (local(d).importState = 'mbsync'), line: 'accounts[0].local.importState: must be an object with "from": "mbsync" or "offlineimap" (got "mbsync")' },
    {
      name: 'importState with a relative path',
      edit: (d) => (local(d).importState = { from: 'mbsync', path: '.mbsync' }),
      line: 'accounts[0].local.importState.path: must be an absolute path or start with ~/ (got ".mbsync")',
    },
    {
      name: 'OfflineIMAP importState without its repository',
      edit: (d) => (local(d).importState = { from: 'offlineimap', path: '/home/alice/.offlineimap' }),
      line: 'accounts[0].local.importState.repository: is required',
    },
    {
      name: 'OfflineIMAP repository that is a path',
      edit: (d) => (local(d).importState = { from: 'offlineimap', path: '/home/alice/.offlineimap', repository: '../R' }),
      line: 'accounts[0].local.importState.repository: must be the name of the remote repository in your offlineimaprc (the part after "[Repository ") (got "../R")',
    },
    {
      name: 'repository given for mbsync',
      edit: (d) => (local(d).importState = { from: 'mbsync', path: '/home/alice/.mbsync', repository: 'R' }),
      line: 'accounts[0].local.importState.repository: unknown key (allowed: from, path)',
    },
    {
      name: 'local imap with a bad port',
      edit: (d) => (d.accounts[0].local = { type: 'imap', host: 'localhost', port: 70000, user: 'a', passwordEnv: 'PW' }),
      line: 'accounts[0].local.port: must be an integer from 1 to 65535 (got 70000)',
    },
    { name: 'include not a list', edit: (d) => (d.accounts[0].folders = { include: 'INBOX' }), line: 'accounts[0].folders.include: must be a list of folder patterns (got "INBOX")' },
    { name: 'empty exclude pattern', edit: (d) => (d.accounts[0].folders = { exclude: ['Spam', ''] }), line: 'accounts[0].folders.exclude[1]: must be a non-empty folder pattern (got "")' },
    { name: 'unknown folders key', edit: (d) => (d.accounts[0].folders = { only: ['INBOX'] }), line: 'accounts[0].folders.only: unknown key (allowed: include, exclude)' },
    { name: 'unknown direction', edit: (d) => (d.accounts[0].direction = 'sync'), line: 'accounts[0].direction: must be "both", "pull" or "push" (got "sync")' },
    { name: 'propagateDeletes as a string', edit: (d) => (d.accounts[0].propagateDeletes = 'yes'), line: 'accounts[0].propagateDeletes: must be true or false (got "yes")' },
    { name: 'no connection at all', edit: (d) => (d.accounts[0].connections = 0), line: 'accounts[0].connections: must be a whole number from 1 to 8 (got 0)' },
    { name: 'more connections than the server allows', edit: (d) => (d.accounts[0].connections = 9), line: 'accounts[0].connections: must be a whole number from 1 to 8 (got 9)' },
    { name: 'a fraction of a connection', edit: (d) => (d.accounts[0].connections = 2.5), line: 'accounts[0].connections: must be a whole number from 1 to 8 (got 2.5)' },
  ];

  it.each(cases)('$name', ({ name, edit, line }) => {
    const doc = name === 'top level not an object' ? ['not', 'an', 'object'] : validDoc();
    edit(doc);
    expect(issuesOf(doc)).toEqual([line]);
  });

  it('names every unknown key on its own line', () => {
    const doc = validDoc();
    remote(doc).hots = 'x';
    remote(doc).prot = 1;
    expect(issuesOf(doc)).toEqual([
      'accounts[0].remote.hots: unknown key (allowed: type, host, port, security, user, password, passwordCommand, passwordEnv, auth, tls, timeoutSeconds)',
      'accounts[0].remote.prot: unknown key (allowed: type, host, port, security, user, password, passwordCommand, passwordEnv, auth, tls, timeoutSeconds)',
    ]);
  });

  it('quotes keys that are not identifiers in the path', () => {
    const doc = validDoc();
    doc.accounts[0]['my key'] = 1;
    expect(issuesOf(doc)).toEqual([
      'accounts[0]["my key"]: unknown key (allowed: name, remote, local, folders, direction, propagateDeletes, connections)',
    ]);
  });
});

describe('password fields never appear in messages', () => {
  const cases: Array<{ name: string; edit: (d: Doc) => void; line: string; secret: string }> = [
    { name: 'password of the wrong type', edit: (d) => (remote(d).password = 987654321), line: 'accounts[0].remote.password: must be a non-empty string', secret: '987654321' },
    { name: 'password as a list', edit: (d) => (remote(d).password = [SECRET]), line: 'accounts[0].remote.password: must be a non-empty string', secret: SECRET },
    {
      name: 'password next to passwordEnv',
      edit: (d) => (remote(d).passwordEnv = 'MAIL_PW'),
      line: 'accounts[0].remote: needs exactly one of password, passwordCommand, passwordEnv, auth (got password and passwordEnv)',
      secret: SECRET,
    },
    {
      name: 'password with security none on a remote host',
      edit: (d) => (remote(d).security = 'none'),
      line: 'accounts[0].remote.security: plain text is refused for non-loopback hosts (host "imap.example.org"); use "tls" or "starttls"',
      secret: SECRET,
    },
    {
      name: 'passwordCommand of the wrong type',
      edit: (d) => {
        delete remote(d).password;
        remote(d).passwordCommand = 4242424242;
      },
      line: 'accounts[0].remote.passwordCommand: must be a non-empty shell command',
      secret: '4242424242',
    },
    {
      name: 'misspelt password key',
      edit: (d) => {
        delete remote(d).password;
        remote(d).passwd = SECRET;
      },
      line: 'accounts[0].remote.passwd: unknown key (allowed: type, host, port, security, user, password, passwordCommand, passwordEnv, auth, tls, timeoutSeconds)',
      secret: SECRET,
    },
  ];

  it.each(cases)('$name', ({ edit, line, secret }) => {
    const doc = validDoc();
    edit(doc);
    const lines = issuesOf(doc);
    expect(lines).toContain(line);
    expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('ConfigSchema defaults', () => {
  it('fills in every optional field', () => {
    const config = configOf(validDoc());
    expect(config.stateDir).toBeUndefined();
    expect(config.accounts[0]).toEqual({
      name: 'work',
      remote: { type: 'imap', host: 'imap.example.org', port: 993, security: 'tls', user: 'alice', password: SECRET },
      local: { type: 'maildir', path: '/home/alice/Mail/work' },
      folders: { include: ['*'], exclude: [] },
      direction: 'both',
      propagateDeletes: true,
      connections: DEFAULT_CONNECTIONS,
    });
  });

  it.each([
    { security: 'tls', port: 993 },
    { security: 'starttls', port: 143 },
    { security: 'none', port: 143 },
  ])('port defaults to $port for security $security', ({ security, port }) => {
    const doc = validDoc();
    Object.assign(remote(doc), { host: 'localhost', security });
    expect(configOf(doc).accounts[0]?.remote.port).toBe(port);
  });

  it('keeps an explicit port', () => {
    const doc = validDoc();
    Object.assign(remote(doc), { security: 'starttls', port: 1143 });
    expect(configOf(doc).accounts[0]?.remote.port).toBe(1143);
  });

  it('defaults exclude when only include is given, and keeps explicit choices', () => {
    const doc = validDoc();
    Object.assign(doc.accounts[0], { folders: { include: ['INBOX'] }, direction: 'pull', propagateDeletes: false });
    doc.stateDir = 'C:\\Users\\alice\\state';
    const config = configOf(doc);
    expect(config.stateDir).toBe('C:\\Users\\alice\\state');
    expect(config.accounts[0]).toMatchObject({ folders: { include: ['INBOX'], exclude: [] }, direction: 'pull', propagateDeletes: false });
  });

  it('keeps where mbsync or OfflineIMAP kept its state', () => {
    const doc = validDoc();
    for (const importState of [
      { from: 'mbsync', path: '/home/alice/.mbsync/' },
      { from: 'offlineimap', path: '/home/alice/.offlineimap', repository: 'Remote' },
    ]) {
      local(doc).importState = importState;
      expect(configOf(doc).accounts[0]?.local).toMatchObject({ importState });
    }
  });

  it('keeps a Maildir layout and name encoding, and leaves them out when not given (verbatim, UTF-8)', () => {
    const doc = validDoc();
    Object.assign(local(doc), { layout: 'maildir++', nameEncoding: 'modified-utf-7' });
    expect(configOf(doc).accounts[0]?.local).toEqual({ type: 'maildir', path: '/home/alice/Mail/work', layout: 'maildir++', nameEncoding: 'modified-utf-7' });
    for (const layout of ['verbatim', 'legacy', 'flat']) {
      local(doc).layout = layout;
      expect(configOf(doc).accounts[0]?.local).toMatchObject({ layout });
    }
  });

  it('accepts an IMAP local side with its own defaults', () => {
    const doc = validDoc();
    doc.accounts[0].local = { type: 'imap', host: '127.0.0.1', security: 'none', user: 'bob', passwordCommand: 'pass show local' };
    expect(configOf(doc).accounts[0]?.local).toEqual({
      type: 'imap',
      host: '127.0.0.1',
      port: 143,
      security: 'none',
      user: 'bob',
      passwordCommand: 'pass show local',
    });
  });
});

describe('plain text only on loopback', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1'])('accepts security none for %s', (host) => {
    const doc = validDoc();
    Object.assign(remote(doc), { host, security: 'none' });
    expect(configOf(doc).accounts[0]?.remote).toMatchObject({ host, security: 'none', port: 143 });
  });

  it.each(['imap.example.org', '10.0.0.1', '128.0.0.1', '127.0.0.256', 'localhost.example.org', '::2'])(
    'refuses security none for %s',
    (host) => {
      const doc = validDoc();
      Object.assign(remote(doc), { host, security: 'none' });
      expect(issuesOf(doc)).toEqual([
        `accounts[0].remote.security: plain text is refused for non-loopback hosts (host "${host}"); use "tls" or "starttls"`,
      ]);
    },
  );

  it('isLoopbackHost agrees', () => {
    expect(['localhost', '127.0.0.1', '127.255.255.255', '::1'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['imap.example.org', '1.2.3.4', '127.0.0', '::'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});

describe('TLS fingerprint', () => {
  const hex = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const withColons = hex.toUpperCase().match(/../g)!.join(':');

  it.each([
    { given: `sha256:${hex}` },
    { given: `sha256:${hex.toUpperCase()}` },
    { given: `sha256:${withColons}` },
    { given: `SHA256:${withColons}` },
  ])('normalizes $given', ({ given }) => {
    const doc = validDoc();
    remote(doc).tls = { fingerprint: given, ca: '/etc/ssl/my-ca.pem' };
    expect(configOf(doc).accounts[0]?.remote.tls).toEqual({ fingerprint: `sha256:${hex}`, ca: '/etc/ssl/my-ca.pem' });
  });

  it('refuses colons that do not separate byte pairs', () => {
    const doc = validDoc();
    remote(doc).tls = { fingerprint: `sha256:${hex.slice(0, 3)}:${hex.slice(3)}` };
    expect(issuesOf(doc)[0]).toMatch(/^accounts\[0\]\.remote\.tls\.fingerprint: must be "sha256:"/);
  });
});

describe('formatConfigIssues', () => {
  it('shows no value when parsing did not report inputs', () => {
    const doc = validDoc();
    remote(doc).port = 99999;
    const r = ConfigSchema.safeParse(doc);
    expect(r.success).toBe(false);
    expect(formatConfigIssues(r.error!)).toEqual(['accounts[0].remote.port: must be an integer from 1 to 65535']);
  });

  it('reports problems in several accounts at once', () => {
    const doc = validDoc();
    doc.accounts.push({ ...structuredClone(doc.accounts[0]), name: 'home', direction: 'up' });
    remote(doc).port = -1;
    expect(issuesOf(doc)).toEqual([
      'accounts[0].remote.port: must be an integer from 1 to 65535 (got -1)',
      'accounts[1].direction: must be "both", "pull" or "push" (got "up")',
    ]);
  });

  it('reports cross-field rules next to type errors in the same object', () => {
    const doc = validDoc();
    delete remote(doc).password;
    Object.assign(remote(doc), { port: '143', security: 'none' });
    expect(issuesOf(doc)).toEqual([
      'accounts[0].remote.port: must be an integer from 1 to 65535 (got "143")',
      'accounts[0].remote: needs exactly one of password, passwordCommand, passwordEnv, auth (none given)',
      'accounts[0].remote.security: plain text is refused for non-loopback hosts (host "imap.example.org"); use "tls" or "starttls"',
    ]);
  });

  it('shortens long values', () => {
    const doc = validDoc();
    local(doc).path = 'x'.repeat(200);
    expect(issuesOf(doc)).toEqual([`accounts[0].local.path: must be an absolute path or start with ~/ (got "${'x'.repeat(80)}…")`]);
  });
});
