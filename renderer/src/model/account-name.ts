/** Account names become directory names: 1 to 64 of A-Z a-z 0-9 . _ - and not only dots. */
export const ACCOUNT_NAME_PATTERN = /^(?!\.+$)[A-Za-z0-9._-]{1,64}$/;

export function isValidAccountName(name: string): boolean {
  return ACCOUNT_NAME_PATTERN.test(name);
}

/**
 * A readable default from the address ("alice@example.org" -> "alice-example.org"), unique
 * among the names taken (compared ignoring case, as on macOS and Windows file systems).
 */
export function accountNameFor(email: string, taken: readonly string[]): string {
  const base =
    email
      .trim()
      .toLowerCase()
      .replace('@', '-')
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 60) || 'account';
  const used = new Set(taken.map((t) => t.toLowerCase()));
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
}
