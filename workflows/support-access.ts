/**
 * Support access: platform staff asked to see one tenant's personal data. The tenant's admins
 * are told; the request waits for an admin's decision (at most a week, then it expires); an
 * approval opens a grant for the hours asked, which ends by itself when they are over, or
 * earlier when an admin revokes it. Ending a grant ends every credential minted under it.
 */
import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  supportAccessDecisionUpdate,
  type SupportAccessInput,
  type SupportAccessResult,
} from './definitions';

const { announceSupportRequest, openSupportGrant, closeSupportGrant } = proxyActivities<Activities>(
  {
    startToCloseTimeout: '1 minute',
    retry: { maximumInterval: '1 minute' },
  },
);

/** How long a request waits for a decision before it expires. */
const DECISION_WAIT = '7 days';
const HOUR_MS = 3_600_000;

/** The request's procedure, from asking to the grant's end. */
export async function supportAccessWorkflow(
  input: SupportAccessInput,
): Promise<SupportAccessResult> {
  const { tenantId, grantId } = input;
  let status: 'pending' | 'approved' | 'denied' | 'revoked' | 'expired' = 'pending';
  /** A decision being recorded: others wait for it, rather than deciding twice. */
  let deciding = false;
  let approved = false;
  /** When the grant ends (epoch ms), from its approval on. */
  let untilMs = 0;

  setHandler(
    supportAccessDecisionUpdate,
    async ({ decision, by }) => {
      deciding = true;
      try {
        if (decision === 'approve') {
          untilMs = Date.now() + input.hours * HOUR_MS;
          await openSupportGrant({ tenantId, grantId, by, until: new Date(untilMs).toISOString() });
          approved = true;
          return (status = 'approved');
        }
        const outcome = decision === 'deny' ? 'denied' : 'revoked';
        await closeSupportGrant({ tenantId, grantId, outcome, by });
        return (status = outcome);
      } finally {
        deciding = false;
      }
    },
    {
      validator: ({ decision }) => {
        const applies = decision === 'revoke' ? status === 'approved' : status === 'pending';
        if (deciding || !applies)
          throw new Error(`the request is ${deciding ? 'being decided' : status}`);
      },
    },
  );

  await announceSupportRequest({ tenantId, grantId });
  await condition(() => status !== 'pending' && !deciding, DECISION_WAIT);
  await condition(() => !deciding);
  if (status === 'pending') {
    status = 'expired';
    await closeSupportGrant({ tenantId, grantId, outcome: 'expired' });
  } else if (status === 'approved') {
    // The grant's hours, or until a revocation.
    await condition(() => status !== 'approved', Math.max(untilMs - Date.now(), 1));
    await condition(() => !deciding);
    if (status === 'approved') {
      status = 'expired';
      await closeSupportGrant({ tenantId, grantId, outcome: 'expired' });
    }
  }
  await condition(allHandlersFinished);
  return { outcome: status as SupportAccessResult['outcome'], approved };
}
