import { describe, expect, it } from 'vitest';
import { pairByIdentity } from '../../../electron/engine/plan/pair-by-identity.js';

const msg = (id: string, size: number, header: string, messageId: string | null = null) => ({ id, identity: { messageId, size, headerSha256: header } });

describe('pairByIdentity', () => {
  it('pairs equal size and header hash, one to one, in id order', () => {
    const pairs = pairByIdentity(
      [msg('10', 100, 'a'), msg('2', 100, 'a'), msg('3', 50, 'b')],
      [msg('y', 100, 'a'), msg('x', 100, 'a'), msg('z', 50, 'b'), msg('w', 50, 'b')],
    );
    expect(pairs.map(([a, b]) => [a.id, b.id])).toEqual([
      ['2', 'x'],
      ['3', 'w'],
      ['10', 'y'],
    ]);
  });

  it('never pairs the same Message-ID with different bytes (a list copy and the sent copy)', () => {
    const list = msg('1', 120, 'list-headers', '<same@x>');
    const sent = msg('s', 100, 'sent-headers', '<same@x>');
    expect(pairByIdentity([list], [sent])).toEqual([]);
    // Same size, different header block: still two messages.
    expect(pairByIdentity([msg('1', 100, 'h1', '<same@x>')], [msg('s', 100, 'h2', '<same@x>')])).toEqual([]);
  });

  it('leaves surplus identical copies unpaired: each is a message of its own', () => {
    const pairs = pairByIdentity([msg('1', 10, 'h'), msg('2', 10, 'h')], [msg('a', 10, 'h')]);
    expect(pairs).toHaveLength(1);
  });
});
