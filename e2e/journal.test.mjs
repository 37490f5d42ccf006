// Browser test of the journal (issue 6), in Danish as the user sees it: a
// nurse opens a citizen's journal from the citizen page, is refused an empty
// note, writes a home visit and a phone call, corrects the home visit (the
// old text stays, struck through), filters the timeline by kind and
// profession with the filters in the address (so the view can be shared),
// and finds the corrected note by searching an inflected form ("faldet"
// finds "faldt"), with the hit highlighted.
//
//   node --test e2e/            (from the repo root; needs target/debug/tvaers)
//
// The server and browser harness, and its environment variables, are in harness.mjs.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SETUP_TIMEOUT_MS,
  journey,
  loginOk,
  navigateBy,
  server,
  setUp,
  tearDown,
} from './harness.mjs';

const JOURNEY_TIMEOUT_MS = 180_000;

// A word no demo data contains, so the search finds exactly our notes.
const MARK = `kvittering${Date.now()}`;
const VISIT = `Borgeren faldt i køkkenet i nat; ingen synlige skader. ${MARK}`;
const VISIT_FIXED = `Borgeren faldt på badeværelset i nat; ingen synlige skader. ${MARK}`;
const CALL = `Ringede til datteren om medicinen. ${MARK}`;
const REASON = 'Forkert rum';

function assertStatus(response, status, what) {
  assert.equal(
    response.status(),
    status,
    `${what}: expected HTTP ${status} at ${response.url()}, got ${response.status()}`,
  );
}

async function step(t, name, fn) {
  t.diagnostic(name);
  try {
    return await fn();
  } catch (err) {
    err.message = `step "${name}": ${err.message}`;
    throw err;
  }
}

/** The timeline's entries (li elements). */
function entries(page) {
  return page.locator('section#tidslinje li.entry');
}

describe('The journal in a browser', { timeout: SETUP_TIMEOUT_MS + JOURNEY_TIMEOUT_MS + 30_000 }, () => {
  before(setUp, { timeout: SETUP_TIMEOUT_MS });
  after(tearDown);

  it('a nurse writes a note, corrects it, filters the timeline and finds it by search', { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
    await journey('journal', async (page) => {
      const complaints = [];
      page.on('pageerror', (err) => complaints.push(`page error: ${err.message} at ${page.url()}`));
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const resource = msg.location()?.url || '';
        if (/status of 422/.test(msg.text())) return;
        if (resource.endsWith('/favicon.ico')) return;
        complaints.push(`console: ${msg.text()} (${resource}) at ${page.url()}`);
      });
      let journalUrl;

      await step(t, 'register a citizen and open their journal from the citizen page', async () => {
        // Registering a citizen gives the nurse access to them (issue 7's intake grant),
        // so the journey does not depend on who works with whom in the demo data.
        await loginOk(page, 'sygeplejerske');
        assertStatus(await page.goto(`${server.base}/borgere/ny`), 200, 'new citizen form');
        const serial = String(Date.now() % 10000).padStart(4, '0');
        await page.getByLabel('CPR-nummer *').fill(`150362-${serial}`);
        await page.getByLabel('Fornavn(e) *').fill('Journa');
        await page.getByLabel('Efternavn *').fill(`Testesen${serial}`);
        assertStatus(await navigateBy(page, page.getByRole('button', { name: 'Gem' })), 200, 'save citizen');
        assert.match(new URL(page.url()).pathname, /^\/borgere\/[0-9a-f-]{36}$/);
        const journal = page.locator('section#journal').getByRole('link', { name: 'Åbn journalen' });
        assertStatus(await navigateBy(page, journal), 200, 'journal page');
        journalUrl = page.url();
        assert.match(new URL(journalUrl).pathname, /^\/borgere\/[0-9a-f-]{36}\/journal$/);
        await page.getByRole('heading', { level: 1, name: /^Journal for / }).waitFor();
      });

      await step(t, 'an empty note is refused in Danish and nothing is stored', async () => {
        const before = await entries(page).count();
        const form = page.locator('section#skriv');
        const res = await navigateBy(page, form.getByRole('button', { name: 'Gem notat' }));
        assertStatus(res, 422, 'empty note');
        await page.getByText('Notatet skal have en tekst.').waitFor();
        assert.equal(await entries(page).count(), before);
      });

      await step(t, 'write a home visit and a phone call', async () => {
        for (const [text, kind] of [[VISIT, 'Hjemmebesøg'], [CALL, 'Telefonsamtale']]) {
          await page.goto(journalUrl);
          const form = page.locator('section#skriv');
          await form.getByLabel(/^Notat/).fill(text);
          await form.getByLabel('Type').selectOption({ label: kind });
          assertStatus(await navigateBy(page, form.getByRole('button', { name: 'Gem notat' })), 200, `save ${kind}`);
          await page.locator('main > .notice[role=status]', { hasText: 'Notatet er gemt.' }).waitFor();
          await entries(page).filter({ hasText: text }).first().waitFor();
        }
      });

      await step(t, 'correct the home visit: the old text stays, struck through', async () => {
        const visit = entries(page).filter({ hasText: VISIT });
        await visit.locator('summary', { hasText: 'Ret notatet' }).click();
        await visit.getByLabel('Rettet tekst').fill(VISIT_FIXED);
        await visit.getByLabel('Hvorfor rettes notatet?').fill(REASON);
        assertStatus(await navigateBy(page, visit.getByRole('button', { name: 'Gem rettelse' })), 200, 'save correction');
        await page.locator('main > .notice[role=status]', { hasText: 'Rettelsen er gemt.' }).waitFor();
        const old = entries(page).filter({ hasText: VISIT });
        assert.equal(await old.count(), 1);
        assert.equal(await old.locator('del', { hasText: 'køkkenet' }).count(), 1, 'old text is not struck through');
        assert.match(await old.innerText(), /Rettet/);
        const fixed = entries(page).filter({ hasText: VISIT_FIXED });
        assert.equal(await fixed.locator('del').count(), 0);
        assert.match(await fixed.innerText(), /Rettelse af hjemmebesøg/);
        assert.match(await fixed.innerText(), new RegExp(`Begrundelse: ${REASON}`));
      });

      await step(t, 'filter the timeline by kind and profession; the filters live in the address', async () => {
        const filters = page.locator('section#filtre');
        await filters.getByLabel('Type').selectOption({ label: 'Hjemmebesøg' });
        await filters.getByLabel('Faggruppe').selectOption({ label: 'Sygeplejerske' });
        assertStatus(await navigateBy(page, filters.getByRole('button', { name: 'Vis notater' })), 200, 'filter');
        const url = new URL(page.url());
        assert.equal(url.searchParams.get('type'), 'home_visit');
        assert.equal(url.searchParams.get('faggruppe'), 'sygeplejerske');
        const shown = await entries(page).allInnerTexts();
        assert.ok(shown.some((e) => e.includes(VISIT_FIXED)), 'the corrected visit is missing');
        assert.ok(shown.some((e) => e.includes('køkkenet')), 'the superseded visit is missing');
        assert.ok(!shown.some((e) => e.includes(CALL)), 'the phone call is shown under home visits');
        // A colleague opening the shared address sees the same view.
        const share = await page.locator('#share-link').getAttribute('href');
        assertStatus(await page.goto(`${server.base}${share}`), 200, 'shared view');
        assert.deepEqual(await entries(page).allInnerTexts(), shown);
        // Phone calls only.
        await filters.getByLabel('Type').selectOption({ label: 'Telefonsamtale' });
        assertStatus(await navigateBy(page, filters.getByRole('button', { name: 'Vis notater' })), 200, 'filter calls');
        const calls = await entries(page).allInnerTexts();
        assert.equal(calls.filter((e) => e.includes(MARK)).length, 1);
        assert.ok(calls[0].includes(CALL));
      });

      await step(t, 'find the note by searching an inflected form, with the hit highlighted', async () => {
        await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Søg i journaler' }).click();
        await page.waitForURL((u) => u.pathname === '/journal/soeg', { waitUntil: 'load' });
        await page.getByLabel('Søgeord').fill(`faldet ${MARK}`);
        assertStatus(await navigateBy(page, page.getByRole('button', { name: 'Søg' })), 200, 'search');
        // The search words went in the body, not the address.
        assert.equal(new URL(page.url()).search, '');
        const results = page.locator('section#resultater');
        await results.getByRole('heading', { name: '2 notater · nyeste først' }).waitFor();
        const marks = await results.locator('mark').allInnerTexts();
        assert.ok(marks.includes('faldt'), `no highlighted "faldt" in ${marks}`);
        const hits = await results.locator('li.hit').allInnerTexts();
        assert.ok(hits.some((h) => h.includes('badeværelset')), 'the corrected note is not found');
        // A query of only operators is refused in Danish.
        await page.getByLabel('Søgeord').fill('" - OR');
        assertStatus(await navigateBy(page, page.getByRole('button', { name: 'Søg' })), 422, 'operator-only search');
        await page.getByText(/Skriv mindst ét ord/).waitFor();
        // A hit leads back to the note in the journal.
        await page.getByLabel('Søgeord').fill(`badeværelset ${MARK}`);
        await navigateBy(page, page.getByRole('button', { name: 'Søg' }));
        const link = page.locator('section#resultater li.hit a').first();
        assertStatus(await navigateBy(page, link), 200, 'open hit');
        assert.match(page.url(), /\/journal#notat-[0-9a-f-]{36}$/);
      });

      assert.deepEqual(complaints, [], 'the browser complained');
    });
  });
});
