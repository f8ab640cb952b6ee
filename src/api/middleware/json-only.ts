/** Refuses state-changing requests whose body is not JSON, instead of silently ignoring it. */
import type { RequestHandler } from 'express';
import { AppError } from '../../errors';

/** 415 unless a request with a body declares `application/json`. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['content-length'] !== '0' &&
    (req.headers['content-length'] || req.headers['transfer-encoding']);
  if (hasBody && !req.is('application/json')) {
    return next(
      new AppError(
        'unsupported',
        'unsupported_media_type',
        'request body must be application/json',
      ),
    );
  }
  next();
};
