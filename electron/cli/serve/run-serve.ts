import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentPlatform, defaultConfigPath } from '../../engine/config/platform-paths.js';
import { AppService } from '../../service/app-service.js';
import { nodeEngineLauncher } from '../../service/engine/node-launcher.js';
import { jsonFileSettingsStore } from '../../service/settings/settings-store.js';
import { startServeServer } from './serve-server.js';

export interface ServeCommand {
  config?: string;
  port: number;
}

/**
 * `mailferry serve`: the desktop app's service without Electron. Runs until SIGINT/SIGTERM,
 * then lets the engine finish its step. Returns the exit status.
 */
export async function runServe(cmd: ServeCommand, version: string): Promise<number> {
  const configPath = cmd.config ?? defaultConfigPath(currentPlatform());
  const appDataDir = join(dirname(configPath), 'serve');
  // The bundles sit side by side in dist/: cli.mjs, engine-host.mjs, renderer/.
  const here = dirname(fileURLToPath(import.meta.url));
  const service = await AppService.start({
    mode: 'headless',
    version,
    configPath,
    appDataDir,
    settings: jsonFileSettingsStore(join(appDataDir, 'settings.json')),
    passwordKeeping: { kind: 'config-file' },
    launcher: nodeEngineLauncher(join(here, 'engine-host.mjs')),
  });
  let server;
  try {
    server = await startServeServer({
      handlers: service.handlers,
      onEvent: (listener) => service.onEvent(listener),
      rendererDir: join(here, 'renderer'),
      port: cmd.port,
    });
  } catch (err) {
    await service.shutdown();
    throw err;
  }
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    `mailferry: serving on 127.0.0.1:${server.port} only; open the address above in a browser on this machine\n` +
      `(from another machine: ssh -L ${server.port}:127.0.0.1:${server.port} this-host, then open it there). Ctrl-C stops.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('mailferry: stopping (the current sync step finishes first)\n');
  await server.close();
  await service.shutdown();
  return 0;
}
