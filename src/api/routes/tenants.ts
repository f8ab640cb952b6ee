/**
 * Platform routes for tenants: create (runs the provisioning workflow), read, plan the
 * contract's end, and issue a key for a tenant (masked, or bound to a support grant the tenant
 * approved: src/tenants/support-access.ts). Mounted behind the platform token.
 */
import { z } from 'zod';
import { createApiKey } from '../../auth/api-keys';
import { randomBytes } from 'node:crypto';
import { features, type Feature } from '../../auth/permissions';
import { ANY_FIELD } from '../../auth/principal';
import { createSupportAccess } from '../../tenants/support-access';
import type { DataLayer } from '../../db/open';
import { tenantIdPattern } from '../../db/names';
import {
  DEFAULT_EXPORT_WINDOW_DAYS,
  MAX_DELETION_DAYS,
  MAX_EXPORT_WINDOW_DAYS,
  moveContractEnd,
  planContractEnd,
  renewContract,
} from '../../tenants/contract-end';
import { presentTenant, provisionTenant } from '../../tenants/provision-tenant';
import { conflict, invalid, notFound } from '../../errors';
import { errorBody } from '../openapi';
import { defineRoute } from '../route';
import { readableStatuses } from '../../db/models/tenant';
import type { WorkflowGateway } from '../../temporal/workflows';
import { emailAddress } from '../schemas/email';

const exportWindowDays = z
  .number()
  .int()
  .min(0)
  .max(MAX_EXPORT_WINDOW_DAYS)
  .optional()
  .meta({
    description: `days between the end and the deletion (default ${DEFAULT_EXPORT_WINDOW_DAYS}; 0: at once; at most ${MAX_EXPORT_WINDOW_DAYS}, so the deletion is done well within ${MAX_DELETION_DAYS} days of the end)`,
  });

const createTenant = z.strictObject({
  name: z.string().trim().min(1).max(200),
  admin: z.strictObject({
    email: emailAddress(),
    initialPassword: z.string().min(12, 'must be at least 12 characters').max(128),
  }),
  contractEndsAt: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .optional()
    .meta({ description: 'starts the contract termination for this end, as contract-end does' }),
  exportWindowDays,
});

const createKey = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(features)).min(1).optional(),
  grantId: z
    .string()
    .regex(/^g[0-9a-f]{20}$/, 'not a support grant id')
    .optional()
    .meta({
      description: 'an approved support grant: the key then sees personal data, until it ends',
    }),
});

const tenantIdParam = z.string().regex(tenantIdPattern);

const tenantSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    status: z.enum(['provisioning', 'active', 'ending', 'frozen', 'deleted']).meta({
      description:
        '`ending`: the contract end is scheduled, service goes on until then; `frozen`: the contract has ended, read-only during the export window; `deleted`: everything is gone',
    }),
    contractEndsAt: z.string().nullable(),
    deletion: z
      .strictObject({
        scheduledFor: z.string(),
        completedAt: z.string().optional(),
        certificateId: z.string().optional(),
      })
      .optional(),
  })
  .meta({ id: 'Tenant' });

const contractEnd = z.strictObject({
  endsAt: z.iso.datetime({ offset: true }).or(z.iso.date()),
  exportWindowDays,
});

const certificateSchema = z
  .strictObject({
    id: z.string(),
    tenantId: z.string(),
    tenantName: z.string(),
    contractEndsAt: z.string(),
    scheduledFor: z.string(),
    startedAt: z.string(),
    completedAt: z.string(),
    destroyed: z.array(z.string()),
    backupsDestroyed: z
      .array(z.strictObject({ id: z.string(), createdAt: z.string() }))
      .optional()
      .meta({ description: 'every backup of the tenant, deleted from the backup store' }),
    digest: z.string().meta({ description: 'SHA-256 of the other fields, as issued' }),
  })
  .meta({ id: 'DeletionCertificate' });

/** How far in the past an end may lie (clocks differ): anything earlier is refused. */
const PAST_TOLERANCE_MS = 5 * 60_000;

/** A contract end as sent: a date means the end of that day (UTC), a date-time is as is. */
function contractEndOf(value: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(Date.parse(`${value}T00:00:00Z`) + 86_400_000)
    : new Date(value);
}

/** A change overridden by a later one before it was recorded. */
const superseded = () =>
  conflict('superseded', 'a later change of the contract’s end overrode this one');

/** The plan for an end as sent; 400 for an end in the past or a window out of range. */
function planOf(sent: string, windowDays: number | undefined, field = 'contractEndsAt') {
  const endsAt = contractEndOf(sent);
  // An end in the past deletes soon or at once: a mistyped year must not do that.
  if (endsAt.getTime() < Date.now() - PAST_TOLERANCE_MS)
    throw invalid(`${field}: in the past; for an end now, send the current time`);
  try {
    return planContractEnd(endsAt, windowDays ?? DEFAULT_EXPORT_WINDOW_DAYS);
  } catch (err) {
    throw invalid(`exportWindowDays: ${(err as Error).message}`);
  }
}

/** The tenant routes (platform token). */
export function tenantRoutes(deps: { data: DataLayer; workflows: WorkflowGateway }) {
  const { Tenant, DeletionCertificate } = deps.data.tenants.control;
  const supportAccess = createSupportAccess({
    control: deps.data.tenants.control,
    workflows: deps.workflows,
  });
  /** The tenant record; 404 for an unknown id or a provisioning that failed. */
  const findTenant = async (id: string) => {
    const valid = tenantIdParam.safeParse(id);
    const tenant = valid.success ? await Tenant.findById(valid.data).lean() : null;
    if (!tenant || tenant.status === 'failed') throw notFound('tenant');
    return tenant;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/tenants',
      tag: 'platform',
      summary: 'Create a tenant, its database, data key and first admin',
      description:
        'An `Idempotency-Key` header makes a retried request return the same tenant. With `contractEndsAt`, the contract termination is started before the answer, as `POST /api/v1/tenants/{id}/contract-end` would start it: nobody has to remember a second call before the end. The answer shows the tenant as provisioned (`active`); the termination records the plan moments later (`ending`, `deletion.scheduledFor`). 409 `email_taken` when the admin address already belongs to a user.',
      auth: 'platform',
      request: { body: createTenant },
      responses: {
        201: { description: 'the active tenant', schema: tenantSchema },
      },
      async handler({ body }, req, res) {
        const tenant = await provisionTenant(deps, {
          name: body.name,
          admin: body.admin,
          contractEnd: body.contractEndsAt
            ? planOf(body.contractEndsAt, body.exportWindowDays)
            : undefined,
          idempotencyKey: req.get('idempotency-key') ?? undefined,
        });
        res.status(201).json(tenant);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/tenants/:id',
      tag: 'platform',
      summary: 'A tenant and its status',
      auth: 'platform',
      responses: { 200: { description: 'the tenant', schema: tenantSchema } },
      async handler({ params }, _req, res) {
        res.json(presentTenant(await findTenant(params.id)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/tenants/:id/contract-end',
      tag: 'platform',
      summary: 'Schedule the end of a tenant’s contract, or move it',
      description: `Starts (or hands the new dates to) the tenant’s contract termination: at \`endsAt\` the tenant becomes \`frozen\` (read-only, its Schedules paused) for the export window, then everything it had is deleted (its data key first) and a deletion certificate is issued; never later than ${MAX_DELETION_DAYS} days after \`endsAt\`. The answer comes once the plan is recorded: the tenant shows it (\`contractEndsAt\`, \`deletion.scheduledFor\`) and \`ending\` (\`frozen\` from the end on). A date without a time means the end of that day (UTC). An \`endsAt\` in the past is refused (for an end now, send the current time). 409 \`deletion_started\` once deletion has begun, \`superseded\` when a renewal sent meanwhile overrode it; 503 \`termination_unavailable\` when the termination did not answer within 20 s (the change may still apply later; retrying the same plan is harmless).`,
      auth: 'platform',
      request: { body: contractEnd },
      responses: {
        202: { description: 'scheduled (recorded on the tenant)', schema: tenantSchema },
        409: { description: 'deletion has started, or the tenant is gone', schema: errorBody },
        503: { description: 'the termination did not answer in time', schema: errorBody },
      },
      async handler({ params, body }, _req, res) {
        const tenant = await findTenant(params.id);
        if (tenant.status === 'deleted' || tenant.deletion?.startedAt)
          throw conflict('deletion_started', 'the tenant’s deletion has begun');
        if (!readableStatuses.includes(tenant.status)) throw notFound('tenant');
        const plan = planOf(body.endsAt, body.exportWindowDays, 'endsAt');
        const answer = await moveContractEnd(deps, tenant._id, plan);
        if (answer === 'deletion-started')
          throw conflict('deletion_started', 'the tenant’s deletion has begun');
        if (answer === 'superseded') throw superseded();
        res.status(202).json(presentTenant(await findTenant(tenant._id)));
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/tenants/:id/contract-end',
      tag: 'platform',
      summary: 'Renew the contract: cancel a scheduled end',
      description:
        'The termination ends with the tenant served again (`active`, Schedules resumed), also during its export window; the answer comes once that is done. 409 `deletion_started` once deletion has begun, `no_contract_end` when none is scheduled, `superseded` when a new end sent meanwhile overrode it; 503 `termination_unavailable` when the termination did not answer within 20 s (the renewal may still apply later; renewing twice is harmless).',
      auth: 'platform',
      responses: {
        200: { description: 'renewed', schema: tenantSchema },
        409: { description: 'deletion has started, or nothing is scheduled', schema: errorBody },
        503: { description: 'the termination did not answer in time', schema: errorBody },
      },
      async handler({ params }, _req, res) {
        const tenant = await findTenant(params.id);
        if (tenant.status === 'deleted' || tenant.deletion?.startedAt)
          throw conflict('deletion_started', 'the tenant’s deletion has begun');
        const answer = await renewContract(deps, tenant._id);
        if (answer === 'not-scheduled') {
          // No termination runs: none was scheduled, or it has just deleted the tenant.
          const now = await findTenant(tenant._id);
          if (now.status === 'deleted' || now.deletion?.startedAt)
            throw conflict('deletion_started', 'the tenant’s deletion has begun');
          throw conflict('no_contract_end', 'no contract end is scheduled');
        }
        if (answer === 'deletion-started')
          throw conflict('deletion_started', 'the tenant’s deletion has begun');
        if (answer === 'superseded') throw superseded();
        res.json(presentTenant(await findTenant(tenant._id)));
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/tenants/:id/deletion-certificate',
      tag: 'platform',
      summary: 'The certificate of a deleted tenant’s deletion',
      auth: 'platform',
      responses: { 200: { description: 'the certificate', schema: certificateSchema } },
      async handler({ params }, _req, res) {
        const tenant = await findTenant(params.id);
        const id = tenant.deletion?.certificateId;
        const certificate = id ? await DeletionCertificate.findById(id).lean() : null;
        if (!certificate) throw notFound('deletion certificate');
        const { _id, ...rest } = certificate;
        res.json({
          id: _id,
          ...rest,
          contractEndsAt: rest.contractEndsAt.toISOString(),
          scheduledFor: rest.scheduledFor.toISOString(),
          startedAt: rest.startedAt.toISOString(),
          completedAt: rest.completedAt.toISOString(),
          ...(rest.backupsDestroyed
            ? {
                backupsDestroyed: rest.backupsDestroyed.map((b) => ({
                  id: b.id,
                  createdAt: b.createdAt.toISOString(),
                })),
              }
            : {}),
        });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/tenants/:id/api-keys',
      tag: 'platform',
      summary: 'Issue an API key for a tenant: masked, or bound to a support grant',
      description:
        'The key is shown once and stored as a SHA-256 hash. Without `grantId` it sees every personal field masked (for checking a tenant’s setup: lists, counts, settings); the tenant’s own admins issue the keys their integrations use. With the `grantId` of a support grant the tenant approved, it sees personal data within the grant’s scopes until the grant ends (then 403 `support_grant_ended`), and every request made with it is in the tenant’s access log with the grant’s id. 400 `grant_not_active` for a grant not approved, ended or another tenant’s; `permissions_exceed_grant` for scopes beyond it.',
      auth: 'platform',
      request: { body: createKey },
      responses: {
        201: {
          description: 'the key',
          schema: z.strictObject({
            id: z.string(),
            key: z.string(),
            scopes: z.array(z.enum(features)),
            grantId: z.string().nullable(),
            expiresAt: z.string().nullable(),
          }),
        },
      },
      async handler({ params, body }, _req, res) {
        const tenant = await findTenant(params.id);
        // Also while the contract ends: a frozen tenant's setup is still looked at.
        if (!readableStatuses.includes(tenant.status)) throw notFound('tenant');
        const { control } = deps.data.tenants;
        if (!body.grantId) {
          const scopes = body.scopes ?? features;
          const key = await createApiKey(control, {
            tenantId: tenant._id,
            name: body.name,
            permissions: { features: scopes, lists: 'all', fields: { [ANY_FIELD]: 'none' } },
            createdBy: 'platform',
          });
          res.status(201).json({ ...key, scopes, grantId: null, expiresAt: null });
          return;
        }
        const grant = await supportAccess.activeGrant(tenant._id, body.grantId);
        const scopes = body.scopes ?? (grant.scopes as Feature[]);
        const beyond = scopes.filter((s) => !grant.scopes.includes(s));
        if (beyond.length > 0)
          throw invalid(
            `scopes ${beyond.join(', ')}: beyond the grant`,
            'permissions_exceed_grant',
          );
        const key = await createApiKey(control, {
          tenantId: tenant._id,
          name: body.name,
          // Looking, not changing: every field readable, none writable.
          permissions: { features: scopes, lists: 'all', fields: { [ANY_FIELD]: 'view' } },
          createdBy: 'platform',
          grantId: grant._id,
          expiresAt: grant.approvedUntil,
        });
        await control.AccessLog.create({
          _id: `a${randomBytes(10).toString('hex')}`,
          tenantId: tenant._id,
          at: new Date(),
          event: 'support_access.key_created',
          actor: { kind: 'platform', id: 'platform' },
          subjectId: key.id,
          details: { grantId: grant._id, scopes },
        });
        res.status(201).json({
          ...key,
          scopes,
          grantId: grant._id,
          expiresAt: grant.approvedUntil!.toISOString(),
        });
      },
    }),
  ];
}
