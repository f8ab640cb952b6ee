/** `GET /healthz`: 200 when every dependency answers, 503 naming the failing ones otherwise. */
import { z } from 'zod';
import { checkHealth, type HealthChecks } from '../../health';
import { defineRoute } from '../route';

const state = z.enum(['ok', 'failing']);
const report = z
  .strictObject({ status: state, temporal: state, mongo: state, smtp: state })
  .meta({ id: 'Health' });

/** The health route. */
export const healthRoutes = (checks: HealthChecks) => [
  defineRoute({
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'Whether Temporal, MongoDB and SMTP answer',
    auth: 'none',
    responses: {
      200: { description: 'every dependency answers within 3 s', schema: report },
      503: { description: 'the failing dependencies are named', schema: report },
    },
    async handler(_input, _req, res) {
      const result = await checkHealth(checks);
      res.status(result.status === 'ok' ? 200 : 503).json(result);
    },
  }),
];
