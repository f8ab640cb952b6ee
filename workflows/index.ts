/** Every workflow the worker registers; one workflow per file. */
export { contactImportWorkflow } from './contact-import';
export { encryptionProbeWorkflow } from './encryption-probe';
export { tenantProvisioningWorkflow } from './tenant-provisioning';
export { tenantShreddingWorkflow } from './tenant-shredding';
export { doubleOptInWorkflow } from './double-opt-in';
export { doubleOptInSweepWorkflow } from './double-opt-in-sweep';
export { consentRenewalWorkflow } from './consent-renewal';
export { consentRenewalSweepWorkflow } from './consent-renewal-sweep';
export { inactivitySweepWorkflow } from './inactivity-sweep';
export { rePermissionWorkflow } from './re-permission';
export { contractTerminationWorkflow } from './contract-termination';
export { rightsRequestWorkflow } from './rights-request';
export { webhookDeliveryWorkflow } from './webhook-delivery';
export { webhookSweepWorkflow } from './webhook-sweep';
export { automationRunWorkflow } from './automation-run';
export { automationSweepWorkflow } from './automation-sweep';
export { campaignSendWorkflow } from './campaign-send';
