/**
 * The order a campaign's send takes its recipients in: pages of contact ids written once the
 * audience is resolved, each read by its `_id`. The recipient records themselves are keyed
 * `<campaignId>:<contactId>`, and the next batch could be found by an `_id` range over them;
 * but FerretDB answers a range with a scan of every campaign's recipients, which made each
 * batch's cost grow with the audience (and with every campaign before it). A page read and
 * one lookup per recipient, all by `_id`, cost the same at any size on every server.
 *
 * The send's cursor is `#<page>.<offset>`: where the next batch starts. A cursor that is a
 * recipient id is a send started before pages (its campaign has no `pages`): it goes on by
 * the range as before.
 */
import { bulkWriteBatched } from '../db/bulk-write';
import type { CampaignDocument, CampaignRecipientDocument } from '../db/models/campaign';
import type { TenantScope } from '../db/tenant-access';
import { recipientIdOf } from './tracking';

/** Recipients per page. */
export const PAGE_SIZE = 100;

const pageId = (campaignId: string, n: number) => `${campaignId}:${n}`;

/**
 * Writes the pages of the campaign's recipients, in `_id` order, read in one pass; how many.
 * A retry writes the same pages again (over what an earlier attempt wrote).
 */
export async function writeRecipientPages(
  tenant: TenantScope,
  campaignId: string,
  progress: () => void = () => {},
): Promise<number> {
  const { CampaignRecipient, CampaignPage } = tenant.models;
  const prefix = `${campaignId}:`;
  const cursor = CampaignRecipient.find({ _id: { $gt: prefix, $lt: `${campaignId};` } }, { _id: 1 })
    .sort({ _id: 1 })
    .lean<{ _id: string }[]>()
    .cursor();
  let pages = 0;
  let ids: string[] = [];
  let writes: Parameters<typeof bulkWriteBatched>[1] = [];
  const page = async () => {
    writes.push({
      updateOne: {
        filter: { _id: pageId(campaignId, pages) },
        update: { $set: { ids } },
        upsert: true,
      },
    });
    pages += 1;
    ids = [];
    if (writes.length >= 50) {
      await bulkWriteBatched(CampaignPage, writes);
      writes = [];
      progress();
    }
  };
  for await (const r of cursor) {
    ids.push(r._id.slice(prefix.length));
    if (ids.length >= PAGE_SIZE) await page();
  }
  if (ids.length > 0) await page();
  await bulkWriteBatched(CampaignPage, writes);
  return pages;
}

/** The recipients of the next batch, the cursor after them, and whether none is left. */
export async function nextRecipients(
  tenant: TenantScope,
  campaign: Pick<CampaignDocument, '_id' | 'pages'>,
  after: string | undefined,
  limit: number,
): Promise<{ queued: CampaignRecipientDocument[]; last?: string; done: boolean }> {
  const { CampaignRecipient, CampaignPage } = tenant.models;
  if (campaign.pages === undefined || (after !== undefined && !after.startsWith('#'))) {
    const queued = await CampaignRecipient.find({
      _id: { $gt: after ?? `${campaign._id}:`, $lt: `${campaign._id};` },
      status: 'queued',
    })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<CampaignRecipientDocument[]>();
    return {
      queued,
      ...(queued.length > 0 ? { last: queued[queued.length - 1]!._id } : {}),
      done: queued.length < limit,
    };
  }
  let [pageNo, offset] = (after ?? '#0.0').slice(1).split('.').map(Number) as [number, number];
  const taken: string[] = [];
  while (taken.length < limit && pageNo < campaign.pages) {
    const page = await CampaignPage.findById(pageId(campaign._id, pageNo), { ids: 1 }).lean();
    const ids = page?.ids ?? [];
    const more = ids.slice(offset, offset + limit - taken.length);
    taken.push(...more);
    offset += more.length;
    if (offset >= ids.length) {
      pageNo += 1;
      offset = 0;
    }
  }
  // One lookup per recipient by `_id`, side by side: those sent by an earlier attempt, or
  // erased meanwhile, drop out here.
  const found = await Promise.all(
    taken.map((contactId) =>
      CampaignRecipient.findById(
        recipientIdOf(campaign._id, contactId),
      ).lean<CampaignRecipientDocument>(),
    ),
  );
  return {
    queued: found.filter((r): r is CampaignRecipientDocument => r?.status === 'queued'),
    last: `#${pageNo}.${offset}`,
    done: pageNo >= campaign.pages,
  };
}

/** Deletes the campaign's pages once its send has ended (they name its contacts). */
export async function deleteRecipientPages(
  tenant: TenantScope,
  campaign: Pick<CampaignDocument, '_id' | 'pages'>,
): Promise<void> {
  await bulkWriteBatched(
    tenant.models.CampaignPage,
    Array.from({ length: campaign.pages ?? 0 }, (_, n) => ({
      deleteOne: { filter: { _id: pageId(campaign._id, n) } },
    })),
  );
}
