import { useId } from 'react';
import type { AccountInput } from '../../../shared/api/app-api.js';
import { folderTree } from '../model/folder-tree.js';
import { DIRECTION_LABEL } from '../model/wording.js';

type Direction = AccountInput['direction'];

export interface FolderChoice {
  /** null while the folder list is unknown (editing, servers not reachable): the filter stays as it was. */
  all: string[] | null;
  chosen: Set<string>;
  direction: Direction;
  propagateDeletes: boolean;
}

interface FoldersStepProps {
  choice: FolderChoice;
  onChoice: (choice: FolderChoice) => void;
  /** Shown instead of the list when the folders could not be listed. */
  listProblem: string | null;
  /** The servers are being asked for their folders. */
  listing?: boolean;
  submitLabel: string;
  busy: boolean;
  error: string | null;
  onBack: () => void;
  onSubmit: () => void;
}

/** Step 4: which folders, which way, and whether deletions travel. */
export function FoldersStep({ choice, onChoice, listProblem, listing = false, submitLabel, busy, error, onBack, onSubmit }: FoldersStepProps) {
  const id = useId();
  const set = (patch: Partial<FolderChoice>) => onChoice({ ...choice, ...patch });
  const toggle = (folder: string, on: boolean) => {
    const chosen = new Set(choice.chosen);
    if (on) chosen.add(folder);
    else chosen.delete(folder);
    set({ chosen });
  };
  const rows = choice.all ? folderTree(choice.all, (f) => f) : [];

  return (
    <form
      className="step-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <fieldset>
        <legend>Folders to sync</legend>
        {choice.all === null ? (
          listing ? (
            <p className="hint" role="status">
              <span className="spinner" aria-hidden="true" /> Asking the servers for their folders…
            </p>
          ) : (
            <p className="hint">{listProblem ?? 'The folder list is not available; the current selection is kept.'}</p>
          )
        ) : (
          <>
            <div className="actions">
              <button type="button" className="link-button" onClick={() => set({ chosen: new Set(choice.all) })}>
                Select all
              </button>
              <button type="button" className="link-button" onClick={() => set({ chosen: new Set() })}>
                Select none
              </button>
            </div>
            <ul className="folder-choices">
              {rows.map((row) => (
                <li key={row.path} className={`depth-${Math.min(row.depth, 8)}`}>
                  {row.item === null ? (
                    <span className="muted">{row.label}</span>
                  ) : (
                    <label className="choice">
                      <input type="checkbox" checked={choice.chosen.has(row.path)} onChange={(e) => toggle(row.path, e.currentTarget.checked)} />
                      <span>{row.label}</span>
                    </label>
                  )}
                </li>
              ))}
            </ul>
            <p className="hint">Folders created later are synced too, unless you untick them in the account’s folder list.</p>
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>Direction</legend>
        {(Object.keys(DIRECTION_LABEL) as Direction[]).map((d) => (
          <label key={d} className="choice">
            <input type="radio" name={`${id}-direction`} checked={choice.direction === d} onChange={() => set({ direction: d })} />
            <span>
              {DIRECTION_LABEL[d].title} <span className="hint">{DIRECTION_LABEL[d].detail}</span>
            </span>
          </label>
        ))}
      </fieldset>

      <label className="choice">
        <input type="checkbox" checked={choice.propagateDeletes} onChange={(e) => set({ propagateDeletes: e.currentTarget.checked })} />
        <span>
          Deleting a message on one side deletes it on the other{' '}
          <span className="hint">Off: a message deleted on one side stays on the other.</span>
        </span>
      </label>

      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions step-actions">
        <button type="button" className="secondary" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button type="submit" className="primary" disabled={busy || (choice.all !== null && choice.chosen.size === 0)}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
