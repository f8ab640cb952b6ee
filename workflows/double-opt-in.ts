/**
 * Double opt-in: a new subscription is used for nothing but its confirmation until the
 * recipient follows the link. One reminder goes out if configured; a request never confirmed
 * is erased, so an address typed by someone else leaves no personal data behind.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  confirmSignal,
  type DoubleOptInInput,
  type DoubleOptInResult,
  type LinkUse,
} from './definitions';
import { activityFailures } from './failures';

// Local activities: each step is one short database or SMTP exchange, and running them in
// the workflow task saves the engine a task round trip per step (a subscription is the
// hottest path of the product). Retries and idempotency are as for regular activities.
const { sendConfirmation, activateSubscription, eraseUnconfirmed } =
  proxyLocalActivities<Activities>({
    startToCloseTimeout: '1 minute',
    localRetryThreshold: '1 minute',
    retry: {
      maximumInterval: '5 minutes',
      nonRetryableErrorTypes: [
        activityFailures.subscriptionMissing,
        activityFailures.notInWorkflow,
      ],
    },
  });

const HOUR = 3_600_000;

/** Confirms a new subscription by email before any marketing use. */
export async function doubleOptInWorkflow(input: DoubleOptInInput): Promise<DoubleOptInResult> {
  let confirmation: LinkUse | undefined;
  setHandler(confirmSignal, (use) => {
    confirmation ??= use; // the first click counts; later ones change nothing
  });
  const startedAt = workflowInfo().startTime.getTime();
  const deadline = startedAt + input.confirmWithinHours * HOUR;
  const expiresAt = new Date(deadline).toISOString();
  const confirmed = () => confirmation !== undefined;
  /** Waits for the click until `time` (epoch ms); whether it came. */
  const confirmedBy = async (time: number) => {
    const left = time - Date.now();
    return left > 0 ? condition(confirmed, left) : confirmed();
  };

  await sendConfirmation({ ...input, step: 'confirmation', expiresAt });
  if (input.reminderAfterHours !== null) {
    if (!(await confirmedBy(startedAt + input.reminderAfterHours * HOUR))) {
      await sendConfirmation({ ...input, step: 'reminder', expiresAt });
    }
  }
  if (!(await confirmedBy(deadline))) {
    await eraseUnconfirmed(input); // data minimisation: nothing kept of an unconfirmed address
    return { outcome: 'expired' };
  }
  let activated: Awaited<ReturnType<typeof activateSubscription>>;
  try {
    activated = await activateSubscription({ ...input, confirmation: confirmation! });
  } catch (err) {
    if (!isFailureOf(err, activityFailures.subscriptionMissing)) throw err;
    // The request's record is gone, so no proof can be written: nothing may be kept.
    await eraseUnconfirmed(input);
    return { outcome: 'expired' };
  }
  if (activated === 'withdrawn') {
    // Unsubscribed from the confirmation mail before the click: never confirmed, so erased
    // now rather than at the deadline.
    await eraseUnconfirmed(input);
    return { outcome: 'withdrawn' };
  }
  return { outcome: 'confirmed' };
}

/**
 * Whether an activity failed permanently with this type. A local activity's failure arrives
 * as the ApplicationFailure itself, a regular one's wrapped in an ActivityFailure.
 */
const isFailureOf = (err: unknown, type: string): boolean =>
  err instanceof ApplicationFailure
    ? err.type === type
    : err instanceof ActivityFailure && isFailureOf(err.cause, type);
