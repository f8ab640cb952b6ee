import { defineSignal, defineUpdate } from '@temporalio/workflow';

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

/**
 * Workflow kinds, as shown in the `ConsentflowKind` search attribute and workflow ids (both
 * built by the workflow gateway, src/temporal/workflows.ts, from its registry of these kinds).
 */
export const workflowKinds = {
  encryptionProbe: 'encryption-probe',
  tenantProvisioning: 'tenant-provisioning',
  tenantShredding: 'tenant-shredding',
  contactImport: 'contact-import',
  doubleOptIn: 'double-opt-in',
  doubleOptInSweep: 'double-opt-in-sweep',
  consentRenewal: 'consent-renewal',
  consentRenewalSweep: 'consent-renewal-sweep',
  inactivitySweep: 'inactivity-sweep',
  rePermission: 're-permission',
  contractTermination: 'contract-termination',
} as const;

/** Input of the double opt-in workflow: opaque ids and the list's timing, nothing personal. */
export interface DoubleOptInInput {
  tenantId: string;
  listId: string;
  subscriptionId: string;
  contactId: string;
  confirmWithinHours: number;
  /** null: no reminder. */
  reminderAfterHours: number | null;
  /**
   * What the proof of the confirmation repeats from the request: where it came from (opaque
   * ids) and the consent text. Absent in workflows started by earlier versions, whose
   * activation reads it from the stored request.
   */
  proof?: RequestProof;
}

/** The parts of a subscription request the proof of its confirmation repeats. */
export interface RequestProof {
  sourceKind: 'form' | 'api' | 'import';
  /** Form id, API key id, user id or import id. */
  sourceId: string;
  textVersion: string;
  textHash: string;
}

/** Input of a tenant's double opt-in sweep. */
export interface DoubleOptInSweepInput {
  tenantId: string;
  /** Requests stored at least this long ago without a running workflow are started (default 120). */
  graceSeconds?: number;
}

/** How a recipient acted on a link: when, and from where (personal data; payloads are encrypted). */
export interface LinkUse {
  at: string;
  ip?: string;
  userAgent?: string;
}

/** Outcome of a double opt-in. */
export interface DoubleOptInResult {
  /** `withdrawn`: the link was followed after the request was unsubscribed from its mail. */
  outcome: 'confirmed' | 'expired' | 'withdrawn';
}

/** The recipient followed the confirmation link. */
export const confirmSignal = defineSignal<[LinkUse]>('confirm');

/** A list's consent policy, as snapshotted by a renewal cycle. */
export interface ConsentPolicy {
  validityDays: number;
  reminderDaysBefore: number[];
  onExpiry: 'unsubscribe' | 'anonymize' | 'delete';
}

/** Identifies a list; the input of per-list sweeps. */
export interface ListRef {
  tenantId: string;
  listId: string;
}

/** Input of one contact's consent renewal cycle. */
export interface ConsentRenewalInput {
  tenantId: string;
  listId: string;
  contactId: string;
  /** When consent lapses without renewal (ISO). */
  expiresAt: string;
  policy: ConsentPolicy;
}

/** Outcome of a renewal cycle. */
export interface ConsentRenewalResult {
  outcome: 'renewed' | 'expired';
}

/** The recipient followed the renewal link. */
export const renewSignal = defineSignal<[LinkUse]>('renew');

/** A list's inactivity policy. */
export interface InactivityPolicy {
  thresholdDays: number;
  rePermission?: { waitDays: number };
  action: 'unsubscribe' | 'anonymize' | 'delete';
}

/** Input of one contact's re-permission request. */
export interface RePermissionInput {
  tenantId: string;
  listId: string;
  contactId: string;
  policy: InactivityPolicy;
}

/** Outcome of a re-permission request. */
export interface RePermissionResult {
  outcome: 'kept' | 'pruned';
}

/** The recipient asked to stay subscribed. */
export const keepSignal = defineSignal<[LinkUse]>('keep');

/**
 * When a tenant's contract ends and when its data is deleted (ISO times); the export window
 * lies between the two, at most 20 days.
 */
export interface ContractEndPlan {
  endsAt: string;
  deleteAt: string;
  exportWindowDays: number;
}

/** Input of the contract-termination workflow. */
export interface ContractTerminationInput extends ContractEndPlan {
  tenantId: string;
}

/** How a contract termination ended: the tenant deleted (with its certificate), or renewed. */
export interface ContractTerminationResult {
  outcome: 'deleted' | 'renewed';
  certificateId?: string;
}

/**
 * The answer of the termination to a new plan or a renewal: done (`applied`, `renewed`), too
 * late (`deletion-started`), or overridden by a later change before it was recorded
 * (`superseded`).
 */
export type ContractChangeAnswer = 'applied' | 'renewed' | 'deletion-started' | 'superseded';

/**
 * A new end (or export window) for the contract; answered once recorded on the tenant, or
 * `deletion-started` when too late.
 */
export const moveContractEndUpdate = defineUpdate<ContractChangeAnswer, [ContractEndPlan]>(
  'moveContractEnd',
);

/**
 * The contract was renewed: nothing is deleted, the tenant is served again. Answered once the
 * tenant is active, or `deletion-started` when too late.
 */
export const renewContractUpdate = defineUpdate<ContractChangeAnswer>('renewContract');
