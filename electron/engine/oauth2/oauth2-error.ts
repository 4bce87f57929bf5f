/**
 * Why a sign-in or a token request failed, in words a user can act on:
 * - denied: the user (or a policy) did not grant access;
 * - consent-required: an administrator has to approve the app first;
 * - invalid-client: the client ID or secret is not one the provider knows, or not allowed this flow;
 * - invalid-grant: the refresh token (or code) is revoked, expired or was used: sign in again;
 * - state-mismatch: a redirect that does not belong to this sign-in;
 * - timeout: nobody finished the sign-in in time;
 * - unreachable: the provider could not be reached;
 * - config: the settings cannot work (no endpoint for the flow asked for);
 * - protocol: the provider answered something that is not OAuth2.
 */
export type OAuth2ErrorKind =
  | 'denied'
  | 'consent-required'
  | 'invalid-client'
  | 'invalid-grant'
  | 'state-mismatch'
  | 'timeout'
  | 'unreachable'
  | 'config'
  | 'protocol';

export class OAuth2Error extends Error {
  constructor(
    readonly kind: OAuth2ErrorKind,
    /** The OAuth2 error code the provider sent (`access_denied`, `invalid_grant`, …), if any. */
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'OAuth2Error';
  }
}

/** Microsoft Entra's AADSTS codes that mean "an administrator must approve this app". */
const ADMIN_CONSENT = /\bAADSTS(65001|90094|90095|900941|7000112)\b/;
const UNKNOWN_APP = /\bAADSTS(700016|7000218|50011|650057)\b/;

/**
 * An OAuth2 error response (RFC 6749 4.1.2.1 and 5.2) in words. `description` is the
 * provider's own text, kept short and shown as it is (it never carries a token).
 */
export function describeProviderError(code: string, description: string | null, provider: string): OAuth2Error {
  const said = description ? ` (${provider} said: ${description.replace(/\s+/g, ' ').trim().slice(0, 300)})` : '';
  if (ADMIN_CONSENT.test(description ?? '') || code === 'consent_required' || code === 'admin_consent_required') {
    return new OAuth2Error('consent-required', code, `${provider} needs an administrator to approve this app for your organisation before you can sign in${said}`);
  }
  switch (code) {
    case 'access_denied':
      return new OAuth2Error('denied', code, `access was not granted: the sign-in was cancelled or consent was denied at ${provider}${said}`);
    case 'invalid_client':
    case 'unauthorized_client':
      return new OAuth2Error('invalid-client', code, `${provider} does not accept the client ID (auth.clientId${code === 'invalid_client' ? ' or auth.clientSecret' : ''}) for this sign-in; check the app registration (see "Gmail and Outlook" in README.md)${said}`);
    case 'invalid_grant':
      return new OAuth2Error('invalid-grant', code, `${provider} no longer accepts the sign-in (revoked, expired or replaced)${said}`);
    case 'invalid_scope':
      return new OAuth2Error('config', code, `${provider} refused the scopes asked for (auth.scopes)${said}`);
    case 'expired_token':
      return new OAuth2Error('timeout', code, `the sign-in code expired before the sign-in was finished${said}`);
    case 'login_required':
    case 'interaction_required':
      return new OAuth2Error('denied', code, `${provider} wants you to sign in interactively${said}`);
    default:
      if (UNKNOWN_APP.test(description ?? '')) return new OAuth2Error('invalid-client', code, `${provider} does not know this app registration${said}`);
      return new OAuth2Error('protocol', code, `${provider} refused the sign-in: ${code}${said}`);
  }
}
