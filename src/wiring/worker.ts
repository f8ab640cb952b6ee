/**
 * Builds everything the worker process runs on from the validated config: the data layer,
 * recipients' mail and links, a Temporal client for activities that start workflows, and the
 * worker itself with every workflow and activity. `src/worker.ts`, the benchmarks and the test
 * stacks build their worker from this.
 */
import { createDoubleOptInWake } from '../consent/subscription/wake';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import type { Config } from '../config';
import { openRecipientServices, type RecipientServices } from './recipients';
import { openDataLayer, type DataLayer } from '../db/open';
import { reach } from '../startup';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { openTemporalClient, temporalAdvice, type TemporalClientServices } from './temporal';
import { createLogger } from '../logger';
import { createWebhookSender } from '../webhooks/send';
import { createWebhookServices } from './webhooks';
import { createAutomationTriggers } from '../automations/triggers';
import { createOperatorAlerts } from '../mail/operator-alerts';
import { openBackupServices } from '../backups/services';

/** The worker's services and how to close them. */
export interface WorkerServices {
  /** The worker's own connection (polling). */
  native: NativeConnection;
  /** The client activities start workflows with (double opt-in per imported row, renewals). */
  temporal: TemporalClientServices;
  consent: RecipientServices;
  /** What the activities are built from. */
  activityDeps: ActivityDeps;
  close(): Promise<void>;
}

/**
 * What a worker in the api's process reuses instead of opening its own (the test stacks run
 * both in one process, as one MongoClient and one client, like before the split).
 */
export interface SharedServices {
  data: DataLayer;
  temporal: TemporalClientServices;
  consent: RecipientServices;
}

/**
 * Opens the worker's services; fails with one clear line when a dependency is unreachable.
 * With `shared`, reuses those (and leaves them open at close).
 */
export async function openWorkerServices(
  config: Config,
  shared?: SharedServices,
): Promise<WorkerServices> {
  const data = shared?.data ?? (await openDataLayer(config));
  const native = await reach('Temporal', config.temporal.address, temporalAdvice, () =>
    NativeConnection.connect({ address: config.temporal.address }),
  );
  await registerSearchAttributes(native, config.temporal.namespace);
  const temporal = shared?.temporal ?? (await openTemporalClient(config, data));
  const consent = shared?.consent ?? (await openRecipientServices(config, data));
  const backups = openBackupServices(config);
  const activityDeps: ActivityDeps = {
    ...data,
    mailer: consent.mailer,
    links: consent.links,
    workflows: temporal.workflows,
    wake: createDoubleOptInWake({ workflows: temporal.workflows }),
    // Events of activities (a lapse, a repaired confirmation) and the deliveries themselves.
    webhooks: createWebhookServices(config, {
      workflows: temporal.workflows,
      logger: createLogger('worker', config.logLevel),
    }).events,
    webhookSender: createWebhookSender({ allowPrivate: config.webhooks.allowPrivate }),
    automations: createAutomationTriggers({
      workflows: temporal.workflows,
      logger: createLogger('worker', config.logLevel),
    }),
    campaignRatePerSecond: config.campaigns.ratePerSecond,
    accessReviewPolicy: config.accessReviews,
    rawMongo: backups.rawMongo,
    backupStore: backups.backupStore,
    backupPolicy: { ...config.backups.retention, everyHours: config.backups.everyHours },
    operatorAlerts: createOperatorAlerts({
      transport: consent.transport,
      from: config.smtp.from,
      to: config.operator.email,
      logger: createLogger('worker', config.logLevel),
    }),
  };
  return {
    native,
    temporal,
    consent,
    activityDeps,
    async close() {
      await native.close();
      await activityDeps.webhookSender.close();
      await backups.close();
      if (shared) return;
      await temporal.connection.close();
      consent.transport.close();
      await data.mongo.close();
    },
  };
}

/** The worker of every workflow in workflows/ with the activities built from `services`. */
export function createProductWorker(
  config: Config,
  services: Pick<WorkerServices, 'native' | 'temporal' | 'activityDeps'>,
): Promise<Worker> {
  return Worker.create({
    connection: services.native,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    dataConverter: services.temporal.dataConverter,
    activities: createActivities(services.activityDeps),
  });
}
