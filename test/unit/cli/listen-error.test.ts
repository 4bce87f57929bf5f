import { describe, expect, it } from 'vitest';
import { listenError } from '../../../electron/cli/serve/serve-server.js';

describe('serve: why it cannot listen', () => {
  it.each([
    ['EADDRINUSE', 7415, 'port 7415 on 127.0.0.1 is in use (another mailferry serve?); choose another with --port N or --port 0'],
    ['EACCES', 80, 'port 80 on 127.0.0.1 needs root privileges (ports below 1024 do); choose another with --port N or --port 0'],
  ])('%s', (code, port, message) => {
    expect(listenError(Object.assign(new Error(`listen ${code}: raw`), { code }), port).message).toBe(message);
  });

  it('passes anything else on', () => {
    const other = new Error('something else');
    expect(listenError(other, 1)).toBe(other);
  });
});
