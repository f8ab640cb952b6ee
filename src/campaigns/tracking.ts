/**
 * Whether a campaign message may be tracked for a recipient: only when the campaign tracks,
 * the recipient's list tracks, and the subject has not objected to tracking on that list or
 * everywhere. Decided when the message is built (no pixel, links straight to their targets)
 * and again when an open or click arrives (a later objection records nothing).
 */
import type { CampaignEventKind } from '../db/models/campaign';

/** Whether opens and clicks of this recipient may be recorded. */
export function mayTrack(
  campaign: { tracking: boolean },
  list: { tracking: boolean } | null | undefined,
  contact: { trackingObjection?: string[] | null },
  listId: string,
): boolean {
  if (!campaign.tracking || !list?.tracking) return false;
  const objected = contact.trackingObjection ?? [];
  return !objected.includes('*') && !objected.includes(listId);
}

/** The recipient record of a contact in a campaign. */
export const recipientIdOf = (campaignId: string, contactId: string) =>
  `${campaignId}:${contactId}`;

/** The record of an open, a click, an unsubscribe, a bounce or a complaint of a recipient (one each). */
export const campaignEventIdOf = (campaignId: string, contactId: string, kind: CampaignEventKind) =>
  `${campaignId}:${contactId}:${kind}`;

/** A campaign id's format: `k` + 24 hex digits. */
export const campaignIdPattern = /^k[0-9a-f]{24}$/;
