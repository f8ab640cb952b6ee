/**
 * One tenant never reaches another's data, walking the OpenAPI document: tenant A holds one of
 * everything that has an id (list, contact, import, automation, template, campaign, webhook,
 * rights request, user, API key, support-access request, access review, sending domain);
 * tenant B's admin,
 * with every permission, calls every tenant route with A's ids. Each answer is 404 (or 400 for
 * a body B's call does not get past validation with) and A's data is as it was. And a key of A
 * limited to one list gets 404 for every route about another list of A.
 */
import request, { type Test } from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildApiKey, buildTenant } from '../helpers/tenant-fixtures';

type Operation = { security?: Record<string, string[]>[] };

describe('tenant isolation', () => {
  let stack: AppStack;
  let doc: { paths: Record<string, Record<string, Operation>> };
  const a = { ids: {} as Record<string, string> } as {
    tenantId: string;
    key: string;
    session: Session;
    ids: Record<string, string>;
  };
  const b = {} as { key: string; session: Session };
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    stack = await startAppStack({ env: { WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    doc = (await request(stack.app).get('/api/openapi.json')).body;
    const api = () => request(stack.app);
    const aEmail = `iso-a-${uniqueSuffix()}@example.test`;
    const bEmail = `iso-b-${uniqueSuffix()}@example.test`;
    ({ tenantId: a.tenantId, apiKey: a.key } = await buildTenant(stack.app, stack.platformToken, {
      email: aEmail,
    }));
    ({ apiKey: b.key } = await buildTenant(stack.app, stack.platformToken, { email: bEmail }));
    a.session = await loginAndSetPassword(stack.app, aEmail, INITIAL_ADMIN_PASSWORD);
    b.session = await loginAndSetPassword(stack.app, bEmail, INITIAL_ADMIN_PASSWORD);
    const as = bearer(a.key);
    const ok = (res: request.Response, status: number) => {
      if (res.status !== status) throw new Error(`${res.status} ${res.text}`);
      return res.body;
    };

    const ids = a.ids;
    ids.list = ok(await api().post('/api/v1/lists').set(as).send({ name: 'A one' }), 201).id;
    ids.otherList = ok(await api().post('/api/v1/lists').set(as).send({ name: 'A two' }), 201).id;
    const email = `iso-subject-${uniqueSuffix()}@example.test`;
    const upload = ok(
      await api()
        .post(`/api/v1/lists/${ids.otherList}/imports?consent=existing`)
        .set(as)
        .set('Content-Type', 'text/csv')
        .send(`email,consentedAt\n${email},2026-01-01T00:00:00Z\n`),
      202,
    );
    ids.import = upload.id;
    await stack.client.workflow.getHandle(upload.workflowId).result();
    ids.contact = ok(
      await api().get('/api/v1/contacts').query({ email }).set(as),
      200,
    ).contacts[0].id;
    ids.automation = ok(
      await api()
        .post('/api/v1/automations')
        .set(as)
        .send({
          name: 'A journey',
          definition: {
            entry: { type: 'list_confirmed', listId: ids.otherList, next: 'done' },
            nodes: [{ id: 'done', type: 'end' }],
          },
        }),
      201,
    ).id;
    ids.template = ok(
      await api()
        .post('/api/v1/templates')
        .set(as)
        .send({ name: 'A news', subject: 'News', html: '<p>News</p>' }),
      201,
    ).id;
    ids.campaign = ok(
      await api()
        .post('/api/v1/campaigns')
        .set(as)
        .send({ name: 'A send', listIds: [ids.otherList], templateId: ids.template }),
      201,
    ).id;
    ids.webhook = ok(
      await api()
        .post('/api/v1/webhooks')
        .set(as)
        .send({ url: 'http://127.0.0.1:9/a', events: ['contact.erased'] }),
      201,
    ).id;
    ids.rightsRequest = ok(
      await api()
        .post('/api/v1/rights-requests')
        .set(as)
        .send({ type: 'access', email, identityVerified: true }),
      202,
    ).id;
    ids.user = (await buildUser(a.session, { features: ['contacts.view'] })).id;
    ids.apiKey = (await buildApiKey(stack.data, a.tenantId, { features: ['contacts.view'] })).split(
      '_',
    )[1]!;
    ids.supportAccess = ok(
      await api()
        .post(`/api/v1/tenants/${a.tenantId}/support-access`)
        .set(bearer(stack.platformToken))
        .send({ reason: 'isolation test case', hours: 1, requestedBy: 'ops' }),
      202,
    ).id;
    ids.sendingDomain = ok(
      await api()
        .post('/api/v1/sending-domains')
        .set(as)
        .send({ domain: `a${uniqueSuffix()}.example.test` }),
      201,
    ).id;
    ids.accessReview = ok(
      await a.session.agent.post('/api/v1/access-reviews').set('X-CSRF-Token', a.session.csrf),
      202,
    ).id;
  });
  afterAll(() => stack?.stop());

  /** A's id for a path parameter, by the collection the path names it in. */
  function idFor(template: string, param: string): string | undefined {
    if (param === 'listId') return a.ids.otherList;
    if (param === 'node') return 'done';
    const collection = /\/api\/v1\/([a-z-]+)\/\{id\}/.exec(template)?.[1];
    const byCollection: Record<string, string | undefined> = {
      lists: a.ids.otherList,
      contacts: a.ids.contact,
      imports: a.ids.import,
      automations: a.ids.automation,
      templates: a.ids.template,
      campaigns: a.ids.campaign,
      webhooks: a.ids.webhook,
      'rights-requests': a.ids.rightsRequest,
      users: a.ids.user,
      'api-keys': a.ids.apiKey,
      'support-access': a.ids.supportAccess,
      'access-reviews': a.ids.accessReview,
      'sending-domains': a.ids.sendingDomain,
    };
    return collection ? byCollection[collection] : undefined;
  }

  /** Everything A holds, per collection of its database, and its users and keys. */
  async function snapshotOfA() {
    const scope = await stack.data.tenants.forTenant(a.tenantId);
    const db = stack.data.mongo.db(scope.databaseName);
    const counts: Record<string, number> = {};
    for (const { name } of await db.listCollections().toArray())
      if (!['sends', 'outbox'].includes(name))
        counts[name] = await db.collection(name).countDocuments();
    const { User, ApiKey, SupportGrant } = stack.data.tenants.control;
    const users = await User.find({ tenantId: a.tenantId }, { disabledAt: 1 }).lean();
    const keys = await ApiKey.find({ tenantId: a.tenantId }, { revokedAt: 1 }).lean();
    const grants = await SupportGrant.find({ tenantId: a.tenantId }, { status: 1 }).lean();
    return { counts, users, keys, grants };
  }

  /** Calls an operation as `caller` (key or session, as the route takes). */
  function call(
    method: string,
    url: string,
    op: Operation,
    caller: { key: string; session: Session },
  ): Test {
    const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
    const verb = (agent: object) => (agent as Record<string, (u: string) => Test>)[method]!(url);
    if (schemes.includes('apiKey')) return verb(request(stack.app)).set(bearer(caller.key));
    return method === 'get'
      ? verb(caller.session.agent)
      : verb(caller.session.agent).set('X-CSRF-Token', caller.session.csrf);
  }

  it('answers every tenant route called with another tenant’s ids with 404, changing nothing', async () => {
    const before = await snapshotOfA();
    const leaks: string[] = [];
    let walked = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (!template.startsWith('/api/v1/') || template.startsWith('/api/v1/tenants/')) continue;
      const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      if (params.length === 0) continue;
      const ids = params.map((p) => idFor(template, p));
      if (ids.some((id) => id === undefined)) {
        leaks.push(`${template}: no id of A for it (add one to the test)`);
        continue;
      }
      let url = template;
      params.forEach((p, i) => (url = url.replace(`{${p}}`, ids[i]!)));
      for (const [method, op] of Object.entries(ops)) {
        if (!(op.security ?? []).some((s) => 'apiKey' in s || 'sessionCookie' in s)) continue;
        walked += 1;
        const res = await call(method, url, op, b).send(method === 'get' ? undefined : {});
        // A body B's call does not get past validation with (400, 415 for a raw upload) proves
        // less: A's data, compared below, shows that nothing of it changed either way.
        const refusedBody = [400, 415].includes(res.status) && !['get', 'delete'].includes(method);
        if (res.status !== 404 && !refusedBody)
          leaks.push(
            `${method.toUpperCase()} ${template}: ${res.status} ${res.text.slice(0, 120)}`,
          );
      }
    }
    console.log(`tenant isolation: ${walked} operations called with another tenant's ids`);
    expect(leaks).toEqual([]);
    expect(walked).toBeGreaterThan(30);
    expect(await snapshotOfA()).toEqual(before);
  });

  it('answers a key limited to one list with 404 for every route about another list', async () => {
    const limited = await buildApiKey(stack.data, a.tenantId, {
      features: ['contacts.view', 'contacts.import', 'contacts.export', 'contacts.edit'],
      lists: [a.ids.list!],
    });
    const refused: string[] = [];
    let walked = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (!/^\/api\/v1\/lists\/\{(id|listId)\}/.test(template)) continue;
      const url = template.replace(/\{(id|listId)\}/, a.ids.otherList!);
      for (const [method, op] of Object.entries(ops)) {
        if (!(op.security ?? []).some((s) => 'apiKey' in s) || method !== 'get') continue;
        walked += 1;
        const res = await call(method, url, op, { key: limited, session: a.session });
        if (res.status !== 404) refused.push(`${method.toUpperCase()} ${template}: ${res.status}`);
      }
    }
    expect(walked).toBeGreaterThanOrEqual(3);
    expect(refused).toEqual([]);
  });
});
