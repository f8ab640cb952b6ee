/**
 * The embedded MongoDB-wire server: FerretDB over SQLite files in the data folder. Used
 * only when MONGODB_URI is unset; production runs real MongoDB.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startChildService, type Service } from './service';

/** Starts FerretDB on `port` with its files under `dataDir`. */
export async function startFerretDb(options: {
  binary: string;
  port: number;
  dataDir: string;
}): Promise<Service> {
  const dir = path.join(options.dataDir, 'ferretdb');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--listen-addr=127.0.0.1:${options.port}`,
    '--telemetry=disable',
    '--debug-addr=-',
    '--state-dir=-',
    '--log-level=error', // warn logs every expected "not implemented" reply
  ];
  return startChildService('MongoDB (FerretDB)', options.binary, args, options.port, 30_000);
}
