/**
 * A contact entering an automation: the re-entry rule decides whether it may (never again,
 * once its last run ended, or after an interval), the entry record claims the run's number
 * (a conditional write, so two triggers at once start one run), the run's record is written
 * and its workflow started. Started again after a crash between the two, the same run is
 * started (its id is fixed by the number), never a second one.
 *
 * A test run of the draft skips the entry record: it is numbered by its time, keeps the
 * draft in its record and compresses its delays.
 */
import type { AutomationDefinition } from '../domain/automation-definition';
import type { AutomationEntryDocument } from '../db/models/automation';
import type { TenantScope } from '../db/tenant-access';
import { durationMs } from './timing';
import type { WorkflowGateway } from '../temporal/workflows';
import { startedWorkflowId } from '../temporal/workflows';

/** What entering needs. */
export interface EnterDeps {
  workflows: Pick<WorkflowGateway, 'startOnce'>;
}

/** A run started, or why none was. */
export type EnterOutcome =
  | { entered: true; runId: string; workflowId: string }
  | {
      entered: false;
      reason: 'already_inside' | 'reentry_not_allowed' | 'too_soon' | 'concurrent_entry';
    };

/** The record ids of a contact's runs. */
export const entryIdOf = (automationId: string, contactId: string) =>
  `${automationId}:${contactId}`;
export const runIdOf = (automationId: string, contactId: string, run: string) =>
  `${automationId}:${contactId}:${run}`;

/** Enters the contact into the published `version` of the automation, if the rules allow. */
export async function enterContact(
  deps: EnterDeps,
  tenant: TenantScope,
  automation: { id: string; version: number; definition: AutomationDefinition },
  contactId: string,
  now = new Date(),
): Promise<EnterOutcome> {
  const { AutomationEntry } = tenant.models;
  const entryId = entryIdOf(automation.id, contactId);
  const before = await AutomationEntry.findById(entryId).lean<AutomationEntryDocument>();
  if (before?.active) {
    // Inside already; its workflow may not have started if the trigger died after the claim.
    await startRun(deps, tenant, automation, contactId, String(before.runs));
    return { entered: false, reason: 'already_inside' };
  }
  if (before) {
    const rule = automation.definition.settings?.reentry ?? { mode: 'never' };
    if (rule.mode === 'never') return { entered: false, reason: 'reentry_not_allowed' };
    if (
      rule.mode === 'interval' &&
      before.lastEnteredAt.getTime() + durationMs(rule.interval.amount, rule.interval.unit) >
        now.getTime()
    )
      return { entered: false, reason: 'too_soon' };
  }
  const runs = (before?.runs ?? 0) + 1;
  const claimed = before
    ? (
        await AutomationEntry.updateOne(
          { _id: entryId, runs: before.runs, active: false },
          { $set: { runs, active: true, lastEnteredAt: now } },
        )
      ).modifiedCount === 1
    : await AutomationEntry.create({ _id: entryId, runs, active: true, lastEnteredAt: now }).then(
        () => true,
        (err: { code?: number }) => {
          if (err.code === 11000) return false;
          throw err;
        },
      );
  if (!claimed) return { entered: false, reason: 'concurrent_entry' };
  await writeRun(tenant, automation, contactId, String(runs), now);
  const workflowId = await startRun(deps, tenant, automation, contactId, String(runs));
  return { entered: true, runId: runIdOf(automation.id, contactId, String(runs)), workflowId };
}

/** Starts a test run of a draft for one contact (delays compressed); its ids. */
export async function startTestRun(
  deps: EnterDeps,
  tenant: TenantScope,
  automationId: string,
  definition: AutomationDefinition,
  contactId: string,
  now = new Date(),
): Promise<{ runId: string; workflowId: string }> {
  const run = `t${now.getTime()}`;
  const automation = { id: automationId, version: 0, definition };
  await writeRun(tenant, automation, contactId, run, now, true);
  const workflowId = await startRun(deps, tenant, automation, contactId, run);
  return { runId: runIdOf(automationId, contactId, run), workflowId };
}

/** Writes a run's record (once: a repeated write finds it). */
async function writeRun(
  tenant: TenantScope,
  automation: { id: string; version: number; definition: AutomationDefinition },
  contactId: string,
  run: string,
  now: Date,
  test = false,
): Promise<void> {
  await tenant.models.AutomationRun.create({
    _id: runIdOf(automation.id, contactId, run),
    automationId: automation.id,
    contactId,
    version: automation.version,
    ...(test ? { test: { definition: automation.definition } } : {}),
    status: 'running',
    node: automation.definition.entry.next,
    enteredAt: now,
    path: [],
  }).catch((err: { code?: number }) => {
    if (err.code !== 11000) throw err;
  });
}

/** What a run of this version starts with (node ids and event names only). */
export const runStartOf = (definition: AutomationDefinition) => ({
  node: definition.entry.next,
  exitOn: definition.settings?.exitOn ?? [],
  goals: definition.nodes.some((n) => n.type === 'goal'),
});

/** Starts the run's workflow unless it was started before; its id. */
async function startRun(
  deps: EnterDeps,
  tenant: TenantScope,
  automation: { id: string; version: number; definition: AutomationDefinition },
  contactId: string,
  run: string,
): Promise<string> {
  const automationId = automation.id;
  const record = await tenant.models.AutomationRun.findById(runIdOf(automationId, contactId, run), {
    version: 1,
  }).lean();
  const input = {
    tenantId: tenant.tenantId,
    automationId,
    contactId,
    run,
    version: record?.version ?? 0,
    // A record an earlier attempt wrote for another version starts by reading its own.
    ...(record?.version === automation.version ? { start: runStartOf(automation.definition) } : {}),
  };
  // No record: the claim's writer died before writing it, and its run cannot be interpreted.
  if (record) await deps.workflows.startOnce('automationRun', input);
  return startedWorkflowId('automationRun', input);
}
