import { useId } from 'react';
import type { ConnectionTestResult } from '../../../shared/api/app-api.js';
import { draftProblems, withSecurity, type Security, type ServerDraft } from '../model/server-draft.js';
import { ConnectionResult } from './ConnectionResult.js';

export type TestState =
  | { status: 'idle' }
  | { status: 'testing' }
  | { status: 'done'; result: ConnectionTestResult; draft: ServerDraft }
  | { status: 'failed'; message: string };

interface ServerFormProps {
  /** "Mail server" or "Second IMAP account": names the group for screen readers. */
  legend: string;
  draft: ServerDraft;
  onChange: (draft: ServerDraft) => void;
  /** When editing, an empty password keeps the stored one. */
  passwordKept: boolean;
  test: TestState;
  onTest: (draft: ServerDraft) => void;
}

const SECURITY: { value: Security; label: string }[] = [
  { value: 'tls', label: 'SSL/TLS (usually port 993)' },
  { value: 'starttls', label: 'STARTTLS (usually port 143)' },
  { value: 'none', label: 'None (only for a server on this computer)' },
];

export function ServerForm({ legend, draft, onChange, passwordKept, test, onTest }: ServerFormProps) {
  const id = useId();
  const problems = draftProblems(draft, !passwordKept);
  const testable = Object.keys(problems).length === 0;
  const set = (patch: Partial<ServerDraft>) => onChange({ ...draft, ...patch });
  // A problem is shown once the field has something in it, not while the form is still blank.
  const shown = (field: keyof typeof problems, value: string) => (value !== '' || field === 'security' ? problems[field] : undefined);

  const field = (name: 'host' | 'port' | 'user', label: string, extra: Record<string, string> = {}) => {
    const problem = shown(name, draft[name]);
    return (
      <div className={`field field-${name}`}>
        <label htmlFor={`${id}-${name}`}>{label}</label>
        <input
          id={`${id}-${name}`}
          value={draft[name]}
          aria-invalid={problem !== undefined}
          aria-describedby={problem ? `${id}-${name}-problem` : undefined}
          onChange={(e) => set({ [name]: e.currentTarget.value })}
          spellCheck={false}
          autoCapitalize="off"
          {...extra}
        />
        {problem && (
          <p id={`${id}-${name}-problem`} className="inline-error">
            {problem}
          </p>
        )}
      </div>
    );
  };

  return (
    <fieldset className="server-form">
      <legend>{legend}</legend>
      <div className="field-row">
        {field('host', 'Server', { autoComplete: 'off', placeholder: 'imap.example.org' })}
        {field('port', 'Port', { inputMode: 'numeric' })}
      </div>
      <div className="field">
        <label htmlFor={`${id}-security`}>Security</label>
        <select id={`${id}-security`} value={draft.security} onChange={(e) => onChange(withSecurity(draft, e.currentTarget.value as Security))}>
          {SECURITY.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        {problems.security && <p className="inline-error">{problems.security}</p>}
      </div>
      {field('user', 'User name', { autoComplete: 'username' })}
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          value={draft.password}
          autoComplete="current-password"
          aria-describedby={passwordKept ? `${id}-password-hint` : undefined}
          onChange={(e) => set({ password: e.currentTarget.value })}
        />
        {passwordKept && (
          <p id={`${id}-password-hint`} className="hint">
            Leave empty to keep the stored password.
          </p>
        )}
      </div>
      {draft.fingerprint && (
        <p className="hint">
          Trusting exactly the certificate <code>{draft.fingerprint}</code>.{' '}
          <button type="button" className="link-button" onClick={() => set({ fingerprint: null })}>
            Stop trusting it
          </button>
        </p>
      )}
      <div className="actions">
        <button type="button" disabled={!testable || test.status === 'testing'} onClick={() => onTest(draft)}>
          {test.status === 'testing' ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      <ConnectionResult test={test} current={draft} onTrust={(fingerprint) => onTest({ ...draft, fingerprint })} />
    </fieldset>
  );
}
