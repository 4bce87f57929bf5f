// esbuild options shared by every Node bundle we ship or run (CLI, engine host, benchmark).
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

export const nodeBundle = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { MAILFERRY_VERSION: JSON.stringify(version) },
};

/**
 * The CLI starts on every `mailferry sync`, so its start-up is part of every run's cost: its
 * packages are bundled in (resolving hundreds of CommonJS files costs more than the sync
 * itself when nothing changed), as one CommonJS script that dist/cli.mjs runs from V8's code
 * cache (electron/cli/code-cache-loader.ts).
 */
export const cliBundle = {
  ...nodeBundle,
  packages: undefined,
  format: 'cjs',
  // Less source to read and hash at every start; names stay (stack traces, error names).
  minifyWhitespace: true,
  minifySyntax: true,
  define: { ...nodeBundle.define, 'import.meta.url': 'mailferryBundleUrl' },
  banner: { js: 'var mailferryBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
};
