/** A running embedded service and how to stop child processes without leaving any behind. */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitForPort } from './ports';

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

/**
 * Spawns a server binary and resolves once its port accepts connections; rejects with the
 * last line it printed if it exits first (a bad flag, a locked data folder).
 */
export async function startChildService(
  name: string,
  binary: string,
  args: string[],
  port: number,
  timeoutMs: number,
): Promise<Service> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (code ${code}): ${stderr.trim().split('\n').pop() ?? ''}`)),
    ),
  );
  await Promise.race([waitForPort(port, timeoutMs), exited]);
  return { name, stop: () => stopChild(child) };
}
