/**
 * Waking a list's double opt-in workflow when its outbox has new mail. The workflow drains the
 * outbox for at least `DRAIN_AFTER_WAKE_MS` after each wake (activities/double-opt-in.ts), so
 * a process that woke a list less than `WAKE_EVERY_MS` ago need not wake it again: a request
 * stored meanwhile is seen by that drain. Under a flood this is one signal a second per list
 * and api process instead of one workflow per subscription. A wake that fails, or a process
 * that dies before waking, loses nothing: the tenant's double opt-in sweep wakes every list
 * with work left (activities/double-opt-in-sweep.ts).
 */
import type { Logger } from '../../logger';
import type { WorkflowGateway } from '../../temporal/workflows';
import { wakeSignal, type Wake } from '../../../workflows/definitions';

/** How long a drain goes on after the wake that started it found nothing more to send. */
export const DRAIN_AFTER_WAKE_MS = 2_000;

/** How long after a wake the same process relies on that drain; well inside the drain. */
export const WAKE_EVERY_MS = 1_000;

/** The waker of one process. */
export type DoubleOptInWake = ReturnType<typeof createDoubleOptInWake>;

/** Creates the waker; `now` is a monotonic clock in ms. */
export function createDoubleOptInWake(deps: { workflows: WorkflowGateway; now?: () => number }) {
  const now = deps.now ?? (() => performance.now());
  /** When this process last had a wake of each list accepted. */
  const woken = new Map<string, number>();
  const keyOf = (tenantId: string, listId: string) => `${tenantId}:${listId}`;

  /** Signals (or starts) the list's workflow; `wake.dueBy` for a deadline brought forward. */
  const send = async (tenantId: string, listId: string, wake: Wake = {}) => {
    const sentAt = now();
    await deps.workflows.signalWithStart('doubleOptIn', { tenantId, listId }, wakeSignal, wake);
    woken.set(keyOf(tenantId, listId), sentAt);
    if (woken.size > 10_000) woken.clear(); // a bound, not a cache policy: forgetting only costs a signal
  };

  return {
    /** Wakes the list's workflow for mail just queued, unless this process did so just now. */
    async mailQueued(tenantId: string, listId: string): Promise<void> {
      const last = woken.get(keyOf(tenantId, listId));
      if (last !== undefined && now() - last < WAKE_EVERY_MS) return;
      await send(tenantId, listId);
    },
    /** Wakes the list's workflow for a step due now (an erasure brought forward, say). */
    async dueNow(tenantId: string, listId: string): Promise<void> {
      await send(tenantId, listId, { dueBy: new Date().toISOString() });
    },
  };
}

/**
 * Wakes after a request was answered, without waiting; a failure is only logged (ids are
 * opaque): the sweep wakes the list later.
 */
export function wakeAfterAnswer(
  deps: { wake: DoubleOptInWake; logger: Logger },
  tenantId: string,
  listId: string,
): void {
  deps.wake.mailQueued(tenantId, listId).catch((err: unknown) =>
    deps.logger.warn(
      {
        tenantId,
        listId,
        // The error's kind only: a message may quote what the request carried.
        err: err instanceof Error ? err.name : typeof err,
      },
      'double opt-in wake failed; the sweep will wake the list',
    ),
  );
}
