/**
 * Test-only crash injection. With MAILFERRY_FAULT_AFTER_STEPS=N the process exits right after
 * its N-th durable step (a journal fsync, a file made durable, a server side effect that
 * completed), as if killed there. Crash-safety tests run a scenario for every N and require
 * the resumed run to end in the same state as an uninterrupted one.
 */
export const FAULT_EXIT_CODE = 86;

const limit = parseLimit(process.env.MAILFERRY_FAULT_AFTER_STEPS);
let steps = 0;

function parseLimit(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** Marks one durable step as done; exits the process when the fault hook says so. */
export function durableStep(label: string): void {
  steps++;
  if (limit !== null && steps === limit) {
    process.stderr.write(`mailferry: fault injected after durable step ${steps} (${label})\n`);
    process.exit(FAULT_EXIT_CODE);
  }
}

export function durableStepsSoFar(): number {
  return steps;
}
