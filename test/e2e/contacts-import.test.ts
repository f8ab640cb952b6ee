/**
 * Lists, imports and contacts through the API with an integrator key, against the real
 * services: rows validated by line, good rows kept, consent proof stored encrypted, exact
 * search by email, tenant isolation, and a raw scan that finds no plaintext anywhere.
 */
import { BSON, MongoClient } from 'mongodb';
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('contact imports', () => {
  let stack: AppStack;
  let raw: MongoClient;
  let tenant: { tenantId: string; apiKey: string };
  let other: { tenantId: string; apiKey: string };
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    stack = await startAppStack();
    raw = await new MongoClient(testServices().mongoUri).connect();
    tenant = await buildTenant(stack.app, stack.platformToken);
    other = await buildTenant(stack.app, stack.platformToken);
  });
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  async function createList(key: string, name = 'Newsletter') {
    const res = await request(stack.app).post('/api/v1/lists').set(as(key)).send({ name });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function runImport(key: string, listId: string, body: string | Buffer, type = 'text/csv') {
    const res = await request(stack.app)
      .post(`/api/v1/lists/${listId}/imports?consent=existing`)
      .set(as(key))
      .set('Content-Type', type)
      .send(body);
    if (res.status !== 202) return res;
    await stack.client.workflow.getHandle(res.body.workflowId).result();
    return request(stack.app).get(`/api/v1/imports/${res.body.id}`).set(as(key));
  }

  const marker = uniqueSuffix();
  const people = {
    ada: {
      email: `Ada.Lovelace.${marker}@Example.test`,
      phone: '+44 20 7946 0000',
      first: `Ada${marker}`,
      last: `Lovelace${marker}`,
    },
    alan: { email: `alan.${marker}@example.test`, first: `Alan${marker}`, last: `Turing${marker}` },
  };
  const consentIp = '203.0.113.77';

  it('imports good rows, reports bad ones by line with a reason, and keeps consent proof', async () => {
    const listId = await createList(tenant.apiKey);
    const csv = [
      'email,phone,firstName,lastName,consentedAt,consentIp,consentSource,favouriteColour',
      `${people.ada.email},${people.ada.phone},${people.ada.first},${people.ada.last},2025-03-01T10:00:00Z,${consentIp},signup form v3,teal`,
      `not-an-email,,Bad,Row,,,,`,
      `broken-${marker}@example.test,,Al"an,T,,,,`,
      `${people.alan.email},,${people.alan.first},${people.alan.last},,,,`,
      `also-bad@example.test,030 1234567,No,Country,,,,`,
    ].join('\n');
    const status = await runImport(tenant.apiKey, listId, csv);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      status: 'completed',
      total: 5,
      imported: 2,
      rejectedCount: 3,
    });
    expect(status.body.rejected).toEqual([
      { line: 3, reason: 'email: not a valid email address' },
      { line: 4, reason: 'broken quoting' },
      { line: 6, reason: 'phone: not a valid international number (+country code)' },
    ]);

    const search = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email: people.ada.email.toUpperCase() })
      .set(as(tenant.apiKey));
    expect(search.status).toBe(200);
    expect(search.body.contacts).toHaveLength(1);
    const ada = search.body.contacts[0];
    expect(ada).toMatchObject({
      email: people.ada.email.toLowerCase(),
      phone: '+442079460000',
      firstName: people.ada.first,
      lastName: people.ada.last,
      fields: { favouriteColour: 'teal' },
      lists: [
        {
          listId,
          status: 'active',
          subscribedAt: '2025-03-01T10:00:00.000Z',
          confirmedAt: '2025-03-01T10:00:00.000Z',
        },
      ],
    });

    const read = await request(stack.app).get(`/api/v1/contacts/${ada.id}`).set(as(tenant.apiKey));
    expect(read.body.consent).toEqual([
      expect.objectContaining({
        listId,
        action: 'confirmed',
        at: '2025-03-01T10:00:00.000Z',
        ip: consentIp,
        source: expect.objectContaining({ kind: 'import', detail: 'signup form v3' }),
      }),
    ]);
  });

  it('re-importing the same file changes nothing (upserts by identity)', async () => {
    const listId = await createList(tenant.apiKey, 'Again');
    const csv = `email,firstName\n${people.alan.email},${people.alan.first}\n`;
    await runImport(tenant.apiKey, listId, csv);
    await runImport(tenant.apiKey, listId, csv);
    const search = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email: people.alan.email })
      .set(as(tenant.apiKey));
    expect(search.body.contacts).toHaveLength(1);
    expect(
      search.body.contacts[0].lists.filter((m: { listId: string }) => m.listId === listId),
    ).toHaveLength(1);
  });

  it('a later import merges its fields into an existing contact and keeps the others', async () => {
    const listId = await createList(tenant.apiKey, 'Merge');
    const email = `grace.${marker}@example.test`;
    await runImport(tenant.apiKey, listId, `email,firstName,team\n${email},Grace,navy\n`);
    // Twice in one file: the second row is merged after the first.
    const again = await runImport(
      tenant.apiKey,
      listId,
      `email,lastName,rank\n${email},Hopper,captain\n${email},,admiral\n`,
    );
    expect(again.body).toMatchObject({ status: 'completed', imported: 2, rejectedCount: 0 });
    const search = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email })
      .set(as(tenant.apiKey));
    expect(search.body.contacts).toHaveLength(1);
    expect(search.body.contacts[0]).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      fields: { team: 'navy', rank: 'admiral' },
    });
  });

  it('accepts NDJSON and refuses objects where a value belongs', async () => {
    const listId = await createList(tenant.apiKey, 'Json');
    const ndjson = [
      JSON.stringify({ email: `json.${marker}@example.test`, firstName: 'Jay' }),
      JSON.stringify({ email: { $gt: '' } }),
      '{ not json',
      JSON.stringify({ email: `json2.${marker}@example.test`, 'bad key!': 'x' }),
    ].join('\n');
    const status = await runImport(tenant.apiKey, listId, ndjson, 'application/x-ndjson');
    expect(status.body).toMatchObject({
      status: 'completed',
      total: 4,
      imported: 1,
      rejectedCount: 3,
    });
    expect(status.body.rejected.map((r: { line: number }) => r.line)).toEqual([2, 3, 4]);
  });

  it('refuses a file that is not UTF-8 as a whole, importing nothing', async () => {
    const listId = await createList(tenant.apiKey, 'Latin1');
    const latin1 = Buffer.from(`email,firstName\nzoe.${marker}@example.test,Zo\xe9\n`, 'latin1');
    const res = await runImport(tenant.apiKey, listId, latin1);
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe('invalid_encoding');
    const search = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email: `zoe.${marker}@example.test` })
      .set(as(tenant.apiKey));
    expect(search.body.contacts).toEqual([]);
  });

  it('refuses wrong content types and unknown lists', async () => {
    const listId = await createList(tenant.apiKey, 'Types');
    const wrongType = await request(stack.app)
      .post(`/api/v1/lists/${listId}/imports`)
      .set(as(tenant.apiKey))
      .set('Content-Type', 'application/pdf')
      .send('x');
    expect(wrongType.status).toBe(415);
    const unknown = await runImport(tenant.apiKey, 'lnosuchlist', 'email\na@example.test\n');
    expect(unknown.status).toBe(404);
  });

  it("keeps tenants apart: another tenant gets 404 for this tenant's list, contact and import", async () => {
    const listId = await createList(tenant.apiKey, 'Private');
    const search = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email: people.ada.email })
      .set(as(tenant.apiKey));
    const contactId = search.body.contacts[0].id;
    expect(
      (await request(stack.app).get(`/api/v1/lists/${listId}`).set(as(other.apiKey))).status,
    ).toBe(404);
    expect(
      (await request(stack.app).get(`/api/v1/contacts/${contactId}`).set(as(other.apiKey))).status,
    ).toBe(404);
    const otherSearch = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email: people.ada.email })
      .set(as(other.apiKey));
    expect(otherSearch.body.contacts).toEqual([]);
    const wrongKey = await request(stack.app)
      .get(`/api/v1/lists/${listId}`)
      .set(as('cfk_0000000000000000_' + 'A'.repeat(43)));
    expect(wrongKey.status).toBe(401);
  });

  it("cannot decrypt one tenant's ciphertext with another tenant's key", async () => {
    const doc = await raw
      .db(stack.data.names.tenant(tenant.tenantId))
      .collection('contacts')
      .findOne({});
    const ciphertext = Buffer.from((doc!.details as { buffer: Uint8Array }).buffer);
    // Bytes 1-16 of a CSFLE ciphertext name the data key; point them at the other tenant's key.
    const otherKeyId = await stack.data.encryption.ensureTenantKey(other.tenantId);
    const forged = Buffer.concat([
      ciphertext.subarray(0, 1),
      Buffer.from(otherKeyId.buffer),
      ciphertext.subarray(17),
    ]);
    await expect(stack.data.encryption.decrypt(new BSON.Binary(forged, 6))).rejects.toThrow();
  });

  it('leaves no plaintext email, name, phone or IP in any database or workflow history', async () => {
    const secrets = [
      people.ada.email.toLowerCase(),
      people.ada.first,
      people.ada.last,
      '+442079460000',
      consentIp,
      people.alan.email.toLowerCase(),
      people.alan.first,
      people.alan.last,
      'signup form v3',
      'favouriteColour', // custom field names are encrypted with their values
    ];
    const names = stack.data.names;
    const databases = [names.tenant(tenant.tenantId), names.control, names.keyVault];
    for (const dbName of databases) {
      for (const { name } of await raw.db(dbName).listCollections().toArray()) {
        for (const doc of await raw.db(dbName).collection(name).find().toArray()) {
          const bytes = Buffer.from(BSON.serialize(doc)).toString('latin1');
          for (const secret of secrets)
            expect(bytes.includes(secret) ? `${dbName}.${name} holds ${secret}` : 'clean').toBe(
              'clean',
            );
        }
      }
    }
    const workflows = stack.client.workflow.list({ query: `TenantId = '${tenant.tenantId}'` });
    let histories = 0;
    for await (const wf of workflows) {
      const history = JSON.stringify(
        await stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory(),
      );
      for (const secret of secrets)
        expect(history.includes(secret) ? `${wf.workflowId} holds ${secret}` : 'clean').toBe(
          'clean',
        );
      histories += 1;
    }
    expect(histories).toBeGreaterThanOrEqual(3); // provisioning and the imports
  });
});
