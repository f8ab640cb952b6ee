/**
 * The thin end-to-end slice: an API call starts a workflow whose activities write a field
 * encrypted with the tenant's key into the tenant's own database and read it back. The raw
 * documents, read without any key, must hold only ciphertext.
 */
import { Binary, MongoClient, BSON } from 'mongodb';
import request from 'supertest';
import { probeCollection } from '../../activities/encryption-probe';
import { TenantIdKey, WorkflowKindKey } from '../../src/temporal/search-attributes';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';

describe('encryption probe through the API', () => {
  let stack: AppStack;
  let raw: MongoClient;
  beforeAll(async () => {
    stack = await startAppStack();
    raw = await new MongoClient(testServices().mongoUri).connect(); // no key: sees what a thief would
  });
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  it('writes ciphertext (binary subtype 6) into the tenant database and reads back plaintext', async () => {
    const tenantId = `acme${uniqueSuffix()}`;
    const res = await request(stack.app)
      .post('/api/v1/diagnostics/encryption-probe')
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ tenantId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'completed',
      verified: true,
      probeId: expect.any(String),
    });
    expect(res.body.workflowId).toBe(`encryption-probe:${tenantId}:${res.body.probeId}`);

    const tenantDb = stack.data.names.tenant(tenantId);
    const stored = await raw
      .db(tenantDb)
      .collection(probeCollection)
      .findOne({ _id: res.body.probeId });
    expect(stored?.secret).toBeInstanceOf(Binary);
    expect((stored!.secret as Binary).sub_type).toBe(6);

    // The decrypting client of the product sees the canary; the raw bytes must not contain it.
    const decrypted = await stack.data.mongo
      .db(tenantDb)
      .collection(probeCollection)
      .findOne({ _id: res.body.probeId });
    const canary = decrypted?.secret as string;
    expect(canary).toMatch(/^canary-[0-9a-f]{32}$/);

    const scanned: string[] = [];
    for (const dbName of [tenantDb, stack.data.names.keyVault]) {
      for (const { name } of await raw.db(dbName).listCollections().toArray()) {
        for (const doc of await raw.db(dbName).collection(name).find().toArray()) {
          scanned.push(Buffer.from(BSON.serialize(doc)).toString('latin1'));
        }
      }
    }
    expect(scanned.length).toBeGreaterThanOrEqual(2); // the probe and the tenant's data key
    for (const bytes of scanned) expect(bytes).not.toContain(canary);

    // Nor does the workflow history: only fingerprints ever leave the activities.
    const history = await stack.client.workflow.getHandle(res.body.workflowId).fetchHistory();
    expect(JSON.stringify(history)).not.toContain(canary);
  });

  it('keeps one data key per tenant however many probes run', async () => {
    const tenantId = `beta${uniqueSuffix()}`;
    const probe = () =>
      request(stack.app)
        .post('/api/v1/diagnostics/encryption-probe')
        .set('Authorization', `Bearer ${stack.platformToken}`)
        .send({ tenantId });
    const results = await Promise.all([probe(), probe(), probe()]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const keys = await raw
      .db(stack.data.names.keyVault)
      .collection('datakeys')
      .countDocuments({ keyAltNames: `tenant:${tenantId}` });
    expect(keys).toBe(1);
  });

  it('makes the workflow findable by tenant and kind without personal data', async () => {
    const tenantId = `gama${uniqueSuffix()}`;
    const res = await request(stack.app)
      .post('/api/v1/diagnostics/encryption-probe')
      .set('Authorization', `Bearer ${stack.platformToken}`)
      .send({ tenantId });
    const description = await stack.client.workflow.getHandle(res.body.workflowId).describe();
    expect(description.typedSearchAttributes.get(TenantIdKey)).toBe(tenantId);
    expect(description.typedSearchAttributes.get(WorkflowKindKey)).toBe('encryption-probe');
  });
});
