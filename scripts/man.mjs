// `npm run man`: writes docs/mailferry.1 from the CLI's command table (electron/cli/man-page.ts).
// test/unit/cli/help.test.ts fails while the committed page differs from what this writes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const dir = await mkdtemp(join(tmpdir(), 'mailferry-man-'));
try {
  const outfile = join(dir, 'man-page.mjs');
  await build({ entryPoints: [join(root, 'electron/cli/man-page.ts')], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
  const { manPage } = await import(pathToFileURL(outfile).href);
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  await writeFile(join(root, 'docs', 'mailferry.1'), manPage(version));
  process.stdout.write('man: docs/mailferry.1 written\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
