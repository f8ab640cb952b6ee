/**
 * The stable `type` of every permanent failure. An activity that meets a condition no
 * retry can change throws `ApplicationFailure.nonRetryable(message, type)` with one of
 * these, and the workflows that call it list the type in `nonRetryableErrorTypes`; a
 * workflow that fails itself on purpose does so with one of the workflow types. Messages
 * name opaque ids only, never an address, a name or an IP: they are kept in the history.
 *
 * Not listed here on purpose: a value that comes back still encrypted (a DKIM key, a
 * contact's details) means its tenant's data key is gone, i.e. the tenant is being
 * crypto-shredded. The shredding terminates the tenant's workflows, so such a retry ends
 * with them, and a step racing the shredding leaves no failure of its own in the history.
 *
 * A plain module without imports, safe for the workflow sandbox and for activities alike.
 */

/** Types activities fail with when retrying cannot help. */
export const activityFailures = {
  /** A rights request's record is gone (its workflow has nothing to answer). */
  rightsRequestMissing: 'RightsRequestMissing',
  /** An activity that keys its steps by the workflow run was run outside a workflow. */
  notInWorkflow: 'NotInWorkflow',
  /** The tenant's control record is gone (provisioning). */
  tenantMissing: 'TenantMissing',
  /** Deletion was asked of a tenant the termination did not freeze. */
  tenantNotFrozen: 'TenantNotFrozen',
  /** A deletion certificate was asked for a tenant not (yet) deleted. */
  tenantNotDeleted: 'NotDeleted',
  /** The encryption probe's document is not there to read back. */
  probeMissing: 'ProbeMissing',
  /** The encryption probe's field came back still encrypted. */
  probeNotDecrypted: 'ProbeNotDecrypted',
  /** The import record is gone. */
  importMissing: 'ImportMissing',
  /** The list a double opt-in import subscribes to is gone. */
  listMissing: 'ListMissing',
  /** An automation run's record (or its version) is gone: the run has nothing to interpret. */
  automationRunMissing: 'AutomationRunMissing',
  /** The campaign, its template version or its tenant's data is gone. */
  campaignMissing: 'CampaignMissing',
  /** An access review's record is gone (the tenant was deleted meanwhile). */
  accessReviewMissing: 'AccessReviewMissing',
  /** A backup to restore is unknown, another tenant's, damaged, or its key is gone. */
  backupUnusable: 'BackupUnusable',
  /** The mail relay refused messages (retryable: the relay may be back later). */
  relayRefused: 'RelayRefused',
} as const;

/** Types workflows fail themselves with. */
export const workflowFailures = {
  /** The import could not be completed (recorded on the import). */
  importFailed: 'ImportFailed',
  /** Provisioning failed and was undone. */
  tenantProvisioningFailed: 'TenantProvisioningFailed',
  /** The encryption probe read back something other than it wrote. */
  encryptionProbeMismatch: 'EncryptionProbeMismatch',
} as const;
