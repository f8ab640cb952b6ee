/**
 * The console's webhooks, support access and access review pages in real Chromium against the
 * real api, worker and Temporal: a tenant admin makes a webhook (a URL the server refuses said
 * under its field), is shown its secret once, and a real receiver gets events signed with that
 * secret, which the deliveries dialog then shows; a support-access request the platform made
 * over the API is approved in the console and revoked; in an access review started over the
 * API the admin sees the flagged users by address and confirms one of them. Each change is
 * checked over the HTTP API. A user without users.manage sees none of the three entries.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { accessReviewOutcomes } from '../../src/db/models/access-review';
import { supportGrantStatuses } from '../../src/db/models/support-grant';
import { webhookAttemptErrors, webhookDeliveryStatuses } from '../../src/db/models/webhook';
import * as consoleWords from '../../ui/src/admin/integration-words';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { screenshot, serve, startBrowser, watchPageProblems } from '../helpers/browser';
import { uniqueSuffix } from '../helpers/services';
import {
  buildUser,
  INITIAL_ADMIN_PASSWORD,
  loginAndSetPassword,
  type Session,
} from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';
import { startReceiver } from '../helpers/webhook-receiver';

jest.setTimeout(180_000);

const DAY_MS = 86_400_000;

describe('the console names the states the server answers with', () => {
  // The console cannot import these from src/db (mongoose), so it writes them out; this
  // keeps the copies true.
  it('has the same delivery, support-access and review states', () => {
    expect([...consoleWords.webhookDeliveryStatuses]).toEqual([...webhookDeliveryStatuses]);
    expect([...consoleWords.webhookAttemptErrors]).toEqual([...webhookAttemptErrors]);
    expect([...consoleWords.supportGrantStatuses]).toEqual([...supportGrantStatuses]);
    expect([...consoleWords.accessReviewOutcomes]).toEqual([...accessReviewOutcomes]);
  });
});

describe('console webhooks, support access and access reviews', () => {
  let stack: AppStack;
  let browser: Browser;
  let site: { url: string; close: () => Promise<void> };
  let tenant: { tenantId: string; apiKey: string };
  let admin: Session;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    // The webhook receiver listens on loopback, which production refuses.
    [stack, browser] = await Promise.all([
      startAppStack({ env: { WEBHOOKS_ALLOW_PRIVATE: 'true' } }),
      startBrowser(),
    ]);
    site = await serve(stack.app);
    const adminEmail = `admin-${uniqueSuffix()}@example.test`;
    tenant = await buildTenant(stack.app, stack.platformToken, { email: adminEmail });
    admin = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await stack?.stop();
  });

  /** A fresh browser signed in as `who`, on the dashboard. */
  async function signIn(who: { email: string; password: string }) {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
    page = await context.newPage();
    problems = watchPageProblems(page);
    await page.goto(`${site.url}/console/sign-in`);
    await page.getByRole('textbox', { name: 'Email' }).fill(who.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  }
  afterEach(async () => {
    expect(problems).toEqual([]);
    await context?.close();
  });

  const shoot = async (name: string, options: { notices?: boolean } = {}) => {
    // Notices of what was just done would cover the page's top right corner.
    if (!options.notices)
      for (const close of await page.locator('.mantine-Notification-closeButton').all())
        await close.click();
    // From the top: a full-page shot of a scrolled page draws the fixed header mid-page.
    await page.evaluate('window.scrollTo(0, 0)');
    // Dialogs and notices fade in and out for 200 ms; a shot within it shows them half drawn.
    await page.waitForTimeout(400);
    await screenshot(page, `integrations-${name}`);
  };
  const get = async (path: string) => (await admin.agent.get(path)).body;
  const post = (path: string, body?: object) =>
    admin.agent.post(path).set('X-CSRF-Token', admin.csrf).send(body);
  const nav = (name: string) => page.getByRole('navigation').getByRole('link', { name });

  it('makes a webhook, shows its secret once and the deliveries signed with it', async () => {
    const receiver = await startReceiver();
    try {
      await signIn(admin);
      await nav('Webhooks').click();
      await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
      await page.getByText('No webhooks yet.').waitFor();

      await page.getByRole('button', { name: 'New webhook' }).click();
      const dialog = page.getByRole('dialog', { name: 'New webhook' });
      const url = dialog.getByRole('textbox', { name: 'Endpoint URL' });
      // Nothing chosen: said under each field, nothing sent.
      await dialog.getByRole('button', { name: 'Create webhook' }).click();
      await dialog.getByText('Choose at least one event.').waitFor();
      await dialog.getByText('Enter the address to send events to.').waitFor();
      // A URL the server refuses: its words, under the field, what was typed kept.
      await url.fill('ftp://files.example.test/hook');
      await dialog.getByRole('checkbox', { name: 'Rights request received' }).check();
      await dialog.getByRole('checkbox', { name: 'Rights request completed' }).check();
      await dialog.getByRole('button', { name: 'Create webhook' }).click();
      await dialog.getByText('Must be an http or https URL').waitFor();
      await expect(url.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(url.inputValue()).resolves.toBe('ftp://files.example.test/hook');
      await shoot('webhook-refused');
      expect((await get('/api/v1/webhooks')).webhooks).toEqual([]);

      await url.fill(receiver.url);
      await dialog.getByRole('button', { name: 'Create webhook' }).click();
      const created = page.getByRole('dialog', { name: 'Webhook created' });
      const secret = (await created.getByTestId('webhook-secret').textContent())?.trim() ?? '';
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      await shoot('webhook-secret');
      await created.getByRole('button', { name: 'I have copied the secret' }).click();
      await created.waitFor({ state: 'hidden' });

      const row = page.getByTestId('webhook-row');
      await row.getByText(receiver.url).waitFor();
      await row.getByText('by you').waitFor();
      await shoot('webhooks');
      const [stored] = (await get('/api/v1/webhooks')).webhooks;
      expect(stored).toMatchObject({
        url: receiver.url,
        events: ['rights_request.received', 'rights_request.completed'],
        createdBy: { kind: 'user', id: admin.userId },
      });
      // The secret shown is the one the server signs with: the receiver checks each request.
      receiver.secret = secret;

      const asked = await request(stack.app)
        .post('/api/v1/rights-requests')
        .set('Authorization', `Bearer ${tenant.apiKey}`)
        .send({
          type: 'erasure',
          email: `nobody-${uniqueSuffix()}@example.test`,
          identityVerified: true,
        });
      expect(asked.status).toBe(202);
      const heard = await receiver.waitFor(2, 30_000);
      expect(heard.every((h) => h.signatureValid)).toBe(true);

      await row.getByRole('button', { name: 'Deliveries' }).click();
      const deliveries = page.getByRole('dialog', { name: 'Latest deliveries' });
      const delivered = deliveries.getByTestId('webhook-delivery');
      // Both delivered: the page reads again while open, so a second one still sending turns up.
      await delivered
        .filter({ hasText: 'Rights request completed' })
        .getByText('Delivered')
        .waitFor();
      await delivered
        .filter({ hasText: 'Rights request received' })
        .getByText('Delivered')
        .waitFor();
      await delivered.first().getByText('HTTP 200').waitFor();
      await delivered.first().getByRole('button', { name: 'Show what was sent' }).click();
      await delivered
        .first()
        .getByText(asked.body.id as string, { exact: false })
        .waitFor();
      await shoot('webhook-deliveries');
      await page.keyboard.press('Escape');
      await deliveries.waitFor({ state: 'hidden' });

      // Deleting is confirmed; the API then has none.
      await row.getByRole('button', { name: 'Delete' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this webhook?' });
      await confirm.getByText('cannot be undone', { exact: false }).waitFor();
      await shoot('webhook-delete');
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await page.getByText('Webhook deleted.').waitFor();
      await page.getByText('No webhooks yet.').waitFor();
      expect((await get('/api/v1/webhooks')).webhooks).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('approves a support-access request of the platform, then revokes it', async () => {
    const ask = (reason: string, requestedBy: string, extra: object = {}) =>
      request(stack.app)
        .post(`/api/v1/tenants/${tenant.tenantId}/support-access`)
        .set('Authorization', `Bearer ${stack.platformToken}`)
        .send({ reason, hours: 2, requestedBy, ...extra });
    const denied = await ask('Ticket 4710: a bounce we cannot explain', 'ops.max');
    const asked = await ask('Ticket 4711: import rejected rows', 'ops.jane', {
      scopes: ['contacts.view', 'stats.view'],
    });
    expect([asked.status, denied.status]).toEqual([202, 202]);
    const grantId = asked.body.id as string;

    await signIn(admin);
    await nav('Support access').click();
    await page.getByRole('heading', { name: 'Support access' }).waitFor();
    const rows = page.getByTestId('support-request');
    const jane = rows.filter({ hasText: 'ops.jane' });
    await jane.getByText('Ticket 4711: import rejected rows').waitFor();
    await jane.getByText('2 hours').waitFor();
    await jane.getByText('See statistics').waitFor();
    await jane.getByText('Waiting for you').waitFor();
    await shoot('support-pending');

    await jane.getByRole('button', { name: 'Approve' }).click();
    const approve = page.getByRole('dialog', { name: 'Approve access for ops.jane?' });
    await approve.getByText('for 2 hours from now', { exact: false }).waitFor();
    await shoot('support-approve');
    await approve.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Access for ops.jane approved.').waitFor();
    await jane.getByText('Approved').waitFor();
    await jane.getByText(/^until /).waitFor();
    const approved = await get(`/api/v1/support-access/${grantId}`);
    expect(approved).toMatchObject({ status: 'approved', decidedBy: admin.userId });
    expect(Date.parse(approved.approvedUntil) - Date.now()).toBeGreaterThan(1.9 * 3_600_000);

    // The other one denied; cancelling first leaves it pending.
    const max = rows.filter({ hasText: 'ops.max' });
    await max.getByRole('button', { name: 'Deny' }).click();
    const deny = page.getByRole('dialog', { name: 'Deny access for ops.max?' });
    await deny.getByRole('button', { name: 'Cancel' }).click();
    await deny.waitFor({ state: 'hidden' });
    expect((await get(`/api/v1/support-access/${denied.body.id}`)).status).toBe('pending');
    await max.getByRole('button', { name: 'Deny' }).click();
    await deny.getByRole('button', { name: 'Deny' }).click();
    await max.getByText('Denied').waitFor();
    expect((await get(`/api/v1/support-access/${denied.body.id}`)).status).toBe('denied');
    expect(await max.getByRole('button').count()).toBe(0);

    await jane.getByRole('button', { name: 'Revoke' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke access for ops.jane?' })
      .getByRole('button', {
        name: 'Revoke',
      })
      .click();
    await page.getByText('Access for ops.jane revoked.').waitFor();
    await jane.getByText('Revoked').waitFor();
    expect(await get(`/api/v1/support-access/${grantId}`)).toMatchObject({
      status: 'revoked',
      endedAt: expect.any(String),
    });
    await shoot('support-decided');

    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.getByRole('heading', { name: 'Accesso dell’assistenza' }).waitFor();
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    await jane.getByText('Revocato').waitFor();
    await shoot('support-it');
  });

  it('shows the flagged users of an open access review and confirms the one ticked', async () => {
    const { User } = stack.data.tenants.control;
    const stale = await buildUser(admin, { features: ['contacts.view'] });
    const kept = await buildUser(admin, { features: ['contacts.view', 'stats.view'] });
    await User.updateMany(
      { _id: { $in: [stale.id, kept.id] } },
      { $set: { createdAt: new Date(Date.now() - 120 * DAY_MS) } },
    );
    const started = await post('/api/v1/access-reviews');
    expect(started.status).toBe(202);
    const reviewId = started.body.id as string;
    for (let i = 0; i < 150; i++) {
      const res = await admin.agent.get(`/api/v1/access-reviews/${reviewId}`);
      if (res.status === 200 && res.body.status === 'open') break;
      await new Promise((r) => setTimeout(r, 200));
    }

    await signIn(admin);
    await nav('Access reviews').click();
    await page.getByRole('heading', { name: 'Access reviews' }).waitFor();
    const row = page.getByTestId('access-review-row');
    await row.getByText('Open').waitFor();
    await row.getByText('2 users, 0 API keys').waitFor();
    await shoot('reviews');
    await row.getByRole('link').click();
    await page.waitForURL(new RegExp(`/admin/access-reviews/${reviewId}$`));
    await page.getByText('will be disabled', { exact: false }).waitFor();

    // Flagged only, by address: the admin, who signed in, is not among them.
    const users = page.getByRole('region', { name: 'Users' });
    const entries = users.getByTestId('review-entry');
    await entries.filter({ hasText: stale.email }).getByText('Flagged').waitFor();
    await entries.filter({ hasText: kept.email }).getByText('Flagged').waitFor();
    expect(await entries.count()).toBe(2);
    await page.getByRole('region', { name: 'API keys' }).getByText('Nothing flagged.').waitFor();
    const confirm = page.getByRole('button', { name: 'Confirm the ticked entries' });
    expect(await confirm.isDisabled()).toBe(true);
    await shoot('review-open');

    await users.getByRole('checkbox', { name: `Keep ${kept.email}` }).check();
    await page.getByRole('button', { name: 'Confirm 1 entry' }).click();
    await page.getByText('1 entry confirmed.').waitFor();
    await entries.filter({ hasText: kept.email }).getByText('Confirmed').waitFor();
    await entries.filter({ hasText: kept.email }).getByText('by you', { exact: false }).waitFor();
    // Confirmed, it has no box left; the other still has one.
    expect(await users.getByRole('checkbox', { name: `Keep ${kept.email}` }).count()).toBe(0);
    expect(await users.getByRole('checkbox', { name: `Keep ${stale.email}` }).count()).toBe(1);
    const review = await get(`/api/v1/access-reviews/${reviewId}`);
    const entry = (id: string) => review.users.find((u: { id: string }) => u.id === id);
    expect(review.status).toBe('open');
    expect(entry(kept.id)).toMatchObject({
      confirmedBy: admin.userId,
      confirmedAt: expect.any(String),
    });
    expect(entry(stale.id)).toMatchObject({ flagged: true, confirmedAt: null });

    // Every entry, the admin's too, one switch away.
    await page.getByRole('switch', { name: /Show the entries not flagged too/ }).check();
    const own = users.locator(`[data-id="${admin.userId}"]`);
    await own.getByText(`${admin.email} (you)`).waitFor();
    await own.getByText('In use').waitFor();
    await own.getByText('Every permission').waitFor();
    await shoot('review-confirmed');

    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.getByRole('heading', { name: /^Revisione degli accessi \(/ }).waitFor();
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    // The region is named in Italian now.
    await page
      .getByTestId('review-entry')
      .filter({ hasText: kept.email })
      .getByText('Confermato')
      .waitFor();
    await shoot('review-it');
  });

  it('shows none of these pages to a user without users.manage', async () => {
    const viewer = await buildUser(admin, { features: ['contacts.view', 'accesslog.view'] });
    const session = await loginAndSetPassword(stack.app, viewer.email, viewer.initialPassword);
    await signIn(session);
    await nav('Access log').waitFor();
    for (const name of ['Webhooks', 'Support access', 'Access reviews'])
      expect(await nav(name).count()).toBe(0);
    // Reached by address: refused in words, as the server refuses it.
    await page.goto(`${site.url}/console/admin/webhooks`);
    await page.getByText('Your account does not have the permission for this.').waitFor();
  });
});
