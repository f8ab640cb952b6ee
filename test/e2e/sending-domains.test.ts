/**
 * Sending domains over HTTP against the real services, with a local DNS server standing in
 * for the tenant's DNS host (CONSENTFLOW_DNS_SERVERS points the check at it): a domain gets
 * its own key and record, verifies only once the record carrying its key is published, and a
 * campaign sent from it is signed for it (d= the domain) with its From there; malformed,
 * repeated, foreign and unverified domains are refused and change nothing.
 */
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { verifyDkim } from '../helpers/dkim';
import { linkPath, mailTo, type SinkMail } from '../helpers/dev-mail';
import { startTestDnsServer, type TestDnsServer } from '../helpers/dns-server';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

describe('sending domains over HTTP', () => {
  let stack: AppStack;
  let dns: TestDnsServer;
  let tenant: { tenantId: string; apiKey: string };
  let other: { tenantId: string; apiKey: string };
  const marker = uniqueSuffix();
  const domain = `mail-${marker}.example.test`.toLowerCase();
  const auth = (key = tenant.apiKey) => ({ Authorization: `Bearer ${key}` });
  const api = () => request(stack.app);

  beforeAll(async () => {
    dns = await startTestDnsServer();
    stack = await startAppStack({ env: { CONSENTFLOW_DNS_SERVERS: dns.address } });
    tenant = await buildTenant(stack.app, stack.platformToken);
    other = await buildTenant(stack.app, stack.platformToken);
  });
  afterAll(async () => {
    await stack?.stop();
    await dns?.stop();
  });

  async function subscribedMember(listId: string, email: string) {
    const sub = await api()
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email, fields: { firstName: 'Pat' } });
    expect(sub.status).toBe(202);
    const [mail] = await mailTo(stack.app, email);
    expect((await api().post(linkPath(mail!.text, 'c')).type('form').send('')).status).toBe(200);
  }

  it('adds a domain with its own record, refuses malformed and repeated ones, and hides it from other tenants', async () => {
    for (const bad of [
      'not a domain',
      'localhost',
      'exa_mple.com',
      'example.com.',
      '-x.example.com',
    ])
      expect(
        (await api().post('/api/v1/sending-domains').set(auth()).send({ domain: bad })).status,
      ).toBe(400);
    const added = await api()
      .post('/api/v1/sending-domains')
      .set(auth())
      .send({ domain: domain.toUpperCase() });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ domain, status: 'pending', verifiedAt: null });
    expect(added.body.id).toMatch(/^sd[0-9a-f]{24}$/);
    expect(added.body.name).toBe(`${added.body.selector}._domainkey.${domain}`);
    expect(added.body.txt).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    const platform = (await api().get('/api/v1/dkim').set(auth())).body;
    expect(added.body.txt).not.toBe(platform.txt);

    const again = await api().post('/api/v1/sending-domains').set(auth()).send({ domain });
    expect(again.status).toBe(409);
    expect(again.body.error.id).toBe('sending_domain_exists');
    const list = await api().get('/api/v1/sending-domains').set(auth());
    expect(list.body.domains).toHaveLength(1);

    // Another tenant may add the same domain (its own key), but never sees this one.
    const id = added.body.id as string;
    expect((await api().get(`/api/v1/sending-domains/${id}`).set(auth(other.apiKey))).status).toBe(
      404,
    );
    expect(
      (await api().post(`/api/v1/sending-domains/${id}/verify`).set(auth(other.apiKey))).status,
    ).toBe(404);
    expect(
      (await api().delete(`/api/v1/sending-domains/${id}`).set(auth(other.apiKey))).status,
    ).toBe(404);
    expect(
      (await api().get('/api/v1/sending-domains').set(auth(other.apiKey))).body.domains,
    ).toEqual([]);
    expect((await api().get(`/api/v1/sending-domains/${id}`).set(auth())).body.status).toBe(
      'pending',
    );
  });

  it('verifies only the published record of its key, and sends a campaign signed for the domain from it', async () => {
    const added = await api()
      .post('/api/v1/sending-domains')
      .set(auth())
      .send({ domain: `news.${domain}` });
    expect(added.status).toBe(201);
    const { id, name, txt, selector } = added.body as Record<string, string>;

    const missing = await api().post(`/api/v1/sending-domains/${id}/verify`).set(auth());
    expect(missing.status).toBe(422);
    expect(missing.body.error.id).toBe('dkim_record_missing');
    const platform = (await api().get('/api/v1/dkim').set(auth())).body;
    dns.publishTxt(name!, 'v=spf1 -all', platform.txt);
    const wrong = await api().post(`/api/v1/sending-domains/${id}/verify`).set(auth());
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.id).toBe('dkim_record_mismatch');
    expect((await api().get(`/api/v1/sending-domains/${id}`).set(auth())).body.status).toBe(
      'pending',
    );

    // A campaign may not name an unverified or unknown domain; nothing is created.
    const listId = (
      await api()
        .post('/api/v1/lists')
        .set(auth())
        .send({ name: `Domains ${marker}` })
    ).body.id as string;
    const templateId = (
      await api()
        .post('/api/v1/templates')
        .set(auth())
        .send({ name: `Domains ${marker}`, subject: 'From our domain', html: '<p>Hello</p>' })
    ).body.id as string;
    const draft = (sendingDomainId: string) =>
      api()
        .post('/api/v1/campaigns')
        .set(auth())
        .send({ name: `Domains ${marker}`, listIds: [listId], templateId, sendingDomainId });
    const before = (await api().get('/api/v1/campaigns').set(auth())).body.length;
    const unverified = await draft(id!);
    expect(unverified.status).toBe(422);
    expect(unverified.body.error.id).toBe('sending_domain_unverified');
    const unknown = await draft(`sd${'0'.repeat(24)}`);
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.id).toBe('sending_domain_unknown');
    expect((await api().get('/api/v1/campaigns').set(auth())).body).toHaveLength(before);

    // Published as a DNS host would: among other records, split into 255-octet strings.
    dns.publishTxt(name!, 'v=spf1 -all', txt!.replace('; p=', ';  p='));
    const verified = await api().post(`/api/v1/sending-domains/${id}/verify`).set(auth());
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ id, status: 'verified' });
    expect(verified.body.verifiedAt).toEqual(expect.any(String));

    const email = `reader.${marker}@example.test`;
    await subscribedMember(listId, email);
    expect(
      (
        await api()
          .put('/api/v1/settings/postal-address')
          .set(auth())
          .send({ postalAddress: 'Via Roma 1\n10121 Torino\nItaly' })
      ).status,
    ).toBe(200);
    const campaign = await draft(id!);
    expect(campaign.status).toBe(201);
    expect(campaign.body.sendingDomainId).toBe(id);
    expect(
      (await api().post(`/api/v1/campaigns/${campaign.body.id}/send`).set(auth())).status,
    ).toBe(202);
    const mails = await mailTo(stack.app, email, 2);
    const sent = mails.find((m: SinkMail) => m.subject === 'From our domain')!;
    expect(sent).toBeDefined();
    expect(sent.raw).toMatch(
      new RegExp(`^From: .*@news\\.${domain.replace(/\./g, '\\.')}>?\\r?$`, 'm'),
    );
    const result = await verifyDkim(sent.raw, {
      domain: `news.${domain}`,
      selector: selector!,
      txt: txt!,
    });
    expect(result?.status.result).toBe('pass');

    // A draft from the domain cannot be sent once the domain is deleted; it stays a draft.
    const later = await draft(id!);
    expect(later.status).toBe(201);
    expect((await api().delete(`/api/v1/sending-domains/${id}`).set(auth())).status).toBe(204);
    const refused = await api().post(`/api/v1/campaigns/${later.body.id}/send`).set(auth());
    expect(refused.status).toBe(422);
    expect(refused.body.error.id).toBe('sending_domain_unknown');
    expect((await api().get(`/api/v1/campaigns/${later.body.id}`).set(auth())).body.status).toBe(
      'draft',
    );
  });

  it('deletes a domain and its key, once', async () => {
    const added = await api()
      .post('/api/v1/sending-domains')
      .set(auth())
      .send({ domain: `gone.${domain}` });
    const { id } = added.body as Record<string, string>;
    expect((await api().delete(`/api/v1/sending-domains/${id}`).set(auth())).status).toBe(204);
    expect((await api().get(`/api/v1/sending-domains/${id}`).set(auth())).status).toBe(404);
    expect((await api().delete(`/api/v1/sending-domains/${id}`).set(auth())).status).toBe(404);
  });
});
