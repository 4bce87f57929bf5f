import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { versionOf, type Endpoint, type Replica, type Tool } from './tool.js';

const section = (label: string, e: Endpoint) => `[${label}]
type = imap
host = ${e.host}
port = ${e.port}
username = ${e.user}
password = ${e.password}
STARTTLS = NO
`;

/** IMAP<->IMAP only: its local side is the second Dovecot user, over TCP like the remote. */
export const interimap: Tool = {
  name: 'interimap',
  modes: ['imap'],
  apt: { pkg: 'interimap', binary: 'interimap' },
  maildirLayout: { inboxAtRoot: true, mutf7: true },
  version: () => versionOf('interimap', ['--version']),
  async prepare(replica: Replica) {
    if (replica.mode !== 'imap') throw new Error('interimap syncs IMAP to IMAP only');
    const rc = `database = ${path.join(replica.dir, 'interimap.db')}\n\n${section('local', replica.local)}\n${section('remote', replica.remote)}`;
    const file = path.join(replica.dir, 'interimap.conf');
    await writeFile(file, rc, { mode: 0o600 });
    return ['interimap', `--config=${file}`];
  },
  describe: () => '`interimap` (QRESYNC both sides), defaults: all mailboxes, flags and expunges both ways',
};
