import { useId, useState } from 'react';
import { loginProblems, type Login } from '../model/login.js';

/**
 * Step 1: the address (or a user name, for servers that log in without one) and the password;
 * the server's settings are guessed from the address, when there is one.
 */
export function AccountStep({ initial, busy, onNext }: { initial: Login; busy: boolean; onNext: (login: Login) => void }) {
  const id = useId();
  const [login, setLogin] = useState<Login>(initial);
  const [touched, setTouched] = useState(false);
  const set = (patch: Partial<Login>) => setLogin((l) => ({ ...l, ...patch }));
  const problems = touched ? loginProblems(login) : {};
  const problemId = (field: string) => (problems[field as keyof typeof problems] ? `${id}-${field}-problem` : undefined);
  return (
    <form
      className="step-form"
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (Object.keys(loginProblems(login)).length === 0) onNext({ ...login, email: login.email.trim(), user: login.user.trim() });
      }}
    >
      <p className="lead">
        {login.byUserName
          ? 'Your user name and password. With your address too, Mailferry can look up the server’s settings; you can check and change them next.'
          : 'Mailferry looks up your mail server’s settings from your address. You can check and change them next.'}
      </p>
      {login.byUserName && (
        <div className="field">
          <label htmlFor={`${id}-user`}>User name</label>
          <input
            id={`${id}-user`}
            autoComplete="username"
            value={login.user}
            aria-invalid={problems.user !== undefined}
            aria-describedby={problemId('user')}
            onChange={(e) => set({ user: e.currentTarget.value })}
            spellCheck={false}
          />
          {problems.user && (
            <p id={`${id}-user-problem`} className="inline-error">
              {problems.user}
            </p>
          )}
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-email`}>{login.byUserName ? 'Email address (optional)' : 'Email address'}</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="email"
          value={login.email}
          aria-invalid={problems.email !== undefined}
          aria-describedby={problemId('email')}
          onChange={(e) => set({ email: e.currentTarget.value })}
          spellCheck={false}
        />
        {problems.email && (
          <p id={`${id}-email-problem`} className="inline-error">
            {problems.email}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          value={login.password}
          aria-invalid={problems.password !== undefined}
          aria-describedby={problemId('password')}
          onChange={(e) => set({ password: e.currentTarget.value })}
        />
        {problems.password && (
          <p id={`${id}-password-problem`} className="inline-error">
            {problems.password}
          </p>
        )}
      </div>
      <label className="choice">
        <input type="checkbox" checked={login.byUserName} onChange={(e) => set({ byUserName: e.currentTarget.checked })} />
        <span>
          Log in with a user name <span className="hint">For servers whose login is not your address.</span>
        </span>
      </label>
      <div className="actions step-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Looking up your server…' : 'Next'}
        </button>
      </div>
    </form>
  );
}
