/**
 * Rights requests over HTTP against the real services (api, worker, Temporal dev server,
 * FerretDB, SMTP sink): erasure leaves nothing of the subject in any collection or in the
 * decoded Temporal histories and suppresses the address; access sends a verification link,
 * then an archive with the consent proof and nothing of anyone else; an unknown address is
 * answered like a known one; restriction, objection, rectification and extension; bad input.
 */
import { BSON, MongoClient } from 'mongodb';
import JSZip from 'jszip';
import request from 'supertest';
import { createDataConverter } from '../../src/temporal/data-converter';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { linkPath, mailTo as mailToIn } from '../helpers/dev-mail';
import { historyPayloads } from '../helpers/history-payloads';
import { testServices, uniqueSuffix } from '../helpers/services';
import { startReceiver } from '../helpers/webhook-receiver';
import { buildApiKey, buildTenant } from '../helpers/tenant-fixtures';

describe('rights requests over HTTP', () => {
  let stack: AppStack;
  let raw: MongoClient;
  let tenant: { tenantId: string; apiKey: string };
  let listId: string;
  const marker = uniqueSuffix();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const mailTo = (address: string, count = 1) => mailToIn(stack.app, address, count);

  beforeAll(async () => {
    // The webhook receiver listens on loopback, which production refuses.
    stack = await startAppStack({ env: { WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    raw = await new MongoClient(testServices().mongoUri).connect();
    tenant = await buildTenant(stack.app, stack.platformToken);
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Letters ${marker}` });
    expect(list.status).toBe(201);
    listId = list.body.id;
  });
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  /** Subscribes and confirms `email` from its mail; the contact id. */
  async function confirmedContact(email: string, ip: string): Promise<string> {
    const sub = await request(stack.app)
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email, ip, userAgent: 'Signup/1', fields: { firstName: `First-${marker}` } });
    expect(sub.status).toBe(202);
    const [mail] = await mailTo(email);
    const confirmed = await request(stack.app)
      .post(linkPath(mail!.text, 'c'))
      .type('form')
      .send('');
    expect(confirmed.status).toBe(200);
    return sub.body.contactId;
  }

  const ask = (body: Record<string, unknown>) =>
    request(stack.app).post('/api/v1/rights-requests').set(auth()).send(body);

  /** Polls a request until it closes. */
  async function closed(id: string) {
    for (let i = 0; i < 150; i++) {
      const res = await request(stack.app).get(`/api/v1/rights-requests/${id}`).set(auth());
      expect(res.status).toBe(200);
      if (res.body.status === 'completed' || res.body.status === 'rejected') return res.body;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the request did not close');
  }

  it('erases every trace of the subject, in the database and in Temporal, and refuses the address afterwards', async () => {
    const email = `erin.${marker}@example.test`;
    const ip = '203.0.113.77';
    const contactId = await confirmedContact(email, ip);
    const other = `olga.${marker}@example.test`;
    const otherId = await confirmedContact(other, '203.0.113.78');

    const receiver = await startReceiver();
    const hook = await request(stack.app)
      .post('/api/v1/webhooks')
      .set(auth())
      .send({
        url: receiver.url,
        events: ['rights_request.received', 'rights_request.completed', 'contact.erased'],
      });
    expect(hook.status).toBe(201);
    receiver.secret = hook.body.secret;

    const asked = await ask({ type: 'erasure', email, identityVerified: true });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      status: 'in_progress',
      workflowId: `rights-request:${tenant.tenantId}:${asked.body.id}`,
    });
    const done = await closed(asked.body.id);
    expect(done).toMatchObject({
      status: 'completed',
      result: expect.objectContaining({ held: true, contacts: 1, suppressed: true }),
    });

    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    const ciphertext = Buffer.from((await scope.searchable(email)).buffer).toString('latin1');
    const needles = [email, `erin.${marker}`, ip, ciphertext, contactId];
    const db = raw.db(scope.databaseName);
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find().toArray()) {
        // The `contact.erased` event tells integrators the opaque id to erase by.
        if (name === 'webhook_deliveries' && doc.type === 'contact.erased') continue;
        const bytes = Buffer.from(BSON.serialize(doc)).toString('latin1');
        for (const needle of needles)
          expect(bytes.includes(needle) ? `${name}: ${needle}` : '').toBe('');
      }
    }
    // The integrator hears of it, signed, with opaque ids only.
    const heard = await receiver.waitFor(3, 20_000);
    await receiver.close();
    expect(heard.map((h) => h.parsed.type).sort()).toEqual([
      'contact.erased',
      'rights_request.completed',
      'rights_request.received',
    ]);
    expect(heard.every((h) => h.signatureValid && !h.body.includes('@'))).toBe(true);
    expect(heard.find((h) => h.parsed.type === 'contact.erased')!.parsed.data).toEqual({
      contactId,
      requestId: asked.body.id,
    });
    await request(stack.app).delete(`/api/v1/webhooks/${hook.body.id}`).set(auth());
    // The other subject is untouched.
    expect((await request(stack.app).get(`/api/v1/contacts/${otherId}`).set(auth())).status).toBe(
      200,
    );

    // Temporal: every history of the tenant, decoded, holds nothing of the subject.
    const codec = createDataConverter(stack.payloadKeys).payloadCodecs![0]!;
    const client = stack.client;
    for await (const wf of client.workflow.list({ query: `TenantId = '${tenant.tenantId}'` })) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const decoded = await codec.decode(historyPayloads(history));
      const text = decoded.map((p) => Buffer.from(p.data ?? []).toString('latin1')).join('\n');
      for (const needle of [email, ip, ciphertext])
        expect(text.includes(needle) ? `${wf.workflowId}: ${needle}` : '').toBe('');
    }

    // Suppressed: a subscription is refused, an import rejects the row, the rest imports.
    const again = await request(stack.app)
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email: email.toUpperCase() });
    expect(again.status).toBe(409);
    expect(again.body.error.id).toBe('suppressed');
    expect(JSON.stringify(again.body)).not.toContain('erin');
    // The hosted form answers as for any address, and stores nothing.
    const viaForm = await request(stack.app)
      .post(`/f/${listId}`)
      .type('form')
      .send({ email, consent: 'yes' });
    expect(viaForm.status).toBe(200);
    expect(viaForm.text).toContain('check your inbox');
    expect(await scope.models.Contact.exists({ _id: contactId })).toBeNull();
    const csv = `email,firstName\n${email},Again\nfresh.${marker}@example.test,Fresh\n`;
    const imported = await request(stack.app)
      .post(`/api/v1/lists/${listId}/imports?consent=existing`)
      .set(auth())
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(imported.status).toBe(202);
    let job;
    for (let i = 0; i < 150; i++) {
      job = (await request(stack.app).get(`/api/v1/imports/${imported.body.id}`).set(auth())).body;
      if (job.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(job).toMatchObject({
      status: 'completed',
      imported: 1,
      rejected: [{ line: 2, reason: expect.stringContaining('suppressed') }],
    });

    // A second erasure of the same subject succeeds and finds nothing more.
    const second = await closed(
      (await ask({ type: 'erasure', email, identityVerified: true })).body.id,
    );
    expect(second.result).toMatchObject({ contacts: 0 });

    const evidence = await request(stack.app)
      .get(`/api/v1/rights-requests/${asked.body.id}/evidence`)
      .set(auth());
    expect(evidence.status).toBe(200);
    expect(evidence.body.steps.map((s: { action: string }) => s.action)).toEqual([
      'received',
      'identity_verified',
      'completed',
    ]);
    expect(JSON.stringify(evidence.body)).not.toContain(marker);
    const csvEvidence = await request(stack.app)
      .get(`/api/v1/rights-requests/${asked.body.id}/evidence?format=csv`)
      .set(auth());
    expect(csvEvidence.text.split('\n')[0]).toBe('at,action,byKind,byId,details');
  });

  it('verifies an access request by its link, then sends an archive of the subject’s data and of nobody else', async () => {
    const email = `ada.${marker}@example.test`;
    const contactId = await confirmedContact(email, '198.51.100.31');
    await confirmedContact(`bob.${marker}@example.test`, '198.51.100.32');
    const asked = await ask({ type: 'access', email });
    expect(asked.status).toBe(202);
    expect(asked.body.status).toBe('verifying');
    // The subject view shows the open request.
    const view = await request(stack.app).get(`/api/v1/contacts/${contactId}`).set(auth());
    expect(view.body).toMatchObject({
      restricted: false,
      rightsRequests: [
        { id: asked.body.id, type: 'access', status: 'verifying', dueAt: asked.body.dueAt },
      ],
    });
    const verification = (await mailTo(email, 2)).find(
      (m) => m.subject === 'Please confirm your request',
    );
    const verify = linkPath(verification!.text, 'r');
    const page = await request(stack.app).get(verify);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<form method="post" action="${verify}">`);
    expect(
      (await request(stack.app).get(`/api/v1/rights-requests/${asked.body.id}`).set(auth())).body
        .status,
    ).toBe('verifying');
    expect((await request(stack.app).post(verify).type('form').send('')).status).toBe(200);
    const done = await closed(asked.body.id);
    expect(done).toMatchObject({
      status: 'completed',
      result: expect.objectContaining({ held: true }),
      archiveExpiresAt: expect.any(String),
    });

    const ready = (await mailTo(email, 3)).find((m) => m.subject === 'Your data is ready');
    const download = /https?:\/\/[^/\s]+(\/r\/[A-Za-z0-9._-]+\/export)/.exec(ready!.text)![1]!;
    const zipped = await request(stack.app)
      .get(download)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(zipped.status).toBe(200);
    const zip = await JSZip.loadAsync(zipped.body as Buffer);
    expect(Object.keys(zip.files).sort()).toEqual([
      'README.txt',
      'automation_runs.csv',
      'campaigns.csv',
      'consent.csv',
      'data.json',
      'events.csv',
      'memberships.csv',
      'messages.csv',
      'profile.csv',
      'rights_requests.csv',
      'subscription_requests.csv',
    ]);
    const data = JSON.parse(await zip.file('data.json')!.async('string'));
    expect(data.format).toBe('consentflow.subject-data/v1');
    expect(data.collections.profile).toEqual([
      expect.objectContaining({ id: contactId, email, firstName: `First-${marker}` }),
    ]);
    expect(
      data.collections.consent.map((c: { action: string; ip: string }) => [c.action, c.ip]),
    ).toEqual([
      ['requested', '198.51.100.31'],
      ['confirmed', expect.any(String)],
    ]);
    expect(data.collections.messages).toEqual([
      expect.objectContaining({ step: 'confirmation', status: 'sent' }),
    ]);
    expect(data.collections.rights_requests).toEqual([
      expect.objectContaining({ id: asked.body.id, type: 'access' }),
    ]);
    const everything = await Promise.all(Object.values(zip.files).map((f) => f.async('string')));
    expect(everything.join('\n')).not.toContain(`bob.${marker}`);
    expect(await zip.file('README.txt')!.async('string')).toContain('consent.csv');

    const staffCopy = await request(stack.app)
      .get(`/api/v1/rights-requests/${asked.body.id}/export`)
      .set(auth());
    expect(staffCopy.status).toBe(200);
    expect(staffCopy.headers['content-type']).toContain('application/zip');
    const evidence = await request(stack.app)
      .get(`/api/v1/rights-requests/${asked.body.id}/evidence`)
      .set(auth());
    expect(
      evidence.body.steps.map((s: { action: string; byKind: string }) => [s.action, s.byKind]),
    ).toEqual([
      ['received', 'api_key'],
      ['identity_verified', 'subject'],
      ['completed', 'system'],
      ['archive_downloaded', 'subject'],
      ['archive_downloaded', 'api_key'],
    ]);
    // A tampered token changes nothing and gets a page.
    const tampered = await request(stack.app).get(
      download.replace('/export', '').slice(0, -3) + 'AAA/export',
    );
    expect(tampered.status).toBe(400);
  });

  it('answers a request for an address it does not hold exactly like one it holds, and completes it as nothing held', async () => {
    const held = await ask({ type: 'access', email: `ada.${marker}@example.test` });
    const unknown = `nobody.${marker}@example.test`;
    const notHeld = await ask({ type: 'access', email: unknown });
    expect(notHeld.status).toBe(held.status);
    expect(Object.keys(notHeld.body).sort()).toEqual(Object.keys(held.body).sort());
    expect(notHeld.body.status).toBe(held.body.status);
    const [verification] = await mailTo(unknown);
    await request(stack.app).post(linkPath(verification!.text, 'r')).type('form').send('');
    expect(await closed(notHeld.body.id)).toMatchObject({
      status: 'completed',
      result: expect.objectContaining({ held: false, rows: 0 }),
    });
  });

  it('restricts processing (left out of the export) until lifted, records an objection, and rectifies through the edit validation', async () => {
    const contactId = await confirmedContact(`rita.${marker}@example.test`, '198.51.100.40');
    const exported = async () =>
      (
        await request(stack.app).get(`/api/v1/lists/${listId}/contacts/export`).set(auth())
      ).text.includes(contactId);
    expect(await exported()).toBe(true);
    await closed((await ask({ type: 'restriction', contactId, identityVerified: true })).body.id);
    expect(await exported()).toBe(false);
    await closed(
      (await ask({ type: 'restriction', contactId, identityVerified: true, scope: { lift: true } }))
        .body.id,
    );
    expect(await exported()).toBe(true);

    await closed(
      (await ask({ type: 'objection', contactId, identityVerified: true, scope: { listId } })).body
        .id,
    );
    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    expect(
      (await scope.models.Contact.findById(contactId, { trackingObjection: 1 }).lean())
        ?.trackingObjection,
    ).toEqual([listId]);

    const bad = await ask({
      type: 'rectification',
      contactId,
      identityVerified: true,
      changes: { phone: 'not a phone' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('phone');
    const emailChange = await ask({
      type: 'rectification',
      contactId,
      changes: { email: 'new@example.test' },
    });
    expect(emailChange.status).toBe(400);
    expect(emailChange.body.error.id).toBe('email_immutable');
    const fixed = await closed(
      (
        await ask({
          type: 'rectification',
          contactId,
          identityVerified: true,
          changes: { lastName: 'Corrected', phone: '+39 02 1234 5678' },
        })
      ).body.id,
    );
    expect(fixed.status).toBe('completed');
    const contact = await request(stack.app).get(`/api/v1/contacts/${contactId}`).set(auth());
    expect(contact.body).toMatchObject({ lastName: 'Corrected', phone: '+390212345678' });
  });

  it('extends a deadline by at most two months in all, and refuses bad input with the error shape', async () => {
    const asked = await ask({ type: 'access', email: `late.${marker}@example.test` });
    const id = asked.body.id;
    const extended = await request(stack.app)
      .post(`/api/v1/rights-requests/${id}/extend`)
      .set(auth())
      .send({ months: 1, reason: 'archive retrieval' });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.dueAt)).toBeGreaterThan(
      Date.parse(asked.body.dueAt) + 27 * 86_400_000,
    );
    const tooLong = await request(stack.app)
      .post(`/api/v1/rights-requests/${id}/extend`)
      .set(auth())
      .send({ months: 2, reason: 'more' });
    expect(tooLong.status).toBe(400);
    expect(
      (
        await request(stack.app)
          .post(`/api/v1/rights-requests/${id}/extend`)
          .set(auth())
          .send({ months: 3, reason: 'x' })
      ).status,
    ).toBe(400);
    expect((await ask({ type: 'access' })).status).toBe(400);
    expect((await ask({ type: 'access', email: 'not-an-address' })).status).toBe(400);
    expect((await ask({ type: 'teleport', email: `x.${marker}@example.test` })).status).toBe(400);
    expect((await ask({ type: 'access', contactId: 'c000000000000000000000000' })).status).toBe(
      404,
    );
    expect(
      (
        await request(stack.app)
          .get('/api/v1/rights-requests/r000000000000000000000000')
          .set(auth())
      ).status,
    ).toBe(404);
    // Only a caller who sees every list and field handles rights requests.
    for (const limits of [
      { lists: [listId] },
      { fields: { '*': 'edit' as const, phone: 'none' as const } },
    ]) {
      const key = await buildApiKey(stack.data, tenant.tenantId, {
        features: ['rights.manage'],
        ...limits,
      });
      const refused = await request(stack.app)
        .post('/api/v1/rights-requests')
        .set('Authorization', `Bearer ${key}`)
        .send({ type: 'access', email: `x.${marker}@example.test` });
      expect(refused.status).toBe(403);
      expect(refused.body.error.id).toBe('rights_scope');
    }
    const listed = await request(stack.app)
      .get('/api/v1/rights-requests?status=verifying')
      .set(auth());
    expect(listed.status).toBe(200);
    const dues = listed.body.requests.map((r: { dueAt: string }) => r.dueAt);
    expect(dues).toEqual([...dues].sort());
    expect(listed.body.requests.every((r: { status: string }) => r.status === 'verifying')).toBe(
      true,
    );
  });

  it('shows the subject their data and consent proof in the profile center, and acts only on its form posts', async () => {
    const email = `paula.${marker}@example.test`;
    const contactId = await confirmedContact(email, '198.51.100.50');
    const [mail] = await mailTo(email);
    const profile = linkPath(mail!.text, 'p');
    const shown = await request(stack.app).get(profile);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain(email);
    expect(shown.text).toContain(`First-${marker}`);
    expect(shown.text).toContain('IP 198.51.100.50');
    expect(shown.text).toContain('consent text default-1');
    for (const action of ['access', 'restrict', 'stop-tracking', 'unsubscribe-all', 'erase'])
      expect(shown.text).toContain(`value="${action}"`);
    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    const contact = () => scope.models.Contact.findById(contactId).lean();
    expect((await contact())?.restrictedAt).toBeUndefined(); // viewing changed nothing

    const post = (action: string) =>
      request(stack.app).post(profile).type('form').send(`action=${action}`);
    /** Waits (up to 20 s) until the contact shows what a request did. */
    const until = async (done: (c: Awaited<ReturnType<typeof contact>>) => boolean) => {
      for (let i = 0; i < 100 && !done(await contact()); i++)
        await new Promise((r) => setTimeout(r, 200));
    };
    // One after the other: two requests writing one contact at once can undo each other on
    // FerretDB, which replaces the whole document on each update (see src/rights/execute.ts).
    expect((await post('restrict')).status).toBe(200);
    await until((c) => c?.restrictedAt !== undefined);
    expect((await post('stop-tracking')).status).toBe(200);
    await until((c) => (c?.trackingObjection ?? []).includes('*'));
    expect(await contact()).toMatchObject({
      restrictedAt: expect.any(Date),
      trackingObjection: ['*'],
    });
    // With tracking objected to, a visit records no activity.
    const before = (await contact())?.lastActivityAt;
    await request(stack.app).get(profile);
    expect((await contact())?.lastActivityAt).toEqual(before);

    expect((await post('unsubscribe-all')).status).toBe(200);
    expect((await contact())?.lists[listId]?.status).toBe('unsubscribed');
    expect((await post('teleport')).status).toBe(400);
    expect((await post('erase')).status).toBe(200);
    for (let i = 0; i < 100 && (await contact()); i++) await new Promise((r) => setTimeout(r, 200));
    expect(await contact()).toBeNull();
    expect((await request(stack.app).get(profile)).status).toBe(410);
  });

  it('takes a request by address on the tenant’s public page, answering alike whatever the address', async () => {
    const form = await request(stack.app).get(`/t/${tenant.tenantId}/rights`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`<form method="post" action="/t/${tenant.tenantId}/rights">`);
    const stranger = `stranger.${marker}@example.test`;
    const held = `ada.${marker}@example.test`;
    const sent = await Promise.all(
      [stranger, held].map((email) =>
        request(stack.app)
          .post(`/t/${tenant.tenantId}/rights`)
          .type('form')
          .send({ email, type: 'access' }),
      ),
    );
    expect(sent.map((r) => r.status)).toEqual([200, 200]);
    expect(sent[0]!.text).toBe(sent[1]!.text);
    const verification = (await mailTo(stranger)).find(
      (m) => m.subject === 'Please confirm your request',
    );
    expect(linkPath(verification!.text, 'r')).toMatch(/^\/r\//);
    expect(
      (
        await request(stack.app)
          .post(`/t/${tenant.tenantId}/rights`)
          .type('form')
          .send({ email: 'nope', type: 'access' })
      ).status,
    ).toBe(400);
  });
});
