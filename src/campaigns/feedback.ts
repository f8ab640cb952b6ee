/**
 * What a bounce or a complaint does (reports read by feedback-report.ts, received by the
 * feedback mailbox, src/mail/feedback-receiver.ts, or posted by a relay's webhook,
 * src/api/routes/feedback.ts). The quoted token names tenant, contact, list and campaign, so
 * nothing personal is looked up from the report itself. A permanent failure or a complaint:
 * - the address is suppressed for the tenant (with its reason), so no subscription or import
 *   adds it again;
 * - the contact is marked `undeliverable`: no campaign or sweep mails it from then on;
 * - a campaign's message counts in its statistics (`bounce` or `complaint`, once per
 *   recipient); an automation's send step names the automation in the log.
 * A transient failure changes nothing: the relay retries it, and a later permanent one counts.
 * A hard bounce can be lifted (src/campaigns/lift-bounce.ts); a complaint stands.
 */
import type { LinkTokens } from '../consent/link-tokens';
import { LinkTokenError } from '../consent/link-tokens';
import type { TenantAccess } from '../db/tenant-access';
import { UnknownTenantError } from '../db/tenant-access';
import { suppress } from '../rights/suppression';
import { recordCampaignEvent } from './campaigns';
import type { Logger } from '../logger';
import { NotAFeedbackReport, readFeedbackReport, type FeedbackReport } from './feedback-report';
import { parseAutomationMessageRef } from '../automations/tracking';
import { campaignIdPattern } from './tracking';

/** What applying a report needs. */
export interface FeedbackDeps {
  tenants: Pick<TenantAccess, 'forTenant'>;
  tokens: Pick<LinkTokens, 'verify'>;
}

/** What became of a report: applied, or why not (ids and reasons only, for the log). */
export type FeedbackOutcome =
  | {
      applied: true;
      kind: 'hard_bounce' | 'complaint';
      tenantId: string;
      /** The message's campaign, or the automation whose send step sent it. */
      campaignId?: string;
      automationId?: string;
    }
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
  const ref = claims.ref ?? '';
  const campaignId = campaignIdPattern.test(ref) ? ref : undefined;
  const automation = campaignId ? null : parseAutomationMessageRef(ref);
  if (!campaignId && !automation) return { applied: false, reason: 'invalid_token' };
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
  await suppress(tenant, contact.email, campaignId ?? automation!.automationId, report.kind);
  await tenant.models.Contact.updateOne(
    { _id: claims.contactId, undeliverable: { $exists: false } },
    { $set: { undeliverable: { reason: report.kind, at }, updatedAt: at } },
  );
  if (campaignId)
    await recordCampaignEvent(
      tenant,
      campaignId,
      claims.contactId,
      report.kind === 'hard_bounce' ? 'bounce' : 'complaint',
      at,
    );
  return {
    applied: true,
    kind: report.kind,
    tenantId: claims.tenantId,
    ...(campaignId ? { campaignId } : { automationId: automation!.automationId }),
  };
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
