import { useEffect, useRef, useState } from 'react';
import type { AccountInput, AccountView, AppInfo, ServerFolder, ServerGuess } from '../../../shared/api/app-api.js';
import { errorText, useBridge, useLive, useLoad } from '../api/api-context.js';
import { useNavigate } from '../components/navigation.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { Failed, Loading } from '../components/Status.js';
import { accountNameFor } from '../model/account-name.js';
import { isEmailAddress, loginUser, type Login } from '../model/login.js';
import { chosenByFilter, filterForChoice, withListedFolders } from '../model/folder-choice.js';
import { DEFAULT_MAILDIR_OPTIONS, maildirInput } from '../model/maildir-options.js';
import { draftFromGuess, draftFromView, emptyDraft, endpointInput, sameConnection, type ServerDraft } from '../model/server-draft.js';
import { GUESS_SOURCE } from '../model/wording.js';
import { AccountStep } from './AccountStep.js';
import { FirstSyncStep } from './FirstSyncStep.js';
import { FoldersStep, type FolderChoice } from './FoldersStep.js';
import { ReplicaStep, type Replica } from './ReplicaStep.js';
import { ServerForm } from './ServerForm.js';
import { useConnectionTest } from './use-connection-test.js';

export type WizardMode = { kind: 'add' } | { kind: 'edit'; account: string };

type Step = 'account' | 'server' | 'replica' | 'folders' | 'sync';

const STEP_TITLE: Record<Step, string> = {
  account: 'Your account',
  server: 'Mail server',
  replica: 'Local copy',
  folders: 'Folders',
  sync: 'First sync',
};

/** Adding walks through every step; editing starts at the server and ends by saving. */
export function AccountWizard({ mode }: { mode: WizardMode }) {
  const bridge = useBridge();
  const info = useLoad(() => bridge.request('getAppInfo', {}), 'info');
  const existing = useLoad(
    () => (mode.kind === 'edit' ? bridge.request('getAccount', { account: mode.account }).then((d) => d.account) : Promise.resolve(null)),
    mode.kind === 'edit' ? mode.account : '',
  );
  const title = mode.kind === 'add' ? 'Add an account' : `Edit ${mode.account}`;

  if (existing.status === 'failed') {
    return (
      <section className="screen">
        <ScreenHeader title={title} />
        <Failed title="Could not load this account" message={existing.error} onRetry={existing.reload} />
      </section>
    );
  }
  if (existing.status === 'loading') {
    return (
      <section className="screen">
        <ScreenHeader title={title} />
        <Loading label="Loading the account…" />
      </section>
    );
  }
  return <WizardFlow title={title} original={existing.data} info={info.data} />;
}

function WizardFlow({ title, original, info }: { title: string; original: AccountView | null; info: AppInfo | null }) {
  const bridge = useBridge();
  const navigate = useNavigate();
  const live = useLive();
  const editing = original !== null;
  const steps: Step[] = editing ? ['server', 'replica', 'folders'] : ['account', 'server', 'replica', 'folders', 'sync'];
  const [step, setStep] = useState<Step>(steps[0] ?? 'server');
  const headingRef = useRef<HTMLHeadingElement>(null);

  const [login, setLogin] = useState<Login>({ byUserName: false, email: '', user: '', password: '' });
  const [guesses, setGuesses] = useState<ServerGuess[]>([]);
  const [guessError, setGuessError] = useState<string | null>(null);
  const [guessing, setGuessing] = useState(false);
  const remote = useConnectionTest(original ? draftFromView(original.remote) : emptyDraft(), original ? { account: original.name, side: 'remote' } : undefined);
  const local = useConnectionTest(
    original?.local.type === 'imap' ? draftFromView(original.local) : emptyDraft(),
    original ? { account: original.name, side: 'local' } : undefined,
  );
  const originalRemote = useRef(remote.draft);
  const originalLocal = useRef(local.draft);
  const [name, setName] = useState(original?.name ?? '');
  const [replica, setReplica] = useState<Replica>({
    kind: original?.local.type ?? 'maildir',
    path: original?.local.type === 'maildir' ? original.local.path : '',
    check: null,
    options: DEFAULT_MAILDIR_OPTIONS,
  });
  const [folders, setFolders] = useState<FolderChoice>({
    all: null,
    chosen: new Set(),
    direction: original?.direction ?? 'both',
    propagateDeletes: original?.propagateDeletes ?? true,
  });
  const [listProblem, setListProblem] = useState<string | null>(null);
  // Editing keeps the account's own filter (it may hold patterns) unless the ticks change.
  const listedChoice = useRef<Set<string> | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [created, setCreated] = useState<AccountView | null>(null);

  useEffect(() => headingRef.current?.focus(), [step]);

  const taken = (live.accounts ?? []).map((a) => a.name).filter((n) => n !== original?.name);

  const afterAccount = async (typed: Login) => {
    setLogin(typed);
    setGuessing(true);
    setGuessError(null);
    let found: ServerGuess[] = [];
    // The address only serves to look up the server; without one there is nothing to guess from.
    if (isEmailAddress(typed.email)) {
      try {
        found = await bridge.request('guessServer', { email: typed.email });
      } catch (err) {
        setGuessError(errorText(err));
      }
    }
    setGuessing(false);
    setGuesses(found);
    const first = found[0];
    const user = loginUser(typed, first?.user);
    remote.setDraft(first ? { ...draftFromGuess(first, typed.password), user } : emptyDraft(user, typed.password));
    const base = typed.email !== '' ? typed.email : typed.user;
    if (!name) setName(accountNameFor(base, taken));
    if (!replica.path) setReplica((r) => ({ ...r, path: `~/Mail/${accountNameFor(base, taken)}` }));
    setStep('server');
  };

  // Editing without touching a server's settings needs no new test.
  const unchanged = (draft: ServerDraft, saved: ServerDraft) => editing && sameConnection(draft, saved) && draft.password === '';
  const serverReady = remote.passed || unchanged(remote.draft, originalRemote.current);

  const [listingFolders, setListingFolders] = useState(false);
  const toFolders = async () => {
    setStep('folders');
    if (editing && original) {
      // A connection test of this edit listed the server's folders already: use them at once.
      const tested = [...(remote.folders ?? []), ...(replica.kind === 'imap' ? (local.folders ?? []) : [])];
      if (tested.length > 0) {
        const next = withListedFolders(folders, tested, original.folders);
        listedChoice.current ??= new Set(next.chosen);
        setFolders((f) => ({ ...f, ...withListedFolders(f, tested, original.folders) }));
      }
      setListingFolders(true);
      setListProblem(null);
      try {
        // Both sides, with the stored passwords: adds what only the local side holds.
        const listed: ServerFolder[] = await bridge.request('listServerFolders', { account: original.name });
        const names = listed.map((f) => f.folder);
        if (listedChoice.current === null) listedChoice.current = chosenByFilter(names, original.folders);
        else for (const n of chosenByFilter(names, original.folders)) listedChoice.current.add(n);
        setFolders((f) => ({ ...f, ...withListedFolders(f, names, original.folders) }));
      } catch (err) {
        // With the test's list the step has what it needs (the stored password may be the old one).
        if (tested.length === 0) setListProblem(`The folders could not be listed (${errorText(err)}); the current selection is kept.`);
      } finally {
        setListingFolders(false);
      }
      return;
    }
    const all = [...new Set([...(remote.folders ?? []), ...(replica.kind === 'imap' ? (local.folders ?? []) : [])])];
    setFolders((f) => (f.all === null ? { ...f, all, chosen: chosenByFilter(all, { include: ['*'], exclude: [] }) } : f));
  };

  const accountInput = (): AccountInput => ({
    name,
    remote: endpointInput(remote.draft),
    // Editing leaves the Maildir's layout and adopted state as they were saved.
    local: replica.kind === 'maildir' ? (editing ? { type: 'maildir', path: replica.path.trim() } : maildirInput(replica.path, replica.options)) : endpointInput(local.draft),
    direction: folders.direction,
    propagateDeletes: folders.propagateDeletes,
    folders: original && (folders.all === null || sameSet(folders.chosen, listedChoice.current)) ? original.folders : filterForChoice(folders.all ?? [], folders.chosen),
  });

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    try {
      if (original) {
        const updated = await bridge.request('updateAccount', { name: original.name, account: accountInput() });
        navigate({ screen: 'account', account: updated.name });
        return;
      }
      // The host starts the first pass of an account it adds.
      setCreated(await bridge.request('addAccount', { account: accountInput() }));
      setStep('sync');
    } catch (err) {
      setSaveError(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const index = steps.indexOf(step);
  const back = () => {
    const previous = steps[index - 1];
    if (previous) setStep(previous);
    else if (original) navigate({ screen: 'account', account: original.name });
  };

  return (
    <section className="screen wizard">
      <ScreenHeader
        title={title}
        back={
          step !== 'sync' && (
            <button type="button" className="back" onClick={() => navigate(original ? { screen: 'account', account: original.name } : { screen: 'accounts' })}>
              ← Cancel
            </button>
          )
        }
      />
      <ol className="steps" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} className={i < index ? 'step-done' : undefined}>
            <span className="step-number" aria-hidden="true">
              {i + 1}
            </span>
            {STEP_TITLE[s]}
          </li>
        ))}
      </ol>
      <h2 ref={headingRef} tabIndex={-1} className="step-title">
        {STEP_TITLE[step]}
      </h2>

      {step === 'account' && <AccountStep initial={login} busy={guessing} onNext={(l) => void afterAccount(l)} />}

      {step === 'server' && (
        <form
          className="step-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (serverReady) setStep('replica');
          }}
        >
          {!editing && (
            <GuessNote guesses={guesses} error={guessError} noAddress={!isEmailAddress(login.email)} onPick={(g) => remote.setDraft({ ...draftFromGuess(g, login.password), user: loginUser(login, g.user) })} />
          )}
          <ServerForm legend="Mail server" draft={remote.draft} onChange={remote.setDraft} passwordKept={editing} test={remote.test} onTest={remote.run} />
          <div className="actions step-actions">
            {(!editing || index > 0) && (
              <button type="button" className="secondary" onClick={back}>
                Back
              </button>
            )}
            <button type="submit" className="primary" disabled={!serverReady}>
              Next
            </button>
          </div>
          {!serverReady && <p className="hint">Test the connection to go on.</p>}
        </form>
      )}

      {step === 'replica' && (
        <ReplicaStep
          name={name}
          onName={setName}
          taken={taken}
          replica={replica}
          onReplica={setReplica}
          local={local}
          localUnchanged={original?.local.type === 'imap' && unchanged(local.draft, originalLocal.current)}
          editing={editing}
          canPickDirectory={info?.canPickDirectory ?? false}
          saved={original?.local}
          onBack={back}
          onNext={() => void toFolders()}
        />
      )}

      {step === 'folders' && (
        <FoldersStep
          choice={folders}
          onChoice={setFolders}
          listProblem={listProblem}
          listing={listingFolders}
          submitLabel={editing ? 'Save changes' : 'Start syncing'}
          busy={saving}
          error={saveError}
          onBack={back}
          onSubmit={() => void save()}
        />
      )}

      {step === 'sync' && created && <FirstSyncStep created={created} />}
    </section>
  );
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string> | null): boolean {
  return b !== null && a.size === b.size && [...a].every((x) => b.has(x));
}

function GuessNote({ guesses, error, noAddress, onPick }: { guesses: ServerGuess[]; error: string | null; noAddress: boolean; onPick: (g: ServerGuess) => void }) {
  const [first, ...others] = guesses;
  return (
    <div className="guess-note">
      {first ? (
        <p className="hint">{GUESS_SOURCE[first.source]}.</p>
      ) : noAddress ? (
        <p className="hint">Enter your server’s settings below; your provider’s or administrator’s instructions list them.</p>
      ) : (
        <p className="hint">Mailferry could not find the settings{error ? ` (${error})` : ''}. Enter them below; your provider’s help pages list them.</p>
      )}
      {others.length > 0 && (
        <p className="hint">
          Other possibilities:{' '}
          {others.map((g) => (
            <button key={`${g.host}:${g.port}`} type="button" className="link-button" onClick={() => onPick(g)}>
              {g.host}:{g.port}
            </button>
          ))}
        </p>
      )}
    </div>
  );
}
