/**
 * bench/rights: the access and erasure of one data subject in a tenant of many contacts and
 * events, end to end through the real system (HTTP request, rights workflow, activities,
 * encrypted storage), with in the same run a raw fetch of the same documents as the baseline.
 *
 *   npm run bench:rights [-- --contacts 10000,100000 --events-per-contact 10 --subject-events 10000]
 *
 * Starts its own system (`npm start` with free ports and a temporary data folder). For each
 * tenant size: a new tenant with that many contacts (through the import path), the subject's
 * `subject-events` consent events and `events-per-contact` events for every other contact
 * (written raw: the consent records' collection, the tenant's events today). Then:
 * - access: `POST /api/v1/rights-requests` (verified) until `completed`: the subject's data
 *   collected, zipped and stored encrypted;
 * - raw fetch: the same documents (contact, consent records, subscriptions) read with a plain
 *   driver, no decryption, no archive;
 * - erasure: the same subject erased, until `completed`.
 * Prints both times and the ratio access/raw (target <= 3), and erasure per size (target:
 * independent of the tenant's size).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../src/config';
import { databaseNames } from '../src/db/names';
import { startSystem, tenantWithContacts } from './system';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '10000,100000' },
    'events-per-contact': { type: 'string', default: '10' },
    'subject-events': { type: 'string', default: '10000' },
  },
});
const sizes = values.contacts.split(',').map(Number);
const perContact = Number(values['events-per-contact']);
const subjectEvents = Number(values['subject-events']);
const step = (what: string) => console.error(`  … ${what}`);

async function main() {
  const system = await startSystem();
  const { call, dataDir } = system;
  const names = databaseNames(loadConfig({ CONSENTFLOW_DATA_DIR: dataDir }).mongo.dbPrefix);
  const client = new MongoClient(`mongodb://127.0.0.1:${system.ports.mongo}/`);
  const results: {
    contacts: number;
    events: number;
    access: number;
    raw: number;
    erase: number;
  }[] = [];

  /** Polls a rights request until it closes; seconds since `t0`. */
  async function untilClosed(key: string, id: string, t0: number) {
    for (;;) {
      const r = (await call('GET', `/api/v1/rights-requests/${id}`, key)) as { status: string };
      if (r.status === 'completed') return (performance.now() - t0) / 1000;
      if (r.status === 'rejected') throw new Error('request rejected');
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  try {
    for (const [n, size] of sizes.entries()) {
      step(`${size} contacts: import`);
      const { tenantId, key, listId } = await tenantWithContacts(system, `Rights bench ${n}`, size);
      const list = { id: listId };
      const found = (await call('GET', `/api/v1/contacts?email=person0@bench.example`, key)) as {
        contacts: { id: string }[];
      };
      const subject = found.contacts[0]!.id;
      const db = client.db(names.tenant(tenantId));
      const contactIds = (
        await db
          .collection('contacts')
          .find({}, { projection: { _id: 1 } })
          .toArray()
      ).map((c) => String(c._id));
      step(
        `${size} contacts: ${subjectEvents} events of the subject, ${perContact} of every other contact`,
      );
      const records = db.collection('consent_records');
      const event = (contactId: string, i: number) => ({
        _id: `bench:${contactId}:${i}`,
        contactId,
        listId: list.id,
        action: 'renewed',
        at: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
        source: { kind: 'policy', id: 'bench' },
      });
      let batch: ReturnType<typeof event>[] = [];
      const flush = async () => {
        if (batch.length) await records.insertMany(batch as never[], { ordered: false });
        batch = [];
      };
      for (let i = 0; i < subjectEvents; i++) {
        batch.push(event(subject, i));
        if (batch.length >= 1000) await flush();
      }
      for (const c of contactIds) {
        if (c === subject) continue;
        for (let i = 0; i < perContact; i++) batch.push(event(c, i));
        if (batch.length >= 1000) await flush();
      }
      await flush();
      const events = await records.estimatedDocumentCount();

      step(`${size} contacts: access, then the raw fetch`);
      let t0 = performance.now();
      const access = (await call('POST', '/api/v1/rights-requests', key, {
        type: 'access',
        contactId: subject,
        identityVerified: true,
      })) as { id: string };
      const accessSeconds = await untilClosed(key, access.id, t0);
      t0 = performance.now();
      await Promise.all([
        db.collection('contacts').findOne({ _id: subject as never }),
        records.find({ contactId: subject }).toArray(),
        db.collection('subscriptions').find({ contactId: subject }).toArray(),
      ]);
      const rawSeconds = (performance.now() - t0) / 1000;

      step(`${size} contacts: erasure`);
      t0 = performance.now();
      const erasure = (await call('POST', '/api/v1/rights-requests', key, {
        type: 'erasure',
        contactId: subject,
        identityVerified: true,
      })) as { id: string };
      const eraseSeconds = await untilClosed(key, erasure.id, t0);
      results.push({
        contacts: size,
        events,
        access: accessSeconds,
        raw: rawSeconds,
        erase: eraseSeconds,
      });
    }

    console.log(
      `bench/rights: one subject with ${subjectEvents} events; other contacts ${perContact} events each; FerretDB (embedded, SQLite) on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`,
    );
    console.log('  contacts   events     access s   raw fetch s   access/raw   erasure s');
    for (const r of results)
      console.log(
        `  ${String(r.contacts).padStart(8)}  ${String(r.events).padStart(8)}  ${r.access.toFixed(2).padStart(9)}  ${r.raw.toFixed(2).padStart(11)}  ${(r.access / r.raw).toFixed(1).padStart(10)}  ${r.erase.toFixed(2).padStart(10)}`,
      );
    console.log('  targets: access/raw <= 3; erasure time independent of the tenant size');
    console.log(
      '  measured: wall clock (performance.now) from the POST until GET shows `completed` (polled every 20 ms); raw fetch = the same contact, consent records and subscriptions read with a plain driver, side by side',
    );
  } finally {
    await client.close();
    await system.stop();
  }
}

main().catch((err: unknown) => {
  console.error('bench/rights failed:', err);
  process.exit(1);
});
