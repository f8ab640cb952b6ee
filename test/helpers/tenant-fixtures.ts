/** Builders for tenants and API keys through the real API and the real key store. */
import type { Express } from 'express';
import { createApiKey } from '../../src/auth/api-keys';
import { ANY_FIELD, type Permissions } from '../../src/auth/principal';
import type { DataLayer } from '../../src/db/open';
import request from 'supertest';
import { uniqueSuffix } from './services';

/** Creates an active tenant through the platform API; returns its id and an all-scopes API key. */
export async function buildTenant(
  app: Express,
  platformToken: string,
  overrides: { name?: string; email?: string } = {},
) {
  const suffix = uniqueSuffix();
  const created = await request(app)
    .post('/api/v1/tenants')
    .set('Authorization', `Bearer ${platformToken}`)
    .send({
      name: overrides.name ?? `Tenant ${suffix}`,
      admin: {
        email: overrides.email ?? `admin-${suffix}@example.test`,
        initialPassword: 'correct horse battery staple',
      },
    });
  if (created.status !== 201)
    throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const key = await request(app)
    .post(`/api/v1/tenants/${created.body.id}/api-keys`)
    .set('Authorization', `Bearer ${platformToken}`)
    .send({ name: 'tests' });
  if (key.status !== 201)
    throw new Error(`key creation failed: ${key.status} ${JSON.stringify(key.body)}`);
  return { tenantId: created.body.id as string, apiKey: key.body.key as string };
}

/**
 * Creates an API key of a tenant with exactly these permissions (features, lists, fields),
 * as a key created by a restricted user would carry them.
 */
export async function buildApiKey(
  data: DataLayer,
  tenantId: string,
  permissions: Partial<Permissions> & Pick<Permissions, 'features'>,
): Promise<string> {
  const { key } = await createApiKey(data.tenants.control, {
    tenantId,
    name: `key ${uniqueSuffix()}`,
    permissions: { lists: 'all', fields: { [ANY_FIELD]: 'edit' }, ...permissions },
    createdBy: 'tests',
  });
  return key;
}
