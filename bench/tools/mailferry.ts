import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_CONNECTIONS } from '../../shared/config.js';
import { versionOf, type Endpoint, type Mode, type Replica, type Tool } from './tool.js';

/** The repo root, whether running from bench/tools/ (tests) or from the bundle in dist/. */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(path.join(dir, 'bin', 'mailferry.js'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('bin/mailferry.js not found above the bench');
    dir = up;
  }
  return dir;
}

const configFile = (replica: Replica) => path.join(replica.dir, 'config.json');
const imap = (e: Endpoint) => ({ type: 'imap', host: e.host, port: e.port, security: 'none', user: e.user, password: e.password });

export const mailferry: Tool = {
  name: 'mailferry',
  modes: ['maildir', 'imap'],
  apt: null,
  maildirLayout: { inboxAtRoot: false, mutf7: false },
  async version() {
    const v = await versionOf(process.execPath, [path.join(repoRoot(), 'bin', 'mailferry.js'), '--version']);
    const commit = await versionOf('git', ['-C', repoRoot(), 'rev-parse', '--short', 'HEAD']);
    if (v === null || !commit) return v;
    // The figures belong to the engine as built, which may include work not committed yet.
    const dirty = await versionOf('git', ['-C', repoRoot(), 'status', '--porcelain', '--', 'electron', 'shared']);
    return `${v} (commit ${commit}${dirty ? ' + uncommitted engine changes' : ''})`;
  },
  async prepare(replica: Replica) {
    const config = {
      stateDir: path.join(replica.dir, 'state'),
      accounts: [{
        name: 'bench',
        remote: imap(replica.remote),
        local: replica.mode === 'maildir' ? { type: 'maildir', path: replica.maildir } : imap(replica.local),
        direction: 'both',
        propagateDeletes: true,
      }],
    };
    await writeFile(configFile(replica), JSON.stringify(config, null, 2), { mode: 0o600 });
    // The bin itself, as a user runs it: its #! line carries the Node flags the CLI wants.
    return [path.join(repoRoot(), 'bin', 'mailferry.js'), 'sync', '--config', configFile(replica)];
  },
  // Push off and a day-long interval: every pass is one the bench asked for.
  watch: (replica: Replica) =>
    [path.join(repoRoot(), 'bin', 'mailferry.js'), 'watch', '--config', configFile(replica), '--push', 'none', '--interval', '86400'],
  describe: (mode: Mode) =>
    `\`mailferry sync\` (bundled CLI, run from its code cache), direction both, propagateDeletes true, connections ${DEFAULT_CONNECTIONS} (the default), local ${mode === 'maildir' ? 'Maildir' : 'IMAP'}`,
};
