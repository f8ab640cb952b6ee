/**
 * The api app and an in-process worker over this run's real services, built by the same
 * wiring modules as src/server.ts and src/worker.ts (src/wiring/), for API and integration
 * tests. The sweeps are not started: tests run them by hand.
 */
import { stackData } from './tenant-fixtures';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import type { ActivityDeps } from '../../activities';
import type { RecipientServices } from '../../src/wiring/recipients';
import type { SubscribeLimits } from '../../src/consent/subscription/flood-limits';
import { createApp, type AppDeps } from '../../src/api/app';
import type { Config } from '../../src/config';
import type { DataLayer } from '../../src/db/open';
import { createLogger } from '../../src/logger';
import { createMailTransport } from '../../src/mail/transport';
import type { PayloadKeyStore } from '../../src/temporal/payload-keys';
import { openApiServices } from '../../src/wiring/api';
import { createProductWorker, openWorkerServices } from '../../src/wiring/worker';
import { testServices } from './services';
import { testConfig } from './stack';

/** A running app + worker pair and how to stop it. */
export interface AppStack {
  app: Express;
  config: Config;
  /** The environment the config came from: another process given it shares this stack's data. */
  env: Record<string, string>;
  data: DataLayer;
  client: Client;
  platformToken: string;
  payloadKeys: PayloadKeyStore;
  codecToken: string;
  /** Mail, links and DKIM keys, as the api and worker use them. */
  consent: RecipientServices;
  /** The subscription flood limits the app counts against. */
  limits: SubscribeLimits;
  /** What the worker's activities were built from. */
  activityDeps: ActivityDeps;
  /** The feedback mailbox's port, when the env set CONSENTFLOW_FEEDBACK_SMTP_PORT. */
  feedbackSmtpPort?: number;
  /** Another api app over the same services, with some dependencies replaced. */
  appWith(overrides: Partial<AppDeps>): Express;
  stop(): Promise<void>;
}

/** Starts the stack; `smtpUrl` points the health check (only) at another relay. */
export async function startAppStack(
  options: { smtpUrl?: string; env?: Record<string, string> } = {},
): Promise<AppStack> {
  const { config, env } = await testConfig(options.env);
  const logger = createLogger('test', process.env.CF_TEST_LOG_LEVEL ?? 'silent');
  const api = await openApiServices(config, logger);
  const workerServices = await openWorkerServices(config, {
    data: api.app.data,
    temporal: api.temporal,
    consent: api.consent,
  });
  const worker = await createProductWorker(config, workerServices);
  const running = worker.run();
  const relay = options.smtpUrl ? createMailTransport(options.smtpUrl) : undefined;
  const appDeps: AppDeps = {
    ...api.app,
    // The run's one sink, shared by every stack of the run.
    mailSinkDir: testServices().sinkDir,
    checkResponses: true,
    ...(relay ? { health: { ...api.app.health, smtp: () => relay.verify() } } : {}),
  };
  const app = createApp(appDeps);
  stackData.set(app, api.app.data);
  return {
    app,
    config,
    env,
    data: api.app.data,
    client: api.temporal.client,
    platformToken: api.app.platformToken,
    payloadKeys: api.temporal.payloadKeys,
    codecToken: api.app.codec!.codecToken,
    consent: api.consent,
    limits: api.limits,
    activityDeps: workerServices.activityDeps,
    feedbackSmtpPort: api.feedbackSmtpPort,
    appWith: (overrides) => {
      const other = createApp({ ...appDeps, ...overrides });
      stackData.set(other, api.app.data);
      return other;
    },
    async stop() {
      worker.shutdown();
      await running;
      await workerServices.close();
      relay?.close();
      await api.close();
    },
  };
}
