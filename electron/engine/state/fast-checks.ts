import type { Pair, StateRecord } from './folder-state.js';

/*
 * Hand-written twins of the commonest schemas in state-schemas.ts. A snapshot holds one pair
 * per message and a journal mostly pair, flags, unpair and intentDone records; zod spends
 * microseconds on each, which made validation the largest cost of loading a folder's state.
 * For any value JSON.parse can produce, each check accepts exactly what its schema accepts
 * (fast-checks.test.ts compares them); the schemas stay the reference and explain rejections.
 */

type Fields = Record<string, unknown>;

/** A non-array object whose own keys are all of `required` plus any of `optional`: a zod strictObject's shape. */
function hasExactly(v: unknown, required: readonly string[], optional: readonly string[] = []): v is Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  let expected = required.length;
  for (const key of required) if (!Object.hasOwn(v, key)) return false;
  for (const key of optional) if (Object.hasOwn(v, key)) expected++;
  return Object.keys(v).length === expected;
}

/** z.int().nonnegative() */
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNullableString = (v: unknown): boolean => v === null || typeof v === 'string';
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');

const PAIR_KEYS = ['key', 'remote', 'local', 'flags', 'identity'];
const IDENTITY_KEYS = ['messageId', 'size', 'headerSha256'];

/** pairSchema */
export function isPair(v: unknown): v is Pair {
  return (
    hasExactly(v, PAIR_KEYS) &&
    isCount(v.key) &&
    isNullableString(v.remote) &&
    isNullableString(v.local) &&
    isStringArray(v.flags) &&
    isPairIdentity(v.identity)
  );
}

function isPairIdentity(v: unknown): boolean {
  return (
    hasExactly(v, IDENTITY_KEYS, ['sha256']) &&
    isNullableString(v.messageId) &&
    isCount(v.size) &&
    typeof v.headerSha256 === 'string' &&
    (!Object.hasOwn(v, 'sha256') || typeof v.sha256 === 'string')
  );
}

/** stateRecordSchema for the pair, flags, unpair and intentDone records; false for any other. */
export function isCommonRecord(v: unknown): v is StateRecord {
  if (typeof v !== 'object' || v === null) return false;
  switch ((v as Fields).op) {
    case 'pair':
      return hasExactly(v, ['op', 'pair']) && isPair(v.pair);
    case 'flags':
      return hasExactly(v, ['op', 'key', 'flags']) && isCount(v.key) && isStringArray(v.flags);
    case 'unpair':
      return hasExactly(v, ['op', 'key']) && isCount(v.key);
    case 'intentDone':
      return hasExactly(v, ['op', 'id']) && isCount(v.id);
    default:
      return false;
  }
}
