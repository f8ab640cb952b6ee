/**
 * Per-node statistics of an automation and who is where, counted from its runs' records: a
 * run counts once at every node on its path, as waiting where it waits now, as failed where a
 * step failed, as completed everywhere else it passed; branches taken (condition, split,
 * wait) and steps skipped (and why) are counted too. Test runs of the draft are left out.
 */
import { keyRange, type AutomationRunDocument } from '../db/models/automation';
import type { TenantScope } from '../db/tenant-access';

/** One node's figures. */
export interface NodeStats {
  entered: number;
  waiting: number;
  completed: number;
  failed: number;
  skipped: number;
  /** Branches taken (`yes`, `no`, a split's index, `event`, `timeout`), by count. */
  branches: Record<string, number>;
}

/** An automation's figures: per node, and its runs by status. */
export interface AutomationStats {
  nodes: Record<string, NodeStats>;
  runs: { total: number; active: number; completed: number; exited: number; failed: number };
}

const blank = (): NodeStats => ({
  entered: 0,
  waiting: 0,
  completed: 0,
  failed: 0,
  skipped: 0,
  branches: {},
});

/** Counts the runs of one automation. */
export async function automationStats(
  tenant: TenantScope,
  automationId: string,
): Promise<AutomationStats> {
  const stats: AutomationStats = {
    nodes: {},
    runs: { total: 0, active: 0, completed: 0, exited: 0, failed: 0 },
  };
  const runs = tenant.models.AutomationRun.find(
    { _id: keyRange(automationId) },
    { test: 1, status: 1, node: 1, path: 1 },
  )
    .lean<AutomationRunDocument[]>()
    .cursor();
  for await (const run of runs) {
    if (run.test) continue;
    stats.runs.total += 1;
    if (run.status === 'completed' || run.status === 'exited' || run.status === 'failed')
      stats.runs[run.status] += 1;
    else stats.runs.active += 1;
    const waitingHere = run.status === 'waiting' || run.status === 'held' ? run.node : undefined;
    const seen = new Map<string, { failed: boolean; skipped: boolean }>();
    for (const step of run.path) {
      const node = (stats.nodes[step.node] ??= blank());
      const mark = seen.get(step.node) ?? { failed: false, skipped: false };
      if (!seen.has(step.node)) {
        node.entered += 1;
        seen.set(step.node, mark);
      }
      if (step.outcome === 'failed') mark.failed = true;
      if (step.outcome === 'skipped') mark.skipped = true;
      const branch =
        step.outcome === 'event' || step.outcome === 'timeout' ? step.outcome : undefined;
      if (branch || (step.outcome === 'done' && step.detail))
        node.branches[branch ?? step.detail!] = (node.branches[branch ?? step.detail!] ?? 0) + 1;
    }
    for (const [id, mark] of seen) {
      const node = stats.nodes[id]!;
      if (id === waitingHere) node.waiting += 1;
      else if (mark.failed) node.failed += 1;
      else node.completed += 1;
      if (mark.skipped) node.skipped += 1;
    }
  }
  return stats;
}

/** The contacts waiting at a node (opaque ids, oldest first), at most `limit`. */
export async function contactsAt(
  tenant: TenantScope,
  automationId: string,
  node: string,
  limit: number,
): Promise<{ contactId: string; runId: string; since: Date; until?: Date }[]> {
  const found: { contactId: string; runId: string; since: Date; until?: Date }[] = [];
  const runs = tenant.models.AutomationRun.find(
    { _id: keyRange(automationId), node, status: { $in: ['waiting', 'held', 'running'] } },
    { contactId: 1, path: 1, waitingUntil: 1, test: 1 },
  )
    .lean<AutomationRunDocument[]>()
    .cursor();
  for await (const run of runs) {
    if (run.test) continue;
    const since = run.path.filter((s) => s.node === node).at(0)?.at ?? new Date(0);
    found.push({
      contactId: run.contactId,
      runId: run._id,
      since,
      ...(run.waitingUntil ? { until: run.waitingUntil } : {}),
    });
    if (found.length >= limit) break;
  }
  return found;
}
