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

/** Workflow kinds, as shown in the `ConsentflowKind` search attribute and workflow ids. */
export const workflowKinds = {
  encryptionProbe: 'encryption-probe',
} as const;

/** Builds a workflow id `<kind>:<tenantId>:<opaqueId>`; never put personal data in it. */
export function workflowId(kind: string, tenantId: string, opaqueId: string): string {
  return `${kind}:${tenantId}:${opaqueId}`;
}
