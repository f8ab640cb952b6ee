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

/** Builds the final error middleware. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const send = (status: number, id: string, message: string) =>
      res.status(status).json({ error: { id, message } });
    if (err instanceof HttpError) {
      res.set(err.headers);
      return send(err.status, err.id, err.message);
    }
    if (err instanceof UnknownTenantError) return send(404, 'not_found', 'tenant not found');
    if (err instanceof SubscribeLimitError) {
      res.set('Retry-After', String(err.retryAfterS));
      return send(429, 'rate_limited', `${err.message}; retry later`);
    }
    if (err instanceof ZodError) {
      const first = err.issues[0];
      const where = first?.path.length ? `${first.path.join('.')}: ` : '';
      return send(400, 'invalid_request', `${where}${first?.message ?? 'invalid request'}`);
    }
    const parser = parserErrors[(err as ParserError)?.type ?? ''];
    if (parser) return send(...parser);
    logger.error(
      { err: loggable(err), method: req.method, route: req.route?.path },
      'unhandled error',
    );
    return send(500, 'internal_error', 'internal error');
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
