/**
 * `GET /api/dev/mail`: what the embedded SMTP sink received. Mounted only while the sink is
 * the configured relay (local runs, tests); with a real relay the route does not exist.
 */
import { Router } from 'express';
import { readSinkMessages } from '../../mail/sink-messages';

/** Builds the dev mail route over the sink folder. */
export function devMailRoutes(sinkDir: string): Router {
  return Router().get('/api/dev/mail', async (_req, res) => {
    res.json({ messages: await readSinkMessages(sinkDir) });
  });
}
