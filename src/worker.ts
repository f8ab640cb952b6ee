/**
 * Worker entry point: opens the worker's services (src/wiring/worker.ts) and runs every
 * workflow on the task queue until SIGINT/SIGTERM, then drains in-flight tasks and exits.
 */
import { loadConfig } from './config';
import { createLogger } from './logger';
import { runMain } from './startup';
import { installTemporalRuntime } from './temporal/runtime-logger';
import { ensureAccessReviewSchedules } from './tenants/access-review/schedule';
import { ensureBackupSchedules } from './backups/schedule';
import { createProductWorker, openWorkerServices } from './wiring/worker';

runMain('worker', async () => {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  installTemporalRuntime(logger);
  const services = await openWorkerServices(config);
  const worker = await createProductWorker(config, services);
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  // Tenants from before access reviews get their Schedule (new ones get it at provisioning).
  // Beside the worker's run: a tenant more or less delays nothing.
  const { workflows, tenants } = services.activityDeps;
  void ensureAccessReviewSchedules(
    { workflows, control: tenants.control },
    config.accessReviews.everyDays,
  ).then(
    (count) => logger.info({ tenants: count }, 'access review schedules ensured'),
    (err: unknown) =>
      logger.warn(
        { error: err instanceof Error ? err.name : 'unknown' },
        'access review schedules not ensured',
      ),
  );
  void ensureBackupSchedules(
    { workflows, control: tenants.control },
    config.backups.everyHours,
  ).then(
    (count) => logger.info({ tenants: count }, 'backup schedules ensured'),
    (err: unknown) =>
      logger.warn(
        { error: err instanceof Error ? err.name : 'unknown' },
        'backup schedules not ensured',
      ),
  );
  try {
    await worker.run();
  } finally {
    await services.close();
    logger.info('worker stopped');
  }
});
