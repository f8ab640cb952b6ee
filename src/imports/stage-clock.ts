/**
 * Wall-clock time an import spends per stage. Stored on the import record when it ends, so
 * an operator (and bench/import) can see whether reading, encrypting or the database held
 * an import up. Stages that overlap (a batch is written while the next is encrypted) are
 * each timed on their own, so the stages can add up to more than the total.
 */

/** Milliseconds per stage. */
export type StageTimes<S extends string> = Record<S, number>;

/** Accumulates time per stage. */
export class StageClock<S extends string> {
  readonly ms: StageTimes<S>;

  constructor(stages: readonly S[]) {
    this.ms = Object.fromEntries(stages.map((stage) => [stage, 0])) as StageTimes<S>;
  }

  /** Runs `work`, adding its duration to `stage`. */
  async time<T>(stage: S, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.ms[stage] += performance.now() - started;
    }
  }

  /** Runs synchronous `work`, adding its duration to `stage`. */
  timeSync<T>(stage: S, work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.ms[stage] += performance.now() - started;
    }
  }

  /** The times, rounded to whole milliseconds. */
  rounded(): StageTimes<S> {
    return Object.fromEntries(
      Object.entries<number>(this.ms).map(([stage, ms]) => [stage, Math.round(ms)]),
    ) as StageTimes<S>;
  }
}
