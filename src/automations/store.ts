/**
 * Automations as the tenant's staff design them: create with a draft, edit the draft, publish
 * it as a new immutable version, pause, resume, archive. Published versions are read through
 * a cache (they never change), so a run's every step does not read its definition again.
 *
 * A draft is validated in full whenever it is saved and again when it is published (the
 * schema and graph of src/domain/automation-definition.ts, then what needs the tenant: every
 * list exists and is the caller's, the time zone is one), and every problem is answered with
 * its node, so a designer can point at each.
 */
import type { LinkChecker } from '../campaigns/link-check';
import { assertNoBlockedAutomationLinks, checkAutomationLinks } from './links';
import { resolveTemplateSteps } from './templates';
import type { ListScope } from '../auth/principal';
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  checkDefinition,
  listsOf,
  type AutomationDefinition,
  type DefinitionProblem,
} from '../domain/automation-definition';
import type {
  AutomationActor,
  AutomationDocument,
  AutomationStatus,
} from '../db/models/automation';
import type { TenantScope } from '../db/tenant-access';
import { AppError, conflict, notFound } from '../errors';
import { isValidTimeZone } from './timing';

/** A new automation's id: `a` + 24 hex digits. */
export const newAutomationId = () => `a${randomBytes(12).toString('hex')}`;

/** An automation id's format. */
export const automationIdPattern = /^a[0-9a-f]{24}$/;

/** A definition that may not be published: every problem, each with its node. */
export class DefinitionProblems extends AppError {
  constructor(readonly list: DefinitionProblem[]) {
    super(
      'invalid',
      'invalid_definition',
      `the definition has ${list.length} problem${list.length === 1 ? '' : 's'}: ${list
        .slice(0, 3)
        .map((p) => `${p.node}${p.field ? `.${p.field}` : ''}: ${p.message}`)
        .join('; ')}`,
      { problems: list },
    );
  }
}

/**
 * Checks a definition for publishing: schema and graph, then the tenant (every list exists and
 * is within `lists`, the time zone is an IANA zone). Throws DefinitionProblems.
 */
export async function validateForTenant(
  tenant: TenantScope,
  input: unknown,
  lists: ListScope,
): Promise<AutomationDefinition> {
  const checked = checkDefinition(input);
  if (!checked.ok) throw new DefinitionProblems(checked.problems);
  const { definition } = checked;
  const problems: DefinitionProblem[] = [];
  const named = listsOf(definition);
  const ids = [...new Set(named.map((n) => n.listId))];
  const existing = new Set(
    (await tenant.models.List.find({ _id: { $in: ids } }, { _id: 1 }).lean()).map((l) => l._id),
  );
  for (const { node, listId } of named) {
    if (!existing.has(listId) || (lists !== 'all' && !lists.includes(listId)))
      problems.push({ node, field: 'listId', message: `list ${listId} is not one of your lists` });
  }
  const zone = definition.settings?.timezone;
  if (zone !== undefined && !isValidTimeZone(zone))
    problems.push({ node: 'settings', field: 'timezone', message: 'not an IANA time zone' });
  const resolved = await resolveTemplateSteps(tenant, definition);
  problems.push(...resolved.problems);
  if (problems.length > 0) throw new DefinitionProblems(problems);
  return resolved.definition;
}

/** Problems of a draft (empty when it could be published as it is). */
export async function draftProblems(
  tenant: TenantScope,
  draft: unknown,
  lists: ListScope,
): Promise<DefinitionProblem[]> {
  try {
    await validateForTenant(tenant, draft, lists);
    return [];
  } catch (err) {
    if (err instanceof DefinitionProblems) return err.list;
    throw err;
  }
}

/** Creates an automation with a draft that must already be valid (the contract's 400). */
export async function createAutomation(
  tenant: TenantScope,
  input: { name: string; definition: unknown },
  lists: ListScope,
  by: AutomationActor,
): Promise<AutomationDocument> {
  await validateForTenant(tenant, input.definition, lists);
  const now = new Date();
  const doc: AutomationDocument = {
    _id: newAutomationId(),
    name: input.name,
    status: 'draft',
    draft: input.definition,
    createdAt: now,
    updatedAt: now,
    updatedBy: by,
  };
  await tenant.models.Automation.create(doc);
  return doc;
}

/** The automation, or 404 (also for one whose lists the caller may not see). */
export async function findAutomation(
  tenant: TenantScope,
  id: string,
  lists: ListScope,
): Promise<AutomationDocument> {
  const doc = automationIdPattern.test(id)
    ? await tenant.models.Automation.findById(id).lean<AutomationDocument>()
    : null;
  if (!doc || !withinLists(doc.draft, lists)) throw notFound('automation');
  return doc;
}

/** Whether every list a (possibly invalid) draft names is one the caller may use. */
function withinLists(draft: unknown, lists: ListScope): boolean {
  if (lists === 'all') return true;
  const checked = checkDefinition(draft);
  const named = checked.ok
    ? listsOf(checked.definition).map((n) => n.listId)
    : [(draft as { entry?: { listId?: unknown } })?.entry?.listId].filter(
        (l): l is string => typeof l === 'string',
      );
  return named.every((id) => lists.includes(id));
}

/** Replaces the draft (validated like a publish: the designer sees every problem). */
export async function saveDraft(
  tenant: TenantScope,
  automation: AutomationDocument,
  definition: unknown,
  lists: ListScope,
  by: AutomationActor,
): Promise<AutomationDocument> {
  if (automation.status === 'archived')
    throw conflict('automation_archived', 'the automation is archived');
  await validateForTenant(tenant, definition, lists);
  const updatedAt = new Date();
  await tenant.models.Automation.updateOne(
    { _id: automation._id },
    { $set: { draft: definition, updatedAt, updatedBy: by } },
  );
  return { ...automation, draft: definition, updatedAt, updatedBy: by };
}

/**
 * Publishes the draft as the next version; the automation is active from then on (a paused
 * one stays paused). Contacts already inside keep the version they entered with.
 */
export async function publish(
  tenant: TenantScope,
  automation: AutomationDocument,
  lists: ListScope,
  by: AutomationActor,
  /** Checks every link of its mails first (src/automations/links.ts): 422 for a blocked one. */
  linkChecker?: Pick<LinkChecker, 'check'>,
): Promise<number> {
  if (automation.status === 'archived')
    throw conflict('automation_archived', 'the automation is archived');
  const definition = await validateForTenant(tenant, automation.draft, lists);
  if (linkChecker)
    assertNoBlockedAutomationLinks(
      await checkAutomationLinks(linkChecker, definition, tenant.tenantId),
    );
  const version = (automation.publishedVersion ?? 0) + 1;
  const now = new Date();
  try {
    await tenant.models.AutomationVersion.create({
      _id: versionId(automation._id, version),
      automationId: automation._id,
      version,
      definition,
      publishedAt: now,
      publishedBy: by,
    });
  } catch (err) {
    if ((err as { code?: number }).code === 11000)
      throw conflict('publish_conflict', 'the automation was published meanwhile; try again');
    throw err;
  }
  const status: AutomationStatus = automation.status === 'paused' ? 'paused' : 'active';
  await tenant.models.Automation.updateOne(
    { _id: automation._id },
    { $set: { publishedVersion: version, status, updatedAt: now, updatedBy: by } },
  );
  return version;
}

/** Moves an automation to `status` (pause, resume, archive), refusing what makes no sense. */
export async function setStatus(
  tenant: TenantScope,
  automation: AutomationDocument,
  status: Exclude<AutomationStatus, 'draft'>,
  by: AutomationActor,
): Promise<void> {
  if (automation.status === 'archived')
    throw conflict('automation_archived', 'the automation is archived');
  if (status !== 'archived' && automation.publishedVersion === undefined)
    throw conflict('not_published', 'publish the automation first');
  await tenant.models.Automation.updateOne(
    { _id: automation._id },
    { $set: { status, updatedAt: new Date(), updatedBy: by } },
  );
}

/** The id of a published version's record. */
export const versionId = (automationId: string, version: number) => `${automationId}:v${version}`;

/** Published versions, cached: they never change. */
const versions = new LRUCache<string, AutomationDefinition>({ max: 2_000 });

/** A published version's definition, or null when it is not there. */
export async function publishedDefinition(
  tenant: TenantScope,
  automationId: string,
  version: number,
): Promise<AutomationDefinition | null> {
  const key = `${tenant.tenantId}/${versionId(automationId, version)}`;
  const cached = versions.get(key);
  if (cached) return cached;
  const doc = await tenant.models.AutomationVersion.findById(
    versionId(automationId, version),
  ).lean();
  if (!doc) return null;
  versions.set(key, doc.definition);
  return doc.definition;
}
