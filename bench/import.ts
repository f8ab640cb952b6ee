/**
 * bench/import: 100,000 contacts (email, phone, first and last name, two custom fields)
 * through the real import path (HTTP upload, encrypted storage, import workflow, encrypted
 * inserts) of a running system, and in the same run the same rows inserted unencrypted with
 * a plain bulk insert into a scratch database of the same server.
 *
 *   npm run bench:import [-- --rows 100000 --runs 3]
 *
 * Starts its own system (`npm start` with free ports and a temporary data folder), so it
 * measures exactly what users run. Each run imports into a new tenant, then inserts the
 * baseline; the ratio is taken within a run, because other work on the machine moves both
 * figures. Prints contacts per second for both, the ratio encrypted/plain (target >= 0.5),
 * and where the import's time goes: the stage times the import records on its own record,
 * and the CPU time each process of the system used during the import.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../src/config';
import { IMPORT_BATCH } from '../activities/imports';
import { INSERT_BATCH } from '../src/db/bulk-write';
import { databaseNames } from '../src/db/names';
import { adminApiKey } from '../test/helpers/admin-key';
import { startSystem, systemCpu } from './system';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
  },
});
const rows = Number(values.rows);
const runs = Number(values.runs);
const BATCH = IMPORT_BATCH; // rows per insert command of the baseline, as in the import

function contactRow(i: number) {
  return {
    email: `person${i}@bench.example`,
    phone: `+4930${String(1000000 + i).padStart(7, '0')}`,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    plan: i % 2 ? 'gold' : 'basic',
    city: `City${i % 97}`,
  };
}

interface RunResult {
  plainRate: number;
  importRate: number;
  importSeconds: number;
  uploadSeconds: number;
  stages: Record<string, number>;
  cpu: Record<string, number>;
  plainDatabaseCpu: number;
}

async function main() {
  const system = await startSystem();
  const { base, call, dataDir } = system;
  const token = system.platformToken;
  const names = databaseNames(loadConfig({ CONSENTFLOW_DATA_DIR: dataDir }).mongo.dbPrefix);
  const client = new MongoClient(`mongodb://127.0.0.1:${system.ports.mongo}/`);
  const step = (what: string) => console.error(`  … ${what}`);

  const header = 'email,phone,firstName,lastName,plan,city';
  const lines = [header];
  for (let i = 0; i < rows; i++) lines.push(Object.values(contactRow(i)).join(','));
  const csv = `${lines.join('\n')}\n`;

  async function run(n: number): Promise<RunResult> {
    const tenant = await call('POST', '/api/v1/tenants', token, {
      name: `Bench ${n}`,
      admin: { email: `bench-admin-${n}@bench.example`, initialPassword: 'benchmark password' },
    });
    const key = await adminApiKey(base, `bench-admin-${n}@bench.example`, 'benchmark password');
    const list = await call('POST', '/api/v1/lists', key, { name: 'Bench list' });

    step(`run ${n}: import of ${rows} rows through the api`);
    // 1. The real import path.
    const cpuBefore = await systemCpu(system.pid);
    let t0 = performance.now();
    const upload = await fetch(`${base}/api/v1/lists/${list.id}/imports?consent=existing`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'text/csv' },
      body: csv,
    });
    const started = (await upload.json()) as { id: string };
    if (!upload.ok) throw new Error(`upload refused: ${upload.status} ${JSON.stringify(started)}`);
    const uploadSeconds = (performance.now() - t0) / 1000;
    let job: { status: string; imported: number; rejectedCount: number };
    do {
      await new Promise((r) => setTimeout(r, 250));
      job = (await call('GET', `/api/v1/imports/${started.id}`, key)) as typeof job;
    } while (job.status === 'running');
    const importSeconds = (performance.now() - t0) / 1000;
    const cpuAfter = await systemCpu(system.pid);
    if (job.imported !== rows)
      throw new Error(
        `import ${job.status}: ${job.imported} imported, ${job.rejectedCount} rejected`,
      );
    const record = await client
      .db(names.tenant(String(tenant.id)))
      .collection<{ _id: string; timings?: Record<string, number> }>('imports')
      .findOne({ _id: started.id });

    step(`run ${n}: baseline, plain insertMany of ${rows} rows`);
    // 2. Baseline: the same rows, unencrypted, plain insertMany in batches, same server.
    const scratch = client.db('bench_plain_scratch').collection<{ _id: string }>('contacts');
    const plainCpuBefore = await systemCpu(system.pid);
    t0 = performance.now();
    for (let i = 0; i < rows; i += BATCH) {
      const docs: ({ _id: string } & Record<string, unknown>)[] = [];
      for (let j = i; j < Math.min(i + BATCH, rows); j++)
        docs.push({
          // An id like the import's (a hash of the address), so both insert into an index
          // in the same random order; sequential ids would be cheaper for the server.
          _id: `c${createHash('sha256').update(contactRow(j).email).digest('hex').slice(0, 24)}`,
          ...contactRow(j),
          lists: { bench: { status: 'active', subscribedAt: new Date() } },
          createdAt: new Date(),
          updatedAt: new Date(),
        });
      for (let k = 0; k < docs.length; k += INSERT_BATCH)
        await scratch.insertMany(docs.slice(k, k + INSERT_BATCH), { ordered: false });
    }
    const plainSeconds = (performance.now() - t0) / 1000;
    const plainDatabaseCpu =
      ((await systemCpu(system.pid)).database ?? 0) - (plainCpuBefore.database ?? 0);
    await client.db('bench_plain_scratch').dropDatabase();

    const cpu: Record<string, number> = {};
    for (const [name, seconds] of Object.entries(cpuAfter))
      cpu[name] = seconds - (cpuBefore[name] ?? 0);
    return {
      plainRate: rows / plainSeconds,
      importRate: rows / importSeconds,
      importSeconds,
      uploadSeconds,
      stages: record?.timings ?? {},
      cpu,
      plainDatabaseCpu,
    };
  }

  try {
    const results: RunResult[] = [];
    for (let n = 1; n <= runs; n++) results.push(await run(n));

    const f0 = (x: number) => x.toFixed(0);
    console.log(
      `bench/import: ${rows} contacts × ${runs} runs, FerretDB (embedded, SQLite) on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`,
    );
    console.log(
      '  run  plain/s (database CPU s)  import/s  ratio   import s (upload s)  stages of the import (s)                     CPU s during the import',
    );
    results.forEach((r, i) => {
      const stages = Object.entries(r.stages)
        .map(([stage, ms]) => `${stage} ${(ms / 1000).toFixed(1)}`)
        .join(', ');
      const cpu = Object.entries(r.cpu)
        .sort((a, b) => b[1] - a[1])
        .map(([name, s]) => `${name} ${s.toFixed(1)}`)
        .join(', ');
      console.log(
        `  ${String(i + 1).padStart(3)}  ${f0(r.plainRate).padStart(7)} (${r.plainDatabaseCpu.toFixed(1).padStart(4)})          ${f0(r.importRate).padStart(8)}  ${(r.importRate / r.plainRate).toFixed(2).padStart(5)}   ${r.importSeconds.toFixed(1).padStart(8)} (${r.uploadSeconds.toFixed(1)})        ${stages.padEnd(45)}  ${cpu}`,
      );
    });
    const ratios = results.map((r) => r.importRate / r.plainRate).sort((a, b) => a - b);
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    console.log(
      `  plain insertMany (no encryption, one command per ${Math.min(BATCH, INSERT_BATCH)} rows, like the import): median ${f0(median(results.map((r) => r.plainRate)))} contacts/s`,
    );
    console.log(
      `  real import path (HTTP upload + workflow + encryption): median ${f0(median(results.map((r) => r.importRate)))} contacts/s`,
    );
    console.log(
      `  ratio encrypted/plain: median ${median(ratios).toFixed(2)}, range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)} over ${runs} runs  (target >= 0.5)`,
    );
    console.log(
      '  stages: read = upload decrypt + parse + validate, encrypt = field encryption, write = inserts + progress (overlaps the next batch’s encryption), waitForWrite = encryption done, waiting for the database',
    );
    console.log(
      '  measured: wall clock (performance.now) from upload start until the import reports completed, and around the baseline inserts; ratio per run, same system, same server; CPU from /proc of the system’s processes',
    );
  } finally {
    await client.close();
    await system.stop();
  }
}

main().catch((err: unknown) => {
  console.error('bench/import failed:', err);
  process.exit(1);
});
