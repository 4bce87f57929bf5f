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
