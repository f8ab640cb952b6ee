/**
 * Bulk inserts go through the driver, not mongoose documents, so the schema's guard is
 * applied by insertBatched: plaintext in a personal field, or a field the schema does not
 * know, is refused for every document of a batch (not only the first, which is also cast
 * whole), and nothing of that batch is written.
 */
import { randomBytes } from 'node:crypto';
import { Binary, MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { insertBatched } from '../../src/db/bulk-write';
import { contactModel } from '../../src/db/models/contact';
import { createOdm } from '../../src/db/odm';
import { testServices, uniqueSuffix } from '../helpers/services';

describe('bulk insert guard', () => {
  let client: MongoClient;
  let Contact: ReturnType<typeof contactModel>;
  beforeAll(async () => {
    client = await new MongoClient(testServices().mongoUri).connect();
    Contact = contactModel(createOdm(client).useDb(`guard${uniqueSuffix()}`));
  });
  afterAll(async () => {
    await Contact.db.dropDatabase();
    await client?.close();
    await mongoose.disconnect();
  });

  const ciphertext = () => new Binary(randomBytes(80), Binary.SUBTYPE_ENCRYPTED);
  const contact = (id: string, overrides: Record<string, unknown> = {}) => ({
    _id: id,
    email: ciphertext(),
    details: ciphertext(),
    lists: { l1: { status: 'active', subscribedAt: new Date() } },
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  });

  it('inserts ciphertext documents and reports the ids that exist already', async () => {
    expect(await insertBatched(Contact, [contact('c1'), contact('c2')])).toEqual(new Set());
    expect(await insertBatched(Contact, [contact('c2'), contact('c3')])).toEqual(new Set(['c2']));
    expect(await Contact.countDocuments()).toBe(3);
  });

  it.each([
    ['plaintext in a personal field', { details: { firstName: 'Ada' } }],
    ['a plaintext email', { email: 'ada@example.test' }],
    ['a field the schema does not know', { firstName: 'Ada' }],
  ])('refuses %s anywhere in a batch and writes nothing of it', async (_, bad) => {
    const before = await Contact.countDocuments();
    await expect(
      insertBatched(Contact, [
        contact(`ok${uniqueSuffix()}`),
        contact(`bad${uniqueSuffix()}`, bad),
      ]),
    ).rejects.toThrow(/not in the schema|unencrypted data/);
    await expect(
      insertBatched(Contact, [contact(`bad${uniqueSuffix()}`, bad)]), // first of its batch: cast whole
    ).rejects.toThrow();
    expect(await Contact.countDocuments()).toBe(before);
  });
});
