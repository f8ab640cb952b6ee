/**
 * The time-skipping Temporal test server (days-long timers pass in seconds), with a client
 * and workers that encrypt payloads like the product's. Tenants and their data live on this
 * run's real database (built through an app stack); only Temporal's clock is skipped.
 */
import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../src/temporal/data-converter';
import type { PayloadKeySource } from '../../src/temporal/payload-keys';
import { indexedTypeOf, searchAttributeKeys } from '../../src/temporal/search-attributes';
import { createWorkflowGateway, type WorkflowGateway } from '../../src/temporal/workflows';
import { testServices, uniqueSuffix } from './services';

/** A started time-skipping environment. */
export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  client: Client;
  /** Runs `body` while a worker with `activities` polls a fresh task queue. */
  withWorker<T>(activities: object, body: (taskQueue: string) => Promise<T>): Promise<T>;
  /** What activities and commands reach Temporal through, over this environment's client. */
  temporalDeps(taskQueue: string): { workflows: WorkflowGateway };
}

/** Starts the environment; payloads encrypted with keys from `keys`. */
export async function startTimeSkipping(keys: PayloadKeySource): Promise<TimeSkipping> {
  const path = testServices().temporalTestServer;
  const dataConverter = createDataConverter(keys);
  // The environment's own client unlocks time skipping while it awaits a result.
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    ...(path ? { server: { executable: { type: 'existing-path' as const, path } } } : {}),
    client: { dataConverter },
  });
  // The test server lists no attributes (UNIMPLEMENTED) but accepts new ones.
  await env.connection.operatorService
    .addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        searchAttributeKeys.map((k) => [k.name, indexedTypeOf(k)]),
      ),
    })
    .catch((err: { code?: number }) => {
      if (err.code !== 6) throw err; // ALREADY_EXISTS
    });
  const client = env.client;
  return {
    env,
    client,
    temporalDeps: (taskQueue) => ({
      workflows: createWorkflowGateway({ client, taskQueue }),
    }),
    async withWorker(activities, body) {
      const taskQueue = `ts-${uniqueSuffix()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowsPath: require.resolve('../../workflows'),
        dataConverter,
        activities,
      });
      return worker.runUntil(body(taskQueue));
    },
  };
}

/** Server time (skipped clock) at which the current activity attempt was scheduled. */
export const activityTime = () => Context.current().info.currentAttemptScheduledTimestampMs;

/** Hours between two epoch-ms times, rounded to a tenth. */
export const hoursBetween = (from: number, to: number) => Math.round((to - from) / 360_000) / 10;
