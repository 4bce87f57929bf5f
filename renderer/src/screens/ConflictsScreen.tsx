import { useState } from 'react';
import type { ConflictView } from '../../../shared/api/app-api.js';
import type { ConflictChoice } from '../../../shared/conflicts.js';
import { errorText, useBridge, useEvent, useLive, useLoad, usePassFinished } from '../api/api-context.js';
import { useNavigate } from '../components/navigation.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { Empty, Failed, Loading } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { ConflictSidesTable } from '../components/ConflictSidesTable.js';
import { sideNames } from '../model/conflict-sides.js';
import { CONFLICT_TITLE, choiceText } from '../model/wording.js';

export function ConflictsScreen({ account }: { account: string | null }) {
  const bridge = useBridge();
  const navigate = useNavigate();
  const conflicts = useLoad(() => bridge.request('listConflicts', account ? { account } : {}), account ?? '');
  useEvent('conflictsChanged', (c) => {
    if (account === null || c.account === account) conflicts.reload();
  });
  // A settled conflict leaves once the pass that carries it out is done; a pass may add new ones.
  usePassFinished(account, conflicts.reload);

  return (
    <section className="screen">
      <ScreenHeader title="Conflicts" />
      <p className="lead">
        Mailferry settles almost everything by itself. When both sides did things that cannot both be right, it keeps your
        mail and asks here. Your choice is carried out at the account’s next sync.
      </p>
      {account && (
        <p>
          Showing conflicts of <strong>{account}</strong>.{' '}
          <button type="button" className="link-button" onClick={() => navigate({ screen: 'conflicts', account: null })}>
            Show all accounts
          </button>
        </p>
      )}
      {conflicts.data === null ? (
        conflicts.status === 'failed' ? (
          <Failed title="Could not load the conflicts" message={conflicts.error} onRetry={conflicts.reload} />
        ) : (
          <Loading label="Loading conflicts…" />
        )
      ) : conflicts.data.length === 0 ? (
        <Empty title="No conflicts">
          <p>Nothing waits for you: every change on either side could be carried over.</p>
        </Empty>
      ) : (
        <ConflictList conflicts={conflicts.data} onSettled={conflicts.reload} />
      )}
    </section>
  );
}

function ConflictList({ conflicts, onSettled }: { conflicts: ConflictView[]; onSettled: () => void }) {
  const accounts = [...new Set(conflicts.map((c) => c.account))];
  return (
    <>
      {accounts.map((account) => (
        <section key={account} aria-label={`Conflicts of ${account}`}>
          <h2>{account}</h2>
          <ul className="cards">
            {conflicts
              .filter((c) => c.account === account)
              .map((c) => (
                <li key={c.id}>
                  <ConflictCard conflict={c} onSettled={onSettled} />
                </li>
              ))}
          </ul>
        </section>
      ))}
    </>
  );
}

function ConflictCard({ conflict: c, onSettled }: { conflict: ConflictView; onSettled: () => void }) {
  const bridge = useBridge();
  const live = useLive();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const account = live.accounts?.find((a) => a.name === c.account);
  const syncing = account?.state === 'syncing';
  const titleId = `conflict-${c.id}`;

  const choose = (choice: ConflictChoice) => {
    setBusy(true);
    setError(null);
    bridge
      .request('settleConflict', { account: c.account, folder: c.folder, conflictId: c.id, choice })
      .then(onSettled, (err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };
  const syncNow = () => {
    setError(null);
    bridge.request('syncNow', { account: c.account }).catch((err: unknown) => setError(errorText(err)));
  };

  return (
    <article className="card conflict" aria-labelledby={titleId}>
      <h3 id={titleId}>{CONFLICT_TITLE[c.kind]}</h3>
      <p className="conflict-where">
        In <strong>{c.folder}</strong> · found <Time iso={c.at} tense="past" />
      </p>
      {c.sides && <ConflictSidesTable sides={c.sides} names={sideNames(account)} />}
      <p className="conflict-detail">{c.detail}</p>
      {c.kind === 'moved-to-different-folders' && (
        <p className="hint">To have it in the other folder after all, move it there in your mail program: Mailferry carries the move over to the other side.</p>
      )}
      {c.settled ? (
        <div className="settled" role="status">
          <p>
            You chose “{choiceText(c.kind, c.settled).label}”. It is carried out at the next sync of {c.account}
            {syncing ? ', which is running now.' : '.'}
          </p>
          {!syncing && (
            <button type="button" onClick={syncNow}>
              Sync now
            </button>
          )}
        </div>
      ) : (
        <div className="choices" role="group" aria-label="Choose how to settle this">
          {c.choices.map((choice) => {
            const text = choiceText(c.kind, choice);
            const descId = `${c.id}-${choice}`;
            return (
              <div key={choice} className="choice-button">
                <button type="button" disabled={busy} aria-describedby={descId} onClick={() => choose(choice)}>
                  {text.label}
                </button>
                <span id={descId} className="hint">
                  {text.detail}
                </span>
              </div>
            );
          })}
        </div>
      )}
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
