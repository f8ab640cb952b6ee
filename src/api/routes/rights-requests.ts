/**
 * Rights requests for the tenant's staff and integrators (feature `rights.manage`): receive a
 * request for a subject (by email or contact id), read and list requests by status, type and
 * due date, verify the subject's identity, extend the deadline, download an access archive
 * and the PII-free evidence of what was done. The procedure itself runs in the request's
 * workflow (workflows/rights-request.ts).
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { rightsRequestTypes, type RightsActor } from '../../db/models/rights-request';
import { uneditableFields } from '../../auth/field-masking';
import { canSeeContact, fieldAccess } from '../../auth/principal';
import { forbidden, notFound } from '../../errors';
import { readArchive } from '../../rights/archive';
import { rectificationSchema, rectifiedFields } from '../../rights/rectification';
import {
  extendRightsRequest,
  findRequest,
  presentRequest,
  receiveRightsRequest,
  shownStatus,
  verifyRightsRequest,
  type RightsRequestDeps,
} from '../../rights/requests';
import { tenantOf } from '../middleware/tenant-auth';
import { recordAccess } from '../record-access';
import { defineRoute } from '../route';
import type { Response } from 'express';
import { emailAddress } from '../schemas/email';

const requestId = z.strictObject({
  id: z.string().regex(/^r[0-9a-f]{24}$/, 'not a rights request id'),
});
const statuses = ['verifying', 'in_progress', 'completed', 'rejected', 'overdue'] as const;

const requestSchema = z.strictObject({
  id: z.string(),
  workflowId: z.string(),
  type: z.enum(rightsRequestTypes),
  status: z.enum(statuses),
  receivedAt: z.string(),
  dueAt: z.string(),
  extendedMonths: z.number(),
  verifiedAt: z.string().optional(),
  completedAt: z.string().optional(),
  result: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  archiveExpiresAt: z.string().optional(),
});

const evidenceSchema = z.strictObject({
  id: z.string(),
  type: z.enum(rightsRequestTypes),
  status: z.enum(statuses),
  receivedAt: z.string(),
  dueAt: z.string(),
  completedAt: z.string().optional(),
  steps: z.array(
    z.strictObject({
      at: z.string(),
      action: z.string(),
      byKind: z.string(),
      byId: z.string().optional(),
      details: z.string().optional(),
    }),
  ),
});

/**
 * Rights requests concern a data subject wherever the tenant holds them, and an archive holds
 * every field unmasked: only a caller who sees every list and every field handles them.
 */
function assertWholeTenant(res: Response): void {
  const { permissions } = tenantOf(res).principal;
  const fields = Object.values(permissions.fields);
  if (
    permissions.lists !== 'all' ||
    fieldAccess(permissions, '*') === 'none' ||
    fields.includes('none')
  )
    throw forbidden(
      'rights_scope',
      'rights requests need access to every list and every field (lists: all, no field masked)',
    );
}

/** Who the caller is, as a request's evidence records it. */
const actorOf = (res: Response): RightsActor => {
  const { principal } = tenantOf(res);
  return { kind: principal.kind, id: principal.id };
};

/** The rights request routes. */
export const rightsRequestRoutes = (deps: RightsRequestDeps) => [
  defineRoute({
    method: 'post',
    path: '/api/v1/rights-requests',
    tag: 'rights requests',
    summary: 'Receive a data-subject rights request',
    description:
      'Due one month after receipt. Every rights route needs access to every list and every field (403 `rights_scope` otherwise): a request concerns the subject wherever the tenant holds them. A caller limited to some lists may name by `contactId` only contacts of those lists (404 otherwise), and a rectification needs `edit` access to each field it changes (403 `field_not_editable`). Without `identityVerified` the subject is mailed a verification link first (14 days to follow it). A request by `email` answers the same whether or not the tenant holds the address; one the tenant does not hold completes as nothing held. `changes` (rectification only) are validated like a contact edit; `scope` (restriction, objection) names a list (objection only) or lifts an earlier one.',
    auth: 'tenant',
    feature: 'rights.manage',
    request: {
      body: z.strictObject({
        type: z.enum(rightsRequestTypes),
        email: emailAddress().optional(),
        contactId: z
          .string()
          .regex(/^c[0-9a-f]{24}$/, 'not a contact id')
          .optional(),
        identityVerified: z.boolean().optional(),
        changes: rectificationSchema.optional(),
        scope: z
          .strictObject({ listId: z.string().max(40).optional(), lift: z.boolean().optional() })
          .optional(),
      }),
    },
    responses: { 202: { description: 'received; its workflow runs', schema: requestSchema } },
    async handler({ body }, _req, res) {
      assertWholeTenant(res);
      const { tenant, principal } = tenantOf(res);
      // A caller limited to some lists acts on a contact only through them, and rectifies
      // only the fields it may edit, as with the contact routes.
      if (body.contactId) {
        const contact = await tenant.models.Contact.findById(body.contactId, { lists: 1 }).lean();
        if (!contact || !canSeeContact(principal.permissions, Object.keys(contact.lists ?? {})))
          throw notFound('contact');
      }
      const refused = body.changes
        ? uneditableFields(principal.permissions, rectifiedFields(body.changes))
        : [];
      if (refused.length > 0)
        throw forbidden('field_not_editable', `no edit permission for ${refused.join(', ')}`);
      const presented = await receiveRightsRequest(deps, tenant, {
        ...body,
        origin: principal.kind === 'user' ? 'staff' : 'api',
        by: actorOf(res),
      });
      res.status(202).json(presented);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/rights-requests',
    tag: 'rights requests',
    summary: 'List rights requests by due date',
    auth: 'tenant',
    feature: 'rights.manage',
    request: {
      query: z.strictObject({
        status: z.enum(statuses).optional(),
        type: z.enum(rightsRequestTypes).optional(),
        dueBefore: z.iso.datetime({ offset: true }).optional(),
      }),
    },
    responses: {
      200: {
        description: 'sorted by due date',
        schema: z.strictObject({ requests: z.array(requestSchema) }),
      },
    },
    async handler({ query }, _req, res) {
      assertWholeTenant(res);
      const { tenant } = tenantOf(res);
      const filter: Record<string, unknown> = {};
      if (query.type) filter.type = query.type;
      const dueBefore = query.dueBefore ? Date.parse(query.dueBefore) : Infinity;
      if (query.status === 'overdue') {
        // Open, and due before now: `overdue` is what an open request past its date shows.
        filter.status = { $in: ['verifying', 'in_progress'] };
        filter.dueAt = { $lt: new Date(Math.min(Date.now(), dueBefore)) };
      } else {
        if (query.status) filter.status = query.status;
        if (query.dueBefore) filter.dueAt = { $lt: new Date(dueBefore) };
      }
      const found = await tenant.models.RightsRequest.find(filter, {
        email: 0,
        changes: 0,
        evidence: 0,
      })
        .sort({ dueAt: 1 })
        .limit(1000)
        .lean();
      const requests = found
        .map((r) => presentRequest(tenant.tenantId, r as never))
        .filter((r) => !query.status || r.status === query.status);
      res.json({ requests });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/rights-requests/:id',
    tag: 'rights requests',
    summary: 'A rights request',
    auth: 'tenant',
    feature: 'rights.manage',
    request: { params: requestId },
    responses: { 200: { description: 'the request', schema: requestSchema } },
    async handler({ params }, _req, res) {
      assertWholeTenant(res);
      const { tenant } = tenantOf(res);
      res.json(presentRequest(tenant.tenantId, await findRequest(tenant, params.id)));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/rights-requests/:id/verify',
    tag: 'rights requests',
    summary: 'Mark the subject’s identity verified',
    description: 'Recorded in the evidence with who did it. A closed request is a 409.',
    auth: 'tenant',
    feature: 'rights.manage',
    request: { params: requestId },
    responses: { 200: { description: 'the request', schema: requestSchema } },
    async handler({ params }, _req, res) {
      assertWholeTenant(res);
      const { tenant } = tenantOf(res);
      const request = await verifyRightsRequest(deps, tenant, params.id, actorOf(res));
      res.json(presentRequest(tenant.tenantId, request));
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/rights-requests/:id/extend',
    tag: 'rights requests',
    summary: 'Extend the deadline by one or two months',
    description:
      'At most two further months in all (GDPR Art. 12(3)); the subject is told with the reason, and the reminders move with the due date.',
    auth: 'tenant',
    feature: 'rights.manage',
    request: {
      params: requestId,
      body: z.strictObject({
        months: z.union([z.literal(1), z.literal(2)]),
        reason: z.string().trim().min(1).max(1000),
      }),
    },
    responses: { 200: { description: 'the request with its new due date', schema: requestSchema } },
    async handler({ params, body }, _req, res) {
      assertWholeTenant(res);
      const { tenant } = tenantOf(res);
      const request = await extendRightsRequest(deps, tenant, params.id, body, actorOf(res));
      res.json(presentRequest(tenant.tenantId, request));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/rights-requests/:id/export',
    tag: 'rights requests',
    summary: 'Download an access or portability archive',
    description:
      'The zip (README.txt, data.json and one CSV per collection) of a completed access or portability request, until it expires. Each download is written to the access log.',
    auth: 'tenant',
    feature: 'rights.manage',
    request: { params: requestId },
    responses: {
      200: { description: 'the archive', contentType: 'application/zip' },
    },
    async handler({ params }, _req, res) {
      assertWholeTenant(res);
      const { tenant } = tenantOf(res);
      const request = await findRequest(tenant, params.id);
      if (!request.archive || request.archive.expiresAt.getTime() < Date.now())
        throw notFound('archive');
      const zip = await readArchive(tenant, request._id);
      if (!zip) throw notFound('archive');
      await recordAccess(res, {
        event: 'personal_data.read',
        details: { source: 'rights_archive', requestId: request._id },
      });
      await tenant.models.RightsRequest.updateOne(
        { _id: request._id },
        { $push: { evidence: { at: new Date(), action: 'archive_downloaded', by: actorOf(res) } } },
      );
      res
        .type('application/zip')
        .set('Cache-Control', 'no-store')
        .attachment(`data-${request._id}.zip`)
        .send(zip);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/rights-requests/:id/evidence',
    readsPersonalData: true,
    tag: 'rights requests',
    summary: 'The evidence of what was done, for an auditor',
    description:
      'Every step with when and by whom (a user or API key id, the subject, or the system), and counts only: no personal data. JSON, or CSV with `?format=csv`.',
    auth: 'tenant',
    feature: 'rights.manage',
    request: {
      params: requestId,
      query: z.strictObject({ format: z.enum(['json', 'csv']).optional() }),
    },
    responses: {
      200: { description: 'the evidence', schema: evidenceSchema, contentType: 'text/csv' },
    },
    async handler({ params, query }, _req, res) {
      assertWholeTenant(res);
      const { tenant } = tenantOf(res);
      const r = await findRequest(tenant, params.id);
      const steps = r.evidence.map((e) => ({
        at: new Date(e.at).toISOString(),
        action: e.action,
        byKind: e.by.kind,
        ...(e.by.id ? { byId: e.by.id } : {}),
        ...(e.details ? { details: JSON.stringify(e.details) } : {}),
      }));
      if (query.format === 'csv') {
        res
          .type('text/csv')
          .attachment(`evidence-${r._id}.csv`)
          .send(
            stringify(steps, {
              header: true,
              columns: ['at', 'action', 'byKind', 'byId', 'details'],
            }),
          );
        return;
      }
      res.json({
        id: r._id,
        type: r.type,
        status: shownStatus(r),
        receivedAt: r.receivedAt.toISOString(),
        dueAt: r.dueAt.toISOString(),
        ...(r.completedAt ? { completedAt: r.completedAt.toISOString() } : {}),
        steps,
      });
    },
  }),
];
