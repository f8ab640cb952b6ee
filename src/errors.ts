/**
 * The product's one error module. An expected failure is an `AppError`: a `kind` from a
 * small vocabulary (what went wrong, not how a transport shows it), a stable snake_case
 * `id` integrators can branch on, and a message that is safe to show. The api's error
 * middleware maps kinds to HTTP statuses; anything that is not an AppError is unexpected
 * and reaches a client only as a generic internal error.
 *
 * Plain module without imports: every layer may use it, src/domain included.
 */

/** What kind of failure an error is; each maps to one HTTP status in the api. */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'too_large'
  | 'unsupported'
  /** Well-formed, but what it asks for cannot be done as it stands (a blocked link). */
  | 'unprocessable'
  | 'too_many'
  | 'internal'
  | 'unavailable';

/** One problem of an invalid document: the part it is in (a node id, say), the field, what. */
export interface Problem {
  node: string;
  field: string;
  message: string;
}

/** An expected failure with a public, stable id and a message safe to show. */
export class AppError extends Error {
  /** Seconds after which the same request may succeed (`too_many`, `unavailable`). */
  readonly retryAfterS?: number;
  /** Every problem of an invalid document, each with where it is (safe to show). */
  readonly problems?: readonly Problem[];

  constructor(
    readonly kind: ErrorKind,
    readonly id: string,
    message: string,
    options: { retryAfterS?: number; problems?: readonly Problem[] } = {},
  ) {
    super(message);
    this.name = 'AppError';
    if (options.retryAfterS !== undefined) this.retryAfterS = options.retryAfterS;
    if (options.problems !== undefined) this.problems = options.problems;
  }
}

/** Input that failed validation (id `invalid_request` unless a more specific one is given). */
export const invalid = (message: string, id = 'invalid_request') =>
  new AppError('invalid', id, message);

/** Missing or wrong credentials. */
export const unauthorized = (message = 'authentication required') =>
  new AppError('unauthorized', 'unauthorized', message);

/** An authenticated caller who may not do this. */
export const forbidden = (id: string, message: string) => new AppError('forbidden', id, message);

/** Anything the caller may not see or that does not exist (deliberately the same). */
export const notFound = (what = 'resource') =>
  new AppError('not_found', 'not_found', `${what} not found`);

/** A request that contradicts the current state. */
export const conflict = (id: string, message: string) => new AppError('conflict', id, message);

/** Too many requests; the caller may retry after `retryAfterS` seconds. */
export const tooMany = (id: string, message: string, retryAfterS: number) =>
  new AppError('too_many', id, message, { retryAfterS });
