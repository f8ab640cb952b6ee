/** Builders for tenants and API keys through the real API and the real key store. */
import type { Express } from 'express';
import { createApiKey } from '../../src/auth/api-keys';
import { features } from '../../src/auth/permissions';
import { ANY_FIELD, fullPermissions, type Permissions } from '../../src/auth/principal';
import type { DataLayer } from '../../src/db/open';
import request from 'supertest';
import { uniqueSuffix } from './services';

/**
 * The data layer behind each test app (set by startAppStack): a tenant's first full key is
 * made the way its admin's would be, since platform-minted keys see personal fields masked.
 */
export const stackData = new WeakMap<Express, DataLayer>();

/**
 * Creates an active tenant through the platform API; returns its id and an all-scopes API key
 * with every list and field (as the tenant's first admin would create for an integration).
 */
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
  const data = stackData.get(app);
  if (!data) throw new Error('buildTenant needs an app made by startAppStack');
  const { key } = await createApiKey(data.tenants.control, {
    tenantId: created.body.id,
    name: 'tests',
    permissions: fullPermissions(features),
    createdBy: 'tests',
  });
  return { tenantId: created.body.id as string, apiKey: key };
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
