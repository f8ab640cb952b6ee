/**
 * Conditions no retry can change fail an activity for good, with the stable type its
 * workflow lists as non-retryable and a message naming opaque ids only; a relay that refuses
 * mail fails a double opt-in round for a retry, keeping what it could not send queued. Runs
 * the real activities against the real database in Temporal's mock activity context.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import request from 'supertest';
import { createDoubleOptInActivities } from '../../activities/double-opt-in';
import { createImportActivities } from '../../activities/imports';
import { createImportRecord } from '../../src/imports/import-record';
import { activityFailures } from '../../workflows/failures';
import { storeSubscription } from '../../src/consent/subscription/store';
import { validateContactRow } from '../../src/imports/contact-row';
import { freePort } from '../../src/local/ports';
import { createMailer } from '../../src/mail/mailer';
import { createMailTransport } from '../../src/mail/transport';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { uniqueSuffix } from '../helpers/services';
import { buildTenant } from '../helpers/tenant-fixtures';

// The failures here are expected: the SDK's warning for each would only be noise.
const activityEnv = () =>
  new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** The failure a promise rejects with. */
const failureOf = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  return { type: failure.type, nonRetryable: failure.nonRetryable, message: failure.message };
};

describe('permanent activity failures', () => {
  let stack: AppStack;
  let tenantId: string;
  let listId: string;
  beforeAll(async () => {
    stack = await startAppStack();
    const tenant = await buildTenant(stack.app, stack.platformToken);
    tenantId = tenant.tenantId;
    const list = await request(stack.app)
      .post('/api/v1/lists')
      .set('Authorization', `Bearer ${tenant.apiKey}`)
      .send({ name: 'Permanent failures' });
    listId = list.body.id;
  });
  afterAll(() => stack?.stop());

  it('fails an import whose record is gone for good', async () => {
    const { importContacts } = createImportActivities(stack.activityDeps);
    const importId = `i${uniqueSuffix()}`;
    expect(await failureOf(activityEnv().run(importContacts, { tenantId, importId }))).toEqual({
      type: activityFailures.importMissing,
      nonRetryable: true,
      message: `import ${importId} missing`,
    });
  });

  it('fails a double opt-in import whose list is gone for good', async () => {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const gone = `l${uniqueSuffix()}`;
    const importId = await createImportRecord(tenant, {
      listId: gone,
      format: 'csv',
      consent: 'double-opt-in',
      workflowIdFor: (id) => `contact-import:${tenantId}:${id}`,
    });
    const { importContacts } = createImportActivities(stack.activityDeps);
    expect(await failureOf(activityEnv().run(importContacts, { tenantId, importId }))).toEqual({
      type: activityFailures.listMissing,
      nonRetryable: true,
      message: `list ${gone} of import ${importId} missing`,
    });
  });

  it('fails a round retryably when the relay refuses, keeps the mail queued, and sends it once the relay is back', async () => {
    const tenant = await stack.data.tenants.forTenant(tenantId);
    const row = validateContactRow({ email: `refused.${uniqueSuffix()}@example.test` });
    if (!row.ok) throw new Error(row.reason);
    const list = (await tenant.models.List.findById(listId, { name: 1, doubleOptIn: 1 }).lean())!;
    const { result } = await storeSubscription(
      { tenant },
      { list, row: row.row, source: { kind: 'api', id: 'k' } },
    );
    // A relay nobody listens on.
    const transport = createMailTransport(`smtp://127.0.0.1:${await freePort()}`);
    const mailer = createMailer({
      transport,
      dkim: stack.consent.dkim,
      tenants: stack.data.tenants,
      from: stack.config.smtp.from,
    });
    try {
      const { runDoubleOptInRound } = createDoubleOptInActivities({
        ...stack.activityDeps,
        mailer,
      });
      const round = activityEnv().run(runDoubleOptInRound, {
        tenantId,
        listId,
        now: new Date().toISOString(),
        deadlines: false,
      });
      expect(await failureOf(round)).toEqual({
        type: activityFailures.relayRefused,
        nonRetryable: false,
        message: 'the relay refused 1 of 1 messages',
      });
      expect(
        await tenant.models.Outbox.countDocuments({ subscriptionId: result.subscriptionId }),
      ).toBe(1);
      expect(
        await tenant.models.Send.find({ _id: { $regex: `^doi:${result.subscriptionId}:` } }).lean(),
      ).toEqual([expect.objectContaining({ status: 'sending' })]);
      // The relay back: the next round sends what the claim left unsent, once.
      const { runDoubleOptInRound: working } = createDoubleOptInActivities(stack.activityDeps);
      const next = await activityEnv().run(working, {
        tenantId,
        listId,
        now: new Date().toISOString(),
        deadlines: false,
      });
      expect(next).toMatchObject({ sent: 1 });
      expect(
        await tenant.models.Outbox.countDocuments({ subscriptionId: result.subscriptionId }),
      ).toBe(0);
      expect(
        await tenant.models.Send.find({ _id: { $regex: `^doi:${result.subscriptionId}:` } }).lean(),
      ).toEqual([expect.objectContaining({ status: 'sent' })]);
    } finally {
      transport.close();
    }
  });
});
