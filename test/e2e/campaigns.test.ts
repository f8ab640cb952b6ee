/**
 * Campaigns over HTTP against the real services (api, worker, Temporal dev server, FerretDB,
 * SMTP sink): a template in MJML with merge fields, checked when saved; a campaign to two lists
 * reaches exactly the eligible members, once each (a restricted, an unsubscribed and a pending
 * member get nothing), every message DKIM-signed with the postal address in its footer;
 * tracking adds a pixel and redirect links only where the list tracks, records an open and a
 * click once, and a tampered token gets 404 and records nothing; the permissions and the
 * refusals of bad input.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createLinkChecker } from '../../src/campaigns/link-check';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { verifyDkim, type PublishedDkim } from '../helpers/dkim';
import { linkPath, mailTo as mailToIn, type SinkMail } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import { buildApiKey, buildTenant } from '../helpers/tenant-fixtures';

const MJML = `<mjml><mj-body><mj-section><mj-column>
  <mj-text>Hello {{ contact.firstName | default: "there" }}, news from {{ contact.custom.city }}</mj-text>
  <mj-button href="https://shop.example.com/spring">See the spring range</mj-button>
  <mj-text><a href="https://shop.example.com/about">About us</a></mj-text>
</mj-column></mj-section></mj-body></mjml>`;

describe('campaigns over HTTP', () => {
  let stack: AppStack;
  let tenant: { tenantId: string; apiKey: string };
  let dkim: PublishedDkim;
  const marker = uniqueSuffix();
  const auth = (key = tenant.apiKey) => ({ Authorization: `Bearer ${key}` });
  const api = () => request(stack.app);
  const mailTo = (address: string, count = 1) => mailToIn(stack.app, address, count);
  const allMail = async (address: string): Promise<SinkMail[]> =>
    ((await api().get('/api/dev/mail')).body.messages as SinkMail[]).filter((m) =>
      m.to.includes(address),
    );

  beforeAll(async () => {
    // The operator's file: a domain, and a feed's CSV export (a commented header, quoted
    // fields, the URL in its third column).
    const blocklistFile = path.join(await mkdtemp(path.join(tmpdir(), 'blocklist-')), 'list.csv');
    await writeFile(
      blocklistFile,
      [
        '# operator blocklist',
        'feed-domain.test',
        '# id,dateadded,url,url_status,last_online,threat,tags,link,reporter',
        '"101","2026-11-30 10:00:00","http://feed-url.test/payload.exe","online","2026-11-30 10:00:00","malware_download","exe","https://feed.example/101/","someone"',
        '',
      ].join('\n'),
    );
    // The link checker may reach this machine's test site only because the tests say so.
    stack = await startAppStack({
      env: {
        CONSENTFLOW_LINK_BLOCKLIST: 'blocked.test',
        CONSENTFLOW_LINK_BLOCKLIST_FILE: blocklistFile,
        CONSENTFLOW_LINK_CHECK_ALLOW_PRIVATE: 'true',
      },
    });
    tenant = await buildTenant(stack.app, stack.platformToken);
    dkim = (await api().get('/api/v1/dkim').set(auth())).body;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function newList(name: string, tracking = true) {
    const res = await api()
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `${name} ${marker}`, tracking });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** Subscribes `email` to the list and, unless told not to, confirms it from its mail. */
  async function member(
    listId: string,
    email: string,
    confirm = true,
    fields: Record<string, string> = { firstName: 'Pat', city: 'Turin' },
  ) {
    const asking = (m: SinkMail) => m.subject.startsWith('Please confirm');
    const before = (await allMail(email)).filter(asking).map((m) => m.raw);
    const sub = await api()
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email, fields });
    expect(sub.status).toBe(202);
    // This list's confirmation mail: the one not there before.
    const mails = await mailTo(email, before.length + 1);
    const mail = mails.filter(asking).find((m) => !before.includes(m.raw))!;
    if (confirm)
      expect((await api().post(linkPath(mail.text, 'c')).type('form').send('')).status).toBe(200);
    return { contactId: sub.body.contactId as string, confirmation: mail };
  }

  async function template(html = MJML, subject = 'Spring news for {{ contact.firstName }}') {
    return api()
      .post('/api/v1/templates')
      .set(auth())
      .send({ name: `Spring ${marker}`, subject, html });
  }

  /** Polls the campaign until `done` holds of it. */
  async function campaignWhen(id: string, done: (body: CampaignBody) => boolean) {
    for (let i = 0; i < 150; i++) {
      const res = await api().get(`/api/v1/campaigns/${id}`).set(auth());
      expect(res.status).toBe(200);
      if (done(res.body)) return res.body as CampaignBody;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the campaign never got there');
  }

  it('refuses a template with an unknown merge field, bad Liquid or MJML that does not compile', async () => {
    const unknown = await template('<p>Hi {{ contact.password }}</p>');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.id).toBe('invalid_template');
    expect(unknown.body.error.message).toContain('contact.password');
    const liquid = await template('<p>Hi {{ contact.firstName </p>');
    expect(liquid.status).toBe(400);
    expect(liquid.body.error.message).toMatch(/merge fields/);
    const mjml = await template(
      '<mjml><mj-body><mj-section><mj-text>x</mj-text></mj-section></mj-body></mjml>',
    );
    expect(mjml.status).toBe(400);
    expect(mjml.body.error.message).toMatch(/MJML: .*mj-text/);
    const subject = await template(MJML, 'Hi {{ contact.ssn }}');
    expect(subject.status).toBe(400);
    expect(subject.body.error.problems[0]).toMatchObject({ field: 'subject' });
    const linked = await template('<a href="https://x.example/?u={{ contact.email }}">x</a>');
    expect(linked.status).toBe(400);
    expect(linked.body.error.message).toMatch(/cannot hold merge fields/);
  });

  it('sends to the eligible members of two lists once each, tracked where the list tracks, and counts an open and a click once', async () => {
    const tracked = await newList('Tracked');
    const untracked = await newList('Untracked', false);
    const email = (name: string) => `${name}.${marker}@example.test`;
    const alice = await member(tracked, email('alice'));
    await member(tracked, email('bob'));
    await member(untracked, email('bob'));
    await member(untracked, email('frank'));
    const carol = await member(tracked, email('carol'));
    const restriction = await api()
      .post('/api/v1/rights-requests')
      .set(auth())
      .send({ type: 'restriction', contactId: carol.contactId, identityVerified: true });
    expect(restriction.status).toBe(202);
    const dave = await member(tracked, email('dave'));
    expect(
      (await api().post(linkPath(dave.confirmation.text, 'u')).type('form').send('')).status,
    ).toBeLessThan(400);
    await member(tracked, email('erin'), false); // pending: never confirmed
    for (let i = 0; i < 50; i++) {
      const c = await api().get(`/api/v1/contacts/${carol.contactId}`).set(auth());
      if (c.body.restricted) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const created = await template();
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      version: 1,
      mergeFields: ['contact.custom.city', 'contact.firstName'],
      links: ['https://shop.example.com/spring', 'https://shop.example.com/about'],
    });
    const preview = await api()
      .post(`/api/v1/templates/${created.body.id}/preview`)
      .set(auth())
      .send({ contactId: alice.contactId });
    expect(preview.status).toBe(200);
    expect(preview.body.subject).toBe('Spring news for Pat');
    expect(preview.body.html).toContain('href="https://shop.example.com/spring"');
    expect(preview.body.text).toContain('news from Turin');

    const campaign = await api()
      .post('/api/v1/campaigns')
      .set(auth())
      .send({
        name: `Spring ${marker}`,
        listIds: [tracked, untracked],
        templateId: created.body.id,
      });
    expect(campaign.status).toBe(201);
    expect(campaign.body).toMatchObject({ status: 'draft', tracking: true });
    const id = campaign.body.id as string;

    // No postal address yet: no marketing message may go out.
    const early = await api().post(`/api/v1/campaigns/${id}/send`).set(auth());
    expect(early.status).toBe(409);
    expect(early.body.error.id).toBe('postal_address_missing');
    const address = await api()
      .put('/api/v1/settings/postal-address')
      .set(auth())
      .send({ postalAddress: 'Via Roma 1\n10121 Torino\nItaly' });
    expect(address.status).toBe(200);

    // Without campaigns.send the send is refused.
    const creator = await buildApiKey(stack.data, tenant.tenantId, {
      features: ['campaigns.create'],
    });
    expect((await api().post(`/api/v1/campaigns/${id}/send`).set(auth(creator))).status).toBe(403);

    const sent = await api().post(`/api/v1/campaigns/${id}/send`).set(auth());
    expect(sent.status).toBe(202);
    expect(sent.body.workflowId).toBe(`campaign:${tenant.tenantId}:${id}`);
    expect((await api().post(`/api/v1/campaigns/${id}/send`).set(auth())).status).toBe(409);
    const done = await campaignWhen(id, (b) => b.status === 'sent');
    expect(done.stats).toMatchObject({ recipients: 3, sent: 3, skipped: 0, opens: 0, clicks: 0 });

    const spring = (m: SinkMail) => m.subject === 'Spring news for Pat';
    for (const who of ['alice', 'bob', 'frank'])
      expect((await allMail(email(who))).filter(spring)).toHaveLength(1);
    for (const who of ['carol', 'dave', 'erin'])
      expect((await allMail(email(who))).filter(spring)).toHaveLength(0);

    const [toAlice] = (await allMail(email('alice'))).filter(spring);
    expect((await verifyDkim(toAlice!.raw, dkim))?.status.result).toBe('pass');
    expect(toAlice!.html).toContain('Via Roma 1<br>10121 Torino');
    expect(toAlice!.text).toContain('Via Roma 1');
    expect(toAlice!.html).toMatch(/\/t\/o\/[A-Za-z0-9._-]+/);
    expect(toAlice!.html).not.toContain('href="https://shop.example.com/spring"');
    expect(toAlice!.raw).not.toContain(alice.contactId);
    // Frank's list does not track: no pixel, links straight to their targets.
    const [toFrank] = (await allMail(email('frank'))).filter(spring);
    expect(toFrank!.html).not.toContain('/t/o/');
    expect(toFrank!.html).not.toContain('/t/c/');
    expect(toFrank!.html).toContain('href="https://shop.example.com/spring"');

    const pixel = /\/t\/o\/[A-Za-z0-9._-]+/.exec(toAlice!.html)![0];
    const click = /\/t\/c\/[A-Za-z0-9._-]+/.exec(toAlice!.html)![0];
    for (let i = 0; i < 2; i++) {
      const opened = await api().get(pixel);
      expect(opened.status).toBe(200);
      expect(opened.type).toBe('image/gif');
      const clicked = await api().get(click).redirects(0);
      expect(clicked.status).toBe(302);
      expect(clicked.headers.location).toBe('https://shop.example.com/spring');
    }
    const tampered = `${click.slice(0, -3)}${click.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    const refused = await api().get(tampered).redirects(0);
    expect(refused.status).toBe(404);
    expect(refused.headers.location).toBeUndefined();
    const counted = await campaignWhen(id, (b) => b.stats!.clicks === 1);
    expect(counted.stats).toMatchObject({ opens: 1, clicks: 1, unsubscribes: 0 });

    // The unsubscribe link of the campaign's message counts in its statistics.
    expect((await api().post(linkPath(toAlice!.text, 'u')).type('form').send('')).status).toBe(200);
    await campaignWhen(id, (b) => b.stats!.unsubscribes === 1);
  });

  it('sends no pixel and direct links when the campaign does not track, and hides statistics without stats.view', async () => {
    const list = await newList('Quiet');
    const { contactId } = await member(list, `quinn.${marker}@example.test`);
    const created = await template();
    const campaign = await api()
      .post('/api/v1/campaigns')
      .set(auth())
      .send({ name: 'Quiet', listIds: [list], templateId: created.body.id, tracking: false });
    expect(campaign.status).toBe(201);
    await api()
      .put('/api/v1/settings/postal-address')
      .set(auth())
      .send({ postalAddress: 'Via Roma 1, Torino, Italy' });
    expect(
      (await api().post(`/api/v1/campaigns/${campaign.body.id}/send`).set(auth())).status,
    ).toBe(202);
    await campaignWhen(campaign.body.id, (b) => b.status === 'sent');
    const [mail] = (await allMail(`quinn.${marker}@example.test`)).filter(
      (m) => m.subject === 'Spring news for Pat',
    );
    expect(mail!.html).not.toMatch(/\/t\/[oc]\//);
    expect(mail!.html).toContain('href="https://shop.example.com/about"');
    expect(contactId).toMatch(/^c/);

    const reader = await buildApiKey(stack.data, tenant.tenantId, {
      features: ['campaigns.create'],
    });
    const seen = await api().get(`/api/v1/campaigns/${campaign.body.id}`).set(auth(reader));
    expect(seen.status).toBe(200);
    expect(seen.body.stats).toBeUndefined();
  });

  it('checks every link before a send: a redirect chain to a blocklisted host and a misleading text refuse it, with the chain shown', async () => {
    // A local site: /a redirects to /b, which redirects to a blocklisted host; /ok answers.
    const site: Server = createServer((req, res) => {
      if (req.url === '/a') res.writeHead(302, { Location: '/b' }).end();
      else if (req.url === '/b')
        res.writeHead(301, { Location: 'http://www.blocked.test/x' }).end();
      else if (req.url === '/ok') res.writeHead(200).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const base = `http://localhost:${(site.address() as AddressInfo).port}`;
    try {
      const list = await newList('Checked');
      await member(list, `chris.${marker}@example.test`);
      const created = await api()
        .post('/api/v1/templates')
        .set(auth())
        .send({
          name: 'Links',
          subject: 'Links',
          html: `<p><a href="${base}/a">offer</a> <a href="${base}/ok">fine</a> <a href="${base}/ok">www.bank.example</a> <a href="http://192.0.2.1/x">raw</a></p>`,
        });
      expect(created.status).toBe(201);
      const campaign = await api()
        .post('/api/v1/campaigns')
        .set(auth())
        .send({ name: 'Links', listIds: [list], templateId: created.body.id });
      const checked = await api().post(`/api/v1/campaigns/${campaign.body.id}/check`).set(auth());
      expect(checked.status).toBe(200);
      expect(checked.body.links).toEqual([
        {
          url: `${base}/a`,
          finalUrl: 'http://www.blocked.test/x',
          hops: [`${base}/b`, 'http://www.blocked.test/x'],
          verdict: 'blocked',
          reason: 'www.blocked.test is on the blocklist (blocked.test)',
        },
        {
          url: `${base}/ok`,
          finalUrl: `${base}/ok`,
          hops: [],
          verdict: 'blocked',
          reason: `the link's text shows www.bank.example but it points at localhost`,
        },
        {
          url: 'http://192.0.2.1/x',
          finalUrl: 'http://192.0.2.1/x',
          hops: [],
          verdict: 'blocked',
          reason: '192.0.2.1 is an IP address, not a host name',
        },
      ]);
      await api()
        .put('/api/v1/settings/postal-address')
        .set(auth())
        .send({ postalAddress: 'Via Roma 1, Torino, Italy' });
      const refused = await api().post(`/api/v1/campaigns/${campaign.body.id}/send`).set(auth());
      expect(refused.status).toBe(422);
      expect(refused.body.error.id).toBe('links_blocked');
      expect(refused.body.error.problems[0]).toMatchObject({
        field: `${base}/a`,
        message: expect.stringContaining(`via ${base}/b → http://www.blocked.test/x`),
      });
      // Where private addresses are not allowed (production), the same site is refused.
      const strict = createLinkChecker({ allowPrivate: false, blocklist: [] });
      try {
        expect(await strict.check([{ url: `${base}/ok` }])).toEqual([
          expect.objectContaining({
            verdict: 'blocked',
            reason: 'refused: it resolves to a non-public address',
          }),
        ]);
      } finally {
        await strict.close();
      }
      // Nothing was sent, and the campaign is still a draft.
      const after = await api().get(`/api/v1/campaigns/${campaign.body.id}`).set(auth());
      expect(after.body.status).toBe('draft');
      expect(
        (await allMail(`chris.${marker}@example.test`)).filter((m) => m.subject === 'Links'),
      ).toHaveLength(0);
    } finally {
      await new Promise((r) => site.close(r));
    }
  });

  it("blocks links on the operator's blocklist file and on the tenant's own deny list", async () => {
    const site: Server = createServer((req, res) => {
      const to: Record<string, string> = {
        '/to-feed': 'http://feed-url.test/payload.exe',
        '/to-feed-domain': 'http://cdn.feed-domain.test/x',
        '/to-denied': 'http://www.denied-by-tenant.test/offer',
      };
      if (req.url && to[req.url]) res.writeHead(302, { Location: to[req.url] }).end();
      else res.writeHead(200).end();
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const base = `http://localhost:${(site.address() as AddressInfo).port}`;
    try {
      // Refused whole when one entry is neither a domain nor a URL.
      const bad = await api()
        .put('/api/v1/settings/link-denylist')
        .set(auth())
        .send({ entries: ['denied-by-tenant.test', 'not a domain'] });
      expect([bad.status, bad.body.error?.id]).toEqual([400, 'invalid_request']);
      expect(bad.body.error.message).toContain('not a domain');
      expect((await api().get('/api/v1/settings/link-denylist').set(auth())).body).toEqual({
        entries: [],
      });
      const denied = await api()
        .put('/api/v1/settings/link-denylist')
        .set(auth())
        .send({ entries: ['denied-by-tenant.test', `${base}/exact-page`] });
      expect(denied.status).toBe(200);
      const links = ['/to-feed', '/to-feed-domain', '/to-denied', '/exact-page', '/fine'];
      const created = await api()
        .post('/api/v1/templates')
        .set(auth())
        .send({
          name: 'Lists',
          subject: 'Lists',
          html: `<p>${links.map((l) => `<a href="${base}${l}">link</a>`).join(' ')}</p>`,
        });
      expect(created.status).toBe(201);
      const list = await newList('Denied');
      const campaign = await api()
        .post('/api/v1/campaigns')
        .set(auth())
        .send({ name: 'Lists', listIds: [list], templateId: created.body.id });
      const checked = await api().post(`/api/v1/campaigns/${campaign.body.id}/check`).set(auth());
      expect(checked.status).toBe(200);
      expect(
        checked.body.links.map((l: { verdict: string; reason?: string }) => [l.verdict, l.reason]),
      ).toEqual([
        ['blocked', 'feed-url.test is on the blocklist (http://feed-url.test/payload.exe)'],
        ['blocked', 'cdn.feed-domain.test is on the blocklist (feed-domain.test)'],
        [
          'blocked',
          "www.denied-by-tenant.test is on the tenant's deny list (denied-by-tenant.test)",
        ],
        ['blocked', `localhost is on the tenant's deny list (${base}/exact-page)`],
        ['ok', undefined],
      ]);
      // Another tenant's deny list is its own: the same links pass there but the operator's.
      const other = await buildTenant(stack.app, stack.platformToken);
      const theirs = await api()
        .post('/api/v1/templates')
        .set('Authorization', `Bearer ${other.apiKey}`)
        .send({ name: 'Lists', subject: 'Lists', html: `<a href="${base}/exact-page">x</a>` });
      const theirList = await api()
        .post('/api/v1/lists')
        .set('Authorization', `Bearer ${other.apiKey}`)
        .send({ name: 'Theirs' });
      const theirCampaign = await api()
        .post('/api/v1/campaigns')
        .set('Authorization', `Bearer ${other.apiKey}`)
        .send({ name: 'x', listIds: [theirList.body.id], templateId: theirs.body.id });
      const theirCheck = await api()
        .post(`/api/v1/campaigns/${theirCampaign.body.id}/check`)
        .set('Authorization', `Bearer ${other.apiKey}`);
      expect(theirCheck.body.links).toEqual([expect.objectContaining({ verdict: 'ok' })]);
    } finally {
      await new Promise((r) => site.close(r));
    }
  });

  it('sends to the segment only: a field and a past event, across two lists', async () => {
    const fair = await newList('Fair');
    const other = await newList('Other');
    const address = (name: string) => `${name}.seg.${marker}@example.test`;
    // In the segment: in Turin and went to the fair, on either list.
    const tina = await member(fair, address('tina'), true, { firstName: 'Tina', city: 'Turin' });
    const theo = await member(other, address('theo'), true, { firstName: 'Theo', city: 'turin' });
    // Not: in Turin but never went; went but lives in Milan.
    await member(fair, address('tom'), true, { firstName: 'Tom', city: 'Turin' });
    const mia = await member(fair, address('mia'), true, { firstName: 'Mia', city: 'Milan' });
    for (const { contactId } of [tina, theo, mia]) {
      const event = await api()
        .post('/api/v1/events')
        .set(auth())
        .send({ contactId, name: 'fair.attended' });
      expect(event.status).toBe(202);
    }
    const segment = {
      type: 'all',
      conditions: [
        { type: 'field', field: 'custom.city', op: 'equals', value: 'Turin' },
        { type: 'event', name: 'fair.attended', withinDays: 30 },
      ],
    };
    const created = await template('<p>See you at the fair</p>', `Fair news ${marker}`);
    const campaign = await api()
      .post('/api/v1/campaigns')
      .set(auth())
      .send({ name: 'Fair', listIds: [fair, other], templateId: created.body.id, segment });
    expect(campaign.status).toBe(201);
    expect(campaign.body.segment).toEqual(segment);
    await api()
      .put('/api/v1/settings/postal-address')
      .set(auth())
      .send({ postalAddress: 'Via Roma 1, Torino, Italy' });
    expect(
      (await api().post(`/api/v1/campaigns/${campaign.body.id}/send`).set(auth())).status,
    ).toBe(202);
    const done = await campaignWhen(campaign.body.id, (b) => b.status === 'sent');
    expect(done.stats).toMatchObject({ recipients: 2, sent: 2 });
    for (const [name, count] of [
      ['tina', 1],
      ['theo', 1],
      ['tom', 0],
      ['mia', 0],
    ] as const)
      expect(
        (await allMail(address(name))).filter((m) => m.subject === `Fair news ${marker}`),
      ).toHaveLength(count);
  });

  it('refuses a segment with an unknown field, a foreign list or nesting past its bound', async () => {
    const mine = await newList('Segmented');
    const created = await template();
    const attempt = (segment: unknown, key = tenant.apiKey) =>
      api()
        .post('/api/v1/campaigns')
        .set(auth(key))
        .send({ name: 'x', listIds: [mine], templateId: created.body.id, segment });
    const unknown = await attempt({ type: 'field', field: 'password', op: 'is_set' });
    expect([unknown.status, unknown.body.error?.id]).toEqual([400, 'invalid_request']);
    expect(unknown.body.error.message).toMatch(/segment\.field.*unknown field/);
    const missing = await attempt({
      type: 'membership',
      listId: 'l0000000000000000',
      status: 'active',
    });
    expect(missing.status).toBe(404);
    const theirs = await newList('Not theirs');
    const limited = await buildApiKey(stack.data, tenant.tenantId, {
      features: ['campaigns.create'],
      lists: [mine],
    });
    const foreign = await attempt({ type: 'consent', listId: theirs, state: 'granted' }, limited);
    expect(foreign.status).toBe(404);
    const nest = (levels: number) => {
      let deep: unknown = { type: 'field', field: 'firstName', op: 'is_set' };
      for (let i = 0; i < levels; i++) deep = { type: 'not', condition: deep };
      return deep;
    };
    const nested = await attempt(nest(8));
    expect(nested.status).toBe(400);
    expect(nested.body.error.message).toMatch(/nest at most 6 deep/);
    // Far deeper, the body itself is refused before anything reads it.
    expect((await attempt(nest(5_000))).status).toBe(400);
    expect(
      await stack.data.tenants
        .forTenant(tenant.tenantId)
        .then((t) => t.models.Campaign.countDocuments({ name: 'x' })),
    ).toBe(0);
  });

  it('refuses a campaign to a list outside the caller’s lists, or with a send time in the past', async () => {
    const mine = await newList('Mine');
    const theirs = await newList('Theirs');
    const created = await template();
    const limited = await buildApiKey(stack.data, tenant.tenantId, {
      features: ['campaigns.create', 'campaigns.send'],
      lists: [mine],
    });
    const outside = await api()
      .post('/api/v1/campaigns')
      .set(auth(limited))
      .send({ name: 'x', listIds: [theirs], templateId: created.body.id });
    expect(outside.status).toBe(404);
    const past = await api()
      .post('/api/v1/campaigns')
      .set(auth())
      .send({
        name: 'x',
        listIds: [mine],
        templateId: created.body.id,
        sendAt: '2020-01-01T00:00:00Z',
      });
    expect(past.status).toBe(400);
    const bad = await api()
      .post('/api/v1/campaigns')
      .set(auth())
      .send({ name: 'x', listIds: ['nope'], templateId: created.body.id });
    expect(bad.status).toBe(400);
  });
});

interface CampaignBody {
  id: string;
  status: string;
  stats?: {
    recipients: number;
    sent: number;
    skipped: number;
    opens: number;
    clicks: number;
    unsubscribes: number;
  };
}
