/**
 * bench/import: 100,000 contacts (email, phone, first and last name, two custom fields)
 * through the real import path (HTTP upload, encrypted storage, import workflow, encrypted
 * upserts) of a running system, and in the same run the same rows inserted unencrypted with
 * a plain bulk insert into a scratch database of the same server.
 *
 *   npm run bench:import [-- --rows 100000]
 *
 * Starts its own system (`npm start` with free ports and a temporary data folder), so it
 * measures exactly what users run. Prints contacts per second for both, the ratio
 * encrypted/plain (target >= 0.5), and a breakdown of where the import's time goes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { MongoClient, ClientEncryption } from 'mongodb';
import { loadConfig } from '../src/config';
import { loadKmsSettings } from '../src/db/kms';
import { WRITE_BATCH } from '../src/db/bulk-write';
import { freePort } from '../src/local/ports';
import { projectRoot } from '../src/util/project-root';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const rows = Number(values.rows);
const BATCH = 500; // the import's batch size, used for the baseline too

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

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'consentflow-bench-'));
  const [api, mongo, temporal, ui, smtp] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const env = {
    ...process.env,
    PORT: String(api),
    MONGODB_PORT: String(mongo),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    SMTP_PORT: String(smtp),
    CONSENTFLOW_DATA_DIR: dataDir,
    CONSENTFLOW_LOG_LEVEL: 'warn',
    MONGODB_URI: '',
    TEMPORAL_ADDRESS: '',
    SMTP_URL: '',
    CONSENTFLOW_PLATFORM_TOKEN: '',
  };
  const system = spawn(
    process.execPath,
    [path.join(projectRoot, 'scripts', 'bootstrap.mjs'), 'start'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    system.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready in') && resolve());
    system.once('exit', () => reject(new Error('the system did not start')));
  });
  const base = `http://127.0.0.1:${api}`;
  const token = (await readFile(path.join(dataDir, 'platform-token'), 'utf8')).trim();
  const step = (what: string) => console.error(`  … ${what}`);
  const call = async (method: string, url: string, auth: string, body?: unknown) => {
    const res = await fetch(base + url, {
      method,
      headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    step('provisioning a tenant');
    const tenant = await call('POST', '/api/v1/tenants', token, {
      name: 'Bench',
      admin: { email: 'bench-admin@bench.example', initialPassword: 'benchmark password' },
    });
    const { key } = (await call('POST', `/api/v1/tenants/${tenant.id}/api-keys`, token, {
      name: 'bench',
    })) as { key: string };
    const list = await call('POST', '/api/v1/lists', key, { name: 'Bench list' });

    const header = 'email,phone,firstName,lastName,plan,city';
    const lines = [header];
    for (let i = 0; i < rows; i++) lines.push(Object.values(contactRow(i)).join(','));
    const csv = `${lines.join('\n')}\n`;

    step(`import of ${rows} rows through the api`);
    // 1. The real import path.
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
    if (job.imported !== rows)
      throw new Error(
        `import ${job.status}: ${job.imported} imported, ${job.rejectedCount} rejected`,
      );

    step(`baseline: plain insertMany of ${rows} rows`);
    // 2. Baseline: the same rows, unencrypted, plain insertMany in batches, same server.
    const plain = new MongoClient(`mongodb://127.0.0.1:${mongo}/`);
    const scratch = plain.db('bench_plain_scratch').collection<{ _id: string }>('contacts');
    t0 = performance.now();
    for (let i = 0; i < rows; i += BATCH) {
      const docs: ({ _id: string } & Record<string, unknown>)[] = [];
      for (let j = i; j < Math.min(i + BATCH, rows); j++)
        docs.push({
          _id: `c${j}`,
          ...contactRow(j),
          lists: { bench: { status: 'active', subscribedAt: new Date() } },
          createdAt: new Date(),
          updatedAt: new Date(),
        });
      await Promise.all(
        Array.from({ length: Math.ceil(docs.length / WRITE_BATCH) }, (_, k) =>
          scratch.insertMany(docs.slice(k * WRITE_BATCH, (k + 1) * WRITE_BATCH), {
            ordered: false,
          }),
        ),
      );
    }
    const plainSeconds = (performance.now() - t0) / 1000;
    await plain.db('bench_plain_scratch').dropDatabase();

    // 3. Where the time goes: the encryption alone, same values, same key, sampled.
    const sample = Math.min(rows, 10_000);
    const kmsProviders = await loadLocalProviders(dataDir);
    const keyed = new MongoClient(`mongodb://127.0.0.1:${mongo}/`);
    const enc = new ClientEncryption(keyed, {
      keyVaultNamespace: 'cf_keyvault.datakeys',
      kmsProviders,
    });
    const keyId = (await enc.getKeyByAltName(`tenant:${tenant.id}`))!._id; // by id, as the import does
    t0 = performance.now();
    for (let i = 0; i < sample; i += BATCH) {
      const work = [];
      for (let j = i; j < Math.min(i + BATCH, sample); j++) {
        const r = contactRow(j);
        work.push(
          enc.encrypt(r.email, {
            algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic',
            keyId,
          }),
        );
        work.push(
          enc.encrypt(r.phone, {
            algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic',
            keyId,
          }),
        );
        for (const v of [r.firstName, r.lastName, r.plan, r.city])
          work.push(enc.encrypt(v, { algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random', keyId }));
      }
      await Promise.all(work);
    }
    const encryptSecondsPerContact = (performance.now() - t0) / 1000 / sample;
    await keyed.close();
    await plain.close();

    const plainRate = rows / plainSeconds;
    const importRate = rows / importSeconds;
    const encryptShare = (encryptSecondsPerContact * rows) / importSeconds;
    console.log(
      `bench/import: ${rows} contacts, FerretDB (embedded, SQLite) on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`,
    );
    console.log(
      `  plain insertMany (no encryption, ${BATCH} per round in commands of ${WRITE_BATCH}):   ${plainRate.toFixed(0)} contacts/s  (${plainSeconds.toFixed(1)} s)`,
    );
    console.log(
      `  real import path (HTTP upload + workflow + encryption): ${importRate.toFixed(0)} contacts/s  (${importSeconds.toFixed(1)} s, upload ${uploadSeconds.toFixed(1)} s)`,
    );
    console.log(`  ratio encrypted/plain: ${(importRate / plainRate).toFixed(2)}  (target >= 0.5)`);
    console.log(
      `  where the time goes: explicit encryption of the 6 fields ≈ ${(encryptSecondsPerContact * 1e6).toFixed(0)} µs/contact = ${(encryptShare * 100).toFixed(0)}% of the import; the rest is the upload, CSV parsing, inserts of the larger encrypted documents, progress writes and workflow overhead, all on the same cores as the server`,
    );
    console.log(
      '  measured: wall clock (performance.now) around each phase, same process, same server, one run',
    );
  } finally {
    system.kill('SIGINT');
    await new Promise((r) => system.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The local KMS providers of the bench system (every key generation it holds). */
async function loadLocalProviders(dataDir: string) {
  const settings = await loadKmsSettings(loadConfig({ CONSENTFLOW_DATA_DIR: dataDir }));
  return settings.kmsProviders;
}

main().catch((err: unknown) => {
  console.error('bench/import failed:', err);
  process.exit(1);
});
