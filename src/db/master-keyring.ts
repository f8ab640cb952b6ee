/**
 * The local master keyring: a folder of master key generations, so that a rotation can hold
 * the old and the new key side by side. Generation N lives in `g<N>.key` (96 bytes, 0600)
 * and is the driver's named KMS provider `local:g<N>`; every data key records the provider
 * that wraps it, so the key vault itself says which generations are still needed. `active`
 * names the generation that wraps new data keys. After a verified rotation the old files
 * move to `retired/`, where only the restore of an older key vault backup still needs
 * them. Generation numbers are never reused, so a name always means one key.
 *
 * Installs from before the keyring have one key file (`CONSENTFLOW_MASTER_KEY_FILE`); it is
 * read as the unnamed provider `local` until a rotation rewraps its data keys and retires it.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KMSProviders } from 'mongodb';
import { createSecretFileOnce } from '../util/secret-file';
import { createLocalMasterKeyOnce, readLocalMasterKey } from './master-key';

/** One local master key and the provider name data keys record for it. */
export interface LocalMasterKey {
  /** `local:g<N>`, or `local` for the pre-keyring key file. */
  provider: string;
  /** N, or undefined for the pre-keyring key file. */
  generation?: number;
  file: string;
  key: Buffer;
}

/** What the keyring folder holds right now. */
export interface Keyring {
  dir: string;
  /** The generation that wraps new data keys, if recorded. */
  active?: number;
  /** Every key in the folder, plus the pre-keyring file if it exists. */
  keys: LocalMasterKey[];
}

const ACTIVE = 'active';
const RETIRED = 'retired';
const LEGACY_PROVIDER = 'local';
const generationFile = /^g([1-9][0-9]*)\.key$/;
const retiredLegacyFile = /^legacy-.*\.key$/;

/** The driver's provider name of a generation. */
export const generationProvider = (generation: number) => `local:g${generation}`;

/** The file of a generation in the keyring folder. */
export const generationPath = (dir: string, generation: number) =>
  path.join(dir, `g${generation}.key`);

/** The highest generation among `keys`, if any. */
export const newestGeneration = (keys: LocalMasterKey[]) =>
  keys.reduce<number | undefined>(
    (max, k) =>
      k.generation !== undefined && (max === undefined || k.generation > max) ? k.generation : max,
    undefined,
  );

/** The driver's `kmsProviders` entries for these keys. */
export function localProviders(keys: LocalMasterKey[]): KMSProviders {
  const providers: KMSProviders = {};
  for (const k of keys) providers[k.provider as `local:${string}`] = { key: k.key };
  return providers;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function readGenerations(dir: string): Promise<LocalMasterKey[]> {
  const keys: LocalMasterKey[] = [];
  for (const name of await listDir(dir)) {
    const match = generationFile.exec(name);
    if (!match) continue;
    const generation = Number(match[1]);
    const file = path.join(dir, name);
    keys.push({
      provider: generationProvider(generation),
      generation,
      file,
      key: await readLocalMasterKey(file),
    });
  }
  return keys.sort((a, b) => (a.generation ?? 0) - (b.generation ?? 0));
}

async function readActive(dir: string): Promise<number | undefined> {
  let content: string;
  try {
    content = await readFile(path.join(dir, ACTIVE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!/^[1-9][0-9]*\s*$/.test(content)) {
    throw new Error(`${path.join(dir, ACTIVE)} must hold a generation number, e.g. 2`);
  }
  return Number(content.trim());
}

/** Reads the keyring without creating anything. */
export async function readKeyring(dir: string, legacyFile: string): Promise<Keyring> {
  // The record first: it is written after the generation it names, so a generation that a
  // process starting alongside has just recorded is on disk when the directory is listed
  // (read the other way round, the listing could miss it and the record then name it).
  const active = await readActive(dir);
  const keys = await readGenerations(dir);
  try {
    keys.unshift({
      provider: LEGACY_PROVIDER,
      file: legacyFile,
      key: await readLocalMasterKey(legacyFile),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { dir, active, keys };
}

/**
 * Reads the keyring for a process that wraps new data keys locally, creating the first
 * generation on first start. Safe when the api and the worker start together: both create
 * the same files once, and the first writer wins.
 */
export async function openKeyring(
  dir: string,
  legacyFile: string,
): Promise<Keyring & { active: number }> {
  const keyring = await readKeyring(dir, legacyFile);
  if (keyring.active !== undefined) {
    if (!keyring.keys.some((k) => k.generation === keyring.active)) {
      throw new Error(
        `the active master key ${generationPath(dir, keyring.active)} is missing; restore it from a backup`,
      );
    }
    return { ...keyring, active: keyring.active };
  }
  // No record: a first start, or a rotation stopped between creating a generation and
  // recording it. Either way the newest generation is the one to use.
  const generation = newestGeneration(keyring.keys) ?? (await nextGeneration(dir));
  await createLocalMasterKeyOnce(generationPath(dir, generation));
  await createSecretFileOnce(path.join(dir, ACTIVE), () => `${generation}\n`);
  return openKeyring(dir, legacyFile);
}

/** The next unused generation number, counting retired generations too. */
export async function nextGeneration(dir: string): Promise<number> {
  const used = [...(await listDir(dir)), ...(await listDir(path.join(dir, RETIRED)))]
    .map((name) => generationFile.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  return Math.max(0, ...used) + 1;
}

/** Creates generation `generation` (a new random key, 0600) unless it exists. */
export async function createGeneration(dir: string, generation: number): Promise<string> {
  const file = generationPath(dir, generation);
  await createLocalMasterKeyOnce(file);
  return file;
}

/** Records the generation that wraps new data keys (an atomic replace of `active`). */
export async function setActiveGeneration(dir: string, generation: number): Promise<void> {
  const file = path.join(dir, ACTIVE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${generation}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** Forgets the active generation, once no local key wraps anything (moved to a cloud KMS). */
export async function clearActiveGeneration(dir: string): Promise<void> {
  await unlink(path.join(dir, ACTIVE)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Keys moved aside by earlier rotations; a rotation still reads them to rescue stragglers. */
export async function readRetiredKeys(dir: string): Promise<LocalMasterKey[]> {
  const retiredDir = path.join(dir, RETIRED);
  const keys: LocalMasterKey[] = [];
  // Sorted names put the newest legacy file last, so it wins if there were several.
  for (const name of (await listDir(retiredDir)).sort()) {
    const file = path.join(retiredDir, name);
    const generation = generationFile.exec(name)?.[1];
    if (generation !== undefined) {
      keys.push({
        provider: generationProvider(Number(generation)),
        generation: Number(generation),
        file,
        key: await readLocalMasterKey(file),
      });
    } else if (retiredLegacyFile.test(name)) {
      keys.push({ provider: LEGACY_PROVIDER, file, key: await readLocalMasterKey(file) });
    }
  }
  return keys;
}

/**
 * Moves keys into `retired/` (never deletes them) with a note saying when they stopped
 * wrapping anything: a key vault backup from before that moment still needs them.
 */
export async function retireKeys(
  dir: string,
  keys: LocalMasterKey[],
  when: Date,
): Promise<string[]> {
  const retiredDir = path.join(dir, RETIRED);
  await mkdir(retiredDir, { recursive: true, mode: 0o700 });
  const stamp = when.toISOString().replace(/[:.]/g, '-');
  const moved: string[] = [];
  for (const key of keys) {
    const target = path.join(
      retiredDir,
      key.generation === undefined ? `legacy-${stamp}.key` : `g${key.generation}.key`,
    );
    await moveFile(key.file, target);
    await writeFile(
      `${target}.txt`,
      `Master key ${key.provider}, retired ${when.toISOString()} by rotate-master-key once every data key\n` +
        `was verified to unwrap with the new master key. Only a restore of a key vault backup taken\n` +
        `before that moment still needs it: delete this file when no such backup can be restored.\n`,
      { mode: 0o600 },
    );
    moved.push(target);
  }
  return moved;
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    // The pre-keyring file may sit on another file system: copy, then remove the original.
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to, constants.COPYFILE_EXCL);
    await unlink(from);
  }
}
