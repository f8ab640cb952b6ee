/**
 * The double opt-in workflow on the time-skipping server: with real activities over the
 * real database and SMTP sink (confirm within the window; never confirmed, then erased with
 * nothing readable left), and with typed fake activities for the timing of the reminder.
 */
import { BSON, MongoClient } from 'mongodb';
import request from 'supertest';
import { createActivities, type Activities } from '../../activities';
import { readSinkMessages } from '../../src/mail/sink-messages';
import { contactIdOf } from '../../src/consent/subscription/ids';
import { startDoubleOptIn } from '../../src/consent/subscription/start';
import {
  storeSubscription as subscribe,
  type SubscribeRequest,
} from '../../src/consent/subscription/store';
import { unsubscribeContact } from '../../src/consent/unsubscribe';
import * as memberships from '../../src/db/memberships';
import { validateContactRow, type ContactRow } from '../../src/imports/contact-row';
import {
  confirmSignal,
  type DoubleOptInInput,
  type DoubleOptInResult,
} from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { testServices, uniqueSuffix } from '../helpers/services';
import { hoursBetween, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';
import { buildTenant } from '../helpers/tenant-fixtures';

const rowOf = (email: string, firstName: string): ContactRow => {
  const result = validateContactRow({ email, firstName, team: `team-${firstName}` });
  if (!result.ok) throw new Error(result.reason);
  return result.row;
};

describe('double opt-in workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  let raw: MongoClient;
  let tenantId: string;
  let apiKey: string;
  let list: SubscribeRequest['list'];
  const marker = uniqueSuffix();

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
    raw = await new MongoClient(testServices().mongoUri).connect();
    const tenant = await buildTenant(stack.app, stack.platformToken);
    tenantId = tenant.tenantId;
    apiKey = tenant.apiKey;
    const created = await request(stack.app)
      .post('/api/v1/lists')
      .set('Authorization', `Bearer ${tenant.apiKey}`)
      .send({
        name: `Letters ${marker}`,
        doubleOptIn: { confirmWithinHours: 48, reminderAfterHours: 20 },
      });
    list = { _id: created.body.id, name: created.body.name, doubleOptIn: created.body.doubleOptIn };
  });
  afterAll(async () => {
    await raw?.close();
    await ts?.env.teardown();
    await stack?.stop();
  });

  const realActivities = () => ({
    ...stack.activityDeps,
    ...ts.temporalDeps(stack.config.temporal.taskQueue),
  });

  /** The subscriber's first name: unique per address, so a raw scan can look for it. */
  const firstNameOf = (email: string) => `Name-${email.split('@')[0]}`;

  async function start(email: string, taskQueue: string) {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const { result, start: input } = await subscribe(
      { tenant },
      {
        list,
        row: rowOf(email, firstNameOf(email)),
        ip: '192.0.2.44',
        userAgent: 'Agent/9',
        source: { kind: 'api', id: 'k-test' },
      },
    );
    if (input) await startDoubleOptIn(ts.temporalDeps(taskQueue), input);
    return result;
  }

  const mailsTo = async (address: string) =>
    (await readSinkMessages(testServices().sinkDir)).filter((m) => m.to.includes(address));

  it('activates the contact and records the proof when the link is followed within the window', async () => {
    const email = `grace.${marker}@example.test`;
    await ts.withWorker(createActivities(realActivities()), async (taskQueue) => {
      const started = await start(email, taskQueue);
      const handle = ts.client.workflow.getHandle<() => Promise<DoubleOptInResult>>(
        started.workflowId,
      );
      await ts.env.sleep('30 hours'); // past the reminder
      await handle.signal(confirmSignal, {
        at: new Date().toISOString(),
        ip: '192.0.2.45',
        userAgent: 'Clicker/1',
      });
      expect(await handle.result()).toEqual({ outcome: 'confirmed' });

      const tenant = await stack.data.tenants.forTenant(tenantId);
      const contact = await tenant.models.Contact.findById(started.contactId).lean();
      expect(contact?.lists[list._id]).toMatchObject({
        status: 'active',
        confirmedAt: expect.any(Date),
      });
      // Name and custom field were stored as the contact's one encrypted `details` value.
      expect(contact?.details).toEqual({
        firstName: firstNameOf(email),
        custom: { team: `team-${firstNameOf(email)}` },
      });
      const stored = await raw
        .db(tenant.databaseName)
        .collection('contacts')
        .findOne({ _id: started.contactId as never });
      expect(Object.keys(stored ?? {}).sort()).toEqual(
        ['_id', 'createdAt', 'details', 'email', 'lastActivityAt', 'lists', 'updatedAt'].sort(),
      );
      expect(stored?.details).toMatchObject({ sub_type: 6 });
      const proof = await tenant.models.ConsentRecord.find({ contactId: started.contactId })
        .sort({ at: 1 })
        .lean();
      expect(proof.map((p) => [p.action, p.ip, p.userAgent])).toEqual([
        ['requested', '192.0.2.44', 'Agent/9'],
        ['confirmed', '192.0.2.45', 'Clicker/1'],
      ]);
      expect(proof[1]).toMatchObject({
        textVersion: 'default-1',
        textHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const subjects = (await mailsTo(email)).map((m) => m.subject).sort();
      expect(subjects).toEqual([
        `Please confirm your subscription to Letters ${marker}`,
        `Reminder: please confirm your subscription to Letters ${marker}`,
      ]);
    });
  });

  it('records the proof of a workflow started without it in its input, from the stored request', async () => {
    // Workflows started by earlier versions carry no `proof`; their activation reads it.
    const email = `legacy.${marker}@example.test`;
    await ts.withWorker(createActivities(realActivities()), async (taskQueue) => {
      const tenant = await stack.data.tenants.forTenant(tenantId);
      const { result, start: input } = await subscribe(
        { tenant },
        {
          list,
          row: rowOf(email, firstNameOf(email)),
          source: { kind: 'api', id: 'k-legacy' },
        },
      );
      const { proof, ...legacyInput } = input!;
      expect(proof).toMatchObject({ sourceId: 'k-legacy' });
      await startDoubleOptIn(ts.temporalDeps(taskQueue), legacyInput);
      const handle = ts.client.workflow.getHandle<() => Promise<DoubleOptInResult>>(
        result.workflowId,
      );
      await handle.signal(confirmSignal, { at: new Date().toISOString() });
      expect(await handle.result()).toEqual({ outcome: 'confirmed' });
      const confirmed = await tenant.models.ConsentRecord.findOne({
        contactId: result.contactId,
        action: 'confirmed',
      }).lean();
      expect(confirmed).toMatchObject({
        source: { kind: 'api', id: 'k-legacy' },
        textVersion: 'default-1',
        textHash: proof!.textHash,
      });
    });
  });

  it('erases the request instead of confirming it when its record is gone and the workflow carries no proof', async () => {
    // An earlier version's workflow reads its proof from the stored request; without it
    // nothing can prove the consent, so nothing of the address may stay.
    const email = `orphan.${marker}@example.test`;
    // A list of its own: the erasure's trace must not count among the other tests'.
    const created = await request(stack.app)
      .post('/api/v1/lists')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ name: `Orphans ${marker}` });
    const orphans = { _id: created.body.id, name: created.body.name, doubleOptIn: undefined };
    await ts.withWorker(createActivities(realActivities()), async (taskQueue) => {
      const tenant = await stack.data.tenants.forTenant(tenantId);
      const { result, start: input } = await subscribe(
        { tenant },
        {
          list: orphans,
          row: rowOf(email, firstNameOf(email)),
          source: { kind: 'api', id: 'k-orphan' },
        },
      );
      await startDoubleOptIn(ts.temporalDeps(taskQueue), { ...input!, proof: undefined });
      const handle = ts.client.workflow.getHandle<() => Promise<DoubleOptInResult>>(
        result.workflowId,
      );
      await tenant.models.Subscription.deleteOne({ _id: result.subscriptionId });
      await handle.signal(confirmSignal, { at: new Date().toISOString() });
      expect(await handle.result()).toEqual({ outcome: 'expired' });
      expect(await tenant.models.Contact.findById(result.contactId).lean()).toBeNull();
      expect(
        await tenant.models.ConsentRecord.countDocuments({ contactId: result.contactId }),
      ).toBe(0);
    });
  });

  it('never writes back the proof of a request whose erasure has begun when the address subscribes again', async () => {
    const email = `meanwhile.${marker}@example.test`;
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const first = await subscribe(
      { tenant },
      { list, row: rowOf(email, 'First'), ip: '192.0.2.60', source: { kind: 'api', id: 'k-1' } },
    );
    const { subscriptionId, contactId } = first.result;
    // The erasure of the first request is under way: marked (its first step), and the
    // request's proof record already deleted.
    await tenant.models.Subscription.updateOne(
      { _id: subscriptionId },
      { $set: { status: 'erasing', erasingSince: new Date() } },
    );
    await tenant.models.ConsentRecord.deleteMany({ contactId, action: 'requested' });
    await new Promise((r) => setTimeout(r, 5));

    const again = await subscribe(
      { tenant },
      { list, row: rowOf(email, 'Again'), ip: '192.0.2.61', source: { kind: 'api', id: 'k-2' } },
    );
    // A new request, with its own proof; nothing of the first comes back.
    expect(again.result).toMatchObject({ subscriptionId, status: 'pending' });
    expect(again.start?.proof).toMatchObject({ sourceId: 'k-2' });
    const requested = await tenant.models.ConsentRecord.find({
      contactId,
      action: 'requested',
    }).lean();
    expect(requested.map((r) => [r.ip, r.source.id])).toEqual([['192.0.2.61', 'k-2']]);
    expect(await tenant.models.Subscription.findById(subscriptionId).lean()).toMatchObject({
      status: 'pending',
      source: { kind: 'api', id: 'k-2' },
    });
  });

  it('takes back what a failed request wrote: a new address goes, a known one keeps its earlier membership', async () => {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const { Contact, Subscription, ConsentRecord } = tenant.models;
    const failOnce = () =>
      jest
        .spyOn(ConsentRecord, 'create')
        .mockRejectedValueOnce(new Error('the database went away') as never);

    // A new address: the contact it inserted and the subscription it stored go again.
    const fresh = `failed.${marker}@example.test`;
    const spy = failOnce();
    await expect(
      subscribe(
        { tenant },
        { list, row: rowOf(fresh, 'Failed'), ip: '192.0.2.70', source: { kind: 'api', id: 'k' } },
      ),
    ).rejects.toThrow('the database went away');
    spy.mockRestore();
    const { id: freshId } = await contactIdOf(tenant, fresh);
    expect(await Contact.exists({ _id: freshId })).toBeNull();
    expect(await Subscription.countDocuments({ contactId: freshId })).toBe(0);
    expect(await ConsentRecord.countDocuments({ contactId: freshId })).toBe(0);

    // A known address that had unsubscribed: its membership is as it was.
    const known = `known.${marker}@example.test`;
    const first = await subscribe(
      { tenant },
      { list, row: rowOf(known, 'Known'), source: { kind: 'api', id: 'k' } },
    );
    await memberships.unsubscribe(
      tenant,
      { contactId: first.result.contactId, listId: list._id },
      new Date(),
    );
    await Subscription.updateOne(
      { _id: first.result.subscriptionId },
      { $set: { status: 'confirmed' } }, // an earlier, closed request
    );
    const before = await Contact.findById(first.result.contactId, { lists: 1 }).lean();
    const again = failOnce();
    await expect(
      subscribe({ tenant }, { list, row: rowOf(known, 'Known'), source: { kind: 'api', id: 'k' } }),
    ).rejects.toThrow('the database went away');
    again.mockRestore();
    const after = await Contact.findById(first.result.contactId, { lists: 1 }).lean();
    expect(after?.lists).toEqual(before?.lists);
    // No pending request is left behind to be started by the sweep.
    expect(
      await Subscription.exists({ _id: first.result.subscriptionId, status: 'pending' }),
    ).toBeNull();
    expect(
      await ConsentRecord.countDocuments({
        contactId: first.result.contactId,
        action: 'requested',
      }),
    ).toBe(1); // the first request's only
  });

  it('erases the pending contact when the link is never followed, leaving nothing readable', async () => {
    const email = `ghost.${marker}@example.test`;
    await ts.withWorker(createActivities(realActivities()), async (taskQueue) => {
      const started = await start(email, taskQueue);
      const handle = ts.client.workflow.getHandle<() => Promise<DoubleOptInResult>>(
        started.workflowId,
      );
      expect(await handle.result()).toEqual({ outcome: 'expired' });
      expect(await mailsTo(email)).toHaveLength(2); // confirmation and the one reminder

      const tenant = await stack.data.tenants.forTenant(tenantId);
      const encryptedEmail = await tenant.searchable(email);
      const db = raw.db(tenant.databaseName);
      const needles = [
        email,
        'ghost.',
        started.contactId,
        started.subscriptionId,
        firstNameOf(email),
        `team-${firstNameOf(email)}`,
        Buffer.from(encryptedEmail.buffer).toString('latin1'),
      ];
      for (const { name } of await db.listCollections().toArray()) {
        for (const doc of await db.collection(name).find().toArray()) {
          const bytes = Buffer.from(BSON.serialize(doc)).toString('latin1');
          for (const needle of needles)
            expect(bytes.includes(needle) ? `${name}: ${needle}` : '').toBe('');
        }
      }
      const traces = await tenant.models.ConsentTrace.find({
        listId: list._id,
        outcome: 'unconfirmed-erased',
      }).lean();
      expect(traces).toEqual([
        expect.objectContaining({ sourceKind: 'api', startedAt: expect.any(Date) }),
      ]);
    });
  });

  it('erases at the deadline an address unsubscribed from its confirmation mail', async () => {
    const email = `withdrawn.${marker}@example.test`;
    await ts.withWorker(createActivities(realActivities()), async (taskQueue) => {
      const started = await start(email, taskQueue);
      const tenant = await stack.data.tenants.forTenant(tenantId);
      await ts.env.sleep('1 hour');
      expect(
        await unsubscribeContact(tenant, started.contactId, list._id, {
          at: new Date().toISOString(),
          ip: '192.0.2.60',
        }),
      ).toBe(true);
      const handle = ts.client.workflow.getHandle<() => Promise<DoubleOptInResult>>(
        started.workflowId,
      );
      expect(await handle.result()).toEqual({ outcome: 'expired' });
      expect(await tenant.models.Contact.exists({ _id: started.contactId })).toBeNull();
      expect(
        await tenant.models.ConsentRecord.countDocuments({ contactId: started.contactId }),
      ).toBe(0);
    });
  });

  describe('timing', () => {
    // The steps are local activities: the test server's clock (skipped) tells when they ran.
    type Fake = Pick<Activities, 'sendConfirmation' | 'activateSubscription' | 'eraseUnconfirmed'>;
    function fakes() {
      const calls: { name: string; step?: string; at: number }[] = [];
      const activities: Fake = {
        sendConfirmation: async (input) => {
          calls.push({ name: 'send', step: input.step, at: await ts.env.currentTimeMs() });
          return 'sent';
        },
        activateSubscription: async () => {
          calls.push({ name: 'activate', at: await ts.env.currentTimeMs() });
          return 'activated';
        },
        eraseUnconfirmed: async () =>
          void calls.push({ name: 'erase', at: await ts.env.currentTimeMs() }),
      };
      return { calls, activities };
    }
    const input = (overrides: Partial<DoubleOptInInput> = {}): DoubleOptInInput => ({
      tenantId,
      listId: 'l0000000000000001',
      subscriptionId: `s${uniqueSuffix()}`,
      contactId: 'c000000000000000000000001',
      confirmWithinHours: 72,
      reminderAfterHours: 24,
      ...overrides,
    });

    async function run(options: Partial<DoubleOptInInput>, confirmAfter?: string) {
      const { calls, activities } = fakes();
      const args = input(options);
      const result = await ts.withWorker(activities, async (taskQueue) => {
        const handle = await ts.client.workflow.start<
          (i: DoubleOptInInput) => Promise<DoubleOptInResult>
        >('doubleOptInWorkflow', {
          workflowId: `double-opt-in:${tenantId}:${args.subscriptionId}`,
          taskQueue,
          args: [args],
        });
        if (confirmAfter) {
          await ts.env.sleep(confirmAfter);
          await handle.signal(confirmSignal, { at: new Date().toISOString() });
        }
        return handle.result();
      });
      const startedAt = (
        await ts.client.workflow
          .getHandle(`double-opt-in:${tenantId}:${args.subscriptionId}`)
          .describe()
      ).startTime.getTime();
      return {
        result,
        timeline: calls.map((c) => [c.name, c.step, hoursBetween(startedAt, c.at)]),
      };
    }

    it('sends the reminder at the configured hour and erases at the deadline', async () => {
      const { result, timeline } = await run({});
      expect(result).toEqual({ outcome: 'expired' });
      expect(timeline).toEqual([
        ['send', 'confirmation', 0],
        ['send', 'reminder', 24],
        ['erase', undefined, 72],
      ]);
    });

    it('sends no reminder when none is configured', async () => {
      const { timeline } = await run({ reminderAfterHours: null, confirmWithinHours: 10 });
      expect(timeline).toEqual([
        ['send', 'confirmation', 0],
        ['erase', undefined, 10],
      ]);
    });

    it('sends no reminder once confirmed, and never erases a confirmed subscription', async () => {
      const { result, timeline } = await run({}, '5 hours');
      expect(result).toEqual({ outcome: 'confirmed' });
      expect(timeline.map(([name, step]) => [name, step])).toEqual([
        ['send', 'confirmation'],
        ['activate', undefined],
      ]);
    });
  });
});
