/**
 * The support-access workflow's timing on the time-skipping server, with typed fake steps
 * (what each step does to the real services is tested in test/e2e/support-access.test.ts):
 * an approved grant ends by itself after its hours, a revoked one at once; a request nobody
 * decides expires after a week; a decision that does not apply is refused.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Activities } from '../../activities';
import {
  supportAccessDecisionUpdate,
  type SupportAccessInput,
  type SupportAccessResult,
} from '../../workflows/definitions';
import { keepHistory } from '../helpers/histories';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { hoursBetween, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';

type Steps = Pick<Activities, 'announceSupportRequest' | 'openSupportGrant' | 'closeSupportGrant'>;

const HOUR_MS = 3_600_000;

/** The error class a refused Update fails with ('answered' if it was not refused). */
const refusal = (update: Promise<unknown>) =>
  update.then(
    () => 'answered',
    (err: Error) => err.constructor.name,
  );

describe('support access workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
  });
  afterAll(async () => {
    await ts?.env.teardown();
    await stack?.stop();
  });

  /** Runs a request of `hours` with `during`; the steps' timeline in hours and the result. */
  async function run(
    hours: number,
    during: (handle: ReturnType<TimeSkipping['client']['workflow']['getHandle']>) => Promise<void>,
    historyName?: string,
  ) {
    const calls: { step: string; at: number }[] = [];
    const record = (step: string) => async () => {
      calls.push({ step, at: await ts.env.currentTimeMs() });
    };
    const steps: Steps = {
      announceSupportRequest: async () => record('announce')(),
      openSupportGrant: async (input) => {
        await record(`open until +${Math.round(hoursBetween(start, Date.parse(input.until)))}h`)();
      },
      closeSupportGrant: async (input) => record(`close ${input.outcome}`)(),
    };
    const start = await ts.env.currentTimeMs();
    // The tenant id is a made-up opaque one: the fakes touch no database.
    const input: SupportAccessInput = {
      tenantId: 'tsupport000000000000',
      grantId: `g${start}`,
      hours,
    };
    const result = await ts.withWorker(steps, async (taskQueue) => {
      const handle = await ts.client.workflow.start<
        (i: SupportAccessInput) => Promise<SupportAccessResult>
      >('supportAccessWorkflow', {
        workflowId: `support-access:${input.tenantId}:${input.grantId}`,
        taskQueue,
        args: [input],
      });
      await during(handle);
      const done = await handle.result();
      if (historyName) await keepHistory(handle, stack.payloadKeys, historyName);
      return done;
    });
    return {
      result,
      timeline: calls.map((c) => [c.step, Math.round(hoursBetween(start, c.at) * 10) / 10]),
    };
  }

  it('ends an approved grant by itself when its hours are over', async () => {
    const { result, timeline } = await run(
      4,
      async (handle) => {
        await ts.env.sleep(2 * HOUR_MS); // an admin approves two hours after the request
        expect(
          await handle.executeUpdate(supportAccessDecisionUpdate, {
            args: [{ decision: 'approve', by: 'u00000000000000000001' }],
          }),
        ).toBe('approved');
        // Approving twice is refused: the grant does not start again.
        await expect(
          handle.executeUpdate(supportAccessDecisionUpdate, {
            args: [{ decision: 'approve', by: 'u00000000000000000001' }],
          }),
        ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      },
      'support-access-expired',
    );
    expect(result).toEqual({ outcome: 'expired', approved: true });
    expect(timeline).toEqual([
      ['announce', 0],
      ['open until +6h', 2],
      ['close expired', 6],
    ]);
  });

  it('ends a grant at once when revoked, and refuses to revoke it twice', async () => {
    const { result, timeline } = await run(
      8,
      async (handle) => {
        const decide = (decision: 'approve' | 'revoke') =>
          handle.executeUpdate(supportAccessDecisionUpdate, {
            args: [{ decision, by: 'u00000000000000000001' }],
          });
        expect(await decide('approve')).toBe('approved');
        await ts.env.sleep(HOUR_MS);
        expect(await decide('revoke')).toBe('revoked');
        // Refused by the validator, or by the server once the run has closed.
        expect(await refusal(decide('revoke'))).toMatch(/^Workflow(UpdateFailed|NotFound)Error$/);
      },
      'support-access-revoked',
    );
    expect(result).toEqual({ outcome: 'revoked', approved: true });
    expect(timeline).toEqual([
      ['announce', 0],
      ['open until +8h', 0],
      ['close revoked', 1],
    ]);
  });

  it('expires a request nobody decides after a week, and ends a denied one at once', async () => {
    const undecided = await run(2, async () => undefined);
    expect(undecided.result).toEqual({ outcome: 'expired', approved: false });
    expect(undecided.timeline).toEqual([
      ['announce', 0],
      ['close expired', 168],
    ]);

    const denied = await run(2, async (handle) => {
      expect(
        await handle.executeUpdate(supportAccessDecisionUpdate, {
          args: [{ decision: 'deny', by: 'u00000000000000000001' }],
        }),
      ).toBe('denied');
      // A request that was never approved cannot be revoked.
      const revoke = handle.executeUpdate(supportAccessDecisionUpdate, {
        args: [{ decision: 'revoke', by: 'u00000000000000000001' }],
      });
      expect(await refusal(revoke)).toMatch(/^Workflow(UpdateFailed|NotFound)Error$/);
    });
    expect(denied.result).toEqual({ outcome: 'denied', approved: false });
    // Both at once: a decision may come while the announcement is still being sent (the
    // Update's handler runs beside the procedure), so they are compared in either order.
    expect([...denied.timeline].sort()).toEqual([
      ['announce', 0],
      ['close denied', 0],
    ]);
  });
});
