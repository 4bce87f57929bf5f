import { Notification } from 'electron';
import type { AppNotification, ScreenTarget } from '../../shared/api/app-api.js';

/** Shows a notification the service decided on (notification-rules.ts); a click opens its screen. */
export function showNotification(n: AppNotification, iconPath: string, open: (target: ScreenTarget) => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: n.title, body: n.body, icon: iconPath, silent: n.severity === 'info' });
  notification.on('click', () => open(n.target));
  notification.show();
}
