/**
 * The access log's floor against the real services: a single contact read and a search write
 * `personal_data.read` with the contact's id (never the searched address); a change writes
 * `data.changed` with the route; a platform call writes `platform.action` on its tenant; the
 * log is exportable as CSV; entries cannot be changed or deleted through the API.
 */
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('access log', () => {
  let stack: AppStack;
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    stack = await startAppStack();
  });
  afterAll(() => stack?.stop());

  type Entry = { event: string; actor?: { id: string }; details?: Record<string, unknown> };

  it('logs reads of personal data, changes and platform actions, with opaque ids only', async () => {
    const { tenantId, apiKey } = await buildTenant(stack.app, stack.platformToken);
    const keyId = apiKey.split('_')[1];
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(bearer(apiKey))
      .send({ name: 'Audited' });
    const email = `audited-${uniqueSuffix()}@example.test`;
    const upload = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/imports?consent=existing`)
      .set(bearer(apiKey))
      .set('Content-Type', 'text/csv')
      .send(`email,firstName,consentedAt\n${email},Ada,2026-01-01T00:00:00Z\n`);
    await stack.client.workflow.getHandle(upload.body.workflowId).result();
    const found = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email })
      .set(bearer(apiKey));
    const contactId = found.body.contacts[0].id as string;
    expect(
      (await request(stack.app).get(`/api/v1/contacts/${contactId}`).set(bearer(apiKey))).status,
    ).toBe(200);
    // A read without personal data (the lists) leaves no entry; a platform read of the tenant does.
    await request(stack.app).get('/api/v1/lists').set(bearer(apiKey));
    await request(stack.app)
      .get(`/api/v1/tenants/${tenantId}`)
      .set({ Authorization: `Bearer ${stack.platformToken}` });

    // A change whose route writes its own entry gets that one only, not the floor's too.
    const address = await request(stack.app)
      .put('/api/v1/settings/postal-address')
      .set(bearer(apiKey))
      .send({ postalAddress: 'Via Roma 1, Torino' });
    expect(address.status).toBe(200);

    const log = await request(stack.app).get('/api/v1/access-log').set(bearer(apiKey));
    expect(log.status).toBe(200);
    const entries = log.body.entries as Entry[];
    expect(
      entries.filter((e) => e.event === 'settings.changed').map((e) => e.details?.setting),
    ).toEqual(['postal-address']);
    expect(entries.some((e) => e.details?.route === 'PUT /api/v1/settings/postal-address')).toBe(
      false,
    );
    const routeOf = (e: Entry) => e.details?.route;
    expect(entries.filter((e) => e.event === 'personal_data.read').map(routeOf)).toEqual(
      expect.arrayContaining(['GET /api/v1/contacts', 'GET /api/v1/contacts/:id']),
    );
    const single = entries.find((e) => routeOf(e) === 'GET /api/v1/contacts/:id')!;
    expect(single).toMatchObject({ actor: { id: keyId }, details: { ids: { id: contactId } } });
    expect(entries.filter((e) => e.event === 'data.changed').map(routeOf)).toEqual(
      expect.arrayContaining(['POST /api/v1/lists', 'POST /api/v1/lists/:listId/imports']),
    );
    expect(entries.some((e) => routeOf(e) === 'GET /api/v1/lists')).toBe(false);
    expect(entries.filter((e) => e.event === 'platform.action').map(routeOf)).toEqual(
      expect.arrayContaining(['GET /api/v1/tenants/:id']),
    );
    // Reading the log is itself logged, and no entry holds the address.
    expect(JSON.stringify(entries)).not.toContain(email);

    const csv = await request(stack.app)
      .get('/api/v1/access-log')
      .query({ format: 'csv' })
      .set(bearer(apiKey));
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('personal_data.read');

    // Append-only: no route changes or deletes an entry, whatever the caller may do.
    const api = request(stack.app);
    for (const method of ['delete', 'patch', 'put', 'post'] as const) {
      const res = await api[method]('/api/v1/access-log').set(bearer(apiKey)).send({});
      expect(res.status).toBe(404);
    }
  });
});
