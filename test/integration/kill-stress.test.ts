import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { runKillStress } from '../stress/kill-loop.js';

/**
 * The small version of `npm run stress` (test/stress/kill-stress.ts): a few hundred messages,
 * a handful of SIGKILLs at random moments per phase, then both sides must match the model
 * exactly, every message once.
 */
let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

describe('SIGKILL at random moments of a two-way sync', () => {
  it.concurrent.each([
    ['IMAP<->Maildir', false, 11],
    ['IMAP<->IMAP', true, 23],
  ] as const)('%s: converges to the model, every message exactly once', async (_name, localImap, seed) => {
    const report = await runKillStress({ server, remote: 400, local: 120, common: 30, kills: 6, minDelayMs: 50, maxDelayMs: 400, seed, localImap });
    // Kills land within 0.4 s of journaling starting: a pass over a few hundred messages (several
    // folders at once since connections became parallel) can finish in well under a second.
    expect(report.killed, JSON.stringify(report)).toBeGreaterThanOrEqual(3);
    expect(report.killedMidWork, JSON.stringify(report)).toBeGreaterThanOrEqual(2);
    expect(report.messages).toBeGreaterThan(200);
  }, 120_000);
});
