/**
 * The access log misses no read of personal data: walking the OpenAPI document, every GET
 * whose answer can hold an address, a phone number, a name or an IP (a property of that name
 * anywhere in its JSON schema, or a CSV export) is declared `readsPersonalData`, which logs each
 * call (src/api/audit.ts). test/e2e/access-log.test.ts checks the logging itself.
 */
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';

/**
 * The caller's own account (its address, its own logins' IPs): not a read of someone's data,
 * and the console asks for it on every page.
 */
const OWN_ACCOUNT = ['GET /api/v1/auth/session', 'GET /api/v1/auth/activity'];

/** Property names that hold personal data in this API's answers. */
const PERSONAL = new Set(['email', 'phone', 'firstName', 'lastName', 'ip', 'userAgent']);

type Schema = { $ref?: string; properties?: Record<string, Schema> } & Record<string, unknown>;
type Operation = {
  'x-personal-data'?: boolean;
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};

describe('access log coverage', () => {
  let stack: AppStack;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, Schema> };
  };

  beforeAll(async () => {
    stack = await startAppStack();
    doc = (await request(stack.app).get('/api/openapi.json')).body;
  });
  afterAll(() => stack?.stop());

  /** Whether a schema (following refs, through every nesting) has a personal property. */
  function holdsPersonal(schema: unknown, seen = new Set<string>()): boolean {
    if (!schema || typeof schema !== 'object') return false;
    const s = schema as Schema;
    if (s.$ref) {
      if (seen.has(s.$ref)) return false;
      seen.add(s.$ref);
      return holdsPersonal(doc.components?.schemas?.[s.$ref.split('/').pop()!], seen);
    }
    if (s.properties && Object.keys(s.properties).some((k) => PERSONAL.has(k))) return true;
    return Object.values(s).some((v) =>
      Array.isArray(v) ? v.some((x) => holdsPersonal(x, seen)) : holdsPersonal(v, seen),
    );
  }

  it('declares every GET that answers with personal data, so each call is logged', () => {
    const reads = Object.entries(doc.paths).flatMap(([p, ops]) =>
      ops.get && !OWN_ACCOUNT.includes(`GET ${p}`) ? [{ route: `GET ${p}`, op: ops.get }] : [],
    );
    const personal = reads.filter(({ op }) =>
      Object.entries(op.responses ?? {}).some(
        ([status, r]) =>
          status.startsWith('2') &&
          Object.entries(r.content ?? {}).some(
            ([type, c]) => type.startsWith('text/csv') || holdsPersonal(c.schema),
          ),
      ),
    );
    expect(personal.length).toBeGreaterThan(5); // the walk finds them at all
    expect(personal.filter(({ op }) => !op['x-personal-data']).map((r) => r.route)).toEqual([]);
  });

  it('offers no way to change or delete an entry of the access log', () => {
    const writes = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/api/v1/access-log'))
      .flatMap(([, ops]) => Object.keys(ops).filter((m) => m !== 'get'));
    expect(writes).toEqual([]);
  });
});
