import type { ApiError } from '../../../shared/api/app-api.js';

/** An error the service means the user to read, with the code the renderer may act on. */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly code: ApiError['code'],
    message: string,
  ) {
    super(message);
  }
}
