/**
 * Re-permission of an inactive member: one mail asking whether to stay, a wait of the
 * policy's days for the keep-me click, then keep or prune.
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  keepSignal,
  type LinkUse,
  type RePermissionInput,
  type RePermissionResult,
} from './definitions';
import { activityFailures } from './failures';

const { sendRePermission, keepMember, pruneInactive } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [activityFailures.notInWorkflow],
  },
});

const DAY = 86_400_000;

/** Asks an inactive member to stay; prunes per policy without an answer. */
export async function rePermissionWorkflow(input: RePermissionInput): Promise<RePermissionResult> {
  let kept: LinkUse | undefined;
  setHandler(keepSignal, (use) => {
    kept ??= use;
  });
  const wait = input.policy.rePermission!.waitDays * DAY;
  await sendRePermission({ ...input, expiresAt: new Date(Date.now() + wait).toISOString() });
  if (await condition(() => kept !== undefined, wait)) {
    await keepMember({ ...input, use: kept! });
    return { outcome: 'kept' };
  }
  await pruneInactive(input);
  return { outcome: 'pruned' };
}
