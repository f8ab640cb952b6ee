/**
 * Soak: subscriptions, their confirmations, imports and API reads mixed at a rate this
 * machine sustains, for a bounded time, against the api and worker as real processes. It
 * prints the resident memory of each process over the run (and its slope after warm-up) and
 * the request latencies of each third of the run, and checks that nothing was lost: every
 * subscription confirmed with one confirmation mail, every import complete with each row
 * once, and that no process's memory grew past a generous bound.
 *
 * `npm test` runs the bounded form (60 s); `npm run test:soak` the long one
 * (CF_SOAK_SECONDS, 600 by default). Latencies are printed, not asserted: this is a test of
 * loss and leaks, the speed figures belong to the benchmarks.
 */
import { readFile } from 'node:fs/promises';
import { adminApiKey } from '../helpers/admin-key';
import { startFaultStack, type FaultStack } from '../helpers/fault-stack';
import { uniqueSuffix } from '../helpers/services';

const SECONDS = Number(
  process.env.CF_SOAK_SECONDS ?? (process.env.CF_FAULTS === 'soak' ? 600 : 60),
);
const SUBSCRIBE_PER_S = 4;
const READS_PER_S = 10;
const IMPORT_EVERY_S = 15;
const IMPORT_ROWS = 500;
/** Growth after warm-up past which a process is taken to leak (MB). */
const LEAK_BOUND_MB = 250;

jest.setTimeout((SECONDS + 360) * 1000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('soak', () => {
  let stack: FaultStack;
  const marker = uniqueSuffix();
  const email = (kind: string, i: number) => `${kind}${i}.${marker}@example.test`;

  beforeAll(async () => {
    stack = await startFaultStack({
      env: { CONSENTFLOW_SUBSCRIBE_LIMIT_IP: '1000000' },
    });
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function call(
    method: string,
    path: string,
    options: { key?: string; json?: unknown; body?: string; type?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${stack.base}${path}`, {
      method,
      headers: {
        ...(options.key ? { Authorization: `Bearer ${options.key}` } : {}),
        ...(options.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(options.type ? { 'Content-Type': options.type } : {}),
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
    return { status: res.status, body: body as Record<string, unknown> };
  }

  it(`loses nothing and leaks no memory over ${SECONDS} s of mixed load`, async () => {
    const admin = `admin.${marker}@example.test`;
    const password = 'correct horse battery staple';
    const tenant = await call('POST', '/api/v1/tenants', {
      key: stack.platformToken,
      json: { name: `Soak ${marker}`, admin: { email: admin, initialPassword: password } },
    });
    expect(tenant).toMatchObject({ status: 201 });
    const key = await adminApiKey(stack.base, admin, password);
    const signups = await call('POST', '/api/v1/lists', { key, json: { name: 'Signups' } });
    const imported = await call('POST', '/api/v1/lists', { key, json: { name: 'Imported' } });
    expect([signups.status, imported.status]).toEqual([201, 201]);
    const signupsId = signups.body.id as string;
    const importedId = imported.body.id as string;

    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const latencies: { at: number; kind: string; ms: number }[] = [];
    const errors: string[] = [];
    const timed = async <T extends { status: number }>(kind: string, run: () => Promise<T>) => {
      const t0 = performance.now();
      const res = await run();
      latencies.push({ at: elapsed(), kind, ms: performance.now() - t0 });
      if (res.status >= 400) errors.push(`${kind}: ${res.status}`);
      return res;
    };

    // Resident memory of each process, every 2 s.
    const memory: { at: number; api: number; worker: number }[] = [];
    const rss = async (pid?: number) => {
      if (!pid) return NaN;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
    };
    let running = true;
    const sampling = (async () => {
      while (running) {
        memory.push({
          at: elapsed(),
          api: await rss(stack.api.current?.child.pid),
          worker: await rss(stack.workers[0]!.current?.child.pid),
        });
        await sleep(2000);
      }
    })();

    // The workload: a steady rate of each kind, paced by a clock so a slow answer does not
    // lower the rate.
    const paced = async (perSecond: number, act: (i: number) => Promise<void>) => {
      const inFlight: Promise<void>[] = [];
      for (let i = 0; elapsed() < SECONDS; i++) {
        inFlight.push(act(i));
        const due = started + ((i + 1) * 1000) / perSecond;
        await sleep(Math.max(0, due - Date.now()));
      }
      await Promise.all(inFlight);
    };
    const contactIds: string[] = [];
    const subscribing = paced(SUBSCRIBE_PER_S, async (i) => {
      const res = await timed('subscribe', () =>
        call('POST', `/api/v1/lists/${signupsId}/subscriptions`, {
          key,
          json: { email: email('sub', i) },
        }),
      );
      if (res.status === 202) contactIds.push(res.body.contactId as string);
    });
    const subscribed = () => contactIds.length;
    const confirmed = new Set<number>();
    const confirming = (async () => {
      while (running || confirmed.size < subscribed()) {
        for (let i = 0; i < subscribed(); i++) {
          if (confirmed.has(i)) continue;
          const [mail] = stack.relay.to(email('sub', i), /confirm/i);
          const link = mail && /https?:\/\/[^/\s]+(\/c\/[A-Za-z0-9._-]+)/.exec(mail.text)?.[1];
          if (!link) continue;
          const res = await timed('confirm', () =>
            call('POST', link, { body: '', type: 'application/x-www-form-urlencoded' }),
          );
          if (res.status === 200) confirmed.add(i);
        }
        if (!running && Date.now() - started > (SECONDS + 180) * 1000) break;
        await sleep(250);
      }
    })();
    const imports: string[] = [];
    const importing = paced(1 / IMPORT_EVERY_S, async (n) => {
      const csv = [
        'email,firstName',
        ...Array.from({ length: IMPORT_ROWS }, (_, i) => `${email(`imp${n}x`, i)},R`),
        '',
      ].join('\n');
      const res = await timed('import', () =>
        call('POST', `/api/v1/lists/${importedId}/imports?consent=existing`, {
          key,
          body: csv,
          type: 'text/csv',
        }),
      );
      if (res.status === 202) imports.push(res.body.id as string);
    });
    const reading = paced(READS_PER_S, async (i) => {
      const id = contactIds[i % Math.max(1, contactIds.length)];
      const kind = ['contact', 'lists', 'import'][i % 3]!;
      if (kind === 'contact' && id)
        await timed('read contact', () => call('GET', `/api/v1/contacts/${id}`, { key }));
      else if (kind === 'import' && imports.length > 0)
        await timed('read import', () => call('GET', `/api/v1/imports/${imports.at(-1)}`, { key }));
      else await timed('read lists', () => call('GET', '/api/v1/lists', { key }));
    });
    await Promise.all([subscribing, importing, reading]);
    running = false;
    await confirming;
    await sampling;

    // Everything converges.
    const importsDone = async () => {
      const states = await Promise.all(
        imports.map(async (id) => (await call('GET', `/api/v1/imports/${id}`, { key })).body),
      );
      return states.every((s) => s.status === 'completed') ? states : undefined;
    };
    let states: Record<string, unknown>[] | undefined;
    const deadline = Date.now() + 120_000;
    while (!(states = await importsDone()) && Date.now() < deadline) await sleep(1000);
    await sleep(3000); // a late duplicate would arrive now

    const db = await stack.data.tenants.forTenant(tenant.body.id as string);
    const members = async (listId: string) =>
      db.models.Contact.countDocuments({ [`lists.${listId}.status`]: 'active' });
    const confirmationMails = Array.from(
      { length: subscribed() },
      (_, i) => stack.relay.to(email('sub', i), /confirm/i).length,
    );
    const afterWarmUp = memory.filter((m) => m.at >= SECONDS * 0.2);
    const report = {
      seconds: SECONDS,
      rates: {
        subscribePerS: SUBSCRIBE_PER_S,
        readsPerS: READS_PER_S,
        importRowsEveryS: `${IMPORT_ROWS} every ${IMPORT_EVERY_S}`,
      },
      requests: latencies.length,
      errors: errors.length,
      subscriptions: { made: subscribed(), confirmed: confirmed.size },
      confirmationMails: histogram(confirmationMails),
      imports: { started: imports.length, completed: states?.length ?? 0 },
      memoryMb: {
        api: summary(afterWarmUp.map((m) => [m.at, m.api])),
        worker: summary(afterWarmUp.map((m) => [m.at, m.worker])),
      },
      latencyMsByThird: thirds(latencies, SECONDS),
      method:
        'RSS from /proc/<pid>/status every 2 s; slope by least squares after the first 20 % (warm-up); latencies measured by the client, p50/p95 per third of the run',
    };
    process.stdout.write(`soak:\n${JSON.stringify(report, null, 2)}\n`);

    expect(errors).toEqual([]);
    expect(confirmed.size).toBe(subscribed());
    expect(confirmationMails).toEqual(confirmationMails.map(() => 1));
    expect(await members(signupsId)).toBe(subscribed());
    expect(states).toBeDefined();
    expect(states!.map((s) => s.imported)).toEqual(imports.map(() => IMPORT_ROWS));
    expect(await members(importedId)).toBe(imports.length * IMPORT_ROWS);
    for (const role of ['api', 'worker'] as const)
      expect(report.memoryMb[role].growth).toBeLessThan(LEAK_BOUND_MB);
  });
});

/** First, last and peak of a series of [seconds, MB], its growth and least-squares slope. */
function summary(points: [number, number][]) {
  const ys = points.map(([, y]) => y);
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const slope =
    points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) /
    points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    first: round(ys[0]!),
    last: round(ys[n - 1]!),
    peak: round(Math.max(...ys)),
    growth: round(ys[n - 1]! - ys[0]!),
    slopeMbPerMin: round(slope * 60),
  };
}

/** p50 and p95 of each request kind in each third of the run. */
function thirds(latencies: { at: number; kind: string; ms: number }[], seconds: number) {
  const out: Record<string, string> = {};
  const kinds = [...new Set(latencies.map((l) => l.kind))];
  for (const kind of kinds) {
    const parts = [0, 1, 2].map((t) =>
      latencies
        .filter(
          (l) => l.kind === kind && l.at >= (t * seconds) / 3 && l.at < ((t + 1) * seconds) / 3,
        )
        .map((l) => l.ms)
        .sort((a, b) => a - b),
    );
    out[kind] = parts
      .map((p) => (p.length === 0 ? '–' : `${pct(p, 0.5)}/${pct(p, 0.95)}`))
      .join('  ');
  }
  return out;
}

const pct = (sorted: number[], q: number) =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);

function histogram(counts: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of counts) out[n] = (out[n] ?? 0) + 1;
  return out;
}
