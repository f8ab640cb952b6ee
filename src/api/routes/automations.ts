/**
 * Automations for the tenant's marketers and integrators (feature `automations.design`): the
 * JSON Schema of a definition, create with a draft, edit the draft, publish it, pause, resume,
 * archive, read it with per-node statistics and who waits where, start a run for a contact,
 * test the draft on one contact, and simulate the path a contact would take. Custom events for
 * a contact (`POST /api/v1/events`, feature `contacts.edit`) feed entries and waits.
 *
 * A caller limited to some lists sees and designs only automations whose lists are all theirs.
 */
import type { LinkChecker } from '../../campaigns/link-check';
import { z } from 'zod';
import { canSeeContact } from '../../auth/principal';
import {
  automationDefinitionSchema,
  type AutomationDefinition,
} from '../../domain/automation-definition';
import { isTimedEntry } from '../../automations/timed-entries';
import { enterContact, startTestRun } from '../../automations/enter';
import { readContact } from '../../automations/facts';
import { simulate } from '../../automations/simulate';
import { automationStats, contactsAt } from '../../automations/stats';
import {
  createAutomation,
  findAutomation,
  publish,
  publishedDefinition,
  saveDraft,
  setStatus,
  validateForTenant,
} from '../../automations/store';
import { postContactEvent } from '../../automations/events';
import { recipesFor } from '../../automations/recipes';
import { listIdParams } from '../schemas/list-id';
import type { AutomationTriggers } from '../../automations/triggers';
import type { AutomationActor, AutomationDocument } from '../../db/models/automation';
import { conflict, notFound } from '../../errors';
import type { WorkflowGateway } from '../../temporal/workflows';
import { automationControlSignal } from '../../../workflows/definitions';
import { assertVisibleList, tenantOf } from '../middleware/tenant-auth';
import { defineRoute } from '../route';
import type { Response } from 'express';

/** What the automation routes need. */
export interface AutomationRouteDeps {
  workflows: WorkflowGateway;
  automations: AutomationTriggers;
  /** Checks the links of the mails before a version is published. */
  linkChecker: Pick<LinkChecker, 'check'>;
}

const idParams = z.strictObject({
  id: z.string().regex(/^a[0-9a-f]{24}$/, 'not an automation id'),
});
const contactBody = z.strictObject({
  contactId: z.string().regex(/^c[0-9a-f]{24}$/, 'not a contact id'),
});
/** A definition as received: checked by the definition's own schema, every problem answered. */
const definitionInput = z.record(z.string(), z.unknown()).meta({
  description: 'an automation definition (`GET /api/v1/automations/schema`)',
});

const statsSchema = z.record(
  z.string(),
  z.strictObject({
    entered: z.number(),
    waiting: z.number(),
    completed: z.number(),
    failed: z.number(),
    skipped: z.number(),
    branches: z.record(z.string(), z.number()),
  }),
);
const automationSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(['draft', 'active', 'paused', 'archived']),
  publishedVersion: z.number().nullable(),
  draft: z.unknown(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const automationWithStats = automationSchema.extend({
  stats: statsSchema,
  runs: z.strictObject({
    total: z.number(),
    active: z.number(),
    completed: z.number(),
    exited: z.number(),
    failed: z.number(),
  }),
});
const runStarted = z.strictObject({ runId: z.string(), workflowId: z.string() });

const common = { tag: 'automations', auth: 'tenant', feature: 'automations.design' } as const;

const present = (doc: AutomationDocument) => ({
  id: doc._id,
  name: doc.name,
  status: doc.status,
  publishedVersion: doc.publishedVersion ?? null,
  draft: doc.draft,
  createdAt: doc.createdAt.toISOString(),
  updatedAt: doc.updatedAt.toISOString(),
});

const actorOf = (res: Response): AutomationActor => {
  const { principal } = tenantOf(res);
  return { kind: principal.kind, id: principal.id };
};
const scopeOf = (res: Response) => tenantOf(res).principal.permissions.lists;

/** The contact, if the caller may see it (404 alike otherwise). */
async function visibleContact(res: Response, contactId: string) {
  const { tenant, principal } = tenantOf(res);
  const contact = await tenant.models.Contact.findById(contactId, { lists: 1 }).lean();
  if (!contact || !canSeeContact(principal.permissions, Object.keys(contact.lists ?? {})))
    throw notFound('contact');
  return contact;
}

/** The automation routes. */
export function automationRoutes(deps: AutomationRouteDeps) {
  const changeStatus = (action: 'pause' | 'resume' | 'archive') =>
    defineRoute({
      ...common,
      method: 'post',
      path: `/api/v1/automations/:id/${action}`,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} an automation`,
      description: {
        pause:
          'No contact enters while paused; contacts inside are held at their next step until it is resumed.',
        resume: 'Contacts enter again, and the held ones go on from where they were.',
        archive:
          'Ends every run (recorded as exited, `archived`); an archived automation is read only.',
      }[action],
      request: { params: idParams },
      responses: { 200: { description: 'the automation', schema: automationSchema } },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        const automation = await findAutomation(tenant, params.id, scopeOf(res));
        if (action === 'resume' && automation.status !== 'paused')
          throw conflict('not_paused', 'the automation is not paused');
        if (action === 'pause' && automation.status !== 'active')
          throw conflict('not_active', 'only an active automation can be paused');
        const status = ({ pause: 'paused', resume: 'active', archive: 'archived' } as const)[
          action
        ];
        await setStatus(tenant, automation, status, actorOf(res));
        deps.automations.forget(tenant.tenantId);
        if (action !== 'pause')
          await deps.workflows.signalAutomationRuns(
            tenant.tenantId,
            automation._id,
            automationControlSignal,
            { action: action === 'resume' ? 'resume' : 'archive' },
          );
        res.json(present({ ...automation, status }));
      },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/automations/schema',
      tag: 'automations',
      auth: 'tenant',
      feature: 'automations.design',
      summary: 'The JSON Schema of an automation definition',
      description: 'The schema the api and the worker validate definitions with.',
      responses: {
        200: {
          description: 'a JSON Schema (draft 2020-12)',
          schema: z.record(z.string(), z.unknown()),
        },
      },
      handler(_input, _req, res) {
        res.json(z.toJSONSchema(automationDefinitionSchema, { unrepresentable: 'any' }));
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/automations/recipes',
      summary: 'Ready definitions to start from',
      description:
        'A welcome series, a consent-expiry reminder in your own words, a re-permission of the inactive and a birthday mail, each for the list named; create one as a draft, reword it, publish it.',
      request: { query: listIdParams },
      responses: {
        200: {
          description: 'the recipes',
          schema: z.array(
            z.strictObject({
              id: z.string(),
              name: z.string(),
              description: z.string(),
              definition: z.record(z.string(), z.unknown()),
            }),
          ),
        },
      },
      async handler({ query }, _req, res) {
        await assertVisibleList(res, query.listId);
        res.json(recipesFor(query.listId));
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/automations',
      summary: 'List automations',
      description: 'Every automation the caller may design, newest first.',
      responses: { 200: { description: 'the automations', schema: z.array(automationSchema) } },
      async handler(_input, _req, res) {
        const { tenant } = tenantOf(res);
        const docs = await tenant.models.Automation.find()
          .sort({ createdAt: -1 })
          .limit(500)
          .lean<AutomationDocument[]>();
        const lists = scopeOf(res);
        const visible = [];
        for (const doc of docs) {
          try {
            visible.push(present(await findAutomation(tenant, doc._id, lists)));
          } catch {
            // Outside the caller's lists: not shown.
          }
        }
        res.json(visible);
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/automations',
      summary: 'Create an automation',
      description:
        "The definition is validated in full: 400 `invalid_definition` lists every problem with its node and field (`error.problems`). Every list it names must be one of the caller's.",
      request: {
        body: z.strictObject({
          name: z.string().trim().min(1).max(200),
          definition: definitionInput,
        }),
      },
      responses: { 201: { description: 'created as a draft', schema: automationSchema } },
      async handler({ body }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await createAutomation(tenant, body, scopeOf(res), actorOf(res));
        res.status(201).json(present(doc));
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/automations/:id',
      summary: 'Read an automation with its statistics',
      description:
        'Per node: contacts that entered it, are waiting at it, went on, failed there, were skipped by it (consent, frequency cap…) and the branches taken. Test runs are not counted.',
      request: { params: idParams },
      responses: { 200: { description: 'the automation', schema: automationWithStats } },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findAutomation(tenant, params.id, scopeOf(res));
        const { nodes, runs } = await automationStats(tenant, doc._id);
        res.json({ ...present(doc), stats: nodes, runs });
      },
    }),

    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/automations/:id/draft',
      summary: 'Replace the draft',
      description: 'Validated like a create. Contacts inside go on with the version they entered.',
      request: { params: idParams, body: z.strictObject({ definition: definitionInput }) },
      responses: { 200: { description: 'the automation', schema: automationSchema } },
      async handler({ params, body }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findAutomation(tenant, params.id, scopeOf(res));
        res.json(
          present(await saveDraft(tenant, doc, body.definition, scopeOf(res), actorOf(res))),
        );
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/automations/:id/publish',
      summary: 'Publish the draft',
      description:
        'The draft becomes the next immutable version, which contacts entering from now on follow; contacts already inside keep theirs. A draft automation becomes active (a paused one stays paused). Every link of its mails is checked first, as a campaign’s before a send: 422 `links_blocked` names each blocked link with its step.',
      request: { params: idParams },
      responses: {
        200: {
          description: 'the version published',
          schema: z.strictObject({ version: z.number() }),
        },
      },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findAutomation(tenant, params.id, scopeOf(res));
        const version = await publish(tenant, doc, scopeOf(res), actorOf(res), deps.linkChecker);
        deps.automations.forget(tenant.tenantId);
        // Entries no event announces are found by the tenant's daily sweep.
        if (isTimedEntry((doc.draft as AutomationDefinition).entry))
          await deps.workflows.ensureSchedule(
            'automationSweep',
            { tenantId: tenant.tenantId },
            '1 day',
          );
        res.json({ version });
      },
    }),

    changeStatus('pause'),
    changeStatus('resume'),
    changeStatus('archive'),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/automations/:id/runs',
      summary: 'Start a run for a contact',
      description:
        'Enters the contact into the published version now, whatever the entry, by the re-entry rule (409 `not_entered` with the reason otherwise). Consent is checked at every step as for any run.',
      request: { params: idParams, body: contactBody },
      responses: { 202: { description: 'the run started', schema: runStarted } },
      async handler({ params, body }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findAutomation(tenant, params.id, scopeOf(res));
        await visibleContact(res, body.contactId);
        if (doc.status !== 'active' || doc.publishedVersion === undefined)
          throw conflict('not_active', 'the automation is not active');
        const definition = await publishedDefinition(tenant, doc._id, doc.publishedVersion);
        if (!definition) throw notFound('automation');
        const outcome = await enterContact(
          deps,
          tenant,
          { id: doc._id, version: doc.publishedVersion, definition },
          body.contactId,
        );
        if (!outcome.entered)
          throw conflict('not_entered', `the contact did not enter: ${outcome.reason}`);
        res.status(202).json({ runId: outcome.runId, workflowId: outcome.workflowId });
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/automations/:id/test',
      summary: 'Test the draft on one contact',
      description:
        "Runs the draft (validated first) for one contact with every delay and wait lasting as many seconds as it names units and no quiet hours; its mail goes where the contact's goes (the sink in development). Not counted in the statistics.",
      request: { params: idParams, body: contactBody },
      responses: { 202: { description: 'the test run started', schema: runStarted } },
      async handler({ params, body }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findAutomation(tenant, params.id, scopeOf(res));
        await visibleContact(res, body.contactId);
        const definition = await validateForTenant(tenant, doc.draft, scopeOf(res));
        res.status(202).json(await startTestRun(deps, tenant, doc._id, definition, body.contactId));
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/automations/:id/simulate',
      summary: 'Simulate the draft for one contact',
      description:
        'The path the contact would take through the draft and when each step would run, from the contact as it is now; nothing is sent or changed. A wait for an event is shown taking its timeout branch.',
      request: { params: idParams, body: contactBody },
      responses: {
        200: {
          description: 'the steps, in order',
          schema: z.strictObject({
            steps: z.array(
              z.strictObject({
                node: z.string(),
                at: z.string(),
                action: z.string(),
                detail: z.string().optional(),
              }),
            ),
          }),
        },
      },
      async handler({ params, body }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findAutomation(tenant, params.id, scopeOf(res));
        await visibleContact(res, body.contactId);
        const definition = await validateForTenant(tenant, doc.draft, scopeOf(res));
        const now = new Date();
        const contact = await readContact(tenant, body.contactId, now);
        if (!contact) throw notFound('contact');
        res.json({
          steps: simulate(definition, contact.facts, now, `${doc._id}:${body.contactId}:sim`),
        });
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/automations/:id/nodes/:node/contacts',
      summary: 'Contacts at a node',
      description:
        'Contacts whose run is at the node now (opaque ids, at most 500), with since when and until when they wait.',
      request: {
        params: idParams.extend({
          node: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'not a node id'),
        }),
      },
      responses: {
        200: {
          description: 'the contacts',
          schema: z.array(
            z.strictObject({
              contactId: z.string(),
              runId: z.string(),
              since: z.string(),
              until: z.string().optional(),
            }),
          ),
        },
      },
      async handler({ params }, _req, res) {
        const { tenant } = tenantOf(res);
        const doc = await findAutomation(tenant, params.id, scopeOf(res));
        const found = await contactsAt(tenant, doc._id, params.node, 500);
        res.json(
          found.map((r) => ({
            contactId: r.contactId,
            runId: r.runId,
            since: r.since.toISOString(),
            ...(r.until ? { until: r.until.toISOString() } : {}),
          })),
        );
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/events',
      tag: 'automations',
      auth: 'tenant',
      feature: 'contacts.edit',
      summary: 'Post a custom event for a contact',
      description:
        "Delivered to automations that start on it and to runs that wait for it or exit on it. Properties are accepted for integrators' convenience and not stored. An unknown contact (or one outside the caller's lists) answers 202 like a known one and changes nothing.",
      request: {
        body: z.strictObject({
          contactId: z.string().regex(/^c[0-9a-f]{24}$/, 'not a contact id'),
          name: z
            .string()
            .regex(
              /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/,
              'an event name is a letter then letters, digits, _ . : -',
            ),
          properties: z
            .record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean()]))
            .optional(),
        }),
      },
      responses: {
        202: { description: 'accepted', schema: z.strictObject({ accepted: z.literal(true) }) },
      },
      async handler({ body }, _req, res) {
        const { tenant, principal } = tenantOf(res);
        await postContactEvent(deps, tenant, principal.permissions, body.contactId, body.name);
        res.status(202).json({ accepted: true });
      },
    }),
  ];
}
