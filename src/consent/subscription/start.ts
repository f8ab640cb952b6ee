/**
 * Starting a stored subscription's double opt-in. Storing and starting are separate steps, so
 * that a caller answering a person can answer as soon as the request is stored. The
 * subscription keeps `startPendingSince` until its workflow's first step runs; the tenant's
 * double opt-in sweep starts whatever still has it after a grace period (a process that died
 * between answer and start), and a repeated start is harmless (the running workflow is used).
 */
import type { Logger } from '../../logger';
import type { WorkflowGateway } from '../../temporal/workflows';
import type { DoubleOptInInput } from '../../../workflows/definitions';

/** What starting the workflow needs. */
export interface StartDeps {
  workflows: WorkflowGateway;
}

/**
 * Starts (or finds running) the double opt-in of a subscription. Used again for a pending
 * repeat and by the sweep: if the workflow runs, the start returns it unchanged; if an
 * earlier run closed, a new one starts (the kind's id policies, src/temporal/workflows.ts).
 */
export async function startDoubleOptIn(deps: StartDeps, input: DoubleOptInInput): Promise<void> {
  await deps.workflows.start('doubleOptIn', input);
}

/**
 * Starts the workflow of a request that was already answered, without waiting. A failure is
 * only logged (ids are opaque): the subscription is stored with `startPendingSince`, so the
 * sweep starts it.
 */
export function startAfterAnswer(deps: StartDeps & { logger: Logger }, input: DoubleOptInInput) {
  startDoubleOptIn(deps, input).catch((err: unknown) =>
    deps.logger.warn(
      {
        tenantId: input.tenantId,
        subscriptionId: input.subscriptionId,
        // The error's kind only: a message may quote what the request carried.
        err: err instanceof Error ? err.name : typeof err,
      },
      'double opt-in start failed; the sweep will start it',
    ),
  );
}
