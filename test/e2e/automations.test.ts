/**
 * Marketer-designed automations over HTTP against the real services (api, worker, Temporal
 * dev server, FerretDB, SMTP sink): the minimal definition of the contract is accepted,
 * published and run when a contact confirms, its mail DKIM-signed in the sink and the
 * statistics moving; invalid definitions answer every problem with its node; a custom event
 * reaches a waiting run; an unsubscribed contact gets nothing from a send step; an erasure
 * ends a waiting run; run ids and search attributes hold opaque ids only.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createActivities } from '../../activities';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { verifyDkim, type PublishedDkim } from '../helpers/dkim';
import { linkPath, mailTo as mailToIn } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('automations over HTTP', () => {
  let stack: AppStack;
  let tenant: { tenantId: string; apiKey: string };
  let listId: string;
  let dkim: PublishedDkim;
  const marker = uniqueSuffix();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const mailTo = (address: string, count = 1) => mailToIn(stack.app, address, count);
  const api = () => request(stack.app);
  /** Waits for the mail to `address` with `subject`. */
  async function mailSubjected(address: string, subject: string) {
    for (let i = 0; i < 100; i++) {
      const found = (await mailTo(address)).find((m) => m.subject === subject);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no mail "${subject}"`);
  }

  beforeAll(async () => {
    stack = await startAppStack({ env: { CONSENTFLOW_LINK_BLOCKLIST: 'blocked.test' } });
    tenant = await buildTenant(stack.app, stack.platformToken);
    const list = await api()
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Journeys ${marker}` });
    expect(list.status).toBe(201);
    listId = list.body.id;
    dkim = (await api().get('/api/v1/dkim').set(auth())).body;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Subscribes and confirms `email` from its mail; the contact id. */
  async function confirmedContact(email: string, fields: Record<string, string> = {}) {
    const sub = await api()
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email, ip: '203.0.113.9', fields });
    expect(sub.status).toBe(202);
    const [mail] = await mailTo(email);
    expect((await api().post(linkPath(mail!.text, 'c')).type('form').send('')).status).toBe(200);
    return { contactId: sub.body.contactId as string, confirmation: mail! };
  }

  /** Creates and publishes an automation; its id. */
  async function published(name: string, definition: unknown): Promise<string> {
    const created = await api().post('/api/v1/automations').set(auth()).send({ name, definition });
    expect(created.status).toBe(201);
    const publish = await api().post(`/api/v1/automations/${created.body.id}/publish`).set(auth());
    expect(publish.status).toBe(200);
    return created.body.id;
  }

  /** Polls the automation until `done` holds of it. */
  async function automationWhen(id: string, done: (body: AutomationBody) => boolean) {
    for (let i = 0; i < 100; i++) {
      const res = await api().get(`/api/v1/automations/${id}`).set(auth());
      expect(res.status).toBe(200);
      if (done(res.body)) return res.body as AutomationBody;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the automation never got there');
  }

  it('serves the JSON Schema of a definition', async () => {
    const res = await api().get('/api/v1/automations/schema').set(auth());
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('wait_for_event');
    expect(res.body.$schema).toMatch(/json-schema/);
  });

  it('refuses to publish a mail with a blocked link, naming the step, and publishes nothing', async () => {
    const definition = {
      entry: { type: 'list_confirmed', listId, next: 'hello' },
      nodes: [
        {
          id: 'hello',
          type: 'send_email',
          subject: 'Hi',
          html: '<p>Read <a href="https://www.blocked.test/offer">our offer</a>.</p>',
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    };
    const created = await api()
      .post('/api/v1/automations')
      .set(auth())
      .send({ name: 'Blocked link', definition });
    expect(created.status).toBe(201);
    const publish = await api().post(`/api/v1/automations/${created.body.id}/publish`).set(auth());
    expect([publish.status, publish.body.error?.id]).toEqual([422, 'links_blocked']);
    expect(publish.body.error.problems).toEqual([
      expect.objectContaining({ node: 'hello', field: 'html' }),
    ]);
    expect(publish.body.error.message).toContain('https://www.blocked.test/offer');
    const after = await api().get(`/api/v1/automations/${created.body.id}`).set(auth());
    expect(after.body).toMatchObject({ status: 'draft', publishedVersion: null });
  });

  it('answers an invalid definition with every problem and its node', async () => {
    const res = await api()
      .post('/api/v1/automations')
      .set(auth())
      .send({
        name: 'Broken',
        definition: {
          entry: { type: 'list_confirmed', listId, next: 'hello' },
          nodes: [
            { id: 'hello', type: 'send_email', subject: 'Hi', html: '<p>Hi</p>', next: 'nowhere' },
            { id: 'lost', type: 'end' },
            {
              id: 'check',
              type: 'condition',
              condition: { type: 'field', field: 'email', op: 'is_set' },
              yes: 'lost',
              no: 'lost',
            },
          ],
        },
      });
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe('invalid_definition');
    expect(res.body.error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ node: 'check', field: 'condition.field' }),
      ]),
    );
    const dangling = await api()
      .post('/api/v1/automations')
      .set(auth())
      .send({
        name: 'Dangling',
        definition: {
          entry: { type: 'list_confirmed', listId, next: 'hello' },
          nodes: [
            { id: 'hello', type: 'send_email', subject: 'Hi', html: '<p>Hi</p>', next: 'nowhere' },
            { id: 'lost', type: 'end' },
          ],
        },
      });
    expect(dangling.status).toBe(400);
    expect(dangling.body.error.problems).toEqual([
      { node: 'hello', field: 'next', message: expect.stringContaining('nowhere') },
    ]);
    const foreign = await api()
      .post('/api/v1/automations')
      .set(auth())
      .send({ name: 'Foreign', definition: minimal('l0000000000000000') });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.problems).toEqual([
      expect.objectContaining({ node: 'entry', field: 'listId' }),
    ]);
  });

  it('sends a campaign template from a send step, as it was when the version was published', async () => {
    const template = await api()
      .post('/api/v1/templates')
      .set(auth())
      .send({
        name: `Journey ${marker}`,
        subject: `Hello {{ contact.firstName }} ${marker}`,
        html: '<mjml><mj-body><mj-section><mj-column><mj-text>From the template, {{ contact.firstName }}</mj-text></mj-column></mj-section></mj-body></mjml>',
      });
    expect(template.status).toBe(201);
    const withTemplate = (templateId: string) => ({
      ...minimal(listId),
      nodes: [
        { id: 'welcome', type: 'send_template', templateId, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    const missing = await api()
      .post('/api/v1/automations')
      .set(auth())
      .send({ name: 'No template', definition: withTemplate(`m${'0'.repeat(24)}`) });
    expect([missing.status, missing.body.error?.id]).toEqual([400, 'invalid_definition']);
    expect(missing.body.error.problems).toEqual([
      { node: 'welcome', field: 'templateId', message: expect.stringContaining('does not exist') },
    ]);
    const id = await published(`Template journey ${marker}`, withTemplate(template.body.id));
    // Edited after the publish: the published version keeps the template as it was.
    const edited = await api()
      .put(`/api/v1/templates/${template.body.id}`)
      .set(auth())
      .send({ subject: `Changed ${marker}`, html: '<p>changed</p>' });
    expect(edited.status).toBe(200);
    const email = `tilda.${marker}@example.test`;
    await confirmedContact(email, { firstName: 'Tilda' });
    const mail = await mailSubjected(email, `Hello Tilda ${marker}`);
    expect(mail.html).toContain('From the template, Tilda');
    expect((await verifyDkim(mail.raw, dkim))?.status.result).toBe('pass');
    expect((await mailTo(email)).some((m) => m.subject === `Changed ${marker}`)).toBe(false);
    const body = (await api().get(`/api/v1/automations/${id}`).set(auth())).body;
    expect(body.draft.nodes[0]).toEqual({
      id: 'welcome',
      type: 'send_template',
      templateId: template.body.id,
      next: 'done',
    });
  });

  it('runs the minimal definition when a contact confirms: a DKIM-signed mail and moving statistics', async () => {
    const id = await published(`Welcome ${marker}`, {
      ...minimal(listId),
      nodes: [
        {
          id: 'welcome',
          type: 'send_email',
          subject: 'Welcome, {{ contact.firstName }}',
          html: '<p>Hello {{ contact.firstName }}</p>',
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    });
    const email = `wendy.${marker}@example.test`;
    const { contactId } = await confirmedContact(email, { firstName: '<b>Wendy</b>' });
    const welcome = await mailSubjected(email, 'Welcome, <b>Wendy</b>');
    expect(welcome.raw).toContain('&lt;b&gt;Wendy&lt;/b&gt;'); // escaped in the HTML part
    expect((await verifyDkim(welcome.raw, dkim))?.status.result).toBe('pass');
    expect(welcome.text).toMatch(/\/u\//); // the unsubscribe link of the list

    const body = await automationWhen(id, (b) => b.stats.done?.completed === 1);
    expect(body).toMatchObject({ id, status: 'active', publishedVersion: 1 });
    expect(body.stats.welcome).toMatchObject({ entered: 1, completed: 1, waiting: 0, failed: 0 });
    expect(body.runs).toMatchObject({ total: 1, completed: 1 });

    // The run's workflow id and search attributes name opaque ids only.
    const runs = [];
    for await (const run of stack.client.workflow.list({
      query: `AutomationId = '${id}'`,
    }))
      runs.push(run);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.workflowId).toBe(`automation:${tenant.tenantId}:${id}:${contactId}:1`);
    expect(JSON.stringify(runs[0]!.searchAttributes)).not.toContain(marker);
  });

  it('publishes a recipe over HTTP: the welcome series mails a contact who confirms', async () => {
    const recipes = await api().get('/api/v1/automations/recipes').query({ listId }).set(auth());
    expect(recipes.status).toBe(200);
    const welcome = recipes.body.find((r: { id: string }) => r.id === 'welcome-series');
    // Its quiet hours would hold the mail at night: the test runs at any hour.
    const settings = { ...welcome.definition.settings };
    delete settings.quietHours;
    const id = await published(`Recipe ${marker}`, { ...welcome.definition, settings });
    const email = `rita.${marker}@example.test`;
    const { contactId } = await confirmedContact(email, { firstName: 'Rita' });
    await mailSubjected(email, 'Welcome, Rita');
    const body = await automationWhen(id, (b) => b.stats.two_days?.waiting === 1);
    expect(body.stats.welcome).toMatchObject({ entered: 1, completed: 1 });
    const at = await api().get(`/api/v1/automations/${id}/nodes/two_days/contacts`).set(auth());
    expect(at.body).toEqual([expect.objectContaining({ contactId, until: expect.any(String) })]);
    const simulated = await api()
      .post(`/api/v1/automations/${id}/simulate`)
      .set(auth())
      .send({ contactId });
    expect(simulated.body.steps.map((s: { node: string }) => s.node)).toEqual([
      'welcome',
      'two_days',
      'bought',
      'getting_started',
      'done',
    ]);
  });

  it('lets the daily sweep enter a contact whose birthday comes, once', async () => {
    const recipes = await api().get('/api/v1/automations/recipes').query({ listId }).set(auth());
    const birthday = recipes.body.find((r: { id: string }) => r.id === 'birthday');
    const id = await published(`Birthday ${marker}`, birthday.definition);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(4, 10); // -MM-DD
    const { contactId } = await confirmedContact(`bo.${marker}@example.test`, {
      birthday: `-${tomorrow}`,
    });
    await confirmedContact(`no.${marker}@example.test`, {
      birthday: '--01-01' === `-${tomorrow}` ? '--07-01' : '--01-01',
    });
    const sweep = () =>
      new MockActivityEnvironment().run(createActivities(stack.activityDeps).sweepTimedEntries, {
        tenantId: tenant.tenantId,
      });
    expect(await sweep()).toMatchObject({ entered: 1 });
    expect(await sweep()).toMatchObject({ entered: 0 });
    await automationWhen(id, (b) => b.stats.morning?.waiting === 1);
    const at = await api().get(`/api/v1/automations/${id}/nodes/morning/contacts`).set(auth());
    expect(at.body).toEqual([
      expect.objectContaining({ contactId, until: expect.stringMatching(/T09:00:00\.000Z$/) }),
    ]);
  });

  it('hears a custom event in a wait, and sends nothing to a contact who unsubscribed', async () => {
    const id = await published(`Nudge ${marker}`, {
      entry: { type: 'custom_event', listId, name: 'cart_abandoned', next: 'wait' },
      nodes: [
        {
          id: 'wait',
          type: 'wait_for_event',
          event: { kind: 'custom', name: 'checkout' },
          timeout: { amount: 1, unit: 'days' },
          onEvent: 'thanks',
          onTimeout: 'done',
        },
        {
          id: 'thanks',
          type: 'send_email',
          subject: 'Thanks',
          html: '<p>Thanks</p>',
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    });
    const event = (contactId: string, name: string) =>
      api().post('/api/v1/events').set(auth()).send({ contactId, name });

    const buyer = `bea.${marker}@example.test`;
    const { contactId: buyerId } = await confirmedContact(buyer);
    expect((await event(buyerId, 'cart_abandoned')).status).toBe(202);
    await automationWhen(id, (b) => b.stats.wait?.waiting === 1);
    expect((await event(buyerId, 'checkout')).status).toBe(202);
    await mailSubjected(buyer, 'Thanks');

    const leaver = `lee.${marker}@example.test`;
    const { contactId: leaverId, confirmation } = await confirmedContact(leaver);
    expect((await event(leaverId, 'cart_abandoned')).status).toBe(202);
    await automationWhen(id, (b) => b.stats.wait?.waiting === 1);
    const unsubscribed = await api().post(linkPath(confirmation.text, 'u')).type('form').send('');
    expect(unsubscribed.status).toBeLessThan(400);
    expect((await event(leaverId, 'checkout')).status).toBe(202);
    const body = await automationWhen(id, (b) => b.stats.thanks?.entered === 2);
    expect(body.stats.thanks).toMatchObject({ entered: 2, skipped: 1 });
    expect(body.stats.wait!.branches).toEqual({ event: 2 });
    const mails = (await api().get('/api/dev/mail')).body.messages.filter((m: { to: string[] }) =>
      m.to.includes(leaver),
    );
    expect(mails.map((m: { subject: string }) => m.subject)).not.toContain('Thanks');

    // An event for a contact the tenant does not hold is answered alike and changes nothing.
    expect((await event('c000000000000000000000000', 'checkout')).status).toBe(202);
  });

  it('tracks its own mails: a run waiting for a click of one hears it, and the link leads to its target', async () => {
    const id = await published(`Click ${marker}`, {
      entry: { type: 'list_confirmed', listId, next: 'offer' },
      nodes: [
        {
          id: 'offer',
          type: 'send_email',
          subject: 'Our offer',
          html: '<p>See <a href="https://shop.example.test/offer">the offer</a>.</p>',
          next: 'clicked',
        },
        {
          id: 'clicked',
          type: 'wait_for_event',
          event: { kind: 'click', node: 'offer' },
          timeout: { amount: 2, unit: 'days' },
          onEvent: 'thanks',
          onTimeout: 'done',
        },
        {
          id: 'thanks',
          type: 'send_email',
          subject: 'Glad you looked',
          html: '<p>!</p>',
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    });
    const email = `clara.${marker}@example.test`;
    const { contactId } = await confirmedContact(email);
    const offer = await mailSubjected(email, 'Our offer');
    expect(offer.html).not.toContain('https://shop.example.test/offer'); // behind a redirect
    const pixel = /src="[^"]*(\/t\/o\/[^"]+)"/.exec(offer.html!)?.[1];
    const click = /href="[^"]*(\/t\/c\/[^"]+)"/.exec(offer.html!)?.[1];
    expect(pixel && click).toBeTruthy();
    await automationWhen(id, (b) => b.stats.clicked?.waiting === 1);

    expect((await api().get(pixel!)).status).toBe(200);
    const redirect = await api().get(click!);
    expect([redirect.status, redirect.headers.location]).toEqual([
      302,
      'https://shop.example.test/offer',
    ]);
    await mailSubjected(email, 'Glad you looked');
    const body = await automationWhen(id, (b) => b.stats.thanks?.entered === 1);
    expect(body.stats.clicked!.branches).toEqual({ event: 1 });
    // The click counts as the contact's activity (inactivity pruning reads it).
    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    const stored = await scope.models.Contact.findById(contactId, { lastActivityAt: 1 }).lean();
    expect(stored?.lastActivityAt).toBeInstanceOf(Date);

    // A token naming another link index or a tampered one leads nowhere.
    expect((await api().get(`${click!.slice(0, -3)}xyz`)).status).toBe(404);
  });

  it('refuses a wait for a click of a step that sends no mail', async () => {
    const res = await api()
      .post('/api/v1/automations')
      .set(auth())
      .send({
        name: 'Wrong wait',
        definition: {
          entry: { type: 'list_confirmed', listId, next: 'clicked' },
          nodes: [
            {
              id: 'clicked',
              type: 'wait_for_event',
              event: { kind: 'open', node: 'done' },
              timeout: { amount: 1, unit: 'days' },
              onEvent: 'done',
              onTimeout: 'done',
            },
            { id: 'done', type: 'end' },
          ],
        },
      });
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ node: 'clicked', field: 'event.node' })]),
    );
  });

  it('enters a contact on a verified rights request and hears a field edited over the API', async () => {
    const id = await published(`Rights ${marker}`, {
      entry: { type: 'rights_request', requestType: 'access', next: 'wait' },
      nodes: [
        {
          id: 'wait',
          type: 'wait_for_event',
          event: { kind: 'field_change', field: 'custom.plan' },
          timeout: { amount: 1, unit: 'days' },
          onEvent: 'mark',
          onTimeout: 'done',
        },
        { id: 'mark', type: 'update_field', field: 'custom.heard', value: 'yes', next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    const rightsRequest = (body: object) =>
      api()
        .post('/api/v1/rights-requests')
        .set(auth())
        .send({ identityVerified: true, ...body });
    const { contactId } = await confirmedContact(`rhea.${marker}@example.test`);
    // A portability request is another type: it enters nothing here.
    expect((await rightsRequest({ type: 'portability', contactId })).status).toBe(202);
    expect((await rightsRequest({ type: 'access', contactId })).status).toBe(202);
    await automationWhen(id, (b) => b.stats.wait?.waiting === 1);

    // An edit of another field does not wake the wait; the awaited one does.
    const edit = (fields: object) =>
      api().patch(`/api/v1/contacts/${contactId}`).set(auth()).send(fields);
    expect((await edit({ firstName: 'Rhea' })).status).toBe(200);
    expect((await edit({ fields: { plan: 'gold' } })).status).toBe(200);
    await automationWhen(id, (b) => b.runs.completed === 1);
    const contact = await api().get(`/api/v1/contacts/${contactId}`).set(auth());
    expect(contact.body.fields).toMatchObject({ plan: 'gold', heard: 'yes' });

    // A rectification request changes the field too, and is heard the same way.
    const { contactId: second } = await confirmedContact(`remy.${marker}@example.test`);
    expect((await rightsRequest({ type: 'access', contactId: second })).status).toBe(202);
    await automationWhen(id, (b) => b.stats.wait?.waiting === 1);
    const rectification = await rightsRequest({
      type: 'rectification',
      contactId: second,
      changes: { fields: { plan: 'silver' } },
    });
    expect(rectification.status).toBe(202);
    const body = await automationWhen(id, (b) => b.runs.completed === 2);
    expect(body.runs.total).toBe(2);
    expect(body.stats.wait!.branches).toEqual({ event: 2 });
    expect(body.stats.mark).toMatchObject({ entered: 2, completed: 2 });
  });

  it('ends a waiting run when the contact is erased', async () => {
    const id = await published(`Slow ${marker}`, {
      entry: { type: 'list_confirmed', listId, next: 'pause' },
      nodes: [
        {
          id: 'pause',
          type: 'delay',
          wait: { kind: 'duration', amount: 3, unit: 'days' },
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    });
    const email = `ezra.${marker}@example.test`;
    const { contactId } = await confirmedContact(email);
    await automationWhen(id, (b) => b.stats.pause?.waiting === 1);
    const erasure = await api()
      .post('/api/v1/rights-requests')
      .set(auth())
      .send({ type: 'erasure', contactId, identityVerified: true });
    expect(erasure.status).toBe(202);
    const handle = stack.client.workflow.getHandle(
      `automation:${tenant.tenantId}:${id}:${contactId}:1`,
    );
    for (let i = 0; i < 100 && (await handle.describe()).status.name === 'RUNNING'; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect((await handle.describe()).status.name).toBe('TERMINATED');
  });

  it('pauses, resumes and archives; refuses runs of a paused automation', async () => {
    const id = await published(`Manual ${marker}`, {
      entry: { type: 'manual', listId, next: 'pause' },
      nodes: [
        {
          id: 'pause',
          type: 'delay',
          wait: { kind: 'duration', amount: 2, unit: 'days' },
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    });
    const { contactId } = await confirmedContact(`mia.${marker}@example.test`);
    const started = await api()
      .post(`/api/v1/automations/${id}/runs`)
      .set(auth())
      .send({ contactId });
    expect(started.status).toBe(202);
    expect(started.body.workflowId).toBe(`automation:${tenant.tenantId}:${id}:${contactId}:1`);
    const again = await api()
      .post(`/api/v1/automations/${id}/runs`)
      .set(auth())
      .send({ contactId });
    expect(again.status).toBe(409);

    expect((await api().post(`/api/v1/automations/${id}/pause`).set(auth())).status).toBe(200);
    const paused = await api()
      .post(`/api/v1/automations/${id}/runs`)
      .set(auth())
      .send({ contactId });
    expect(paused.status).toBe(409);
    expect((await api().post(`/api/v1/automations/${id}/resume`).set(auth())).status).toBe(200);
    expect((await api().post(`/api/v1/automations/${id}/archive`).set(auth())).status).toBe(200);
    const body = await automationWhen(id, (b) => b.runs.exited === 1);
    expect(body.status).toBe('archived');
    const result = await stack.client.workflow.getHandle(started.body.workflowId).result();
    expect(result).toMatchObject({ outcome: 'exited', reason: 'archived' });
  });
});

interface AutomationBody {
  id: string;
  status: string;
  publishedVersion: number | null;
  stats: Record<
    string,
    {
      entered: number;
      waiting: number;
      completed: number;
      failed: number;
      skipped: number;
      branches: Record<string, number>;
    }
  >;
  runs: { total: number; active: number; completed: number; exited: number; failed: number };
}

/** The contract's minimal definition on `listId`. */
function minimal(listId: string) {
  return {
    entry: { type: 'list_confirmed', listId, next: 'welcome' },
    nodes: [
      { id: 'welcome', type: 'send_email', subject: 'Welcome', html: '<p>Hello</p>', next: 'done' },
      { id: 'done', type: 'end' },
    ],
  };
}
