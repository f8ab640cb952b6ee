/**
 * What a bounce or a complaint does (reports read by feedback-report.ts, received by the
 * feedback mailbox, src/mail/feedback-receiver.ts, or posted by a relay's webhook,
 * src/api/routes/feedback.ts). The quoted token names tenant, contact, list and campaign, so
 * nothing personal is looked up from the report itself. A permanent failure or a complaint:
 * - the address is suppressed for the tenant (with its reason), so no subscription or import
 *   adds it again;
 * - the contact is marked `undeliverable`: no campaign or sweep mails it from then on;
 * - the campaign counts it (`bounce` or `complaint`, once per recipient).
 * A transient failure changes nothing: the relay retries it, and a later permanent one counts.
 */
import type { LinkTokens } from '../consent/link-tokens';
import { LinkTokenError } from '../consent/link-tokens';
import type { TenantAccess } from '../db/tenant-access';
import { UnknownTenantError } from '../db/tenant-access';
import { suppress } from '../rights/suppression';
import { recordCampaignEvent } from './campaigns';
import type { Logger } from '../logger';
import { NotAFeedbackReport, readFeedbackReport, type FeedbackReport } from './feedback-report';
import { campaignIdPattern } from './tracking';

/** What applying a report needs. */
export interface FeedbackDeps {
  tenants: Pick<TenantAccess, 'forTenant'>;
  tokens: Pick<LinkTokens, 'verify'>;
}

/** What became of a report: applied, or why not (ids and reasons only, for the log). */
export type FeedbackOutcome =
  | { applied: true; kind: 'hard_bounce' | 'complaint'; tenantId: string; campaignId: string }
  | {
      applied: false;
      reason: 'transient' | 'no_token' | 'invalid_token' | 'tenant_gone' | 'contact_gone';
    };

/** Applies a report; never throws for a report about something gone or not ours. */
export async function applyFeedback(
  deps: FeedbackDeps,
  report: FeedbackReport,
): Promise<FeedbackOutcome> {
  if (report.kind === 'soft_bounce') return { applied: false, reason: 'transient' };
  if (!report.token) return { applied: false, reason: 'no_token' };
  let claims;
  try {
    claims = await deps.tokens.verify(report.token, ['feedback']);
  } catch (err) {
    // Tampered with, another purpose, or expired (standing tokens last long): not trusted.
    if (!(err instanceof LinkTokenError)) throw err;
    return { applied: false, reason: 'invalid_token' };
  }
  const campaignId = claims.ref;
  if (!campaignId || !campaignIdPattern.test(campaignId))
    return { applied: false, reason: 'invalid_token' };
  let tenant;
  try {
    tenant = await deps.tenants.forTenant(claims.tenantId);
  } catch (err) {
    if (err instanceof UnknownTenantError) return { applied: false, reason: 'tenant_gone' };
    throw err;
  }
  const contact = await tenant.models.Contact.findById(claims.contactId, { email: 1 }).lean();
  if (!contact || typeof contact.email !== 'string')
    return { applied: false, reason: 'contact_gone' }; // erased meanwhile: nothing to do
  const at = new Date();
  await suppress(tenant, contact.email, campaignId, report.kind);
  await tenant.models.Contact.updateOne(
    { _id: claims.contactId, undeliverable: { $exists: false } },
    { $set: { undeliverable: { reason: report.kind, at }, updatedAt: at } },
  );
  await recordCampaignEvent(
    tenant,
    campaignId,
    claims.contactId,
    report.kind === 'hard_bounce' ? 'bounce' : 'complaint',
    at,
  );
  return { applied: true, kind: report.kind, tenantId: claims.tenantId, campaignId };
}

/**
 * Reads and applies one received message; logs the outcome with ids only. A message that is
 * not a report is dropped; anything else that fails throws (the intake answers "try later").
 */
export async function receiveFeedback(
  deps: FeedbackDeps & { logger: Pick<Logger, 'info'> },
  raw: Buffer,
): Promise<FeedbackOutcome | undefined> {
  let report: FeedbackReport;
  try {
    report = await readFeedbackReport(raw);
  } catch (err) {
    if (!(err instanceof NotAFeedbackReport)) throw err;
    deps.logger.info({ reason: err.message }, 'feedback message dropped');
    return undefined;
  }
  const outcome = await applyFeedback(deps, report);
  deps.logger.info({ ...outcome, detail: report.detail }, 'feedback report');
  return outcome;
}
