/** `GET /healthz`: 200 when every dependency answers, 503 naming the failing ones otherwise. */
import { z } from 'zod';
import { checkHealth, type HealthChecks } from '../../health';
import { defineRoute } from '../route';

const state = z.enum(['ok', 'failing']);
const report = z
  .strictObject({
    status: state,
    temporal: state,
    mongo: state,
    smtp: state,
    worker: z.literal('failing').optional().meta({
      description:
        'under `npm start`: its worker is down and being restarted (absent while it runs)',
    }),
  })
  .meta({ id: 'Health' });

/** The health route. */
export const healthRoutes = (checks: HealthChecks) => [
  defineRoute({
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'Whether Temporal, MongoDB and SMTP answer (and, under `npm start`, the worker runs)',
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
