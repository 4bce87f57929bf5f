import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app } from 'electron';

/**
 * Start at login. macOS and Windows through Electron; Linux through an XDG autostart entry,
 * pointing at the AppImage when run from one (its mount path changes every run).
 */
export async function setStartAtLogin(enabled: boolean): Promise<void> {
  if (process.platform !== 'linux') {
    app.setLoginItemSettings({ openAtLogin: enabled });
    return;
  }
  const dir = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart');
  const file = join(dir, 'mailferry.desktop');
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  const exec = process.env.APPIMAGE || process.execPath;
  await mkdir(dir, { recursive: true });
  await writeFile(file, ['[Desktop Entry]', 'Type=Application', 'Name=Mailferry', `Exec="${exec.replace(/(["\\`$])/g, '\\$1')}"`, 'X-GNOME-Autostart-enabled=true', ''].join('\n'));
}
