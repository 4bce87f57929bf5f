import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../electron/engine/config/load-config.js';
import type { PlatformContext } from '../../../electron/engine/config/platform-paths.js';

/**
 * Whatever a user (or a broken editor) puts in the config file, loading it either succeeds or
 * fails with a ConfigError: never another exception, never a hang, never the password echoed.
 */
const RUNS = { numRuns: 250 };
const SECRET = 'fuzz-Secret-Pw-31337';

let home: string;
let ctx: PlatformContext;
let file: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mailferry-fuzz-config-'));
  ctx = { platform: 'linux', env: {}, home };
  file = join(home, 'config.json');
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const valid = () => ({
  stateDir: '~/state',
  accounts: [
    {
      name: 'work',
      remote: { type: 'imap', host: 'imap.example.org', port: 993, security: 'tls', user: 'alice', password: SECRET, tls: { fingerprint: `sha256:${'ab'.repeat(32)}` }, timeoutSeconds: 30 },
      local: { type: 'maildir', path: '~/Mail' },
      folders: { include: ['*'], exclude: ['Spam'] },
      direction: 'both',
      propagateDeletes: true,
    },
    { name: 'home', remote: { type: 'imap', host: '127.0.0.1', security: 'none', user: 'bob', passwordEnv: 'PW' }, local: { type: 'imap', host: 'localhost', user: 'b', passwordCommand: 'pass x', security: 'none' } },
  ],
});

/** Loads `text` as the config file, with a deadline: a hang fails the property. */
async function load(text: string): Promise<'ok' | ConfigError> {
  await writeFile(file, text);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('loadConfig did not finish within 2 s')), 2000);
  });
  try {
    await Promise.race([loadConfig(file, ctx), deadline]);
    return 'ok';
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function expectTyped(result: 'ok' | ConfigError): void {
  if (result === 'ok') return;
  expect(result.lines.length).toBeGreaterThan(0);
  expect(result.message).not.toContain(SECRET);
}

interface Mutation {
  at: number;
  op: 'replace' | 'delete' | 'add';
  key: string;
  value: unknown;
}
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'delete', 'add'),
  key: fc.oneof(fc.constantFrom('type', 'port', 'accounts', 'name', 'password', '__proto__', 'constructor', 'tls', 'timeoutSeconds'), fc.string({ maxLength: 8 })),
  value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(0, -1, 65536, 1e308, '', '~', '~/', 'C:\\x', '\u0000', 3601, 0.5, null)),
});

/** Every [container, key] in a JSON value, for picking a place to mutate. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([value, i]), slots(v, out)));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push([value as Record<string, unknown>, k]), slots(v, out);
  return out;
}

function mutate(doc: unknown, mutations: Mutation[]): unknown {
  for (const m of mutations) {
    const all = slots(doc);
    if (all.length === 0) return m.value;
    const [container, key] = all[m.at % all.length]!;
    if (Array.isArray(container)) {
      if (m.op === 'delete') container.splice(key as number, 1);
      else if (m.op === 'add') container.push(m.value);
      else container[key as number] = m.value;
    } else if (m.op === 'delete') delete container[key as string];
    else if (m.op === 'add') Object.defineProperty(container, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    else container[key as string] = m.value;
  }
  return doc;
}

describe('config loader under fuzzing', () => {
  it('the unmutated config loads', async () => {
    expect(await load(JSON.stringify(valid()))).toBe('ok');
  });

  it('timeoutSeconds is accepted exactly when it is a whole number from 1 to 3600', async () => {
    const value = fc.oneof(fc.integer({ min: -10, max: 4000 }), fc.double({ min: -1, max: 4000, noNaN: true }), fc.constantFrom('60', null, true, 3600, 3601, 0, 1));
    await fc.assert(
      fc.asyncProperty(value, async (timeoutSeconds) => {
        const doc = valid();
        doc.accounts[0]!.remote.timeoutSeconds = timeoutSeconds as number;
        const result = await load(JSON.stringify(doc));
        const fine = Number.isInteger(timeoutSeconds) && (timeoutSeconds as number) >= 1 && (timeoutSeconds as number) <= 3600;
        if (fine) expect(result).toBe('ok');
        else expect(result instanceof ConfigError && result.message).toMatch(/accounts\[0\]\.remote\.timeoutSeconds: (must be a whole number of seconds from 1 to 3600|is required)/);
      }),
      RUNS,
    );
  });

  it('random JSON documents: ok or ConfigError', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (doc) => expectTyped(await load(JSON.stringify(doc)))), RUNS);
  });

  it('random mutations of a valid config: ok or ConfigError, and errors never show the password', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => expectTyped(await load(JSON.stringify(mutate(valid(), mutations))))),
      RUNS,
    );
  });

  it('random damage to the file text (cut, flipped and inserted characters, BOMs, deep nesting)', async () => {
    const text = JSON.stringify(valid(), null, 2);
    const damage = fc.oneof(
      fc.nat(text.length).map((n) => text.slice(0, n)),
      fc.tuple(fc.nat(text.length), fc.string({ maxLength: 4, unit: 'binary' })).map(([at, s]) => text.slice(0, at) + s + text.slice(at + 1)),
      fc.tuple(fc.nat(text.length), fc.constantFrom('\uFEFF', '\u0000', '"', '{', ']', ',', '\\u', '/*')).map(([at, s]) => text.slice(0, at) + s + text.slice(at)),
      fc.integer({ min: 1, max: 200_000 }).map((depth) => `{"accounts": ${'['.repeat(depth)}${']'.repeat(depth)}}`),
    );
    await fc.assert(fc.asyncProperty(damage, async (t) => expectTyped(await load(t))), RUNS);
  });
});
