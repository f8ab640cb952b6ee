/**
 * The rights request workflow's clock on the time-skipping server, with typed fake steps
 * (what the steps do to the real services is tested in test/e2e/rights-requests.test.ts):
 * rejected when the verification window closes unverified; executed at once when verified;
 * staff reminded 7 days and 1 day before the due date and alerted when it passes; an
 * extension moves the due date and the reminders with it.
 */
import type { Activities } from '../../activities';
import {
  rightsDeadlineMovedSignal,
  rightsStatusQuery,
  rightsVerifiedSignal,
  type RightsRequestInput,
  type RightsRequestResult,
} from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import { hoursBetween, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';

type Steps = Pick<
  Activities,
  | 'openRightsRequest'
  | 'readRightsDeadline'
  | 'executeRightsRequest'
  | 'rejectRightsRequest'
  | 'remindRightsStaff'
>;

const DAY_MS = 86_400_000;

describe('rights request workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  const tenantId = 'acme0001';

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
  });
  afterAll(async () => {
    await ts?.env.teardown();
    await stack?.stop();
  });

  /** Steps recording when (in days since the start) they ran, over a plan of deadlines. */
  function fakes(now: number, plan: { dueDays: number; verifyDays: number; verified: boolean }) {
    const calls: [string, number][] = [];
    const at = (days: number) => new Date(now + days * DAY_MS).toISOString();
    const reminders = (due: number) => [at(due - 7), at(due - 1)];
    let due = plan.dueDays;
    const record = async (step: string) =>
      calls.push([
        step,
        Math.round((hoursBetween(now, await ts.env.currentTimeMs()) / 24) * 10) / 10,
      ]);
    const steps: Steps = {
      openRightsRequest: async () => {
        await record('open');
        return {
          verified: plan.verified,
          dueAt: at(due),
          verifyBy: at(plan.verifyDays),
          reminderTimes: reminders(due),
        };
      },
      readRightsDeadline: async () => {
        await record('deadline-read');
        due += 30;
        return { dueAt: at(due), reminderTimes: reminders(due) };
      },
      executeRightsRequest: async () => {
        await record('execute');
        return { completedAt: new Date(await ts.env.currentTimeMs()).toISOString() };
      },
      rejectRightsRequest: async () => {
        await record('reject');
        return true;
      },
      remindRightsStaff: async ({ kind }) => void (await record(kind)),
    };
    return { calls, steps };
  }

  async function run(
    plan: { dueDays: number; verifyDays: number; verified: boolean },
    during?: (handle: ReturnType<TimeSkipping['client']['workflow']['getHandle']>) => Promise<void>,
  ) {
    const now = await ts.env.currentTimeMs();
    const { calls, steps } = fakes(now, plan);
    const requestId = `r${uniqueSuffix()}`;
    const result = await ts.withWorker(steps, async (taskQueue) => {
      const handle = await ts.client.workflow.start<
        (i: RightsRequestInput) => Promise<RightsRequestResult>
      >('rightsRequestWorkflow', {
        workflowId: `rights-request:${tenantId}:${requestId}`,
        taskQueue,
        args: [{ tenantId, requestId, initialStatus: plan.verified ? 'in_progress' : 'verifying' }],
      });
      if (during) await during(handle);
      return handle.result();
    });
    return { result, calls };
  }

  it('rejects a request whose subject never confirms it when the verification window closes', async () => {
    const { result, calls } = await run({ dueDays: 30, verifyDays: 14, verified: false });
    expect(result).toMatchObject({ outcome: 'rejected', state: { status: 'rejected' } });
    expect(calls).toEqual([
      ['open', 0],
      ['reject', 14],
    ]);
  });

  it('executes a verified request at once and completes it, reminding nobody', async () => {
    const { result, calls } = await run({ dueDays: 30, verifyDays: 14, verified: true });
    expect(result).toMatchObject({
      outcome: 'completed',
      state: { status: 'completed', remindersSent: 0 },
    });
    expect(calls).toEqual([
      ['open', 0],
      ['execute', 0],
    ]);
  });

  it('reminds staff a week and a day before the due date, alerts when it passes, and runs once verified', async () => {
    const { result, calls } = await run(
      { dueDays: 30, verifyDays: 60, verified: false },
      async (handle) => {
        await ts.env.sleep('31 days');
        expect(await handle.query(rightsStatusQuery)).toMatchObject({
          status: 'overdue',
          escalated: true,
          remindersSent: 2,
        });
        await handle.signal(rightsVerifiedSignal);
      },
    );
    expect(calls).toEqual([
      ['open', 0],
      ['reminder', 23],
      ['reminder', 29],
      ['overdue', 30],
      ['execute', 31],
    ]);
    expect(result).toMatchObject({
      outcome: 'completed',
      state: { status: 'completed', escalated: true },
    });
  });

  it('moves the reminders with an extension of the deadline', async () => {
    const { calls } = await run(
      { dueDays: 30, verifyDays: 70, verified: false },
      async (handle) => {
        await ts.env.sleep('10 days');
        await handle.signal(rightsDeadlineMovedSignal);
        await ts.env.sleep('55 days');
        expect(await handle.query(rightsStatusQuery)).toMatchObject({
          status: 'overdue',
          remindersSent: 2,
          escalated: true,
        });
        await handle.signal(rightsVerifiedSignal);
      },
    );
    expect(calls).toEqual([
      ['open', 0],
      ['deadline-read', 10],
      ['reminder', 53],
      ['reminder', 59],
      ['overdue', 60],
      ['execute', 65],
    ]);
  });
});
