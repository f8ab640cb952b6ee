/** The key of a workflow run's idempotent steps, for activities of per-contact workflows. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { activityFailures } from '../workflows/failures';

/** `<workflowId>/<runId>`: the key of this run's idempotent steps. */
export function runKey(): string {
  const { workflowExecution } = Context.current().info;
  if (!workflowExecution)
    throw ApplicationFailure.nonRetryable(
      'runs only as a workflow activity',
      activityFailures.notInWorkflow,
    );
  return `${workflowExecution.workflowId}/${workflowExecution.runId}`;
}
