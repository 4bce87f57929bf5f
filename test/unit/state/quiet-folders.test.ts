import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyFolderState, type FolderState, type Side } from '../../../electron/engine/state/folder-state.js';
import { QuietFolders } from '../../../electron/engine/state/quiet-folders.js';
import type { FolderStatus, MailStore } from '../../../electron/engine/store/mail-store.js';
import { statusFromListStatus } from '../../../electron/engine/store/imap/list-status.js';

const remoteStatus: FolderStatus = { uidValidity: '7', uidNext: 43, highestModseq: '99', messages: 42, changeToken: null };
const localStatus: FolderStatus = { uidValidity: 'maildir', uidNext: null, highestModseq: null, messages: null, changeToken: 'cur:1;new:2' };

/** Stores that only answer peekStatus, with whatever the test sets. */
function peekingStores(now: Record<Side, FolderStatus | null>): Record<Side, MailStore> {
  const store = (side: Side) => ({ peekStatus: async () => now[side] }) as unknown as MailStore;
  return { remote: store('remote'), local: store('local') };
}

function cleanState(): FolderState {
  const state = emptyFolderState('INBOX');
  state.status = { remote: { ...remoteStatus }, local: { ...localStatus } };
  return state;
}

describe('QuietFolders (the no-change fast path)', () => {
  let dir: string;
  let files: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiet-'));
    files = [join(dir, 'INBOX.snap'), join(dir, 'INBOX.journal')];
    await writeFile(files[0]!, 'snapshot');
    await writeFile(files[1]!, '');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function remembered(state = cleanState()): Promise<QuietFolders> {
    const quiet = await QuietFolders.load(dir);
    await quiet.remember('INBOX', state, files);
    await quiet.save();
    return QuietFolders.load(dir);
  }

  it('skips a folder whose sides report what the last pass left and whose state files are untouched', async () => {
    const quiet = await remembered();
    expect(await quiet.unchanged('INBOX', peekingStores({ remote: remoteStatus, local: localStatus }), files)).toBe(true);
  });

  it.each([
    ['a new message on the server', { remote: { ...remoteStatus, uidNext: 44, messages: 43, highestModseq: '100' }, local: localStatus }],
    ['a flag changed on the server', { remote: { ...remoteStatus, highestModseq: '100' }, local: localStatus }],
    ['the server renumbered the folder', { remote: { ...remoteStatus, uidValidity: '8' }, local: localStatus }],
    ['a file renamed in the Maildir', { remote: remoteStatus, local: { ...localStatus, changeToken: 'cur:3;new:2' } }],
    ['a Maildir changed too recently to vouch for', { remote: remoteStatus, local: { ...localStatus, changeToken: null } }],
    ['a server that cannot tell without opening the folder', { remote: null, local: localStatus }],
  ] as const)('does not skip after %s', async (_what, now) => {
    const quiet = await remembered();
    expect(await quiet.unchanged('INBOX', peekingStores(now), files)).toBe(false);
  });

  it('does not skip once anything wrote the folder state (a settled conflict, another pass)', async () => {
    const quiet = await remembered();
    await appendFile(files[1]!, '1 {"op":"settle"}\n');
    expect(await quiet.unchanged('INBOX', peekingStores({ remote: remoteStatus, local: localStatus }), files)).toBe(false);
  });

  it('does not skip when the state files were removed or replaced', async () => {
    const quiet = await remembered();
    await rm(files[0]!);
    expect(await quiet.unchanged('INBOX', peekingStores({ remote: remoteStatus, local: localStatus }), files)).toBe(false);
  });

  it.each([
    ['an interrupted copy', (s: FolderState) => s.intents.set(1, { id: 1, target: 'local', ticket: { kind: 'maildir', unique: 'u' }, sourceId: '5' } as never)],
    ['a ghost watch', (s: FolderState) => s.ghosts.push({} as never)],
    ['a stray copy to remove', (s: FolderState) => s.strays.push({ side: 'remote', id: '7', uidValidity: '1', movingTo: null })],
    ['a settled conflict waiting to be applied', (s: FolderState) => s.conflicts.push({ id: 'c', kind: 'delete-vs-change', folder: 'INBOX', detail: 'd', pairKey: 1, at: 0, settled: 'keep-both' })],
    ['a side without HIGHESTMODSEQ', (s: FolderState) => (s.status.remote = { ...remoteStatus, highestModseq: null })],
  ])('never remembers a folder with %s', async (_what, spoil) => {
    const state = cleanState();
    spoil(state);
    const quiet = await remembered(state);
    expect(await quiet.unchanged('INBOX', peekingStores({ remote: state.status.remote, local: localStatus }), files)).toBe(false);
  });

  it('a damaged or foreign hint file is ignored, not trusted', async () => {
    await remembered();
    const file = join(dir, 'quiet-folders.json');
    const good = await readFile(file, 'utf8');
    for (const bad of ['', '{', 'null', good.replace('"version":1', '"version":2'), good.replace('"uidNext":43', '"uidNext":"43"')]) {
      await writeFile(file, bad);
      const quiet = await QuietFolders.load(dir);
      expect(await quiet.unchanged('INBOX', peekingStores({ remote: remoteStatus, local: localStatus }), files)).toBe(false);
    }
  });

  it('forget drops a folder (deleted or gone from both sides)', async () => {
    const quiet = await remembered();
    quiet.forget('INBOX');
    await quiet.save();
    expect(await (await QuietFolders.load(dir)).unchanged('INBOX', peekingStores({ remote: remoteStatus, local: localStatus }), files)).toBe(false);
  });
});

describe('statusFromListStatus (LIST-STATUS replies spelled as SELECT reports them)', () => {
  it.each([
    [{ messages: 3, uidNext: 4, uidValidity: 9n, highestModseq: 12n }, { uidValidity: '9', uidNext: 4, highestModseq: '12', messages: 3, changeToken: null }],
    [{ messages: 0, uidNext: 1, uidValidity: 9n, highestModseq: 0n }, { uidValidity: '9', uidNext: 1, highestModseq: null, messages: 0, changeToken: null }],
    [{ messages: 0, uidNext: 0, uidValidity: 9n }, { uidValidity: '9', uidNext: null, highestModseq: null, messages: 0, changeToken: null }],
    [{ messages: 3, uidNext: 4 }, null],
    [{ uidNext: 4, uidValidity: 9n }, null],
    [{ messages: 3, uidValidity: 9n }, null],
  ])('%o -> %o', (reply, status) => {
    expect(statusFromListStatus(reply)).toEqual(status);
  });
});
