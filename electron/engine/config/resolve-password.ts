import { spawn, type ChildProcess } from 'node:child_process';
import type { Config, ImapEndpointConfig } from '../../../shared/config.js';
import { ConfigError } from './config-error.js';

export interface ResolvePasswordOptions {
  /** Every passwordEnv name in the config (see passwordEnvNames): a passwordCommand sees none of them. */
  hiddenEnv: readonly string[];
  /** How long a passwordCommand may run; 30 s unless a test needs less. */
  timeoutMs?: number;
}

type PasswordSource = Pick<ImapEndpointConfig, 'password' | 'passwordCommand' | 'passwordEnv'>;

/** The variables that hold passwords, so no passwordCommand (of any account) inherits them. */
export function passwordEnvNames(config: Config): string[] {
  const names = config.accounts
    .flatMap((account) => [account.remote, account.local])
    .flatMap((endpoint) => (endpoint.type === 'imap' && endpoint.passwordEnv ? [endpoint.passwordEnv] : []));
  return [...new Set(names)];
}

/** The endpoint's password from wherever the config says it lives. Errors never contain it. */
export async function resolvePassword(endpoint: PasswordSource, accountName: string, options: ResolvePasswordOptions): Promise<string> {
  if (endpoint.password !== undefined) return endpoint.password;
  if (endpoint.passwordEnv !== undefined) {
    const value = process.env[endpoint.passwordEnv];
    if (!value) {
      const state = value === undefined ? 'not set' : 'empty';
      throw accountError(accountName, `environment variable ${endpoint.passwordEnv} (passwordEnv) is ${state}`);
    }
    return value;
  }
  if (endpoint.passwordCommand !== undefined) {
    return runSecretCommand(endpoint.passwordCommand, accountName, options.hiddenEnv, options.timeoutMs ?? 30_000, 'passwordCommand', 'password');
  }
  throw accountError(accountName, 'no password, passwordCommand or passwordEnv given');
}

function accountError(accountName: string, text: string): ConfigError {
  return new ConfigError([`account "${accountName}": ${text}`]);
}

/**
 * Runs a command that prints a secret (a passwordCommand, an auth.tokenCommand) with /bin/sh:
 * its first output line is the secret. `label` names the field in messages, `what` the secret.
 */
export function runSecretCommand(command: string, accountName: string, hiddenEnv: readonly string[], timeoutMs: number, label: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group on POSIX, so a timeout also ends whatever the shell started.
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(hiddenEnv),
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      killGroup(child);
      reject(accountError(accountName, `${label} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(accountError(accountName, `could not run ${label}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        const password = firstLine(stdout);
        if (password === '') reject(accountError(accountName, `${label} printed no ${what}`));
        else resolve(password);
        return;
      }
      // stderr only: stdout may hold the password even when the command fails.
      const reason = firstNonEmptyLine(stderr).slice(0, 300);
      const how = code === null ? `was killed by signal ${signal}` : `exited with code ${code}`;
      reject(accountError(accountName, `${label} ${how}${reason === '' ? '' : `: ${reason}`}`));
    });
  });
}

/** process.env minus the password variables and the engine's own MAILFERRY_* controls. */
export function childEnv(hiddenEnv: readonly string[]): NodeJS.ProcessEnv {
  // Windows variable names are case-insensitive.
  const fold = process.platform === 'win32' ? (name: string) => name.toUpperCase() : (name: string) => name;
  const hidden = new Set(hiddenEnv.map(fold));
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !hidden.has(fold(name)) && !fold(name).startsWith('MAILFERRY_')),
  );
}

function killGroup(child: ChildProcess): void {
  try {
    if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
}

function lines(chunks: Buffer[]): string[] {
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).map((line) => line.trim());
}

function firstLine(chunks: Buffer[]): string {
  return lines(chunks)[0] ?? '';
}

function firstNonEmptyLine(chunks: Buffer[]): string {
  return lines(chunks).find((line) => line !== '') ?? '';
}
