import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVE_PORT, parseCli, USAGE } from '../../../electron/cli/args.js';

describe('mailferry serve arguments', () => {
  it('takes --port and --config', () => {
    expect(parseCli(['serve'])).toEqual({ command: 'serve', config: undefined, port: DEFAULT_SERVE_PORT });
    expect(parseCli(['serve', '--port', '0', '--config', '/etc/mf.json'])).toEqual({ command: 'serve', config: '/etc/mf.json', port: 0 });
  });

  it('refuses bad ports and options of other commands', () => {
    for (const bad of ['-1', '65536', '80a', '']) expect(() => parseCli(['serve', `--port=${bad}`]), bad).toThrow(/--port must be a number from 0 to 65535/);
    expect(() => parseCli(['serve', '--dry-run'])).toThrow(/--dry-run is for "mailferry sync", not "serve"/);
    expect(() => parseCli(['sync', '--port', '8080'])).toThrow(/--port is for "mailferry serve", not "sync"/);
    expect(() => parseCli(['serv'])).toThrow(/unknown command "serv"; did you mean "serve"\? \(commands: sync, status, watch, serve, conflicts, login, logout, help\)/);
  });

  it('is in the usage text', () => {
    expect(USAGE).toMatch(/^\s+serve\s/m);
    expect(USAGE).toContain(`--port N              serve: port on 127.0.0.1 (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)`);
  });
});
