/**
 * Dependency health: each check must answer within a short deadline, so `/healthz` reports a
 * dead service as failing instead of hanging until a driver timeout.
 */

/** The dependencies `/healthz` reports on. */
export type HealthChecks = Record<'temporal' | 'mongo' | 'smtp', () => Promise<unknown>>;

/** The health report, in the shape of `GET /healthz`. */
export type HealthReport = { status: 'ok' | 'failing' } & Record<
  keyof HealthChecks,
  'ok' | 'failing'
>;

const withDeadline = <T>(promise: Promise<T>, ms: number) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** Runs every check concurrently. */
export async function checkHealth(checks: HealthChecks, deadlineMs = 3000): Promise<HealthReport> {
  const names = Object.keys(checks) as (keyof HealthChecks)[];
  const results = await Promise.allSettled(
    names.map((name) => withDeadline(checks[name](), deadlineMs)),
  );
  const report = { status: 'ok' } as HealthReport;
  results.forEach((result, i) => {
    report[names[i]!] = result.status === 'fulfilled' ? 'ok' : 'failing';
    if (result.status === 'rejected') report.status = 'failing';
  });
  return report;
}
