/**
 * Which tenant a workflow works for, read from its id `<kind>:<tenantId>:<opaqueId>` (built by
 * `workflowIdOf()` in src/temporal/workflows.ts, the workflow gateway). The payload codec uses
 * it to pick the key. Scheduled runs get `-<RFC3339 time>` appended to the id, so only the
 * prefix is matched.
 */
import { tenantIdPattern } from '../db/names';

const tenantSegment = tenantIdPattern.source.replace(/^\^/, '').replace(/\$$/, '');
const workflowIdPrefix = new RegExp(`^([a-z][a-z0-9-]*):(${tenantSegment}):.`);

/** The kind and tenant a workflow id names, or undefined when it names no tenant. */
export function parseWorkflowId(
  workflowId: string,
): { kind: string; tenantId: string } | undefined {
  const match = workflowIdPrefix.exec(workflowId);
  return match ? { kind: match[1]!, tenantId: match[2]! } : undefined;
}

/** The tenant id in a workflow id, or undefined when the id names no tenant. */
export function tenantOfWorkflowId(workflowId: string): string | undefined {
  return parseWorkflowId(workflowId)?.tenantId;
}
