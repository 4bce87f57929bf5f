import { net } from 'electron';

/**
 * Calls `back` when the network returns after being away. Electron's main process has no
 * online event, so this polls net.isOnline (cheap: no traffic, it asks the OS).
 */
export function watchOnline(back: () => void, everyMs = 15_000): () => void {
  let online = net.isOnline();
  const timer = setInterval(() => {
    const now = net.isOnline();
    if (now && !online) back();
    online = now;
  }, everyMs);
  return () => clearInterval(timer);
}
