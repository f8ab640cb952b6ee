/**
 * Access reviews of the caller's tenant (session + users.manage): list and read them, start
 * one now (the tenant's Schedule starts one every CONSENTFLOW_ACCESS_REVIEW_EVERY_DAYS), and
 * confirm flagged users and keys, which then stay enabled when the review completes. A
 * console session only: an API key could otherwise keep itself from being revoked.
 */
import { z } from 'zod';
import type { AccessLog } from '../../auth/access-log';
import type { ControlModels } from '../../db/tenant-access';
import type { WorkflowGateway } from '../../temporal/workflows';
import { createAccessReviewCommands } from '../../tenants/access-review/commands';
import { markLogged } from '../audit';
import { clientIp } from '../middleware/authenticate';
import { tenantOf } from '../middleware/tenant-auth';
import { accessReviewSchema, presentAccessReview } from '../presenters/access-review';
import { defineRoute } from '../route';
import { confirmAccessReview } from '../schemas/access-reviews';

const common = { tag: 'access reviews', auth: 'session', feature: 'users.manage' } as const;

/** Builds the access review routes. */
export function accessReviewRoutes(deps: {
  control: ControlModels;
  workflows: WorkflowGateway;
  accessLog: AccessLog;
}) {
  const reviews = createAccessReviewCommands(deps);

  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/access-reviews',
      summary: 'List the access reviews',
      description: 'Newest first, at most 100.',
      responses: {
        200: {
          description: 'the reviews',
          schema: z.strictObject({ reviews: z.array(accessReviewSchema) }),
        },
      },
      async handler(_input, _req, res) {
        const found = await reviews.list(tenantOf(res).principal.tenantId);
        res.json({ reviews: found.map(presentAccessReview) });
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/access-reviews',
      summary: 'Start an access review now',
      description:
        'Lists every user and API key, flags those unused for the configured period, mails the review to the tenant’s admins and disables the flagged entries not confirmed by its due date. The review can be read once its workflow has opened it (within seconds).',
      responses: {
        202: {
          description: 'started',
          schema: z.strictObject({ id: z.string() }).meta({ id: 'StartedAccessReview' }),
        },
      },
      async handler(_input, _req, res) {
        const { principal } = tenantOf(res);
        const id = await reviews.start(principal.tenantId, principal.id);
        res.status(202).location(`/api/v1/access-reviews/${id}`).json({ id });
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/access-reviews/:id',
      summary: 'Read an access review',
      responses: { 200: { description: 'the review', schema: accessReviewSchema } },
      async handler({ params }, _req, res) {
        const review = await reviews.get(tenantOf(res).principal.tenantId, params.id);
        res.json(presentAccessReview(review));
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/access-reviews/:id/confirm',
      summary: 'Confirm flagged users and API keys',
      description:
        'The confirmed entries stay enabled when the review completes. Ids not in the review are a 400 naming them; a completed review is a 409.',
      request: { body: confirmAccessReview },
      responses: { 200: { description: 'the review', schema: accessReviewSchema } },
      async handler({ params, body }, req, res) {
        const { principal } = tenantOf(res);
        const input = { userIds: body.userIds, apiKeyIds: body.apiKeyIds ?? [] };
        const review = await reviews.confirm(principal.tenantId, params.id, input, principal.id);
        await deps.accessLog.record({
          tenantId: principal.tenantId,
          event: 'access_review.confirmed',
          actor: { kind: 'user', id: principal.id },
          ip: clientIp(req),
          details: { reviewId: review._id, ...input },
        });
        markLogged(res);
        res.json(presentAccessReview(review));
      },
    }),
  ];
}
