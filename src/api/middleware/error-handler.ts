/**
 * Maps every error to `{ error: { id, message } }`. Details of unexpected errors go to the
 * log under a request id; the client never sees a stack trace or internal message.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../../logger';
import { HttpError } from '../errors';
import { UnknownTenantError } from '../../db/tenant-access';
import { SubscribeLimitError } from '../../consent/subscribe-limits';

/** Errors raised by body parsers carry these fields. */
interface ParserError {
  type?: string;
  status?: number;
}

const parserErrors: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'invalid_json', 'request body is not valid JSON'],
  'entity.too.large': [413, 'body_too_large', 'request body is too large'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'request body encoding is not supported'],
  'charset.unsupported': [415, 'unsupported_charset', 'request body charset is not supported'],
};

/**
 * The public form of an expected error (a route's HttpError, a refused tenant, a flood
 * limit, invalid input, a body parser's refusal); undefined for anything unexpected.
 */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof UnknownTenantError) return new HttpError(404, 'not_found', 'tenant not found');
  if (err instanceof SubscribeLimitError)
    return new HttpError(429, 'rate_limited', `${err.message}; retry later`, {
      'Retry-After': String(err.retryAfterS),
    });
  if (err instanceof ZodError) {
    const first = err.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    return new HttpError(400, 'invalid_request', `${where}${first?.message ?? 'invalid request'}`);
  }
  const parser = parserErrors[(err as ParserError)?.type ?? ''];
  return parser ? new HttpError(...parser) : undefined;
}

/** Builds the final error middleware. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // The type is set explicitly: a page may have set text/html before failing.
    const known = toHttpError(err);
    if (known)
      return res
        .status(known.status)
        .set(known.headers)
        .type('json')
        .json({ error: { id: known.id, message: known.message } });
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
