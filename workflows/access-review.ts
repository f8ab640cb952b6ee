/**
 * A tenant's access review (a run of its Schedule, or one an admin started): every console
 * user and API key is listed with what it may do and when it was last used, the ones unused
 * for the configured period are flagged, and the review is mailed to the tenant's admins.
 * Admins then have a grace period to confirm the flagged entries they keep; at its end every
 * flagged entry not confirmed is disabled (a user) or revoked (a key), and the outcome is
 * recorded on the review and in the access log.
 *
 * Confirmations arrive as an Update, answered once recorded, or `completed` once the review
 * has begun to complete: an admin's confirmation is never accepted and then overtaken by the
 * disabling.
 */
import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  confirmAccessReviewUpdate,
  type AccessReviewInput,
  type AccessReviewResult,
} from './definitions';
import { activityFailures } from './failures';

const { openAccessReview, mailAccessReview, recordAccessReviewConfirmation, completeAccessReview } =
  proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: {
      maximumInterval: '5 minutes',
      nonRetryableErrorTypes: [
        activityFailures.accessReviewMissing,
        activityFailures.notInWorkflow,
      ],
    },
  });

/** Reviews the tenant's accounts and keys, waits for the admins, disables what nobody kept. */
export async function accessReviewWorkflow(input: AccessReviewInput): Promise<AccessReviewResult> {
  const { tenantId } = input;
  /** The review's id, once opened (a confirmation arriving earlier waits for it). */
  const review: { id?: string } = {};
  /** Flagged entries no admin has confirmed yet. */
  const unconfirmed = new Set<string>();
  let completing = false;
  let recording = false;

  setHandler(confirmAccessReviewUpdate, async (confirmation) => {
    // One at a time: each records on the review document as a whole.
    await condition(() => (review.id !== undefined && !recording) || completing);
    if (completing) return 'completed';
    recording = true;
    try {
      await recordAccessReviewConfirmation({ tenantId, reviewId: review.id!, ...confirmation });
    } finally {
      recording = false;
    }
    for (const id of [...confirmation.userIds, ...confirmation.apiKeyIds]) unconfirmed.delete(id);
    return 'confirmed';
  });

  const opened = await openAccessReview({
    tenantId,
    reviewId: input.reviewId,
    startedBy: input.startedBy,
    workflowId: workflowInfo().workflowId,
  });
  const { reviewId } = opened;
  review.id = reviewId;
  for (const id of [...opened.flaggedUsers, ...opened.flaggedApiKeys]) unconfirmed.add(id);
  await mailAccessReview({ tenantId, reviewId });

  // The grace period, over early once every flagged entry is confirmed.
  const left = Date.parse(opened.dueAt) - Date.now();
  if (unconfirmed.size > 0 && left > 0) await condition(() => unconfirmed.size === 0, left);
  completing = true;
  await condition(() => !recording); // a confirmation being recorded still counts
  const result = await completeAccessReview({ tenantId, reviewId });
  await condition(allHandlersFinished);
  return result;
}
