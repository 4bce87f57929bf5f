import { describe, expect, it } from 'vitest';
import { defaultConfigPath, defaultStateDir, expandHome, type PlatformContext } from '../../../electron/engine/config/platform-paths.js';

const linux = (env: NodeJS.ProcessEnv = {}): PlatformContext => ({ platform: 'linux', env, home: '/home/alice' });
const mac: PlatformContext = { platform: 'darwin', env: {}, home: '/Users/alice' };
const windows = (env: NodeJS.ProcessEnv = {}): PlatformContext => ({ platform: 'win32', env, home: 'C:\\Users\\alice' });

describe('default locations', () => {
  it.each([
    { ctx: linux(), config: '/home/alice/.config/mailferry/config.json', state: '/home/alice/.local/state/mailferry' },
    {
      ctx: linux({ XDG_CONFIG_HOME: '/xdg/config', XDG_STATE_HOME: '/xdg/state' }),
      config: '/xdg/config/mailferry/config.json',
      state: '/xdg/state/mailferry',
    },
    // XDG: relative values are invalid and ignored.
    { ctx: linux({ XDG_CONFIG_HOME: 'rel', XDG_STATE_HOME: '' }), config: '/home/alice/.config/mailferry/config.json', state: '/home/alice/.local/state/mailferry' },
    { ctx: mac, config: '/Users/alice/Library/Application Support/Mailferry/config.json', state: '/Users/alice/Library/Application Support/Mailferry/state' },
    {
      ctx: windows({ APPDATA: 'C:\\Users\\alice\\AppData\\Roaming', LOCALAPPDATA: 'D:\\Local' }),
      config: 'C:\\Users\\alice\\AppData\\Roaming\\Mailferry\\config.json',
      state: 'D:\\Local\\Mailferry\\state',
    },
    { ctx: windows(), config: 'C:\\Users\\alice\\AppData\\Roaming\\Mailferry\\config.json', state: 'C:\\Users\\alice\\AppData\\Local\\Mailferry\\state' },
  ])('$ctx.platform $ctx.env', ({ ctx, config, state }) => {
    expect(defaultConfigPath(ctx)).toBe(config);
    expect(defaultStateDir(ctx)).toBe(state);
  });
});

describe('expandHome', () => {
  it.each([
    { value: '~/Mail/work', ctx: linux(), expanded: '/home/alice/Mail/work' },
    { value: '~', ctx: linux(), expanded: '/home/alice' },
    { value: '~bob/Mail', ctx: linux(), expanded: '~bob/Mail' },
    { value: '/srv/~/Mail', ctx: linux(), expanded: '/srv/~/Mail' },
    { value: 'Mail/~', ctx: linux(), expanded: 'Mail/~' },
    { value: '~\\Mail', ctx: linux(), expanded: '~\\Mail' },
    { value: '~\\Mail', ctx: windows(), expanded: 'C:\\Users\\alice\\Mail' },
    { value: '~/Mail', ctx: windows(), expanded: 'C:\\Users\\alice\\Mail' },
  ])('$value on $ctx.platform', ({ value, ctx, expanded }) => {
    expect(expandHome(value, ctx)).toBe(expanded);
  });
});
