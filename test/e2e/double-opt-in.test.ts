/**
 * Double opt-in over HTTP against the real services: subscribe, read the confirmation from
 * the SMTP sink, verify its DKIM signature with mailauth against the tenant's published
 * record, follow the link, and find the consent proof (IP and user agent of both steps) on
 * the contact; then the bad inputs: invalid addresses, tampered and reused links, floods.
 */
import { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import request from 'supertest';
import { MongoClient } from 'mongodb';
import { freePort } from '../../src/local/ports';
import { createDataConverter } from '../../src/temporal/data-converter';
import { createPayloadKeyStore } from '../../src/temporal/payload-keys';
import { createWorkflowGateway } from '../../src/temporal/workflows';
import { createSubscriptionCommand } from '../../src/consent/subscription/command';
import { createDoubleOptInWake } from '../../src/consent/subscription/wake';
import { createLogger } from '../../src/logger';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { linkPath, mailTo as mailToIn } from '../helpers/dev-mail';
import { verifyDkim, type PublishedDkim } from '../helpers/dkim';
import { uniqueSuffix } from '../helpers/services';
import { INITIAL_ADMIN_PASSWORD, loginAndSetPassword, type Session } from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('double opt-in over HTTP', () => {
  let stack: AppStack;
  let tenant: { tenantId: string; apiKey: string };
  const adminEmail = `admin.${uniqueSuffix()}@example.test`;
  let listId: string;
  let dkim: PublishedDkim;
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const marker = uniqueSuffix();

  beforeAll(async () => {
    stack = await startAppStack({ env: { CONSENTFLOW_SUBSCRIBE_LIMIT_IP: '3' } });
    tenant = await buildTenant(stack.app, stack.platformToken, { email: adminEmail });
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `News ${marker}` });
    expect(list.status).toBe(201);
    listId = list.body.id;
    const key = await request(stack.app).get('/api/v1/dkim').set(auth());
    expect(key.status).toBe(200);
    dkim = key.body;
  });
  afterAll(() => stack?.stop());

  const mailTo = (address: string, count = 1) => mailToIn(stack.app, address, count);

  const subscribe = (body: Record<string, unknown>) =>
    request(stack.app).post(`/api/v1/lists/${listId}/subscriptions`).set(auth()).send(body);

  it('confirms a subscription by its DKIM-signed link and shows the consent proof of both steps', async () => {
    const email = `ada.${marker}@example.test`;
    const first = await subscribe({
      email,
      ip: '198.51.100.7',
      userAgent: 'SignupBrowser/1.0',
      source: 'footer form',
    });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      subscriptionId: expect.stringMatching(/^s[0-9a-f]{24}$/),
      contactId: expect.stringMatching(/^c[0-9a-f]{24}$/),
      workflowId: `double-opt-in:${tenant.tenantId}:${listId}`,
      status: 'pending',
    });
    expect(first.body.workflowId).not.toContain(marker);
    const again = await subscribe({ email: email.toUpperCase() });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);

    const [mail] = await mailTo(email);
    expect(await mailTo(email)).toHaveLength(1); // the repeat started nothing
    const signature = await verifyDkim(mail!.raw, dkim);
    expect(signature?.status.result).toBe('pass');
    const headers = mail!.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    expect(headers).toMatch(/^List-Unsubscribe: <http[^>]+\/u\/[^>]+>$/m);
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    expect(headers).toMatch(/^DKIM-Signature:.*h=[^;]*list-unsubscribe:list-unsubscribe-post/im);
    expect(mail!.text).toContain('/p/');

    const contactBefore = await request(stack.app)
      .get(`/api/v1/contacts/${first.body.contactId}`)
      .set(auth());
    expect(contactBefore.body.lists).toEqual([
      expect.objectContaining({ listId, status: 'pending' }),
    ]);

    const confirm = linkPath(mail!.text, 'c');
    // Opening the link (as a mail scanner does) shows a button and changes nothing.
    const opened = await request(stack.app).get(confirm).set('User-Agent', 'Scanner/1');
    expect(opened.status).toBe(200);
    expect(opened.text).toContain(`<form method="post" action="${confirm}">`);
    const stillPending = await request(stack.app)
      .get(`/api/v1/contacts/${first.body.contactId}`)
      .set(auth());
    expect(stillPending.body.lists).toEqual([expect.objectContaining({ status: 'pending' })]);
    const page = await request(stack.app)
      .post(confirm)
      .type('form')
      .set('User-Agent', 'MailClient/2.0')
      .send('');
    expect(page.status).toBe(200);
    expect(page.text).toContain('confirmed');

    const contact = await request(stack.app)
      .get(`/api/v1/contacts/${first.body.contactId}`)
      .set(auth());
    expect(contact.status).toBe(200);
    expect(contact.body.lists).toEqual([
      expect.objectContaining({ listId, status: 'active', confirmedAt: expect.any(String) }),
    ]);
    expect(contact.body.consent).toEqual([
      expect.objectContaining({
        action: 'requested',
        ip: '198.51.100.7',
        userAgent: 'SignupBrowser/1.0',
        source: expect.objectContaining({ kind: 'api', detail: 'footer form' }),
        textVersion: 'default-1',
      }),
      expect.objectContaining({
        action: 'confirmed',
        ip: expect.stringMatching(/127\.0\.0\.1|::1/),
        userAgent: 'MailClient/2.0',
        source: expect.objectContaining({ kind: 'api' }),
        textVersion: 'default-1',
      }),
    ]);

    // The same link again: a clear page, nothing changes.
    const reused = await request(stack.app).post(confirm);
    expect(reused.status).toBe(409);
    expect(reused.text).toContain('already confirmed');
    expect((await request(stack.app).get(confirm)).status).toBe(409);
    const tampered = await request(stack.app).post(
      confirm.slice(0, -3) + (confirm.endsWith('AAA') ? 'BBB' : 'AAA'),
    );
    expect(tampered.status).toBe(400);
    expect(tampered.text).toContain('not valid');
    const after = await request(stack.app)
      .get(`/api/v1/contacts/${first.body.contactId}`)
      .set(auth());
    expect(after.body.consent).toHaveLength(2);

    // Re-subscribing an active address: same ids, no new mail.
    const active = await subscribe({ email });
    expect(active.status).toBe(202);
    expect(active.body).toMatchObject({
      subscriptionId: first.body.subscriptionId,
      contactId: first.body.contactId,
      status: 'active',
    });

    // The export carries the registration proof.
    const csv = await request(stack.app).get(`/api/v1/lists/${listId}/consent-export`).set(auth());
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const [header, ...rows] = csv.text.trim().split('\n');
    expect(header).toBe(
      'contactId,email,status,subscribedAt,confirmedAt,renewedAt,unsubscribedAt,ip,userAgent,textVersion,textHash',
    );
    expect(rows.find((r) => r.includes(email))).toMatch(
      /,active,.*,198\.51\.100\.7,SignupBrowser\/1\.0,default-1,[0-9a-f]{64}$/,
    );

    // RFC 8058 one-click unsubscribe, then the withdrawal is on the timeline.
    const unsubscribe = linkPath(mail!.text, 'u');
    const oneClick = await request(stack.app)
      .post(unsubscribe)
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(oneClick.status).toBe(200);
    const gone = await request(stack.app)
      .get(`/api/v1/contacts/${first.body.contactId}`)
      .set(auth());
    expect(gone.body.lists).toEqual([expect.objectContaining({ status: 'unsubscribed' })]);
    expect(gone.body.consent.map((c: { action: string }) => c.action)).toEqual([
      'requested',
      'confirmed',
      'withdrawn',
    ]);
    const profile = await request(stack.app).get(linkPath(mail!.text, 'p'));
    expect(profile.status).toBe(200);
    expect(profile.text).toContain(`News ${marker}`);
    expect(profile.text).toContain('unsubscribed');
  });

  it('mails a request whose wake failed after the answer when the tenant’s sweep wakes its list, once', async () => {
    // An api whose wake fails after it has stored and answered, as if the process had died
    // between the two: its payload keys (which the signal must encrypt its argument with)
    // live in a database it cannot reach, so the codec refuses and nothing is signalled.
    const unreachable = new MongoClient(`mongodb://127.0.0.1:${await freePort()}`, {
      serverSelectionTimeoutMS: 300,
    });
    const keys = createPayloadKeyStore({ ...stack.data, mongo: unreachable });
    const workflows = createWorkflowGateway({
      client: new Client({
        connection: stack.client.connection,
        namespace: stack.config.temporal.namespace,
        dataConverter: createDataConverter(keys),
      }),
      taskQueue: stack.config.temporal.taskQueue,
    });
    const cut = stack.appWith({
      workflows,
      subscriptions: createSubscriptionCommand({
        limits: stack.limits,
        wake: createDoubleOptInWake({ workflows }),
        logger: createLogger('test', 'silent'),
      }),
    });
    // A list of its own, whose workflow no earlier request has started.
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Outage ${marker}` });
    try {
      const email = `outage.${marker}@example.test`;
      const sub = await request(cut)
        .post(`/api/v1/lists/${list.body.id}/subscriptions`)
        .set(auth())
        .send({ email, ip: '198.51.100.8', userAgent: 'OutageBrowser/1' });
      expect(sub.status).toBe(202);
      expect(sub.body.status).toBe('pending');
      await new Promise((r) => setTimeout(r, 300)); // the failed wake after the answer
      await expect(
        stack.client.workflow.getHandle(sub.body.workflowId).describe(),
      ).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const tenantScope = await stack.data.tenants.forTenant(tenant.tenantId);
      expect(
        await tenantScope.models.Outbox.countDocuments({ subscriptionId: sub.body.subscriptionId }),
      ).toBe(1);

      // The tenant got its sweep schedule with its first list; run the sweep now.
      const sweepId = `double-opt-in-sweep:${tenant.tenantId}:${tenant.tenantId}`;
      const schedule = await stack.client.schedule.getHandle(sweepId).describe();
      expect(schedule.action).toMatchObject({ workflowType: 'doubleOptInSweepWorkflow' });
      const sweep = () =>
        stack.client.workflow.execute('doubleOptInSweepWorkflow', {
          workflowId: `${sweepId}-now-${uniqueSuffix()}`,
          taskQueue: stack.config.temporal.taskQueue,
          args: [{ tenantId: tenant.tenantId }],
        });
      expect((await sweep()).woken).toBeGreaterThanOrEqual(1);

      const [mail] = await mailTo(email);
      const page = await request(stack.app).post(linkPath(mail!.text, 'c'));
      expect(page.status).toBe(200);
      const contact = await request(stack.app)
        .get(`/api/v1/contacts/${sub.body.contactId}`)
        .set(auth());
      expect(contact.body.lists).toEqual([
        expect.objectContaining({ listId: list.body.id, status: 'active' }),
      ]);
      expect(contact.body.consent).toEqual([
        expect.objectContaining({ action: 'requested', userAgent: 'OutageBrowser/1' }),
        expect.objectContaining({ action: 'confirmed' }),
      ]);
      const done = await tenantScope.models.Subscription.findById(sub.body.subscriptionId).lean();
      expect(done).toMatchObject({ status: 'confirmed' });
      expect(done?.dueAt).toBeUndefined();
      // A later sweep sends nothing again.
      await sweep();
      await new Promise((r) => setTimeout(r, 500));
      expect(await mailTo(email)).toHaveLength(1);
      // Ops see the list's workflow and what it did once its round is over.
      const handle = stack.client.workflow.getHandle(sub.body.workflowId);
      let status = await handle.query<{ sent: number; rounds: number }>('status');
      for (let i = 0; i < 50 && status.sent === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = await handle.query('status');
      }
      expect(status).toMatchObject({ sent: 1, rounds: expect.any(Number) });
    } finally {
      await unreachable.close();
    }
  });

  it('answers an expired link with a clear page and changes nothing', async () => {
    const email = `late.${marker}@example.test`;
    const sub = await subscribe({ email });
    const token = await stack.consent.tokens.sign(
      {
        tenantId: tenant.tenantId,
        purpose: 'confirm',
        contactId: sub.body.contactId,
        listId,
        ref: sub.body.subscriptionId,
      },
      new Date(Date.now() - 1000),
    );
    const page = await request(stack.app).post(`/c/${token}`);
    expect(page.status).toBe(410);
    expect((await request(stack.app).get(`/c/${token}`)).status).toBe(410);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('expired');
    const contact = await request(stack.app)
      .get(`/api/v1/contacts/${sub.body.contactId}`)
      .set(auth());
    expect(contact.body.lists).toEqual([expect.objectContaining({ status: 'pending' })]);
    // A token signed with another tenant's key does not open this one's data.
    const forged = await stack.consent.tokens.sign(
      {
        tenantId: 'zzzzzzzz',
        purpose: 'confirm',
        contactId: sub.body.contactId,
        listId,
        ref: sub.body.subscriptionId,
      },
      new Date(Date.now() + 60_000),
    );
    const [, payload, signature] = forged.split('.');
    const [ownHeader] = token.split('.'); // claims to be this tenant's, signed with another's key
    expect((await request(stack.app).post(`/c/${ownHeader}.${payload}.${signature}`)).status).toBe(
      400,
    );
  });

  it('renews consent by the link in a renewal reminder, once', async () => {
    const email = `renewer.${marker}@example.test`;
    const sub = await subscribe({ email });
    const [mail] = await mailTo(email);
    expect((await request(stack.app).post(linkPath(mail!.text, 'c'))).status).toBe(200);
    const handle = await stack.client.workflow.start('consentRenewalWorkflow', {
      workflowId: `consent-renewal:${tenant.tenantId}:r${uniqueSuffix()}`,
      taskQueue: stack.config.temporal.taskQueue,
      args: [
        {
          tenantId: tenant.tenantId,
          listId,
          contactId: sub.body.contactId,
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          policy: { validityDays: 365, reminderDaysBefore: [1], onExpiry: 'unsubscribe' },
        },
      ],
    });
    const reminders = await mailTo(email, 2);
    const renewal = linkPath(reminders[0]!.text, 'c');
    const button = await request(stack.app).get(renewal);
    expect([button.status, button.text]).toEqual([200, expect.stringContaining('Renew')]);
    const page = await request(stack.app).post(renewal).set('User-Agent', 'RenewBrowser/1');
    expect(page.status).toBe(200);
    expect(page.text).toContain('renewed');
    expect(await handle.result()).toEqual({ outcome: 'renewed' });
    const again = await request(stack.app).post(renewal);
    expect(again.status).toBe(410);
    const contact = await request(stack.app)
      .get(`/api/v1/contacts/${sub.body.contactId}`)
      .set(auth());
    expect(contact.body.consent.map((c: { action: string }) => c.action)).toEqual([
      'requested',
      'confirmed',
      'renewed',
    ]);
    expect(contact.body.consent[2]).toMatchObject({ userAgent: 'RenewBrowser/1' });
  });

  it('confirms nothing once the pending request was unsubscribed from the same mail, and erases it at the click', async () => {
    const email = `changed-mind.${marker}@example.test`;
    const sub = await subscribe({ email });
    const [mail] = await mailTo(email);
    expect(
      (
        await request(stack.app)
          .post(linkPath(mail!.text, 'u'))
          .type('form')
          .send('List-Unsubscribe=One-Click')
      ).status,
    ).toBe(200);
    const before = await request(stack.app)
      .get(`/api/v1/contacts/${sub.body.contactId}`)
      .set(auth());
    expect(before.body.lists).toEqual([
      expect.objectContaining({ status: 'unsubscribed', confirmedAt: null }),
    ]);
    expect(before.body.consent.map((c: { action: string }) => c.action)).toEqual([
      'requested',
      'withdrawn',
    ]);
    const page = await request(stack.app).post(linkPath(mail!.text, 'c'));
    expect(page.status).toBe(410);
    expect(page.text).toContain('withdrawn');
    // Never confirmed: nothing is kept of the address, as at the confirmation deadline.
    const after = await request(stack.app)
      .get(`/api/v1/contacts/${sub.body.contactId}`)
      .set(auth());
    expect(after.status).toBe(404);
    const again = await request(stack.app).post(linkPath(mail!.text, 'c'));
    expect(again.status).toBe(410);
  });

  it('refuses addresses that are not mailbox syntax and accepts internationalised domains', async () => {
    for (const email of ['not-an-address', 'a@b', `two@@example.test`, 'spaces in@example.test']) {
      const res = await subscribe({ email });
      expect(res.status).toBe(400);
      expect(res.body.error.id).toBe('invalid_email');
    }
    const unknownField = await subscribe({ email: `x.${marker}@example.test`, colour: 'red' });
    expect(unknownField.status).toBe(400);
    const idn = await subscribe({ email: `jörg.${marker}@bücher.example` });
    expect(idn.status).toBe(202);
    await mailTo(`jörg.${marker}@bücher.example`); // the sink shows the Unicode form
  });

  it('limits a flood from one IP without touching subscriptions already made', async () => {
    const ip = '203.0.113.9';
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push(await subscribe({ email: `flood${i}.${marker}@example.test`, ip }));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 429, 429]);
    expect(results[3]!.body.error.id).toBe('rate_limited');
    expect(Number(results[3]!.headers['retry-after'])).toBeGreaterThan(0);
    // Another subscriber is unaffected, and the accepted ones are still pending.
    expect(
      (await subscribe({ email: `calm.${marker}@example.test`, ip: '203.0.113.10' })).status,
    ).toBe(202);
    const kept = await request(stack.app)
      .get(`/api/v1/contacts/${results[0]!.body.contactId}`)
      .set(auth());
    expect(kept.body.lists).toEqual([expect.objectContaining({ status: 'pending' })]);
  });

  it('limits repeated requests for one address', async () => {
    const email = `repeat.${marker}@example.test`;
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await subscribe({ email })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('answers simultaneous requests for one new address alike, with one request, one proof record and one mail', async () => {
    const email = `together.${marker}@example.test`;
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        subscribe({ email, ip: `198.51.100.${30 + i}`, userAgent: `Tab/${i}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    const { contactId } = answers[0]!.body;
    expect(await scope.models.Subscription.countDocuments({ contactId })).toBe(1);
    expect(
      await scope.models.ConsentRecord.countDocuments({ contactId, action: 'requested' }),
    ).toBe(1);
    expect(await mailTo(email)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500)); // no second mail on its way either
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('writes a missing `requested` record when the request is repeated, from the first request', async () => {
    const email = `repaired.${marker}@example.test`;
    const first = await subscribe({ email, ip: '198.51.100.21', userAgent: 'FirstBrowser/1' });
    expect(first.status).toBe(202);
    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    // As if the request had failed between storing the subscription and its proof record.
    const removed = await scope.models.ConsentRecord.deleteMany({
      contactId: first.body.contactId,
      action: 'requested',
    });
    expect(removed.deletedCount).toBe(1);
    const again = await subscribe({ email, ip: '203.0.113.21', userAgent: 'SecondBrowser/2' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const contact = await request(stack.app)
      .get(`/api/v1/contacts/${first.body.contactId}`)
      .set(auth());
    expect(contact.body.consent).toEqual([
      expect.objectContaining({
        action: 'requested',
        ip: '198.51.100.21',
        userAgent: 'FirstBrowser/1',
      }),
    ]);
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('imports with consent=double-opt-in as pending contacts, each asked to confirm', async () => {
    const a = `import-a.${marker}@example.test`;
    const b = `import-b.${marker}@example.test`;
    const res = await request(stack.app)
      .post(`/api/v1/lists/${listId}/imports?consent=double-opt-in`)
      .set(auth())
      .set('Content-Type', 'text/csv')
      .send(`email,firstName\n${a},Ann\nbroken,Bad\n${b},Ben\n`);
    expect(res.status).toBe(202);
    await stack.client.workflow.getHandle(res.body.workflowId).result();
    const status = await request(stack.app).get(`/api/v1/imports/${res.body.id}`).set(auth());
    expect(status.body).toMatchObject({
      status: 'completed',
      total: 3,
      imported: 2,
      rejectedCount: 1,
    });
    for (const email of [a, b]) {
      const [mail] = await mailTo(email);
      expect((await verifyDkim(mail!.raw, dkim))?.status.result).toBe('pass');
      const found = await request(stack.app).get('/api/v1/contacts').query({ email }).set(auth());
      expect(found.body.contacts[0].lists).toEqual([
        expect.objectContaining({ listId, status: 'pending' }),
      ]);
      const read = await request(stack.app)
        .get(`/api/v1/contacts/${found.body.contacts[0].id}`)
        .set(auth());
      expect(read.body.consent[0]).toMatchObject({
        action: 'requested',
        source: { kind: 'import', id: res.body.id },
      });
      expect(read.body.firstName).toBe(email === a ? 'Ann' : 'Ben');
    }
  });

  it('subscribes through the hosted form with the consent text shown', async () => {
    const form = await request(stack.app).get(`/f/${listId}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`action="/f/${listId}"`);
    const email = `form.${marker}@example.test`;
    const missingConsent = await request(stack.app)
      .post(`/f/${listId}`)
      .type('form')
      .send({ email });
    expect(missingConsent.status).toBe(400);
    const sent = await request(stack.app)
      .post(`/f/${listId}`)
      .type('form')
      .set('User-Agent', 'FormBrowser/3')
      .send({ email, consent: 'yes', formId: 'footer', firstName: 'Frieda', lastName: 'Form' });
    expect(sent.status).toBe(200);
    const [mail] = await mailTo(email);
    expect((await verifyDkim(mail!.raw, dkim))?.status.result).toBe('pass');
    const search = await request(stack.app).get('/api/v1/contacts').query({ email }).set(auth());
    const read = await request(stack.app)
      .get(`/api/v1/contacts/${search.body.contacts[0].id}`)
      .set(auth());
    expect(read.body.consent[0]).toMatchObject({
      action: 'requested',
      userAgent: 'FormBrowser/3',
      source: { kind: 'form', id: 'footer' },
    });
    expect(read.body).toMatchObject({ firstName: 'Frieda', lastName: 'Form', fields: {} });
  });

  describe('with a console session', () => {
    let admin: Session;
    beforeAll(async () => {
      admin = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
    });

    it('subscribes only with the session’s CSRF token, recording the user as the source', async () => {
      const email = `console.${marker}@example.test`;
      const url = `/api/v1/lists/${listId}/subscriptions`;
      const forged = await admin.agent.post(url).send({ email });
      expect([forged.status, forged.body.error?.id]).toEqual([403, 'csrf_token_invalid']);
      const none = await request(stack.app).get('/api/v1/contacts').query({ email }).set(auth());
      expect(none.body.contacts).toEqual([]);

      const sent = await admin.agent.post(url).set('X-CSRF-Token', admin.csrf).send({ email });
      expect([sent.status, sent.body.status]).toEqual([202, 'pending']);
      const read = await admin.agent.get(`/api/v1/contacts/${sent.body.contactId}`);
      expect(read.body.consent[0]).toMatchObject({
        action: 'requested',
        source: { kind: 'api', id: admin.userId },
      });

      // The consent export works with the session too, and is in the access log as the user's.
      const exported = await admin.agent.get(`/api/v1/lists/${listId}/consent-export`);
      expect([exported.status, exported.type]).toEqual([200, 'text/csv']);
      expect(exported.text).toContain(sent.body.contactId);
      const logged = await stack.data.tenants.control.AccessLog.find({
        tenantId: tenant.tenantId,
        event: 'personal_data.read',
        'details.source': 'consent_export',
      }).lean();
      expect(logged.map((e) => e.actor)).toContainEqual({ kind: 'user', id: admin.userId });
    });

    it('serves recipients’ pages to a browser holding a console cookie without asking for a CSRF token', async () => {
      const email = `cookie.${marker}@example.test`;
      // The console's cookie travels along (same site), but the form is not a console call.
      const posted = await admin.agent
        .post(`/f/${listId}`)
        .type('form')
        .send({ email, consent: 'yes' });
      expect([posted.status, posted.type]).toEqual([200, 'text/html']);
      // Security headers as on every response, with the page's own content security policy.
      expect(posted.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(posted.headers['content-security-policy']).toMatch(/^default-src 'none';/);
      expect(posted.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      const [mail] = await mailTo(email);
      const confirmed = await admin.agent.post(linkPath(mail!.text, 'c'));
      expect([confirmed.status, confirmed.type]).toEqual([200, 'text/html']);
      const bad = await admin.agent.post('/u/a.b.c').type('form').send('x=1');
      expect([bad.status, bad.type]).toEqual([400, 'text/html']);
      // Nothing of the console leaks into the pages: no session cookie is set by them.
      expect(posted.headers['set-cookie']).toBeUndefined();
      expect(confirmed.headers['set-cookie']).toBeUndefined();
    });
  });

  it('answers every failure of a recipient page with a page, and ignores tracking parameters', async () => {
    const isPage = (res: request.Response, status: number, text: string) => {
      expect([res.status, res.type]).toEqual([status, 'text/html']);
      expect(res.text).toContain(text);
    };
    // The form: every refusal is a page naming the problem, with a way back.
    const post = (body: string, list = listId) =>
      request(stack.app).post(`/f/${list}`).type('form').send(body);
    const email = encodeURIComponent(`page.${marker}@example.test`);
    isPage(await post(`email=${email}`), 400, 'please tick the consent box');
    isPage(await post(`email=${email}&consent=yes&colour=red`), 400, 'unknown field colour');
    isPage(await post(`email=${email}&email=${email}&consent=yes`), 400, `href="/f/${listId}"`);
    isPage(await post('email=not-an-address&consent=yes'), 400, 'not a valid mailbox address');
    isPage(await post(`email=${email}&consent=yes`, 'l0000000000000000'), 404, 'no such');
    isPage(await request(stack.app).get('/f/l0000000000000000'), 404, 'no such');
    isPage(await post(`email=${email}&consent=yes&firstName=${'x'.repeat(11_000)}`), 413, 'large');
    const nothing = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email: `page.${marker}@example.test` })
      .set(auth());
    expect(nothing.body.contacts).toEqual([]);

    // Links: a malformed token is a bad link whatever is wrong with it; query ignored.
    for (const token of ['x', 'a.b.c!', `${'a'.repeat(2001)}.b.c`])
      isPage(await request(stack.app).get(`/c/${encodeURIComponent(token)}`), 400, 'not valid');
    isPage(await request(stack.app).post('/u/a.b.c').type('form').send('x=1'), 400, 'not valid');
    const sub = await subscribe({ email: `tracked.${marker}@example.test` });
    const [mail] = await mailTo(`tracked.${marker}@example.test`);
    const profile = await request(stack.app).get(`${linkPath(mail!.text, 'p')}?utm_source=mail`);
    isPage(profile, 200, `News ${marker}`);
    const form = await request(stack.app).get(`/f/${listId}?utm_source=site&utm_medium=footer`);
    isPage(form, 200, `action="/f/${listId}"`);
    expect(sub.status).toBe(202);
  });
});
