// Bundles the Node entry points: the CLI (split per command, packages inlined, see
// esbuild-node.mjs) and the engine host that it (`serve`) and the desktop app run.
// `node scripts/build.mjs [--outdir DIR]` (default dist/; tests build into a temporary one).
import { readdir, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { cliBundle, nodeBundle } from './esbuild-node.mjs';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const outdir = values.outdir;

// Chunk names carry content hashes: the last build's chunks would pile up beside the new ones.
const old = await readdir(outdir).catch(() => []);
await Promise.all(old.filter((f) => f.startsWith('cli-chunk-')).map((f) => rm(`${outdir}/${f}`, { force: true })));

await Promise.all([
  build({ ...cliBundle, entryPoints: { cli: 'electron/cli/main.ts' }, outdir, outExtension: { '.js': '.mjs' } }),
  build({ ...nodeBundle, entryPoints: ['electron/engine/host/engine-host.ts'], outfile: `${outdir}/engine-host.mjs` }),
]);
