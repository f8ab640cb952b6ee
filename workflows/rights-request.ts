/**
 * A data-subject rights request, from receipt to its answer (GDPR Art. 12, 15–21). The request
 * itself is data (src/rights); this workflow is its clock and its procedure:
 *
 * 1. a request not yet vouched for waits for the subject to follow the verification link (or
 *    for staff to verify it) and is rejected when the window closes;
 * 2. a verified request is executed (access archive, erasure, restriction, objection,
 *    rectification) and closed with its result;
 * 3. beside both, the deadline is watched: staff with `rights.manage` are reminded before the
 *    due date and alerted when it passes (the request shows `overdue`); an extension moves the
 *    due date, tells the subject, and the reminders follow it.
 *
 * Its status is a search attribute (`RightsStatus`) and a query, so ops find open and overdue
 * requests in the Temporal Web UI. Opaque ids only.
 */
import {
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  rightsDeadlineMovedSignal,
  rightsStatusQuery,
  rightsVerifiedSignal,
  type RightsRequestInput,
  type RightsRequestResult,
  type RightsRequestState,
  type RightsStatus,
} from './definitions';
import { activityFailures } from './failures';

const {
  openRightsRequest,
  readRightsDeadline,
  executeRightsRequest,
  rejectRightsRequest,
  remindRightsStaff,
} = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: {
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [activityFailures.rightsRequestMissing],
  },
});

/** The `RightsStatus` search attribute (src/temporal/search-attributes.ts registers it). */
const RightsStatusKey = defineSearchAttributeKey('RightsStatus', SearchAttributeType.KEYWORD);

/** Answers one rights request. */
export async function rightsRequestWorkflow(
  input: RightsRequestInput,
): Promise<RightsRequestResult> {
  const ref = { tenantId: input.tenantId, requestId: input.requestId };
  let verified = false;
  let deadlineMoved = false;
  let closed = false;
  setHandler(rightsVerifiedSignal, () => void (verified = true));
  setHandler(rightsDeadlineMovedSignal, () => void (deadlineMoved = true));

  const opened = await openRightsRequest(ref);
  verified ||= opened.verified;
  const state: RightsRequestState = {
    status: verified ? 'in_progress' : 'verifying',
    dueAt: opened.dueAt,
    remindersSent: 0,
    escalated: false,
  };
  setHandler(rightsStatusQuery, () => state);
  const show = (status: RightsStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: RightsStatusKey, value: status }]);
  };
  show(state.status);

  const watch = watchDeadline(opened.reminderTimes);
  if (!verified) {
    const left = Date.parse(opened.verifyBy) - Date.now();
    const inTime = left > 0 && (await condition(() => verified, left));
    // A verification that lands as the window closes wins: the reject step then declines.
    if (!inTime && (await rejectRightsRequest({ ...ref, reason: 'not_verified' }))) {
      closed = true;
      show('rejected');
      await watch;
      return { outcome: 'rejected', state };
    }
    if (!state.escalated) show('in_progress');
  }
  const done = await executeRightsRequest(ref);
  closed = true;
  state.completedAt = done.completedAt;
  show('completed');
  await watch;
  return { outcome: 'completed', state };

  /** Reminds staff before the due date and escalates once it passed, until the request closes. */
  async function watchDeadline(firstReminders: string[]): Promise<void> {
    let reminders = firstReminders.map((t) => Date.parse(t));
    for (;;) {
      const due = Date.parse(state.dueAt);
      const next = reminders.find((t) => t > Date.now()) ?? (state.escalated ? undefined : due);
      const interrupted = () => closed || deadlineMoved;
      if (next === undefined) await condition(interrupted);
      else if (next > Date.now()) await condition(interrupted, next - Date.now());
      if (closed) return;
      if (deadlineMoved) {
        deadlineMoved = false;
        const moved = await readRightsDeadline(ref);
        state.dueAt = moved.dueAt;
        reminders = moved.reminderTimes.map((t) => Date.parse(t));
        if (state.escalated && Date.parse(moved.dueAt) > Date.now()) {
          state.escalated = false;
          show(verified ? 'in_progress' : 'verifying');
        }
        continue;
      }
      if (next === undefined) continue;
      if (next === due) {
        state.escalated = true;
        show('overdue');
        await remindRightsStaff({ ...ref, kind: 'overdue', dueAt: state.dueAt });
      } else {
        state.remindersSent += 1;
        await remindRightsStaff({ ...ref, kind: 'reminder', dueAt: state.dueAt });
      }
      reminders = reminders.filter((t) => t > next);
    }
  }
}
