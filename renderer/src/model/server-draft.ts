import type { ImapEndpointInput, ImapEndpointView, ServerGuess } from '../../../shared/api/app-api.js';
import { isLoopbackHost } from '../../../shared/config.js';

export type Security = ImapEndpointInput['security'];

/** An IMAP server as typed into the form: the port stays text until it is used. */
export interface ServerDraft {
  host: string;
  port: string;
  security: Security;
  user: string;
  /** Empty when editing means "keep the stored password". */
  password: string;
  /** "sha256:…" the user chose to trust after a certificate warning. */
  fingerprint: string | null;
}

export const DEFAULT_PORT: Record<Security, number> = { tls: 993, starttls: 143, none: 143 };

export function emptyDraft(user = '', password = ''): ServerDraft {
  return { host: '', port: '993', security: 'tls', user, password, fingerprint: null };
}

export function draftFromGuess(guess: ServerGuess, password: string): ServerDraft {
  return { host: guess.host, port: String(guess.port), security: guess.security, user: guess.user, password, fingerprint: null };
}

export function draftFromView(view: ImapEndpointView): ServerDraft {
  return { host: view.host, port: String(view.port), security: view.security, user: view.user, password: '', fingerprint: view.fingerprint };
}

/** Changing the security moves the port along only while it is still the previous default. */
export function withSecurity(draft: ServerDraft, security: Security): ServerDraft {
  const port = draft.port === String(DEFAULT_PORT[draft.security]) ? String(DEFAULT_PORT[security]) : draft.port;
  return { ...draft, security, port };
}

/** What is wrong with the draft, per field; empty when it can be tested. */
export function draftProblems(draft: ServerDraft, passwordRequired: boolean): Partial<Record<'host' | 'port' | 'user' | 'password' | 'security', string>> {
  const problems: Partial<Record<'host' | 'port' | 'user' | 'password' | 'security', string>> = {};
  const host = draft.host.trim();
  if (host === '') problems.host = 'Enter the server name, e.g. imap.example.org.';
  else if (/[\s/]/.test(host) || host.includes('://')) problems.host = 'Only the server name, without "imap://", paths or spaces.';
  const port = Number(draft.port);
  if (!/^\d+$/.test(draft.port.trim()) || port < 1 || port > 65535) problems.port = 'A number from 1 to 65535.';
  if (draft.user.trim() === '') problems.user = 'Enter the user name, usually your email address.';
  if (passwordRequired && draft.password === '') problems.password = 'Enter the password.';
  if (draft.security === 'none' && host !== '' && !isLoopbackHost(host)) {
    problems.security = 'Unencrypted connections are only allowed to this computer; choose SSL/TLS or STARTTLS.';
  }
  return problems;
}

export function endpointInput(draft: ServerDraft): ImapEndpointInput {
  return {
    type: 'imap',
    host: draft.host.trim(),
    port: Number(draft.port),
    security: draft.security,
    user: draft.user.trim(),
    ...(draft.password !== '' ? { password: draft.password } : {}),
    ...(draft.fingerprint ? { fingerprint: draft.fingerprint } : {}),
  };
}

/** Two drafts that would connect the same way; a test result holds only for its own draft. */
export function sameConnection(a: ServerDraft, b: ServerDraft): boolean {
  return JSON.stringify(endpointInput(a)) === JSON.stringify(endpointInput(b));
}
