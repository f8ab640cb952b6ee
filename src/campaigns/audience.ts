/**
 * A campaign's audience, resolved when its send starts: every contact whose membership of one
 * of its lists is active (so neither pending, unsubscribed nor lapsed) and whose processing is
 * not restricted, once even when on several lists (the first list names it). Erased subjects
 * are not contacts any more, and their suppression keeps them from coming back. Each
 * recipient becomes one record, written with ordered inserts that a retry repeats harmlessly.
 */
import { activeOn, deliverable, unrestricted } from '../db/memberships';
import type { TenantScope } from '../db/tenant-access';
import { isDuplicateKey } from '../db/duplicate-key';
import { recipientIdOf } from './tracking';

/** Recipient records written per insert. */
const INSERT_BATCH = 1_000;

/** Resolves and stores the audience; how many recipients it has. */
export async function resolveAudience(
  tenant: TenantScope,
  campaign: { _id: string; listIds: string[] },
  progress: () => void = () => {},
): Promise<number> {
  const seen = new Set<string>();
  let batch: { _id: string; listId: string; status: 'queued' }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      await tenant.models.CampaignRecipient.insertMany(batch, { ordered: false });
    } catch (err) {
      // Written by an earlier attempt of this step: the same records, kept.
      if (!isDuplicateKey(err)) throw err;
    }
    batch = [];
    progress();
  };
  for (const listId of campaign.listIds) {
    const cursor = tenant.models.Contact.find(
      { ...activeOn(listId), ...unrestricted(), ...deliverable() },
      { _id: 1 },
    )
      .lean<{ _id: string }[]>()
      .cursor();
    for await (const contact of cursor) {
      if (seen.has(contact._id)) continue;
      seen.add(contact._id);
      batch.push({ _id: recipientIdOf(campaign._id, contact._id), listId, status: 'queued' });
      if (batch.length >= INSERT_BATCH) await flush();
    }
  }
  await flush();
  return seen.size;
}
