/**
 * Console sessions: express-session with the session stored server-side in the control
 * database (connect-mongo over the process's one MongoClient). The cookie holds only the
 * signed session id; the store keys records by its SHA-256, so a database reader cannot
 * replay a session. Idle timeout: the cookie and the record expire `idleSeconds` after the
 * last request (rolling). Absolute timeout: `loginAt` in the session, checked on every
 * request (src/api/middleware/authenticate.ts).
 *
 * FerretDB has no TTL indexes: connect-mongo already ignores expired records at read time,
 * and `sessionSweep` deletes them. The store's own interval is off: it would start a timer
 * whenever an app is built, and its `close()` closes the shared client.
 */
import { createHash } from 'node:crypto';
import MongoStore from 'connect-mongo';
import session from 'express-session';
import type { MongoClient } from 'mongodb';
import type { Sweep } from '../sweeps';

/** What a console session holds besides passport's user reference and csrf-sync's token. No personal data. */
declare module 'express-session' {
  interface SessionData {
    /** When the password (and second factor) were checked: start of the absolute timeout. */
    loginAt: number;
    /** The tenant requires 2FA and the user has not enrolled yet. */
    mustEnrolTotp: boolean;
  }
}

/** The session cookie's name: `__Host-` (Secure, host-only, path /) when served over HTTPS. */
export const sessionCookieName = (secure: boolean) => (secure ? '__Host-cf_session' : 'cf_session');

/** Builds the session middleware. */
export function createSessionMiddleware(deps: {
  mongo: MongoClient;
  dbName: string;
  secret: string;
  idleSeconds: number;
  secure: boolean;
}) {
  const store = MongoStore.create({
    client: deps.mongo,
    dbName: deps.dbName,
    collectionName: 'sessions',
    ttl: deps.idleSeconds,
    autoRemove: 'disabled',
    stringify: false,
    transformId: (sid: string) => createHash('sha256').update(sid).digest('base64url'),
  });
  return session({
    name: sessionCookieName(deps.secure),
    secret: deps.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.secure,
      path: '/',
      maxAge: deps.idleSeconds * 1000,
    },
  });
}

/** Deletes expired session records every 10 minutes (what a TTL index would do). */
export function sessionSweep(mongo: MongoClient, dbName: string): Sweep {
  return {
    name: 'expired sessions',
    everyMs: 10 * 60_000,
    run: () =>
      mongo
        .db(dbName)
        .collection('sessions')
        .deleteMany({ expires: { $lt: new Date() } }),
  };
}
