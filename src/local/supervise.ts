/**
 * Keeps a child process of `npm start` running: when it dies after the system was ready, it
 * is started again after a pause that doubles with each quick death (1 s … 30 s, back to 1 s
 * once it has run for a minute), with one line in the log each time. Durable work is not
 * lost meanwhile: Temporal keeps the workflows, and the restarted worker picks them up.
 */
import type { ChildProcess } from 'node:child_process';
import type { ChildStatus } from '../supervisor-status';

const BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];
/** A child that ran this long counts as healthy again: its next death waits the shortest. */
const STABLE_MS = 60_000;

/** A supervised child. */
export interface Supervised {
  status(): ChildStatus;
  /** The running child, if any. */
  child(): ChildProcess | undefined;
  /** Stops supervising: a death from now on is not restarted. */
  release(): void;
}

/** Supervises the child `start` spawns (already spawned once: `first`). */
export function supervise(
  name: string,
  first: ChildProcess,
  start: () => ChildProcess,
  hooks: { log: (line: string) => void; changed: () => void },
): Supervised {
  let current: ChildProcess | undefined = first;
  let startedAt = Date.now();
  let quickDeaths = 0;
  let restarts = 0;
  let released = false;
  let timer: NodeJS.Timeout | undefined;

  const watch = (child: ChildProcess) =>
    child.once('exit', (code, signal) => {
      if (released) return;
      current = undefined;
      if (Date.now() - startedAt >= STABLE_MS) quickDeaths = 0;
      const delay = BACKOFF_MS[Math.min(quickDeaths, BACKOFF_MS.length - 1)]!;
      quickDeaths += 1;
      hooks.log(`${name} exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s`);
      hooks.changed();
      timer = setTimeout(() => {
        if (released) return;
        current = start();
        startedAt = Date.now();
        restarts += 1;
        hooks.log(`${name} restarted (restart ${restarts}, pid ${current.pid})`);
        watch(current);
        hooks.changed();
      }, delay);
    });
  watch(first);

  return {
    status: () => ({
      state: current ? 'running' : 'restarting',
      ...(current?.pid ? { pid: current.pid } : {}),
      restarts,
    }),
    child: () => current,
    release() {
      released = true;
      clearTimeout(timer);
    },
  };
}
