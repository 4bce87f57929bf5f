import type { AccountSummary } from '../../../shared/sync-summary.js';
import type { AccountConfig } from '../../../shared/config.js';
import type { EngineErrorKind } from '../../../shared/api/engine-protocol.js';
import { forTheApp, sideNames } from '../wording/app-wording.js';
import type { Alert } from './notification-rules.js';

/** What a finished pass has to tell the user, before the rules decide whether and when. */
export function alertsFromPass(account: AccountConfig | undefined, summary: AccountSummary, errorKind: EngineErrorKind | null, fingerprint: string | null): Alert[] {
  const name = summary.account;
  const alerts: Alert[] = [];
  if (summary.error !== null) {
    const pinned = account?.remote.tls?.fingerprint !== undefined;
    const detail = summary.error;
    // A revoked OAuth2 sign-in is a refused login too; its detail says "sign in again".
    if (errorKind === 'auth' || errorKind === 'signin-required') alerts.push({ kind: 'auth-failed', account: name, detail });
    // Key without the message: "unreachable" stays one problem while its wording varies.
    if (errorKind === 'unreachable') alerts.push({ kind: 'unreachable', account: name, detail, key: `unreachable:${name}` });
    if (errorKind === 'tls-mismatch' && pinned) alerts.push({ kind: 'tls-changed', account: name, detail, key: `tls-changed:${name}:${fingerprint ?? ''}` });
    else if (errorKind === 'tls-mismatch' || errorKind === 'tls-untrusted') alerts.push({ kind: 'tls-untrusted', account: name, detail, key: `tls-untrusted:${name}:${fingerprint ?? ''}` });
    return alerts;
  }
  for (const folder of summary.folders) {
    if (folder.outcome === 'stopped') {
      const why = folder.error === null ? 'stopped by the safety check' : forTheApp(folder.error, sideNames(account));
      alerts.push({ kind: 'safety-stop', account: name, detail: `${folder.folder}: ${why}`, key: `safety-stop:${name}:${folder.folder}` });
    }
    // Keyed by folder alone: one notification however the counts change, until it is in step.
    if (folder.outcome === 'incomplete') {
      alerts.push({ kind: 'not-in-step', account: name, detail: `${folder.folder}: ${folder.error === null ? 'some work could not be done' : forTheApp(folder.error, sideNames(account))}`, key: `not-in-step:${name}:${folder.folder}` });
    }
  }
  const inbox = summary.folders.find((f) => f.folder === 'INBOX');
  if (inbox && inbox.copied.toLocal > 0) {
    alerts.push({ kind: 'new-mail', account: name, detail: `${inbox.copied.toLocal} new message(s) in INBOX`, key: `new-mail:${name}:${Date.now()}` });
  }
  return alerts;
}
