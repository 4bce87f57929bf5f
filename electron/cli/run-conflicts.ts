import { createHash } from 'node:crypto';
import type { ConflictView } from '../../shared/api/app-api.js';
import type { Config } from '../../shared/config.js';
import type { ConflictSides } from '../../shared/conflict-sides.js';
import { CHOICES_BY_KIND, CONFLICT_CHOICES, type ConflictChoice } from '../../shared/conflicts.js';
// The Conflicts screen's own words and rows (pure functions, no DOM): the CLI says what the app says.
import { comparisonRows } from '../../renderer/src/model/conflict-sides.js';
import { CONFLICT_TITLE, choiceText } from '../../renderer/src/model/wording.js';
import { settleConflict } from '../engine/conflicts/settle-conflict.js';
import { accountOverview } from '../engine/host/account-overview.js';
import { redactSecrets } from '../engine/secrets.js';
import { describeError } from '../engine/sync/describe-error.js';
import { conflictViews } from '../service/accounts/account-views.js';
import { UsageError } from './args.js';
import { selectAccounts } from './select-accounts.js';

/** A conflict as the app lists it (listConflicts), with the short reference the CLI shows. */
export type ListedConflict = ConflictView & { ref: string };

/**
 * A short, stable name for a conflict to type: the first 8 hex digits of a hash of where it is
 * and its engine id (which is long: kind, message key and time).
 */
export function conflictRef(account: string, folder: string, id: string): string {
  return createHash('sha256').update(`${account}\0${folder}\0${id}`).digest('hex').slice(0, 8);
}

/** Every open conflict of the selected accounts, from the state alone (no connection, no lock). */
export async function listConflicts(config: Config & { stateDir: string }, accounts: string[]): Promise<ListedConflict[]> {
  const out: ListedConflict[] = [];
  for (const account of selectAccounts(config, accounts)) {
    const views = conflictViews(account.name, await accountOverview(config.stateDir, account.name));
    for (const v of views) out.push({ ...v, ref: conflictRef(v.account, v.folder, v.id) });
  }
  return out;
}

/** `mailferry conflicts [--json]`. */
export async function runConflicts(config: Config & { stateDir: string }, accounts: string[], json: boolean): Promise<number> {
  const conflicts = await listConflicts(config, accounts);
  if (json) {
    process.stdout.write(`${redactSecrets(JSON.stringify({ conflicts }))}\n`);
    return 0;
  }
  if (conflicts.length === 0) {
    process.stdout.write('no open conflicts\n');
    return 0;
  }
  const blocks = conflicts.map((c) => describeConflict(c, sideNames(config, c.account)));
  process.stdout.write(`${redactSecrets(blocks.join('\n'))}`);
  return 0;
}

/** Column headings as the app's Conflicts screen names the two sides. */
function sideNames(config: Config, account: string): Record<keyof ConflictSides, string> {
  const a = config.accounts.find((x) => x.name === account);
  return {
    remote: a ? `Server (${a.remote.host})` : 'Server',
    local: a?.local.type === 'imap' ? `Local copy (${a.local.host})` : 'This computer',
  };
}

/** One conflict as lines of text: where, what, each side, the choices and how to make one. */
export function describeConflict(c: ListedConflict, sides: Record<keyof ConflictSides, string>): string {
  const lines = [`${c.account}/${c.folder}: conflict ${c.ref} (${c.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')})`, `  ${CONFLICT_TITLE[c.kind]}`, `  ${c.detail}`];
  if (c.sides) {
    const rows = [{ label: '', remote: sides.remote, local: sides.local }, ...comparisonRows(c.sides)];
    const labelWidth = Math.max(...rows.map((r) => r.label.length));
    const remoteWidth = Math.max(...rows.map((r) => r.remote.length));
    for (const r of rows) lines.push(`    ${r.label.padEnd(labelWidth)}  ${r.remote.padEnd(remoteWidth)}  ${r.local}`.trimEnd());
  }
  if (c.settled) {
    lines.push(`  settled: ${c.settled} (${choiceText(c.kind, c.settled).label}); the next sync of ${c.folder} carries it out`);
  } else {
    const width = Math.max(...c.choices.map((x) => x.length));
    lines.push('  choices:');
    for (const choice of c.choices) {
      const { label, detail } = choiceText(c.kind, choice);
      lines.push(`    ${choice.padEnd(width)}  ${label}: ${detail}`);
    }
    lines.push(`  settle with: mailferry conflicts settle ${c.ref} ${c.choices.length === 1 ? c.choices[0] : 'CHOICE'}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `mailferry conflicts settle REF CHOICE`: records the choice, as the app's Conflicts screen does;
 * the folder's next sync carries it out. REF is the short reference `conflicts` shows (or a
 * unique start of it, at least 4 digits), or the engine's full id.
 */
export async function runSettle(config: Config & { stateDir: string }, accounts: string[], ref: string, choiceWord: string): Promise<number> {
  if (!(CONFLICT_CHOICES as readonly string[]).includes(choiceWord)) {
    throw new UsageError(`"${choiceWord}" is not a choice (choices: ${CONFLICT_CHOICES.join(', ')})`, 'conflicts');
  }
  const choice = choiceWord as ConflictChoice;
  const open = await listConflicts(config, accounts);
  const matches = open.filter((c) => c.id === ref || c.ref === ref || (ref.length >= 4 && c.ref.startsWith(ref)));
  if (matches.length === 0) {
    const where = accounts.length ? ` in ${accounts.map((a) => `"${a}"`).join(', ')}` : '';
    throw new UsageError(`no open conflict "${ref}"${where}; "mailferry conflicts" lists them${open.length ? ` (open: ${open.map((c) => c.ref).join(', ')})` : ' (there are none)'}`, 'conflicts');
  }
  if (matches.length > 1) throw new UsageError(`"${ref}" names ${matches.length} conflicts (${matches.map((c) => c.ref).join(', ')}); give more of it`, 'conflicts');
  const c = matches[0]!;
  if (!CHOICES_BY_KIND[c.kind].includes(choice)) {
    const allowed = CHOICES_BY_KIND[c.kind].map((x) => `${x} (${choiceText(c.kind, x).label})`).join(', ');
    throw new UsageError(`"${choice}" does not settle this conflict (${CONFLICT_TITLE[c.kind].toLowerCase()}); choose ${allowed}`, 'conflicts');
  }
  let outcome: 'dismissed' | 'recorded';
  try {
    outcome = await settleConflict(config.stateDir, c.account, c.folder, c.id, choice);
  } catch (err) {
    process.stderr.write(`mailferry: conflict ${c.ref} not settled: ${describeError(err)}\n`);
    return 1;
  }
  const what = `${c.account}/${c.folder}: conflict ${c.ref} settled: ${choice} (${choiceText(c.kind, choice).label})`;
  process.stdout.write(
    outcome === 'dismissed'
      ? `${what}; nothing more to do\n`
      : `${what}; the next sync carries it out (now: mailferry sync --account ${c.account} --folder ${JSON.stringify(c.folder)})\n`,
  );
  return 0;
}
