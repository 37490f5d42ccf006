// Browser test of the whole plan journey (issue 4, "Én plan"), in Danish as the
// user sees it: a caseworker finds a citizen without a plan, creates the plan,
// writes the citizen's wishes on their behalf, adds two goals and an
// intervention, hands the coordinator role over, holds a meeting that agrees
// three action goals and the next meeting, reviews them at that next meeting,
// and prints the plan for the citizen. One bad input (a goal without text) is
// refused with a Danish message and saves nothing.
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
  newPage,
  screenshot,
  server,
  setUp,
  tearDown,
} from './harness.mjs';

const JOURNEY_TIMEOUT_MS = 240_000;

// Who does what: the demo logins (crates/app/src/demo/mod.rs, DEMO_LOGINS).
const CASEWORKER = 'Sara Sagsbehandler';
const NURSE_LOGIN = 'sygeplejerske';
const NURSE = 'Signe Sygeplejerske';
const NURSE_LABEL = 'Signe Sygeplejerske (Sygeplejerske)';
const THERAPIST = 'Thomas Terapeut';
const THERAPIST_LABEL = 'Thomas Terapeut (Ergoterapeut)';

// Surnames to search for a citizen without an active plan, in order.
const SEARCH_TERMS = ['Hansen', 'Nielsen', 'Pedersen', 'Andersen'];

const OVERALL_GOAL = 'At klare hverdagen hjemme og komme ud blandt andre igen';
const WISHES = 'Jeg vil gerne kunne gå ned til åen med min hund igen og selv købe ind i Føtex.';
const GOAL1 = 'Kan selv gå til bussen';
const GOAL2 = 'Går en tur hver dag';
const INTERVENTION = 'Gangtræning med rollator i hjemmet';
const FREQUENCY = '2 gange om ugen';
const TEAM_ROLE = 'Sygepleje, medicin og sår';
const HANDOVER_REASON = 'Signe kommer i hjemmet hver uge og overtager koordineringen';
const AGENDA = 'Status på gangtræningen og aftaler frem til næste møde';
const LOCATION = 'I borgerens hjem';
const MINUTES_1 = 'Borgeren går bedre med rollator. Vi aftalte tre konkrete indsatsmål.';
const MINUTES_2 = 'Vi gennemgik indsatsmålene fra sidste møde.';
const ACTION_GOALS = [
  { text: 'Bestil ny rollator hos hjælpemiddeldepotet', owner: `Mig (${CASEWORKER})`, shownOwner: CASEWORKER, days: 14 },
  { text: 'Gennemgå medicinlisten med egen læge', owner: NURSE_LABEL, shownOwner: NURSE, days: 21 },
  { text: 'Gå til postkassen og tilbage hver dag', owner: 'Borgeren', shownOwner: 'Borgeren', days: 28 },
];
const REVIEWS = [
  { outcome: 'Gennemført', comment: 'Rollatoren er leveret' },
  { outcome: 'Delvist gennemført', comment: 'Lægen har set listen, mangler opfølgning' },
  { outcome: 'Ikke gennemført', comment: 'For glat på fortovet' },
];

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const MASKED_CPR = /\b\d{6}-XXXX\b/;
const FULL_CPR = /(?<![\w-])\d{6}-\d{4}(?![\w-])/;

// ---------------------------------------------------------------------------
// Dates: the server works in Danish local time and shows dates as DD-MM-ÅÅÅÅ.

/** Today in Copenhagen as YYYY-MM-DD. */
function today() {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Copenhagen',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

/** YYYY-MM-DD plus n days. */
function addDays(iso, n) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** YYYY-MM-DD as the pages show it: DD-MM-ÅÅÅÅ. */
function danish(iso) {
  const [y, m, d] = iso.split('-');
  return `${d}-${m}-${y}`;
}

// ---------------------------------------------------------------------------
// Page helpers

/** The visible text of the page's main content, whitespace collapsed. */
async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

/** The text of a locator, whitespace collapsed. */
async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Asserts the green notice at the top of the page (role=status) says `expected`. */
async function assertNotice(page, expected) {
  const notice = page.locator('main > .notice[role=status]');
  await notice.waitFor({ state: 'visible' });
  const text = await textOf(notice);
  assert.ok(text.includes(expected), `expected the notice "${expected}", the page says "${text}"`);
}

/** Asserts a navigation answered with `status` (after redirects), naming the step. */
function assertStatus(response, status, what) {
  assert.equal(
    response.status(),
    status,
    `${what}: expected HTTP ${status} at ${response.url()}, got ${response.status()}`,
  );
}

/** Selects the only option of `select` whose text contains `text`; returns its value. */
async function selectOptionContaining(select, text) {
  const options = select.locator('option', { hasText: text });
  const n = await options.count();
  assert.equal(n, 1, `expected exactly one option containing "${text}", found ${n}`);
  const value = await options.getAttribute('value');
  await select.selectOption(value);
  return value;
}

/** The plan's current version, as the plan page's header shows it. */
async function planVersion(page) {
  const text = await mainText(page);
  const m = text.match(/Version (\d+) · senest ændret/);
  assert.ok(m, `the plan page does not show "Version N · senest ændret": ${text.slice(0, 300)}`);
  return Number(m[1]);
}

/** Opens the collapsed <details> of a plan section by its summary text. */
async function openDetails(section, summary) {
  const details = section.locator('details', { has: section.page().locator('summary', { hasText: summary }) });
  if ((await details.getAttribute('open')) === null) {
    await details.locator('summary').click();
  }
  return details;
}

/** The table row in `scope` whose text contains `text` (exactly one). */
async function rowWith(scope, text) {
  const rows = scope.locator('tr', { hasText: text });
  const n = await rows.count();
  assert.equal(n, 1, `expected one table row containing "${text}", found ${n}`);
  return textOf(rows);
}

/** Runs one step of the journey; a failure names the step. */
async function step(t, name, fn) {
  t.diagnostic(name);
  try {
    return await fn();
  } catch (err) {
    err.message = `step "${name}": ${err.message}`;
    throw err;
  }
}

// ---------------------------------------------------------------------------

describe('Én plan in a browser', { timeout: SETUP_TIMEOUT_MS + JOURNEY_TIMEOUT_MS + 30_000 }, () => {
  before(setUp, { timeout: SETUP_TIMEOUT_MS });
  after(tearDown);

  it('a caseworker runs a citizen\'s plan from creation through two meetings to the printed plan', { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
    const started = Date.now();
    const day0 = today();
    const goal1Deadline = addDays(day0, 90);
    const goal2Deadline = addDays(day0, 120);
    const meeting1 = addDays(day0, 7);
    const meeting2 = addDays(day0, 35);
    const meeting1When = `${danish(meeting1)} kl. 10:00`;
    const meeting2When = `${danish(meeting2)} kl. 10:00`;

    await journey('plan', async (page) => {
      // The pages need no JavaScript; anything the browser complains about
      // (a CSP violation, a failed stylesheet) is a fault. The one refused
      // form answers 422 on purpose.
      const complaints = [];
      page.on('pageerror', (err) => complaints.push(`page error: ${err.message} at ${page.url()}`));
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const resource = msg.location()?.url || '';
        if (/status of 422/.test(msg.text())) return;
        // Tværs has no favicon; Chromium asks for one anyway.
        if (resource.endsWith('/favicon.ico')) return;
        complaints.push(`console: ${msg.text()} (${resource}) at ${page.url()}`);
      });
      let citizenUrl;
      let citizenName;
      let planUrl;
      let planId;

      await step(t, 'log in as sagsbehandler', async () => {
        await loginOk(page, 'sagsbehandler');
        await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Borgere' }).click();
        await page.waitForURL((url) => url.pathname === '/borgere', { waitUntil: 'load' });
      });

      await step(t, 'find a citizen without an active plan', async () => {
        for (const term of SEARCH_TERMS) {
          await page.goto(`${server.base}/borgere`);
          await page.getByRole('searchbox', { name: 'Navn eller CPR-nummer' }).fill(term);
          assertStatus(await navigateBy(page, page.getByRole('button', { name: 'Søg' })), 200, `search "${term}"`);
          const hrefs = await page.locator('a.citizen-link').evaluateAll((as) => as.map((a) => a.href));
          for (const href of hrefs) {
            assertStatus(await page.goto(href), 200, 'citizen page');
            const planSection = page.locator('section#plan');
            if ((await planSection.getByText('Borgeren har ingen aktiv plan.').count()) === 1) {
              citizenUrl = href;
              citizenName = (await page.locator('h1').innerText()).trim();
              break;
            }
          }
          if (citizenUrl) break;
        }
        assert.ok(citizenUrl, `no citizen without an active plan among the hits for ${SEARCH_TERMS.join(', ')}`);
        assert.match(new URL(citizenUrl).pathname, new RegExp(`^/borgere/${UUID}$`));
        assert.ok(citizenName.length > 0, 'the citizen page has an empty h1');
        const text = await mainText(page);
        assert.match(text, MASKED_CPR, 'the citizen page does not show a masked CPR');
        assert.equal(text.match(FULL_CPR), null, 'the citizen page shows a full CPR number');
      });

      await step(t, 'create the plan with an overall goal', async () => {
        const planSection = page.locator('section#plan');
        await planSection.getByLabel('Overordnet mål').fill(OVERALL_GOAL);
        const res = await navigateBy(page, planSection.getByRole('button', { name: 'Opret plan' }));
        assertStatus(res, 200, 'create plan');
        const url = new URL(page.url());
        const m = url.pathname.match(new RegExp(`^/planer/(${UUID})$`));
        assert.ok(m, `after creating the plan expected /planer/{id}, got ${url.pathname}`);
        planId = m[1];
        planUrl = `${server.base}/planer/${planId}`;
        await assertNotice(page, 'Planen er oprettet, og du er tovholder.');
        assert.equal(await textOf(page.locator('h1')), `Plan for ${citizenName}`);
        const text = await mainText(page);
        assert.match(text, new RegExp(`tovholder ${CASEWORKER}`));
        assert.equal(await planVersion(page), 1);
        assert.equal(await textOf(page.locator('section#overall_goal p.prewrap')), OVERALL_GOAL);
        assert.ok(
          (await textOf(page.locator('section#wishes'))).includes('Ikke skrevet endnu.'),
          'a new plan should say its wishes are not written yet',
        );
      });

      await step(t, 'write the citizen\'s wishes on their behalf', async () => {
        const wishes = page.locator('section#wishes');
        const details = await openDetails(wishes, 'Skriv ønsker og drømme');
        await details.getByLabel('Med borgerens egne ord').fill(WISHES);
        await details.getByLabel('Skrevet på borgerens vegne (af mig)').check();
        assertStatus(
          await navigateBy(page, details.getByRole('button', { name: 'Gem ønsker og drømme' })),
          200,
          'save wishes',
        );
        await assertNotice(page, 'Ændringen er gemt som version 2.');
        assert.equal(await textOf(wishes.locator('blockquote.wishes')), WISHES);
        assert.ok(
          (await textOf(wishes)).includes(`skrevet på borgerens vegne af ${CASEWORKER}`),
          'the wishes are not marked as written on the citizen\'s behalf by the caseworker',
        );
      });

      const goals = page.locator('section#goal');

      await step(t, 'a goal without text is refused in Danish and nothing is saved', async () => {
        const details = await openDetails(goals, 'Tilføj mål');
        const form = details.locator('form');
        await form.getByLabel('Udgangspunkt').fill('3');
        await form.getByLabel('Frist').fill(goal1Deadline);
        const res = await navigateBy(page, form.getByRole('button', { name: 'Tilføj mål' }));
        assertStatus(res, 422, 'goal without text');
        const alert = goals.getByRole('alert');
        await alert.waitFor({ state: 'visible' });
        assert.ok((await textOf(alert)).includes('Målet skal have en tekst.'), `alert: ${await textOf(alert)}`);
        assert.equal(
          await textOf(goals.locator('p.error').first()),
          'Målet skal have en tekst.',
          'the goal text field has no error message of its own',
        );
        // Nothing saved: still version 2, still no goals, and what was typed is kept.
        assert.equal(await planVersion(page), 2);
        assert.ok((await textOf(goals)).includes('Planen har ingen mål endnu.'), 'a goal appeared after the refused save');
        const reopened = goals.locator('details[open]').locator('form');
        assert.equal(await reopened.getByLabel('Udgangspunkt').inputValue(), '3', 'the typed baseline was lost');
        assert.equal(await reopened.getByLabel('Frist').inputValue(), goal1Deadline, 'the typed deadline was lost');
        // A fresh look at the plan agrees.
        assertStatus(await page.goto(planUrl), 200, 'plan page');
        assert.equal(await planVersion(page), 2);
        assert.ok((await textOf(goals)).includes('Planen har ingen mål endnu.'));
      });

      await step(t, 'add the first goal (FSIII)', async () => {
        const details = await openDetails(goals, 'Tilføj mål');
        const form = details.locator('form');
        await form.getByLabel('Mål *', { exact: true }).fill(GOAL1);
        await form.getByLabel('Område', { exact: true }).selectOption('fsiii:J3.8'); // Gå
        await form.getByLabel('Skala', { exact: true }).selectOption('fsiii');
        await form.getByLabel('Udgangspunkt').fill('3');
        await form.getByLabel('Målværdi').fill('1');
        await form.getByLabel('Frist').fill(goal1Deadline);
        assertStatus(await navigateBy(page, form.getByRole('button', { name: 'Tilføj mål' })), 200, 'add goal 1');
        await assertNotice(page, 'Ændringen er gemt som version 3.');
        const row = await rowWith(goals, GOAL1);
        for (const want of ['Gå (FSIII J3.8)', 'FSIII (0–4, lavere er bedre)', '3 → 1', danish(goal1Deadline), 'Aktivt']) {
          assert.ok(row.includes(want), `goal row "${row}" lacks "${want}"`);
        }
      });

      await step(t, 'add the second goal (number with a unit, Danish decimal comma)', async () => {
        const details = await openDetails(goals, 'Tilføj mål');
        const form = details.locator('form');
        await form.getByLabel('Mål *', { exact: true }).fill(GOAL2);
        await form.getByLabel('Område', { exact: true }).selectOption('fsiii:J3.9'); // Udholdenhed
        await form.getByLabel('Skala', { exact: true }).selectOption('numeric');
        await form.getByLabel('Enhed (talskala)', { exact: true }).fill('km');
        await form.getByLabel('Retning (talskala)', { exact: true }).selectOption({ label: 'Højere er bedre' });
        await form.getByLabel('Udgangspunkt').fill('0,5');
        await form.getByLabel('Målværdi').fill('2');
        await form.getByLabel('Frist').fill(goal2Deadline);
        assertStatus(await navigateBy(page, form.getByRole('button', { name: 'Tilføj mål' })), 200, 'add goal 2');
        await assertNotice(page, 'Ændringen er gemt som version 4.');
        const row = await rowWith(goals, GOAL2);
        for (const want of ['Udholdenhed (FSIII J3.9)', 'Tal i km (højere er bedre)', '0,5 km → 2 km', danish(goal2Deadline)]) {
          assert.ok(row.includes(want), `goal row "${row}" lacks "${want}"`);
        }
        assert.equal(await goals.locator('tbody tr').count(), 2, 'the plan should have exactly two goals');
      });

      await step(t, 'add an intervention delivered by the therapist, supporting the first goal', async () => {
        const details = await openDetails(goals, 'Tilføj indsats');
        const form = details.locator('form');
        await form.getByLabel('Indsats *', { exact: true }).fill(INTERVENTION);
        await form.getByLabel('En medarbejder').check();
        await selectOptionContaining(form.getByLabel('Medarbejder', { exact: true }), THERAPIST_LABEL);
        await form.getByLabel(GOAL1).check();
        await form.getByLabel('Start', { exact: true }).fill(day0);
        await form.getByLabel('Hyppighed').fill(FREQUENCY);
        assertStatus(
          await navigateBy(page, form.getByRole('button', { name: 'Tilføj indsats' })),
          200,
          'add intervention',
        );
        await assertNotice(page, 'Ændringen er gemt som version 5.');
        const row = await rowWith(goals, INTERVENTION);
        for (const want of [THERAPIST_LABEL, GOAL1, FREQUENCY, danish(day0), 'Planlagt']) {
          assert.ok(row.includes(want), `intervention row "${row}" lacks "${want}"`);
        }
      });

      await step(t, 'add the nurse to the care team', async () => {
        const form = page.locator('#team_staff form');
        await selectOptionContaining(form.getByLabel('Medarbejder'), NURSE_LABEL);
        await form.getByLabel('Rolle i forløbet').fill(TEAM_ROLE);
        assertStatus(
          await navigateBy(page, form.getByRole('button', { name: 'Tilføj medarbejder' })),
          200,
          'add team member',
        );
        await assertNotice(page, 'Ændringen er gemt som version 6.');
        const row = await rowWith(page.locator('section#team'), NURSE);
        assert.ok(row.includes(TEAM_ROLE), `team row "${row}" lacks the role`);
        assert.ok(!row.includes('Tovholder'), 'the new team member is marked as tovholder already');
      });

      await step(t, 'hand the coordinator role over to the nurse', async () => {
        const co = page.locator('#coordinator');
        assert.ok((await textOf(co)).includes(`Nuværende tovholder: ${CASEWORKER}.`));
        await selectOptionContaining(co.getByLabel('Ny tovholder'), NURSE_LABEL);
        await co.getByLabel('Begrundelse').fill(HANDOVER_REASON);
        assertStatus(
          await navigateBy(page, co.getByRole('button', { name: 'Giv tovholderrollen videre' })),
          200,
          'hand over',
        );
        await assertNotice(page, 'Ændringen er gemt som version 7.');
        assert.match(await mainText(page), new RegExp(`· tovholder ${NURSE}`));
        const team = page.locator('section#team');
        assert.ok((await rowWith(team, NURSE)).includes('Tovholder'), 'the nurse has no Tovholder badge');
        assert.ok(!(await rowWith(team, CASEWORKER)).includes('Tovholder'), 'the caseworker still has the Tovholder badge');
        assert.ok((await textOf(page.locator('#coordinator'))).includes(`Nuværende tovholder: ${NURSE}.`));
      });

      await step(t, 'the citizen page and both people\'s "Mit arbejde" show the new coordinator', async () => {
        assertStatus(await page.goto(citizenUrl), 200, 'citizen page');
        const planSection = page.locator('section#plan');
        const facts = await textOf(planSection.locator('dl.facts'));
        assert.ok(facts.includes(`Tovholder ${NURSE}`), `the citizen page's plan facts say "${facts}"`);
        assert.equal(await textOf(planSection.locator('blockquote.wishes')), WISHES);

        assertStatus(await page.goto(`${server.base}/mit-arbejde`), 200, 'Mit arbejde');
        const onTeam = await textOf(page.locator('section#team-plans'));
        assert.ok(
          onTeam.includes(citizenName) && onTeam.includes(`tovholder ${NURSE}`),
          `the caseworker's "Planer, hvor jeg er med i teamet" says "${onTeam}"`,
        );

        const nursePage = await newPage();
        try {
          await loginOk(nursePage, NURSE_LOGIN);
          assertStatus(await nursePage.goto(`${server.base}/mit-arbejde`), 200, 'the nurse\'s Mit arbejde');
          const coordinating = nursePage.locator('section#coordinator');
          const link = coordinating.getByRole('link', { name: citizenName });
          assert.equal(await link.count(), 1, `the nurse's "Planer, hvor jeg er tovholder" says "${await textOf(coordinating)}"`);
          assert.equal(new URL(await link.getAttribute('href'), server.base).pathname, `/planer/${planId}`);
        } finally {
          await nursePage.context().close();
        }
      });

      let meeting1Url;
      await step(t, 'schedule a follow-up meeting with the citizen and the team', async () => {
        assertStatus(await page.goto(citizenUrl), 200, 'citizen page');
        const res = await navigateBy(page, page.locator('section#meetings').getByRole('link', { name: 'Planlæg møde' }));
        assertStatus(res, 200, 'meeting form');
        assert.equal(new URL(page.url()).pathname, `${new URL(citizenUrl).pathname}/moeder/ny`);
        assert.equal(await textOf(page.locator('h1')), `Planlæg møde med ${citizenName}`);
        const form = page.locator('main form.card');
        await form.getByLabel('Mødetype *').selectOption({ label: 'Opfølgningsmøde' });
        await form.getByLabel('Tidspunkt *').fill(`${meeting1}T10:00`);
        await form.getByLabel('Sted').fill(LOCATION);
        await form.getByLabel('Dagsorden').fill(AGENDA);
        // The citizen and the plan's team are invited by default.
        assert.ok(await form.getByLabel(`${citizenName} (borgeren)`).isChecked(), 'the citizen is not invited by default');
        assert.ok(await form.getByLabel(NURSE_LABEL).first().isChecked(), 'the nurse (on the team) is not invited by default');
        assertStatus(await navigateBy(page, form.getByRole('button', { name: 'Planlæg møde' })), 200, 'schedule meeting');
        assert.match(new URL(page.url()).pathname, new RegExp(`^/moeder/${UUID}$`));
        meeting1Url = `${server.base}${new URL(page.url()).pathname}`;
        await assertNotice(page, 'Mødet er planlagt.');
        assert.equal(await textOf(page.locator('h1')), `Opfølgningsmøde med ${citizenName}`);
        const facts = await textOf(page.locator('dl.facts'));
        for (const want of [meeting1When, LOCATION, 'Planlagt', `${citizenName} (borgeren)`, NURSE_LABEL]) {
          assert.ok(facts.includes(want), `the meeting facts "${facts}" lack "${want}"`);
        }
        assert.ok((await mainText(page)).includes(AGENDA), 'the agenda is not shown');
      });

      let meeting2Path;
      await step(t, 'close the meeting with three action goals and the next meeting', async () => {
        const form = page.locator(`form[action="${new URL(meeting1Url).pathname}/luk"]`);
        await form.getByLabel('Referat', { exact: true }).fill(MINUTES_1);
        for (const [i, g] of ACTION_GOALS.entries()) {
          const n = i + 1;
          await form.getByLabel(`Indsatsmål ${n}`, { exact: true }).fill(g.text);
          await form.getByLabel(`Ansvarlig for indsatsmål ${n}`).selectOption({ label: g.owner });
          await form.getByLabel(`Frist for indsatsmål ${n}`).fill(addDays(meeting1, g.days));
        }
        await form.getByLabel('Tidspunkt', { exact: true }).fill(`${meeting2}T10:00`);
        await form.getByLabel('Mødetype').selectOption({ label: 'Opfølgningsmøde' });
        const res = await navigateBy(page, form.getByRole('button', { name: 'Luk mødet og gem referat' }));
        assertStatus(res, 200, 'close meeting');
        const url = new URL(page.url());
        assert.equal(url.searchParams.get('advarsel'), null, 'three action goals should give no warning');
        await assertNotice(page, 'Mødet er lukket, og referatet er gemt.');
        assert.equal(await page.locator('main .warn').count(), 0, 'a warning is shown for three action goals');
        assert.ok((await textOf(page.locator('dl.facts'))).includes('Afholdt'), 'the meeting is not marked Afholdt');
        const minutes = page.locator('section[aria-labelledby=ref-h]');
        assert.ok((await textOf(minutes)).includes(MINUTES_1), 'the minutes are not shown');
        for (const g of ACTION_GOALS) {
          const row = await rowWith(minutes, g.text);
          for (const want of [g.shownOwner, danish(addDays(meeting1, g.days)), 'Følges op på næste møde']) {
            assert.ok(row.includes(want), `action goal row "${row}" lacks "${want}"`);
          }
        }
        const next = minutes.getByRole('link', { name: meeting2When });
        assert.equal(await next.count(), 1, `no link to the next meeting (${meeting2When})`);
        meeting2Path = new URL(await next.getAttribute('href'), server.base).pathname;
        assert.match(meeting2Path, new RegExp(`^/moeder/${UUID}$`));
        assert.notEqual(meeting2Path, new URL(meeting1Url).pathname);
      });

      await step(t, 'the citizen page shows the tasks and the next meeting', async () => {
        assertStatus(await page.goto(citizenUrl), 200, 'citizen page');
        const tasks = await textOf(page.locator('section#tasks'));
        // Action goals owned by staff become tasks; the citizen's own does not.
        assert.ok(tasks.includes(ACTION_GOALS[0].text), `tasks "${tasks}" lack the caseworker's action goal`);
        assert.ok(tasks.includes(ACTION_GOALS[1].text), `tasks "${tasks}" lack the nurse's action goal`);
        assert.ok(!tasks.includes(ACTION_GOALS[2].text), 'the citizen\'s own action goal became a staff task');
        const meetings = page.locator('section#meetings');
        const upcoming = meetings.getByRole('link', { name: meeting2When });
        assert.equal(await upcoming.count(), 1, `"Kommende" does not list the next meeting: ${await textOf(meetings)}`);
        assert.equal(new URL(await upcoming.getAttribute('href'), server.base).pathname, meeting2Path);
        assert.equal(await meetings.getByRole('link', { name: meeting1When }).count(), 1, '"Afholdte" does not list the first meeting');
        assertStatus(await navigateBy(page, upcoming), 200, 'open the next meeting');
      });

      await step(t, 'the next meeting opens by reviewing the three action goals; close it', async () => {
        assert.equal(new URL(page.url()).pathname, meeting2Path);
        assert.equal(await textOf(page.locator('h1')), `Opfølgningsmøde med ${citizenName}`);
        const facts = await textOf(page.locator('dl.facts'));
        assert.ok(facts.includes(meeting2When) && facts.includes('Planlagt'), `the next meeting's facts: "${facts}"`);
        const form = page.locator(`form[action="${meeting2Path}/luk"]`);
        assert.equal(
          await textOf(form.getByRole('heading', { level: 2 }).first()),
          '1. Opfølgning på sidste mødes indsatsmål',
          'the next meeting does not start with the review',
        );
        for (const [i, g] of ACTION_GOALS.entries()) {
          await form.getByLabel(`Opfølgning på ${g.text}`).selectOption({ label: REVIEWS[i].outcome });
          await form.getByLabel(`Kommentar til ${g.text}`).fill(REVIEWS[i].comment);
        }
        await form.getByLabel('Referat', { exact: true }).fill(MINUTES_2);
        const res = await navigateBy(page, form.getByRole('button', { name: 'Luk mødet og gem referat' }));
        assertStatus(res, 200, 'close the next meeting');
        await assertNotice(page, 'Mødet er lukket, og referatet er gemt.');
        // No new action goals: a warning, not a block.
        const warn = page.locator('main .warn');
        await warn.waitFor({ state: 'visible' });
        assert.ok(
          (await textOf(warn)).includes('Mødet blev lukket uden aftalte indsatsmål.'),
          `warning: ${await textOf(warn)}`,
        );
        const minutes = page.locator('section[aria-labelledby=ref-h]');
        assert.ok((await textOf(minutes)).includes('Opfølgning på sidste mødes indsatsmål'));
        for (const [i, g] of ACTION_GOALS.entries()) {
          const row = await rowWith(minutes, g.text);
          const want = `${REVIEWS[i].outcome}: ${REVIEWS[i].comment}`;
          assert.ok(row.includes(want), `review row "${row}" lacks "${want}"`);
        }
      });

      await step(t, 'the first meeting shows how its action goals went', async () => {
        assertStatus(await page.goto(meeting1Url), 200, 'first meeting');
        const minutes = page.locator('section[aria-labelledby=ref-h]');
        for (const [i, g] of ACTION_GOALS.entries()) {
          const row = await rowWith(minutes, g.text);
          assert.ok(row.includes(REVIEWS[i].outcome), `action goal row "${row}" lacks "${REVIEWS[i].outcome}"`);
        }
      });

      await step(t, 'the printable plan shows wishes, goals, intervention and coordinator', async () => {
        assertStatus(await page.goto(planUrl), 200, 'plan page');
        const res = await navigateBy(page, page.locator('main .actions').getByRole('link', { name: 'Udskriv' }));
        assertStatus(res, 200, 'print view');
        assert.equal(new URL(page.url()).pathname, `/planer/${planId}/udskriv`);
        const printable = page.locator('.printable');
        assert.equal(await textOf(printable.locator('h1')), 'Din plan');
        const text = await textOf(printable);
        for (const want of [
          citizenName,
          'Mine ønsker og drømme',
          WISHES,
          `skrevet på borgerens vegne af ${CASEWORKER}`,
          'Det arbejder vi hen imod',
          OVERALL_GOAL,
          'Vores mål',
          GOAL1,
          `Frist: ${danish(goal1Deadline)}`,
          'Fra 3 → 1 på skalaen FSIII',
          GOAL2,
          `Frist: ${danish(goal2Deadline)}`,
          'Det gør vi',
          INTERVENTION,
          `Hvem: ${THERAPIST_LABEL}`,
          `Hvor tit: ${FREQUENCY}`,
          `Hjælper med: ${GOAL1}`,
          'Hvem er med',
          'Din tovholder',
          `${NURSE} holder sammen på din plan.`,
          `E-mail: ${NURSE_LOGIN}@demo.example`,
          'version 7',
        ]) {
          assert.ok(text.includes(want), `the printed plan lacks "${want}":\n${text}`);
        }
        assert.match(
          await rowWith(printable, NURSE),
          /din tovholder/,
          'the team table of the printed plan does not mark the nurse as "din tovholder"',
        );
        assert.match(text, MASKED_CPR, 'the printed plan does not show the masked CPR');
        assert.equal(text.match(FULL_CPR), null, 'the printed plan shows a full CPR number');
        assert.equal(
          (await page.content()).match(FULL_CPR),
          null,
          'the printed plan\'s HTML contains a full CPR number',
        );
        // As printed: the navigation and the way back are not on paper.
        await page.emulateMedia({ media: 'print' });
        assert.equal(await page.locator('header.top').isVisible(), false, 'the menu bar would be printed');
        assert.equal(
          await printable.getByRole('link', { name: '← Tilbage til planen' }).isVisible(),
          false,
          'the "Tilbage til planen" link would be printed',
        );
        assert.equal(await printable.getByText(WISHES).isVisible(), true);
        await screenshot(page, 'plan-print');
        await page.emulateMedia({ media: 'screen' });
      });

      await step(t, 'the history lists every version with its author and reason', async () => {
        assertStatus(await page.goto(planUrl), 200, 'plan page');
        const res = await navigateBy(page, page.locator('main .actions').getByRole('link', { name: 'Historik' }));
        assertStatus(res, 200, 'history');
        assert.equal(new URL(page.url()).pathname, `/planer/${planId}/historik`);
        assert.equal(await textOf(page.locator('h1')), 'Historik for planen');
        const expected = [
          [1, 'Plan oprettet'],
          [2, 'Ønsker og drømme opdateret'],
          [3, 'Mål tilføjet'],
          [4, 'Mål tilføjet'],
          [5, 'Indsats tilføjet'],
          [6, 'Forløbsteam udvidet'],
          [7, HANDOVER_REASON],
        ];
        const rows = page.locator('main table tbody tr');
        // Newest first; the refused goal and the meetings made no versions.
        assert.equal(await rows.count(), expected.length, `expected ${expected.length} versions`);
        for (const [i, [version, reason]] of [...expected].reverse().entries()) {
          const row = await textOf(rows.nth(i));
          assert.match(row, new RegExp(`^${version}\\b`), `row ${i + 1} is not version ${version}: "${row}"`);
          assert.ok(row.includes(CASEWORKER), `version ${version} is not by ${CASEWORKER}: "${row}"`);
          assert.ok(row.includes(reason), `version ${version} lacks the reason "${reason}": "${row}"`);
          assert.equal(row.includes('Nuværende'), version === 7, `"Nuværende" is misplaced at version ${version}`);
        }
        // Compare the last two versions: the handover in plain Danish.
        await page.getByLabel('Sammenlign fra version 6').check();
        await page.getByLabel('Sammenlign til version 7').check();
        assertStatus(
          await navigateBy(page, page.getByRole('button', { name: 'Sammenlign valgte versioner' })),
          200,
          'compare versions',
        );
        const compare = page.locator('section#compare');
        assert.equal(await textOf(compare.locator('h2')), 'Ændringer fra version 6 til version 7');
        assert.ok(
          (await textOf(compare)).includes(`Tovholder skiftet fra ${CASEWORKER} til ${NURSE}`),
          `the comparison says "${await textOf(compare)}"`,
        );
      });

      assert.deepEqual(complaints, [], 'the browser reported errors during the journey');
      t.diagnostic(`the plan journey took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  });
});
