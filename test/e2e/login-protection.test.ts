/**
 * Brute-force protection, two-factor authentication and tenant API keys against the real
 * servers, with a short lockout so release can be observed.
 */
import { generate } from 'otplib';
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  login,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('login protection, 2FA and API keys', () => {
  let stack: AppStack;
  let tenantId: string;
  let admin: Session;

  const events = async (filter: Record<string, unknown>) =>
    (await stack.data.tenants.control.AccessLog.find({ tenantId, ...filter }).lean()).map(
      (e) => e.event,
    );
  const tryLogin = (email: string, password: string, extra: object = {}) =>
    request(stack.app)
      .post('/api/v1/auth/login')
      .send({ email, password, ...extra });

  beforeAll(async () => {
    stack = await startAppStack({
      env: {
        CONSENTFLOW_LOGIN_DELAY_AFTER: '3',
        CONSENTFLOW_LOGIN_LOCK_AFTER: '5',
        CONSENTFLOW_LOGIN_LOCK_SECONDS: '3',
        CONSENTFLOW_LOGIN_IP_LOCK_AFTER: '10000',
      },
    });
    const email = `admin-${uniqueSuffix()}@example.test`;
    ({ tenantId } = await buildTenant(stack.app, stack.platformToken, { email }));
    admin = await loginAndSetPassword(stack.app, email, INITIAL_ADMIN_PASSWORD);
  });
  afterAll(() => stack?.stop());

  it('delays, then locks an account after repeated failures, and releases it after the lockout', async () => {
    const created = await buildUser(admin, { features: ['contacts.view'] });
    const user = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    for (let i = 0; i < 3; i++)
      expect((await tryLogin(user.email, 'wrong password')).status).toBe(401);
    // Progressive delay: the next attempt must wait, even with the right password.
    const delayed = await tryLogin(user.email, user.password);
    expect(delayed.status).toBe(429);
    expect(delayed.body.error.id).toBe('too_many_attempts');
    expect(Number(delayed.headers['retry-after'])).toBe(1);
    await sleep(1100);
    expect((await tryLogin(user.email, 'wrong password')).status).toBe(401);
    const longer = await tryLogin(user.email, 'wrong password');
    expect(longer.status).toBe(429);
    expect(Number(longer.headers['retry-after'])).toBe(2);
    await sleep(2100);
    expect((await tryLogin(user.email, 'wrong password')).status).toBe(401); // fifth: locked
    const locked = await tryLogin(user.email, user.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBe(3);
    expect(await events({ event: 'login.lockout', subjectId: created.id })).toHaveLength(1);
    expect(await events({ event: 'login.failure', subjectId: created.id })).toHaveLength(5);
    await sleep(3100);
    expect((await tryLogin(user.email, user.password)).status).toBe(200);
    // Success cleared the count: one new failure does not delay.
    expect((await tryLogin(user.email, 'wrong password')).status).toBe(401);
    expect((await tryLogin(user.email, user.password)).status).toBe(200);
  });

  it('counts wrong current passwords in a password change like failed logins', async () => {
    const created = await buildUser(admin, { features: [] });
    const user = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    const change = () =>
      user.agent
        .post('/api/v1/auth/password')
        .set('X-CSRF-Token', user.csrf)
        .send({ currentPassword: 'a wrong guess', newPassword: 'whatever new passphrase' });
    for (let i = 0; i < 3; i++) expect((await change()).body.error.id).toBe('wrong_password');
    const throttled = await change();
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
  });

  it('treats an unknown address exactly like a real one', async () => {
    const nobody = `nobody-${uniqueSuffix()}@example.test`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await tryLogin(nobody, 'wrong password'));
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    expect(answers[3]!.headers['retry-after']).toBe('1');
  });

  it('enrols TOTP with a QR code, then needs a code at login, never the same one twice', async () => {
    const created = await buildUser(admin, { features: ['contacts.view'] });
    const user = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    const enrol = await user.agent.post('/api/v1/auth/totp/enrol').set('X-CSRF-Token', user.csrf);
    expect(enrol.status).toBe(200);
    expect(enrol.body.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(enrol.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Consentflow:/);
    const secret = enrol.body.secret as string;
    const wrong = await user.agent
      .post('/api/v1/auth/totp/confirm')
      .set('X-CSRF-Token', user.csrf)
      .send({ code: '000000' });
    expect(wrong.status).toBe(400);
    const confirm = await user.agent
      .post('/api/v1/auth/totp/confirm')
      .set('X-CSRF-Token', user.csrf)
      .send({ code: await generate({ secret }) });
    expect(confirm.status).toBe(200);
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    expect(await events({ event: 'totp.enrolled', subjectId: created.id })).toHaveLength(1);

    const withoutCode = await tryLogin(user.email, user.password);
    expect(withoutCode.status).toBe(200);
    expect(withoutCode.body).toMatchObject({ totpRequired: true, user: null, csrfToken: null });
    expect(withoutCode.headers['set-cookie']).toBeUndefined();
    const badCode = await tryLogin(user.email, user.password, { totp: '123456' });
    expect(badCode.status).toBe(401);
    expect(await events({ event: 'login.totp_failure', subjectId: created.id })).toHaveLength(1);
    // The enrolment used the current step: the next step's code is the one that logs in.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const withCode = await tryLogin(user.email, user.password, { totp: next });
    expect(withCode.status).toBe(200);
    expect(withCode.body.totpRequired).toBe(false);
    expect(withCode.body.csrfToken).toEqual(expect.any(String));
    const replay = await tryLogin(user.email, user.password, { totp: next });
    expect(replay.status).toBe(401);

    const [code] = confirm.body.recoveryCodes as string[];
    const recovered = await tryLogin(user.email, user.password, { recoveryCode: code });
    expect(recovered.status).toBe(200);
    expect(recovered.body.user.id).toBe(created.id);
    const reused = await tryLogin(user.email, user.password, { recoveryCode: code });
    expect(reused.status).toBe(401);
    expect(await events({ event: 'recovery_code.used', subjectId: created.id })).toHaveLength(1);
  });

  it('makes users enrol a second factor before anything else when the tenant requires it', async () => {
    const created = await buildUser(admin, { features: ['contacts.view'] });
    const user = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    const rule = await admin.agent
      .put('/api/v1/settings/two-factor')
      .set('X-CSRF-Token', admin.csrf)
      .send({ required: 'all' });
    expect(rule.status).toBe(200);
    try {
      const session = await login(stack.app, user.email, user.password);
      const me = await session.agent.get('/api/v1/auth/session');
      expect(me.body.totpEnrolmentRequired).toBe(true);
      const blocked = await session.agent.get('/api/v1/lists/lnothere00000000');
      expect(blocked.status).toBe(403);
      expect(blocked.body.error.id).toBe('totp_enrolment_required');
      const enrol = await session.agent
        .post('/api/v1/auth/totp/enrol')
        .set('X-CSRF-Token', session.csrf);
      await session.agent
        .post('/api/v1/auth/totp/confirm')
        .set('X-CSRF-Token', session.csrf)
        .send({ code: await generate({ secret: enrol.body.secret }) });
      expect((await session.agent.get('/api/v1/lists/lnothere00000000')).status).toBe(404);
    } finally {
      await admin.agent
        .put('/api/v1/settings/two-factor')
        .set('X-CSRF-Token', admin.csrf)
        .send({ required: 'optional' });
    }
  });

  it('with the "admins" rule, requires a second factor of user managers only', async () => {
    const plain = await buildUser(admin, { features: ['contacts.view'] });
    const manager = await buildUser(admin, { features: ['users.manage'] });
    const rule = await admin.agent
      .put('/api/v1/settings/two-factor')
      .set('X-CSRF-Token', admin.csrf)
      .send({ required: 'admins' });
    expect(rule.status).toBe(200);
    try {
      const plainLogin = await tryLogin(plain.email, plain.initialPassword);
      expect(plainLogin.body.totpEnrolmentRequired).toBe(false);
      const managerLogin = await tryLogin(manager.email, manager.initialPassword);
      expect(managerLogin.body.totpEnrolmentRequired).toBe(true);
      expect((await admin.agent.get('/api/v1/settings/two-factor')).body).toEqual({
        required: 'admins',
      });
      expect(await events({ event: 'settings.changed' })).not.toHaveLength(0);
    } finally {
      await admin.agent
        .put('/api/v1/settings/two-factor')
        .set('X-CSRF-Token', admin.csrf)
        .send({ required: 'optional' });
    }
  });

  it('creates API keys within the creator features, enforces their scopes, and revokes them', async () => {
    const beyond = await buildUser(admin, { features: ['users.manage', 'contacts.view'] });
    const limited = await loginAndSetPassword(stack.app, beyond.email, beyond.initialPassword);
    const refused = await limited.agent
      .post('/api/v1/api-keys')
      .set('X-CSRF-Token', limited.csrf)
      .send({ name: 'too much', scopes: ['contacts.edit'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.id).toBe('invalid_scopes');

    const created = await admin.agent
      .post('/api/v1/api-keys')
      .set('X-CSRF-Token', admin.csrf)
      .send({ name: 'reader', scopes: ['contacts.view'] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^cfk_/);
    const key = created.body.key as string;
    const auth = { Authorization: `Bearer ${key}` };
    expect((await request(stack.app).get('/api/v1/lists/lnothere00000000').set(auth)).status).toBe(
      404,
    );
    const outside = await request(stack.app).post('/api/v1/lists').set(auth).send({ name: 'x' });
    expect(outside.status).toBe(403);
    // Keys never manage accounts, whatever their scopes.
    expect((await request(stack.app).get('/api/v1/users').set(auth)).status).toBe(403);

    const listed = await admin.agent.get('/api/v1/api-keys');
    const entry = listed.body.apiKeys.find((k: { id: string }) => k.id === created.body.id);
    expect(entry).toMatchObject({ name: 'reader', scopes: ['contacts.view'], revokedAt: null });
    expect(entry.lastUsedAt).toEqual(expect.any(String));
    expect(JSON.stringify(listed.body)).not.toContain(key.slice('cfk_'.length + 16 + 1));

    const revoke = await admin.agent
      .delete(`/api/v1/api-keys/${created.body.id}`)
      .set('X-CSRF-Token', admin.csrf);
    expect(revoke.status).toBe(204);
    expect((await request(stack.app).get('/api/v1/lists/lnothere00000000').set(auth)).status).toBe(
      401,
    );
    expect(await events({ subjectId: created.body.id })).toEqual(
      expect.arrayContaining(['api_key.created', 'api_key.revoked', 'api_key.failure']),
    );
    // Used many times within a minute, logged once.
    expect(await events({ event: 'api_key.used', 'actor.id': created.body.id })).toHaveLength(1);
  });

  it('narrows a key when its creator is narrowed, and revokes it when the creator is disabled', async () => {
    const created = await buildUser(admin, {
      features: ['users.manage', 'contacts.view', 'contacts.edit'],
    });
    const creator = await loginAndSetPassword(stack.app, created.email, created.initialPassword);
    const made = await creator.agent
      .post('/api/v1/api-keys')
      .set('X-CSRF-Token', creator.csrf)
      .send({ name: 'creator key' });
    expect(made.body.scopes).toEqual(['contacts.view', 'contacts.edit', 'users.manage']);
    const auth = { Authorization: `Bearer ${made.body.key}` };
    const write = () => request(stack.app).post('/api/v1/lists').set(auth).send({ name: 'x' });
    const read = () => request(stack.app).get('/api/v1/lists/lnothere00000000').set(auth);
    expect((await write()).status).toBe(201);

    await admin.agent
      .patch(`/api/v1/users/${created.id}`)
      .set('X-CSRF-Token', admin.csrf)
      .send({
        permissions: { features: ['users.manage', 'contacts.view'], lists: 'all', fields: {} },
      });
    expect((await write()).status).toBe(403);
    expect((await read()).status).toBe(404);

    await admin.agent
      .patch(`/api/v1/users/${created.id}`)
      .set('X-CSRF-Token', admin.csrf)
      .send({ disabled: true });
    expect((await read()).status).toBe(401);
  });

  it('delays and locks wrong secrets for a key id, while the real key keeps working', async () => {
    const created = await admin.agent
      .post('/api/v1/api-keys')
      .set('X-CSRF-Token', admin.csrf)
      .send({ name: 'target' });
    const id = created.body.id as string;
    const forged = `cfk_${id}_${'A'.repeat(43)}`;
    expect(forged).not.toBe(created.body.key);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (
          await request(stack.app)
            .get('/api/v1/lists/lnothere00000000')
            .set('Authorization', `Bearer ${forged}`)
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Whoever knows a key id cannot lock its integrator out.
    const real = await request(stack.app)
      .get('/api/v1/lists/lnothere00000000')
      .set('Authorization', `Bearer ${created.body.key}`);
    expect(real.status).toBe(404);
    expect(await events({ event: 'api_key.failure', subjectId: id })).toHaveLength(3);
  });
});
