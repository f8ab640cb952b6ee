/**
 * The api app and an in-process worker over this run's real services, wired the way
 * src/server.ts and src/worker.ts wire them, for API and integration tests.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { createActivities, type ActivityDeps } from '../../activities';
import { openConsentServices, type ConsentServices } from '../../src/consent/open';
import { createSubscribeLimits } from '../../src/consent/subscribe-limits';
import { createApp, type AppDeps } from '../../src/api/app';
import { ensureCodecToken } from '../../src/auth/codec-token';
import { ensureSessionSecret } from '../../src/auth/session-secret';
import type { Config } from '../../src/config';
import { pingMongo } from '../../src/db/connection';
import { openDataLayer, type DataLayer } from '../../src/db/open';
import { createLogger } from '../../src/logger';
import { createMailTransport } from '../../src/mail/transport';
import { createDataConverter } from '../../src/temporal/data-converter';
import { createPayloadKeyStore, type PayloadKeyStore } from '../../src/temporal/payload-keys';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';
import { createWorkflowGateway } from '../../src/temporal/workflows';
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
  consent: ConsentServices;
  /** What the worker's activities were built from. */
  activityDeps: ActivityDeps;
  /** Another api app over the same services, with some dependencies replaced. */
  appWith(overrides: Partial<AppDeps>): Express;
  stop(): Promise<void>;
}

/** Starts the stack; `health` overrides let a test point one check at a dead service. */
export async function startAppStack(
  options: { smtpUrl?: string; env?: Record<string, string>; https?: boolean } = {},
): Promise<AppStack> {
  const { config, env } = await testConfig(options.env);
  const services = testServices();
  const logger = createLogger('test', process.env.CF_TEST_LOG_LEVEL ?? 'silent');
  const data = await openDataLayer(config);
  const payloadKeys = createPayloadKeyStore(data);
  const dataConverter = createDataConverter(payloadKeys);
  const { token: codecToken } = await ensureCodecToken(config.codec.token, config.codec.tokenFile);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  await registerSearchAttributes(nativeConnection, config.temporal.namespace);
  const consent = await openConsentServices(config, data);
  const workflows = createWorkflowGateway({ client, taskQueue: config.temporal.taskQueue });
  const activityDeps: ActivityDeps = {
    ...data,
    mailer: consent.mailer,
    links: consent.links,
    workflows,
    schedules: client.schedule,
  };
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    dataConverter,
    activities: createActivities(activityDeps),
  });
  const running = worker.run();
  const mailer = createMailTransport(options.smtpUrl ?? config.smtp.url);
  const platformToken = config.platformToken!;
  const appDeps: AppDeps = {
    logger,
    platformToken,
    data,
    workflows,
    schedules: client.schedule,
    mailSinkDir: services.sinkDir,
    codec: { keys: payloadKeys, codecToken, corsOrigins: config.codec.corsOrigins },
    recipients: consent,
    limits: await createSubscribeLimits(data.mongo, data.names, {
      ...config.subscribe,
      secret: consent.secret,
    }),
    publicUrl: config.http.publicUrl,
    checkResponses: true,
    health: {
      temporal: () => connection.healthService.check({}),
      mongo: () => pingMongo(data.mongo),
      smtp: () => mailer.verify(),
    },
    auth: {
      ...config.auth,
      sessionSecret: (
        await ensureSessionSecret(config.auth.sessionSecret, config.auth.sessionSecretFile)
      ).token,
    },
    https: options.https,
  };
  const app = createApp(appDeps);
  return {
    app,
    config,
    env,
    data,
    client,
    platformToken,
    payloadKeys,
    codecToken,
    consent,
    activityDeps,
    appWith: (overrides) => createApp({ ...appDeps, ...overrides }),
    async stop() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      mailer.close();
      consent.transport.close();
      await data.mongo.close();
    },
  };
}
