/**
 * Temporal payload encryption against the real servers: a probe run through the API leaves
 * only sealed payloads in its history (read by a client without the codec, as anyone with
 * access to Temporal's database would), one tenant's key cannot open another's payloads,
 * deleting the tenant's data key makes its histories unreadable, and the platform key keeps
 * a tenant shredding's own payloads readable after that.
 */
import { createAccessLog } from '../../src/auth/access-log';
import { createHash } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type SerializationContext } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import express from 'express';
import { Binary, BSON, MongoClient } from 'mongodb';
import request from 'supertest';
import { createActivities } from '../../activities';
import { probeCollection } from '../../activities/encryption-probe';
import { mountRoutes } from '../../src/api/route';
import { codecMiddleware, codecRoutes } from '../../src/api/routes/codec';
import { createLogger } from '../../src/logger';
import { openDataLayer } from '../../src/db/open';
import {
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  openPayload,
  PayloadDecryptionError,
  sealPayload,
  TenantPayloadCodec,
} from '../../src/temporal/payload-codec';
import {
  createPayloadKeyStore,
  payloadKeyCollection,
  PayloadKeyUnavailableError,
} from '../../src/temporal/payload-keys';
import { payloadToJson } from '../../src/api/schemas/codec-payloads';
import { createDataConverter } from '../../src/temporal/data-converter';
import type { encryptionProbeWorkflow } from '../../workflows';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { historyPayloads } from '../helpers/history-payloads';
import { testServices, uniqueSuffix } from '../helpers/services';

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('Temporal payload encryption', () => {
  let stack: AppStack;
  let raw: MongoClient;
  let connection: Connection;
  let plain: Client;
  beforeAll(async () => {
    stack = await startAppStack();
    raw = await new MongoClient(testServices().mongoUri).connect(); // no keys
    connection = await Connection.connect({ address: stack.config.temporal.address });
    plain = new Client({ connection, namespace: stack.config.temporal.namespace }); // no codec
  });
  afterAll(async () => {
    await connection?.close();
    await raw?.close();
    await stack?.stop();
  });

  async function runProbe(tenantId: string): Promise<{ probeId: string; workflowId: string }> {
    const res = await request(stack.app)
      .post('/api/v1/diagnostics/encryption-probe')
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ tenantId });
    expect(res.status).toBe(200);
    return res.body;
  }

  const rawHistory = (workflowId: string) => plain.workflow.getHandle(workflowId).fetchHistory();

  it('leaves only payloads sealed under the tenant key in the history', async () => {
    const tenantId = `seal${uniqueSuffix()}`;
    const { probeId, workflowId } = await runProbe(tenantId);
    const probe = await stack.data.mongo
      .db(stack.data.names.tenant(tenantId))
      .collection(probeCollection)
      .findOne({ _id: probeId as never });
    const fingerprint = createHash('sha256')
      .update(probe!.secret as string)
      .digest('hex');

    const history = await rawHistory(workflowId);
    const payloads = historyPayloads(history);
    // workflow input, two activity inputs, two activity results, the workflow result
    expect(payloads.length).toBeGreaterThanOrEqual(6);
    for (const payload of payloads) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe(tenantId);
    }
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    const everything = bytes.toString('latin1');
    for (const plaintext of [fingerprint, '"fingerprint"', '"probeId"', '"verified"']) {
      expect(everything).not.toContain(plaintext);
    }
    // A client without the codec cannot read the result either.
    await expect(plain.workflow.getHandle(workflowId).result()).rejects.toThrow();
    await expect(stack.client.workflow.getHandle(workflowId).result()).resolves.toEqual({
      probeId,
      verified: true,
    });
  });

  it('stores each payload key encrypted under the tenant data key', async () => {
    const tenantId = `wrap${uniqueSuffix()}`;
    await runProbe(tenantId);
    const control = stack.data.names.control;
    const stored = await raw
      .db(control)
      .collection(payloadKeyCollection)
      .findOne({ _id: tenantId as never });
    expect(stored?.key).toBeInstanceOf(Binary);
    expect((stored!.key as Binary).sub_type).toBe(6);
    const key = await stack.payloadKeys.findKey(tenantId);
    const rawBytes = Buffer.from(BSON.serialize(stored!)).toString('latin1');
    expect(rawBytes).not.toContain(key.toString('base64'));
    expect(rawBytes).not.toContain(key.toString('latin1'));
  });

  it("cannot open one tenant's payloads with another tenant's key", async () => {
    const [first, second] = [`frst${uniqueSuffix()}`, `scnd${uniqueSuffix()}`];
    const { workflowId } = await runProbe(first);
    await runProbe(second);
    const [payload] = historyPayloads(await rawHistory(workflowId));
    const secondKey = await stack.payloadKeys.findKey(second);
    expect(() => openPayload(payload!, secondKey)).toThrow(PayloadDecryptionError);
    expect(() => openPayload(payload!, secondKey)).toThrow('payload failed authentication');
    const relabelled = {
      metadata: { ...payload!.metadata, [KEY_ID_METADATA]: Buffer.from(second) },
      data: payload!.data,
    };
    await expect(new TenantPayloadCodec(stack.payloadKeys).decode([relabelled])).rejects.toThrow(
      PayloadDecryptionError,
    );
  });

  it('makes the histories unreadable once the tenant data key is deleted', async () => {
    const tenantId = `shrd${uniqueSuffix()}`;
    const { workflowId } = await runProbe(tenantId);
    const payloads = historyPayloads(await rawHistory(workflowId));
    // Readable before.
    await expect(new TenantPayloadCodec(stack.payloadKeys).decode(payloads)).resolves.toHaveLength(
      payloads.length,
    );

    const deleted = await raw
      .db(stack.data.names.keyVault)
      .collection('datakeys')
      .deleteOne({ keyAltNames: `tenant:${tenantId}` });
    expect(deleted.deletedCount).toBe(1);
    stack.payloadKeys.clearCache();

    // A process that has not cached the data key (the driver keeps unwrapped keys a while).
    const fresh = await openDataLayer(stack.config);
    try {
      const keys = createPayloadKeyStore(fresh);
      await expect(keys.findKey(tenantId)).rejects.toBeInstanceOf(PayloadKeyUnavailableError);
      await expect(keys.ensureKey(tenantId)).rejects.toBeInstanceOf(PayloadKeyUnavailableError);
      await expect(new TenantPayloadCodec(keys).decode(payloads)).rejects.toThrow();

      const app = express().use(
        codecMiddleware([]),
        mountRoutes(
          codecRoutes({
            keys,
            codecToken: stack.codecToken,
            corsOrigins: [],
            platformToken: stack.platformToken,
            logger: createLogger('test', 'silent'),
            accessLog: createAccessLog({
              control: fresh.tenants.control,
              encryption: fresh.encryption,
            }),
          }),
        ),
      );
      const sent = { payloads: payloads.map(payloadToJson) };
      const res = await request(app)
        .post('/codec/decode')
        .set('Authorization', `Bearer ${stack.platformToken}`)
        .send(sent);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(sent);
    } finally {
      await fresh.mongo.close();
    }
  });

  it("seals a tenant shredding's payloads with the platform key, readable once the tenant's keys are gone", async () => {
    const tenantId = `plat${uniqueSuffix()}`;
    await runProbe(tenantId); // the tenant's data key and payload key exist
    const shredding: SerializationContext = {
      type: 'workflow',
      namespace: stack.config.temporal.namespace,
      workflowId: `tenant-shredding:${tenantId}:x`,
    };
    const codec = new TenantPayloadCodec(stack.payloadKeys);
    const [sealed] = await codec.encode(
      [defaultPayloadConverter.toPayload({ tenantId })],
      shredding,
    );
    expect(text(sealed!.metadata?.[KEY_ID_METADATA])).toBe('platform');
    // Written before platform workflows had their own key: sealed with the tenant's.
    const earlier = sealPayload(
      defaultPayloadConverter.toPayload({ earlier: true }),
      await stack.payloadKeys.findKey(tenantId),
      tenantId,
    );
    await expect(codec.decode([earlier], shredding)).resolves.toHaveLength(1);

    // The platform key is wrapped under the platform's data key, not the tenant's.
    const stored = await raw
      .db(stack.data.names.control)
      .collection(payloadKeyCollection)
      .findOne({ _id: 'platform' as never });
    const dataKeys = raw.db(stack.data.names.keyVault).collection('datakeys');
    const platformDataKey = await raw
      .db(stack.data.names.keyVault)
      .collection<{ _id: Binary }>('datakeys')
      .findOne({ keyAltNames: 'platform' });
    expect(stored?.key).toBeInstanceOf(Binary);
    // Encrypted value: subtype byte, then the 16-byte id of the data key that wraps it.
    const wrappedBy = Buffer.from((stored!.key as Binary).buffer).subarray(1, 17);
    expect(wrappedBy.equals(Buffer.from(platformDataKey!._id.buffer))).toBe(true);

    // What shredding deletes: the tenant's data key and its payload key record.
    expect((await dataKeys.deleteOne({ keyAltNames: `tenant:${tenantId}` })).deletedCount).toBe(1);
    await raw
      .db(stack.data.names.control)
      .collection(payloadKeyCollection)
      .deleteOne({ _id: tenantId as never });
    stack.payloadKeys.clearCache();
    await expect(stack.payloadKeys.findKey(tenantId)).rejects.toMatchObject({ problem: 'missing' });

    const [opened] = await codec.decode([sealed!], shredding);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ tenantId });
    const [later] = await codec.encode([defaultPayloadConverter.toPayload('later')], shredding);
    expect(text(later!.metadata?.[KEY_ID_METADATA])).toBe('platform');
    expect(defaultPayloadConverter.fromPayload((await codec.decode([later!], shredding))[0]!)).toBe(
      'later',
    );
    // The tenant's own payloads, even the shredding's earlier ones, are gone with its key.
    await expect(codec.decode([earlier], shredding)).rejects.toBeInstanceOf(
      PayloadKeyUnavailableError,
    );
    // A tenant workflow never opens a platform payload.
    await expect(
      codec.decode([sealed!], { ...shredding, workflowId: `encryption-probe:${tenantId}:p` }),
    ).rejects.toThrow('payload belongs to the platform');
  });

  it('creates one key per tenant even when processes race, and re-reads it after the TTL', async () => {
    const tenantId = `race${uniqueSuffix()}`;
    let clock = 0;
    const [a, b] = [0, 1].map(() => createPayloadKeyStore(stack.data, { now: () => clock }));
    const [keyA, keyB] = await Promise.all([a!.ensureKey(tenantId), b!.ensureKey(tenantId)]);
    expect(keyA.equals(keyB)).toBe(true);
    expect(keyA).toHaveLength(32);
    const docs = raw.db(stack.data.names.control).collection(payloadKeyCollection);
    expect(await docs.countDocuments({ _id: tenantId as never })).toBe(1);

    await docs.deleteOne({ _id: tenantId as never });
    clock += 59_000;
    await expect(a!.findKey(tenantId)).resolves.toEqual(keyA); // still cached
    clock += 2_000;
    await expect(a!.findKey(tenantId)).rejects.toMatchObject({ problem: 'missing' });
    b!.clearCache();
    await expect(b!.findKey(tenantId)).rejects.toBeInstanceOf(PayloadKeyUnavailableError);
  });

  it("keeps the worker running when a shredded tenant's workflow cannot be read", async () => {
    const taskQueue = `shred-${uniqueSuffix()}`;
    const [shredded, healthy] = [`gone${uniqueSuffix()}`, `live${uniqueSuffix()}`];
    const start = (tenantId: string) =>
      stack.client.workflow.start<typeof encryptionProbeWorkflow>('encryptionProbeWorkflow', {
        workflowId: `encryption-probe:${tenantId}:${uniqueSuffix()}`,
        taskQueue,
        args: [{ tenantId, probeId: uniqueSuffix() }],
      });
    const doomed = await start(shredded); // no worker polls this queue yet
    await raw
      .db(stack.data.names.keyVault)
      .collection('datakeys')
      .deleteOne({ keyAltNames: `tenant:${shredded}` });

    const fresh = await openDataLayer(stack.config);
    const native = await NativeConnection.connect({ address: stack.config.temporal.address });
    const worker = await Worker.create({
      connection: native,
      namespace: stack.config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      dataConverter: createDataConverter(createPayloadKeyStore(fresh)),
      activities: createActivities({ ...stack.activityDeps, ...fresh }),
    });
    try {
      await worker.runUntil(async () => {
        const alive = await start(healthy);
        await expect(alive.result()).resolves.toMatchObject({ verified: true });
        const failed = await eventually(async () => {
          const events = (await doomed.fetchHistory()).events ?? [];
          return events.find((e) => e.workflowTaskFailedEventAttributes)
            ?.workflowTaskFailedEventAttributes;
        });
        expect(failed.failure?.message).toBe('Encoded failure');
        const attributes = JSON.parse(text(failed.failure?.encodedAttributes?.data));
        expect(attributes).toEqual({
          message: expect.stringMatching(/^failure message withheld: /),
          stack_trace: '',
        });
      });
      expect(worker.getState()).toBe('STOPPED');
      expect((await doomed.describe()).status.name).toBe('RUNNING');
    } finally {
      await doomed.terminate('test over').catch(() => undefined);
      await native.close();
      await fresh.mongo.close();
    }
  });
});

async function eventually<T>(probe: () => Promise<T | undefined | null>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met within 30 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}
