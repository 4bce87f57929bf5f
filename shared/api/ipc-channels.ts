/**
 * Names the Electron transport of the app contract uses. Kept apart from app-api.ts (which
 * pulls in zod) so that the preload bundle stays small.
 */

/** The bridge's name on `window` (window.mailferry). */
export const BRIDGE_GLOBAL = 'mailferry';

/** invoke: {method, params} answered with a ResponseEnvelope. */
export const IPC_REQUEST_CHANNEL = 'mailferry:request';

/** send, main -> renderer: {event, payload}. */
export const IPC_EVENT_CHANNEL = 'mailferry:event';
