/**
 * Database naming. One database per tenant keeps tenants apart at the storage level; the
 * optional prefix lets several installs (or test runs) share one MongoDB deployment.
 * Names stay within `^[a-zA-Z0-9_-]{1,63}$`, which every MongoDB-wire server accepts.
 */

/** Opaque tenant ids: lowercase letters and digits, so they are safe in names and ids. */
export const tenantIdPattern = /^[a-z0-9]{6,32}$/;

/** The database names of one install. */
export interface DatabaseNames {
  control: string;
  keyVault: string;
  keyVaultNamespace: string;
  tenant(tenantId: string): string;
}

/** Builds the database names for an install prefix. */
export function databaseNames(prefix: string): DatabaseNames {
  const keyVault = `${prefix}cf_keyvault`;
  return {
    control: `${prefix}cf_control`,
    keyVault,
    keyVaultNamespace: `${keyVault}.datakeys`,
    tenant(tenantId) {
      if (!tenantIdPattern.test(tenantId)) throw new Error('invalid tenant id');
      return `${prefix}t_${tenantId}`;
    },
  };
}
