/**
 * The contract-termination workflow's timing on the time-skipping server, with typed fake
 * steps (what each step does to the real services is tested in test/e2e/contract-end.test.ts):
 * frozen at the end, deleted at the end of the export window and certified; a new end moves
 * both; a renewal during the window ends it with the tenant served again and nothing
 * deleted; once deletion has started, nothing stops it.
 */
import type { Activities } from '../../activities';
import {
  moveContractEndUpdate,
  renewContractUpdate,
  type ContractTerminationInput,
  type ContractTerminationResult,
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
    };
    return { calls, steps };
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
    expect((await run(-30, 5)).timeline.map(([, day]) => day)).toEqual([0, 0, 0, 0, 0]);
  });

  it('moves the freeze and the deletion to a new end', async () => {
    const { timeline } = await run(3, 5, async (handle, now) => {
      await ts.env.sleep(DAY_MS); // day 1: the end moves from day 3 to day 10
      expect(
        await handle.executeUpdate(moveContractEndUpdate, { args: [planFrom(now, 10, 5)] }),
      ).toBe('applied');
    }, 'contract-termination-moved');
    expect(timeline).toEqual([
      ['apply', 0],
      ['apply', 1],
      ['freeze', 10],
      ['begin-deletion', 15],
      ['shred', 15],
      ['certify', 15],
    ]);
  });

  it('ends with the tenant served again when renewed during the export window, deleting nothing', async () => {
    const { result, timeline } = await run(2, 10, async (handle) => {
      await ts.env.sleep(5 * DAY_MS); // frozen since day 2
      expect(await handle.executeUpdate(renewContractUpdate)).toBe('renewed');
    }, 'contract-termination-renewed');
    expect(result).toEqual({ outcome: 'renewed' });
    expect(timeline).toEqual([
      ['apply', 0],
      ['freeze', 2],
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
});
