/**
 * A list's double opt-in workflow on the time-skipping server: with real activities over the
 * real database and SMTP sink (mailed, reminded, confirmed within the window; never confirmed,
 * then erased with nothing readable left; an interrupted confirmation finished), and with a
 * typed fake round for the exact timing of its rounds. Requests are stored on the server's
 * skipped clock, so their deadlines and the workflow's time agree.
 */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { BSON, MongoClient } from 'mongodb';
import request from 'supertest';
import { createActivities, type Activities } from '../../activities';
import { readSinkMessages } from '../../src/mail/sink-messages';
import { confirmSubscription } from '../../src/consent/subscription/confirm';
import { REPAIR_AFTER_MS } from '../../src/consent/subscription/deadlines';
import { eraseUnconfirmed } from '../../src/consent/subscription/erase-unconfirmed';
import { contactIdOf, subscriptionIdFor } from '../../src/consent/subscription/ids';
import {
  storeSubscription as subscribe,
  type SubscribeRequest,
} from '../../src/consent/subscription/store';
import { createDoubleOptInWake } from '../../src/consent/subscription/wake';
import { unsubscribeContact } from '../../src/consent/unsubscribe';
import * as memberships from '../../src/db/memberships';
import { validateContactRow, type ContactRow } from '../../src/imports/contact-row';
import { workflowIdOf } from '../../src/temporal/workflows';
import {
  wakeSignal,
  type DoubleOptInInput,
  type DoubleOptInResult,
  type DoubleOptInRound,
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

type List = SubscribeRequest['list'];

describe('double opt-in workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  let raw: MongoClient;
  let tenantId: string;
  let apiKey: string;
  let list: List;
  const marker = uniqueSuffix();

  /** A list of its own per test: each list has one workflow, bound to one test's worker. */
  async function newList(name: string): Promise<List> {
    const created = await request(stack.app)
      .post('/api/v1/lists')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({
        name: `${name} ${marker}`,
        doubleOptIn: { confirmWithinHours: 48, reminderAfterHours: 20 },
      });
    expect(created.status).toBe(201);
    return { _id: created.body.id, name: created.body.name, doubleOptIn: created.body.doubleOptIn };
  }

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
    raw = await new MongoClient(testServices().mongoUri).connect();
    const tenant = await buildTenant(stack.app, stack.platformToken);
    tenantId = tenant.tenantId;
    apiKey = tenant.apiKey;
    list = await newList('Letters');
  });
  afterAll(async () => {
    await raw?.close();
    await ts?.env.teardown();
    await stack?.stop();
  });

  const realActivities = () => createActivities(stack.activityDeps);
  /** The server's (skipped) time. */
  const serverNow = async () => new Date(await ts.env.currentTimeMs());

  /** The subscriber's first name: unique per address, so a raw scan can look for it. */
  const firstNameOf = (email: string) => `Name-${email.split('@')[0]}`;

  /** Stores a request at the server's time and wakes its list's workflow on `taskQueue`. */
  async function start(target: List, email: string, taskQueue: string) {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const { result } = await subscribe(
      { tenant, now: await serverNow() },
      {
        list: target,
        row: rowOf(email, firstNameOf(email)),
        ip: '192.0.2.44',
        userAgent: 'Agent/9',
        source: { kind: 'api', id: 'k-test' },
      },
    );
    await createDoubleOptInWake(ts.temporalDeps(taskQueue)).mailQueued(tenantId, target._id);
    const handle = ts.client.workflow.getHandle<
      (i: DoubleOptInInput) => Promise<DoubleOptInResult>
    >(result.workflowId);
    return { ...result, handle };
  }

  /**
   * Runs `body` with a worker for `target`'s workflow, and ends that workflow before the worker
   * stops: the time-skipping server skips no time while a workflow task waits for a worker, so
   * one left running on a dead task queue would hold every later test's clock.
   */
  async function withListWorker<T>(
    target: { _id: string },
    activities: object,
    body: (taskQueue: string) => Promise<T>,
  ): Promise<T> {
    return ts.withWorker(activities, async (taskQueue) => {
      try {
        return await body(taskQueue);
      } finally {
        await ts.client.workflow
          .getHandle(workflowIdOf('doubleOptIn', tenantId, target._id))
          .terminate('test over')
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          });
      }
    });
  }

  /**
   * The workflow's result, waited for at most `ms` of real time; past that, the error lists
   * its history (event types and times), so a hang says where it stood.
   */
  async function resultOf<T>(
    handle: WorkflowHandle<(i: DoubleOptInInput) => Promise<T>>,
    ms = 60_000,
  ) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        handle
          .fetchHistory()
          .then((h) =>
            (h.events ?? []).map(
              (e) => `${temporal.api.enums.v1.EventType[e.eventType ?? 0]}@${e.eventTime?.seconds}`,
            ),
          )
          .catch((err: unknown) => [`history unavailable: ${String(err)}`])
          .then((events) =>
            reject(new Error(`no result within ${ms} ms; history:\n${events.join('\n')}`)),
          );
      }, ms);
    });
    try {
      return await Promise.race([handle.result() as Promise<T>, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The distinct messages to `address`, one per Message-ID. The mailer gives every message the
   * Message-ID of its send key, so one sent again by a retried round is the same message (a
   * mail client shows it once). Skipped time can retry a round beside a live one, which no
   * real clock does; counting by Message-ID still fails for any second distinct mail.
   */
  const mailsTo = async (address: string) => {
    const byId = new Map<string, Awaited<ReturnType<typeof readSinkMessages>>[number]>();
    for (const m of await readSinkMessages(testServices().sinkDir))
      if (m.to.includes(address)) byId.set(/^Message-ID:\s*(\S+)/im.exec(m.raw)?.[1] ?? m.id, m);
    return [...byId.values()];
  };
  /** Waits (real time) until `count` mails to `address` arrived; returns them. */
  async function mailsArrived(address: string, count: number) {
    for (let i = 0; i < 100; i++) {
      const mails = await mailsTo(address);
      if (mails.length >= count) return mails;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`fewer than ${count} mails to the address`);
  }
  /**
   * Waits (real time) until the workflow runs no round. Skipped time passes a running round's
   * heartbeat timeout while it still heartbeats in real time, and the server would then start
   * a second attempt beside the live one: a mail relayed but not yet marked sent would go twice,
   * which no real clock does.
   */
  async function roundsIdle(handle: WorkflowHandle) {
    for (let i = 0; i < 300; i++) {
      if (((await handle.describe()).raw.pendingActivities ?? []).length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the round did not end within 30 s');
  }

  it('mails at once, reminds at the configured hour, and records the proof of a confirmation within the window', async () => {
    const email = `grace.${marker}@example.test`;
    const target = await newList('Grace');
    await withListWorker(target, realActivities(), async (taskQueue) => {
      const started = await start(target, email, taskQueue);
      expect(started.workflowId).toBe(workflowIdOf('doubleOptIn', tenantId, target._id));
      await mailsArrived(email, 1);
      await roundsIdle(started.handle);
      await ts.env.sleep('19 hours'); // not yet the reminder's hour
      await new Promise((r) => setTimeout(r, 500));
      expect(await mailsTo(email)).toHaveLength(1);
      await ts.env.sleep('2 hours'); // past it
      await mailsArrived(email, 2);
      await roundsIdle(started.handle);

      const tenant = await stack.data.tenants.forTenant(tenantId);
      expect(
        await confirmSubscription(
          tenant,
          { ...started, listId: target._id },
          {
            at: (await serverNow()).toISOString(),
            ip: '192.0.2.45',
            userAgent: 'Clicker/1',
          },
        ),
      ).toBe('confirmed');
      const contact = await tenant.models.Contact.findById(started.contactId).lean();
      expect(contact?.lists[target._id]).toMatchObject({
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
        source: { kind: 'api', id: 'k-test' },
        textVersion: 'default-1',
        textHash: proof[0]!.textHash,
      });
      const subjects = (await mailsTo(email)).map((m) => m.subject).sort();
      expect(subjects).toEqual([
        `Please confirm your subscription to Grace ${marker}`,
        `Reminder: please confirm your subscription to Grace ${marker}`,
      ]);
      // A second click changes nothing; the workflow ends once nothing of the list is
      // pending, having erased nothing.
      expect(
        await confirmSubscription(
          tenant,
          { ...started, listId: target._id },
          {
            at: (await serverNow()).toISOString(),
          },
        ),
      ).toBe('already-confirmed');
      expect(await resultOf(started.handle)).toEqual({
        outcome: 'idle',
        status: expect.objectContaining({ sent: 1, reminders: 1, erased: 0, pending: 0 }),
      });
      expect(
        await tenant.models.ConsentRecord.countDocuments({ contactId: started.contactId }),
      ).toBe(2);
    });
  });

  it('erases the pending contact when the link is never followed, leaving nothing readable', async () => {
    const email = `ghost.${marker}@example.test`;
    const target = await newList('Ghosts');
    await withListWorker(target, realActivities(), async (taskQueue) => {
      const started = await start(target, email, taskQueue);
      await mailsArrived(email, 1);
      await roundsIdle(started.handle);
      expect(await resultOf(started.handle)).toEqual({
        outcome: 'idle',
        status: expect.objectContaining({ sent: 1, reminders: 1, erased: 1, pending: 0 }),
      });
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
        listId: target._id,
        outcome: 'unconfirmed-erased',
      }).lean();
      expect(traces).toEqual([
        expect.objectContaining({ sourceKind: 'api', startedAt: expect.any(Date) }),
      ]);
    });
  });

  it('erases at the deadline an address unsubscribed from its confirmation mail', async () => {
    const email = `withdrawn.${marker}@example.test`;
    const target = await newList('Withdrawn');
    await withListWorker(target, realActivities(), async (taskQueue) => {
      const started = await start(target, email, taskQueue);
      await mailsArrived(email, 1);
      await roundsIdle(started.handle);
      const tenant = await stack.data.tenants.forTenant(tenantId);
      await ts.env.sleep('1 hour');
      expect(
        await unsubscribeContact(tenant, started.contactId, target._id, {
          at: (await serverNow()).toISOString(),
          ip: '192.0.2.60',
        }),
      ).toBe(true);
      expect(await resultOf(started.handle)).toMatchObject({
        status: expect.objectContaining({ erased: 1 }),
      });
      expect(await tenant.models.Contact.exists({ _id: started.contactId })).toBeNull();
      expect(
        await tenant.models.ConsentRecord.countDocuments({ contactId: started.contactId }),
      ).toBe(0);
    });
  });

  it('finishes a confirmation whose page died after claiming the request, with the click it stored', async () => {
    const email = `interrupted.${marker}@example.test`;
    const target = await newList('Interrupted');
    await withListWorker(target, realActivities(), async (taskQueue) => {
      const started = await start(target, email, taskQueue);
      await mailsArrived(email, 1);
      await roundsIdle(started.handle);
      const tenant = await stack.data.tenants.forTenant(tenantId);
      // What the page wrote before it died: the claim, with the click.
      const at = await serverNow();
      await tenant.models.Subscription.updateOne(
        { _id: started.subscriptionId, status: 'pending' },
        {
          $set: {
            status: 'confirming',
            confirmation: {
              at,
              ip: await tenant.private('192.0.2.77'),
              userAgent: await tenant.private('Dying/1'),
            },
            dueAt: new Date(at.getTime() + REPAIR_AFTER_MS),
            dueStep: 'repair',
          },
        },
      );
      // The workflow learns of the earlier deadline from the sweep's wake.
      await ts.client.workflow.getHandle(started.workflowId).signal(wakeSignal, {
        dueBy: new Date(at.getTime() + REPAIR_AFTER_MS).toISOString(),
      });
      expect(await resultOf(started.handle)).toMatchObject({
        status: expect.objectContaining({ repaired: 1, erased: 0, reminders: 0 }),
      });
      const contact = await tenant.models.Contact.findById(started.contactId).lean();
      expect(contact?.lists[target._id]).toMatchObject({ status: 'active' });
      const confirmed = await tenant.models.ConsentRecord.findOne({
        contactId: started.contactId,
        action: 'confirmed',
      }).lean();
      expect(confirmed).toMatchObject({ ip: '192.0.2.77', userAgent: 'Dying/1', at });
      expect(
        await tenant.models.Subscription.findById(started.subscriptionId).lean(),
      ).toMatchObject({
        status: 'confirmed',
      });
      expect(await mailsTo(email)).toHaveLength(1);
    });
  });

  it('leaves a confirmation whose page died before its automations heard of it to the repair, which tells them', async () => {
    const email = `untold.${marker}@example.test`;
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const { result } = await subscribe(
      { tenant },
      { list, row: rowOf(email, 'Untold'), ip: '192.0.2.62', source: { kind: 'api', id: 'k' } },
    );
    const ref = { ...result, listId: list._id };
    const use = { at: new Date().toISOString(), ip: '192.0.2.62' };
    const dying = {
      contactEvent: async () => {
        throw new Error('the process died here');
      },
    };
    await expect(confirmSubscription(tenant, ref, use, { automations: dying })).rejects.toThrow(
      'died',
    );
    // The proof is written, and the request stays claimed with a deadline for the repair.
    expect(
      await tenant.models.ConsentRecord.countDocuments({
        contactId: result.contactId,
        action: 'confirmed',
      }),
    ).toBe(1);
    expect(await tenant.models.Subscription.findById(result.subscriptionId).lean()).toMatchObject({
      status: 'confirming',
      dueStep: 'repair',
    });

    // Finishing again (the repair, or the link followed again) tells the automations.
    const heard: unknown[] = [];
    const automations = { contactEvent: async (...args: unknown[]) => void heard.push(args[2]) };
    expect(await confirmSubscription(tenant, ref, use, { automations })).toBe('confirmed');
    expect(heard).toEqual([{ type: 'list_confirmed', listId: list._id }]);
    expect(await tenant.models.Subscription.findById(result.subscriptionId).lean()).toMatchObject({
      status: 'confirmed',
    });
    expect(
      await tenant.models.ConsentRecord.countDocuments({
        contactId: result.contactId,
        action: 'confirmed',
      }),
    ).toBe(1);
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
    expect(again).toMatchObject({ result: { subscriptionId, status: 'pending' }, queued: true });
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

  it('queues the mail only once its request is stored, so a drain never finds an entry without it', async () => {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const { Subscription, Outbox } = tenant.models;
    const events: string[] = [];
    const storeSpy = jest.spyOn(Subscription, 'updateOne');
    storeSpy.mockImplementation(((...args: Parameters<typeof Subscription.updateOne>) => {
      storeSpy.mockRestore();
      return Subscription.updateOne(...args).then((r) => {
        events.push('request stored');
        return r;
      });
    }) as never);
    const queueSpy = jest.spyOn(Outbox, 'updateOne').mockImplementationOnce(((
      ...args: Parameters<typeof Outbox.updateOne>
    ) => {
      events.push('mail queued');
      queueSpy.mockRestore();
      return Outbox.updateOne(...args);
    }) as never);
    const email = `ordered.${marker}@example.test`;
    const { result } = await subscribe(
      { tenant },
      { list, row: rowOf(email, 'Ordered'), source: { kind: 'api', id: 'k' } },
    );
    expect(events).toEqual(['request stored', 'mail queued']);
    expect(await Outbox.countDocuments({ subscriptionId: result.subscriptionId })).toBe(1);
  });

  it('leaves a new request of the address alone when it arrives while the erasure of the old one runs', async () => {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const { Contact, Subscription, Outbox, Send } = tenant.models;
    const email = `racing.${marker}@example.test`;
    const first = await subscribe(
      { tenant },
      { list, row: rowOf(email, 'First'), source: { kind: 'api', id: 'k-1' } },
    );
    const ref = { ...first.result, listId: list._id };
    await Subscription.updateOne({ _id: ref.subscriptionId }, { $set: { dueAt: new Date() } });
    await new Promise((r) => setTimeout(r, 5));
    // The new request arrives right after the erasure has marked the old one.
    let raced = false;
    const spy = jest.spyOn(Contact, 'findById').mockImplementationOnce(((...args: never[]) => {
      spy.mockRestore();
      raced = true;
      return {
        lean: () =>
          subscribe(
            { tenant },
            { list, row: rowOf(email, 'Second'), source: { kind: 'api', id: 'k-2' } },
          ).then(() =>
            (Contact.findById as (...a: never[]) => { lean(): unknown })(...args).lean(),
          ),
      };
    }) as never);
    expect(await eraseUnconfirmed(tenant, ref, { dueBy: new Date() })).toBe(true);
    expect(raced).toBe(true);
    // The new request is whole: contact, pending membership, request, proof and mail.
    const contact = await Contact.findById(ref.contactId, { lists: 1 }).lean();
    expect(contact?.lists[list._id]).toMatchObject({ status: 'pending' });
    expect(await Subscription.findById(ref.subscriptionId).lean()).toMatchObject({
      status: 'pending',
      source: { kind: 'api', id: 'k-2' },
    });
    expect(
      await tenant.models.ConsentRecord.find({ contactId: ref.contactId, action: 'requested' })
        .lean()
        .then((r) => r.map((x) => x.source.id)),
    ).toEqual(['k-2']);
    expect(await Outbox.countDocuments({ subscriptionId: ref.subscriptionId })).toBe(1);
    expect(await Send.countDocuments({ _id: { $regex: `^doi:${ref.subscriptionId}:` } })).toBe(0);
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
    expect(
      await tenant.models.Outbox.countDocuments({
        subscriptionId: subscriptionIdFor(freshId, list._id),
      }),
    ).toBe(0);

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

  describe('timing', () => {
    /** A scripted round: what the fake answers, given the workflow's start time. */
    type Script = ((startedAt: number) => Partial<DoubleOptInRound>)[];
    async function run(
      script: Script,
      during?: (handle: { signal: (dueBy?: string) => Promise<void> }) => Promise<void>,
    ) {
      const calls: [boolean, number][] = [];
      let startedAt = 0;
      const fake: Pick<Activities, 'runDoubleOptInRound'> = {
        runDoubleOptInRound: async (input) => {
          const now = Date.parse(input.now);
          if (calls.length === 0) startedAt = now;
          calls.push([input.deadlines, hoursBetween(startedAt, now)]);
          const next = script.shift();
          if (!next) throw new Error('more rounds than scripted');
          return {
            sent: 0,
            reminders: 0,
            erased: 0,
            repaired: 0,
            nextDeadline: null,
            ...next(startedAt),
          };
        },
      };
      const listId = `l${uniqueSuffix()}`;
      const wake = (dueBy?: string) =>
        ts.client.workflow
          .getHandle(workflowIdOf('doubleOptIn', tenantId, listId))
          .signal(wakeSignal, dueBy ? { dueBy } : {});
      const result = await withListWorker({ _id: listId }, fake, async (taskQueue) => {
        const handle = await ts.client.workflow.start<
          (i: DoubleOptInInput) => Promise<DoubleOptInResult>
        >('doubleOptInWorkflow', {
          workflowId: workflowIdOf('doubleOptIn', tenantId, listId),
          taskQueue,
          args: [{ tenantId, listId }],
        });
        await during?.({ signal: wake });
        return resultOf(handle);
      });
      return { calls, result };
    }
    const at = (hours: number) => (startedAt: number) =>
      new Date(startedAt + hours * 3_600_000).toISOString();

    it('looks at deadlines exactly when the earliest falls due, and ends when nothing is pending', async () => {
      const { calls, result } = await run([
        (s) => ({ sent: 1, nextDeadline: at(24)(s), pending: 1 }),
        (s) => ({ reminders: 1, nextDeadline: at(72)(s), pending: 1 }),
        () => ({ erased: 1, nextDeadline: null, pending: 0 }),
      ]);
      expect(calls).toEqual([
        [true, 0],
        [true, 24],
        [true, 72],
      ]);
      expect(result).toEqual({
        outcome: 'idle',
        status: expect.objectContaining({
          sent: 1,
          reminders: 1,
          erased: 1,
          rounds: 3,
          pending: 0,
        }),
      });
    });

    it('runs a round at once on a wake, and keeps the earliest deadline of what it mailed', async () => {
      const { calls } = await run(
        [
          (s) => ({ nextDeadline: at(24)(s), pending: 1 }),
          // mailed one more, due at 5 + 24 hours: later than the one known
          (s) => ({ sent: 1, nextDeadline: at(29)(s) }),
          (s) => ({ reminders: 1, nextDeadline: at(29)(s), pending: 2 }),
          () => ({ erased: 2, nextDeadline: null, pending: 0 }),
        ],
        async ({ signal }) => {
          await ts.env.sleep('5 hours');
          await signal();
        },
      );
      expect(calls).toEqual([
        [true, 0],
        [false, 5],
        [true, 24],
        [true, 29],
      ]);
    });

    it('brings a deadline forward when a wake names an earlier one', async () => {
      const { calls } = await run(
        [
          (s) => ({ nextDeadline: at(24)(s), pending: 1 }),
          () => ({ nextDeadline: null }),
          () => ({ erased: 1, nextDeadline: null, pending: 0 }),
        ],
        async ({ signal }) => {
          await ts.env.sleep('2 hours');
          await signal(new Date((await ts.env.currentTimeMs()) + 3_600_000).toISOString());
        },
      );
      expect(calls).toEqual([
        [true, 0],
        [false, 2],
        [true, 3],
      ]);
    });
  });
});
