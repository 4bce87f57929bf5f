import { useState } from 'react';
import type { AccountView } from '../../../shared/api/app-api.js';
import { errorText, useBridge } from '../api/api-context.js';
import { Dialog } from '../components/Dialog.js';
import { useNavigate } from '../components/navigation.js';

/** Removing an account never touches the server; the local Maildir stays unless the user says otherwise. */
export function RemoveAccountDialog({ account, onClose }: { account: AccountView; onClose: () => void }) {
  const bridge = useBridge();
  const navigate = useNavigate();
  const [keepLocal, setKeepLocal] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const maildir = account.local.type === 'maildir' ? account.local.path : null;

  const remove = () => {
    setBusy(true);
    setError(null);
    bridge
      .request('removeAccount', { account: account.name, keepLocalMail: maildir === null || keepLocal })
      .then(() => navigate({ screen: 'accounts' }))
      .catch((err: unknown) => {
        setError(errorText(err));
        setBusy(false);
      });
  };

  return (
    <Dialog title={`Remove ${account.name}?`} onClose={onClose}>
      <p>Mailferry stops syncing this account. Mail on the server is not touched.</p>
      {maildir !== null ? (
        <fieldset>
          <legend>The local copy in {maildir}</legend>
          <label className="choice">
            <input type="radio" name="keep-local" checked={keepLocal} onChange={() => setKeepLocal(true)} />
            <span>
              Keep it <span className="hint">(recommended: you can still read it with any mail program)</span>
            </span>
          </label>
          <label className="choice">
            <input type="radio" name="keep-local" checked={!keepLocal} onChange={() => setKeepLocal(false)} />
            <span>Delete it from this computer</span>
          </label>
        </fieldset>
      ) : (
        <p>The second IMAP account is not touched either.</p>
      )}
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions dialog-actions">
        <button type="button" className="secondary" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={remove} disabled={busy}>
          {keepLocal || maildir === null ? 'Remove account' : 'Remove account and delete local mail'}
        </button>
      </div>
    </Dialog>
  );
}
