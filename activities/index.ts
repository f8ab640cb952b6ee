/**
 * Every activity the worker registers, built from injected dependencies. Workflows import
 * the `Activities` type only; the worker's wiring (`createProductWorker` in
 * src/wiring/worker.ts) is the one place in the product that calls `createActivities`.
 */
import { createAccessReviewActivities, type AccessReviewDeps } from './access-review';
import { createAutomationActivities, type AutomationDeps } from './automations';
import { createBackupActivities, type BackupActivityDeps } from './backups';
import { createAutomationSweepActivities, type AutomationSweepDeps } from './automation-sweep';
import { createCampaignActivities, type CampaignDeps } from './campaigns';
import { createConsentRenewalActivities, type ConsentRenewalDeps } from './consent-renewal';
import { createContractEndActivities, type ContractEndDeps } from './contract-end';
import { createContractNoticeActivities, type ContractNoticeDeps } from './contract-notices';
import { createSupportAccessActivities, type SupportAccessActivityDeps } from './support-access';
import { createInactivityActivities, type InactivityDeps } from './inactivity';
import { createDoubleOptInActivities, type DoubleOptInDeps } from './double-opt-in';
import { createDoubleOptInSweepActivities, type DoubleOptInSweepDeps } from './double-opt-in-sweep';
import { createEncryptionProbeActivities, type EncryptionProbeDeps } from './encryption-probe';
import { createImportActivities, type ImportActivityDeps } from './imports';
import { createRightsActivities, type RightsDeps } from './rights';
import { createTenantActivities, type TenantActivityDeps } from './tenants';
import { createWebhookActivities, type WebhookActivityDeps } from './webhooks';

/** Everything activities may use; built once by the worker's wiring (src/wiring/worker.ts). */
export type ActivityDeps = EncryptionProbeDeps &
  TenantActivityDeps &
  ImportActivityDeps &
  DoubleOptInDeps &
  DoubleOptInSweepDeps &
  ConsentRenewalDeps &
  InactivityDeps &
  ContractEndDeps &
  ContractNoticeDeps &
  SupportAccessActivityDeps &
  RightsDeps &
  WebhookActivityDeps &
  AutomationDeps &
  AutomationSweepDeps &
  CampaignDeps &
  AccessReviewDeps &
  BackupActivityDeps;

/** Merges one factory per concern into the worker's activity map. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEncryptionProbeActivities(deps),
    ...createTenantActivities(deps),
    ...createImportActivities(deps),
    ...createDoubleOptInActivities(deps),
    ...createDoubleOptInSweepActivities(deps),
    ...createConsentRenewalActivities(deps),
    ...createInactivityActivities(deps),
    ...createContractEndActivities(deps),
    ...createContractNoticeActivities(deps),
    ...createSupportAccessActivities(deps),
    ...createRightsActivities(deps),
    ...createWebhookActivities(deps),
    ...createAutomationActivities(deps),
    ...createAutomationSweepActivities(deps),
    ...createCampaignActivities(deps),
    ...createAccessReviewActivities(deps),
    ...createBackupActivities(deps),
  };
}

/** The activity map's type, for `proxyActivities<Activities>()` in workflows. */
export type Activities = ReturnType<typeof createActivities>;
