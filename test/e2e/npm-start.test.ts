/**
 * `npm start` as a user runs it: every embedded service, the worker and the api as real
 * processes on their own ports and data folder. Checks health, the Temporal Web UI and its
 * codec endpoint, a workflow through the whole system, the port-taken message, a worker
 * that dies being restarted, double opt-in that loses and repeats nothing while the worker
 * and the api are killed mid-flood, and that Ctrl-C (SIGINT) leaves no process behind.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { payloadToJson } from '../../src/api/schemas/codec-payloads';
import { freePort, isPortFree } from '../../src/local/ports';
import type { SupervisorStatus } from '../../src/supervisor-status';
import { adminApiKey } from '../helpers/admin-key';
import { historyPayloads } from '../helpers/history-payloads';
import { descendantsOf, isAlive, spawnNode, type Spawned } from '../helpers/processes';
import { testServices, uniqueSuffix } from '../helpers/services';

const bootstrap = path.resolve(__dirname, '..', '..', 'scripts', 'bootstrap.mjs');
// Only meaningful where the embedded services can run (no external MONGODB_URI / TEMPORAL_ADDRESS).
const maybe = testServices().ferretdb && testServices().temporalUiPort ? describe : describe.skip;

maybe('npm start', () => {
  let system: Spawned | undefined;
  let env: Record<string, string>;
  let ports: number[];
  let probeWorkflowId: string | undefined;
  afterAll(() => system?.child.kill('SIGKILL'));

  beforeAll(async () => {
    ports = await Promise.all(Array.from({ length: 5 }, () => freePort()));
    const [api, mongo, temporal, ui, smtp] = ports.map(String) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const dataDir = await mkdtemp(path.join(testServices().dataDir, 'start-'));
    env = {
      PORT: api,
      MONGODB_PORT: mongo,
      TEMPORAL_PORT: temporal,
      TEMPORAL_UI_PORT: ui,
      SMTP_PORT: smtp,
      CONSENTFLOW_DATA_DIR: dataDir,
    };
    for (const name of [
      'MONGODB_URI',
      'TEMPORAL_ADDRESS',
      'SMTP_URL',
      'CONSENTFLOW_PLATFORM_TOKEN',
      'CONSENTFLOW_CODEC_TOKEN',
    ])
      env[name] = '';
    system = spawnNode([bootstrap, 'start'], env);
    // The URLs follow the "ready" line, possibly in a later chunk of output.
    await system.waitFor(/Mail sink/, 240_000);
  });

  it('prints the URLs and answers /healthz with every dependency ok', async () => {
    expect(system!.output()).toContain(`http://localhost:${env.PORT}`);
    expect(system!.output()).toContain(`Temporal Web UI  http://localhost:${env.TEMPORAL_UI_PORT}`);
    const res = await fetch(`http://127.0.0.1:${env.PORT}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', temporal: 'ok', mongo: 'ok', smtp: 'ok' });
  });

  it('serves the Temporal Web UI', async () => {
    const res = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('runs a workflow through the api and worker processes with the generated platform token', async () => {
    const token = (
      await readFile(path.join(env.CONSENTFLOW_DATA_DIR!, 'platform-token'), 'utf8')
    ).trim();
    expect(system!.output()).toContain(token); // printed once at first start
    const res = await fetch(`http://127.0.0.1:${env.PORT}/api/v1/diagnostics/encryption-probe`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tenantId: `start${uniqueSuffix()}` }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { workflowId: string };
    expect(body).toMatchObject({ status: 'completed', verified: true });
    probeWorkflowId = body.workflowId;
  });

  it("points the Temporal Web UI at the codec endpoint, which decodes the workflow's payloads", async () => {
    const settings = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/settings`);
    const codec = ((await settings.json()) as { Codec: { Endpoint: string } }).Codec;
    const token = (
      await readFile(path.join(env.CONSENTFLOW_DATA_DIR!, 'codec-token'), 'utf8')
    ).trim();
    expect(codec.Endpoint).toBe(`http://localhost:${env.PORT}/codec/${token}`);

    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    try {
      const history = await new Client({ connection }).workflow
        .getHandle(probeWorkflowId!)
        .fetchHistory();
      const payloads = historyPayloads(history).map(payloadToJson);
      const uiOrigin = `http://localhost:${env.TEMPORAL_UI_PORT}`;
      const res = await fetch(
        `${codec.Endpoint.replace('localhost', '127.0.0.1')}/decode?preserveStorageRefs=true`,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-Namespace': 'default',
            Origin: uiOrigin,
          },
          body: JSON.stringify({ payloads }),
        },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(uiOrigin);
      const decoded = (await res.json()) as { payloads: { data: string }[] };
      const texts = decoded.payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8'));
      expect(texts).toContain(
        JSON.stringify({ probeId: probeWorkflowId!.split(':')[2], verified: true }),
      );
    } finally {
      await connection.close();
    }
  });

  it('refuses a second start on the same ports with a clear message', async () => {
    const second = spawnNode([bootstrap, 'start'], env);
    expect(await second.exit).not.toBe(0);
    expect(second.output()).toMatch(new RegExp(`port ${env.PORT} \\(PORT\\) is already in use`));
    expect(second.output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('restarts a worker that dies, says so in /healthz meanwhile, and runs workflows again', async () => {
    const healthz = `http://127.0.0.1:${env.PORT}/healthz`;
    const statusFile = path.join(env.CONSENTFLOW_DATA_DIR!, 'supervisor.json');
    const status = async () => JSON.parse(await readFile(statusFile, 'utf8')) as SupervisorStatus;
    const before = (await status()).worker!;
    expect(before).toMatchObject({ state: 'running', restarts: 0 });
    process.kill(before.pid!, 'SIGKILL');

    // While it is down (the first restart waits 1 s), the health report names it.
    let down: unknown;
    for (const until = Date.now() + 5000; !down && Date.now() < until;) {
      const res = await fetch(healthz);
      if (res.status === 503) down = await res.json();
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(down).toEqual({
      status: 'failing',
      temporal: 'ok',
      mongo: 'ok',
      smtp: 'ok',
      worker: 'failing',
    });
    await system!.waitFor(/worker exited \(SIGKILL\); restarting it in 1 s/, 5000);
    await system!.waitFor(/worker restarted \(restart 1, pid \d+\)/, 10_000);
    // Running again once Temporal sees the new process poll; healthy from then on.
    let after = (await status()).worker!;
    for (const until = Date.now() + 30_000; after.state !== 'running' && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 200));
      after = (await status()).worker!;
    }
    expect(after).toMatchObject({ state: 'running', restarts: 1 });
    expect(after.pid).not.toBe(before.pid);
    expect((await fetch(healthz)).status).toBe(200);

    // The restarted worker runs workflows.
    const token = (
      await readFile(path.join(env.CONSENTFLOW_DATA_DIR!, 'platform-token'), 'utf8')
    ).trim();
    const res = await fetch(`http://127.0.0.1:${env.PORT}/api/v1/diagnostics/encryption-probe`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tenantId: `restart${uniqueSuffix()}` }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'completed', verified: true });
  });

  it('restarts an api that dies, which then answers again', async () => {
    const healthz = `http://127.0.0.1:${env.PORT}/healthz`;
    const statusFile = path.join(env.CONSENTFLOW_DATA_DIR!, 'supervisor.json');
    const before = (JSON.parse(await readFile(statusFile, 'utf8')) as SupervisorStatus).api!;
    expect(before).toMatchObject({ state: 'running', restarts: 0 });
    process.kill(before.pid!, 'SIGKILL');
    await system!.waitFor(/api exited \(SIGKILL\); restarting it in 1 s/, 5000);
    await system!.waitFor(/api restarted \(restart 1, pid \d+\)/, 10_000);
    let status = 0;
    for (const until = Date.now() + 30_000; status !== 200 && Date.now() < until;) {
      status = await fetch(healthz).then(
        (res) => res.status,
        () => 0, // not listening yet
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    // The supervisor notices within its next check (every 250 ms) that the api answers.
    const apiStatus = async () =>
      (JSON.parse(await readFile(statusFile, 'utf8')) as SupervisorStatus).api!;
    let after = await apiStatus();
    for (const until = Date.now() + 10_000; after.state !== 'running' && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
      after = await apiStatus();
    }
    expect(after).toMatchObject({ state: 'running', restarts: 1 });
    expect(after.pid).not.toBe(before.pid);
  });

  /** A JSON call, retried while the api is down (as an integrator's client would). */
  const call = async (
    method: string,
    url: string,
    auth: string,
    body?: unknown,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any }> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`http://127.0.0.1:${env.PORT}${url}`, {
          method,
          headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (res.status < 500) return { status: res.status, body: await res.json() };
      } catch {
        // connection refused or reset: the api is being restarted
      }
      if (attempt > 150) throw new Error(`${method} ${url} kept failing`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('mails every double opt-in request once and records each confirmation once while the worker and the api are killed mid-flood', async () => {
    const base = `http://127.0.0.1:${env.PORT}`;
    const statusFile = path.join(env.CONSENTFLOW_DATA_DIR!, 'supervisor.json');
    const pidOf = async (role: 'worker' | 'api') =>
      (JSON.parse(await readFile(statusFile, 'utf8')) as SupervisorStatus)[role]!.pid!;
    const token = (
      await readFile(path.join(env.CONSENTFLOW_DATA_DIR!, 'platform-token'), 'utf8')
    ).trim();
    const adminEmail = `faults.${uniqueSuffix()}@example.test`;
    const tenant = await call('POST', '/api/v1/tenants', token, {
      name: 'Faults',
      admin: { email: adminEmail, initialPassword: 'fault test password' },
    });
    expect(tenant.status).toBe(201);
    const key = await adminApiKey(base, adminEmail, 'fault test password');
    const list = (await call('POST', '/api/v1/lists', key, { name: 'Faults' })).body;
    const marker = uniqueSuffix();
    const count = 60;
    const addresses = Array.from({ length: count }, (_, i) => `flood${i}.${marker}@example.test`);

    let answered = 0;
    const subscribing = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < count) {
            const email = addresses[next++]!;
            const res = await call('POST', `/api/v1/lists/${list.id}/subscriptions`, key, {
              email,
            });
            expect(res.status).toBe(202);
            answered += 1;
          }
        }),
      );
    })();
    const when = async (n: number) => {
      while (answered < n) await new Promise((r) => setTimeout(r, 20));
    };
    await when(15);
    process.kill(await pidOf('worker'), 'SIGKILL');
    await when(30);
    process.kill(await pidOf('api'), 'SIGKILL');
    await when(45);
    process.kill(await pidOf('worker'), 'SIGKILL');
    await subscribing;

    // The tenant's sweep wakes every list with work (a wake lost with the api comes from it).
    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    const client = new Client({ connection });
    const mails = async () => {
      const dir = path.join(env.CONSENTFLOW_DATA_DIR!, 'mail');
      const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
      return Promise.all(
        files.map(async (f) => {
          const raw = await readFile(path.join(dir, f), 'utf8');
          const body = raw.slice(raw.search(/\r?\n\r?\n/)).replace(/=\r?\n/g, '');
          return {
            to: /^To: *<?([^>\r\n]*)/im.exec(raw)?.[1] ?? '',
            messageId: /^Message-ID: *(<[^>]+>)/im.exec(raw)?.[1] ?? '',
            link: /\/c\/[A-Za-z0-9._-]+/.exec(body)?.[0],
          };
        }),
      );
    };
    let mine: Awaited<ReturnType<typeof mails>> = [];
    for (const until = Date.now() + 120_000; Date.now() < until;) {
      mine = (await mails()).filter((m) => m.to.includes(marker));
      if (new Set(mine.map((m) => m.to)).size === count) break;
      await client.workflow
        .execute('doubleOptInSweepWorkflow', {
          workflowId: `double-opt-in-sweep:${tenant.body.id}:${tenant.body.id}-now-${uniqueSuffix()}`,
          taskQueue: 'consentflow',
          args: [{ tenantId: tenant.body.id }],
        })
        .catch(() => undefined); // the worker may be restarting
      await new Promise((r) => setTimeout(r, 1000));
    }
    await connection.close();
    const byAddress = new Map<string, Set<string>>();
    for (const m of mine) byAddress.set(m.to, (byAddress.get(m.to) ?? new Set()).add(m.messageId));
    // Every address mailed, each with one message (a re-send after a crash between the relay
    // and the mark would repeat the same Message-ID, which receivers drop).
    expect([...byAddress.keys()].sort()).toEqual([...addresses].sort());
    expect([...byAddress.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    const duplicates = mine.length - count;
    console.log(
      `double opt-in under faults: ${count} requests, ${mine.length} messages (${duplicates} re-sent with the same Message-ID)`,
    );

    // Each confirmed once, with exactly one proof of each step.
    const links = new Map(mine.map((m) => [m.to, m.link!]));
    for (const email of addresses) {
      const res = await fetch(base + links.get(email)!, { method: 'POST' });
      expect(res.status).toBe(200);
    }
    for (const email of addresses) {
      const found = await call('GET', `/api/v1/contacts?email=${encodeURIComponent(email)}`, key);
      expect(found.body.contacts).toHaveLength(1);
      const read = await call('GET', `/api/v1/contacts/${found.body.contacts[0].id}`, key);
      expect(read.body.lists).toEqual([expect.objectContaining({ status: 'active' })]);
      expect(read.body.consent.map((c: { action: string }) => c.action)).toEqual([
        'requested',
        'confirmed',
      ]);
    }
  });

  it('stops every process it started on SIGINT', async () => {
    const started = descendantsOf(system!.child.pid!);
    expect(started.length).toBeGreaterThanOrEqual(3); // FerretDB, Temporal, worker, api
    system!.child.kill('SIGINT');
    expect(await system!.exit).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(started.filter(isAlive)).toEqual([]);
    for (const port of ports) expect(await isPortFree(port)).toBe(true);
  });
});

describe('npm start with bad input', () => {
  it('names every bad setting on one line each and exits non-zero', async () => {
    const run = spawnNode([bootstrap, 'start'], { PORT: 'eighty', SMTP_URL: 'http://relay' });
    expect(await run.exit).toBe(1);
    expect(run.output()).toMatch(/PORT: /);
    expect(run.output()).toMatch(/SMTP_URL: must start with smtp:\/\//);
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('names an unreachable MongoDB and exits instead of hanging', async () => {
    const closed = await freePort();
    const dataDir = await mkdtemp(path.join(testServices().dataDir, 'nomongo-'));
    const run = spawnNode(
      ['--import', 'tsx', path.resolve(__dirname, '..', '..', 'src', 'worker.ts')],
      {
        CONSENTFLOW_DATA_DIR: dataDir,
        MONGODB_URI: `mongodb://127.0.0.1:${closed}/?serverSelectionTimeoutMS=1000`,
        TEMPORAL_ADDRESS: testServices().temporalAddress,
      },
    );
    expect(await run.exit).toBe(1);
    expect(run.output()).toMatch(/cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:\d+/);
    expect(run.output().trim().split('\n')).toHaveLength(1);
  });

  it('names an unreachable Temporal and exits instead of hanging', async () => {
    const closed = await freePort();
    const dataDir = await mkdtemp(path.join(testServices().dataDir, 'notemporal-'));
    const run = spawnNode(
      ['--import', 'tsx', path.resolve(__dirname, '..', '..', 'src', 'worker.ts')],
      {
        CONSENTFLOW_DATA_DIR: dataDir,
        MONGODB_URI: testServices().mongoUri,
        TEMPORAL_ADDRESS: `127.0.0.1:${closed}`,
      },
    );
    expect(await run.exit).toBe(1);
    expect(run.output()).toMatch(/cannot reach Temporal at 127\.0\.0\.1:\d+/);
  });
});
