// Builds everything the desktop app runs: the engine host and CLI (build.mjs), the renderer
// (vite, renderer/vite.config.ts), and Electron's main (ESM) and preload (CommonJS: sandboxed
// preloads cannot be ES modules). `node scripts/build-app.mjs [--outdir DIR]` (default dist/).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const out = resolve(values.outdir);

execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', out], { stdio: 'inherit' });
await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn', build: { outDir: `${out}/renderer`, emptyOutDir: true } });

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', define: { MAILFERRY_VERSION: JSON.stringify(version) } };
await Promise.all([
  build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: `${out}/app/main.mjs`, format: 'esm', packages: 'external' }),
  // Everything but electron inlined: a sandboxed preload can require nothing else.
  build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: `${out}/app/preload.cjs`, format: 'cjs', external: ['electron'] }),
]);
