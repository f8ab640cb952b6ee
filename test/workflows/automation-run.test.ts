/**
 * Automation runs on the time-skipping server with the product's real activities over this
 * run's database and mail sink (days-long delays pass in seconds): a welcome series with a
 * delay and a condition, wait-for-event in both branches, an exit event, a goal met while
 * waiting, a paused automation holding its contacts, a version published while a contact
 * waits (it finishes on its own), re-entry rules, quiet hours in the contact's time zone and
 * the frequency cap.
 */
import { temporal } from '@temporalio/proto';
import request from 'supertest';
import { createActivities } from '../../activities';
import { enterContact, runIdOf } from '../../src/automations/enter';
import {
  createAutomation,
  publish,
  publishedDefinition,
  setStatus,
} from '../../src/automations/store';
import type { AutomationRunDocument } from '../../src/db/models/automation';
import type { TenantScope } from '../../src/db/tenant-access';
import {
  automationControlSignal,
  automationEventSignal,
  type AutomationRunResult,
} from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { linkPath, mailTo as mailToIn, type SinkMail } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import { keepHistory } from '../helpers/histories';
import { buildTenant } from '../helpers/tenant-fixtures';
import { hoursBetween, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';

const by = { kind: 'api_key', id: 'k-test' } as const;

describe('automation run workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  let tenant: { tenantId: string; apiKey: string };
  let scope: TenantScope;
  let listId: string;
  const marker = uniqueSuffix();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
    tenant = await buildTenant(stack.app, stack.platformToken);
    scope = await stack.data.tenants.forTenant(tenant.tenantId);
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Series ${marker}` });
    listId = list.body.id;
  });
  afterAll(async () => {
    await ts?.env.teardown();
    await stack?.stop();
  });

  let people = 0;
  /** A confirmed contact of the list with these fields; its id and address. */
  async function contact(fields: Record<string, string> = {}) {
    const email = `p${(people += 1)}.${marker}@example.test`;
    const sub = await request(stack.app)
      .post(`/api/v1/lists/${listId}/subscriptions`)
      .set(auth())
      .send({ email, fields });
    expect(sub.status).toBe(202);
    const [mail] = await mailToIn(stack.app, email);
    expect(
      (await request(stack.app).post(linkPath(mail!.text, 'c')).type('form').send('')).status,
    ).toBe(200);
    return { contactId: sub.body.contactId as string, email };
  }

  /** A published automation; its id and version. */
  async function automation(
    nodes: unknown[],
    settings?: unknown,
    next = nodes[0] as { id: string },
  ) {
    const doc = await createAutomation(
      scope,
      {
        name: `A ${uniqueSuffix()}`,
        definition: {
          entry: { type: 'manual', listId, next: next.id },
          nodes,
          ...(settings ? { settings } : {}),
        },
      },
      'all',
      by,
    );
    const version = await publish(scope, { ...doc }, 'all', by);
    return { id: doc._id, version };
  }

  /** Enters the contact with the time-skipping server's gateway; the workflow's handle. */
  async function enter(taskQueue: string, automationId: string, contactId: string) {
    const doc = await scope.models.Automation.findById(automationId).lean();
    const definition = await publishedDefinition(scope, automationId, doc!.publishedVersion!);
    const outcome = await enterContact(
      ts.temporalDeps(taskQueue),
      scope,
      { id: automationId, version: doc!.publishedVersion!, definition: definition! },
      contactId,
      new Date(await ts.env.currentTimeMs()),
    );
    if (!outcome.entered) throw new Error(`not entered: ${outcome.reason}`);
    return ts.client.workflow.getHandle(outcome.workflowId);
  }

  /** A run's result, waited for at most 20 s of real time; past that, its history says where it stood. */
  async function resultOf(handle: { workflowId: string }): Promise<AutomationRunResult> {
    const h = ts.client.workflow.getHandle(handle.workflowId);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void h
          .fetchHistory()
          .then((history) =>
            (history.events ?? []).map(
              (e) => `${temporal.api.enums.v1.EventType[e.eventType ?? 0]}@${e.eventTime?.seconds}`,
            ),
          )
          .catch((err: unknown) => [`history unavailable: ${String(err)}`])
          .then((events) => reject(new Error(`no result; history:\n${events.join('\n')}`)));
      }, 20_000);
    });
    try {
      return await Promise.race([h.result() as Promise<AutomationRunResult>, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const runOf = (automationId: string, contactId: string, run = '1') =>
    scope.models.AutomationRun.findById(
      runIdOf(automationId, contactId, run),
    ).lean<AutomationRunDocument>();

  /** Polls (real time, the test server's clock held) until the run waits at `node`. */
  async function waitingAt(
    automationId: string,
    contactId: string,
    node: string,
    status = 'waiting',
  ) {
    for (let i = 0; i < 150; i++) {
      const run = await runOf(automationId, contactId);
      if (run?.status === status && run.node === node) return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the run never waited at ${node}`);
  }

  /** Mail to `email` with `subject`, once it is in the sink. */
  async function mailSubjected(email: string, subject: string): Promise<SinkMail> {
    for (let i = 0; i < 100; i++) {
      const found = (await mailToIn(stack.app, email)).find((m) => m.subject === subject);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no mail "${subject}"`);
  }
  const subjects = async (email: string) =>
    (await mailToIn(stack.app, email))
      .map((m) => m.subject)
      .filter((s) => !s.startsWith('Please confirm'));

  const send = (id: string, subject: string, next: string) => ({
    id,
    type: 'send_email',
    subject,
    html: `<p>${subject}</p>`,
    next,
  });
  const end = { id: 'done', type: 'end' };

  it('runs a welcome series: send, a two-day delay, a condition on a field, then the branch taken', async () => {
    const { id } = await automation([
      send('hello', 'Hello', 'wait'),
      {
        id: 'wait',
        type: 'delay',
        wait: { kind: 'duration', amount: 2, unit: 'days' },
        next: 'plan',
      },
      {
        id: 'plan',
        type: 'condition',
        condition: { type: 'field', field: 'custom.plan', op: 'equals', value: 'pro' },
        yes: 'pro',
        no: 'done',
      },
      send('pro', 'Pro tips', 'done'),
      end,
    ]);
    const pro = await contact({ plan: 'PRO' });
    const basic = await contact({ plan: 'basic' });
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const started = await ts.env.currentTimeMs();
      const [a, b] = await Promise.all([
        enter(taskQueue, id, pro.contactId),
        enter(taskQueue, id, basic.contactId),
      ]);
      // One result awaited at a time: each await unlocks the test server's clock, and a
      // second, concurrent one would lock it again when the first returns.
      const results = [await resultOf(a), await resultOf(b)];
      expect(results.map((r) => r.outcome)).toEqual(['completed', 'completed']);
      expect(hoursBetween(started, await ts.env.currentTimeMs())).toBeGreaterThanOrEqual(48);
      await keepHistory(a, stack.payloadKeys, 'automation-run-welcome-series');
    });
    await mailSubjected(pro.email, 'Pro tips');
    expect(await subjects(pro.email)).toEqual(expect.arrayContaining(['Hello', 'Pro tips']));
    expect(await subjects(basic.email)).toEqual(['Hello']);
    const path = (await runOf(id, pro.contactId))!.path.map((s) => [s.node, s.outcome, s.detail]);
    expect(path).toEqual([
      ['hello', 'done', undefined],
      ['wait', 'waited', undefined],
      ['plan', 'done', 'yes'],
      ['pro', 'done', undefined],
      ['done', 'done', undefined],
    ]);
  });

  it('waits for an event: the event branch when it comes, the timeout branch when not', async () => {
    const { id } = await automation([
      {
        id: 'listen',
        type: 'wait_for_event',
        event: { kind: 'custom', name: 'checkout' },
        timeout: { amount: 3, unit: 'days' },
        onEvent: 'thanks',
        onTimeout: 'nudge',
      },
      send('thanks', 'Thanks', 'done'),
      send('nudge', 'Still thinking?', 'done'),
      end,
    ]);
    const buyer = await contact();
    const idler = await contact();
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const a = await enter(taskQueue, id, buyer.contactId);
      await waitingAt(id, buyer.contactId, 'listen');
      await a.signal(automationEventSignal, { keys: ['custom:browse'] }); // not the one awaited
      await a.signal(automationEventSignal, { keys: ['custom:checkout'] });
      expect(await resultOf(a)).toMatchObject({ outcome: 'completed' });
      await keepHistory(a, stack.payloadKeys, 'automation-run-event-came');
      const started = await ts.env.currentTimeMs();
      const b = await enter(taskQueue, id, idler.contactId);
      expect(await resultOf(b)).toMatchObject({ outcome: 'completed' });
      expect(hoursBetween(started, await ts.env.currentTimeMs())).toBeGreaterThanOrEqual(72);
      await keepHistory(b, stack.payloadKeys, 'automation-run-event-timeout');
    });
    await mailSubjected(buyer.email, 'Thanks');
    await mailSubjected(idler.email, 'Still thinking?');
    expect(await subjects(buyer.email)).toEqual(['Thanks']);
    const listened = (await runOf(id, idler.contactId))!.path.filter((s) => s.node === 'listen');
    expect(listened.map((s) => s.outcome)).toEqual(['waited', 'timeout']);
  });

  it('ends a run on an exit event, and jumps to a goal met while waiting', async () => {
    const { id } = await automation(
      [
        {
          id: 'long',
          type: 'delay',
          wait: { kind: 'duration', amount: 10, unit: 'days' },
          next: 'late',
        },
        send('late', 'Late mail', 'done'),
        end,
        { id: 'bought', type: 'goal', condition: { type: 'event', name: 'purchase' } },
      ],
      { exitOn: ['left_company'] },
    );
    const leaver = await contact();
    const buyer = await contact();
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const a = await enter(taskQueue, id, leaver.contactId);
      await waitingAt(id, leaver.contactId, 'long');
      await a.signal(automationEventSignal, { keys: ['custom:left_company'] });
      expect(await resultOf(a)).toMatchObject({ outcome: 'exited', reason: 'exit_event' });

      const b = await enter(taskQueue, id, buyer.contactId);
      await waitingAt(id, buyer.contactId, 'long');
      await scope.models.ContactEvent.create({
        _id: `${buyer.contactId}:${new Date().toISOString()}:goal`,
        name: 'purchase',
        at: new Date(await ts.env.currentTimeMs()),
      });
      await b.signal(automationEventSignal, { keys: ['custom:purchase'] });
      expect(await resultOf(b)).toMatchObject({ outcome: 'completed', reason: 'goal:bought' });
      await keepHistory(b, stack.payloadKeys, 'automation-run-goal');
    });
    expect(await subjects(leaver.email)).toEqual([]);
    expect(await subjects(buyer.email)).toEqual([]);
    const entry = await scope.models.AutomationEntry.findById(`${id}:${leaver.contactId}`).lean();
    expect(entry).toMatchObject({ runs: 1, active: false });
  });

  it('holds the contacts of a paused automation at their next step until it is resumed', async () => {
    const { id } = await automation([
      {
        id: 'short',
        type: 'delay',
        wait: { kind: 'duration', amount: 1, unit: 'hours' },
        next: 'after',
      },
      send('after', 'After the pause', 'done'),
      end,
    ]);
    const held = await contact();
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const handle = await enter(taskQueue, id, held.contactId);
      await waitingAt(id, held.contactId, 'short');
      const doc = await scope.models.Automation.findById(id).lean();
      await setStatus(scope, doc!, 'paused', by);
      // Time passes (the environment skips while a result is awaited); the run holds.
      await ts.env.sleep('3 hours');
      await waitingAt(id, held.contactId, 'after', 'held');
      expect(await subjects(held.email)).toEqual([]);
      await setStatus(scope, { ...doc!, status: 'paused' }, 'active', by);
      await handle.signal(automationControlSignal, { action: 'resume' });
      expect(await resultOf(handle)).toMatchObject({ outcome: 'completed' });
      await keepHistory(handle, stack.payloadKeys, 'automation-run-paused');
    });
    await mailSubjected(held.email, 'After the pause');
  });

  it('lets a contact waiting on version 1 finish on it after version 2 is published', async () => {
    const first = [
      {
        id: 'pause',
        type: 'delay',
        wait: { kind: 'duration', amount: 1, unit: 'days' },
        next: 'say',
      },
      send('say', 'Version one', 'done'),
      end,
    ];
    const { id } = await automation(first);
    const early = await contact();
    const late = await contact();
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const a = await enter(taskQueue, id, early.contactId);
      await waitingAt(id, early.contactId, 'pause');
      const doc = await scope.models.Automation.findById(id).lean();
      const second = first.map((n) => (n.id === 'say' ? send('say', 'Version two', 'done') : n));
      await scope.models.Automation.updateOne(
        { _id: id },
        { $set: { draft: { entry: { type: 'manual', listId, next: 'pause' }, nodes: second } } },
      );
      expect(
        await publish(
          scope,
          { ...doc!, draft: { entry: { type: 'manual', listId, next: 'pause' }, nodes: second } },
          'all',
          by,
        ),
      ).toBe(2);
      const b = await enter(taskQueue, id, late.contactId);
      await resultOf(a);
      await resultOf(b);
    });
    await mailSubjected(early.email, 'Version one');
    await mailSubjected(late.email, 'Version two');
    expect((await runOf(id, early.contactId))!.version).toBe(1);
    expect((await runOf(id, late.contactId))!.version).toBe(2);
  });

  it('applies the re-entry rule: never by default, again after exit when allowed', async () => {
    const never = await automation([send('once', 'Once', 'done'), end]);
    const again = await automation([send('twice', 'Again', 'done'), end], {
      reentry: { mode: 'after_exit' },
    });
    const person = await contact();
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      await resultOf(await enter(taskQueue, never.id, person.contactId));
      await expect(enter(taskQueue, never.id, person.contactId)).rejects.toThrow(
        'reentry_not_allowed',
      );
      await resultOf(await enter(taskQueue, again.id, person.contactId));
      const second = await enter(taskQueue, again.id, person.contactId);
      expect(second.workflowId).toMatch(/:2$/);
      await resultOf(second);
    });
    for (let i = 0; i < 50 && (await subjects(person.email)).length < 3; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect((await subjects(person.email)).sort()).toEqual(['Again', 'Again', 'Once']);
  });

  it('runs a random split, a field update, delays to a local time and to a date field, a webhook, a notification and list changes', async () => {
    const other = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Other ${marker}` });
    const { id } = await automation([
      {
        id: 'split',
        type: 'random_split',
        branches: [
          { weight: 50, next: 'mark' },
          { weight: 50, next: 'mark' },
        ],
      },
      { id: 'mark', type: 'update_field', field: 'custom.stage', value: 'welcomed', next: 'nine' },
      { id: 'nine', type: 'delay', wait: { kind: 'local_time', time: '09:00' }, next: 'hook' },
      { id: 'hook', type: 'webhook', name: 'crm.sync', next: 'tell' },
      { id: 'tell', type: 'notify', message: 'A contact was welcomed', next: 'add' },
      { id: 'add', type: 'list_add', listId: other.body.id, next: 'renewal' },
      {
        id: 'renewal',
        type: 'delay',
        wait: { kind: 'date_field', field: 'custom.renewal', offsetDays: -1, time: '10:00' },
        next: 'remove',
      },
      { id: 'remove', type: 'list_remove', listId: other.body.id, next: 'done' },
      end,
    ]);
    const now = new Date(await ts.env.currentTimeMs());
    const renewal = new Date(now.getTime() + 5 * 86_400_000).toISOString().slice(0, 10);
    const person = await contact({ renewal });
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const handle = await enter(taskQueue, id, person.contactId);
      expect(await resultOf(handle)).toMatchObject({ outcome: 'completed' });
      await keepHistory(handle, stack.payloadKeys, 'automation-run-every-step');
    });
    const run = (await runOf(id, person.contactId))!;
    expect(run.path.map((s) => [s.node, s.outcome])).toEqual([
      ['split', 'done'],
      ['mark', 'done'],
      ['nine', 'waited'],
      ['hook', 'done'],
      ['tell', 'done'],
      ['add', 'done'],
      ['renewal', 'waited'],
      ['remove', 'done'],
      ['done', 'done'],
    ]);
    const at = (node: string) => run.path.find((s) => s.node === node)!.at;
    expect(at('hook').getUTCHours()).toBe(9);
    // The day before the date, at 10:00 (to the minute: the step runs as its timer fires).
    expect(at('remove').toISOString().slice(0, 16)).toBe(
      `${new Date(Date.parse(renewal) - 86_400_000).toISOString().slice(0, 10)}T10:00`,
    );
    const contactNow = await request(stack.app)
      .get(`/api/v1/contacts/${person.contactId}`)
      .set(auth());
    expect([contactNow.status, contactNow.body.error?.message]).toEqual([200, undefined]);
    expect(contactNow.body.fields).toMatchObject({ stage: 'welcomed' });
    // Added by the other list's double opt-in (a confirmation mail), then removed.
    expect(
      contactNow.body.lists.find((l: { listId: string }) => l.listId === other.body.id),
    ).toMatchObject({ status: 'unsubscribed' });
  });

  it('waits out quiet hours in the contact’s time zone, and skips a send over the frequency cap', async () => {
    const now = new Date(await ts.env.currentTimeMs());
    // Quiet from the current hour in New York for two hours.
    const local = new Date(now.toLocaleString('en-US', { timeZone: 'America/New_York' }));
    const hh = (h: number) => String((h + 24) % 24).padStart(2, '0');
    const quietHours = {
      start: `${hh(local.getHours())}:00`,
      end: `${hh(local.getHours() + 2)}:00`,
    };
    const { id } = await automation(
      [send('first', 'First', 'second'), send('second', 'Second', 'done'), end],
      { quietHours, frequencyCap: { max: 1, per: { amount: 1, unit: 'days' } }, timezone: 'UTC' },
    );
    const person = await contact({ timezone: 'America/New_York' });
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      await resultOf(await enter(taskQueue, id, person.contactId));
    });
    // The send waited for the end of quiet hours: at most two hours, at least one.
    const [held, sent] = (await runOf(id, person.contactId))!.path;
    const waited = hoursBetween(held!.at.getTime(), sent!.at.getTime());
    expect(waited).toBeGreaterThan(0.9);
    expect(waited).toBeLessThanOrEqual(2);
    await mailSubjected(person.email, 'First');
    const run = await runOf(id, person.contactId);
    expect(run!.path.map((s) => [s.node, s.outcome, s.detail])).toEqual([
      ['first', 'waited', 'quiet_hours'],
      ['first', 'done', undefined],
      ['second', 'skipped', 'frequency_cap'],
      ['done', 'done', undefined],
    ]);
    expect(await subjects(person.email)).toEqual(['First']);
  });
});
