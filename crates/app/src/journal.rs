//! The journal: write entries, correct them, read one citizen's timeline,
//! search with Danish stemming, digital contact (messages), and keep the
//! search index in step.
//!
//! Every read is audited. The policy decides which citizens and which
//! sensitivity classes a reader may see, and that scope goes into the SQL so
//! that nothing outside it is counted, ranked or snippeted.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::audit::{AuditAction, AuditOutcome, NewAuditEvent};
use tvaers_domain::ids::{
    CitizenId, GoalId, InterventionId, JournalEntryId, MeetingId, StaffId, UnitId,
};
use tvaers_domain::journal::{
    EntryKind, EntryLinks, JournalEntry, Message, MessageDirection, Sensitivity, check_correction,
    validate_entry,
};
use tvaers_domain::plan::AreaCode;
use tvaers_domain::search::{SearchQuery, snippet};
use tvaers_domain::staff::Profession;
use tvaers_domain::terminology::fsiii_display;
use tvaers_store::{
    AccessFacts, FactsScope, IndexDoc, JournalFilter, Page, ReadScope, ScopeGrant, SearchOrder,
    StoreError,
};

use crate::meetings::{copenhagen_offset, parse_local_datetime};
use crate::policy::{self, Action, Resource};
use crate::{App, AppError, AppResult};

/// Words around the first hit in a search snippet.
const SNIPPET_WORDS: usize = 30;
/// Entries indexed per transaction when catching up or rebuilding.
const INDEX_BATCH: i64 = 500;

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn parse_id<T>(
    e: &mut ValidationErrors,
    field: &'static str,
    raw: &Option<String>,
    wrap: fn(uuid::Uuid) -> T,
) -> Option<T> {
    let raw = text(raw)?;
    match raw.parse::<uuid::Uuid>() {
        Ok(u) => Some(wrap(u)),
        Err(_) => {
            e.add(field, "Henvisningen er ikke gyldig.");
            None
        }
    }
}

fn parse_date(
    e: &mut ValidationErrors,
    field: &'static str,
    label: &str,
    raw: &Option<String>,
) -> Option<Date> {
    let raw = text(raw)?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(&raw, &fmt) {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(
                field,
                format!("{label} skal være en gyldig dato (ÅÅÅÅ-MM-DD)."),
            );
            None
        }
    }
}

/// Local Danish midnight at the start of `d`.
fn local_midnight(d: Date) -> OffsetDateTime {
    d.midnight().assume_offset(copenhagen_offset(d))
}

/// `fsiii:J3.8` → the FSIII area; anything else → a free topic.
fn parse_topic(e: &mut ValidationErrors, raw: &Option<String>) -> Option<AreaCode> {
    let raw = text(raw)?;
    if let Some(code) = raw.strip_prefix("fsiii:") {
        return match fsiii_display(code) {
            Some(d) => Some(AreaCode {
                system: "fsiii".into(),
                code: code.to_string(),
                display: d.to_string(),
            }),
            None => {
                e.add("topic", "Vælg et FSIII-område fra listen.");
                None
            }
        };
    }
    let free = raw.strip_prefix("free:").unwrap_or(&raw).trim().to_string();
    Some(AreaCode {
        system: "free".into(),
        code: free.to_lowercase(),
        display: free,
    })
}

fn parse_sensitivity(e: &mut ValidationErrors, raw: &Option<String>) -> Option<Sensitivity> {
    match text(raw) {
        None => Some(Sensitivity::Normal),
        Some(c) => Sensitivity::from_code(&c).or_else(|| {
            e.add("sensitivity", "Vælg en følsomhed fra listen.");
            None
        }),
    }
}

/// A new entry, from a form or JSON.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EntryInput {
    #[serde(default)]
    pub text: String,
    /// `observation` (default), `conversation`, `phone`, `home_visit` or `digital_contact`.
    #[serde(default)]
    pub kind: Option<String>,
    /// When it happened, local Danish time `YYYY-MM-DDTHH:MM`; default now.
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// `fsiii:<code>` or a free topic.
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub goal_id: Option<String>,
    #[serde(default)]
    pub intervention_id: Option<String>,
    #[serde(default)]
    pub meeting_id: Option<String>,
    /// An earlier entry of the same citizen this one quotes or builds on.
    #[serde(default)]
    pub quotes: Option<String>,
    /// `normal` (default), `health`, `social` or `third_party`.
    #[serde(default)]
    pub sensitivity: Option<String>,
    /// The unit written for (default: the author's first unit).
    #[serde(default)]
    pub unit_id: Option<String>,
}

/// A correction: the new text and why. Time, topic and class default to the
/// corrected entry's; kind and links are kept.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CorrectionInput {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub occurred_at: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub sensitivity: Option<String>,
}

/// Timeline filters as they arrive (URL query or API); all combine.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Profession code, e.g. `sygeplejerske`.
    #[serde(default)]
    pub profession: Option<String>,
    #[serde(default)]
    pub unit_id: Option<String>,
    /// Topic code (`J3.8`) or free topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// Entry kind; `correction` for corrections.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub goal_id: Option<String>,
    #[serde(default)]
    pub intervention_id: Option<String>,
    #[serde(default)]
    pub meeting_id: Option<String>,
    /// First day, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    pub to: Option<String>,
    /// Entries per page (1–200, default 25).
    #[serde(default)]
    pub limit: Option<String>,
    #[serde(default)]
    pub offset: Option<String>,
}

impl TimelineQuery {
    /// The store's filter, or every problem in Danish.
    pub fn to_filter(&self) -> Result<JournalFilter, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let profession = text(&self.profession).and_then(|p| {
            Profession::from_code(&p).or_else(|| {
                e.add("profession", "Ukendt faggruppe.");
                None
            })
        });
        let kind = text(&self.kind).and_then(|k| {
            EntryKind::from_code(&k).or_else(|| {
                e.add("kind", "Ukendt notattype.");
                None
            })
        });
        let from = parse_date(&mut e, "from", "Fra-datoen", &self.from);
        let to = parse_date(&mut e, "to", "Til-datoen", &self.to);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            e.add("to", "Til-datoen ligger før fra-datoen.");
        }
        let topic_code = text(&self.topic).map(|t| {
            let t = t.strip_prefix("fsiii:").unwrap_or(&t).to_string();
            match fsiii_display(&t) {
                Some(_) => t,
                None => t.strip_prefix("free:").unwrap_or(&t).to_lowercase(),
            }
        });
        let filter = JournalFilter {
            profession,
            unit_id: parse_id(&mut e, "unit_id", &self.unit_id, UnitId),
            topic_code,
            kind,
            goal_id: parse_id(&mut e, "goal_id", &self.goal_id, GoalId),
            intervention_id: parse_id(
                &mut e,
                "intervention_id",
                &self.intervention_id,
                InterventionId,
            ),
            meeting_id: parse_id(&mut e, "meeting_id", &self.meeting_id, MeetingId),
            from: from.map(local_midnight),
            until: to.and_then(|d| d.next_day()).map(local_midnight),
        };
        e.into_result(filter)
    }

    /// The page asked for; a number that is not one is a Danish error.
    pub fn page(&self) -> Result<Page, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let mut num = |field: &'static str, raw: &Option<String>, default: i64| match text(raw) {
            None => default,
            Some(v) => v.parse::<i64>().unwrap_or_else(|_| {
                e.add(field, "Sidetallet skal være et helt tal.");
                default
            }),
        };
        let limit = num("limit", &self.limit, 25);
        let offset = num("offset", &self.offset, 0);
        e.into_result(Page::new(limit, offset))
    }
}

/// What the journal page shows of one citizen ([`App::journal_view`]).
#[derive(Debug, Clone)]
pub struct JournalView {
    pub citizen: tvaers_domain::citizen::Citizen,
    /// The page of entries, or why the filter was refused together with the
    /// classes the reader may write in (the page shows its form either way).
    pub timeline: Result<Timeline, (ValidationErrors, Vec<Sensitivity>)>,
    pub plans: Vec<tvaers_domain::plan::Plan>,
    pub meetings: Vec<tvaers_domain::meeting::Meeting>,
}

/// One page of a citizen's journal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub citizen_id: CitizenId,
    /// Newest event first.
    pub entries: Vec<JournalEntry>,
    pub offset: i64,
    pub limit: i64,
    /// Whether another page follows.
    pub has_more: bool,
    /// The entries that entries of this page quote, read from the journal
    /// (write once: the quote is shown, never copied), but only those the
    /// reader may read; `superseded_by` tells that one was corrected since.
    pub quoted: Vec<JournalEntry>,
    /// The sensitivity classes the reader may read and write in this journal,
    /// from the same decision as the page (for the entry form; not in the API).
    #[serde(skip)]
    pub readable: Vec<Sensitivity>,
}

/// A search as sent (in the body, so words never land in a URL or log).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SearchInput {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// How far a search pages: past it, narrow the search instead.
pub const SEARCH_MAX_OFFSET: i64 = 10_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub entry: JournalEntry,
    pub citizen_name: String,
    /// HTML: the original text around the first hit, escaped, hits in `<mark>`.
    pub snippet_html: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Hits the reader may see — never more. In one journal, best match
    /// first, counted up to 1,000; across journals, newest written first,
    /// counted to the end of this page (`offset` + the hits shown).
    pub total: i64,
    /// More hits than `total`: in one journal counting stopped at 1,000
    /// ("mere end 1.000"; only the newest 1,000 are ranked and paged); across
    /// journals a next page follows.
    pub more: bool,
    pub hits: Vec<SearchHit>,
    pub offset: i64,
    pub limit: i64,
}

/// A message to the citizen from a staff member.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MessageInput {
    #[serde(default)]
    pub text: String,
    /// `normal` (default), `health` or `social`.
    #[serde(default)]
    pub sensitivity: Option<String>,
}

/// Who a message from the citizen is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recipient {
    Staff { staff_id: StaffId },
    Team { unit_id: UnitId },
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub entry: JournalEntry,
    pub citizen_name: String,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamUnread {
    pub unit_id: UnitId,
    pub unit_name: String,
    /// Messages to the team nobody has read yet.
    pub unread: i64,
}

/// Messages from citizens to a staff member and their teams.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    /// Messages to me or my teams that I have not read.
    pub unread: i64,
    pub teams: Vec<TeamUnread>,
    pub messages: Vec<InboxItem>,
}

impl App {
    /// Writes a new entry in the citizen's journal.
    pub async fn write_entry(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        input: &EntryInput,
    ) -> AppResult<JournalEntry> {
        // The classes the writer may use come from the decision's own facts.
        let (ev, facts) = self
            .authorize_with_facts(
                actor,
                Action::Create,
                Resource::Citizen(citizen_id),
                "journal_entry",
                None,
            )
            .await?;
        self.ensure_citizen_allowed(citizen_id).await?;
        let now = OffsetDateTime::now_utc();
        let mut e = ValidationErrors::new();
        let kind = match text(&input.kind) {
            None => Some(EntryKind::Observation),
            Some(k) => EntryKind::from_code(&k).or_else(|| {
                e.add("kind", "Vælg hvad notatet handler om.");
                None
            }),
        };
        let occurred_at = match text(&input.occurred_at) {
            Some(raw) => parse_local_datetime(&mut e, "occurred_at", "Tidspunktet", &raw),
            None => Some(now),
        };
        let topic = parse_topic(&mut e, &input.topic);
        let sensitivity = parse_sensitivity(&mut e, &input.sensitivity);
        let links = EntryLinks {
            goal_id: parse_id(&mut e, "goal_id", &input.goal_id, GoalId),
            intervention_id: parse_id(
                &mut e,
                "intervention_id",
                &input.intervention_id,
                InterventionId,
            ),
            meeting_id: parse_id(&mut e, "meeting_id", &input.meeting_id, MeetingId),
        };
        let quotes = parse_id(&mut e, "quotes", &input.quotes, JournalEntryId);
        let unit_id = self.pick_unit(actor, &input.unit_id, &mut e);
        let classes = policy::journal_classes(actor, citizen_id, &facts);
        self.check_links(citizen_id, &classes, &links, quotes, &mut e)
            .await?;
        let (Some(kind), Some(occurred_at), Some(sensitivity)) = (kind, occurred_at, sensitivity)
        else {
            return Err(e.into());
        };
        if !classes.contains(&sensitivity) {
            e.add(
                "sensitivity",
                "Du kan ikke skrive et notat i en følsomhedsklasse, du ikke selv må læse.",
            );
        }
        let entry = JournalEntry {
            id: JournalEntryId::new(),
            citizen_id,
            author_id: Some(actor.staff_id),
            author_name: actor.full_name.clone(),
            profession: Some(actor.profession),
            unit_id,
            occurred_at,
            written_at: now,
            kind,
            topic,
            text: input.text.trim().to_string(),
            links,
            quotes,
            sensitivity,
            supersedes: None,
            correction_reason: None,
            message: None,
            superseded_by: None,
        };
        if let Err(v) = validate_entry(&entry, now) {
            e.fields.extend(v.fields);
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        self.store_entry(entry, ev).await
    }

    /// Corrects an entry: a new entry that supersedes it with a reason. The
    /// old text stays, struck through.
    pub async fn correct_entry(
        &self,
        actor: &Actor,
        entry_id: JournalEntryId,
        input: &CorrectionInput,
    ) -> AppResult<JournalEntry> {
        let old = self.readable_entry(actor, entry_id, Action::Create).await?;
        // A stale correction is a conflict, whether it loses before or at the commit.
        if old.superseded_by.is_some() {
            return Err(AppError::Conflict(
                "Notatet er allerede rettet. Genindlæs journalen, og ret den nyeste udgave.".into(),
            ));
        }
        let (ev, facts) = self
            .authorize_with_facts(
                actor,
                Action::Create,
                Resource::Citizen(old.citizen_id),
                "journal_entry",
                None,
            )
            .await?;
        let now = OffsetDateTime::now_utc();
        let mut e = ValidationErrors::new();
        let occurred_at = match text(&input.occurred_at) {
            Some(raw) => parse_local_datetime(&mut e, "occurred_at", "Tidspunktet", &raw),
            None => Some(old.occurred_at),
        };
        let topic = match text(&input.topic) {
            Some(_) => parse_topic(&mut e, &input.topic),
            None => old.topic.clone(),
        };
        let sensitivity = match text(&input.sensitivity) {
            Some(_) => parse_sensitivity(&mut e, &input.sensitivity),
            None => Some(old.sensitivity),
        };
        let (Some(occurred_at), Some(sensitivity)) = (occurred_at, sensitivity) else {
            return Err(e.into());
        };
        if !policy::journal_classes(actor, old.citizen_id, &facts).contains(&sensitivity) {
            e.add(
                "sensitivity",
                "Du kan ikke skrive et notat i en følsomhedsklasse, du ikke selv må læse.",
            );
        }
        let mut unit_e = ValidationErrors::new();
        let entry = JournalEntry {
            id: JournalEntryId::new(),
            citizen_id: old.citizen_id,
            author_id: Some(actor.staff_id),
            author_name: actor.full_name.clone(),
            profession: Some(actor.profession),
            unit_id: self.pick_unit(actor, &None, &mut unit_e),
            occurred_at,
            written_at: now,
            kind: old.kind,
            topic,
            text: input.text.trim().to_string(),
            links: old.links,
            quotes: old.quotes,
            sensitivity,
            supersedes: Some(old.id),
            correction_reason: Some(input.reason.trim().to_string()),
            message: None,
            superseded_by: None,
        };
        if let Err(v) = validate_entry(&entry, now) {
            e.fields.extend(v.fields);
        }
        if let Err(v) = check_correction(&old, &entry) {
            e.fields.extend(v.fields);
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        self.store_entry(entry, ev).await
    }

    /// One entry, if the actor may read the citizen and the entry's class.
    pub async fn get_entry(&self, actor: &Actor, id: JournalEntryId) -> AppResult<JournalEntry> {
        self.readable_entry(actor, id, Action::Read).await
    }

    /// A page of the citizen's journal with combined filters, newest first.
    pub async fn timeline(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        q: &TimelineQuery,
    ) -> AppResult<Timeline> {
        let filter = q.to_filter()?;
        let page = q.page()?;
        let (classes, commit) = self.journal_decision(actor, citizen_id).await?;
        // The audit commit runs beside the timeline's query.
        let (audited, exists, entries) = tokio::join!(
            commit.wait(self),
            self.ensure_citizen_allowed(citizen_id),
            self.timeline_rows(citizen_id, &filter, &classes, page)
        );
        audited?;
        exists?;
        self.finish_timeline(citizen_id, entries?, page, classes)
            .await
    }

    /// Everything the journal page shows of one citizen — the citizen, a
    /// timeline page, the plans and the meetings — on one decision: one facts
    /// query, the four reads in one [`Store::journal_file`](tvaers_store::Store::journal_file),
    /// and their four audit events in one commit before anything is returned.
    /// (Read one by one, the page paid four facts queries and four citizen
    /// lookups.) A refused filter leaves the rest of the view and says why
    /// instead of the timeline.
    pub async fn journal_view(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        q: &TimelineQuery,
    ) -> AppResult<JournalView> {
        let query = q.to_filter().and_then(|f| Ok((f, q.page()?)));
        // The journal is recorded as read only when its timeline is shown.
        let (resource_type, also): (_, &[_]) = match query {
            Ok(_) => (
                "journal",
                &[
                    ("citizen", Some(citizen_id.0)),
                    ("plan_list", None),
                    ("meeting_list", None),
                ],
            ),
            Err(_) => ("citizen", &[("plan_list", None), ("meeting_list", None)]),
        };
        let resource_id = (resource_type == "citizen").then_some(citizen_id.0);
        let crate::ReadDecision {
            facts,
            version,
            commit,
        } = self
            .decide_read_with_facts(
                actor,
                Resource::Citizen(citizen_id),
                resource_type,
                resource_id,
                also,
            )
            .await?;
        let classes = policy::journal_classes(actor, citizen_id, &facts);
        // One read for the citizen, plans, meetings and the timeline's rows
        // (on SQLite one hand-off), beside the audit commit.
        let timeline = query
            .as_ref()
            .ok()
            .map(|(filter, page)| (filter, classes.as_slice(), lookahead(*page)));
        let file = self.store.journal_file_at(citizen_id, timeline, version);
        let (audited, file) = tokio::join!(commit.wait(self), file);
        audited?;
        let tvaers_store::JournalFile {
            citizen,
            plans,
            meetings,
            entries,
        } = file?;
        let citizen = citizen.ok_or(AppError::NotFound)?;
        let timeline = match query {
            Ok((_, page)) => Ok(self
                .finish_timeline(citizen_id, entries, page, classes)
                .await?),
            Err(e) => Err((e, classes)),
        };
        Ok(JournalView {
            citizen,
            timeline,
            plans,
            meetings,
        })
    }

    /// Reading the citizen's journal: the classes the facts behind the
    /// decision make readable, and the decision's audit commit to await.
    async fn journal_decision(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
    ) -> AppResult<(Vec<Sensitivity>, crate::Commit)> {
        let d = self
            .decide_read_with_facts(actor, Resource::Citizen(citizen_id), "journal", None, &[])
            .await?;
        Ok((
            policy::journal_classes(actor, citizen_id, &d.facts),
            d.commit,
        ))
    }

    /// One more than the page, so the caller can tell whether another follows.
    async fn timeline_rows(
        &self,
        citizen_id: CitizenId,
        filter: &JournalFilter,
        classes: &[Sensitivity],
        page: Page,
    ) -> AppResult<Vec<JournalEntry>> {
        Ok(self
            .store
            .journal_timeline(citizen_id, filter, classes, lookahead(page))
            .await?)
    }

    async fn finish_timeline(
        &self,
        citizen_id: CitizenId,
        mut entries: Vec<JournalEntry>,
        page: Page,
        classes: Vec<Sensitivity>,
    ) -> AppResult<Timeline> {
        let has_more = entries.len() as i64 > page.limit;
        entries.truncate(page.limit as usize);
        let quoted = self.quoted_entries(citizen_id, &entries, &classes).await?;
        Ok(Timeline {
            citizen_id,
            entries,
            offset: page.offset,
            limit: page.limit,
            has_more,
            quoted,
            readable: classes,
        })
    }

    /// Full-text search in one citizen's journal (`Some`) or across every
    /// journal the actor may read (`None`).
    pub async fn search_journal(
        &self,
        actor: &Actor,
        citizen: Option<CitizenId>,
        input: &SearchInput,
    ) -> AppResult<SearchResults> {
        let (resource, resource_type) = match citizen {
            Some(c) => (Resource::Citizen(c), "journal_search"),
            None => (Resource::CitizenDirectory, "journal_search"),
        };
        // In one journal the classes the reader may search follow from the
        // facts the search was allowed on: not read a second time.
        let (ev, facts) = self
            .authorize_with_facts(actor, Action::Search, resource, resource_type, None)
            .await?;
        if let Some(c) = citizen {
            self.ensure_citizen(c).await?;
        }
        let mut query = SearchQuery::parse(&input.q)?;
        // Across journals a page costs the hits before it (they are walked
        // newest first, each asked the policy), so paging stops somewhere.
        if input.offset.unwrap_or(0) > SEARCH_MAX_OFFSET {
            return Err(ValidationErrors::single(
                "offset",
                "Der kan højst bladres 10.000 notater frem. Gør søgningen mere præcis.",
            )
            .into());
        }
        // A listed scope was decided citizen by citizen: the purposes of those
        // decisions go into the audit events of the hits shown.
        let mut known_purposes = None;
        let scope = match citizen {
            Some(c) => {
                query = query.within(c);
                ReadScope::one(c, policy::journal_classes(actor, c, &facts))
            }
            None => {
                let (scope, listed) = self.reader_scope(actor).await?;
                if let Some((citizens, _)) = &listed
                    && !citizens.is_empty()
                {
                    query = query.within_any(citizens);
                }
                known_purposes = listed.map(|(_, purposes)| purposes);
                scope
            }
        };
        let page = Page::new(input.limit.unwrap_or(20), input.offset.unwrap_or(0));
        // In one journal the best match first; across journals the newest
        // first, so a page costs what it shows (see `SearchOrder`).
        let order = match citizen {
            Some(_) => SearchOrder::Relevance {
                cap: tvaers_store::SEARCH_COUNT_CAP,
            },
            None => SearchOrder::Newest,
        };
        let found = self
            .store
            .search_journal(&query, &scope, page, order)
            .await?;
        // The search itself and a read for every citizen whose journal text is
        // shown, committed together.
        let mut events = vec![ev];
        if citizen.is_none() {
            let shown: BTreeSet<CitizenId> =
                found.hits.iter().map(|h| h.entry.citizen_id).collect();
            // The purposes follow from the facts: those the search read to
            // decide (PostgreSQL), or read now.
            let purposes = match known_purposes {
                Some(known) => known,
                None if shown
                    .iter()
                    .all(|c| found.facts.iter().any(|(f, _)| f == c)) =>
                {
                    purposes_of(actor, found.facts.iter().copied())
                }
                None => self.read_purposes(actor, &shown).await?,
            };
            events.extend(
                shown
                    .into_iter()
                    .map(|c| read_event(actor, c, "journal_search_hit", purposes.get(&c))),
            );
        }
        self.record_all(events).await?;
        Ok(SearchResults {
            total: found.total,
            more: found.capped,
            hits: found
                .hits
                .into_iter()
                .map(|h| SearchHit {
                    snippet_html: snippet(&h.entry.text, &query, SNIPPET_WORDS),
                    entry: h.entry,
                    citizen_name: h.citizen_name,
                })
                .collect(),
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Sends a message to the citizen: a journal entry of kind digital contact.
    pub async fn send_message(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        input: &MessageInput,
    ) -> AppResult<JournalEntry> {
        let (ev, facts) = self
            .authorize_with_facts(
                actor,
                Action::Create,
                Resource::Citizen(citizen_id),
                "message",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let mut e = ValidationErrors::new();
        let sensitivity = parse_sensitivity(&mut e, &input.sensitivity);
        let mut unit_e = ValidationErrors::new();
        let now = OffsetDateTime::now_utc();
        let Some(sensitivity) = sensitivity else {
            return Err(e.into());
        };
        if !policy::journal_classes(actor, citizen_id, &facts).contains(&sensitivity) {
            e.add(
                "sensitivity",
                "Du kan ikke skrive en besked i en følsomhedsklasse, du ikke selv må læse.",
            );
        }
        let entry = JournalEntry {
            id: JournalEntryId::new(),
            citizen_id,
            author_id: Some(actor.staff_id),
            author_name: actor.full_name.clone(),
            profession: Some(actor.profession),
            unit_id: self.pick_unit(actor, &None, &mut unit_e),
            occurred_at: now,
            written_at: now,
            kind: EntryKind::DigitalContact,
            topic: None,
            text: input.text.trim().to_string(),
            links: EntryLinks::default(),
            quotes: None,
            sensitivity,
            supersedes: None,
            correction_reason: None,
            message: Some(Message {
                direction: MessageDirection::ToCitizen,
                to_staff_id: None,
                to_unit_id: None,
            }),
            superseded_by: None,
        };
        if let Err(v) = validate_entry(&entry, now) {
            e.fields.extend(v.fields);
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        self.store_entry(entry, ev).await
    }

    /// A message from the citizen to a staff member or a team. The entry
    /// point for the citizen portal (a later issue); today used by tests and
    /// the demo. The citizen is the author; the write is audited without a staff actor.
    pub async fn receive_citizen_message(
        &self,
        citizen_id: CitizenId,
        to: Recipient,
        message: &str,
    ) -> AppResult<JournalEntry> {
        let citizen = self
            .store
            .get_citizen(citizen_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let now = OffsetDateTime::now_utc();
        let (to_staff_id, to_unit_id) = match to {
            Recipient::Staff { staff_id } => (Some(staff_id), None),
            Recipient::Team { unit_id } => (None, Some(unit_id)),
        };
        let entry = JournalEntry {
            id: JournalEntryId::new(),
            citizen_id,
            author_id: None,
            author_name: citizen.full_name(),
            profession: None,
            unit_id: None,
            occurred_at: now,
            written_at: now,
            kind: EntryKind::DigitalContact,
            topic: None,
            text: message.trim().to_string(),
            links: EntryLinks::default(),
            quotes: None,
            sensitivity: Sensitivity::Normal,
            supersedes: None,
            correction_reason: None,
            message: Some(Message {
                direction: MessageDirection::FromCitizen,
                to_staff_id,
                to_unit_id,
            }),
            superseded_by: None,
        };
        validate_entry(&entry, now)?;
        let ev = NewAuditEvent {
            actor_id: None,
            actor_profession: None,
            actor_unit_id: None,
            purpose: Some("digital kontakt".into()),
            action: AuditAction::Create,
            resource_type: "message",
            resource_id: Some(entry.id.0),
            citizen_id: Some(citizen_id),
            outcome: AuditOutcome::Allowed,
            detail: Some("Besked fra borgeren".into()),
        };
        self.store
            .add_journal_entry(&entry, &entry.index_terms(), &ev)
            .await
            .map_err(|err| match err {
                StoreError::ForeignKey(_) => {
                    AppError::Validation(ValidationErrors::single("to", "Modtageren findes ikke."))
                }
                other => other.into(),
            })?;
        Ok(entry)
    }

    /// Messages from citizens to the actor and their teams, with unread counts.
    pub async fn inbox(&self, actor: &Actor) -> AppResult<Inbox> {
        self.authorize(
            actor,
            Action::Search,
            Resource::CitizenDirectory,
            "inbox",
            None,
        )
        .await?;
        let (sens, _) = self.reader_scope(actor).await?;
        let units = &actor.unit_ids;
        let unread = self
            .store
            .unread_for_staff(actor.staff_id, units, &sens)
            .await?;
        let per_unit = self.store.unread_by_unit(units, &sens).await?;
        let all_units = self.store.list_units().await?;
        let teams = units
            .iter()
            .map(|u| TeamUnread {
                unit_id: *u,
                unit_name: all_units
                    .iter()
                    .find(|x| x.id == *u)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                unread: per_unit
                    .iter()
                    .find(|(id, _)| id == u)
                    .map(|(_, n)| *n)
                    .unwrap_or(0),
            })
            .collect();
        let messages = self.store.inbox(actor.staff_id, units, &sens, 100).await?;
        // Showing a message is reading that citizen's journal.
        let shown: BTreeSet<CitizenId> = messages.iter().map(|m| m.entry.citizen_id).collect();
        let purposes = self.read_purposes(actor, &shown).await?;
        self.record_all(
            shown
                .into_iter()
                .map(|c| read_event(actor, c, "inbox", purposes.get(&c)))
                .collect(),
        )
        .await?;
        Ok(Inbox {
            unread,
            teams,
            messages: messages
                .into_iter()
                .map(|m| InboxItem {
                    entry: m.entry,
                    citizen_name: m.citizen_name,
                    read: m.read,
                })
                .collect(),
        })
    }

    /// Marks a message from a citizen as read by the actor.
    pub async fn mark_message_read(&self, actor: &Actor, id: JournalEntryId) -> AppResult<()> {
        let entry = self.readable_entry(actor, id, Action::Read).await?;
        if !entry
            .message
            .as_ref()
            .is_some_and(|m| m.direction == MessageDirection::FromCitizen)
        {
            return Err(AppError::NotFound);
        }
        self.store
            .mark_message_read(id, actor.staff_id, OffsetDateTime::now_utc())
            .await?;
        Ok(())
    }

    // --- index maintenance (operator; no actor)

    /// Brings the search index in step with the entries: removes rows of
    /// entries that do not exist and indexes entries that have no row (e.g.
    /// after a restore, a crash of an older version, or rows lost by hand).
    /// Cheap when in step (two counts). Returns the number of entries indexed.
    pub async fn catch_up_search_index(&self) -> AppResult<u64> {
        if self.store.journal_index_status().await?.in_step() {
            return Ok(0);
        }
        self.store.prune_journal_index().await?;
        let (mut n, mut after) = (0u64, 0i64);
        loop {
            let batch = self.store.journal_unindexed(after, INDEX_BATCH).await?;
            let Some((last, _)) = batch.last() else { break };
            after = *last;
            n += batch.len() as u64;
            self.store.index_journal(&docs(&batch)).await?;
        }
        Ok(n)
    }

    /// Rebuilds the whole search index (`tvaers reindex`) by rewriting every
    /// entry's row in batches, then removing rows of no entry; searches stay
    /// complete meanwhile. `from_scratch` empties the index first (for an index
    /// that cannot be trusted at all; searches see a partial index until done).
    /// `progress` gets (done, total).
    pub async fn reindex_journal(
        &self,
        from_scratch: bool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> AppResult<u64> {
        let total = self.store.journal_index_status().await?.entries.max(0) as u64;
        if from_scratch {
            self.store.clear_journal_index().await?;
        }
        let (mut after, mut done) = (0i64, 0u64);
        progress(0, total);
        loop {
            let batch = self.store.journal_entries_after(after, INDEX_BATCH).await?;
            let Some((last, _)) = batch.last() else { break };
            after = *last;
            self.store.index_journal(&docs(&batch)).await?;
            done += batch.len() as u64;
            progress(done, total.max(done));
        }
        // Entries written during the rebuild were indexed by their own write.
        self.store.prune_journal_index().await?;
        self.catch_up_search_index().await?;
        // What a bulk write leaves to its end: SQLite merges the index it has
        // just rewritten into one segment, PostgreSQL refreshes its statistics.
        self.store.journal_bulk_mode(false).await?;
        Ok(done)
    }

    // --- helpers

    async fn store_entry(
        &self,
        mut entry: JournalEntry,
        mut ev: NewAuditEvent,
    ) -> AppResult<JournalEntry> {
        // Answer with the times as they read back (UTC), whatever offset was typed.
        entry.occurred_at = entry.occurred_at.to_offset(time::UtcOffset::UTC);
        entry.written_at = entry.written_at.to_offset(time::UtcOffset::UTC);
        ev.resource_id = Some(entry.id.0);
        self.store
            .add_journal_entry(&entry, &entry.index_terms(), &ev)
            .await
            .map_err(|err| match err {
                StoreError::Conflict(_) => AppError::Conflict(
                    "Notatet er allerede rettet af en anden. Genindlæs journalen, og ret den nyeste udgave.".into(),
                ),
                other => other.into(),
            })?;
        Ok(entry)
    }

    /// The entry, if the actor may do `action` on its citizen and read its
    /// class; otherwise NotFound (the answer does not reveal that it exists).
    async fn readable_entry(
        &self,
        actor: &Actor,
        id: JournalEntryId,
        action: Action,
    ) -> AppResult<JournalEntry> {
        let Some(entry) = self.store.get_journal_entry(id).await? else {
            return Err(AppError::NotFound);
        };
        let (ev, facts) = self
            .authorize_with_facts(
                actor,
                action,
                Resource::Citizen(entry.citizen_id),
                "journal_entry",
                Some(id.0),
            )
            .await?;
        if !policy::journal_classes(actor, entry.citizen_id, &facts).contains(&entry.sensitivity) {
            let mut denied = ev;
            denied.outcome = AuditOutcome::Denied;
            denied.detail =
                Some("Følsomme helbredsoplysninger kan kun læses af sundhedsfaglige.".into());
            self.record(&denied).await?;
            return Err(AppError::NotFound);
        }
        if action == Action::Read {
            self.record(&ev).await?;
        }
        Ok(entry)
    }

    /// The entries quoted by `entries`, each read once, kept only when it is
    /// this citizen's and of a class the reader may read (the same rule as
    /// the timeline itself, so a quote never shows more than the journal).
    async fn quoted_entries(
        &self,
        citizen_id: CitizenId,
        entries: &[JournalEntry],
        classes: &[Sensitivity],
    ) -> AppResult<Vec<JournalEntry>> {
        let ids: BTreeSet<JournalEntryId> = entries.iter().filter_map(|e| e.quotes).collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(q) = self.store.get_journal_entry(id).await?
                && q.citizen_id == citizen_id
                && classes.contains(&q.sensitivity)
            {
                out.push(q);
            }
        }
        Ok(out)
    }

    /// The unit the entry is written for: the one chosen, if the author
    /// belongs to it, else their first unit.
    fn pick_unit(
        &self,
        actor: &Actor,
        raw: &Option<String>,
        e: &mut ValidationErrors,
    ) -> Option<UnitId> {
        match parse_id(e, "unit_id", raw, UnitId) {
            Some(u) if actor.unit_ids.contains(&u) => Some(u),
            Some(_) => {
                e.add("unit_id", "Du kan kun skrive for en enhed, du hører til.");
                None
            }
            None => actor.unit_ids.first().copied(),
        }
    }

    /// Links must point into this citizen's plans and meetings; a quoted
    /// entry must be this citizen's and readable.
    async fn check_links(
        &self,
        citizen_id: CitizenId,
        classes: &[Sensitivity],
        links: &EntryLinks,
        quotes: Option<JournalEntryId>,
        e: &mut ValidationErrors,
    ) -> AppResult<()> {
        if links.goal_id.is_some() || links.intervention_id.is_some() {
            let plans = self.store.list_plans(citizen_id).await?;
            if let Some(g) = links.goal_id
                && !plans
                    .iter()
                    .any(|p| p.content.goals.iter().any(|x| x.id == g))
            {
                e.add("goal_id", "Målet findes ikke i borgerens plan.");
            }
            if let Some(i) = links.intervention_id
                && !plans
                    .iter()
                    .any(|p| p.content.interventions.iter().any(|x| x.id == i))
            {
                e.add("intervention_id", "Indsatsen findes ikke i borgerens plan.");
            }
        }
        if let Some(m) = links.meeting_id {
            match self.store.get_meeting(m).await? {
                Some(meeting) if meeting.citizen_id == citizen_id => {}
                _ => e.add("meeting_id", "Mødet findes ikke hos borgeren."),
            }
        }
        if let Some(q) = quotes {
            match self.store.get_journal_entry(q).await? {
                Some(old) if old.citizen_id == citizen_id && classes.contains(&old.sensitivity) => {
                }
                _ => e.add(
                    "quotes",
                    "Notatet, der henvises til, findes ikke i borgerens journal.",
                ),
            }
        }
        Ok(())
    }
}

impl App {
    /// Every journal the actor may read across citizens. Up to
    /// `Settings::listed_scope_max` candidates (citizens the actor works with or holds
    /// a grant for) are listed with the classes the policy gives each, and
    /// returned so a search can be restricted to them inside the full-text
    /// index. Beyond that the policy goes into the query as a table over the
    /// facts ([`policy::journal_read_table`]) and is applied to each row the
    /// query meets: a unit with 50,000 open cases costs nothing up front.
    /// Where the actor may read across journals: a table of facts for a wide
    /// scope, or listed citizens — then also the purpose of reading each,
    /// from the same facts the listing was decided on.
    async fn reader_scope(&self, actor: &Actor) -> AppResult<(ReadScope, Option<Listed>)> {
        let now = OffsetDateTime::now_utc();
        let listed = self
            .store
            .journal_reader_facts(
                actor.staff_id,
                actor.organisation_id,
                now,
                self.settings().listed_scope_max,
            )
            .await?;
        let Some(all) = listed else {
            let (general, health) = policy::journal_read_table(actor);
            let scope = ReadScope {
                grants: Vec::new(),
                by_facts: Some(FactsScope {
                    staff_id: actor.staff_id,
                    organisation_id: actor.organisation_id,
                    now,
                    general,
                    health,
                }),
            };
            return Ok((scope, None));
        };
        let mut general = Vec::new();
        let mut health = Vec::new();
        let mut purposes = BTreeMap::new();
        for (c, facts) in all {
            let classes = policy::journal_classes(actor, c, &facts);
            if classes.is_empty() {
                continue;
            }
            if let policy::Decision::Allow(purpose) =
                policy::allowed(actor, Action::Read, Resource::Citizen(c), &facts)
            {
                purposes.insert(c, purpose.to_string());
            }
            general.push(c);
            if classes.contains(&Sensitivity::Health) {
                health.push(c);
            }
        }
        let not_health: Vec<Sensitivity> = Sensitivity::ALL
            .iter()
            .copied()
            .filter(|s| *s != Sensitivity::Health)
            .collect();
        let candidates = general.clone();
        let scope = ReadScope {
            grants: vec![
                ScopeGrant {
                    citizens: general,
                    sensitivities: not_health,
                },
                ScopeGrant {
                    citizens: health,
                    sensitivities: vec![Sensitivity::Health],
                },
            ],
            by_facts: None,
        };
        Ok((scope, Some((candidates, purposes))))
    }

    /// The purpose the policy gives for reading each of `citizens` (for the
    /// audit events of showing their journal text in a list).
    async fn read_purposes(
        &self,
        actor: &Actor,
        citizens: &BTreeSet<CitizenId>,
    ) -> AppResult<BTreeMap<CitizenId, String>> {
        if citizens.is_empty() {
            return Ok(BTreeMap::new());
        }
        let ids: Vec<CitizenId> = citizens.iter().copied().collect();
        let facts = self
            .store
            .access_facts_many(
                actor.staff_id,
                actor.organisation_id,
                &ids,
                OffsetDateTime::now_utc(),
            )
            .await?;
        Ok(purposes_of(actor, facts))
    }
}

/// The purpose of reading each citizen the policy lets the actor read, on their facts.
fn purposes_of(
    actor: &Actor,
    facts: impl IntoIterator<Item = (CitizenId, AccessFacts)>,
) -> BTreeMap<CitizenId, String> {
    facts
        .into_iter()
        .filter_map(
            |(c, f)| match policy::allowed(actor, Action::Read, Resource::Citizen(c), &f) {
                policy::Decision::Allow(purpose) => Some((c, purpose.to_string())),
                policy::Decision::Deny(_) => None,
            },
        )
        .collect()
}

/// The citizens of a listed read scope, and the purpose of reading each.
type Listed = (Vec<CitizenId>, BTreeMap<CitizenId, String>);

/// The audit event of showing a citizen's journal text in a list.
fn read_event(
    actor: &Actor,
    citizen: CitizenId,
    resource_type: &'static str,
    purpose: Option<&String>,
) -> NewAuditEvent {
    NewAuditEvent {
        actor_id: Some(actor.staff_id),
        actor_profession: Some(actor.profession),
        actor_unit_id: actor.unit_ids.first().copied(),
        purpose: purpose.cloned(),
        action: AuditAction::Read,
        resource_type,
        resource_id: None,
        citizen_id: Some(citizen),
        outcome: AuditOutcome::Allowed,
        detail: None,
    }
}

fn docs(batch: &[(i64, JournalEntry)]) -> Vec<IndexDoc> {
    batch
        .iter()
        .map(|(seq, e)| IndexDoc {
            seq: *seq,
            citizen_id: e.citizen_id,
            terms: e.index_terms(),
        })
        .collect()
}

/// One more than the page, so the reader can tell whether another follows.
fn lookahead(page: Page) -> Page {
    Page {
        limit: page.limit + 1,
        offset: page.offset,
    }
}
