import type { LoadedConfig } from '../engine/config/load-config.js';
import { ConfigError } from '../engine/config/config-error.js';
import { redactSecrets } from '../engine/secrets.js';
import { helpText, parseCli, UsageError } from './args.js';

declare const MAILFERRY_VERSION: string;

// Each command is imported when it runs (a chunk of its own in the bundle): `sync` never pays
// for the web server, `--version` for nothing at all.

async function readConfig(path: string | undefined): Promise<LoadedConfig['config']> {
  const { loadConfig } = await import('../engine/config/load-config.js');
  const { config, warnings } = await loadConfig(path);
  for (const w of warnings) process.stderr.write(`mailferry: warning: ${w}\n`);
  return config;
}

async function main(argv: string[]): Promise<number> {
  const cmd = parseCli(argv);
  switch (cmd.command) {
    case 'help':
      process.stdout.write(`${helpText(cmd.topic)}\n`);
      return 0;
    case 'version':
      process.stdout.write(`mailferry ${MAILFERRY_VERSION}\n`);
      return 0;
    case 'status': {
      const { runStatus } = await import('./run-status.js');
      return runStatus(await readConfig(cmd.config), cmd.accounts, cmd.json);
    }
    case 'sync': {
      const { runSync } = await import('./run-sync.js');
      return runSync(await readConfig(cmd.config), cmd);
    }
    case 'serve': {
      const { runServe } = await import('./serve/run-serve.js');
      return runServe(cmd, MAILFERRY_VERSION);
    }
    case 'conflicts': {
      const { runConflicts, runSettle } = await import('./run-conflicts.js');
      const config = await readConfig(cmd.config);
      return cmd.settle ? runSettle(config, cmd.accounts, cmd.settle.ref, cmd.settle.choice) : runConflicts(config, cmd.accounts, cmd.json);
    }
    case 'watch': {
      const { runWatch } = await import('./run-watch.js');
      return runWatch(await readConfig(cmd.config), cmd);
    }
    case 'login': {
      const { runLogin } = await import('./run-login.js');
      return runLogin(await readConfig(cmd.config), cmd);
    }
    case 'logout': {
      const { runLogout } = await import('./run-login.js');
      return runLogout(await readConfig(cmd.config), cmd);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`mailferry: ${err.message}\nRun "mailferry help${err.command ? ` ${err.command}` : ''}" for usage.\n`);
    } else if (err instanceof ConfigError) {
      process.stderr.write(`mailferry: config error:\n${err.lines.map((l) => `  ${redactSecrets(l)}`).join('\n')}\n`);
    } else {
      process.stderr.write(`mailferry: ${redactSecrets(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = 2;
  },
);
