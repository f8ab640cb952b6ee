/**
 * One master key rotation at a time per keyring: two concurrent runs could otherwise create
 * two new generations and rewrap keys back and forth. The lock is a file naming its owner;
 * a lock left by a run that died on this host is taken over, so an interrupted rotation
 * can simply be started again.
 */
import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const LOCK = 'rotation.lock';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the rotation lock of the keyring folder; resolves to its release function. */
export async function lockKeyring(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LOCK);
  const owner = `${process.pid}@${os.hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(owner);
      await handle.close();
      return () => unlink(file).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = (await readFile(file, 'utf8').catch(() => '')).trim();
    const [pid, host] = holder.split('@');
    const stale = host === os.hostname() && Number(pid) > 0 && !isRunning(Number(pid));
    if (!stale) {
      throw new Error(
        `another rotation holds ${file} (${holder || 'owner unknown'}); if none is running, delete that file and run again`,
      );
    }
    await unlink(file).catch(() => undefined);
  }
  throw new Error(`could not take ${file}; run again`);
}
