import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lockKeyring } from '../../src/db/keyring-lock';
import {
  createGeneration,
  nextGeneration,
  openKeyring,
  readKeyring,
  readRetiredKeys,
  retireKeys,
  setActiveGeneration,
} from '../../src/db/master-keyring';
import { loadOrCreateLocalMasterKey } from '../../src/db/master-key';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'consentflow-keyring-'));

async function keyringPaths() {
  const root = await tempDir();
  return { dir: path.join(root, 'master-keys'), legacy: path.join(root, 'master-key.bin') };
}

describe('local master keyring', () => {
  it('creates generation 1, 0600, and records it as active on first start', async () => {
    const { dir, legacy } = await keyringPaths();
    const first = await openKeyring(dir, legacy);
    const second = await openKeyring(dir, legacy);
    expect(first.active).toBe(1);
    expect(first.keys.map((k) => k.provider)).toEqual(['local:g1']);
    expect(second.keys[0]!.key.equals(first.keys[0]!.key)).toBe(true);
    expect((await stat(path.join(dir, 'g1.key'))).mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dir, 'active'), 'utf8')).trim()).toBe('1');
  });

  it('gives an api and a worker starting together the same first key', async () => {
    const { dir, legacy } = await keyringPaths();
    const opened = await Promise.all(Array.from({ length: 8 }, () => openKeyring(dir, legacy)));
    expect(new Set(opened.map((k) => k.keys[0]!.key.toString('hex'))).size).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['active', 'g1.key']);
  });

  it('keeps reading the key file of an install from before the keyring', async () => {
    const { dir, legacy } = await keyringPaths();
    const old = await loadOrCreateLocalMasterKey(legacy);
    const keyring = await openKeyring(dir, legacy);
    expect(keyring.keys.map((k) => k.provider)).toEqual(['local', 'local:g1']);
    expect(keyring.keys[0]!.key.equals(old)).toBe(true);
    expect(keyring.active).toBe(1);
  });

  it('uses the newest generation when a rotation stopped before recording it', async () => {
    const { dir, legacy } = await keyringPaths();
    await createGeneration(dir, 1);
    await createGeneration(dir, 2);
    expect((await openKeyring(dir, legacy)).active).toBe(2);
  });

  it('refuses to start when the active key file is missing instead of creating a new one', async () => {
    const { dir, legacy } = await keyringPaths();
    await createGeneration(dir, 1);
    await setActiveGeneration(dir, 3);
    await expect(openKeyring(dir, legacy)).rejects.toThrow(/g3\.key is missing/);
  });

  it('retires keys by moving them aside with a note, and never reuses their numbers', async () => {
    const { dir, legacy } = await keyringPaths();
    await loadOrCreateLocalMasterKey(legacy);
    await openKeyring(dir, legacy);
    await createGeneration(dir, 2);
    const before = await readKeyring(dir, legacy);
    const old = before.keys.filter((k) => k.generation !== 2);
    const moved = await retireKeys(dir, old, new Date('2026-01-02T03:04:05Z'));

    expect(moved.map((f) => path.basename(f))).toEqual([
      'legacy-2026-01-02T03-04-05-000Z.key',
      'g1.key',
    ]);
    const after = await readKeyring(dir, legacy);
    expect(after.keys.map((k) => k.provider)).toEqual(['local:g2']);
    const retired = await readRetiredKeys(dir);
    expect(retired.map((k) => k.provider).sort()).toEqual(['local', 'local:g1']);
    for (const key of old) {
      expect(retired.find((r) => r.provider === key.provider)!.key.equals(key.key)).toBe(true);
    }
    expect(await readFile(`${moved[1]}.txt`, 'utf8')).toMatch(/before that moment/);
    expect(await nextGeneration(dir)).toBe(3);
  });
});

describe('rotation lock', () => {
  it('lets one rotation run at a time', async () => {
    const { dir } = await keyringPaths();
    const release = await lockKeyring(dir);
    await expect(lockKeyring(dir)).rejects.toThrow(/another rotation holds/);
    await release();
    await (
      await lockKeyring(dir)
    )();
  });

  it('takes over the lock of a rotation that died', async () => {
    const { dir } = await keyringPaths();
    const deadPid = spawnSync('true').pid;
    await (
      await lockKeyring(dir)
    )();
    await writeFile(path.join(dir, 'rotation.lock'), `${deadPid}@${os.hostname()}`);
    const release = await lockKeyring(dir);
    expect(await readFile(path.join(dir, 'rotation.lock'), 'utf8')).toBe(
      `${process.pid}@${os.hostname()}`,
    );
    await release();
  });
});
