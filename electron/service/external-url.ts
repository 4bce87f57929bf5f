/**
 * Whether a link may be handed to the OS to open: https: pages and mailto: addresses only,
 * with nothing that could smuggle in credentials or odd hosts.
 */
export function isSafeExternalUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol === 'mailto:') return /^[^\s@/?#]+@[^\s@/?#]+$/.test(decodeURIComponent(url.pathname));
  if (url.protocol !== 'https:') return false;
  return url.username === '' && url.password === '' && url.hostname.includes('.') && !/[\s<>"]/.test(text);
}
