//! Storage behind one interface.
//!
//! [`Store`] is the only way the application reads or writes data. Two
//! implementations share one body of SQL (see `common.rs`): [`sqlite::SqliteStore`],
//! the embedded default, and [`postgres::PgStore`] for production. The same
//! conformance suite (`tests/conformance.rs`) runs against both.
//!
//! Every write that changes citizen data takes the audit event that records it
//! and commits both in one transaction: a write is never without its audit
//! record, and a failed write leaves neither.

use async_trait::async_trait;
use time::OffsetDateTime;
use tvaers_domain::Cpr;
use tvaers_domain::access::{AccessGrant, Consent, ConsentId, PortalAccount};
use tvaers_domain::audit::{AuditEvent, NewAuditEvent};
use tvaers_domain::case::{Case, Caseload};
use tvaers_domain::citizen::Citizen;
use tvaers_domain::ids::{ActionGoalId, MeetingId, PlanId, TaskId};
use tvaers_domain::ids::{CaseId, CitizenId, OrganisationId, StaffId, UnitId};
use tvaers_domain::ids::{MeasurementId, ScaleId};
use tvaers_domain::measure::Measurement;
use tvaers_domain::meeting::{ActionGoal, Meeting, Review, Task, TaskStatus};
use tvaers_domain::org::{Organisation, Unit};
use tvaers_domain::plan::{Plan, PlanVersion};
use tvaers_domain::scale::CustomScale;
use tvaers_domain::staff::Staff;

mod common;
mod entry_owners;
mod file_cache;
pub mod postgres;
mod session_cache;
pub mod sqlite;
mod sqlite_audit;
mod sqlite_inline;
mod sqlite_write;

pub use common::mask_url;

/// Storage failures. `Conflict` and `NotFound` are expected outcomes the
/// application turns into user messages; the rest are faults.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict with existing data ({0})")]
    Conflict(String),
    #[error("referenced row does not exist ({0})")]
    ForeignKey(String),
    #[error("not found")]
    NotFound,
    /// An optimistic-concurrency check failed: someone saved in between.
    #[error("stale version")]
    Stale,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A citizen's file ([`Store::citizen_file`]); `citizen` is `None` when
/// there is no such citizen (the lists are then empty).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CitizenFile {
    pub citizen: Option<tvaers_domain::citizen::Citizen>,
    pub cases: Vec<tvaers_domain::case::Case>,
    pub plans: Vec<tvaers_domain::plan::Plan>,
    pub meetings: Vec<tvaers_domain::meeting::Meeting>,
    pub tasks: Vec<tvaers_domain::meeting::Task>,
    pub measurements: Vec<tvaers_domain::measure::Measurement>,
}

/// What a citizen's journal page shows ([`Store::journal_file`]); `citizen`
/// is `None` when there is no such citizen (the lists are then empty).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JournalFile {
    pub citizen: Option<tvaers_domain::citizen::Citizen>,
    pub plans: Vec<tvaers_domain::plan::Plan>,
    pub meetings: Vec<tvaers_domain::meeting::Meeting>,
    /// The timeline page asked for, as [`Store::journal_timeline`] gives it.
    pub entries: Vec<tvaers_domain::journal::JournalEntry>,
}

/// The audit trail's writer connection ([`Store::audit_log`]): blocking, for
/// one thread that decides reads and appends their events in group commits.
/// It answers exactly what [`Store::access_facts`] and
/// [`Store::append_audit_batch`] answer.
pub trait AuditLog: Send {
    fn access_facts(
        &mut self,
        staff_id: StaffId,
        organisation_id: OrganisationId,
        citizen_id: CitizenId,
        now: OffsetDateTime,
    ) -> Result<AccessFacts>;
    /// Appends `events` in one transaction, durable when it returns.
    fn append(&mut self, events: &[NewAuditEvent]) -> Result<()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A page of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const MAX_LIMIT: i64 = 200;
    pub fn new(limit: i64, offset: i64) -> Self {
        Page {
            limit: limit.clamp(1, Self::MAX_LIMIT),
            offset: offset.max(0),
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(50, 0)
    }
}

/// One row of a citizen search result: enough to pick the right person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenSummary {
    pub id: CitizenId,
    pub cpr: Cpr,
    pub given_name: String,
    pub family_name: String,
    pub address: Option<String>,
    pub city: Option<String>,
    /// Whether the searching staff member works with the citizen (set by the
    /// application; a hint for the result list, the policy decides on opening).
    pub works_with: bool,
}

/// A login session (browser) or API token. Only a hash of the secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub staff_id: StaffId,
    pub kind: SessionKind,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Browser,
    Api,
}

impl SessionKind {
    pub fn code(self) -> &'static str {
        match self {
            SessionKind::Browser => "browser",
            SessionKind::Api => "api",
        }
    }
}

/// Which audit events to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub citizen_id: Option<CitizenId>,
    pub actor_id: Option<StaffId>,
    /// The unit the actor acted through.
    pub unit_id: Option<UnitId>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub action: Option<tvaers_domain::audit::AuditAction>,
    pub outcome: Option<tvaers_domain::audit::AuditOutcome>,
    /// Only decisions on a citizen's data (not logins, administration).
    pub citizen_data_only: bool,
    pub limit: i64,
    pub offset: i64,
}

/// A portal login session (the secret itself is never stored).
#[derive(Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub token_hash: String,
    pub account_id: uuid::Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The broker's ID token of a MitID login, for its logout (`id_token_hint`).
    pub id_token: Option<String>,
}

/// Without the ID token, which holds the citizen's CPR number.
impl std::fmt::Debug for PortalSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalSession")
            .field("token_hash", &self.token_hash)
            .field("account_id", &self.account_id)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .field("id_token", &self.id_token.as_ref().map(|_| ".."))
            .finish_non_exhaustive()
    }
}

/// A MitID (OpenID Connect) login between the redirect to the broker and its
/// callback. Found by the SHA-256 of the random key in the browser's cookie;
/// taken once.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcLogin {
    pub key_hash: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for OidcLogin {
    // The state, nonce and verifier are secrets until the login is done.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcLogin")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Whose facts about whom ([`Store::access_facts_batch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FactsAsk {
    pub staff_id: StaffId,
    pub organisation_id: OrganisationId,
    pub citizen_id: CitizenId,
}

/// The answer to a [`FactsAsk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactsAnswer {
    pub facts: AccessFacts,
    /// The citizen's version as the facts were read (`file_cache`), for
    /// [`Store::citizen_file_at`] and [`Store::journal_file_at`].
    pub version: i64,
}

/// What the access policy needs to know about one staff member and one citizen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessFacts {
    /// On the care team of the citizen's active plan.
    pub on_care_team: bool,
    /// One of the staff member's units has an open case for the citizen.
    pub unit_case: bool,
    /// An unexpired break-the-glass grant.
    pub break_glass: bool,
    /// An unexpired intake grant (registered the citizen).
    pub intake: bool,
    /// An active consent covers the staff member's organisation (general or health).
    pub consent_general: bool,
    /// An active consent covering sensitive health data for the organisation.
    pub consent_health: bool,
    /// The staff member's organisation is a municipality (kommune).
    pub municipal: bool,
}

impl AccessFacts {
    /// How many distinct facts there are: a decision over them is a table of
    /// this many rows, which is how the policy reaches into a search over
    /// every journal ([`FactsScope`]).
    pub const CODES: u8 = 128;

    /// The facts as a number, one bit per fact, in the order the fields are
    /// declared. The SQL of [`FactsScope`] computes the same number per row.
    pub fn code(&self) -> u8 {
        [
            self.on_care_team,
            self.unit_case,
            self.break_glass,
            self.intake,
            self.consent_general,
            self.consent_health,
            self.municipal,
        ]
        .iter()
        .enumerate()
        .fold(0, |acc, (i, b)| acc | (u8::from(*b) << i))
    }

    pub fn from_code(code: u8) -> AccessFacts {
        let bit = |i: u8| code & (1 << i) != 0;
        AccessFacts {
            on_care_team: bit(0),
            unit_case: bit(1),
            break_glass: bit(2),
            intake: bit(3),
            consent_general: bit(4),
            consent_health: bit(5),
            municipal: bit(6),
        }
    }
}

/// A plan on someone's "Mit arbejde".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRef {
    pub plan_id: PlanId,
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub is_coordinator: bool,
    pub review_on: Option<time::Date>,
    pub coordinator_name: String,
}

/// A meeting with the citizen's name, for overviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRef {
    pub meeting_id: MeetingId,
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub kind: tvaers_domain::meeting::MeetingKind,
    pub starts_at: OffsetDateTime,
}

/// A task with the citizen's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef {
    pub task: Task,
    pub citizen_name: String,
    /// What a peer worker or volunteer may see of the citizen.
    pub citizen_given_name: String,
}

/// An open case with the citizen's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    pub case: Case,
    pub citizen_name: String,
}

/// Overdue plan reviews per team (unit of the coordinator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueByUnit {
    pub unit_id: UnitId,
    pub unit_name: String,
    pub overdue: i64,
}

/// Everything a meeting's closing writes, in one transaction.
#[derive(Debug, Clone)]
pub struct MeetingClose {
    pub meeting: Meeting,
    pub action_goals: Vec<ActionGoal>,
    pub reviews: Vec<(ActionGoalId, Review)>,
    pub next_meeting: Option<Meeting>,
    pub tasks: Vec<Task>,
}

/// The cohort and period a statistic counts. `from_ts`/`until_ts` are the
/// period as instants (local midnight to local midnight after `to`).
#[derive(Debug, Clone)]
pub struct StatsFilter {
    pub from: time::Date,
    pub to: time::Date,
    pub from_ts: OffsetDateTime,
    pub until_ts: OffsetDateTime,
    /// Citizens with a case of this unit open in the period.
    pub unit_id: Option<UnitId>,
    /// Citizens with a case of this area open in the period.
    pub case_area: Option<tvaers_domain::case::CaseArea>,
    /// Citizens whose plan has an intervention with this legal basis.
    pub legal_basis: Option<String>,
    /// Citizens born in this range (an age band on `to`).
    pub born_between: Option<(time::Date, time::Date)>,
    /// Goals and measurements of this FSIII area or its sub-areas (`J3` or `J3.8`).
    pub area: Option<String>,
}

/// Goals due in the period by status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalOutcomeCount {
    pub status: String,
    pub goals: i64,
    pub citizens: i64,
}

/// Citizens whose functional level improved, stayed or worsened from their
/// first to their latest measurement in the period; `area_code` `None` is the
/// total over all areas (a citizen's changes summed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionalChange {
    pub area_code: Option<String>,
    pub improved: i64,
    pub same: i64,
    pub worsened: i64,
}

/// One citizen's latest GAS scores in the period: their sum and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GasSum {
    pub sum: f64,
    pub goals: i64,
}

// ---------------------------------------------------------------------------
// Journal (issue 6)

/// Which of one citizen's journal entries a timeline shows; every filter set
/// must hold (they combine).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalFilter {
    pub profession: Option<tvaers_domain::staff::Profession>,
    pub unit_id: Option<UnitId>,
    /// A topic code (FSIII `J3.8`, or a free topic's text).
    pub topic_code: Option<String>,
    /// `Correction` selects entries that supersede another.
    pub kind: Option<tvaers_domain::journal::EntryKind>,
    pub goal_id: Option<tvaers_domain::ids::GoalId>,
    pub intervention_id: Option<tvaers_domain::ids::InterventionId>,
    pub meeting_id: Option<MeetingId>,
    /// Events at or after this instant…
    pub from: Option<OffsetDateTime>,
    /// …and before this one.
    pub until: Option<OffsetDateTime>,
}

/// What a reader may see, decided by the access policy and handed to the
/// store, which puts it into the SQL so nothing outside it is even counted:
/// each grant is a set of citizens and the sensitivity classes readable for them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadScope {
    pub grants: Vec<ScopeGrant>,
    /// Besides the grants: every entry whose citizen's facts (for this staff
    /// member, computed in the query for each candidate row) the policy admits.
    /// For a reader of tens of thousands of citizens this replaces listing
    /// them: only the rows a search actually meets are looked at.
    pub by_facts: Option<FactsScope>,
}

/// The access policy as a table over [`AccessFacts::code`]: which facts admit
/// the classes other than sensitive health, and which admit health too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactsScope {
    pub staff_id: StaffId,
    pub organisation_id: OrganisationId,
    pub now: OffsetDateTime,
    /// Codes whose citizen's entries are readable (classes other than health).
    pub general: Vec<u8>,
    /// Codes whose citizen's sensitive health entries are readable as well.
    pub health: Vec<u8>,
}

impl FactsScope {
    /// The facts of a relationship: on the care team, an open case in one of
    /// the staff member's units, or a grant (the lowest four bits of the code).
    pub const RELATIONSHIP_BITS: u8 = 0b1111;

    /// Whether the table admits only citizens the staff member has a
    /// relationship with (the policy as it stands): then a citizen without
    /// one is out of scope before any other fact is looked at.
    pub fn admits_only_related(&self) -> bool {
        self.general
            .iter()
            .chain(&self.health)
            .all(|c| c & Self::RELATIONSHIP_BITS != 0)
    }

    /// Whether an entry of class `class` (its code) of a citizen with facts
    /// `code` is in scope: the table as the SQL of a search asks it per row.
    pub fn admits(&self, code: u8, class: &str) -> bool {
        if class == tvaers_domain::journal::Sensitivity::Health.code() {
            self.health.contains(&code)
        } else {
            self.general.contains(&code)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeGrant {
    pub citizens: Vec<CitizenId>,
    pub sensitivities: Vec<tvaers_domain::journal::Sensitivity>,
}

impl ReadScope {
    /// One citizen with the given classes.
    pub fn one(
        citizen: CitizenId,
        sensitivities: Vec<tvaers_domain::journal::Sensitivity>,
    ) -> Self {
        ReadScope {
            grants: vec![ScopeGrant {
                citizens: vec![citizen],
                sensitivities,
            }],
            by_facts: None,
        }
    }

    /// Whether an entry of `citizen` of class `class` (its code) is in
    /// scope, with `facts` the citizen's facts code when the scope has a
    /// table (`None`: the table admits nothing). The scope's SQL asks the
    /// same per row; a search that reads its hits' facts itself asks this.
    pub fn admits(&self, citizen: CitizenId, class: &str, facts: Option<u8>) -> bool {
        self.grants.iter().any(|g| {
            g.citizens.contains(&citizen) && g.sensitivities.iter().any(|s| s.code() == class)
        }) || self
            .by_facts
            .as_ref()
            .zip(facts)
            .is_some_and(|(f, code)| f.admits(code, class))
    }

    /// Nothing at all is readable.
    pub fn is_empty(&self) -> bool {
        self.grants
            .iter()
            .all(|g| g.citizens.is_empty() || g.sensitivities.is_empty())
            && self
                .by_facts
                .as_ref()
                .is_none_or(|f| f.general.is_empty() && f.health.is_empty())
    }
}

/// One search hit with the citizen's name (for cross-citizen results).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalHit {
    pub entry: tvaers_domain::journal::JournalEntry,
    pub citizen_name: String,
}

/// Counting search hits stops here: a word in every tenth of ten million
/// entries would otherwise cost a million-row count per search; nobody pages
/// through more than a thousand hits, so "over 1,000" says enough.
pub const SEARCH_COUNT_CAP: i64 = 1_000;

/// How a search orders its hits and how far it counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOrder {
    /// Best match first, then the newest event, among the newest `cap` hits
    /// in scope, which are counted up to `cap` (see [`SEARCH_COUNT_CAP`]).
    /// Search in one journal: ranking there needs every hit, and a citizen
    /// has at most a few thousand entries.
    Relevance { cap: i64 },
    /// Newest written first, counted only to the end of the page (and one
    /// more, to know that more follow). Search across every journal a reader
    /// may see: finding hits there means walking a word's hits newest first
    /// and asking the policy about each row until enough are in scope — for a
    /// case worker whose scope is a sixth of the municipality, about six rows
    /// per hit kept — so a page costs what it shows, and any page is reachable
    /// instead of only the best of the newest few hundred.
    Newest,
}

/// A page of hits and the number of hits in scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JournalSearchResult {
    /// Hits in scope, counted up to the cap the search was given
    /// ([`SearchOrder::Newest`]: up to the end of the page).
    pub total: i64,
    /// More than `total` hits: counting stopped at the cap.
    pub capped: bool,
    pub hits: Vec<JournalHit>,
    /// The access facts of the shown hits' citizens for the scope's staff
    /// member at the scope's time, where the search read them to decide
    /// (PostgreSQL's walk across journals); otherwise empty.
    pub facts: Vec<(CitizenId, AccessFacts)>,
}

/// Entries versus index rows: counts and sums of the entries' sequence
/// numbers. Equal pairs mean the index holds exactly the entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IndexStatus {
    pub entries: i64,
    pub indexed: i64,
    pub entries_seq_sum: i64,
    pub indexed_seq_sum: i64,
}

impl IndexStatus {
    pub fn in_step(&self) -> bool {
        self.entries == self.indexed && self.entries_seq_sum == self.indexed_seq_sum
    }
}

/// The index row of one entry: its stemmed tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDoc {
    pub seq: i64,
    pub citizen_id: CitizenId,
    pub terms: Vec<String>,
}

/// What the bulk journal generator (`tvaers demo --journal-entries`) needs to
/// know of one citizen: how many entries the journal holds already (so a
/// re-run only adds the difference), the goals of the citizen's plans and the
/// care team members.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JournalSeedFacts {
    pub entries: i64,
    /// Goal ids with their FSIII area code, if any.
    pub goals: Vec<(tvaers_domain::ids::GoalId, Option<String>)>,
    pub team: Vec<StaffId>,
}

/// A message from a citizen in a staff member's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMessage {
    pub entry: tvaers_domain::journal::JournalEntry,
    pub citizen_name: String,
    /// Read by the staff member asking.
    pub read: bool,
}

/// A plan with its history, written in bulk by [`Store::import_plans`] (the demo
/// data set; later imports from other systems).
#[derive(Debug, Clone)]
pub struct PlanImport {
    pub plan: Plan,
    /// Every version, oldest first; the last is `plan.version` with `plan.content`.
    pub versions: Vec<PlanVersion>,
    /// The citizen's meetings (held and planned).
    pub meetings: Vec<Meeting>,
    /// Action goals of those meetings, in agreed order per meeting, reviews included.
    pub action_goals: Vec<ActionGoal>,
    pub tasks: Vec<Task>,
    /// Measurements on the plan's goals.
    pub measurements: Vec<Measurement>,
}

/// The storage interface. See the crate docs.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Applies the embedded migrations; idempotent.
    async fn migrate(&self) -> Result<()>;
    /// Answers when the database answers (for `/healthz`).
    async fn ping(&self) -> Result<()>;

    // Organisations and units.
    async fn create_organisation(&self, org: &Organisation) -> Result<()>;
    async fn list_organisations(&self) -> Result<Vec<Organisation>>;
    async fn get_organisation(&self, id: OrganisationId) -> Result<Option<Organisation>>;
    async fn create_unit(&self, unit: &Unit) -> Result<()>;
    async fn update_unit(&self, unit: &Unit) -> Result<()>;
    async fn get_unit(&self, id: UnitId) -> Result<Option<Unit>>;
    async fn list_units(&self) -> Result<Vec<Unit>>;

    // Staff and credentials.
    async fn create_staff(&self, staff: &Staff, password_hash: Option<&str>) -> Result<()>;
    /// Updates profile, profession, active flag and unit memberships.
    async fn update_staff(&self, staff: &Staff) -> Result<()>;
    async fn set_password_hash(&self, id: StaffId, hash: &str) -> Result<()>;
    async fn get_staff(&self, id: StaffId) -> Result<Option<Staff>>;
    /// The staff member and their password hash, for login.
    async fn get_staff_by_username(
        &self,
        username: &str,
    ) -> Result<Option<(Staff, Option<String>)>>;
    async fn list_staff(&self, page: Page) -> Result<Vec<Staff>>;
    async fn count_staff(&self) -> Result<i64>;

    // Citizens.
    /// Registers a citizen; `intake` gives whoever registered them time-limited
    /// access in the same transaction.
    async fn create_citizen(
        &self,
        citizen: &Citizen,
        intake: Option<&AccessGrant>,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    async fn update_citizen(&self, citizen: &Citizen, audit: &NewAuditEvent) -> Result<()>;
    async fn get_citizen(&self, id: CitizenId) -> Result<Option<Citizen>>;
    /// What a citizen's overview shows: the citizen and their cases, plans,
    /// meetings, tasks and measurements, as the six single reads give them.
    /// Served from memory while the citizen's version is unchanged
    /// (`file_cache`).
    async fn citizen_file(&self, id: CitizenId) -> Result<CitizenFile>;
    /// [`Store::citizen_file`] at a version of the citizen the caller read
    /// after its request began ([`FactsAnswer::version`]): no read of its
    /// own. `None`: the version is read here, as `citizen_file` does.
    async fn citizen_file_at(&self, id: CitizenId, version: Option<i64>) -> Result<CitizenFile>;
    /// What a citizen's journal page shows: the citizen, their plans and
    /// meetings and, given a filter, the readable classes and a page, that
    /// page of the timeline — as the four single reads give them. The page as
    /// it opens (no filter, from the top) is served from memory while the
    /// citizen's version is unchanged (`file_cache`).
    async fn journal_file(
        &self,
        citizen_id: CitizenId,
        timeline: Option<(&JournalFilter, &[tvaers_domain::journal::Sensitivity], Page)>,
    ) -> Result<JournalFile>;
    /// [`Store::journal_file`] at a version read as for [`Store::citizen_file_at`].
    async fn journal_file_at(
        &self,
        citizen_id: CitizenId,
        timeline: Option<(&JournalFilter, &[tvaers_domain::journal::Sensitivity], Page)>,
        version: Option<i64>,
    ) -> Result<JournalFile>;
    async fn find_citizen_by_cpr(&self, cpr: &Cpr) -> Result<Option<Citizen>>;
    /// Citizens whose "family given" or "given family" name starts with `prefix`
    /// (already folded with `citizen::search_key`): family-name matches first,
    /// ordered by family name, then given-name matches, ordered by given name.
    async fn search_citizens(&self, prefix: &str, page: Page) -> Result<Vec<CitizenSummary>>;
    async fn count_citizens(&self) -> Result<i64>;
    /// Bulk insert for demo and import; one transaction, no audit per row.
    async fn insert_citizens_bulk(&self, citizens: &[Citizen], cases: &[Case]) -> Result<()>;
    /// Citizens in id order, the first `limit` (at most 10,000) after `after`:
    /// keyset paging through the whole register for operator jobs (demo, export).
    async fn list_citizens_after(
        &self,
        after: Option<CitizenId>,
        limit: i64,
    ) -> Result<Vec<Citizen>>;

    // Cases.
    async fn create_case(&self, case: &Case, audit: &NewAuditEvent) -> Result<()>;
    async fn update_case(&self, case: &Case, audit: &NewAuditEvent) -> Result<()>;
    async fn get_case(&self, id: CaseId) -> Result<Option<Case>>;
    async fn list_cases_for_citizen(&self, citizen_id: CitizenId) -> Result<Vec<Case>>;
    /// The cases of several citizens at once, by citizen and opening date.
    async fn list_cases_for_citizens(&self, citizen_ids: &[CitizenId]) -> Result<Vec<Case>>;
    /// Open cases per worker, optionally only for cases of one unit; busiest first.
    async fn caseloads(&self, unit: Option<UnitId>) -> Result<Vec<Caseload>>;
    /// Open cases per worker for every unit at once (statistics), ordered by unit.
    async fn caseloads_by_unit(&self) -> Result<Vec<(UnitId, Caseload)>>;

    // Sessions.
    async fn create_session(&self, session: &Session) -> Result<()>;
    /// A session with its staff member (and their units): one read, since
    /// every request needs both.
    async fn get_session(&self, token_hash: &str) -> Result<Option<(Session, Staff)>>;
    async fn touch_session(&self, token_hash: &str, at: OffsetDateTime) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_sessions_of(&self, staff_id: StaffId) -> Result<()>;
    /// Removes staff and portal sessions past their absolute expiry; returns how many.
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64>;

    // Audit.
    async fn append_audit(&self, event: &NewAuditEvent) -> Result<()>;
    /// Appends several events in one transaction (group commit of read audits).
    async fn append_audit_batch(&self, events: &[NewAuditEvent]) -> Result<()>;
    /// A connection of its own for the audit trail's writer thread, where the
    /// backend runs statements on the calling thread (SQLite); `None` when
    /// the writer should use [`Store::access_facts`] and
    /// [`Store::append_audit_batch`] (PostgreSQL: each statement is a round
    /// trip to the server either way).
    fn audit_log(&self) -> Result<Option<Box<dyn AuditLog>>> {
        Ok(None)
    }
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;

    // Plans.
    /// Creates a plan with its first version. `Conflict` when the citizen already has an active plan.
    async fn create_plan(
        &self,
        plan: &Plan,
        first: &PlanVersion,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Saves `plan` (whose `version` is the new number) if the stored version is
    /// still `expected`; otherwise `Stale` and nothing is written.
    async fn save_plan(
        &self,
        plan: &Plan,
        expected: i64,
        version: &PlanVersion,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    async fn get_plan(&self, id: PlanId) -> Result<Option<Plan>>;
    async fn active_plan(&self, citizen_id: CitizenId) -> Result<Option<Plan>>;
    /// All plans of a citizen, newest first (closed ones stay readable).
    async fn list_plans(&self, citizen_id: CitizenId) -> Result<Vec<Plan>>;
    async fn list_plan_versions(&self, plan_id: PlanId) -> Result<Vec<PlanVersion>>;
    async fn get_plan_version(&self, plan_id: PlanId, version: i64) -> Result<Option<PlanVersion>>;
    /// Bulk insert for demo and import: each plan with its versions, meetings,
    /// action goals, tasks and measurements, and the projections (`plan_members`,
    /// `meeting_staff`) exactly as the single writes keep them; one transaction,
    /// multi-row statements, no audit per row. A citizen who already has a plan
    /// (or appears twice) is skipped, so a re-run adds nothing. Returns how many
    /// plans were written.
    async fn import_plans(&self, plans: &[PlanImport]) -> Result<u64>;

    // Meetings, action goals, tasks.
    async fn create_meeting(&self, meeting: &Meeting, audit: &NewAuditEvent) -> Result<()>;
    /// Changes a meeting that is still planned; `Stale` when it was closed or cancelled meanwhile.
    async fn update_meeting(&self, meeting: &Meeting, audit: &NewAuditEvent) -> Result<()>;
    async fn get_meeting(&self, id: MeetingId) -> Result<Option<Meeting>>;
    /// A citizen's meetings, by start time.
    async fn list_meetings(&self, citizen_id: CitizenId) -> Result<Vec<Meeting>>;
    async fn list_action_goals(&self, meeting_id: MeetingId) -> Result<Vec<ActionGoal>>;
    /// Closes a meeting: minutes, new action goals, reviews of the previous
    /// ones, the next meeting and tasks — all or nothing; `Stale` when the
    /// meeting is no longer planned (closed twice at once).
    async fn close_meeting(&self, close: &MeetingClose, audit: &NewAuditEvent) -> Result<()>;
    async fn create_task(&self, task: &Task, audit: &NewAuditEvent) -> Result<()>;
    async fn set_task_status(
        &self,
        id: TaskId,
        status: TaskStatus,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    async fn get_task(&self, id: TaskId) -> Result<Option<Task>>;
    async fn list_tasks(&self, citizen_id: CitizenId) -> Result<Vec<Task>>;

    // Mit arbejde and the leader's team view.
    async fn plans_of_staff(&self, staff_id: StaffId) -> Result<Vec<PlanRef>>;
    async fn open_cases_of_worker(&self, staff_id: StaffId) -> Result<Vec<CaseRef>>;
    async fn upcoming_meetings_of_staff(
        &self,
        staff_id: StaffId,
        from: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<MeetingRef>>;
    /// Open tasks owned by the staff member or one of their units, by due date.
    async fn open_tasks_of(
        &self,
        staff_id: StaffId,
        units: &[UnitId],
        limit: i64,
    ) -> Result<Vec<TaskRef>>;
    /// Active plans whose review date has passed, where the staff member is on the team.
    async fn overdue_reviews_of_staff(
        &self,
        staff_id: StaffId,
        today: time::Date,
    ) -> Result<Vec<PlanRef>>;
    /// Overdue reviews counted per unit of the plans' coordinators.
    async fn overdue_reviews_by_unit(&self, today: time::Date) -> Result<Vec<OverdueByUnit>>;

    /// Runs one raw statement. For the conformance suite and operator maintenance
    /// only; the application never calls it.
    // --- scales and measurements
    async fn create_scale(&self, scale: &CustomScale) -> Result<()>;
    async fn list_scales(&self) -> Result<Vec<CustomScale>>;
    async fn set_scale_active(&self, id: ScaleId, active: bool) -> Result<()>;
    /// Stores a measurement (a correction names the one it supersedes; a
    /// second correction of the same measurement is a `Conflict`).
    async fn add_measurement(&self, m: &Measurement, audit: &NewAuditEvent) -> Result<()>;
    async fn get_measurement(&self, id: MeasurementId) -> Result<Option<Measurement>>;
    /// All of a citizen's measurements, superseded ones included, oldest first.
    async fn list_measurements(&self, citizen_id: CitizenId) -> Result<Vec<Measurement>>;

    // --- statistics (cohort and period in `StatsFilter`)
    /// Changes whenever data a statistic counts changes (same transaction).
    async fn stats_generation(&self) -> Result<i64>;
    async fn stats_goal_outcomes(&self, f: &StatsFilter) -> Result<Vec<GoalOutcomeCount>>;
    async fn stats_functional_change(&self, f: &StatsFilter) -> Result<Vec<FunctionalChange>>;
    async fn stats_gas(&self, f: &StatsFilter) -> Result<Vec<GasSum>>;
    /// Citizens with an open case (of the filter's area/unit) at each date.
    async fn stats_target_group(
        &self,
        f: &StatsFilter,
        at: &[time::Date],
    ) -> Result<Vec<(time::Date, i64)>>;
    /// Legal bases of interventions in use (the "intervention type" filter).
    async fn intervention_types(&self) -> Result<Vec<String>>;

    // --- access (issue 7)
    async fn access_facts(
        &self,
        staff_id: StaffId,
        organisation_id: OrganisationId,
        citizen_id: CitizenId,
        now: OffsetDateTime,
    ) -> Result<AccessFacts>;
    /// [`Store::access_facts`] for each of `citizens` that exists, in one query.
    async fn access_facts_many(
        &self,
        staff_id: StaffId,
        organisation_id: OrganisationId,
        citizens: &[CitizenId],
        now: OffsetDateTime,
    ) -> Result<Vec<(CitizenId, AccessFacts)>>;
    /// [`Store::access_facts`] for each of `asks`, in their order, in one
    /// query, with each citizen's version: the audit writer decides the reads
    /// waiting together at once (PostgreSQL: one round trip for a batch, not
    /// one per read), and each read's file needs no version read of its own.
    async fn access_facts_batch(
        &self,
        asks: &[FactsAsk],
        now: OffsetDateTime,
    ) -> Result<Vec<FactsAnswer>>;
    async fn add_consent(&self, c: &Consent, audit: &NewAuditEvent) -> Result<()>;
    /// Records the withdrawal; `NotFound` when there is no such active consent.
    async fn withdraw_consent(
        &self,
        citizen_id: CitizenId,
        id: ConsentId,
        by: StaffId,
        at: OffsetDateTime,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    async fn list_consents(&self, citizen_id: CitizenId) -> Result<Vec<Consent>>;
    async fn add_grant(&self, g: &AccessGrant, audit: &NewAuditEvent) -> Result<()>;
    /// Break-the-glass grants not yet reviewed, of staff in the given units.
    async fn unreviewed_grants(
        &self,
        units: &[UnitId],
    ) -> Result<Vec<(AccessGrant, String, String)>>;
    /// Of `citizens`, those the staff member is on the care team of, has an open
    /// case for in one of their units (`by_unit`), or holds an unexpired grant for.
    async fn related_citizens(
        &self,
        staff_id: StaffId,
        by_unit: bool,
        citizens: &[CitizenId],
        now: OffsetDateTime,
    ) -> Result<Vec<CitizenId>>;
    // --- login lockout
    /// Until when the login `key` is locked, if it is.
    async fn login_locked_until(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>>;
    /// Counts a failed login; at `max` consecutive failures the key is locked
    /// until `now + lock` (and the count starts over). Returns the lock, if set.
    async fn record_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        max: i64,
        lock: time::Duration,
    ) -> Result<Option<OffsetDateTime>>;
    async fn clear_login_failures(&self, key: &str) -> Result<()>;

    // --- citizen portal
    /// Creates a portal account with the audit event of its creation, in one transaction.
    async fn create_portal_account(
        &self,
        a: &PortalAccount,
        password_hash: Option<&str>,
        audit: &tvaers_domain::audit::NewAuditEvent,
    ) -> Result<()>;
    async fn get_portal_account_by_username(
        &self,
        username: &str,
    ) -> Result<Option<(PortalAccount, Option<String>)>>;
    async fn get_portal_account(&self, id: uuid::Uuid) -> Result<Option<PortalAccount>>;
    /// The citizen's own account (not a relative's), the oldest if several.
    async fn get_citizen_portal_account(
        &self,
        citizen_id: CitizenId,
    ) -> Result<Option<PortalAccount>>;
    /// Remembers a MitID login started by a browser.
    async fn create_oidc_login(&self, login: &OidcLogin) -> Result<()>;
    /// Removes and returns the login with this key hash (one use), expired or not.
    async fn take_oidc_login(&self, key_hash: &str) -> Result<Option<OidcLogin>>;
    /// Removes logins that were never finished; returns how many.
    async fn delete_expired_oidc_logins(&self, now: OffsetDateTime) -> Result<u64>;
    async fn create_portal_session(&self, s: &PortalSession) -> Result<()>;
    async fn get_portal_session(&self, token_hash: &str) -> Result<Option<PortalSession>>;
    async fn touch_portal_session(&self, token_hash: &str, at: OffsetDateTime) -> Result<()>;
    async fn delete_portal_session(&self, token_hash: &str) -> Result<()>;

    async fn review_grant(
        &self,
        id: uuid::Uuid,
        by: StaffId,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<()>;

    async fn debug_exec(&self, sql: &str) -> Result<u64>;

    // --- journal (issue 6)
    /// Stores an entry and its index row (`terms`, stemmed) with its audit
    /// event in one transaction. A second correction of the same entry is a `Conflict`.
    async fn add_journal_entry(
        &self,
        entry: &tvaers_domain::journal::JournalEntry,
        terms: &[String],
        audit: &NewAuditEvent,
    ) -> Result<()>;
    async fn get_journal_entry(
        &self,
        id: tvaers_domain::ids::JournalEntryId,
    ) -> Result<Option<tvaers_domain::journal::JournalEntry>>;
    /// One citizen's entries of the given sensitivity classes, filtered,
    /// newest event first.
    async fn journal_timeline(
        &self,
        citizen_id: CitizenId,
        filter: &JournalFilter,
        sensitivities: &[tvaers_domain::journal::Sensitivity],
        page: Page,
    ) -> Result<Vec<tvaers_domain::journal::JournalEntry>>;
    /// Full-text search inside `scope` only, in the given [`SearchOrder`].
    async fn search_journal(
        &self,
        query: &tvaers_domain::search::SearchQuery,
        scope: &ReadScope,
        page: Page,
        order: SearchOrder,
    ) -> Result<JournalSearchResult>;
    async fn journal_index_status(&self) -> Result<IndexStatus>;
    /// Entries with `seq` above `after` without an index row, oldest first
    /// (a catch-up passes the last `seq` it indexed, so it never re-reads the
    /// indexed part of the journal).
    async fn journal_unindexed(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, tvaers_domain::journal::JournalEntry)>>;
    /// Entries with `seq` above `after`, in order (for a rebuild).
    async fn journal_entries_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, tvaers_domain::journal::JournalEntry)>>;
    /// Writes (or rewrites) index rows.
    async fn index_journal(&self, docs: &[IndexDoc]) -> Result<()>;
    /// The generator's facts for each of `citizens` (missing citizens get the
    /// default: no entries, goals or team).
    async fn journal_seed_facts(
        &self,
        citizens: &[CitizenId],
    ) -> Result<std::collections::HashMap<CitizenId, JournalSeedFacts>>;
    /// Writes generated entries with their index rows (stemmed `terms`) in one
    /// transaction and without audit events, like [`Store::import_plans`]: this
    /// is demo seeding, not a professional writing. Entries are written in the
    /// order given (a correction after the entry it corrects). Returns how many.
    async fn import_journal(
        &self,
        entries: &[(tvaers_domain::journal::JournalEntry, Vec<String>)],
    ) -> Result<u64>;
    /// Bulk mode for a large import: `true` before it (PostgreSQL drops the GIN
    /// index, which is several times faster to build once than to grow row by
    /// row), `false` after it and after a rebuild of the search index
    /// (PostgreSQL builds the index again and refreshes statistics; SQLite
    /// merges its full-text index into one segment). `false` is safe to call at
    /// any time: it only creates what is missing and merges what is split.
    async fn journal_bulk_mode(&self, on: bool) -> Result<()>;
    /// Removes every index row (a rebuild starts here).
    async fn clear_journal_index(&self) -> Result<u64>;
    /// Removes index rows whose entry does not exist.
    async fn prune_journal_index(&self) -> Result<u64>;
    /// Marks a message read by a staff member (again is a no-op).
    async fn mark_message_read(
        &self,
        entry_id: tvaers_domain::ids::JournalEntryId,
        staff_id: StaffId,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// Messages from citizens to the staff member or one of their units, newest first.
    async fn inbox(
        &self,
        staff_id: StaffId,
        units: &[UnitId],
        scope: &ReadScope,
        limit: i64,
    ) -> Result<Vec<InboxMessage>>;
    /// Messages to the staff member or their units that they have not read.
    async fn unread_for_staff(
        &self,
        staff_id: StaffId,
        units: &[UnitId],
        scope: &ReadScope,
    ) -> Result<i64>;
    /// Per unit: messages to the team that nobody has read yet.
    async fn unread_by_unit(
        &self,
        units: &[UnitId],
        scope: &ReadScope,
    ) -> Result<Vec<(UnitId, i64)>>;

    /// The access facts (as `access_facts` computes them) for every citizen
    /// the staff member may work with — on a care team, with an open case in
    /// one of their units, or holding an unexpired grant — in one query; the
    /// policy then decides which of them the journal search may look in.
    /// `None` when there are more than `limit` candidates: the caller then
    /// hands the policy to the query instead of a list ([`FactsScope`]).
    async fn journal_reader_facts(
        &self,
        staff_id: StaffId,
        organisation_id: OrganisationId,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Option<Vec<(CitizenId, AccessFacts)>>>;
}

/// Opens the store named by `database_url` (`postgres://…`) or else the SQLite
/// file `tvaers.db` in `data_dir`, creating the folder if needed.
pub async fn open(
    data_dir: &std::path::Path,
    database_url: Option<&str>,
) -> Result<std::sync::Arc<dyn Store>> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(std::sync::Arc::new(postgres::PgStore::connect(url).await?))
        }
        Some(url) if url.starts_with("sqlite:") => Ok(std::sync::Arc::new(
            sqlite::SqliteStore::open_url(url).await?,
        )),
        Some(url) => Err(StoreError::Unavailable(format!(
            "unsupported database URL {} (use postgres://… or sqlite:…)",
            mask_url(url)
        ))),
        None => Ok(std::sync::Arc::new(
            sqlite::SqliteStore::open_dir(data_dir).await?,
        )),
    }
}
