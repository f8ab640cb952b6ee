/**
 * Worker entry point: wires dependencies into activities and runs every workflow on the
 * task queue until SIGINT/SIGTERM, then drains in-flight tasks and exits.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig } from './config';
import { openConsentServices } from './consent/open';
import { openDataLayer } from './db/open';
import { createLogger } from './logger';
import { reach, runMain } from './startup';
import { createDataConverter } from './temporal/data-converter';
import { createPayloadKeyStore } from './temporal/payload-keys';
import { registerSearchAttributes } from './temporal/search-attributes';
import { installTemporalRuntime } from './temporal/runtime-logger';
import { createWorkflowGateway } from './temporal/workflows';

runMain('worker', async () => {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  installTemporalRuntime(logger);
  const data = await openDataLayer(config);
  const connection = await reach(
    'Temporal',
    config.temporal.address,
    'check TEMPORAL_ADDRESS or TEMPORAL_PORT',
    () => NativeConnection.connect({ address: config.temporal.address }),
  );
  await registerSearchAttributes(connection, config.temporal.namespace);
  const dataConverter = createDataConverter(createPayloadKeyStore(data));
  // Activities start workflows too (double opt-in per imported row, renewal cycles).
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({
    connection: clientConnection,
    namespace: config.temporal.namespace,
    dataConverter,
  });
  const consent = await openConsentServices(config, data);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    dataConverter,
    activities: createActivities({
      ...data,
      mailer: consent.mailer,
      links: consent.links,
      workflows: createWorkflowGateway({ client: temporal, taskQueue: config.temporal.taskQueue }),
      schedules: temporal.schedule,
    }),
  });
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  try {
    await worker.run();
  } finally {
    await connection.close();
    await clientConnection.close();
    consent.transport.close();
    await data.mongo.close();
    logger.info('worker stopped');
  }
});
