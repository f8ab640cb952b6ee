/** `GET /healthz`: 200 when every dependency answers, 503 naming the failing ones otherwise. */
import { Router } from 'express';
import { checkHealth, type HealthChecks } from '../../health';

/** Builds the health route. */
export function healthRoutes(checks: HealthChecks): Router {
  return Router().get('/healthz', async (_req, res) => {
    const report = await checkHealth(checks);
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
}
