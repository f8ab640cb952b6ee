/**
 * Hostile input across every route, generated from the OpenAPI document: for each operation,
 * bodies of the wrong shape (arrays, strings, operator objects at the top and in every field,
 * wrong types, oversize strings, deep nesting, broken JSON, bytes that are no UTF-8, a content
 * type it does not take), repeated and operator-shaped query parameters and path parameters
 * that are operator objects or oversize. Each request carries the caller the route expects
 * (API key, console session with its CSRF token, or the platform token), so the refusal comes
 * from validation, not authentication. Every answer is below 500, a JSON answer of 400 and up
 * has the error shape with a stable id, and the tenant's data is as it was: nothing is stored
 * from a refused request. The count of requests is printed.
 */
import request, { type Test } from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import { INITIAL_ADMIN_PASSWORD, loginAndSetPassword, type Session } from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

type Schema = { $ref?: string; type?: string | string[]; properties?: Record<string, Schema> };
type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};

/** Values no declared field accepts as they are. */
const hostileValues: unknown[] = [
  { $gt: '' },
  { $where: 'sleep(1000)' },
  ['a', { $ne: null }],
  Number.MAX_SAFE_INTEGER,
  -1,
  true,
  null,
  'x'.repeat(5_000),
];

/** An object nested `depth` levels deep. */
const nested = (depth: number): unknown => (depth === 0 ? {} : { a: nested(depth - 1) });

describe('hostile input', () => {
  let stack: AppStack;
  let key: string;
  let tenantId: string;
  let session: Session;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, Schema> };
  };

  beforeAll(async () => {
    stack = await startAppStack();
    const adminEmail = `hostile-${uniqueSuffix()}@example.test`;
    ({ apiKey: key, tenantId } = await buildTenant(stack.app, stack.platformToken, {
      email: adminEmail,
    }));
    session = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
    doc = (await request(stack.app).get('/api/openapi.json')).body;
  });
  afterAll(() => stack?.stop());

  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop()!] : schema;

  /** A request of the operation as the caller it expects. */
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

  /** What the tenant's database holds, per collection. */
  async function tenantCounts(tenantId: string) {
    const scope = await stack.data.tenants.forTenant(tenantId);
    const db = stack.data.mongo.db(scope.databaseName);
    const counts: Record<string, number> = {};
    for (const { name } of await db.listCollections().toArray())
      counts[name] = await db.collection(name).countDocuments();
    return counts;
  }

  it('answers every generated hostile request of every route below 500, in the error shape, storing nothing', async () => {
    const before = await tenantCounts(tenantId);
    const { Tenant, User, ApiKey } = stack.data.tenants.control;
    const controlBefore = [
      await Tenant.countDocuments(),
      await User.countDocuments(),
      await ApiKey.countDocuments(),
    ];

    const failures: string[] = [];
    let sent = 0;
    const check = async (label: string, test: Test) => {
      sent += 1;
      const res = await test;
      const json = String(res.headers['content-type'] ?? '').includes('json');
      if (res.status >= 500) failures.push(`${label}: ${res.status} ${res.text.slice(0, 200)}`);
      else if (res.status >= 400 && json && !/^[a-z_]+$/.test(String(res.body?.error?.id)))
        failures.push(`${label}: ${res.status} without the error shape: ${res.text.slice(0, 200)}`);
      else if (res.status < 400 && label.includes('body'))
        failures.push(`${label}: accepted (${res.status})`);
    };

    for (const [template, ops] of Object.entries(doc.paths)) {
      if (template.startsWith('/api/dev') || template.startsWith('/codec')) continue;
      for (const [method, op] of Object.entries(ops)) {
        // Path parameters: a made-up id where one goes, or a hostile one.
        const fill = (value: string) =>
          template.replace(/\{(\w+)\}/g, () => encodeURIComponent(value));
        const path = fill('zz0000000000000000000000');
        const label = `${method.toUpperCase()} ${template}`;
        if (/\{\w+\}/.test(template)) {
          await check(`${label} path operator`, call(method, fill('{"$gt":""}'), op));
          await check(`${label} path oversize`, call(method, fill('x'.repeat(3000)), op));
        }
        // Query parameters: repeated, and operator-shaped.
        for (const param of (op.parameters ?? []).filter((p) => p.in === 'query')) {
          await check(
            `${label} query repeated`,
            call(method, `${path}?${param.name}=a&${param.name}=b`, op),
          );
          await check(`${label} query operator`, call(method, `${path}?${param.name}[$ne]=x`, op));
        }
        const json = op.requestBody?.content?.['application/json'];
        if (!json) continue;
        const schema = resolve(json.schema);
        const bodies: unknown[] = [[], 'text', 42, { $gt: '' }, nested(200)];
        for (const field of Object.keys(schema?.properties ?? {}))
          for (const value of hostileValues) bodies.push({ [field]: value });
        for (const body of bodies)
          await check(
            `${label} body ${JSON.stringify(body).slice(0, 60)}`,
            call(method, path, op)
              .set('Content-Type', 'application/json')
              .send(JSON.stringify(body)),
          );
        await check(
          `${label} body broken JSON`,
          call(method, path, op).set('Content-Type', 'application/json').send('{"a":'),
        );
        await check(
          `${label} body not UTF-8`,
          call(method, path, op)
            .set('Content-Type', 'application/json; charset=utf-8')
            .send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
        );
        await check(
          `${label} body huge`,
          call(method, path, op).send({ name: 'x'.repeat(200_000) }),
        );
        await check(
          `${label} body wrong content type`,
          call(method, path, op).set('Content-Type', 'text/plain').send('name=x'),
        );
      }
    }
    console.log(`hostile input: ${sent} requests over ${Object.keys(doc.paths).length} paths`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    expect(await tenantCounts(tenantId)).toEqual(before);
    expect([
      await Tenant.countDocuments(),
      await User.countDocuments(),
      await ApiKey.countDocuments(),
    ]).toEqual(controlBefore);
  });

  it('sends the security headers and a strict CSP with every page and answer', async () => {
    type Responses = Record<string, { content?: Record<string, unknown> }>;
    const missing: string[] = [];
    let pages = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      const op = ops.get as (Operation & { responses?: Responses }) | undefined;
      if (!op || template.startsWith('/api/dev')) continue;
      const url = template.replace(/\{(\w+)\}/g, 'zz0000000000000000000000');
      const res = await call('get', url, op);
      const html = String(res.headers['content-type'] ?? '').startsWith('text/html');
      const csp = String(res.headers['content-security-policy'] ?? '');
      if (res.headers['x-content-type-options'] !== 'nosniff') missing.push(`${template}: nosniff`);
      // Nobody else's site may frame an answer; a recipient's page not even this one.
      if (!/frame-ancestors '(none|self)'/.test(csp)) missing.push(`${template}: frame-ancestors`);
      if (html) {
        pages += 1;
        if (!/frame-ancestors 'none'/.test(csp)) missing.push(`${template}: page framable`);
        if (!/default-src 'none'/.test(csp)) missing.push(`${template}: default-src`);
        if (res.headers['referrer-policy'] !== 'no-referrer') missing.push(`${template}: referrer`);
      }
    }
    expect(pages).toBeGreaterThanOrEqual(5);
    expect(missing).toEqual([]);
  });
});
