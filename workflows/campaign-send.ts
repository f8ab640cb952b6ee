/**
 * One campaign's send, as its procedure reads:
 *
 * 1. wait for the time it is scheduled at (a cancel ends it first);
 * 2. resolve the audience once: one recipient record per eligible contact of its lists;
 * 3. send in batches, each an activity that heartbeats and sends each recipient's message
 *    once (the recipient's record and the mailer's send key); each batch first reserves its
 *    slot on the tenant's timeline and waits for it, so all the tenant's campaigns together
 *    keep to its rate; pause holds between batches until resume; cancel stops before the
 *    next batch;
 * 4. record how it ended.
 *
 * Continues as new when the history grows long, carrying its counts and the last recipient
 * handled. Ids and counts only: no address is ever in its history.
 */
import {
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  campaignControlUpdate,
  campaignProgressQuery,
  type CampaignProgress,
  type CampaignSendInput,
} from './definitions';
import { activityFailures } from './failures';

const {
  openCampaignSend,
  resolveCampaignAudience,
  finishCampaignSend,
  recordCampaignStatus,
  reserveCampaignSlot,
} = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [activityFailures.campaignMissing],
  },
});
const { sendCampaignBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // A batch heartbeats once its messages are built and again once they are sent: a worker
  // that dies mid-batch is noticed this soon, and the batch retried elsewhere.
  heartbeatTimeout: '30 seconds',
  // A relay that refuses keeps the batch retrying (each message still sent once) until it
  // takes mail again; pause or cancel apply once the batch is through.
  retry: {
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [activityFailures.campaignMissing],
  },
});

/** Recipients per batch, and batches per run, unless the input says otherwise. */
const BATCH = 100;
const BATCHES_PER_RUN = 500;

/** Sends one campaign. */
export async function campaignSendWorkflow(input: CampaignSendInput): Promise<CampaignProgress> {
  const ref = { tenantId: input.tenantId, campaignId: input.campaignId };
  const progress: CampaignProgress = input.resume ?? {
    status: 'scheduled',
    recipients: 0,
    sent: 0,
    skipped: 0,
  };
  let paused = progress.status === 'paused';
  let batches = 0;
  let cancelled = false;
  const finished = () => progress.status === 'sent' || progress.status === 'cancelled';
  // Runs begun before the tenant's shared timeline keep pacing each campaign on its own.
  const tenantPaced = patched('campaign-tenant-pace');
  setHandler(campaignProgressQuery, () => progress);
  setHandler(campaignControlUpdate, ({ action }) => {
    if (finished()) return progress;
    if (action === 'cancel') cancelled = true;
    else if (action === 'pause') paused = true;
    else paused = false;
    if (progress.status !== 'scheduled')
      progress.status = cancelled ? 'cancelled' : paused ? 'paused' : 'sending';
    return progress;
  });

  if (!input.resume) {
    const { sendAt } = await openCampaignSend(ref);
    const wait = sendAt ? Date.parse(sendAt) - Date.now() : 0;
    if (wait > 0) await condition(() => cancelled, wait);
    if (cancelled) return finish('cancelled');
    const { recipients } = await resolveCampaignAudience(ref);
    progress.recipients = recipients;
    progress.status = paused ? 'paused' : 'sending';
  }

  for (;;) {
    if (cancelled) return finish('cancelled');
    if (paused) {
      progress.status = 'paused';
      // Stored, so the campaign shows paused without asking this workflow.
      await recordCampaignStatus({ ...ref, status: 'paused' });
      await condition(() => !paused || cancelled);
      if (cancelled) return finish('cancelled');
      progress.status = 'sending';
      await recordCampaignStatus({ ...ref, status: 'sending' });
    }
    if (
      workflowInfo().continueAsNewSuggested ||
      batches >= (input.batchesPerRun ?? BATCHES_PER_RUN)
    )
      await continueAsNew<typeof campaignSendWorkflow>({ ...input, resume: progress });
    const limit = input.batchSize ?? BATCH;
    const left = progress.recipients - progress.sent - progress.skipped;
    // The last call finds nothing left to send (it says the send is done): no slot for it.
    if (tenantPaced && left > 0) {
      const { startAt } = await reserveCampaignSlot({
        ...ref,
        messages: Math.min(limit, left),
        now: new Date().toISOString(),
      });
      const wait = Date.parse(startAt) - Date.now();
      if (wait > 0) await condition(() => cancelled, wait);
      if (cancelled) return finish('cancelled');
    }
    const started = Date.now();
    const batch = await sendCampaignBatch({ ...ref, after: progress.cursor, limit });
    batches += 1;
    progress.sent += batch.sent;
    progress.skipped += batch.skipped;
    if (batch.last) progress.cursor = batch.last;
    if (batch.done) return finish('sent');
    if (!tenantPaced) {
      // This campaign's own rate: a batch of n messages takes at least n / rate seconds.
      const due = ((batch.sent + batch.skipped) * 1000) / batch.ratePerSecond;
      const left = due - (Date.now() - started);
      if (left > 0) await sleep(left);
    }
  }

  async function finish(outcome: 'sent' | 'cancelled'): Promise<CampaignProgress> {
    await finishCampaignSend({ ...ref, outcome, sent: progress.sent, skipped: progress.skipped });
    progress.status = outcome;
    return progress;
  }
}
