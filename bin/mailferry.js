#!/usr/bin/env -S node --max-semi-space-size=4
// A young generation of 4 MB: a first sync streams hundreds of MB through short-lived
// buffers, and the default 16 MB lets the heap hold ~15 MB more for no gain in speed.

// The oldest Node.js Mailferry runs on, as package.json "engines" says (a test keeps them
// equal). Checked here, in syntax any Node.js parses, before the bundle can fail obscurely.
const MINIMUM_NODE = '20.19.0';

const older = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
};
if (older(process.versions.node, MINIMUM_NODE)) {
  process.stderr.write(
    `mailferry: needs Node.js ${MINIMUM_NODE} or newer (an LTS line, 22 or 24, is best); this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      'Install a newer one from https://nodejs.org/ or your package manager, then run mailferry with it.\n',
  );
  process.exit(2);
}
await import('../dist/cli.mjs');
