/**
 * Webhooks over HTTP against the real services: an endpoint's secret is shown once and stored
 * encrypted; URLs that are not http(s), or (with private addresses disallowed) point at
 * loopback or private addresses, are refused with 400; confirmations, unsubscriptions and
 * consent lapses reach real local receivers as signed JSON with opaque ids only, each
 * receiver only the types it asked for, and a slow receiver delays no other.
 */
import { Binary, MongoClient } from 'mongodb';
import request from 'supertest';
import { applyLapse } from '../../src/consent/lapse';
import { createLogger } from '../../src/logger';
import { createWorkflowGateway } from '../../src/temporal/workflows';
import { createWebhookServices } from '../../src/wiring/webhooks';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';
import { startReceiver, type Receiver, type Script } from '../helpers/webhook-receiver';

describe('webhooks', () => {
  let stack: AppStack;
  let tenant: { tenantId: string; apiKey: string };
  let listId: string;
  const receivers: Receiver[] = [];
  const marker = uniqueSuffix();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const day = () => new Date(Date.now() + 86_400_000);

  beforeAll(async () => {
    stack = await startAppStack({ env: { WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    tenant = await buildTenant(stack.app, stack.platformToken);
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Hooks ${marker}` });
    expect(list.status).toBe(201);
    listId = list.body.id;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.stop();
  });

  const create = (body: object, app = stack.app) =>
    request(app).post('/api/v1/webhooks').set(auth()).send(body);

  /** A receiver and a webhook for `events` pointing at it. */
  async function endpoint(events: string[], script?: Script) {
    const receiver = await startReceiver(script);
    receivers.push(receiver);
    const created = await create({ url: receiver.url, events });
    expect(created.status).toBe(201);
    receiver.secret = created.body.secret;
    return receiver;
  }

  /** Subscribes an address and confirms it through its link's page; the request's ids. */
  async function confirmedMember(local: string) {
    const sub = await request(stack.app)
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email: `${local}.${marker}@example.test` });
    expect(sub.status).toBe(202);
    const { subscriptionId, contactId } = sub.body as { subscriptionId: string; contactId: string };
    const token = await stack.consent.tokens.sign(
      { tenantId: tenant.tenantId, purpose: 'confirm', contactId, listId, ref: subscriptionId },
      day(),
    );
    expect((await request(stack.app).post(`/c/${token}`).type('form').send('')).status).toBe(200);
    return { subscriptionId, contactId };
  }

  /** The body carries opaque ids only: no address, not even its local part. */
  const expectOpaque = (body: string) => {
    expect(body).not.toContain('@');
    expect(body).not.toContain(marker);
  };

  it('creates a webhook whose secret is shown once and stored encrypted, lists and deletes it', async () => {
    const created = await create({
      url: 'https://hooks.example.test/consentflow',
      events: ['contact.unsubscribed', 'consent.expired'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^w[0-9a-f]{24}$/),
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const { id, secret } = created.body as { id: string; secret: string };

    const listed = await request(stack.app).get('/api/v1/webhooks').set(auth());
    expect(listed.status).toBe(200);
    expect(listed.body.webhooks).toContainEqual({
      id,
      url: 'https://hooks.example.test/consentflow',
      events: ['contact.unsubscribed', 'consent.expired'],
      createdAt: expect.any(String),
      createdBy: { kind: 'api_key', id: expect.any(String) },
    });
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const raw = await new MongoClient(testServices().mongoUri).connect(); // no key
    try {
      const stored = await raw
        .db(stack.data.names.tenant(tenant.tenantId))
        .collection('webhooks')
        .findOne({ _id: id as never });
      expect(stored!.secret).toBeInstanceOf(Binary);
      expect((stored!.secret as Binary).sub_type).toBe(6);
      expect(Buffer.from((stored!.secret as Binary).buffer).toString('latin1')).not.toContain(
        secret,
      );
    } finally {
      await raw.close();
    }

    const deliveries = await request(stack.app)
      .get(`/api/v1/webhooks/${id}/deliveries`)
      .set(auth());
    expect([deliveries.status, deliveries.body]).toEqual([200, { deliveries: [] }]);
    expect((await request(stack.app).delete(`/api/v1/webhooks/${id}`).set(auth())).status).toBe(
      204,
    );
    const again = await request(stack.app).delete(`/api/v1/webhooks/${id}`).set(auth());
    expect([again.status, again.body.error?.id]).toEqual([404, 'not_found']);
    expect(
      (await request(stack.app).get(`/api/v1/webhooks/${id}/deliveries`).set(auth())).status,
    ).toBe(404);
  });

  it('refuses a URL that is not http(s), and loopback or private hosts where private addresses are disallowed', async () => {
    const before = (await request(stack.app).get('/api/v1/webhooks').set(auth())).body.webhooks;
    for (const url of ['ftp://hooks.example.test/x', 'file:///etc/passwd', 'hooks.example.test']) {
      const res = await create({ url, events: ['contact.unsubscribed'] });
      expect([url, res.status, res.body.error?.id]).toEqual([url, 400, 'webhook_url_invalid']);
      expect(res.body.error.message).toEqual(expect.any(String));
    }
    const unknownEvent = await create({ url: 'https://x.example.test/', events: ['contact.read'] });
    expect([unknownEvent.status, unknownEvent.body.error?.id]).toEqual([400, 'invalid_request']);

    // As in production: private addresses disallowed.
    const production = stack.appWith({
      webhooks: createWebhookServices(
        { ...stack.config, webhooks: { allowPrivate: false } },
        {
          workflows: createWorkflowGateway({
            client: stack.client,
            taskQueue: stack.config.temporal.taskQueue,
          }),
          logger: createLogger('test', 'silent'),
        },
      ),
    });
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost:8080/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.7/hook',
      'http://[::ffff:192.168.0.1]/hook',
    ]) {
      const res = await create({ url, events: ['contact.unsubscribed'] }, production);
      expect([url, res.status, res.body.error?.id]).toEqual([url, 400, 'webhook_url_refused']);
    }
    const after = (await request(stack.app).get('/api/v1/webhooks').set(auth())).body.webhooks;
    expect(after).toEqual(before);
  });

  it('posts signed events of confirmations and unsubscriptions with opaque ids, each to the webhooks that asked, and a slow receiver delays no other', async () => {
    const SLOW_MS = 4_000;
    const fast = await endpoint(['subscription.confirmed', 'contact.unsubscribed']);
    const slow = await endpoint(['subscription.confirmed'], () => ({
      status: 200,
      delayMs: SLOW_MS,
    }));
    const unsubscribesOnly = await endpoint(['contact.unsubscribed']);

    const started = Date.now();
    const member = await confirmedMember('ada');
    const [confirmed] = await fast.waitFor(1);
    const [slowGot] = await slow.waitFor(1);
    // The fast receiver had its event before the slow one had even answered.
    expect(confirmed!.at).toBeLessThan(slowGot!.at + SLOW_MS);
    expect(confirmed!.at - started).toBeLessThan(SLOW_MS);
    for (const got of [confirmed!, slowGot!]) {
      expect(got.signatureValid).toBe(true);
      expect(got.parsed).toEqual({
        id: expect.stringMatching(/^e[0-9a-f]{24}$/),
        type: 'subscription.confirmed',
        createdAt: expect.any(String),
        data: { ...member, listId },
      });
      expectOpaque(got.body);
    }
    expect(slowGot!.parsed.id).toBe(confirmed!.parsed.id); // one event, two deliveries
    expect(unsubscribesOnly.received).toHaveLength(0);

    const token = await stack.consent.tokens.sign(
      { tenantId: tenant.tenantId, purpose: 'unsubscribe', contactId: member.contactId, listId },
      day(),
    );
    const page = await request(stack.app)
      .post(`/u/${token}`)
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(page.status).toBe(200);
    const [, unsubscribed] = await fast.waitFor(2);
    const [alsoUnsubscribed] = await unsubscribesOnly.waitFor(1);
    for (const got of [unsubscribed!, alsoUnsubscribed!]) {
      expect(got.signatureValid).toBe(true);
      expect(got.parsed).toMatchObject({
        type: 'contact.unsubscribed',
        data: { contactId: member.contactId, listId },
      });
      expectOpaque(got.body);
    }
    // Repeating the unsubscription changes nothing and tells nobody again.
    await request(stack.app).post(`/u/${token}`).type('form').send('List-Unsubscribe=One-Click');

    const hooks = (await request(stack.app).get('/api/v1/webhooks').set(auth())).body.webhooks as {
      id: string;
      url: string;
    }[];
    const fastId = hooks.find((h) => h.url === fast.url)!.id;
    const deliveries = await request(stack.app)
      .get(`/api/v1/webhooks/${fastId}/deliveries`)
      .set(auth());
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.deliveries).toEqual([
      expect.objectContaining({ type: 'contact.unsubscribed', status: 'delivered' }),
      expect.objectContaining({
        type: 'subscription.confirmed',
        status: 'delivered',
        body: confirmed!.body,
        attempts: [{ at: expect.any(String), statusCode: 200, durationMs: expect.any(Number) }],
      }),
    ]);
    // The slow one is delivered too, once it answers.
    const slowId = hooks.find((h) => h.url === slow.url)!.id;
    const slowDelivery = async () =>
      (await request(stack.app).get(`/api/v1/webhooks/${slowId}/deliveries`).set(auth())).body
        .deliveries[0];
    while ((await slowDelivery()).status === 'pending')
      await new Promise((r) => setTimeout(r, 100));
    expect(await slowDelivery()).toMatchObject({
      status: 'delivered',
      attempts: [{ statusCode: 200, durationMs: expect.any(Number) }],
    });
    expect((await slowDelivery()).attempts[0].durationMs).toBeGreaterThanOrEqual(SLOW_MS - 50);
    expect(fast.received).toHaveLength(2);
    for (const { id } of hooks)
      await request(stack.app).delete(`/api/v1/webhooks/${id}`).set(auth());
  });

  it('tells webhooks of a consent lapse, from the worker', async () => {
    const member = await confirmedMember('grace');
    const receiver = await endpoint(['consent.expired']);
    const tenantScope = await stack.data.tenants.forTenant(tenant.tenantId);
    const input = {
      contactId: member.contactId,
      listId,
      action: 'unsubscribe' as const,
      reason: 'expired' as const,
      key: `test/${uniqueSuffix()}`,
    };
    const deps = { webhooks: stack.activityDeps.webhooks };
    expect(await applyLapse(tenantScope, input, deps)).toBe(true);
    const [lapsed] = await receiver.waitFor(1);
    expect(lapsed!.signatureValid).toBe(true);
    expect(lapsed!.parsed).toMatchObject({
      type: 'consent.expired',
      data: { contactId: member.contactId, listId, reason: 'expired', action: 'unsubscribe' },
    });
    expectOpaque(lapsed!.body);
    expect(await applyLapse(tenantScope, input, deps)).toBe(false); // done: nothing more
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
  });
});
