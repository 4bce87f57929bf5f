import type { AccountConfig } from '../../../shared/config.js';
import { choiceText } from '../../../shared/conflict-wording.js';

/**
 * The engine speaks to the CLI: "the local side", "run again with --allow-mass-delete". The app
 * shows the same facts in its own words, with its own way out (a button on the Conflicts
 * screen, not a command line). Everything the engine says that reaches a screen, the activity
 * log or a notification goes through here; the CLI keeps the engine's words.
 */

/** How the app names the two sides of an account in sentences. */
export interface SideNames {
  local: string;
  remote: string;
}

export function sideNames(account: Pick<AccountConfig, 'local'> | undefined): SideNames {
  return { local: account?.local?.type === 'imap' ? 'the local account' : 'this computer', remote: 'the server' };
}

/** sync-folder.ts massDeleteStopMessage, word for word. */
const MASS_DELETE =
  /^stopped by the mass-delete safety check: this run would delete (\d+) of (\d+) messages on the (local|remote) side because they are gone from the other side\. If that is intended, run again with --allow-mass-delete --folder "(?:.*)"$/;

/** The CLI's advice wherever it ends a sentence the pattern above does not know. */
const CLI_ADVICE = /\s*If that is intended, run again with --allow-mass-delete\b.*$/;

/**
 * The choices that settle a stopped folder, named as the Conflicts screen's buttons are;
 * `onConflicts`: the text is shown on that screen, next to them.
 */
export function massDeleteAdvice(onConflicts = false): string {
  const allow = choiceText('mass-delete-stopped', 'allow-deletion').label;
  const restore = choiceText('mass-delete-stopped', 'keep-both').label;
  return `${onConflicts ? 'Choose' : 'On the Conflicts screen, choose'} “${allow}” if they were removed on purpose, or “${restore}” to copy them back.`;
}

/** An error or conflict text of the engine, as the app says it (`onConflicts`: on the Conflicts screen). */
export function forTheApp(text: string, names: SideNames, onConflicts = false): string {
  const stop = MASS_DELETE.exec(text);
  if (stop) {
    const [, deletes, messages, side] = stop;
    const on = side === 'local' ? names.local : names.remote;
    const from = side === 'local' ? names.remote : names.local;
    return `Stopped by the safety check: this sync would delete ${deletes} of ${messages} messages on ${on}, because they are gone from ${from}. ${massDeleteAdvice(onConflicts)}`;
  }
  if (CLI_ADVICE.test(text)) return `${sides(text.replace(CLI_ADVICE, ''), names)} ${massDeleteAdvice(onConflicts)}`;
  return sides(text, names);
}

/** "on the local side" -> "on this computer", "the remote side" -> "the server". */
function sides(text: string, names: SideNames): string {
  return text.replace(/\bthe (local|remote) side\b/g, (_m, side: string) => (side === 'local' ? names.local : names.remote));
}

/** A note of a folder's pass (FolderSummary.notes), for the activity log: news, or a warning. */
export function noteForTheApp(note: string, names: SideNames): { level: 'info' | 'warning'; message: string } {
  const name = (side: string) => (side === 'local' ? names.local : names.remote);
  let m: RegExpExecArray | null;
  if ((m = /^created on the (local|remote) side$/.exec(note))) return { level: 'info', message: `folder created on ${name(m[1]!)}` };
  if ((m = /^recreated on the (local|remote) side as you chose$/.exec(note))) return { level: 'info', message: `folder created again on ${name(m[1]!)}, as you chose` };
  if (note === 'gone from both sides; forgotten') return { level: 'info', message: 'folder gone from both sides; Mailferry no longer keeps track of it' };
  if ((m = /^deleted on the (local|remote) side; the (local|remote) copy was removed too$/.exec(note))) {
    return { level: 'info', message: `folder deleted on ${name(m[1]!)}, so it was removed from ${name(m[2]!)} too` };
  }
  if ((m = /^exists only on the (local|remote) side and direction is (pull|push)$/.exec(note.replace(/^not synced: /, '')))) {
    const way = m[2] === 'pull' ? 'only from the server' : 'only to the server';
    return { level: 'info', message: `folder not synced: it is only on ${name(m[1]!)}, and this account copies ${way}` };
  }
  // The same message back under a new id: recognised, nothing copied twice.
  if (/ left this folder on the (local|remote) side and came back under a new id; recognised as the same message$/.test(note)) return { level: 'info', message: sides(note, names) };
  return { level: 'warning', message: sides(note, names) };
}
