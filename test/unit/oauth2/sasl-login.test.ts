import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessTokenSource } from '../../../electron/engine/oauth2/access-tokens.js';
import { openClient } from '../../../electron/engine/store/imap/imap-client.js';
import { ImapConnectError } from '../../../electron/engine/store/imap/imap-connect-error.js';

/**
 * What goes over the wire when Mailferry logs in with an access token: the SASL payloads
 * (RFC 7628 OAUTHBEARER, Google's XOAUTH2), sent by imapflow through our openClient, to a
 * scripted IMAP server that records them; and how a refusal with the server's JSON error is
 * reported.
 */
interface Script {
  capabilities: string;
  /** Per AUTHENTICATE: the JSON error to send, or null to accept. */
  refuse: (Record<string, string> | null)[];
}

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function scripted(script: Script): Promise<{ port: number; payloads: string[]; aborts: string[] }> {
  const payloads: string[] = [];
  const aborts: string[] = [];
  let attempt = 0;
  const server = net.createServer((socket) => {
    socket.write(`* OK [CAPABILITY IMAP4rev1 ${script.capabilities}] ready\r\n`);
    let buffer = '';
    let waiting: { tag: string; stage: 'payload' | 'abort' } | null = null;
    socket.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (waiting) {
          const { tag, stage } = waiting;
          waiting = null;
          if (stage === 'payload') respond(tag, line);
          else {
            aborts.push(line);
            socket.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed\r\n`);
          }
          continue;
        }
        const [tag, command, mech, initial] = line.split(' ');
        if (command === 'CAPABILITY') socket.write(`* CAPABILITY IMAP4rev1 ${script.capabilities}\r\n${tag} OK done\r\n`);
        else if (command === 'AUTHENTICATE' && mech) {
          if (initial !== undefined) respond(tag!, initial);
          else {
            waiting = { tag: tag!, stage: 'payload' };
            socket.write('+ \r\n');
          }
        } else if (command === 'LOGOUT') socket.end(`* BYE\r\n${tag} OK bye\r\n`);
        else socket.write(`${tag} OK done\r\n`);
      }
    });
    const respond = (tag: string, base64: string) => {
      payloads.push(Buffer.from(base64, 'base64').toString('utf8'));
      const refusal = script.refuse[attempt++] ?? null;
      if (refusal === null) socket.write(`${tag} OK [CAPABILITY IMAP4rev1] Logged in\r\n`);
      else {
        waiting = { tag, stage: 'abort' };
        socket.write(`+ ${Buffer.from(JSON.stringify(refusal)).toString('base64')}\r\n`);
      }
    };
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, payloads, aborts };
}

/** Hands out token-1, token-2, … and records which were refused. */
function tokens(): AccessTokenSource & { refusedTokens: string[] } {
  let n = 0;
  let current: string | null = null;
  const refusedTokens: string[] = [];
  return {
    refusedTokens,
    async get() {
      current ??= `token-${++n}`;
      return current;
    },
    refused(token: string) {
      refusedTokens.push(token);
      if (current === token) current = null;
    },
  };
}

const endpoint = (port: number, oauth2: AccessTokenSource) => ({ host: '127.0.0.1', port, security: 'none' as const, user: 'alice@example.org', password: '', oauth2, timeoutSeconds: 5 });

describe('SASL payloads', () => {
  it('OAUTHBEARER (RFC 7628) with the GS2 header, host and port of the connection, as the initial response', async () => {
    const s = await scripted({ capabilities: 'AUTH=OAUTHBEARER AUTH=XOAUTH2 SASL-IR', refuse: [null] });
    const client = await openClient(endpoint(s.port, tokens()));
    client.close();
    expect(s.payloads).toEqual([`n,a=alice@example.org,\x01host=127.0.0.1\x01port=${s.port}\x01auth=Bearer token-1\x01\x01`]);
  });

  it('XOAUTH2 where the server offers only that, after the continuation when it lacks SASL-IR', async () => {
    const s = await scripted({ capabilities: 'AUTH=XOAUTH2', refuse: [null] });
    const client = await openClient(endpoint(s.port, tokens()));
    client.close();
    expect(s.payloads).toEqual(['user=alice@example.org\x01auth=Bearer token-1\x01\x01']);
  });

  it('a refused token is replaced once; a second refusal is reported with the server\'s JSON in words', async () => {
    const s = await scripted({
      capabilities: 'AUTH=OAUTHBEARER SASL-IR',
      refuse: [
        { status: 'invalid_token', schemes: 'bearer', scope: 'mail' },
        { status: 'insufficient_scope', schemes: 'bearer', scope: 'https://mail.google.com/' },
      ],
    });
    const source = tokens();
    const err = await openClient(endpoint(s.port, source)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImapConnectError);
    expect((err as ImapConnectError).kind).toBe('auth');
    expect((err as Error).message).toBe(
      'login failed for alice@example.org at 127.0.0.1: the access token lacks the permission the server needs (scope "https://mail.google.com/"); add it to auth.scopes and sign in again; the server said: Authentication failed',
    );
    expect(source.refusedTokens).toEqual(['token-1']);
    expect(s.payloads.map((p) => /auth=Bearer ([^\x01]+)\x01/.exec(p)?.[1])).toEqual(['token-1', 'token-2']);
    // The client ends each failed exchange with the OAUTHBEARER abort (a lone %x01, base64 "AQ==").
    expect(s.aborts).toEqual(['AQ==', 'AQ==']);
  });

  it('Google\'s XOAUTH2 status 400 is said in words too', async () => {
    const s = await scripted({ capabilities: 'AUTH=XOAUTH2 SASL-IR', refuse: [{ status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' }, { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' }] });
    const err = (await openClient(endpoint(s.port, tokens())).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/the server refused the access token as not valid for this login \(status 400: expired or revoked, or for another user; it wants scope "https:\/\/mail.google.com\/"\)/);
    expect(s.aborts).toEqual(['', '']);
  });

  it('a server without OAuth2 mechanisms is named as such', async () => {
    const s = await scripted({ capabilities: 'AUTH=PLAIN', refuse: [] });
    const err = (await openClient(endpoint(s.port, tokens())).catch((e: unknown) => e)) as ImapConnectError;
    expect(err.kind).toBe('protocol');
    expect(err.message).toMatch(/does not offer OAuth2 login \(AUTH=OAUTHBEARER or AUTH=XOAUTH2\)/);
  });
});
