/**
 * What one step of an automation does for one contact, decided from the definition, what is
 * known of the contact at that moment and the time: go on (with an effect to perform, or
 * skipped with the reason), wait (a delay, quiet hours) or wait for an event, or end. Pure: the
 * run's activities (activities/automations.ts) load the facts and perform the effect, the
 * simulation (src/automations/simulate.ts) walks the same decisions without sending anything,
 * so a simulated path is the path a run takes.
 *
 * Consent is decided here, for every step that reaches the contact or their data: a send, a
 * webhook and a field update run only for a contact who is an active member of the
 * automation's list, not restricted, and (for webhooks and updates, which feed profiles) has
 * not objected to tracking on that list or everywhere.
 */
import { createHash } from 'node:crypto';
import {
  consentListOf,
  nodeById,
  type AutomationDefinition,
  type AutomationNode,
  type AwaitedEvent,
  type Condition,
  type Duration,
} from '../domain/automation-definition';
import {
  afterQuietHours,
  durationMs,
  isValidTimeZone,
  nextDateOccurrence,
  nextLocalTime,
} from './timing';

/** What a step knows of the contact: ids, statuses and fields, read just before it runs. */
export interface ContactFacts {
  /** Membership status by list id. */
  lists: Record<string, 'pending' | 'active' | 'unsubscribed'>;
  restricted: boolean;
  /** Lists the contact objected to tracking on (`*`: every list). */
  trackingObjection: string[];
  fields: { firstName?: string; lastName?: string; custom: Record<string, string> };
  /** Custom events posted for the contact (recent first is not required). */
  events: { name: string; at: Date }[];
  /** Automation mails the contact got within the frequency cap's window. */
  sendsInCapWindow: number;
}

/** Something a step does to or for the contact; performed by the run's activity. */
export type Effect =
  | { type: 'send'; node: Extract<AutomationNode, { type: 'send_email' }> }
  | { type: 'update_field'; field: string; value: string | null }
  | { type: 'list_add'; listId: string }
  | { type: 'list_remove'; listId: string }
  | { type: 'webhook'; name: string }
  | { type: 'notify'; message: string };

/** What a step decided. */
export type Plan =
  | { kind: 'go'; next: string; outcome: 'done' | 'skipped'; detail?: string; effect?: Effect }
  /** Wait until `until`, then go to `next` (the same node again after quiet hours). */
  | { kind: 'sleep'; until: Date; next: string; detail?: string }
  | {
      kind: 'await';
      event: AwaitedEvent;
      until: Date;
      onEvent: string;
      onTimeout: string;
    }
  | { kind: 'end'; reason?: string };

/** How a step runs: its run's id (random splits follow it) and whether it is a test run. */
export interface StepContext {
  runId: string;
  /** A test of the draft: every delay lasts as many seconds as it names units, quiet hours off. */
  test: boolean;
}

/** The contact's time zone: `custom.timezone` when it is one, else the definition's, else UTC. */
export function zoneOf(definition: AutomationDefinition, facts: ContactFacts): string {
  return zoneFor(definition, facts.fields.custom.timezone);
}

/** The time zone of a contact whose `custom.timezone` field is `own` (perhaps none). */
export function zoneFor(definition: AutomationDefinition, own: string | undefined): string {
  if (own && isValidTimeZone(own)) return own;
  const zone = definition.settings?.timezone;
  return zone && isValidTimeZone(zone) ? zone : 'UTC';
}

/** The value of a field a definition names (`firstName`, `lastName`, `custom.<name>`). */
export function fieldValue(facts: ContactFacts, field: string): string | undefined {
  if (field === 'firstName' || field === 'lastName') return facts.fields[field];
  return facts.fields.custom[field.slice('custom.'.length)];
}

/** Whether the contact meets a condition at `now`. */
export function meets(condition: Condition, facts: ContactFacts, now: Date): boolean {
  switch (condition.type) {
    case 'field': {
      const value = fieldValue(facts, condition.field);
      const wanted = condition.value ?? '';
      switch (condition.op) {
        case 'is_set':
          return value !== undefined && value !== '';
        case 'is_not_set':
          return value === undefined || value === '';
        case 'equals':
          return value?.toLowerCase() === wanted.toLowerCase();
        case 'not_equals':
          return value?.toLowerCase() !== wanted.toLowerCase();
        case 'contains':
          return value !== undefined && value.toLowerCase().includes(wanted.toLowerCase());
      }
      break;
    }
    case 'membership':
      return (facts.lists[condition.listId] ?? 'none') === condition.status;
    case 'consent':
      switch (condition.state) {
        case 'granted':
          return facts.lists[condition.listId] === 'active' && !facts.restricted;
        case 'restricted':
          return facts.restricted;
        case 'tracking_objected':
          return objected(facts, condition.listId);
      }
      break;
    case 'event': {
      const since = condition.withinDays
        ? now.getTime() - condition.withinDays * 86_400_000
        : -Infinity;
      const happened = facts.events.some(
        (e) => e.name === condition.name && e.at.getTime() >= since,
      );
      return happened === (condition.happened ?? true);
    }
    case 'all':
      return condition.conditions.every((c) => meets(c, facts, now));
    case 'any':
      return condition.conditions.some((c) => meets(c, facts, now));
    case 'not':
      return !meets(condition.condition, facts, now);
  }
  return false;
}

const objected = (facts: ContactFacts, listId: string | undefined) =>
  facts.trackingObjection.includes('*') ||
  (listId !== undefined && facts.trackingObjection.includes(listId));

/**
 * Why a step that reaches the contact may not run now (undefined: it may). Sends need an
 * active membership of the automation's list and no restriction; webhooks and field updates
 * also no tracking objection; a rights-request automation (no list) checks the rest.
 */
export function consentRefusal(
  definition: AutomationDefinition,
  facts: ContactFacts,
  step: 'send' | 'profile',
): string | undefined {
  const listId = consentListOf(definition);
  if (facts.restricted) return 'restricted';
  if (listId !== undefined && facts.lists[listId] !== 'active') return 'not_subscribed';
  if (step === 'profile' && objected(facts, listId)) return 'tracking_objection';
  return undefined;
}

/**
 * The goal node a contact meets now, if any: the run jumps there wherever it is. A goal the
 * run reached already (`reached`) or stands on is not met again, or a run that goes on after
 * its goal would jump back to it at every step.
 */
export function goalMet(
  definition: AutomationDefinition,
  facts: ContactFacts,
  now: Date,
  at: string,
  reached: ReadonlySet<string> = new Set(),
): Extract<AutomationNode, { type: 'goal' }> | undefined {
  for (const node of definition.nodes)
    if (
      node.type === 'goal' &&
      node.id !== at &&
      !reached.has(node.id) &&
      meets(node.condition, facts, now)
    )
      return node;
  return undefined;
}

/** The branch of a random split a run takes: the same every time for the same run and node. */
export function splitIndex(weights: number[], runId: string, nodeId: string): number {
  const total = weights.reduce((a, b) => a + b, 0);
  const hash = createHash('sha256').update(`${runId}/${nodeId}`).digest();
  let point = hash.readUInt32BE(0) % total;
  for (let i = 0; i < weights.length; i++) {
    if (point < weights[i]!) return i;
    point -= weights[i]!;
  }
  return weights.length - 1;
}

/** How long a duration lasts; in a test run, as many seconds as it names units. */
const lengthOf = (d: Duration, ctx: StepContext) =>
  ctx.test ? d.amount * 1000 : durationMs(d.amount, d.unit);

/** Decides the step at `nodeId` for the contact at `now`. */
export function planStep(
  definition: AutomationDefinition,
  nodeId: string,
  facts: ContactFacts,
  now: Date,
  ctx: StepContext,
): Plan {
  const node = nodeById(definition, nodeId);
  const zone = zoneOf(definition, facts);
  const later = (ms: number) => new Date(now.getTime() + ms);
  switch (node.type) {
    case 'end':
      return { kind: 'end' };
    case 'goal':
      return node.next === undefined
        ? { kind: 'end', reason: `goal:${node.id}` }
        : { kind: 'go', next: node.next, outcome: 'done' };
    case 'delay': {
      const { wait } = node;
      if (wait.kind === 'duration')
        return { kind: 'sleep', until: later(lengthOf(wait, ctx)), next: node.next };
      if (ctx.test) return { kind: 'sleep', until: later(1000), next: node.next };
      if (wait.kind === 'local_time')
        return { kind: 'sleep', until: nextLocalTime(now, wait, zone), next: node.next };
      const value = fieldValue(facts, wait.field);
      const until = value
        ? nextDateOccurrence(now, value, { ...wait, zone, yearly: wait.yearly ?? false })
        : null;
      return until
        ? { kind: 'sleep', until, next: node.next }
        : { kind: 'go', next: node.next, outcome: 'skipped', detail: 'date_missing_or_past' };
    }
    case 'wait_for_event':
      return {
        kind: 'await',
        event: node.event,
        until: later(lengthOf(node.timeout, ctx)),
        onEvent: node.onEvent,
        onTimeout: node.onTimeout,
      };
    case 'condition': {
      const yes = meets(node.condition, facts, now);
      return {
        kind: 'go',
        next: yes ? node.yes : node.no,
        outcome: 'done',
        detail: yes ? 'yes' : 'no',
      };
    }
    case 'random_split': {
      const i = splitIndex(
        node.branches.map((b) => b.weight),
        ctx.runId,
        node.id,
      );
      return { kind: 'go', next: node.branches[i]!.next, outcome: 'done', detail: String(i) };
    }
    case 'send_email': {
      const refused = consentRefusal(definition, facts, 'send');
      if (refused) return { kind: 'go', next: node.next, outcome: 'skipped', detail: refused };
      const { quietHours, frequencyCap } = definition.settings ?? {};
      if (quietHours && !ctx.test) {
        const after = afterQuietHours(now, quietHours, zone);
        if (after.getTime() > now.getTime())
          return { kind: 'sleep', until: after, next: node.id, detail: 'quiet_hours' };
      }
      if (frequencyCap && facts.sendsInCapWindow >= frequencyCap.max)
        return { kind: 'go', next: node.next, outcome: 'skipped', detail: 'frequency_cap' };
      return { kind: 'go', next: node.next, outcome: 'done', effect: { type: 'send', node } };
    }
    case 'update_field':
    case 'webhook': {
      const refused = consentRefusal(definition, facts, 'profile');
      if (refused) return { kind: 'go', next: node.next, outcome: 'skipped', detail: refused };
      const effect: Effect =
        node.type === 'webhook'
          ? { type: 'webhook', name: node.name }
          : { type: 'update_field', field: node.field, value: node.value };
      return { kind: 'go', next: node.next, outcome: 'done', effect };
    }
    case 'list_add':
      if (facts.restricted)
        return { kind: 'go', next: node.next, outcome: 'skipped', detail: 'restricted' };
      return {
        kind: 'go',
        next: node.next,
        outcome: 'done',
        effect: { type: 'list_add', listId: node.listId },
      };
    case 'list_remove':
      return {
        kind: 'go',
        next: node.next,
        outcome: 'done',
        effect: { type: 'list_remove', listId: node.listId },
      };
    case 'notify':
      return {
        kind: 'go',
        next: node.next,
        outcome: 'done',
        effect: { type: 'notify', message: node.message },
      };
    case 'send_template':
      // Checked definitions hold send_email steps only (src/automations/templates.ts).
      throw new TypeError(`step ${node.id}: a template step that was never resolved`);
  }
}

/**
 * The key a wait listens for; the senders of events (src/automations/events.ts) build the
 * same keys: `custom:<name>`, `confirmation:<listId>`, `field:<field>`, and for a tracked
 * mail of this automation `open:<send node>`, `click:<send node>`.
 */
export function awaitedKey(awaited: AwaitedEvent): string {
  switch (awaited.kind) {
    case 'custom':
      return `custom:${awaited.name}`;
    case 'confirmation':
      return `confirmation:${awaited.listId}`;
    case 'field_change':
      return `field:${awaited.field}`;
    case 'open':
      return `open:${awaited.node}`;
    case 'click':
      return `click:${awaited.node}`;
  }
}
