/**
 * `GET /api/dev/mail`: what the embedded SMTP sink received. Mounted only while the sink is
 * the configured relay (local runs, tests); with a real relay the route does not exist.
 */
import { z } from 'zod';
import { readSinkMessages } from '../../mail/sink-messages';
import { defineRoute } from '../route';

const message = z.strictObject({
  id: z.string(),
  to: z.array(z.string()),
  from: z.string(),
  subject: z.string(),
  date: z.string(),
  text: z.string(),
  html: z.string(),
  raw: z.string().meta({ description: 'the RFC 5322 source as received over SMTP' }),
});

/** The dev mail route over the sink folder. */
export const devMailRoutes = (sinkDir: string) => [
  defineRoute({
    method: 'get',
    path: '/api/dev/mail',
    tag: 'operations',
    summary: 'Messages the embedded SMTP sink received (local runs only)',
    auth: 'none',
    responses: {
      200: {
        description: 'newest first, at most 200',
        schema: z.strictObject({ messages: z.array(message) }),
      },
    },
    async handler(_input, _req, res) {
      res.json({ messages: await readSinkMessages(sinkDir) });
    },
  }),
];
