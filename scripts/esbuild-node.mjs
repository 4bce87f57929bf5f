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
 * itself when nothing changed), and each command is a chunk of its own, loaded on demand.
 */
export const cliBundle = {
  ...nodeBundle,
  packages: undefined,
  splitting: true,
  chunkNames: 'cli-chunk-[hash]',
  // The bundled CommonJS packages require Node's built-ins.
  banner: { js: "import { createRequire as mailferryRequire } from 'node:module'; const require = mailferryRequire(import.meta.url);" },
};
