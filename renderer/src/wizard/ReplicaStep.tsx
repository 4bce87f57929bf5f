import { useId, useRef, useState } from 'react';
import type { MaildirCheck } from '../../../shared/api/app-api.js';
import { errorText, useBridge } from '../api/api-context.js';
import { isValidAccountName } from '../model/account-name.js';
import { ServerForm } from './ServerForm.js';
import type { useConnectionTest } from './use-connection-test.js';

export interface Replica {
  kind: 'maildir' | 'imap';
  path: string;
  check: MaildirCheck | null;
}

interface ReplicaStepProps {
  name: string;
  onName: (name: string) => void;
  /** Names of the other accounts, compared ignoring case. */
  taken: readonly string[];
  replica: Replica;
  onReplica: (replica: Replica) => void;
  local: ReturnType<typeof useConnectionTest>;
  /** Editing: the second IMAP account's settings are as saved, so they need no new test. */
  localUnchanged: boolean;
  /** Editing: the kind and the Maildir location stay as they are. */
  editing: boolean;
  canPickDirectory: boolean;
  onBack: () => void;
  onNext: () => void;
}

/** Step 3: where the second copy lives, a Maildir folder or another IMAP account, and the account's name. */
export function ReplicaStep(p: ReplicaStepProps) {
  const id = useId();
  const bridge = useBridge();
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const nameProblem = !isValidAccountName(p.name)
    ? 'Use 1 to 64 letters, digits, dots, dashes or underscores.'
    : p.taken.some((t) => t.toLowerCase() === p.name.toLowerCase())
      ? 'Another account already has this name.'
      : null;
  const maildirChecked = p.replica.check !== null && p.replica.check.path === p.replica.path;
  const imapReady = p.local.passed || p.localUnchanged;

  // The check started when the field lost focus may still run when Next is pressed: Next waits for it.
  const inFlight = useRef<{ path: string; result: Promise<MaildirCheck | null> } | null>(null);
  const check = (path: string): Promise<MaildirCheck | null> => {
    if (path.trim() === '') return Promise.resolve(null);
    if (inFlight.current?.path === path) return inFlight.current.result;
    setChecking(true);
    setCheckError(null);
    const result = bridge.request('checkMaildir', { path }).then(
      (found) => {
        p.onReplica({ ...p.replica, path, check: found });
        return found;
      },
      (err: unknown) => {
        setCheckError(errorText(err));
        return null;
      },
    );
    inFlight.current = { path, result };
    void result.finally(() => {
      if (inFlight.current?.result === result) inFlight.current = null;
      setChecking(false);
    });
    return result;
  };
  const pick = () => {
    bridge.request('pickDirectory', {}).then(
      ({ path }) => {
        if (path) void check(path);
      },
      (err: unknown) => setCheckError(errorText(err)),
    );
  };
  // Next checks a Maildir path that was not checked yet, and goes on when it is usable.
  const next = async () => {
    if (nameProblem !== null) return;
    if (p.replica.kind === 'imap') {
      if (imapReady) p.onNext();
      return;
    }
    if (p.editing) return p.onNext();
    const result = maildirChecked ? p.replica.check : await check(p.replica.path);
    if (result && result.problem === null) p.onNext();
  };

  return (
    <form
      className="step-form"
      onSubmit={(e) => {
        e.preventDefault();
        void next();
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-name`}>Name in Mailferry</label>
        <input
          id={`${id}-name`}
          value={p.name}
          aria-invalid={nameProblem !== null}
          aria-describedby={`${id}-name-hint`}
          onChange={(e) => p.onName(e.currentTarget.value)}
          spellCheck={false}
        />
        <p id={`${id}-name-hint`} className={nameProblem ? 'inline-error' : 'hint'}>
          {nameProblem ?? 'Shown in the account list; also the name of its sync state folder.'}
        </p>
      </div>

      <fieldset disabled={p.editing}>
        <legend>Keep the local copy in</legend>
        <label className="choice">
          <input type="radio" name={`${id}-kind`} checked={p.replica.kind === 'maildir'} onChange={() => p.onReplica({ ...p.replica, kind: 'maildir' })} />
          <span>
            A folder on this computer <span className="hint">(Maildir: readable by mutt, Thunderbird, Dovecot and others)</span>
          </span>
        </label>
        <label className="choice">
          <input type="radio" name={`${id}-kind`} checked={p.replica.kind === 'imap'} onChange={() => p.onReplica({ ...p.replica, kind: 'imap' })} />
          <span>A second IMAP account</span>
        </label>
      </fieldset>

      {p.replica.kind === 'maildir' ? (
        <div className="field">
          <label htmlFor={`${id}-path`}>Folder</label>
          <div className="input-with-button">
            <input
              id={`${id}-path`}
              value={p.replica.path}
              readOnly={p.editing}
              aria-describedby={`${id}-path-status`}
              onChange={(e) => p.onReplica({ ...p.replica, path: e.currentTarget.value, check: null })}
              onBlur={() => !p.editing && !maildirChecked && void check(p.replica.path)}
              spellCheck={false}
            />
            {p.canPickDirectory && !p.editing && (
              <button type="button" className="secondary" onClick={pick}>
                Choose…
              </button>
            )}
          </div>
          {/* Fixed height: a verdict appearing as the field loses focus must not move the Next button under the pointer. */}
          <div id={`${id}-path-status`} role="status" className="field-status">
            {p.editing ? (
              <p className="hint">To keep the mail somewhere else, remove this account (keeping its mail) and add it again.</p>
            ) : checking ? (
              <p className="hint">Checking the folder…</p>
            ) : checkError ? (
              <p className="inline-error">{checkError}</p>
            ) : (
              maildirChecked && p.replica.check && <MaildirVerdict check={p.replica.check} />
            )}
          </div>
        </div>
      ) : (
        <ServerForm
          legend="Second IMAP account"
          draft={p.local.draft}
          onChange={p.local.setDraft}
          passwordKept={p.editing}
          test={p.local.test}
          onTest={p.local.run}
        />
      )}

      <div className="actions step-actions">
        <button type="button" className="secondary" onClick={p.onBack}>
          Back
        </button>
        <button type="submit" className="primary" disabled={nameProblem !== null || (p.replica.kind === 'imap' && !imapReady)}>
          Next
        </button>
      </div>
    </form>
  );
}

function MaildirVerdict({ check }: { check: MaildirCheck }) {
  if (check.problem) return <p className="inline-error">This folder cannot be used: it {check.problem}.</p>;
  if (!check.exists) return <p className="hint">Mailferry creates this folder.</p>;
  if (check.empty) return <p className="hint">An empty folder: your mail is copied into it.</p>;
  if (check.isMaildir) {
    return <p className="hint">This folder already holds mail. Mailferry merges it with the server: messages on both sides are matched, not copied twice.</p>;
  }
  return <p className="attention">This folder holds other files. Mailferry puts its mail folders next to them; a new, empty folder is tidier.</p>;
}
