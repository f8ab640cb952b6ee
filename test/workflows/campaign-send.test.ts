/**
 * A campaign's send on the time-skipping server with the product's real activities over this
 * run's database and mail sink: a send scheduled days ahead waits for its time; pause holds it
 * between batches until resume; cancel stops it with what was sent kept; a send continues as
 * new and still mails every recipient exactly once. (Two campaigns sending at once are in
 * test/e2e/campaign-pace.test.ts, on the real server: skipped time would pass one's running
 * batch's heartbeat timeout while the other waits for its slot.)
 */
import request from 'supertest';
import { createActivities } from '../../activities';
import {
  createCampaign,
  startCampaignSend,
  type CampaignCommandDeps,
} from '../../src/campaigns/campaigns';
import { createTemplate } from '../../src/campaigns/templates';
import type { TenantScope } from '../../src/db/tenant-access';
import {
  campaignControlUpdate,
  campaignProgressQuery,
  type CampaignProgress,
} from '../../workflows/definitions';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { keepHistory } from '../helpers/histories';
import { linkPath, mailTo as mailToIn, type SinkMail } from '../helpers/dev-mail';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';
import { hoursBetween, startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';

const by = { kind: 'api_key', id: 'k-test' } as const;
const ADDRESS = 'Via Roma 1, Torino, Italy';

describe('campaign send workflow', () => {
  let stack: AppStack;
  let ts: TimeSkipping;
  let tenant: { tenantId: string; apiKey: string };
  let scope: TenantScope;
  const marker = uniqueSuffix();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });

  beforeAll(async () => {
    stack = await startAppStack();
    ts = await startTimeSkipping(stack.payloadKeys);
    tenant = await buildTenant(stack.app, stack.platformToken);
    scope = await stack.data.tenants.forTenant(tenant.tenantId);
  });
  afterAll(async () => {
    await ts?.env.teardown();
    await stack?.stop();
  });

  /** A list with `count` confirmed members; the list id and their addresses. */
  async function audience(count: number) {
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set(auth())
      .send({ name: `Audience ${uniqueSuffix()}` });
    const emails: string[] = [];
    for (let i = 0; i < count; i++) {
      const email = `r${i}.${uniqueSuffix()}.${marker}@example.test`;
      const sub = await request(stack.app)
        .post(`/api/v1/lists/${list.body.id}/subscriptions`)
        .set(auth())
        .send({ email });
      expect(sub.status).toBe(202);
      const [mail] = await mailToIn(stack.app, email);
      expect(
        (await request(stack.app).post(linkPath(mail!.text, 'c')).type('form').send('')).status,
      ).toBe(200);
      emails.push(email);
    }
    return { listId: list.body.id as string, emails };
  }

  /** A campaign to the list, its send started on the time-skipping server. */
  async function sending(
    taskQueue: string,
    listId: string,
    subject: string,
    options: { sendAt?: Date; batchSize?: number; batchesPerRun?: number } = {},
  ) {
    const template = await createTemplate(
      scope,
      { name: subject, subject, html: '<p>Hello</p>' },
      by,
    );
    const campaign = await createCampaign(
      scope,
      { name: subject, listIds: [listId], templateId: template.id, sendAt: options.sendAt },
      'all',
      by,
      new Date(await ts.env.currentTimeMs()),
    );
    const deps = ts.temporalDeps(taskQueue) as unknown as CampaignCommandDeps;
    await startCampaignSend(deps, scope, campaign, ADDRESS, new Date(), {
      batchSize: options.batchSize,
      batchesPerRun: options.batchesPerRun,
    });
    return {
      id: campaign._id,
      handle: ts.client.workflow.getHandle(`campaign:${tenant.tenantId}:${campaign._id}`),
    };
  }

  const mailsWith = async (email: string, subject: string) =>
    ((await request(stack.app).get('/api/dev/mail')).body.messages as SinkMail[]).filter(
      (m) => m.to.includes(email) && m.subject === subject,
    );

  it('waits for the time it is scheduled at, then sends', async () => {
    const { listId, emails } = await audience(2);
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const start = await ts.env.currentTimeMs();
      const { id, handle } = await sending(taskQueue, listId, `Later ${marker}`, {
        sendAt: new Date(start + 2 * 86_400_000),
      });
      expect(await handle.query(campaignProgressQuery)).toMatchObject({ status: 'scheduled' });
      expect(await mailsWith(emails[0]!, `Later ${marker}`)).toHaveLength(0);
      const result = (await handle.result()) as CampaignProgress;
      expect(result).toMatchObject({ status: 'sent', recipients: 2, sent: 2 });
      expect(hoursBetween(start, await ts.env.currentTimeMs())).toBeGreaterThanOrEqual(48);
      expect((await scope.models.Campaign.findById(id).lean())?.status).toBe('sent');
      await keepHistory(handle, stack.payloadKeys, 'campaign-send-scheduled');
    });
    for (const email of emails) expect(await mailsWith(email, `Later ${marker}`)).toHaveLength(1);
  });

  it('holds a paused send between batches until resumed, and cancels one with what was sent kept', async () => {
    const { listId, emails } = await audience(3);
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      // Scheduled an hour ahead, so the pause lands before the first batch.
      const start = await ts.env.currentTimeMs();
      const paused = await sending(taskQueue, listId, `Paused ${marker}`, {
        sendAt: new Date(start + 3_600_000),
        batchSize: 1,
      });
      const answer = await paused.handle.executeUpdate(campaignControlUpdate, {
        args: [{ action: 'pause' }],
      });
      expect(answer.status).toBe('scheduled');
      await ts.env.sleep('2 hours');
      for (let i = 0; i < 50; i++) {
        const p = await paused.handle.query(campaignProgressQuery);
        if (p.status === 'paused') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await paused.handle.query(campaignProgressQuery)).toMatchObject({
        status: 'paused',
        recipients: 3,
        sent: 0,
      });
      await ts.env.sleep('1 day');
      expect(await mailsWith(emails[0]!, `Paused ${marker}`)).toHaveLength(0);
      await paused.handle.executeUpdate(campaignControlUpdate, { args: [{ action: 'resume' }] });
      expect(await paused.handle.result()).toMatchObject({ status: 'sent', sent: 3 });
      await keepHistory(paused.handle, stack.payloadKeys, 'campaign-send-paused');

      const cancelled = await sending(taskQueue, listId, `Cancelled ${marker}`, {
        sendAt: new Date((await ts.env.currentTimeMs()) + 3_600_000),
      });
      await cancelled.handle.executeUpdate(campaignControlUpdate, { args: [{ action: 'cancel' }] });
      expect(await cancelled.handle.result()).toMatchObject({ status: 'cancelled', sent: 0 });
      expect((await scope.models.Campaign.findById(cancelled.id).lean())?.status).toBe('cancelled');
    });
    for (const email of emails) {
      expect(await mailsWith(email, `Paused ${marker}`)).toHaveLength(1);
      expect(await mailsWith(email, `Cancelled ${marker}`)).toHaveLength(0);
    }
  });

  it('continues as new and still mails every recipient exactly once', async () => {
    const { listId, emails } = await audience(5);
    await ts.withWorker(createActivities(stack.activityDeps), async (taskQueue) => {
      const { handle } = await sending(taskQueue, listId, `Many ${marker}`, {
        batchSize: 1,
        batchesPerRun: 2,
      });
      expect(await handle.result()).toMatchObject({ status: 'sent', recipients: 5, sent: 5 });
      // The run that ended is the last of a chain that continued as new.
      const { events } = await handle.fetchHistory();
      const started = events![0]!.workflowExecutionStartedEventAttributes;
      expect(started?.continuedExecutionRunId).toBeTruthy();
      await keepHistory(handle, stack.payloadKeys, 'campaign-send-continued');
    });
    for (const email of emails) expect(await mailsWith(email, `Many ${marker}`)).toHaveLength(1);
  });
});
