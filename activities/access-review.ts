/**
 * The steps of an access review (workflows/access-review.ts): open it (list and flag the
 * tenant's users and keys), mail it to the admins, record a confirmation, and complete it
 * (disable and revoke what nobody kept, record the outcome); and ensure a new tenant's review
 * Schedule. Each is idempotent: the review's id derives from its workflow, its access-log
 * entries' ids from the review, and completing first stores its decision, so a retry
 * converges on the same state. Workflow payloads carry ids only: the mail step reads the
 * addresses itself.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { AccessEvent } from '../src/db/models/access-log';
import type { AccessReviewDocument } from '../src/db/models/access-review';
import type { UserDocument } from '../src/db/models/user';
import { isDuplicateKey } from '../src/db/duplicate-key';
import type { TenantAccess } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import { accessReviewIdOf, keyEntries, userEntries } from '../src/tenants/access-review/entries';
import { accessReviewMail } from '../src/tenants/access-review/mail';
import { decideReview, outcomeCounts } from '../src/tenants/access-review/outcome';
import { ensureAccessReviewSchedule } from '../src/tenants/access-review/schedule';
import type { WorkflowGateway } from '../src/temporal/workflows';
import {
  workflowKinds,
  type AccessReviewConfirmation,
  type AccessReviewOpened,
  type AccessReviewResult,
  type TenantRef,
} from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** How reviews run: from the configuration (src/config.ts). */
export interface AccessReviewPolicy {
  /** Days between a tenant's scheduled reviews. */
  everyDays: number;
  /** Users and keys unused this many days are flagged. */
  staleAfterDays: number;
  /** Days admins have to confirm flagged entries (fractions allowed). */
  graceDays: number;
}

/** What the access review activities need. */
export interface AccessReviewDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  workflows: WorkflowGateway;
  accessReviewPolicy: AccessReviewPolicy;
}

type ReviewRef = { tenantId: string; reviewId: string };

/** Whether a user manages users (stored features, `*` included): an admin. */
const managesUsers = (features: string[]) =>
  features.includes('users.manage') || features.includes('*');

/** Creates the access review activities. */
export function createAccessReviewActivities({
  tenants,
  mailer,
  workflows,
  accessReviewPolicy: policy,
}: AccessReviewDeps) {
  const { AccessReview, AccessLog, ApiKey, User } = tenants.control;

  async function load({ tenantId, reviewId }: ReviewRef): Promise<AccessReviewDocument> {
    const review = await AccessReview.findOne({ _id: reviewId, tenantId }).lean();
    if (!review)
      throw ApplicationFailure.nonRetryable(
        `access review ${reviewId} not found`,
        activityFailures.accessReviewMissing,
      );
    return review as AccessReviewDocument;
  }

  /** One access-log entry per review, event and subject: a retried step writes it once. */
  async function log(
    tenantId: string,
    event: AccessEvent,
    reviewId: string,
    subjectId?: string,
    details: Record<string, unknown> = {},
    actor?: { kind: 'user'; id: string },
  ) {
    const key = `${reviewId}:${event}:${subjectId ?? ''}`;
    try {
      await AccessLog.create({
        _id: `a${createHash('sha256').update(key).digest('hex').slice(0, 20)}`,
        tenantId,
        at: new Date(),
        event,
        actor,
        subjectId,
        details: { reviewId, ...details },
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  const opened = (review: AccessReviewDocument): AccessReviewOpened => ({
    reviewId: review._id,
    dueAt: review.dueAt.toISOString(),
    flaggedUsers: review.users.filter((u) => u.flagged).map((u) => u.id),
    flaggedApiKeys: review.apiKeys.filter((k) => k.flagged).map((k) => k.id),
  });

  return {
    /** Lists and flags the tenant's users and keys into a new review (or finds it, retried). */
    async openAccessReview(input: {
      tenantId: string;
      reviewId?: string;
      startedBy?: string;
      workflowId: string;
    }): Promise<AccessReviewOpened> {
      const { tenantId } = input;
      const reviewId = input.reviewId ?? accessReviewIdOf(input.workflowId);
      const found = await AccessReview.findOne({ _id: reviewId, tenantId }).lean();
      if (found) return opened(found as AccessReviewDocument);
      const prefix = `${workflowKinds.accessReview}:${tenantId}:`;
      if (!input.workflowId.startsWith(prefix))
        throw ApplicationFailure.nonRetryable(
          'not an access review workflow of this tenant',
          activityFailures.notInWorkflow,
        );
      const now = new Date();
      const users = await User.find(
        { tenantId },
        { permissions: 1, createdAt: 1, disabledAt: 1, lastLoginAt: 1 },
      )
        .sort({ createdAt: 1 })
        .lean();
      const keys = await ApiKey.find(
        { tenantId, revokedAt: { $exists: false } },
        { scopes: 1, createdBy: 1, createdAt: 1, lastUsedAt: 1 },
      )
        .sort({ createdAt: 1 })
        .lean();
      const review: AccessReviewDocument = {
        _id: reviewId,
        tenantId,
        createdAt: now,
        dueAt: new Date(now.getTime() + policy.graceDays * 86_400_000),
        status: 'open',
        startedBy: input.startedBy ? { kind: 'user', id: input.startedBy } : { kind: 'schedule' },
        workflowRef: input.workflowId.slice(prefix.length),
        staleAfterDays: policy.staleAfterDays,
        users: userEntries(users as UserDocument[], now, policy.staleAfterDays),
        apiKeys: keyEntries(
          keys.map((k) => ({ ...k, _id: String(k._id) })),
          now,
          policy.staleAfterDays,
        ),
      };
      try {
        await AccessReview.create(review);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // an earlier attempt's: use that one
        return opened(await load({ tenantId, reviewId }));
      }
      const result = opened(review);
      await log(
        tenantId,
        'access_review.created',
        reviewId,
        undefined,
        {
          users: review.users.length,
          apiKeys: review.apiKeys.length,
          flaggedUsers: result.flaggedUsers.length,
          flaggedApiKeys: result.flaggedApiKeys.length,
        },
        input.startedBy ? { kind: 'user', id: input.startedBy } : undefined,
      );
      return result;
    },

    /** Mails the review to each enabled admin of the tenant, once per review and admin. */
    async mailAccessReview(ref: ReviewRef): Promise<void> {
      const review = await load(ref);
      const users = await User.find(
        { tenantId: ref.tenantId },
        { email: 1, permissions: 1, disabledAt: 1 },
      ).lean<Pick<UserDocument, '_id' | 'email' | 'permissions' | 'disabledAt'>[]>();
      const addresses = new Map(
        users.filter((u) => typeof u.email === 'string').map((u) => [u._id, u.email as string]),
      );
      const admins = users.filter(
        (u) => !u.disabledAt && managesUsers(u.permissions.features) && addresses.has(u._id),
      );
      const { subject, text } = accessReviewMail(review, addresses);
      const outcomes = await mailer.sendBatch(
        ref.tenantId,
        admins.map((admin) => ({
          sendKey: `access-review:${review._id}:${admin._id}`,
          to: addresses.get(admin._id)!,
          subject,
          text,
        })),
      );
      // A refused message stays claimed and unsent: the retried step sends it.
      if (outcomes.includes('failed')) throw new Error('the relay refused an access review mail');
      await AccessReview.updateOne({ _id: review._id }, { $set: { mailedTo: admins.length } });
    },

    /** Marks entries of an open review confirmed (ids checked by the api beforehand). */
    async recordAccessReviewConfirmation(
      input: ReviewRef & AccessReviewConfirmation,
    ): Promise<void> {
      const review = await load(input);
      if (review.status !== 'open') return;
      const now = new Date();
      const ids = new Set([...input.userIds, ...input.apiKeyIds]);
      const confirm = <E extends { id: string; confirmedAt?: Date }>(entry: E): E =>
        ids.has(entry.id) && !entry.confirmedAt
          ? { ...entry, confirmedAt: now, confirmedBy: input.by }
          : entry;
      // The whole arrays: the workflow records one confirmation at a time.
      await AccessReview.updateOne(
        { _id: review._id, status: 'open' },
        { $set: { users: review.users.map(confirm), apiKeys: review.apiKeys.map(confirm) } },
      );
    },

    /**
     * Disables every flagged user and revokes every flagged key no admin confirmed (never the
     * last enabled admin), records each entry's outcome and the review's counts, and logs it.
     */
    async completeAccessReview(ref: ReviewRef): Promise<AccessReviewResult> {
      const { tenantId, reviewId } = ref;
      let review = await load(ref);
      if (review.status === 'completed') return { reviewId, ...review.outcome! };
      // Decided once and stored first, so a retry applies the same decision.
      if (![...review.users, ...review.apiKeys].some((entry) => entry.outcome)) {
        const users = await User.find(
          { tenantId, disabledAt: { $exists: false } },
          { permissions: 1, createdAt: 1, lastLoginAt: 1 },
        ).lean<Pick<UserDocument, '_id' | 'permissions' | 'createdAt' | 'lastLoginAt'>[]>();
        const keys = await ApiKey.find({ tenantId, revokedAt: { $exists: false } }, { _id: 1 })
          .lean()
          .then((found) => found.map((k) => String(k._id)));
        const decision = decideReview(review, {
          enabledUsers: new Set(users.map((u) => u._id)),
          liveKeys: new Set(keys),
          admins: users
            .filter((u) => managesUsers(u.permissions.features))
            .map((u) => ({ id: u._id, lastActive: u.lastLoginAt ?? u.createdAt })),
        });
        await AccessReview.updateOne(
          { _id: reviewId, status: 'open' },
          { $set: { users: decision.users, apiKeys: decision.apiKeys } },
        );
        review = await load(ref);
      }
      const now = new Date();
      for (const entry of review.users.filter((u) => u.outcome === 'disabled')) {
        // As the accounts command disables a user: sessions end, their keys are revoked.
        await User.updateOne(
          { _id: entry.id, tenantId, disabledAt: { $exists: false } },
          { $set: { disabledAt: now }, $inc: { sessionVersion: 1 } },
        );
        await ApiKey.updateMany(
          { createdBy: entry.id, tenantId, revokedAt: { $exists: false } },
          { $set: { revokedAt: now } },
        );
        await log(tenantId, 'user.disabled', reviewId, entry.id);
      }
      for (const entry of review.apiKeys.filter((k) => k.outcome === 'disabled')) {
        await ApiKey.updateOne(
          { _id: entry.id, tenantId, revokedAt: { $exists: false } },
          { $set: { revokedAt: now } },
        );
        await log(tenantId, 'api_key.revoked', reviewId, entry.id);
      }
      const outcome = outcomeCounts(review);
      await AccessReview.updateOne(
        { _id: reviewId },
        { $set: { status: 'completed', completedAt: now, outcome } },
      );
      await log(tenantId, 'access_review.completed', reviewId, undefined, outcome);
      return { reviewId, ...outcome };
    },

    /** Ensures a tenant's review Schedule (provisioning). */
    async ensureAccessReviewSchedule({ tenantId }: TenantRef): Promise<void> {
      await ensureAccessReviewSchedule({ workflows }, tenantId, policy.everyDays);
    },
  };
}
