import { useId, useRef, useState } from 'react';
import type { EndpointView, MaildirCheck } from '../../../shared/api/app-api.js';
import type { MaildirLayoutName, MaildirNameEncoding } from '../../../shared/config.js';
import { errorText, useBridge } from '../api/api-context.js';
import { isValidAccountName } from '../model/account-name.js';
import { DEFAULT_STATE_PATH, ENCODING_LABEL, LAYOUT_LABEL, maildirOptionsProblem, type MaildirOptions } from '../model/maildir-options.js';
import { ServerForm } from './ServerForm.js';
import type { useConnectionTest } from './use-connection-test.js';

export interface Replica {
  kind: 'maildir' | 'imap';
  path: string;
  check: MaildirCheck | null;
  /** An existing Maildir of another program: its layout, spelling and sync state. */
  options: MaildirOptions;
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
  /** Editing: the Maildir as saved (its layout and adopted state are shown, not changed). */
  saved?: EndpointView | undefined;
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
  const optionsProblem = p.replica.kind === 'maildir' && !p.editing ? maildirOptionsProblem(p.replica.options) : null;
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
    if (nameProblem !== null || optionsProblem !== null) return;
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
          {p.editing ? (
            p.saved?.type === 'maildir' && <SavedMaildir saved={p.saved} />
          ) : (
            <MaildirOptionsFields
              options={p.replica.options}
              onOptions={(options) => p.onReplica({ ...p.replica, options })}
              // A folder that already holds mail is probably another program's: its settings matter now.
              holdsMail={maildirChecked && p.replica.check !== null && p.replica.check.exists && !p.replica.check.empty}
              problem={optionsProblem}
            />
          )}
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
        <button type="submit" className="primary" disabled={nameProblem !== null || optionsProblem !== null || (p.replica.kind === 'imap' && !imapReady)}>
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

/** An existing Maildir of another program: how it lays out and spells its folders, and the state to take over. */
function MaildirOptionsFields({ options: o, onOptions, holdsMail, problem }: { options: MaildirOptions; onOptions: (o: MaildirOptions) => void; holdsMail: boolean; problem: string | null }) {
  const id = useId();
  const set = (patch: Partial<MaildirOptions>) => onOptions({ ...o, ...patch });
  const changed = o.layout !== 'verbatim' || o.nameEncoding !== 'utf-8' || o.adopt !== 'none';
  return (
    <details className="maildir-options" open={holdsMail || changed || undefined}>
      <summary>A Maildir another program already uses (mbsync, OfflineIMAP, Dovecot…)</summary>
      <p className="hint">Tell Mailferry how that program keeps its folders, so it finds them instead of making new ones.</p>
      <div className="field">
        <label htmlFor={`${id}-layout`}>Folder layout</label>
        <select id={`${id}-layout`} value={o.layout} aria-describedby={`${id}-layout-hint`} onChange={(e) => set({ layout: e.currentTarget.value as MaildirLayoutName })}>
          {(Object.keys(LAYOUT_LABEL) as MaildirLayoutName[]).map((l) => (
            <option key={l} value={l}>
              {LAYOUT_LABEL[l].title}
            </option>
          ))}
        </select>
        <p id={`${id}-layout-hint`} className="hint">
          {LAYOUT_LABEL[o.layout].detail}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-encoding`}>Folder names on disk</label>
        <select id={`${id}-encoding`} value={o.nameEncoding} aria-describedby={`${id}-encoding-hint`} onChange={(e) => set({ nameEncoding: e.currentTarget.value as MaildirNameEncoding })}>
          {(Object.keys(ENCODING_LABEL) as MaildirNameEncoding[]).map((n) => (
            <option key={n} value={n}>
              {ENCODING_LABEL[n].title}
            </option>
          ))}
        </select>
        <p id={`${id}-encoding-hint`} className="hint">
          {ENCODING_LABEL[o.nameEncoding].detail}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-adopt`}>Take over its sync state</label>
        <select
          id={`${id}-adopt`}
          value={o.adopt}
          aria-describedby={`${id}-adopt-hint`}
          onChange={(e) => {
            const adopt = e.currentTarget.value as MaildirOptions['adopt'];
            set({ adopt, statePath: adopt === 'none' ? '' : o.statePath || DEFAULT_STATE_PATH[adopt] });
          }}
        >
          <option value="none">No</option>
          <option value="mbsync">From mbsync</option>
          <option value="offlineimap">From OfflineIMAP</option>
        </select>
        <p id={`${id}-adopt-hint`} className="hint">
          Mailferry reads what the program already synced, so nothing is downloaded again. Stop the other program first.
        </p>
      </div>
      {o.adopt !== 'none' && (
        <div className="field">
          <label htmlFor={`${id}-state`}>{o.adopt === 'mbsync' ? 'mbsync’s state folder (SyncState)' : 'OfflineIMAP’s folder (metadata)'}</label>
          <input id={`${id}-state`} value={o.statePath} onChange={(e) => set({ statePath: e.currentTarget.value })} spellCheck={false} />
        </div>
      )}
      {o.adopt === 'offlineimap' && (
        <div className="field">
          <label htmlFor={`${id}-repository`}>Remote repository name</label>
          <input id={`${id}-repository`} value={o.repository} aria-describedby={`${id}-repository-hint`} onChange={(e) => set({ repository: e.currentTarget.value })} spellCheck={false} />
          <p id={`${id}-repository-hint`} className="hint">
            From your offlineimaprc: the part after “[Repository ”.
          </p>
        </div>
      )}
      {problem && (
        <p className="inline-error" role="alert">
          {problem}
        </p>
      )}
    </details>
  );
}

/** Editing: what was chosen when the account was added (changing it would misread the folders). */
function SavedMaildir({ saved }: { saved: Extract<EndpointView, { type: 'maildir' }> }) {
  return (
    <p className="hint">
      Folder layout: {LAYOUT_LABEL[saved.layout].title}; names on disk: {ENCODING_LABEL[saved.nameEncoding].title.toLowerCase()}
      {saved.importState ? `; sync state taken over from ${saved.importState.from === 'mbsync' ? 'mbsync' : 'OfflineIMAP'} (${saved.importState.path})` : ''}.
    </p>
  );
}
