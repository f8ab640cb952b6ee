/**
 * The product's own events, turned into automation entries and into signals for the runs
 * waiting for them. Called where the event happens (a confirmation, an unsubscribe, a custom
 * event posted over the API, a field edit, a rights request) after it is stored; ids and
 * names only reach a workflow.
 *
 * The tenant's active automations are cached for a few seconds: a confirmation should not pay
 * a query of every automation, and a publish or pause is seen within that time.
 */
import { LRUCache } from 'lru-cache';
import type { AutomationDefinition, Entry } from '../domain/automation-definition';
import type { AutomationDocument, AutomationEntryDocument } from '../db/models/automation';
import type { TenantScope } from '../db/tenant-access';
import type { Logger } from '../logger';
import type { WorkflowGateway } from '../temporal/workflows';
import { automationEventSignal } from '../../workflows/definitions';
import { enterContact, entryIdOf } from './enter';
import { readContact } from './facts';
import { meets } from './interpreter';
import { publishedDefinition } from './store';

/** How long the list of a tenant's live automations is trusted. */
const LIVE_CACHE_MS = 5_000;

/** Something that happened to a contact. */
export type ContactEvent =
  | { type: 'list_confirmed'; listId: string }
  | { type: 'list_unsubscribed'; listId: string }
  | { type: 'custom_event'; name: string }
  | { type: 'rights_request'; requestType: string }
  | { type: 'fields_changed'; fields: string[] }
  /** A tracked mail of an automation's send step was opened or clicked (src/automations/tracking.ts). */
  | { type: 'email_opened' | 'email_clicked'; automationId: string; node: string };

/** What the triggers need. */
export interface AutomationTriggerDeps {
  workflows: Pick<WorkflowGateway, 'startOnce' | 'signal'>;
  /** Where a trigger that failed is told (ids only): the event itself is stored already. */
  logger: Pick<Logger, 'warn'>;
}

/** The triggers, built once per process (src/wiring). */
export type AutomationTriggers = ReturnType<typeof createAutomationTriggers>;

/** A published automation contacts may enter or be inside of. */
interface Live {
  id: string;
  status: 'active' | 'paused';
  version: number;
  definition: AutomationDefinition;
}

/**
 * The event of a rectification (an edit or a rights request): the fields changed, named as
 * conditions and waits name them (`firstName`, `lastName`, `custom.<name>`); null when none
 * of them can be listened for (the phone only).
 */
export function fieldsChangedEvent(changes: {
  firstName?: unknown;
  lastName?: unknown;
  fields?: Record<string, unknown>;
}): ContactEvent | null {
  const fields = [
    ...(['firstName', 'lastName'] as const).filter((f) => changes[f] !== undefined),
    ...Object.keys(changes.fields ?? {}).map((f) => `custom.${f}`),
  ];
  return fields.length > 0 ? { type: 'fields_changed', fields } : null;
}

/** The keys of an event that waits listen for (see `awaitedKey`). */
export function eventKeys(event: ContactEvent): string[] {
  switch (event.type) {
    case 'list_confirmed':
      return [`confirmation:${event.listId}`];
    case 'custom_event':
      return [`custom:${event.name}`];
    case 'fields_changed':
      return event.fields.map((f) => `field:${f}`);
    case 'email_opened':
      return [`open:${event.node}`];
    case 'email_clicked':
      return [`click:${event.node}`];
    default:
      return [];
  }
}

/** Whether an entry is one this event starts. */
function starts(entry: Entry, event: ContactEvent): boolean {
  switch (entry.type) {
    case 'list_confirmed':
    case 'list_unsubscribed':
      return event.type === entry.type && event.listId === entry.listId;
    case 'custom_event':
      return event.type === 'custom_event' && event.name === entry.name;
    case 'rights_request':
      return (
        event.type === 'rights_request' &&
        (entry.requestType === undefined || entry.requestType === event.requestType)
      );
    default:
      return false;
  }
}

/** Creates the triggers. */
export function createAutomationTriggers(deps: AutomationTriggerDeps) {
  const live = new LRUCache<string, Live[]>({ max: 1_000, ttl: LIVE_CACHE_MS });

  async function liveOf(tenant: TenantScope): Promise<Live[]> {
    const cached = live.get(tenant.tenantId);
    if (cached) return cached;
    const docs = await tenant.models.Automation.find(
      { status: { $in: ['active', 'paused'] } },
      { status: 1, publishedVersion: 1 },
    ).lean<Pick<AutomationDocument, '_id' | 'status' | 'publishedVersion'>[]>();
    const found: Live[] = [];
    for (const doc of docs) {
      if (doc.publishedVersion === undefined) continue;
      const definition = await publishedDefinition(tenant, doc._id, doc.publishedVersion);
      if (definition)
        found.push({
          id: doc._id,
          status: doc.status as Live['status'],
          version: doc.publishedVersion,
          definition,
        });
    }
    live.set(tenant.tenantId, found);
    return found;
  }

  return {
    /** Forgets the cached automations of a tenant (after a publish, pause or archive here). */
    forget: (tenantId: string) => void live.delete(tenantId),

    /**
     * Enters the contact into every active automation this event starts (whose filter it
     * meets) and tells the contact's running runs of it. It never fails its caller, whose
     * event is stored already: a failure is logged (ids only) and the rest still hear.
     */
    async contactEvent(tenant: TenantScope, contactId: string, event: ContactEvent): Promise<void> {
      try {
        await deliver(tenant, contactId, event);
      } catch (err) {
        deps.logger.warn(
          { tenantId: tenant.tenantId, contactId, event: event.type, err: errorName(err) },
          'automation trigger failed',
        );
      }
    },
  };

  async function deliver(tenant: TenantScope, contactId: string, event: ContactEvent) {
    const automations = await liveOf(tenant);
    if (automations.length === 0) return;
    const now = new Date();
    const entering = automations.filter(
      (a) => a.status === 'active' && starts(a.definition.entry, event),
    );
    if (entering.length > 0) {
      const contact = await readContact(tenant, contactId, now);
      if (contact)
        for (const automation of entering) {
          const { filter } = automation.definition.entry;
          if (filter && !meets(filter, contact.facts, now)) continue;
          await enterContact(deps, tenant, automation, contactId, now);
        }
    }
    const keys = eventKeys(event);
    if (keys.length === 0) return;
    // A mail's open or click is its own automation's to hear (node ids repeat across them).
    const listening =
      'automationId' in event
        ? automations.filter((a) => a.id === event.automationId)
        : automations;
    const inside = await tenant.models.AutomationEntry.find(
      { _id: { $in: listening.map((a) => entryIdOf(a.id, contactId)) }, active: true },
      { runs: 1 },
    ).lean<Pick<AutomationEntryDocument, '_id' | 'runs'>[]>();
    for (const entry of inside)
      await deps.workflows.signal(
        'automationRun',
        tenant.tenantId,
        `${entry._id}:${entry.runs}`,
        automationEventSignal,
        { keys },
      );
  }
}

/** An error's kind only: a message may quote what the event carried. */
const errorName = (err: unknown) => (err instanceof Error ? err.name : typeof err);
