/**
 * bench/backup: a tenant's backup and restore through the real system (HTTP, backup and
 * restore workflows, sealed file in the folder store, erasure-ledger replay), side by side
 * with a plain dump and load of the same database in the same run (what mongodump and
 * mongorestore do: every document's BSON written to a file, then inserted into a new
 * database with the same indexes, no encryption, no checks); and the deletion phase of the
 * contract's end, beside a bare drop of a database of the same size.
 *
 *   npm run bench:backup [-- --contacts 10000,100000]
 *
 * Starts its own system (`npm start` with free ports and a temporary data folder). For each
 * size: a new tenant with that many contacts (through the import path). Then:
 * - plain dump: a driver without decryption reads every collection raw into one file;
 * - backup: `POST /api/v1/tenants/:id/backups` until `GET .../backups` lists it;
 * - plain load: the dump's documents inserted in batches of 1,000 into a new database, with
 *   the indexes;
 * - restore: `POST /api/v1/tenants/:id/restore` until it reports the tenant switched;
 * - deletion: `POST /api/v1/tenants/:id/contract-end` (now, no export window) until the
 *   certificate is issued, beside a bare dropDatabase of the plain load's copy.
 * Prints documents per second for each and the ratios (target: backup and restore ≥ 0.5 of
 * the plain dump and load; deletion flat in the tenant's size beyond the drop).
 */
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { BSON, MongoClient, type Document } from 'mongodb';
import { loadConfig } from '../src/config';
import { databaseNames } from '../src/db/names';
import { startSystem, tenantWithContacts } from './system';

const { values } = parseArgs({
  options: { contacts: { type: 'string', default: '10000,100000' } },
});
const sizes = values.contacts.split(',').map(Number);
const step = (what: string) => console.error(`  … ${what}`);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  contacts: number;
  documents: number;
  dump: number;
  backup: number;
  load: number;
  restore: number;
  drop: number;
  deletion: number;
  fileBytes: number;
}

async function main() {
  const system = await startSystem();
  const { call, dataDir, platformToken } = system;
  const names = databaseNames(loadConfig({ CONSENTFLOW_DATA_DIR: dataDir }).mongo.dbPrefix);
  const client = await new MongoClient(`mongodb://127.0.0.1:${system.ports.mongo}/`).connect();
  const rows: Row[] = [];

  /** The plain dump: every collection's documents as raw BSON into one file. */
  async function plainDump(database: string, file: string) {
    const db = client.db(database);
    const out = createWriteStream(file);
    const collections: { name: string; count: number; indexes: Document[] }[] = [];
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      let count = 0;
      for await (const doc of db.collection(name).find({}, { raw: true, batchSize: 1000 })) {
        if (!out.write(doc as unknown as Buffer)) await once(out, 'drain');
        count++;
      }
      const indexes = (await db.collection(name).listIndexes().toArray()).filter(
        (i) => i.name !== '_id_',
      );
      collections.push({ name, count, indexes });
    }
    out.end();
    await once(out, 'finish');
    return collections;
  }

  /** The plain load: the dump's documents into a new database, then the indexes. */
  async function plainLoad(
    file: string,
    collections: Awaited<ReturnType<typeof plainDump>>,
    into: string,
  ) {
    const body = await readFile(file);
    const db = client.db(into);
    let at = 0;
    for (const { name, count, indexes } of collections) {
      let batch: Document[] = [];
      for (let i = 0; i < count; i++) {
        const size = body.readInt32LE(at);
        batch.push(BSON.deserialize(body.subarray(at, at + size), { promoteValues: false }));
        at += size;
        if (batch.length === 1000) {
          await db.collection(name).insertMany(batch, { ordered: false });
          batch = [];
        }
      }
      if (batch.length) await db.collection(name).insertMany(batch, { ordered: false });
      for (const { key, name: indexName, ...options } of indexes) {
        delete options.v; // the server's own fields, not options
        delete options.ns;
        await db.collection(name).createIndex(key, { name: indexName, ...options });
      }
    }
  }

  try {
    for (const [n, size] of sizes.entries()) {
      step(`${size} contacts: import`);
      const { tenantId } = await tenantWithContacts(system, `Backup bench ${n}`, size);
      const database = names.tenant(tenantId);
      const platform = platformToken;

      step(`${size} contacts: plain dump, then the backup`);
      const dumpFile = path.join(dataDir, `plain-dump-${n}.bson`);
      let t0 = performance.now();
      const dumped = await plainDump(database, dumpFile);
      const dump = seconds(t0);
      const documents = dumped.reduce((sum, c) => sum + c.count, 0);

      t0 = performance.now();
      const started = (await call('POST', `/api/v1/tenants/${tenantId}/backups`, platform)) as {
        id: string;
      };
      let listed: { id: string; size: number } | undefined;
      while (!listed) {
        const { backups } = (await call(
          'GET',
          `/api/v1/tenants/${tenantId}/backups`,
          platform,
        )) as {
          backups: { id: string; size: number }[];
        };
        listed = backups.find((b) => b.id === started.id);
        if (!listed) await pause(20);
      }
      const backup = seconds(t0);

      step(`${size} contacts: plain load, then the restore`);
      const copy = `${database}_plain`;
      t0 = performance.now();
      await plainLoad(dumpFile, dumped, copy);
      const load = seconds(t0);

      t0 = performance.now();
      const restore = (await call('POST', `/api/v1/tenants/${tenantId}/restore`, platform, {
        backupId: started.id,
      })) as { id: string };
      for (;;) {
        const state = (await call(
          'GET',
          `/api/v1/tenants/${tenantId}/restore/${restore.id}`,
          platform,
        )) as { status: string; step: string };
        if (state.status === 'failed') throw new Error('the restore failed');
        if (['following', 'dropping', 'done'].includes(state.step)) break;
        await pause(20);
      }
      const restored = seconds(t0);

      step(`${size} contacts: bare drop, then the contract's end`);
      t0 = performance.now();
      await client.db(copy).dropDatabase();
      const drop = seconds(t0);
      t0 = performance.now();
      await call('POST', `/api/v1/tenants/${tenantId}/contract-end`, platform, {
        endsAt: new Date().toISOString(),
        exportWindowDays: 0,
      });
      for (;;) {
        const tenant = (await call('GET', `/api/v1/tenants/${tenantId}`, platform)) as {
          deletion?: { certificateId?: string };
        };
        if (tenant.deletion?.certificateId) break;
        await pause(20);
      }
      const deletion = seconds(t0);
      await rm(dumpFile, { force: true });
      rows.push({
        contacts: size,
        documents,
        dump,
        backup,
        load,
        restore: restored,
        drop,
        deletion,
        fileBytes: listed.size,
      });
    }

    const perSecond = (docs: number, s: number) => Math.round(docs / s);
    console.log(
      `bench/backup: tenants imported with N contacts; FerretDB (embedded, SQLite) on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`,
    );
    console.log(
      '  contacts  documents   dump doc/s  backup doc/s  ratio   load doc/s  restore doc/s  ratio   file MB   drop s  deletion s',
    );
    for (const r of rows)
      console.log(
        `  ${String(r.contacts).padStart(8)}  ${String(r.documents).padStart(9)}  ${String(perSecond(r.documents, r.dump)).padStart(11)}  ${String(perSecond(r.documents, r.backup)).padStart(12)}  ${(r.dump / r.backup).toFixed(2).padStart(5)}  ${String(perSecond(r.documents, r.load)).padStart(11)}  ${String(perSecond(r.documents, r.restore)).padStart(13)}  ${(r.load / r.restore).toFixed(2).padStart(5)}  ${(r.fileBytes / 1e6).toFixed(1).padStart(8)}  ${r.drop.toFixed(2).padStart(7)}  ${r.deletion.toFixed(2).padStart(10)}`,
      );
    console.log(
      '  targets: backup and restore throughput ≥ 0.5 of the plain dump and load (ratio column); deletion flat in the size beyond the drop',
    );
    console.log(
      '  measured: wall clock (performance.now); backup from the POST until GET lists it (polled every 20 ms), restore from the POST until GET shows the tenant switched, deletion from the contract-end POST (now, no window) until the certificate is issued; dump/load: plain driver, raw BSON to one file, insertMany by 1,000 plus the indexes, same run, same server',
    );
  } finally {
    await client.close();
    await system.stop();
  }
}

main().catch((err: unknown) => {
  console.error('bench/backup failed:', err);
  process.exit(1);
});
