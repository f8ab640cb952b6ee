/**
 * Which payload key a workflow seals with and which it may open, the one place the codec
 * asks (for encoding and for the ownership check of decoding).
 *
 * A tenant's workflows use the tenant's key. The workflows that destroy a tenant are owned
 * by the platform and use the platform key instead: they delete the tenant's data key and
 * payload key midway, and everything they store afterwards (and every replay, on any
 * worker) must still be sealed and opened. Their payloads hold opaque ids and dates only,
 * so no tenant data ends up under a key that shredding does not destroy.
 */
import { workflowKinds } from '../../workflows/definitions';
import { PLATFORM_PAYLOAD_KEY_ID } from './payload-keys';
import { parseWorkflowId } from './workflow-tenant';

/** Kinds whose payloads are sealed with the platform key. */
export const platformWorkflowKinds: ReadonlySet<string> = new Set([
  workflowKinds.tenantShredding,
  workflowKinds.contractTermination,
]);

/**
 * The key ids a workflow's payloads may be sealed with, the one it seals with first, or
 * undefined when its id names no tenant. A platform workflow also opens its tenant's key:
 * runs started before platform workflows had their own key sealed their history with it.
 * An id naming the reserved key id as its tenant gets no key at all.
 */
export function payloadKeyIdsOf(workflowId: string): readonly string[] | undefined {
  const owner = parseWorkflowId(workflowId);
  if (!owner) return undefined;
  if (owner.tenantId === PLATFORM_PAYLOAD_KEY_ID) return [];
  return platformWorkflowKinds.has(owner.kind)
    ? [PLATFORM_PAYLOAD_KEY_ID, owner.tenantId]
    : [owner.tenantId];
}

/** The key id a workflow seals its payloads with, or undefined when it has none. */
export function payloadKeyIdOf(workflowId: string): string | undefined {
  return payloadKeyIdsOf(workflowId)?.[0];
}
