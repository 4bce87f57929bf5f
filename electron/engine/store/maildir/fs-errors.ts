/** True when `err` is a Node system error with this `code` (e.g. ENOENT). */
export function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

export function isNotFound(err: unknown): boolean {
  return hasCode(err, 'ENOENT');
}
