/**
 * Maps every error to `{ error: { id, message } }`. Details of unexpected errors go to the
 * log under a request id; the client never sees a stack trace or internal message.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../../logger';
import { AppError, type ErrorKind, type Problem } from '../../errors';

/** The public form of an expected error: status, stable id, safe message, headers. */
export interface HttpProblem {
  status: number;
  id: string;
  message: string;
  headers: Record<string, string>;
  /** Every problem of an invalid document (an automation definition), when there are several. */
  problems?: readonly Problem[];
}

/** The HTTP status of each kind of product error. */
const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported: 415,
  unprocessable: 422,
  too_many: 429,
  internal: 500,
  unavailable: 503,
};

/** Errors raised by body parsers carry these fields. */
interface ParserError {
  type?: string;
  status?: number;
}

const problem = (status: number, id: string, message: string): HttpProblem => ({
  status,
  id,
  message,
  headers: {},
});

const parserErrors: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'invalid_json', 'request body is not valid JSON'],
  'entity.too.large': [413, 'body_too_large', 'request body is too large'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'request body encoding is not supported'],
  'charset.unsupported': [415, 'unsupported_charset', 'request body charset is not supported'],
};

/**
 * The public form of an expected error (a product error from src/errors.ts, invalid input,
 * a body parser's refusal); undefined for anything unexpected.
 */
export function toHttpProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof AppError)
    return {
      status: statusOf[err.kind],
      id: err.id,
      message: err.message,
      headers: err.retryAfterS === undefined ? {} : { 'Retry-After': String(err.retryAfterS) },
      ...(err.problems ? { problems: err.problems } : {}),
    };
  if (err instanceof ZodError) {
    const first = err.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    return problem(400, 'invalid_request', `${where}${first?.message ?? 'invalid request'}`);
  }
  const parser = parserErrors[(err as ParserError)?.type ?? ''];
  return parser ? problem(...parser) : undefined;
}

/** Builds the final error middleware. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // The type is set explicitly: a page may have set text/html before failing.
    const known = toHttpProblem(err);
    if (known)
      return res
        .status(known.status)
        .set(known.headers)
        .type('json')
        .json({
          error: {
            id: known.id,
            message: known.message,
            ...(known.problems ? { problems: known.problems } : {}),
          },
        });
    logger.error(
      { err: loggable(err), method: req.method, route: req.route?.path },
      'unhandled error',
    );
    return res
      .status(500)
      .type('json')
      .json({ error: { id: 'internal_error', message: 'internal error' } });
  };
}

/**
 * What of an unexpected error may be logged. Driver and validation messages can quote the
 * offending value (a mongoose CastError does), which may be personal data, so the log gets
 * the error's kind, code, field path and stack frames, never its message.
 */
export function loggable(err: unknown) {
  if (!(err instanceof Error)) return { type: typeof err };
  const { code, path } = err as { code?: unknown; path?: unknown };
  const frames = (err.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  return {
    type: err.name,
    code,
    path: typeof path === 'string' ? path : undefined,
    stack: frames.join('\n'),
  };
}

/** 404 in the error shape for any route that does not exist. */
export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { id: 'not_found', message: 'no such route' } });
};
