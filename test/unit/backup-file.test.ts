/**
 * The backup file format and retention, as pure code: a sealed file opens to the body it was
 * sealed from; any changed, cut or extended byte, and a header claiming other counts, is
 * refused with `backup_unreadable`; retention keeps the newest and lets go by age and count.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BSON } from 'mongodb';
import { backupIdOf, backupTimeOf, backupsToPrune, pruneBackups } from '../../src/backups/backup';
import {
  BackupFileError,
  bsonDocuments,
  openBackup,
  readHeader,
  sealBackup,
} from '../../src/backups/file-format';
import { createFolderBackupStore } from '../../src/backups/store';

// A stand-in for the tenant's data key: the real wrapping is CSFLE (tested in the e2e test).
const wrappingKey = randomBytes(32);
const wrap = async (key: Buffer) => Buffer.from(key.map((b, i) => b ^ wrappingKey[i]!));
const unwrap = async (wrapped: Buffer) => Buffer.from(wrapped.map((b, i) => b ^ wrappingKey[i]!));

const documents = [{ _id: 'a', n: 1 }, { _id: 'b', nested: { x: [1, 2, 3] } }, { _id: 'c' }];
const body = Buffer.concat(documents.map((d) => BSON.serialize(d)));

async function sealed() {
  return sealBackup(
    {
      tenantId: 'tabcdefabcdefabcdefab',
      backupId: backupIdOf(new Date('2026-12-01T10:20:30Z'), 'deadbeef'),
      startedAt: '2026-12-01T10:20:30.000Z',
      createdAt: '2026-12-01T10:20:31.000Z',
      database: 't_tabcdefabcdefabcdefab',
      collections: [{ name: 'contacts', documents: 3, indexes: [] }],
    },
    body,
    wrap,
  );
}

const refusal = async (bytes: Buffer) =>
  openBackup(bytes, unwrap).then(
    () => 'opened',
    (err: unknown) => (err instanceof BackupFileError ? err.id : String(err)),
  );

describe('backup file', () => {
  it('opens to the documents it was sealed from, and hides them', async () => {
    const { bytes, header } = await sealed();
    expect(header).toMatchObject({ documents: 3, bodyBytes: body.length, cipher: 'AES-256-GCM' });
    expect(bytes.includes(Buffer.from('nested'))).toBe(false); // the body is ciphertext
    const opened = await openBackup(bytes, unwrap);
    expect(opened.body.equals(body)).toBe(true);
    expect([...bsonDocuments(opened.body)].map((d) => BSON.deserialize(d))).toEqual(documents);
    expect(readHeader(bytes).header.backupId).toBe('b20261201102030deadbeef');
  });

  it('refuses a changed, cut or extended file, and a header that lies', async () => {
    const { bytes } = await sealed();
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 30]! ^= 1; // in the body
    expect(await refusal(flipped)).toBe('backup_unreadable');
    const tag = Buffer.from(bytes);
    tag[bytes.length - 1]! ^= 1;
    expect(await refusal(tag)).toBe('backup_unreadable');
    expect(await refusal(bytes.subarray(0, bytes.length - 1))).toBe('backup_unreadable');
    expect(await refusal(bytes.subarray(0, 20))).toBe('backup_unreadable');
    expect(await refusal(Buffer.concat([bytes, Buffer.from([0])]))).toBe('backup_unreadable');
    expect(await refusal(Buffer.from('not a backup at all'))).toBe('backup_unreadable');
    // The header is authenticated too: a count changed to the same length fails the tag.
    const lying = Buffer.from(
      bytes.toString('latin1').replace('"documents":3', '"documents":4'),
      'latin1',
    );
    expect(lying.length).toBe(bytes.length);
    expect(await refusal(lying)).toBe('backup_unreadable');
    // A wrong key (another tenant's) fails authentication, not silently.
    const otherKey = await openBackup(bytes, async () => randomBytes(32)).catch(
      (e: BackupFileError) => e.id,
    );
    expect(otherKey).toBe('backup_unreadable');
  });
});

describe('backup retention', () => {
  const now = new Date('2026-12-31T00:00:00Z');
  const dayAgo = (days: number, random = '00000000') =>
    backupIdOf(new Date(now.getTime() - days * 86_400_000), random);

  it('lets go of what is older than the days or beyond the count, never the newest', () => {
    const ids = [dayAgo(1), dayAgo(2), dayAgo(3), dayAgo(40), dayAgo(41)];
    expect(backupsToPrune(ids, { keepDays: 30, keepCount: 10 }, now)).toEqual([
      dayAgo(40),
      dayAgo(41),
    ]);
    expect(backupsToPrune(ids, { keepDays: 365, keepCount: 2 }, now)).toEqual([
      dayAgo(3),
      dayAgo(40),
      dayAgo(41),
    ]);
    // However old, the newest stays: a tenant is never left without a backup by retention.
    expect(backupsToPrune([dayAgo(100), dayAgo(200)], { keepDays: 30, keepCount: 5 }, now)).toEqual(
      [dayAgo(200)],
    );
    expect(backupTimeOf(dayAgo(1))).toEqual(new Date(now.getTime() - 86_400_000));
  });

  it('prunes the folder store to the policy', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'backups-'));
    try {
      const store = createFolderBackupStore(root);
      const tenantId = 'tabcdefabcdefabcdefab';
      for (const days of [1, 2, 50]) await store.put(tenantId, dayAgo(days), Buffer.from('x'));
      const pruned = await pruneBackups(
        { backupStore: store },
        tenantId,
        { keepDays: 30, keepCount: 30 },
        now,
      );
      expect(pruned).toEqual([dayAgo(50)]);
      expect((await readdir(path.join(root, tenantId))).sort()).toEqual(
        [dayAgo(2), dayAgo(1)].sort().map((id) => `${id}.cfbak`),
      );
      // Ids become file names: nothing else gets through.
      await expect(store.get('../etc', dayAgo(1))).rejects.toThrow('invalid tenant id');
      await expect(store.get(tenantId, '../../passwd')).rejects.toThrow('invalid backup id');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
