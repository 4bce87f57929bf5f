import type { ScreenTarget } from '../../../shared/api/app-api.js';

export type Route =
  | { screen: 'accounts' }
  | { screen: 'account'; account: string }
  | { screen: 'conflicts'; account: string | null }
  | { screen: 'activity' }
  | { screen: 'settings' }
  | { screen: 'add-account' }
  | { screen: 'edit-account'; account: string };

/** Where a notification or the tray menu asks to go. */
export function routeFor(target: ScreenTarget): Route {
  switch (target.screen) {
    case 'account':
      return target.account ? { screen: 'account', account: target.account } : { screen: 'accounts' };
    case 'conflicts':
      return { screen: 'conflicts', account: target.account };
    case 'accounts':
    case 'activity':
    case 'settings':
      return { screen: target.screen };
  }
}
