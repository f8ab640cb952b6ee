/**
 * Console accounts against the real servers: first-login password change, the password
 * policy (length, classes, common, history, expiry), users and their permissions, CSRF,
 * forged cookies, bad input, and the access log entries each of them leaves.
 */
import { Binary, MongoClient } from 'mongodb';
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  login,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('accounts', () => {
  let stack: AppStack;
  let raw: MongoClient;
  let tenantId: string;
  let apiKey: string;
  let admin: Session;
  const adminEmail = `admin-${uniqueSuffix()}@example.test`;

  const events = async (filter: Record<string, unknown> = {}) =>
    (await stack.data.tenants.control.AccessLog.find({ tenantId, ...filter }).lean()).map(
      (e) => e.event,
    );

  beforeAll(async () => {
    stack = await startAppStack({ env: { CONSENTFLOW_LOGIN_IP_LOCK_AFTER: '10000' } });
    raw = await new MongoClient(testServices().mongoUri).connect();
    ({ tenantId, apiKey } = await buildTenant(stack.app, stack.platformToken, {
      email: adminEmail,
    }));
    admin = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  it('makes the first admin change the initial password before anything else', async () => {
    const email = `first-${uniqueSuffix()}@example.test`;
    await buildTenant(stack.app, stack.platformToken, { email });
    const agent = request.agent(stack.app);
    const res = await agent
      .post('/api/v1/auth/login')
      .send({ email, password: INITIAL_ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mustChangePassword: true, totpRequired: false });
    expect(res.body.user.permissions.features).toContain('users.manage');
    expect(res.body.user.permissions.features).toContain('accesslog.view');
    const cookie = res.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^cf_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const csrf = res.body.csrfToken as string;

    const blocked = await agent.get('/api/v1/users');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.id).toBe('password_change_required');

    const change = (newPassword: string) =>
      agent
        .post('/api/v1/auth/password')
        .set('X-CSRF-Token', csrf)
        .send({ currentPassword: INITIAL_ADMIN_PASSWORD, newPassword });
    const short = await change('too short');
    expect(short.status).toBe(400);
    expect(short.body.error).toEqual({
      id: 'password_policy',
      message: expect.stringMatching(/^length:/),
    });
    const common = await change('password1234');
    expect(common.body.error.message).toMatch(/^common:/);
    const same = await change(INITIAL_ADMIN_PASSWORD);
    expect(same.body.error.message).toMatch(/^reused:/);
    const ok = await change('a new and long passphrase');
    expect(ok.status).toBe(204);

    const users = await agent.get('/api/v1/users');
    expect(users.status).toBe(200);
    expect(users.body.users).toHaveLength(1);
    expect(users.body.users[0].email).toBe(email);
  });

  it('answers 401 with the same body for an unknown address and a wrong password', async () => {
    const unknown = await request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email: `nobody-${uniqueSuffix()}@example.test`, password: 'whatever it is' });
    const wrong = await request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email: adminEmail, password: 'not the password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.headers['set-cookie']).toBeUndefined();
    expect(await events({ event: 'login.failure', subjectId: admin.userId })).toHaveLength(1);
  });

  it('refuses a login that carries an API key, and never starts a session for an API key', async () => {
    const login = await request(stack.app)
      .post('/api/v1/auth/login')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ email: adminEmail, password: 'not the password' });
    expect([login.status, login.body.error?.id]).toEqual([400, 'api_key_not_accepted']);
    expect(login.headers['set-cookie']).toBeUndefined();
  });

  it('refuses operator injection, wrong content types and oversize bodies with 4xx', async () => {
    const injected = await request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email: { $gt: '' }, password: { $ne: null } });
    expect(injected.status).toBe(400);
    expect(injected.body.error.id).toBe('invalid_request');
    const unknownField = await request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email: adminEmail, password: admin.password, role: 'admin' });
    expect(unknownField.status).toBe(400);
    const form = await request(stack.app)
      .post('/api/v1/auth/login')
      .type('form')
      .send({ email: adminEmail, password: admin.password });
    expect(form.status).toBe(415);
    const huge = await request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email: adminEmail, password: 'x'.repeat(200_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.id).toBe('body_too_large');
    const query = await admin.agent.get('/api/v1/access-log?event[$ne]=x');
    expect(query.status).toBe(400);
    const userInjection = await admin.agent
      .post('/api/v1/users')
      .set('X-CSRF-Token', admin.csrf)
      .send({
        email: 'x@example.test',
        initialPassword: 'long enough pass',
        permissions: { features: [], lists: 'all', fields: { $where: 'edit' } },
      });
    expect(userInjection.status).toBe(400);
  });

  it.each([
    ['post', '/api/v1/auth/login', { email: 'a@example.test', password: { $gt: '' } }],
    ['post', '/api/v1/auth/login', { email: 'a@example.test', password: 'x', totp: { $ne: 1 } }],
    ['post', '/api/v1/auth/password', { currentPassword: { $gt: '' }, newPassword: 'abc' }],
    ['post', '/api/v1/auth/totp/confirm', { code: { $gt: '' } }],
    [
      'post',
      '/api/v1/users',
      {
        email: { $gt: '' },
        initialPassword: 'long enough pass',
        permissions: { features: [], lists: 'all', fields: {} },
      },
    ],
    [
      'post',
      '/api/v1/users',
      {
        email: 'x@example.test',
        initialPassword: 'long enough pass',
        permissions: { features: [{ $gt: '' }], lists: 'all', fields: {} },
      },
    ],
    [
      'post',
      '/api/v1/users',
      {
        email: 'x@example.test',
        initialPassword: 'long enough pass',
        permissions: { features: [], lists: { $ne: [] }, fields: {} },
      },
    ],
    ['patch', '/api/v1/users/u00000000000000000000', { disabled: { $ne: false } }],
    ['post', '/api/v1/users/u00000000000000000000/password-reset', { password: { $gt: '' } }],
    ['post', '/api/v1/api-keys', { name: { $gt: '' } }],
    ['post', '/api/v1/api-keys', { name: 'k', scopes: [{ $in: ['contacts.view'] }] }],
    [
      'put',
      '/api/v1/settings/password-policy',
      {
        minLength: { $gt: 0 },
        requiredClasses: [],
        rejectCommon: true,
        historyCount: 1,
        maxAgeDays: 0,
      },
    ],
    ['put', '/api/v1/settings/two-factor', { required: { $ne: 'all' } }],
  ] as const)('refuses an operator object in %s %s with 400', async (method, url, body) => {
    const res = await admin.agent[method](url).set('X-CSRF-Token', admin.csrf).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ id: 'invalid_request', message: expect.any(String) });
  });

  it.each([
    '/api/v1/users?x[$ne]=1',
    '/api/v1/access-log?user[$ne]=x',
    '/api/v1/access-log?from[$gt]=2020-01-01',
    '/api/v1/access-log?limit=1e9',
  ])('refuses the query %s with 400', async (url) => {
    const res = await admin.agent.get(url);
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe('invalid_request');
  });

  it('gives a new session id at login, so a planted cookie is worthless', async () => {
    const agent = request.agent(stack.app);
    await agent.post('/api/v1/auth/login').send({ email: adminEmail, password: admin.password });
    const first = agent.jar.getCookie('cf_session', {
      domain: '127.0.0.1',
      path: '/',
      secure: false,
      script: false,
    });
    await agent.post('/api/v1/auth/login').send({ email: adminEmail, password: admin.password });
    const second = agent.jar.getCookie('cf_session', {
      domain: '127.0.0.1',
      path: '/',
      secure: false,
      script: false,
    });
    expect(first?.value).toBeDefined();
    expect(second?.value).toBeDefined();
    expect(second!.value).not.toBe(first!.value);
    const stale = await request(stack.app)
      .get('/api/v1/users')
      .set('Cookie', `cf_session=${first!.value}`);
    expect(stale.status).toBe(401);
  });

  it('refuses state-changing session calls without the CSRF token', async () => {
    const before = await stack.data.tenants.control.User.countDocuments({ tenantId });
    const body = {
      email: `csrf-${uniqueSuffix()}@example.test`,
      initialPassword: 'a long initial password',
      permissions: { features: [], lists: 'all', fields: {} },
    };
    const none = await admin.agent.post('/api/v1/users').send(body);
    expect(none.status).toBe(403);
    expect(none.body.error.id).toBe('csrf_token_invalid');
    const wrong = await admin.agent
      .post('/api/v1/users')
      .set('X-CSRF-Token', `${admin.csrf}x`)
      .send(body);
    expect(wrong.status).toBe(403);
    expect(await stack.data.tenants.control.User.countDocuments({ tenantId })).toBe(before);
    const right = await admin.agent
      .post('/api/v1/users')
      .set('X-CSRF-Token', admin.csrf)
      .send(body);
    expect(right.status).toBe(201);
  });

  it('answers 401 to forged session cookies', async () => {
    for (const cookie of ['cf_session=s%3Aforged.signature', 'cf_session=garbage']) {
      const res = await request(stack.app).get('/api/v1/users').set('Cookie', cookie);
      expect(res.status).toBe(401);
      expect(res.body.error.id).toBe('unauthorized');
    }
    // A real id with a signature made by another secret.
    const real = admin.agent.jar.getCookie('cf_session', {
      domain: '127.0.0.1',
      path: '/',
      secure: false,
      script: false,
    });
    expect(real).toBeDefined();
    {
      const sid = decodeURIComponent(real!.value).slice(2).split('.')[0];
      const res = await request(stack.app)
        .get('/api/v1/users')
        .set('Cookie', `cf_session=s%3A${sid}.AAAA`);
      expect(res.status).toBe(401);
    }
  });

  it('applies feature permissions, and changes to them at the next request', async () => {
    const created = await buildUser(admin, { features: ['contacts.view'] });
    const user = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    const list = await user.agent.get('/api/v1/lists/lnothere00000000');
    expect(list.status).toBe(404);
    const create = () =>
      user.agent.post('/api/v1/lists').set('X-CSRF-Token', user.csrf).send({ name: 'News' });
    expect((await create()).status).toBe(403);
    expect((await user.agent.get('/api/v1/users')).status).toBe(403);
    expect((await user.agent.get('/api/v1/access-log')).status).toBe(403);

    const patch = await admin.agent
      .patch(`/api/v1/users/${created.id}`)
      .set('X-CSRF-Token', admin.csrf)
      .send({
        permissions: {
          features: ['contacts.view', 'contacts.edit'],
          lists: 'all',
          fields: { email: 'view' },
        },
      });
    expect(patch.status).toBe(200);
    expect(patch.body.permissions.features).toEqual(['contacts.view', 'contacts.edit']);
    expect((await create()).status).toBe(201);
    expect(await events({ event: 'permissions.changed', subjectId: created.id })).toHaveLength(1);

    // Least privilege: this user cannot manage users, so cannot grant anything either.
    const own = await admin.agent
      .patch(`/api/v1/users/${admin.userId}`)
      .set('X-CSRF-Token', admin.csrf)
      .send({ disabled: true });
    expect(own.status).toBe(400);

    const disable = await admin.agent
      .patch(`/api/v1/users/${created.id}`)
      .set('X-CSRF-Token', admin.csrf)
      .send({ disabled: true });
    expect(disable.body.disabled).toBe(true);
    expect((await user.agent.get('/api/v1/lists/lnothere00000000')).status).toBe(401);
    const again = await request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email: created.email, password: user.password });
    expect(again.status).toBe(401);
    expect(await events({ event: 'user.disabled', subjectId: created.id })).toHaveLength(1);
  });

  it('refuses to grant more than the granting admin holds', async () => {
    const created = await buildUser(admin, {
      features: ['users.manage', 'contacts.view'],
      lists: ['l1'],
      fields: { email: 'view' },
    });
    const limited = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    const grant = (permissions: object) =>
      limited.agent
        .post('/api/v1/users')
        .set('X-CSRF-Token', limited.csrf)
        .send({
          email: `g-${uniqueSuffix()}@example.test`,
          initialPassword: 'a long initial password',
          permissions,
        });
    const features = await grant({ features: ['contacts.edit'], lists: ['l1'], fields: {} });
    expect(features.status).toBe(400);
    expect(features.body.error.id).toBe('permissions_exceed_own');
    expect((await grant({ features: [], lists: 'all', fields: {} })).status).toBe(400);
    expect((await grant({ features: [], lists: ['l1'], fields: { email: 'edit' } })).status).toBe(
      400,
    );
    expect(
      (await grant({ features: ['contacts.view'], lists: ['l1'], fields: { email: 'view' } }))
        .status,
    ).toBe(201);
  });

  it('ends sessions on an admin password reset and forces a change at the next login', async () => {
    const created = await buildUser(admin, { features: ['contacts.view'] });
    const user = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    const reset = await admin.agent
      .post(`/api/v1/users/${created.id}/password-reset`)
      .set('X-CSRF-Token', admin.csrf)
      .send({ password: 'temporary passphrase 1' });
    expect(reset.status).toBe(204);
    expect((await user.agent.get('/api/v1/lists/lnothere00000000')).status).toBe(401);
    const fresh = await login(stack.app, created.email, 'temporary passphrase 1');
    const res = await fresh.agent.get('/api/v1/auth/session');
    expect(res.body.mustChangePassword).toBe(true);
    expect((await fresh.agent.get('/api/v1/lists/lnothere00000000')).status).toBe(403);
    expect(await events({ event: 'password.reset', subjectId: created.id })).toHaveLength(1);
  });

  it('enforces character classes, password history and maximum age from the tenant policy', async () => {
    const policy = await admin.agent
      .put('/api/v1/settings/password-policy')
      .set('X-CSRF-Token', admin.csrf)
      .send({
        minLength: 12,
        requiredClasses: ['digit'],
        rejectCommon: true,
        historyCount: 3,
        maxAgeDays: 30,
      });
    expect(policy.status).toBe(200);
    expect((await admin.agent.get('/api/v1/settings/password-policy')).body.historyCount).toBe(3);
    try {
      const noDigitInitial = await admin.agent
        .post('/api/v1/users')
        .set('X-CSRF-Token', admin.csrf)
        .send({
          email: `nodigit-${uniqueSuffix()}@example.test`,
          initialPassword: 'initial passphrase',
          permissions: { features: [], lists: 'all', fields: {} },
        });
      expect(noDigitInitial.body.error.message).toMatch(/^classes:/);
      const email = `policy-${uniqueSuffix()}@example.test`;
      const made = await admin.agent
        .post('/api/v1/users')
        .set('X-CSRF-Token', admin.csrf)
        .send({
          email,
          initialPassword: 'initial passphrase 0',
          permissions: { features: [], lists: 'all', fields: {} },
        });
      expect(made.status).toBe(201);
      const user = await login(stack.app, email, 'initial passphrase 0');
      let current = 'initial passphrase 0';
      const change = (next: string) =>
        user.agent
          .post('/api/v1/auth/password')
          .set('X-CSRF-Token', user.csrf)
          .send({ currentPassword: current, newPassword: next });
      const noDigit = await change('no digits in this one');
      expect(noDigit.body.error.message).toMatch(/^classes:/);
      for (const next of ['second passphrase 2', 'third passphrase 3']) {
        expect((await change(next)).status).toBe(204);
        current = next;
      }
      // The last 3: current, second, initial.
      expect((await change('initial passphrase 0')).body.error.message).toMatch(/^reused:/);
      expect((await change('fourth passphrase 4')).status).toBe(204);
      current = 'fourth passphrase 4';
      const changeLog = await events({ event: 'password.changed', subjectId: made.body.id });
      expect(changeLog).toHaveLength(3);

      // 31 days later (the change date moved back): the next login must change it.
      await raw
        .db(stack.data.names.control)
        .collection('users')
        .updateOne(
          { _id: made.body.id },
          { $set: { passwordChangedAt: new Date(Date.now() - 31 * 86_400_000) } },
        );
      const later = await request(stack.app)
        .post('/api/v1/auth/login')
        .send({ email, password: current });
      expect(later.body.mustChangePassword).toBe(true);
    } finally {
      await admin.agent
        .put('/api/v1/settings/password-policy')
        .set('X-CSRF-Token', admin.csrf)
        .send({
          minLength: 12,
          requiredClasses: [],
          rejectCommon: true,
          historyCount: 5,
          maxAgeDays: 0,
        });
    }
  });

  it('logs out: the session no longer works and the logout is logged', async () => {
    const session = await login(stack.app, adminEmail, admin.password);
    // The account owner sees their own logins, including the failed one, and nobody else's.
    const own = await session.agent.get('/api/v1/auth/activity');
    expect(own.status).toBe(200);
    const ownEvents = own.body.entries.map((e: { event: string }) => e.event);
    expect(ownEvents).toEqual(expect.arrayContaining(['login.success', 'login.failure']));
    expect(
      own.body.entries.every(
        (e: { actor: { id: string } | null; subjectId: string | null }) =>
          e.actor?.id === admin.userId || e.subjectId === admin.userId,
      ),
    ).toBe(true);
    const out = await session.agent.post('/api/v1/auth/logout').set('X-CSRF-Token', session.csrf);
    expect(out.status).toBe(204);
    expect((await session.agent.get('/api/v1/users')).status).toBe(401);
    expect(await events({ event: 'logout', subjectId: admin.userId })).toHaveLength(1);
  });

  it('lists the access log filtered by user, event and date, as JSON and CSV, with IPs encrypted at rest', async () => {
    const byEvent = await admin.agent.get('/api/v1/access-log?event=login.success');
    expect(byEvent.status).toBe(200);
    expect(byEvent.body.entries.length).toBeGreaterThan(0);
    expect(byEvent.body.entries.every((e: { event: string }) => e.event === 'login.success')).toBe(
      true,
    );
    const byUser = await admin.agent.get(`/api/v1/access-log?user=${admin.userId}`);
    expect(
      byUser.body.entries.every(
        (e: { actor: { id: string } | null; subjectId: string | null }) =>
          e.actor?.id === admin.userId || e.subjectId === admin.userId,
      ),
    ).toBe(true);
    expect(byUser.body.entries.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['login.success', 'password.changed', 'login.failure', 'logout']),
    );
    expect(byUser.body.entries[0].ip).toMatch(/127\.0\.0\.1/);
    const future = await admin.agent.get('/api/v1/access-log?from=2999-01-01');
    expect(future.body.entries).toEqual([]);
    const bad = await admin.agent.get('/api/v1/access-log?from=2020-01-02&to=2020-01-01');
    expect(bad.status).toBe(400);

    const csv = await admin.agent.get('/api/v1/access-log?format=csv&event=login.success');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,at,event,actor,subjectId,ip,details');
    expect(lines.length).toBe(byEvent.body.entries.length + 1);

    const stored = await raw
      .db(stack.data.names.control)
      .collection('access_log')
      .findOne({ tenantId, event: 'login.success' });
    expect(stored?.ip).toBeInstanceOf(Binary);
    expect((stored!.ip as Binary).sub_type).toBe(6);
    // Reading the log is itself a bulk read of personal data (IPs).
    expect(await events({ event: 'personal_data.read' })).not.toHaveLength(0);
  });
});
