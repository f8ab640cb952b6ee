/**
 * bench/api: authenticated contact search by email with an API key (authentication,
 * feature and list checks, encryption of the searched address, decryption of the contact,
 * field masking) against a baseline loop on the same api process that reads the same
 * contact without any of that, at a fixed concurrency, with autocannon.
 *
 *   npm run bench:api [-- --contacts 1000 --connections 10 --seconds 5 --rounds 6]
 *
 * Starts its own system (`npm start`), imports contacts through the api, then spawns one
 * api process (bench/api-server.ts: the real app plus the bench-only baseline routes) and
 * runs the loops against it in alternating order, round after round, so load from other
 * processes on the machine hits both alike. Prints requests/s, p50 and p99 per loop and
 * round, the ratio authenticated/plain per round and its spread (target >= 0.7).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { adminApiKey } from '../test/helpers/admin-key';
import { createApiKey } from '../src/auth/api-keys';
import { loadConfig } from '../src/config';
import { openDataLayer } from '../src/db/open';
import { freePort } from '../src/local/ports';
import { projectRoot } from '../src/util/project-root';
import { startSystem } from './system';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '6' },
  },
});
const contacts = Number(values.contacts);
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const SAMPLE = 200; // distinct contacts the loops cycle through

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** One autocannon loop over the given paths, cycling through them. */
async function load(
  base: string,
  paths: string[],
  headers: Record<string, string>,
  duration: number,
) {
  let i = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration,
    headers,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  } satisfies Figures;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

async function main() {
  const step = (what: string) => console.error(`  … ${what}`);
  step('starting the system');
  const system = await startSystem();
  let benchApi: ReturnType<typeof spawn> | undefined;
  try {
    step('provisioning a tenant and importing contacts');
    const tenant = await system.call('POST', '/api/v1/tenants', system.platformToken, {
      name: 'Bench',
      admin: { email: 'bench-admin@bench.example', initialPassword: 'benchmark password' },
    });
    const tenantId = tenant.id as string;
    const admin = await adminApiKey(system.base, 'bench-admin@bench.example', 'benchmark password');
    const list = await system.call('POST', '/api/v1/lists', admin, { name: 'Bench list' });
    const lines = ['email,phone,firstName,lastName,plan,city'];
    for (let i = 0; i < contacts; i++)
      lines.push(
        `person${i}@bench.example,+4930${String(1000000 + i)},First${i},Last${i},gold,City${i % 97}`,
      );
    const upload = await fetch(`${system.base}/api/v1/lists/${list.id}/imports?consent=existing`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'text/csv' },
      body: `${lines.join('\n')}\n`,
    });
    const started = (await upload.json()) as { id: string };
    let job: { status: string; imported: number };
    do {
      await new Promise((r) => setTimeout(r, 250));
      job = (await system.call('GET', `/api/v1/imports/${started.id}`, admin)) as typeof job;
    } while (job.status === 'running');
    if (job.imported !== contacts)
      throw new Error(`import ${job.status}: ${job.imported} imported`);

    // A key as a restricted marketer would hold it: one feature, one list, emails hidden.
    const config = loadConfig(system.env);
    const data = await openDataLayer(config);
    const { key } = await createApiKey(data.tenants.control, {
      tenantId,
      name: 'bench marketer',
      permissions: {
        features: ['contacts.view'],
        lists: [list.id as string],
        fields: { email: 'none', phone: 'none', '*': 'view' },
      },
      createdBy: 'bench',
    });
    await data.mongo.close();

    const emails = Array.from(
      { length: SAMPLE },
      (_, k) => `person${Math.floor((k * contacts) / SAMPLE)}@bench.example`,
    );
    const ids: string[] = [];
    for (const email of emails) {
      const found = (await system.call('GET', `/api/v1/contacts?email=${email}`, admin)) as {
        contacts: { id: string }[];
      };
      ids.push(found.contacts[0]!.id);
    }

    step('starting the measured api process');
    const port = await freePort();
    benchApi = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'bench', 'api-server.ts')],
      {
        env: { ...system.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      benchApi!.stdout!.on(
        'data',
        (c: Buffer) => c.toString().includes('bench api ready') && resolve(),
      );
      benchApi!.once('exit', () => reject(new Error('the bench api did not start')));
    });
    const base = `http://127.0.0.1:${port}`;
    const authPaths = emails.map((e) => `/api/v1/contacts?email=${encodeURIComponent(e)}`);
    const plainPaths = ids.map((id) => `/bench/plain/${tenantId}/${id}`);
    const check = (await (
      await fetch(base + authPaths[0], { headers: { Authorization: `Bearer ${key}` } })
    ).json()) as { contacts: { email: string; firstName: string; masked: string[] }[] };
    if (check.contacts[0]?.email !== '***' || check.contacts[0]?.firstName !== 'First0')
      throw new Error(`unexpected authenticated answer: ${JSON.stringify(check)}`);
    const plainCheck = (await (await fetch(base + plainPaths[0])).json()) as {
      contacts: unknown[];
    };
    if (plainCheck.contacts.length !== 1) throw new Error('the plain route found no contact');

    const loops = {
      authenticated: () => load(base, authPaths, { Authorization: `Bearer ${key}` }, seconds),
      plain: () => load(base, plainPaths, {}, seconds),
      static: () => load(base, ['/bench/static'], {}, seconds),
    };
    step('warming up');
    await load(base, authPaths, { Authorization: `Bearer ${key}` }, 3);
    await load(base, plainPaths, {}, 3);

    const results: Record<keyof typeof loops, Figures>[] = [];
    for (let round = 1; round <= rounds; round++) {
      step(`round ${round} of ${rounds}`);
      const order = (
        round % 2 ? ['authenticated', 'plain', 'static'] : ['plain', 'authenticated', 'static']
      ) as (keyof typeof loops)[];
      const figures = {} as Record<keyof typeof loops, Figures>;
      for (const name of order) figures[name] = await loops[name]();
      results.push(figures);
    }

    const cpu = os.cpus();
    console.log(
      `bench/api: ${contacts} contacts, ${connections} connections, ${seconds} s per loop, ${rounds} rounds, one api process, FerretDB (embedded) on ${cpu.length} cores, ${cpu[0]?.model ?? ''}`,
    );
    const row = (name: string, f: Figures) =>
      `    ${name.padEnd(14)} ${f.rps.toFixed(0).padStart(6)} req/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(4)} ms${f.errors ? `  (${f.errors} errors)` : ''}`;
    const ratios = results.map((r) => r.authenticated.rps / r.plain.rps);
    results.forEach((r, k) => {
      console.log(`  round ${k + 1}: ratio authenticated/plain ${ratios[k]!.toFixed(2)}`);
      console.log(row('authenticated', r.authenticated));
      console.log(row('plain', r.plain));
      console.log(row('static', r.static));
    });
    const sorted = [...ratios].sort((a, b) => a - b);
    const rps = (name: keyof typeof loops) => median(results.map((r) => r[name].rps)).toFixed(0);
    console.log(
      `  median req/s: authenticated ${rps('authenticated')}, plain ${rps('plain')}, static ${rps('static')}`,
    );
    console.log(
      `  ratio authenticated/plain: median ${median(ratios).toFixed(2)}, spread ${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)} over ${rounds} rounds  (target >= 0.70)`,
    );
    console.log(
      '  authenticated: GET /api/v1/contacts?email= with an API key limited to contacts.view, one list, email and phone masked (key and tenant lookups, cached 5 s per process; feature and list checks, deterministic encryption of the address, primary-key read, decryption, masking)',
    );
    console.log(
      '  plain: the same contacts read by primary key on the same server through a non-decrypting client, no auth, no masking (ciphertext returned as is); static: a fixed JSON body, no database',
    );
    console.log(
      '  measured: autocannon, fixed connections, requests cycling through 200 distinct contacts, loops alternating per round on one api process',
    );
  } finally {
    benchApi?.kill('SIGTERM');
    await system.stop();
  }
}

main().catch((err: unknown) => {
  console.error('bench/api failed:', err);
  process.exit(1);
});
