/**
 * Valid input at the schema's boundaries across every route, generated from the OpenAPI
 * document: for each operation with a JSON body, the smallest body the schema accepts
 * (required fields only, shortest strings, minimum numbers, first enum values) and the
 * largest (every field, longest strings, maximum numbers, last enum values, several items),
 * with the ids of real fixtures where a path or a field names a list, contact, template,
 * automation, campaign, import or webhook. Every answer is below 500, matches its declared
 * schema (the app stack checks each JSON answer against it), and a refusal has the error
 * shape. A valid body refused as invalid (`invalid_request`) means the document and the
 * validation disagree: the test fails and names the field. Counts are printed.
 *
 * Left out: `/api/v1/auth/*` (a valid body logs the session out or changes its password;
 * test/e2e/accounts.test.ts covers them), the sink and codec routes, platform routes about
 * a real tenant (a valid contract end or restore would end the fixture; they get a made-up
 * tenant id). Settings and deletions run last, so what they change does not hide the rest.
 * CF_BOUNDARY_TRACE=1 prints every request's outcome.
 */
import request, { type Test } from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { sample, type Boundary, type JsonSchema } from '../helpers/schema-samples';
import { uniqueSuffix } from '../helpers/services';
import { INITIAL_ADMIN_PASSWORD, loginAndSetPassword, type Session } from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

type Operation = {
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
};

const MADE_UP = 'zz0000000000000000000000';

describe('valid input at the boundaries', () => {
  let stack: AppStack;
  let key: string;
  let session: Session;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  /** Fixture ids by the path segment that names their collection. */
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startAppStack();
    const adminEmail = `boundary-${uniqueSuffix()}@example.test`;
    ({ apiKey: key } = await buildTenant(stack.app, stack.platformToken, { email: adminEmail }));
    session = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
    doc = (await request(stack.app).get('/api/openapi.json')).body;
    const post = async (path: string, body: object) => {
      const res = await request(stack.app)
        .post(path)
        .set('Authorization', `Bearer ${key}`)
        .send(body);
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${res.text}`);
      return res.body as Record<string, unknown>;
    };
    ids.lists = (await post('/api/v1/lists', { name: 'Boundaries' })).id as string;
    ids.contacts = (
      await post(`/api/v1/lists/${ids.lists}/subscriptions`, {
        email: `subject-${uniqueSuffix()}@example.test`,
      })
    ).contactId as string;
    ids.templates = (
      await post('/api/v1/templates', { name: 'T', subject: 'S', html: '<p>Hello</p>' })
    ).id as string;
    ids.campaigns = (
      await post('/api/v1/campaigns', {
        name: 'C',
        listIds: [ids.lists],
        templateId: ids.templates,
        tracking: false,
      })
    ).id as string;
    ids.automations = (
      await post('/api/v1/automations', {
        name: 'A',
        definition: fixtureDefinition(ids.lists),
      })
    ).id as string;
    const imported = await request(stack.app)
      .post(`/api/v1/lists/${ids.lists}/imports?consent=existing`)
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'text/csv')
      .send('email\nimported@example.test\n');
    ids.imports = imported.body.id as string;
    ids['rights-requests'] = (
      await post('/api/v1/rights-requests', { type: 'access', contactId: ids.contacts })
    ).id as string;
  });
  afterAll(() => stack?.stop());

  const resolve = (ref: string) => doc.components?.schemas?.[ref.split('/').pop()!];

  function call(method: string, url: string, op: Operation): Test {
    const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
    const verb = (agent: object) => (agent as Record<string, (u: string) => Test>)[method]!(url);
    if (schemes.includes('apiKey'))
      return verb(request(stack.app)).set('Authorization', `Bearer ${key}`);
    if (schemes.includes('sessionCookie'))
      return method === 'get'
        ? verb(session.agent)
        : verb(session.agent).set('X-CSRF-Token', session.csrf);
    if (schemes.includes('platformToken'))
      return verb(request(stack.app)).set('Authorization', `Bearer ${stack.platformToken}`);
    return verb(request(stack.app));
  }

  /** The operation's path with fixture ids (or a made-up one) in place of its parameters. */
  function pathOf(template: string): string {
    const collection = /^\/api\/v1\/([a-z-]+)\//.exec(template)?.[1] ?? '';
    return template.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (name === 'listId') return ids.lists!;
      if (name === 'node') return 'done';
      return ids[collection] ?? MADE_UP;
    });
  }

  it('answers the smallest and the largest valid body of every route below 500, as declared', async () => {
    const known = {
      listId: ids.lists,
      listIds: [ids.lists],
      templateId: ids.templates,
      contactId: ids.contacts,
      // The tenant's password policy (length in characters and bcrypt's 72 bytes) is a setting.
      initialPassword: 'a long passphrase for the boundary test',
      // An automation's definition has its own JSON Schema (GET /api/v1/automations/schema).
      definition: fixtureDefinition(ids.lists!),
      // A double opt-in text must carry its link: a rule of the text JSON Schema cannot state.
      body: 'Please confirm your subscription: {{link}}',
      // A campaign's segment is an automation condition (the automations' JSON Schema).
      segment: { type: 'field', field: 'custom.city', op: 'equals', value: 'Turin' },
      // Deny list entries are domains or URLs, which the document states in words only.
      entries: ['denied.example', 'https://denied.example/page'],
    };
    // Rules across fields that JSON Schema (as the document states it) cannot express: a
    // valid-by-schema body may break them, and its refusal is right.
    // So may a rule of the stored state: the smallest extension of the rights request's
    // deadline runs first, the largest then asks for more than the two months allowed in all.
    const crossFieldRules = [
      /give either email or contactId/,
      /may be extended by 2 months at most in all/,
    ];
    const phase = (template: string, method: string) =>
      method === 'delete' ? 2 : template.includes('/settings') ? 1 : 0;
    const operations = Object.entries(doc.paths)
      .filter(([t]) => t.startsWith('/api/v1/') && !t.startsWith('/api/v1/auth/'))
      .flatMap(([template, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ template, method, op })),
      )
      .filter(({ op }) => op.requestBody?.content?.['application/json'])
      .sort((a, b) => phase(a.template, a.method) - phase(b.template, b.method));

    const failures: string[] = [];
    const refusedAsInvalid: string[] = [];
    const unsampled: string[] = [];
    const byStatus: Record<string, number> = {}; // "201", "404 not_found"…
    let sent = 0;
    for (const { template, method, op } of operations) {
      const schema = op.requestBody!.content!['application/json']!.schema ?? {};
      for (const boundary of ['smallest', 'largest'] as Boundary[]) {
        const body = sample(schema, boundary, { resolve, known, maxString: 5000 });
        const label = `${method.toUpperCase()} ${template} ${boundary}`;
        if (body === undefined) {
          unsampled.push(label);
          continue;
        }
        sent += 1;
        const res = await call(method, pathOf(template), op)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        const outcome = res.status >= 400 ? `${res.status} ${res.body?.error?.id}` : res.status;
        byStatus[outcome] = (byStatus[outcome] ?? 0) + 1;
        if (process.env.CF_BOUNDARY_TRACE)
          console.log(label, outcome, res.body?.error?.message ?? '');
        const json = String(res.headers['content-type'] ?? '').includes('json');
        if (res.status >= 500) failures.push(`${label}: ${res.status} ${res.text.slice(0, 300)}`);
        else if (res.status >= 400 && json && !/^[a-z_]+$/.test(String(res.body?.error?.id)))
          failures.push(`${label}: ${res.status} without the error shape`);
        else if (
          res.status === 400 &&
          res.body?.error?.id === 'invalid_request' &&
          !crossFieldRules.some((rule) => rule.test(String(res.body.error.message)))
        )
          refusedAsInvalid.push(`${label}: ${JSON.stringify(res.body.error).slice(0, 300)}`);
      }
    }
    console.log(
      `boundary input: ${sent} valid bodies over ${operations.length} operations; answers ${JSON.stringify(byStatus)}; not sampled (a pattern or format the generator cannot vouch for): ${unsampled.join(', ')}`,
    );
    expect(failures).toEqual([]);
    expect(refusedAsInvalid).toEqual([]);
    expect(sent).toBeGreaterThan(operations.length);
  });
});

/** The smallest automation: an entry on the list and an end. */
function fixtureDefinition(listId: string) {
  return {
    entry: { type: 'list_confirmed', listId, next: 'done' },
    nodes: [{ id: 'done', type: 'end' }],
  };
}
