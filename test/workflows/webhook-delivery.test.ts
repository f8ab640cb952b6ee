/**
 * Webhook deliveries on the time-skipping server, with the real activities (database, HTTP
 * to real local receivers): a failing receiver gets retries with exponential backoff until it
 * answers 2xx, each attempt recorded; one that never answers 2xx has its delivery marked
 * failed after the retries; deleting the webhook stops a delivery waiting for its retry; the
 * address is checked again at delivery time; and a delivery whose start failed is started by
 * the tenant's sweep.
 */
import request from 'supertest';
import { createActivities } from '../../activities';
import type { TenantScope } from '../../src/db/tenant-access';
import { createLogger } from '../../src/logger';
import { workflowIdOf, type WorkflowGateway } from '../../src/temporal/workflows';
import { emitWebhookEvent, type WebhookEmitDeps } from '../../src/webhooks/emit';
import { createWebhookSender, type WebhookSender } from '../../src/webhooks/send';
import { createWebhookSubscribers } from '../../src/webhooks/subscribers';
import type { WebhookDeliveryResult } from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';
import { buildTenant } from '../helpers/tenant-fixtures';
import { startReceiver, type Receiver, type Script } from '../helpers/webhook-receiver';

describe('webhook delivery', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  let tenant: { tenantId: string; apiKey: string };
  let scope: TenantScope;
  const receivers: Receiver[] = [];
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const data = { contactId: 'c0123456789abcdef01234567', listId: 'l0123456789abcdef' };

  beforeAll(async () => {
    stack = await startAppStack({ env: { WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    ts = await startTimeSkipping(stack.payloadKeys);
    tenant = await buildTenant(stack.app, stack.platformToken);
    scope = await stack.data.tenants.forTenant(tenant.tenantId);
  });
  // Each test emits to the webhooks it created only.
  afterEach(() => scope.models.Webhook.deleteMany({}));
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await ts?.env.teardown();
    await stack?.stop();
  });

  /** A receiver answering by `script`, and a webhook for `contact.unsubscribed` pointing at it. */
  async function endpoint(script?: Script, url?: (r: Receiver) => string) {
    const receiver = await startReceiver(script);
    receivers.push(receiver);
    const created = await request(stack.app)
      .post('/api/v1/webhooks')
      .set(auth())
      .send({ url: url ? url(receiver) : receiver.url, events: ['contact.unsubscribed'] });
    expect(created.status).toBe(201);
    receiver.secret = created.body.secret;
    return { receiver, webhookId: created.body.id as string };
  }

  const emitDeps = (workflows: WorkflowGateway): WebhookEmitDeps => ({
    workflows,
    subscribers: createWebhookSubscribers(),
    logger: createLogger('test', 'silent'),
  });

  /** Emits an event to every webhook of the tenant and runs its deliveries to their end. */
  async function deliver(
    options: { sender?: WebhookSender; during?: (ids: string[]) => Promise<void> } = {},
  ) {
    const activities = createActivities({
      ...stack.activityDeps,
      ...(options.sender ? { webhookSender: options.sender } : {}),
    });
    return ts.withWorker(activities, async (taskQueue) => {
      const before = new Set(
        (await scope.models.WebhookDelivery.find({}, { _id: 1 }).lean()).map((d) => d._id),
      );
      await emitWebhookEvent(
        emitDeps(ts.temporalDeps(taskQueue).workflows),
        scope,
        'contact.unsubscribed',
        data,
      );
      const ids = (await scope.models.WebhookDelivery.find({}, { _id: 1 }).lean())
        .map((d) => d._id)
        .filter((id) => !before.has(id));
      await options.during?.(ids);
      // One result at a time: each wait unlocks the test server's time skipping, and
      // overlapping waits would leave it unlocked while workflow tasks run.
      const results: WebhookDeliveryResult[] = [];
      for (const id of ids)
        results.push(
          await ts.client.workflow
            .getHandle(workflowIdOf('webhookDelivery', tenant.tenantId, id))
            .result(),
        );
      return results;
    });
  }

  const deliveriesOf = async (webhookId: string) => {
    const res = await request(stack.app)
      .get(`/api/v1/webhooks/${webhookId}/deliveries`)
      .set(auth());
    expect(res.status).toBe(200);
    return res.body.deliveries as {
      status: string;
      body: string;
      attempts: { statusCode?: number; error?: string; durationMs: number }[];
    }[];
  };

  const deleteWebhook = (webhookId: string) =>
    request(stack.app).delete(`/api/v1/webhooks/${webhookId}`).set(auth());

  it('retries a failing receiver with backoff until it answers 2xx, and shows every attempt', async () => {
    const { receiver, webhookId } = await endpoint((n) => ({ status: n < 2 ? 500 : 200 }));
    const tried: number[] = [];
    const real = stack.activityDeps.webhookSender;
    const sender: WebhookSender = {
      send: async (r) => (tried.push(await ts.env.currentTimeMs()), real.send(r)),
      close: async () => undefined,
    };
    expect(await deliver({ sender })).toEqual([{ outcome: 'delivered' }]);

    expect(receiver.received).toHaveLength(3);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    expect(receiver.received.every((r) => r.contentType === 'application/json')).toBe(true);
    // The same event each time: receivers recognise a repeat by its id.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(receiver.received[0]!.parsed).toEqual({
      id: expect.stringMatching(/^e[0-9a-f]{24}$/),
      type: 'contact.unsubscribed',
      createdAt: expect.any(String),
      data,
    });
    // 10 s, then twice that (server time: the backoff is Temporal's).
    const gaps = tried.slice(1).map((t, i) => Math.round((t - tried[i]!) / 1000));
    expect(gaps).toEqual([10, 20]);

    const [delivery] = await deliveriesOf(webhookId);
    expect(delivery).toMatchObject({ status: 'delivered', body: receiver.received[0]!.body });
    expect(delivery!.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
  });

  it('marks the delivery failed once the retries run out', async () => {
    const { receiver, webhookId } = await endpoint(() => ({ status: 503 }));
    expect(await deliver()).toEqual([{ outcome: 'failed' }]);
    const [delivery] = await deliveriesOf(webhookId);
    expect(delivery!.status).toBe('failed');
    // About 3 days of attempts: 10 s doubling up to an hour, then hourly.
    expect(delivery!.attempts.length).toBeGreaterThan(60);
    expect(delivery!.attempts.length).toBeLessThan(100);
    expect(delivery!.attempts.every((a) => a.statusCode === 503)).toBe(true);
    expect(receiver.received).toHaveLength(delivery!.attempts.length);
  });

  it('sends nothing more once the webhook is deleted', async () => {
    const { receiver, webhookId } = await endpoint(() => ({ status: 500 }));
    const results = await deliver({
      during: async () => {
        await receiver.waitFor(1); // the first attempt failed; the retry waits 10 s
        expect((await deleteWebhook(webhookId)).status).toBe(204);
      },
    });
    expect(results).toEqual([{ outcome: 'gone' }]);
    expect(receiver.received).toHaveLength(1);
    expect((await scope.models.WebhookDelivery.find({ webhookId }).lean()).length).toBe(0);
    const gone = await request(stack.app)
      .get(`/api/v1/webhooks/${webhookId}/deliveries`)
      .set(auth());
    expect(gone.status).toBe(404);
  });

  it('checks the address again at delivery time and posts nothing to a private one', async () => {
    // Created while private addresses were allowed; delivered by a sender that refuses them:
    // a name that resolves to loopback now (as after DNS rebinding) and a loopback literal.
    const byName = await endpoint(undefined, (r) => `http://localhost:${r.port}/hooks`);
    const byAddress = await endpoint();
    const sender = createWebhookSender({ allowPrivate: false });
    try {
      expect(await deliver({ sender })).toEqual([{ outcome: 'failed' }, { outcome: 'failed' }]);
    } finally {
      await sender.close();
    }
    for (const { receiver, webhookId } of [byName, byAddress]) {
      expect(receiver.received).toHaveLength(0);
      const [delivery] = await deliveriesOf(webhookId);
      expect(delivery!.status).toBe('failed');
      expect(delivery!.attempts).toEqual([expect.objectContaining({ error: 'address_refused' })]);
    }
  });

  it('starts a delivery whose workflow could not be started with the tenant sweep', async () => {
    const { receiver, webhookId } = await endpoint();
    const down: WorkflowGateway = {
      startOnce: async () => {
        throw new Error('Temporal unavailable');
      },
    } as unknown as WorkflowGateway;
    await emitWebhookEvent(emitDeps(down), scope, 'contact.unsubscribed', data);
    const [stored] = await scope.models.WebhookDelivery.find({ webhookId }).lean();
    expect(stored).toMatchObject({ status: 'pending', attempts: [] });

    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const { startPendingWebhookDeliveries } = createActivities({
        ...stack.activityDeps,
        workflows: ts.temporalDeps(taskQueue).workflows,
      });
      // Too recent: its start may still be on its way.
      expect(await startPendingWebhookDeliveries({ tenantId: tenant.tenantId })).toEqual({
        started: 0,
      });
      await scope.models.WebhookDelivery.updateOne(
        { _id: stored!._id },
        { $set: { createdAt: new Date(Date.now() - 120_000) } },
      );
      expect(await startPendingWebhookDeliveries({ tenantId: tenant.tenantId })).toEqual({
        started: 1,
      });
      const handle = ts.client.workflow.getHandle(
        workflowIdOf('webhookDelivery', tenant.tenantId, stored!._id),
      );
      expect(await handle.result()).toEqual({ outcome: 'delivered' });
      // Delivered: the next sweep leaves it alone.
      expect(await startPendingWebhookDeliveries({ tenantId: tenant.tenantId })).toEqual({
        started: 0,
      });
    });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.signatureValid).toBe(true);
  });
});
