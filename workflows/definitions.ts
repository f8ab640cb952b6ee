/**
 * Inputs, results, signals and queries of the workflows: the contract shared by the api
 * (which starts them) and the worker. Plain types only, safe for the workflow sandbox.
 */

/** Input of the encryption probe. Opaque ids only. */
export interface EncryptionProbeInput {
  tenantId: string;
  probeId: string;
}

/** Outcome of the encryption probe. */
export interface EncryptionProbeResult {
  probeId: string;
  verified: true;
}

/** Identifies a tenant; the input of tenant lifecycle workflows (nothing personal in it). */
export interface TenantRef {
  tenantId: string;
}

/** Outcome of tenant provisioning. */
export interface TenantProvisioningResult {
  tenantId: string;
  status: 'active';
}

/** Identifies an import; the input of the import workflow. */
export interface ImportRef {
  tenantId: string;
  importId: string;
}

/** Workflow kinds, as shown in the `ConsentflowKind` search attribute and workflow ids. */
export const workflowKinds = {
  encryptionProbe: 'encryption-probe',
  tenantProvisioning: 'tenant-provisioning',
  tenantShredding: 'tenant-shredding',
  contactImport: 'contact-import',
} as const;

/** Builds a workflow id `<kind>:<tenantId>:<opaqueId>`; never put personal data in it. */
export function workflowId(kind: string, tenantId: string, opaqueId: string): string {
  return `${kind}:${tenantId}:${opaqueId}`;
}
