import { useEffect, useId, useState } from 'react';
import type { AppInfo, Settings, SettingsPatch } from '../../../shared/api/app-api.js';
import { errorText, useBridge, useEvent, useLoad } from '../api/api-context.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { Failed, Loading } from '../components/Status.js';
import { Switch } from '../components/Switch.js';

const STORAGE_TEXT: Record<AppInfo['passwordStorage'], string> = {
  'os-keychain': 'Passwords are encrypted by your system’s keychain.',
  'basic-text': 'No system keyring was found, so remembered passwords are only obfuscated on disk, not encrypted.',
  'config-file': 'Passwords are kept in the config file, readable only by your user.',
  memory: 'Passwords are kept in memory only.',
};

export function SettingsScreen() {
  const bridge = useBridge();
  const settings = useLoad(() => bridge.request('getSettings', {}), 'settings');
  const info = useLoad(() => bridge.request('getAppInfo', {}), 'info');
  const [status, setStatus] = useState<string | null>(null);
  useEvent('settingsChanged', settings.replace);

  const save = (patch: SettingsPatch) => {
    setStatus('Saving…');
    bridge.request('updateSettings', { patch }).then(
      (next) => {
        settings.replace(next);
        setStatus('Saved.');
      },
      (err: unknown) => setStatus(`Not saved: ${errorText(err)}`),
    );
  };

  return (
    <section className="screen">
      <ScreenHeader title="Settings" />
      {settings.data === null ? (
        settings.status === 'failed' ? (
          <Failed title="Could not load the settings" message={settings.error} onRetry={settings.reload} />
        ) : (
          <Loading label="Loading settings…" />
        )
      ) : (
        <SettingsForm settings={settings.data} info={info.data} save={save} />
      )}
      <p className="save-status" role="status">
        {status}
      </p>
      {info.data && (
        <section aria-labelledby="about-title" className="about">
          <h2 id="about-title">About</h2>
          <dl className="facts">
            <div>
              <dt>Version</dt>
              <dd>{info.data.version}</dd>
            </div>
            <div>
              <dt>Config file</dt>
              <dd>
                <code>{info.data.configPath}</code>
              </dd>
            </div>
            <div>
              <dt>Sync state</dt>
              <dd>
                <code>{info.data.stateDir}</code>
              </dd>
            </div>
          </dl>
        </section>
      )}
    </section>
  );
}

function SettingsForm({ settings, info, save }: { settings: Settings; info: AppInfo | null; save: (patch: SettingsPatch) => void }) {
  const intervalId = useId();
  const [interval, setIntervalText] = useState(String(settings.syncIntervalMinutes));
  useEffect(() => setIntervalText(String(settings.syncIntervalMinutes)), [settings.syncIntervalMinutes]);
  const minutes = Number(interval);
  const intervalValid = Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440;
  const commitInterval = () => {
    if (intervalValid && minutes !== settings.syncIntervalMinutes) save({ syncIntervalMinutes: minutes });
  };
  const headless = info?.mode === 'headless';

  return (
    <div className="settings">
      <fieldset>
        <legend>Syncing</legend>
        <div className="field">
          <label htmlFor={intervalId}>Sync every (minutes)</label>
          <input
            id={intervalId}
            type="number"
            min={1}
            max={1440}
            value={interval}
            aria-invalid={!intervalValid}
            aria-describedby={`${intervalId}-hint`}
            onChange={(e) => setIntervalText(e.currentTarget.value)}
            onBlur={commitInterval}
            onKeyDown={(e) => e.key === 'Enter' && commitInterval()}
          />
          <p id={`${intervalId}-hint`} className={intervalValid ? 'hint' : 'inline-error'}>
            {intervalValid ? 'How often each account is synced when nothing else starts a sync.' : 'Enter a whole number from 1 to 1440.'}
          </p>
        </div>
        <Switch
          label="Push: pick up new mail in INBOX right away"
          description="Keeps a connection open (IMAP IDLE) so new mail arrives within seconds instead of at the next interval."
          checked={settings.push}
          onChange={(push) => save({ push })}
        />
        <Switch
          label="Start Mailferry when I log in"
          description={headless ? 'Only in the desktop app.' : undefined}
          checked={settings.startAtLogin}
          disabled={headless}
          onChange={(startAtLogin) => save({ startAtLogin })}
        />
      </fieldset>
      <fieldset>
        <legend>Notifications</legend>
        <Switch
          label="Problems I need to fix"
          description="Login failed, server unreachable for a while, certificate changed, a folder stopped by the safety check."
          checked={settings.notifications.errors}
          onChange={(errors) => save({ notifications: { errors } })}
        />
        <Switch label="New conflicts" checked={settings.notifications.conflicts} onChange={(conflicts) => save({ notifications: { conflicts } })} />
        <Switch label="New mail in INBOX" checked={settings.notifications.newMail} onChange={(newMail) => save({ notifications: { newMail } })} />
      </fieldset>
      <fieldset>
        <legend>Passwords</legend>
        <Switch
          label="Remember passwords"
          description={
            settings.rememberPasswords
              ? info
                ? STORAGE_TEXT[info.passwordStorage]
                : undefined
              : 'Mailferry asks for each password again after it restarts.'
          }
          checked={settings.rememberPasswords}
          onChange={(rememberPasswords) => save({ rememberPasswords })}
        />
      </fieldset>
    </div>
  );
}
