/**
 * The console's security policy and access log pages in real Chromium against the real api:
 * a tenant admin tightens the password policy (a length out of range refused next to its
 * field, what was typed kept) and requires a second factor of administrators, and the API
 * stores exactly that; the access log shows the admin's sign-in and the settings change, an
 * event filter and a date range narrow it, and the CSV export downloads the filtered rows.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { characterClasses } from '../../src/auth/password-policy';
import { accessEvents as serverEvents } from '../../src/db/models/access-log';
import { twoFactorRules } from '../../src/db/models/tenant';
import {
  passwordCharacterClasses,
  twoFactorRequirements,
} from '../../src/api/schemas/security-settings';
import { accessEvents as consoleEvents } from '../../ui/src/admin/access-events';
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

/** A local calendar day as a date input holds it (`2026-12-07`), `offset` days from today. */
const localDay = (offset = 0) => {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** Reads until `ok` accepts the value or 10 s pass (a filter applies after its fetch); returns it. */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the console names what the server checks', () => {
  // The console cannot import these from src/auth and src/db (bcrypt, mongoose), so it
  // writes them out; this keeps the copies true.
  it('has the same character classes, two-factor rules and access log events', () => {
    expect([...passwordCharacterClasses]).toEqual(Object.keys(characterClasses));
    expect([...twoFactorRequirements]).toEqual([...twoFactorRules]);
    expect([...consoleEvents].sort()).toEqual([...serverEvents].sort());
  });
});

describe('console security policy and access log', () => {
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
    admin = await loginAndSetPassword(stack.app, adminEmail, INITIAL_ADMIN_PASSWORD);
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
    await page.goto(`${site.url}/console/sign-in`);
    await page.getByRole('textbox', { name: 'Email' }).fill(adminEmail);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });
  afterEach(async () => {
    expect(problems).toEqual([]);
    await context.close();
    // A second factor required of admins would stop the next test's sign-in at enrolment.
    await put('/api/v1/settings/two-factor', { required: 'optional' });
  });

  const shoot = async (name: string) => {
    // From the top: a full-page shot of a scrolled page draws the fixed header mid-page.
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, `security-${name}`);
  };
  const get = async (path: string) => (await admin.agent.get(path)).body;
  const put = (path: string, body: object) =>
    admin.agent.put(path).set('X-CSRF-Token', admin.csrf).send(body);

  it('tightens the password policy, refusing a length out of range next to its field', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Security policy' }).click();
    await page.getByRole('heading', { name: 'Security policy' }).waitFor();
    const policy = page.getByRole('region', { name: 'Passwords' });
    // The defaults, in words.
    await policy.getByText('Passwords must have at least 12 characters, of any kind.').waitFor();
    await policy.getByText('must differ from the last 5', { exact: false }).waitFor();
    await shoot('policy-defaults');

    // Out of range: said under the field, which keeps what was typed; nothing is stored.
    const minLength = policy.getByRole('textbox', { name: 'Minimum length' });
    await minLength.fill('5');
    await policy.getByRole('button', { name: 'Save password policy' }).click();
    await policy.getByText('Enter a length from 8 to 64 characters.').waitFor();
    await expect(minLength.inputValue()).resolves.toBe('5');
    await expect(minLength.getAttribute('aria-invalid')).resolves.toBe('true');
    const describedBy = (await minLength.getAttribute('aria-describedby')) ?? '';
    expect(describedBy).toMatch(/error/);
    await shoot('policy-refused');
    expect((await get('/api/v1/settings/password-policy')).minLength).toBe(12);

    await minLength.fill('14');
    await policy.getByRole('checkbox', { name: 'Digit' }).check();
    await policy.getByRole('checkbox', { name: 'Symbol' }).check();
    await policy
      .getByRole('textbox', { name: 'Earlier passwords that cannot be reused' })
      .fill('10');
    await policy.getByRole('textbox', { name: 'Maximum age' }).fill('90');
    // Each setting says what it will do before it is saved.
    await policy
      .getByText('Passwords must have at least 14 characters, with a digit and a symbol.')
      .waitFor();
    await policy.getByText('must differ from the last 10', { exact: false }).waitFor();
    await policy.getByText('older than 90 days must be changed', { exact: false }).waitFor();
    expect(await policy.getByText('Enter a length from 8 to 64').count()).toBe(0);
    await policy.getByRole('button', { name: 'Save password policy' }).click();
    await page.getByText('Password policy saved.').waitFor();
    const stored = await get('/api/v1/settings/password-policy');
    expect({ ...stored, requiredClasses: [...stored.requiredClasses].sort() }).toEqual({
      minLength: 14,
      requiredClasses: ['digit', 'symbol'],
      rejectCommon: true,
      historyCount: 10,
      maxAgeDays: 90,
    });

    // A second factor for administrators: the admin, who has none, is told what follows.
    const twoFactor = page.getByRole('region', { name: 'Two-factor authentication' });
    await twoFactor.getByRole('radio', { name: 'Required for administrators' }).check();
    await twoFactor
      .getByText('You have not set up a second factor yourself', { exact: false })
      .waitFor();
    await shoot('policy-changed');
    await twoFactor.getByRole('button', { name: 'Save two-factor rule' }).click();
    await page.getByText('Two-factor rule saved.').waitFor();
    expect(await get('/api/v1/settings/two-factor')).toEqual({ required: 'admins' });

    // What the page shows after a reload is what the server holds.
    await page.reload();
    await expect(page.getByRole('textbox', { name: 'Minimum length' }).inputValue()).resolves.toBe(
      '14',
    );
    expect(await page.getByRole('radio', { name: 'Required for administrators' }).isChecked()).toBe(
      true,
    );
    expect(await page.getByRole('checkbox', { name: 'Digit' }).isChecked()).toBe(true);

    // And in Italian.
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.getByRole('heading', { name: 'Criteri di sicurezza' }).waitFor();
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    await page
      .getByText('Le password devono avere almeno 14 caratteri, con una cifra e un simbolo.')
      .waitFor();
    await shoot('policy-it');
  });

  it('shows the access log, narrows it by event and dates, and exports what is shown', async () => {
    // Entries about another user and a settings change, besides the admin's sign-ins.
    const other = await buildUser(admin, { features: ['contacts.view'] });
    expect((await put('/api/v1/settings/two-factor', { required: 'optional' })).status).toBe(200);

    await page.getByRole('navigation').getByRole('link', { name: 'Access log' }).click();
    await page.getByRole('heading', { name: 'Access log' }).waitFor();
    const rows = page.getByTestId('access-entry');
    const signIn = rows.and(page.locator('[data-event="login.success"]'));
    await signIn.first().waitFor();
    // A sign-in has no actor; it is about the one who signed in.
    await signIn.first().getByRole('button', { name: 'Show only your own entries' }).waitFor();
    const change = rows.and(page.locator('[data-event="settings.changed"]'));
    await change.first().getByText('setting: two-factor').waitFor();
    await change.first().getByText('Settings changed').waitFor();
    await rows.filter({ hasText: 'User created' }).getByText(other.email).waitFor();
    const all = await rows.count();
    /** The events of the rows shown, top to bottom. */
    const eventsShown = async () => {
      const found: (string | null)[] = [];
      for (const row of await rows.all()) found.push(await row.getAttribute('data-event'));
      return found;
    };
    await shoot('access-log');

    // One event: only its entries, in the page's address too.
    await page.getByRole('combobox', { name: 'Event' }).click();
    await page.getByRole('option', { name: 'Settings changed' }).click();
    await page.waitForURL(/event=settings\.changed/);
    const events = await until(eventsShown, (e) => e.length > 0 && e.length < all);
    expect(new Set(events)).toEqual(new Set(['settings.changed']));
    const shown = events.length;

    // A range ending yesterday holds none of today's entries; one ending today holds them all.
    await page.getByLabel('To', { exact: true }).fill(localDay(-1));
    await page.getByText('No entries match these filters.').waitFor();
    await page.getByLabel('To', { exact: true }).fill(localDay());
    await page.getByLabel('From', { exact: true }).fill(localDay());
    expect(
      await until(
        () => rows.count(),
        (n) => n === shown,
      ),
    ).toBe(shown);
    await shoot('access-log-filtered');

    // The export holds exactly the rows shown: the same filter, as CSV.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('access-log.csv');
    const csv = (await readFile((await download.path())!, 'utf8')).trim().split(/\r?\n/);
    expect(csv[0]).toBe('id,at,event,actor,subjectId,ip,details');
    const lines = csv.slice(1);
    expect(lines).toHaveLength(shown);
    for (const line of lines) expect(line).toContain(',settings.changed,');
    expect(lines.some((l) => l.includes(`user:${admin.userId}`) && l.includes('two-factor'))).toBe(
      true,
    );

    // Clearing the filters brings every entry back.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    expect(
      await until(
        () => rows.count(),
        (n) => n >= all,
      ),
    ).toBeGreaterThanOrEqual(all);

    // An account picked in a row: only entries by or about it.
    await rows
      .filter({ hasText: 'User created' })
      .getByRole('button', { name: `Show only the entries of ${other.email}` })
      .click();
    await page.waitForURL(new RegExp(`user=${other.id}`));
    // The other user never signed in: none of the admin's sign-ins is left.
    const theirs = await until(eventsShown, (e) => e.length > 0 && !e.includes('login.success'));
    expect(theirs).toContain('user.created');
    expect(theirs).not.toContain('login.success');
    expect(theirs.length).toBeLessThan(all);
    await shoot('access-log-account');

    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.getByRole('heading', { name: 'Registro degli accessi' }).waitFor();
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    await rows.filter({ hasText: 'Utente creato' }).waitFor();
    await shoot('access-log-it');
  });
});
