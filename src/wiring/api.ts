/**
 * Builds everything the api process runs on from the validated config: the data layer, the
 * Temporal client, recipients' mail and links, flood limits, and the console's
 * authentication services. `src/server.ts`, the benchmarks' api and the test stacks all build
 * their app from this, so what is tested is what runs. Nothing here starts a timer: the
 * periodic sweeps are returned for the entry point to start and stop.
 */
import type { AppDeps } from '../api/app';
import { createAccessLog } from '../auth/access-log';
import { createAccounts } from '../auth/accounts';
import { createBruteForce, prepareBruteForceStore } from '../auth/brute-force';
import { ensureCodecToken } from '../auth/codec-token';
import { createLogin } from '../auth/login';
import { ensurePlatformToken } from '../auth/platform-token';
import { ensureSessionSecret } from '../auth/session-secret';
import { createSessionMiddleware, sessionSweep } from '../auth/sessions';
import { createTotpEnrolment } from '../auth/totp-enrolment';
import type { Config } from '../config';
import { openRecipientServices, type RecipientServices } from './recipients';
import { createDoubleOptInWake } from '../consent/subscription/wake';
import { createSubscriptionCommand } from '../consent/subscription/command';
import { createSubscribeLimits, type SubscribeLimits } from '../consent/subscription/flood-limits';
import { pingMongo } from '../db/connection';
import { openDataLayer } from '../db/open';
import type { Logger } from '../logger';
import { createMailTransport } from '../mail/transport';
import type { Sweep } from '../sweeps';
import { assertWorkerRunning } from '../supervisor-status';
import { openTemporalClient, type TemporalClientServices } from './temporal';
import { createWebhookServices } from './webhooks';
import { createAutomationTriggers } from '../automations/triggers';
import { createDenyLists } from '../campaigns/deny-list';
import { createLinkChecker } from '../campaigns/link-check';
import { createFolderBackupStore } from '../backups/store';
import { receiveFeedback } from '../campaigns/feedback';
import { startFeedbackReceiver } from '../mail/feedback-receiver';

/** The api's services, its sweeps, and how to close them. */
export interface ApiServices {
  /** What `createApp` takes. */
  app: AppDeps;
  temporal: TemporalClientServices;
  consent: RecipientServices;
  /** The subscription flood limits (the app's subscription command counts against them). */
  limits: SubscribeLimits;
  /** Background clean-ups for the entry point to start (src/sweeps.ts). */
  sweeps: Sweep[];
  /** The platform token, when this start generated it (printed once by the entry point). */
  createdPlatformToken?: string;
  /** The port of the feedback mailbox (CONSENTFLOW_FEEDBACK_SMTP_PORT), when it listens. */
  feedbackSmtpPort?: number;
  /** Whether this start generated the codec token (its file is named in the log). */
  createdCodecToken: boolean;
  close(): Promise<void>;
}

/** Opens the api's services; fails with one clear line when a dependency is unreachable. */
export async function openApiServices(config: Config, logger: Logger): Promise<ApiServices> {
  const platformToken = await ensurePlatformToken(config.platformToken, config.platformTokenFile);
  const codecToken = await ensureCodecToken(config.codec.token, config.codec.tokenFile);
  const sessionSecret = await ensureSessionSecret(
    config.auth.sessionSecret,
    config.auth.sessionSecretFile,
  );
  const data = await openDataLayer(config);
  const { mongo, names, encryption } = data;
  const { control } = data.tenants;
  await prepareBruteForceStore(mongo, names.control);
  const temporal = await openTemporalClient(config, data);
  // Its own transport, so the health check says whether the relay answers now.
  const relay = createMailTransport(config.smtp.url, { requireTls: config.smtp.requireTls });
  const consent = await openRecipientServices(config, data);
  const limits = await createSubscribeLimits(mongo, names, {
    ...config.subscribe,
    secret: consent.secret,
  });
  const https = config.tls !== undefined;
  const accessLog = createAccessLog({ control, encryption });
  const bruteForce = createBruteForce({
    mongo,
    dbName: names.control,
    secret: sessionSecret.token,
    settings: config.auth.bruteForce,
  });
  const denyLists = createDenyLists(control);
  const linkChecker = createLinkChecker({
    allowPrivate: config.campaigns.linkCheckAllowPrivate,
    blocklist: config.campaigns.linkBlocklist,
    blocklistFile: config.campaigns.linkBlocklistFile,
    denyList: (tenantId) => denyLists.of(tenantId),
  });
  const app: AppDeps = {
    logger,
    platformToken: platformToken.token,
    data,
    backupStore: createFolderBackupStore(config.backups.dir),
    feedbackToken: config.feedback.token,
    workflows: temporal.workflows,
    mailSinkDir: config.smtp.embedded ? config.smtp.sinkDir : undefined,
    codec: {
      keys: temporal.payloadKeys,
      codecToken: codecToken.token,
      corsOrigins: config.codec.corsOrigins,
    },
    recipients: consent,
    subscriptions: createSubscriptionCommand({
      limits,
      wake: createDoubleOptInWake({ workflows: temporal.workflows }),
      logger,
    }),
    webhooks: createWebhookServices(config, { workflows: temporal.workflows, logger }),
    automations: createAutomationTriggers({ workflows: temporal.workflows, logger }),
    linkChecker,
    denyLists,
    publicUrl: config.http.publicUrl,
    temporalWebUi: `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}`,
    health: {
      temporal: () => temporal.connection.healthService.check({}),
      mongo: () => pingMongo(mongo),
      smtp: () => relay.verify(),
      ...(config.supervisorStatusFile
        ? { worker: () => assertWorkerRunning(config.supervisorStatusFile!) }
        : {}),
    },
    auth: {
      accessLog,
      bruteForce,
      login: createLogin({ control, encryption, bruteForce, accessLog }),
      accounts: createAccounts({ control, encryption, accessLog }),
      totp: createTotpEnrolment({ control, encryption, accessLog }),
      sessions: createSessionMiddleware({
        mongo,
        dbName: names.control,
        secret: sessionSecret.token,
        idleSeconds: config.auth.sessionIdleSeconds,
        secure: https,
      }),
      sessionMaxSeconds: config.auth.sessionMaxSeconds,
    },
    https,
  };
  // The feedback mailbox, when configured: bounce and complaint reports by SMTP.
  const feedbackReceiver = config.feedback.smtp
    ? await startFeedbackReceiver({
        ...config.feedback.smtp,
        onMessage: async (raw) => {
          await receiveFeedback({ tenants: data.tenants, tokens: consent.tokens, logger }, raw);
        },
      })
    : undefined;
  return {
    app,
    feedbackSmtpPort: feedbackReceiver?.port,
    temporal,
    consent,
    limits,
    sweeps: [sessionSweep(mongo, names.control), bruteForce.periodicSweep, limits.periodicSweep],
    createdPlatformToken: platformToken.created ? platformToken.token : undefined,
    createdCodecToken: codecToken.created,
    async close() {
      await feedbackReceiver?.close();
      await linkChecker.close();
      await temporal.connection.close();
      relay.close();
      consent.transport.close();
      await mongo.close();
    },
  };
}
