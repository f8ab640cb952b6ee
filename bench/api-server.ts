/**
 * The api process of bench/api: the app exactly as src/server.ts builds it, plus two
 * bench-only baseline routes mounted in front of it, so both loops hit one process:
 *
 * - `GET /bench/plain/:tenantId/:contactId`: the same contact document read by primary key
 *   from the same server, through a client that does not decrypt, without authentication,
 *   permission checks, search-value encryption or masking (the ciphertext goes out as is);
 * - `GET /bench/static`: a fixed JSON body, no database at all (the framework's ceiling).
 *
 * Configured like the api (the environment of the running system, another PORT).
 */
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import { MongoClient } from 'mongodb';
import { createApp } from '../src/api/app';
import { ensureSessionSecret } from '../src/auth/session-secret';
import { loadConfig } from '../src/config';
import { openConsentServices } from '../src/consent/open';
import { createSubscribeLimits } from '../src/consent/subscribe-limits';
import { pingMongo } from '../src/db/connection';
import { databaseNames } from '../src/db/names';
import { openDataLayer } from '../src/db/open';
import { createLogger } from '../src/logger';
import { createMailTransport } from '../src/mail/transport';
import { createDataConverter } from '../src/temporal/data-converter';
import { createPayloadKeyStore } from '../src/temporal/payload-keys';
import { createWorkflowGateway } from '../src/temporal/workflows';

async function main() {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const data = await openDataLayer(config);
  const connection = await Connection.connect({ address: config.temporal.address });
  const mailer = createMailTransport(config.smtp.url);
  const payloadKeys = createPayloadKeyStore(data);
  const consent = await openConsentServices(config, data);
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(payloadKeys),
  });
  const app = createApp({
    logger,
    platformToken: config.platformToken!,
    data,
    workflows: createWorkflowGateway({ client: temporal, taskQueue: config.temporal.taskQueue }),
    schedules: temporal.schedule,
    recipients: consent,
    limits: await createSubscribeLimits(data.mongo, data.names, {
      ...config.subscribe,
      secret: consent.secret,
    }),
    publicUrl: config.http.publicUrl,
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
  });

  const plain = await new MongoClient(config.mongo.uri).connect();
  const names = databaseNames(config.mongo.dbPrefix);
  const bench = express();
  bench.disable('x-powered-by');
  bench.get('/bench/plain/:tenantId/:contactId', async (req, res) => {
    const contact = await plain
      .db(names.tenant(req.params.tenantId))
      .collection<{ _id: string }>('contacts')
      .findOne({ _id: req.params.contactId });
    res.json({ contacts: contact ? [contact] : [] });
  });
  const fixed = { status: 'ok' };
  bench.get('/bench/static', (_req, res) => {
    res.json(fixed);
  });
  bench.use(app);
  const server = bench.listen(config.http.port, '127.0.0.1', () => console.log('bench api ready'));
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void Promise.all([plain.close(), data.mongo.close(), connection.close()]).finally(() =>
      process.exit(0),
    );
  });
}

main().catch((err: unknown) => {
  console.error('bench api failed:', err);
  process.exit(1);
});
