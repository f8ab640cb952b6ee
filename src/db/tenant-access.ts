/**
 * The only way to reach a tenant's data: `forTenant(tenantId)` checks the tenant exists and
 * is not deleted, then returns models bound to that tenant's database and encryption bound
 * to that tenant's key. Code holding one tenant's scope cannot address another's database.
 */
import { LRUCache } from 'lru-cache';
import type { Binary } from 'mongodb';
import type { Connection } from 'mongoose';
import type { FieldEncryption, Plain, PlainDocument } from './encryption';
import { accessLogModel } from './models/access-log';
import { accessReviewModel } from './models/access-review';
import { apiKeyModel } from './models/api-key';
import { consentRecordModel } from './models/consent-record';
import { contactModel } from './models/contact';
import { importChunkModel, importModel } from './models/import';
import { listModel } from './models/list';
import { supportGrantModel } from './models/support-grant';
import { servingStatuses, tenantModel, type TenantStatus } from './models/tenant';
import { userModel } from './models/user';
import { dkimKeyModel } from './models/dkim-key';
import { sendingDomainModel } from './models/sending-domain';
import { deletionCertificateModel } from './models/deletion-certificate';
import { listDirectoryModel } from './models/list-directory';
import { outboxModel } from './models/double-opt-in-outbox';
import { sendModel } from './models/send';
import { sendSlotModel } from './models/send-slot';
import { subscriptionModel } from './models/subscription';
import { consentTraceModel } from './models/consent-trace';
import { rightsArchiveChunkModel, rightsRequestModel } from './models/rights-request';
import { suppressionModel, tenantSecretModel } from './models/suppression';
import { webhookDeliveryModel, webhookModel } from './models/webhook';
import { automationModels } from './models/automation';
import { campaignModels } from './models/campaign';
import { tenantIdPattern, type DatabaseNames } from './names';
import { AppError } from '../errors';

/** Thrown for a tenant that does not exist or was deleted; routes answer 404. */
export class UnknownTenantError extends AppError {
  constructor() {
    super('not_found', 'not_found', 'tenant not found');
    this.name = 'UnknownTenantError';
  }
}

/**
 * How long a process trusts that a tenant is active without asking the database again.
 * Less than the driver's data key cache (10 s), which already bounds how long a process can
 * decrypt a shredded tenant; the process that shreds or abandons a tenant forgets it at once.
 */
export const ACTIVE_TENANT_CACHE_MS = 5_000;

/** Models of the control database. */
export type ControlModels = ReturnType<typeof bindControlModels>;

/** Everything code may do within one tenant. */
export type TenantScope = Awaited<ReturnType<TenantAccess['forTenant']>>;

/** The tenant accessor. */
export type TenantAccess = ReturnType<typeof createTenantAccess>;

const bindControlModels = (control: Connection) => ({
  Tenant: tenantModel(control),
  User: userModel(control),
  ApiKey: apiKeyModel(control),
  DkimKey: dkimKeyModel(control),
  SendingDomain: sendingDomainModel(control),
  ListDirectory: listDirectoryModel(control),
  AccessLog: accessLogModel(control),
  DeletionCertificate: deletionCertificateModel(control),
  AccessReview: accessReviewModel(control),
  SupportGrant: supportGrantModel(control),
  SendSlot: sendSlotModel(control),
});

const bindTenantModels = (tenantDb: Connection) => ({
  List: listModel(tenantDb),
  Contact: contactModel(tenantDb),
  ConsentRecord: consentRecordModel(tenantDb),
  Import: importModel(tenantDb),
  ImportChunk: importChunkModel(tenantDb),
  Subscription: subscriptionModel(tenantDb),
  ConsentTrace: consentTraceModel(tenantDb),
  Send: sendModel(tenantDb),
  Outbox: outboxModel(tenantDb),
  Webhook: webhookModel(tenantDb),
  WebhookDelivery: webhookDeliveryModel(tenantDb),
  RightsRequest: rightsRequestModel(tenantDb),
  RightsArchiveChunk: rightsArchiveChunkModel(tenantDb),
  Suppression: suppressionModel(tenantDb),
  TenantSecret: tenantSecretModel(tenantDb),
  ...automationModels(tenantDb),
  ...campaignModels(tenantDb),
});

/** Creates the accessor over the shared mongoose connection. */
export function createTenantAccess(deps: {
  odm: Connection;
  names: DatabaseNames;
  encryption: FieldEncryption;
}) {
  const { odm, names, encryption } = deps;
  const control = bindControlModels(odm.useDb(names.control, { useCache: true }));
  // Only "served in full" is cached: a tenant still provisioning must be seen the moment it is
  // active, and one whose contract ended stops being served within the cache's time.
  // The value is the tenant's database name: a restore switches it (src/backups/restore.ts),
  // and every process follows within the cache's time.
  const active = new LRUCache<string, string>({ max: 10_000, ttl: ACTIVE_TENANT_CACHE_MS });

  const scopeOf = (tenantId: string, databaseName: string) => {
    const db = odm.useDb(databaseName, { useCache: true });
    return {
      tenantId,
      databaseName,
      models: bindTenantModels(db),
      /** Encrypts for exact-match search under this tenant's key. */
      searchable: (value: Plain): Promise<Binary> => encryption.encryptSearchable(value, tenantId),
      /** Encrypts a never-searched value (or document of them) under this tenant's key. */
      private: (value: Plain | PlainDocument | Buffer): Promise<Binary> =>
        encryption.encryptPrivate(value as Plain, tenantId),
    };
  };
  // Binding models costs more than the query a request makes; a scope holds no state.
  const scopes = new LRUCache<string, ReturnType<typeof scopeOf>>({ max: 1_000 });

  /**
   * Scope of one tenant over one of its databases, which need not be its current one: a
   * restore fills a new database through it before the tenant is switched to it.
   */
  const forDatabase = (tenantId: string, databaseName: string) => {
    const own = names.tenant(tenantId);
    if (databaseName !== own && !databaseName.startsWith(`${own}_r`))
      throw new Error('not a database of this tenant');
    let scope = scopes.get(databaseName);
    if (!scope) scopes.set(databaseName, (scope = scopeOf(tenantId, databaseName)));
    return scope;
  };

  return {
    control,

    /** Stops trusting a cached "active" for the tenant (frozen, deleted or abandoned). */
    forget: (tenantId: string) => void active.delete(tenantId),

    /** Name of a tenant's database (for dropping it; reads go through `forTenant`). */
    databaseName: (tenantId: string) => names.tenant(tenantId),

    /**
     * Scope of one tenant. Only tenants served in full (active, or with a contract end
     * scheduled) are returned unless `allow` names other statuses (provisioning works on a
     * tenant that is not active yet; a frozen tenant is read during its export window).
     */
    async forTenant(tenantId: string, allow: TenantStatus[] = servingStatuses) {
      if (!tenantIdPattern.test(tenantId)) throw new UnknownTenantError();
      let databaseName = servingStatuses.every((s) => allow.includes(s))
        ? active.get(tenantId)
        : undefined;
      if (databaseName === undefined) {
        const tenant = await control.Tenant.findById(tenantId, { status: 1, database: 1 }).lean();
        if (!tenant || !allow.includes(tenant.status)) throw new UnknownTenantError();
        databaseName = tenant.database ?? names.tenant(tenantId);
        if (servingStatuses.includes(tenant.status)) active.set(tenantId, databaseName);
      }
      return forDatabase(tenantId, databaseName);
    },

    forDatabase,
  };
}
