/**
 * The suppression list on a real tenant database: the secret is created once even when the
 * first uses race (every process then computes the same keys), stored only as ciphertext, and
 * the keys identify addresses without containing them.
 */
import { MongoClient } from 'mongodb';
import { isCiphertext } from '../../src/db/encrypted-field';
import type { TenantScope } from '../../src/db/tenant-access';
import {
  assertNotSuppressed,
  suppress,
  suppressedAmong,
  suppressionKeysOf,
} from '../../src/rights/suppression';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('suppression list', () => {
  let stack: AppStack;
  let tenant: TenantScope;
  let plain: MongoClient;
  beforeAll(async () => {
    stack = await startAppStack();
    plain = await new MongoClient(testServices().mongoUri).connect();
    const { tenantId } = await buildTenant(stack.app, stack.platformToken);
    tenant = await stack.data.tenants.forTenant(tenantId);
  });
  afterAll(async () => {
    await plain?.close();
    await stack?.stop();
  });

  it('creates one secret when first uses race, and keeps it encrypted', async () => {
    const keys = await Promise.all(
      Array.from({ length: 8 }, () => suppressionKeysOf(tenant, ['racer@example.test'])),
    );
    expect(new Set(keys.map((k) => k[0])).size).toBe(1);
    const stored = await plain
      .db(tenant.databaseName)
      .collection('tenant_secrets')
      .find()
      .toArray();
    expect(stored).toHaveLength(1);
    expect(isCiphertext(stored[0]!.value)).toBe(true);
  });

  it('refuses a suppressed address only, by a key that does not contain it', async () => {
    await suppress(tenant, 'gone@example.test', 'r1');
    await suppress(tenant, 'gone@example.test', 'r2'); // again: nothing more
    await expect(assertNotSuppressed(tenant, 'gone@example.test')).rejects.toMatchObject({
      id: 'suppressed',
    });
    await expect(assertNotSuppressed(tenant, 'kept@example.test')).resolves.toBeUndefined();
    expect(await suppressedAmong(tenant, ['kept@example.test', 'gone@example.test'])).toEqual(
      new Set(['gone@example.test']),
    );
    const docs = await plain.db(tenant.databaseName).collection('suppressions').find().toArray();
    expect(docs).toEqual([
      { _id: expect.stringMatching(/^[0-9a-f]{64}$/), at: expect.any(Date), requestId: 'r1' },
    ]);
  });
});
