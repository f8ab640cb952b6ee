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
import type { LinkTokens } from '../consent/link-tokens';
import type { RecipientLinks } from '../consent/recipient-links';
import type { SubscribeLimits } from '../consent/subscribe-limits';
import type { DkimKeys } from '../mail/dkim-keys';
import { consentExportRoutes } from './routes/consent-export';
import { dkimRoutes } from './routes/dkim';
import { formRoutes } from './routes/forms';
import { recipientLinkRoutes } from './routes/recipient-links';
import { subscriptionRoutes } from './routes/subscriptions';

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
  /** Recipients' links and the tenant DKIM keys (src/consent/open.ts). */
  recipients: { tokens: LinkTokens; links: RecipientLinks; dkim: DkimKeys };
  /** Subscription flood limits. */
  limits: SubscribeLimits;
  /** The base URL of public pages (form links shown on lists). */
  publicUrl?: string;
}

/** Creates the app. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(healthRoutes(deps.health));
  app.use(express.static(uiDir, { index: 'index.html', maxAge: '5m' }));
  if (deps.mailSinkDir) app.use(devMailRoutes(deps.mailSinkDir));
  if (deps.codec)
    app.use(codecRoutes({ ...deps.codec, platformToken: deps.platformToken, logger: deps.logger }));
  // Public pages of recipients: links in mail and the hosted subscribe form.
  const publicDeps = { ...deps.recipients, tenants: deps.data.tenants, temporal: deps.temporal };
  app.use(recipientLinkRoutes(publicDeps));
  app.use(formRoutes({ ...publicDeps, taskQueue: deps.taskQueue, limits: deps.limits }));
  // Imports stream their CSV / NDJSON body themselves; every other body is JSON.
  app.use(importRoutes(deps));
  app.use('/api/v1', requireJsonBody, express.json({ limit: '100kb', strict: true }));
  app.use(['/api/v1/diagnostics', '/api/v1/tenants'], requirePlatformToken(deps.platformToken));
  app.use(diagnosticsRoutes(deps.temporal, deps.taskQueue));
  app.use(tenantRoutes(deps));
  app.use(
    ['/api/v1/lists', '/api/v1/contacts', '/api/v1/imports', '/api/v1/dkim'],
    requireTenantAuth(deps.data.tenants),
  );
  app.use(
    listRoutes({ ...deps, tenants: deps.data.tenants }),
    contactRoutes(),
    subscriptionRoutes({ temporal: deps.temporal, taskQueue: deps.taskQueue, limits: deps.limits }),
    consentExportRoutes(),
    dkimRoutes(deps.recipients.dkim),
  );
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
