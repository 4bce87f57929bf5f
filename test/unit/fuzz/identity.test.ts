import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullIdentityOf, IdentityHasher, parseMessageId } from '../../../electron/engine/identity-hasher.js';

/**
 * The identity of a message decides what counts as "the same message" on both sides, so it
 * must not depend on how the bytes were chunked on their way in, and must equal the identity
 * of the CRLF-normalized bytes.
 */
const RUNS = { numRuns: 400 };

/** Bytes rich in the characters that matter: CR, LF, colons, header-ish text. */
const messageBytes = fc
  .array(fc.oneof(fc.constantFrom('\r', '\n', '\r\n', '\n\n', '\r\r\n', ': ', 'Message-ID: <a@b>', '\t', ' '), fc.string({ maxLength: 8 })), { maxLength: 60 })
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

/** Splits bytes at arbitrary points. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** Reference: every LF not preceded by CR becomes CRLF. */
function toCrlf(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(bytes[i]!);
  }
  return Buffer.from(out);
}

describe('IdentityHasher', () => {
  it('gives the same identity however the bytes are chunked', () => {
    fc.assert(
      fc.property(messageBytes, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const h = new IdentityHasher();
        for (const chunk of chunked(bytes, cuts)) h.update(chunk);
        expect(h.digest()).toEqual(fullIdentityOf(bytes));
      }),
      RUNS,
    );
  });

  it('hashes the CRLF-normalized message: size and SHA-256 match the reference, and normalizing first changes nothing', () => {
    fc.assert(
      fc.property(messageBytes, (bytes) => {
        const normalized = toCrlf(bytes);
        const id = fullIdentityOf(bytes);
        expect(id.size).toBe(normalized.length);
        expect(id.sha256).toBe(createHash('sha256').update(normalized).digest('hex'));
        expect(fullIdentityOf(normalized)).toEqual(id);
      }),
      RUNS,
    );
  });

  it('the header hash covers exactly the bytes up to the first blank line', () => {
    fc.assert(
      fc.property(messageBytes, messageBytes, (head, body) => {
        const header = toCrlf(Buffer.concat([Buffer.from(head.toString('latin1').replace(/[\r\n]+/g, '\r\n')), Buffer.from('\r\n\r\n')]));
        // Only a header without an earlier blank line is a header block of its own.
        fc.pre(header.indexOf('\r\n\r\n') === header.length - 4 && !header.subarray(0, -4).includes('\r\r'));
        const id = fullIdentityOf(Buffer.concat([header, body]));
        expect(id.headerSha256).toBe(createHash('sha256').update(header).digest('hex'));
      }),
      RUNS,
    );
  });
});

describe('parseMessageId', () => {
  const headerLine = fc.oneof(
    fc.constantFrom('Message-ID: <abc@example.org>', 'message-id:<x@y>', 'Message-Id:\r\n <folded@host>', 'Message-ID: no brackets', 'Message-ID: <>', 'Message-ID:', 'X-Message-ID: <not@this>'),
    fc.string({ maxLength: 30 }),
    fc.string({ maxLength: 30, unit: 'binary' }),
  );

  it('never throws, and returns null or one <...> token without spaces', () => {
    fc.assert(
      fc.property(fc.array(headerLine, { maxLength: 10 }), fc.constantFrom('\r\n', '\n'), (lines, nl) => {
        const id = parseMessageId(Buffer.from(lines.join(nl), 'latin1'));
        if (id !== null) expect(id).toMatch(/^<[^<>\s]+>$/);
      }),
      RUNS,
    );
  });

  it('stays fast on a maximal hostile header (256 KB of near-matches)', () => {
    const hostile = Buffer.from(`${'Message-ID: <<<<'.repeat(4000)}\r\n${' \t'.repeat(60_000)}`, 'latin1');
    const started = performance.now();
    parseMessageId(hostile);
    fullIdentityOf(hostile);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
