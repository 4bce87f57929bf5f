import { join } from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { TrayItem, TrayModel } from '../service/tray/tray-model.js';

export interface TrayActions {
  syncNow(): void;
  pause(): void;
  resume(): void;
  /** Opens the window, on an account's screen when given. */
  open(account: string | null): void;
  quit(): void;
}

/** Renders the service's tray model: icon per state (assets/tray-<state>.png, @2x for HiDPI), tooltip, menu. */
export class AppTray {
  private readonly tray: Tray;

  constructor(
    private readonly assetsDir: string,
    private readonly actions: TrayActions,
  ) {
    this.tray = new Tray(this.image('idle'));
    // Linux shows the menu on click anyway; elsewhere a click opens the window.
    this.tray.on('click', () => actions.open(null));
  }

  update(model: TrayModel): void {
    this.tray.setImage(this.image(model.icon));
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(model.items.map((item) => this.menuItem(item))));
  }

  private menuItem(item: TrayItem): MenuItemConstructorOptions {
    if (item.kind === 'separator') return { type: 'separator' };
    if (item.kind === 'account') return { label: item.label, click: () => this.actions.open(item.account) };
    const click = {
      'sync-now': () => this.actions.syncNow(),
      pause: () => this.actions.pause(),
      resume: () => this.actions.resume(),
      open: () => this.actions.open(null),
      quit: () => this.actions.quit(),
    }[item.id];
    return { label: item.label, enabled: item.enabled, click };
  }

  private image(state: TrayModel['icon']) {
    return nativeImage.createFromPath(join(this.assetsDir, `tray-${state}.png`));
  }
}
