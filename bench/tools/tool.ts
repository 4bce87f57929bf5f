import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MaildirLayout } from '../verify.js';

const run = promisify(execFile);

export type Mode = 'maildir' | 'imap';

export interface Endpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** One tool's replica for one workload series: the remote account and its own local side. */
export type Replica = {
  /** Holds the tool's config and state; empty before a first sync. */
  dir: string;
  remote: Endpoint;
} & ({ mode: 'maildir'; maildir: string } | { mode: 'imap'; local: Endpoint });

export interface Tool {
  readonly name: string;
  readonly modes: readonly Mode[];
  /** The Debian package and binary it comes in (null: part of this repo). */
  readonly apt: { pkg: string; binary: string } | null;
  /** How its local Maildir names and places folders. */
  readonly maildirLayout: MaildirLayout;
  /** Its version, or null when it is not installed. */
  version(): Promise<string | null>;
  /** Writes its config into replica.dir (passwords stay in that 0600 file) and returns the argv of one sync. */
  prepare(replica: Replica): Promise<string[]>;
  /**
   * The argv of a long-running engine on a replica `prepare` set up, which prints "pass done
   * in N ms" per pass and makes a pass on SIGUSR1 (W7); absent for tools without one.
   */
  watch?(replica: Replica): string[];
  /** The settings chosen for equivalent semantics, for the report. */
  describe(mode: Mode): string;
}

/** First line a command prints for its version, or null when it cannot run. */
export async function versionOf(cmd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 20_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}
