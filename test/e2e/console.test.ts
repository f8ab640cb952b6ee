/**
 * The web console in real Chromium against the real api, worker, Temporal, database and
 * mail sink: sign-in with the forced first password change and 2FA, lists and their
 * policies, contacts with masked fields, the rights queue, an expired session returning to
 * the page it left with the form as it was, both languages, and no CSP violation anywhere.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generate } from 'otplib';
import request from 'supertest';
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

jest.setTimeout(180_000);

describe('web console', () => {
  let stack: AppStack;
  let browser: Browser;
  let site: { url: string; close: () => Promise<void> };
  let tenant: { tenantId: string; apiKey: string };
  let adminEmail: string;
  let admin: Session;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startAppStack(), startBrowser()]);
    site = await serve(stack.app);
    adminEmail = `admin-${uniqueSuffix()}@example.test`;
    tenant = await buildTenant(stack.app, stack.platformToken, { email: adminEmail });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await stack?.stop();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
    page = await context.newPage();
    problems = watchPageProblems(page);
  });
  afterEach(async () => {
    expect(problems).toEqual([]);
    await context.close();
  });

  const api = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const open = (path: string) => page.goto(`${site.url}/console${path}`);
  const here = () => new URL(page.url()).pathname;

  async function signIn(email: string, password: string) {
    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('makes the first login change the password, then goes where the user was going', async () => {
    await open('/lists');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(here()).toBe('/console/sign-in');
    await screenshot(page, 'console-sign-in');

    await signIn(adminEmail, 'not the password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'The email address or the password is wrong.',
    );

    await signIn(adminEmail, INITIAL_ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    // Nothing else is reachable before the change.
    await open('/lists');
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    await screenshot(page, 'console-first-password');

    const password = `console passphrase ${uniqueSuffix()}`;
    await page.getByRole('textbox', { name: 'Current password' }).fill(INITIAL_ADMIN_PASSWORD);
    await page.getByRole('textbox', { name: 'New password', exact: true }).fill('short');
    await page.getByRole('textbox', { name: 'New password again' }).fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    // The server's policy names the rule; the form says it.
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/characters|length/i);

    await page.getByRole('textbox', { name: 'New password', exact: true }).fill(password);
    await page.getByRole('textbox', { name: 'New password again' }).fill(password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Lists' }).waitFor();
    expect(here()).toBe('/console/lists');
    // The new password works against the API too.
    admin = await loginAndSetPassword(stack.app, adminEmail, password);
  });

  it('creates a list with its policies, says what they do and shows its form', async () => {
    await open('/sign-in');
    await signIn(adminEmail, admin.password);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Lists' }).click();
    await page.getByRole('link', { name: 'New list' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('Weekly news');
    await page.getByLabel('Consent expires and must be renewed').check({ force: true });
    const validity = page.getByRole('textbox', { name: 'Valid for' });
    await validity.fill('365');
    await validity.blur();
    // 365 days from today, 30 and 7 days before: the summary names the dates.
    const expiry = new Date(Date.now() + 365 * 86_400_000);
    const dateText = (d: Date) =>
      new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' }).format(
        d,
      );
    await page.getByText(`Without renewal they are unsubscribed on ${dateText(expiry)}.`).waitFor();
    await page
      .getByText(dateText(new Date(expiry.getTime() - 30 * 86_400_000)), { exact: false })
      .first()
      .waitFor();
    await page.getByLabel('Track opens and clicks of this list’s mail').uncheck({ force: true });
    await page.getByText('No pixel, no tracked links').waitFor();
    await screenshot(page, 'console-list-new');
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Weekly news' }).waitFor();

    const listId = here().split('/').pop()!;
    const stored = await request(stack.app).get(`/api/v1/lists/${listId}`).set(api());
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      name: 'Weekly news',
      tracking: false,
      consentPolicy: { validityDays: 365, reminderDaysBefore: [30, 7], onExpiry: 'unsubscribe' },
      inactivityPolicy: null,
    });
    const snippet = await page.getByTestId('embed-snippet').textContent();
    expect(snippet).toContain(`action="${stored.body.formUrl}"`);
    expect(stored.body.formUrl).toMatch(new RegExp(`/f/${listId}$`));
    expect(snippet).toContain('name="consent" value="yes"');
    await screenshot(page, 'console-list-saved');

    // What the api would refuse is refused in the form, by the api's own schema, and
    // nothing stored changes.
    await page.getByRole('textbox', { name: 'Text of the confirmation mail' }).fill('Hello!');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('must contain {{link}}').waitFor();
    const unchanged = await request(stack.app).get(`/api/v1/lists/${listId}`).set(api());
    expect(unchanged.body).toEqual(stored.body);
  });

  it('returns an expired session to sign-in, then to the same page with the unsaved form', async () => {
    const created = await request(stack.app)
      .post('/api/v1/lists')
      .set(api())
      .send({ name: 'Offers' });
    await open('/sign-in');
    await signIn(adminEmail, admin.password);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await open(`/lists/${created.body.id}`);
    await page.getByRole('heading', { name: 'Offers' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Offers and news');

    // The session ends (cookie gone, as after its maximum age); the next call finds out.
    await context.clearCookies();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(adminEmail, admin.password);
    await page.getByRole('heading', { name: 'Offers' }).waitFor();
    expect(here()).toBe(`/console/lists/${created.body.id}`);
    await expect(page.getByRole('textbox', { name: 'Name' }).inputValue()).resolves.toBe(
      'Offers and news',
    );
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Offers and news' }).waitFor();
    const stored = await request(stack.app).get(`/api/v1/lists/${created.body.id}`).set(api());
    expect(stored.body.name).toBe('Offers and news');
  });

  it('shows a contact with its consent proof, masks what the user may not see and hides what they may not do', async () => {
    const list = await request(stack.app).post('/api/v1/lists').set(api()).send({ name: 'Club' });
    const email = `subject-${uniqueSuffix()}@example.test`;
    const subscribed = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/subscriptions`)
      .set(api())
      .send({ email, fields: { firstName: 'Ada', city: 'Turin' }, ip: '203.0.113.9' });
    expect(subscribed.status).toBe(202);
    const viewer = await buildUser(admin, {
      features: ['contacts.view'],
      fields: { '*': 'view', firstName: 'none' },
    });

    await open('/contacts');
    await signIn(viewer.email, viewer.initialPassword);
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    const password = `viewer passphrase ${uniqueSuffix()}`;
    await page.getByRole('textbox', { name: 'Current password' }).fill(viewer.initialPassword);
    await page.getByRole('textbox', { name: 'New password', exact: true }).fill(password);
    await page.getByRole('textbox', { name: 'New password again' }).fill(password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();

    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: 'Contacts' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Rights requests' }).count()).toBe(0);

    await page.getByRole('textbox', { name: 'Email address' }).fill(email);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('link', { name: email }).click();
    await page.getByRole('heading', { name: email }).waitFor();
    const firstName = page.getByRole('row', { name: /First name/ });
    await expect(firstName.textContent()).resolves.toContain('hidden');
    await expect(page.getByRole('row', { name: /city/ }).textContent()).resolves.toContain('Turin');
    await page.getByText('Subscription requested · Club').waitFor();
    expect(await page.getByRole('button', { name: 'Open a rights request' }).count()).toBe(0);
    await screenshot(page, 'console-contact');
  });

  it('works the rights queue: verify identity and extend the deadline with a reason', async () => {
    const list = await request(stack.app).post('/api/v1/lists').set(api()).send({ name: 'Shop' });
    const email = `requester-${uniqueSuffix()}@example.test`;
    const sub = await request(stack.app)
      .post(`/api/v1/lists/${list.body.id}/subscriptions`)
      .set(api())
      .send({ email });
    const asked = await request(stack.app)
      .post('/api/v1/rights-requests')
      .set(api())
      .send({ type: 'restriction', contactId: sub.body.contactId, identityVerified: false });
    expect(asked.status).toBe(202);
    const dueBefore = Date.parse(asked.body.dueAt);

    await open('/rights');
    await signIn(adminEmail, admin.password);
    await page.getByRole('heading', { name: 'Rights requests' }).waitFor();
    const row = page.getByTestId('rights-row').filter({ hasText: 'Restriction' }).first();
    await row.getByText('verifying identity').waitFor();
    await screenshot(page, 'console-rights-queue');

    await row.getByRole('button', { name: 'Extend' }).click();
    const dialog = page.getByRole('dialog', { name: 'Extend the deadline' });
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('Many archives to search.');
    await screenshot(page, 'console-rights-extend');
    await dialog.getByRole('button', { name: 'Extend' }).click();
    await page.getByText(/Deadline extended to/).waitFor();

    await row.getByRole('button', { name: 'Mark verified' }).click();
    await page.getByText('Identity marked as verified.').waitFor();

    const after = await request(stack.app)
      .get(`/api/v1/rights-requests/${asked.body.id}`)
      .set(api());
    expect(after.body.extendedMonths).toBe(1);
    expect(Date.parse(after.body.dueAt)).toBeGreaterThan(dueBefore + 27 * 86_400_000);
    expect(after.body.verifiedAt).toEqual(expect.any(String));
  });

  it('enrols two-factor authentication, shows the recovery codes once and asks for a code at sign-in', async () => {
    const user = await buildUser(admin, { features: ['contacts.view'] });
    const password = `totp passphrase ${uniqueSuffix()}`;
    await open('/');
    await signIn(user.email, user.initialPassword);
    await page.getByRole('textbox', { name: 'Current password' }).fill(user.initialPassword);
    await page.getByRole('textbox', { name: 'New password', exact: true }).fill(password);
    await page.getByRole('textbox', { name: 'New password again' }).fill(password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Two-factor authentication' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await screenshot(page, 'console-totp-enrol');
    await page.getByRole('textbox', { name: 'Code from the app' }).fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByTestId('recovery-codes');
    await codes.waitFor();
    expect((await codes.locator('code').allTextContents()).length).toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();

    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(user.email, password);
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    // The enrolment used the current step; the next one signs in.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(next);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  it('speaks Italian when asked, and serves every page under a nonce CSP without violations', async () => {
    const res = await page.goto(`${site.url}/console/sign-in`);
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res!.headers()['cache-control']).toBe('no-cache');
    const again = await request(stack.app).get('/console/sign-in');
    expect(again.headers['content-security-policy']).not.toBe(csp);

    await signIn(adminEmail, admin.password);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.getByRole('heading', { name: 'Panoramica' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('it');
    await page.getByRole('navigation').getByRole('link', { name: 'Liste' }).click();
    await page.getByRole('heading', { name: 'Liste' }).waitFor();
    await screenshot(page, 'console-lists-it');
    // The choice stays with the browser.
    await page.reload();
    await page.getByRole('heading', { name: 'Liste' }).waitFor();
  });
});
