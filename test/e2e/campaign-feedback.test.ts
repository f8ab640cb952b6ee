/**
 * Bounces and complaints against the real services (api, worker, Temporal, FerretDB, SMTP
 * sink): a campaign's messages carry a signed feedback token; a permanent failure (an RFC 3464
 * report sent by SMTP to the feedback mailbox) and a complaint (an RFC 5965 report posted by a
 * relay) suppress the address, stop further campaign mail to it and count in the campaign's
 * statistics; a transient failure changes nothing; bad reports and credentials are refused.
 * A hard bounce can be lifted and the contact is mailed again; a complaint cannot. An
 * automation's mail carries the token too, and its bounce suppresses the address as well.
 */
import nodemailer from 'nodemailer';
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { linkPath, mailTo as mailToIn, type SinkMail } from '../helpers/dev-mail';
import { complaintReport, deliveryReport } from '../helpers/feedback-reports';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

const FEEDBACK_TOKEN = `feedback-token-${'x'.repeat(32)}`;

describe('bounces and complaints', () => {
  let stack: AppStack;
  let tenant: { tenantId: string; apiKey: string };
  const marker = uniqueSuffix();
  const email = (name: string) => `${name}.${marker}@example.test`;
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const api = () => request(stack.app);
  const allMail = async (address: string): Promise<SinkMail[]> =>
    ((await api().get('/api/dev/mail')).body.messages as SinkMail[]).filter((m) =>
      m.to.includes(address),
    );

  beforeAll(async () => {
    stack = await startAppStack({
      env: { CONSENTFLOW_FEEDBACK_TOKEN: FEEDBACK_TOKEN, CONSENTFLOW_FEEDBACK_SMTP_PORT: '0' },
    });
    tenant = await buildTenant(stack.app, stack.platformToken);
    const address = await api()
      .put('/api/v1/settings/postal-address')
      .set(auth())
      .send({ postalAddress: 'Via Roma 1, Torino' });
    expect(address.status).toBe(200);
  });
  afterAll(() => stack?.stop());

  async function member(listId: string, name: string) {
    const sub = await api()
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email: email(name) });
    expect(sub.status).toBe(202);
    const [mail] = await mailToIn(stack.app, email(name));
    expect((await api().post(linkPath(mail!.text, 'c')).type('form').send('')).status).toBe(200);
    return sub.body.contactId as string;
  }

  /** Sends a campaign with `subject` to the list and waits until it is sent; its id. */
  async function sendCampaign(listId: string, subject: string) {
    const template = await api()
      .post('/api/v1/templates')
      .set(auth())
      .send({ name: subject, subject, html: '<p>Our news</p>' });
    expect(template.status).toBe(201);
    const campaign = await api()
      .post('/api/v1/campaigns')
      .set(auth())
      .send({ name: subject, listIds: [listId], templateId: template.body.id });
    expect(campaign.status).toBe(201);
    expect(
      (await api().post(`/api/v1/campaigns/${campaign.body.id}/send`).set(auth())).status,
    ).toBe(202);
    await statsWhen(campaign.body.id, () => true, 'sent');
    return campaign.body.id as string;
  }

  async function statsWhen(
    id: string,
    done: (stats: Record<string, number>) => boolean,
    status = 'sent',
  ) {
    for (let i = 0; i < 150; i++) {
      const res = await api().get(`/api/v1/campaigns/${id}`).set(auth());
      if (res.body.status === status && done(res.body.stats)) return res.body.stats;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `campaign ${id}: ${JSON.stringify((await api().get(`/api/v1/campaigns/${id}`).set(auth())).body)}`,
    );
  }

  /** The feedback token of the one message with `subject` to `name`. */
  async function tokenOf(name: string, subject: string) {
    const [mail] = (await allMail(email(name))).filter((m) => m.subject === subject);
    const token = /^X-Consentflow-Feedback:\s*([\w.-]+(?:\r?\n[ \t]+[\w.-]+)*)/im.exec(
      mail!.raw,
    )?.[1];
    expect(token).toBeDefined();
    return token!.replace(/\s+/g, '');
  }

  const post = (body: Buffer | string, token = FEEDBACK_TOKEN, type = 'message/rfc822') =>
    api()
      .post('/inbound/feedback')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', type)
      .send(body);

  it('suppresses a hard bounce and a complaint, counts them, and mails neither again', async () => {
    const listRes = await api()
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `News ${marker}` });
    const listId = listRes.body.id as string;
    const ids: Record<string, string> = {};
    for (const name of ['ann', 'bob', 'cid']) ids[name] = await member(listId, name);
    const first = await sendCampaign(listId, `First ${marker}`);
    expect(await statsWhen(first, (s) => s.sent === 3)).toMatchObject({
      bounces: 0,
      complaints: 0,
    });

    // The message itself names nobody: the token holds opaque ids only, signed.
    const annToken = await tokenOf('ann', `First ${marker}`);
    expect(Buffer.from(annToken.split('.')[1]!, 'base64url').toString()).not.toContain('@');

    // Ann's mailbox does not exist: the receiving server's report comes to the feedback mailbox.
    const mx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: stack.feedbackSmtpPort!,
      secure: false,
      ignoreTLS: true,
    });
    await mx.sendMail({
      envelope: { from: '', to: 'bounces@consentflow.test' },
      raw: deliveryReport({ token: annToken, status: '5.1.1' }),
    });
    mx.close();
    // Bob's mailbox provider relays his spam complaint through the relay's webhook.
    const complained = await post(
      complaintReport({ token: await tokenOf('bob', `First ${marker}`) }),
    );
    expect(complained.status).toBe(202);
    expect(complained.body).toEqual({ applied: true, kind: 'complaint' });
    // Cid's mailbox is only full for now.
    const transient = await post(
      deliveryReport({ token: await tokenOf('cid', `First ${marker}`), status: '4.2.2' }),
    );
    expect(transient.body).toEqual({ applied: false, reason: 'transient' });

    const stats = await statsWhen(first, (s) => s.bounces === 1 && s.complaints === 1);
    expect(stats).toMatchObject({ sent: 3, delivered: 2, bounces: 1, complaints: 1 });
    // The same report again counts nothing more.
    await post(complaintReport({ token: await tokenOf('bob', `First ${marker}`) }));
    expect(await statsWhen(first, () => true)).toMatchObject({ complaints: 1 });

    // Neither address can be added again, each refused with its own reason.
    for (const [name, reason] of [
      ['ann', /failed permanently/],
      ['bob', /spam/],
    ] as const) {
      const again = await api()
        .post(`/api/v1/lists/${listId}/subscriptions`)
        .set(auth())
        .send({ email: email(name) });
      expect([again.status, again.body.error?.id]).toEqual([409, 'suppressed']);
      expect(again.body.error.message).toMatch(reason);
    }
    // The next campaign reaches only Cid.
    const second = await sendCampaign(listId, `Second ${marker}`);
    expect(await statsWhen(second, () => true)).toMatchObject({ recipients: 1, sent: 1 });
    for (const [name, count] of [
      ['ann', 0],
      ['bob', 0],
      ['cid', 1],
    ] as const)
      expect(
        (await allMail(email(name))).filter((m) => m.subject === `Second ${marker}`),
      ).toHaveLength(count);

    // Each contact says why it gets nothing.
    const contact = async (name: string) =>
      (await api().get(`/api/v1/contacts/${ids[name]}`).set(auth())).body;
    expect((await contact('ann')).undeliverable).toMatchObject({ reason: 'hard_bounce' });
    expect((await contact('bob')).undeliverable).toMatchObject({ reason: 'complaint' });
    expect((await contact('cid')).undeliverable).toBeNull();
    // Ann's mailbox works again: her bounce is lifted; Bob's complaint stands; Cid had none.
    const lift = (name: string) =>
      api().delete(`/api/v1/contacts/${ids[name]}/undeliverable`).set(auth());
    const lifted = await lift('ann');
    expect(lifted.status).toBe(200);
    expect(lifted.body.id).toBe(ids.ann);
    expect((await contact('ann')).undeliverable).toBeNull();
    expect([(await lift('ann')).status, (await lift('ann')).body.error?.id]).toEqual([
      409,
      'not_undeliverable',
    ]);
    const complaint = await lift('bob');
    expect([complaint.status, complaint.body.error?.id]).toEqual([409, 'complaint_stands']);
    expect((await lift('cid')).body.error?.id).toBe('not_undeliverable');
    expect(
      (
        await api()
          .delete(`/api/v1/contacts/c${'0'.repeat(24)}/undeliverable`)
          .set(auth())
      ).status,
    ).toBe(404);
    // Ann is no longer suppressed: the third campaign reaches her and Cid, never Bob.
    const third = await sendCampaign(listId, `Third ${marker}`);
    expect(await statsWhen(third, () => true)).toMatchObject({ recipients: 2, sent: 2 });
    for (const [name, count] of [
      ['ann', 1],
      ['bob', 0],
      ['cid', 1],
    ] as const)
      expect(
        (await allMail(email(name))).filter((m) => m.subject === `Third ${marker}`),
      ).toHaveLength(count);
  });

  it("suppresses the address of an automation's mail that bounced for good", async () => {
    const listRes = await api()
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Journeys ${marker}` });
    const listId = listRes.body.id as string;
    const subject = `Welcome aboard ${marker}`;
    const created = await api()
      .post('/api/v1/automations')
      .set(auth())
      .send({
        name: `Welcome ${marker}`,
        definition: {
          entry: { type: 'list_confirmed', listId, next: 'welcome' },
          nodes: [
            { id: 'welcome', type: 'send_email', subject, html: '<p>Hello</p>', next: 'done' },
            { id: 'done', type: 'end' },
          ],
        },
      });
    expect(created.status).toBe(201);
    expect(
      (await api().post(`/api/v1/automations/${created.body.id}/publish`).set(auth())).status,
    ).toBe(200);
    const dan = await member(listId, 'dan');
    await mailToIn(stack.app, email('dan'), 2); // the confirmation's, then the welcome
    const bounced = await post(
      deliveryReport({ token: await tokenOf('dan', subject), status: '5.1.1' }),
    );
    expect(bounced.body).toEqual({ applied: true, kind: 'hard_bounce' });
    const contact = await api().get(`/api/v1/contacts/${dan}`).set(auth());
    expect(contact.body.undeliverable).toMatchObject({ reason: 'hard_bounce' });
    const again = await api()
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email: email('dan') });
    expect([again.status, again.body.error?.id]).toEqual([409, 'suppressed']);
  });

  it('refuses bad credentials, other messages and forged tokens, changing nothing', async () => {
    const report = complaintReport({
      token: 'eyJhbGciOiJIUzI1NiIsImtpZCI6InQxIn0.eyJwIjoiZmVlZGJhY2sifQ.c2ln',
    });
    expect((await post(report, 'wrong-token-'.padEnd(40, 'y'))).status).toBe(401);
    expect(
      (await api().post('/inbound/feedback').set('Content-Type', 'message/rfc822').send(report))
        .status,
    ).toBe(401);
    const typed = await post(report.toString(), FEEDBACK_TOKEN, 'application/json');
    expect([typed.status, typed.body.error?.id]).toEqual([415, 'unsupported_media_type']);
    const plain = await post('Subject: hi\r\n\r\nnot a report\r\n');
    expect([plain.status, plain.body.error?.id]).toEqual([400, 'not_a_report']);
    // A token not signed by this install (or another purpose's) names nothing.
    const forged = await post(report);
    expect([forged.status, forged.body]).toEqual([
      202,
      { applied: false, reason: 'invalid_token' },
    ]);
    const none = await post(deliveryReport({ status: '5.1.1' }));
    expect(none.body).toEqual({ applied: false, reason: 'no_token' });
  });
});
