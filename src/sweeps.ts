/**
 * Background sweeps: the periodic clean-ups a process runs because FerretDB has no TTL index
 * (expired sessions, brute-force records, subscription flood counters). Services only say what
 * to sweep and how often; the entry point starts them and stops them at shutdown, so building
 * services (in tests, in benchmarks) never leaves a timer behind.
 */
import type { Logger } from './logger';

/** One periodic clean-up. */
export interface Sweep {
  /** Named in the log when a run fails (no data of the run itself). */
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/** Starts every sweep without keeping the process alive; returns the stop. */
export function startSweeps(sweeps: Sweep[], logger: Logger): () => void {
  const timers = sweeps.map((sweep) => {
    const timer = setInterval(
      () =>
        void sweep.run().catch((err: unknown) =>
          // A driver message may quote a stored value: the error's kind only.
          logger.warn(
            { sweep: sweep.name, err: err instanceof Error ? err.name : typeof err },
            'sweep failed',
          ),
        ),
      sweep.everyMs,
    );
    timer.unref();
    return timer;
  });
  return () => timers.forEach(clearInterval);
}
