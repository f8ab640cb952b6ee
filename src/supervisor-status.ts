/**
 * What `npm start`'s supervisor says of its children, shared through a small JSON file: the
 * supervisor (src/local/start.ts) writes it whenever a child stops or starts again, and the
 * api, told where it is (`CONSENTFLOW_SUPERVISOR_STATUS`), reads it on every `/healthz`, so
 * the health report says while the worker is down and being restarted.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

/** A supervised process: serving, started but not serving yet, or waiting to be started again. */
export interface ChildStatus {
  state: 'running' | 'starting' | 'restarting';
  pid?: number;
  restarts: number;
}

/** The supervisor's view of its children. */
export type SupervisorStatus = Partial<Record<'api' | 'worker', ChildStatus>>;

let written = 0;

/** Writes the status whole (written aside, then renamed: a reader never sees half). */
export async function writeSupervisorStatus(file: string, status: SupervisorStatus) {
  const aside = `${file}.${process.pid}.${(written += 1)}.tmp`;
  await writeFile(aside, JSON.stringify(status), { mode: 0o600 });
  await rename(aside, file);
}

/**
 * A writer that keeps the file true to the latest status: writes one after another, the
 * latest wins, and a failed write is tried again a second later.
 */
export function statusWriter(file: string, current: () => SupervisorStatus): () => void {
  let chain = Promise.resolve();
  const write = (): void => {
    chain = chain
      .then(() => writeSupervisorStatus(file, current()))
      .catch(() => void setTimeout(write, 1000).unref());
  };
  return write;
}

/** Resolves while the supervisor reports the worker running; rejects otherwise. */
export async function assertWorkerRunning(file: string): Promise<void> {
  const status = JSON.parse(await readFile(file, 'utf8')) as SupervisorStatus;
  if (status.worker?.state !== 'running') throw new Error('the worker is being restarted');
}
