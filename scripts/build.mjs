// Bundles the Node entry points into single ESM files, so they start without resolving hundreds
// of modules: the CLI (with `serve`) and the engine host it and the desktop app run.
// `node scripts/build.mjs [--outdir DIR]` (default dist/; tests build into a temporary one).
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { nodeBundle as common } from './esbuild-node.mjs';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });

await Promise.all([
  build({ ...common, entryPoints: ['electron/cli/main.ts'], outfile: `${values.outdir}/cli.mjs` }),
  build({ ...common, entryPoints: ['electron/engine/host/engine-host.ts'], outfile: `${values.outdir}/engine-host.mjs` }),
]);
