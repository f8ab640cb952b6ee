/**
 * Dependency health: each check must answer within a short deadline, so `/healthz` reports a
 * dead service as failing instead of hanging until a driver timeout.
 */

/** The dependencies `/healthz` reports on. */
export type HealthChecks = Record<'temporal' | 'mongo' | 'smtp', () => Promise<unknown>> & {
  /** Under `npm start`'s supervisor: whether the worker runs (it restarts a dead one). */
  worker?: () => Promise<unknown>;
};

type State = 'ok' | 'failing';

/**
 * The health report, in the shape of `GET /healthz`. `worker` appears only while it fails:
 * a healthy report keeps the documented shape.
 */
export type HealthReport = { status: State; temporal: State; mongo: State; smtp: State } & {
  worker?: 'failing';
};

const withDeadline = <T>(promise: Promise<T>, ms: number) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** Runs every check concurrently. */
export async function checkHealth(checks: HealthChecks, deadlineMs = 3000): Promise<HealthReport> {
  const names = (['temporal', 'mongo', 'smtp', 'worker'] as const).filter((name) => checks[name]);
  const results = await Promise.allSettled(
    names.map((name) => withDeadline(checks[name]!(), deadlineMs)),
  );
  const report: HealthReport = { status: 'ok', temporal: 'ok', mongo: 'ok', smtp: 'ok' };
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    report[names[i]!] = 'failing';
    report.status = 'failing';
  });
  return report;
}
