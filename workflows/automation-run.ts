/**
 * One contact's run through a marketer-designed automation: an interpreter of the published
 * version the contact entered with. The decisions (which branch, how long a delay, whether a
 * step may reach the contact at all) are made by the step activity from the definition and
 * the contact's data at that moment (src/automations/interpreter.ts); this workflow keeps the
 * run's clock and listens:
 *
 * 1. run the step at the current node (with the steps after it that take no time); it answers
 *    go on, sleep until, wait for an event, hold (the automation is paused) or end;
 * 2. while sleeping or waiting, an exit event or an archive ends the run, another event may
 *    meet a goal (the run then jumps to it), and the awaited event takes the event branch;
 * 3. continue as new when the history grows long, carrying the node it is at.
 *
 * Ids, node ids and event keys only: no address or personal field is ever in its history.
 */
import {
  ActivityFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  automationControlSignal,
  automationEventSignal,
  automationRunQuery,
  type AutomationRunInput,
  type AutomationRunResult,
  type AutomationRunState,
} from './definitions';
import { activityFailures } from './failures';

const stepOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    maximumInterval: '10 minutes',
    // About an hour of retries: a step still failing then is recorded as failed.
    maximumAttempts: 12,
    nonRetryableErrorTypes: [activityFailures.automationRunMissing],
  },
} satisfies ActivityOptions;
/** The steps as activities the server schedules: runs started before local steps. */
const scheduledSteps = proxyActivities<Activities>(stepOptions);
/**
 * The steps as local activities: a step is a few database commands and perhaps a mail, and
 * run in the worker's own workflow task it costs the server no activity task and no further
 * workflow task. Every step is idempotent by run and node, so a retry after a crash (the
 * workflow task times out and runs again) repeats nothing.
 */
const localSteps = proxyLocalActivities<Activities>(stepOptions);

/** The patch that moved the steps to local activities (histories before it replay as they were). */
export const LOCAL_STEPS_PATCH = 'automation-local-steps';

/** How long a held run waits for the resume signal before looking at the automation again. */
const HOLD_RECHECK = '1 hour';

/** Runs one contact through one version of an automation. */
export async function automationRunWorkflow(
  input: AutomationRunInput,
): Promise<AutomationRunResult> {
  const ref = {
    tenantId: input.tenantId,
    automationId: input.automationId,
    contactId: input.contactId,
    run: input.run,
  };
  const { enterAutomationRun, runAutomationStep, checkAutomationGoal, finishAutomationRun } =
    patched(LOCAL_STEPS_PATCH) ? localSteps : scheduledSteps;
  let heard: string[] = [];
  let control: 'resume' | 'archive' | undefined;
  setHandler(automationEventSignal, (event) => void heard.push(...event.keys));
  setHandler(automationControlSignal, ({ action }) => void (control = action));

  const entered = input.resume ?? {
    ...(input.start ?? (await enterAutomationRun(ref))),
    steps: 0,
  };
  const exitKeys = new Set(entered.exitOn.map((name) => `custom:${name}`));
  const state: AutomationRunState = { node: entered.node, status: 'running', steps: entered.steps };
  setHandler(automationRunQuery, () => state);
  /** Why the run must end now, if it must. */
  const mustEnd = () =>
    control === 'archive'
      ? 'archived'
      : heard.some((k) => exitKeys.has(k))
        ? 'exit_event'
        : undefined;

  let after: { node: string; outcome: 'event' | 'timeout' } | undefined;
  try {
    for (;;) {
      const ending = mustEnd();
      if (ending) {
        await finishAutomationRun({ ...ref, outcome: 'exited', reason: ending, at: Date.now() });
        return { outcome: 'exited', reason: ending, steps: state.steps };
      }
      if (workflowInfo().continueAsNewSuggested && !after)
        await continueAsNew<typeof automationRunWorkflow>({
          ...input,
          resume: { ...entered, node: state.node, steps: state.steps },
        });

      state.status = 'running';
      const step = await runAutomationStep({ ...ref, node: state.node, after, at: Date.now() });
      after = undefined;
      // Histories from before steps were chained carry no count: one step each.
      state.steps += step.steps ?? 1;
      switch (step.do) {
        case 'end':
          return { outcome: step.outcome, reason: step.reason, steps: state.steps };
        case 'go':
          state.node = step.next;
          break;
        case 'hold':
          state.status = 'held';
          // Only a resume sent while held counts; an archive ends the run at the loop's top.
          if (control !== 'archive') control = undefined;
          await condition(() => control !== undefined, HOLD_RECHECK);
          if (control !== 'archive') control = undefined;
          break;
        case 'sleep': {
          state.status = 'sleeping';
          state.until = step.until;
          const goal = await sleepUntil(Date.parse(step.until));
          state.until = undefined;
          if (goal) state.node = goal;
          else if (!mustEnd()) state.node = step.next;
          break;
        }
        case 'await': {
          state.status = 'waiting_for_event';
          state.until = step.until;
          heard = [];
          const arrived = await condition(
            () => heard.includes(step.key) || mustEnd() !== undefined,
            Math.max(0, Date.parse(step.until) - Date.now()),
          );
          state.until = undefined;
          if (mustEnd()) break;
          const outcome = arrived && heard.includes(step.key) ? 'event' : 'timeout';
          // The wait is where the chain stopped, not where it began.
          after = { node: step.node ?? state.node, outcome };
          state.node = outcome === 'event' ? step.onEvent : step.onTimeout;
          break;
        }
      }
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await finishAutomationRun({ ...ref, outcome: 'failed', reason: 'step_failed', at: Date.now() });
    return { outcome: 'failed', reason: 'step_failed', steps: state.steps };
  }

  /**
   * Sleeps until `until`; woken early by an exit or archive (returns undefined, the loop
   * ends the run) or by an event that meets a goal (returns the goal's node).
   */
  async function sleepUntil(until: number): Promise<string | undefined> {
    for (;;) {
      heard = [];
      const left = until - Date.now();
      if (left <= 0) return undefined;
      const woken = await condition(() => heard.length > 0 || control === 'archive', left);
      if (!woken || mustEnd()) return undefined;
      if (!entered.goals) continue;
      const goal = await checkAutomationGoal({ ...ref, node: state.node, at: Date.now() });
      if (goal) return goal;
    }
  }
}
