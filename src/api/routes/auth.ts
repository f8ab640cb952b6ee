/**
 * Console sessions: login (passport local strategy, then a regenerated session), logout,
 * the session's own user, password change, and TOTP enrolment.
 */
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import type { Accounts } from '../../auth/accounts';
import type { BruteForce } from '../../auth/brute-force';
import type { TotpEnrolment } from '../../auth/totp-enrolment';
import type { ControlModels } from '../../db/tenant-access';
import type { AccessLogDocument } from '../../db/models/access-log';
import type { UserDocument } from '../../db/models/user';
import { AppError, invalid, unauthorized } from '../../errors';
import { clientIp, sessionUserOf, type Authentication } from '../middleware/authenticate';
import { errorBody } from '../openapi';
import { accessEntrySchema, presentAccessEntry } from '../presenters/access-entry';
import { presentUser, userSchema } from '../presenters/user';
import { defineRoute } from '../route';
import { loginBody, passwordBody } from '../schemas/auth';

const codeBody = z.strictObject({ code: z.string().min(1).max(16) });

/** Dependencies of the session routes. */
export interface AuthRouteDeps {
  authentication: Authentication;
  accounts: Accounts;
  accessLog: AccessLog;
  bruteForce: BruteForce;
  control: ControlModels;
  totp: TotpEnrolment;
  cookieName: string;
}

const loginResult = z
  .strictObject({
    user: userSchema.nullable().meta({ description: 'null while a second factor is required' }),
    mustChangePassword: z.boolean(),
    totpRequired: z.boolean().meta({
      description: 'the password was right; send it again with `totp` or `recoveryCode`',
    }),
    totpEnrolmentRequired: z.boolean().optional(),
    csrfToken: z
      .string()
      .nullable()
      .meta({ description: 'send as `X-CSRF-Token` with every session call that changes state' }),
  })
  .meta({ id: 'LoginResult' });
const sessionSchema = z
  .strictObject({
    user: userSchema,
    mustChangePassword: z.boolean(),
    totpEnrolmentRequired: z.boolean(),
    csrfToken: z.string(),
  })
  .meta({ id: 'Session' });

/** Builds the session routes (behind `authenticate`, which resolves the session). */
export function authRoutes(deps: AuthRouteDeps) {
  const { authentication, accounts, accessLog, bruteForce, totp } = deps;
  const { AccessLog } = deps.control;
  const sessionUser = (res: Parameters<typeof sessionUserOf>[0]) => {
    const user = sessionUserOf(res);
    if (!user) throw unauthorized('a session is required');
    return user;
  };
  const actorOf = (user: UserDocument, ip: string) => ({
    tenantId: user.tenantId,
    userId: user._id,
    ip,
  });

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      tag: 'sessions',
      summary: 'Log in',
      description:
        'Starts a new console session (cookie) whatever the request carried. Wrong passwords are delayed, then locked out per account and per IP (429 with `Retry-After`); the answer never tells whether an account exists. With 2FA enabled, the first answer has `totpRequired`; send the password again with `totp` or `recoveryCode`.',
      auth: 'none',
      request: { body: loginBody },
      responses: {
        200: { description: 'logged in, or a second factor is required', schema: loginResult },
        400: { description: 'the request also carries an API key', schema: errorBody },
        429: { description: 'locked out for a while (`Retry-After`)', schema: errorBody },
      },
      async handler(_input, req, res) {
        // A request with an API key never opens the session store (authenticate.ts).
        if (!req.session)
          throw invalid(
            'a login carries no API key: send it without the Authorization header',
            'api_key_not_accepted',
          );
        const result = await authentication.checkLogin(req);
        if (result.kind === 'totp_required') {
          res.json({ user: null, mustChangePassword: false, totpRequired: true, csrfToken: null });
          return;
        }
        await new Promise<void>((resolve, reject) =>
          req.login(result.user, (err) => (err ? reject(err) : resolve())),
        );
        req.session.loginAt = Date.now();
        req.session.mustEnrolTotp = result.mustEnrolTotp;
        res.json({
          user: presentUser(result.user),
          mustChangePassword: result.mustChangePassword,
          totpRequired: false,
          totpEnrolmentRequired: result.mustEnrolTotp,
          csrfToken: authentication.csrfToken(req, true),
        });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      tag: 'sessions',
      summary: 'Log out',
      description:
        'Ends the session, if the request carries one (then with its `X-CSRF-Token`), and clears the cookie; without a session it only clears the cookie.',
      auth: 'none',
      responses: { 204: { description: 'logged out' } },
      async handler(_input, req, res) {
        const user = sessionUserOf(res);
        if (user)
          await accessLog.record({
            tenantId: user.tenantId,
            event: 'logout',
            subjectId: user._id,
            ip: clientIp(req),
          });
        if (req.session)
          await new Promise<void>((resolve, reject) =>
            req.session.destroy((err) => (err ? reject(err) : resolve())),
          );
        res.clearCookie(deps.cookieName, { path: '/' });
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/auth/session',
      tag: 'sessions',
      summary: 'The session’s user and CSRF token',
      auth: 'session',
      responses: { 200: { description: 'the session', schema: sessionSchema } },
      handler(_input, req, res) {
        const user = sessionUser(res);
        res.json({
          user: presentUser(user),
          mustChangePassword: user.mustChangePassword,
          totpEnrolmentRequired: Boolean(req.session.mustEnrolTotp),
          csrfToken: authentication.csrfToken(req, false),
        });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/auth/password',
      whileFrozen: true,
      tag: 'sessions',
      summary: 'Change the own password',
      description:
        'Checked against the tenant’s password policy and the last passwords. Other sessions of the user end; this one carries on. Wrong current passwords count like failed logins.',
      auth: 'session',
      request: { body: passwordBody },
      responses: {
        204: { description: 'changed' },
        429: { description: 'locked out for a while (`Retry-After`)', schema: errorBody },
      },
      async handler({ body }, req, res) {
        const user = sessionUser(res);
        // Guessing the current password from a live session counts like guessing at login.
        const keys = {
          account: bruteForce.accountKey(String(user.email)),
          ip: bruteForce.ipKey(clientIp(req)),
        };
        await bruteForce.assertAllowed([keys.account, keys.ip]);
        const updated = await accounts
          .changePassword(actorOf(user, clientIp(req)), body)
          .catch(async (err) => {
            if (err instanceof AppError && err.id === 'wrong_password')
              await bruteForce.fail(keys.account, keys.ip);
            throw err;
          });
        // Other sessions of this user end (new sessionVersion); this one carries on.
        (req.session as unknown as { passport: { user: { v: number } } }).passport.user.v =
          updated.sessionVersion ?? 0;
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/auth/activity',
      tag: 'sessions',
      summary: 'The own access log',
      description:
        'The account owner’s view: their logins, failures, lockouts and other events by or about them, newest first (at most 200).',
      auth: 'session',
      responses: {
        200: {
          description: 'the entries',
          schema: z.strictObject({ entries: z.array(accessEntrySchema) }),
        },
      },
      async handler(_input, _req, res) {
        const user = sessionUser(res);
        const entries = await AccessLog.find({
          tenantId: user.tenantId,
          $or: [{ 'actor.id': user._id }, { subjectId: user._id }],
        })
          .sort({ at: -1 })
          .limit(200)
          .lean<AccessLogDocument[]>();
        res.json({ entries: entries.map(presentAccessEntry) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/auth/totp/enrol',
      whileFrozen: true,
      tag: 'sessions',
      summary: 'Start TOTP enrolment',
      description:
        'Returns a new secret, its otpauth URL and a QR code (PNG data URL); the second factor is enabled once `POST /api/v1/auth/totp/confirm` checks a code from it.',
      auth: 'session',
      responses: {
        200: {
          description: 'the pending secret',
          schema: z
            .strictObject({ secret: z.string(), otpauthUrl: z.string(), qrCode: z.string() })
            .meta({ id: 'TotpEnrolment' }),
        },
      },
      async handler(_input, _req, res) {
        res.json(await totp.start(sessionUser(res)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/auth/totp/confirm',
      whileFrozen: true,
      tag: 'sessions',
      summary: 'Confirm TOTP enrolment',
      description: 'Enables the second factor; the recovery codes are shown only in this answer.',
      auth: 'session',
      request: { body: codeBody },
      responses: {
        200: {
          description: 'enabled',
          schema: z.strictObject({ recoveryCodes: z.array(z.string()) }),
        },
      },
      async handler({ body }, req, res) {
        const recoveryCodes = await totp.confirm(sessionUser(res), body.code, clientIp(req));
        req.session.mustEnrolTotp = false;
        res.json({ recoveryCodes });
      },
    }),
  ];
}
