/**
 * A campaign's recipient pages on the real database: written in `_id` order from the
 * recipient records, walked batch by batch across page boundaries with a cursor, recipients
 * sent earlier or erased meanwhile dropped, the end said with the last batch; a send begun
 * before pages goes on by the `_id` range; the pages go when the send ends.
 */
import { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import {
  deleteRecipientPages,
  nextRecipients,
  PAGE_SIZE,
  writeRecipientPages,
} from '../../src/campaigns/recipient-pages';
import { campaignModels } from '../../src/db/models/campaign';
import { createOdm } from '../../src/db/odm';
import type { TenantScope } from '../../src/db/tenant-access';
import { testServices, uniqueSuffix } from '../helpers/services';

describe('campaign recipient pages', () => {
  let client: MongoClient;
  let models: ReturnType<typeof campaignModels>;
  let tenant: TenantScope;
  const campaignId = 'k' + 'a'.repeat(24);
  const contactIds = Array.from(
    { length: PAGE_SIZE + 30 },
    (_, i) => `c${i.toString(16).padStart(24, '0')}`,
  );

  beforeAll(async () => {
    client = await new MongoClient(testServices().mongoUri).connect();
    models = campaignModels(createOdm(client).useDb(`pages${uniqueSuffix()}`));
    tenant = { models } as unknown as TenantScope;
    // Another campaign's recipients around this one's, which no walk may reach.
    await models.CampaignRecipient.insertMany([
      { _id: `k${'0'.repeat(24)}:c1`, listId: 'l1', status: 'queued' },
      ...[...contactIds]
        .reverse()
        .map((c) => ({ _id: `${campaignId}:${c}`, listId: 'l1', status: 'queued' })),
      { _id: `k${'f'.repeat(24)}:c1`, listId: 'l1', status: 'queued' },
    ]);
  });
  afterAll(async () => {
    await models.Campaign.db.dropDatabase();
    await client?.close();
    await mongoose.disconnect();
  });

  it('walks every recipient once across pages, dropping those no longer queued', async () => {
    const pages = await writeRecipientPages(tenant, campaignId);
    expect(pages).toBe(2);
    // Sent by an earlier attempt, and erased meanwhile.
    await models.CampaignRecipient.updateOne(
      { _id: `${campaignId}:${contactIds[3]}` },
      { $set: { status: 'sent' } },
    );
    await models.CampaignRecipient.deleteOne({ _id: `${campaignId}:${contactIds[99]}` });
    const campaign = { _id: campaignId, pages };
    const seen: string[] = [];
    let after: string | undefined;
    const cursors: string[] = [];
    for (let i = 0; ; i++) {
      const batch = await nextRecipients(tenant, campaign, after, 40);
      seen.push(...batch.queued.map((r) => r._id.slice(campaignId.length + 1)));
      cursors.push(batch.last!);
      after = batch.last;
      if (batch.done) break;
      if (i > 10) throw new Error('the walk never ended');
    }
    expect(cursors).toEqual(['#0.40', '#0.80', '#1.20', '#2.0']);
    expect(seen).toEqual(contactIds.filter((_, i) => i !== 3 && i !== 99));
  });

  it('goes on by the range for a send begun before pages, then deletes the pages', async () => {
    const legacy = await nextRecipients(tenant, { _id: campaignId }, undefined, 5);
    expect(legacy.queued.map((r) => r._id)).toEqual(
      contactIds
        .filter((_, i) => i !== 3)
        .slice(0, 5)
        .map((c) => `${campaignId}:${c}`),
    );
    expect(legacy).toMatchObject({ last: `${campaignId}:${contactIds[5]}`, done: false });
    await deleteRecipientPages(tenant, { _id: campaignId, pages: 2 });
    expect(await models.CampaignPage.countDocuments({})).toBe(0);
  });
});
