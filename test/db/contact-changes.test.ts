/**
 * Changes to existing contacts merge into their one encrypted `details` value: fields not
 * named are kept, null removes a field (or, for `details` itself, all of them), writers
 * running at the same time do not lose each other's fields, and plaintext is refused by
 * the schema's Encrypted type. Against the real database and the decrypting client.
 */
import { Binary, MongoClient } from 'mongodb';
import { isCiphertext } from '../../src/db/encrypted-field';
import { applyContactChanges } from '../../src/db/contact-changes';
import { contactIdFor, type ContactDocument } from '../../src/db/models/contact';
import type { TenantScope } from '../../src/db/tenant-access';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('applyContactChanges', () => {
  let stack: AppStack;
  let tenant: TenantScope;
  let plainClient: MongoClient;
  beforeAll(async () => {
    stack = await startAppStack();
    plainClient = await new MongoClient(testServices().mongoUri).connect();
    const { tenantId } = await buildTenant(stack.app, stack.platformToken);
    tenant = await stack.data.tenants.forTenant(tenantId);
  });
  afterAll(async () => {
    await plainClient?.close();
    await stack?.stop();
  });

  async function newContact() {
    const email = await tenant.searchable(`changes.${uniqueSuffix()}@example.test`);
    const id = contactIdFor(email);
    const at = new Date();
    await tenant.models.Contact.create({
      _id: id,
      email,
      phone: await tenant.searchable('+4930123456'),
      details: await tenant.private({
        firstName: 'Grace',
        lastName: 'Brewster',
        custom: { team: 'navy', rank: 'lieutenant' },
      }),
      lists: {},
      createdAt: at,
      updatedAt: at,
    });
    return id;
  }
  const read = async (id: string) =>
    (await tenant.models.Contact.findById(id).lean()) as ContactDocument;

  it('merges names and custom fields, removes those set to null, and moves updatedAt on', async () => {
    const id = await newContact();
    const before = await read(id);
    const changed = await applyContactChanges(tenant, [
      { id, details: { lastName: 'Hopper', custom: { rank: 'admiral', team: null } } },
      { id, phone: null, details: { custom: { ship: 'Harvard' } } },
      { id: 'c000000000000000000000000', details: { firstName: 'Nobody' } },
    ]);
    expect(changed).toEqual(new Set([id]));
    const after = await read(id);
    expect(after.details).toEqual({
      firstName: 'Grace',
      lastName: 'Hopper',
      custom: { rank: 'admiral', ship: 'Harvard' },
    });
    expect(after.phone).toBeUndefined();
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    // Stored as ciphertext (read without the decrypting client), not as the plain document.
    const raw = await plainClient
      .db(tenant.databaseName)
      .collection('contacts')
      .findOne({ _id: id as never });
    expect(isCiphertext(raw?.details)).toBe(true);
    expect(raw?.phone).toBeUndefined();
  });

  it('removes every name and custom field with details: null', async () => {
    const id = await newContact();
    await applyContactChanges(tenant, [{ id, details: null }]);
    const after = await read(id);
    expect(after.details).toBeUndefined();
    expect(after.phone).toBe('+4930123456');
  });

  it('keeps the fields of writers in this process that run at the same time', async () => {
    const id = await newContact();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        applyContactChanges(tenant, [{ id, details: { custom: { [`f${i}`]: `v${i}` } } }]),
      ),
    );
    expect((await read(id)).details).toEqual({
      firstName: 'Grace',
      lastName: 'Brewster',
      custom: {
        team: 'navy',
        rank: 'lieutenant',
        f0: 'v0',
        f1: 'v1',
        f2: 'v2',
        f3: 'v3',
        f4: 'v4',
        f5: 'v5',
      },
    });
  });

  it('refuses a phone that is not ciphertext and changes nothing', async () => {
    const id = await newContact();
    const plain = new Binary(Buffer.from('+4930999999'));
    await expect(applyContactChanges(tenant, [{ id, phone: plain }])).rejects.toThrow(
      /unencrypted/,
    );
    expect((await read(id)).phone).toBe('+4930123456');
  });
});
