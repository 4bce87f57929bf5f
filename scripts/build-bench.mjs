// Bundles the benchmark harness (bench/ plus the Dovecot test support it reuses) into one file.
import { build } from 'esbuild';

import { nodeBundle } from './esbuild-node.mjs';

await build({ ...nodeBundle, entryPoints: ['bench/main.ts'], outfile: 'dist/bench.mjs' });
