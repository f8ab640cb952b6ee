/**
 * The workflow gateway's pure parts (ids, search attributes, id policies and Schedule actions
 * per kind, read back by workflow-tenant.ts) and its call semantics over a fake client.
 */
import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type SearchAttributePair,
} from '@temporalio/common';
import { parseWorkflowId, tenantOfWorkflowId } from '../../src/temporal/workflow-tenant';
import {
  createWorkflowGateway,
  scheduledStartOf,
  searchAttributesOf,
  startOptionsOf,
  workflowIdOf,
  workflowRegistry,
  type StartRefArgs,
  type WorkflowInput,
  type WorkflowKind,
} from '../../src/temporal/workflows';
import * as workflowFunctions from '../../workflows';
import {
  keepSignal,
  renewSignal,
  wakeSignal,
  moveContractEndUpdate,
  renewContractUpdate,
  workflowKinds,
  type ConsentPolicy,
  type InactivityPolicy,
} from '../../workflows/definitions';

const tenantId = 'acme0001';
const listId = 'l0123456789abcdef';
const plan = { endsAt: '2030-01-31T00:00:00.000Z', deleteAt: '2030-02-14T00:00:00.000Z' };
const consentPolicy: ConsentPolicy = {
  validityDays: 365,
  reminderDaysBefore: [30],
  onExpiry: 'unsubscribe',
};
const inactivityPolicy: InactivityPolicy = { thresholdDays: 90, action: 'delete' };

/** What the registry makes of one start of a kind, and what it must make of it. */
interface Start {
  kind: WorkflowKind;
  options: {
    workflowId: string;
    taskQueue: string;
    args?: unknown;
    workflowIdReusePolicy?: WorkflowIdReusePolicy;
    workflowIdConflictPolicy?: WorkflowIdConflictPolicy;
    typedSearchAttributes?: unknown;
  };
  attributes: Record<string, unknown>;
  id: string;
  listId?: string;
  /** The attributes it carries besides tenant, kind and list. */
  extra?: Record<string, string>;
  reuse?: WorkflowIdReusePolicy;
  conflict?: WorkflowIdConflictPolicy;
}

function startOf<K extends WorkflowKind>(
  kind: K,
  input: WorkflowInput<K>,
  ...refs: StartRefArgs<K>
): Pick<Start, 'kind' | 'options' | 'attributes'> {
  return {
    kind,
    options: startOptionsOf('queue-1', kind, input, ...refs),
    attributes: attributeRecord(searchAttributesOf(kind, input, ...refs)),
  };
}

const attributeRecord = (pairs: SearchAttributePair[]) =>
  Object.fromEntries(pairs.map((pair) => [pair.key.name, pair.value]));

/** One start of every kind, with the id, list and policies it must get. */
const starts: Start[] = [
  {
    ...startOf('encryptionProbe', { tenantId, probeId: 'p1' }),
    id: 'encryption-probe:acme0001:p1',
  },
  {
    ...startOf('tenantProvisioning', { tenantId }),
    id: 'tenant-provisioning:acme0001:create',
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.USE_EXISTING,
  },
  {
    ...startOf('tenantShredding', { tenantId }, { opaqueId: 'x1' }),
    id: 'tenant-shredding:acme0001:x1',
  },
  {
    ...startOf('contactImport', { tenantId, importId: 'i1' }, { listId }),
    id: 'contact-import:acme0001:i1',
    listId,
  },
  {
    ...startOf('doubleOptIn', { tenantId, listId }),
    id: `double-opt-in:acme0001:${listId}`,
    listId,
    reuse: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.USE_EXISTING,
  },
  {
    ...startOf('doubleOptInSweep', { tenantId }),
    id: 'double-opt-in-sweep:acme0001:acme0001',
  },
  {
    ...startOf(
      'consentRenewal',
      { tenantId, listId, contactId: 'c1', expiresAt: plan.endsAt, policy: consentPolicy },
      { opaqueId: 'r1' },
    ),
    id: 'consent-renewal:acme0001:r1',
    listId,
    extra: { ContactId: 'c1' },
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.FAIL,
  },
  {
    ...startOf('consentRenewalSweep', { tenantId, listId }),
    id: `consent-renewal-sweep:acme0001:${listId}`,
    listId,
  },
  {
    ...startOf('inactivitySweep', { tenantId, listId }),
    id: `inactivity-sweep:acme0001:${listId}`,
    listId,
  },
  {
    ...startOf(
      'rePermission',
      { tenantId, listId, contactId: 'c1', policy: inactivityPolicy },
      { opaqueId: 'p1' },
    ),
    id: 're-permission:acme0001:p1',
    listId,
    extra: { ContactId: 'c1' },
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.FAIL,
  },
  {
    ...startOf('contractTermination', { tenantId, exportWindowDays: 14, ...plan }),
    id: 'contract-termination:acme0001:acme0001',
    reuse: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  },
  {
    ...startOf('rightsRequest', { tenantId, requestId: 'r1', initialStatus: 'verifying' }),
    id: 'rights-request:acme0001:r1',
    extra: { RightsStatus: 'verifying' },
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.USE_EXISTING,
  },
  {
    ...startOf('webhookDelivery', { tenantId, deliveryId: 'd1' }),
    id: 'webhook-delivery:acme0001:d1',
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.FAIL,
  },
  {
    ...startOf('webhookSweep', { tenantId }),
    id: 'webhook-sweep:acme0001:acme0001',
  },
  {
    ...startOf('automationRun', {
      tenantId,
      automationId: 'a1',
      contactId: 'c1',
      run: '2',
      version: 3,
    }),
    id: 'automation:acme0001:a1:c1:2',
    extra: { ContactId: 'c1', AutomationId: 'a1', AutomationVersion: '3' },
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.FAIL,
  },
  {
    ...startOf('automationSweep', { tenantId }),
    id: 'automation-sweep:acme0001:acme0001',
  },
  {
    ...startOf('campaignSend', { tenantId, campaignId: 'k1' }),
    id: 'campaign:acme0001:k1',
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.FAIL,
  },
  {
    // An admin's review; the Schedule's runs (input without reviewId) are below.
    ...startOf('accessReview', { tenantId, reviewId: 'v1' }),
    id: 'access-review:acme0001:v1',
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  },
  {
    ...startOf('supportAccess', { tenantId, grantId: 'g1', hours: 2 }),
    id: 'support-access:acme0001:g1',
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    conflict: WorkflowIdConflictPolicy.USE_EXISTING,
  },
  {
    // The platform's backup; the Schedule's runs (input without backupId) get the tenant's id.
    ...startOf('tenantBackup', { tenantId, backupId: 'b20261206000000abcdef01' }),
    id: 'tenant-backup:acme0001:b20261206000000abcdef01',
    reuse: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  },
  {
    // One restore per tenant at a time: the id is the tenant's, a second start fails.
    ...startOf('tenantRestore', {
      tenantId,
      backupId: 'b20261206000000abcdef01',
      restoreId: 'feed0001',
    }),
    id: 'tenant-restore:acme0001:acme0001',
    conflict: WorkflowIdConflictPolicy.FAIL,
  },
];

describe('the workflow registry', () => {
  it('registers every kind under its key, with its kind string and a registered workflow', () => {
    expect(Object.keys(workflowRegistry).sort()).toEqual(Object.keys(workflowKinds).sort());
    for (const [key, spec] of Object.entries(workflowRegistry)) {
      expect(spec.kind).toBe(workflowKinds[key as WorkflowKind]);
      expect(typeof workflowFunctions[spec.workflowType]).toBe('function');
    }
    expect(starts.map((s) => s.kind).sort()).toEqual(Object.keys(workflowKinds).sort());
  });

  it.each(starts.map((s) => [s.kind, s] as const))(
    'starts %s under its id, with its id policies, on the task queue',
    (_kind, s) => {
      expect(s.options).toMatchObject({ workflowId: s.id, taskQueue: 'queue-1' });
      expect(s.options.args).toEqual([expect.objectContaining({ tenantId })]);
      expect(s.options.workflowIdReusePolicy).toBe(s.reuse);
      expect(s.options.workflowIdConflictPolicy).toBe(s.conflict);
    },
  );

  it.each(starts.map((s) => [s.kind, s] as const))(
    'gives %s the tenant and kind, its list and contact when it concerns one, and nothing else',
    (kind, s) => {
      expect(s.attributes).toEqual({
        TenantId: tenantId,
        ConsentflowKind: workflowKinds[kind],
        ...(s.listId ? { ListId: s.listId } : {}),
        ...s.extra,
      });
      expect(attributeRecord(s.options.typedSearchAttributes as SearchAttributePair[])).toEqual(
        s.attributes,
      );
    },
  );

  it('reads the kind and tenant back from every id it builds, scheduled runs included', () => {
    for (const s of starts) {
      const expected = { kind: workflowKinds[s.kind], tenantId };
      expect(parseWorkflowId(s.options.workflowId)).toEqual(expected);
      expect(parseWorkflowId(`${s.options.workflowId}-2025-01-31T00:00:00Z`)).toEqual(expected);
    }
    const tenant = 't0123456789abcdef012';
    expect(tenantOfWorkflowId(workflowIdOf('doubleOptIn', tenant, 's1'))).toBe(tenant);
  });

  it('refuses a start that names no opaque id where the kind derives none', () => {
    const start = startOptionsOf as (...args: unknown[]) => unknown;
    expect(() => start('q', 'tenantShredding', { tenantId })).toThrow(TypeError);
  });

  it('gives a Schedule the id, task queue and search attributes of the workflows it starts', () => {
    const scheduled = scheduledStartOf('queue-1', 'inactivitySweep', { tenantId, listId });
    const id = `inactivity-sweep:acme0001:${listId}`;
    expect(scheduled.scheduleId).toBe(id);
    expect(scheduled.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'inactivitySweepWorkflow',
      workflowId: id,
      taskQueue: 'queue-1',
      args: [{ tenantId, listId }],
    });
    const attributes = {
      TenantId: tenantId,
      ConsentflowKind: 'inactivity-sweep',
      ListId: listId,
    };
    expect(attributeRecord(scheduled.typedSearchAttributes)).toEqual(attributes);
    expect(
      attributeRecord(scheduled.action.typedSearchAttributes as SearchAttributePair[]),
    ).toEqual(attributes);
    const review = scheduledStartOf('queue-1', 'accessReview', { tenantId });
    expect(review.scheduleId).toBe('access-review:acme0001:acme0001');
    expect(review.action).toMatchObject({
      workflowType: 'accessReviewWorkflow',
      args: [{ tenantId }],
    });
    const sweep = scheduledStartOf('queue-1', 'doubleOptInSweep', { tenantId });
    expect(sweep.scheduleId).toBe('double-opt-in-sweep:acme0001:acme0001');
    expect(attributeRecord(sweep.typedSearchAttributes)).not.toHaveProperty('ListId');
  });
});

/** A client whose calls are recorded; each handle behaves as `behave` says for its id. */
function fakeClient(
  behave: {
    start?: (type: string, options: { workflowId: string }) => Promise<unknown>;
    signal?: (id: string) => Promise<void>;
    result?: (id: string) => Promise<unknown>;
    executeUpdate?: (id: string, name: string, options: unknown) => Promise<unknown>;
    terminate?: (id: string) => Promise<void>;
    running?: { workflowId: string; runId: string }[];
  } = {},
) {
  const calls: unknown[][] = [];
  const handleOf = (workflowId: string) => ({
    workflowId,
    signal: async (def: { name: string }, ...args: unknown[]) => {
      calls.push(['signal', workflowId, def.name, ...args]);
      await behave.signal?.(workflowId);
    },
    result: () => behave.result?.(workflowId) ?? Promise.resolve(undefined),
    executeUpdate: (def: { name: string }, options: unknown) => {
      calls.push(['update', workflowId, def.name, options]);
      return behave.executeUpdate?.(workflowId, def.name, options);
    },
    terminate: async (reason: string) => {
      calls.push(['terminate', workflowId, reason]);
      await behave.terminate?.(workflowId);
    },
  });
  const client = {
    workflow: {
      start: async (type: string, options: { workflowId: string }) => {
        calls.push(['start', type, options.workflowId]);
        await behave.start?.(type, options);
        return handleOf(options.workflowId);
      },
      getHandle: (workflowId: string) => handleOf(workflowId),
      signalWithStart: async (type: string, options: { workflowId: string }) => {
        calls.push(['signalWithStart', type, options]);
        return handleOf(options.workflowId);
      },
      list: ({ query }: { query: string }) => {
        calls.push(['list', query]);
        return (async function* () {
          yield* behave.running ?? [];
        })();
      },
    },
    withAbortSignal: async <R>(signal: AbortSignal, fn: () => Promise<R>) => {
      calls.push(['abortable', signal.aborted]);
      return fn();
    },
  };
  return { client: client as unknown as Client, calls };
}

const started = (id: string) => new WorkflowExecutionAlreadyStartedError('started', id, 'x');
const notFound = (id: string) => new WorkflowNotFoundError('not found', id, undefined);

describe('the workflow gateway', () => {
  it('starts once: false when the id policies refuse, other errors pass', async () => {
    const refused = fakeClient({ start: async (_t, o) => Promise.reject(started(o.workflowId)) });
    const gateway = createWorkflowGateway({ client: refused.client, taskQueue: 'q' });
    const input = { tenantId, listId, contactId: 'c1', policy: inactivityPolicy };
    await expect(gateway.startOnce('rePermission', input, { opaqueId: 'p1' })).resolves.toBe(false);
    expect(refused.calls).toEqual([['start', 'rePermissionWorkflow', 're-permission:acme0001:p1']]);

    const fresh = fakeClient();
    const ok = createWorkflowGateway({ client: fresh.client, taskQueue: 'q' });
    await expect(ok.startOnce('rePermission', input, { opaqueId: 'p1' })).resolves.toBe(true);

    const broken = fakeClient({ start: () => Promise.reject(new Error('unavailable')) });
    const failing = createWorkflowGateway({ client: broken.client, taskQueue: 'q' });
    await expect(failing.startOnce('rePermission', input, { opaqueId: 'p1' })).rejects.toThrow(
      'unavailable',
    );
  });

  it('executes: the result of the run, or of the run that may not run again', async () => {
    const result = { tenantId, status: 'active' as const };
    const fake = fakeClient({
      start: async (_t, o) => Promise.reject(started(o.workflowId)),
      result: async (id) => (id === 'tenant-provisioning:acme0001:create' ? result : undefined),
    });
    const gateway = createWorkflowGateway({ client: fake.client, taskQueue: 'q' });
    await expect(gateway.execute('tenantProvisioning', { tenantId })).resolves.toEqual(result);
  });

  it('signals and settles: false when nothing waits, else the result within the wait', async () => {
    const use = { at: '2030-01-01T00:00:00.000Z' };
    const gone = fakeClient({ signal: async (id) => Promise.reject(notFound(id)) });
    const none = createWorkflowGateway({ client: gone.client, taskQueue: 'q' });
    await expect(
      none.signalAndSettle('consentRenewal', tenantId, 'r1', renewSignal, use, 1000),
    ).resolves.toBe(false);
    expect(gone.calls).toEqual([['signal', 'consent-renewal:acme0001:r1', 'renew', use]]);

    const quick = fakeClient({ result: async () => ({ outcome: 'renewed' }) });
    const settled = createWorkflowGateway({ client: quick.client, taskQueue: 'q' });
    await expect(
      settled.signalAndSettle('consentRenewal', tenantId, 'r1', renewSignal, use, 1000),
    ).resolves.toEqual({ result: { outcome: 'renewed' } });

    const slow = fakeClient({ result: () => new Promise(() => undefined) });
    const waiting = createWorkflowGateway({ client: slow.client, taskQueue: 'q' });
    await expect(
      waiting.signalAndSettle('consentRenewal', tenantId, 'r1', renewSignal, use, 10),
    ).resolves.toEqual({ result: undefined });

    const failed = fakeClient({ result: () => Promise.reject(new Error('failed')) });
    const failing = createWorkflowGateway({ client: failed.client, taskQueue: 'q' });
    await expect(
      failing.signalAndSettle('rePermission', tenantId, 'p1', keepSignal, use, 1000),
    ).resolves.toEqual({ result: undefined });
  });

  it('lets other signal failures pass', async () => {
    const fake = fakeClient({ signal: () => Promise.reject(new Error('unavailable')) });
    const gateway = createWorkflowGateway({ client: fake.client, taskQueue: 'q' });
    await expect(
      gateway.signal('consentRenewal', tenantId, 'r1', renewSignal, { at: 'now' }),
    ).rejects.toThrow('unavailable');
  });

  it('signals with start: the kind’s id, options and search attributes, and no conflict policy', async () => {
    const fake = fakeClient();
    const gateway = createWorkflowGateway({ client: fake.client, taskQueue: 'q' });
    await gateway.signalWithStart('doubleOptIn', { tenantId, listId }, wakeSignal, {});
    const [call] = fake.calls;
    expect(call?.slice(0, 2)).toEqual(['signalWithStart', 'doubleOptInWorkflow']);
    expect(call?.[2]).toMatchObject({
      workflowId: `double-opt-in:acme0001:${listId}`,
      taskQueue: 'q',
      args: [{ tenantId, listId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      signal: wakeSignal,
      signalArgs: [{}],
    });
    expect(call?.[2]).not.toHaveProperty('workflowIdConflictPolicy');
  });

  it('updates the workflow with this id, within the wait when one is given', async () => {
    const fake = fakeClient({ executeUpdate: async () => 'applied' });
    const gateway = createWorkflowGateway({ client: fake.client, taskQueue: 'q' });
    const next = { ...plan, exportWindowDays: 14 };
    await expect(
      gateway.update('contractTermination', tenantId, tenantId, moveContractEndUpdate, {
        args: [next],
        waitMs: 20_000,
      }),
    ).resolves.toBe('applied');
    await gateway.update('contractTermination', tenantId, tenantId, renewContractUpdate);
    const id = 'contract-termination:acme0001:acme0001';
    expect(fake.calls).toEqual([
      ['abortable', false],
      ['update', id, 'moveContractEnd', { args: [next] }],
      ['update', id, 'renewContract', undefined],
    ]);
  });

  it('terminates the running workflows of a tenant but the one named, finished ones too', async () => {
    const fake = fakeClient({
      running: [
        { workflowId: 'tenant-shredding:acme0001:x1', runId: 'r1' },
        { workflowId: 'double-opt-in:acme0001:s1', runId: 'r2' },
        { workflowId: 'double-opt-in:acme0001:s2', runId: 'r3' },
      ],
      terminate: async (id) => {
        if (id.endsWith(':s2')) throw notFound(id); // finished meanwhile
      },
    });
    const gateway = createWorkflowGateway({ client: fake.client, taskQueue: 'q' });
    await gateway.terminateTenantWorkflows(tenantId, {
      reason: 'tenant shredded',
      except: 'tenant-shredding:acme0001:x1',
    });
    expect(fake.calls).toEqual([
      ['list', "TenantId = 'acme0001' AND ExecutionStatus = 'Running'"],
      ['terminate', 'double-opt-in:acme0001:s1', 'tenant shredded'],
      ['terminate', 'double-opt-in:acme0001:s2', 'tenant shredded'],
    ]);
  });
});
