/**
 * Access reviews as the API shows them: each user and key by id with what it may do, when it
 * was last used, whether it is flagged, confirmed (by whom) and what became of it. No
 * addresses: the users route shows those.
 */
import { z } from 'zod';
import {
  accessReviewOutcomes,
  type AccessReviewDocument,
  type AccessReviewKeyEntry,
  type AccessReviewUserEntry,
} from '../../db/models/access-review';

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

const confirmable = {
  flagged: z.boolean(),
  confirmedAt: z.string().nullable(),
  confirmedBy: z.string().nullable(),
  outcome: z.enum(accessReviewOutcomes).nullable(),
};

const userEntrySchema = z.strictObject({
  id: z.string(),
  features: z.array(z.string()),
  lists: z.union([z.literal('all'), z.array(z.string())]),
  fields: z.record(z.string(), z.string()),
  status: z.enum(['enabled', 'disabled']),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
  ...confirmable,
});

const keyEntrySchema = z.strictObject({
  id: z.string(),
  scopes: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  ...confirmable,
});

/** The response schema of a review. */
export const accessReviewSchema = z
  .strictObject({
    id: z.string(),
    status: z.enum(['open', 'completed']),
    createdAt: z.string(),
    dueAt: z.string().meta({ description: 'flagged entries not confirmed by then are disabled' }),
    startedBy: z.enum(['user', 'schedule']),
    staleAfterDays: z.number().int(),
    mailedTo: z.number().int().nullable().meta({ description: 'how many admins were mailed' }),
    users: z.array(userEntrySchema),
    apiKeys: z.array(keyEntrySchema),
    completedAt: z.string().nullable(),
    outcome: z
      .strictObject({
        usersDisabled: z.number().int(),
        apiKeysRevoked: z.number().int(),
        confirmed: z.number().int(),
      })
      .nullable(),
  })
  .meta({ id: 'AccessReview' });

const confirmation = (entry: AccessReviewUserEntry | AccessReviewKeyEntry) => ({
  flagged: entry.flagged,
  confirmedAt: iso(entry.confirmedAt),
  confirmedBy: entry.confirmedBy ?? null,
  outcome: entry.outcome ?? null,
});

/** Presents a review. */
export const presentAccessReview = (review: AccessReviewDocument) => ({
  id: review._id,
  status: review.status,
  createdAt: review.createdAt.toISOString(),
  dueAt: review.dueAt.toISOString(),
  startedBy: review.startedBy.kind,
  staleAfterDays: review.staleAfterDays,
  mailedTo: review.mailedTo ?? null,
  users: review.users.map((u) => ({
    id: u.id,
    features: u.features,
    lists: u.lists,
    fields: u.fields ?? {},
    status: u.status,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: iso(u.lastLoginAt),
    ...confirmation(u),
  })),
  apiKeys: review.apiKeys.map((k) => ({
    id: k.id,
    scopes: k.scopes,
    createdBy: k.createdBy,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    ...confirmation(k),
  })),
  completedAt: iso(review.completedAt),
  outcome: review.outcome
    ? {
        usersDisabled: review.outcome.usersDisabled,
        apiKeysRevoked: review.outcome.apiKeysRevoked,
        confirmed: review.outcome.confirmed,
      }
    : null,
});
