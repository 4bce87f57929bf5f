import type { Side } from '../state/folder-state.js';
import type { FolderPlan } from './folder-plan.js';

/** Deleting more than this many messages from one side in one run needs the ratio check below. */
export const MASS_DELETE_MIN = 10;
export const MASS_DELETE_RATIO = 0.5;

export interface MassDeleteVerdict {
  side: Side;
  deletes: number;
  messages: number;
}

/**
 * The circuit breaker against "an emptied or unmounted Maildir wipes the server": a plan that
 * would delete more than half of a side's messages (and more than ten) is not carried out.
 * Returns the offending side, or null when the plan is safe.
 */
export function massDeleteCheck(plan: FolderPlan, counts: Record<Side, number>): MassDeleteVerdict | null {
  for (const side of ['remote', 'local'] as const) {
    const deletes = plan.deletes.filter((d) => d.side === side).length;
    if (deletes > MASS_DELETE_MIN && deletes > counts[side] * MASS_DELETE_RATIO) {
      return { side, deletes, messages: counts[side] };
    }
  }
  return null;
}
