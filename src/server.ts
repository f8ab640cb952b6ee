/**
 * API entry point: wires the app's dependencies, listens, and shuts down cleanly on
 * SIGINT/SIGTERM (stop accepting, finish requests, close connections).
 */
import { Client, Connection } from '@temporalio/client';
import { createApp } from './api/app';
import { ensureCodecToken } from './auth/codec-token';
import { ensurePlatformToken } from './auth/platform-token';
import { loadConfig } from './config';
import { openConsentServices } from './consent/open';
import { createSubscribeLimits } from './consent/subscribe-limits';
import { openDataLayer } from './db/open';
import { pingMongo } from './db/connection';
import { createLogger } from './logger';
import { createMailTransport } from './mail/transport';
import { reach, runMain } from './startup';
import { listen } from './api/listen';
import { ensureSessionSecret } from './auth/session-secret';
import { createDataConverter } from './temporal/data-converter';
import { createPayloadKeyStore } from './temporal/payload-keys';
import { createWorkflowGateway } from './temporal/workflows';

runMain('api', async () => {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const { token, created } = await ensurePlatformToken(
    config.platformToken,
    config.platformTokenFile,
  );
  if (created) console.log(`platform token (stored in ${config.platformTokenFile}): ${token}`);
  const codecToken = await ensureCodecToken(config.codec.token, config.codec.tokenFile);
  if (codecToken.created) console.log(`codec token (stored in ${config.codec.tokenFile})`);
  const sessionSecret = await ensureSessionSecret(
    config.auth.sessionSecret,
    config.auth.sessionSecretFile,
  );
  const data = await openDataLayer(config);
  const payloadKeys = createPayloadKeyStore(data);
  const connection = await reach(
    'Temporal',
    config.temporal.address,
    'check TEMPORAL_ADDRESS or TEMPORAL_PORT',
    () => Connection.connect({ address: config.temporal.address }),
  );
  const mailer = createMailTransport(config.smtp.url, { requireTls: config.smtp.requireTls });
  const consent = await openConsentServices(config, data);
  const limits = await createSubscribeLimits(data.mongo, data.names, {
    ...config.subscribe,
    secret: consent.secret,
  });
  limits.startSweeping((err) =>
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'flood counter sweep failed',
    ),
  );
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(payloadKeys),
  });
  const app = createApp({
    logger,
    platformToken: token,
    data,
    workflows: createWorkflowGateway({ client: temporal, taskQueue: config.temporal.taskQueue }),
    schedules: temporal.schedule,
    mailSinkDir: config.smtp.embedded ? config.smtp.sinkDir : undefined,
    codec: {
      keys: payloadKeys,
      codecToken: codecToken.token,
      corsOrigins: config.codec.corsOrigins,
    },
    recipients: consent,
    limits,
    publicUrl: config.http.publicUrl,
    health: {
      temporal: () => connection.healthService.check({}),
      mongo: () => pingMongo(data.mongo),
      smtp: () => mailer.verify(),
    },
    auth: { ...config.auth, sessionSecret: sessionSecret.token },
    https: config.tls !== undefined,
  });
  const server = await listen(app, { ...config.http, tls: config.tls });
  logger.info({ port: config.http.port, https: config.tls !== undefined }, 'api listening');
  const stop = () => {
    server.close(async () => {
      await connection.close();
      await data.mongo.close();
      mailer.close();
      consent.transport.close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
