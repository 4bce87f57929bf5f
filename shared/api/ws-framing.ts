import { z } from 'zod';
import { ApiErrorSchema } from './app-api.js';

/**
 * Framing of the app contract (app-api.ts) over the `mailferry serve` WebSocket: one JSON
 * text message per frame.
 *
 *   client -> host   {"id": 7, "method": "listAccounts", "params": {}}
 *   host -> client   {"id": 7, "ok": true, "result": [...]}
 *                    {"id": 7, "ok": false, "error": {"code": "not-found", "message": "..."}}
 *   host -> client   {"event": "progress", "payload": {...}}
 *
 * The page is opened as http://127.0.0.1:PORT/#token=T; the client connects to
 * ws://127.0.0.1:PORT/api?token=T (WS_PATH, WS_TOKEN_PARAM). The host refuses the upgrade
 * (403) without the right token or with a non-loopback Origin. A frame that fails these
 * schemas is answered with an invalid-request error (when it has an id) and otherwise dropped.
 */

export const WS_PATH = '/api';
export const WS_TOKEN_PARAM = 'token';
/** The fragment key the page URL carries the token in (never sent to the server by browsers). */
export const URL_TOKEN_KEY = 'token';

export const RequestFrameSchema = z.strictObject({
  id: z.int().min(0),
  method: z.string().min(1),
  params: z.unknown(),
});

export const ResponseFrameSchema = z.union([
  z.strictObject({ id: z.int().min(0), ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ id: z.int().min(0), ok: z.literal(false), error: ApiErrorSchema }),
]);

export const EventFrameSchema = z.strictObject({
  event: z.string().min(1),
  payload: z.unknown(),
});

/** Anything the host sends. */
export const HostFrameSchema = z.union([ResponseFrameSchema, EventFrameSchema]);

export type RequestFrame = z.output<typeof RequestFrameSchema>;
export type ResponseFrame = z.output<typeof ResponseFrameSchema>;
export type EventFrame = z.output<typeof EventFrameSchema>;
export type HostFrame = z.output<typeof HostFrameSchema>;
