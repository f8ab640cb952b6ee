/**
 * The access review workflow on the time-skipping server with its real steps over this run's
 * database and mail sink: the 14 days of grace pass in seconds. A user and a key unused for
 * longer than the period are disabled and revoked at the end of the grace period, the flagged
 * ones an admin confirmed and the ones in use stay; a confirmation after the end is refused;
 * the tenant's last admin is never disabled.
 */
import request from 'supertest';
import { createAccessReviewActivities } from '../../activities/access-review';
import { createAccessReviewCommands } from '../../src/tenants/access-review/commands';
import { newAccessReviewId } from '../../src/tenants/access-review/entries';
import { confirmAccessReviewUpdate } from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { mailTo } from '../helpers/dev-mail';
import { keepHistory } from '../helpers/histories';
import { uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildApiKey, buildTenant } from '../helpers/tenant-fixtures';
import { startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';

const DAY_MS = 86_400_000;
const policy = { everyDays: 90, staleAfterDays: 90, graceDays: 14 };

describe('access review workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
  });
  afterAll(async () => {
    await ts?.env.teardown();
    await stack?.stop();
  });

  const control = () => stack.data.tenants.control;
  const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);
  const keyId = (key: string) => key.split('_')[1]!;

  /** A tenant with its admin logged in (so the admin is in use). */
  async function tenantWithAdmin(): Promise<{ tenantId: string; admin: Session }> {
    const email = `admin-${uniqueSuffix()}@example.test`;
    const { tenantId } = await buildTenant(stack.app, stack.platformToken, { email });
    const admin = await loginAndSetPassword(stack.app, email, INITIAL_ADMIN_PASSWORD);
    return { tenantId, admin };
  }

  /** Runs `body` with the review's real steps polling a fresh task queue. */
  const withReviewWorker = <T>(
    body: (workflows: ReturnType<TimeSkipping['temporalDeps']>['workflows']) => Promise<T>,
  ) =>
    ts.withWorker(
      createAccessReviewActivities({
        ...stack.activityDeps,
        accessReviewPolicy: policy,
      }),
      (taskQueue) => body(ts.temporalDeps(taskQueue).workflows),
    );

  it('disables the stale user and revokes the stale key, keeping the confirmed and the used', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const stale = await buildUser(admin, { features: ['contacts.view'] });
    const kept = await buildUser(admin, { features: ['contacts.view', 'contacts.edit'] });
    const active = await buildUser(admin, { features: [] });
    const { User, ApiKey, AccessLog, AccessReview } = control();
    // Created 200 days ago, never logged in; the kept one logged in 120 days ago.
    await User.updateOne({ _id: stale.id }, { $set: { createdAt: daysAgo(200) } });
    await User.updateOne(
      { _id: kept.id },
      { $set: { createdAt: daysAgo(300), lastLoginAt: daysAgo(120) } },
    );
    await User.updateOne({ _id: active.id }, { $set: { lastLoginAt: daysAgo(3) } });
    const staleSecret = await buildApiKey(stack.data, tenantId, { features: ['stats.view'] });
    const staleKey = keyId(staleSecret);
    const keptSecret = await buildApiKey(stack.data, tenantId, { features: ['stats.view'] });
    const keptKey = keyId(keptSecret);
    const usedKey = keyId(await buildApiKey(stack.data, tenantId, { features: ['stats.view'] }));
    await ApiKey.updateOne({ _id: staleKey }, { $set: { createdAt: daysAgo(100) } });
    await ApiKey.updateOne(
      { _id: keptKey },
      { $set: { createdAt: daysAgo(400), lastUsedAt: daysAgo(95) } },
    );
    await ApiKey.updateOne(
      { _id: usedKey },
      { $set: { createdAt: daysAgo(400), lastUsedAt: daysAgo(1) } },
    );

    const reviewId = newAccessReviewId();
    await withReviewWorker(async (workflows) => {
      const handle = await workflows.start('accessReview', { tenantId, reviewId });
      const answer = await workflows.update(
        'accessReview',
        tenantId,
        reviewId,
        confirmAccessReviewUpdate,
        { args: [{ userIds: [kept.id], apiKeyIds: [keptKey], by: admin.userId }] },
      );
      expect(answer).toBe('confirmed');
      // The admin's mail names the flagged entries by id, the users' addresses masked.
      const [mail] = await mailTo(stack.app, admin.email);
      expect(mail!.subject).toMatch(/^Access review: 4 accounts and keys to confirm by /);
      expect(mail!.text).toContain(`[FLAGGED] ${stale.id} (us…@example.test)`);
      expect(mail!.text).toContain(`[FLAGGED] ${staleKey}`);
      expect(mail!.text).not.toContain(stale.email);

      const result = await handle.result();
      expect(result).toEqual({ reviewId, usersDisabled: 1, apiKeysRevoked: 1, confirmed: 2 });
      await keepHistory(handle, stack.payloadKeys, 'access-review-confirmed-and-disabled');

      // A confirmation once the review has ended is refused: 409.
      const commands = createAccessReviewCommands({ control: control(), workflows });
      await expect(
        commands.confirm(tenantId, reviewId, { userIds: [stale.id], apiKeyIds: [] }, 'u'),
      ).rejects.toMatchObject({ kind: 'conflict', id: 'access_review_completed' });
    });

    const user = async (id: string) => (await User.findById(id).lean())!;
    expect((await user(stale.id)).disabledAt).toBeInstanceOf(Date);
    expect((await user(kept.id)).disabledAt).toBeUndefined();
    expect((await user(active.id)).disabledAt).toBeUndefined();
    expect((await user(admin.userId)).disabledAt).toBeUndefined();
    const key = async (id: string) => (await ApiKey.findById(id).lean())!;
    expect((await key(staleKey)).revokedAt).toBeInstanceOf(Date);
    expect((await key(keptKey)).revokedAt).toBeUndefined();
    expect((await key(usedKey)).revokedAt).toBeUndefined();
    // The revoked key is refused, the confirmed one still works (both scoped to stats.view).
    const call = (key: string) =>
      request(stack.app).get('/api/v1/lists').set('Authorization', `Bearer ${key}`);
    expect((await call(staleSecret)).status).toBe(401);
    expect((await call(keptSecret)).status).toBe(403);

    const review = (await AccessReview.findById(reviewId).lean())!;
    expect(review.status).toBe('completed');
    const outcomes = Object.fromEntries(
      [...review.users, ...review.apiKeys].map((e) => [e.id, e.outcome]),
    );
    expect(outcomes).toMatchObject({
      [stale.id]: 'disabled',
      [kept.id]: 'confirmed',
      [active.id]: 'kept',
      [admin.userId]: 'kept',
      [staleKey]: 'disabled',
      [keptKey]: 'confirmed',
      [usedKey]: 'kept',
    });
    expect(review.users.find((u) => u.id === kept.id)).toMatchObject({
      confirmedBy: admin.userId,
    });
    const events = await AccessLog.find({ tenantId, 'details.reviewId': reviewId }).lean();
    expect(events.map((e) => [e.event, e.subjectId ?? null]).sort()).toEqual(
      [
        ['access_review.completed', null],
        ['access_review.created', null],
        ['api_key.revoked', staleKey],
        ['user.disabled', stale.id],
      ].sort(),
    );
  });

  it('never disables the last enabled admin, even unused and unconfirmed', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const { User, AccessReview } = control();
    await User.updateOne(
      { _id: admin.userId },
      { $set: { createdAt: daysAgo(500), lastLoginAt: daysAgo(200) } },
    );
    const result = await withReviewWorker(async (workflows) => {
      const handle = await workflows.start('accessReview', { tenantId });
      return handle.result();
    });
    expect(result).toMatchObject({ usersDisabled: 0 });
    expect((await User.findById(admin.userId).lean())!.disabledAt).toBeUndefined();
    const review = (await AccessReview.findById(result.reviewId).lean())!;
    expect(review.users).toEqual([
      expect.objectContaining({ id: admin.userId, flagged: true, outcome: 'kept_last_admin' }),
    ]);
  });
});
