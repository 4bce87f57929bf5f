import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { helpText, parseCli, USAGE } from '../../../electron/cli/args.js';
import { COMMANDS, GENERAL_EXIT, OPTIONS, synopsis } from '../../../electron/cli/command-table.js';
import { manPage } from '../../../electron/cli/man-page.js';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('help', () => {
  it.each([
    [['help'], undefined],
    [['--help'], undefined],
    [['-h'], undefined],
    [[], undefined],
    [['help', 'sync'], 'sync'],
    [['sync', '--help'], 'sync'],
    [['status', '-h'], 'status'],
    [['watch', '--interval', '60', '--help'], 'watch'],
    [['help', 'help'], 'help'],
    [['help', '--help'], 'help'],
  ])('%j', (argv, topic) => {
    expect(parseCli(argv)).toEqual({ command: 'help', ...(topic ? { topic } : {}) });
  });

  it.each([
    [['help', 'nosuch'], /no command "nosuch" \(commands: sync, status, watch, serve, conflicts, login, logout, help\)/],
    [['help', 'synk'], /no command "synk"; did you mean "sync"\?/],
    [['help', 'sync', 'status'], /takes one command name/],
    [['sync', '--nosuch'], /Unknown option '--nosuch'/],
    [['status', '--folder', 'x'], /--folder is for "mailferry sync", not "status"/],
    [['sync', '--interval', '60'], /--interval is for "mailferry watch", not "sync"/],
    [['serve', '--json'], /--json is for "mailferry sync", "mailferry status" or "mailferry conflicts", not "serve"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('shows each command with its synopsis and every option it takes, and only those', () => {
    for (const spec of COMMANDS) {
      const text = helpText(spec.name);
      expect(text.split('\n')[0]).toBe(`Usage: ${synopsis(spec)}`);
      for (const name of Object.keys(OPTIONS)) {
        const takes = spec.options.some((o) => o.name === name);
        expect(new RegExp(`^  (-\\w, )?--${name}\\b`, 'm').test(text), `${spec.name} --${name}`).toBe(takes);
      }
      expect(text).toMatch(/\nExit status:\n {2}0 /);
    }
  });

  it('the parser takes exactly the options the table gives each command', () => {
    for (const spec of COMMANDS.filter((c) => c.name !== 'help')) {
      for (const name of Object.keys(OPTIONS) as (keyof typeof OPTIONS)[]) {
        if (name === 'help') continue;
        const o = OPTIONS[name] as { value?: string };
        const value = name === 'port' ? '0' : name === 'interval' || name === 'timeout' ? '60' : 'x';
        // What the command cannot do without (login and logout name their account).
        const required = spec.options.filter((x) => x.required && x.name !== name).flatMap((x) => [`--${x.name}`, 'x']);
        const v = name === 'side' ? 'remote' : value;
        const argv = [spec.name, ...required, `--${name}`, ...(o.value ? [v] : [])];
        if (spec.options.some((x) => x.name === name)) expect(() => parseCli(argv), argv.join(' ')).not.toThrow();
        else expect(() => parseCli(argv), argv.join(' ')).toThrow(new RegExp(`--${name} is for .*, not "${spec.name}"`));
      }
    }
  });

  it('the general usage lists every command, option and exit status', () => {
    for (const spec of COMMANDS) expect(USAGE).toMatch(new RegExp(`^  ${spec.name} `, 'm'));
    for (const name of Object.keys(OPTIONS)) expect(USAGE).toMatch(new RegExp(`^  (-\\w, )?--${name}\\b`, 'm'));
    for (const [code] of GENERAL_EXIT) expect(USAGE).toContain(`\n  ${code} `);
    for (const line of USAGE.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});

describe('the man page, docs/mailferry.1', () => {
  it('is what `npm run man` writes from the command table now', async () => {
    const { version } = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
    const committed = await readFile(resolve(ROOT, 'docs/mailferry.1'), 'utf8');
    expect(committed, 'docs/mailferry.1 is stale: run npm run man').toBe(manPage(version));
  });

  it('has every command and option, and groff finds nothing to warn about', async () => {
    const page = manPage('0.0.0');
    for (const spec of COMMANDS) expect(page).toContain(`.SS ${spec.name}`);
    for (const name of Object.keys(OPTIONS)) expect(page).toContain(`\\-\\-${name.replace(/-/g, '\\-')}`);
    const groff = await promisify(execFile)('groff', ['-man', '-Tutf8', '-ww', '-z', resolve(ROOT, 'docs/mailferry.1')]).catch((err: NodeJS.ErrnoException & { stderr?: string }) =>
      err.code === 'ENOENT' ? null : { stderr: err.stderr ?? String(err) },
    );
    if (groff) expect(groff.stderr).toBe('');
  });
});

describe('README', () => {
  it('shows every command\'s synopsis in its CLI reference, and the exit statuses', async () => {
    const readme = await readFile(resolve(ROOT, 'README.md'), 'utf8');
    const reference = readme.slice(readme.indexOf('## CLI reference'));
    const block = /```\n([\s\S]*?)```/.exec(reference)![1]!;
    const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();
    expect(block.trim().split('\n').map(squeeze)).toEqual(COMMANDS.map((c) => synopsis(c)));
    for (const [code] of GENERAL_EXIT) expect(reference).toContain(`\`${code.split(', ')[0]}\``);
  });
});
