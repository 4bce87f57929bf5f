// Static Electron security scan (Electronegativity) of the app's Electron code: main, preload,
// the renderer and its page, package.json. Every finding must be explained in the reviewed
// allowlist electron/security-scan-accepted.json; anything else fails the scan (exit 1).
// `node scripts/scan-electron.mjs [--root DIR] [--json]`; --root scans another tree (tests).
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..');
const ACCEPTED_FILE = join(REPO, 'electron/security-scan-accepted.json');
/** What the scan reads, relative to the root; each must exist, so a move cannot empty the scan. */
const SCANNED = ['electron/main', 'electron/preload', 'renderer/index.html', 'renderer/src', 'package.json'];

const { values } = parseArgs({ options: { root: { type: 'string', default: REPO }, json: { type: 'boolean', default: false } } });
const root = resolve(values.root);
const accepted = JSON.parse(await readFile(ACCEPTED_FILE, 'utf8'));

const stage = await mkdtemp(join(tmpdir(), 'mailferry-scan-'));
let result;
try {
  for (const path of SCANNED) await cp(join(root, path), join(stage, path), { recursive: true });
  result = judge(await electronegativity(stage), await inlineDisables(stage));
} finally {
  await rm(stage, { recursive: true, force: true });
}

if (values.json) console.log(JSON.stringify(result, null, 2));
else report(result);
process.exit(result.unexplained.length + result.stale.length + result.errors.length === 0 ? 0 : 1);

async function electronegativity(dir) {
  const require = createRequire(import.meta.url);
  const runnerPath = require.resolve('@doyensec/electronegativity');
  // It fetches translations over the network at start; the scan stays offline and repeatable:
  // every fetch answers 404, so it keeps its bundled English texts.
  const gotPath = createRequire(runnerPath).resolve('got');
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: async () => ({ statusCode: 404, body: '' }) };
  const run = require(runnerPath);
  const { devDependencies } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  // Checks are excluded by class name: AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK -> availablesecurityfixesglobalcheck.
  const skipped = accepted.skippedChecks.map((s) => s.check.replaceAll('_', '').toLowerCase());
  const out = await (run.default ?? run)(
    { input: dir, isRelative: true, customScan: [], excludeFromScan: skipped, electronVersionOverride: devDependencies.electron.replace(/^[^\d]*/, ''), parserPlugins: [] },
    false,
  );
  return {
    checks: out.globalChecks + out.atomicChecks,
    errors: out.errors.filter((e) => !e.tolerable).map((e) => ({ file: relative(dir, e.file), message: e.message })),
    findings: out.issues.map((i) => ({
      check: i.id,
      file: i.file,
      line: i.location.line,
      code: i.sample ?? '',
      severity: i.severity.name,
      confidence: i.confidence.name,
      description: i.description,
      url: i.shortenedURL,
    })),
  };
}

/** `eng-disable` comments make Electronegativity drop findings unseen; the allowlist is the only way. */
async function inlineDisables(dir) {
  const found = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    (await readFile(file, 'utf8')).split('\n').forEach((text, i) => {
      if (/eng-disable/i.test(text)) {
        found.push({ check: 'INLINE_DISABLE', file: relative(dir, file), line: i + 1, code: text.trim(), severity: 'HIGH', confidence: 'CERTAIN', description: 'an eng-disable comment hides findings from review; explain the finding in electron/security-scan-accepted.json instead', url: '' });
      }
    });
  }
  return found;
}

/** A finding is explained by an entry with the same check, file and source line (a changed line needs a new review). */
function judge(scan, disables) {
  const matches = (a, f) => a.check === f.check && a.file === f.file && a.code === f.code;
  const unexplained = [...disables, ...scan.findings.filter((f) => !accepted.accepted.some((a) => matches(a, f)))];
  const stale = accepted.accepted.filter((a) => !scan.findings.some((f) => matches(a, f)));
  return { checks: scan.checks, findings: scan.findings.length, errors: scan.errors, unexplained, stale };
}

function report({ checks, findings, errors, unexplained, stale }) {
  for (const e of errors) console.error(`could not scan ${e.file}: ${e.message}`);
  for (const f of unexplained) console.error(`${f.check} (${f.severity}, ${f.confidence}) ${f.file}:${f.line}\n  ${f.code}\n  ${f.description} ${f.url}`);
  for (const a of stale) console.error(`accepted but no longer found (remove it from ${relative(REPO, ACCEPTED_FILE)}): ${a.check} ${a.file}: ${a.code}`);
  const bad = errors.length + unexplained.length + stale.length;
  console.log(`electron security scan: ${checks} checks, ${findings} findings, ${unexplained.length} unexplained, ${stale.length} stale acceptances, ${errors.length} files not scanned${bad ? '' : ': OK'}`);
}
