/**
 * Access reviews against the real servers (database, Temporal dev server, mail sink), with a
 * grace period of about 20 s: an admin starts a review, gets its mail, confirms one of two
 * stale users and one of two stale keys; at the end of the grace period the others are
 * disabled and revoked, and the review shows it. Bad input: unknown and malformed ids, a
 * caller without users.manage, a completed review. And the per-user password expiry, over
 * the tenant policy's in both directions.
 */
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { mailTo } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  login,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildApiKey, buildTenant } from '../helpers/tenant-fixtures';

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

describe('access reviews', () => {
  let stack: AppStack;
  let tenantId: string;
  let admin: Session;

  beforeAll(async () => {
    // 0.00025 days: 21.6 s to confirm in.
    stack = await startAppStack({ env: { CONSENTFLOW_ACCESS_REVIEW_GRACE_DAYS: '0.00025' } });
    const email = `admin-${uniqueSuffix()}@example.test`;
    ({ tenantId } = await buildTenant(stack.app, stack.platformToken, { email }));
    admin = await loginAndSetPassword(stack.app, email, INITIAL_ADMIN_PASSWORD);
  });
  afterAll(() => stack?.stop());

  const as = (session: Session) => ({
    get: (url: string) => session.agent.get(url),
    post: (url: string, body?: object) =>
      session.agent.post(url).set('X-CSRF-Token', session.csrf).send(body),
    patch: (url: string, body: object) =>
      session.agent.patch(url).set('X-CSRF-Token', session.csrf).send(body),
  });
  const control = () => stack.data.tenants.control;

  /** Polls the review until `done` holds for it (up to 60 s). */
  async function reviewWhen(id: string, done: (body: { status: string }) => boolean) {
    for (let i = 0; i < 300; i++) {
      const res = await as(admin).get(`/api/v1/access-reviews/${id}`);
      if (res.status === 200 && done(res.body)) return res.body;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`access review ${id} never got there`);
  }

  it('mails the admins, keeps what they confirm and disables the rest after the grace period', async () => {
    const { User, ApiKey, AccessLog } = control();
    const stale = await buildUser(admin, { features: ['contacts.view'] });
    const kept = await buildUser(admin, { features: ['contacts.view'] });
    await User.updateMany(
      { _id: { $in: [stale.id, kept.id] } },
      { $set: { createdAt: daysAgo(120) } },
    );
    const staleKey = await buildApiKey(stack.data, tenantId, { features: ['contacts.view'] });
    const keptKey = await buildApiKey(stack.data, tenantId, { features: ['contacts.view'] });
    const idOf = (key: string) => key.split('_')[1]!;
    await ApiKey.updateMany(
      { _id: { $in: [idOf(staleKey), idOf(keptKey)] } },
      { $set: { createdAt: daysAgo(200), lastUsedAt: daysAgo(100) } },
    );

    const started = await as(admin).post('/api/v1/access-reviews');
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    expect(started.headers.location).toBe(`/api/v1/access-reviews/${id}`);
    const open = await reviewWhen(id, (r) => r.status === 'open');
    const flagged = (entries: { id: string; flagged: boolean }[]) =>
      entries.filter((e) => e.flagged).map((e) => e.id);
    expect(flagged(open.users).sort()).toEqual([stale.id, kept.id].sort());
    expect(flagged(open.apiKeys).sort()).toEqual([idOf(staleKey), idOf(keptKey)].sort());
    expect(open.users.find((u: { id: string }) => u.id === admin.userId)).toMatchObject({
      flagged: false,
      status: 'enabled',
      lastLoginAt: expect.any(String),
    });

    const [mail] = await mailTo(stack.app, admin.email);
    expect(mail!.text).toContain(`Access review ${id}`);
    expect(mail!.text).toContain(`[FLAGGED] ${stale.id}`);
    expect(mail!.text).toContain(`[FLAGGED] ${idOf(keptKey)}`);
    expect(mail!.text).not.toContain(stale.email);

    // Bad input first: ids not in the review, malformed ids.
    const unknownUser = `u${'0'.repeat(20)}`;
    const unknown = await as(admin).post(`/api/v1/access-reviews/${id}/confirm`, {
      userIds: [kept.id, unknownUser],
      apiKeyIds: ['0000000000000000'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.id).toBe('unknown_review_entries');
    expect(unknown.body.error.message).toContain(unknownUser);
    expect(unknown.body.error.message).toContain('apiKeyIds: 0000000000000000');
    const malformed = await as(admin).post(`/api/v1/access-reviews/${id}/confirm`, {
      userIds: ['someone@example.test'],
    });
    expect([malformed.status, malformed.body.error.id]).toEqual([400, 'invalid_request']);
    const missing = await as(admin).post(`/api/v1/access-reviews/v${'0'.repeat(20)}/confirm`, {
      userIds: [],
    });
    expect(missing.status).toBe(404);

    const confirmed = await as(admin).post(`/api/v1/access-reviews/${id}/confirm`, {
      userIds: [kept.id],
      apiKeyIds: [idOf(keptKey)],
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.users.find((u: { id: string }) => u.id === kept.id)).toMatchObject({
      confirmedBy: admin.userId,
      confirmedAt: expect.any(String),
    });

    const done = await reviewWhen(id, (r) => r.status === 'completed');
    expect(done.outcome).toEqual({ usersDisabled: 1, apiKeysRevoked: 1, confirmed: 2 });
    const outcomeOf = (entries: { id: string; outcome: string }[], entryId: string) =>
      entries.find((e) => e.id === entryId)?.outcome;
    expect(outcomeOf(done.users, stale.id)).toBe('disabled');
    expect(outcomeOf(done.users, kept.id)).toBe('confirmed');
    expect(outcomeOf(done.users, admin.userId)).toBe('kept');
    expect(outcomeOf(done.apiKeys, idOf(staleKey))).toBe('disabled');
    expect(outcomeOf(done.apiKeys, idOf(keptKey))).toBe('confirmed');

    // The disabled user cannot log in; the kept one can. The revoked key is refused.
    const refused = await request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email: stale.email, password: stale.initialPassword });
    expect(refused.status).toBe(401);
    await expect(login(stack.app, kept.email, kept.initialPassword)).resolves.toBeDefined();
    const listsWith = (key: string) =>
      request(stack.app).get('/api/v1/lists').set('Authorization', `Bearer ${key}`);
    expect((await listsWith(staleKey)).status).toBe(401);
    expect((await listsWith(keptKey)).status).toBe(200);

    // A completed review takes no more confirmations.
    const late = await as(admin).post(`/api/v1/access-reviews/${id}/confirm`, {
      userIds: [stale.id],
    });
    expect([late.status, late.body.error.id]).toEqual([409, 'access_review_completed']);

    const listed = await as(admin).get('/api/v1/access-reviews');
    expect(listed.body.reviews.map((r: { id: string }) => r.id)).toContain(id);
    const events = await AccessLog.find({ tenantId, 'details.reviewId': id }).lean();
    expect(events.map((e) => e.event).sort()).toEqual(
      [
        'access_review.completed',
        'access_review.confirmed',
        'access_review.created',
        'api_key.revoked',
        'user.disabled',
      ].sort(),
    );
    for (const event of ['access_review.created', 'access_review.confirmed'])
      expect(events.find((e) => e.event === event)!.actor).toEqual({
        kind: 'user',
        id: admin.userId,
      });
    expect(done.startedBy).toBe('user');
  });

  it('refuses users without users.manage and API keys', async () => {
    const user = await buildUser(admin, { features: ['contacts.view', 'accesslog.view'] });
    const session = await loginAndSetPassword(stack.app, user.email, user.initialPassword);
    for (const res of [
      await as(session).get('/api/v1/access-reviews'),
      await as(session).post('/api/v1/access-reviews'),
      await as(session).post(`/api/v1/access-reviews/v${'0'.repeat(20)}/confirm`, {
        userIds: [],
      }),
    ])
      expect([res.status, res.body.error.id]).toEqual([403, 'forbidden']);
    const key = await buildApiKey(stack.data, tenantId, { features: ['users.manage'] });
    const byKey = await request(stack.app)
      .post('/api/v1/access-reviews')
      .set('Authorization', `Bearer ${key}`);
    expect([byKey.status, byKey.body.error.id]).toEqual([403, 'session_required']);
  });

  describe('password expiry per user', () => {
    const setPolicy = (maxAgeDays: number) =>
      admin.agent.put('/api/v1/settings/password-policy').set('X-CSRF-Token', admin.csrf).send({
        minLength: 12,
        requiredClasses: [],
        rejectCommon: true,
        historyCount: 5,
        maxAgeDays,
      });
    const ageBy = (userId: string, days: number) =>
      control().User.updateOne({ _id: userId }, { $set: { passwordChangedAt: daysAgo(days) } });
    const mustChange = async (email: string, password: string) =>
      (await request(stack.app).post('/api/v1/auth/login').send({ email, password })).body
        .mustChangePassword as boolean;

    it('expires a user’s password after their own maximum age, whatever the tenant policy', async () => {
      const made = await buildUser(admin, { features: [] });
      const user = await loginAndSetPassword(stack.app, made.email, made.initialPassword);
      const set = await as(admin).patch(`/api/v1/users/${made.id}`, { passwordMaxAgeDays: 10 });
      expect(set.status).toBe(200);
      expect(set.body.passwordMaxAgeDays).toBe(10);
      await ageBy(made.id, 9);
      expect(await mustChange(user.email, user.password)).toBe(false);
      // The tenant policy has no expiry; the user's own 10 days have passed.
      await ageBy(made.id, 11);
      expect(await mustChange(user.email, user.password)).toBe(true);

      const cleared = await as(admin).patch(`/api/v1/users/${made.id}`, {
        passwordMaxAgeDays: null,
      });
      expect(cleared.body.passwordMaxAgeDays).toBeNull();
      const changes = await control()
        .AccessLog.find({ tenantId, event: 'settings.changed', subjectId: made.id })
        .lean();
      expect(changes.map((e) => e.details)).toEqual([
        { setting: 'passwordMaxAgeDays', to: 10 },
        { setting: 'passwordMaxAgeDays', to: null },
      ]);
    });

    it('lets a user’s 0 (never) override a tenant policy’s expiry', async () => {
      const made = await buildUser(admin, { features: [] });
      const other = await buildUser(admin, { features: [] });
      const user = await loginAndSetPassword(stack.app, made.email, made.initialPassword);
      const peer = await loginAndSetPassword(stack.app, other.email, other.initialPassword);
      expect(
        (await as(admin).patch(`/api/v1/users/${made.id}`, { passwordMaxAgeDays: 0 })).status,
      ).toBe(200);
      expect((await setPolicy(30)).status).toBe(200);
      try {
        await ageBy(made.id, 31);
        await ageBy(other.id, 31);
        expect(await mustChange(user.email, user.password)).toBe(false);
        expect(await mustChange(peer.email, peer.password)).toBe(true);
      } finally {
        await setPolicy(0);
      }
    });

    it('refuses a maximum age that is negative or not whole', async () => {
      const made = await buildUser(admin, { features: [] });
      for (const passwordMaxAgeDays of [-1, 1.5, '10']) {
        const res = await as(admin).patch(`/api/v1/users/${made.id}`, { passwordMaxAgeDays });
        expect([res.status, res.body.error.id]).toEqual([400, 'invalid_request']);
      }
    });
  });
});
