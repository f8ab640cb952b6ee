/**
 * Consent renewal on the time-skipping server: reminders at the policy's offsets and the
 * lapse action when nobody renews; a renewal that starts a new period and applies nothing;
 * with real activities (database, SMTP sink, DKIM) and with typed fakes for the timing. The
 * daily sweep is run as an activity against the real database and a real Temporal server.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createActivities, type Activities } from '../../activities';
import { readSinkMessages } from '../../src/mail/sink-messages';
import { createWorkflowGateway } from '../../src/temporal/workflows';
import {
  renewSignal,
  type ConsentPolicy,
  type ConsentRenewalInput,
  type ConsentRenewalResult,
} from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { verifyDkim } from '../helpers/dkim';
import { testServices, uniqueSuffix } from '../helpers/services';
import { activityTime, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';
import { buildTenant } from '../helpers/tenant-fixtures';

const DAY = 86_400_000;
const policy: ConsentPolicy = {
  validityDays: 365,
  reminderDaysBefore: [7, 30],
  onExpiry: 'unsubscribe',
};

describe('consent renewal', () => {
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

  /** A list with active members whose consent dates from `consentedAt`; returns ids. */
  async function listWithMembers(
    emails: string[],
    consentedAt: string,
    consentPolicy?: ConsentPolicy,
  ) {
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Renew ${uniqueSuffix()}`, ...(consentPolicy ? { consentPolicy } : {}) });
    const csv = `email,consentedAt,consentIp\n${emails.map((e) => `${e},${consentedAt},192.0.2.1`).join('\n')}\n`;
    const imported = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/imports?consent=existing`)
      .set(auth())
      .set('Content-Type', 'text/csv')
      .send(csv);
    await stack.client.workflow.getHandle(imported.body.workflowId).result();
    const ids = [];
    for (const email of emails) {
      const found = await request(stack.app).get('/api/v1/contacts').query({ email }).set(auth());
      ids.push(found.body.contacts[0].id as string);
    }
    return { listId: list.body.id as string, contactIds: ids };
  }

  async function runCycle(activities: object, input: ConsentRenewalInput, renewAfter?: string) {
    return ts.withWorker(activities, async (taskQueue) => {
      const id = `consent-renewal:${tenant.tenantId}:r${uniqueSuffix()}`;
      const handle = await ts.client.workflow.start<
        (i: ConsentRenewalInput) => Promise<ConsentRenewalResult>
      >('consentRenewalWorkflow', { workflowId: id, taskQueue, args: [input] });
      if (renewAfter) {
        await ts.env.sleep(renewAfter);
        await handle.signal(renewSignal, {
          at: new Date(await ts.env.currentTimeMs()).toISOString(),
          ip: '192.0.2.99',
          userAgent: 'Renewer/1',
        });
      }
      return {
        result: await handle.result(),
        startedAt: (await handle.describe()).startTime.getTime(),
      };
    });
  }

  describe('timing', () => {
    function fakes() {
      const calls: [string, number][] = [];
      const activities: Pick<
        Activities,
        'sendRenewalReminder' | 'renewConsent' | 'applyConsentExpiry'
      > = {
        sendRenewalReminder: async (i) => (
          calls.push([`reminder-${i.daysBefore}`, activityTime()]),
          'sent' as const
        ),
        renewConsent: async () => void calls.push(['renew', activityTime()]),
        applyConsentExpiry: async () => (calls.push(['expire', activityTime()]), true),
      };
      return { calls, activities };
    }
    const inDays = async (days: number) =>
      new Date((await ts.env.currentTimeMs()) + days * DAY).toISOString();

    it('reminds at each offset before the lapse and applies the action at the lapse', async () => {
      const { calls, activities } = fakes();
      const input = {
        tenantId: tenant.tenantId,
        listId: 'l1',
        contactId: 'c1',
        expiresAt: await inDays(40),
        policy,
      };
      const { result, startedAt } = await runCycle(activities, input);
      expect(result).toEqual({ outcome: 'expired' });
      expect(calls.map(([name, at]) => [name, Math.round((at - startedAt) / DAY)])).toEqual([
        ['reminder-30', 10],
        ['reminder-7', 33],
        ['expire', 40],
      ]);
    });

    it('stops reminding once renewed and applies nothing', async () => {
      const { calls, activities } = fakes();
      const input = {
        tenantId: tenant.tenantId,
        listId: 'l1',
        contactId: 'c1',
        expiresAt: await inDays(40),
        policy,
      };
      const { result } = await runCycle(activities, input, '12 days');
      expect(result).toEqual({ outcome: 'renewed' });
      expect(calls.map(([name]) => name)).toEqual(['reminder-30', 'renew']);
    });
  });

  describe('with the real activities', () => {
    const real = () =>
      createActivities({
        ...stack.activityDeps,
        ...ts.temporalDeps(stack.config.temporal.taskQueue),
      });

    it('unsubscribes at the lapse after DKIM-signed reminders carrying a renewal link', async () => {
      const email = `lapse.${marker}@example.test`;
      const { listId, contactIds } = await listWithMembers([email], '2024-01-01T00:00:00Z');
      const input = {
        tenantId: tenant.tenantId,
        listId,
        contactId: contactIds[0]!,
        expiresAt: new Date((await ts.env.currentTimeMs()) + 40 * DAY).toISOString(),
        policy,
      };
      expect((await runCycle(real(), input)).result).toEqual({ outcome: 'expired' });
      const mails = (await readSinkMessages(testServices().sinkDir)).filter((m) =>
        m.to.includes(email),
      );
      expect(mails).toHaveLength(2);
      const dkim = (await request(stack.app).get('/api/v1/dkim').set(auth())).body;
      for (const mail of mails) {
        expect(mail.text).toMatch(/\/c\/[A-Za-z0-9._-]+/);
        expect((await verifyDkim(mail.raw, dkim))?.status.result).toBe('pass');
      }
      const contact = await request(stack.app).get(`/api/v1/contacts/${contactIds[0]}`).set(auth());
      expect(contact.body.lists).toEqual([expect.objectContaining({ status: 'unsubscribed' })]);
      expect(contact.body.consent.map((c: { action: string }) => c.action)).toEqual([
        'confirmed',
        'expired',
      ]);
    });

    it('deletes the member at the lapse when the policy says delete', async () => {
      const email = `delete.${marker}@example.test`;
      const { listId, contactIds } = await listWithMembers([email], '2024-01-01T00:00:00Z');
      const input = {
        tenantId: tenant.tenantId,
        listId,
        contactId: contactIds[0]!,
        expiresAt: new Date((await ts.env.currentTimeMs()) + 2 * DAY).toISOString(),
        policy: { ...policy, onExpiry: 'delete' as const },
      };
      expect((await runCycle(real(), input)).result).toEqual({ outcome: 'expired' });
      expect(
        (await request(stack.app).get(`/api/v1/contacts/${contactIds[0]}`).set(auth())).status,
      ).toBe(404);
      const scope = await stack.data.tenants.forTenant(tenant.tenantId);
      expect(await scope.models.ConsentRecord.countDocuments({ contactId: contactIds[0] })).toBe(0);
      expect(
        await scope.models.ConsentTrace.countDocuments({ listId, outcome: 'expired-deleted' }),
      ).toBe(1);
    });

    it('renews: a new period from the click, no lapse action', async () => {
      const email = `renew.${marker}@example.test`;
      const { listId, contactIds } = await listWithMembers([email], '2024-01-01T00:00:00Z');
      const input = {
        tenantId: tenant.tenantId,
        listId,
        contactId: contactIds[0]!,
        expiresAt: new Date((await ts.env.currentTimeMs()) + 40 * DAY).toISOString(),
        policy,
      };
      expect((await runCycle(real(), input, '35 days')).result).toEqual({ outcome: 'renewed' });
      const contact = await request(stack.app).get(`/api/v1/contacts/${contactIds[0]}`).set(auth());
      expect(contact.body.lists).toEqual([expect.objectContaining({ status: 'active' })]);
      expect(contact.body.consent.map((c: { action: string }) => c.action)).toEqual([
        'confirmed',
        'renewed',
      ]);
      expect(contact.body.consent[1]).toMatchObject({ ip: '192.0.2.99', userAgent: 'Renewer/1' });
      const scope = await stack.data.tenants.forTenant(tenant.tenantId);
      const stored = await scope.models.Contact.findById(contactIds[0]).lean();
      expect(stored!.lists[listId]!.renewedAt!.getTime()).toBeGreaterThan(Date.parse('2025-01-01'));
    });
  });

  it('the sweep starts one cycle per member entering the window, once, under the current policy', async () => {
    const recent = new Date(Date.now() - 10 * DAY).toISOString();
    const old = new Date(Date.now() - 340 * DAY).toISOString(); // lapses in 25 days: inside the 30-day window
    const inWindow = await listWithMembers(
      [`old1.${marker}@example.test`, `old2.${marker}@example.test`],
      old,
      policy,
    );
    const fresh = await listWithMembers([`new.${marker}@example.test`], recent);
    const scope = await stack.data.tenants.forTenant(tenant.tenantId);
    await scope.models.List.updateOne({ _id: fresh.listId }, { $set: { consentPolicy: policy } });
    const taskQueue = `idle-${uniqueSuffix()}`; // nothing runs them: only the starts are checked
    const { startDueRenewals } = createActivities({
      ...stack.activityDeps,
      workflows: createWorkflowGateway({ client: stack.client, taskQueue }),
    });
    const sweep = (listId: string) =>
      new MockActivityEnvironment().run(startDueRenewals, { tenantId: tenant.tenantId, listId });
    expect(await sweep(inWindow.listId)).toEqual({ started: 2 });
    expect(await sweep(inWindow.listId)).toEqual({ started: 0 }); // the next day: same cycles, not again
    expect(await sweep(fresh.listId)).toEqual({ started: 0 });
    const runs = [];
    for await (const run of stack.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      runs.push(run);
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.workflowId).toMatch(
        new RegExp(`^consent-renewal:${tenant.tenantId}:r[0-9a-f]{24}$`),
      );
      expect(run.searchAttributes).toMatchObject({
        TenantId: [tenant.tenantId],
        ListId: [inWindow.listId],
        ConsentflowKind: ['consent-renewal'],
      });
    }
    // The schedule that runs the sweep daily exists for the list with a policy, not for the other.
    await expect(
      stack.client.schedule
        .getHandle(`consent-renewal-sweep:${tenant.tenantId}:${inWindow.listId}`)
        .describe(),
    ).resolves.toBeDefined();
    const patched = await request(stack.app)
      .patch(`/api/v1/lists/${inWindow.listId}`)
      .set(auth())
      .send({ consentPolicy: null });
    expect(patched.status).toBe(200);
    await expect(
      stack.client.schedule
        .getHandle(`consent-renewal-sweep:${tenant.tenantId}:${inWindow.listId}`)
        .describe(),
    ).rejects.toThrow();
  });
});
