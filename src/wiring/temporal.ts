/**
 * The Temporal client of a process, with the product's payload encryption, and the workflow
 * gateway over it: what both the api (which starts workflows) and the worker (whose
 * activities start workflows too) connect with.
 */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import type { DataLayer } from '../db/open';
import { reach } from '../startup';
import { createDataConverter } from '../temporal/data-converter';
import { createPayloadKeyStore, type PayloadKeyStore } from '../temporal/payload-keys';
import { createWorkflowGateway, type WorkflowGateway } from '../temporal/workflows';

/** The opened client and what it was built from. */
export interface TemporalClientServices {
  connection: Connection;
  client: Client;
  /** Starts, signals, updates and queries workflows by kind (src/temporal/workflows.ts). */
  workflows: WorkflowGateway;
  payloadKeys: PayloadKeyStore;
  dataConverter: ReturnType<typeof createDataConverter>;
}

/** The advice printed when Temporal cannot be reached at start. */
export const temporalAdvice = 'check TEMPORAL_ADDRESS or TEMPORAL_PORT';

/** Connects the client; fails with one clear line when Temporal is not there. */
export async function openTemporalClient(
  config: Config,
  data: DataLayer,
): Promise<TemporalClientServices> {
  const payloadKeys = createPayloadKeyStore(data);
  const dataConverter = createDataConverter(payloadKeys);
  const connection = await reach('Temporal', config.temporal.address, temporalAdvice, () =>
    Connection.connect({ address: config.temporal.address }),
  );
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter,
  });
  const workflows = createWorkflowGateway({ client, taskQueue: config.temporal.taskQueue });
  return { connection, client, workflows, payloadKeys, dataConverter };
}
