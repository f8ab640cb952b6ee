/**
 * The relay's webhook for bounce and complaint reports: the raw report (RFC 3464 or RFC 5965)
 * as the body, authenticated by the feedback token (CONSENTFLOW_FEEDBACK_TOKEN), a secret of
 * its own so a relay holds no platform power. Outside /api/v1 like the codec: no tenant key
 * or session is involved, the report's signed token names the tenant. Mounted only when the
 * token is configured.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { tokensMatch } from '../../auth/platform-token';
import { receiveFeedback, type FeedbackDeps } from '../../campaigns/feedback';
import { AppError, invalid, unauthorized } from '../../errors';
import type { Logger } from '../../logger';
import { defineRoute } from '../route';

/** Reports are small; the same bound as the SMTP intake's. */
const MAX_REPORT_BYTES = 10 * 1024 * 1024;

/** The body, read whole; 413 beyond the bound. */
async function readBody(req: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REPORT_BYTES)
      throw new AppError('too_large', 'payload_too_large', 'a report is at most 10 MB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The feedback webhook route. */
export function feedbackRoutes(deps: FeedbackDeps & { token: string; logger: Logger }) {
  return [
    defineRoute({
      method: 'post',
      path: '/inbound/feedback',
      tag: 'campaigns',
      summary: 'A relay posts a bounce or complaint report',
      description:
        'The raw report as the body (`message/rfc822`): a delivery status notification (RFC 3464) or an abuse report (RFC 5965) quoting the original message’s headers. Authenticated by `Authorization: Bearer <CONSENTFLOW_FEEDBACK_TOKEN>`. A permanent failure or a complaint suppresses the address for the tenant, stops every further campaign and sweep mail to it, and counts in the campaign’s statistics; a transient failure changes nothing. 400 `not_a_report` for any other message.',
      auth: 'none',
      request: {
        raw: {
          contentTypes: ['message/rfc822'],
          description: 'the report as received, headers and body, at most 10 MB',
        },
      },
      responses: {
        202: {
          description: 'taken; `applied` says whether it changed anything, `reason` why not',
          schema: z.strictObject({
            applied: z.boolean(),
            kind: z.enum(['hard_bounce', 'complaint']).optional(),
            reason: z
              .enum(['transient', 'no_token', 'invalid_token', 'tenant_gone', 'contact_gone'])
              .optional(),
          }),
        },
      },
      async handler(_input, req, res) {
        const header = req.get('authorization') ?? '';
        const sent = header.startsWith('Bearer ') ? header.slice(7) : '';
        if (!sent || !tokensMatch(sent, deps.token)) throw unauthorized('feedback token required');
        if (!req.is('message/rfc822'))
          throw new AppError(
            'unsupported',
            'unsupported_media_type',
            'send the report as message/rfc822',
          );
        const outcome = await receiveFeedback(deps, await readBody(req));
        if (!outcome) throw invalid('not a bounce or complaint report', 'not_a_report');
        res
          .status(202)
          .json(
            outcome.applied
              ? { applied: true, kind: outcome.kind }
              : { applied: false, reason: outcome.reason },
          );
      },
    }),
  ];
}
