import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineAccountSchema } from '../../../shared/api/engine-protocol.js';
import { loadConfig } from '../../../electron/engine/config/load-config.js';
import { passOk } from '../../support/fake-engine.js';
import { allFiles, fileSecrets, input, PASSWORD, stopServices, until, world } from '../../support/service-world.js';

const NEW_PASSWORD = 'correct-horse-battery-staple';

afterEach(stopServices);

describe('AppService accounts and passwords', () => {
  it('desktop: a typed password goes to the secret store, reaches the engine only in a sync message, and is on disk nowhere in plain text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-service-'));
    await writeFile(join(dir, 'accounts.json'), JSON.stringify({ stateDir: join(dir, 'state'), accounts: [] }));
    const w = await world({ kind: 'secret-store', store: fileSecrets(join(dir, 'secrets.json')) }, { dir });
    const view = await w.call('addAccount', { account: input(w) });
    expect(view).toMatchObject({ name: 'work', remote: { passwordSource: 'app', user: 'alice@example.org' } });
    expect((await stat(w.maildir)).isDirectory()).toBe(true);
    await until(w, 'accountChanged', (a) => a.name === 'work' && a.state === 'up-to-date');

    const [sync] = w.engine.syncs();
    expect(sync).toMatchObject({ account: 'work', credentials: { remote: PASSWORD, local: null } });
    // Push is on by default: INBOX is watched with the same password.
    await vi.waitFor(() => expect(w.engine.commands.find((c) => c.type === 'watch')).toMatchObject({ account: 'work', folders: ['INBOX'], credentials: { remote: PASSWORD } }));
    const others = w.engine.commands.filter((c) => c.type !== 'sync' && c.type !== 'watch');
    expect(JSON.stringify(others)).not.toContain(PASSWORD);
    expect(w.engine.launches.every((l) => !JSON.stringify(l).includes(PASSWORD))).toBe(true);
    await w.service.shutdown();
    expect(await allFiles(dir)).not.toContain(PASSWORD);
    expect(JSON.stringify(w.events)).not.toContain(PASSWORD);

    // After a restart the password comes from the store.
    const again = await world({ kind: 'secret-store', store: fileSecrets(join(dir, 'secrets.json')) }, { dir });
    await again.call('syncNow', { account: 'work' });
    await until(again, 'accountChanged', (a) => a.state === 'up-to-date');
    expect(again.engine.syncs()[0]?.credentials.remote).toBe(PASSWORD);
  });

  it('serve: a typed password is written into the config file, mode 0600, which the CLI reads', async () => {
    const w = await world({ kind: 'config-file' });
    await w.call('addAccount', { account: input(w) });
    expect((await stat(w.configPath)).mode & 0o777).toBe(0o600);
    const { config, warnings } = await loadConfig(w.configPath);
    expect(config.accounts[0]).toMatchObject({ name: 'work', remote: { password: PASSWORD }, local: { type: 'maildir', path: w.maildir } });
    expect(warnings).toEqual([]);
    expect(await w.call('listAccounts')).toMatchObject([{ remote: { passwordSource: 'config-file' } }]);
  });

  it('without OS encryption: memory only; after a restart the pass asks for the password', async () => {
    const w = await world({ kind: 'memory' });
    await w.call('addAccount', { account: input(w) });
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    await w.service.shutdown();
    expect(await allFiles(w.dir)).not.toContain(PASSWORD);

    const again = await world({ kind: 'memory' }, { dir: w.dir });
    expect(await again.call('listAccounts')).toMatchObject([{ remote: { passwordSource: 'missing' } }]);
    await again.call('syncNow', { account: 'work' });
    const failed = await until(again, 'accountChanged', (a) => a.state === 'error');
    expect(failed.lastError).toMatchObject({ kind: 'config', message: expect.stringContaining('enter it in the account') });
    expect(again.engine.syncs()).toEqual([]);
  });

  it('editing without a password keeps it; renaming moves the state and the password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-service-'));
    await writeFile(join(dir, 'accounts.json'), JSON.stringify({ stateDir: join(dir, 'state'), accounts: [] }));
    const w = await world({ kind: 'secret-store', store: fileSecrets(join(dir, 'secrets.json')) }, { dir });
    await w.call('addAccount', { account: input(w) });
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    const stateDir = (await w.call('getAppInfo')).stateDir as string;
    expect(stateDir).toBe(join(dir, 'state'));
    await mkdir(join(stateDir, 'work', 'folders'), { recursive: true });
    await writeFile(join(stateDir, 'work', 'marker'), 'x');

    const { password: _omit, ...remote } = input(w).remote;
    const renamed = await w.call('updateAccount', { name: 'work', account: { ...input(w), name: 'office', remote, direction: 'pull' } });
    expect(renamed).toMatchObject({ name: 'office', direction: 'pull', remote: { passwordSource: 'app' } });
    expect(await readFile(join(stateDir, 'office', 'marker'), 'utf8')).toBe('x');
    expect(await w.call('listAccounts')).toHaveLength(1);
    await w.call('syncNow', { account: 'office' });
    await until(w, 'accountChanged', (a) => a.name === 'office' && a.state === 'up-to-date');
    expect(w.engine.syncs().at(-1)).toMatchObject({ account: 'office', credentials: { remote: PASSWORD } });

    await expect(w.call('updateAccount', { name: 'office', account: { ...input(w), name: 'office', remote: { ...remote, host: 'other.example.org' } } })).rejects.toThrow(
      /invalid-request: the remote server needs a password/,
    );
  });

  it('desktop: a new password typed while editing (after a failed login) replaces the kept one and is tried at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-service-'));
    await writeFile(join(dir, 'accounts.json'), JSON.stringify({ stateDir: join(dir, 'state'), accounts: [] }));
    const secrets = join(dir, 'secrets.json');
    const w = await world({ kind: 'secret-store', store: fileSecrets(secrets) }, { dir });
    w.engine.onSync = ({ runId, account }, emit) => {
      emit({ type: 'syncStarted', runId, account });
      emit({ type: 'syncFinished', runId, account, summary: { account, error: 'LOGIN failed', folders: [] }, errorKind: 'auth', fingerprint: null, skipped: null });
    };
    await w.call('addAccount', { account: input(w) });
    await until(w, 'accountChanged', (a) => a.state === 'error' && a.lastError?.kind === 'auth');
    w.engine.onSync = passOk;

    const view = await w.call('updateAccount', { name: 'work', account: input(w, { remote: { ...input(w).remote, password: NEW_PASSWORD } }) });
    expect(view).toMatchObject({ remote: { passwordSource: 'app' }, lastError: null });
    // Not at the next (backed-off) pass: now.
    await vi.waitFor(() => expect(w.engine.syncs()).toHaveLength(2));
    expect(w.engine.syncs()[1]?.credentials.remote).toBe(NEW_PASSWORD);
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    await w.service.shutdown();
    expect(await allFiles(dir)).not.toContain(NEW_PASSWORD);
    expect(JSON.stringify([view, w.events])).not.toContain(NEW_PASSWORD);

    const again = await world({ kind: 'secret-store', store: fileSecrets(secrets) }, { dir });
    await again.call('syncNow', { account: 'work' });
    await until(again, 'accountChanged', (a) => a.state === 'up-to-date');
    expect(again.engine.syncs()[0]?.credentials.remote).toBe(NEW_PASSWORD);
  });

  it('serve: a new password typed while editing goes into the config file in place of the source it named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-service-'));
    const remote = { type: 'imap', host: 'imap.example.org', port: 993, security: 'tls', user: 'alice@example.org', passwordCommand: 'echo old' };
    await writeFile(join(dir, 'accounts.json'), JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 'work', remote, local: { type: 'maildir', path: join(dir, 'Mail') } }] }));
    const w = await world({ kind: 'config-file' }, { dir });
    const view = await w.call('updateAccount', { name: 'work', account: input(w, { remote: { ...input(w).remote, password: NEW_PASSWORD } }) });
    expect(view.remote.passwordSource).toBe('config-file');
    expect((await stat(w.configPath)).mode & 0o777).toBe(0o600);
    const { config } = await loadConfig(w.configPath);
    expect(config.accounts[0]?.remote).toMatchObject({ password: NEW_PASSWORD });
    expect(config.accounts[0]?.remote).not.toHaveProperty('passwordCommand');
    await vi.waitFor(() => expect(w.engine.syncs().at(-1)?.credentials.remote).toBe(NEW_PASSWORD));
    expect(JSON.stringify([view, w.events])).not.toContain(NEW_PASSWORD);
  });

  it('an edit keeps the Maildir layout, name encoding and importState the file set (the app does not show them), and the engine gets them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-service-'));
    const importState = { from: 'offlineimap', path: join(dir, '.offlineimap'), repository: 'Remote' };
    const local = { type: 'maildir', path: join(dir, 'Mail'), layout: 'maildir++', nameEncoding: 'modified-utf-7', importState };
    const remote = { type: 'imap', host: 'imap.example.org', user: 'alice@example.org', password: PASSWORD };
    await writeFile(join(dir, 'accounts.json'), JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 'work', remote, local }] }));
    const w = await world({ kind: 'memory' }, { dir });
    await w.call('updateAccount', { name: 'work', account: input(w, { direction: 'pull' }) });
    const file = JSON.parse(await readFile(join(dir, 'accounts.json'), 'utf8'));
    expect(file.accounts[0]).toMatchObject({ direction: 'pull', local });
    const sent = w.engine.commands.filter((c) => c.type === 'configure' || c.type === 'start').at(-1);
    expect(sent && 'accounts' in sent ? EngineAccountSchema.parse(sent.accounts[0]).local : null).toEqual(local);
  });

  it('the wizard can point at another tool’s Maildir: its layout, name encoding and state to adopt are saved, shown and kept by an edit', async () => {
    const w = await world({ kind: 'memory' });
    const importState = { from: 'offlineimap', path: join(w.dir, '.offlineimap'), repository: 'Remote' } as const;
    const local = { type: 'maildir', path: w.maildir, layout: 'flat', nameEncoding: 'modified-utf-7', importState } as const;
    const view = await w.call('addAccount', { account: input(w, { local }) });
    expect(view.local).toEqual({ type: 'maildir', path: w.maildir, layout: 'flat', nameEncoding: 'modified-utf-7', importState });
    const file = JSON.parse(await readFile(w.configPath, 'utf8'));
    expect(file.accounts[0].local).toEqual(local);
    // An edit that does not name them (the editor shows them, read only) keeps them.
    await w.call('updateAccount', { name: 'work', account: input(w, { direction: 'pull', remote: { ...input(w).remote, password: undefined } }) });
    expect(JSON.parse(await readFile(w.configPath, 'utf8')).accounts[0].local).toEqual(local);
    // mbsync's state directory may be given as ~/…, as in the config file.
    const mbsync = await w.call('addAccount', {
      account: input(w, { name: 'home', local: { type: 'maildir', path: join(w.dir, 'Mail2'), layout: 'maildir++', importState: { from: 'mbsync', path: '~/.mbsync' } } }),
    });
    expect(mbsync.local.importState.path).toMatch(/^\/.*\.mbsync$/);
  });

  it('refuses duplicate names, bad input and unknown accounts with the right codes', async () => {
    const w = await world({ kind: 'memory' });
    await w.call('addAccount', { account: input(w) });
    await expect(w.call('addAccount', { account: input(w, { name: 'WORK' }) })).rejects.toThrow(/invalid-request: there is already an account named "work"/);
    await expect(w.call('addAccount', { account: input(w, { name: 'x', local: { type: 'maildir', path: 'relative/path' } }) })).rejects.toThrow(/must be an absolute path/);
    await expect(w.call('getAccount', { account: 'nope' })).rejects.toThrow(/^not-found/);
  });

  it('folder toggles edit the include/exclude patterns', async () => {
    const w = await world({ kind: 'memory' });
    await w.call('addAccount', { account: input(w) });
    let detail = await w.call('setFolderIncluded', { account: 'work', folder: 'Spam', included: false });
    expect(detail.account.folders).toEqual({ include: ['*'], exclude: ['Spam'] });
    detail = await w.call('setFolderIncluded', { account: 'work', folder: 'Spam', included: true });
    expect(detail.account.folders).toEqual({ include: ['*'], exclude: [] });
    const listing = await w.call('listServerFolders', { account: 'work' });
    expect(listing).toEqual([
      { folder: 'INBOX', onRemote: true, onLocal: true, included: true },
      { folder: 'Archive', onRemote: true, onLocal: false, included: true },
    ]);
    await expect(w.call('setFolderIncluded', { account: 'work', folder: 'A*', included: false })).rejects.toThrow(/^unsupported/);
  });

  it('removing keeps the local mail unless asked, and then only a real Maildir', async () => {
    const w = await world({ kind: 'memory' });
    await w.call('addAccount', { account: input(w) });
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    await writeFile(join(w.maildir, 'not-mail.txt'), 'keep me');
    await expect(w.call('removeAccount', { account: 'work', keepLocalMail: false })).rejects.toThrow(/does not look like a Maildir/);
    expect(await w.call('removeAccount', { account: 'work', keepLocalMail: true })).toEqual({ localMailRemoved: false });
    expect(await readFile(join(w.maildir, 'not-mail.txt'), 'utf8')).toBe('keep me');
    expect(await w.call('listAccounts')).toEqual([]);
    expect(JSON.parse(await readFile(w.configPath, 'utf8'))).toEqual({ stateDir: join(w.dir, 'state'), accounts: [] });
  });
});

describe('AppService and the engine host', () => {
  it('push: a change the server reports starts a pass at once; paused accounts and push off stop watching', async () => {
    const w = await world({ kind: 'memory' });
    await w.call('addAccount', { account: input(w) });
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    await vi.waitFor(() => expect(w.engine.commands.filter((c) => c.type === 'watch')).toHaveLength(1));
    const before = w.engine.syncs().length;
    w.engine.emit({ type: 'changed', account: 'work', folder: 'INBOX' });
    await vi.waitFor(() => expect(w.engine.syncs()).toHaveLength(before + 1));

    await w.call('pause', { account: 'work' });
    expect(w.engine.commands.at(-1)).toEqual({ type: 'unwatch', account: 'work' });
    await w.call('resume', { account: 'work' });
    await vi.waitFor(() => expect(w.engine.commands.filter((c) => c.type === 'watch')).toHaveLength(2));
    await w.call('updateSettings', { patch: { push: false } });
    await vi.waitFor(() => expect(w.engine.commands.filter((c) => c.type === 'unwatch')).toHaveLength(2));
  });

  it('a crash interrupts the pass; after the restart the account is synced again and the UI is told', async () => {
    const w = await world({ kind: 'memory' });
    let first = true;
    w.engine.onSync = (cmd, emit) => {
      emit({ type: 'syncStarted', runId: cmd.runId, account: cmd.account });
      if (first) {
        first = false;
        w.engine.crash();
        return;
      }
      import('../../support/fake-engine.js').then(({ passOk }) => passOk(cmd, emit));
    };
    await w.call('addAccount', { account: input(w) });
    const restarted = await until(w, 'engineRestarted');
    expect(restarted.restarts).toBe(1);
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    expect(w.engine.syncs()).toHaveLength(2);
    expect(w.engine.launches).toHaveLength(2);
    expect(w.engine.commands.filter((c) => c.type === 'start')).toHaveLength(2);
  });

  it('streams progress with rate and ETA, logs the pass, and scrubs secrets from what it logs', async () => {
    const w = await world({ kind: 'memory' });
    w.engine.onSync = (cmd, emit) => {
      emit({ type: 'note', runId: cmd.runId, account: cmd.account, folder: 'INBOX', message: `server said: bad ${PASSWORD}` });
      import('../../support/fake-engine.js').then(({ passOk }) => passOk(cmd, emit));
    };
    await w.call('addAccount', { account: input(w) });
    const progress = await until(w, 'progress');
    expect(progress).toMatchObject({ account: 'work', folder: 'INBOX', messagesDone: 1, messagesTotal: 2, bytesPerSecond: null, etaSeconds: null });
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    const log = await w.call('getActivity', { query: 'work' });
    expect(log.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining(['account added', 'sync started', 'server said: bad ********', 'sync finished: 1 folder(s), 2 message(s) copied']),
    );
    await w.service.shutdown();
    expect(await allFiles(w.dir)).not.toContain(PASSWORD);
  });
});
