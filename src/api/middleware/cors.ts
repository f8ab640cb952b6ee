/**
 * CORS for an allow-list of browser origins, for endpoints a web app on another origin calls
 * (the Temporal Web UI calling the codec endpoint). Listed origins get explicit CORS headers
 * with credentials allowed (which rules out `*`); a preflight or request from any other
 * origin is refused with 403, so a page elsewhere cannot use the endpoint through an
 * operator's browser. Requests without `Origin` (the CLI, scripts) pass untouched.
 */
import type { RequestHandler } from 'express';
import { forbidden } from '../../errors';

/** What a cross-origin caller may do. */
export interface CorsPolicy {
  origins: readonly string[];
  methods: readonly string[];
  headers: readonly string[];
}

/** Answers preflights and labels responses for the allowed origins only. */
export function allowOrigins(policy: CorsPolicy): RequestHandler {
  const allowed = new Set(policy.origins);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined) return next();
    if (!allowed.has(origin)) {
      return next(forbidden('origin_not_allowed', 'this origin may not call this endpoint'));
    }
    res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    if (req.method !== 'OPTIONS') return next();
    res.set({
      'Access-Control-Allow-Methods': policy.methods.join(', '),
      'Access-Control-Allow-Headers': policy.headers.join(', '),
      'Access-Control-Max-Age': '600',
    });
    // Chrome's Private Network Access: a public page calling a loopback api asks first.
    if (req.get('access-control-request-private-network') === 'true') {
      res.set('Access-Control-Allow-Private-Network', 'true');
    }
    res.status(204).end();
  };
}
