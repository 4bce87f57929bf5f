import { describe, expect, it } from 'vitest';
import { NotificationRules, type Alert } from '../../../electron/service/notifications/notification-rules.js';
import { alertsFromPass } from '../../../electron/service/notifications/alerts-from-pass.js';
import { emptyFolderSummary, type AccountSummary, type FolderSummary } from '../../../shared/sync-summary.js';

const ALL = { errors: true, conflicts: true, newMail: true };
const MIN = 60_000;
const policy = { groupWindowMs: 10_000, maxPerHour: 3, unreachableAfterMs: 30 * MIN };

const auth = (account: string): Alert => ({ kind: 'auth-failed', account, detail: `login failed for ${account}: wrong user name or password` });

/** Runs the clock to when the rules want to flush, and flushes. */
function flushDue(rules: NotificationRules) {
  const due = rules.dueAt();
  return due === null ? { at: null, n: null } : { at: due, n: rules.flush(due) };
}

describe('notification rules', () => {
  it('notifies an error once, not again every interval, and again after it was resolved', () => {
    const rules = new NotificationRules(policy);
    rules.report(auth('work'), ALL, 0);
    expect(rules.flush(5_000)).toBeNull(); // still inside the grouping window
    const { n } = flushDue(rules);
    expect(n).toMatchObject({ title: 'Login failed for “work”', severity: 'error', target: { screen: 'account', account: 'work' }, about: [{ kind: 'auth-failed', account: 'work' }] });
    for (let t = 5 * MIN; t <= 60 * MIN; t += 5 * MIN) rules.report(auth('work'), ALL, t);
    expect(rules.dueAt()).toBeNull();
    rules.resolved('work');
    rules.report(auth('work'), ALL, 70 * MIN);
    expect(flushDue(rules).n?.title).toBe('Login failed for “work”');
  });

  it('groups alerts arriving together into one notification', () => {
    const rules = new NotificationRules(policy);
    rules.report(auth('work'), ALL, 0);
    rules.report({ kind: 'new-conflicts', account: 'home', detail: '2 new conflict(s) need your choice' }, ALL, 3_000);
    rules.report({ kind: 'safety-stop', account: 'home', detail: 'Archive: stopped' }, ALL, 9_000);
    const { at, n } = flushDue(rules);
    expect(at).toBe(10_000);
    expect(n).toMatchObject({ title: 'Mailferry: 3 things need your attention', severity: 'error', target: { screen: 'accounts', account: null } });
    expect(n!.body.split('\n')).toEqual(['Login failed for “work”.', 'New conflicts in “home”.', 'A folder of “home” was stopped by the safety check.']);
    expect(rules.dueAt()).toBeNull();
  });

  it('a grouped notification reads as sentences even where its lines are run together, and an account is named as a name', () => {
    const rules = new NotificationRules(policy);
    rules.report({ kind: 'safety-stop', account: 'wizard', detail: 'Archive: stopped' }, ALL, 0);
    rules.report({ kind: 'new-conflicts', account: 'wizard', detail: '1 new conflict(s) need your choice' }, ALL, 1_000);
    const { n } = flushDue(rules);
    // Some notification servers (and an HTML paragraph) show the body on one line.
    expect(n!.body.replace(/\n/g, ' ')).toBe('A folder of “wizard” was stopped by the safety check. New conflicts in “wizard”.');
    expect(n!.body).not.toMatch(/check New/);
  });

  it('sends at most maxPerHour notifications; the rest wait and are merged, not lost', () => {
    const rules = new NotificationRules(policy);
    const sent: { at: number; title: string; body: string }[] = [];
    const flushAt = (t: number) => {
      const n = rules.flush(t);
      if (n) sent.push({ at: t, title: n.title, body: n.body });
    };
    for (let i = 0; i < 5; i++) {
      rules.report(auth(`account${i}`), ALL, i * MIN);
      flushAt(i * MIN + 10_000);
    }
    expect(sent.map((s) => s.at)).toEqual([10_000, MIN + 10_000, 2 * MIN + 10_000]);
    // The 4th and 5th wait for the hour to pass since the 1st, then go out together.
    expect(rules.dueAt()).toBe(60 * MIN + 10_000);
    flushAt(60 * MIN + 10_000);
    expect(sent[3]).toEqual({ at: 60 * MIN + 10_000, title: 'Mailferry: 2 things need your attention', body: 'Login failed for “account3”.\nLogin failed for “account4”.' });
    expect(rules.dueAt()).toBeNull();
  });

  it('speaks of an unreachable server only after it stayed unreachable for a while', () => {
    const rules = new NotificationRules(policy);
    const down: Alert = { kind: 'unreachable', account: 'work', detail: 'cannot reach imap.example.org:993: connection timed out', key: 'unreachable:work' };
    for (let t = 0; t < 30 * MIN; t += 5 * MIN) rules.report(down, ALL, t);
    expect(rules.dueAt()).toBeNull();
    rules.report({ ...down, detail: 'cannot reach imap.example.org:993: connection refused' }, ALL, 31 * MIN);
    expect(flushDue(rules).n?.title).toBe('Cannot reach the server of “work”');
    rules.report(down, ALL, 40 * MIN);
    expect(rules.dueAt()).toBeNull();
    // Back, then down again: the clock starts over.
    rules.resolved('work');
    rules.report(down, ALL, 50 * MIN);
    expect(rules.dueAt()).toBeNull();
  });

  it('follows the settings: errors, conflicts and new mail each on or off', () => {
    const rules = new NotificationRules(policy);
    const settings = { errors: false, conflicts: true, newMail: false };
    rules.report(auth('work'), settings, 0);
    rules.report({ kind: 'new-mail', account: 'work', detail: '3 new message(s) in INBOX' }, settings, 0);
    expect(rules.dueAt()).toBeNull();
    rules.report({ kind: 'new-conflicts', account: 'work', detail: '1 new conflict(s) need your choice' }, settings, 0);
    expect(flushDue(rules).n).toMatchObject({ title: 'New conflicts in “work”', severity: 'warning', target: { screen: 'conflicts', account: 'work' } });
  });
});

describe('mail on one side only', () => {
  const account = { name: 'work' } as Parameters<typeof alertsFromPass>[0];
  const pass = (outcome: FolderSummary['outcome'], error: string | null): AccountSummary => ({
    account: 'work',
    error: null,
    folders: [{ ...emptyFolderSummary('Sent'), outcome, error, pending: { copies: { toLocal: 0, toRemote: outcome === 'incomplete' ? 2 : 0 }, deletes: { toLocal: 0, toRemote: 0 }, reasons: [] } }],
  });

  it('an incomplete folder is notified once however often the pass repeats it, with the count in words, until it is in step', () => {
    const rules = new NotificationRules(policy);
    const alerts = alertsFromPass(account, pass('incomplete', '2 messages only on the local side (Message contains bare newlines); tried again at every sync'), null, null);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'not-in-step', detail: expect.stringMatching(/^Sent: 2 messages only on this computer/) })]);
    for (const a of alerts) rules.report(a, ALL, 0);
    expect(flushDue(rules).n).toMatchObject({ title: 'Some mail of “work” is on one side only', severity: 'error', target: { screen: 'account', account: 'work' } });
    // The next passes say the same (even with another count): nothing new to notify.
    for (const a of alertsFromPass(account, pass('incomplete', '3 messages only on the local side; tried again at every sync'), null, null)) rules.report(a, ALL, 5 * MIN);
    expect(rules.dueAt()).toBeNull();
    expect(alertsFromPass(account, pass('synced', null), null, null)).toEqual([]);
    rules.resolved('work', ['not-in-step']);
    for (const a of alerts) rules.report(a, ALL, 10 * MIN);
    expect(flushDue(rules).n?.title).toBe('Some mail of “work” is on one side only');
  });
});
