import type { AccountState } from '../../../shared/api/app-api.js';
import { STATE_LABEL } from '../model/wording.js';

/** Colour is never the only signal: every state has its word and its own symbol. */
const SYMBOL: Record<AccountState, string> = {
  'never-synced': '○',
  'up-to-date': '✓',
  syncing: '↻',
  paused: '❚❚',
  error: '!',
  'needs-attention': '?',
};

export function StateBadge({ state }: { state: AccountState }) {
  return (
    <span className={`badge badge-${state}`}>
      <span className="badge-symbol" aria-hidden="true">
        {SYMBOL[state]}
      </span>
      {STATE_LABEL[state]}
    </span>
  );
}
