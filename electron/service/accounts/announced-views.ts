import { isDeepStrictEqual } from 'node:util';
import type { AccountView } from '../../../shared/api/app-api.js';

/**
 * The view of each account the renderer last got by event (accountChanged or accountsChanged).
 * Events say that something changed: an account is announced again only when its view differs
 * from this one, so reads and repeated status reports of an unchanged account stay silent.
 */
export class AnnouncedViews {
  private readonly last = new Map<string, AccountView>();

  /** True, and remembered as announced, when `view` differs from the account's last one. */
  changed(view: AccountView): boolean {
    if (isDeepStrictEqual(this.last.get(view.name), view)) return false;
    this.last.set(view.name, view);
    return true;
  }

  /** The whole list went out: it is what the renderer holds now (removed accounts included). */
  replaceAll(views: readonly AccountView[]): void {
    this.last.clear();
    for (const view of views) this.last.set(view.name, view);
  }
}
