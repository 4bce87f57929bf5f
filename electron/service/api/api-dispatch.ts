import { z } from 'zod';
import { appMethods, type AppMethod, type AppResult, type ResponseEnvelope } from '../../../shared/api/app-api.js';
import { redactSecrets } from '../../engine/secrets.js';
import { ApiFailure } from './api-failure.js';

/** One function per method of the contract, receiving validated params. */
export type AppHandlers = {
  [M in AppMethod]: (params: z.output<(typeof appMethods)[M]['params']>) => Promise<AppResult<M>>;
};

/**
 * The one entry point of every transport (Electron IPC, the serve WebSocket): the method must
 * be in the contract, its params must pass the schema, and its result must too (the strict
 * schemas refuse extra fields, so nothing but what the contract names, never a password, can
 * leave). Errors become envelopes with messages scrubbed of secrets.
 */
export async function dispatch(handlers: AppHandlers, method: unknown, params: unknown): Promise<ResponseEnvelope> {
  if (typeof method !== 'string' || !Object.hasOwn(appMethods, method)) {
    return failure('invalid-request', `unknown method ${JSON.stringify(method)}`);
  }
  const spec = appMethods[method as AppMethod];
  const parsed = spec.params.safeParse(params ?? {});
  if (!parsed.success) return failure('invalid-request', `${method}: ${describeIssues(parsed.error)}`);
  try {
    const handler = handlers[method as AppMethod] as (p: unknown) => Promise<unknown>;
    const result = spec.result.safeParse(await handler(parsed.data));
    if (!result.success) return failure('failed', `${method}: the host produced an invalid answer (${describeIssues(result.error)})`);
    return { ok: true, result: result.data };
  } catch (err) {
    if (err instanceof ApiFailure) return failure(err.code, err.message);
    return failure('failed', err instanceof Error ? err.message : String(err));
  }
}

function failure(code: ApiFailure['code'], message: string): ResponseEnvelope {
  return { ok: false, error: { code, message: redactSecrets(message) } };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
}
