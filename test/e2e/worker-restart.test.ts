/**
 * Durability: a workflow survives its worker being killed mid-way. The test takes the
 * database away so the first activity keeps failing on worker A (the workflow is provably
 * in flight), kills A with SIGKILL, brings the database back and starts worker B, which
 * must finish the same workflow. Payloads are encrypted with the tenant's key, which lives
 * in the database: a first probe, run while it is up, puts the key in worker A's cache.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { openDataLayer, type DataLayer } from '../../src/db/open';
import { startFerretDb } from '../../src/local/ferretdb';
import { freePort } from '../../src/local/ports';
import type { Service } from '../../src/local/service';
import { createDataConverter } from '../../src/temporal/data-converter';
import { createPayloadKeyStore } from '../../src/temporal/payload-keys';
import type { encryptionProbeWorkflow } from '../../workflows';
import { spawnEntry, type Spawned } from '../helpers/processes';
import { testServices, uniqueSuffix } from '../helpers/services';
import { testConfig } from '../helpers/stack';

const ferretdbBinary = testServices().ferretdb;
// This test needs a database it may stop; with an external MONGODB_URI it cannot.
const maybe = ferretdbBinary ? describe : describe.skip;

maybe('worker killed mid-workflow', () => {
  let database: Service | undefined;
  const workers: Spawned[] = [];
  let connection: Connection;
  let data: DataLayer | undefined;
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await data?.mongo.close();
    await database?.stop();
    await connection?.close();
  });

  it('completes the workflow on a new worker', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(path.join(testServices().dataDir, 'restart-'));
    const startDatabase = () => startFerretDb({ binary: ferretdbBinary!, port, dataDir });
    const { config, env } = await testConfig({
      MONGODB_URI: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=1500`,
      CONSENTFLOW_DATA_DIR: dataDir,
      CONSENTFLOW_LOG_LEVEL: 'info', // the test waits for the "worker running" line
    });
    database = await startDatabase();
    data = await openDataLayer(config);
    connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: createDataConverter(createPayloadKeyStore(data)),
    });
    const workerA = spawnEntry('src/worker.ts', env);
    workers.push(workerA);
    await workerA.waitFor(/worker running/, 90_000);

    const tenantId = `dura${uniqueSuffix()}`;
    const probe = (probeId: string) =>
      client.workflow.start<typeof encryptionProbeWorkflow>('encryptionProbeWorkflow', {
        workflowId: `encryption-probe:${tenantId}:${probeId}`,
        taskQueue: config.temporal.taskQueue,
        args: [{ tenantId, probeId }],
      });
    await (await probe(`warm${uniqueSuffix()}`)).result(); // caches the tenant's payload key

    await database.stop();
    const probeId = uniqueSuffix();
    const handle = await probe(probeId);

    // Wait until worker A has run and failed the first activity at least once.
    await eventually(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return (pending[0]?.attempt ?? 0) >= 2;
    }, 60_000);
    workerA.child.kill('SIGKILL');
    await workerA.exit;
    expect((await handle.describe()).status.name).toBe('RUNNING');

    database = await startDatabase();
    const workerB = spawnEntry('src/worker.ts', env);
    workers.push(workerB);
    await expect(handle.result()).resolves.toEqual({ probeId, verified: true });
  });
});

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
