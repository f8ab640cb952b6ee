/**
 * What the api does with access reviews: start one now (the Schedule starts the others), read
 * them, and hand an admin's confirmations to the review's workflow, which answers once they
 * are recorded, or `completed` once the review has begun disabling (then 409). Ids are
 * checked against the review first, so an unknown one is a 400 naming it and the workflow
 * only ever hears of entries it listed.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { AccessReviewDocument } from '../../db/models/access-review';
import type { ControlModels } from '../../db/tenant-access';
import { AppError, conflict, invalid, notFound } from '../../errors';
import type { WorkflowGateway } from '../../temporal/workflows';
import { confirmAccessReviewUpdate } from '../../../workflows/definitions';
import { accessReviewIdPattern, newAccessReviewId } from './entries';

/** How long a confirmation waits for the workflow's answer. */
const CONFIRM_WAIT_MS = 20_000;

/** What the commands need. */
export interface AccessReviewCommandDeps {
  control: Pick<ControlModels, 'AccessReview'>;
  workflows: WorkflowGateway;
}

/** What an admin keeps. */
export interface ConfirmInput {
  userIds: string[];
  apiKeyIds: string[];
}

const completed = () =>
  conflict('access_review_completed', 'the access review has completed; nothing can be confirmed');

/** Creates the commands. */
export function createAccessReviewCommands({ control, workflows }: AccessReviewCommandDeps) {
  const { AccessReview } = control;

  async function get(tenantId: string, reviewId: string): Promise<AccessReviewDocument> {
    const review = accessReviewIdPattern.test(reviewId)
      ? await AccessReview.findOne({ _id: reviewId, tenantId }).lean()
      : null;
    if (!review) throw notFound('access review');
    return review as AccessReviewDocument;
  }

  return {
    get,

    /** Starts a review of the tenant now; its id (the record appears once the run opens it). */
    async start(tenantId: string, startedBy: string): Promise<string> {
      const reviewId = newAccessReviewId();
      await workflows.start('accessReview', { tenantId, reviewId, startedBy });
      return reviewId;
    },

    /** The tenant's reviews, newest first (at most 100). */
    async list(tenantId: string): Promise<AccessReviewDocument[]> {
      return (await AccessReview.find({ tenantId })
        .sort({ createdAt: -1 })
        .limit(100)
        .lean()) as AccessReviewDocument[];
    },

    /** Keeps the entries confirmed; the review as it then stands. */
    async confirm(
      tenantId: string,
      reviewId: string,
      input: ConfirmInput,
      by: string,
    ): Promise<AccessReviewDocument> {
      const review = await get(tenantId, reviewId);
      if (review.status === 'completed') throw completed();
      const users = new Set(review.users.map((u) => u.id));
      const keys = new Set(review.apiKeys.map((k) => k.id));
      const unknown = [
        ...input.userIds.filter((id) => !users.has(id)).map((id) => `userIds: ${id}`),
        ...input.apiKeyIds.filter((id) => !keys.has(id)).map((id) => `apiKeyIds: ${id}`),
      ];
      if (unknown.length > 0)
        throw invalid(`not in this review: ${unknown.join(', ')}`, 'unknown_review_entries');
      let answer: 'confirmed' | 'completed';
      try {
        answer = await workflows.update(
          'accessReview',
          tenantId,
          review.workflowRef,
          confirmAccessReviewUpdate,
          { args: [{ ...input, by }], waitMs: CONFIRM_WAIT_MS },
        );
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw completed(); // its run has ended
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
          throw new AppError(
            'unavailable',
            'access_review_unavailable',
            'the access review did not answer in time; try again',
          );
        throw err;
      }
      if (answer === 'completed') throw completed();
      return get(tenantId, reviewId);
    },
  };
}

/** The commands of a process. */
export type AccessReviewCommands = ReturnType<typeof createAccessReviewCommands>;
