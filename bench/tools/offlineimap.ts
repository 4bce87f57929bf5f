import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { versionOf, type Endpoint, type Mode, type Replica, type Tool } from './tool.js';

const imapRepository = (label: string, e: Endpoint) => `[Repository ${label}]
type = IMAP
remotehost = ${e.host}
remoteport = ${e.port}
remoteuser = ${e.user}
remotepass = ${e.password}
ssl = no
starttls = no
`;

export const offlineimap: Tool = {
  name: 'offlineimap',
  modes: ['maildir', 'imap'],
  apt: { pkg: 'offlineimap3', binary: 'offlineimap' },
  maildirLayout: { inboxAtRoot: false, mutf7: false },
  version: () => versionOf('offlineimap', ['--version']),
  async prepare(replica: Replica) {
    const metadata = path.join(replica.dir, 'state');
    await mkdir(metadata, { recursive: true });
    const local = replica.mode === 'maildir'
      ? `[Repository local]\ntype = Maildir\nlocalfolders = ${replica.maildir}\nsep = /\n`
      : imapRepository('local', replica.local);
    const rc = `[general]
accounts = bench
metadata = ${metadata}
ui = quiet

[Account bench]
localrepository = local
remoterepository = remote
synclabels = no
${replica.mode === 'maildir' ? 'utf8foldernames = yes\n' : ''}
${local}
${imapRepository('remote', replica.remote)}`;
    const file = path.join(replica.dir, 'offlineimaprc');
    await writeFile(file, rc, { mode: 0o600 });
    return ['offlineimap', '-c', file, '-o', '-u', 'quiet'];
  },
  describe: (mode: Mode) =>
    `\`offlineimap -o\`, synclabels no, defaults otherwise (deletes and flags both ways), local ${mode === 'maildir' ? 'Maildir (sep /, utf8foldernames yes)' : 'IMAP (folder names left in modified UTF-7: utf8foldernames double-encodes "&" there)'}`,
};
