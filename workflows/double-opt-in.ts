/**
 * A list's double opt-in: one long-lived workflow per list sends the confirmation mail of every
 * new subscription request, the one reminder if the list sends one, and erases each request
 * never confirmed at its deadline, so an address typed by someone else leaves no personal data
 * behind. The requests are data (their deadlines and the mail outbox, in the tenant database):
 * the engine's cost is per round, not per subscription. The confirmation itself is recorded by
 * the link's page (src/consent/subscription/confirm.ts), which the workflow then leaves alone.
 *
 * Each round is one activity: deadlines due by the workflow's time, then the outbox drained for
 * as long as requests keep coming. Between rounds the workflow sleeps until the earliest
 * deadline it knows of, or until a wake (new mail queued, a deadline brought forward). It ends
 * when nothing of the list is pending (the next request starts it again) and continues as new
 * before its history grows long, carrying what it knows.
 */
import {
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  statusQuery,
  wakeSignal,
  type DoubleOptInInput,
  type DoubleOptInResult,
  type DoubleOptInStatus,
} from './definitions';

const { runDoubleOptInRound } = proxyActivities<Activities>({
  // A round drains for at most a minute and heartbeats on every batch and poll.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumInterval: '1 minute' },
});

/** Rounds per run before continuing as new (about ten history events each). */
const ROUNDS_PER_RUN = 1000;

const fresh: DoubleOptInStatus = {
  nextDeadline: null,
  pending: 0,
  sent: 0,
  reminders: 0,
  erased: 0,
  repaired: 0,
  rounds: 0,
  lastRoundAt: null,
};

/** Mails, reminds and erases for one list's subscription requests. */
export async function doubleOptInWorkflow(input: DoubleOptInInput): Promise<DoubleOptInResult> {
  const status: DoubleOptInStatus = { ...fresh, ...input.carried };
  // Unknown until the first round has looked (a fresh run knows nothing of earlier ones).
  let nextDeadline: number | null | undefined = !input.carried
    ? undefined
    : status.nextDeadline === null
      ? null
      : Date.parse(status.nextDeadline);
  let woken = true;
  /** The earliest deadline wakes named since the last round began (applied at the next). */
  let signalledDueBy: number | undefined;
  setHandler(wakeSignal, (wake) => {
    woken = true;
    const dueBy = wake.dueBy ? Date.parse(wake.dueBy) : NaN;
    if (!Number.isNaN(dueBy)) signalledDueBy = Math.min(signalledDueBy ?? dueBy, dueBy);
  });
  setHandler(statusQuery, () => status);

  for (let round = 0; ; round++) {
    // Kept apart until now: a round that looks at deadlines replaces what was known with what
    // it found, and a deadline written after its look would be lost with it.
    if (signalledDueBy !== undefined && nextDeadline !== undefined)
      nextDeadline = Math.min(nextDeadline ?? signalledDueBy, signalledDueBy);
    signalledDueBy = undefined;
    const now = Date.now();
    const deadlines = nextDeadline === undefined || (nextDeadline !== null && nextDeadline <= now);
    woken = false;
    const done = await runDoubleOptInRound({
      tenantId: input.tenantId,
      listId: input.listId,
      now: new Date(now).toISOString(),
      deadlines,
    });
    const reported = done.nextDeadline === null ? null : Date.parse(done.nextDeadline);
    // A round that looked at deadlines knows the earliest left; one that did not adds the
    // deadlines of what it mailed to those known.
    nextDeadline = deadlines
      ? reported
      : reported === null
        ? (nextDeadline ?? null)
        : Math.min(nextDeadline ?? reported, reported);
    status.sent += done.sent;
    status.reminders += done.reminders;
    status.erased += done.erased;
    status.repaired += done.repaired;
    if (done.pending !== undefined) status.pending = done.pending;
    status.rounds += 1;
    status.lastRoundAt = new Date(now).toISOString();
    status.nextDeadline = nextDeadline === null ? null : new Date(nextDeadline).toISOString();

    // Before the wake test: a list woken during every round would otherwise never continue
    // as new. The new run begins with a round, so a wake is not lost.
    if (round + 1 >= ROUNDS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      const known = [nextDeadline, signalledDueBy].filter(
        (t): t is number => typeof t === 'number',
      );
      await continueAsNew<typeof doubleOptInWorkflow>({
        ...input,
        carried: {
          ...status,
          nextDeadline: known.length ? new Date(Math.min(...known)).toISOString() : null,
        },
      });
    }
    if (woken) continue;
    if (nextDeadline === null && signalledDueBy === undefined) return { outcome: 'idle', status };
    if (nextDeadline === null) continue;
    const wait = nextDeadline - Date.now();
    if (wait > 0) await condition(() => woken, wait);
  }
}
