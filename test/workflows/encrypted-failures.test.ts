/**
 * Failure messages and stack traces go through the payload codec too: thrown in an activity
 * or in workflow code (the workflow bundle loads the failure converter), they reach the
 * client intact while the history holds only "Encoded failure" and sealed payloads.
 * Runs on the time-skipping test server with in-memory keys.
 */
import { randomBytes } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { createDataConverter } from '../../src/temporal/data-converter';
import type { PayloadKeySource } from '../../src/temporal/payload-keys';
import { encryptionProbeWorkflow } from '../../workflows';
import { testServices } from '../helpers/services';

type ProbeActivities = Pick<Activities, 'writeEncryptedProbe' | 'readEncryptedProbe'>;

const keys = new Map<string, Buffer>();
const keySource: PayloadKeySource = {
  async ensureKey(tenantId) {
    if (!keys.has(tenantId)) keys.set(tenantId, randomBytes(32));
    return keys.get(tenantId)!;
  },
  async findKey(tenantId) {
    const key = keys.get(tenantId);
    if (!key) throw new Error('no key');
    return key;
  },
};

describe('failures under payload encryption', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  let plain: Client;
  beforeAll(async () => {
    const path = testServices().temporalTestServer;
    env = await TestWorkflowEnvironment.createTimeSkipping(
      path ? { server: { executable: { type: 'existing-path', path } } } : undefined,
    );
    client = new Client({
      connection: env.connection,
      dataConverter: createDataConverter(keySource),
    });
    plain = new Client({ connection: env.connection });
  });
  afterAll(() => env?.teardown());

  async function run(activities: ProbeActivities) {
    const taskQueue = `failures-${Math.random().toString(36).slice(2)}`;
    const workflowId = `encryption-probe:acme0001:${taskQueue}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      dataConverter: createDataConverter(keySource),
      activities,
    });
    const outcome = await worker
      .runUntil(
        client.workflow.execute(encryptionProbeWorkflow, {
          workflowId,
          taskQueue,
          args: [{ tenantId: 'acme0001', probeId: 'p1' }],
        }),
      )
      .catch((err: unknown) => err);
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    return { outcome, history, raw: raw.toString('latin1') };
  }

  it('hides a workflow failure from the history and restores it for the client', async () => {
    const { outcome, history, raw } = await run({
      writeEncryptedProbe: async () => ({ fingerprint: 'f1' }),
      readEncryptedProbe: async () => ({ fingerprint: 'f2' }),
    });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    const cause = (outcome as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('EncryptionProbeMismatch');
    expect(cause.message).toBe('decrypted value differs from the value written');
    expect(cause.stack).toContain('workflows/encryption-probe.ts');

    const failed = history.events?.find(
      (e) => e.workflowExecutionFailedEventAttributes,
    )?.workflowExecutionFailedEventAttributes;
    expect(failed?.failure?.message).toBe('Encoded failure');
    expect(failed?.failure?.applicationFailureInfo?.type).toBe('EncryptionProbeMismatch');
    expect(raw).not.toContain('decrypted value differs');
    expect(raw).not.toContain('encryption-probe.ts:');
  });

  it('hides an activity failure from the history and restores it for the client', async () => {
    const { outcome, raw } = await run({
      writeEncryptedProbe: async () => ({ fingerprint: 'f1' }),
      readEncryptedProbe: async () => {
        throw ApplicationFailure.nonRetryable('probe document missing here', 'ProbeMissing');
      },
    });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (outcome as WorkflowFailedError).cause as ActivityFailure;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure.cause as ApplicationFailure).message).toBe(
      'probe document missing here',
    );
    expect(raw).not.toContain('probe document missing here');
  });
});
