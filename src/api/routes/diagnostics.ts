/**
 * Platform diagnostics. `POST /api/v1/diagnostics/encryption-probe` runs the encryption
 * probe workflow for a tenant and answers with its outcome (or 202 while it still runs).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { tenantIdPattern } from '../../db/names';
import { PLATFORM_PAYLOAD_KEY_ID } from '../../temporal/payload-keys';
import type { WorkflowGateway } from '../../temporal/workflows';
import { defineRoute } from '../route';

const probeRequest = z.strictObject({
  tenantId: z
    .string()
    .regex(tenantIdPattern, 'must be 6-32 lowercase letters or digits')
    // The platform's payload key id: a workflow naming it as its tenant gets no key.
    .refine((id) => id !== PLATFORM_PAYLOAD_KEY_ID, 'is reserved'),
});

/** How long the route waits for the probe before answering 202. */
const WAIT_MS = 20_000;

const probeResult = z.strictObject({
  probeId: z.string(),
  workflowId: z.string(),
  status: z.enum(['completed', 'running']),
  verified: z.boolean().optional(),
});

/** The diagnostics routes (platform token). */
export const diagnosticsRoutes = (workflows: WorkflowGateway) => [
  defineRoute({
    method: 'post',
    path: '/api/v1/diagnostics/encryption-probe',
    tag: 'platform',
    summary: 'Round-trip a canary through a tenant’s encryption',
    auth: 'platform',
    request: { body: probeRequest },
    responses: {
      200: { description: 'the probe completed', schema: probeResult },
      202: { description: 'still running after 20 s', schema: probeResult },
    },
    async handler({ body }, _req, res) {
      const { tenantId } = body;
      const probeId = randomUUID();
      const handle = await workflows.start('encryptionProbe', { tenantId, probeId });
      const id = handle.workflowId;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'running'>(
        (resolve) => (timer = setTimeout(() => resolve('running'), WAIT_MS)),
      );
      const outcome = await Promise.race([handle.result(), timeout]).finally(() =>
        clearTimeout(timer),
      );
      if (outcome === 'running')
        return res.status(202).json({ probeId, workflowId: id, status: 'running' });
      res.json({ probeId, workflowId: id, status: 'completed', verified: outcome.verified });
    },
  }),
];
