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
pub mod postgres;
pub mod sqlite;

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
    pub limit: i64,
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
    async fn create_citizen(&self, citizen: &Citizen, audit: &NewAuditEvent) -> Result<()>;
    async fn update_citizen(&self, citizen: &Citizen, audit: &NewAuditEvent) -> Result<()>;
    async fn get_citizen(&self, id: CitizenId) -> Result<Option<Citizen>>;
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

    // Sessions.
    async fn create_session(&self, session: &Session) -> Result<()>;
    async fn get_session(&self, token_hash: &str) -> Result<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, at: OffsetDateTime) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_sessions_of(&self, staff_id: StaffId) -> Result<()>;
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64>;

    // Audit.
    async fn append_audit(&self, event: &NewAuditEvent) -> Result<()>;
    /// Appends several events in one transaction (group commit of read audits).
    async fn append_audit_batch(&self, events: &[NewAuditEvent]) -> Result<()>;
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

    async fn debug_exec(&self, sql: &str) -> Result<u64>;
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
