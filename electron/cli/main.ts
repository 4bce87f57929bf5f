import { ConfigError } from '../engine/config/config-error.js';
import { loadConfig } from '../engine/config/load-config.js';
import { redactSecrets } from '../engine/secrets.js';
import { parseCli, USAGE, UsageError } from './args.js';
import { runStatus } from './run-status.js';
import { runSync } from './run-sync.js';
import { runWatch } from './run-watch.js';
import { runServe } from './serve/run-serve.js';

declare const MAILFERRY_VERSION: string;

async function main(argv: string[]): Promise<number> {
  const cmd = parseCli(argv);
  switch (cmd.command) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version':
      process.stdout.write(`mailferry ${MAILFERRY_VERSION}\n`);
      return 0;
    case 'status': {
      const { config, warnings } = await loadConfig(cmd.config);
      for (const w of warnings) process.stderr.write(`mailferry: warning: ${w}\n`);
      return runStatus(config, cmd.accounts, cmd.json);
    }
    case 'sync': {
      const { config, warnings } = await loadConfig(cmd.config);
      for (const w of warnings) process.stderr.write(`mailferry: warning: ${w}\n`);
      return runSync(config, cmd);
    }
    case 'serve':
      return runServe(cmd, MAILFERRY_VERSION);
    case 'watch': {
      const { config, warnings } = await loadConfig(cmd.config);
      for (const w of warnings) process.stderr.write(`mailferry: warning: ${w}\n`);
      return runWatch(config, cmd);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`mailferry: ${err.message}\nRun "mailferry --help" for usage.\n`);
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
