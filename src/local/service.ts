/** A running embedded service and how to stop child processes without leaving any behind. */
import type { ChildProcess } from 'node:child_process';

/** Something started locally that must be stopped on exit. */
export interface Service {
  name: string;
  stop(): Promise<void>;
}

/** Asks a child to stop (SIGTERM), then kills it if it has not exited within `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
