/**
 * The embedded MongoDB-wire server: FerretDB over SQLite files in the data folder. Used
 * only when MONGODB_URI is unset; production runs real MongoDB.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { waitForPort } from './ports';
import { stopChild, type Service } from './service';

/** Starts FerretDB on `port` with its files under `dataDir`. */
export async function startFerretDb(options: {
  binary: string;
  port: number;
  dataDir: string;
}): Promise<Service> {
  const dir = path.join(options.dataDir, 'ferretdb');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const child = spawn(
    options.binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--listen-addr=127.0.0.1:${options.port}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--state-dir=-',
      '--log-level=error', // warn logs every expected "not implemented" reply
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`FerretDB exited (code ${code}): ${stderr.trim().split('\n').pop() ?? ''}`)),
    ),
  );
  await Promise.race([waitForPort(options.port, 30_000), exited]);
  return { name: 'MongoDB (FerretDB)', stop: () => stopChild(child) };
}
