// Browser test of the citizen portal (issue 7): the citizen logs in, reads her
// plan, sends a message to her tovholder, and after her case worker has read
// her data, sees that look in "Hvem har set mine oplysninger".
//
//   node --test e2e/            (from the repo root; needs target/debug/tvaers)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  SETUP_TIMEOUT_MS,
  STARTUP_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  journey,
  loginOk,
  navigateBy,
  newPage,
  screenshot,
  server,
  setUp,
  tearDown,
} from './harness.mjs';

const FULL_CPR = /(?<![\w-])\d{6}-?\d{4}(?![\w-])/;

describe('Borgerportalen', { timeout: STARTUP_TIMEOUT_MS + 2 * TEST_TIMEOUT_MS }, () => {
  before(setUp, { timeout: SETUP_TIMEOUT_MS });
  after(tearDown);

  it('the citizen reads her plan, writes to her tovholder and sees who looked', { timeout: TEST_TIMEOUT_MS }, async () => {
    await journey('portal', async (page) => {
      // Wrong password: a Danish message, still on the login page.
      await page.goto(`${server.base}/borger/login`);
      await page.locator('#p-user').fill('borger');
      await page.locator('#p-pass').fill('forkert-kodeord');
      await navigateBy(page, page.locator('button[type=submit]'));
      await page.getByText('Forkert brugernavn eller adgangskode').first().waitFor({ state: 'visible' });

      await page.locator('#p-pass').fill(DEMO_PASSWORD);
      await navigateBy(page, page.locator('button[type=submit]'));
      assert.equal(new URL(page.url()).pathname, '/borger');
      const home = await page.locator('main').innerText();
      for (const want of ['Min plan', 'Mine ønsker og drømme', 'Gå selv ned til bussen', 'Kommende møder', 'Sara Sagsbehandler']) {
        assert.ok(home.includes(want), `the portal home lacks "${want}"`);
      }
      assert.equal(home.match(FULL_CPR), null, 'no CPR number in the portal');
      assert.ok((await page.locator('svg.chart').count()) >= 1, 'a goal chart is drawn');
      await screenshot(page, 'portal-home');

      // A message to her tovholder.
      await navigateBy(page, page.getByRole('link', { name: 'Beskeder' }));
      await page.locator('#msg-text').fill('Kan vi flytte mødet en uge? Jeg skal til tandlæge.');
      await navigateBy(page, page.getByRole('button', { name: 'Send' }));
      await page.getByText('Din besked er sendt til din tovholder.').waitFor({ state: 'visible' });
      await page.getByText('Kan vi flytte mødet en uge?').first().waitFor({ state: 'visible' });

      // Her case worker finds her and opens her page; the message is in his journal of her.
      const staff = await newPage();
      try {
        await loginOk(staff, 'sagsbehandler');
        await staff.goto(`${server.base}/borgere?q=Borger`);
        await navigateBy(staff, staff.locator('a.citizen-link', { hasText: 'Bente Borger' }).first());
        await staff.locator('h1', { hasText: 'Bente Borger' }).waitFor({ state: 'visible' });
        const id = new URL(staff.url()).pathname.split('/').pop();
        await staff.goto(`${server.base}/borgere/${id}/journal`);
        await staff.getByText('Kan vi flytte mødet en uge?').first().waitFor({ state: 'visible' });
      } finally {
        await staff.context().close();
      }

      // Bente sees that look: who, as what, when.
      await navigateBy(page, page.getByRole('link', { name: 'Hvem har set mine oplysninger' }));
      const log = await page.locator('#access').innerText();
      assert.match(log, /Sara Sagsbehandler/);
      assert.match(log, /Socialrådgiver/);
      assert.match(log, /Stamoplysninger|Journal/);
      await screenshot(page, 'portal-access-log');
    });
  });
});
