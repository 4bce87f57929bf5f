import { homedir } from 'node:os';
import path from 'node:path';

/** What the default locations depend on; tests pass their own to cover every platform. */
export interface PlatformContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

export function currentPlatform(): PlatformContext {
  return { platform: process.platform, env: process.env, home: homedir() };
}

function pathFor(ctx: PlatformContext): path.PlatformPath {
  return ctx.platform === 'win32' ? path.win32 : path.posix;
}

/** An environment variable holding an absolute directory; XDG says relative values are ignored. */
function envDir(ctx: PlatformContext, name: string): string | null {
  const value = ctx.env[name];
  return value && pathFor(ctx).isAbsolute(value) ? value : null;
}

export function defaultConfigPath(ctx: PlatformContext): string {
  const p = pathFor(ctx);
  switch (ctx.platform) {
    case 'darwin':
      return p.join(ctx.home, 'Library', 'Application Support', 'Mailferry', 'config.json');
    case 'win32':
      return p.join(envDir(ctx, 'APPDATA') ?? p.join(ctx.home, 'AppData', 'Roaming'), 'Mailferry', 'config.json');
    default:
      return p.join(envDir(ctx, 'XDG_CONFIG_HOME') ?? p.join(ctx.home, '.config'), 'mailferry', 'config.json');
  }
}

export function defaultStateDir(ctx: PlatformContext): string {
  const p = pathFor(ctx);
  switch (ctx.platform) {
    case 'darwin':
      return p.join(ctx.home, 'Library', 'Application Support', 'Mailferry', 'state');
    case 'win32':
      return p.join(envDir(ctx, 'LOCALAPPDATA') ?? p.join(ctx.home, 'AppData', 'Local'), 'Mailferry', 'state');
    default:
      return p.join(envDir(ctx, 'XDG_STATE_HOME') ?? p.join(ctx.home, '.local', 'state'), 'mailferry');
  }
}

/** `~` or `~/…` (also `~\…` on Windows) relative to the home directory; anything else unchanged. */
export function expandHome(value: string, ctx: PlatformContext): string {
  const sep = ctx.platform === 'win32' ? /^~(?:[\\/]|$)/ : /^~(?:\/|$)/;
  return sep.test(value) ? pathFor(ctx).join(ctx.home, value.slice(1)) : value;
}
