/**
 * The console's administration pages in real Chromium against the real api and services: a
 * tenant admin creates a marketer with some features and the email address hidden (a refused
 * password first, said next to its field, the form kept), the API stores exactly those
 * permissions, disabling shows at once; an API key made in the console is shown once, works
 * within its scopes, and answers 401 once revoked in the console.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { startAppStack, type AppStack } from '../helpers/app-stack';
import { screenshot, serve, startBrowser, watchPageProblems } from '../helpers/browser';
import { uniqueSuffix } from '../helpers/services';
import { INITIAL_ADMIN_PASSWORD, loginAndSetPassword, type Session } from '../helpers/sessions';
import { buildTenant } from '../helpers/tenant-fixtures';

jest.setTimeout(180_000);

describe('console administration', () => {
  let stack: AppStack;
  let browser: Browser;
  let site: { url: string; close: () => Promise<void> };
  let adminEmail: string;
  let admin: Session;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startAppStack(), startBrowser()]);
    site = await serve(stack.app);
    adminEmail = `admin-${uniqueSuffix()}@example.test`;
    await buildTenant(stack.app, stack.platformToken, { email: adminEmail });
    // The first password change is console.test.ts's subject; here the admin has done it.
    admin = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await stack?.stop();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
    page = await context.newPage();
    problems = watchPageProblems(page);
    await page.goto(`${site.url}/console/sign-in`);
    await page.getByRole('textbox', { name: 'Email' }).fill(adminEmail);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });
  afterEach(async () => {
    expect(problems).toEqual([]);
    await context.close();
  });

  /** Full-page screenshots to look at after the run. */
  const shoot = async (name: string) => {
    // From the top: a full-page shot of a scrolled page draws the fixed header mid-page.
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, `admin-${name}`);
  };
  const asAdmin = (path: string) => admin.agent.get(path);

  it('creates a marketer with chosen features and the email hidden, then disables them', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByTestId('user-row').filter({ hasText: adminEmail }).getByText('you').waitFor();
    await shoot('users');

    await page.getByRole('link', { name: 'New user' }).click();
    await page.getByRole('heading', { name: 'New user' }).waitFor();
    const email = `marketer-${uniqueSuffix()}@example.test`;
    await page.getByRole('textbox', { name: 'Email address' }).fill(email);
    await page.getByRole('textbox', { name: 'Initial password' }).fill('short');
    for (const feature of ['See contacts', 'See statistics', 'Create campaigns'])
      await page.getByRole('checkbox', { name: feature }).check();
    await page.getByRole('combobox', { name: 'Add a field' }).fill('email');
    await page.getByRole('button', { name: 'Add a field' }).click();
    // A named field starts hidden; the others stay visible.
    const hidden = page
      .getByRole('radiogroup', { name: 'Access to Email address' })
      .getByRole('radio', { name: 'Hidden' });
    expect(await hidden.isChecked()).toBe(true);
    await page.getByRole('radio', { name: 'Expires after' }).check();
    await page.getByRole('textbox', { name: 'Days until the password expires' }).fill('60');
    await shoot('user-editor');

    // The tenant's password policy refuses the initial password: said under that field,
    // everything typed still there.
    await page.getByRole('button', { name: 'Create user' }).click();
    const password = page.getByRole('textbox', { name: 'Initial password' });
    await page.getByText(/must be at least \d+ characters/i).waitFor();
    await expect(password.getAttribute('aria-invalid')).resolves.toBe('true');
    const describedBy = ((await password.getAttribute('aria-describedby')) ?? '')
      .split(' ')
      .filter(Boolean);
    const description = (
      await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()))
    ).join(' ');
    expect(description).toMatch(/must be at least \d+ characters/i);
    await expect(page.getByRole('textbox', { name: 'Email address' }).inputValue()).resolves.toBe(
      email,
    );
    expect(await page.getByRole('checkbox', { name: 'See statistics' }).isChecked()).toBe(true);
    expect(await hidden.isChecked()).toBe(true);
    await shoot('user-editor-refused');

    await password.fill(`marketer passphrase ${uniqueSuffix()}`);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const row = page.getByTestId('user-row').filter({ hasText: email });
    await row.getByText('Must change password').waitFor();
    await row.getByText('1 field hidden', { exact: false }).waitFor();

    // Exactly what the form chose, nothing more.
    const listed = await asAdmin('/api/v1/users');
    const stored = listed.body.users.find((u: { email: string }) => u.email === email);
    expect(stored).toMatchObject({
      permissions: {
        features: ['contacts.view', 'stats.view', 'campaigns.create'],
        lists: 'all',
        fields: { '*': 'view', email: 'none' },
      },
      passwordMaxAgeDays: 60,
      mustChangePassword: true,
      disabled: false,
    });
    expect(Object.keys(stored.permissions.fields).sort()).toEqual(['*', 'email']);
    await shoot('users-with-marketer');

    await row.getByRole('button', { name: 'Disable' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disable this user?' });
    await dialog.getByText(email, { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    const after = await asAdmin(`/api/v1/users/${stored.id}`);
    expect(after.body.disabled).toBe(true);

    // The editor shows the same state, with the way back.
    await row.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: email }).waitFor();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await shoot('user-editor-existing');
  });

  it('creates an API key, shows it once, and revokes it', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByRole('button', { name: 'New API key' }).click();
    const form = page.getByRole('dialog', { name: 'New API key' });
    const name = `CRM sync ${uniqueSuffix()}`;
    await form.getByRole('textbox', { name: 'Name' }).fill(name);
    await form.getByRole('checkbox', { name: 'See contacts' }).check();
    await shoot('api-key-new');
    await form.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByRole('dialog', { name: `Key “${name}” created` });
    await shown.getByText('will not be shown again', { exact: false }).waitFor();
    const key = (await shown.getByTestId('new-api-key').textContent())!.trim();
    expect(key.length).toBeGreaterThan(20);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(key);
    await shoot('api-key-shown');

    // The key works, within its one scope.
    const bearer = { Authorization: `Bearer ${key}` };
    const lists = () => request(stack.app).get('/api/v1/lists').set(bearer);
    expect((await lists()).status).toBe(200);
    const beyond = await request(stack.app).post('/api/v1/lists').set(bearer).send({ name: 'x' });
    expect(beyond.status).toBe(403);

    await shown.getByRole('button', { name: 'I have copied the key' }).click();
    await shown.waitFor({ state: 'hidden' });
    const row = page.getByTestId('api-key-row').filter({ hasText: name });
    await row.getByText('Active').waitFor();
    await row.getByText('See contacts').waitFor();
    // Once means once: after a reload the key is nowhere on the page.
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(key);
    await shoot('api-keys');

    await row.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: `Revoke the key “${name}”?` });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect((await lists()).status).toBe(401);
    await shoot('api-keys-revoked');

    // The administration pages speak Italian too.
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.getByRole('heading', { name: 'Chiavi API' }).waitFor();
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    await row.getByText('Revocata').waitFor();
    await shoot('api-keys-it');
    await page.getByRole('navigation').getByRole('link', { name: 'Utenti' }).click();
    await page.getByRole('heading', { name: 'Utenti' }).waitFor();
    await shoot('users-it');
  });
});
