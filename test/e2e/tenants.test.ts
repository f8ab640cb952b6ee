/**
 * Tenants through the platform API: provisioning as a workflow, the first admin, idempotent
 * retries, bad input, API keys, and crypto-shredding (whose own history stays readable).
 */
import { Binary, BSON, ClientEncryption, MongoClient } from 'mongodb';
import { API_KEY_CACHE_MS } from '../../src/auth/api-key-cache';
import { loadKmsSettings } from '../../src/db/kms';
import { reserveSendSlot } from '../../src/campaigns/send-pace';
import request from 'supertest';
import { Client, ScheduleNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { openDataLayer } from '../../src/db/open';
import { createDataConverter } from '../../src/temporal/data-converter';
import { KEY_ID_METADATA, TenantPayloadCodec } from '../../src/temporal/payload-codec';
import { createPayloadKeyStore } from '../../src/temporal/payload-keys';
import { historyPayloads } from '../helpers/history-payloads';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import { INITIAL_ADMIN_PASSWORD, login } from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';
import type { tenantShreddingWorkflow } from '../../workflows';

describe('tenants', () => {
  let stack: AppStack;
  let raw: MongoClient;
  const platform = () => ({ Authorization: `Bearer ${stack.platformToken}` });
  beforeAll(async () => {
    stack = await startAppStack();
    raw = await new MongoClient(testServices().mongoUri).connect();
  });
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  it('provisions a tenant with its own database, data key and an admin who must change the password', async () => {
    const email = `Owner-${uniqueSuffix()}@Example.test`;
    const res = await request(stack.app)
      .post('/api/v1/tenants')
      .set(platform())
      .send({
        name: 'Acme Mail',
        admin: { email, initialPassword: 'a long initial password' },
        contractEndsAt: '2027-12-31',
      });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^t[0-9a-f]{19}$/),
      name: 'Acme Mail',
      status: 'active',
    });

    // The contract's end alone starts the termination: the plan is recorded moments later.
    let got = await request(stack.app).get(`/api/v1/tenants/${res.body.id}`).set(platform());
    for (let i = 0; i < 100 && got.body.status !== 'ending'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      got = await request(stack.app).get(`/api/v1/tenants/${res.body.id}`).set(platform());
    }
    expect(got.body).toEqual({
      id: res.body.id,
      name: 'Acme Mail',
      status: 'ending',
      contractEndsAt: '2028-01-01T00:00:00.000Z', // the end of 2027-12-31 (UTC)
      deletion: { scheduledFor: '2028-01-15T00:00:00.000Z' }, // the default 14-day window
    });

    const users = raw.db(stack.data.names.control).collection('users');
    const admin = await users.findOne({ tenantId: res.body.id });
    expect(admin?.email).toBeInstanceOf(Binary);
    expect((admin!.email as Binary).sub_type).toBe(6);
    expect(admin?.mustChangePassword).toBe(true);
    expect(admin?.passwordHash).toMatch(/^\$2b\$12\$/);
    const decrypted = await stack.data.tenants.control.User.findById(admin!._id).lean();
    expect(decrypted?.email).toBe(email.toLowerCase());

    const keys = raw.db(stack.data.names.keyVault).collection('datakeys');
    expect(await keys.countDocuments({ keyAltNames: `tenant:${res.body.id}` })).toBe(1);
    const collections = await raw
      .db(stack.data.names.tenant(res.body.id))
      .listCollections()
      .toArray();
    expect(collections.map((c) => c.name)).toEqual(
      expect.arrayContaining(['contacts', 'lists', 'consent_records']),
    );
  });

  it('gives a retried request with the same Idempotency-Key the same tenant', async () => {
    const key = `retry-${uniqueSuffix()}`;
    const send = () =>
      request(stack.app)
        .post('/api/v1/tenants')
        .set(platform())
        .set('Idempotency-Key', key)
        .send({
          name: 'Retry Co',
          admin: { email: `retry-${key}@example.test`, initialPassword: 'a long initial password' },
        });
    const [first, second] = await Promise.all([send(), send()]);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(await stack.data.tenants.control.User.countDocuments({ tenantId: first.body.id })).toBe(
      1,
    );
  });

  it.each([
    [
      { name: 'x', admin: { email: 'not-an-address', initialPassword: 'a long initial password' } },
      'admin.email',
    ],
    [
      { name: 'x', admin: { email: 'ok@example.test', initialPassword: 'short' } },
      'admin.initialPassword',
    ],
    [
      {
        name: 'x',
        admin: { email: 'ok@example.test', initialPassword: 'a long initial password' },
        plan: 'gold',
      },
      'plan',
    ],
    [
      {
        name: { $gt: '' },
        admin: { email: 'ok@example.test', initialPassword: 'a long initial password' },
      },
      'name',
    ],
  ])('refuses bad input %j naming %s, creating nothing', async (body, field) => {
    const before = await stack.data.tenants.control.Tenant.countDocuments();
    const res = await request(stack.app).post('/api/v1/tenants').set(platform()).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
    expect(await stack.data.tenants.control.Tenant.countDocuments()).toBe(before);
  });

  it('refuses a second tenant whose admin email is already a user', async () => {
    const email = `dup-${uniqueSuffix()}@example.test`;
    await buildTenant(stack.app, stack.platformToken, { email });
    const res = await request(stack.app)
      .post('/api/v1/tenants')
      .set(platform())
      .send({
        name: 'Dup',
        admin: { email: email.toUpperCase(), initialPassword: 'a long initial password' },
      });
    expect(res.status).toBe(409);
    expect(res.body.error.id).toBe('email_taken');
    expect(res.body.error.message).not.toContain(email);
  });

  it('answers 404 for unknown tenants and 401 without the platform token', async () => {
    expect(
      (await request(stack.app).get('/api/v1/tenants/tdoesnotexist00000').set(platform())).status,
    ).toBe(404);
    expect((await request(stack.app).get('/api/v1/tenants/tdoesnotexist00000')).status).toBe(401);
  });

  it('crypto-shreds a tenant: an earlier copy of its data can no longer be decrypted', async () => {
    const adminEmail = `admin-${uniqueSuffix()}@example.test`;
    const { tenantId, apiKey } = await buildTenant(stack.app, stack.platformToken, {
      email: adminEmail,
    });
    const admin = await login(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
    const auth = { Authorization: `Bearer ${apiKey}` };
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth)
      .send({
        name: 'News',
        consentPolicy: { validityDays: 365, reminderDaysBefore: [30], onExpiry: 'unsubscribe' },
        inactivityPolicy: { thresholdDays: 30, action: 'delete' },
      });
    expect(list.status).toBe(201);
    expect((await request(stack.app).get('/api/v1/dkim').set(auth)).status).toBe(200);
    const domain = await request(stack.app)
      .post('/api/v1/sending-domains')
      .set(auth)
      .send({ domain: `shred-${uniqueSuffix()}.example.test`.toLowerCase() });
    expect(domain.status).toBe(201);
    const subscribed = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/subscriptions`)
      .set(auth)
      .send({ email: `sub-${uniqueSuffix()}@example.test`, ip: '198.51.100.9' });
    expect(subscribed.status).toBe(202);
    const csv = 'email,firstName\nshred-me@example.test,Shreddy\n';
    const started = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/imports`)
      .set('Authorization', `Bearer ${apiKey}`)
      .set('Content-Type', 'text/csv')
      .send(csv);
    await stack.client.workflow.getHandle(started.body.workflowId).result();

    // The "backup": the imported contact's raw document, copied before deletion (the
    // subscriber's has no details).
    const copy = await raw
      .db(stack.data.names.tenant(tenantId))
      .collection('contacts')
      .find({ details: { $exists: true } })
      .toArray();
    expect(copy).toHaveLength(1);
    const backup = BSON.deserialize(BSON.serialize(copy[0]!));

    // What the tenant has outside its own database before shredding.
    const control = raw.db(stack.data.names.control);
    const scheduleIds = [
      `consent-renewal-sweep:${tenantId}:${list.body.id}`,
      `inactivity-sweep:${tenantId}:${list.body.id}`,
      `double-opt-in-sweep:${tenantId}:${tenantId}`,
    ];
    const tenantRecords = async () => ({
      sessions: await control
        .collection('sessions')
        .countDocuments({ 'session.passport.user.id': admin.userId }),
      api_keys: await control.collection('api_keys').countDocuments({ tenantId }),
      dkim_keys: await control.collection('dkim_keys').countDocuments({ _id: tenantId as never }),
      sending_domains: await control.collection('sending_domains').countDocuments({ tenantId }),
      payload_keys: await control
        .collection('payload_keys')
        .countDocuments({ _id: tenantId as never }),
      list_directory: await control.collection('list_directory').countDocuments({ tenantId }),
      send_slots: await control.collection('send_slots').countDocuments({ tenantId }),
      rate_limits: await control
        .collection('rate_limits')
        .countDocuments({ key: { $regex: `^sub-(address|ip):${tenantId}:` } }),
    });
    // A campaign batch's slot on the tenant's sending timeline.
    await reserveSendSlot(stack.data.tenants.control, tenantId, {
      messages: 1,
      ratePerSecond: 1,
      now: new Date(),
    });
    expect(await tenantRecords()).toEqual({
      sessions: 1,
      api_keys: 1,
      dkim_keys: 1,
      sending_domains: 1,
      payload_keys: 1,
      list_directory: 1,
      send_slots: 1,
      rate_limits: 2,
    });
    for (const id of scheduleIds) await stack.client.schedule.getHandle(id).describe();

    await stack.client.workflow.execute<typeof tenantShreddingWorkflow>('tenantShreddingWorkflow', {
      workflowId: `tenant-shredding:${tenantId}:test`,
      taskQueue: stack.config.temporal.taskQueue,
      args: [{ tenantId }],
    });

    const got = await request(stack.app).get(`/api/v1/tenants/${tenantId}`).set(platform());
    expect(got.body.status).toBe('deleted');
    // The key is gone; the api may still hold it in its short cache of authenticated keys
    // (API_KEY_CACHE_MS), during which the deleted tenant answers 404, never its data.
    const deadline = Date.now() + API_KEY_CACHE_MS + 2_000;
    let afterwards = await request(stack.app).get(`/api/v1/lists/${list.body.id}`).set(auth);
    while (afterwards.status === 404 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      afterwards = await request(stack.app).get(`/api/v1/lists/${list.body.id}`).set(auth);
    }
    expect(afterwards.status).toBe(401);
    expect(await tenantRecords()).toEqual({
      sessions: 0,
      api_keys: 0,
      dkim_keys: 0,
      sending_domains: 0,
      payload_keys: 0,
      list_directory: 0,
      send_slots: 0,
      rate_limits: 0,
    });
    for (const id of scheduleIds) {
      await expect(stack.client.schedule.getHandle(id).describe()).rejects.toThrow(
        ScheduleNotFoundError,
      );
    }

    // The shredding run sealed its own payloads with the platform key, which outlives the
    // tenant's keys: a process that never cached a key still decodes and replays its history.
    const shreddingId = `tenant-shredding:${tenantId}:test`;
    const history = await new Client({
      connection: stack.client.connection,
      namespace: stack.config.temporal.namespace,
    }).workflow // no codec: the history as Temporal stores it
      .getHandle(shreddingId)
      .fetchHistory();
    const payloads = historyPayloads(history);
    expect(payloads.length).toBeGreaterThanOrEqual(4); // input, activity input and result, result
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata![KEY_ID_METADATA]!).toString()).toBe('platform');
    }
    stack.payloadKeys.clearCache();
    const freshLayer = await openDataLayer(stack.config);
    try {
      const keys = createPayloadKeyStore(freshLayer);
      await expect(keys.findKey(tenantId)).rejects.toMatchObject({ problem: 'missing' });
      const decoded = await new TenantPayloadCodec(keys).decode(payloads, {
        type: 'workflow',
        namespace: stack.config.temporal.namespace,
        workflowId: shreddingId,
      });
      expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toContainEqual({
        tenantId,
      });
      await Worker.runReplayHistory(
        {
          workflowsPath: require.resolve('../../workflows'),
          dataConverter: createDataConverter(keys),
        },
        history,
        shreddingId,
      );
    } finally {
      await freshLayer.mongo.close();
    }
    // Its double opt-in was still waiting for the confirmation: shredding ended it.
    const optIn = await stack.client.workflow.getHandle(subscribed.body.workflowId).describe();
    expect(optIn.status.name).toBe('TERMINATED');

    // A process holding the master key (as a restore from backup would) cannot read the copy.
    const kms = await loadKmsSettings(stack.config);
    const fresh = new ClientEncryption(stack.data.mongo, {
      keyVaultNamespace: stack.data.names.keyVaultNamespace,
      kmsProviders: kms.kmsProviders,
    });
    for (const field of ['email', 'details'] as const) {
      expect(backup[field]).toBeInstanceOf(Binary);
      await expect(fresh.decrypt(backup[field] as Binary)).rejects.toThrow(
        /not all keys requested were satisfied/,
      );
    }
  });
});
