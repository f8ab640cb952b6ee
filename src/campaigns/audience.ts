/**
 * A campaign's audience, resolved when its send starts: every contact whose membership of one
 * of its lists is active (so neither pending, unsubscribed nor lapsed) and whose processing is
 * not restricted, once even when on several lists (the first list names it). Erased subjects
 * are not contacts any more, and their suppression keeps them from coming back. A segment
 * (src/campaigns/segment.ts) then keeps those it holds for. Each recipient becomes one record,
 * written with ordered inserts that a retry repeats harmlessly.
 */
import { activeOn, deliverable, unrestricted } from '../db/memberships';
import type { TenantScope } from '../db/tenant-access';
import { isDuplicateKey } from '../db/duplicate-key';
import type { Condition } from '../domain/automation-definition';
import type { ContactDocument } from '../db/models/contact';
import { inSegment, segmentProjection } from './segment';
import { recipientIdOf } from './tracking';

/** Recipient records written per insert. */
const INSERT_BATCH = 1_000;
/** Contacts a segment is evaluated on at once. */
const SEGMENT_BATCH = 200;

/** Resolves and stores the audience; how many recipients it has. */
export async function resolveAudience(
  tenant: TenantScope,
  campaign: { _id: string; listIds: string[]; segment?: Condition },
  progress: () => void = () => {},
  now = new Date(),
): Promise<number> {
  const { segment } = campaign;
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
  let recipients = 0;
  const add = async (listId: string, contactId: string) => {
    recipients += 1;
    batch.push({ _id: recipientIdOf(campaign._id, contactId), listId, status: 'queued' });
    if (batch.length >= INSERT_BATCH) await flush();
  };
  for (const listId of campaign.listIds) {
    // Without a segment only the ids are read; with one, what it looks at (details decrypted).
    const cursor = tenant.models.Contact.find(
      { ...activeOn(listId), ...unrestricted(), ...deliverable() },
      segment ? segmentProjection : { _id: 1 },
    )
      .lean<ContactDocument[]>()
      .cursor();
    let candidates: ContactDocument[] = [];
    const judge = async () => {
      for (const id of await inSegment(tenant, segment!, candidates, now)) await add(listId, id);
      candidates = [];
      progress(); // a segment few hold for writes seldom: beat per batch judged all the same
    };
    for await (const contact of cursor) {
      // Once per contact, whether or not the segment holds: a list further on cannot change it.
      if (seen.has(contact._id)) continue;
      seen.add(contact._id);
      if (!segment) await add(listId, contact._id);
      else if (candidates.push(contact) >= SEGMENT_BATCH) await judge();
    }
    if (segment && candidates.length > 0) await judge();
  }
  await flush();
  return recipients;
}
