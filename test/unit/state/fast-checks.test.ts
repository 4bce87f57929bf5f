import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCommonRecord, isPair } from '../../../electron/engine/state/fast-checks.js';
import { pairSchema, stateRecordSchema } from '../../../electron/engine/state/state-schemas.js';
import { sampleRecords } from './state-fixtures.js';

/** The hand-written checks must agree with their zod schemas on every JSON value. */
const RUNS = { numRuns: 2000 };

const count = fc.oneof(fc.nat(), fc.constantFrom(-1, 0.5, 2 ** 53, 2 ** 53 - 1, -0, 1e300));
const nullableString = fc.option(fc.string(), { nil: null });
const identity = fc.record(
  { messageId: nullableString, size: count, headerSha256: fc.string(), sha256: fc.string() },
  { requiredKeys: ['messageId', 'size', 'headerSha256'] },
);
const pair = fc.record({ key: count, remote: nullableString, local: nullableString, flags: fc.array(fc.string()), identity });
const record = fc.oneof(
  pair.map((p) => ({ op: 'pair', pair: p })),
  fc.record({ op: fc.constant('flags'), key: count, flags: fc.array(fc.string()) }),
  fc.record({ op: fc.constant('unpair'), key: count }),
  fc.record({ op: fc.constant('intentDone'), id: count }),
  fc.constantFrom(...sampleRecords('F')),
);

type Edit = [number, 'delete' | 'add' | 'replace', unknown];

/** Applies each edit at one of the value's objects or arrays (picked by the number); the result is JSON again. */
function mutate(value: unknown, edits: Edit[]): unknown {
  const root = JSON.parse(JSON.stringify(value)) as unknown;
  for (const [pick, kind, replacement] of edits) {
    const containers: Record<string, unknown>[] = [];
    const walk = (v: unknown) => {
      if (typeof v !== 'object' || v === null) return;
      containers.push(v as Record<string, unknown>);
      Object.values(v).forEach(walk);
    };
    walk(root);
    const target = containers[pick % containers.length];
    if (!target) continue;
    const keys = Object.keys(target);
    const key = keys[pick % Math.max(keys.length, 1)];
    if (kind === 'add') target[Array.isArray(target) ? String(keys.length) : `extra${pick}`] = replacement;
    else if (key !== undefined && kind === 'delete') delete target[key];
    else if (key !== undefined) target[key] = replacement;
  }
  // As JSON.parse would give it (a deleted array element becomes null).
  return JSON.parse(JSON.stringify(root)) as unknown;
}

const edits = fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete' as const, 'add' as const, 'replace' as const), fc.jsonValue()), { maxLength: 3 });
const json = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(valid.map((v) => JSON.parse(JSON.stringify(v)) as unknown), fc.tuple(valid, edits).map(([v, e]) => mutate(v, e)), fc.jsonValue());

describe('fast state checks', () => {
  it('isPair accepts exactly what pairSchema accepts', () => {
    fc.assert(
      fc.property(json(pair), (v) => {
        expect(isPair(v)).toBe(pairSchema.safeParse(v).success);
      }),
      RUNS,
    );
  });

  it('isCommonRecord accepts exactly what stateRecordSchema accepts for its four ops, and nothing else', () => {
    fc.assert(
      fc.property(json(record), (v) => {
        const op = typeof v === 'object' && v !== null ? (v as { op?: unknown }).op : undefined;
        const common = ['pair', 'flags', 'unpair', 'intentDone'].includes(op as string);
        expect(isCommonRecord(v)).toBe(common && stateRecordSchema.safeParse(v).success);
      }),
      RUNS,
    );
  });
});
