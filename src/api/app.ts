/**
 * Builds the express app from its dependencies without listening, so tests drive the same
 * app the server runs. Routes are thin; errors all leave through one middleware.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '../logger';
import type { HealthChecks } from '../health';
import { projectRoot } from '../util/project-root';
import type { LinkTokens } from '../consent/link-tokens';
import type { RecipientLinks } from '../consent/recipient-links';
import type { SubscriptionCommand } from '../consent/subscription/command';
import type { DataLayer } from '../db/open';
import type { DkimKeys } from '../mail/dkim-keys';
import type { SendingDomains } from '../mail/sending-domains';
import type { WorkflowGateway } from '../temporal/workflows';
import type { WebhookEmitDeps } from '../webhooks/emit';
import type { WebhookEndpointDeps } from '../webhooks/endpoints';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { requireJsonBody } from './middleware/json-only';
import { requirePlatformToken } from './middleware/platform-auth';
import { requireSessionAuth, requireTenantAuth } from './middleware/tenant-auth';
import { mountRoutes, type AuthMiddlewares, type RouteDefinition } from './route';
import { codecMiddleware, codecRoutes, type CodecEndpointDeps } from './routes/codec';
import { consentExportRoutes } from './routes/consent-export';
import { contactRoutes } from './routes/contacts';
import { profileCenterRoutes } from './routes/profile-center';
import { rightsPageRoutes } from './routes/rights-pages';
import { rightsRequestRoutes } from './routes/rights-requests';
import { devMailRoutes } from './routes/dev-mail';
import { diagnosticsRoutes } from './routes/diagnostics';
import { dkimRoutes } from './routes/dkim';
import { formRoutes } from './routes/forms';
import { healthRoutes } from './routes/health';
import { importRoutes } from './routes/imports';
import { listRoutes } from './routes/lists';
import { openApiRoutes } from './routes/openapi';
import { recipientLinkRoutes } from './routes/recipient-links';
import { subscriptionRoutes } from './routes/subscriptions';
import { tenantRoutes } from './routes/tenants';
import { backupRoutes } from './routes/backups';
import { feedbackRoutes } from './routes/feedback';
import type { BackupStore } from '../backups/store';
import type { AccessLog } from '../auth/access-log';
import type { AutomationTriggers } from '../automations/triggers';
import type { DenyLists } from '../campaigns/deny-list';
import type { LinkChecker } from '../campaigns/link-check';
import type { Accounts } from '../auth/accounts';
import type { BruteForce } from '../auth/brute-force';
import type { Login } from '../auth/login';
import { sessionCookieName } from '../auth/sessions';
import type { TotpEnrolment } from '../auth/totp-enrolment';
import { createAuthentication } from './middleware/authenticate';
import { securityHeaders } from './middleware/security-headers';
import { accessLogRoutes } from './routes/access-log';
import { accessReviewRoutes } from './routes/access-reviews';
import { supportAccessRoutes } from './routes/support-access';
import { apiKeyRoutes } from './routes/api-keys';
import { authRoutes } from './routes/auth';
import { securitySettingsRoutes } from './routes/security-settings';
import { userRoutes } from './routes/users';
import { webhookRoutes } from './routes/webhooks';
import { automationRoutes } from './routes/automations';
import { campaignRoutes } from './routes/campaigns';
import { senderSettingsRoutes } from './routes/sender-settings';
import { linkDenylistRoutes } from './routes/link-denylist';
import { sendingDomainRoutes } from './routes/sending-domains';
import { templateRoutes } from './routes/templates';
import { trackingRoutes } from './routes/tracking';
import { consoleRoutes } from './console';

const { version } = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
};

/** What the app needs; built by openApiServices (src/wiring/api.ts), in the server and in tests. */
export interface AppDeps {
  logger: Logger;
  health: HealthChecks;
  /** Starts, signals and updates workflows, and keeps lists' Schedules (src/temporal/workflows.ts). */
  workflows: WorkflowGateway;
  platformToken: string;
  data: DataLayer;
  /** The token a relay posts bounce and complaint reports with; absent: no such route. */
  feedbackToken?: string;
  /** Where tenants' backups are kept (src/backups/store.ts); the platform lists them. */
  backupStore: BackupStore;
  /** Folder of the embedded SMTP sink; set only while the sink is the relay. */
  mailSinkDir?: string;
  /** The payload codec endpoint for the Temporal Web UI and CLI; absent: not mounted. */
  codec?: CodecEndpointDeps;
  /** Recipients' links, the tenant DKIM keys and sending domains (src/wiring/recipients.ts). */
  recipients: {
    tokens: LinkTokens;
    links: RecipientLinks;
    dkim: DkimKeys;
    sendingDomains: SendingDomains;
  };
  /** Subscribing with double opt-in (API and forms), flood limits included. */
  subscriptions: SubscriptionCommand;
  /** Webhooks: emitting events (recipients' pages) and managing endpoints (src/wiring/webhooks.ts). */
  webhooks: { events: WebhookEmitDeps; endpoints: WebhookEndpointDeps };
  /** Automation entries and waits fed by the product's events (src/automations/triggers.ts). */
  automations: AutomationTriggers;
  /** Checks every link of a campaign before it is sent (src/campaigns/link-check.ts). */
  linkChecker: LinkChecker;
  /** Tenants' own link deny lists, which the checker applies too. */
  denyLists: DenyLists;
  /** The base URL of public pages (form links shown on lists). */
  publicUrl?: string;
  /** The Temporal Web UI's page of the namespace; the console links workflows under it. */
  temporalWebUi?: string;
  /** Console sessions, logins, accounts and brute-force protection. */
  auth: AuthServices;
  /** The api serves HTTPS itself: Secure `__Host-` cookies and HSTS. */
  https?: boolean;
  /** Fail any response that contradicts its declared schema (tests). */
  checkResponses?: boolean;
}

/** The console's authentication services, built once per process by the wiring module. */
export interface AuthServices {
  accessLog: AccessLog;
  bruteForce: BruteForce;
  login: Login;
  accounts: Accounts;
  totp: TotpEnrolment;
  /** express-session over the control database (src/auth/sessions.ts). */
  sessions: RequestHandler;
  /** A console session ends this long after its login, however busy. */
  sessionMaxSeconds: number;
}

/**
 * Creates the app. Every route is declared with `defineRoute` (src/api/route.ts), which
 * mounts it with its authentication, feature check and strict validation and documents it
 * at `GET /api/openapi.json`; a test checks that nothing is mounted without being declared.
 * It builds no services and starts no timers: everything it uses arrives in `deps`.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const https = deps.https ?? false;
  const { control } = deps.data.tenants;
  const { accessLog, accounts, bruteForce } = deps.auth;
  app.locals.accessLog = accessLog; // for recordAccess(res, …)
  const authentication = createAuthentication({
    control,
    bruteForce,
    accessLog,
    login: deps.auth.login,
    sessions: deps.auth.sessions,
    sessionMaxSeconds: deps.auth.sessionMaxSeconds,
  });
  const cookieName = sessionCookieName(https);

  const auth: AuthMiddlewares = {
    platform: requirePlatformToken(deps.platformToken),
    tenant: requireTenantAuth(deps.data.tenants),
    session: requireSessionAuth(deps.data.tenants),
  };
  const documented: RouteDefinition[] = [];
  const mount = (routes: RouteDefinition[]) => {
    documented.push(...routes);
    app.use(mountRoutes(routes, auth, { checkResponses: deps.checkResponses }));
  };

  app.use(securityHeaders(https));
  mount(healthRoutes(deps.health));
  if (deps.mailSinkDir) mount(devMailRoutes(deps.mailSinkDir));
  if (deps.codec) {
    app.use(codecMiddleware(deps.codec.corsOrigins));
    mount(
      codecRoutes({
        ...deps.codec,
        platformToken: deps.platformToken,
        logger: deps.logger,
        accessLog,
      }),
    );
  }
  // Public pages of recipients: links in mail and the hosted subscribe form. Outside /api/v1,
  // so no console session or CSRF token is involved: the signed link token (or, for the
  // form, the per-IP and per-address limits) is the whole of their protection, and each
  // page parses its own form posts.
  const publicDeps = {
    ...deps.recipients,
    tenants: deps.data.tenants,
    workflows: deps.workflows,
    webhooks: deps.webhooks.events,
    automations: deps.automations,
  };
  mount(recipientLinkRoutes(publicDeps));
  mount(rightsPageRoutes(publicDeps));
  mount(profileCenterRoutes(publicDeps));
  mount(formRoutes({ ...publicDeps, subscriptions: deps.subscriptions }));
  mount(trackingRoutes(publicDeps));
  if (deps.feedbackToken)
    mount(
      feedbackRoutes({
        tenants: deps.data.tenants,
        tokens: deps.recipients.tokens,
        token: deps.feedbackToken,
        logger: deps.logger,
      }),
    );
  // Resolves the caller (API key or console session, with CSRF for cookie calls that change
  // state) once for everything under /api/v1; each route's auth kind then insists on what it
  // needs. Platform routes check their own token.
  app.use('/api/v1', ...authentication.middleware);
  // Imports stream their CSV / NDJSON body themselves; every other body is JSON.
  mount(importRoutes(deps));
  app.use('/api/v1', requireJsonBody, express.json({ limit: '100kb', strict: true }));
  mount(diagnosticsRoutes(deps.workflows));
  mount(tenantRoutes(deps));
  mount(backupRoutes(deps));
  mount(
    authRoutes({
      authentication,
      accounts,
      accessLog,
      bruteForce,
      control,
      totp: deps.auth.totp,
      cookieName,
    }),
  );
  mount(listRoutes({ ...deps, tenants: deps.data.tenants }));
  mount(contactRoutes(deps));
  mount(rightsRequestRoutes(deps));
  mount(subscriptionRoutes(deps));
  mount(consentExportRoutes());
  mount(dkimRoutes(deps.recipients.dkim));
  mount(sendingDomainRoutes(deps.recipients.sendingDomains));
  mount(userRoutes({ accounts, control }));
  mount(apiKeyRoutes({ control, accessLog }));
  mount(accessLogRoutes({ control }));
  mount(accessReviewRoutes({ control, workflows: deps.workflows, accessLog }));
  mount(supportAccessRoutes({ control, workflows: deps.workflows }));
  mount(securitySettingsRoutes({ control, accessLog }));
  mount(webhookRoutes(deps.webhooks.endpoints));
  mount(automationRoutes(deps));
  mount(templateRoutes());
  mount(
    campaignRoutes({
      workflows: deps.workflows,
      control,
      linkChecker: deps.linkChecker,
      sendingDomains: deps.recipients.sendingDomains,
    }),
  );
  mount(senderSettingsRoutes({ control, accessLog }));
  mount(linkDenylistRoutes({ denyLists: deps.denyLists, accessLog }));
  mount(openApiRoutes(documented, { version, sessionCookie: cookieName }));
  // After the API, so API requests do not each cost a file-system lookup.
  app.use(consoleRoutes({ temporalWebUi: deps.temporalWebUi }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
