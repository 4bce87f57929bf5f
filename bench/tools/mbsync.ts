import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { versionOf, type Endpoint, type Mode, type Replica, type Tool } from './tool.js';

/** Plain LOGIN on loopback, as the other tools use; the warning about clear text goes to stderr. */
const account = (label: string, e: Endpoint) => `IMAPAccount ${label}
Host ${e.host}
Port ${e.port}
User ${e.user}
Pass "${e.password}"
SSLType None
AuthMechs LOGIN

IMAPStore ${label}
Account ${label}
`;

export const mbsync: Tool = {
  name: 'mbsync',
  modes: ['maildir', 'imap'],
  apt: { pkg: 'isync', binary: 'mbsync' },
  // isync 1.4 keeps IMAP's modified UTF-7 folder names on disk.
  maildirLayout: { inboxAtRoot: false, mutf7: true },
  version: () => versionOf('mbsync', ['--version']),
  async prepare(replica: Replica) {
    const state = path.join(replica.dir, 'state');
    await mkdir(state, { recursive: true });
    const local = replica.mode === 'maildir'
      ? `MaildirStore local\nPath ${replica.maildir}/\nInbox ${replica.maildir}/INBOX\nSubFolders Verbatim\n`
      : account('local', replica.local);
    const rc = `${account('remote', replica.remote)}
${local}
Channel bench
Far :remote:
Near :local:
Patterns *
Sync All
Create Both
Expunge Both
CopyArrivalDate yes
SyncState ${state}/
`;
    const file = path.join(replica.dir, 'mbsyncrc');
    await writeFile(file, rc, { mode: 0o600 });
    return ['mbsync', '-c', file, '-a', '-q'];
  },
  describe: (mode: Mode) =>
    `\`mbsync -a\`, Sync All, Create Both, Expunge Both, CopyArrivalDate yes, local ${mode === 'maildir' ? 'MaildirStore (SubFolders Verbatim)' : 'IMAPStore'}`,
};
