/**
 * Builds the express app from its dependencies without listening, so tests drive the same
 * app the server runs. Routes are thin; errors all leave through one middleware.
 */
import type { Client } from '@temporalio/client';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Logger } from '../logger';
import type { HealthChecks } from '../health';
import { projectRoot } from '../util/project-root';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { requireJsonBody } from './middleware/json-only';
import { requirePlatformToken } from './middleware/platform-auth';
import { codecRoutes, type CodecEndpointDeps } from './routes/codec';
import { devMailRoutes } from './routes/dev-mail';
import { diagnosticsRoutes } from './routes/diagnostics';
import { contactRoutes } from './routes/contacts';
import { importRoutes } from './routes/imports';
import { listRoutes } from './routes/lists';
import { tenantRoutes } from './routes/tenants';
import { requireTenantAuth } from './middleware/tenant-auth';
import type { DataLayer } from '../db/open';
import { healthRoutes } from './routes/health';
import { createAccessLog } from '../auth/access-log';
import { createAccounts } from '../auth/accounts';
import { createBruteForce, type BruteForceSettings } from '../auth/brute-force';
import { createLogin } from '../auth/login';
import { createSessionMiddleware, sessionCookieName } from '../auth/sessions';
import { createTotpEnrolment } from '../auth/totp-enrolment';
import { createAuthentication } from './middleware/authenticate';
import { securityHeaders } from './middleware/security-headers';
import { accessLogRoutes } from './routes/access-log';
import { apiKeyRoutes } from './routes/api-keys';
import { authRoutes } from './routes/auth';
import { securitySettingsRoutes } from './routes/security-settings';
import { userRoutes } from './routes/users';

/** The web console's static files (served by the api, so one port serves everything). */
const uiDir = path.join(projectRoot, 'ui');

/** What the app needs; wired in src/server.ts and in tests. */
export interface AppDeps {
  logger: Logger;
  health: HealthChecks;
  temporal: Client;
  taskQueue: string;
  platformToken: string;
  data: DataLayer;
  /** Folder of the embedded SMTP sink; set only while the sink is the relay. */
  mailSinkDir?: string;
  /** The payload codec endpoint for the Temporal Web UI and CLI; absent: not mounted. */
  codec?: CodecEndpointDeps;
  /** Console sessions and brute-force protection (from config.auth). */
  auth: AuthSettings;
  /** The api serves HTTPS itself: Secure `__Host-` cookies and HSTS. */
  https?: boolean;
}

/** Session and brute-force settings. */
export interface AuthSettings {
  /** Signs session cookies; every api process of an install must share it. */
  sessionSecret: string;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  bruteForce: BruteForceSettings;
}

/** Creates the app. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const https = deps.https ?? false;
  const { control } = deps.data.tenants;
  const { encryption, mongo, names } = deps.data;
  const accessLog = createAccessLog({ control, encryption });
  app.locals.accessLog = accessLog; // for recordAccess(res, …)
  const bruteForce = createBruteForce({
    mongo,
    dbName: names.control,
    secret: deps.auth.sessionSecret,
    settings: deps.auth.bruteForce,
  });
  bruteForce.startSweeping();
  const authentication = createAuthentication({
    control,
    bruteForce,
    accessLog,
    login: createLogin({ control, encryption, bruteForce, accessLog }),
    sessions: createSessionMiddleware({
      mongo,
      dbName: names.control,
      secret: deps.auth.sessionSecret,
      idleSeconds: deps.auth.sessionIdleSeconds,
      secure: https,
    }),
    sessionMaxSeconds: deps.auth.sessionMaxSeconds,
  });
  const accounts = createAccounts({ control, encryption, accessLog });

  app.use(securityHeaders(https));
  app.use(healthRoutes(deps.health));
  app.use(express.static(uiDir, { index: 'index.html', maxAge: '5m' }));
  if (deps.mailSinkDir) app.use(devMailRoutes(deps.mailSinkDir));
  if (deps.codec)
    app.use(codecRoutes({ ...deps.codec, platformToken: deps.platformToken, logger: deps.logger }));
  // API key or session, for every route below (platform routes check their own token).
  app.use('/api/v1', ...authentication.middleware);
  // Imports stream their CSV / NDJSON body themselves; every other body is JSON.
  app.use(importRoutes(deps));
  app.use('/api/v1', requireJsonBody, express.json({ limit: '100kb', strict: true }));
  app.use(['/api/v1/diagnostics', '/api/v1/tenants'], requirePlatformToken(deps.platformToken));
  app.use(diagnosticsRoutes(deps.temporal, deps.taskQueue));
  app.use(tenantRoutes(deps));
  app.use(
    authRoutes({
      authentication,
      accounts,
      accessLog,
      bruteForce,
      control,
      totp: createTotpEnrolment({ control, encryption, accessLog }),
      cookieName: sessionCookieName(https),
    }),
  );
  app.use(
    [
      '/api/v1/lists',
      '/api/v1/contacts',
      '/api/v1/imports',
      '/api/v1/users',
      '/api/v1/api-keys',
      '/api/v1/access-log',
      '/api/v1/settings',
    ],
    requireTenantAuth(deps.data.tenants),
  );
  app.use(listRoutes(), contactRoutes());
  app.use(
    userRoutes({ accounts, control }),
    apiKeyRoutes({ control, accessLog }),
    accessLogRoutes({ control }),
    securitySettingsRoutes({ control, accessLog }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
