/**
 * Worker entry point: opens the worker's services (src/wiring/worker.ts) and runs every
 * workflow on the task queue until SIGINT/SIGTERM, then drains in-flight tasks and exits.
 */
import { loadConfig } from './config';
import { createLogger } from './logger';
import { runMain } from './startup';
import { installTemporalRuntime } from './temporal/runtime-logger';
import { createProductWorker, openWorkerServices } from './wiring/worker';

runMain('worker', async () => {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  installTemporalRuntime(logger);
  const services = await openWorkerServices(config);
  const worker = await createProductWorker(config, services);
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  try {
    await worker.run();
  } finally {
    await services.close();
    logger.info('worker stopped');
  }
});
