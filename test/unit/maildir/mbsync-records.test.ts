import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullIdentityOf } from '../../../electron/engine/identity-hasher.js';
import { MaildirStore } from '../../../electron/engine/store/maildir/maildir-store.js';
import { parseMbsyncState, parseUidValidityFile } from '../../../electron/engine/store/maildir/mbsync-state.js';

describe('mbsync sync state files', () => {
  it('reads the 1.4+ format, leaving out placeholders, expired, skipped and one-sided entries', () => {
    const text = 'FarUidValidity 1795934110\nNearUidValidity 1795934109\nMaxPulledUid 9\nMaxPushedUid 3\n\n1 1 S\n2 2 F\n3 3 \n4 0 \n0 5 \n6 6 <\n7 7 >S\n8 8 ~\n9 9 ^\n';
    expect(parseMbsyncState(text)).toEqual({
      farUidValidity: '1795934110',
      nearUidValidity: '1795934109',
      pairs: [
        { far: 1, near: 1 },
        { far: 2, near: 2 },
        { far: 3, near: 3 },
      ],
    });
  });

  it('reads the names before 1.4 (Master/Slave) and the one-line header before 1.1', () => {
    expect(parseMbsyncState('MasterUidValidity 5\nSlaveUidValidity 6\nMaxPulledUid 1\nMaxPushedUid 1\nMaxExpiredMasterUid 0\n\n1 2 S\n')).toMatchObject({
      farUidValidity: '5',
      nearUidValidity: '6',
      pairs: [{ far: 1, near: 2 }],
    });
    expect(parseMbsyncState('5:1 6:0:1\n1 2 S\n')).toMatchObject({ farUidValidity: '5', nearUidValidity: '6', pairs: [{ far: 1, near: 2 }] });
  });

  it('a UID in two entries pairs neither', () => {
    expect(parseMbsyncState('FarUidValidity 1\nNearUidValidity 2\n\n1 1 \n1 2 \n3 3 \n4 3 \n5 5 \n')?.pairs).toEqual([{ far: 5, near: 5 }]);
  });

  it.each([
    ['', 'empty'],
    ['FarUidValidity 1\nNearUidValidity 2\n\n1 1 S', 'torn (no final newline)'],
    ['FarUidValidity 1\nNearUidValidity 2\n1 1 S\n', 'no blank line after the header'],
    ['FarUidValidity 1\nBogus 2\n\n', 'an unknown header'],
    ['NearUidValidity 2\n\n1 1 S\n', 'no FarUidValidity'],
    ['FarUidValidity 1\nNearUidValidity 2\n\n1 x S\n', 'a malformed entry'],
  ])('refuses a state file that is %#: %s', (text) => {
    expect(parseMbsyncState(text)).toBeNull();
  });

  it('never throws, whatever the file holds', () => {
    const text = fc.string({ maxLength: 120, unit: fc.constantFrom(...'FarNeUidVlty0123456789 :\n<>^~XS'.split(''), 'FarUidValidity ', 'NearUidValidity ') });
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 120, unit: 'binary' })), (t) => {
        const state = parseMbsyncState(t);
        parseUidValidityFile(t);
        for (const p of state?.pairs ?? []) expect(p.far > 0 && p.near > 0).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads .uidvalidity (UIDVALIDITY, then the next UID)', () => {
    expect(parseUidValidityFile('1795934109\n3\n')).toBe('1795934109');
    expect(parseUidValidityFile('1795934109\n')).toBeNull();
    expect(parseUidValidityFile('x\n3\n')).toBeNull();
  });
});

describe('a Maildir folder mbsync kept', () => {
  let root: string;
  let dir: string;
  const state = 'FarUidValidity 1795934110\nNearUidValidity 1795934109\nMaxPulledUid 3\nMaxPushedUid 3\n\n1 1 S\n2 2 \n8 3 \n';
  const message = 'From: a@example.org\nSubject: hi\nMessage-ID: <hi@example.org>\n\nbody\n';
  const withTuid = message.replace('\n\n', '\nX-TUID: GNjLHM/ovlD3\n\n');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mf-mbsync-'));
    dir = join(root, 'INBOX');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
    await writeFile(join(dir, '.uidvalidity'), '1795934109\n4\n');
    await writeFile(join(dir, '.mbsyncstate'), state);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function session() {
    return (await MaildirStore.open(root)).openFolder('INBOX');
  }

  it('identifies a file mbsync downloaded as the message without its X-TUID line', async () => {
    await writeFile(join(dir, 'cur', '1795934109.8598_1.vm,U=1:2,S'), withTuid);
    await writeFile(join(dir, 'cur', '1795934109.M1P1.mine:2,S'), withTuid);
    const ids = await (await session()).identify(['1795934109.8598_1.vm,U=1', '1795934109.M1P1.mine']);
    const server = fullIdentityOf(Buffer.from(message.replace(/\n/g, '\r\n')));
    expect(ids.get('1795934109.8598_1.vm,U=1')).toEqual({ messageId: '<hi@example.org>', size: server.size, headerSha256: server.headerSha256 });
    // A file of any other name is known by its own bytes, X-TUID included.
    expect(ids.get('1795934109.M1P1.mine')?.size).toBe(server.size + 'X-TUID: GNjLHM/ovlD3\r\n'.length);
  });

  it('gives the server UIDs its state pairs with the files, one file per UID', async () => {
    await writeFile(join(dir, 'cur', '1795934109.8598_1.vm,U=1:2,S'), withTuid);
    await writeFile(join(dir, 'new', '1795934109.8598_2.vm,U=2:2,'), withTuid);
    await writeFile(join(dir, 'cur', '1795934100.4242_7.vm,U=2:2,S'), withTuid.replace('hi@', 'other@'));
    await writeFile(join(dir, 'new', '1700000001.P1.localhost,U=3'), message);
    await writeFile(join(dir, 'new', '1700000002.P1.localhost,U=9'), message);
    // "2" is claimed by two files (say, one copied from another folder): it pairs neither.
    expect(await (await session()).foreignUids!()).toEqual({
      uidValidity: '1795934110',
      uids: new Map([
        ['1795934109.8598_1.vm,U=1', '1'],
        ['1700000001.P1.localhost,U=3', '8'],
      ]),
    });
  });

  it.each([
    ['.uidvalidity renumbered since', async () => writeFile(join(dir, '.uidvalidity'), '1795999999\n1\n')],
    ['.uidvalidity missing', async () => rm(join(dir, '.uidvalidity'))],
    ['an interrupted run left its journal', async () => writeFile(join(dir, '.mbsyncstate.journal'), '5\n')],
    ['the state is not mbsync\'s', async () => writeFile(join(dir, '.mbsyncstate'), 'garbage\n')],
    ['there is no state', async () => rm(join(dir, '.mbsyncstate'))],
  ])('trusts no records when %s', async (_, change) => {
    await writeFile(join(dir, 'cur', '1795934109.8598_1.vm,U=1:2,S'), withTuid);
    await change();
    expect(await (await session()).foreignUids!()).toBeNull();
  });
});
