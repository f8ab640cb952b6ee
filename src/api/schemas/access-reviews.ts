/**
 * The body of `POST /api/v1/access-reviews/:id/confirm`, shared by the route and the web
 * console, which confirms the flagged entries an admin ticks.
 */
import { z } from 'zod';

/** The users and API keys to keep enabled when the review completes. */
export const confirmAccessReview = z.strictObject({
  userIds: z.array(z.string().regex(/^u[0-9a-f]{20}$/, 'not a user id')).max(10_000),
  apiKeyIds: z
    .array(z.string().regex(/^[0-9a-f]{16}$/, 'not an API key id'))
    .max(10_000)
    .optional(),
});
