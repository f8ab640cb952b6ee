/**
 * The one way to the workflows from outside them: a registry of every workflow kind (its
 * workflow, the policies of its id, the search attributes it carries) and the gateway that
 * starts, signals, updates and queries them on the task queue. Workflow ids
 * `<kind>:<tenantId>:<opaqueId>` and search attributes are built here and nowhere else, and
 * the Schedules that start sweeps on their own are created, paused and deleted here too
 * (workflow-tenant.ts reads them back). Temporal stores both unencrypted, so they hold opaque
 * ids and fixed vocabulary only, never an address, a name or an IP. Workflows are referenced
 * by type only: nothing of the sandboxed code is loaded where this module is.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import {
  ApplicationFailure,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Duration,
  type QueryDefinition,
  type SearchAttributePair,
  type SignalDefinition,
  type UpdateDefinition,
  type WorkflowResultType,
} from '@temporalio/common';
import type * as workflowFunctions from '../../workflows';
import { workflowKinds } from '../../workflows/definitions';
import {
  AutomationIdKey,
  AutomationVersionKey,
  ContactIdKey,
  ListIdKey,
  RightsStatusKey,
  TenantIdKey,
  WorkflowKindKey,
} from './search-attributes';

type Workflows = typeof workflowFunctions;
/** A registered workflow name whose one input names its tenant. */
type TenantWorkflowType = {
  [T in keyof Workflows]: Parameters<Workflows[T]>[0] extends { tenantId: string } ? T : never;
}[keyof Workflows];
type InputOfType<T extends TenantWorkflowType> = Parameters<Workflows[T]>[0];

/** How a kind's workflows (with input `I`) are started and found. */
interface KindSpec<I> {
  /** The id prefix and `ConsentflowKind` value (from `workflowKinds`). */
  kind: string;
  /** Absent: Temporal's default, a closed run's id may be used again. */
  idReuse?: WorkflowIdReusePolicy;
  /** Absent: Temporal's default, a start while one runs fails. */
  idConflict?: WorkflowIdConflictPolicy;
  /** The id's opaque part, from the input; absent: every start names it. */
  opaqueIdOf?: (input: I) => string;
  /** The list the workflow concerns, from the input (the `ListId` search attribute). */
  listIdOf?: (input: I) => string;
  /** The workflow concerns a list its input does not name: every start names it. */
  listIdGiven?: true;
  /** The contact the workflow concerns, from the input (the `ContactId` search attribute). */
  contactIdOf?: (input: I) => string;
  /** The search attributes the workflow starts with besides the ids (fixed vocabulary). */
  initialAttributesOf?: (input: I) => SearchAttributePair[];
}

/**
 * A kind's spec for the workflow registered as `workflowType` (its function's name in
 * workflows/index.ts), checked against that workflow's input: `kindSpec('xWorkflow')({ … })`.
 */
const kindSpec =
  <T extends TenantWorkflowType>(workflowType: T) =>
  <S extends KindSpec<InputOfType<T>>>(s: S) => ({ workflowType, ...s });

/** Every workflow kind, keyed like `workflowKinds`. */
export const workflowRegistry = {
  encryptionProbe: kindSpec('encryptionProbeWorkflow')({
    kind: workflowKinds.encryptionProbe,
    opaqueIdOf: (input) => input.probeId,
  }),
  tenantProvisioning: kindSpec('tenantProvisioningWorkflow')({
    kind: workflowKinds.tenantProvisioning,
    // A retried request finds the running provisioning; a closed one is never run again (it
    // would wait forever for a tenant no longer provisioning): `execute` gives its result.
    idConflict: WorkflowIdConflictPolicy.USE_EXISTING,
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    opaqueIdOf: () => 'create',
  }),
  tenantShredding: kindSpec('tenantShreddingWorkflow')({ kind: workflowKinds.tenantShredding }),
  contactImport: kindSpec('contactImportWorkflow')({
    kind: workflowKinds.contactImport,
    opaqueIdOf: (input) => input.importId,
    listIdGiven: true,
  }),
  doubleOptIn: kindSpec('doubleOptInWorkflow')({
    kind: workflowKinds.doubleOptIn,
    // One per list: a wake reaches the running one, or starts it again once it ended idle.
    idReuse: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.USE_EXISTING,
    opaqueIdOf: (input) => input.listId,
    listIdOf: (input) => input.listId,
  }),
  doubleOptInSweep: kindSpec('doubleOptInSweepWorkflow')({
    kind: workflowKinds.doubleOptInSweep,
    opaqueIdOf: (input) => input.tenantId, // one per tenant
  }),
  consentRenewal: kindSpec('consentRenewalWorkflow')({
    kind: workflowKinds.consentRenewal,
    contactIdOf: (input) => input.contactId,
    // One run per renewal cycle, ever: a rerun sweep starts nothing twice.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.FAIL,
    listIdOf: (input) => input.listId,
  }),
  consentRenewalSweep: kindSpec('consentRenewalSweepWorkflow')({
    kind: workflowKinds.consentRenewalSweep,
    opaqueIdOf: (input) => input.listId,
    listIdOf: (input) => input.listId,
  }),
  inactivitySweep: kindSpec('inactivitySweepWorkflow')({
    kind: workflowKinds.inactivitySweep,
    opaqueIdOf: (input) => input.listId,
    listIdOf: (input) => input.listId,
  }),
  rePermission: kindSpec('rePermissionWorkflow')({
    kind: workflowKinds.rePermission,
    contactIdOf: (input) => input.contactId,
    // One run per inactivity episode, ever.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.FAIL,
    listIdOf: (input) => input.listId,
  }),
  contractTermination: kindSpec('contractTerminationWorkflow')({
    kind: workflowKinds.contractTermination,
    // One per tenant at a time; a closed one (renewed, say) is followed by a new one.
    idReuse: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    opaqueIdOf: (input) => input.tenantId,
  }),
  rightsRequest: kindSpec('rightsRequestWorkflow')({
    kind: workflowKinds.rightsRequest,
    // One per request, ever: a repeated start finds it, a closed one is never run again.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.USE_EXISTING,
    opaqueIdOf: (input) => input.requestId,
    // Not the contact: the request outlives an erasure, and its attributes with it.
    initialAttributesOf: (input) => [{ key: RightsStatusKey, value: input.initialStatus }],
  }),
  webhookDelivery: kindSpec('webhookDeliveryWorkflow')({
    kind: workflowKinds.webhookDelivery,
    // One run per delivery, ever: the sweep's start of one already started does nothing.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.FAIL,
    opaqueIdOf: (input) => input.deliveryId,
  }),
  webhookSweep: kindSpec('webhookSweepWorkflow')({
    kind: workflowKinds.webhookSweep,
    opaqueIdOf: (input) => input.tenantId, // one per tenant
  }),
  automationRun: kindSpec('automationRunWorkflow')({
    kind: workflowKinds.automationRun,
    // One run per contact and entry, ever: a repeated trigger starts nothing twice.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.FAIL,
    opaqueIdOf: (input) => `${input.automationId}:${input.contactId}:${input.run}`,
    // The contact's, so an erasure ends the run at once.
    contactIdOf: (input) => input.contactId,
    initialAttributesOf: (input) => [
      { key: AutomationIdKey, value: input.automationId },
      { key: AutomationVersionKey, value: String(input.version) },
    ],
  }),
  automationSweep: kindSpec('automationSweepWorkflow')({
    kind: workflowKinds.automationSweep,
    opaqueIdOf: (input) => input.tenantId, // one per tenant
  }),
  campaignSend: kindSpec('campaignSendWorkflow')({
    kind: workflowKinds.campaignSend,
    // A campaign is sent once: its send's id is never reused.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.FAIL,
    opaqueIdOf: (input) => input.campaignId,
  }),
  accessReview: kindSpec('accessReviewWorkflow')({
    kind: workflowKinds.accessReview,
    // An admin's review is its id's, run once; the Schedule's (one per tenant, its id the
    // tenant's) get their run's time appended by Temporal.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    opaqueIdOf: (input) => input.reviewId ?? input.tenantId,
  }),
  supportAccess: kindSpec('supportAccessWorkflow')({
    kind: workflowKinds.supportAccess,
    // One per request, ever.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    idConflict: WorkflowIdConflictPolicy.USE_EXISTING,
    opaqueIdOf: (input) => input.grantId,
  }),
  tenantBackup: kindSpec('tenantBackupWorkflow')({
    kind: workflowKinds.tenantBackup,
    // The platform's backups are their id's; the Schedule's (one per tenant, its id the
    // tenant's) get their run's time appended by Temporal.
    idReuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    opaqueIdOf: (input) => input.backupId ?? input.tenantId,
  }),
  tenantRestore: kindSpec('tenantRestoreWorkflow')({
    kind: workflowKinds.tenantRestore,
    // One restore per tenant at a time: a second one while it runs is refused.
    idConflict: WorkflowIdConflictPolicy.FAIL,
    opaqueIdOf: (input) => input.tenantId,
  }),
};

/** The registry holds every kind of `workflowKinds` under its key, with its kind string. */
type CompleteRegistry<
  R extends { [K in keyof typeof workflowKinds]: { kind: (typeof workflowKinds)[K] } },
> = R;
type Registry = CompleteRegistry<typeof workflowRegistry>;
/** A workflow kind: a key of `workflowKinds` and of the registry. */
export type WorkflowKind = keyof Registry;
/** The workflow function of a kind. */
export type WorkflowOf<K extends WorkflowKind> = Workflows[Registry[K]['workflowType']];
/** The input of a kind's workflow. */
export type WorkflowInput<K extends WorkflowKind> = Parameters<WorkflowOf<K>>[0];
/** The result of a kind's workflow. */
export type WorkflowResult<K extends WorkflowKind> = WorkflowResultType<WorkflowOf<K>>;

/**
 * What a start names besides the input: the id's opaque part unless the kind derives it, and
 * the list when the kind concerns one its input does not name.
 */
export type StartRefs<K extends WorkflowKind> = (Registry[K] extends { opaqueIdOf: unknown }
  ? { opaqueId?: undefined }
  : { opaqueId: string }) &
  (Registry[K] extends { listIdGiven: true } ? { listId: string } : { listId?: undefined });
type NoRefs = { opaqueId?: undefined; listId?: undefined };
/** The refs argument of a start: optional when the kind needs none. */
export type StartRefArgs<K extends WorkflowKind> =
  NoRefs extends StartRefs<K> ? [refs?: StartRefs<K>] : [refs: StartRefs<K>];

/** A kind's spec as the functions below read it, whatever the kind. */
type AnySpec = KindSpec<never> & { workflowType: string };
const specOf = (kind: WorkflowKind): AnySpec => workflowRegistry[kind];
type Refs = { opaqueId?: string; listId?: string };

/** The id of a kind's workflow (and of a Schedule starting it): `<kind>:<tenantId>:<opaqueId>`. */
export function workflowIdOf(kind: WorkflowKind, tenantId: string, opaqueId: string): string {
  return `${specOf(kind).kind}:${tenantId}:${opaqueId}`;
}

/** The id a start of `kind` with this input uses. */
export function startedWorkflowId<K extends WorkflowKind>(
  kind: K,
  input: WorkflowInput<K>,
  ...[refs]: StartRefArgs<K>
): string {
  const { tenantId } = input as { tenantId: string };
  const derive = specOf(kind).opaqueIdOf;
  const opaqueId = derive ? derive(input as never) : (refs as Refs | undefined)?.opaqueId;
  if (opaqueId === undefined) throw new TypeError(`a ${kind} start names its opaque id`);
  return workflowIdOf(kind, tenantId, opaqueId);
}

/**
 * The search attributes of a kind's workflow: `TenantId` and `ConsentflowKind`, and `ListId`
 * when it concerns a list. Opaque ids only.
 */
export function searchAttributesOf<K extends WorkflowKind>(
  kind: K,
  input: WorkflowInput<K>,
  ...[refs]: StartRefArgs<K>
): SearchAttributePair[] {
  const s = specOf(kind);
  const listId = s.listIdOf ? s.listIdOf(input as never) : (refs as Refs | undefined)?.listId;
  return [
    { key: TenantIdKey, value: (input as { tenantId: string }).tenantId },
    { key: WorkflowKindKey, value: s.kind },
    ...(listId !== undefined ? [{ key: ListIdKey, value: listId }] : []),
    ...(s.contactIdOf ? [{ key: ContactIdKey, value: s.contactIdOf(input as never) }] : []),
    ...(s.initialAttributesOf?.(input as never) ?? []),
  ];
}

/** The options a start of `kind` on `taskQueue` passes to Temporal. */
export function startOptionsOf<K extends WorkflowKind>(
  taskQueue: string,
  kind: K,
  input: WorkflowInput<K>,
  ...refs: StartRefArgs<K>
): WorkflowStartOptions<WorkflowOf<K>> {
  const s = specOf(kind);
  return {
    workflowId: startedWorkflowId(kind, input, ...refs),
    taskQueue,
    args: [input],
    ...(s.idReuse ? { workflowIdReusePolicy: s.idReuse } : {}),
    ...(s.idConflict ? { workflowIdConflictPolicy: s.idConflict } : {}),
    typedSearchAttributes: searchAttributesOf(kind, input, ...refs),
  } as unknown as WorkflowStartOptions<WorkflowOf<K>>;
}

/**
 * What a Temporal Schedule of `kind` needs: its id, the same as the id of the workflows it
 * starts (Temporal appends `-<time>` to each run's), the start action and the search
 * attributes the Schedule carries like its workflows.
 */
export interface ScheduledStart<K extends WorkflowKind> {
  scheduleId: string;
  action: ScheduleOptionsStartWorkflowAction<WorkflowOf<K>>;
  typedSearchAttributes: SearchAttributePair[];
}

/** The Schedule options of `kind`'s workflow on `taskQueue`. */
export function scheduledStartOf<K extends WorkflowKind>(
  taskQueue: string,
  kind: K,
  input: WorkflowInput<K>,
  ...refs: StartRefArgs<K>
): ScheduledStart<K> {
  const scheduleId = startedWorkflowId(kind, input, ...refs);
  const typedSearchAttributes = searchAttributesOf(kind, input, ...refs);
  return {
    scheduleId,
    action: {
      type: 'startWorkflow',
      workflowType: specOf(kind).workflowType,
      workflowId: scheduleId,
      taskQueue,
      args: [input],
      typedSearchAttributes,
    } as unknown as ScheduleOptionsStartWorkflowAction<WorkflowOf<K>>,
    typedSearchAttributes,
  };
}

/** How an Update is called: its arguments (if it takes any), and how long to wait at most. */
export type UpdateOptions<Args extends unknown[]> = { waitMs?: number } & (Args extends []
  ? { args?: [] }
  : { args: Args });
type UpdateOptionArgs<Args extends unknown[]> = Args extends []
  ? [options?: UpdateOptions<Args>]
  : [options: UpdateOptions<Args>];

/** Starts, signals, updates and queries the product's workflows; see `createWorkflowGateway`. */
export interface WorkflowGateway {
  /** Starts a workflow (or, by the kind's policies, finds the running one); its handle. */
  start<K extends WorkflowKind>(
    kind: K,
    input: WorkflowInput<K>,
    ...refs: StartRefArgs<K>
  ): Promise<WorkflowHandle<WorkflowOf<K>>>;
  /** Starts a workflow unless its kind's policies refuse (one runs, or ran): false then. */
  startOnce<K extends WorkflowKind>(
    kind: K,
    input: WorkflowInput<K>,
    ...refs: StartRefArgs<K>
  ): Promise<boolean>;
  /** Starts a workflow and waits for its result; one the policies refuse to start again gives its own. */
  execute<K extends WorkflowKind>(
    kind: K,
    input: WorkflowInput<K>,
    ...refs: StartRefArgs<K>
  ): Promise<WorkflowResult<K>>;
  /** Signals a running workflow; false when none runs with this id. */
  signal<K extends WorkflowKind, Args extends unknown[]>(
    kind: K,
    tenantId: string,
    opaqueId: string,
    def: SignalDefinition<Args>,
    ...args: Args
  ): Promise<boolean>;
  /**
   * Signals a kind's workflow, starting it first if none runs with the input's id (by the
   * kind's id policies, a closed run is followed by a new one).
   */
  signalWithStart<K extends WorkflowKind, Args extends unknown[]>(
    kind: K,
    input: WorkflowInput<K>,
    def: SignalDefinition<Args>,
    ...args: Args
  ): Promise<void>;
  /**
   * Signals a running workflow and waits up to `settleMs` for its result: false when none runs
   * with this id; otherwise its result, or none if it fails or takes longer (the signal is
   * recorded durably either way).
   */
  signalAndSettle<K extends WorkflowKind, A>(
    kind: K,
    tenantId: string,
    opaqueId: string,
    def: SignalDefinition<[A]>,
    arg: A,
    settleMs: number,
  ): Promise<false | { result?: WorkflowResult<K> }>;
  /**
   * Runs an Update and returns its answer. With `waitMs` the call is given up (and its RPC
   * cancelled) after that long: WorkflowUpdateRPCTimeoutOrCancelledError.
   */
  update<K extends WorkflowKind, Ret, Args extends unknown[]>(
    kind: K,
    tenantId: string,
    opaqueId: string,
    def: UpdateDefinition<Ret, Args>,
    ...options: UpdateOptionArgs<Args>
  ): Promise<Ret>;
  /**
   * How a workflow (its latest run) stands: running, or closed with its result or its failure's
   * type and details; undefined when there is none by that id.
   */
  outcome<K extends WorkflowKind>(
    kind: K,
    tenantId: string,
    opaqueId: string,
  ): Promise<WorkflowOutcome<WorkflowResultType<WorkflowOf<K>>> | undefined>;
  /** Queries a workflow. */
  query<K extends WorkflowKind, Ret, Args extends unknown[]>(
    kind: K,
    tenantId: string,
    opaqueId: string,
    def: QueryDefinition<Ret, Args>,
    ...args: Args
  ): Promise<Ret>;
  /**
   * Ensures the Schedule that starts a kind's workflow `every` so long (its id is the
   * workflow id the runs get `-<time>` appended to). One that exists already does the job. A
   * run still going when the next is due is skipped, not piled up.
   */
  ensureSchedule<K extends WorkflowKind>(
    kind: K,
    input: WorkflowInput<K>,
    every: Duration,
    ...refs: StartRefArgs<K>
  ): Promise<void>;
  /** Deletes Schedules by id (`startedWorkflowId`); ones already gone are skipped. */
  deleteSchedules(scheduleIds: string[]): Promise<void>;
  /** Pauses or resumes Schedules by id, with a note shown in the Web UI; missing ones are skipped. */
  setSchedulesPaused(scheduleIds: string[], paused: boolean, note: string): Promise<void>;
  /**
   * Terminates the running workflows of one contact of the tenant (found by `ContactId`): an
   * erasure leaves no process working on the subject. How many it ended.
   */
  terminateContactWorkflows(tenantId: string, contactId: string, reason: string): Promise<number>;
  /**
   * Signals every running run of one automation (found by `AutomationId`): a resume or an
   * archive reaches each contact inside. How many were signalled.
   */
  signalAutomationRuns<Args extends unknown[]>(
    tenantId: string,
    automationId: string,
    def: SignalDefinition<Args>,
    ...args: Args
  ): Promise<number>;
  /** Terminates every running workflow of the tenant (found by `TenantId`) but `except`. */
  terminateTenantWorkflows(
    tenantId: string,
    options: { reason: string; except?: string },
  ): Promise<void>;
}

/** How a workflow stands (`WorkflowGateway.outcome`). */
export type WorkflowOutcome<R> =
  | { status: 'running' }
  | { status: 'completed'; result: R }
  | { status: 'failed'; failure: { type: string; details: unknown[] } };

/**
 * The innermost application failure of a closed run: its type and details, which the
 * product's activities fill with stable ids only (never a message with data in it).
 */
function failureOf(err: unknown): { type: string; details: unknown[] } {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  if (cause instanceof ApplicationFailure)
    return { type: cause.type ?? 'Error', details: [...(cause.details ?? [])] };
  return { type: cause instanceof Error ? cause.name : 'Error', details: [] };
}

/** What the gateway needs: a client (with the payload codec) and the workers' task queue. */
export interface WorkflowGatewayDeps {
  client: Pick<Client, 'workflow' | 'schedule' | 'withAbortSignal'>;
  taskQueue: string;
}

/** Creates the gateway. */
export function createWorkflowGateway({ client, taskQueue }: WorkflowGatewayDeps): WorkflowGateway {
  const handle = <K extends WorkflowKind>(kind: K, tenantId: string, opaqueId: string) =>
    client.workflow.getHandle<WorkflowOf<K>>(workflowIdOf(kind, tenantId, opaqueId));
  const start = <K extends WorkflowKind>(
    kind: K,
    input: WorkflowInput<K>,
    ...refs: StartRefArgs<K>
  ) =>
    client.workflow.start<WorkflowOf<K>>(
      specOf(kind).workflowType,
      startOptionsOf(taskQueue, kind, input, ...refs),
    );
  const signal = async <K extends WorkflowKind, Args extends unknown[]>(
    kind: K,
    tenantId: string,
    opaqueId: string,
    def: SignalDefinition<Args>,
    ...args: Args
  ) => {
    try {
      await handle(kind, tenantId, opaqueId).signal(def, ...args);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };

  return {
    start,
    signal,

    async startOnce(kind, input, ...refs) {
      try {
        await start(kind, input, ...refs);
        return true;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        return false;
      }
    },

    async execute(kind, input, ...refs) {
      const options = startOptionsOf(taskQueue, kind, input, ...refs);
      const started = await client.workflow
        .start<WorkflowOf<typeof kind>>(specOf(kind).workflowType, options)
        .catch((err: unknown) => {
          if (err instanceof WorkflowExecutionAlreadyStartedError)
            return client.workflow.getHandle<WorkflowOf<typeof kind>>(options.workflowId);
          throw err;
        });
      return started.result();
    },

    async signalWithStart(kind, input, def, ...args) {
      const options: { workflowIdConflictPolicy?: unknown } = {
        ...startOptionsOf(taskQueue, kind, input, ...([] as unknown as StartRefArgs<typeof kind>)),
      };
      delete options.workflowIdConflictPolicy;
      await client.workflow.signalWithStart(specOf(kind).workflowType, {
        ...options,
        signal: def,
        signalArgs: args,
      } as never);
    },

    async signalAndSettle(kind, tenantId, opaqueId, def, arg, settleMs) {
      if (!(await signal(kind, tenantId, opaqueId, def, arg))) return false;
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        handle(kind, tenantId, opaqueId)
          .result()
          .catch(() => undefined),
        new Promise<undefined>(
          (resolve) => (timer = setTimeout(() => resolve(undefined), settleMs)),
        ),
      ]);
      clearTimeout(timer);
      return { result };
    },

    update(kind, tenantId, opaqueId, def, ...[options]) {
      const target = handle(kind, tenantId, opaqueId);
      const args = options?.args;
      const call = () =>
        target.executeUpdate(
          def as unknown as UpdateDefinition<never, [unknown]>,
          (args ? { args } : undefined) as unknown as { args: [unknown] },
        );
      return options?.waitMs === undefined
        ? call()
        : client.withAbortSignal(AbortSignal.timeout(options.waitMs), call);
    },

    async outcome(kind, tenantId, opaqueId) {
      const target = handle(kind, tenantId, opaqueId);
      let status: string;
      try {
        status = (await target.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
      if (status === 'RUNNING') return { status: 'running' };
      try {
        return { status: 'completed', result: await target.result() };
      } catch (err) {
        return { status: 'failed', failure: failureOf(err) };
      }
    },

    query: (kind, tenantId, opaqueId, def, ...args) =>
      handle(kind, tenantId, opaqueId).query(def, ...args),

    async ensureSchedule(kind, input, every, ...refs) {
      try {
        await client.schedule.create({
          ...scheduledStartOf(taskQueue, kind, input, ...refs), // id, action, search attributes
          spec: { intervals: [{ every }] },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: every },
        });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err; // exists: it does the job
      }
    },

    async deleteSchedules(scheduleIds) {
      for (const id of scheduleIds)
        await client.schedule.getHandle(id).delete().catch(unlessScheduleGone);
    },

    async setSchedulesPaused(scheduleIds, paused, note) {
      for (const id of scheduleIds) {
        const schedule = client.schedule.getHandle(id);
        await (paused ? schedule.pause(note) : schedule.unpause(note)).catch(unlessScheduleGone);
      }
    },

    async terminateContactWorkflows(tenantId, contactId, reason) {
      if (!/^c[0-9a-f]{24}$/.test(contactId)) throw new TypeError('not a contact id');
      const running = client.workflow.list({
        query: `${TenantIdKey.name} = '${tenantId}' AND ${ContactIdKey.name} = '${contactId}' AND ExecutionStatus = 'Running'`,
      });
      let ended = 0;
      for await (const execution of running) {
        await client.workflow
          .getHandle(execution.workflowId, execution.runId)
          .terminate(reason)
          .then(() => (ended += 1))
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // finished meanwhile
          });
      }
      return ended;
    },

    async signalAutomationRuns(tenantId, automationId, def, ...args) {
      if (!/^a[0-9a-f]{24}$/.test(automationId)) throw new TypeError('not an automation id');
      const running = client.workflow.list({
        query: `${TenantIdKey.name} = '${tenantId}' AND ${AutomationIdKey.name} = '${automationId}' AND ExecutionStatus = 'Running'`,
      });
      let signalled = 0;
      for await (const execution of running) {
        await client.workflow
          .getHandle(execution.workflowId, execution.runId)
          .signal(def, ...args)
          .then(() => (signalled += 1))
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // finished meanwhile
          });
      }
      return signalled;
    },

    async terminateTenantWorkflows(tenantId, { reason, except }) {
      const running = client.workflow.list({
        query: `${TenantIdKey.name} = '${tenantId}' AND ExecutionStatus = 'Running'`,
      });
      for await (const execution of running) {
        if (execution.workflowId === except) continue;
        await client.workflow
          .getHandle(execution.workflowId, execution.runId)
          .terminate(reason)
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // finished meanwhile
          });
      }
    },
  };
}

/** Lets a missing Schedule pass (what deleting or pausing it wants), rethrows anything else. */
function unlessScheduleGone(err: unknown): void {
  if (!(err instanceof ScheduleNotFoundError)) throw err;
}
