/**
 * Who is calling, for every tenant route: an API key (`Authorization: Bearer cfk_…`, passport
 * bearer strategy, brute-force protected) or a console session (cookie, passport session,
 * user reloaded on every request so permission changes and disabling apply at once). Either
 * resolves to the same Principal in `res.locals.principal`; `requireTenantAuth` then insists
 * on one. Session calls that change state must carry the login's CSRF token, and a session
 * that must first change its password or enrol a second factor may do only that.
 */
import type { Request, RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';
import { Passport } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { Strategy as LocalStrategy } from 'passport-local';
import type { AccessLog } from '../../auth/access-log';
import { authenticateApiKeyCached } from '../../auth/api-key-cache';
import type { BruteForce } from '../../auth/brute-force';
import type { Login, LoginResult } from '../../auth/login';
import { tokensMatch } from '../../auth/platform-token';
import type { Principal } from '../../auth/principal';
import { userPrincipal } from '../../auth/user-principal';
import type { UserDocument } from '../../db/models/user';
import type { ControlModels } from '../../db/tenant-access';
import { forbidden, unauthorized } from '../../errors';

/** What passport keeps in the session: the user and the version of their credentials. */
interface SessionRef {
  id: string;
  v: number;
}

/** Routes a restricted session (password change or 2FA enrolment pending) may still call. */
const allowedWhileRestricted = [
  'GET /api/v1/auth/session',
  'GET /api/v1/auth/activity',
  'POST /api/v1/auth/password',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/totp/enrol',
  'POST /api/v1/auth/totp/confirm',
];

/**
 * Login starts a new session whatever the cookie holds (the old one is replaced), so it
 * needs neither the old session's CSRF token nor its permission to act.
 */
const csrfExempt = ['POST /api/v1/auth/login'];

/** Whether the request presents an API key (which then decides, whatever cookie it carries). */
const isApiKeyRequest = (req: Request) => /^Bearer cfk_/.test(req.get('authorization') ?? '');

/** Runs `handler` for requests without an API key only. */
const unlessApiKey =
  (handler: RequestHandler): RequestHandler =>
  (req, res, next) =>
    isApiKeyRequest(req) ? next() : handler(req, res, next);

/** The user of a console session, once `authenticate` ran. */
export const sessionUserOf = (res: { locals: Record<string, unknown> }) =>
  res.locals.sessionUser as UserDocument | undefined;

/** Dependencies of authentication. */
export interface AuthenticationDeps {
  control: ControlModels;
  bruteForce: BruteForce;
  accessLog: AccessLog;
  login: Login;
  /** The session middleware (src/auth/sessions.ts). */
  sessions: RequestHandler;
  sessionMaxSeconds: number;
}

/** Builds passport and the middleware that resolves the caller. */
export function createAuthentication(deps: AuthenticationDeps) {
  const { control, bruteForce, accessLog } = deps;
  const passport = new Passport();

  passport.serializeUser<SessionRef>((user, done) => {
    const u = user as UserDocument;
    done(null, { id: u._id, v: u.sessionVersion ?? 0 });
  });
  passport.deserializeUser<SessionRef>((ref, done) => {
    control.User.findById(ref.id)
      .lean<UserDocument>()
      .then((user) => {
        // A reset password or a disabled account ends every session at its next request.
        const valid = user && !user.disabledAt && (user.sessionVersion ?? 0) === ref.v;
        done(null, valid ? user : false);
      }, done);
  });

  passport.use(
    new LocalStrategy(
      {
        usernameField: 'email',
        passwordField: 'password',
        passReqToCallback: true,
        session: false,
      },
      (req, _email, _password, done) => {
        deps.login(req.body, clientIp(req)).then((result) => done(null, result), done);
      },
    ),
  );

  passport.use(
    new BearerStrategy(
      { passReqToCallback: true },
      (req: Request, token: string, done: (err: unknown, user?: Principal | false) => void) => {
        verifyApiKey(token, clientIp(req)).then(
          (principal) => done(null, principal ?? false),
          done,
        );
      },
    ),
  );

  /**
   * A correct key is accepted without consulting the brute-force store: its 256-bit secret
   * cannot be guessed, so refusing it would only let someone who knows a key id lock the
   * integrator out (and would cost every request two more reads). Wrong keys are delayed,
   * then locked, per key id and per IP, like logins.
   */
  async function verifyApiKey(token: string, ip: string): Promise<Principal | undefined> {
    // Through the short cache of authenticated keys (src/auth/api-key-cache.ts): a burst of
    // calls with one key costs one lookup.
    const principal = await authenticateApiKeyCached(control, token, (used) =>
      accessLog.record({
        tenantId: used.tenantId,
        event: 'api_key.used',
        actor: { kind: 'api_key', id: used.id },
        ip,
      }),
    );
    if (principal) return principal;
    const keyId = /^cfk_([0-9a-f]{16})_/.exec(token)?.[1] ?? 'malformed';
    const keys = { account: bruteForce.accountKey(`key:${keyId}`), ip: bruteForce.ipKey(ip) };
    await bruteForce.assertAllowed([keys.account, keys.ip]);
    const { locked } = await bruteForce.fail(keys.account, keys.ip);
    const record =
      keyId === 'malformed' ? null : await control.ApiKey.findById(keyId, { tenantId: 1 }).lean();
    const about = record ? { tenantId: record.tenantId, subjectId: keyId } : {};
    await accessLog.record({ ...about, event: 'api_key.failure', ip });
    if (locked) await accessLog.record({ ...about, event: 'api_key.lockout', ip });
    return undefined;
  }

  const csrf = csrfSync({
    // Compared here in constant time; the library then only sees an exact copy or nothing.
    getTokenFromRequest: (req) => {
      const sent = req.get('x-csrf-token');
      const stored = req.session.csrfToken;
      return sent && stored && tokensMatch(sent, stored) ? stored : undefined;
    },
  });

  const bearer: RequestHandler = (req, res, next) => {
    passport.authenticate(
      'bearer',
      { session: false },
      (err: unknown, principal: Principal | false) => {
        if (err) return next(err);
        if (!principal) return next(unauthorized('a valid API key is required'));
        if (principal.expiresAt !== undefined && Date.now() >= principal.expiresAt)
          return next(
            principal.grantId
              ? forbidden(
                  'support_grant_ended',
                  'the support grant this key was issued under has ended',
                )
              : unauthorized('this API key has expired'),
          );
        res.locals.principal = principal;
        if (!principal.grantId) return next();
        // Under a support grant, every request is the tenant's to see: logged before it runs.
        accessLog
          .record({
            tenantId: principal.tenantId,
            event: 'support_access.used',
            actor: { kind: 'api_key', id: principal.id },
            ip: clientIp(req),
            // The path holds opaque ids only; the query (a searched address, say) is left out.
            details: {
              grantId: principal.grantId,
              method: req.method,
              path: req.baseUrl + req.path,
            },
          })
          .then(() => next(), next);
      },
    )(req, res, next);
  };

  const session: RequestHandler = (req, res, next) => {
    const user = req.user as UserDocument | undefined;
    if (!user) return next();
    const loginAt = req.session.loginAt ?? 0;
    if (Date.now() - loginAt > deps.sessionMaxSeconds * 1000) {
      // Past the absolute timeout: the session ends however active it was. A fresh, empty
      // session replaces it, so the request carries on unauthenticated (a login works).
      req.user = undefined;
      return req.session.regenerate((err) => next(err));
    }
    const route = `${req.method} ${req.baseUrl}${req.path}`; // mounted at /api/v1
    if (csrfExempt.includes(route)) return next();
    res.locals.principal = userPrincipal(user);
    res.locals.sessionUser = user;
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !csrf.isRequestValid(req)) {
      return next(forbidden('csrf_token_invalid', 'the X-CSRF-Token header is missing or wrong'));
    }
    if (!allowedWhileRestricted.includes(route)) {
      if (user.mustChangePassword)
        return next(
          forbidden(
            'password_change_required',
            'change the password first (POST /api/v1/auth/password)',
          ),
        );
      if (req.session.mustEnrolTotp)
        return next(
          forbidden(
            'totp_enrolment_required',
            'enrol a second factor first (POST /api/v1/auth/totp/enrol)',
          ),
        );
    }
    next();
  };

  return {
    passport,

    /**
     * Mounted once on /api/v1: resolves `res.locals.principal` when credentials are presented.
     * A request with an API key never touches the session store (nor starts a session).
     */
    middleware: [
      passport.initialize(),
      unlessApiKey(deps.sessions),
      unlessApiKey(passport.session()),
      ((req, res, next) =>
        // Only API keys are for this middleware; platform routes check their own token.
        isApiKeyRequest(req) ? bearer(req, res, next) : session(req, res, next)) as RequestHandler,
    ],

    /** Runs the local strategy (the login check) for a request. */
    checkLogin(req: Request): Promise<LoginResult> {
      return new Promise((resolve, reject) => {
        passport.authenticate(
          'local',
          { session: false },
          (err: unknown, result: LoginResult | false) => {
            if (err) return reject(err);
            if (!result) return reject(unauthorized());
            resolve(result);
          },
        )(req, undefined as never, reject);
      });
    },

    /** The CSRF token bound to the request's session (a new one when `fresh`). */
    csrfToken: (req: Request, fresh: boolean) => csrf.generateToken(req, fresh),
  };
}

/** The caller's address (the socket's: the api does not trust proxy headers). */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** The authentication of an app. */
export type Authentication = ReturnType<typeof createAuthentication>;
