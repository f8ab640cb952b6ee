/**
 * The daily sweep of a tenant's time-based automation entries (workflows/automation-sweep.ts):
 * for each active automation entered by consent expiring, inactivity or a date field, the
 * members of its list that are due (src/automations/timed-entries.ts) and meet its filter
 * enter, by the automation's re-entry rule. Restricted members are not visited.
 */
import { enterContact } from '../src/automations/enter';
import { readContact } from '../src/automations/facts';
import { meets, zoneFor } from '../src/automations/interpreter';
import { publishedDefinition } from '../src/automations/store';
import { isTimedEntry, timedEntryDue } from '../src/automations/timed-entries';
import type { ContactDetails } from '../src/db/models/contact';
import type { AutomationDocument } from '../src/db/models/automation';
import type { TenantAccess } from '../src/db/tenant-access';
import type { WorkflowGateway } from '../src/temporal/workflows';
import type { AutomationSweepInput, AutomationSweepResult } from '../workflows/definitions';
import { sweepActiveMembers } from './member-sweep';

/** What the sweep needs. */
export interface AutomationSweepDeps {
  tenants: TenantAccess;
  workflows: WorkflowGateway;
}

/** Creates the sweep's activity. */
export function createAutomationSweepActivities({ tenants, workflows }: AutomationSweepDeps) {
  return {
    /** Enters the due members of every timed automation of the tenant. */
    async sweepTimedEntries({ tenantId }: AutomationSweepInput): Promise<AutomationSweepResult> {
      const tenant = await tenants.forTenant(tenantId);
      const result: AutomationSweepResult = { automations: 0, visited: 0, entered: 0 };
      const active = await tenant.models.Automation.find(
        { status: 'active' },
        { publishedVersion: 1 },
      ).lean<Pick<AutomationDocument, '_id' | 'publishedVersion'>[]>();
      for (const doc of active) {
        const version = doc.publishedVersion!;
        const definition = await publishedDefinition(tenant, doc._id, version);
        if (!definition || !isTimedEntry(definition.entry)) continue;
        const { entry } = definition;
        result.automations += 1;
        const list = await tenant.models.List.findById(entry.listId, { consentPolicy: 1 }).lean();
        const validityDays = (list?.consentPolicy as { validityDays?: number } | undefined)
          ?.validityDays;
        const now = new Date();
        await sweepActiveMembers(
          tenant,
          entry.listId,
          { lists: 1, lastActivityAt: 1, details: 1 },
          async (contact) => {
            result.visited += 1;
            const details = (contact.details ?? {}) as ContactDetails;
            const dateValue =
              entry.type === 'date_field'
                ? entry.field.startsWith('custom.')
                  ? details.custom?.[entry.field.slice('custom.'.length)]
                  : details[entry.field as 'firstName' | 'lastName']
                : undefined;
            const zone = zoneFor(definition, details.custom?.timezone);
            const member = {
              membership: contact.lists[entry.listId]!,
              lastActivityAt: contact.lastActivityAt,
              dateValue,
              zone,
            };
            if (!timedEntryDue(entry, member, now, validityDays)) return;
            if (entry.filter) {
              const facts = await readContact(tenant, contact._id, now);
              if (!facts || !meets(entry.filter, facts.facts, now)) return;
            }
            const outcome = await enterContact(
              { workflows },
              tenant,
              { id: doc._id, version, definition },
              contact._id,
              now,
            );
            if (outcome.entered) result.entered += 1;
          },
        );
      }
      return result;
    },
  };
}
