import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { builtBundles } from '../support/built-bundles.js';

const ROOT = resolve(import.meta.dirname, '../..');

let built: Promise<string> | null = null;

/**
 * The CLI, engine host and renderer built fresh from the sources into one directory, laid out
 * as in dist/ (cli.mjs, engine-host.mjs, renderer/), so `serve` finds its screens beside it.
 */
export function builtApp(): Promise<string> {
  built ??= (async () => {
    const { dir, cli } = await builtBundles();
    const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    await promisify(execFile)(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts', '--outDir', join(dir, 'renderer'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT });
    return cli;
  })();
  return built;
}

export interface ServeProcess {
  /** The address serve printed, token included. */
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** Runs `mailferry serve` on a free loopback port, as a user would start it. */
export async function startServe(cli: string, configPath: string, home: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--config', configPath, '--port', '0'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve printed no address within 20 s:\n${stderr}`)), 20_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = /^(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)$/m.exec(stdout);
      if (line?.[1]) {
        clearTimeout(timer);
        done(line[1]);
      }
    });
    void exited.then((code) => fail(new Error(`serve exited with ${code}:\n${stderr}`)));
  });
  return {
    url,
    output: () => `${stdout}${stderr}`,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Console errors and warnings, uncaught exceptions and CSP violations seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile and nothing that phones home. */
export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'mailferry-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 820 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return {
    page,
    context,
    problems,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
