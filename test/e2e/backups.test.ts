/**
 * Backups against the real services (Temporal, FerretDB, CSFLE, SMTP sink): a tenant gets
 * its backup Schedule at provisioning; a backup is an encrypted file with no personal data
 * readable in it; it restores byte-identical documents into a new database; a restore replays
 * the erasures made after the backup, so an erased subject never comes back; a damaged, cut
 * or foreign file is refused before anything changes; the contract's end destroys every
 * backup and the certificate lists them; bad input gets clear 4xx answers.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import type { BackupFileError } from '../../src/backups/file-format';
import { loadBackup, openTenantBackup } from '../../src/backups/restore';
import { startedWorkflowId } from '../../src/temporal/workflows';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { linkPath, mailTo } from '../helpers/dev-mail';
import { testServices, uniqueSuffix } from '../helpers/services';
import { keepHistory } from '../helpers/histories';
import { buildTenant } from '../helpers/tenant-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('backups', () => {
  let stack: AppStack;
  let raw: MongoClient;
  const marker = uniqueSuffix();
  const platform = () => ({ Authorization: `Bearer ${stack.platformToken}` });

  beforeAll(async () => {
    stack = await startAppStack();
    raw = await new MongoClient(testServices().mongoUri).connect();
  });
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  /** A tenant with a list and confirmed contacts; their ids by address. */
  async function tenantWithContacts(names: string[]) {
    const tenant = await buildTenant(stack.app, stack.platformToken);
    const auth = { Authorization: `Bearer ${tenant.apiKey}` };
    const list = await request(stack.app).post('/api/v1/lists').set(auth).send({ name: 'Kept' });
    expect(list.status).toBe(201);
    const contacts: Record<string, string> = {};
    for (const name of names) {
      const email = `${name}.${marker}@example.test`;
      contacts[name] = await subscribe(auth, list.body.id, email);
    }
    return { ...tenant, auth, listId: list.body.id as string, contacts };
  }

  async function subscribe(auth: Record<string, string>, listId: string, email: string) {
    const sub = await request(stack.app)
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth)
      .send({ email, fields: { firstName: `First-${marker}` } });
    expect(sub.status).toBe(202);
    const [mail] = await mailTo(stack.app, email);
    expect(
      (await request(stack.app).post(linkPath(mail!.text, 'c')).type('form').send('')).status,
    ).toBe(200);
    return sub.body.contactId as string;
  }

  /** Starts a backup over the API and waits until it is listed; its listing. */
  async function backUp(tenantId: string) {
    const started = await request(stack.app)
      .post(`/api/v1/tenants/${tenantId}/backups`)
      .set(platform());
    expect(started.status).toBe(202);
    expect(started.body.workflowId).toBe(`tenant-backup:${tenantId}:${started.body.id}`);
    for (let i = 0; i < 150; i++) {
      const listed = await request(stack.app)
        .get(`/api/v1/tenants/${tenantId}/backups`)
        .set(platform());
      expect(listed.status).toBe(200);
      const found = listed.body.backups.find((b: { id: string }) => b.id === started.body.id);
      if (found)
        return found as {
          id: string;
          documents: number;
          size: number;
          collections: Record<string, number>;
        };
      await sleep(200);
    }
    throw new Error('the backup was never listed');
  }

  const restoreStatus = (tenantId: string, restoreId: string) =>
    request(stack.app).get(`/api/v1/tenants/${tenantId}/restore/${restoreId}`).set(platform());

  /** Polls a restore until `done` holds for its state. */
  async function restoreUntil(
    tenantId: string,
    restoreId: string,
    done: (body: Record<string, unknown>) => boolean,
  ) {
    for (let i = 0; i < 200; i++) {
      const res = await restoreStatus(tenantId, restoreId);
      if (res.status === 200 && done(res.body)) return res.body;
      await sleep(200);
    }
    throw new Error(`restore ${restoreId}: ${(await restoreStatus(tenantId, restoreId)).text}`);
  }

  const databasesOf = async (tenantId: string) =>
    (await raw.db('admin').admin().listDatabases({ nameOnly: true })).databases
      .map((d) => d.name)
      .filter((name) => name.startsWith(stack.data.names.tenant(tenantId)));

  /** Every document of a database as the server stores it, by collection, in `_id` order. */
  async function storedBytes(database: string) {
    const db = raw.db(database);
    const out: Record<string, string[]> = {};
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      const docs = await db.collection(name).find({}, { raw: true }).sort({ _id: 1 }).toArray();
      out[name] = docs.map((d) => (d as unknown as Buffer).toString('base64'));
    }
    return out;
  }

  it('backs a tenant up on its Schedule and on request, encrypted, and loads it back byte for byte', async () => {
    const t = await tenantWithContacts(['ann', 'bob']);
    // Provisioning created the tenant's backup Schedule.
    const schedule = await stack.client.schedule
      .getHandle(startedWorkflowId('tenantBackup', { tenantId: t.tenantId }))
      .describe();
    expect(schedule.spec.intervals?.[0]?.every).toBe(24 * 3600_000);

    const backup = await backUp(t.tenantId);
    expect(backup).toMatchObject({ documents: expect.any(Number), size: expect.any(Number) });
    expect(backup.collections.contacts).toBe(2);
    await keepHistory(
      stack.client.workflow.getHandle(`tenant-backup:${t.tenantId}:${backup.id}`),
      stack.payloadKeys,
      'tenant-backup-written',
    );
    // No address, name or marker is readable in the file, nor in its header.
    const file = await readFile(
      path.join(stack.config.backups.dir, t.tenantId, `${backup.id}.cfbak`),
    );
    expect(file.subarray(0, 8).toString('latin1')).toBe('CFBACKUP');
    for (const needle of [`ann.${marker}`, `bob.${marker}`, `First-${marker}`, '@example.test'])
      expect(file.includes(Buffer.from(needle)) ? needle : '').toBe('');

    // Loaded into a new database, each document has the bytes it had.
    const before = await storedBytes(stack.data.names.tenant(t.tenantId));
    const loaded = await loadBackup(stack.activityDeps, t.tenantId, backup.id, 'feed0001');
    expect(loaded.database).toBe(`${stack.data.names.tenant(t.tenantId)}_rfeed0001`);
    expect(await storedBytes(loaded.database)).toEqual(before);
    // With its indexes (the unique ones among them).
    const indexes = (db: string) =>
      raw
        .db(db)
        .collection('contacts')
        .listIndexes()
        .toArray()
        .then((ix) => ix.map((i) => i.name).sort());
    expect(await indexes(loaded.database)).toEqual(
      await indexes(stack.data.names.tenant(t.tenantId)),
    );
    await raw.db(loaded.database).dropDatabase();
  });

  it('restores into a new database, switches the tenant to it and never brings an erased subject back', async () => {
    const t = await tenantWithContacts(['erin', 'olga']);
    const backup = await backUp(t.tenantId);
    // After the backup: erin is erased, and someone new subscribes.
    const erasure = await request(stack.app)
      .post('/api/v1/rights-requests')
      .set(t.auth)
      .send({ type: 'erasure', email: `erin.${marker}@example.test`, identityVerified: true });
    expect(erasure.status).toBe(202);
    for (let i = 0; ; i++) {
      const res = await request(stack.app)
        .get(`/api/v1/rights-requests/${erasure.body.id}`)
        .set(t.auth);
      if (res.body.status === 'completed') break;
      if (i > 150) throw new Error('erasure did not complete');
      await sleep(200);
    }
    const lateId = await subscribe(t.auth, t.listId, `late.${marker}@example.test`);

    const started = await request(stack.app)
      .post(`/api/v1/tenants/${t.tenantId}/restore`)
      .set(platform())
      .send({ backupId: backup.id });
    expect(started.status).toBe(202);
    expect(started.body.workflowId).toBe(`tenant-restore:${t.tenantId}:${t.tenantId}`);
    // One restore at a time.
    const second = await request(stack.app)
      .post(`/api/v1/tenants/${t.tenantId}/restore`)
      .set(platform())
      .send({ backupId: backup.id });
    expect([second.status, second.body.error?.id]).toEqual([409, 'restore_running']);

    const switched = await restoreUntil(t.tenantId, started.body.id, (b) =>
      ['following', 'dropping', 'done'].includes(b.step as string),
    );
    expect(switched).toMatchObject({ id: started.body.id, backupId: backup.id });
    const restoredDb = `${stack.data.names.tenant(t.tenantId)}_r${started.body.id}`;
    expect(await databasesOf(t.tenantId)).toContain(restoredDb);
    await sleep(5_100); // processes trust their cached database name for up to 5 s

    // Served from the backup: olga is there, the later subscriber is not, erin stays erased.
    const contact = (id: string) => request(stack.app).get(`/api/v1/contacts/${id}`).set(t.auth);
    expect((await contact(t.contacts.olga!)).status).toBe(200);
    expect((await contact(lateId)).status).toBe(404);
    expect((await contact(t.contacts.erin!)).status).toBe(404);
    const again = await request(stack.app)
      .post(`/api/v1/lists/${t.listId}/subscriptions`)
      .set(t.auth)
      .send({ email: `erin.${marker}@example.test` });
    expect([again.status, again.body.error?.id]).toEqual([409, 'suppressed']);
    // Nothing of erin in any collection of the restored database.
    const scope = await stack.data.tenants.forTenant(t.tenantId);
    expect(scope.databaseName).toBe(restoredDb);
    const ciphertext = Buffer.from((await scope.searchable(`erin.${marker}@example.test`)).buffer);
    for (const [name, docs] of Object.entries(await storedBytes(restoredDb)))
      for (const doc of docs) {
        const bytes = Buffer.from(doc, 'base64');
        expect(
          bytes.includes(ciphertext) || bytes.includes(Buffer.from(t.contacts.erin!)) ? name : '',
        ).toBe('');
      }
  });

  it('refuses a damaged, cut or foreign backup before anything changes, then restores a good one to the end', async () => {
    const a = await tenantWithContacts(['amy']);
    const b = await tenantWithContacts(['ben']);
    const good = await backUp(b.tenantId);
    const damagedOne = await backUp(b.tenantId);
    const cutOne = await backUp(b.tenantId);
    const foreign = await backUp(a.tenantId);
    const folder = path.join(stack.config.backups.dir, b.tenantId);
    const fileOf = (id: string) => path.join(folder, `${id}.cfbak`);
    const bytes = await readFile(fileOf(good.id));
    const damaged = await readFile(fileOf(damagedOne.id));
    damaged[damaged.length - 100]! ^= 0xff;
    await writeFile(fileOf(damagedOne.id), damaged);
    const cut = await readFile(fileOf(cutOne.id));
    await writeFile(fileOf(cutOne.id), cut.subarray(0, cut.length - 1000));
    const ids = {
      damaged: damagedOne.id,
      cut: cutOne.id,
      renamed: 'b20200101000000aaaaaaa1',
      foreign: foreign.id,
    };
    await writeFile(fileOf(ids.renamed), bytes);
    await copyFile(
      path.join(stack.config.backups.dir, a.tenantId, `${foreign.id}.cfbak`),
      fileOf(ids.foreign),
    );
    const before = await storedBytes(stack.data.names.tenant(b.tenantId));

    for (const [kind, id] of Object.entries(ids)) {
      const started = await request(stack.app)
        .post(`/api/v1/tenants/${b.tenantId}/restore`)
        .set(platform())
        .send({ backupId: id });
      expect(started.status).toBe(202);
      const failed = await restoreUntil(b.tenantId, started.body.id, (s) => s.status !== 'running');
      expect([kind, failed.status, (failed.error as { id: string }).id]).toEqual([
        kind,
        'failed',
        kind === 'foreign' ? 'backup_of_another_tenant' : 'backup_unreadable',
      ]);
    }
    // The tenant is as it was, and no half-filled database is left.
    expect(await databasesOf(b.tenantId)).toEqual([stack.data.names.tenant(b.tenantId)]);
    expect(await storedBytes(stack.data.names.tenant(b.tenantId))).toEqual(before);

    // A good one, to the end (the replaced database dropped after a short wait).
    await stack.activityDeps.workflows.start('tenantRestore', {
      tenantId: b.tenantId,
      backupId: good.id,
      restoreId: 'feed0002',
      followSwitchMs: 200,
    });
    const done = await restoreUntil(b.tenantId, 'feed0002', (s) => s.status !== 'running');
    expect(done).toMatchObject({
      status: 'completed',
      step: 'done',
      result: {
        database: `${stack.data.names.tenant(b.tenantId)}_rfeed0002`,
        switched: true,
        erasuresReplayed: 0,
        dropped: [stack.data.names.tenant(b.tenantId)],
      },
    });
    expect(await databasesOf(b.tenantId)).toEqual([
      `${stack.data.names.tenant(b.tenantId)}_rfeed0002`,
    ]);
    await keepHistory(
      stack.client.workflow.getHandle(`tenant-restore:${b.tenantId}:${b.tenantId}`),
      stack.payloadKeys,
      'tenant-restore-completed',
    );
    await sleep(5_100);
    expect(
      (await request(stack.app).get(`/api/v1/contacts/${b.contacts.ben}`).set(b.auth)).status,
    ).toBe(200);
  });

  it('destroys every backup at the contract’s end, and the certificate lists them', async () => {
    const t = await tenantWithContacts(['cat']);
    const first = await backUp(t.tenantId);
    const second = await backUp(t.tenantId);
    // A copy someone kept aside, outside the product's reach.
    const fileOf = (id: string) => path.join(stack.config.backups.dir, t.tenantId, `${id}.cfbak`);
    const aside = await readFile(fileOf(first.id));
    const endsAt = new Date(Date.now() + 1_000).toISOString();
    const ended = await request(stack.app)
      .post(`/api/v1/tenants/${t.tenantId}/contract-end`)
      .set(platform())
      .send({ endsAt, exportWindowDays: 0 });
    expect(ended.status).toBe(202);
    let certificateId: string | undefined;
    for (let i = 0; i < 200 && !certificateId; i++) {
      await sleep(200);
      certificateId = (
        await request(stack.app).get(`/api/v1/tenants/${t.tenantId}`).set(platform())
      ).body.deletion?.certificateId;
    }
    const certificate = await request(stack.app)
      .get(`/api/v1/tenants/${t.tenantId}/deletion-certificate`)
      .set(platform());
    expect(certificate.status).toBe(200);
    expect(certificate.body.backupsDestroyed.map((b: { id: string }) => b.id).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    expect(certificate.body.destroyed).toEqual(
      expect.arrayContaining([expect.stringMatching(/^backups/)]),
    );
    await expect(
      readFile(path.join(stack.config.backups.dir, t.tenantId, `${first.id}.cfbak`)),
    ).rejects.toThrow('ENOENT');
    expect(await databasesOf(t.tenantId)).toEqual([]);
    const ledger = await raw
      .db(stack.data.names.control)
      .collection('erasure_ledger')
      .countDocuments({ tenantId: t.tenantId });
    expect(ledger).toBe(0);
    // The copy kept aside cannot be opened: the key that wraps its file key died with the tenant.
    await mkdir(path.dirname(fileOf(first.id)), { recursive: true });
    await writeFile(fileOf(first.id), aside);
    const opened = await openTenantBackup(stack.activityDeps, t.tenantId, first.id).catch(
      (err: BackupFileError) => err.id,
    );
    expect(opened).toBe('backup_key_gone');
    // The tenant's backup Schedule is gone with the others.
    await expect(
      stack.client.schedule
        .getHandle(startedWorkflowId('tenantBackup', { tenantId: t.tenantId }))
        .describe(),
    ).rejects.toThrow();
  });

  it('answers bad input with clear 4xx and starts nothing', async () => {
    const { tenantId } = await buildTenant(stack.app, stack.platformToken);
    const restore = (body: unknown, id = tenantId) =>
      request(stack.app)
        .post(`/api/v1/tenants/${id}/restore`)
        .set(platform())
        .send(body as object);
    for (const body of [
      {},
      { backupId: '../../etc/passwd' },
      { backupId: 'b1' },
      { backupId: { $gt: '' } },
      { backupId: 'b20200101000000aaaaaaaa', x: 1 },
    ]) {
      const res = await restore(body);
      expect([res.status, res.body.error?.id]).toEqual([400, expect.any(String)]);
    }
    const unknown = await restore({ backupId: 'b20200101000000aaaaaaaa' });
    expect([unknown.status, unknown.body.error?.id]).toEqual([404, 'not_found']);
    expect(
      (await restore({ backupId: 'b20200101000000aaaaaaaa' }, 'tunknown0000000000000')).status,
    ).toBe(404);
    expect((await request(stack.app).get(`/api/v1/tenants/${tenantId}/backups`)).status).toBe(401);
    expect((await restoreStatus(tenantId, 'feedfeed')).status).toBe(404);
    expect((await restoreStatus(tenantId, '../x')).status).toBe(404);
    const listed = await request(stack.app)
      .get(`/api/v1/tenants/${tenantId}/backups`)
      .set(platform());
    expect(listed.body).toEqual({ backups: [] });
  });
});
