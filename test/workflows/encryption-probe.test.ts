/**
 * The probe workflow's procedure, on the real Temporal time-skipping test server with typed
 * fake activities (the real ones are covered by test/e2e/encryption-slice.test.ts).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { encryptionProbeWorkflow } from '../../workflows';
import { testServices } from '../helpers/services';

type ProbeActivities = Pick<Activities, 'writeEncryptedProbe' | 'readEncryptedProbe'>;

describe('encryptionProbeWorkflow', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    const path = testServices().temporalTestServer;
    env = await TestWorkflowEnvironment.createTimeSkipping(
      path ? { server: { executable: { type: 'existing-path', path } } } : undefined,
    );
  });
  afterAll(() => env?.teardown());

  async function run(activities: ProbeActivities) {
    const taskQueue = `probe-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      activities,
    });
    return worker.runUntil(
      env.client.workflow.execute(encryptionProbeWorkflow, {
        workflowId: `encryption-probe:acme0001:${taskQueue}`,
        taskQueue,
        args: [{ tenantId: 'acme0001', probeId: 'p1' }],
      }),
    );
  }

  it('is verified when the value read back matches the value written', async () => {
    const result = await run({
      writeEncryptedProbe: async () => ({ fingerprint: 'f1' }),
      readEncryptedProbe: async () => ({ fingerprint: 'f1' }),
    });
    expect(result).toEqual({ probeId: 'p1', verified: true });
  });

  it('fails for good, without retrying, when the value read back differs', async () => {
    const reads = jest.fn(async () => ({ fingerprint: 'other' }));
    const outcome = run({
      writeEncryptedProbe: async () => ({ fingerprint: 'f1' }),
      readEncryptedProbe: reads,
    });
    await expect(outcome).rejects.toBeInstanceOf(WorkflowFailedError);
    await outcome.catch((err: WorkflowFailedError) => {
      expect((err.cause as ApplicationFailure).type).toBe('EncryptionProbeMismatch');
    });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('retries a write that fails transiently (e.g. the database is restarting)', async () => {
    let attempts = 0;
    const result = await run({
      writeEncryptedProbe: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('connection refused');
        return { fingerprint: 'f1' };
      },
      readEncryptedProbe: async () => ({ fingerprint: 'f1' }),
    });
    expect(result.verified).toBe(true);
    expect(attempts).toBe(3);
  });

  it('does not retry when the probe document is missing', async () => {
    const reads = jest.fn(async (): Promise<{ fingerprint: string }> => {
      throw ApplicationFailure.nonRetryable('probe document missing', 'ProbeMissing');
    });
    await expect(
      run({ writeEncryptedProbe: async () => ({ fingerprint: 'f1' }), readEncryptedProbe: reads }),
    ).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(reads).toHaveBeenCalledTimes(1);
  });
});
