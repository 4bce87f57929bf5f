import type { AccessTokenSource } from '../../oauth2/access-tokens.js';

/** Where and how to reach one IMAP account. */
export interface ImapEndpoint {
  host: string;
  port: number;
  /** tls: implicit TLS (IMAPS); starttls: plain connection upgraded before login (required); none: cleartext. */
  security: 'tls' | 'starttls' | 'none';
  user: string;
  /** Empty when the endpoint logs in with OAuth2. */
  password: string;
  /** OAuth2 (SASL OAUTHBEARER or XOAUTH2, whichever the server offers) instead of the password. */
  oauth2?: AccessTokenSource;
  tls?: {
    /** Extra trusted CA (PEM text), on top of the system's. */
    ca?: string;
    /** SHA-256 of the server's leaf certificate, lowercase hex: accepted exactly, and nothing else. */
    fingerprint?: string;
  };
  /** Longest silence of the server mid-command (and bound on connecting) before giving up; 120 s by default. */
  timeoutSeconds?: number;
}
