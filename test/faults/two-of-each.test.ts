/**
 * Two of each: two api processes and two workers against one Temporal and one database, as
 * `docker compose` runs replicas. What one process counts or creates, the other must see:
 * a session made on one api works on the other; brute-force counters and the subscription
 * flood limit add up across both; one Idempotency-Key sent to both at once makes one tenant
 * with one set of Schedules; subscriptions made on one api and confirmed on the other get
 * one confirmation mail each; a campaign sent by two workers reaches each recipient once.
 *
 * It runs with the fault suite (both forms, alone after the other suites) because it starts
 * a whole system of its own.
 */
import { Client, Connection } from '@temporalio/client';
import { startedWorkflowId } from '../../src/temporal/workflows';
import { startFaultStack, type FaultStack } from '../helpers/fault-stack';
import { uniqueSuffix } from '../helpers/services';

const LOCK_AFTER = 6;
const PER_ADDRESS = 3;
const SUBSCRIBERS = 10;
const AUDIENCE = process.env.CF_FAULTS === 'full' ? 1000 : 200;

jest.setTimeout(300_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('two api processes and two workers', () => {
  let stack: FaultStack;
  let temporal: Client;
  const marker = uniqueSuffix();
  const email = (kind: string, i: number | string) => `${kind}${i}.${marker}@example.test`;

  beforeAll(async () => {
    stack = await startFaultStack({
      workers: 2,
      apis: 2,
      env: {
        CONSENTFLOW_LOGIN_DELAY_AFTER: String(LOCK_AFTER),
        CONSENTFLOW_LOGIN_LOCK_AFTER: String(LOCK_AFTER),
        CONSENTFLOW_LOGIN_LOCK_SECONDS: '600',
        CONSENTFLOW_SUBSCRIBE_LIMIT_ADDRESS: String(PER_ADDRESS),
        CONSENTFLOW_CAMPAIGN_RATE: '200',
      },
    });
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    temporal = new Client({ connection, namespace: stack.config.temporal.namespace });
  }, 240_000);
  afterAll(async () => {
    await temporal?.connection.close();
    await stack?.stop();
  });

  /** One request to api number `n` (0 or 1). */
  async function on(
    n: number,
    method: string,
    path: string,
    options: {
      key?: string;
      json?: unknown;
      body?: string;
      type?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const res = await fetch(`${stack.bases[n]}${path}`, {
      method,
      headers: {
        ...(options.key ? { Authorization: `Bearer ${options.key}` } : {}),
        ...(options.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(options.type ? { 'Content-Type': options.type } : {}),
        ...options.headers,
      },
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    });
    const text = await res.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { page: text.length };
    }
    return { status: res.status, body: body as Record<string, unknown>, headers: res.headers };
  }

  /** A console session: its cookie and CSRF token, made on one api, usable on either. */
  interface Session {
    cookie: string;
    csrf: string;
  }
  const withSession = (session: Session) => ({
    Cookie: session.cookie,
    'X-CSRF-Token': session.csrf,
  });
  async function logIn(n: number, address: string, password: string): Promise<Session> {
    const res = await on(n, 'POST', '/api/v1/auth/login', { json: { email: address, password } });
    expect(res).toMatchObject({ status: 200 });
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { cookie, csrf: res.body.csrfToken as string };
  }

  let admin: Session;
  let key: string;
  let tenantId: string;

  it('makes one tenant, with one set of Schedules, from one Idempotency-Key sent to both apis at once', async () => {
    const idempotencyKey = `two-${marker}`;
    const adminEmail = email('admin', '');
    const password = 'correct horse battery staple';
    const create = (n: number) =>
      on(n, 'POST', '/api/v1/tenants', {
        key: stack.platformToken,
        headers: { 'Idempotency-Key': idempotencyKey },
        json: { name: `Two ${marker}`, admin: { email: adminEmail, initialPassword: password } },
      });
    const answers = await Promise.all([create(0), create(1)]);
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers[1]!.body.id).toBe(answers[0]!.body.id);
    tenantId = answers[0]!.body.id as string;
    const tenants = await stack.data.tenants.control.Tenant.find({ name: `Two ${marker}` }).lean();
    expect(tenants).toHaveLength(1);

    const schedules: string[] = [];
    for await (const s of temporal.schedule.list())
      if (s.scheduleId.includes(tenantId)) schedules.push(s.scheduleId);
    process.stdout.write(`two of each: schedules of the tenant: ${schedules.join(', ')}\n`);
    expect(schedules.sort()).toEqual(
      [
        startedWorkflowId('accessReview', { tenantId }),
        startedWorkflowId('tenantBackup', { tenantId }),
      ].sort(),
    );

    // The admin's first login on one api, the forced password change on the other.
    const first = await logIn(0, adminEmail, password);
    const renewed = `${password} renewed`;
    expect(
      await on(1, 'POST', '/api/v1/auth/password', {
        headers: withSession(first),
        json: { currentPassword: password, newPassword: renewed },
      }),
    ).toMatchObject({ status: 204 });
    admin = await logIn(1, adminEmail, renewed);
    const created = await on(0, 'POST', '/api/v1/api-keys', {
      headers: withSession(admin),
      json: { name: 'two of each' },
    });
    expect(created).toMatchObject({ status: 201 });
    key = created.body.key as string;
  });

  it('serves a session made on one api from the other', async () => {
    const user = await on(0, 'POST', '/api/v1/users', {
      headers: withSession(admin),
      json: {
        email: email('session', ''),
        initialPassword: 'an initial passphrase for two',
        permissions: { features: ['contacts.view'], lists: 'all', fields: { '*': 'view' } },
      },
    });
    expect(user).toMatchObject({ status: 201 });
    const session = await logIn(1, email('session', ''), 'an initial passphrase for two');
    const seen = await on(0, 'GET', '/api/v1/auth/session', { headers: withSession(session) });
    expect(seen).toMatchObject({ status: 200, body: { user: { id: user.body.id } } });
  });

  it('counts failed logins on both apis towards one lockout', async () => {
    const address = email('locked', '');
    const password = 'the right passphrase of this user';
    expect(
      await on(1, 'POST', '/api/v1/users', {
        headers: withSession(admin),
        json: {
          email: address,
          initialPassword: password,
          permissions: { features: [], lists: 'all', fields: {} },
        },
      }),
    ).toMatchObject({ status: 201 });
    const statuses: number[] = [];
    for (let i = 0; i < LOCK_AFTER; i++)
      statuses.push(
        (
          await on(i % 2, 'POST', '/api/v1/auth/login', {
            json: { email: address, password: 'no' },
          })
        ).status,
      );
    expect(statuses).toEqual(Array.from({ length: LOCK_AFTER }, () => 401));
    // Locked on both, even with the right password.
    for (const n of [0, 1]) {
      const locked = await on(n, 'POST', '/api/v1/auth/login', {
        json: { email: address, password },
      });
      expect(locked.status).toBe(429);
      expect((locked.body.error as { id: string }).id).toBe('too_many_attempts');
    }
  });

  it('limits subscriptions of one address across both apis', async () => {
    const list = await on(0, 'POST', '/api/v1/lists', { key, json: { name: 'Flood' } });
    expect(list.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < PER_ADDRESS + 2; i++)
      statuses.push(
        (
          await on(i % 2, 'POST', `/api/v1/lists/${list.body.id}/subscriptions`, {
            key,
            json: { email: email('flood', '') },
          })
        ).status,
      );
    expect(statuses).toEqual([...Array.from({ length: PER_ADDRESS }, () => 202), 429, 429]);
  });

  it('mails one confirmation per subscription made on one api and confirmed on the other', async () => {
    const list = await on(1, 'POST', '/api/v1/lists', { key, json: { name: 'Signups' } });
    expect(list.status).toBe(201);
    for (let i = 0; i < SUBSCRIBERS; i++)
      expect(
        await on(i % 2, 'POST', `/api/v1/lists/${list.body.id}/subscriptions`, {
          key,
          json: { email: email('sub', i) },
        }),
      ).toMatchObject({ status: 202 });
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const mail = await until(() => stack.relay.to(email('sub', i), /confirm/i)[0], 60_000);
      const link = /https?:\/\/[^/\s]+(\/c\/[A-Za-z0-9._-]+)/.exec(mail.text)?.[1];
      expect(link).toBeDefined();
      const confirmed = await on((i + 1) % 2, 'POST', link!, {
        body: '',
        type: 'application/x-www-form-urlencoded',
      });
      expect(confirmed.status).toBe(200);
    }
    await sleep(3000); // a duplicate would arrive now
    const mails = Array.from(
      { length: SUBSCRIBERS },
      (_, i) => stack.relay.to(email('sub', i), /confirm/i).length,
    );
    expect(mails).toEqual(Array.from({ length: SUBSCRIBERS }, () => 1));
    const members = await stack.data.tenants.forTenant(tenantId);
    const active = await members.models.Contact.countDocuments({
      [`lists.${list.body.id as string}.status`]: 'active',
    });
    expect(active).toBe(SUBSCRIBERS);
  });

  it('sends a campaign through two workers to each recipient once', async () => {
    const list = await on(0, 'POST', '/api/v1/lists', { key, json: { name: 'Audience' } });
    expect(
      await on(1, 'PUT', '/api/v1/settings/postal-address', {
        key,
        json: { postalAddress: 'Via Roma 1, Torino, Italy' },
      }),
    ).toMatchObject({ status: 200 });
    const csv = ['email', ...Array.from({ length: AUDIENCE }, (_, i) => email('aud', i)), ''].join(
      '\n',
    );
    const imported = await on(0, 'POST', `/api/v1/lists/${list.body.id}/imports?consent=existing`, {
      key,
      body: csv,
      type: 'text/csv',
    });
    expect(imported.status).toBe(202);
    await until(
      async () =>
        (await on(1, 'GET', `/api/v1/imports/${imported.body.id}`, { key })).body.status ===
        'completed',
      60_000,
    );
    const template = await on(1, 'POST', '/api/v1/templates', {
      key,
      json: { name: 'Two', subject: 'Two workers', html: '<p>Hello from both</p>' },
    });
    expect(template.status).toBe(201);
    const campaign = await on(0, 'POST', '/api/v1/campaigns', {
      key,
      json: { name: 'Two', listIds: [list.body.id], templateId: template.body.id, tracking: false },
    });
    expect(campaign.status).toBe(201);
    expect(
      (await on(1, 'POST', `/api/v1/campaigns/${campaign.body.id}/send`, { key })).status,
    ).toBe(202);
    const done = await until(async () => {
      const c = await on(0, 'GET', `/api/v1/campaigns/${campaign.body.id}`, { key });
      return c.body.status === 'sent' ? c.body : undefined;
    }, 180_000);
    await sleep(2000);
    const perRecipient = Array.from(
      { length: AUDIENCE },
      (_, i) => stack.relay.to(email('aud', i), /^Two workers$/).length,
    );
    process.stdout.write(
      `two of each: campaign ${JSON.stringify(done.stats)}; messages per recipient ${JSON.stringify(
        histogram(perRecipient),
      )}\n`,
    );
    expect(done).toMatchObject({ stats: { recipients: AUDIENCE, sent: AUDIENCE } });
    expect(perRecipient).toEqual(Array.from({ length: AUDIENCE }, () => 1));
  });
});

function histogram(counts: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of counts) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/** Polls `check` until it gives a value (not undefined or false). */
async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}
