/**
 * Custom search attributes that make workflows findable in the Temporal Web UI. They are
 * stored unencrypted by Temporal, so they only ever hold opaque ids and fixed vocabulary.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';

/** gRPC status code a concurrent registration answers with. */
const GRPC_ALREADY_EXISTS = 6;

/** The tenant a workflow works for (opaque tenant id). */
export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
/** What kind of process a workflow is (e.g. `encryption-probe`, `double-opt-in`). */
export const WorkflowKindKey = defineSearchAttributeKey(
  'ConsentflowKind',
  SearchAttributeType.KEYWORD,
);
/** The list a workflow concerns (opaque list id), when it concerns one. */
export const ListIdKey = defineSearchAttributeKey('ListId', SearchAttributeType.KEYWORD);

/**
 * The contact (data subject) a workflow concerns, when it concerns one: an opaque id, so an
 * erasure can find and end the subject's running workflows.
 */
export const ContactIdKey = defineSearchAttributeKey('ContactId', SearchAttributeType.KEYWORD);
/** A rights request's status (`verifying`, `in_progress`, `completed`, `rejected`, `overdue`). */
export const RightsStatusKey = defineSearchAttributeKey(
  'RightsStatus',
  SearchAttributeType.KEYWORD,
);

/** The automation a run belongs to (opaque id), and the version it interprets. */
export const AutomationIdKey = defineSearchAttributeKey(
  'AutomationId',
  SearchAttributeType.KEYWORD,
);
export const AutomationVersionKey = defineSearchAttributeKey(
  'AutomationVersion',
  SearchAttributeType.KEYWORD,
);

/**
 * The latest a tenant's data may be deleted: 20 days after its contract's end, set by the
 * contract termination, so operators can list in the Web UI what is due and when
 * (`DeletionDeadline < "…"`).
 */
export const DeletionDeadlineKey = defineSearchAttributeKey(
  'DeletionDeadline',
  SearchAttributeType.DATETIME,
);

/** Every custom attribute this product uses, for registration. */
export const searchAttributeKeys = [
  TenantIdKey,
  WorkflowKindKey,
  ListIdKey,
  ContactIdKey,
  RightsStatusKey,
  AutomationIdKey,
  AutomationVersionKey,
  DeletionDeadlineKey,
];

const { IndexedValueType } = temporal.api.enums.v1;
/** How the server indexes each attribute type this product uses. */
export function indexedTypeOf(
  key: (typeof searchAttributeKeys)[number],
): temporal.api.enums.v1.IndexedValueType {
  return key.type === SearchAttributeType.DATETIME
    ? IndexedValueType.INDEXED_VALUE_TYPE_DATETIME
    : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
}

/**
 * Registers the attributes in a namespace. Idempotent: ALREADY_EXISTS counts as success,
 * because a persistent dev server or a shared cluster keeps them across starts.
 */
export async function registerSearchAttributes(
  connection: Pick<Connection | NativeConnection, 'operatorService'>,
  namespace: string,
): Promise<void> {
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  for (const key of searchAttributeKeys) {
    if (!(key.name in (existing.customAttributes ?? {}))) {
      missing[key.name] = indexedTypeOf(key);
    }
  }
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
  }
}
