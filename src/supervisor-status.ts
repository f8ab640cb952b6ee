/**
 * What `npm start`'s supervisor says of its children, shared through a small JSON file: the
 * supervisor (src/local/start.ts) writes it whenever a child stops or starts again, and the
 * api, told where it is (`CONSENTFLOW_SUPERVISOR_STATUS`), reads it on every `/healthz`, so
 * the health report says while the worker is down and being restarted.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

/** A supervised process: running, or waiting to be started again. */
export interface ChildStatus {
  state: 'running' | 'restarting';
  pid?: number;
  restarts: number;
}

/** The supervisor's view of its children. */
export type SupervisorStatus = Partial<Record<'api' | 'worker', ChildStatus>>;

/** Writes the status whole (written aside, then renamed: a reader never sees half). */
export async function writeSupervisorStatus(file: string, status: SupervisorStatus) {
  const aside = `${file}.${process.pid}.tmp`;
  await writeFile(aside, JSON.stringify(status), { mode: 0o600 });
  await rename(aside, file);
}

/** Resolves while the supervisor reports the worker running; rejects otherwise. */
export async function assertWorkerRunning(file: string): Promise<void> {
  const status = JSON.parse(await readFile(file, 'utf8')) as SupervisorStatus;
  if (status.worker?.state !== 'running') throw new Error('the worker is being restarted');
}
