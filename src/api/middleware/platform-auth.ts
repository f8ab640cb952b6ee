/** Guards platform-operator routes with the platform bearer token. */
import type { RequestHandler } from 'express';
import { tokensMatch } from '../../auth/platform-token';
import { unauthorized } from '../../errors';

/** Accepts only `Authorization: Bearer <platform token>`. */
export function requirePlatformToken(expected: string): RequestHandler {
  return (req, _res, next) => {
    const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    if (!match?.[1] || !tokensMatch(match[1], expected))
      return next(unauthorized('platform token required'));
    next();
  };
}
