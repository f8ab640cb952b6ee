/**
 * One contact's consent renewal cycle on one list: reminders at the policy's offsets before
 * the consent lapses, each with a renewal link; a click renews consent (a new period starts
 * from it); no click by the lapse applies the list's action. The policy is the one the cycle
 * started with: a change applies from the next cycle.
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  renewSignal,
  type ConsentRenewalInput,
  type ConsentRenewalResult,
  type LinkUse,
} from './definitions';
import { activityFailures } from './failures';

const { sendRenewalReminder, renewConsent, applyConsentExpiry } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [activityFailures.notInWorkflow],
  },
});

const DAY = 86_400_000;

/** Asks for renewal before consent lapses, then renews or applies the lapse action. */
export async function consentRenewalWorkflow(
  input: ConsentRenewalInput,
): Promise<ConsentRenewalResult> {
  let renewal: LinkUse | undefined;
  setHandler(renewSignal, (use) => {
    renewal ??= use; // the first click counts
  });
  const renewed = () => renewal !== undefined;
  const renewedBy = async (time: number) => {
    const left = time - Date.now();
    return left > 0 ? condition(renewed, left) : renewed();
  };
  const expiresAt = Date.parse(input.expiresAt);

  const offsets = [...new Set(input.policy.reminderDaysBefore)].sort((a, b) => b - a);
  for (const daysBefore of offsets) {
    const due = expiresAt - daysBefore * DAY;
    if (due < Date.now() - DAY) continue; // long past (a late start): the next one will do
    if (await renewedBy(due)) break;
    await sendRenewalReminder({ ...input, daysBefore });
  }
  if (!(await renewedBy(expiresAt))) {
    await applyConsentExpiry(input);
    return { outcome: 'expired' };
  }
  await renewConsent({ ...input, renewal: renewal! });
  return { outcome: 'renewed' };
}
