/**
 * The one error type routes throw. Its `id` is a stable snake_case code integrators can
 * branch on; its message is safe to show. Anything else becomes a generic 500.
 */

/** An error with an HTTP status and a public, stable id. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 400 for input that failed validation. */
export const badRequest = (message: string, id = 'invalid_request') =>
  new HttpError(400, id, message);
/** 401 for missing or wrong credentials. */
export const unauthorized = (message = 'authentication required') =>
  new HttpError(401, 'unauthorized', message);
/** 404 for anything the caller may not see or that does not exist (deliberately the same). */
export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `${what} not found`);
