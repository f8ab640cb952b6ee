/**
 * Authorization against the real services, with console sessions of restricted users and
 * API keys restricted the way such a user's are: each feature permission allows exactly its
 * routes, for keys and sessions alike (account routes refuse keys); a caller limited to some
 * lists sees nothing of the others; personal fields without view access are masked in every
 * output; editing a field needs edit access; and bad input in any JSON field, query
 * parameter or path gets a 4xx in the error shape. */
import request from 'supertest';
import { revokeApiKey } from '../../src/auth/api-key-cache';
import { features, type Feature } from '../../src/auth/permissions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildApiKey, buildTenant } from '../helpers/tenant-fixtures';

describe('permissions', () => {
  let stack: AppStack;
  let tenantId: string;
  let admin: string;
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const marker = uniqueSuffix();
  const email = (who: string) => `${who}.${marker}@example.test`;
  const adminEmail = email('admin');
  const ids: Record<'A' | 'B' | 'alice' | 'bob' | 'carol' | 'importB', string> = {} as never;

  async function createList(name: string) {
    const res = await request(stack.app).post('/api/v1/lists').set(as(admin)).send({ name });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function importInto(listId: string, csv: string) {
    const res = await request(stack.app)
      .post(`/api/v1/lists/${listId}/imports?consent=existing`)
      .set(as(admin))
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(202);
    await stack.client.workflow.getHandle(res.body.workflowId).result();
    return res.body.id as string;
  }

  async function contactId(address: string) {
    const res = await request(stack.app)
      .get('/api/v1/contacts')
      .query({ email: address })
      .set(as(admin));
    return res.body.contacts[0].id as string;
  }

  beforeAll(async () => {
    stack = await startAppStack();
    ({ tenantId, apiKey: admin } = await buildTenant(stack.app, stack.platformToken, {
      email: adminEmail,
    }));
    ids.A = await createList('A');
    ids.B = await createList('B');
    const header = 'email,phone,firstName,lastName,plan,consentedAt,consentIp';
    await importInto(
      ids.A,
      `${header}\n${email('alice')},+4930123456,Alice${marker},Liddell${marker},gold,2025-01-02T03:04:05Z,198.51.100.7\n${email('carol')},,Carol,Ann,,,\n`,
    );
    ids.importB = await importInto(
      ids.B,
      `${header}\n${email('bob')},,Bob,Builder,,,\n${email('carol')},,Carol,Ann,,,\n`,
    );
    for (const who of ['alice', 'bob', 'carol'] as const) ids[who] = await contactId(email(who));
  });
  afterAll(() => stack?.stop());

  describe('feature matrix', () => {
    interface DocumentedRoute {
      method: string;
      path: string;
      feature: Feature;
      /** Also open to API keys (otherwise a console session only). */
      apiKey: boolean;
    }

    /** Every route that checks a feature, from the OpenAPI document, with its credentials. */
    async function featureRoutes(): Promise<DocumentedRoute[]> {
      const doc = (await request(stack.app).get('/api/openapi.json')).body as {
        paths: Record<
          string,
          Record<string, { 'x-permission'?: Feature; security: Record<string, string[]>[] }>
        >;
      };
      return Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op['x-permission'])
          .map(([method, op]) => ({
            method,
            path,
            feature: op['x-permission']!,
            apiKey: op.security.some((scheme) => 'apiKey' in scheme),
          })),
      );
    }

    /** A user's console session holding exactly these features. */
    const sessionWith = async (admin: Session, featureList: Feature[]) => {
      const user = await buildUser(admin, { features: featureList });
      return loginAndSetPassword(stack.app, user.email, user.initialPassword);
    };

    let adminSession: Session;
    let target: { userId: string };
    beforeAll(async () => {
      adminSession = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
      // The user the /users/{id} routes act on (their calls carry no body, so at most its
      // second factor is reset).
      target = { userId: (await buildUser(adminSession, { features: [] })).id };
    });

    /** A real target for each path parameter, so only the permission decides. */
    const fill = (path: string) =>
      path
        .replace('{listId}', ids.A)
        .replace(/\/lists\/\{id\}/, `/lists/${ids.A}`)
        .replace(/\/contacts\/\{id\}/, `/contacts/${ids.carol}`)
        .replace(/\/imports\/\{id\}/, `/imports/${ids.importB}`)
        .replace(/\/users\/\{id\}/, `/users/${target.userId}`)
        // No such key: revoking answers 404 once the permission let the call through.
        .replace(/\/api-keys\/\{id\}/, '/api-keys/0000000000000000')
        // No such webhook either: deleting and reading deliveries answer 404.
        .replace(/\/webhooks\/\{id\}/, '/webhooks/w000000000000000000000000');

    const urlOf = (path: string) =>
      fill(path) + (path === '/api/v1/contacts' ? `?email=${email('carol')}` : '');
    const call = (method: string, path: string, key: string) =>
      request(stack.app)[method as 'get'](urlOf(path)).set(as(key));
    const callIn = (session: Session, method: string, path: string) =>
      session.agent[method as 'get'](urlOf(path)).set('X-CSRF-Token', session.csrf);

    /** The feature's routes answer (not 401/403, not 5xx); every other route says forbidden. */
    function expectExactly(feature: Feature, route: DocumentedRoute, res: request.Response) {
      const what = `${feature} → ${route.method.toUpperCase()} ${route.path}: ${res.status}`;
      if (route.feature === feature) {
        expect([what, [401, 403].includes(res.status)]).toEqual([what, false]);
        expect([what, res.status < 500]).toEqual([what, true]);
      } else {
        expect([what, res.status, res.body.error?.id]).toEqual([what, 403, 'forbidden']);
      }
    }

    it('lets a key with one feature call exactly the routes of that feature', async () => {
      const routes = await featureRoutes();
      for (const feature of [
        'contacts.view',
        'contacts.edit',
        'contacts.import',
        'contacts.export',
        'users.manage',
        'accesslog.view',
      ])
        expect(routes.map((r) => r.feature)).toContain(feature);
      // The consent routes, each with the feature that guards it.
      expect(routes).toEqual(
        expect.arrayContaining([
          { method: 'patch', path: '/api/v1/lists/{id}', feature: 'contacts.edit', apiKey: true },
          {
            method: 'post',
            path: '/api/v1/lists/{listId}/subscriptions',
            feature: 'contacts.edit',
            apiKey: true,
          },
          {
            method: 'get',
            path: '/api/v1/lists/{listId}/consent-export',
            feature: 'contacts.export',
            apiKey: true,
          },
          { method: 'get', path: '/api/v1/dkim', feature: 'campaigns.send', apiKey: true },
        ]),
      );

      for (const feature of features) {
        const key = await buildApiKey(stack.data, tenantId, { features: [feature] });
        for (const route of routes) {
          const res = await call(route.method, route.path, key);
          if (route.apiKey) expectExactly(feature, route, res);
          else
            expect([route.path, res.status, res.body.error?.id]).toEqual([
              route.path,
              403,
              'session_required',
            ]);
        }
      }
    });

    it('lets a user with one feature call exactly the routes of that feature', async () => {
      const routes = await featureRoutes();
      expect(routes.filter((r) => !r.apiKey).length).toBeGreaterThanOrEqual(10);
      for (const feature of features) {
        const session = await sessionWith(adminSession, [feature]);
        for (const route of routes)
          expectExactly(feature, route, await callIn(session, route.method, route.path));
      }
    });

    it('needs the CSRF token for session calls to tenant routes that change state', async () => {
      const editor = await sessionWith(adminSession, ['contacts.view', 'contacts.edit']);
      const without = await editor.agent.post('/api/v1/lists').send({ name: 'no token' });
      expect([without.status, without.body.error?.id]).toEqual([403, 'csrf_token_invalid']);
      const read = await editor.agent.get(`/api/v1/lists/${ids.A}`);
      expect(read.status).toBe(200);
      // With the token the call gets through to validation (no list is made: other tests
      // count this tenant's lists).
      const withToken = await editor.agent
        .post('/api/v1/lists')
        .set('X-CSRF-Token', editor.csrf)
        .send({});
      expect([withToken.status, withToken.body.error?.id]).toEqual([400, 'invalid_request']);
    });

    it('refuses a key or user without features everywhere and a missing credential with 401', async () => {
      const none = await buildApiKey(stack.data, tenantId, { features: [] });
      const nobody = await sessionWith(adminSession, []);
      for (const route of await featureRoutes()) {
        expect((await call(route.method, route.path, none)).status).toBe(403);
        const user = await callIn(nobody, route.method, route.path);
        expect([route.path, user.status, user.body.error?.id]).toEqual([
          route.path,
          403,
          'forbidden',
        ]);
        const anonymous = await request(stack.app)[route.method as 'get'](fill(route.path));
        expect(anonymous.status).toBe(401);
      }
    });
  });

  describe('list scoping', () => {
    let scoped: string;
    beforeAll(async () => {
      scoped = await buildApiKey(stack.data, tenantId, {
        features: ['contacts.view', 'contacts.edit', 'contacts.import', 'contacts.export'],
        lists: [ids.A],
      });
    });
    const get = (url: string) => request(stack.app).get(url).set(as(scoped));

    it('lists only the visible lists and answers 404 for another list, as for none', async () => {
      const lists = await get('/api/v1/lists');
      expect(lists.status).toBe(200);
      expect(lists.body.lists.map((l: { id: string }) => l.id)).toEqual([ids.A]);
      expect((await get(`/api/v1/lists/${ids.A}`)).status).toBe(200);
      const hidden = await get(`/api/v1/lists/${ids.B}`);
      const missing = await get('/api/v1/lists/l0000000000000000');
      expect(hidden.status).toBe(404);
      expect(hidden.body).toEqual(missing.body);
      const all = await request(stack.app).get('/api/v1/lists').set(as(admin));
      expect(all.body.lists.map((l: { id: string }) => l.id)).toEqual([ids.A, ids.B]);
    });

    it('hides a contact that is only in another list, from reads, search and edits', async () => {
      expect((await get(`/api/v1/contacts/${ids.bob}`)).status).toBe(404);
      const search = await get(`/api/v1/contacts?email=${email('bob')}`);
      expect(search.status).toBe(200);
      expect(search.body.contacts).toEqual([]);
      const edit = await request(stack.app)
        .patch(`/api/v1/contacts/${ids.bob}`)
        .set(as(scoped))
        .send({ firstName: 'Robert' });
      expect(edit.status).toBe(404);
      const asAdmin = await request(stack.app).get(`/api/v1/contacts/${ids.bob}`).set(as(admin));
      expect(asAdmin.body.firstName).toBe('Bob');
    });

    it('shows a contact of both lists with only the visible membership and consent', async () => {
      const read = await get(`/api/v1/contacts/${ids.carol}`);
      expect(read.status).toBe(200);
      expect(read.body.lists.map((m: { listId: string }) => m.listId)).toEqual([ids.A]);
      expect(read.body.consent.every((c: { listId: string }) => c.listId === ids.A)).toBe(true);
      const search = await get(`/api/v1/contacts?email=${email('carol')}`);
      expect(search.body.contacts[0].lists).toHaveLength(1);
      const full = await request(stack.app).get(`/api/v1/contacts/${ids.carol}`).set(as(admin));
      expect(full.body.lists).toHaveLength(2);
    });

    it('refuses imports into, import status of and exports of another list with 404', async () => {
      const upload = await request(stack.app)
        .post(`/api/v1/lists/${ids.B}/imports?consent=existing`)
        .set(as(scoped))
        .set('Content-Type', 'text/csv')
        .send(`email\n${email('intruder')}\n`);
      expect(upload.status).toBe(404);
      expect((await get(`/api/v1/imports/${ids.importB}`)).status).toBe(404);
      expect((await get(`/api/v1/lists/${ids.B}/contacts/export`)).status).toBe(404);
      expect((await get(`/api/v1/lists/${ids.A}/contacts/export`)).status).toBe(200);
      expect((await get(`/api/v1/lists/${ids.B}/consent-export`)).status).toBe(404);
      expect((await get(`/api/v1/lists/${ids.A}/consent-export`)).status).toBe(200);
      // Only the exports that happened are in the access log.
      const exports = await stack.data.tenants.control.AccessLog.find({
        tenantId,
        event: 'personal_data.read',
        'details.source': 'export',
      }).lean();
      expect(exports.map((e) => e.details)).toContainEqual({ source: 'export', listId: ids.A });
      expect(exports.map((e) => e.details)).not.toContainEqual({ source: 'export', listId: ids.B });
      const consentExports = await stack.data.tenants.control.AccessLog.find({
        tenantId,
        event: 'personal_data.read',
        'details.source': 'consent_export',
      }).lean();
      const scopedKeyId = /^cfk_([0-9a-f]{16})_/.exec(scoped)![1];
      expect(consentExports).toContainEqual(
        expect.objectContaining({
          actor: { kind: 'api_key', id: scopedKeyId },
          details: { source: 'consent_export', listId: ids.A },
        }),
      );
      expect(consentExports.map((e) => e.details)).not.toContainEqual({
        source: 'consent_export',
        listId: ids.B,
      });
    });

    it('refuses subscriptions to and changes of another list with 404, changing nothing', async () => {
      const subscribe = await request(stack.app)
        .post(`/api/v1/lists/${ids.B}/subscriptions`)
        .set(as(scoped))
        .send({ email: email('intruder') });
      expect([subscribe.status, subscribe.body.error?.id]).toEqual([404, 'not_found']);
      const rename = await request(stack.app)
        .patch(`/api/v1/lists/${ids.B}`)
        .set(as(scoped))
        .send({ name: 'Taken' });
      expect([rename.status, rename.body.error?.id]).toEqual([404, 'not_found']);
      const b = await request(stack.app).get(`/api/v1/lists/${ids.B}`).set(as(admin));
      expect(b.body.name).toBe('B');
      const search = await request(stack.app)
        .get('/api/v1/contacts')
        .query({ email: email('intruder') })
        .set(as(admin));
      expect(search.body.contacts).toEqual([]);
    });

    it('does not let a caller limited to some lists create a list it could not see', async () => {
      const res = await request(stack.app)
        .post('/api/v1/lists')
        .set(as(scoped))
        .send({ name: 'Mine' });
      expect(res.status).toBe(403);
      expect(res.body.error.id).toBe('forbidden');
    });
  });

  describe('field masking', () => {
    let masked: string;
    beforeAll(async () => {
      masked = await buildApiKey(stack.data, tenantId, {
        features: ['contacts.view', 'contacts.edit', 'contacts.export'],
        fields: {
          email: 'none',
          phone: 'view',
          firstName: 'edit',
          lastName: 'none',
          plan: 'none',
          consentIp: 'none',
          '*': 'view',
        },
      });
    });

    it('masks fields without view access in a contact read, its consent and search', async () => {
      const read = await request(stack.app).get(`/api/v1/contacts/${ids.alice}`).set(as(masked));
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        email: '***',
        phone: '+4930123456',
        firstName: `Alice${marker}`,
        lastName: '***',
        fields: { plan: '***' },
      });
      expect(read.body.consent[0]).toMatchObject({ ip: '***', at: '2025-01-02T03:04:05.000Z' });
      expect(read.body.masked.sort()).toEqual(['consentIp', 'email', 'lastName', 'plan']);
      expect(JSON.stringify(read.body)).not.toContain(`Liddell${marker}`);
      expect(JSON.stringify(read.body)).not.toContain(marker + '@');

      // Searching by an address works without seeing addresses: the result masks it.
      const search = await request(stack.app)
        .get('/api/v1/contacts')
        .query({ email: email('alice') })
        .set(as(masked));
      expect(search.body.contacts).toHaveLength(1);
      expect(search.body.contacts[0]).toMatchObject({ id: ids.alice, email: '***' });

      const plain = await request(stack.app).get(`/api/v1/contacts/${ids.alice}`).set(as(admin));
      expect(plain.body).toMatchObject({ email: email('alice'), lastName: `Liddell${marker}` });
      expect(plain.body.consent[0].ip).toBe('198.51.100.7');
      expect(plain.body.masked).toEqual([]);
    });

    it('masks the same fields in the CSV export', async () => {
      const res = await request(stack.app)
        .get(`/api/v1/lists/${ids.A}/contacts/export`)
        .set(as(masked))
        .buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const [header, ...rows] = res.text.trim().split('\n');
      expect(header).toBe(
        'id,email,phone,firstName,lastName,status,subscribedAt,confirmedAt,fields',
      );
      const alice = rows.find((r) => r.startsWith(ids.alice))!;
      expect(alice).toContain(`,***,+4930123456,Alice${marker},***,active,`);
      expect(alice).toContain('""plan"":""***""');
      expect(res.text).not.toContain(marker + '@');
      expect(res.text).not.toContain(`Liddell${marker}`);

      const full = await request(stack.app)
        .get(`/api/v1/lists/${ids.A}/contacts/export`)
        .set(as(admin))
        .buffer(true);
      expect(full.text).toContain(email('alice'));
      expect(full.text).toContain('""plan"":""gold""');
    });

    it('masks the address and the proof’s IP and user agent in the consent export', async () => {
      const exportAs = (key: string) =>
        request(stack.app).get(`/api/v1/lists/${ids.A}/consent-export`).set(as(key)).buffer(true);
      const res = await exportAs(masked);
      expect(res.status).toBe(200);
      const [header, ...rows] = res.text.trim().split('\n');
      expect(header).toBe(
        'contactId,email,status,subscribedAt,confirmedAt,renewedAt,unsubscribedAt,ip,userAgent,textVersion,textHash',
      );
      const alice = rows.find((r) => r.startsWith(ids.alice))!;
      expect(alice.split(',').slice(1, 3)).toEqual(['***', 'active']);
      expect(alice.split(',')[7]).toBe('***');
      expect(res.text).not.toContain('198.51.100.7');
      expect(res.text).not.toContain(marker + '@');

      const full = await exportAs(admin);
      const plain = full.text.split('\n').find((r) => r.startsWith(ids.alice))!;
      expect(plain.split(',').slice(1, 3)).toEqual([email('alice'), 'active']);
      expect(plain.split(',')[7]).toBe('198.51.100.7');
    });

    it('lets a caller edit only fields with edit access, naming the refused ones', async () => {
      const patch = (body: object, key = masked) =>
        request(stack.app).patch(`/api/v1/contacts/${ids.alice}`).set(as(key)).send(body);

      const refused = await patch({ lastName: 'Hargreaves', phone: '+4930999999' });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toEqual({
        id: 'field_not_editable',
        message: 'no edit permission for phone, lastName',
      });
      expect((await patch({ fields: { plan: 'silver' } })).status).toBe(403);

      const ok = await patch({ firstName: `Alicia${marker}` });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ firstName: `Alicia${marker}`, lastName: '***' });

      const after = await request(stack.app).get(`/api/v1/contacts/${ids.alice}`).set(as(admin));
      expect(after.body).toMatchObject({
        firstName: `Alicia${marker}`,
        lastName: `Liddell${marker}`,
        phone: '+4930123456',
        fields: { plan: 'gold' },
      });

      const adminEdit = await patch({ phone: '+4930555555', fields: { city: 'Oxford' } }, admin);
      expect(adminEdit.status).toBe(200);
      expect(adminEdit.body).toMatchObject({
        phone: '+4930555555',
        fields: { plan: 'gold', city: 'Oxford' },
      });
      const removed = await patch({ fields: { city: null } }, admin);
      expect(removed.body.fields).toEqual({ plan: 'gold' });
      expect((await patch({ email: email('alice2') }, admin)).body.error.id).toBe(
        'email_immutable',
      );
      expect((await patch({ phone: '12' }, admin)).status).toBe(400);
    });
  });

  describe('bad input', () => {
    const expectError = (res: request.Response, status = 400) => {
      const { req } = res as unknown as { req: { method: string; path: string } };
      const what = `${req.method} ${req.path}`;
      expect([what, res.status, res.body]).toEqual([
        what,
        status,
        { error: { id: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } },
      ]);
    };

    it('rejects operator objects, repeated and unknown query parameters', async () => {
      const get = (url: string) => request(stack.app).get(url).set(as(admin));
      for (const url of [
        '/api/v1/contacts?email[$ne]=x',
        '/api/v1/contacts?email=a@example.test&email=b@example.test',
        `/api/v1/contacts?email=${email('alice')}&limit=1`,
        '/api/v1/contacts',
        '/api/v1/lists?skip=1',
        `/api/v1/contacts/${ids.alice}?fields=all`,
        `/api/v1/contacts/${encodeURIComponent('{"$gt":""}')}`,
        `/api/v1/lists/${ids.A}/contacts/export?where=1`,
        `/api/v1/lists/${encodeURIComponent('l1.$x')}/contacts/export`,
        `/api/v1/lists/${encodeURIComponent('l1.$x')}/consent-export`,
        `/api/v1/lists/${ids.A}/consent-export?listId=${ids.B}`,
        '/api/v1/dkim?selector=x',
      ])
        expectError(await get(url));
      const importQuery = await request(stack.app)
        .post(`/api/v1/lists/${ids.A}/imports?consent[$gt]=`)
        .set(as(admin))
        .set('Content-Type', 'text/csv')
        .send('email\nx@example.test\n');
      expectError(importQuery);
    });

    it('rejects operator objects, unknown fields and wrong types in every JSON field', async () => {
      const post = (body: unknown) =>
        request(stack.app)
          .post('/api/v1/lists')
          .set(as(admin))
          .send(body as object);
      const patch = (body: unknown) =>
        request(stack.app)
          .patch(`/api/v1/contacts/${ids.carol}`)
          .set(as(admin))
          .send(body as object);
      const policy = { validityDays: 365, reminderDaysBefore: [30], onExpiry: 'unsubscribe' };
      for (const body of [
        { name: { $gt: '' } },
        { name: 'x', extra: true },
        { name: 'x', tracking: 'yes' },
        { name: 'x', consentPolicy: { ...policy, validityDays: { $gt: 0 } } },
        { name: 'x', consentPolicy: { ...policy, reminderDaysBefore: [{ $where: '1' }] } },
        { name: 'x', consentPolicy: { ...policy, onExpiry: { $ne: null } } },
        { name: 'x', consentPolicy: { ...policy, $set: { a: 1 } } },
        ['x'],
      ])
        expectError(await post(body));
      for (const body of [
        { firstName: { $set: 'x' } },
        { lastName: ['x'] },
        { phone: { $exists: true } },
        { fields: { $where: 'x' } },
        { fields: { 'a.b': 'x' } },
        { fields: { plan: { $gt: '' } } },
        { email: { $ne: null } },
        { lists: {} },
        { _id: 'x' },
      ])
        expectError(await patch(body));
      const read = await request(stack.app).get(`/api/v1/contacts/${ids.carol}`).set(as(admin));
      expect(read.body).toMatchObject({ firstName: 'Carol', lastName: 'Ann' });
      expect(read.body.lists).toHaveLength(2);

      const change = (body: unknown) =>
        request(stack.app)
          .patch(`/api/v1/lists/${ids.B}`)
          .set(as(admin))
          .send(body as object);
      for (const body of [
        { name: { $set: 'x' } },
        { $unset: { name: 1 } },
        { consentPolicy: { ...policy, onExpiry: { $ne: null } } },
        { inactivityPolicy: { thresholdDays: 30, action: 'delete', $where: '1' } },
        { doubleOptIn: { body: 'no link placeholder' } },
        { tracking: null },
      ])
        expectError(await change(body));
      expect(
        (await request(stack.app).get(`/api/v1/lists/${ids.B}`).set(as(admin))).body,
      ).toMatchObject({ name: 'B', tracking: true });

      const subscribe = (body: unknown) =>
        request(stack.app)
          .post(`/api/v1/lists/${ids.A}/subscriptions`)
          .set(as(admin))
          .send(body as object);
      for (const body of [
        { email: { $gt: '' } },
        { email: email('dora'), extra: 1 },
        { email: email('dora'), ip: 'not-an-ip' },
        { email: email('dora'), fields: { plan: { $ne: null } } },
        { email: email('dora'), fields: { consentIp: '198.51.100.1' } },
        { email: 'no-mailbox' },
      ])
        expectError(await subscribe(body));
    });

    it('rejects a body sent to a route that takes none', async () => {
      const res = await request(stack.app)
        .get('/api/v1/lists')
        .set(as(admin))
        .set('Content-Type', 'application/json')
        .send({ $where: 'sleep(1000)' });
      expectError(res);
    });
  });

  describe('credential caching', () => {
    it('refuses a revoked key at once in the revoking process, and only the tenant may revoke it', async () => {
      const key = await buildApiKey(stack.data, tenantId, { features: ['contacts.view'] });
      const call = () => request(stack.app).get('/api/v1/lists').set(as(key));
      expect((await call()).status).toBe(200);
      const id = /^cfk_([0-9a-f]{16})_/.exec(key)![1]!;
      expect(await revokeApiKey(stack.data.tenants.control, 'tnotthisone', id)).toBe(false);
      expect((await call()).status).toBe(200);
      expect(await revokeApiKey(stack.data.tenants.control, tenantId, id)).toBe(true);
      const refused = await call();
      expect(refused.status).toBe(401);
      expect(refused.body.error.id).toBe('unauthorized');
    });

    it('never caches a wrong key', async () => {
      const key = await buildApiKey(stack.data, tenantId, { features: ['contacts.view'] });
      const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
      for (let i = 0; i < 2; i++)
        expect((await request(stack.app).get('/api/v1/lists').set(as(wrong))).status).toBe(401);
      expect((await request(stack.app).get('/api/v1/lists').set(as(key))).status).toBe(200);
    });
  });
});
