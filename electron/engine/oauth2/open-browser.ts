import { spawn } from 'node:child_process';
import { childEnv } from '../config/resolve-password.js';

/**
 * Opens an http(s) address in the system browser, without a shell: xdg-open (Linux, BSD),
 * open (macOS), or on Windows url.dll's handler, which is what `start` does without cmd.exe
 * parsing the `&`s of the address. The address carries no secret (PKCE sends only the
 * challenge), and the child gets no password variable and no MAILFERRY_* one.
 */
export function openBrowser(url: string, hiddenEnv: readonly string[] = []): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return Promise.reject(new Error(`refusing to open ${parsed.protocol} address`));
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [parsed.href]]
      : process.platform === 'win32'
        ? ['rundll32.exe', ['url.dll,FileProtocolHandler', parsed.href]]
        : ['xdg-open', [parsed.href]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false, windowsHide: true, env: childEnv(hiddenEnv) });
    child.once('error', (err) => reject(new Error(`could not run ${command}: ${err.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
