/**
 * The step of a list's double opt-in workflow: one round over the list's requests, as data in
 * the tenant database. It first acts on the deadlines due by the workflow's time (a reminder
 * queued, a request never confirmed erased, an interrupted confirmation finished), then drains
 * the mail outbox in batches, one claim and one mark per batch, the messages DKIM-signed and
 * handed to the relay's pooled connections side by side, for as long as requests keep coming
 * and `drainIdleMs` after the last. Every part is idempotent (mails by the request's key,
 * erasures and repairs by status), so a retried round after a crash repeats nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { finishConfirmation } from '../src/consent/subscription/confirm';
import { eraseUnconfirmed } from '../src/consent/subscription/erase-unconfirmed';
import { subscribeListFields, type SubscribeList } from '../src/consent/subscription/ids';
import { requestMessage } from '../src/consent/subscription/mail';
import { DRAIN_AFTER_WAKE_MS } from '../src/consent/subscription/wake';
import type { RecipientLinks } from '../src/consent/recipient-links';
import { queueMail, type OutboxDocument } from '../src/db/models/double-opt-in-outbox';
import type { SubscriptionDocument } from '../src/db/models/subscription';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import type { WebhookEmitDeps } from '../src/webhooks/emit';
import type { DoubleOptInRound } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';
import type { AutomationTriggers } from '../src/automations/triggers';

/** What the double opt-in activities need. */
export interface DoubleOptInDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
  /** Tells the tenant's webhooks of a confirmation the round finishes. */
  webhooks: WebhookEmitDeps;
  /** Enters a contact whose confirmation is repaired into the list's automations. */
  automations: AutomationTriggers;
  /** How long a drain goes on finding nothing (default DRAIN_AFTER_WAKE_MS; never less). */
  drainIdleMs?: number;
}

/** Mails per batch: one claim, one mark and one outbox delete each. */
const MAIL_BATCH = 50;
/** Requests whose deadline came, handled per query. */
const DEADLINE_BATCH = 200;
/** Erasures run side by side. */
const ERASE_SLICE = 5;
/** The longest a drain runs before the round ends (the workflow then looks at deadlines). */
const MAX_DRAIN_MS = 60_000;
/** The longest pause between two polls of an empty outbox. */
const MAX_POLL_PAUSE_MS = 50;
/** How often a round heartbeats, whatever it is waiting for (well inside its 30 s timeout). */
const HEARTBEAT_EVERY_MS = 5_000;

/** The input of a round. */
export interface DoubleOptInRoundInput {
  tenantId: string;
  listId: string;
  /** The workflow's time (ISO): deadlines due by then are acted on. */
  now: string;
  /** Whether to look at deadlines this round. */
  deadlines: boolean;
}

type Due = Pick<
  SubscriptionDocument,
  | '_id'
  | 'contactId'
  | 'listId'
  | 'status'
  | 'requestedAt'
  | 'expiresAt'
  | 'dueAt'
  | 'dueStep'
  | 'source'
  | 'textVersion'
  | 'textHash'
  | 'confirmation'
>;

const earliest = (a: Date | null, b: Date | null | undefined) => (b && (!a || b < a) ? b : a);

/** Creates the double opt-in activities. */
export function createDoubleOptInActivities({
  tenants,
  mailer,
  links,
  webhooks,
  automations,
  ...options
}: DoubleOptInDeps) {
  const drainIdleMs = Math.max(options.drainIdleMs ?? DRAIN_AFTER_WAKE_MS, DRAIN_AFTER_WAKE_MS);

  /** Acts on every deadline due by `now`. */
  async function runDeadlines(
    tenant: TenantScope,
    listId: string,
    now: Date,
    round: DoubleOptInRound,
  ) {
    const { Subscription, Outbox } = tenant.models;
    for (;;) {
      const due: Due[] = await Subscription.find(
        { listId, dueAt: { $lte: now } },
        {
          contactId: 1,
          listId: 1,
          status: 1,
          requestedAt: 1,
          expiresAt: 1,
          dueAt: 1,
          dueStep: 1,
          source: 1,
          textVersion: 1,
          textHash: 1,
          confirmation: 1,
        },
      )
        .sort({ dueAt: 1 })
        .limit(DEADLINE_BATCH)
        .lean();
      if (due.length === 0) return;
      const reminders = due.filter((d) => d.status === 'pending' && d.dueStep === 'reminder');
      if (reminders.length > 0) {
        // Queued, and the next deadline moved to the expiry, in one write each for all.
        await Outbox.bulkWrite(
          reminders.map((d) => queueMail(d._id, listId, 'reminder', new Date())),
          { ordered: false },
        );
        await Subscription.bulkWrite(
          reminders.map((d) => ({
            updateOne: {
              filter: { _id: d._id, status: 'pending', dueAt: d.dueAt },
              update: { $set: { dueAt: d.expiresAt ?? d.dueAt, dueStep: 'expiry' } },
            },
          })),
          { ordered: false },
        );
      }
      const rest = due.filter((d) => !reminders.includes(d));
      for (let i = 0; i < rest.length; i += ERASE_SLICE)
        await Promise.all(
          rest.slice(i, i + ERASE_SLICE).map(async (d) => {
            const ref = { subscriptionId: d._id, contactId: d.contactId, listId };
            if (d.status === 'confirming' && d.confirmation) {
              await finishConfirmation(tenant, d, d.confirmation, { webhooks, automations });
              round.repaired += 1;
            } else if (d.status === 'confirmed' || d.status === 'confirming') {
              // Nothing left to do: the deadline is stale.
              await Subscription.updateOne(
                { _id: d._id, dueAt: d.dueAt },
                { $unset: { dueAt: 1, dueStep: 1 } },
              );
            } else if (await eraseUnconfirmed(tenant, ref, { dueBy: now })) {
              round.erased += 1;
            }
          }),
        );
      Context.current().heartbeat();
    }
  }

  /** Sends a batch of queued mail; deletes the entries done. */
  async function sendQueued(
    tenant: TenantScope,
    list: SubscribeList | null,
    batch: OutboxDocument[],
    round: DoubleOptInRound,
  ): Promise<{ nextDeadline: Date | null; failed: number }> {
    const { Subscription, Contact, Outbox } = tenant.models;
    const requests = new Map(
      (
        await Subscription.find(
          { _id: { $in: batch.map((e) => e.subscriptionId) }, status: 'pending' },
          { contactId: 1, requestedAt: 1, expiresAt: 1, dueAt: 1 },
        ).lean()
      ).map((r) => [r._id, r]),
    );
    const contacts = new Map(
      (
        await Contact.find(
          { _id: { $in: [...requests.values()].map((r) => r.contactId) } },
          { email: 1 },
        ).lean()
      ).map((c) => [c._id, c.email]),
    );
    // An entry whose request is no longer pending, whose list is gone or whose address cannot
    // be read (its key gone) has nothing to send: it is done.
    const sendable = batch.flatMap((entry) => {
      const request = requests.get(entry.subscriptionId);
      const to = request && contacts.get(request.contactId);
      return list && request?.expiresAt && typeof to === 'string' ? [{ entry, request, to }] : [];
    });
    const messages = await Promise.all(
      sendable.map(({ entry, request, to }) =>
        requestMessage(links, {
          tenantId: tenant.tenantId,
          list: list!,
          subscriptionId: entry.subscriptionId,
          contactId: request.contactId,
          requestedAt: request.requestedAt,
          expiresAt: request.expiresAt!,
          step: entry.step,
          to,
        }),
      ),
    );
    const outcomes = await mailer.sendBatch(tenant.tenantId, messages);
    const failed = new Set(
      sendable.filter((_, i) => outcomes[i] === 'failed').map((s) => s.entry._id),
    );
    await Outbox.deleteMany({
      _id: { $in: batch.filter((e) => !failed.has(e._id)).map((e) => e._id) },
    });
    sendable.forEach(({ entry }, i) => {
      if (outcomes[i] !== 'sent') return;
      if (entry.step === 'reminder') round.reminders += 1;
      else round.sent += 1;
    });
    // The deadline of every pending request read, whatever became of its mail (sent by an
    // earlier attempt, say): the workflow must hear of each.
    let nextDeadline: Date | null = null;
    for (const request of requests.values()) nextDeadline = earliest(nextDeadline, request.dueAt);
    return { nextDeadline, failed: failed.size };
  }

  /** The round itself (see the file's comment). */
  async function runRound(input: DoubleOptInRoundInput, ctx: Context): Promise<DoubleOptInRound> {
    const tenant = await tenants.forTenant(input.tenantId);
    const { List, Outbox, Subscription } = tenant.models;
    const list = await List.findById(input.listId, subscribeListFields).lean();
    const round: DoubleOptInRound = {
      sent: 0,
      reminders: 0,
      erased: 0,
      repaired: 0,
      nextDeadline: null,
    };
    if (input.deadlines) await runDeadlines(tenant, input.listId, new Date(input.now), round);

    let nextDeadline: Date | null = null;
    const started = performance.now();
    let lastFound = started;
    let pause = 0;
    while (performance.now() - started < MAX_DRAIN_MS && !ctx.cancellationSignal.aborted) {
      const batch = await Outbox.find({ listId: input.listId })
        .sort({ queuedAt: 1 })
        .limit(MAIL_BATCH)
        .lean();
      if (batch.length > 0) {
        const sent = await sendQueued(tenant, list, batch, round);
        nextDeadline = earliest(nextDeadline, sent.nextDeadline);
        ctx.heartbeat();
        if (sent.failed > 0)
          // The relay refused: retried with the activity's backoff, the rest kept queued.
          throw ApplicationFailure.retryable(
            `the relay refused ${sent.failed} of ${batch.length} messages`,
            activityFailures.relayRefused,
          );
        lastFound = performance.now();
        pause = 0;
        continue;
      }
      if (performance.now() - lastFound >= drainIdleMs) break;
      // Polled often right after work, less as the outbox stays empty.
      pause = Math.min(Math.max(pause * 2, 2), MAX_POLL_PAUSE_MS);
      await sleep(pause);
    }
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('round cancelled');

    if (!input.deadlines) return { ...round, nextDeadline: nextDeadline?.toISOString() ?? null };
    // Looked at deadlines: the earliest one left is known exactly, and so is what is pending.
    const [next, pending] = await Promise.all([
      Subscription.findOne({ listId: input.listId, dueAt: { $exists: true } }, { dueAt: 1 })
        .sort({ dueAt: 1 })
        .lean(),
      Subscription.countDocuments({
        listId: input.listId,
        status: { $in: ['pending', 'confirming'] },
      }),
    ]);
    return { ...round, nextDeadline: next?.dueAt?.toISOString() ?? null, pending };
  }

  return {
    /** One round of a list's double opt-in (see the file's comment). */
    async runDoubleOptInRound(input: DoubleOptInRoundInput): Promise<DoubleOptInRound> {
      const ctx = Context.current();
      // Beats on its own while a step waits (a slow relay, a long erasure), so that only a
      // dead worker times the round out: a retry beside a live attempt could send twice.
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await runRound(input, ctx);
      } finally {
        clearInterval(beat);
      }
    },
  };
}
