/**
 * Support access against the real services: without a grant, keys the platform mints see
 * personal fields masked; staff ask, the tenant's admin is mailed and approves in a console
 * session; a key bound to the grant then reads personal data, every request it makes is in
 * the tenant's access log with the grant's id; revoked, the key gets 403. Bad input: a grant
 * not approved or another tenant's is refused, an API key cannot decide, a decided request
 * cannot be decided again.
 */
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { mailTo } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import { INITIAL_ADMIN_PASSWORD, loginAndSetPassword } from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('support access', () => {
  let stack: AppStack;
  const platform = () => ({ Authorization: `Bearer ${stack.platformToken}` });
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    stack = await startAppStack();
  });
  afterAll(() => stack?.stop());

  /** A tenant with one imported contact; its admin's address, a full key and the contact's. */
  async function tenantWithContact() {
    const adminEmail = `admin-${uniqueSuffix()}@example.test`;
    const { tenantId, apiKey } = await buildTenant(stack.app, stack.platformToken, {
      email: adminEmail,
    });
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(bearer(apiKey))
      .send({ name: 'Support' });
    const email = `subject-${uniqueSuffix()}@example.test`;
    const upload = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/imports?consent=existing`)
      .set(bearer(apiKey))
      .set('Content-Type', 'text/csv')
      .send(`email,firstName,consentedAt\n${email},Grace,2026-01-01T00:00:00Z\n`);
    expect(upload.status).toBe(202);
    await stack.client.workflow.getHandle(upload.body.workflowId).result();
    return { tenantId, apiKey, adminEmail, email };
  }

  const platformKey = (tenantId: string, body: object) =>
    request(stack.app).post(`/api/v1/tenants/${tenantId}/api-keys`).set(platform()).send(body);
  const search = (key: string, email: string) =>
    request(stack.app).get('/api/v1/contacts').query({ email }).set(bearer(key));

  it('lets the platform see personal data only under a grant the tenant approved, logging every request', async () => {
    const { tenantId, apiKey, adminEmail, email } = await tenantWithContact();

    // Without a grant: the platform's key sees the contact with every personal field masked.
    const masked = await platformKey(tenantId, { name: 'setup check' });
    expect(masked.status).toBe(201);
    expect(masked.body).toMatchObject({ grantId: null, expiresAt: null });
    const blind = await search(masked.body.key, email);
    expect(blind.status).toBe(200);
    expect(blind.body.contacts[0].email).not.toBe(email);
    expect(blind.body.contacts[0].masked).toEqual(expect.arrayContaining(['email', 'firstName']));

    // Staff ask; the admin is told by mail.
    const asked = await request(stack.app)
      .post(`/api/v1/tenants/${tenantId}/support-access`)
      .set(platform())
      .send({ reason: 'Ticket 4711: import rejected rows', hours: 2, requestedBy: 'ops.jane' });
    expect([asked.status, asked.body.status]).toEqual([202, 'pending']);
    const grantId = asked.body.id as string;
    const [notice] = (await mailTo(stack.app, adminEmail)).filter((m) =>
      m.subject.includes('support asks'),
    );
    expect(notice!.text).toContain(grantId);
    expect(notice!.text).toContain('Ticket 4711');

    // Not yet approved: no key under it.
    const early = await platformKey(tenantId, { name: 'support', grantId });
    expect([early.status, early.body.error?.id]).toEqual([400, 'grant_not_active']);

    // An API key, even with users.manage, cannot decide: the console session of an admin does.
    const byKey = await request(stack.app)
      .post(`/api/v1/support-access/${grantId}/approve`)
      .set(bearer(apiKey));
    expect(byKey.status).toBeGreaterThanOrEqual(401);
    expect(byKey.status).toBeLessThanOrEqual(403);
    const admin = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
    const listed = await admin.agent.get('/api/v1/support-access');
    expect(listed.body.requests).toEqual([
      expect.objectContaining({ id: grantId, status: 'pending', requestedBy: 'ops.jane' }),
    ]);
    const approved = await admin.agent
      .post(`/api/v1/support-access/${grantId}/approve`)
      .set('X-CSRF-Token', admin.csrf);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: admin.userId });
    const until = Date.parse(approved.body.approvedUntil);
    expect(until - Date.now()).toBeGreaterThan(1.9 * 3_600_000);
    const again = await admin.agent
      .post(`/api/v1/support-access/${grantId}/approve`)
      .set('X-CSRF-Token', admin.csrf);
    expect([again.status, again.body.error?.id]).toEqual([409, 'support_access_decided']);

    // Under the grant: personal data, within its scopes, logged with the grant's id.
    const beyond = await platformKey(tenantId, {
      name: 'support',
      grantId,
      scopes: ['contacts.edit'],
    });
    expect([beyond.status, beyond.body.error?.id]).toEqual([400, 'permissions_exceed_grant']);
    const granted = await platformKey(tenantId, { name: 'support', grantId });
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ grantId, scopes: ['contacts.view'] });
    expect(Date.parse(granted.body.expiresAt)).toBe(until);
    const seen = await search(granted.body.key, email);
    expect(seen.status).toBe(200);
    expect(seen.body.contacts[0]).toMatchObject({ email, firstName: 'Grace', masked: [] });
    const contactId = seen.body.contacts[0].id as string;
    expect(
      (await request(stack.app).get(`/api/v1/contacts/${contactId}`).set(bearer(granted.body.key)))
        .status,
    ).toBe(200);
    // Looking only: no change, and nothing beyond the scopes.
    expect(
      (await request(stack.app).get('/api/v1/lists').set(bearer(granted.body.key))).status,
    ).toBe(200);
    expect(
      (
        await request(stack.app)
          .post('/api/v1/lists')
          .set(bearer(granted.body.key))
          .send({ name: 'x' })
      ).status,
    ).toBe(403);

    const log = await request(stack.app)
      .get('/api/v1/access-log')
      .query({ event: 'support_access.used' })
      .set(bearer(apiKey));
    expect(log.status).toBe(200);
    const used = log.body.entries as { details: { grantId: string; path: string } }[];
    expect(used.length).toBeGreaterThanOrEqual(3);
    expect(used.every((e) => e.details.grantId === grantId)).toBe(true);
    expect(used.map((e) => e.details.path)).toEqual(
      expect.arrayContaining(['/api/v1/contacts', `/api/v1/contacts/${contactId}`]),
    );
    expect(JSON.stringify(log.body)).not.toContain(email); // the searched address is not logged
    const events = await request(stack.app).get('/api/v1/access-log').set(bearer(apiKey));
    expect(events.body.entries.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining([
        'support_access.requested',
        'support_access.approved',
        'support_access.key_created',
      ]),
    );

    // Revoked: the key gets 403 (after the 5 s every process may trust a cached key).
    const revoked = await admin.agent
      .post(`/api/v1/support-access/${grantId}/revoke`)
      .set('X-CSRF-Token', admin.csrf);
    expect([revoked.status, revoked.body.status]).toEqual([200, 'revoked']);
    await sleep(5_100);
    const after = await search(granted.body.key, email);
    expect([after.status, after.body.error?.id]).toEqual([403, 'support_grant_ended']);
    const late = await platformKey(tenantId, { name: 'support', grantId });
    expect([late.status, late.body.error?.id]).toEqual([400, 'grant_not_active']);
  });

  it('refuses bad requests, another tenant’s grant and a denied one, changing nothing', async () => {
    const one = await tenantWithContact();
    const other = await tenantWithContact();
    const ask = (tenantId: string, body: object) =>
      request(stack.app)
        .post(`/api/v1/tenants/${tenantId}/support-access`)
        .set(platform())
        .send(body);
    for (const body of [
      {},
      { reason: 'short', hours: 2, requestedBy: 'ops' },
      { reason: 'a long enough reason', hours: 0, requestedBy: 'ops' },
      { reason: 'a long enough reason', hours: 73, requestedBy: 'ops' },
      { reason: 'a long enough reason', hours: 2, requestedBy: 'jane@example.test' },
      { reason: 'a long enough reason', hours: 2, requestedBy: 'ops', scopes: ['users.manage'] },
      { reason: { $gt: '' }, hours: 2, requestedBy: 'ops' },
    ]) {
      const res = await ask(one.tenantId, body);
      expect([res.status, res.body.error?.id]).toEqual([400, expect.any(String)]);
    }
    expect(
      (
        await ask('tunknown0000000000000', {
          reason: 'a long enough reason',
          hours: 2,
          requestedBy: 'ops',
        })
      ).status,
    ).toBe(404);
    expect(
      (await request(stack.app).post(`/api/v1/tenants/${one.tenantId}/support-access`).send({}))
        .status,
    ).toBe(401);

    const asked = await ask(other.tenantId, {
      reason: 'Ticket 4712: bounce question',
      hours: 1,
      requestedBy: 'ops.joe',
    });
    const grantId = asked.body.id as string;
    // Another tenant's admin neither sees nor decides it; its grant mints no key here.
    const admin = await loginAndSetPassword(stack.app, one.adminEmail, INITIAL_ADMIN_PASSWORD);
    expect((await admin.agent.get(`/api/v1/support-access/${grantId}`)).status).toBe(404);
    const foreign = await admin.agent
      .post(`/api/v1/support-access/${grantId}/approve`)
      .set('X-CSRF-Token', admin.csrf);
    expect(foreign.status).toBe(404);
    const crossKey = await platformKey(one.tenantId, { name: 'x', grantId });
    expect([crossKey.status, crossKey.body.error?.id]).toEqual([400, 'grant_not_active']);

    // Its own admin denies it: nothing granted, and it cannot be approved afterwards.
    const owner = await loginAndSetPassword(stack.app, other.adminEmail, INITIAL_ADMIN_PASSWORD);
    const denied = await owner.agent
      .post(`/api/v1/support-access/${grantId}/deny`)
      .set('X-CSRF-Token', owner.csrf);
    expect([denied.status, denied.body.status]).toEqual([200, 'denied']);
    const late = await owner.agent
      .post(`/api/v1/support-access/${grantId}/approve`)
      .set('X-CSRF-Token', owner.csrf);
    expect([late.status, late.body.error?.id]).toEqual([409, 'support_access_decided']);
    expect((await owner.agent.get(`/api/v1/support-access/${grantId}`)).body.status).toBe('denied');
  });
});
