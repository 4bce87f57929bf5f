import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The static Electron security scan (scripts/scan-electron.mjs, `npm run scan:electron`): the
 * app has no finding the reviewed allowlist does not explain, and the same scan does flag an
 * insecure window, so a regression cannot pass unseen.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const SCANNED = ['electron/main', 'electron/preload', 'renderer/index.html', 'renderer/src', 'package.json'];

interface Finding {
  check: string;
  file: string;
  line: number;
  code: string;
}
interface ScanResult {
  checks: number;
  findings: number;
  errors: { file: string; message: string }[];
  unexplained: Finding[];
  stale: Finding[];
}

function scan(root: string): Promise<{ code: number; result: ScanResult }> {
  return new Promise((done, fail) => {
    execFile(process.execPath, ['scripts/scan-electron.mjs', '--json', '--root', root], { cwd: ROOT }, (err, stdout, stderr) => {
      const code = err ? Number(err.code) : 0;
      if (!stdout.trim()) return fail(new Error(`scan printed nothing (exit ${code}): ${stderr}`));
      done({ code, result: JSON.parse(stdout) as ScanResult });
    });
  });
}

async function copyOfApp(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mailferry-scan-fixture-'));
  for (const path of SCANNED) await cp(join(ROOT, path), join(root, path), { recursive: true });
  return root;
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`fixture edit: "${from}" not in ${file}`);
  await writeFile(file, text.replace(from, to));
}

describe('static Electron security scan', () => {
  it('finds nothing in the app that the allowlist does not explain, and nothing stale in the allowlist', async () => {
    const { code, result } = await scan(ROOT);
    expect(result.errors).toEqual([]);
    expect(result.unexplained).toEqual([]);
    expect(result.stale).toEqual([]);
    expect(result.checks).toBeGreaterThan(30);
    expect(code).toBe(0);
  });

  it('flags a window made insecure, an unguarded openExternal, an inline eng-disable and a missing permission handler', async () => {
    const root = await copyOfApp();
    const window = join(root, 'electron/main/app-window.ts');
    await edit(window, 'contextIsolation: true', 'contextIsolation: false');
    await edit(window, 'sandbox: true', 'sandbox: false');
    await edit(window, 'nodeIntegration: false,', 'nodeIntegration: true, // eng-disable NODE_INTEGRATION_JS_CHECK');
    await edit(window, 'if (isSafeExternalUrl(url)) void shell.openExternal(url);', 'void shell.openExternal(url);');
    await edit(join(root, 'electron/main/main.ts'), 'session.defaultSession.setPermissionRequestHandler(', '(');
    const { code, result } = await scan(root);
    expect(code).toBe(1);
    expect(result.errors).toEqual([]);
    const flagged = new Set(result.unexplained.map((f) => `${f.check} ${f.file}`));
    for (const check of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK', 'INLINE_DISABLE']) {
      expect([...flagged], check).toContain(`${check} electron/main/app-window.ts`);
    }
    expect([...flagged]).toContain('PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK N/A');
    // The reviewed guarded call is gone, so its acceptance is reported as stale.
    expect(result.stale.map((a) => a.code)).toContain('if (isSafeExternalUrl(url)) void shell.openExternal(url);');
  });
});
