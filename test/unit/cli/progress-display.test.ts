import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../../electron/cli/progress-display.js';
import { emptyFolderSummary } from '../../../shared/sync-summary.js';
import { registerSecret } from '../../../electron/engine/secrets.js';

function sink(columns = 200) {
  const out: string[] = [];
  return { stream: { write: (s: string) => out.push(s), columns } as unknown as NodeJS.WriteStream, text: () => out.join('') };
}

describe('ProgressDisplay', () => {
  it('on a terminal: one live line with messages, bytes, rate and ETA, replaced by the folder summary', () => {
    const s = sink();
    const d = new ProgressDisplay(s.stream, true);
    d.progress({ account: 'work', folder: 'INBOX', phase: 'copying', messagesDone: 10, messagesTotal: 40, bytesDone: 2 * 1024 * 1024, bytesTotal: null });
    expect(s.text()).toMatch(/\r\x1b\[2Kwork\/INBOX: 10\/40 messages, 2\.0 MB, .*\/s, ETA \d+:\d\d/);
    d.folderDone('work', { ...emptyFolderSummary('INBOX'), copied: { toLocal: 40, toRemote: 0 } });
    expect(s.text().endsWith('\r\x1b[2Kwork/INBOX: 40 copied to local\n')).toBe(true);
  });

  it('not on a terminal: plain lines only, no control characters', () => {
    const s = sink();
    const d = new ProgressDisplay(s.stream, false);
    d.progress({ account: 'work', folder: 'INBOX', phase: 'copying', messagesDone: 1, messagesTotal: 2, bytesDone: 10, bytesTotal: null });
    d.folderDone('work', { ...emptyFolderSummary('INBOX'), outcome: 'failed', error: 'boom' });
    expect(s.text()).toBe('work/INBOX: FAILED: boom\n');
  });

  it('never prints a password, whatever a message carries', () => {
    registerSecret('hunter2-canary');
    const s = sink();
    new ProgressDisplay(s.stream, false).note('work', null, 'login with hunter2-canary failed');
    expect(s.text()).not.toContain('hunter2-canary');
  });
});
