import { displayFingerprint, formatCount } from '../model/format.js';
import { sameConnection, type ServerDraft } from '../model/server-draft.js';
import { TEST_FAILURE_TITLE, type TestFailureKind } from '../model/wording.js';
import type { TestState } from './ServerForm.js';

const ADVICE: Record<TestFailureKind, string> = {
  auth: 'Check the user name and password. Some providers (Gmail, iCloud, Yahoo and others) want an app password for mail programs instead of your usual one.',
  unreachable: 'Check the server name and port, and that this computer is online.',
  'tls-untrusted':
    'This happens with self-signed certificates, e.g. on a server at home or at work. Trust it only if its fingerprint matches the one your provider or administrator gave you.',
  'tls-mismatch':
    'The certificate does not belong to this server name, or it is not the one trusted before. That can mean someone is intercepting the connection. Trust it only if your provider announced a new certificate with this fingerprint.',
  protocol: 'Check the port and the security setting: SSL/TLS usually uses port 993, STARTTLS port 143.',
  config: 'Change the settings above and test again.',
};

/** The outcome of "Test connection", in words that say what to do next. */
export function ConnectionResult({ test, current, onTrust }: { test: TestState; current: ServerDraft; onTrust: (fingerprint: string) => void }) {
  if (test.status === 'idle') return null;
  if (test.status === 'testing') {
    return (
      <p className="test-result" role="status">
        <span className="spinner" aria-hidden="true" /> Connecting to {current.host}…
      </p>
    );
  }
  if (test.status === 'failed') {
    return (
      <div className="test-result test-failed" role="alert">
        <p className="test-title">The test could not run</p>
        <p>{test.message}</p>
      </div>
    );
  }
  if (!sameConnection(test.draft, current)) {
    return (
      <p className="test-result hint" role="status">
        The settings changed since the last test; test again.
      </p>
    );
  }
  const r = test.result;
  if (r.ok) {
    return (
      <p className="test-result test-ok" role="status">
        <span aria-hidden="true">✓ </span>Connected and logged in. {formatCount(r.folders.length, 'folder')} found.
      </p>
    );
  }
  const canTrust = (r.kind === 'tls-untrusted' || r.kind === 'tls-mismatch') && r.fingerprint !== null;
  return (
    <div className={`test-result test-failed test-${r.kind}`} role="alert">
      <p className="test-title">{TEST_FAILURE_TITLE[r.kind]}</p>
      <p className="test-message">{r.message}</p>
      {canTrust && r.fingerprint && (
        <div className="fingerprint">
          <p>The server’s certificate has this SHA-256 fingerprint:</p>
          <p>
            <code className="fingerprint-value">
              {fingerprintLines(displayFingerprint(r.fingerprint)).map((line, i) => (
                <span key={i}>{line}</span>
              ))}
            </code>
          </p>
        </div>
      )}
      <p className="hint">{ADVICE[r.kind]}</p>
      {canTrust && r.fingerprint && (
        <button type="button" className="secondary" onClick={() => onTrust(r.fingerprint ?? '')}>
          Trust this certificate and test again
        </button>
      )}
    </div>
  );
}

/** 16 bytes per line, so the 32 bytes read as two even rows to compare. */
function fingerprintLines(shown: string): string[] {
  const bytes = shown.split(':');
  return [bytes.slice(0, 16).join(':'), bytes.slice(16).join(':')].filter(Boolean);
}
