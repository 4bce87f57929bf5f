import {
  appEvents,
  bridgeErrorMessage,
  appMethods,
  type AppEvent,
  type AppEventPayload,
  type AppMethod,
  type AppParams,
  type AppResult,
  type MailferryBridge,
} from '../../../shared/api/app-api.js';

/**
 * Checks everything the host sends against the contract before a screen sees it, whatever the
 * transport: a host of another version fails loudly here instead of half-rendering. Events that
 * do not match are dropped (and logged), as one bad event must not take the window down.
 */
export function validatedBridge(inner: MailferryBridge): MailferryBridge {
  return {
    async request<M extends AppMethod>(method: M, params: AppParams<M>): Promise<AppResult<M>> {
      const raw: unknown = await inner.request(method, params);
      const parsed = appMethods[method].result.safeParse(raw);
      if (!parsed.success) {
        const problem = parsed.error.issues[0]?.message ?? 'invalid';
        throw new Error(bridgeErrorMessage({ code: 'failed', message: `Mailferry sent an answer to ${method} this window does not understand (${problem}).` }));
      }
      return parsed.data as AppResult<M>;
    },
    subscribe<E extends AppEvent>(event: E, listener: (payload: AppEventPayload<E>) => void): () => void {
      return inner.subscribe(event, (payload: unknown) => {
        const parsed = appEvents[event].safeParse(payload);
        if (parsed.success) listener(parsed.data as AppEventPayload<E>);
        else console.warn(`dropped a ${event} event that does not match the contract`, parsed.error.issues);
      });
    },
  };
}
