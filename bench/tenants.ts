/**
 * bench/tenants: what a tenant costs. Provisions N tenants through the real system (the
 * tenant route: a database with its collections and indexes, a data key, the admin user,
 * the backup and access-review Schedules; then one list through the list route, with its
 * consent Schedules), and beside it, in the same run and on the same database server, the
 * bare cost of a database: N databases each with one collection, one index and one document
 * created by the driver.
 *
 *   npm run bench:tenants [-- --tenants 1000 --concurrency 4]
 *
 * Starts its own system (`npm start` with free ports and a temporary data folder). Prints,
 * for the tenants and for the bare databases: seconds in all, tenants per second, p50/p95
 * latency of one provisioning, and per tenant the disk of the database server and of
 * Temporal, the resident memory and open files of each process, and the Schedules created.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { createApiKey } from '../src/auth/api-keys';
import { loadConfig } from '../src/config';
import { databaseNames } from '../src/db/names';
import { openDataLayer } from '../src/db/open';
import { startSystem, systemFootprint } from './system';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
  },
});
const N = Number(values.tenants);
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) {
  console.error('usage: npm run bench:tenants [-- --tenants <n ≥ 1> --concurrency <n ≥ 1>]');
  process.exit(2);
}
const step = (what: string) => console.error(`  … ${what}`);

/** Bytes under `dir`, recursively. */
async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await diskBytes(full) : (await stat(full)).size;
  }
  return total;
}

/** Runs `work(i)` for i < n with at most `concurrency` at once; returns each one's ms. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>) {
  const ms: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await work(i);
        ms.push(performance.now() - t0);
      }
    }),
  );
  return ms.sort((a, b) => a - b);
}
const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  step('starting the system');
  const system = await startSystem();
  const config = loadConfig(system.env);
  const data = await openDataLayer(config);
  const connection = await Connection.connect({ address: `127.0.0.1:${system.ports.temporal}` });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const mongo = await new MongoClient(`mongodb://127.0.0.1:${system.ports.mongo}/`).connect();
  const countSchedules = async () => {
    let n = 0;
    // Counting every Schedule of the namespace is a measurement, not a product operation:
    // the workflow gateway has no reason to offer it.
    // eslint-disable-next-line no-restricted-syntax
    for await (const schedule of temporal.schedule.list()) if (schedule.scheduleId) n += 1;
    return n;
  };
  const snapshot = async () => ({
    databaseDisk: await diskBytes(path.join(system.dataDir, 'ferretdb')),
    temporalDisk: await diskBytes(path.join(system.dataDir, 'temporal')),
    processes: await systemFootprint(system.pid),
    schedules: await countSchedules(),
  });
  try {
    const before = await snapshot();

    step(`provisioning ${N} tenants, ${CONCURRENCY} at a time`);
    let firstTenant: string | undefined;
    const t0 = performance.now();
    const tenantMs = await pool(N, CONCURRENCY, async (i) => {
      const tenant = await system.call('POST', '/api/v1/tenants', system.platformToken, {
        name: `Bench tenant ${i}`,
        admin: { email: `admin${i}@tenants.bench.example`, initialPassword: 'benchmark password' },
      });
      firstTenant ??= tenant.id as string;
      // A key straight from the store: the admin's first login and password change cost
      // bcrypt time that is not the tenant's.
      const { key } = await createApiKey(data.tenants.control, {
        tenantId: tenant.id as string,
        name: 'bench',
        permissions: { features: ['contacts.edit'], lists: 'all', fields: { '*': 'edit' } },
        createdBy: 'bench',
      });
      await system.call('POST', '/api/v1/lists', key, { name: 'Newsletter' });
      if ((i + 1) % 100 === 0) step(`${i + 1} tenants`);
    });
    const tenantSeconds = (performance.now() - t0) / 1000;
    // The namespaces (collections and indexes) of one tenant: MongoDB's per-cluster guidance
    // is counted in them.
    const one = mongo.db(databaseNames(config.mongo.dbPrefix).tenant(firstTenant!));
    const collections = await one.listCollections({}, { nameOnly: true }).toArray();
    let indexes = 0;
    for (const c of collections) indexes += (await one.collection(c.name).indexes()).length;
    await new Promise((r) => setTimeout(r, 2000)); // let the servers settle before measuring
    const afterTenants = await snapshot();

    step(`baseline: ${N} bare databases, ${CONCURRENCY} at a time`);
    const t1 = performance.now();
    const bareMs = await pool(N, CONCURRENCY, async (i) => {
      const db = mongo.db(`bare_${i}`);
      await db.collection('things').createIndex({ key: 1 }, { unique: true });
      await db.collection('things').insertOne({ key: i });
    });
    const bareSeconds = (performance.now() - t1) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const afterBare = await snapshot();

    const mb = (bytes: number) => bytes / 2 ** 20;
    const perTenant = (a: Awaited<ReturnType<typeof snapshot>>, b: typeof a) => ({
      databaseDiskKb: ((b.databaseDisk - a.databaseDisk) / N / 1024).toFixed(1),
      temporalDiskKb: ((b.temporalDisk - a.temporalDisk) / N / 1024).toFixed(1),
      schedules: ((b.schedules - a.schedules) / N).toFixed(2),
      ...Object.fromEntries(
        Object.keys(b.processes).flatMap((name) => [
          [
            `${name}RssKb`,
            (
              (((b.processes[name]?.rssMb ?? 0) - (a.processes[name]?.rssMb ?? 0)) * 1024) /
              N
            ).toFixed(1),
          ],
          [
            `${name}Sockets`,
            (((b.processes[name]?.sockets ?? 0) - (a.processes[name]?.sockets ?? 0)) / N).toFixed(
              2,
            ),
          ],
          [
            `${name}OpenFiles`,
            (
              ((b.processes[name]?.openFiles ?? 0) - (a.processes[name]?.openFiles ?? 0)) /
              N
            ).toFixed(2),
          ],
        ]),
      ),
    });
    const row = (seconds: number, ms: number[]) => ({
      seconds: seconds.toFixed(1),
      perSecond: (N / seconds).toFixed(1),
      p50Ms: pct(ms, 0.5).toFixed(0),
      p95Ms: pct(ms, 0.95).toFixed(0),
    });
    const report = {
      tenants: N,
      concurrency: CONCURRENCY,
      namespacesPerTenant: { collections: collections.length, indexes },
      provisioning: {
        tenant: { ...row(tenantSeconds, tenantMs), ...perTenant(before, afterTenants) },
        bareDatabase: { ...row(bareSeconds, bareMs), ...perTenant(afterTenants, afterBare) },
      },
      totals: {
        before: {
          databaseDiskMb: mb(before.databaseDisk).toFixed(1),
          temporalDiskMb: mb(before.temporalDisk).toFixed(1),
          processes: before.processes,
          schedules: before.schedules,
        },
        afterTenants: {
          databaseDiskMb: mb(afterTenants.databaseDisk).toFixed(1),
          temporalDiskMb: mb(afterTenants.temporalDisk).toFixed(1),
          processes: afterTenants.processes,
          schedules: afterTenants.schedules,
        },
        afterBare: {
          databaseDiskMb: mb(afterBare.databaseDisk).toFixed(1),
          processes: afterBare.processes,
        },
      },
      method:
        'tenants through POST /api/v1/tenants then POST /api/v1/lists (a key made in the store); bare databases by the driver (one unique index, one document) on the same FerretDB; disk is the size of the files under the data folder; memory is resident set size and open files are /proc/<pid>/fd entries of each process, measured 2 s after each phase; Schedules counted by listing them in Temporal',
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await mongo.close();
    await connection.close();
    await data.mongo.close();
    await system.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
