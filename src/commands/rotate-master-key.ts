/**
 * `npm run rotate-master-key`: rewraps every data key under a new master key (a new local
 * generation, or the configured cloud/KMIP master key) and moves the old local key files
 * aside once every data key is verified (src/db/master-key-rotation.ts). Prints one line per
 * data key it could not move and exits non-zero then. Without MONGODB_URI it uses the
 * embedded server, starting it on the install's data when `npm start` is not running.
 */
import { MongoClient } from 'mongodb';
import { ConfigError, loadConfig } from '../config';
import { rotateMasterKey } from '../db/master-key-rotation';
import { databaseNames } from '../db/names';
import { startEmbeddedServices, stopServices } from '../local/embedded-services';
import { canConnect } from '../local/ports';
import type { Service } from '../local/service';
import { reach, redactUrl } from '../startup';

const log = (line: string) => console.log(`rotate-master-key: ${line}`);

async function main(): Promise<number> {
  const config = loadConfig();
  const services: Service[] = [];
  if (config.mongo.embedded && !(await canConnect(config.mongo.port))) {
    log(`starting the embedded database of ${config.dataDir} for the rotation`);
    const mongo = { port: config.mongo.port };
    services.push(...(await startEmbeddedServices({ dataDir: config.dataDir, mongo, log })));
  }
  try {
    const advice = config.mongo.embedded ? 'check MONGODB_PORT' : 'check MONGODB_URI';
    const client = await reach('MongoDB', redactUrl(config.mongo.uri), advice, () =>
      new MongoClient(config.mongo.uri, { serverSelectionTimeoutMS: 10_000 }).connect(),
    );
    try {
      const names = databaseNames(config.mongo.dbPrefix);
      const result = await rotateMasterKey({ client, names, kms: config.kms, log });
      if (result.failures.length > 0) return 1;
      // Running processes only know the master keys they loaded at start.
      log(`done; restart the api and the worker so that they load ${result.target}`);
      return 0;
    } finally {
      await client.close();
    }
  } finally {
    await stopServices(services);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const lines =
      err instanceof ConfigError
        ? err.problems
        : [String((err as Error)?.message ?? err).split('\n')[0]];
    for (const line of lines) console.error(`rotate-master-key: ${line}`);
    process.exit(1);
  },
);
