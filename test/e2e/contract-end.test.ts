/**
 * A contract's end over HTTP against the real services: the plan shows at once; at the end
 * the tenant is frozen (readable, not changeable; Schedules paused; recipients can still
 * unsubscribe); a renewal serves it again; after the export window its data is deleted (data
 * key first) and a certificate is issued; bad input gets clear 4xx answers.
 */
import request from 'supertest';
import { tenantScheduleIds } from '../../src/consent/list-schedules';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { linkPath, mailTo } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('contract end', () => {
  let stack: AppStack;
  const platform = () => ({ Authorization: `Bearer ${stack.platformToken}` });

  beforeAll(async () => {
    stack = await startAppStack();
  });
  afterAll(() => stack?.stop());

  const tenantOf = (id: string) => request(stack.app).get(`/api/v1/tenants/${id}`).set(platform());
  const endContract = (id: string, body: object) =>
    request(stack.app).post(`/api/v1/tenants/${id}/contract-end`).set(platform()).send(body);

  /** Polls the tenant until `done` holds (the workflow runs on the real server). */
  async function tenantUntil(id: string, done: (body: Record<string, unknown>) => boolean) {
    for (let i = 0; i < 100; i++) {
      const res = await tenantOf(id);
      if (done(res.body)) return res.body;
      await sleep(200);
    }
    throw new Error(`tenant ${id} never reached the expected state: ${(await tenantOf(id)).text}`);
  }

  it('refuses bad input with 4xx and changes nothing', async () => {
    const { tenantId } = await buildTenant(stack.app, stack.platformToken);
    for (const body of [
      {},
      { endsAt: 'soon' },
      { endsAt: '2030-01-01', exportWindowDays: 21 },
      { endsAt: '2030-01-01', exportWindowDays: 18 }, // leaves the deletion no margin before day 20
      { endsAt: '2030-01-01', exportWindowDays: -1 },
      { endsAt: '2030-01-01', exportWindowDays: 1.5 },
      { endsAt: '2030-01-01', extra: true },
      { endsAt: '2020-01-01' }, // in the past: a mistyped year must not delete at once
    ]) {
      const res = await endContract(tenantId, body);
      expect([res.status, res.body.error?.id]).toEqual([400, expect.any(String)]);
    }
    expect((await endContract('tunknown0000000000000', { endsAt: '2030-01-01' })).status).toBe(404);
    expect(
      (
        await request(stack.app)
          .post(`/api/v1/tenants/${tenantId}/contract-end`)
          .send({ endsAt: '2030-01-01' })
      ).status,
    ).toBe(401);
    expect((await tenantOf(tenantId)).body).toMatchObject({ status: 'active' });
    expect((await tenantOf(tenantId)).body.deletion).toBeUndefined();
    const renew = await request(stack.app)
      .delete(`/api/v1/tenants/${tenantId}/contract-end`)
      .set(platform());
    expect([renew.status, renew.body.error?.id]).toEqual([409, 'no_contract_end']);
  });

  it('shows the plan at once, freezes the tenant at the end, and serves it again when renewed', async () => {
    const adminEmail = `owner-${uniqueSuffix()}@example.test`;
    const { tenantId, apiKey } = await buildTenant(stack.app, stack.platformToken, {
      email: adminEmail,
    });
    const auth = { Authorization: `Bearer ${apiKey}` };
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth)
      .send({
        name: `Letters ${uniqueSuffix()}`,
        consentPolicy: { validityDays: 365, reminderDaysBefore: [30], onExpiry: 'unsubscribe' },
      });
    expect(list.status).toBe(201);

    const email = `reader.${uniqueSuffix()}@example.test`;
    const subscribed = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/subscriptions`)
      .set(auth)
      .send({ email });
    expect(subscribed.status).toBe(202);
    const [mail] = await mailTo(stack.app, email);

    // Ending in a year: `ending`, deletion 14 days (the default window) after the end.
    const later = new Date(Date.now() + 365 * 86_400_000);
    const scheduled = await endContract(tenantId, { endsAt: later.toISOString() });
    expect(scheduled.status).toBe(202);
    expect(scheduled.body).toMatchObject({
      status: 'ending',
      contractEndsAt: later.toISOString(),
      deletion: { scheduledFor: new Date(later.getTime() + 14 * 86_400_000).toISOString() },
    });
    expect((await request(stack.app).get('/api/v1/lists').set(auth)).status).toBe(200);

    // A date means the end of that day (UTC).
    const byDate = await endContract(tenantId, { endsAt: '2031-03-14', exportWindowDays: 2 });
    expect(byDate.body).toMatchObject({
      contractEndsAt: '2031-03-15T00:00:00.000Z',
      deletion: { scheduledFor: '2031-03-17T00:00:00.000Z' },
    });

    // Moved to now, with a day's window: frozen.
    const now = new Date();
    expect(
      (await endContract(tenantId, { endsAt: now.toISOString(), exportWindowDays: 1 })).status,
    ).toBe(202);
    const frozen = await tenantUntil(tenantId, (t) => t.status === 'frozen');
    expect(frozen).toMatchObject({
      deletion: { scheduledFor: new Date(now.getTime() + 86_400_000).toISOString() },
    });
    // The admins are told the export window has begun, and until when.
    const notice = (await mailTo(stack.app, adminEmail)).find((m) => m.subject.includes('ended'));
    expect(notice!.subject).toMatch(
      /^Your Consentflow contract has ended: export your data before /,
    );
    expect(notice!.text).toContain('read-only');
    expect(notice!.text).not.toContain(adminEmail);
    await sleep(5_100); // other processes trust a cached "served" status for up to 5 s
    expect((await request(stack.app).get(`/api/v1/lists/${list.body.id}`).set(auth)).status).toBe(
      200,
    );
    const write = await request(stack.app).post('/api/v1/lists').set(auth).send({ name: 'More' });
    expect([write.status, write.body.error?.id]).toEqual([403, 'tenant_frozen']);
    // Keys for the export can still be issued.
    const exportKey = await request(stack.app)
      .post(`/api/v1/tenants/${tenantId}/api-keys`)
      .set(platform())
      .send({ name: 'export', scopes: ['contacts.export'] });
    expect(exportKey.status).toBe(201);
    // No new consent while frozen, but an objection is honoured.
    expect((await request(stack.app).post(linkPath(mail!.text, 'c'))).status).toBe(410);
    const unsubscribed = await request(stack.app)
      .post(linkPath(mail!.text, 'u'))
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(unsubscribed.status).toBe(200);
    const contact = await request(stack.app)
      .get(`/api/v1/contacts/${subscribed.body.contactId}`)
      .set(auth);
    expect(contact.body.lists).toEqual([expect.objectContaining({ status: 'unsubscribed' })]);
    // The double opt-in sweep, the access review, the backups and the renewal sweep (the list
    // has no inactivity policy, the tenant no webhook).
    const schedules = tenantScheduleIds(tenantId, [list.body.id]).filter(
      (id) => !id.startsWith('inactivity-sweep') && !id.startsWith('webhook-sweep'),
    );
    const paused = await Promise.all(
      schedules.map((id) =>
        stack.client.schedule
          .getHandle(id)
          .describe()
          .then((d) => d.state.paused),
      ),
    );
    expect(paused).toEqual([true, true, true, true]);

    // Renewed during the export window.
    const renewed = await request(stack.app)
      .delete(`/api/v1/tenants/${tenantId}/contract-end`)
      .set(platform());
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ status: 'active', contractEndsAt: null });
    expect(renewed.body.deletion).toBeUndefined();
    expect(
      await Promise.all(
        schedules.map((id) =>
          stack.client.schedule
            .getHandle(id)
            .describe()
            .then((d) => d.state.paused),
        ),
      ),
    ).toEqual([false, false, false, false]);
    expect(
      (await request(stack.app).post('/api/v1/lists').set(auth).send({ name: 'More' })).status,
    ).toBe(201);
  });

  it('deletes everything after the export window and issues a certificate', async () => {
    const { tenantId, apiKey } = await buildTenant(stack.app, stack.platformToken);
    const auth = { Authorization: `Bearer ${apiKey}` };
    const list = await request(stack.app).post('/api/v1/lists').set(auth).send({ name: 'Gone' });
    expect(list.status).toBe(201);
    const endsAt = new Date(Date.now() + 1_000).toISOString();
    expect((await endContract(tenantId, { endsAt, exportWindowDays: 0 })).status).toBe(202);

    const deleted = await tenantUntil(
      tenantId,
      (t) => (t.deletion as { certificateId?: string } | undefined)?.certificateId !== undefined,
    );
    expect(deleted).toMatchObject({
      status: 'deleted',
      deletion: { scheduledFor: endsAt, completedAt: expect.any(String) },
    });
    const certificate = await request(stack.app)
      .get(`/api/v1/tenants/${tenantId}/deletion-certificate`)
      .set(platform());
    expect(certificate.status).toBe(200);
    expect(certificate.body).toMatchObject({
      id: (deleted.deletion as { certificateId: string }).certificateId,
      tenantId,
      contractEndsAt: endsAt,
      destroyed: expect.arrayContaining([expect.stringMatching(/^data key/)]),
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // Its data key is gone and its database dropped; its API key no longer works (401, or 404
    // for the tenant while the key is still in a process's 5 s cache).
    expect(await stack.data.encryption.deleteTenantKey(tenantId)).toBe(false);
    const dbs = await stack.data.mongo.db('admin').admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).not.toContain(stack.data.names.tenant(tenantId));
    expect([401, 404]).toContain((await request(stack.app).get('/api/v1/lists').set(auth)).status);
    // Nothing changes a deletion once begun.
    const again = await endContract(tenantId, { endsAt: '2040-01-01' });
    expect([again.status, again.body.error?.id]).toEqual([409, 'deletion_started']);
  });
});
