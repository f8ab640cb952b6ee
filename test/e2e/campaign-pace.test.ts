/**
 * A tenant's sending rate over HTTP against the real services: two campaigns of one tenant
 * sent at once share the tenant's rate (each batch waits for its slot on the tenant's
 * timeline), so the second's messages start only once the first's slot is over, and each
 * recipient still gets each campaign once.
 */
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { linkPath, mailTo as mailToIn, type SinkMail } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

/** Messages per second per tenant (the least there is): a batch of four takes four seconds. */
const RATE = 1;
const MEMBERS = 4;

describe("a tenant's sending rate", () => {
  let stack: AppStack;
  let tenant: { tenantId: string; apiKey: string };
  const marker = uniqueSuffix();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const api = () => request(stack.app);

  beforeAll(async () => {
    stack = await startAppStack({ env: { CONSENTFLOW_CAMPAIGN_RATE: String(RATE) } });
    tenant = await buildTenant(stack.app, stack.platformToken);
    const address = await api()
      .put('/api/v1/settings/postal-address')
      .set(auth())
      .send({ postalAddress: 'Via Roma 1, 10121 Torino, Italy' });
    expect(address.status).toBe(200);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** A list of confirmed members; their addresses. */
  async function audience() {
    const list = await api()
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Paced ${marker}` });
    expect(list.status).toBe(201);
    const emails: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const email = `paced${i}.${marker}@example.test`;
      const sub = await api()
        .post(`/api/v1/lists/${list.body.id}/subscriptions`)
        .set(auth())
        .send({ email });
      expect(sub.status).toBe(202);
      const [mail] = await mailToIn(stack.app, email);
      expect((await api().post(linkPath(mail!.text, 'c')).type('form').send('')).status).toBe(200);
      emails.push(email);
    }
    return { listId: list.body.id as string, emails };
  }

  async function campaign(listId: string, subject: string) {
    const template = await api()
      .post('/api/v1/templates')
      .set(auth())
      .send({ name: subject, subject, html: '<p>Hello</p>' });
    expect(template.status).toBe(201);
    const created = await api()
      .post('/api/v1/campaigns')
      .set(auth())
      .send({ name: subject, listIds: [listId], templateId: template.body.id });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  /** When each recipient of the campaign was sent its message. */
  async function sentTimes(campaignId: string): Promise<number[]> {
    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    // Recipient ids are `<campaignId>:<contactId>`: the campaign's are one range of ids.
    const recipients = await scope.models.CampaignRecipient.find(
      { _id: { $gt: `${campaignId}:`, $lt: `${campaignId};` } },
      { sentAt: 1 },
    ).lean();
    return recipients.map((r) => r.sentAt!.getTime()).sort((a, b) => a - b);
  }

  it('keeps two campaigns sent at once to the rate together, each message sent once', async () => {
    const { listId, emails } = await audience();
    const ids = [
      await campaign(listId, `First ${marker}`),
      await campaign(listId, `Second ${marker}`),
    ];
    const sends = await Promise.all(
      ids.map((id) => api().post(`/api/v1/campaigns/${id}/send`).set(auth())),
    );
    for (const sent of sends) expect(sent.status).toBe(202);
    for (const id of ids)
      for (let i = 0; ; i++) {
        const res = await api().get(`/api/v1/campaigns/${id}`).set(auth());
        if (res.body.status === 'sent') break;
        if (i > 150) throw new Error(`campaign ${id} stayed ${res.body.status}`);
        await new Promise((r) => setTimeout(r, 200));
      }

    const [first = [], second = []] = (await Promise.all(ids.map(sentTimes))).sort(
      (a, b) => a[0]! - b[0]!,
    );
    expect(first).toHaveLength(MEMBERS);
    expect(second).toHaveLength(MEMBERS);
    // The later campaign's batch waited for the earlier one's slot of MEMBERS / RATE seconds,
    // less the time the first batch's own messages took to go out (far below 1.5 s). Paced
    // each on its own, both would have begun at once.
    const slotMs = (MEMBERS / RATE) * 1000;
    expect(second[0]! - first[0]!).toBeGreaterThanOrEqual(slotMs - 1500);
    console.log(
      `two campaigns of ${MEMBERS} at ${RATE}/s: second began ${second[0]! - first[0]!} ms after the first (slot ${slotMs} ms)`,
    );

    const mails = (await api().get('/api/dev/mail')).body.messages as SinkMail[];
    for (const email of emails)
      for (const subject of [`First ${marker}`, `Second ${marker}`])
        expect(mails.filter((m) => m.to.includes(email) && m.subject === subject)).toHaveLength(1);
  });
});
