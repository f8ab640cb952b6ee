/**
 * The steps of an automation run (workflows/automation-run.ts): entering, running one node,
 * checking goals while a run waits, and finishing. Each step reads the run's definition (the
 * version it entered with) and the contact as they are now, lets the interpreter decide
 * (src/automations/interpreter.ts), performs the effect and records the step on the run, so
 * the statistics and the run's path follow.
 *
 * Every effect is idempotent per run and node: a mail's send key, a webhook event's key and
 * the frequency cap's record are named by them, and a retried step replaces its own record.
 * The step's time is the run's own when it asked (the workflow's clock), so a retry decides
 * the same.
 */
import { mayTrack } from '../src/campaigns/tracking';
import { automationMessageRef, trackedHtml } from '../src/automations/tracking';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { durationMs } from '../src/automations/timing';
import { readContact, type AutomationContact } from '../src/automations/facts';
import { awaitedKey, goalMet, planStep, type Effect } from '../src/automations/interpreter';
import { renderMail } from '../src/automations/render';
import { publishedDefinition } from '../src/automations/store';
import { entryIdOf, runIdOf, runStartOf } from '../src/automations/enter';
import type { RecipientLinks } from '../src/consent/recipient-links';
import { storeSubscription } from '../src/consent/subscription/store';
import { subscriberRow } from '../src/consent/subscription/subscriber-row';
import type { DoubleOptInWake } from '../src/consent/subscription/wake';
import { unsubscribeContact } from '../src/consent/unsubscribe';
import { applyContactChanges } from '../src/db/contact-changes';
import type { AutomationDefinition } from '../src/domain/automation-definition';
import type { AutomationRunDocument, RunStep } from '../src/db/models/automation';
import type { TenantAccess, TenantScope } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import { emitWebhookEvent, type WebhookEmitDeps } from '../src/webhooks/emit';
import type { AutomationInstruction } from '../workflows/definitions';
import { activityFailures } from '../workflows/failures';

/** What the automation steps need. */
export interface AutomationDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  links: RecipientLinks;
  wake: DoubleOptInWake;
  webhooks: WebhookEmitDeps;
}

/** A run, as its workflow names it. */
interface RunRef {
  tenantId: string;
  automationId: string;
  contactId: string;
  run: string;
  /**
   * The run's time when it asked (epoch ms, the workflow's clock): the same for every retry,
   * and the server's time whether the step runs as a local activity or not.
   */
  at?: number;
}

/** The goal nodes a run reached already. */
const goalsReached = (run: AutomationRunDocument) =>
  new Set(run.path.filter((s) => s.outcome === 'goal').map((s) => s.node));

/** Most steps kept on a run's path (a definition has at most 200 nodes, each visited once). */
const MAX_PATH = 400;

/** Most steps one activity runs in a row before the workflow takes over again. */
const MAX_CHAIN = 50;

/** Creates the automation steps. */
export function createAutomationActivities(deps: AutomationDeps) {
  const { tenants, mailer, links } = deps;

  /** The run's record and definition; a missing one fails the run for good. */
  async function load(ref: RunRef) {
    const tenant = await tenants.forTenant(ref.tenantId);
    const id = runIdOf(ref.automationId, ref.contactId, ref.run);
    const run = await tenant.models.AutomationRun.findById(id).lean<AutomationRunDocument>();
    const definition = run?.test
      ? run.test.definition
      : run && (await publishedDefinition(tenant, ref.automationId, run.version));
    if (!run || !definition)
      throw ApplicationFailure.nonRetryable(
        `automation run ${id} or its version is gone`,
        activityFailures.automationRunMissing,
      );
    return { tenant, id, run, definition };
  }

  /**
   * The step's time: the workflow's, or (runs from before it was passed) when the activity
   * was first scheduled; the same for every retry of it.
   */
  const stepTime = (ref: RunRef) => new Date(ref.at ?? Context.current().info.scheduledTimestampMs);

  /** Records a step on the run (replacing an earlier attempt's) and where the run is now. */
  async function record(
    tenant: TenantScope,
    run: AutomationRunDocument,
    steps: RunStep[],
    set: Partial<
      Pick<AutomationRunDocument, 'status' | 'node' | 'waitingUntil' | 'endedAt' | 'endReason'>
    >,
  ) {
    const replaced = new Set(steps.map((s) => `${s.node}/${s.outcome}`));
    const path = run.path
      .filter((s) => !replaced.has(`${s.node}/${s.outcome}`))
      .concat(steps)
      .slice(-MAX_PATH);
    const unset = set.waitingUntil === undefined ? { waitingUntil: 1 } : {};
    await tenant.models.AutomationRun.updateOne(
      { _id: run._id },
      { $set: { ...set, path }, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
    );
  }

  /** Ends the run: its record, and the contact's entry (re-entry may follow). */
  async function end(
    tenant: TenantScope,
    run: AutomationRunDocument,
    status: 'completed' | 'exited' | 'failed',
    steps: RunStep[],
    reason: string | undefined,
    at: Date,
  ) {
    await record(tenant, run, steps, {
      status,
      endedAt: at,
      ...(reason ? { endReason: reason } : {}),
    });
    if (run.test) return;
    const entryId = entryIdOf(run.automationId, run.contactId);
    const runNumber = Number(run._id.slice(run._id.lastIndexOf(':') + 1));
    await tenant.models.AutomationEntry.updateOne(
      { _id: entryId, runs: runNumber },
      { $set: { active: false, lastExitedAt: at } },
    );
  }

  /** Performs a step's effect for the contact. */
  async function perform(
    tenant: TenantScope,
    ref: RunRef,
    runId: string,
    node: string,
    definition: AutomationDefinition,
    contact: AutomationContact,
    effect: Effect,
    at: Date,
    /** The published version the run follows; none for a test run of a draft (untracked). */
    published: { version?: number },
  ): Promise<void> {
    const { tenantId, contactId, automationId } = ref;
    const listId = 'listId' in definition.entry ? definition.entry.listId : undefined;
    switch (effect.type) {
      case 'send': {
        const mail = await renderMail(effect.node, {
          email: contact.email,
          fields: contact.facts.fields,
        });
        // A published version's message: bounces and complaints name its step (a draft's
        // test mail goes to the tester's own address, which a bounce must not suppress).
        const messageRef =
          listId && published.version !== undefined
            ? automationMessageRef({ automationId, version: published.version, node })
            : undefined;
        if (listId && messageRef) {
          const [list, subject] = await Promise.all([
            tenant.models.List.findById(listId, { tracking: 1 }).lean(),
            tenant.models.Contact.findById(contactId, { trackingObjection: 1 }).lean(),
          ]);
          if (subject && mayTrack({ tracking: true }, list, subject, listId)) {
            mail.html = await trackedHtml(mail.html, effect.node.html, {
              open: () => links.open(tenantId, contactId, listId, messageRef),
              click: (index) => links.click(tenantId, contactId, listId, messageRef, index),
            });
          }
        }
        await mailer.sendOnce({
          tenantId,
          sendKey: `automation:${runId}:${node}`,
          to: contact.email,
          ...mail,
          ...(listId
            ? {
                listId,
                unsubscribeUrl: await links.unsubscribe(tenantId, contactId, listId),
                profileUrl: await links.profile(tenantId, contactId),
              }
            : {}),
          ...(listId && messageRef
            ? { feedbackToken: await links.feedback(tenantId, contactId, listId, messageRef) }
            : {}),
        });
        await tenant.models.AutomationSend.create({
          _id: `${contactId}:${at.toISOString()}:${runId}:${node}`,
          at,
        }).catch((err: { code?: number }) => {
          if (err.code !== 11000) throw err;
        });
        return;
      }
      case 'update_field': {
        const details =
          effect.field === 'firstName' || effect.field === 'lastName'
            ? { [effect.field]: effect.value }
            : { custom: { [effect.field.slice('custom.'.length)]: effect.value } };
        await applyContactChanges(tenant, [{ id: contactId, details }]);
        return;
      }
      case 'list_add': {
        const list = await tenant.models.List.findById(effect.listId, {
          name: 1,
          doubleOptIn: 1,
        }).lean();
        if (!list || contact.facts.lists[effect.listId] === 'active') return;
        // Consent is asked for, never assumed: the list's own double opt-in applies.
        const { queued } = await storeSubscription(
          { tenant },
          {
            list,
            row: subscriberRow(contact.email),
            source: { kind: 'automation', id: automationId },
          },
        );
        if (queued) await deps.wake.mailQueued(tenantId, effect.listId);
        return;
      }
      case 'list_remove':
        await unsubscribeContact(tenant, contactId, effect.listId, { at: at.toISOString() }, deps);
        return;
      case 'webhook':
        await emitWebhookEvent(
          deps.webhooks,
          tenant,
          'automation.step',
          { automationId, nodeId: node, runId, contactId, name: effect.name },
          { key: `${runId}:${node}` },
        );
        return;
      case 'notify': {
        const staff = await tenants.control.User.find(
          {
            tenantId,
            disabledAt: { $exists: false },
            'permissions.features': { $in: ['automations.design', '*'] },
          },
          { email: 1 },
        ).lean();
        const outcomes = await mailer.sendBatch(
          tenantId,
          staff
            .filter((u) => typeof u.email === 'string')
            .map((u) => ({
              sendKey: `automation:${runId}:${node}:${u._id}`,
              to: u.email as string,
              subject: `Automation ${automationId}: step ${node}`,
              text: `${effect.message}\n\nContact ${contactId}, run ${runId}.`,
            })),
        );
        if (outcomes.includes('failed')) throw new Error('the relay refused a notification');
        return;
      }
    }
  }

  return {
    /** The run's first node, its exit events and whether it has goals to check while waiting. */
    async enterAutomationRun(
      ref: RunRef,
    ): Promise<{ node: string; exitOn: string[]; goals: boolean }> {
      const { run, definition } = await load(ref);
      return { ...runStartOf(definition), node: run.node };
    },

    /**
     * Runs the node the run is at and the steps after it that take no time: decides,
     * performs and records them, and tells the workflow what next and how many steps ran.
     * `after` closes the wait the run comes from (the event came, or it timed out).
     */
    async runAutomationStep(
      ref: RunRef & { node: string; after?: { node: string; outcome: 'event' | 'timeout' } },
    ): Promise<AutomationInstruction & { steps: number }> {
      const { tenant, id, run, definition } = await load(ref);
      const at = stepTime(ref);
      const done: RunStep[] = ref.after
        ? [{ node: ref.after.node, at, outcome: ref.after.outcome }]
        : [];
      const automation = run.test
        ? { status: 'active' }
        : await tenant.models.Automation.findById(ref.automationId, { status: 1 }).lean();
      if (!automation || automation.status === 'archived') {
        await end(tenant, run, 'exited', done, 'archived', at);
        return { do: 'end', outcome: 'exited', reason: 'archived', steps: 0 };
      }
      if (automation.status === 'paused') {
        await record(tenant, run, done, { status: 'held', node: ref.node });
        return { do: 'hold', steps: 0 };
      }
      const cap = definition.settings?.frequencyCap;
      const readNow = () =>
        readContact(
          tenant,
          ref.contactId,
          at,
          cap ? durationMs(cap.per.amount, cap.per.unit) : undefined,
        );
      let contact = await readNow();
      const reached = goalsReached(run);
      let node = ref.node;
      // Steps that take no time run one after the other here, up to the next delay, wait or
      // end: each is idempotent by run and node (see the module comment), so a retry that
      // runs the chain again from its first node repeats no effect, and the chain is
      // recorded once.
      for (let steps = 1; ; steps++) {
        if (!contact) {
          await end(tenant, run, 'exited', done, 'contact_gone', at);
          return { do: 'end', outcome: 'exited', reason: 'contact_gone', steps };
        }
        const goal = goalMet(definition, contact.facts, at, node, reached);
        if (goal) {
          done.push({ node: goal.id, at, outcome: 'goal' });
          reached.add(goal.id);
          if (goal.next === undefined) {
            await end(tenant, run, 'completed', done, `goal:${goal.id}`, at);
            return { do: 'end', outcome: 'completed', reason: `goal:${goal.id}`, steps };
          }
          node = goal.next;
        }
        const plan = planStep(definition, node, contact.facts, at, { runId: id, test: !!run.test });
        switch (plan.kind) {
          case 'end':
            done.push({ node, at, outcome: 'done' });
            await end(tenant, run, 'completed', done, plan.reason, at);
            return {
              do: 'end',
              outcome: 'completed',
              ...(plan.reason ? { reason: plan.reason } : {}),
              steps,
            };
          case 'go': {
            const { outcome, detail } = plan;
            if (plan.effect)
              await perform(tenant, ref, id, node, definition, contact, plan.effect, at, {
                version: run.test ? undefined : run.version,
              });
            done.push({ node, at, outcome, ...(detail ? { detail } : {}) });
            node = plan.next;
            if (steps >= MAX_CHAIN) {
              await record(tenant, run, done, { status: 'running', node });
              return { do: 'go', next: node, steps };
            }
            // What the effect changed (a field, a list, the sends the cap counts) decides
            // the next step.
            if (plan.effect) contact = await readNow();
            break;
          }
          case 'sleep':
            done.push({
              node,
              at,
              outcome: 'waited',
              ...(plan.detail ? { detail: plan.detail } : {}),
            });
            await record(tenant, run, done, { status: 'waiting', node, waitingUntil: plan.until });
            return { do: 'sleep', until: plan.until.toISOString(), next: plan.next, steps };
          case 'await':
            done.push({ node, at, outcome: 'waited' });
            await record(tenant, run, done, { status: 'waiting', node, waitingUntil: plan.until });
            return {
              do: 'await',
              node,
              key: awaitedKey(plan.event),
              until: plan.until.toISOString(),
              onEvent: plan.onEvent,
              onTimeout: plan.onTimeout,
              steps,
            };
        }
      }
    },

    /** While a run waits: the goal node the contact meets now, if any. */
    async checkAutomationGoal(ref: RunRef & { node: string }): Promise<string | null> {
      const { tenant, run, definition } = await load(ref);
      const at = ref.at === undefined ? new Date() : new Date(ref.at);
      const contact = await readContact(tenant, ref.contactId, at);
      if (!contact) return null;
      return goalMet(definition, contact.facts, at, ref.node, goalsReached(run))?.id ?? null;
    },

    /** Ends a run the workflow ends (an exit event, an archive, a failed step). */
    async finishAutomationRun(
      ref: RunRef & { outcome: 'exited' | 'failed'; reason: string },
    ): Promise<void> {
      const { tenant, run } = await load(ref);
      const at = ref.at === undefined ? new Date() : new Date(ref.at);
      const failed: RunStep[] =
        ref.outcome === 'failed' ? [{ node: run.node, at, outcome: 'failed' }] : [];
      await end(tenant, run, ref.outcome, failed, ref.reason, at);
    },
  };
}
