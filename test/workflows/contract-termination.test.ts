/**
 * The contract-termination workflow's timing on the time-skipping server, with typed fake
 * steps (what each step does to the real services is tested in test/e2e/contract-end.test.ts):
 * frozen at the end, deleted at the end of the export window and certified; a new end moves
 * both; a renewal during the window ends it with the tenant served again and nothing
 * deleted; once deletion has started, nothing stops it.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import {
  moveContractEndUpdate,
  renewContractUpdate,
  type ContractTerminationInput,
  type ContractTerminationResult,
  type DeletionAlertInput,
} from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { keepHistory } from '../helpers/histories';
import { hoursBetween, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';
import { buildTenant } from '../helpers/tenant-fixtures';

type Steps = Pick<
  Activities,
  | 'applyContractEnd'
  | 'freezeTenant'
  | 'resumeTenant'
  | 'beginDeletion'
  | 'shredTenant'
  | 'certifyDeletion'
  | 'sendContractNotice'
  | 'alertDeletionFailing'
>;

const DAY_MS = 86_400_000;

describe('contract termination workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  let tenantId: string;

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
    ({ tenantId } = await buildTenant(stack.app, stack.platformToken));
  });
  afterAll(async () => {
    await ts?.env.teardown();
    await stack?.stop();
  });

  /** Steps that record when (skipped server time) they ran. */
  function fakes() {
    const calls: { step: string; at: number; endsAt?: string }[] = [];
    const alerts: DeletionAlertInput[] = [];
    const record = (step: string, endsAt?: string) => async () => {
      calls.push({ step, at: await ts.env.currentTimeMs(), ...(endsAt ? { endsAt } : {}) });
    };
    const steps: Steps = {
      applyContractEnd: async (input) => {
        await record('apply', input.endsAt)();
        return true;
      },
      freezeTenant: async () => record('freeze')(),
      resumeTenant: async () => record('resume')(),
      beginDeletion: async () => record('begin-deletion')(),
      shredTenant: async () => record('shred')(),
      certifyDeletion: async () => {
        await record('certify')();
        return 'dc-test';
      },
      sendContractNotice: async (input) => {
        await record(`notice:${input.notice}`)();
        return 1;
      },
      alertDeletionFailing: async (input) => {
        alerts.push(input);
        await record(`alert:${input.step}`)();
      },
    };
    return { calls, alerts, steps };
  }

  /** The workflow's input for a contract ending `inDays` from `now` with a window. */
  const planFrom = (now: number, inDays: number, windowDays: number) => ({
    endsAt: new Date(now + inDays * DAY_MS).toISOString(),
    deleteAt: new Date(now + (inDays + windowDays) * DAY_MS).toISOString(),
    exportWindowDays: windowDays,
  });

  async function run(
    inDays: number,
    windowDays: number,
    during?: (
      handle: ReturnType<TimeSkipping['client']['workflow']['getHandle']>,
      now: number,
    ) => Promise<void>,
    /** Stores the run's history for the replay test under this name. */
    historyName?: string,
  ) {
    const { calls, steps } = fakes();
    const now = await ts.env.currentTimeMs();
    const input: ContractTerminationInput = { tenantId, ...planFrom(now, inDays, windowDays) };
    const result = await ts.withWorker(steps, async (taskQueue) => {
      const handle = await ts.client.workflow.start<
        (i: ContractTerminationInput) => Promise<ContractTerminationResult>
      >('contractTerminationWorkflow', {
        workflowId: `contract-termination:${tenantId}:${tenantId}-${now}`,
        taskQueue,
        args: [input],
      });
      if (during) await during(handle, now);
      const result = await handle.result();
      if (historyName) await keepHistory(handle, stack.payloadKeys, historyName);
      return result;
    });
    const days = (at: number) => hoursBetween(now, at) / 24;
    return { result, timeline: calls.map((c) => [c.step, Math.round(days(c.at) * 10) / 10]) };
  }

  it('freezes the tenant at the end and deletes it when the export window is over', async () => {
    const { result, timeline } = await run(3, 14, undefined, 'contract-termination-deleted');
    expect(result).toEqual({ outcome: 'deleted', certificateId: 'dc-test' });
    expect(timeline).toEqual([
      ['apply', 0],
      ['freeze', 3],
      ['notice:export-window', 3],
      ['notice:deletion-soon', 15], // two days before
      ['begin-deletion', 17],
      ['shred', 17],
      ['certify', 17],
    ]);
  });

  it('deletes at the end itself with an export window of 0, and at once for an end already past', async () => {
    expect((await run(2, 0)).timeline).toEqual([
      ['apply', 0],
      ['freeze', 2],
      ['begin-deletion', 2],
      ['shred', 2],
      ['certify', 2],
    ]);
    // Long past: deleted at once, with no notice of a window already over.
    expect((await run(-30, 5)).timeline).toEqual([
      ['apply', 0],
      ['freeze', 0],
      ['begin-deletion', 0],
      ['shred', 0],
      ['certify', 0],
    ]);
  });

  it('moves the freeze and the deletion to a new end', async () => {
    const { timeline } = await run(
      3,
      5,
      async (handle, now) => {
        await ts.env.sleep(DAY_MS); // day 1: the end moves from day 3 to day 10
        expect(
          await handle.executeUpdate(moveContractEndUpdate, { args: [planFrom(now, 10, 5)] }),
        ).toBe('applied');
      },
      'contract-termination-moved',
    );
    expect(timeline).toEqual([
      ['apply', 0],
      ['apply', 1],
      ['freeze', 10],
      ['notice:export-window', 10],
      ['notice:deletion-soon', 13],
      ['begin-deletion', 15],
      ['shred', 15],
      ['certify', 15],
    ]);
  });

  it('ends with the tenant served again when renewed during the export window, deleting nothing', async () => {
    const { result, timeline } = await run(
      2,
      10,
      async (handle) => {
        await ts.env.sleep(5 * DAY_MS); // frozen since day 2
        expect(await handle.executeUpdate(renewContractUpdate)).toBe('renewed');
      },
      'contract-termination-renewed',
    );
    expect(result).toEqual({ outcome: 'renewed' });
    expect(timeline).toEqual([
      ['apply', 0],
      ['freeze', 2],
      ['notice:export-window', 2],
      ['resume', 5],
    ]);
  });

  it('answers a renewal or a new end during the deletion with deletion-started, and deletes', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { calls, steps } = fakes();
    const shred = steps.shredTenant;
    steps.shredTenant = async (ref) => {
      await shred(ref);
      await gate; // the deletion is under way until the test lets it finish
    };
    const now = await ts.env.currentTimeMs();
    const result = await ts.withWorker(steps, async (taskQueue) => {
      const handle = await ts.client.workflow.start<
        (i: ContractTerminationInput) => Promise<ContractTerminationResult>
      >('contractTerminationWorkflow', {
        workflowId: `contract-termination:${tenantId}:${tenantId}-late-${now}`,
        taskQueue,
        args: [{ tenantId, ...planFrom(now, 1, 0) }],
      });
      // To the deletion (the clock stands still while the deletion's activity runs).
      await ts.env.sleep(DAY_MS);
      while (!calls.some((c) => c.step === 'shred')) await new Promise((r) => setTimeout(r, 50));
      expect(await handle.executeUpdate(renewContractUpdate)).toBe('deletion-started');
      expect(
        await handle.executeUpdate(moveContractEndUpdate, { args: [planFrom(now, 30, 5)] }),
      ).toBe('deletion-started');
      release();
      return handle.result();
    });
    expect(result).toEqual({ outcome: 'deleted', certificateId: 'dc-test' });
    expect(calls.map((c) => c.step)).not.toContain('resume');
  });

  it('answers a change overridden before it was recorded as superseded', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { calls, steps } = fakes();
    const apply = steps.applyContractEnd;
    steps.applyContractEnd = async (input) => {
      const done = await apply(input);
      if (calls.filter((c) => c.step === 'apply').length === 2) await gate; // the move's
      return done;
    };
    const now = await ts.env.currentTimeMs();
    const result = await ts.withWorker(steps, async (taskQueue) => {
      const handle = await ts.client.workflow.start<
        (i: ContractTerminationInput) => Promise<ContractTerminationResult>
      >('contractTerminationWorkflow', {
        workflowId: `contract-termination:${tenantId}:${tenantId}-over-${now}`,
        taskQueue,
        args: [{ tenantId, ...planFrom(now, 30, 5) }],
      });
      while (calls.length < 1) await new Promise((r) => setTimeout(r, 20));
      const moved = handle.executeUpdate(moveContractEndUpdate, { args: [planFrom(now, 60, 5)] });
      while (calls.length < 2) await new Promise((r) => setTimeout(r, 20)); // being recorded
      const renewed = handle.executeUpdate(renewContractUpdate);
      await new Promise((r) => setTimeout(r, 200));
      release();
      expect(await moved).toBe('superseded');
      expect(await renewed).toBe('renewed');
      return handle.result();
    });
    expect(result).toEqual({ outcome: 'renewed' });
  });

  /** Runs the termination with these steps and input to its end; the result or the failure. */
  async function runWith(steps: Steps, input: ContractTerminationInput, name: string) {
    return ts.withWorker(steps, async (taskQueue) => {
      const handle = await ts.client.workflow.start<
        (i: ContractTerminationInput) => Promise<ContractTerminationResult>
      >('contractTerminationWorkflow', {
        workflowId: `contract-termination:${tenantId}:${tenantId}-${name}-${Date.now()}`,
        taskQueue,
        args: [input],
      });
      const outcome: { result?: ContractTerminationResult; err?: unknown } = await handle
        .result()
        .then(
          (result) => ({ result }),
          (err: unknown) => ({ err }),
        );
      return { ...outcome, handle };
    });
  }

  it('starts the deletion 3 days before the law’s 20 whatever window it was handed, and shows the deadline', async () => {
    const { calls, steps } = fakes();
    const now = await ts.env.currentTimeMs();
    // A window of 20 days (more than the API lets through) is cut to 17.
    const input = { tenantId, ...planFrom(now, 1, 20) };
    const { result, handle } = await runWith(steps, input, 'long');
    expect(result).toEqual({ outcome: 'deleted', certificateId: 'dc-test' });
    const begun = calls.find((c) => c.step === 'begin-deletion')!;
    expect(Math.round(hoursBetween(now, begun.at) / 24)).toBe(18); // the end on day 1, + 17
    const { searchAttributes } = await handle.describe();
    expect(searchAttributes.DeletionDeadline).toEqual([new Date(now + 21 * DAY_MS)]);
  });

  it('alerts the operator when a deletion step keeps failing, retries, and still deletes within 20 days', async () => {
    const { calls, alerts, steps } = fakes();
    let failures = 0;
    const shred = steps.shredTenant;
    // The database is down for the first 50 attempts (hours, with the retries' backoff).
    steps.shredTenant = async (ref) => {
      if (failures++ < 50) throw new Error('database unreachable');
      await shred(ref);
    };
    const now = await ts.env.currentTimeMs();
    const { result } = await runWith(steps, { tenantId, ...planFrom(now, 1, 17) }, 'failing');
    expect(result).toEqual({ outcome: 'deleted', certificateId: 'dc-test' });
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts[0]).toEqual({
      tenantId,
      step: 'shred',
      deadline: new Date(now + 21 * DAY_MS).toISOString(),
      failure: expect.any(String),
      retrying: true,
    });
    const alerted = calls.find((c) => c.step === 'alert:shred')!;
    const begun = calls.find((c) => c.step === 'begin-deletion')!;
    const certified = calls.find((c) => c.step === 'certify')!;
    expect(hoursBetween(begun.at, alerted.at)).toBeLessThanOrEqual(1); // within its first hour
    expect(certified.at).toBeLessThan(now + 21 * DAY_MS); // the end on day 1, + 20 days
  });

  it('alerts and stops for a person when the tenant is not in the state the deletion expects', async () => {
    const { alerts, steps } = fakes();
    steps.beginDeletion = async () => {
      throw ApplicationFailure.nonRetryable('tenant is active, not frozen', 'TenantNotFrozen');
    };
    const now = await ts.env.currentTimeMs();
    const { err } = await runWith(steps, { tenantId, ...planFrom(now, 1, 0) }, 'stopped');
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(alerts).toEqual([
      expect.objectContaining({
        step: 'begin-deletion',
        retrying: false,
        failure: 'TenantNotFrozen',
      }),
    ]);
  });
});
