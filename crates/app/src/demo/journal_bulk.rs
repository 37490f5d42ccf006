//! Bulk demo journal (`tvaers demo --journal-entries N`): about N entries over
//! the demo citizens, for benchmarks at the scale of issue 6 (10 million over
//! 100,000 citizens) and for trying search on realistic text.
//!
//! - **Skewed**: each citizen gets a weight (log-normal-ish, times more for an
//!   open case and more again for a plan), and a share of N by weight, so a
//!   few journals are long and most are moderate.
//! - **Written in time order**: entries are stored in the order of their time
//!   of writing, all citizens interleaved, as a municipality's journal grows;
//!   so sequence numbers and the (UUIDv7-like) ids follow the time of writing,
//!   and the newest entries are spread over many citizens, as a search
//!   "newest first" meets them in service.
//! - **Deterministic and resumable**: the k-th entry of the i-th citizen (in id
//!   order) comes from random generators seeded by (seed, i, k), and its id is
//!   derived from (i, k) and its time of writing. A run counts each citizen's
//!   entries and skips that many of the citizen's earliest, so running again
//!   adds nothing (a larger N adds the difference, interleaved in time with
//!   what exists).
//! - **Realistic text**: sentences from themed fragments with inflected
//!   alternatives ("faldt", "er faldet", "falder", "fald"), so a stemmed search
//!   hits a realistic fraction of entries; a few rare words for rare searches.
//! - **Fast**: entries are written in large transactions through
//!   [`Store::import_journal`] (COPY on PostgreSQL) without audit events (demo
//!   seeding, like the plan import); a text's stems are computed once per
//!   distinct sentence; a large import builds the PostgreSQL GIN index once at
//!   the end ([`Store::journal_bulk_mode`]).

use std::collections::HashMap;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tvaers_domain::case::{Case, CaseArea};
use tvaers_domain::ids::{CitizenId, GoalId, JournalEntryId, UnitId};
use tvaers_domain::journal::{EntryKind, EntryLinks, JournalEntry, Sensitivity};
use tvaers_domain::plan::AreaCode;
use tvaers_domain::search::{citizen_token, stems};
use tvaers_domain::staff::{Profession, Staff};
use tvaers_domain::terminology::fsiii_display;
use tvaers_store::{JournalSeedFacts, Store};

use super::DemoStructure;
use crate::AppResult;

/// Events fall in these five years (fixed, so a seed gives the same journal
/// whenever it is generated).
const FIRST_EVENT: OffsetDateTime = datetime!(2021-01-01 07:00 UTC);
const LAST_EVENT: OffsetDateTime = datetime!(2025-12-31 20:00 UTC);
/// Entries per transaction.
const BATCH_ENTRIES: usize = 25_000;
/// Citizens read per query while planning.
const CITIZEN_BATCH: i64 = 5_000;
/// Above this many new entries (and at least as many as exist) the import
/// runs in bulk mode.
const BULK_MODE_FROM: u64 = 200_000;

/// What the generator reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalProgress {
    /// Citizens looked at while planning.
    Planning(u64),
    /// Entries to write in this run (known after planning).
    ToWrite(u64),
    /// Entries written so far in this run.
    Written(u64),
    /// Building the search index after the import.
    Indexing,
}

/// One citizen as the generator sees it.
struct Seeded {
    id: CitizenId,
    index: u64,
    name: String,
    existing: u64,
    target: u64,
    /// Who writes in this journal: (staff index in the structure, unit written for), repeated by weight.
    authors: Vec<(usize, Option<UnitId>)>,
    goals: Vec<(GoalId, Option<String>)>,
    areas: Vec<CaseArea>,
}

/// Makes the journals hold about `target` entries in total; returns how many
/// entries this run wrote.
pub async fn ensure_journal_entries(
    store: &dyn Store,
    structure: &DemoStructure,
    seed: u64,
    target: u64,
    progress: &(dyn Fn(JournalProgress) + Send + Sync),
) -> AppResult<u64> {
    let mut citizens = plan_citizens(store, structure, progress).await?;
    assign_targets(&mut citizens, seed, target);
    let existing: u64 = citizens.iter().map(|c| c.existing).sum();
    let to_write: u64 = citizens
        .iter()
        .map(|c| c.target.saturating_sub(c.existing))
        .sum();
    progress(JournalProgress::ToWrite(to_write));
    let bulk = to_write >= BULK_MODE_FROM && to_write >= existing;
    if bulk {
        store.journal_bulk_mode(true).await?;
    }
    let mut texts = TextCache::default();
    let mut buffer: Vec<(JournalEntry, Vec<String>)> = Vec::with_capacity(BATCH_ENTRIES + 1000);
    let mut written = 0u64;
    // Entries are written in the order they were written in the story — all
    // citizens interleaved, as a municipality's journal grows — so sequence
    // numbers (and UUIDv7-like ids) follow the time of writing. Written
    // citizen by citizen, the newest 5,000 entries of 10 million belonged to
    // 66 citizens, and a search "newest first" met a municipality no case
    // worker has.
    let order = writing_order(&citizens, seed);
    let mut seen = vec![0u64; citizens.len()];
    let mut prior: Vec<Prior> = (0..citizens.len()).map(|_| Prior::default()).collect();
    for (_, ci, k) in order {
        let ci = ci as usize;
        let (Some(c), Some(n), Some(p)) = (citizens.get(ci), seen.get_mut(ci), prior.get_mut(ci))
        else {
            continue;
        };
        *n += 1;
        // A resumed run: the citizen's earliest written entries exist already.
        if *n <= c.existing {
            continue;
        }
        let e = entry_for(structure, seed, c, u64::from(k), p, &mut texts);
        let terms = texts.terms(&e);
        p.remember(&e);
        buffer.push((e, terms));
        if buffer.len() >= BATCH_ENTRIES {
            written += store.import_journal(&buffer).await?;
            buffer.clear();
            progress(JournalProgress::Written(written));
        }
    }
    written += store.import_journal(&buffer).await?;
    progress(JournalProgress::Written(written));
    progress(JournalProgress::Indexing);
    // Always: it only builds what a bulk run (or an interrupted one) left out.
    store.journal_bulk_mode(false).await?;
    Ok(written)
}

/// Reads every citizen with cases, plan goals, care team and entry count.
async fn plan_citizens(
    store: &dyn Store,
    structure: &DemoStructure,
    progress: &(dyn Fn(JournalProgress) + Send + Sync),
) -> AppResult<Vec<Seeded>> {
    let staff_index: HashMap<_, usize> = structure
        .staff
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i))
        .collect();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let batch = store.list_citizens_after(after, CITIZEN_BATCH).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some(last.id);
        let ids: Vec<CitizenId> = batch.iter().map(|c| c.id).collect();
        let mut cases = store.list_cases_for_citizens(&ids).await?;
        cases.sort_by_key(|c| c.citizen_id);
        let mut facts = store.journal_seed_facts(&ids).await?;
        for c in &batch {
            let from = cases.partition_point(|k| k.citizen_id < c.id);
            let to = cases.partition_point(|k| k.citizen_id <= c.id);
            let f = facts.remove(&c.id).unwrap_or_default();
            let index = out.len() as u64;
            out.push(seeded(
                structure,
                &staff_index,
                index,
                c.id,
                format!("{} {}", c.given_name, c.family_name),
                &cases[from..to],
                f,
            ));
        }
        progress(JournalProgress::Planning(out.len() as u64));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn seeded(
    structure: &DemoStructure,
    staff_index: &HashMap<tvaers_domain::ids::StaffId, usize>,
    index: u64,
    id: CitizenId,
    name: String,
    cases: &[Case],
    facts: JournalSeedFacts,
) -> Seeded {
    let mut authors: Vec<(usize, Option<UnitId>)> = Vec::new();
    // The care team writes most; case workers often; colleagues of the case's unit now and then.
    for s in &facts.team {
        if let Some(&i) = staff_index.get(s) {
            let unit = structure.staff[i].unit_ids.first().copied();
            authors.extend(std::iter::repeat_n((i, unit), 4));
        }
    }
    let mut areas = Vec::new();
    for case in cases.iter().filter(|c| c.closed_on.is_none()) {
        areas.push(case.area);
        if let Some(&i) = case.case_worker_id.and_then(|w| staff_index.get(&w)) {
            authors.extend(std::iter::repeat_n((i, Some(case.responsible_unit_id)), 3));
        }
        for (i, s) in structure.staff.iter().enumerate() {
            if s.active && s.unit_ids.contains(&case.responsible_unit_id) && writes(s) {
                authors.push((i, Some(case.responsible_unit_id)));
            }
        }
    }
    if authors.is_empty() {
        // Only closed cases: the journal was written while they were open.
        for case in cases {
            areas.push(case.area);
            if let Some(&i) = case.case_worker_id.and_then(|w| staff_index.get(&w)) {
                authors.push((i, Some(case.responsible_unit_id)));
            }
        }
    }
    Seeded {
        id,
        index,
        name,
        existing: u64::try_from(facts.entries).unwrap_or(0),
        target: 0,
        authors,
        goals: facts.goals,
        areas,
    }
}

/// Staff who write journal entries (not volunteers, administrators or auditors).
fn writes(s: &Staff) -> bool {
    matches!(
        s.role(),
        tvaers_domain::staff::Role::Professional | tvaers_domain::staff::Role::Leader
    ) && s.profession != Profession::Leader
}

/// Shares of `total` by weight: skewed per citizen, more with open cases and a plan.
fn assign_targets(citizens: &mut [Seeded], seed: u64, total: u64) {
    let weights: Vec<f64> = citizens
        .iter()
        .map(|c| {
            let mut r = fastrand::Rng::with_seed(mix(seed ^ 0x5EED_10C0, c.index, 0));
            // About log-normal: the sum of four uniforms is close to normal.
            let z = (r.f64() + r.f64() + r.f64() + r.f64() - 2.0) * 1.732;
            let mut w = (1.1 * z).exp();
            if c.authors.is_empty() {
                w = 0.0;
            } else if !c.areas.is_empty() && !c.goals.is_empty() {
                w *= 4.0;
            } else if !c.areas.is_empty() {
                w *= 2.0;
            }
            w
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return;
    }
    for (c, w) in citizens.iter_mut().zip(weights) {
        let mut r = fastrand::Rng::with_seed(mix(seed ^ 0xD17E_0000, c.index, 0));
        // Random rounding keeps the expected total exactly `total`.
        let share = total as f64 * w / sum;
        c.target = (share + r.f64()).floor() as u64;
    }
}

/// Every entry to be (of each citizen, ordinals 0 up to its target) as
/// (minutes after [`FIRST_EVENT`] it was written, citizen, ordinal), in the
/// order of writing. A citizen's entries in this order are its ordinals
/// sorted by time, so an interrupted run has written a prefix of each
/// citizen's entries, and counting them is enough to resume.
fn writing_order(citizens: &[Seeded], seed: u64) -> Vec<(u32, u32, u32)> {
    let total: u64 = citizens.iter().map(|c| c.target).sum();
    let mut order = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for (ci, c) in citizens.iter().enumerate() {
        for k in 0..c.target {
            let (_, written) = entry_times(seed, c.index, k);
            let minutes = (written - FIRST_EVENT).whole_minutes();
            order.push((
                u32::try_from(minutes).unwrap_or(u32::MAX),
                u32::try_from(ci).unwrap_or(u32::MAX),
                u32::try_from(k).unwrap_or(u32::MAX),
            ));
        }
    }
    order.sort_unstable();
    order
}

/// When the k-th entry of citizen `index` happened and when it was written
/// (a few are written late, some days after), from a generator of their own.
fn entry_times(seed: u64, index: u64, k: u64) -> (OffsetDateTime, OffsetDateTime) {
    let mut r = fastrand::Rng::with_seed(mix(seed ^ 0x7133_0000, index, k));
    let span = (LAST_EVENT - FIRST_EVENT).whole_minutes();
    // More recent events are more frequent (journals grow).
    let at = (r.f64().powf(0.7) * span as f64) as i64;
    let occurred_at = FIRST_EVENT + Duration::minutes(at);
    let written_at = occurred_at
        + match r.u8(0..100) {
            0..=3 => Duration::hours(r.i64(25..24 * 14)),
            4..=11 => Duration::minutes(r.i64(180..1400)),
            _ => Duration::minutes(r.i64(5..180)),
        };
    (occurred_at, written_at)
}

/// What an entry may refer to among its citizen's entries written before it
/// in this run: the newest (a correction supersedes it) and the ids of the
/// latest few (a quote picks one).
#[derive(Default)]
struct Prior {
    last: Option<JournalEntry>,
    ids: std::collections::VecDeque<JournalEntryId>,
}

impl Prior {
    const QUOTABLE: usize = 64;

    fn remember(&mut self, e: &JournalEntry) {
        if self.ids.len() == Self::QUOTABLE {
            self.ids.pop_front();
        }
        self.ids.push_back(e.id);
        self.last = Some(e.clone());
    }
}

/// A 64-bit mix of the seed, the citizen's index and the entry's ordinal.
fn mix(seed: u64, index: u64, ordinal: u64) -> u64 {
    let mut x = seed
        ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ ordinal.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

/// The id of the k-th generated entry of citizen `index`, written at
/// `written`: laid out like the UUIDv7 ids the application gives entries (the
/// time of writing in the top 48 bits), version 8 because it is derived, not
/// random; then the seed, the citizen and the ordinal, so ids are unique and
/// a first run appends to the id index in order.
fn entry_id(seed: u64, index: u64, k: u64, written: OffsetDateTime) -> JournalEntryId {
    let millis = u128::try_from(written.unix_timestamp()).unwrap_or(0) * 1000;
    let time = (millis & 0xFFFF_FFFF_FFFF) << 80;
    let version = 0x8u128 << 76;
    let seedbits = u128::from(seed & 0xFFF) << 64;
    let variant = 0b10u128 << 62;
    let citizen = u128::from(index & 0xFF_FFFF) << 38;
    let ordinal = u128::from(k & 0xF_FFFF) << 18;
    let noise = u128::from(mix(seed, index, k) & 0x3_FFFF);
    JournalEntryId(uuid::Uuid::from_u128(
        time | version | seedbits | variant | citizen | ordinal | noise,
    ))
}

/// The k-th entry of a citizen. `prior` holds what it may refer to among the
/// citizen's entries written before it in this run.
fn entry_for(
    structure: &DemoStructure,
    seed: u64,
    c: &Seeded,
    k: u64,
    prior: &Prior,
    texts: &mut TextCache,
) -> JournalEntry {
    let mut r = fastrand::Rng::with_seed(mix(seed, c.index, k));
    let (occurred_at, written_at) = entry_times(seed, c.index, k);
    let id = entry_id(seed, c.index, k, written_at);
    // About 2 % are corrections of the newest version of an earlier entry of this run.
    if r.u16(0..1000) < 20
        && let Some(old) = prior.last.as_ref()
        && old.message.is_none()
    {
        let reason = CORRECTION_REASONS[r.usize(0..CORRECTION_REASONS.len())];
        return JournalEntry {
            id,
            text: format!(
                "{} {}",
                old.text,
                CORRECTION_ADDITIONS[r.usize(0..CORRECTION_ADDITIONS.len())]
            ),
            // Written in order, so never before the entry it corrects.
            written_at: written_at.max(old.written_at),
            supersedes: Some(old.id),
            correction_reason: Some(reason.to_string()),
            quotes: None,
            superseded_by: None,
            ..old.clone()
        };
    }
    let (staff_i, unit) = c.authors[r.usize(0..c.authors.len())];
    let author = &structure.staff[staff_i];
    let theme = pick_theme(&mut r, author.profession, &c.areas);
    let kind = pick_kind(&mut r, author.profession);
    let sensitivity = match r.u8(0..100) {
        0..=2 => Sensitivity::ThirdParty,
        n if theme.health && n < 55 => Sensitivity::Health,
        n if theme.social && n < 40 => Sensitivity::Social,
        _ => Sensitivity::Normal,
    };
    let topic = theme.topics[r.usize(0..theme.topics.len())];
    let topic = fsiii_display(topic).map(|display| AreaCode {
        system: "fsiii".into(),
        code: topic.into(),
        display: display.into(),
    });
    let goal_id = if !c.goals.is_empty() && r.u8(0..100) < 30 {
        let main = topic
            .as_ref()
            .map(|t| t.code.split('.').next().unwrap_or("").to_string());
        let matching: Vec<GoalId> = c
            .goals
            .iter()
            .filter(|(_, a)| {
                a.as_deref().map(|a| a.split('.').next().unwrap_or("")) == main.as_deref()
            })
            .map(|(g, _)| *g)
            .collect();
        if matching.is_empty() {
            Some(c.goals[r.usize(0..c.goals.len())].0)
        } else {
            Some(matching[r.usize(0..matching.len())])
        }
    } else {
        None
    };
    let quotes = (r.u8(0..100) < 2 && !prior.ids.is_empty())
        .then(|| prior.ids.get(r.usize(0..prior.ids.len())).copied())
        .flatten();
    let text = texts.text(&mut r, theme, &c.name);
    JournalEntry {
        id,
        citizen_id: c.id,
        author_id: Some(author.id),
        author_name: author.full_name.clone(),
        profession: Some(author.profession),
        unit_id: unit.or_else(|| author.unit_ids.first().copied()),
        occurred_at,
        written_at,
        kind,
        topic,
        text,
        links: EntryLinks {
            goal_id,
            intervention_id: None,
            meeting_id: None,
        },
        quotes,
        sensitivity,
        supersedes: None,
        correction_reason: None,
        message: None,
        superseded_by: None,
    }
}

fn pick_kind(r: &mut fastrand::Rng, p: Profession) -> EntryKind {
    let n = r.u8(0..100);
    match p {
        Profession::SosuHelper | Profession::SosuAssistant | Profession::Nurse => match n {
            0..=59 => EntryKind::HomeVisit,
            60..=84 => EntryKind::Observation,
            85..=94 => EntryKind::Phone,
            _ => EntryKind::Conversation,
        },
        Profession::SocialWorker | Profession::JobConsultant | Profession::Psychologist => {
            match n {
                0..=49 => EntryKind::Conversation,
                50..=79 => EntryKind::Phone,
                80..=89 => EntryKind::HomeVisit,
                _ => EntryKind::Observation,
            }
        }
        _ => match n {
            0..=44 => EntryKind::Observation,
            45..=74 => EntryKind::HomeVisit,
            75..=89 => EntryKind::Conversation,
            _ => EntryKind::Phone,
        },
    }
}

/// A theme: FSIII codes it is filed under, whether it is health or social
/// information, who writes about it, and its sentences.
struct Theme {
    topics: &'static [&'static str],
    health: bool,
    social: bool,
    /// Case areas where the theme is common (empty: everywhere).
    areas: &'static [CaseArea],
    sentences: &'static [&'static str],
}

fn pick_theme(r: &mut fastrand::Rng, p: Profession, areas: &[CaseArea]) -> &'static Theme {
    // Three tries for a theme that fits the citizen's cases, then any.
    for _ in 0..3 {
        let t = &THEMES[r.usize(0..THEMES.len())];
        let fits_area = t.areas.is_empty() || t.areas.iter().any(|a| areas.contains(a));
        let fits_author = !t.health || p.is_health() || r.bool();
        if fits_area && fits_author {
            return t;
        }
    }
    &THEMES[r.usize(0..THEMES.len())]
}

/// Stems per distinct sentence and topic: the texts are assembled from a few
/// thousand distinct sentences, so stemming each once makes ten million
/// entries cheap. The terms equal `JournalEntry::index_terms` (tested).
#[derive(Default)]
struct TextCache {
    sentences: HashMap<String, std::sync::Arc<Vec<String>>>,
    topics: HashMap<String, Vec<String>>,
    /// The stems of the sentences of the text last made, in order.
    last: Vec<std::sync::Arc<Vec<String>>>,
}

impl TextCache {
    fn stems_of(&mut self, sentence: &str) -> std::sync::Arc<Vec<String>> {
        if let Some(s) = self.sentences.get(sentence) {
            return s.clone();
        }
        let s = std::sync::Arc::new(stems(sentence));
        self.sentences.insert(sentence.to_string(), s.clone());
        s
    }

    /// An entry text of 1–3 paragraphs and now and then a list.
    fn text(&mut self, r: &mut fastrand::Rng, theme: &Theme, name: &str) -> String {
        let mut out = String::new();
        self.last.clear();
        let paragraphs = match r.u8(0..10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let given = name.split_whitespace().next().unwrap_or("Borgeren");
        for p in 0..paragraphs {
            if p > 0 {
                out.push_str("\n\n");
            }
            let n = r.usize(1..4);
            let mut used: Vec<&str> = Vec::with_capacity(n);
            for i in 0..n {
                let mut source: &str = "";
                // A sentence said once per entry (two tries, then it may repeat).
                for _ in 0..3 {
                    source = if r.u8(0..100) < 12 {
                        GENERAL[r.usize(0..GENERAL.len())]
                    } else {
                        theme.sentences[r.usize(0..theme.sentences.len())]
                    };
                    if !used.contains(&source) {
                        break;
                    }
                }
                used.push(source);
                let sentence = expand(r, source, given);
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&sentence);
                let s = self.stems_of(&sentence);
                self.last.push(s);
            }
        }
        if r.u8(0..100) < 15 {
            for _ in 0..r.usize(2..4) {
                let item = LIST_ITEMS[r.usize(0..LIST_ITEMS.len())];
                out.push_str("\n- ");
                out.push_str(item);
                let s = self.stems_of(item);
                self.last.push(s);
            }
        }
        // A rare word now and then (about 1 entry in 300 per word), for rare searches.
        if r.u16(0..1000) < 25 {
            let rare = RARE[r.usize(0..RARE.len())];
            let sentence = expand(r, rare, given);
            out.push(' ');
            out.push_str(&sentence);
            let s = self.stems_of(&sentence);
            self.last.push(s);
        }
        out
    }

    /// The index terms of an entry just made by [`TextCache::text`] (or a
    /// correction of an earlier one, stemmed afresh).
    fn terms(&mut self, e: &JournalEntry) -> Vec<String> {
        let mut t: Vec<String> = if e.supersedes.is_some() {
            stems(&e.text)
        } else {
            self.last.iter().flat_map(|s| s.iter().cloned()).collect()
        };
        if let Some(topic) = &e.topic {
            let stems = self
                .topics
                .entry(topic.display.clone())
                .or_insert_with(|| stems(&topic.display));
            t.extend(stems.iter().cloned());
        }
        if let Some(reason) = &e.correction_reason {
            t.extend(self.stems_of(reason).iter().cloned());
        }
        t.push(citizen_token(e.citizen_id));
        t
    }
}

/// Replaces `{navn}` by the given name and each `{a|b|c}` by one alternative.
fn expand(r: &mut fastrand::Rng, template: &str, given: &str) -> String {
    // The name first: it may sit inside an alternative ("{Borgeren|{navn}}").
    let template = template.replace("{navn}", given);
    let mut out = String::with_capacity(template.len());
    let mut rest = template.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let alts: Vec<&str> = after[..close].split('|').collect();
        out.push_str(alts[r.usize(0..alts.len())]);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

const CORRECTION_REASONS: &[&str] = &[
    "Forkert tidspunkt",
    "Skrevet på forkert borger",
    "Manglende oplysning tilføjet",
    "Tastefejl rettet",
    "Præcisering efter samtale med kollega",
];

const CORRECTION_ADDITIONS: &[&str] = &[
    "Rettet: tidspunktet var om eftermiddagen.",
    "Tilføjet: pårørende var til stede.",
    "Præciseret: aftalen gælder fra næste uge.",
    "Rettet: det var venstre side, ikke højre.",
];

const GENERAL: &[&str] = &[
    "{Borgeren|{navn}} var {glad|i godt humør|lidt trist|træt|urolig} {i dag|ved besøget|under samtalen}.",
    "Aftalt at følge op {i næste uge|om 14 dage|ved næste besøg|på mandag}.",
    "{Datteren|Sønnen|Ægtefællen|Naboen} var til stede {under besøget|og deltog i samtalen|en del af tiden}.",
    "Der er givet besked til {kontaktpersonen|teamlederen|visitationen|egen læge}.",
    "{Borgeren|{navn}} {ønsker|vil gerne|håber} at kunne klare mere selv.",
    "Ingen ændringer siden sidst.",
    "Planen er gennemgået med {borgeren|{navn}}, som er enig.",
];

const LIST_ITEMS: &[&str] = &[
    "Kontakt til egen læge",
    "Bestil hjælpemiddel",
    "Opfølgning i næste uge",
    "Informer pårørende",
    "Opdater handleplanen",
    "Ring til hjemmeplejen",
    "Send referat til borgeren",
    "Book tid hos diætist",
];

const RARE: &[&str] = &[
    "Borgeren nævner {helvedesild|lungebetændelse|rosen} for {år|måneder} siden.",
    "Der er bestilt {kompressionsstrømper|høreapparat|badebænk|toiletforhøjer|stomiposer}.",
    "{Borgeren|{navn}} har fået {insulinpen|iltapparat|dosisdispenser} {i går|i sidste uge}.",
    "Talt om {kolonihave|brevdue|motorcykel|campingvogn} og gamle dage.",
];

const THEMES: &[Theme] = &[
    Theme {
        topics: &["J3.8", "J3", "J3.7"],
        health: false,
        social: false,
        areas: &[
            CaseArea::HomeCare,
            CaseArea::Rehabilitation,
            CaseArea::Nursing,
        ],
        sentences: &[
            "{Borgeren|{navn}} {faldt|er faldet|var faldet} {i nat|i går aftes|på badeværelset|i køkkenet|på vej ud på toilettet}.",
            "{Borgeren|{navn}} fortæller, at {hun|han} {falder|er bange for at falde} {ofte|indimellem|når det er mørkt}.",
            "Ingen synlige skader efter faldet.",
            "Risikoen for fald er {øget|høj|uændret}; {natlys|gelænder|skridsikre måtter} {anbefales|er bestilt|er sat op}.",
            "Gangtræning med {rollator|stok|gangbuk}: {2 x 50|3 x 20|4 x 30} meter {i opgangen|på gangen|udendørs}.",
            "Går {mere sikkert|mindre sikkert|som sidst} end {sidst|ved forrige besøg}.",
            "Balancen er {bedre|dårligere|nedsat}; {svimmelhed|svimmel ved rejsning} nævnes.",
            "Forflytning fra {seng til kørestol|stol til rollator|seng til toilet} {klares selv|med let støtte|med hjælp fra to}.",
            "Trappegang {øves|er nu muligt|er fortsat vanskelig}.",
        ],
    },
    Theme {
        topics: &["J1.5", "J1"],
        health: true,
        social: false,
        areas: &[CaseArea::HomeCare, CaseArea::Nursing],
        sentences: &[
            "Vægten er {faldet|steget|uændret} {2 kg|1 kg|3 kg} på {tre uger|en måned|to uger}.",
            "Appetitten er {nedsat|god|svingende}; {diætist kontaktes|proteindrik tilbydes|måltider deles op}.",
            "{Borgeren|{navn}} spiser {det meste|halvdelen|kun lidt} af {morgenmaden|frokosten|aftensmaden}.",
            "Væskeindtag {er for lavt|er fint|skal øges}; {væskeskema startet|påmindelse aftalt}.",
            "Synkebesvær ved {tørre madvarer|tabletter|kød} nævnes.",
            "Madservice {er bestilt|fungerer godt|ønskes opsagt}.",
        ],
    },
    Theme {
        topics: &["J1.6", "J1.7"],
        health: true,
        social: false,
        areas: &[CaseArea::Nursing, CaseArea::HomeCare, CaseArea::Hospital],
        sentences: &[
            "Medicin {givet|dispenseret|gennemgået} efter {ordination|aftale med egen læge}.",
            "{Borgeren|{navn}} har {glemt|fået|nægtet} {morgenmedicinen|aftenmedicinen|sin smertestillende medicin}.",
            "Blodtryk {målt|kontrolleret}: {135/85|150/90|120/70}.",
            "Blodsukker {højt|lavt|stabilt}; {egen læge orienteret|insulin justeret|kost drøftet}.",
            "Smerter i {knæet|ryggen|hoften|skulderen} {scores til|vurderes til} {3|5|7} af 10.",
            "Sår på {underbenet|hælen|foden} {skiftet|renset|vurderet}; {heler fint|er uændret|er rødt i kanten}.",
            "Huden er {hel|tør|rød} ved {hælene|korsbenet|albuerne}.",
            "Vandladning {om natten|hyppigt|med svie}; urinstix {taget|negativ|positiv}.",
            "Søvnen er {dårlig|bedre|urolig}; vågner {flere gange|tidligt|om natten}.",
        ],
    },
    Theme {
        topics: &["J4", "J4.1", "J4.2"],
        health: true,
        social: true,
        areas: &[],
        sentences: &[
            "{Borgeren|{navn}} virker {forvirret|mere klar|glemsom|angst} {i dag|om aftenen|ved besøget}.",
            "Hukommelsen er {svækket|uændret|bedre}; {kalender|ugeplan|huskeseddel} {bruges|er sat op}.",
            "Stemningslejet er {lavt|stabilt|bedre}; {borgeren|{navn}} græder {ofte|indimellem|ikke længere}.",
            "Samtale om {ensomhed|bekymringer|tanker om fremtiden}.",
            "Sover {meget|dårligt|bedre} og {isolerer sig|går mere ud|ser venner igen}.",
        ],
    },
    Theme {
        topics: &["J2", "J2.1", "J2.2"],
        health: false,
        social: false,
        areas: &[CaseArea::HomeCare],
        sentences: &[
            "Rengøring {udført|udskudt|delvist udført}; {borgeren|{navn}} deltog {i støvsugning|i opvasken|med at rede seng}.",
            "Indkøb {bestilt online|foretaget sammen med borgeren|klaret af datteren}.",
            "Tøjvask {klares selv|med hjælp|af pårørende}.",
            "Personlig hygiejne: {bad|hårvask|fodpleje} {med let hjælp|selvstændigt|med fuld hjælp}.",
            "Påklædning {klares selv|tager lang tid|kræver hjælp til strømper}.",
        ],
    },
    Theme {
        topics: &["J5", "J5.1", "J5.2"],
        health: false,
        social: true,
        areas: &[
            CaseArea::AdultDisability,
            CaseArea::Psychiatry,
            CaseArea::ChildrenFamily,
        ],
        sentences: &[
            "Samtale med {borgeren|{navn}} om {boligsituationen|økonomien|netværket|hverdagen}.",
            "{Borgeren|{navn}} har {fået|søgt|mistet} {bostøtte|kontanthjælp|boligstøtte|sin lejlighed}.",
            "Netværksmøde {aftalt|afholdt|aflyst} med {kommunen|psykiatrien|skolen|familien}.",
            "Underretning {modtaget|vurderet|besvaret} {fra skolen|fra naboen|fra sygehuset}.",
            "{Borgeren|{navn}} deltager {fast|sjældent|igen} i {aktiviteter|klubben|værestedet}.",
            "Misbrug af {alkohol|hash} {drøftet|afvist|erkendt}; {behandling tilbudt|aftale om opfølgning}.",
            "Gæld til {inkasso|udlejer|SKAT} drøftet; budget lagt sammen med {borgeren|{navn}}.",
        ],
    },
    Theme {
        topics: &["J5", "J5.3"],
        health: false,
        social: true,
        areas: &[CaseArea::Employment, CaseArea::Hospital],
        sentences: &[
            "Samtale om {praktik|job|uddannelse|ressourceforløb}.",
            "{Borgeren|{navn}} {er startet|ønsker at starte|er stoppet} i {praktik|fleksjob|virksomhedspraktik} {hos en lokal virksomhed|i kommunen|i butik}.",
            "Sygemelding {forlænget|afsluttet|drøftet} med {egen læge|arbejdsgiver|borgeren}.",
            "Rehabiliteringsteamet {behandler sagen|har anbefalet ressourceforløb|ønsker flere oplysninger}.",
            "Aftalt {jobsøgning|CV-skrivning|opfølgningssamtale} {inden næste møde|i næste uge}.",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_citizen() -> Seeded {
        Seeded {
            id: CitizenId::new(),
            index: 7,
            name: "Aase Jensen".into(),
            existing: 0,
            target: 50,
            authors: vec![(0, None)],
            goals: vec![(GoalId::new(), Some("J3.8".into()))],
            areas: vec![CaseArea::HomeCare],
        }
    }

    fn structure() -> DemoStructure {
        super::super::new_structure(42).1
    }

    #[test]
    fn cached_terms_equal_the_entrys_own_index_terms() {
        let s = structure();
        let c = sample_citizen();
        let mut texts = TextCache::default();
        let mut prior = Prior::default();
        for k in 0..300 {
            let e = entry_for(&s, 42, &c, k, &prior, &mut texts);
            assert_eq!(texts.terms(&e), e.index_terms(), "entry {k}: {}", e.text);
            prior.remember(&e);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_entries_and_ids() {
        let s = structure();
        let c = sample_citizen();
        let make = || {
            let mut texts = TextCache::default();
            let mut prior = Prior::default();
            let mut all = Vec::new();
            for k in 0..40 {
                let e = entry_for(&s, 42, &c, k, &prior, &mut texts);
                prior.remember(&e);
                all.push(e);
            }
            all
        };
        let (a, b) = (make(), make());
        assert_eq!(a, b);
        let t = FIRST_EVENT;
        assert_ne!(entry_id(42, 7, 1, t), entry_id(42, 7, 2, t));
        // Ordered by the time of writing, then citizen and ordinal.
        assert!(entry_id(42, 7, 1, t).0 < entry_id(42, 7, 2, t).0);
        assert!(entry_id(42, 7, 99, t).0 < entry_id(42, 8, 0, t).0);
        assert!(entry_id(42, 8, 0, t).0 < entry_id(42, 7, 99, t + Duration::minutes(1)).0);
        assert_eq!(entry_id(42, 7, 1, t).0.get_version_num(), 8);
    }

    #[test]
    fn entries_are_written_in_time_order_across_citizens() {
        let mut citizens: Vec<Seeded> = (0..50)
            .map(|i| Seeded {
                index: i,
                target: 40,
                ..sample_citizen()
            })
            .collect();
        citizens[3].target = 0;
        let order = writing_order(&citizens, 42);
        assert_eq!(order.len(), 49 * 40);
        assert!(order.windows(2).all(|w| w[0] <= w[1]));
        // Interleaved: the newest 100 entries belong to many citizens.
        let newest: std::collections::HashSet<u32> =
            order[order.len() - 100..].iter().map(|o| o.1).collect();
        assert!(newest.len() > 30, "{}", newest.len());
        // Each citizen's entries come in the order of their time of writing.
        for (minutes, ci, k) in &order[..200] {
            let (occurred, written) = entry_times(42, citizens[*ci as usize].index, u64::from(*k));
            assert_eq!(i64::from(*minutes), (written - FIRST_EVENT).whole_minutes());
            assert!(occurred <= written);
        }
    }

    #[test]
    fn targets_add_up_to_about_the_total_and_are_skewed() {
        let mut citizens: Vec<Seeded> = (0..2000)
            .map(|i| Seeded {
                index: i,
                ..sample_citizen()
            })
            .collect();
        assign_targets(&mut citizens, 42, 100_000);
        let total: u64 = citizens.iter().map(|c| c.target).sum();
        assert!((95_000..105_000).contains(&total), "{total}");
        let max = citizens.iter().map(|c| c.target).max().unwrap_or(0);
        assert!(max > 200, "some journals are long: {max}");
    }

    #[test]
    fn templates_expand_names_inside_alternatives() {
        let mut r = fastrand::Rng::with_seed(1);
        for _ in 0..50 {
            let s = expand(&mut r, "{Borgeren|{navn}} {faldt|er faldet} i nat.", "Aase");
            assert!(!s.contains('{') && !s.contains('}'), "{s}");
        }
    }

    #[test]
    fn stemming_finds_a_fraction_of_fall_entries() {
        let s = structure();
        let c = sample_citizen();
        let mut texts = TextCache::default();
        let mut hits = 0;
        for k in 0..1000 {
            let e = entry_for(&s, 42, &c, k, &Prior::default(), &mut texts);
            if e.index_terms().iter().any(|t| t == "fald") {
                hits += 1;
            }
        }
        assert!((20..600).contains(&hits), "{hits}");
    }
}
