// `npm run screens`: runs the desktop app's end-to-end story (test/e2e/desktop-app.test.ts),
// which saves every screen to test-results/screens/, and, only when the whole story passed,
// copies them to docs/screens/ for the README. `npm test` never writes docs/screens/.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const shots = join(root, 'test-results', 'screens');
const docs = join(root, 'docs', 'screens');

await rm(shots, { recursive: true, force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', 'test/e2e/desktop-app.test.ts'], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write('screens: the end-to-end story failed; docs/screens/ left as it was\n');
  process.exit(run.status ?? 1);
}
const names = (await readdir(shots)).filter((n) => n.endsWith('.png')).sort();
await mkdir(docs, { recursive: true });
for (const name of names) await copyFile(join(shots, name), join(docs, name));
const stale = (await readdir(docs)).filter((n) => n.endsWith('.png') && !names.includes(n));
process.stdout.write(`screens: ${names.length} screens copied to docs/screens/${stale.length ? `; not made by the story any more: ${stale.join(', ')}` : ''}\n`);
