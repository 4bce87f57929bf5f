// Bundles the Node entry points: the CLI (one CommonJS script with its packages inlined, and
// the loader that runs it from V8's code cache, see esbuild-node.mjs) and the engine host that
// it (`serve`) and the desktop app run.
// `node scripts/build.mjs [--outdir DIR]` (default dist/; tests build into a temporary one).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { cliBundle, nodeBundle } from './esbuild-node.mjs';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const outdir = values.outdir;

const cli = async () => {
  await build({ ...cliBundle, entryPoints: ['electron/cli/main.ts'], outfile: `${outdir}/cli.cjs` });
  // The loader names its cache by the bundle's content: V8 would take another build's code.
  const sha256 = createHash('sha256').update(await readFile(`${outdir}/cli.cjs`)).digest('hex');
  await build({
    ...nodeBundle,
    sourcemap: false,
    entryPoints: ['electron/cli/code-cache-loader.ts'],
    outfile: `${outdir}/cli.mjs`,
    define: { MAILFERRY_BUNDLE_SHA256: JSON.stringify(sha256) },
  });
};
await Promise.all([cli(), build({ ...nodeBundle, entryPoints: ['electron/engine/host/engine-host.ts'], outfile: `${outdir}/engine-host.mjs` })]);
