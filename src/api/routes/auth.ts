/**
 * Console sessions: login (passport local strategy, then a regenerated session), logout,
 * the session's own user, password change, and TOTP enrolment.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import type { Accounts } from '../../auth/accounts';
import type { BruteForce } from '../../auth/brute-force';
import type { TotpEnrolment } from '../../auth/totp-enrolment';
import type { ControlModels } from '../../db/tenant-access';
import type { AccessLogDocument } from '../../db/models/access-log';
import type { UserDocument } from '../../db/models/user';
import { HttpError, unauthorized } from '../errors';
import { clientIp, sessionUserOf, type Authentication } from '../middleware/authenticate';
import { presentAccessEntry } from '../presenters/access-entry';
import { presentUser } from '../presenters/user';

const loginBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
  totp: z.string().max(16).optional(),
  recoveryCode: z.string().max(32).optional(),
});
const passwordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});
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

/** Builds the session routes (mounted after `authenticate`). */
export function authRoutes(deps: AuthRouteDeps): Router {
  const { authentication, accounts, accessLog, bruteForce, totp } = deps;
  const { AccessLog } = deps.control;
  const router = Router();
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

  router.post('/api/v1/auth/login', async (req, res) => {
    loginBody.parse(req.body);
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
  });

  router.post('/api/v1/auth/logout', async (req, res) => {
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
  });

  router.get('/api/v1/auth/session', (req, res) => {
    const user = sessionUser(res);
    res.json({
      user: presentUser(user),
      mustChangePassword: user.mustChangePassword,
      totpEnrolmentRequired: Boolean(req.session.mustEnrolTotp),
      csrfToken: authentication.csrfToken(req, false),
    });
  });

  router.post('/api/v1/auth/password', async (req, res) => {
    const body = passwordBody.parse(req.body);
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
        if (err instanceof HttpError && err.id === 'wrong_password')
          await bruteForce.fail(keys.account, keys.ip);
        throw err;
      });
    // Other sessions of this user end (new sessionVersion); this one carries on.
    (req.session as unknown as { passport: { user: { v: number } } }).passport.user.v =
      updated.sessionVersion ?? 0;
    res.status(204).end();
  });

  // The account owner's own view of the access log: their logins, failures, lockouts.
  router.get('/api/v1/auth/activity', async (_req, res) => {
    const user = sessionUser(res);
    const entries = await AccessLog.find({
      tenantId: user.tenantId,
      $or: [{ 'actor.id': user._id }, { subjectId: user._id }],
    })
      .sort({ at: -1 })
      .limit(200)
      .lean<AccessLogDocument[]>();
    res.json({ entries: entries.map(presentAccessEntry) });
  });

  router.post('/api/v1/auth/totp/enrol', async (_req, res) => {
    res.json(await totp.start(sessionUser(res)));
  });

  router.post('/api/v1/auth/totp/confirm', async (req, res) => {
    const { code } = codeBody.parse(req.body);
    const recoveryCodes = await totp.confirm(sessionUser(res), code, clientIp(req));
    req.session.mustEnrolTotp = false;
    res.json({ recoveryCodes });
  });

  return router;
}
