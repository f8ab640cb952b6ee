import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

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
  rightsRequest: 'rights-request',
  webhookDelivery: 'webhook-delivery',
  webhookSweep: 'webhook-sweep',
  automationRun: 'automation',
  automationSweep: 'automation-sweep',
  campaignSend: 'campaign',
  accessReview: 'access-review',
  supportAccess: 'support-access',
  tenantBackup: 'tenant-backup',
  tenantRestore: 'tenant-restore',
} as const;

/**
 * Input of a list's double opt-in workflow: the list, and what an earlier run handed on when it
 * continued as new. The subscriptions themselves are data in the tenant database (requests,
 * their deadlines and the mail outbox), never workflow payloads.
 */
export interface DoubleOptInInput {
  tenantId: string;
  listId: string;
  /** From the run before (continue-as-new): what it knew and counted. */
  carried?: DoubleOptInStatus;
}

/** The parts of a subscription request the proof of its confirmation repeats. */
export interface RequestProof {
  sourceKind: 'form' | 'api' | 'import' | 'automation';
  /** Form id, API key id, user id or import id. */
  sourceId: string;
  textVersion: string;
  textHash: string;
}

/** Input of a tenant's double opt-in sweep. */
export interface DoubleOptInSweepInput {
  tenantId: string;
}

/** How a recipient acted on a link: when, and from where (personal data; payloads are encrypted). */
export interface LinkUse {
  at: string;
  ip?: string;
  userAgent?: string;
}

/** One round of a list's double opt-in: what it did and what is left. */
export interface DoubleOptInRound {
  /** Confirmation mails and reminders sent. */
  sent: number;
  reminders: number;
  /** Requests erased unconfirmed, and confirmations finished after a crash of the page. */
  erased: number;
  repaired: number;
  /**
   * The earliest deadline (reminder, erasure, repair; ISO) known after the round: of every
   * pending request when the round looked at deadlines, else of the requests it mailed. Null:
   * none.
   */
  nextDeadline: string | null;
  /** Pending requests of the list, when the round looked at deadlines. */
  pending?: number;
}

/** What a list's double opt-in workflow shows ops (the `status` query). */
export interface DoubleOptInStatus {
  /** The earliest deadline it waits for (ISO), null when none. */
  nextDeadline: string | null;
  /** Pending requests at the last look at deadlines. */
  pending: number;
  /** Totals since the workflow first started (carried over continue-as-new). */
  sent: number;
  reminders: number;
  erased: number;
  repaired: number;
  rounds: number;
  lastRoundAt: string | null;
}

/** How a list's double opt-in workflow ended: nothing was left pending. */
export interface DoubleOptInResult {
  outcome: 'idle';
  status: DoubleOptInStatus;
}

/**
 * New work for a list's double opt-in: requests in the outbox, or (with `dueBy`) a deadline
 * that came earlier than any known, such as a request withdrawn from its own mail.
 */
export const wakeSignal = defineSignal<[Wake]>('wake');

/** The wake signal's argument. */
export interface Wake {
  dueBy?: string;
}

/** What the list's double opt-in is doing: counts, deadlines, totals; no personal data. */
export const statusQuery = defineQuery<DoubleOptInStatus>('status');

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

/** The law's limit: a tenant's data is gone at most this many days after its contract ends. */
export const MAX_DELETION_DAYS = 20;
/**
 * Days kept between the latest start of a deletion and the law's limit: time for a deletion
 * step that keeps failing to be retried, and for the operator it alerts to fix the cause.
 */
export const DELETION_MARGIN_DAYS = 3;
/** The longest export window: the deletion starts at its end, the margin before the limit. */
export const MAX_EXPORT_WINDOW_DAYS = MAX_DELETION_DAYS - DELETION_MARGIN_DAYS;

/**
 * When a tenant's contract ends and when its data is deleted (ISO times); the export window
 * lies between the two, at most MAX_EXPORT_WINDOW_DAYS.
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

/**
 * A notice to the tenant's admins about its contract's end: the export window has begun, or
 * the deletion is near. Sent once per notice and plan (a moved end sends them again).
 */
export interface ContractNoticeInput extends ContractTerminationInput {
  notice: 'export-window' | 'deletion-soon';
}

/** A deletion step that keeps failing, for the operator: which, and by when it must be done. */
export interface DeletionAlertInput {
  tenantId: string;
  step: string;
  /** The law's deadline (ISO): 20 days after the contract's end. */
  deadline: string;
  /** The failure's type (never its message, which may quote stored data). */
  failure: string;
  /** Whether the workflow retries after the alert, or has stopped for a person to act. */
  retrying: boolean;
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

/** A rights request's status as its workflow and the API show it. */
export type RightsStatus = 'verifying' | 'in_progress' | 'completed' | 'rejected' | 'overdue';

/** Input of a rights request's workflow: opaque ids only; the request itself is data. */
export interface RightsRequestInput {
  tenantId: string;
  requestId: string;
  /** Its status when started (a search attribute from the start). */
  initialStatus: 'verifying' | 'in_progress';
}

/** What the rights request workflow knows, for the `status` query and its result. */
export interface RightsRequestState {
  status: RightsStatus;
  /** ISO times. */
  dueAt: string;
  remindersSent: number;
  escalated: boolean;
  completedAt?: string;
}

/** Outcome of a rights request's workflow. */
export interface RightsRequestResult {
  outcome: 'completed' | 'rejected';
  state: RightsRequestState;
}

/** Identity verified (by the subject's link, or by staff); who is recorded by the sender. */
export const rightsVerifiedSignal = defineSignal('rightsVerified');
/** The due date moved (an extension): the workflow reads it again. */
export const rightsDeadlineMovedSignal = defineSignal('rightsDeadlineMoved');
/** What a rights request's workflow knows. */
export const rightsStatusQuery = defineQuery<RightsRequestState>('rightsStatus');

/** Input of one webhook delivery's workflow: the delivery (its body and endpoint are data). */
export interface WebhookDeliveryInput {
  tenantId: string;
  deliveryId: string;
}

/** How a webhook delivery ended: answered 2xx, given up, or its endpoint deleted meanwhile. */
export interface WebhookDeliveryResult {
  outcome: 'delivered' | 'failed' | 'gone';
}

/** Input of a tenant's webhook sweep. */
export interface WebhookSweepInput {
  tenantId: string;
}

/**
 * Input of one contact's run through an automation: opaque ids and the published version it
 * entered with (0 for a test of the draft, whose definition the run's record keeps).
 */
export interface AutomationRunInput {
  tenantId: string;
  automationId: string;
  contactId: string;
  /** The run's number for this contact (`3`), or a test run's (`t<time>`). */
  run: string;
  version: number;
  /**
   * What the run starts with, read from its version by whoever entered the contact (runs
   * started before this was passed read it with the `enterAutomationRun` activity).
   */
  start?: { node: string; exitOn: string[]; goals: boolean };
  /** Where a run that continued as new goes on, and what it knew. */
  resume?: { node: string; exitOn: string[]; goals: boolean; steps: number };
}

/** How a run ended: at an end or goal node, left early (exit event, archive…), or failed. */
export interface AutomationRunResult {
  outcome: 'completed' | 'exited' | 'failed';
  reason?: string;
  steps: number;
}

/**
 * What the step activity tells the run to do next: go on to a node, sleep (a delay, quiet
 * hours) until an instant, wait for an event (by its key) until a timeout, hold while the
 * automation is paused, or end (recorded by the activity).
 */
export type AutomationInstruction =
  | { do: 'go'; next: string }
  | { do: 'sleep'; until: string; next: string }
  | {
      do: 'await';
      key: string;
      until: string;
      onEvent: string;
      onTimeout: string;
      /** The waiting node (a chain may have run steps before it); absent in older histories. */
      node?: string;
    }
  | { do: 'hold' }
  | { do: 'end'; outcome: 'completed' | 'exited'; reason?: string };

/**
 * Something happened to the contact that runs may be waiting for, by key: `custom:<name>`,
 * `confirmation:<listId>`, `field:<field>`. Names and ids only.
 */
export interface AutomationEvent {
  keys: string[];
}

/** An event for the contact's run (a wait, an exit event, a goal). */
export const automationEventSignal = defineSignal<[AutomationEvent]>('automationEvent');

/** The automation was resumed (held runs go on) or archived (every run ends). */
export const automationControlSignal =
  defineSignal<[{ action: 'resume' | 'archive' }]>('automationControl');

/** Where a run is, for ops in the Temporal Web UI. */
export interface AutomationRunState {
  node: string;
  status: 'running' | 'sleeping' | 'waiting_for_event' | 'held';
  until?: string;
  steps: number;
}

/** Where a run is. */
export const automationRunQuery = defineQuery<AutomationRunState>('automationRun');

/** Input of a tenant's automation sweep. */
export interface AutomationSweepInput {
  tenantId: string;
}

/** What a sweep did: members looked at and runs started. */
export interface AutomationSweepResult {
  automations: number;
  visited: number;
  entered: number;
}

/** Input of a campaign's send: the campaign, and where a run that continued as new goes on. */
export interface CampaignSendInput {
  tenantId: string;
  campaignId: string;
  /** Recipients per batch (default 100). */
  batchSize?: number;
  /** Batches before the run continues as new (default 500; sooner when Temporal suggests). */
  batchesPerRun?: number;
  resume?: CampaignProgress;
}

/** Where a campaign's send stands (counts and the last recipient handled; ids only). */
export interface CampaignProgress {
  status: 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';
  recipients: number;
  sent: number;
  skipped: number;
  /** The last recipient record handled (`<campaignId>:<contactId>`). */
  cursor?: string;
}

/** What one batch of a campaign's send did, and how fast the tenant may send. */
export interface CampaignBatchResult {
  sent: number;
  skipped: number;
  last?: string;
  /** Whether no queued recipient is left after this batch. */
  done: boolean;
  /** The tenant's sending rate, in messages per second. */
  ratePerSecond: number;
}

/** Pauses, resumes or cancels a campaign's send; answered with where it then stands. */
export const campaignControlUpdate = defineUpdate<
  CampaignProgress,
  [{ action: 'pause' | 'resume' | 'cancel' }]
>('campaignControl');

/** Where a campaign's send stands. */
export const campaignProgressQuery = defineQuery<CampaignProgress>('campaignProgress');

/**
 * Input of a tenant's access review: its id when an admin started it (the Schedule's runs
 * have none, and the review's id derives from the run's workflow id).
 */
export interface AccessReviewInput {
  tenantId: string;
  reviewId?: string;
  /** The admin (user id) who started it. */
  startedBy?: string;
}

/** What opening a review found: its id, its due date (ISO) and the entries it flagged. */
export interface AccessReviewOpened {
  reviewId: string;
  dueAt: string;
  flaggedUsers: string[];
  flaggedApiKeys: string[];
}

/** How a review ended: what was disabled, and what admins confirmed. */
export interface AccessReviewResult {
  reviewId: string;
  usersDisabled: number;
  apiKeysRevoked: number;
  confirmed: number;
}

/** Flagged entries an admin keeps (ids checked against the review by the api first). */
export interface AccessReviewConfirmation {
  userIds: string[];
  apiKeyIds: string[];
  /** The confirming user's id. */
  by: string;
}

/**
 * An admin keeps entries of an open review: answered `confirmed` once recorded, or
 * `completed` when the review has ended (or is ending) already.
 */
export const confirmAccessReviewUpdate = defineUpdate<
  'confirmed' | 'completed',
  [AccessReviewConfirmation]
>('confirmAccessReview');

/** Input of a support-access request's workflow: the request (its record holds the rest). */
export interface SupportAccessInput {
  tenantId: string;
  grantId: string;
  hours: number;
}

/** An admin's decision on a support-access request, and who made it (user id). */
export interface SupportAccessDecision {
  decision: 'approve' | 'deny' | 'revoke';
  by: string;
}

/** How a support-access request ended. */
export interface SupportAccessResult {
  outcome: 'denied' | 'revoked' | 'expired';
  /** Whether it was ever approved. */
  approved: boolean;
}

/**
 * An admin decides: approve or deny a pending request, revoke an approved grant. Answered with
 * the status once recorded; refused (validator) when the request is not in a state the
 * decision applies to.
 */
export const supportAccessDecisionUpdate = defineUpdate<
  'approved' | 'denied' | 'revoked',
  [SupportAccessDecision]
>('supportAccessDecision');

/** Input of a tenant's backup: its id when the api chose it (a Schedule's runs have none). */
export interface TenantBackupRef {
  tenantId: string;
  backupId?: string;
}

/** What a backup run did: the backup written (none when the tenant is gone) and what it pruned. */
export interface TenantBackupResult {
  backupId: string | null;
  documents: number;
  size: number;
  pruned: string[];
}

/** Input of a restore: the backup, and the restore's id (the new database's suffix). */
export interface TenantRestoreInput {
  tenantId: string;
  backupId: string;
  restoreId: string;
  /** How long the replaced database stays after the switch (default 1 minute). */
  followSwitchMs?: number;
}

/** Where a restore is: which one it is, and its step (the `restoreProgress` query). */
export interface RestoreProgress {
  restoreId: string;
  backupId: string;
  step: 'loading' | 'replaying' | 'switching' | 'following' | 'dropping' | 'done';
}

/** A restore's progress; answered by running and closed runs alike. */
export const restoreProgressQuery = defineQuery<RestoreProgress>('restoreProgress');

/** How a restore went (database names and counts only). */
export interface TenantRestoreResult {
  database: string;
  documents: number;
  erasuresReplayed: number;
  /** False when the tenant was gone by then: nothing was switched. */
  switched: boolean;
  dropped: string[];
}
