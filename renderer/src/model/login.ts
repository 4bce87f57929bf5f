/**
 * Step 1 of the wizard: how the user logs in. Many servers take the e-mail address as the
 * login; many others a plain user name ("alice", "test@localhost" as a Dovecot user). The
 * address, when given, is only used to look up the server's settings.
 */
export interface Login {
  /** Log in with a user name instead of the address. */
  byUserName: boolean;
  email: string;
  user: string;
  password: string;
}

/** Something@somewhere: a local domain without dots ("test@localhost") is an address too. */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(text.trim());
}

export function loginProblems(l: Login): Partial<Record<'email' | 'user' | 'password', string>> {
  const problems: Partial<Record<'email' | 'user' | 'password', string>> = {};
  const email = l.email.trim();
  if (l.byUserName) {
    if (l.user.trim() === '') problems.user = 'Enter the user name you log in with.';
    if (email !== '' && !isEmailAddress(email)) problems.email = 'Enter an address like name@example.org, or leave it empty.';
  } else if (!isEmailAddress(email)) problems.email = 'Enter an address like name@example.org.';
  if (l.password === '') problems.password = 'Enter the password of this account.';
  return problems;
}

/** The user name the server step starts with: the one typed, else what the guess says, else the address. */
export function loginUser(l: Login, guessed: string | undefined): string {
  return l.byUserName ? l.user.trim() : (guessed ?? l.email.trim());
}
