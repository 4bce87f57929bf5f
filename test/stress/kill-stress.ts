import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { runKillStress } from './kill-loop.js';

/**
 * `npm run stress`: SIGKILL the sync at random moments of a large two-way sync, many times
 * per phase, then let it finish; both sides must match the model exactly, every message once.
 * Sized for about five minutes on two cores. Not part of `npm test`
 * (test/integration/kill-stress.test.ts is the small version that is).
 *
 * Knobs (environment): STRESS_REMOTE, STRESS_LOCAL, STRESS_COMMON (message counts),
 * STRESS_KILLS (per phase), STRESS_SEED (repeat a failing run), STRESS_LOCAL_IMAP=1 (the local
 * side is a second IMAP account instead of a Maildir).
 */
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v >= 0 ? v : fallback;
};

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

it('a large two-way sync killed again and again converges to exactly the expected mail', async () => {
  const seed = num('STRESS_SEED', Date.now() % 1_000_000);
  const localImap = process.env.STRESS_LOCAL_IMAP === '1';
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  log(`seed ${seed} (STRESS_SEED=${seed} repeats this run), local side: ${localImap ? 'IMAP' : 'Maildir'}`);
  const report = await runKillStress({
    server,
    remote: num('STRESS_REMOTE', 4000),
    local: num('STRESS_LOCAL', 1500),
    common: num('STRESS_COMMON', 400),
    kills: num('STRESS_KILLS', 30),
    minDelayMs: 100,
    maxDelayMs: 4000,
    seed,
    localImap,
    log,
  });
  log(`done: ${report.killed} kills (${report.killedMidWork} mid-work), ${report.finishedEarly} runs finished before their kill, ${report.messages} messages on each side`);
  expect(report.killedMidWork).toBeGreaterThan(report.killed / 2);
});
