import type { ImapAttribute, ImapFlow } from 'imapflow';

interface ExecResponse {
  next(): void;
  /** The tagged completion (its response code, e.g. APPENDUID, is in attributes[0].section). */
  response: { attributes?: ImapAttribute[] };
}
/** Handlers for untagged replies of one command, by reply name (e.g. LIST, STATUS). */
export type UntaggedHandlers = Record<string, (reply: { attributes?: ImapAttribute[] }) => Promise<void>>;
interface CommandQueue {
  exec(command: string, attributes: ImapAttribute[], options?: { untagged?: UntaggedHandlers }): Promise<ExecResponse>;
}

/**
 * Sends one command through imapflow's queue and rejects on NO/BAD. imapflow's own helpers for
 * STORE and EXPUNGE return false instead of failing, and messageDelete() falls back to a plain
 * EXPUNGE without UIDPLUS; exec() (internal, hence the pinned imapflow version) does neither.
 * Only safe with auto-IDLE disabled, since exec() does not break an IDLE first.
 */
export async function runCommand(client: ImapFlow, command: string, attributes: ImapAttribute[], untagged?: UntaggedHandlers): Promise<ImapAttribute[]> {
  const queue = client as unknown as Partial<CommandQueue>;
  if (typeof queue.exec !== 'function') throw new Error('this imapflow version has no exec(); see raw-command.ts');
  const response = await queue.exec.call(client, command, attributes, untagged ? { untagged } : undefined);
  response.next();
  return response.response.attributes ?? [];
}

export const sequence = (set: string): ImapAttribute => ({ type: 'SEQUENCE', value: set });
export const atom = (value: string): ImapAttribute => ({ type: 'ATOM', value });
