import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { contentType, rendererCsp, rendererFile } from '../service/renderer-files.js';

/** Where the UI is loaded from: a custom secure scheme, not file:// (whose origin is shared by every local file). */
export const APP_ORIGIN = 'app://mailferry';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the built renderer on app://mailferry/ with the strict CSP as a response header. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const file = url.host === 'mailferry' ? await rendererFile(rendererDir, url.pathname) : null;
    const body = file ? await readFile(file).catch(() => null) : null;
    if (!file || !body) return new Response('Not Found', { status: 404 });
    return new Response(body, {
      headers: { 'Content-Type': contentType(file), 'Content-Security-Policy': rendererCsp(), 'X-Content-Type-Options': 'nosniff' },
    });
  });
}

export function isAppUrl(url: string | undefined): boolean {
  return url !== undefined && url.startsWith(`${APP_ORIGIN}/`);
}
