import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSafeExternalUrl } from '../../../electron/service/external-url.js';
import { rendererFile } from '../../../electron/service/renderer-files.js';
import { checkMaildir } from '../../../electron/service/wizard/check-maildir.js';

describe('external links', () => {
  it('allows https pages and mailto addresses only', () => {
    expect(isSafeExternalUrl('https://github.com/mailferry/mailferry/issues')).toBe(true);
    expect(isSafeExternalUrl('mailto:help@example.org')).toBe(true);
    for (const bad of ['http://example.org', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@example.org/', 'mailto:', 'smb://host/share', 'https://localhost/']) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
  });
});

describe('renderer files', () => {
  it('serves files inside the build only; routes fall back to index.html', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mailferry-renderer-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<html>');
    await writeFile(join(root, 'assets', 'app.js'), '');
    expect(await rendererFile(root, '/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
    expect(await rendererFile(root, '/')).toBe(join(root, 'index.html'));
    expect(await rendererFile(root, '/conflicts')).toBe(join(root, 'index.html'));
    expect(await rendererFile(root, '/../../etc/passwd')).toBeNull();
    expect(await rendererFile(root, '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(await rendererFile(root, '/missing.js')).toBeNull();
  });
});

describe('Maildir check', () => {
  it('tells a fresh folder, an existing Maildir, a file and a relative path apart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-check-'));
    expect(await checkMaildir(join(dir, 'new-replica'))).toMatchObject({ exists: false, empty: true, problem: null });
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, 'md', sub), { recursive: true });
    expect(await checkMaildir(join(dir, 'md'))).toMatchObject({ exists: true, empty: false, isMaildir: true, problem: null });
    await writeFile(join(dir, 'file'), 'x');
    expect(await checkMaildir(join(dir, 'file'))).toMatchObject({ problem: 'is a file, not a folder' });
    expect(await checkMaildir('Mail/work')).toMatchObject({ resolved: null, problem: 'must be an absolute path or start with ~/' });
  });
});
