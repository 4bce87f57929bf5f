import { useId, useState } from 'react';

/** Step 1: the address and password; everything else is guessed from the address. */
export function AccountStep({ initialEmail, initialPassword, busy, onNext }: { initialEmail: string; initialPassword: string; busy: boolean; onNext: (email: string, password: string) => void }) {
  const id = useId();
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState(initialPassword);
  const [touched, setTouched] = useState(false);
  const emailValid = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
  return (
    <form
      className="step-form"
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (emailValid && password !== '') onNext(email.trim(), password);
      }}
    >
      <p className="lead">Mailferry looks up your mail server’s settings from your address. You can check and change them next.</p>
      <div className="field">
        <label htmlFor={`${id}-email`}>Email address</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="email"
          value={email}
          aria-invalid={touched && !emailValid}
          aria-describedby={touched && !emailValid ? `${id}-email-problem` : undefined}
          onChange={(e) => setEmail(e.currentTarget.value)}
          spellCheck={false}
        />
        {touched && !emailValid && (
          <p id={`${id}-email-problem`} className="inline-error">
            Enter an address like name@example.org.
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          value={password}
          aria-invalid={touched && password === ''}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        {touched && password === '' && <p className="inline-error">Enter the password of this account.</p>}
      </div>
      <div className="actions step-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Looking up your server…' : 'Next'}
        </button>
      </div>
    </form>
  );
}
