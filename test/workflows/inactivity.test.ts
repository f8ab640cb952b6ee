/**
 * Inactive pruning: the sweep against the real database (prunes at once without
 * re-permission, resumes after its last heartbeat, asks with re-permission), and the
 * re-permission workflow on the time-skipping server (no answer: pruned after the wait; a
 * click: kept, nothing pruned) with real activities and the real SMTP sink.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createActivities, type Activities } from '../../activities';
import { readSinkMessages } from '../../src/mail/sink-messages';
import { createWorkflowGateway } from '../../src/temporal/workflows';
import {
  keepSignal,
  type InactivityPolicy,
  type RePermissionInput,
  type RePermissionResult,
} from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import { activityTime, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';
import { buildTenant } from '../helpers/tenant-fixtures';

const DAY = 86_400_000;

describe('inactive pruning', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  let tenant: { tenantId: string; apiKey: string };
  const marker = uniqueSuffix();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
    tenant = await buildTenant(stack.app, stack.platformToken);
  });
  afterAll(async () => {
    await ts?.env.teardown();
    await stack?.stop();
  });

  /** A list with the policy and members who consented `daysAgo` days ago; contact ids sorted. */
  async function listWith(policy: InactivityPolicy, members: { name: string; daysAgo: number }[]) {
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Quiet ${uniqueSuffix()}`, inactivityPolicy: policy });
    expect(list.status).toBe(201);
    const csv = `email,consentedAt\n${members.map((m) => `${m.name}.${marker}@example.test,${new Date(Date.now() - m.daysAgo * DAY).toISOString()}`).join('\n')}\n`;
    const imported = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/imports?consent=existing`)
      .set(auth())
      .set('Content-Type', 'text/csv')
      .send(csv);
    await stack.client.workflow.getHandle(imported.body.workflowId).result();
    const ids: Record<string, string> = {};
    for (const m of members) {
      const found = await request(stack.app)
        .get('/api/v1/contacts')
        .query({ email: `${m.name}.${marker}@example.test` })
        .set(auth());
      ids[m.name] = found.body.contacts[0].id;
    }
    return { listId: list.body.id as string, ids };
  }

  const statusOf = async (contactId: string) => {
    const res = await request(stack.app).get(`/api/v1/contacts/${contactId}`).set(auth());
    return res.status === 404 ? 'gone' : res.body.lists[0].status;
  };

  it('prunes members inactive past the threshold at once when there is no re-permission', async () => {
    const { listId, ids } = await listWith({ thresholdDays: 180, action: 'unsubscribe' }, [
      { name: 'sleepy', daysAgo: 400 },
      { name: 'lively', daysAgo: 30 },
    ]);
    const { sweepInactive } = createActivities(stack.activityDeps);
    expect(
      await new MockActivityEnvironment().run(sweepInactive, { tenantId: tenant.tenantId, listId }),
    ).toEqual({ pruned: 1, asked: 0 });
    expect(await statusOf(ids.sleepy!)).toBe('unsubscribed');
    expect(await statusOf(ids.lively!)).toBe('active');
    // A rerun changes nothing.
    expect(
      await new MockActivityEnvironment().run(sweepInactive, { tenantId: tenant.tenantId, listId }),
    ).toEqual({ pruned: 0, asked: 0 });
    // The schedule that runs it daily exists.
    await expect(
      stack.client.schedule.getHandle(`inactivity-sweep:${tenant.tenantId}:${listId}`).describe(),
    ).resolves.toBeDefined();
  });

  it('resumes after the last page it reported, leaving earlier contacts alone', async () => {
    const { listId, ids } = await listWith({ thresholdDays: 30, action: 'delete' }, [
      { name: 'a1', daysAgo: 100 },
      { name: 'a2', daysAgo: 100 },
      { name: 'a3', daysAgo: 100 },
    ]);
    const sorted = Object.values(ids).sort();
    const { sweepInactive } = createActivities(stack.activityDeps);
    const env = new MockActivityEnvironment({ heartbeatDetails: { after: sorted[0] } });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    expect(await env.run(sweepInactive, { tenantId: tenant.tenantId, listId })).toEqual({
      pruned: 2,
      asked: 0,
    });
    expect(beats).toEqual([{ after: sorted[2] }]);
    expect(await statusOf(sorted[0]!)).toBe('active'); // reported done before the crash
    expect(await statusOf(sorted[1]!)).toBe('gone');
    expect(await statusOf(sorted[2]!)).toBe('gone');
  });

  it('asks inactive members for re-permission instead, one workflow each, once', async () => {
    const { listId } = await listWith(
      { thresholdDays: 60, rePermission: { waitDays: 14 }, action: 'delete' },
      [
        { name: 'ask1', daysAgo: 90 },
        { name: 'fine', daysAgo: 5 },
      ],
    );
    const taskQueue = `idle-${uniqueSuffix()}`;
    const { sweepInactive } = createActivities({
      ...stack.activityDeps,
      workflows: createWorkflowGateway({ client: stack.client, taskQueue }),
    });
    expect(
      await new MockActivityEnvironment().run(sweepInactive, { tenantId: tenant.tenantId, listId }),
    ).toEqual({ pruned: 0, asked: 1 });
    expect(
      await new MockActivityEnvironment().run(sweepInactive, { tenantId: tenant.tenantId, listId }),
    ).toEqual({ pruned: 0, asked: 0 });
  });

  describe('re-permission workflow', () => {
    const policy: InactivityPolicy = {
      thresholdDays: 60,
      rePermission: { waitDays: 14 },
      action: 'delete',
    };
    async function run(activities: object, input: RePermissionInput, keepAfter?: string) {
      return ts.withWorker(activities, async (taskQueue) => {
        const handle = await ts.client.workflow.start<
          (i: RePermissionInput) => Promise<RePermissionResult>
        >('rePermissionWorkflow', {
          workflowId: `re-permission:${tenant.tenantId}:p${uniqueSuffix()}`,
          taskQueue,
          args: [input],
        });
        if (keepAfter) {
          await ts.env.sleep(keepAfter);
          await handle.signal(keepSignal, {
            at: new Date(await ts.env.currentTimeMs()).toISOString(),
            ip: '192.0.2.5',
            userAgent: 'Keeper/1',
          });
        }
        return {
          result: await handle.result(),
          startedAt: (await handle.describe()).startTime.getTime(),
        };
      });
    }

    it('prunes after the wait when nobody answers', async () => {
      const { listId, ids } = await listWith(policy, [{ name: 'silent', daysAgo: 90 }]);
      const calls: [string, number][] = [];
      const real = createActivities({
        ...stack.activityDeps,
        ...ts.temporalDeps(stack.config.temporal.taskQueue),
      });
      const activities: Pick<Activities, 'sendRePermission' | 'keepMember' | 'pruneInactive'> = {
        sendRePermission: async (i) => (
          calls.push(['ask', activityTime()]),
          real.sendRePermission(i)
        ),
        keepMember: async (i) => (calls.push(['keep', activityTime()]), real.keepMember(i)),
        pruneInactive: async (i) => (calls.push(['prune', activityTime()]), real.pruneInactive(i)),
      };
      const { result, startedAt } = await run(activities, {
        tenantId: tenant.tenantId,
        listId,
        contactId: ids.silent!,
        policy,
      });
      expect(result).toEqual({ outcome: 'pruned' });
      expect(calls.map(([n, at]) => [n, Math.round((at - startedAt) / DAY)])).toEqual([
        ['ask', 0],
        ['prune', 14],
      ]);
      expect(await statusOf(ids.silent!)).toBe('gone');
      const mails = (await readSinkMessages(testServices().sinkDir)).filter((m) =>
        m.to.includes(`silent.${marker}@example.test`),
      );
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toMatch(/\/k\/[A-Za-z0-9._-]+/);
    });

    it('keeps a member who clicks, and prunes nothing', async () => {
      const { listId, ids } = await listWith(policy, [{ name: 'keeper', daysAgo: 90 }]);
      const real = createActivities({
        ...stack.activityDeps,
        ...ts.temporalDeps(stack.config.temporal.taskQueue),
      });
      const { result } = await run(
        real,
        { tenantId: tenant.tenantId, listId, contactId: ids.keeper!, policy },
        '3 days',
      );
      expect(result).toEqual({ outcome: 'kept' });
      const contact = await request(stack.app).get(`/api/v1/contacts/${ids.keeper}`).set(auth());
      expect(contact.body.lists[0].status).toBe('active');
      expect(contact.body.consent.at(-1)).toMatchObject({
        action: 'renewed',
        ip: '192.0.2.5',
        userAgent: 'Keeper/1',
        source: { kind: 'link', id: 're-permission' },
      });
      // Active again: the next sweep leaves the member alone.
      const { sweepInactive } = createActivities(stack.activityDeps);
      expect(
        await new MockActivityEnvironment().run(sweepInactive, {
          tenantId: tenant.tenantId,
          listId,
        }),
      ).toEqual({ pruned: 0, asked: 0 });
    });
  });
});
