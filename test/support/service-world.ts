import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountInput, AppEvent, AppEventPayload } from '../../shared/api/app-api.js';
import { dispatch } from '../../electron/service/api/api-dispatch.js';
import { AppService, type AppServiceOptions } from '../../electron/service/app-service.js';
import { jsonFileSettingsStore } from '../../electron/service/settings/settings-store.js';
import type { SecretStore } from '../../electron/service/secrets/secret-store.js';
import { FakeEngine } from './fake-engine.js';

/**
 * An AppService over a FakeEngine in a temporary directory, driven through `dispatch` as both
 * hosts drive it, with every event it emits recorded. Call stopServices() after each test.
 */

export const PASSWORD = 'tr0ub4dor&3-secret';

const running: AppService[] = [];

export async function stopServices(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.shutdown()));
}

export interface World {
  dir: string;
  configPath: string;
  maildir: string;
  engine: FakeEngine;
  events: { event: AppEvent; payload: unknown }[];
  service: AppService;
  call(method: string, params?: unknown): Promise<any>;
}

export async function world(keeping: AppServiceOptions['passwordKeeping'], opts: { dir?: string; engine?: FakeEngine } = {}): Promise<World> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'mailferry-service-')));
  const configPath = join(dir, 'accounts.json');
  // Never the user's real state directory.
  if (!opts.dir) await writeFile(configPath, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [] }));
  const engine = opts.engine ?? new FakeEngine();
  const service = await AppService.start({
    mode: 'desktop',
    version: '0.0.0-test',
    configPath,
    appDataDir: join(dir, 'app'),
    settings: jsonFileSettingsStore(join(dir, 'app', 'settings.json')),
    passwordKeeping: keeping,
    launcher: engine.launcher,
    restartPolicy: { initialDelayMs: 10, maxDelayMs: 100, healthyAfterMs: 60_000 },
    firstPassDelayMs: 60_000,
  });
  running.push(service);
  const events: World['events'] = [];
  service.onEvent((event, payload) => events.push({ event, payload }));
  const call = async (method: string, params: unknown = {}) => {
    const envelope = await dispatch(service.handlers, method, params);
    if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
    return envelope.result;
  };
  return { dir, configPath, maildir: join(dir, 'Mail'), engine, events, service, call };
}

export function input(w: World, extra: Partial<AccountInput> = {}): AccountInput {
  return {
    name: 'work',
    remote: { type: 'imap', host: 'imap.example.org', port: 993, security: 'tls', user: 'alice@example.org', password: PASSWORD },
    local: { type: 'maildir', path: w.maildir },
    direction: 'both',
    propagateDeletes: true,
    folders: { include: ['*'], exclude: [] },
    ...extra,
  };
}

/** Every file under dir, as text. */
export async function allFiles(dir: string): Promise<string> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return out.join('\n');
}

/** The first event of that kind passing `test`, already emitted or still to come. */
export function until<E extends AppEvent>(w: World, event: E, test: (p: AppEventPayload<E>) => boolean = () => true): Promise<AppEventPayload<E>> {
  return new Promise((resolve) => {
    const seen = w.events.find((e) => e.event === event && test(e.payload as AppEventPayload<E>));
    if (seen) return resolve(seen.payload as AppEventPayload<E>);
    const off = w.service.onEvent((e, p) => {
      if (e === event && test(p as AppEventPayload<E>)) {
        off();
        resolve(p as AppEventPayload<E>);
      }
    });
  });
}

/** A secret store that keeps values XOR-scrambled in a file, like the real one keeps ciphertext. */
export function fileSecrets(path: string): SecretStore {
  const scramble = (s: string) => Buffer.from(Buffer.from(s).map((b) => b ^ 0x5a)).toString('base64');
  const unscramble = (s: string) => Buffer.from(Buffer.from(s, 'base64').map((b) => b ^ 0x5a)).toString();
  const read = async () => JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Record<string, string>;
  return {
    protection: 'os-keychain',
    get: async (key) => ((await read())[key] === undefined ? null : unscramble((await read())[key]!)),
    set: async (key, secret) => writeFile(path, JSON.stringify({ ...(await read()), [key]: scramble(secret) })),
    delete: async (key) => {
      const all = await read();
      delete all[key];
      await writeFile(path, JSON.stringify(all));
    },
  };
}
