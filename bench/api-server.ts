/**
 * The api process of bench/api: the app exactly as src/server.ts builds it (src/wiring/api.ts), plus two
 * bench-only baseline routes mounted in front of it, so both loops hit one process:
 *
 * - `GET /bench/plain/:tenantId/:contactId`: the same contact document read by primary key
 *   from the same server, through a client that does not decrypt, without authentication,
 *   permission checks, search-value encryption or masking (the ciphertext goes out as is);
 * - `GET /bench/static`: a fixed JSON body, no database at all (the framework's ceiling).
 *
 * Configured like the api (the environment of the running system, another PORT).
 */
import express from 'express';
import { MongoClient } from 'mongodb';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { databaseNames } from '../src/db/names';
import { createLogger } from '../src/logger';
import { startSweeps } from '../src/sweeps';
import { openApiServices } from '../src/wiring/api';

async function main() {
  const config = loadConfig();
  const logger = createLogger('api', config.logLevel);
  const services = await openApiServices(config, logger);
  startSweeps(services.sweeps, logger);
  const app = createApp(services.app);

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
    void Promise.all([plain.close(), services.close()]).finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error('bench api failed:', err);
  process.exit(1);
});
