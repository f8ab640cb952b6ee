/**
 * Keeps a child process of `npm start` running: when it dies after the system was ready, it
 * is started again after a pause that doubles with each quick death (1 s … 30 s, back to 1 s
 * once it has run for a minute), with one line in the log each time. Durable work is not
 * lost meanwhile: Temporal keeps the workflows, and the restarted worker picks them up. A
 * restarted child counts as `starting` until `ready` says it serves (the worker: polling its
 * task queue), so the health report does not call a worker still loading up.
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

/** What supervising needs besides the child. */
export interface SuperviseHooks {
  log: (line: string) => void;
  /** Called whenever the status changes. */
  changed: () => void;
  /** Resolves once a (re)started child serves; rejects or never resolves otherwise. */
  ready: (child: ChildProcess) => Promise<void>;
}

/** Supervises the child `start` spawns (already spawned once and serving: `first`). */
export function supervise(
  name: string,
  first: ChildProcess,
  start: () => ChildProcess,
  hooks: SuperviseHooks,
): Supervised {
  let current: ChildProcess | undefined = first;
  let serving = true;
  let startedAt = Date.now();
  let quickDeaths = 0;
  let restarts = 0;
  let released = false;
  let timer: NodeJS.Timeout | undefined;

  const died = (child: ChildProcess, how: string) => {
    if (released || current !== child) return; // stopping, or already handled
    current = undefined;
    serving = false;
    if (Date.now() - startedAt >= STABLE_MS) quickDeaths = 0;
    const delay = BACKOFF_MS[Math.min(quickDeaths, BACKOFF_MS.length - 1)]!;
    quickDeaths += 1;
    hooks.log(`${name} ${how}; restarting it in ${delay / 1000} s`);
    hooks.changed();
    timer = setTimeout(restart, delay);
  };
  const watch = (child: ChildProcess) => {
    child.once('exit', (code, signal) => died(child, `exited (${signal ?? `code ${code}`})`));
    // A child that cannot be spawned at all emits 'error' (and maybe no 'exit').
    child.once('error', (err) => died(child, `could not run (${err.name})`));
  };
  const restart = () => {
    if (released) return;
    const child = start();
    current = child;
    startedAt = Date.now();
    restarts += 1;
    watch(child);
    hooks.log(`${name} restarted (restart ${restarts}, pid ${child.pid})`);
    hooks.changed();
    hooks.ready(child).then(
      () => {
        if (released || current !== child) return;
        serving = true;
        hooks.changed();
      },
      () => undefined, // it died first: its death is handled
    );
  };
  watch(first);

  return {
    status: () => ({
      state: !current ? 'restarting' : serving ? 'running' : 'starting',
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
