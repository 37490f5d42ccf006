//! The one body of SQL shared by both backends.
//!
//! `impl_store!` expands the [`Store`](crate::Store) implementation for a
//! concrete sqlx driver. The SQL is written once in the dialect both SQLite and
//! PostgreSQL accept (`$n` parameters, `ON CONFLICT`, `RETURNING`); a backend
//! difference, where one is ever needed, is a method on the store type.

use crate::Result;
use crate::StoreError;
use tvaers_domain::ids::CitizenId;
use tvaers_domain::journal::Sensitivity;

/// Hides the password in a database URL so it can be logged or shown.
pub fn mask_url(url: &str) -> String {
    // scheme://user:password@host/... → scheme://user:****@host/...
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((cred, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match cred.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:****@{host}"),
        None => url.to_string(),
    }
}

pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) => {
            let what = db
                .constraint()
                .map(str::to_string)
                .unwrap_or_else(|| db.message().to_string());
            if db.is_unique_violation() {
                StoreError::Conflict(what)
            } else if db.is_foreign_key_violation() {
                StoreError::ForeignKey(what)
            } else {
                StoreError::Database(db.message().to_string())
            }
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Database(e.to_string()),
    }
}

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// Most writes in one group transaction (SQLite's writer thread).
pub(crate) const GROUP_MAX: usize = 256;

/// The columns of an audit event as the store writes and reads them (both
/// audit tables on SQLite have them; see `sqlite::audit_source_sql`).
pub(crate) const AUDIT_COLUMNS: &str = "id, at, actor_id, action, resource_type, resource_id, citizen_id, outcome, detail, \
     actor_profession, actor_unit_id, purpose";

/// A citizen's version ([`crate::file_cache`]); no row means 0.
pub(crate) const CITIZEN_VERSION_SQL: &str =
    "SELECT version FROM citizen_versions WHERE citizen_id = $1";

/// Every citizen staff member `$1` has a relationship with as the per-row
/// test of a search (`related_sql`) defines one — an open case in one of
/// their units, a place on a care team, a grant — with expired grants too:
/// so a superset of the related at any later time, until a change moves the
/// relations version. Change the two together. Repeats are left to the
/// caller's set (a case worker's 16,000 citizens: no temporary B-tree).
pub(crate) const RELATED_CITIZENS_SQL: &str = "SELECT fk.citizen_id AS citizen_id FROM cases fk \
     WHERE fk.closed_on IS NULL AND fk.responsible_unit_id IN (SELECT su.unit_id FROM staff_units su WHERE su.staff_id = $1) \
     UNION ALL SELECT fm.citizen_id FROM plan_members fm WHERE fm.staff_id = $1 \
     UNION ALL SELECT fg.citizen_id FROM access_grants fg WHERE fg.staff_id = $1";

// --- SQL both SQLite write paths share: sqlx's (and PostgreSQL's) in the
// store macro, and the writer thread's (`sqlite_write`).

/// Marks that data statistics are computed from has changed (see
/// `stats_generation` in the migrations), on one of 16 shards
/// ([`generation_shard`]) so concurrent writers do not queue on one row.
pub(crate) const GENERATION_BUMP_SQL: &str =
    "UPDATE stats_generation_shards SET n = n + 1 WHERE id = $1";

pub(crate) fn generation_shard() -> i64 {
    i64::from(fastrand::u8(0..16))
}

/// The series a measurement belongs to: its citizen, area and goal.
pub(crate) const SERIES_KEY_SQL: &str =
    "SELECT citizen_id, area_code, goal_id FROM measurements WHERE id = $1";
/// Two writers of one citizen's measurements must not recompute from
/// snapshots that miss each other's row (PostgreSQL, read committed): the
/// upsert holds the citizen's row lock until commit, and the statements after
/// it see what the other writer committed.
pub(crate) const SERIES_LOCK_SQL: &str = "INSERT INTO stats_series_locks (citizen_id, n) VALUES ($1, 1) \
     ON CONFLICT (citizen_id) DO UPDATE SET n = stats_series_locks.n + 1";
pub(crate) const LEVELS_DELETE_SQL: &str =
    "DELETE FROM stats_levels WHERE citizen_id = $1 AND area_code = $2";
pub(crate) const GAS_DELETE_SQL: &str =
    "DELETE FROM stats_gas WHERE citizen_id = $1 AND goal_id = $2";

/// The `stats_levels` rows of the measurements `scope` (a condition on
/// `m`) selects, whole (citizen, area) series at a time: every
/// functional level in force with a value and an area, linked to the
/// previous one of its series. The same statement as the backfill in
/// migration 0010, so a recomputed series is what a full rebuild gives.
/// `kind || ''` keeps both planners off the `(kind, measured_at)`
/// index, which would scan every level of every citizen when the
/// scope is a few citizens (seen on both backends with the statistics
/// of a table still being loaded).
pub(crate) fn levels_series_sql(scope: &str) -> String {
    format!(
        "INSERT INTO stats_levels (citizen_id, area_code, measured_at, id, value, prev_at, delta) \
         SELECT citizen_id, area_code, measured_at, id, value, prev_at, value - prev_value FROM ( \
           SELECT m.citizen_id, m.area_code, m.measured_at, m.id, m.value, \
             LAG(m.measured_at) OVER (PARTITION BY m.citizen_id, m.area_code ORDER BY m.measured_at, m.id) AS prev_at, \
             LAG(m.value) OVER (PARTITION BY m.citizen_id, m.area_code ORDER BY m.measured_at, m.id) AS prev_value \
           FROM measurements m \
           WHERE m.kind || '' = 'functional' AND m.value IS NOT NULL AND m.area_code IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM measurements s WHERE s.supersedes = m.id) AND {scope}) t"
    )
}

/// The `stats_gas` rows of whole (citizen, goal) series `scope` selects:
/// every GAS score in force on a goal, with the time of the next one.
pub(crate) fn gas_series_sql(scope: &str) -> String {
    format!(
        "INSERT INTO stats_gas (citizen_id, goal_id, measured_at, id, value, area_code, next_at) \
         SELECT m.citizen_id, m.goal_id, m.measured_at, m.id, m.value, m.area_code, \
           LEAD(m.measured_at) OVER (PARTITION BY m.citizen_id, m.goal_id ORDER BY m.measured_at, m.id) \
         FROM measurements m \
         WHERE m.kind || '' = 'level' AND m.scale_kind = 'gas' AND m.goal_id IS NOT NULL \
           AND NOT EXISTS (SELECT 1 FROM measurements s WHERE s.supersedes = m.id) AND {scope}"
    )
}

/// The series a measurement belongs to, as its row stores them
/// ([`SERIES_KEY_SQL`]): its citizen, area code and goal.
pub(crate) fn series_key(
    m: &tvaers_domain::measure::Measurement,
) -> (uuid::Uuid, Option<String>, Option<uuid::Uuid>) {
    (
        m.citizen_id.0,
        m.area.as_ref().map(|a| a.code.clone()),
        m.goal_id.map(|g| g.0),
    )
}

/// A series deleted and written again in one statement (PostgreSQL's
/// data-modifying `WITH`; SQLite has none). The insert waits for the delete:
/// its rows pass only once the delete's count is known, so the series' old
/// rows are gone before its new ones, with the same keys, are written.
pub(crate) fn replace_series_sql(
    delete: &str,
    series_sql: fn(&str) -> String,
    scope: &str,
) -> String {
    let insert = series_sql(&format!("{scope} AND (SELECT COUNT(*) FROM gone) >= 0"));
    format!("WITH gone AS ({delete} RETURNING 1) {insert}")
}

/// The statements that rewrite one statistics series of a citizen (`$1`):
/// a (citizen, area) series (`$2` the area) and a (citizen, goal) series
/// (`$2` the goal). Built once.
pub(crate) struct SeriesSql {
    pub levels: Vec<String>,
    pub gas: Vec<String>,
}

/// [`SeriesSql`]: one statement per series where the store replaces a series
/// in one ([`replace_series_sql`]), else its delete and its insert.
pub(crate) fn series_sql(in_one: bool) -> &'static SeriesSql {
    static ONE: std::sync::OnceLock<SeriesSql> = std::sync::OnceLock::new();
    static TWO: std::sync::OnceLock<SeriesSql> = std::sync::OnceLock::new();
    let build = move || {
        let series = |delete: &str, sql: fn(&str) -> String, scope: &str| {
            if in_one {
                vec![replace_series_sql(delete, sql, scope)]
            } else {
                vec![delete.to_string(), sql(scope)]
            }
        };
        SeriesSql {
            levels: series(
                LEVELS_DELETE_SQL,
                levels_series_sql,
                "m.citizen_id = $1 AND m.area_code = $2",
            ),
            gas: series(
                GAS_DELETE_SQL,
                gas_series_sql,
                "m.citizen_id = $1 AND m.goal_id = $2",
            ),
        }
    };
    if in_one {
        ONE.get_or_init(build)
    } else {
        TWO.get_or_init(build)
    }
}

/// A measurement's row; `$14`, `$15` are times in UTC, so that SQLite's text
/// timestamps compare in time order.
pub(crate) const MEASUREMENT_INSERT_SQL: &str = "INSERT INTO measurements (citizen_id, id, plan_id, goal_id, area_system, area_code, area_display, scale_kind, scale, kind, \
     value, expected, reading, measured_at, recorded_at, assessor, recorded_by, note, meeting_id, supersedes, correction_reason) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";

/// The `value` and `expected` columns of a measurement (what statistics read).
pub(crate) fn reading_values(r: &tvaers_domain::measure::Reading) -> (Option<f64>, Option<f64>) {
    use tvaers_domain::measure::Reading;
    match r {
        Reading::Functional { current, expected } => {
            (current.map(f64::from), expected.map(f64::from))
        }
        Reading::Level { value } => (Some(*value), None),
        Reading::Satisfaction { value } => (Some(f64::from(*value)), None),
        Reading::SelfAssessment { .. } => (None, None),
    }
}

/// A plan saved over version `$9`; no row changed means someone saved in between.
pub(crate) const PLAN_UPDATE_SQL: &str = "UPDATE plans SET status = $3, version = $4, content = $5, coordinator_id = $6, review_on = $7, updated_at = $8 \
     WHERE citizen_id = $1 AND id = $2 AND version = $9";
pub(crate) const PLAN_VERSION_INSERT_SQL: &str = "INSERT INTO plan_versions (citizen_id, plan_id, version, author_id, author_name, at, reason, status, content) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub(crate) const PLAN_MEMBERS_SQL: &str =
    "SELECT staff_id, is_coordinator FROM plan_members WHERE citizen_id = $1 AND plan_id = $2";
pub(crate) const PLAN_MEMBER_DELETE_SQL: &str =
    "DELETE FROM plan_members WHERE citizen_id = $1 AND plan_id = $2 AND staff_id = $3";
pub(crate) const PLAN_MEMBER_INSERT_SQL: &str = "INSERT INTO plan_members (citizen_id, plan_id, staff_id, is_coordinator) VALUES ($1, $2, $3, $4)";
/// The plan's goals and interventions are written anew on every save.
pub(crate) const PLAN_ROWS_DELETE_SQL: [&str; 2] = [
    "DELETE FROM plan_goals WHERE citizen_id = $1 AND plan_id = $2",
    "DELETE FROM plan_interventions WHERE citizen_id = $1 AND plan_id = $2",
];
pub(crate) const PLAN_GOAL_INSERT_SQL: &str = "INSERT INTO plan_goals (citizen_id, plan_id, goal_id, area_code, scale_kind, status, deadline) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const PLAN_INTERVENTION_INSERT_SQL: &str = "INSERT INTO plan_interventions (citizen_id, plan_id, intervention_id, legal_basis, status) \
     VALUES ($1, $2, $3, $4, $5)";

/// The `plan_members` rows of a plan: the staff on an active plan's team,
/// the coordinator marked. A closed plan has none.
pub(crate) fn member_rows(plan: &tvaers_domain::plan::Plan) -> Vec<(uuid::Uuid, bool)> {
    use tvaers_domain::plan::{PlanStatus, TeamMember};
    if plan.status != PlanStatus::Active {
        return vec![];
    }
    plan.content
        .team
        .iter()
        .filter_map(|m| match m {
            TeamMember::Staff { staff_id, .. } => {
                Some((staff_id.0, *staff_id == plan.content.coordinator))
            }
            _ => None,
        })
        .collect()
}

/// A journal entry's row; the store assigns its `seq`.
pub(crate) const JOURNAL_INSERT_SQL: &str = "INSERT INTO journal_entries (citizen_id, id, author_id, author_name, profession, unit_id, occurred_at, written_at, \
     kind, is_correction, topic_system, topic_code, topic_display, text, goal_id, intervention_id, meeting_id, quotes, \
     sensitivity, supersedes, correction_reason, message_direction, to_staff_id, to_unit_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) \
     RETURNING seq";

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> crate::Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(e.to_string()))
}

/// Writes a backend makes on a thread of its own instead of through its
/// pool (SQLite: [`crate::sqlite_write`]); `None` writes through the pool.
pub(crate) trait InlineWrites {
    fn sqlite_writer(&self) -> Option<&crate::sqlite_write::Writer> {
        None
    }
}

/// A search across journals, newest first, that a windowed backend walks
/// itself (PostgreSQL: `postgres::imp`): the hits of `q` in `scope`, newest
/// first, at most `want`. `None`: `search_journal` asks the scope in SQL.
#[async_trait::async_trait]
pub(crate) trait WalkNewest {
    async fn walk_newest(
        &self,
        _q: &tvaers_domain::search::SearchQuery,
        _scope: &crate::ReadScope,
        _want: usize,
    ) -> Option<Result<Vec<Walked>>> {
        None
    }
}

/// A hit of [`WalkNewest`]: its sequence number, its citizen, and the
/// citizen's facts code where the walk read it.
pub(crate) type Walked = (i64, uuid::Uuid, Option<u8>);

/// The windows of sequence numbers a windowed search reads, newest first
/// (see `search_journal`): the newest `first` entries, then each window sized
/// from the hits per entry seen so far, so a common word stops in the first
/// and a rare one costs a few index probes.
pub(crate) struct Windows {
    newest: i64,
    window: i64,
    below: i64,
}

impl Windows {
    pub(crate) fn new(newest: i64, first: i64) -> Self {
        Windows {
            newest,
            window: first.max(1),
            below: newest.saturating_add(1),
        }
    }

    /// The current window: from `above` (inclusive) to `below` (exclusive).
    pub(crate) fn bounds(&self) -> (i64, i64) {
        (self.below - self.window, self.below)
    }

    pub(crate) fn width(&self) -> i64 {
        self.window
    }

    /// Moves on to the next window, after `found` hits kept so far of which
    /// `need` more are wanted; `false` when the current one reached the first entry.
    pub(crate) fn advance(&mut self, found: i64, need: i64) -> bool {
        let above = self.below - self.window;
        if above <= 0 {
            return false;
        }
        // A quarter more than the density seen so far predicts, between
        // twice and 64 times the last window.
        let read = self.newest.saturating_add(1) - above;
        let predicted = match found {
            0 => self.window.saturating_mul(8),
            found => need.saturating_mul(read).saturating_mul(5) / found.saturating_mul(4),
        };
        self.window = predicted.clamp(
            self.window.saturating_mul(2),
            self.window.saturating_mul(64),
        );
        self.below = above;
        true
    }
}

/// Reads a backend answers on the calling thread instead of through its pool
/// (SQLite: [`crate::sqlite_inline`]); `None` reads through the pool.
pub(crate) trait InlineReads {
    fn inline_citizen_version(&self, _id: CitizenId) -> Option<Result<i64>> {
        None
    }

    fn inline_citizen(
        &self,
        _id: CitizenId,
    ) -> Option<Result<Option<tvaers_domain::citizen::Citizen>>> {
        None
    }

    fn inline_plan(
        &self,
        _id: tvaers_domain::ids::PlanId,
    ) -> Option<Result<Option<tvaers_domain::plan::Plan>>> {
        None
    }

    fn inline_citizen_file(&self, _id: CitizenId) -> Option<Result<crate::CitizenFile>> {
        None
    }

    fn inline_active_plan(
        &self,
        _citizen_id: CitizenId,
    ) -> Option<Result<Option<tvaers_domain::plan::Plan>>> {
        None
    }

    /// An entry by id: the journal page reads each entry its page quotes.
    fn inline_journal_entry(
        &self,
        _id: tvaers_domain::ids::JournalEntryId,
    ) -> Option<Result<Option<tvaers_domain::journal::JournalEntry>>> {
        None
    }

    /// The facts every write's access decision starts from.
    fn inline_access_facts(
        &self,
        _staff_id: tvaers_domain::ids::StaffId,
        _organisation_id: tvaers_domain::ids::OrganisationId,
        _citizen_id: CitizenId,
        _now: time::OffsetDateTime,
    ) -> Option<Result<crate::AccessFacts>> {
        None
    }

    fn inline_journal_file(
        &self,
        _citizen_id: CitizenId,
        _timeline: Option<(&crate::JournalFilter, &[Sensitivity], crate::Page)>,
    ) -> Option<Result<crate::JournalFile>> {
        None
    }

    /// A journal search on a blocking thread of its own, not the runtime
    /// worker: a walk across journals can meet a million hits.
    fn inline_search_journal(
        &self,
        _q: &tvaers_domain::search::SearchQuery,
        _scope: &crate::ReadScope,
        _page: crate::Page,
        _order: crate::SearchOrder,
    ) -> Option<tokio::task::JoinHandle<Result<crate::JournalSearchResult>>> {
        None
    }

    #[allow(clippy::type_complexity)]
    fn inline_session(
        &self,
        _token_hash: &str,
    ) -> Option<Result<Option<(crate::Session, tvaers_domain::staff::Staff)>>> {
        None
    }
    /// Where sessions are kept in memory ([`crate::session_cache`]).
    fn session_cache(&self) -> Option<&crate::session_cache::SessionCache> {
        None
    }
}

/// The row decoders, one set for every kind of row: sqlx's SQLite and
/// PostgreSQL rows, and the SQLite rows read on the request's own thread
/// (`sqlite_inline::Row`), which answers `try_get` as sqlx does.
macro_rules! row_decoders {
    ($vis:vis $row:ty) => {
        $vis fn row_staff(r: &$row, unit_ids: Vec<UnitId>) -> Result<Staff> {
            let profession: String = r.try_get("profession").map_err(map_err)?;
            Ok(Staff {
                id: StaffId(r.try_get("id").map_err(map_err)?),
                username: r.try_get("username").map_err(map_err)?,
                full_name: r.try_get("full_name").map_err(map_err)?,
                profession: Profession::from_code(&profession).ok_or_else(|| corrupt("profession"))?,
                organisation_id: OrganisationId(r.try_get("organisation_id").map_err(map_err)?),
                email: r.try_get("email").map_err(map_err)?,
                active: r.try_get("active").map_err(map_err)?,
                unit_ids,
            })
        }

        $vis fn row_cpr(r: &$row) -> Result<Cpr> {
            let cpr: String = r.try_get("cpr").map_err(map_err)?;
            Cpr::parse(&cpr).map_err(|_| corrupt("cpr"))
        }

        $vis fn row_citizen(r: &$row) -> Result<Citizen> {
            let relatives: String = r.try_get("relatives").map_err(map_err)?;
            let relatives: Vec<Relative> =
                serde_json::from_str(&relatives).map_err(|_| corrupt("relatives"))?;
            Ok(Citizen {
                id: CitizenId(r.try_get("id").map_err(map_err)?),
                cpr: row_cpr(r)?,
                given_name: r.try_get("given_name").map_err(map_err)?,
                family_name: r.try_get("family_name").map_err(map_err)?,
                address: r.try_get("address").map_err(map_err)?,
                postal_code: r.try_get("postal_code").map_err(map_err)?,
                city: r.try_get("city").map_err(map_err)?,
                phone: r.try_get("phone").map_err(map_err)?,
                email: r.try_get("email").map_err(map_err)?,
                relatives,
            })
        }

        $vis fn row_case(r: &$row) -> Result<Case> {
            let area: String = r.try_get("area").map_err(map_err)?;
            Ok(Case {
                id: CaseId(r.try_get("id").map_err(map_err)?),
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                area: CaseArea::from_code(&area).ok_or_else(|| corrupt("case area"))?,
                title: r.try_get("title").map_err(map_err)?,
                legal_basis: r.try_get("legal_basis").map_err(map_err)?,
                responsible_unit_id: UnitId(r.try_get("responsible_unit_id").map_err(map_err)?),
                case_worker_id: r
                    .try_get::<Option<Uuid>, _>("case_worker_id")
                    .map_err(map_err)?
                    .map(StaffId),
                opened_on: r.try_get("opened_on").map_err(map_err)?,
                closed_on: r.try_get("closed_on").map_err(map_err)?,
            })
        }

        $vis fn row_session(r: &$row) -> Result<Session> {
            let kind: String = r.try_get("kind").map_err(map_err)?;
            Ok(Session {
                token_hash: r.try_get("token_hash").map_err(map_err)?,
                staff_id: StaffId(r.try_get("staff_id").map_err(map_err)?),
                kind: if kind == "api" { SessionKind::Api } else { SessionKind::Browser },
                csrf_token: r.try_get("csrf_token").map_err(map_err)?,
                created_at: r.try_get("created_at").map_err(map_err)?,
                last_seen_at: r.try_get("last_seen_at").map_err(map_err)?,
                expires_at: r.try_get("expires_at").map_err(map_err)?,
            })
        }

        $vis fn row_measurement(r: &$row) -> Result<Measurement> {
            let scale: String = r.try_get("scale").map_err(map_err)?;
            let reading: String = r.try_get("reading").map_err(map_err)?;
            let assessor: String = r.try_get("assessor").map_err(map_err)?;
            let system: Option<String> = r.try_get("area_system").map_err(map_err)?;
            let area = match system {
                Some(system) => Some(tvaers_domain::plan::AreaCode {
                    system,
                    code: r.try_get::<Option<String>, _>("area_code").map_err(map_err)?.unwrap_or_default(),
                    display: r.try_get::<Option<String>, _>("area_display").map_err(map_err)?.unwrap_or_default(),
                }),
                None => None,
            };
            Ok(Measurement {
                id: MeasurementId(r.try_get("id").map_err(map_err)?),
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                plan_id: r.try_get::<Option<Uuid>, _>("plan_id").map_err(map_err)?.map(PlanId),
                goal_id: r.try_get::<Option<Uuid>, _>("goal_id").map_err(map_err)?.map(tvaers_domain::ids::GoalId),
                area,
                scale: from_json(&scale, "measurement scale")?,
                reading: from_json(&reading, "measurement reading")?,
                measured_at: r.try_get("measured_at").map_err(map_err)?,
                recorded_at: r.try_get("recorded_at").map_err(map_err)?,
                assessor: from_json(&assessor, "measurement assessor")?,
                recorded_by: r.try_get::<Option<Uuid>, _>("recorded_by").map_err(map_err)?.map(StaffId),
                note: r.try_get("note").map_err(map_err)?,
                meeting_id: r.try_get::<Option<Uuid>, _>("meeting_id").map_err(map_err)?.map(MeetingId),
                supersedes: r.try_get::<Option<Uuid>, _>("supersedes").map_err(map_err)?.map(MeasurementId),
                correction_reason: r.try_get("correction_reason").map_err(map_err)?,
            })
        }

        $vis fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
            serde_json::from_str(s).map_err(|_| corrupt(what))
        }

        $vis fn row_plan(r: &$row) -> Result<Plan> {
            let status: String = r.try_get("status").map_err(map_err)?;
            let content: String = r.try_get("content").map_err(map_err)?;
            Ok(Plan {
                id: PlanId(r.try_get("id").map_err(map_err)?),
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                status: PlanStatus::from_code(&status).ok_or_else(|| corrupt("plan status"))?,
                version: r.try_get("version").map_err(map_err)?,
                content: from_json(&content, "plan content")?,
                created_at: r.try_get("created_at").map_err(map_err)?,
                updated_at: r.try_get("updated_at").map_err(map_err)?,
            })
        }

        $vis fn row_meeting(r: &$row) -> Result<Meeting> {
            let kind: String = r.try_get("kind").map_err(map_err)?;
            let status: String = r.try_get("status").map_err(map_err)?;
            let attendees: String = r.try_get("attendees").map_err(map_err)?;
            Ok(Meeting {
                id: MeetingId(r.try_get("id").map_err(map_err)?),
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                plan_id: r.try_get::<Option<Uuid>, _>("plan_id").map_err(map_err)?.map(PlanId),
                kind: MeetingKind::from_code(&kind).ok_or_else(|| corrupt("meeting kind"))?,
                starts_at: r.try_get("starts_at").map_err(map_err)?,
                location: r.try_get("location").map_err(map_err)?,
                attendees: from_json(&attendees, "attendees")?,
                agenda: r.try_get("agenda").map_err(map_err)?,
                minutes: r.try_get("minutes").map_err(map_err)?,
                status: MeetingStatus::from_code(&status).ok_or_else(|| corrupt("meeting status"))?,
                previous_meeting_id: r
                    .try_get::<Option<Uuid>, _>("previous_meeting_id")
                    .map_err(map_err)?
                    .map(MeetingId),
            })
        }

        $vis fn row_task(r: &$row) -> Result<Task> {
            let owner: String = r.try_get("owner").map_err(map_err)?;
            let status: String = r.try_get("status").map_err(map_err)?;
            Ok(Task {
                id: TaskId(r.try_get("id").map_err(map_err)?),
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                title: r.try_get("title").map_err(map_err)?,
                owner: from_json(&owner, "owner")?,
                due: r.try_get("due").map_err(map_err)?,
                status: TaskStatus::from_code(&status).ok_or_else(|| corrupt("task status"))?,
                action_goal_id: r.try_get::<Option<Uuid>, _>("action_goal_id").map_err(map_err)?.map(ActionGoalId),
            })
        }

        $vis fn row_journal(r: &$row) -> Result<(i64, tvaers_domain::journal::JournalEntry)> {
            use tvaers_domain::ids::{GoalId, InterventionId, JournalEntryId};
            use tvaers_domain::journal::{EntryKind, EntryLinks, JournalEntry, Message, MessageDirection, Sensitivity};
            let opt_uuid = |col: &str| -> Result<Option<Uuid>> { r.try_get::<Option<Uuid>, _>(col).map_err(map_err) };
            let kind: String = r.try_get("kind").map_err(map_err)?;
            let sensitivity: String = r.try_get("sensitivity").map_err(map_err)?;
            let profession: Option<String> = r.try_get("profession").map_err(map_err)?;
            let system: Option<String> = r.try_get("topic_system").map_err(map_err)?;
            let topic = match system {
                Some(system) => Some(tvaers_domain::plan::AreaCode {
                    system,
                    code: r.try_get::<Option<String>, _>("topic_code").map_err(map_err)?.unwrap_or_default(),
                    display: r.try_get::<Option<String>, _>("topic_display").map_err(map_err)?.unwrap_or_default(),
                }),
                None => None,
            };
            let direction: Option<String> = r.try_get("message_direction").map_err(map_err)?;
            let message = match direction {
                Some(d) => Some(Message {
                    direction: MessageDirection::from_code(&d).ok_or_else(|| corrupt("message direction"))?,
                    to_staff_id: opt_uuid("to_staff_id")?.map(StaffId),
                    to_unit_id: opt_uuid("to_unit_id")?.map(UnitId),
                }),
                None => None,
            };
            let entry = JournalEntry {
                id: JournalEntryId(r.try_get("id").map_err(map_err)?),
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                author_id: opt_uuid("author_id")?.map(StaffId),
                author_name: r.try_get("author_name").map_err(map_err)?,
                profession: match profession {
                    Some(p) => Some(Profession::from_code(&p).ok_or_else(|| corrupt("profession"))?),
                    None => None,
                },
                unit_id: opt_uuid("unit_id")?.map(UnitId),
                occurred_at: r.try_get("occurred_at").map_err(map_err)?,
                written_at: r.try_get("written_at").map_err(map_err)?,
                kind: EntryKind::from_code(&kind).ok_or_else(|| corrupt("entry kind"))?,
                topic,
                text: r.try_get("text").map_err(map_err)?,
                links: EntryLinks {
                    goal_id: opt_uuid("goal_id")?.map(GoalId),
                    intervention_id: opt_uuid("intervention_id")?.map(InterventionId),
                    meeting_id: opt_uuid("meeting_id")?.map(MeetingId),
                },
                quotes: opt_uuid("quotes")?.map(JournalEntryId),
                sensitivity: Sensitivity::from_code(&sensitivity).ok_or_else(|| corrupt("sensitivity"))?,
                supersedes: opt_uuid("supersedes")?.map(JournalEntryId),
                correction_reason: r.try_get("correction_reason").map_err(map_err)?,
                message,
                superseded_by: opt_uuid("superseded_by")?.map(JournalEntryId),
            };
            Ok((r.try_get("seq").map_err(map_err)?, entry))
        }

        $vis fn citizen_name(r: &$row) -> Result<String> {
            let given: String = r.try_get("given_name").map_err(map_err)?;
            let family: String = r.try_get("family_name").map_err(map_err)?;
            Ok(format!("{given} {family}"))
        }
    };
}
pub(crate) use row_decoders;

macro_rules! impl_store {
    ($store:ty, $db:ty, $row:ty, $backend:expr) => {
        use async_trait::async_trait;
        use sqlx::Row as _;
        use time::OffsetDateTime;
        use tvaers_domain::audit::{AuditAction, AuditEvent, AuditOutcome, NewAuditEvent};
        use tvaers_domain::case::{Case, CaseArea, Caseload};
        use tvaers_domain::citizen::{search_key, Citizen, Relative};
        use tvaers_domain::ids::{AuditId, CaseId, CitizenId, OrganisationId, StaffId, UnitId};
        use tvaers_domain::org::{Organisation, OrganisationKind, Unit, UnitKind};
        use tvaers_domain::staff::{Profession, Staff};
        use tvaers_domain::Cpr;
        use uuid::Uuid;

        use crate::common::{corrupt, map_err, AUDIT_COLUMNS};
        use crate::{
            AuditFilter, Backend, CaseRef, CitizenFile, CitizenSummary, MeetingClose, MeetingRef, OverdueByUnit,
            AccessFacts, FunctionalChange, GasSum, GoalOutcomeCount, Page, PlanImport, PlanRef, PortalSession, Result, Session, OidcLogin,
            SessionKind, StatsFilter, Store, StoreError, TaskRef,
        };
        use tvaers_domain::access::{AccessGrant, Consent, ConsentId, ConsentScope, GivenHow, GrantKind, PortalAccount};
        use tvaers_domain::ids::{MeasurementId, ScaleId};
        use tvaers_domain::measure::Measurement;
        use tvaers_domain::scale::CustomScale;
        use tvaers_domain::ids::{ActionGoalId, MeetingId, PlanId, TaskId};
        use tvaers_domain::meeting::{
            ActionGoal, Attendee, Meeting, MeetingKind, MeetingStatus, Owner, Review, ReviewOutcome,
            Task, TaskStatus,
        };
        use tvaers_domain::plan::{Plan, PlanStatus, PlanVersion};

        crate::common::row_decoders!($row);

        fn row_organisation(r: &$row) -> Result<Organisation> {
            let kind: String = r.try_get("kind").map_err(map_err)?;
            Ok(Organisation {
                id: OrganisationId(r.try_get("id").map_err(map_err)?),
                name: r.try_get("name").map_err(map_err)?,
                kind: OrganisationKind::from_code(&kind).ok_or_else(|| corrupt("organisation kind"))?,
            })
        }

        fn row_unit(r: &$row) -> Result<Unit> {
            let kind: String = r.try_get("kind").map_err(map_err)?;
            Ok(Unit {
                id: UnitId(r.try_get("id").map_err(map_err)?),
                organisation_id: OrganisationId(r.try_get("organisation_id").map_err(map_err)?),
                parent_id: r.try_get::<Option<Uuid>, _>("parent_id").map_err(map_err)?.map(UnitId),
                name: r.try_get("name").map_err(map_err)?,
                kind: UnitKind::from_code(&kind).ok_or_else(|| corrupt("unit kind"))?,
            })
        }

        fn row_audit(r: &$row) -> Result<AuditEvent> {
            let action: String = r.try_get("action").map_err(map_err)?;
            let outcome: String = r.try_get("outcome").map_err(map_err)?;
            Ok(AuditEvent {
                id: AuditId(r.try_get("id").map_err(map_err)?),
                at: r.try_get("at").map_err(map_err)?,
                actor_id: r.try_get::<Option<Uuid>, _>("actor_id").map_err(map_err)?.map(StaffId),
                actor_name: r.try_get("actor_name").map_err(map_err)?,
                actor_profession: r
                    .try_get::<Option<String>, _>("actor_profession")
                    .map_err(map_err)?
                    .and_then(|p| Profession::from_code(&p))
                    .map(|p| p.label().to_string()),
                actor_unit_id: r.try_get::<Option<Uuid>, _>("actor_unit_id").map_err(map_err)?.map(UnitId),
                actor_unit_name: r.try_get("actor_unit_name").map_err(map_err)?,
                purpose: r.try_get("purpose").map_err(map_err)?,
                action: AuditAction::from_code(&action).ok_or_else(|| corrupt("audit action"))?,
                resource_type: r.try_get("resource_type").map_err(map_err)?,
                resource_id: r.try_get("resource_id").map_err(map_err)?,
                citizen_id: r.try_get::<Option<Uuid>, _>("citizen_id").map_err(map_err)?.map(CitizenId),
                outcome: AuditOutcome::from_code(&outcome).ok_or_else(|| corrupt("audit outcome"))?,
                detail: r.try_get("detail").map_err(map_err)?,
            })
        }

        /// One full-text index row: the entry's stemmed terms under its `seq`.
        async fn insert_index_row<'e, E>(exec: E, seq: i64, citizen: CitizenId, terms: &[String]) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {} ({}, citizen_id, terms) VALUES ($1, $2, {})",
                <$store>::FTS_TABLE,
                <$store>::FTS_KEY,
                <$store>::fts_document_sql("$3")
            )))
            .bind(seq)
            .bind(citizen.0)
            .bind(<$store>::fts_document(terms))
            .execute(exec)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        async fn insert_audit<'e, E>(exec: E, ev: &NewAuditEvent) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            insert_audit_into(exec, "audit_events", ev).await
        }

        /// Up to this many citizens named in a search (their tokens in the query), a
        /// windowed backend reads their entries instead of the index's windows.
        const CITIZEN_DRIVEN_MAX: usize = 8;
        /// Audit events per multi-row INSERT of a batch (12 values each).
        const AUDIT_ROWS_PER_INSERT: usize = 500;

        /// `table` is `audit_events` (in a change's transaction) or the
        /// backend's `AUDIT_LOG_TABLE` (an event on its own).
        async fn insert_audit_into<'e, E>(exec: E, table: &str, ev: &NewAuditEvent) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            insert_audit_rows(exec, table, std::slice::from_ref(ev)).await
        }

        /// An audit event's values in the order of [`AUDIT_COLUMNS`], each
        /// with a new id and time.
        fn bind_audit<'q>(
            q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            ev: &NewAuditEvent,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
            q.bind(Uuid::now_v7())
                .bind(OffsetDateTime::now_utc())
                .bind(ev.actor_id.map(|a| a.0))
                .bind(ev.action.code())
                .bind(ev.resource_type)
                .bind(ev.resource_id)
                .bind(ev.citizen_id.map(|c| c.0))
                .bind(ev.outcome.code())
                .bind(ev.detail.clone())
                .bind(ev.actor_profession.map(|p| p.code()))
                .bind(ev.actor_unit_id.map(|u| u.0))
                .bind(ev.purpose.clone())
        }

        /// The placeholders of `rows` audit events bound by [`bind_audit`]
        /// from `$first` on: `($first, …), (…)`.
        fn audit_values_sql(first: usize, rows: usize) -> String {
            let cols = AUDIT_COLUMNS.split(',').count();
            (0..rows)
                .map(|r| {
                    let p: Vec<String> = (0..cols).map(|c| format!("${}", first + r * cols + c)).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ")
        }

        /// One INSERT of `events` into `table` (at most [`AUDIT_ROWS_PER_INSERT`]).
        async fn insert_audit_rows<'e, E>(exec: E, table: &str, events: &[NewAuditEvent]) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let sql = format!("INSERT INTO {table} ({AUDIT_COLUMNS}) VALUES {}", audit_values_sql(1, events.len()));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for ev in events {
                q = bind_audit(q, ev);
            }
            q.execute(exec).await.map_err(map_err)?;
            Ok(())
        }

        const CITIZEN_COLUMNS: &str = "id, cpr, given_name, family_name, address, postal_code, city, phone, email, relatives";
        const CASE_COLUMNS: &str = "id, citizen_id, area, title, legal_basis, responsible_unit_id, case_worker_id, opened_on, closed_on";
        const STAFF_COLUMNS: &str = "id, username, full_name, profession, organisation_id, email, active";

        async fn insert_citizen<'e, E>(exec: E, c: &Citizen) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let now = OffsetDateTime::now_utc();
            let relatives = serde_json::to_string(&c.relatives).map_err(|e| StoreError::Database(e.to_string()))?;
            sqlx::query(
                "INSERT INTO citizens (id, cpr, given_name, family_name, name_key, family_key, address, postal_code, city, phone, email, relatives, created_at, updated_at, birth_date) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
            )
            .bind(c.id.0)
            .bind(c.cpr.digits())
            .bind(&c.given_name)
            .bind(&c.family_name)
            .bind(search_key(&format!("{} {}", c.given_name, c.family_name)))
            .bind(search_key(&format!("{} {}", c.family_name, c.given_name)))
            .bind(&c.address)
            .bind(&c.postal_code)
            .bind(&c.city)
            .bind(&c.phone)
            .bind(&c.email)
            .bind(relatives)
            .bind(now)
            .bind(c.cpr.birth_date())
            .execute(exec)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        async fn insert_grant<'e, E>(exec: E, g: &AccessGrant) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO access_grants (citizen_id, id, staff_id, kind, reason, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(g.citizen_id.0)
            .bind(g.id)
            .bind(g.staff_id.0)
            .bind(g.kind.code())
            .bind(&g.reason)
            .bind(g.granted_at.to_offset(time::UtcOffset::UTC))
            .bind(g.expires_at.to_offset(time::UtcOffset::UTC))
            .execute(exec)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        /// Marks that data statistics are computed from has changed (see
        /// `stats_generation` in the migrations); call inside the write's transaction.
        async fn bump_generation<'e, E>(exec: E) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(crate::common::GENERATION_BUMP_SQL)
                .bind(crate::common::generation_shard())
                .execute(exec)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        /// Recomputes the statistics series a new measurement (and the one it
        /// corrects) belongs to, inside the write's transaction: the series of
        /// its citizen and area, and of its citizen and goal — a handful of rows,
        /// computed from the raw rows exactly as the backfill does.
        ///
        /// The new measurement's series are known from it; only a corrected
        /// one's are read. Where the store can (`REPLACE_SERIES_IN_ONE`), a
        /// series is deleted and written again in one statement: each
        /// statement is a round trip to PostgreSQL.
        async fn recompute_series(tx: &mut sqlx::Transaction<'_, $db>, m: &Measurement) -> Result<()> {
            let mut keys: Vec<(Uuid, Option<String>, Option<Uuid>)> =
                vec![crate::common::series_key(m)];
            for id in m.supersedes.iter().map(|x| x.0) {
                let row = sqlx::query(crate::common::SERIES_KEY_SQL)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_err)?;
                if let Some(r) = row {
                    let key = (
                        r.try_get::<Uuid, _>("citizen_id").map_err(map_err)?,
                        r.try_get::<Option<String>, _>("area_code").map_err(map_err)?,
                        r.try_get::<Option<Uuid>, _>("goal_id").map_err(map_err)?,
                    );
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
            let mut citizens: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
            citizens.sort_unstable();
            citizens.dedup();
            for c in &citizens {
                sqlx::query(crate::common::SERIES_LOCK_SQL)
                .bind(*c)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            }
            let sql = crate::common::series_sql(<$store>::REPLACE_SERIES_IN_ONE);
            for (citizen, area, goal) in &keys {
                if let Some(area) = area {
                    for statement in &sql.levels {
                        sqlx::query(sqlx::AssertSqlSafe(statement.as_str()))
                            .bind(*citizen)
                            .bind(area.as_str())
                            .execute(&mut **tx)
                            .await
                            .map_err(map_err)?;
                    }
                }
                if let Some(goal) = goal {
                    for statement in &sql.gas {
                        sqlx::query(sqlx::AssertSqlSafe(statement.as_str()))
                            .bind(*citizen)
                            .bind(*goal)
                            .execute(&mut **tx)
                            .await
                            .map_err(map_err)?;
                    }
                }
            }
            Ok(())
        }

        /// Recomputes every statistics series of `citizens` (bulk imports).
        async fn recompute_series_of(tx: &mut sqlx::Transaction<'_, $db>, citizens: &[Uuid]) -> Result<()> {
            for chunk in citizens.chunks(1000) {
                let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                for sql in [
                    format!("DELETE FROM stats_levels WHERE citizen_id IN ({list})"),
                    crate::common::levels_series_sql(&format!("m.citizen_id IN ({list})")),
                    format!("DELETE FROM stats_gas WHERE citizen_id IN ({list})"),
                    crate::common::gas_series_sql(&format!("m.citizen_id IN ({list})")),
                ] {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for c in chunk {
                        q = q.bind(*c);
                    }
                    q.execute(&mut **tx).await.map_err(map_err)?;
                }
            }
            Ok(())
        }

        async fn insert_case<'e, E>(exec: E, c: &Case) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO cases (id, citizen_id, area, title, legal_basis, responsible_unit_id, case_worker_id, opened_on, closed_on) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(c.id.0)
            .bind(c.citizen_id.0)
            .bind(c.area.code())
            .bind(&c.title)
            .bind(&c.legal_basis)
            .bind(c.responsible_unit_id.0)
            .bind(c.case_worker_id.map(|s| s.0))
            .bind(c.opened_on)
            .bind(c.closed_on)
            .execute(exec)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        const MEASUREMENT_COLUMNS: &str = "citizen_id, id, plan_id, goal_id, area_system, area_code, area_display, scale, reading, \
             measured_at, recorded_at, assessor, recorded_by, note, meeting_id, supersedes, correction_reason";

        /// A bind value of a query assembled at run time.
        enum Arg {
            Date(time::Date),
            Time(OffsetDateTime),
            Uuid(Uuid),
            Text(String),
            Int(i64),
        }

        /// Arguments of a query assembled at run time, numbered as they are pushed.
        #[derive(Default)]
        struct Args(Vec<Arg>);

        impl Args {
            /// Adds a value and returns its placeholder (`$n`).
            fn push(&mut self, a: Arg) -> String {
                self.0.push(a);
                format!("${}", self.0.len())
            }

            fn bind<'q>(
                self,
                mut q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
                for a in self.0 {
                    q = match a {
                        Arg::Date(d) => q.bind(d),
                        Arg::Time(t) => q.bind(t.to_offset(time::UtcOffset::UTC)),
                        Arg::Uuid(u) => q.bind(u),
                        Arg::Text(s) => q.bind(s),
                        Arg::Int(i) => q.bind(i),
                    };
                }
                q
            }
        }

        /// `col` is the FSIII area of the filter or one of its sub-areas.
        fn area_sql(f: &StatsFilter, col: &str, a: &mut Args) -> String {
            match &f.area {
                Some(code) => {
                    let exact = a.push(Arg::Text(code.clone()));
                    let sub = a.push(Arg::Text(format!("{code}.%")));
                    format!("({col} = {exact} OR {col} LIKE {sub})")
                }
                None => "1 = 1".into(),
            }
        }

        /// `col` (a citizen id) belongs to the filter's cohort.
        fn cohort_sql(f: &StatsFilter, col: &str, a: &mut Args) -> String {
            let mut parts = Vec::new();
            if f.unit_id.is_some() || f.case_area.is_some() {
                let to = a.push(Arg::Date(f.to));
                let from = a.push(Arg::Date(f.from));
                let mut q = format!(
                    "{col} IN (SELECT k.citizen_id FROM cases k WHERE k.opened_on <= {to} AND (k.closed_on IS NULL OR k.closed_on >= {from})"
                );
                if let Some(u) = f.unit_id {
                    q += &format!(" AND k.responsible_unit_id = {}", a.push(Arg::Uuid(u.0)));
                }
                if let Some(area) = f.case_area {
                    q += &format!(" AND k.area = {}", a.push(Arg::Text(area.code().to_string())));
                }
                q.push(')');
                parts.push(q);
            }
            if let Some((earliest, latest)) = f.born_between {
                let e = a.push(Arg::Date(earliest));
                let l = a.push(Arg::Date(latest));
                parts.push(format!("{col} IN (SELECT c.id FROM citizens c WHERE c.birth_date >= {e} AND c.birth_date <= {l})"));
            }
            if let Some(basis) = &f.legal_basis {
                let b = a.push(Arg::Text(basis.clone()));
                parts.push(format!("{col} IN (SELECT i.citizen_id FROM plan_interventions i WHERE i.legal_basis = {b})"));
            }
            if parts.is_empty() { "1 = 1".into() } else { parts.join(" AND ") }
        }

        fn row_portal_account(r: &$row) -> Result<PortalAccount> {
            Ok(PortalAccount {
                id: r.try_get("id").map_err(map_err)?,
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                username: r.try_get("username").map_err(map_err)?,
                relative_name: r.try_get("relative_name").map_err(map_err)?,
                active: r.try_get("active").map_err(map_err)?,
            })
        }

        use crate::common::{member_rows, reading_values, to_json};

        fn row_plan_version(r: &$row) -> Result<PlanVersion> {
            let status: String = r.try_get("status").map_err(map_err)?;
            let content: String = r.try_get("content").map_err(map_err)?;
            Ok(PlanVersion {
                plan_id: PlanId(r.try_get("plan_id").map_err(map_err)?),
                version: r.try_get("version").map_err(map_err)?,
                author_id: r.try_get::<Option<Uuid>, _>("author_id").map_err(map_err)?.map(StaffId),
                author_name: r.try_get("author_name").map_err(map_err)?,
                at: r.try_get("at").map_err(map_err)?,
                reason: r.try_get("reason").map_err(map_err)?,
                status: PlanStatus::from_code(&status).ok_or_else(|| corrupt("plan status"))?,
                content: from_json(&content, "plan content")?,
            })
        }

        fn row_action_goal(r: &$row) -> Result<ActionGoal> {
            let owner: String = r.try_get("owner").map_err(map_err)?;
            let outcome: Option<String> = r.try_get("review_outcome").map_err(map_err)?;
            let review = match outcome {
                Some(o) => Some(Review {
                    outcome: ReviewOutcome::from_code(&o).ok_or_else(|| corrupt("review outcome"))?,
                    comment: r.try_get::<Option<String>, _>("review_comment").map_err(map_err)?.unwrap_or_default(),
                    meeting_id: MeetingId(
                        r.try_get::<Option<Uuid>, _>("review_meeting_id")
                            .map_err(map_err)?
                            .ok_or_else(|| corrupt("review meeting"))?,
                    ),
                }),
                None => None,
            };
            Ok(ActionGoal {
                id: ActionGoalId(r.try_get("id").map_err(map_err)?),
                meeting_id: MeetingId(r.try_get("meeting_id").map_err(map_err)?),
                text: r.try_get("text").map_err(map_err)?,
                owner: from_json(&owner, "owner")?,
                due: r.try_get("due").map_err(map_err)?,
                review,
            })
        }

        fn row_plan_ref(r: &$row) -> Result<PlanRef> {
            let given: String = r.try_get("given_name").map_err(map_err)?;
            let family: String = r.try_get("family_name").map_err(map_err)?;
            Ok(PlanRef {
                plan_id: PlanId(r.try_get("plan_id").map_err(map_err)?),
                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                citizen_name: format!("{given} {family}"),
                is_coordinator: r.try_get("is_coordinator").map_err(map_err)?,
                review_on: r.try_get("review_on").map_err(map_err)?,
                coordinator_name: r.try_get("coordinator_name").map_err(map_err)?,
            })
        }

        const PLAN_COLUMNS: &str = "id, citizen_id, status, version, content, created_at, updated_at";
        const PLAN_VERSION_COLUMNS: &str = "plan_id, version, author_id, author_name, at, reason, status, content";
        const MEETING_COLUMNS: &str = "id, citizen_id, plan_id, kind, starts_at, location, attendees, agenda, minutes, status, previous_meeting_id";
        const ACTION_GOAL_COLUMNS: &str = "id, meeting_id, text, owner, due, review_outcome, review_comment, review_meeting_id";
        const TASK_COLUMNS: &str = "id, citizen_id, title, owner, due, status, action_goal_id";

        /// A session and its staff member by the token's hash in `$1`: one
        /// row per unit of the staff member (one with no unit: NULL).
        const SESSION_SQL: &str = "SELECT se.token_hash, se.staff_id, se.kind, se.csrf_token, se.created_at, se.last_seen_at, se.expires_at, \
             st.id, st.username, st.full_name, st.profession, st.organisation_id, st.email, st.active, su.unit_id \
             FROM sessions se JOIN staff st ON st.id = se.staff_id LEFT JOIN staff_units su ON su.staff_id = st.id \
             WHERE se.token_hash = $1";

        /// A citizen's active plan (at most one, by a unique index).
        fn active_plan_sql() -> String {
            format!("SELECT {PLAN_COLUMNS} FROM plans WHERE citizen_id = $1 AND status = 'active'")
        }

        fn plan_by_id_sql() -> String {
            format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1")
        }

        /// The reads that make up a citizen's file ([`Store::citizen_file`]),
        /// each by the citizen's id in `$1`: the single reads' SQL, and on
        /// SQLite the file's, read on the calling thread (`sqlite_inline`).
        #[derive(Clone, Copy)]
        enum FileSql {
            Citizen,
            Cases,
            Plans,
            Meetings,
            Tasks,
            Measurements,
        }

        impl FileSql {
            fn sql(self) -> String {
                match self {
                    FileSql::Citizen => format!("SELECT {CITIZEN_COLUMNS} FROM citizens WHERE id = $1"),
                    FileSql::Cases => format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE citizen_id = $1 ORDER BY closed_on IS NOT NULL, opened_on DESC"
                    ),
                    FileSql::Plans => format!("SELECT {PLAN_COLUMNS} FROM plans WHERE citizen_id = $1 ORDER BY created_at DESC"),
                    FileSql::Meetings => format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE citizen_id = $1 ORDER BY starts_at"),
                    FileSql::Tasks => format!(
                        "SELECT {TASK_COLUMNS} FROM tasks WHERE citizen_id = $1 ORDER BY status = 'done', due IS NULL, due, created_at"
                    ),
                    FileSql::Measurements => format!(
                        "SELECT {MEASUREMENT_COLUMNS} FROM measurements WHERE citizen_id = $1 ORDER BY measured_at, id"
                    ),
                }
            }
        }

        const PLAN_REF_SELECT: &str = "SELECT p.id AS plan_id, p.citizen_id, c.given_name, c.family_name, m.is_coordinator, p.review_on, s.full_name AS coordinator_name \
             FROM plan_members m JOIN plans p ON p.id = m.plan_id AND p.status = 'active' \
             JOIN citizens c ON c.id = p.citizen_id JOIN staff s ON s.id = p.coordinator_id";

        async fn insert_plan_version<'e, E>(exec: E, citizen_id: CitizenId, v: &PlanVersion) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(crate::common::PLAN_VERSION_INSERT_SQL)
            .bind(citizen_id.0)
            .bind(v.plan_id.0)
            .bind(v.version)
            .bind(v.author_id.map(|a| a.0))
            .bind(&v.author_name)
            .bind(v.at)
            .bind(&v.reason)
            .bind(v.status.code())
            .bind(to_json(&v.content)?)
            .execute(exec)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        fn owner_staff(o: &Owner) -> Option<Uuid> {
            match o {
                Owner::Staff { staff_id } => Some(staff_id.0),
                _ => None,
            }
        }

        fn owner_unit(o: &Owner) -> Option<Uuid> {
            match o {
                Owner::Team { unit_id } => Some(unit_id.0),
                _ => None,
            }
        }

        async fn insert_task<'e, E>(exec: E, t: &Task) -> Result<()>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO tasks (citizen_id, id, title, owner, owner_staff_id, owner_unit_id, due, status, action_goal_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(t.citizen_id.0)
            .bind(t.id.0)
            .bind(&t.title)
            .bind(to_json(&t.owner)?)
            .bind(owner_staff(&t.owner))
            .bind(owner_unit(&t.owner))
            .bind(t.due)
            .bind(t.status.code())
            .bind(t.action_goal_id.map(|a| a.0))
            .bind(OffsetDateTime::now_utc())
            .execute(exec)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        /// The `plan_goals` rows of a plan. Goals and interventions stay projected
        /// for closed plans too: their outcomes are what statistics count.
        fn goal_rows(plan: &Plan) -> &[tvaers_domain::plan::Goal] {
            &plan.content.goals
        }

        /// The `plan_interventions` rows of a plan (closed plans too, like goals).
        fn intervention_rows(plan: &Plan) -> &[tvaers_domain::plan::Intervention] {
            &plan.content.interventions
        }

        /// The `meeting_staff` rows of a meeting: each staff attendee once.
        fn meeting_staff_rows(m: &Meeting) -> Vec<Uuid> {
            let mut seen = std::collections::HashSet::new();
            m.attendees
                .iter()
                .filter_map(|a| match a {
                    Attendee::Staff { staff_id } if seen.insert(*staff_id) => Some(staff_id.0),
                    _ => None,
                })
                .collect()
        }

        /// Bound parameters per statement, under SQLite's limit of 32,766.
        const MAX_BINDS: usize = 30_000;

        /// One multi-row `INSERT … VALUES (…), (…)` per chunk of `rows` that fits
        /// [`MAX_BINDS`]; `push` binds the `cols` values of one row.
        async fn insert_rows<T, F>(
            tx: &mut sqlx::Transaction<'_, $db>,
            head: &str,
            cols: usize,
            rows: &[T],
            mut push: F,
        ) -> Result<()>
        where
            F: FnMut(&mut sqlx::query_builder::Separated<'_, $db, &'static str>, &T),
        {
            for chunk in rows.chunks((MAX_BINDS / cols.max(1)).max(1)) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(head);
                qb.push_values(chunk, |mut b, r| push(&mut b, r));
                qb.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            Ok(())
        }

        const PLAN_GOALS_HEAD: &str =
            "INSERT INTO plan_goals (citizen_id, plan_id, goal_id, area_code, scale_kind, status, deadline) ";
        const PLAN_INTERVENTIONS_HEAD: &str =
            "INSERT INTO plan_interventions (citizen_id, plan_id, intervention_id, legal_basis, status) ";

        /// A `plan_goals` row for [`insert_rows`] under [`PLAN_GOALS_HEAD`].
        fn push_goal_row(
            b: &mut sqlx::query_builder::Separated<'_, $db, &'static str>,
            (p, g): &(&Plan, &tvaers_domain::plan::Goal),
        ) {
            b.push_bind(p.citizen_id.0).push_bind(p.id.0).push_bind(g.id.0)
                .push_bind(g.area.as_ref().map(|a| a.code.as_str())).push_bind(g.scale.code())
                .push_bind(g.status.code()).push_bind(g.deadline);
        }

        /// A `plan_interventions` row for [`insert_rows`] under [`PLAN_INTERVENTIONS_HEAD`].
        fn push_intervention_row(
            b: &mut sqlx::query_builder::Separated<'_, $db, &'static str>,
            (p, i): &(&Plan, &tvaers_domain::plan::Intervention),
        ) {
            b.push_bind(p.citizen_id.0).push_bind(p.id.0).push_bind(i.id.0)
                .push_bind(i.legal_basis.as_deref().unwrap_or("").trim()).push_bind(i.status.code());
        }

        /// Fails with NotFound when an UPDATE touched no row.
        fn expect_one(rows: u64) -> Result<()> {
            if rows == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        // --- journal (issue 6)

/// The entry's values for [`crate::common::JOURNAL_INSERT_SQL`] (`$1`–`$24`).
        fn bind_entry<'q>(
            q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            e: &'q tvaers_domain::journal::JournalEntry,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
            let utc = time::UtcOffset::UTC;
            q.bind(e.citizen_id.0)
            .bind(e.id.0)
            .bind(e.author_id.map(|a| a.0))
            .bind(&e.author_name)
            .bind(e.profession.map(|p| p.code()))
            .bind(e.unit_id.map(|u| u.0))
            // UTC, so that SQLite's text timestamps compare in time order.
            .bind(e.occurred_at.to_offset(utc))
            .bind(e.written_at.to_offset(utc))
            .bind(e.kind.code())
            .bind(e.supersedes.is_some())
            .bind(e.topic.as_ref().map(|t| t.system.clone()))
            .bind(e.topic.as_ref().map(|t| t.code.clone()))
            .bind(e.topic.as_ref().map(|t| t.display.clone()))
            .bind(&e.text)
            .bind(e.links.goal_id.map(|x| x.0))
            .bind(e.links.intervention_id.map(|x| x.0))
            .bind(e.links.meeting_id.map(|x| x.0))
            .bind(e.quotes.map(|x| x.0))
            .bind(e.sensitivity.code())
            .bind(e.supersedes.map(|x| x.0))
            .bind(&e.correction_reason)
            .bind(e.message.as_ref().map(|m| m.direction.code()))
            .bind(e.message.as_ref().and_then(|m| m.to_staff_id).map(|x| x.0))
            .bind(e.message.as_ref().and_then(|m| m.to_unit_id).map(|x| x.0))
        }

        /// The entry, its index row and its audit event, inside `tx`.
        async fn write_journal_entry(
            tx: &mut sqlx::Transaction<'_, $db>,
            e: &tvaers_domain::journal::JournalEntry,
            terms: &[String],
            audit: &NewAuditEvent,
        ) -> Result<()> {
            let seq: i64 = bind_entry(sqlx::query(crate::common::JOURNAL_INSERT_SQL), e)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?
                .try_get("seq")
                .map_err(map_err)?;
            // The index row commits with the entry: never behind, on any server.
            insert_index_row(&mut **tx, seq, e.citizen_id, terms).await?;
            insert_audit(&mut **tx, audit).await
        }

        /// [`write_journal_entry`] as one statement, atomic by itself: no
        /// `BEGIN` and `COMMIT` round trips (PostgreSQL, `ENTRY_IN_ONE`).
        async fn write_journal_entry_in_one(
            pool: &sqlx::Pool<$db>,
            e: &tvaers_domain::journal::JournalEntry,
            terms: &[String],
            audit: &NewAuditEvent,
        ) -> Result<()> {
            static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let sql = SQL.get_or_init(|| {
                format!(
                    "WITH e AS ({}), \
                     i AS (INSERT INTO {} ({}, citizen_id, terms) SELECT e.seq, $1, {} FROM e) \
                     INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES {}",
                    crate::common::JOURNAL_INSERT_SQL,
                    <$store>::FTS_TABLE,
                    <$store>::FTS_KEY,
                    <$store>::fts_document_sql("$25"),
                    audit_values_sql(26, 1),
                )
            });
            let q = bind_entry(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), e)
                .bind(<$store>::fts_document(terms));
            bind_audit(q, audit).execute(pool).await.map_err(map_err)?;
            Ok(())
        }

                const JOURNAL_SELECT: &str = "SELECT e.seq, e.citizen_id, e.id, e.author_id, e.author_name, e.profession, e.unit_id, \
             e.occurred_at, e.written_at, e.kind, e.topic_system, e.topic_code, e.topic_display, e.text, e.goal_id, \
             e.intervention_id, e.meeting_id, e.quotes, e.sensitivity, e.supersedes, e.correction_reason, \
             e.message_direction, e.to_staff_id, e.to_unit_id, \
             (SELECT s.id FROM journal_entries s WHERE s.supersedes = e.id) AS superseded_by";
        /// The correcting entry is a probe per row read (`supersedes` is
        /// unique), not a join: as a join PostgreSQL merged the page's 20
        /// entries with the whole `supersedes` index in order (8 ms on a
        /// journal of 50,000 entries, against 0.3 ms for the entries).
        const JOURNAL_FROM: &str = "journal_entries e";

        /// One entry by its id, with the entry that superseded it.
        fn journal_entry_sql() -> String {
            format!("{JOURNAL_SELECT} FROM {JOURNAL_FROM} WHERE e.id = $1")
        }

        /// `col IN (…)` over the sensitivity classes, or false for none.
        fn sensitivity_sql(col: &str, s: &[tvaers_domain::journal::Sensitivity], a: &mut Args) -> String {
            if s.is_empty() {
                return "1 = 0".into();
            }
            let p: Vec<String> = s.iter().map(|x| a.push(Arg::Text(x.code().to_string()))).collect();
            format!("{col} IN ({})", p.join(", "))
        }

        /// `col IN (…)` over ids, or false for none.
        fn uuids_sql(col: &str, ids: &[Uuid], a: &mut Args) -> String {
            if ids.is_empty() {
                return "1 = 0".into();
            }
            let p: Vec<String> = ids.iter().map(|x| a.push(Arg::Uuid(*x))).collect();
            format!("{col} IN ({})", p.join(", "))
        }

        /// The combined timeline filters as one condition.
        /// A page of one citizen's timeline, the citizen's id in `$1`
        /// (so it can share a command with [`FileSql`]'s reads).
        fn timeline_sql(
            citizen_id: CitizenId,
            f: &crate::JournalFilter,
            sensitivities: &[tvaers_domain::journal::Sensitivity],
            page: Page,
        ) -> (String, Args) {
            let mut a = Args::default();
            let c = a.push(Arg::Uuid(citizen_id.0));
            let sens = sensitivity_sql("e.sensitivity", sensitivities, &mut a);
            let filter = journal_filter_sql(f, &mut a);
            // (citizen_id, occurred_at, seq) index, read backwards.
            let sql = format!(
                "{JOURNAL_SELECT} FROM {JOURNAL_FROM} WHERE e.citizen_id = {c} AND {sens} AND {filter} \
                 ORDER BY e.occurred_at DESC, e.seq DESC LIMIT {} OFFSET {}",
                page.limit, page.offset
            );
            (sql, a)
        }

        fn journal_filter_sql(f: &crate::JournalFilter, a: &mut Args) -> String {
            let mut parts = Vec::new();
            if let Some(p) = f.profession {
                parts.push(format!("e.profession = {}", a.push(Arg::Text(p.code().to_string()))));
            }
            if let Some(u) = f.unit_id {
                parts.push(format!("e.unit_id = {}", a.push(Arg::Uuid(u.0))));
            }
            if let Some(t) = &f.topic_code {
                // An FSIII main area (J3) includes its sub-areas (J3.8).
                let exact = a.push(Arg::Text(t.clone()));
                let sub = a.push(Arg::Text(format!("{t}.%")));
                parts.push(format!("(e.topic_code = {exact} OR e.topic_code LIKE {sub})"));
            }
            match f.kind {
                Some(tvaers_domain::journal::EntryKind::Correction) => parts.push("e.is_correction".into()),
                Some(k) => parts.push(format!("e.kind = {}", a.push(Arg::Text(k.code().to_string())))),
                None => {}
            }
            if let Some(g) = f.goal_id {
                parts.push(format!("e.goal_id = {}", a.push(Arg::Uuid(g.0))));
            }
            if let Some(i) = f.intervention_id {
                parts.push(format!("e.intervention_id = {}", a.push(Arg::Uuid(i.0))));
            }
            if let Some(m) = f.meeting_id {
                parts.push(format!("e.meeting_id = {}", a.push(Arg::Uuid(m.0))));
            }
            if let Some(t) = f.from {
                parts.push(format!("e.occurred_at >= {}", a.push(Arg::Time(t))));
            }
            if let Some(t) = f.until {
                parts.push(format!("e.occurred_at < {}", a.push(Arg::Time(t))));
            }
            if parts.is_empty() { "1 = 1".into() } else { parts.join(" AND ") }
        }

        /// The relationships behind the lowest facts bits, as subqueries on
        /// citizen `citizen`: care team, an open case in one of the staff
        /// member's units, and any unexpired grant (`kind` tells which).
        fn team_sql(citizen: &str, staff: &str) -> String {
            format!("SELECT 1 FROM plan_members fm WHERE fm.citizen_id = {citizen} AND fm.staff_id = {staff}")
        }
        fn unit_case_sql(citizen: &str, staff: &str) -> String {
            format!(
                "SELECT 1 FROM cases fk WHERE fk.citizen_id = {citizen} AND fk.closed_on IS NULL AND {}",
                <$store>::unit_of_staff_sql("fk.responsible_unit_id", staff)
            )
        }
        fn grants_from_sql(citizen: &str, staff: &str, now: &str) -> String {
            format!("FROM access_grants fg WHERE fg.citizen_id = {citizen} AND fg.staff_id = {staff} AND fg.expires_at > {now}")
        }

        /// The access facts of one citizen as a query: `$1` citizen, `$2` staff
        /// member, `$3` now, `$4` organisation, `$5` today (Danish date).
        pub(crate) fn access_facts_sql() -> String {
            format!("SELECT CAST({} AS BIGINT) AS code", facts_code_sql("$1", "$2", "$3", "$4", "$5"))
        }

        /// The access facts of citizen `citizen` (a column or placeholder) for
        /// one staff member as one number, [`AccessFacts::code`]: the only
        /// definition of the facts, used for one citizen (`access_facts`) and
        /// per row of a search over every journal ([`crate::FactsScope`]).
        fn facts_code_sql(citizen: &str, staff: &str, now: &str, org: &str, today: &str) -> String {
            // Five probes, not seven: both grant kinds in one, both consent scopes in one.
            format!(
                "(CASE WHEN EXISTS ({}) THEN 1 ELSE 0 END \
                 + CASE WHEN EXISTS ({}) THEN 2 ELSE 0 END \
                 + COALESCE((SELECT SUM(DISTINCT CASE fg.kind WHEN 'break_glass' THEN 4 WHEN 'intake' THEN 8 ELSE 0 END) {}), 0) \
                 + COALESCE((SELECT MAX(CASE WHEN fc.scope = 'health' THEN 48 ELSE 16 END) {}), 0) \
                 + CASE WHEN EXISTS (SELECT 1 FROM organisations fo WHERE fo.id = {org} AND fo.kind = 'municipality') THEN 64 ELSE 0 END)",
                team_sql(citizen, staff),
                unit_case_sql(citizen, staff),
                grants_from_sql(citizen, staff, now),
                consents_from_sql(citizen, org, today, "'general', 'health'"),
            )
        }

        /// The citizen's consents in force today for the staff member's
        /// organisation, of the given scopes (an SQL list of literals).
        fn consents_from_sql(citizen: &str, org: &str, today: &str, scopes: &str) -> String {
            format!(
                "FROM consents fc WHERE fc.citizen_id = {citizen} AND (fc.organisation_id IS NULL OR fc.organisation_id = {org}) \
                 AND fc.scope IN ({scopes}) AND fc.withdrawn_at IS NULL AND fc.valid_from <= {today} \
                 AND (fc.valid_to IS NULL OR fc.valid_to >= {today})"
            )
        }

        /// Whether the staff member has any relationship to the citizen (the
        /// facts of the lowest four bits): a cheap first test that spares the
        /// full facts of the many rows a search meets that have none. The
        /// same relationships as [`RELATED_CITIZENS_SQL`]: change the two together.
        fn related_sql(citizen: &str, staff: &str, now: &str) -> String {
            let probe = <$store>::PER_ROW_PROBE;
            format!(
                "(EXISTS ({}{probe}) OR EXISTS ({}{probe}) OR EXISTS (SELECT 1 {}{probe}))",
                unit_case_sql(citizen, staff),
                team_sql(citizen, staff),
                grants_from_sql(citizen, staff, now),
            )
        }

        /// Where the reader may look: for each grant, its citizens and the
        /// classes readable for them, and the policy table if there is one;
        /// false when nothing is.
        fn scope_sql(scope: &crate::ReadScope, a: &mut Args) -> String {
            scope_sql_on(scope, "e.citizen_id", a)
        }

        /// [`scope_sql`] for the hits of a full-text search: the relationship
        /// test on the index row's citizen where the index has one.
        fn search_scope_sql(scope: &crate::ReadScope, a: &mut Args) -> String {
            scope_sql_on(scope, <$store>::FTS_CITIZEN, a)
        }

        /// The candidates of a journal search: the newest `limit` hits in
        /// scope, newest first, with what ranking needs (`hit`, `score`,
        /// `occurred_at`); `bounds` narrows them to a window of sequence
        /// numbers. A window's hits are read first and sorted, newest first,
        /// and the scope is tested on them in that order, so its probes stop
        /// at the limit (the planner otherwise tested every hit of the window
        /// before sorting).
        #[allow(clippy::too_many_arguments)]
        fn search_candidates_sql(
            q: &tvaers_domain::search::SearchQuery,
            ranked: bool,
            qp: &str,
            matches: &str,
            bounds: &str,
            scope_sql: &str,
            limit: i64,
            window: i64,
        ) -> String {
            let (key, table) = (<$store>::FTS_KEY, <$store>::FTS_TABLE);
            let (from, matches) = if window > 0 {
                (
                    format!("(SELECT i.* FROM {table} i WHERE {matches}{bounds} ORDER BY i.{key} DESC OFFSET 0) i"),
                    String::new(),
                )
            } else {
                (format!("{table} i"), format!("{matches}{bounds} AND "))
            };
            format!(
                "SELECT i.{key} AS hit, CAST({} AS DOUBLE PRECISION) AS score, e.occurred_at AS occurred_at \
                 FROM {from} JOIN journal_entries e ON e.seq = i.{key} WHERE {matches}{scope_sql} \
                 ORDER BY {} DESC LIMIT {limit}",
                // Newest first needs no score.
                if ranked { <$store>::fts_rank_sql(qp, q) } else { "0".to_string() },
                <$store>::fts_order(window),
            )
        }

        /// The entries of the hits a search shows, with their citizens' names:
        /// one parameter however many, so the statement is prepared once
        /// (PostgreSQL planned the list anew each time, 0.7 ms a search).
        fn search_hits_sql(shown: &[i64]) -> (String, Args) {
            let mut a = Args::default();
            let seqs = a.push(Arg::Text(<$store>::seqs_param(shown)));
            let sql = format!(
                "{JOURNAL_SELECT}, c.given_name, c.family_name \
                 FROM {JOURNAL_FROM} JOIN citizens c ON c.id = e.citizen_id WHERE {}",
                <$store>::seqs_in_sql("e.seq", &seqs)
            );
            (sql, a)
        }

        /// `related_citizen`: the same citizen as `e.citizen_id`, from where
        /// it is cheapest to read.
        fn scope_sql_on(scope: &crate::ReadScope, related_citizen: &str, a: &mut Args) -> String {
            let parts: Vec<String> = scope
                .grants
                .iter()
                .filter(|g| !g.citizens.is_empty() && !g.sensitivities.is_empty())
                .map(|g| {
                    let ids: Vec<Uuid> = g.citizens.iter().map(|c| c.0).collect();
                    // One parameter however many citizens (SQLite allows 32,766).
                    let p = a.push(Arg::Text(<$store>::ids_param(&ids)));
                    let c = <$store>::ids_in_sql("e.citizen_id", &p);
                    let s = sensitivity_sql("e.sensitivity", &g.sensitivities, a);
                    format!("({c} AND {s})")
                })
                .collect();
            let mut parts = parts;
            if let Some(f) = &scope.by_facts {
                parts.push(facts_scope_sql(f, "e.citizen_id", related_citizen, "e.sensitivity", a));
            }
            if parts.is_empty() { "1 = 0".into() } else { format!("({})", parts.join(" OR ")) }
        }

        /// The policy's table as a predicate on one row: the row's facts code,
        /// plus 128 for a sensitive health entry, must be one the table admits.
        fn facts_scope_sql(
            f: &crate::FactsScope,
            citizen: &str,
            related_citizen: &str,
            sensitivity: &str,
            a: &mut Args,
        ) -> String {
            let keys: Vec<String> = f
                .general
                .iter()
                .map(|c| u16::from(*c))
                .chain(f.health.iter().map(|c| u16::from(*c) + u16::from(AccessFacts::CODES)))
                .map(|k| k.to_string())
                .collect();
            if keys.is_empty() {
                return "1 = 0".into();
            }
            let (staff, now) = (a.push(Arg::Uuid(f.staff_id.0)), a.push(Arg::Time(f.now)));
            let (org, today) = (
                a.push(Arg::Uuid(f.organisation_id.0)),
                a.push(Arg::Date(tvaers_domain::calendar::danish_date(f.now))),
            );
            let code = facts_code_sql(citizen, &staff, &now, &org, &today);
            let health = a.push(Arg::Text(tvaers_domain::journal::Sensitivity::Health.code().to_string()));
            let admitted = format!(
                "((CASE WHEN {sensitivity} = {health} THEN {} ELSE 0 END + {code}) IN ({}))",
                AccessFacts::CODES,
                keys.join(", ")
            );
            // Cheap first tests that spare the full facts of the many rows a
            // search meets and may not read. When the table admits nobody
            // without a relationship (the policy as it stands), test for one.
            let mut first = Vec::new();
            if f.admits_only_related() {
                first.push(related_sql(related_citizen, &staff, &now));
            }
            // Sensitive health entries: none readable, or only with the
            // citizen's consent to share health data (the policy for staff
            // outside the health professions) — one probe, not the facts.
            let consent_health = AccessFacts {
                consent_health: true,
                ..AccessFacts::default()
            }
            .code();
            if f.health.is_empty() {
                first.push(format!("{sensitivity} <> {health}"));
            } else if f.health.iter().all(|c| c & consent_health != 0) {
                first.push(format!(
                    "({sensitivity} <> {health} OR EXISTS (SELECT 1 {}))",
                    consents_from_sql(citizen, &org, &today, "'health'")
                ));
            }
            first.push(admitted);
            format!("({})", first.join(" AND "))
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                self.run_migrations().await
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(self.read()).await.map_err(map_err)?;
                Ok(())
            }

            async fn create_organisation(&self, org: &Organisation) -> Result<()> {
                sqlx::query("INSERT INTO organisations (id, name, kind) VALUES ($1, $2, $3)")
                    .bind(org.id.0)
                    .bind(&org.name)
                    .bind(org.kind.code())
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn list_organisations(&self) -> Result<Vec<Organisation>> {
                sqlx::query("SELECT id, name, kind FROM organisations ORDER BY name")
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(row_organisation)
                    .collect()
            }

            async fn get_organisation(&self, id: OrganisationId) -> Result<Option<Organisation>> {
                sqlx::query("SELECT id, name, kind FROM organisations WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_organisation)
                    .transpose()
            }

            async fn create_unit(&self, unit: &Unit) -> Result<()> {
                sqlx::query("INSERT INTO units (id, organisation_id, parent_id, name, kind) VALUES ($1, $2, $3, $4, $5)")
                    .bind(unit.id.0)
                    .bind(unit.organisation_id.0)
                    .bind(unit.parent_id.map(|p| p.0))
                    .bind(&unit.name)
                    .bind(unit.kind.code())
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn update_unit(&self, unit: &Unit) -> Result<()> {
                let r = sqlx::query("UPDATE units SET parent_id = $2, name = $3, kind = $4 WHERE id = $1")
                    .bind(unit.id.0)
                    .bind(unit.parent_id.map(|p| p.0))
                    .bind(&unit.name)
                    .bind(unit.kind.code())
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                expect_one(r.rows_affected())
            }

            async fn get_unit(&self, id: UnitId) -> Result<Option<Unit>> {
                sqlx::query("SELECT id, organisation_id, parent_id, name, kind FROM units WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_unit)
                    .transpose()
            }

            async fn list_units(&self) -> Result<Vec<Unit>> {
                sqlx::query("SELECT id, organisation_id, parent_id, name, kind FROM units ORDER BY name")
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(row_unit)
                    .collect()
            }

            async fn create_staff(&self, staff: &Staff, password_hash: Option<&str>) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO staff (id, username, full_name, profession, organisation_id, email, active, password_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(staff.id.0)
                .bind(&staff.username)
                .bind(&staff.full_name)
                .bind(staff.profession.code())
                .bind(staff.organisation_id.0)
                .bind(&staff.email)
                .bind(staff.active)
                .bind(password_hash)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                for u in &staff.unit_ids {
                    sqlx::query("INSERT INTO staff_units (staff_id, unit_id) VALUES ($1, $2)")
                        .bind(staff.id.0)
                        .bind(u.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn update_staff(&self, staff: &Staff) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                let r = sqlx::query(
                    "UPDATE staff SET username = $2, full_name = $3, profession = $4, organisation_id = $5, email = $6, active = $7 WHERE id = $1",
                )
                .bind(staff.id.0)
                .bind(&staff.username)
                .bind(&staff.full_name)
                .bind(staff.profession.code())
                .bind(staff.organisation_id.0)
                .bind(&staff.email)
                .bind(staff.active)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                expect_one(r.rows_affected())?;
                sqlx::query("DELETE FROM staff_units WHERE staff_id = $1")
                    .bind(staff.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for u in &staff.unit_ids {
                    sqlx::query("INSERT INTO staff_units (staff_id, unit_id) VALUES ($1, $2)")
                        .bind(staff.id.0)
                        .bind(u.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)?;
                self.sessions_changed();
                Ok(())
            }

            async fn set_password_hash(&self, id: StaffId, hash: &str) -> Result<()> {
                let r = sqlx::query("UPDATE staff SET password_hash = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(hash)
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                expect_one(r.rows_affected())
            }

            async fn get_staff(&self, id: StaffId) -> Result<Option<Staff>> {
                let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = $1")))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                else {
                    return Ok(None);
                };
                let units = self.units_of(id).await?;
                row_staff(&row, units).map(Some)
            }

            async fn get_staff_by_username(&self, username: &str) -> Result<Option<(Staff, Option<String>)>> {
                let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {STAFF_COLUMNS}, password_hash FROM staff WHERE username = $1")))
                    .bind(username)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                else {
                    return Ok(None);
                };
                let id = StaffId(row.try_get("id").map_err(map_err)?);
                let hash: Option<String> = row.try_get("password_hash").map_err(map_err)?;
                let units = self.units_of(id).await?;
                Ok(Some((row_staff(&row, units)?, hash)))
            }

            async fn list_staff(&self, page: Page) -> Result<Vec<Staff>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {STAFF_COLUMNS} FROM staff ORDER BY full_name, id LIMIT $1 OFFSET $2"
                )))
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                let memberships = sqlx::query(
                    "SELECT su.staff_id, su.unit_id FROM staff_units su \
                     JOIN (SELECT id FROM staff ORDER BY full_name, id LIMIT $1 OFFSET $2) s ON s.id = su.staff_id",
                )
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                let mut by_staff: std::collections::HashMap<Uuid, Vec<UnitId>> = std::collections::HashMap::new();
                for m in &memberships {
                    let s: Uuid = m.try_get("staff_id").map_err(map_err)?;
                    let u: Uuid = m.try_get("unit_id").map_err(map_err)?;
                    by_staff.entry(s).or_default().push(UnitId(u));
                }
                rows.iter()
                    .map(|r| {
                        let id: Uuid = r.try_get("id").map_err(map_err)?;
                        row_staff(r, by_staff.remove(&id).unwrap_or_default())
                    })
                    .collect()
            }

            async fn count_staff(&self) -> Result<i64> {
                sqlx::query_scalar("SELECT COUNT(*) FROM staff")
                    .fetch_one(self.read())
                    .await
                    .map_err(map_err)
            }

            async fn create_citizen(&self, citizen: &Citizen, intake: Option<&AccessGrant>, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                insert_citizen(&mut *tx, citizen).await?;
                if let Some(g) = intake {
                    insert_grant(&mut *tx, g).await?;
                }
                insert_audit(&mut *tx, audit).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn update_citizen(&self, c: &Citizen, audit: &NewAuditEvent) -> Result<()> {
                let relatives = serde_json::to_string(&c.relatives).map_err(|e| StoreError::Database(e.to_string()))?;
                let mut tx = self.write().begin().await.map_err(map_err)?;
                let r = sqlx::query(
                    "UPDATE citizens SET cpr = $2, given_name = $3, family_name = $4, name_key = $5, family_key = $6, \
                     address = $7, postal_code = $8, city = $9, phone = $10, email = $11, relatives = $12, updated_at = $13, birth_date = $14 WHERE id = $1",
                )
                .bind(c.id.0)
                .bind(c.cpr.digits())
                .bind(&c.given_name)
                .bind(&c.family_name)
                .bind(search_key(&format!("{} {}", c.given_name, c.family_name)))
                .bind(search_key(&format!("{} {}", c.family_name, c.given_name)))
                .bind(&c.address)
                .bind(&c.postal_code)
                .bind(&c.city)
                .bind(&c.phone)
                .bind(&c.email)
                .bind(relatives)
                .bind(OffsetDateTime::now_utc())
                .bind(c.cpr.birth_date())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                expect_one(r.rows_affected())?;
                insert_audit(&mut *tx, audit).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_citizen(&self, id: CitizenId) -> Result<Option<Citizen>> {
                if let Some(found) = crate::common::InlineReads::inline_citizen(self, id) {
                    return found;
                }
                sqlx::query(sqlx::AssertSqlSafe(FileSql::Citizen.sql()))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_citizen)
                    .transpose()
            }

            async fn citizen_file(&self, id: CitizenId) -> Result<CitizenFile> {
                self.citizen_file_at(id, None).await
            }

            async fn citizen_file_at(&self, id: CitizenId, version: Option<i64>) -> Result<CitizenFile> {
                // The version first, then the rows (see crate::file_cache).
                let version = match version {
                    Some(v) => v,
                    None => self.citizen_version(id).await?,
                };
                if let Some(file) = self.files.citizen(id, version) {
                    return Ok(file);
                }
                let file = self.read_citizen_file(id).await?;
                self.files.keep_citizen(id, version, &file);
                Ok(file)
            }

            async fn journal_file(
                &self,
                citizen_id: CitizenId,
                timeline: Option<(&crate::JournalFilter, &[tvaers_domain::journal::Sensitivity], Page)>,
            ) -> Result<crate::JournalFile> {
                self.journal_file_at(citizen_id, timeline, None).await
            }

            async fn journal_file_at(
                &self,
                citizen_id: CitizenId,
                timeline: Option<(&crate::JournalFilter, &[tvaers_domain::journal::Sensitivity], Page)>,
                version: Option<i64>,
            ) -> Result<crate::JournalFile> {
                // Only the page as it opens is kept: any other needs no version.
                let Some(key) = crate::file_cache::journal_key(citizen_id, timeline) else {
                    return self.read_journal_file(citizen_id, timeline).await;
                };
                let version = match version {
                    Some(v) => v,
                    None => self.citizen_version(citizen_id).await?,
                };
                if let Some(file) = self.files.journal(&key, version) {
                    return Ok(file);
                }
                let file = self.read_journal_file(citizen_id, timeline).await?;
                self.files.keep_journal(key, version, &file);
                Ok(file)
            }

            async fn find_citizen_by_cpr(&self, cpr: &Cpr) -> Result<Option<Citizen>> {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CITIZEN_COLUMNS} FROM citizens WHERE cpr = $1")))
                    .bind(cpr.digits())
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_citizen)
                    .transpose()
            }

            async fn search_citizens(&self, prefix: &str, page: Page) -> Result<Vec<CitizenSummary>> {
                // Family-name matches first (by family name), then given-name matches
                // that are not also family matches (by given name). Each part is one
                // index range scan that stops at the page, on both backends.
                let upper = format!("{prefix}\u{10FFFF}");
                let cols = "id, cpr, given_name, family_name, address, city";
                let fam = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {cols} FROM citizens WHERE family_key >= $1 AND family_key < $2 \
                     ORDER BY family_key, id LIMIT $3 OFFSET $4"
                )))
                .bind(prefix)
                .bind(&upper)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                let mut rows = fam;
                let missing = page.limit - rows.len() as i64;
                if missing > 0 {
                    // How many family matches the offset has passed, to continue in the second part.
                    let fam_total: i64 = if rows.is_empty() {
                        sqlx::query_scalar("SELECT COUNT(*) FROM citizens WHERE family_key >= $1 AND family_key < $2")
                            .bind(prefix)
                            .bind(&upper)
                            .fetch_one(self.read())
                            .await
                            .map_err(map_err)?
                    } else {
                        page.offset + rows.len() as i64
                    };
                    let offset2 = (page.offset - fam_total).max(0);
                    let given = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {cols} FROM citizens WHERE name_key >= $1 AND name_key < $2 \
                         AND NOT (family_key >= $1 AND family_key < $2) ORDER BY name_key, id LIMIT $3 OFFSET $4"
                    )))
                    .bind(prefix)
                    .bind(&upper)
                    .bind(missing)
                    .bind(offset2)
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?;
                    rows.extend(given);
                }
                rows.iter()
                    .map(|r| {
                        Ok(CitizenSummary {
                            works_with: false,
                            id: CitizenId(r.try_get("id").map_err(map_err)?),
                            cpr: row_cpr(r)?,
                            given_name: r.try_get("given_name").map_err(map_err)?,
                            family_name: r.try_get("family_name").map_err(map_err)?,
                            address: r.try_get("address").map_err(map_err)?,
                            city: r.try_get("city").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn count_citizens(&self) -> Result<i64> {
                sqlx::query_scalar("SELECT COUNT(*) FROM citizens")
                    .fetch_one(self.read())
                    .await
                    .map_err(map_err)
            }

            async fn insert_citizens_bulk(&self, citizens: &[Citizen], cases: &[Case]) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                for c in citizens {
                    insert_citizen(&mut *tx, c).await?;
                }
                for c in cases {
                    insert_case(&mut *tx, c).await?;
                }
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn list_citizens_after(&self, after: Option<CitizenId>, limit: i64) -> Result<Vec<Citizen>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {CITIZEN_COLUMNS} FROM citizens WHERE id > $1 ORDER BY id LIMIT $2"
                )))
                .bind(after.map(|a| a.0).unwrap_or(Uuid::nil()))
                .bind(limit.clamp(1, 10_000))
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_citizen)
                .collect()
            }

            async fn create_case(&self, case: &Case, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                insert_case(&mut *tx, case).await?;
                insert_audit(&mut *tx, audit).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn update_case(&self, c: &Case, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                let r = sqlx::query(
                    "UPDATE cases SET area = $3, title = $4, legal_basis = $5, responsible_unit_id = $6, \
                     case_worker_id = $7, opened_on = $8, closed_on = $9 WHERE citizen_id = $1 AND id = $2",
                )
                .bind(c.citizen_id.0)
                .bind(c.id.0)
                .bind(c.area.code())
                .bind(&c.title)
                .bind(&c.legal_basis)
                .bind(c.responsible_unit_id.0)
                .bind(c.case_worker_id.map(|s| s.0))
                .bind(c.opened_on)
                .bind(c.closed_on)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                expect_one(r.rows_affected())?;
                insert_audit(&mut *tx, audit).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_case(&self, id: CaseId) -> Result<Option<Case>> {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1")))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_case)
                    .transpose()
            }

            async fn list_cases_for_citizen(&self, citizen_id: CitizenId) -> Result<Vec<Case>> {
                sqlx::query(sqlx::AssertSqlSafe(FileSql::Cases.sql()))
                .bind(citizen_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_case)
                .collect()
            }

            async fn list_cases_for_citizens(&self, citizen_ids: &[CitizenId]) -> Result<Vec<Case>> {
                let mut out = Vec::new();
                for chunk in citizen_ids.chunks(MAX_BINDS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT {CASE_COLUMNS} FROM cases WHERE citizen_id IN ("));
                    let mut ids = qb.separated(", ");
                    for id in chunk {
                        ids.push_bind(id.0);
                    }
                    qb.push(") ORDER BY citizen_id, opened_on, id");
                    for r in qb.build().fetch_all(self.read()).await.map_err(map_err)? {
                        out.push(row_case(&r)?);
                    }
                }
                Ok(out)
            }

            async fn caseloads(&self, unit: Option<UnitId>) -> Result<Vec<Caseload>> {
                let sql = if unit.is_some() {
                    "SELECT s.id, s.full_name, COUNT(*) AS n FROM cases c JOIN staff s ON s.id = c.case_worker_id \
                     WHERE c.closed_on IS NULL AND c.responsible_unit_id = $1 GROUP BY s.id, s.full_name ORDER BY n DESC, s.full_name"
                } else {
                    "SELECT s.id, s.full_name, COUNT(*) AS n FROM cases c JOIN staff s ON s.id = c.case_worker_id \
                     WHERE c.closed_on IS NULL GROUP BY s.id, s.full_name ORDER BY n DESC, s.full_name"
                };
                let mut q = sqlx::query(sql);
                if let Some(u) = unit {
                    q = q.bind(u.0);
                }
                q.fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|r| {
                        Ok(Caseload {
                            staff_id: StaffId(r.try_get("id").map_err(map_err)?),
                            full_name: r.try_get("full_name").map_err(map_err)?,
                            open_cases: r.try_get("n").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn caseloads_by_unit(&self) -> Result<Vec<(UnitId, Caseload)>> {
                sqlx::query(
                    "SELECT c.responsible_unit_id AS unit_id, s.id, s.full_name, COUNT(*) AS n FROM cases c JOIN staff s ON s.id = c.case_worker_id \
                     WHERE c.closed_on IS NULL GROUP BY c.responsible_unit_id, s.id, s.full_name ORDER BY c.responsible_unit_id, n DESC, s.full_name",
                )
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(|r| {
                    Ok((
                        UnitId(r.try_get("unit_id").map_err(map_err)?),
                        Caseload {
                            staff_id: StaffId(r.try_get("id").map_err(map_err)?),
                            full_name: r.try_get("full_name").map_err(map_err)?,
                            open_cases: r.try_get("n").map_err(map_err)?,
                        },
                    ))
                })
                .collect()
            }

            async fn create_session(&self, s: &Session) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, staff_id, kind, csrf_token, created_at, last_seen_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&s.token_hash)
                .bind(s.staff_id.0)
                .bind(s.kind.code())
                .bind(&s.csrf_token)
                .bind(s.created_at)
                .bind(s.last_seen_at)
                .bind(s.expires_at)
                .execute(self.write())
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn get_session(&self, token_hash: &str) -> Result<Option<(Session, Staff)>> {
                if let Some(found) = crate::common::InlineReads::inline_session(self, token_hash) {
                    return found;
                }
                let cache = crate::common::InlineReads::session_cache(self);
                if let Some(hit) = cache.and_then(|c| c.get(token_hash)) {
                    return Ok(Some(hit));
                }
                let epoch = cache.map(|c| c.epoch());
                let rows = sqlx::query(SESSION_SQL)
                    .bind(token_hash)
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?;
                let Some(first) = rows.first() else {
                    return Ok(None);
                };
                let mut units = Vec::with_capacity(rows.len());
                for r in &rows {
                    if let Some(u) = r.try_get::<Option<Uuid>, _>("unit_id").map_err(map_err)? {
                        units.push(UnitId(u));
                    }
                }
                let found = (row_session(first)?, row_staff(first, units)?);
                if let (Some(c), Some(epoch)) = (cache, epoch) {
                    c.fill(epoch, &found);
                }
                Ok(Some(found))
            }

            async fn touch_session(&self, token_hash: &str, at: OffsetDateTime) -> Result<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                    .bind(token_hash)
                    .bind(at)
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                if let Some(c) = crate::common::InlineReads::session_cache(self) {
                    c.touched(token_hash, at);
                }
                Ok(())
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                self.sessions_changed();
                Ok(())
            }

            async fn delete_sessions_of(&self, staff_id: StaffId) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
                    .bind(staff_id.0)
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                self.sessions_changed();
                Ok(())
            }

            async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
                let mut n = 0;
                // Staff and portal sessions alike: a portal session is otherwise
                // removed only when its cookie comes back after it expired.
                for sql in [
                    "DELETE FROM sessions WHERE expires_at < $1",
                    "DELETE FROM portal_sessions WHERE expires_at < $1",
                ] {
                    n += sqlx::query(sql).bind(now).execute(self.write()).await.map_err(map_err)?.rows_affected();
                }
                Ok(n)
            }

            async fn append_audit(&self, event: &NewAuditEvent) -> Result<()> {
                insert_audit_into(self.write(), <$store>::AUDIT_LOG_TABLE, event).await
            }

            fn audit_log(&self) -> Result<Option<Box<dyn crate::AuditLog>>> {
                <$store>::open_audit_log(self)
            }

            async fn append_audit_batch(&self, events: &[NewAuditEvent]) -> Result<()> {
                // One event commits on its own: no BEGIN and COMMIT round trips.
                match events {
                    [] => return Ok(()),
                    [one] => return insert_audit_into(self.write(), <$store>::AUDIT_LOG_TABLE, one).await,
                    // One statement is atomic by itself: no BEGIN and COMMIT either.
                    few if few.len() <= AUDIT_ROWS_PER_INSERT => {
                        return insert_audit_rows(self.write(), <$store>::AUDIT_LOG_TABLE, few).await;
                    }
                    _ => {}
                }
                // Multi-row INSERTs: one statement per chunk rather than one
                // per event (on SQLite each statement is a round trip to the
                // connection's thread — a search across journals audits a
                // page of citizens). 12 values a row stays far below both
                // backends' limit on bound values.
                let mut tx = self.write().begin().await.map_err(map_err)?;
                for chunk in events.chunks(AUDIT_ROWS_PER_INSERT) {
                    insert_audit_rows(&mut *tx, <$store>::AUDIT_LOG_TABLE, chunk).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn create_plan(&self, plan: &Plan, first: &PlanVersion, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO plans (citizen_id, id, status, version, content, coordinator_id, review_on, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(plan.citizen_id.0)
                .bind(plan.id.0)
                .bind(plan.status.code())
                .bind(plan.version)
                .bind(to_json(&plan.content)?)
                .bind(plan.content.coordinator.0)
                .bind(plan.content.review_on)
                .bind(plan.created_at)
                .bind(plan.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                insert_plan_version(&mut *tx, plan.citizen_id, first).await?;
                self.write_members(&mut tx, plan).await?;
                insert_audit(&mut *tx, audit).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn save_plan(&self, plan: &Plan, expected: i64, version: &PlanVersion, audit: &NewAuditEvent) -> Result<()> {
                if let Some(w) = crate::common::InlineWrites::sqlite_writer(self) {
                    let (plan, version, audit) = (plan.clone(), version.clone(), audit.clone());
                    return w.run(move |c| crate::sqlite_write::save_plan(c, &plan, expected, &version, &audit)).await;
                }
                let mut tx = self.write().begin().await.map_err(map_err)?;
                let r = sqlx::query(crate::common::PLAN_UPDATE_SQL)
                .bind(plan.citizen_id.0)
                .bind(plan.id.0)
                .bind(plan.status.code())
                .bind(plan.version)
                .bind(to_json(&plan.content)?)
                .bind(plan.content.coordinator.0)
                .bind(plan.content.review_on)
                .bind(plan.updated_at)
                .bind(expected)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::Stale);
                }
                insert_plan_version(&mut *tx, plan.citizen_id, version).await?;
                self.write_members(&mut tx, plan).await?;
                insert_audit(&mut *tx, audit).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_plan(&self, id: PlanId) -> Result<Option<Plan>> {
                if let Some(found) = crate::common::InlineReads::inline_plan(self, id) {
                    return found;
                }
                sqlx::query(sqlx::AssertSqlSafe(plan_by_id_sql()))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_plan)
                    .transpose()
            }

            async fn active_plan(&self, citizen_id: CitizenId) -> Result<Option<Plan>> {
                if let Some(found) = crate::common::InlineReads::inline_active_plan(self, citizen_id) {
                    return found;
                }
                sqlx::query(sqlx::AssertSqlSafe(active_plan_sql()))
                .bind(citizen_id.0)
                .fetch_optional(self.read())
                .await
                .map_err(map_err)?
                .as_ref()
                .map(row_plan)
                .transpose()
            }

            async fn list_plans(&self, citizen_id: CitizenId) -> Result<Vec<Plan>> {
                sqlx::query(sqlx::AssertSqlSafe(FileSql::Plans.sql()))
                .bind(citizen_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_plan)
                .collect()
            }

            async fn list_plan_versions(&self, plan_id: PlanId) -> Result<Vec<PlanVersion>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PLAN_VERSION_COLUMNS} FROM plan_versions WHERE plan_id = $1 ORDER BY version DESC"
                )))
                .bind(plan_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_plan_version)
                .collect()
            }

            async fn get_plan_version(&self, plan_id: PlanId, version: i64) -> Result<Option<PlanVersion>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PLAN_VERSION_COLUMNS} FROM plan_versions WHERE plan_id = $1 AND version = $2"
                )))
                .bind(plan_id.0)
                .bind(version)
                .fetch_optional(self.read())
                .await
                .map_err(map_err)?
                .as_ref()
                .map(row_plan_version)
                .transpose()
            }

            async fn import_plans(&self, plans: &[PlanImport]) -> Result<u64> {
                for p in plans {
                    let last = p.versions.last().ok_or_else(|| corrupt("imported plan without versions"))?;
                    if last.version != p.plan.version || last.content != p.plan.content || last.status != p.plan.status {
                        return Err(corrupt("imported plan differs from its last version"));
                    }
                }
                let mut tx = self.write().begin().await.map_err(map_err)?;
                // Citizens who have a plan already are skipped: a re-run adds nothing.
                let mut taken = std::collections::HashSet::new();
                let ids: Vec<Uuid> = plans.iter().map(|p| p.plan.citizen_id.0).collect();
                for chunk in ids.chunks(MAX_BINDS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT DISTINCT citizen_id FROM plans WHERE citizen_id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    for r in qb.build().fetch_all(&mut *tx).await.map_err(map_err)? {
                        taken.insert(r.try_get::<Uuid, _>("citizen_id").map_err(map_err)?);
                    }
                }
                let todo: Vec<&PlanImport> = plans.iter().filter(|p| taken.insert(p.plan.citizen_id.0)).collect();
                if todo.is_empty() {
                    tx.commit().await.map_err(map_err)?;
                    return Ok(0);
                }
                let now = OffsetDateTime::now_utc();
                let plan_rows = todo
                    .iter()
                    .map(|p| Ok((&p.plan, to_json(&p.plan.content)?)))
                    .collect::<Result<Vec<_>>>()?;
                insert_rows(&mut tx,
                    "INSERT INTO plans (citizen_id, id, status, version, content, coordinator_id, review_on, created_at, updated_at) ",
                    9, &plan_rows, |b, (p, content)| {
                        b.push_bind(p.citizen_id.0).push_bind(p.id.0).push_bind(p.status.code()).push_bind(p.version)
                            .push_bind(content.as_str()).push_bind(p.content.coordinator.0).push_bind(p.content.review_on)
                            .push_bind(p.created_at).push_bind(p.updated_at);
                    }).await?;
                let version_rows = todo
                    .iter()
                    .flat_map(|p| p.versions.iter().map(move |v| (p.plan.citizen_id, v)))
                    .map(|(c, v)| Ok((c, v, to_json(&v.content)?)))
                    .collect::<Result<Vec<_>>>()?;
                insert_rows(&mut tx,
                    "INSERT INTO plan_versions (citizen_id, plan_id, version, author_id, author_name, at, reason, status, content) ",
                    9, &version_rows, |b, (c, v, content)| {
                        b.push_bind(c.0).push_bind(v.plan_id.0).push_bind(v.version).push_bind(v.author_id.map(|a| a.0))
                            .push_bind(v.author_name.as_str()).push_bind(v.at).push_bind(v.reason.as_str())
                            .push_bind(v.status.code()).push_bind(content.as_str());
                    }).await?;
                let member_rows: Vec<(&Plan, Uuid, bool)> = todo
                    .iter()
                    .flat_map(|p| member_rows(&p.plan).into_iter().map(move |(s, c)| (&p.plan, s, c)))
                    .collect();
                insert_rows(&mut tx,
                    "INSERT INTO plan_members (citizen_id, plan_id, staff_id, is_coordinator) ",
                    4, &member_rows, |b, (p, s, c)| {
                        b.push_bind(p.citizen_id.0).push_bind(p.id.0).push_bind(*s).push_bind(*c);
                    }).await?;
                let goals: Vec<(&Plan, &tvaers_domain::plan::Goal)> = todo
                    .iter()
                    .flat_map(|p| goal_rows(&p.plan).iter().map(move |g| (&p.plan, g)))
                    .collect();
                insert_rows(&mut tx, PLAN_GOALS_HEAD, 7, &goals, push_goal_row).await?;
                let interventions: Vec<(&Plan, &tvaers_domain::plan::Intervention)> = todo
                    .iter()
                    .flat_map(|p| intervention_rows(&p.plan).iter().map(move |i| (&p.plan, i)))
                    .collect();
                insert_rows(&mut tx, PLAN_INTERVENTIONS_HEAD, 5, &interventions, push_intervention_row).await?;
                let meeting_rows = todo
                    .iter()
                    .flat_map(|p| p.meetings.iter())
                    .map(|m| Ok((m, to_json(&m.attendees)?)))
                    .collect::<Result<Vec<_>>>()?;
                insert_rows(&mut tx,
                    "INSERT INTO meetings (citizen_id, id, plan_id, kind, starts_at, location, attendees, agenda, minutes, status, previous_meeting_id) ",
                    11, &meeting_rows, |b, (m, attendees)| {
                        b.push_bind(m.citizen_id.0).push_bind(m.id.0).push_bind(m.plan_id.map(|p| p.0)).push_bind(m.kind.code())
                            .push_bind(m.starts_at).push_bind(m.location.as_str()).push_bind(attendees.as_str())
                            .push_bind(m.agenda.as_str()).push_bind(m.minutes.as_str()).push_bind(m.status.code())
                            .push_bind(m.previous_meeting_id.map(|p| p.0));
                    }).await?;
                let staff_rows: Vec<(&Meeting, Uuid)> = meeting_rows
                    .iter()
                    .flat_map(|(m, _)| meeting_staff_rows(m).into_iter().map(move |s| (*m, s)))
                    .collect();
                insert_rows(&mut tx,
                    "INSERT INTO meeting_staff (citizen_id, meeting_id, staff_id, starts_at) ",
                    4, &staff_rows, |b, (m, s)| {
                        b.push_bind(m.citizen_id.0).push_bind(m.id.0).push_bind(*s).push_bind(m.starts_at);
                    }).await?;
                let mut goal_rows = Vec::new();
                for p in &todo {
                    let mut position: std::collections::HashMap<MeetingId, i64> = std::collections::HashMap::new();
                    for g in &p.action_goals {
                        let pos = position.entry(g.meeting_id).or_insert(0);
                        goal_rows.push((p.plan.citizen_id, *pos, g, to_json(&g.owner)?));
                        *pos += 1;
                    }
                }
                insert_rows(&mut tx,
                    "INSERT INTO action_goals (citizen_id, id, meeting_id, position, text, owner, due, review_outcome, review_comment, review_meeting_id) ",
                    10, &goal_rows, |b, (c, pos, g, owner)| {
                        b.push_bind(c.0).push_bind(g.id.0).push_bind(g.meeting_id.0).push_bind(*pos).push_bind(g.text.as_str())
                            .push_bind(owner.as_str()).push_bind(g.due)
                            .push_bind(g.review.as_ref().map(|r| r.outcome.code()))
                            .push_bind(g.review.as_ref().map(|r| r.comment.as_str()))
                            .push_bind(g.review.as_ref().map(|r| r.meeting_id.0));
                    }).await?;
                let task_rows = todo
                    .iter()
                    .flat_map(|p| p.tasks.iter())
                    .map(|t| Ok((t, to_json(&t.owner)?)))
                    .collect::<Result<Vec<_>>>()?;
                insert_rows(&mut tx,
                    "INSERT INTO tasks (citizen_id, id, title, owner, owner_staff_id, owner_unit_id, due, status, action_goal_id, created_at) ",
                    10, &task_rows, |b, (t, owner)| {
                        b.push_bind(t.citizen_id.0).push_bind(t.id.0).push_bind(t.title.as_str()).push_bind(owner.as_str())
                            .push_bind(owner_staff(&t.owner)).push_bind(owner_unit(&t.owner)).push_bind(t.due)
                            .push_bind(t.status.code()).push_bind(t.action_goal_id.map(|a| a.0)).push_bind(now);
                    }).await?;
                let utc = time::UtcOffset::UTC;
                let measurement_rows = todo
                    .iter()
                    .flat_map(|p| p.measurements.iter())
                    .map(|m| Ok((m, reading_values(&m.reading), to_json(&m.scale)?, to_json(&m.reading)?, to_json(&m.assessor)?)))
                    .collect::<Result<Vec<_>>>()?;
                insert_rows(&mut tx,
                    "INSERT INTO measurements (citizen_id, id, plan_id, goal_id, area_system, area_code, area_display, scale_kind, scale, kind, \
                     value, expected, reading, measured_at, recorded_at, assessor, recorded_by, note, meeting_id, supersedes, correction_reason) ",
                    21, &measurement_rows, |b, (m, (value, expected), scale, reading, assessor)| {
                        b.push_bind(m.citizen_id.0).push_bind(m.id.0).push_bind(m.plan_id.map(|p| p.0))
                            .push_bind(m.goal_id.map(|g| g.0))
                            .push_bind(m.area.as_ref().map(|a| a.system.as_str()))
                            .push_bind(m.area.as_ref().map(|a| a.code.as_str()))
                            .push_bind(m.area.as_ref().map(|a| a.display.as_str()))
                            .push_bind(m.scale.code()).push_bind(scale.as_str()).push_bind(m.reading.code())
                            .push_bind(*value).push_bind(*expected).push_bind(reading.as_str())
                            // UTC, so that SQLite's text timestamps compare in time order (as add_measurement).
                            .push_bind(m.measured_at.to_offset(utc)).push_bind(m.recorded_at.to_offset(utc))
                            .push_bind(assessor.as_str()).push_bind(m.recorded_by.map(|s| s.0)).push_bind(m.note.as_str())
                            .push_bind(m.meeting_id.map(|x| x.0)).push_bind(m.supersedes.map(|x| x.0))
                            .push_bind(m.correction_reason.as_deref());
                    }).await?;
                // Imports are bulk loads (the demo), not concurrent with writes of
                // the same citizens, so the series are recomputed without locks.
                let measured: Vec<Uuid> = todo.iter().filter(|p| !p.measurements.is_empty()).map(|p| p.plan.citizen_id.0).collect();
                recompute_series_of(&mut tx, &measured).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(todo.len() as u64)
            }

            async fn create_meeting(&self, m: &Meeting, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                self.insert_meeting(&mut tx, m).await?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn update_meeting(&self, m: &Meeting, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                self.update_meeting_row(&mut tx, m).await?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_meeting(&self, id: MeetingId) -> Result<Option<Meeting>> {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1")))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_meeting)
                    .transpose()
            }

            async fn list_meetings(&self, citizen_id: CitizenId) -> Result<Vec<Meeting>> {
                sqlx::query(sqlx::AssertSqlSafe(FileSql::Meetings.sql()))
                .bind(citizen_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_meeting)
                .collect()
            }

            async fn list_action_goals(&self, meeting_id: MeetingId) -> Result<Vec<ActionGoal>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ACTION_GOAL_COLUMNS} FROM action_goals WHERE meeting_id = $1 ORDER BY position"
                )))
                .bind(meeting_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_action_goal)
                .collect()
            }

            async fn close_meeting(&self, c: &MeetingClose, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                self.update_meeting_row(&mut tx, &c.meeting).await?;
                for (i, g) in c.action_goals.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO action_goals (citizen_id, id, meeting_id, position, text, owner, due) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(c.meeting.citizen_id.0)
                    .bind(g.id.0)
                    .bind(g.meeting_id.0)
                    .bind(i as i64)
                    .bind(&g.text)
                    .bind(to_json(&g.owner)?)
                    .bind(g.due)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                for (id, r) in &c.reviews {
                    let res = sqlx::query(
                        "UPDATE action_goals SET review_outcome = $3, review_comment = $4, review_meeting_id = $5 WHERE citizen_id = $1 AND id = $2",
                    )
                    .bind(c.meeting.citizen_id.0)
                    .bind(id.0)
                    .bind(r.outcome.code())
                    .bind(&r.comment)
                    .bind(r.meeting_id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    expect_one(res.rows_affected())?;
                    // An action goal reviewed as done needs no open task any more.
                    if r.outcome == ReviewOutcome::Done {
                        sqlx::query(
                            "UPDATE tasks SET status = 'done' WHERE citizen_id = $1 AND action_goal_id = $2 AND status = 'open'",
                        )
                        .bind(c.meeting.citizen_id.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                }
                if let Some(next) = &c.next_meeting {
                    self.insert_meeting(&mut tx, next).await?;
                }
                for t in &c.tasks {
                    insert_task(&mut *tx, t).await?;
                }
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn create_task(&self, t: &Task, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                insert_task(&mut *tx, t).await?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn set_task_status(&self, id: TaskId, status: TaskStatus, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                let r = sqlx::query("UPDATE tasks SET status = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(status.code())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                expect_one(r.rows_affected())?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_task(&self, id: TaskId) -> Result<Option<Task>> {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1")))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_task)
                    .transpose()
            }

            async fn list_tasks(&self, citizen_id: CitizenId) -> Result<Vec<Task>> {
                sqlx::query(sqlx::AssertSqlSafe(FileSql::Tasks.sql()))
                .bind(citizen_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_task)
                .collect()
            }

            async fn plans_of_staff(&self, staff_id: StaffId) -> Result<Vec<PlanRef>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{PLAN_REF_SELECT} WHERE m.staff_id = $1 ORDER BY m.is_coordinator DESC, c.family_key LIMIT 500"
                )))
                .bind(staff_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_plan_ref)
                .collect()
            }

            async fn open_cases_of_worker(&self, staff_id: StaffId) -> Result<Vec<CaseRef>> {
                let rows = sqlx::query(
                    "SELECT k.id, k.citizen_id, k.area, k.title, k.legal_basis, k.responsible_unit_id, k.case_worker_id, k.opened_on, k.closed_on, \
                     c.given_name, c.family_name FROM cases k JOIN citizens c ON c.id = k.citizen_id \
                     WHERE k.case_worker_id = $1 AND k.closed_on IS NULL ORDER BY c.family_key LIMIT 500",
                )
                .bind(staff_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                rows.iter().map(|r| Ok(CaseRef { case: row_case(r)?, citizen_name: citizen_name(r)? })).collect()
            }

            async fn upcoming_meetings_of_staff(&self, staff_id: StaffId, from: OffsetDateTime, limit: i64) -> Result<Vec<MeetingRef>> {
                let rows = sqlx::query(
                    "SELECT m.id, m.citizen_id, m.kind, m.starts_at, c.given_name, c.family_name \
                     FROM meeting_staff ms JOIN meetings m ON m.id = ms.meeting_id JOIN citizens c ON c.id = m.citizen_id \
                     WHERE ms.staff_id = $1 AND ms.starts_at >= $2 AND m.status = 'planned' ORDER BY ms.starts_at LIMIT $3",
                )
                .bind(staff_id.0)
                .bind(from)
                .bind(limit)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let kind: String = r.try_get("kind").map_err(map_err)?;
                        Ok(MeetingRef {
                            meeting_id: MeetingId(r.try_get("id").map_err(map_err)?),
                            citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                            citizen_name: citizen_name(r)?,
                            kind: MeetingKind::from_code(&kind).ok_or_else(|| corrupt("meeting kind"))?,
                            starts_at: r.try_get("starts_at").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn open_tasks_of(&self, staff_id: StaffId, units: &[UnitId], limit: i64) -> Result<Vec<TaskRef>> {
                // Units are few per person; an IN list of bound parameters keeps one SQL text per count.
                let mut sql = String::from(
                    "SELECT t.id, t.citizen_id, t.title, t.owner, t.due, t.status, t.action_goal_id, c.given_name, c.family_name \
                     FROM tasks t JOIN citizens c ON c.id = t.citizen_id WHERE t.status = 'open' AND (t.owner_staff_id = $1",
                );
                if !units.is_empty() {
                    let params: Vec<String> = (0..units.len()).map(|i| format!("${}", i + 3)).collect();
                    sql.push_str(&format!(" OR t.owner_unit_id IN ({})", params.join(", ")));
                }
                sql.push_str(") ORDER BY t.due IS NULL, t.due, t.created_at LIMIT $2");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(staff_id.0).bind(limit);
                for u in units {
                    q = q.bind(u.0);
                }
                q.fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|r| {
                        Ok(TaskRef {
                            task: row_task(r)?,
                            citizen_name: citizen_name(r)?,
                            citizen_given_name: r.try_get("given_name").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn overdue_reviews_of_staff(&self, staff_id: StaffId, today: time::Date) -> Result<Vec<PlanRef>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{PLAN_REF_SELECT} WHERE m.staff_id = $1 AND p.review_on < $2 ORDER BY p.review_on LIMIT 500"
                )))
                .bind(staff_id.0)
                .bind(today)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_plan_ref)
                .collect()
            }

            async fn overdue_reviews_by_unit(&self, today: time::Date) -> Result<Vec<OverdueByUnit>> {
                let rows = sqlx::query(
                    "SELECT u.id, u.name, COUNT(*) AS n FROM plans p JOIN staff_units su ON su.staff_id = p.coordinator_id \
                     JOIN units u ON u.id = su.unit_id WHERE p.status = 'active' AND p.review_on < $1 \
                     GROUP BY u.id, u.name ORDER BY n DESC, u.name",
                )
                .bind(today)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(OverdueByUnit {
                            unit_id: UnitId(r.try_get("id").map_err(map_err)?),
                            unit_name: r.try_get("name").map_err(map_err)?,
                            overdue: r.try_get("n").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn create_scale(&self, s: &CustomScale) -> Result<()> {
                sqlx::query("INSERT INTO scales (id, name, definition, active, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(s.id.0)
                    .bind(&s.name)
                    .bind(to_json(&s.scale)?)
                    .bind(s.active)
                    .bind(OffsetDateTime::now_utc())
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn list_scales(&self) -> Result<Vec<CustomScale>> {
                let rows = sqlx::query("SELECT id, name, definition, active FROM scales ORDER BY active DESC, name")
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let def: String = r.try_get("definition").map_err(map_err)?;
                        Ok(CustomScale {
                            id: ScaleId(r.try_get("id").map_err(map_err)?),
                            name: r.try_get("name").map_err(map_err)?,
                            scale: from_json(&def, "scale definition")?,
                            active: r.try_get("active").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn set_scale_active(&self, id: ScaleId, active: bool) -> Result<()> {
                let r = sqlx::query("UPDATE scales SET active = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(active)
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                expect_one(r.rows_affected())
            }

            async fn add_measurement(&self, m: &Measurement, audit: &NewAuditEvent) -> Result<()> {
                if let Some(w) = crate::common::InlineWrites::sqlite_writer(self) {
                    let (m, audit) = (m.clone(), audit.clone());
                    return w.run(move |c| crate::sqlite_write::add_measurement(c, &m, &audit)).await;
                }
                let (value, expected) = reading_values(&m.reading);
                let utc = time::UtcOffset::UTC;
                let mut tx = self.write().begin().await.map_err(map_err)?;
                sqlx::query(crate::common::MEASUREMENT_INSERT_SQL)
                .bind(m.citizen_id.0)
                .bind(m.id.0)
                .bind(m.plan_id.map(|p| p.0))
                .bind(m.goal_id.map(|g| g.0))
                .bind(m.area.as_ref().map(|a| a.system.clone()))
                .bind(m.area.as_ref().map(|a| a.code.clone()))
                .bind(m.area.as_ref().map(|a| a.display.clone()))
                .bind(m.scale.code())
                .bind(to_json(&m.scale)?)
                .bind(m.reading.code())
                .bind(value)
                .bind(expected)
                .bind(to_json(&m.reading)?)
                // UTC, so that SQLite's text timestamps compare in time order.
                .bind(m.measured_at.to_offset(utc))
                .bind(m.recorded_at.to_offset(utc))
                .bind(to_json(&m.assessor)?)
                .bind(m.recorded_by.map(|s| s.0))
                .bind(&m.note)
                .bind(m.meeting_id.map(|x| x.0))
                .bind(m.supersedes.map(|x| x.0))
                .bind(&m.correction_reason)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                recompute_series(&mut tx, m).await?;
                insert_audit(&mut *tx, audit).await?;
                bump_generation(&mut *tx).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_measurement(&self, id: MeasurementId) -> Result<Option<Measurement>> {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MEASUREMENT_COLUMNS} FROM measurements WHERE id = $1")))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_measurement)
                    .transpose()
            }

            async fn list_measurements(&self, citizen_id: CitizenId) -> Result<Vec<Measurement>> {
                sqlx::query(sqlx::AssertSqlSafe(FileSql::Measurements.sql()))
                .bind(citizen_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_measurement)
                .collect()
            }

            async fn stats_generation(&self) -> Result<i64> {
                sqlx::query_scalar("SELECT CAST(SUM(n) AS BIGINT) FROM stats_generation_shards")
                    .fetch_one(self.read())
                    .await
                    .map_err(map_err)
            }

            async fn stats_goal_outcomes(&self, f: &StatsFilter) -> Result<Vec<GoalOutcomeCount>> {
                let mut a = Args::default();
                let from = a.push(Arg::Date(f.from));
                let to = a.push(Arg::Date(f.to));
                let area = area_sql(f, "g.area_code", &mut a);
                let cohort = cohort_sql(f, "g.citizen_id", &mut a);
                // Goals per status and citizen first, then per status: a citizen is
                // one row per status, so counting rows counts distinct citizens
                // without the sort COUNT(DISTINCT) costs (0.6 s for 180,000 goals).
                let sql = format!(
                    "SELECT status, CAST(SUM(n) AS BIGINT) AS goals, COUNT(*) AS citizens FROM ( \
                       SELECT g.status, g.citizen_id, COUNT(*) AS n FROM plan_goals g \
                       WHERE g.deadline >= {from} AND g.deadline <= {to} AND {area} AND {cohort} \
                       GROUP BY g.status, g.citizen_id) t \
                     GROUP BY status"
                );
                let rows = a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(GoalOutcomeCount {
                            status: r.try_get("status").map_err(map_err)?,
                            goals: r.try_get("goals").map_err(map_err)?,
                            citizens: r.try_get("citizens").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn stats_functional_change(&self, f: &StatsFilter) -> Result<Vec<FunctionalChange>> {
                let mut a = Args::default();
                let from = a.push(Arg::Time(f.from_ts));
                let until = a.push(Arg::Time(f.until_ts));
                let area = area_sql(f, "l.area_code", &mut a);
                let cohort = cohort_sql(f, "l.citizen_id", &mut a);
                // First vs latest level in force per citizen and area in the
                // period, as the sum of the steps (`delta`) whose previous level
                // lies in the period too: the steps telescope to latest − first,
                // and a series has one exactly when it has >= 2 levels in the
                // period (migration 0010).
                let sql = format!(
                    "WITH pairs AS ( \
                       SELECT l.citizen_id, l.area_code, SUM(l.delta) AS delta FROM stats_levels l \
                       WHERE l.prev_at >= {from} AND l.measured_at < {until} AND {area} AND {cohort} \
                       GROUP BY l.citizen_id, l.area_code), \
                     per_citizen AS (SELECT citizen_id, SUM(delta) AS delta FROM pairs GROUP BY citizen_id) \
                     SELECT area_code, \
                       SUM(CASE WHEN delta < 0 THEN 1 ELSE 0 END) AS improved, \
                       SUM(CASE WHEN delta = 0 THEN 1 ELSE 0 END) AS same, \
                       SUM(CASE WHEN delta > 0 THEN 1 ELSE 0 END) AS worsened \
                     FROM pairs GROUP BY area_code \
                     UNION ALL \
                     SELECT NULL, \
                       SUM(CASE WHEN delta < 0 THEN 1 ELSE 0 END), \
                       SUM(CASE WHEN delta = 0 THEN 1 ELSE 0 END), \
                       SUM(CASE WHEN delta > 0 THEN 1 ELSE 0 END) \
                     FROM per_citizen"
                );
                let rows = a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(FunctionalChange {
                            area_code: r.try_get(0).map_err(map_err)?,
                            improved: r.try_get::<Option<i64>, _>(1).map_err(map_err)?.unwrap_or(0),
                            same: r.try_get::<Option<i64>, _>(2).map_err(map_err)?.unwrap_or(0),
                            worsened: r.try_get::<Option<i64>, _>(3).map_err(map_err)?.unwrap_or(0),
                        })
                    })
                    .collect()
            }

            async fn stats_gas(&self, f: &StatsFilter) -> Result<Vec<GasSum>> {
                let mut a = Args::default();
                let from = a.push(Arg::Time(f.from_ts));
                let until = a.push(Arg::Time(f.until_ts));
                let sql = if f.area.is_some() {
                    // The latest score of a goal among those of the area: a goal's
                    // scores may carry different areas (the goal's area changed),
                    // so the series' own `next_at` does not answer this; the area
                    // narrows the rows enough for a window.
                    let area = area_sql(f, "g.area_code", &mut a);
                    let cohort = cohort_sql(f, "g.citizen_id", &mut a);
                    format!(
                        "SELECT citizen_id, SUM(value) AS total, COUNT(*) AS goals FROM ( \
                           SELECT g.citizen_id, g.value, \
                             ROW_NUMBER() OVER (PARTITION BY g.citizen_id, g.goal_id ORDER BY g.measured_at DESC, g.id DESC) AS rl \
                           FROM stats_gas g \
                           WHERE g.measured_at >= {from} AND g.measured_at < {until} AND {area} AND {cohort}) t \
                         WHERE rl = 1 GROUP BY citizen_id"
                    )
                } else {
                    // The latest score of a goal in the period is the one whose
                    // next score comes after the period or not at all.
                    let after = a.push(Arg::Time(f.until_ts));
                    let cohort = cohort_sql(f, "g.citizen_id", &mut a);
                    format!(
                        "SELECT g.citizen_id, SUM(g.value) AS total, COUNT(*) AS goals FROM stats_gas g \
                         WHERE g.measured_at >= {from} AND g.measured_at < {until} \
                           AND (g.next_at IS NULL OR g.next_at >= {after}) AND {cohort} \
                         GROUP BY g.citizen_id"
                    )
                };
                let rows = a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(GasSum {
                            sum: r.try_get("total").map_err(map_err)?,
                            goals: r.try_get("goals").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn stats_target_group(&self, f: &StatsFilter, at: &[time::Date]) -> Result<Vec<(time::Date, i64)>> {
                // The cases open at some date of the period, read once; each
                // citizen is counted once per date in one pass over them
                // (`open_at`), so ten years cost what one year does.
                let (Some(first), Some(last)) = (at.iter().min(), at.iter().max()) else {
                    return Ok(Vec::new());
                };
                let mut a = Args::default();
                let last = a.push(Arg::Date(*last));
                let first = a.push(Arg::Date(*first));
                let mut conds = String::new();
                if let Some(u) = f.unit_id {
                    conds += &format!(" AND k.responsible_unit_id = {}", a.push(Arg::Uuid(u.0)));
                }
                if let Some(area) = f.case_area {
                    conds += &format!(" AND k.area = {}", a.push(Arg::Text(area.code().to_string())));
                }
                // The age band and intervention type narrow the cohort; unit and
                // case area are the target group's own definition (above).
                let rest = StatsFilter { unit_id: None, case_area: None, ..f.clone() };
                let cohort = cohort_sql(&rest, "k.citizen_id", &mut a);
                let sql = format!(
                    "SELECT k.citizen_id, k.opened_on, k.closed_on FROM cases k \
                     WHERE k.opened_on <= {last} AND (k.closed_on IS NULL OR k.closed_on > {first}){conds} AND {cohort}"
                );
                let rows = a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)?;
                let spells = rows
                    .iter()
                    .map(|r| {
                        Ok((
                            r.try_get::<Uuid, _>(0).map_err(map_err)?,
                            r.try_get::<time::Date, _>(1).map_err(map_err)?,
                            r.try_get::<Option<time::Date>, _>(2).map_err(map_err)?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let counts = tvaers_domain::stats::open_at(at, &spells);
                Ok(at.iter().copied().zip(counts).collect())
            }

            async fn intervention_types(&self) -> Result<Vec<String>> {
                sqlx::query_scalar("SELECT DISTINCT legal_basis FROM plan_interventions WHERE legal_basis <> '' ORDER BY legal_basis")
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)
            }

            async fn access_facts(
                &self,
                staff_id: StaffId,
                organisation_id: OrganisationId,
                citizen_id: CitizenId,
                now: OffsetDateTime,
            ) -> Result<AccessFacts> {
                if let Some(facts) =
                    crate::common::InlineReads::inline_access_facts(self, staff_id, organisation_id, citizen_id, now)
                {
                    return facts;
                }
                let now = now.to_offset(time::UtcOffset::UTC);
                let code: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(access_facts_sql()))
                    .bind(citizen_id.0)
                    .bind(staff_id.0)
                    .bind(now)
                    .bind(organisation_id.0)
                    .bind(tvaers_domain::calendar::danish_date(now))
                    .fetch_one(self.read())
                    .await
                    .map_err(map_err)?;
                u8::try_from(code)
                    .map(AccessFacts::from_code)
                    .map_err(|_| corrupt(&format!("access facts code {code}")))
            }

            async fn access_facts_many(
                &self,
                staff_id: StaffId,
                organisation_id: OrganisationId,
                citizens: &[CitizenId],
                now: OffsetDateTime,
            ) -> Result<Vec<(CitizenId, AccessFacts)>> {
                let mut out = Vec::with_capacity(citizens.len());
                for chunk in citizens.chunks(MAX_BINDS / 2) {
                    let mut a = Args::default();
                    let code = facts_code_sql(
                        "cz.id",
                        &a.push(Arg::Uuid(staff_id.0)),
                        &a.push(Arg::Time(now)),
                        &a.push(Arg::Uuid(organisation_id.0)),
                        &a.push(Arg::Date(tvaers_domain::calendar::danish_date(now))),
                    );
                    let ids: Vec<Uuid> = chunk.iter().map(|c| c.0).collect();
                    let within = uuids_sql("cz.id", &ids, &mut a);
                    let sql = format!("SELECT cz.id AS id, CAST({code} AS BIGINT) AS code FROM citizens cz WHERE {within}");
                    for r in a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)? {
                        let code: i64 = r.try_get("code").map_err(map_err)?;
                        let facts = u8::try_from(code)
                            .map(AccessFacts::from_code)
                            .map_err(|_| corrupt(&format!("access facts code {code}")))?;
                        out.push((CitizenId(r.try_get("id").map_err(map_err)?), facts));
                    }
                }
                Ok(out)
            }

            async fn access_facts_batch(
                &self,
                asks: &[crate::FactsAsk],
                now: OffsetDateTime,
            ) -> Result<Vec<crate::FactsAnswer>> {
                let now = now.to_offset(time::UtcOffset::UTC);
                let mut out = Vec::with_capacity(asks.len());
                // Three values an ask, two for the whole statement.
                for chunk in asks.chunks(MAX_BINDS / 3 - 1) {
                    let mut a = Args::default();
                    let (now_p, today_p) = (
                        a.push(Arg::Time(now)),
                        a.push(Arg::Date(tvaers_domain::calendar::danish_date(now))),
                    );
                    let rows: Vec<String> = chunk
                        .iter()
                        .enumerate()
                        .map(|(i, ask)| {
                            format!(
                                "({i}, {}, {}, {})",
                                a.push(Arg::Uuid(ask.citizen_id.0)),
                                a.push(Arg::Uuid(ask.staff_id.0)),
                                a.push(Arg::Uuid(ask.organisation_id.0)),
                            )
                        })
                        .collect();
                    let code = facts_code_sql("q.c", "q.s", &now_p, "q.o", &today_p);
                    let sql = format!(
                        "WITH q(i, c, s, o) AS (VALUES {}) SELECT CAST(q.i AS BIGINT) AS i, CAST({code} AS BIGINT) AS code, \
                         CAST(COALESCE((SELECT v.version FROM citizen_versions v WHERE v.citizen_id = q.c), 0) AS BIGINT) AS version FROM q",
                        rows.join(", ")
                    );
                    let mut codes: Vec<Option<crate::FactsAnswer>> = vec![None; chunk.len()];
                    for r in a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)? {
                        let (i, code): (i64, i64) =
                            (r.try_get("i").map_err(map_err)?, r.try_get("code").map_err(map_err)?);
                        let facts = u8::try_from(code)
                            .map(AccessFacts::from_code)
                            .map_err(|_| corrupt(&format!("access facts code {code}")))?;
                        let version: i64 = r.try_get("version").map_err(map_err)?;
                        if let Some(slot) = usize::try_from(i).ok().and_then(|i| codes.get_mut(i)) {
                            *slot = Some(crate::FactsAnswer { facts, version });
                        }
                    }
                    for facts in codes {
                        out.push(facts.ok_or_else(|| corrupt("access facts: an ask without an answer"))?);
                    }
                }
                Ok(out)
            }

            async fn add_consent(&self, c: &Consent, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO consents (citizen_id, id, organisation_id, scope, given_how, noted_by, valid_from, valid_to, note, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(c.citizen_id.0)
                .bind(c.id.0)
                .bind(c.organisation_id.map(|o| o.0))
                .bind(c.scope.code())
                .bind(c.given_how.code())
                .bind(c.noted_by.0)
                .bind(c.valid_from)
                .bind(c.valid_to)
                .bind(&c.note)
                .bind(c.created_at.to_offset(time::UtcOffset::UTC))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn withdraw_consent(&self, citizen_id: CitizenId, id: ConsentId, by: StaffId, at: OffsetDateTime, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                let r = sqlx::query(
                    "UPDATE consents SET withdrawn_at = $3, withdrawn_by = $4 WHERE citizen_id = $1 AND id = $2 AND withdrawn_at IS NULL",
                )
                .bind(citizen_id.0)
                .bind(id.0)
                .bind(at.to_offset(time::UtcOffset::UTC))
                .bind(by.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                expect_one(r.rows_affected())?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn list_consents(&self, citizen_id: CitizenId) -> Result<Vec<Consent>> {
                let rows = sqlx::query(
                    "SELECT citizen_id, id, organisation_id, scope, given_how, noted_by, valid_from, valid_to, note, created_at, withdrawn_at, withdrawn_by \
                     FROM consents WHERE citizen_id = $1 ORDER BY created_at DESC",
                )
                .bind(citizen_id.0)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let scope: String = r.try_get("scope").map_err(map_err)?;
                        let how: String = r.try_get("given_how").map_err(map_err)?;
                        Ok(Consent {
                            id: ConsentId(r.try_get("id").map_err(map_err)?),
                            citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                            organisation_id: r.try_get::<Option<Uuid>, _>("organisation_id").map_err(map_err)?.map(OrganisationId),
                            scope: ConsentScope::from_code(&scope).ok_or_else(|| corrupt("consent scope"))?,
                            given_how: GivenHow::from_code(&how).ok_or_else(|| corrupt("consent given how"))?,
                            noted_by: StaffId(r.try_get("noted_by").map_err(map_err)?),
                            valid_from: r.try_get("valid_from").map_err(map_err)?,
                            valid_to: r.try_get("valid_to").map_err(map_err)?,
                            note: r.try_get("note").map_err(map_err)?,
                            created_at: r.try_get("created_at").map_err(map_err)?,
                            withdrawn_at: r.try_get("withdrawn_at").map_err(map_err)?,
                            withdrawn_by: r.try_get::<Option<Uuid>, _>("withdrawn_by").map_err(map_err)?.map(StaffId),
                        })
                    })
                    .collect()
            }

            async fn add_grant(&self, g: &AccessGrant, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                insert_grant(&mut *tx, g).await?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn unreviewed_grants(&self, units: &[UnitId]) -> Result<Vec<(AccessGrant, String, String)>> {
                if units.is_empty() {
                    return Ok(Vec::new());
                }
                let mut a = Args::default();
                let list: Vec<String> = units.iter().map(|u| a.push(Arg::Uuid(u.0))).collect();
                let sql = format!(
                    "SELECT g.citizen_id, g.id, g.staff_id, g.kind, g.reason, g.granted_at, g.expires_at, g.reviewed_at, g.reviewed_by, g.review_note, \
                       s.full_name AS staff_name, c.given_name || ' ' || c.family_name AS citizen_name \
                     FROM access_grants g JOIN staff s ON s.id = g.staff_id JOIN citizens c ON c.id = g.citizen_id \
                     WHERE g.kind = 'break_glass' AND g.reviewed_at IS NULL \
                       AND g.staff_id IN (SELECT su.staff_id FROM staff_units su WHERE su.unit_id IN ({})) \
                     ORDER BY g.granted_at",
                    list.join(", ")
                );
                let rows = a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let kind: String = r.try_get("kind").map_err(map_err)?;
                        Ok((
                            AccessGrant {
                                id: r.try_get("id").map_err(map_err)?,
                                citizen_id: CitizenId(r.try_get("citizen_id").map_err(map_err)?),
                                staff_id: StaffId(r.try_get("staff_id").map_err(map_err)?),
                                kind: GrantKind::from_code(&kind).ok_or_else(|| corrupt("grant kind"))?,
                                reason: r.try_get("reason").map_err(map_err)?,
                                granted_at: r.try_get("granted_at").map_err(map_err)?,
                                expires_at: r.try_get("expires_at").map_err(map_err)?,
                                reviewed_at: r.try_get("reviewed_at").map_err(map_err)?,
                                reviewed_by: r.try_get::<Option<Uuid>, _>("reviewed_by").map_err(map_err)?.map(StaffId),
                                review_note: r.try_get("review_note").map_err(map_err)?,
                            },
                            r.try_get("staff_name").map_err(map_err)?,
                            r.try_get("citizen_name").map_err(map_err)?,
                        ))
                    })
                    .collect()
            }

            async fn related_citizens(
                &self,
                staff_id: StaffId,
                by_unit: bool,
                citizens: &[CitizenId],
                now: OffsetDateTime,
            ) -> Result<Vec<CitizenId>> {
                if citizens.is_empty() {
                    return Ok(Vec::new());
                }
                let mut a = Args::default();
                let me = a.push(Arg::Uuid(staff_id.0));
                let at = a.push(Arg::Time(now));
                let list: Vec<String> = citizens.iter().map(|c| a.push(Arg::Uuid(c.0))).collect();
                let unit = if by_unit {
                    format!(
                        " OR EXISTS (SELECT 1 FROM cases k JOIN staff_units su ON su.unit_id = k.responsible_unit_id \
                           WHERE k.citizen_id = c.id AND k.closed_on IS NULL AND su.staff_id = {me})"
                    )
                } else {
                    String::new()
                };
                let sql = format!(
                    "SELECT c.id FROM citizens c WHERE c.id IN ({}) AND ( \
                       EXISTS (SELECT 1 FROM plan_members m WHERE m.citizen_id = c.id AND m.staff_id = {me}) \
                       OR EXISTS (SELECT 1 FROM access_grants g WHERE g.citizen_id = c.id AND g.staff_id = {me} AND g.expires_at > {at}){unit})",
                    list.join(", ")
                );
                let rows = a.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.read()).await.map_err(map_err)?;
                rows.iter().map(|r| Ok(CitizenId(r.try_get("id").map_err(map_err)?))).collect()
            }

            async fn login_locked_until(&self, key: &str, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
                let until: Option<Option<OffsetDateTime>> = sqlx::query_scalar("SELECT locked_until FROM login_failures WHERE key = $1")
                    .bind(key)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?;
                Ok(until.flatten().filter(|u| *u > now))
            }

            async fn record_login_failure(&self, key: &str, now: OffsetDateTime, max: i64, lock: time::Duration) -> Result<Option<OffsetDateTime>> {
                let now = now.to_offset(time::UtcOffset::UTC);
                let mut tx = self.write().begin().await.map_err(map_err)?;
                let failures: i64 = sqlx::query_scalar(
                    "INSERT INTO login_failures (key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2) \
                     ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures + 1, updated_at = $2 RETURNING failures",
                )
                .bind(key)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let locked = if failures >= max {
                    let until = now + lock;
                    sqlx::query("UPDATE login_failures SET failures = 0, locked_until = $2 WHERE key = $1")
                        .bind(key)
                        .bind(until)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    Some(until)
                } else {
                    None
                };
                tx.commit().await.map_err(map_err)?;
                Ok(locked)
            }

            async fn clear_login_failures(&self, key: &str) -> Result<()> {
                sqlx::query("DELETE FROM login_failures WHERE key = $1")
                    .bind(key)
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn create_portal_account(&self, a: &PortalAccount, password_hash: Option<&str>, audit: &NewAuditEvent) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO portal_accounts (id, citizen_id, username, password_hash, kind, relative_name, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(a.id)
                .bind(a.citizen_id.0)
                .bind(&a.username)
                .bind(password_hash)
                .bind(if a.relative_name.is_some() { "relative" } else { "citizen" })
                .bind(&a.relative_name)
                .bind(a.active)
                .bind(OffsetDateTime::now_utc())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                insert_audit(&mut *tx, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_portal_account_by_username(&self, username: &str) -> Result<Option<(PortalAccount, Option<String>)>> {
                sqlx::query("SELECT id, citizen_id, username, relative_name, active, password_hash FROM portal_accounts WHERE username = $1")
                    .bind(username)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(|r| Ok((row_portal_account(r)?, r.try_get("password_hash").map_err(map_err)?)))
                    .transpose()
            }

            async fn get_portal_account(&self, id: Uuid) -> Result<Option<PortalAccount>> {
                sqlx::query("SELECT id, citizen_id, username, relative_name, active FROM portal_accounts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(row_portal_account)
                    .transpose()
            }

            async fn get_citizen_portal_account(&self, citizen_id: CitizenId) -> Result<Option<PortalAccount>> {
                sqlx::query(
                    "SELECT id, citizen_id, username, relative_name, active FROM portal_accounts \
                     WHERE citizen_id = $1 AND kind = 'citizen' ORDER BY created_at, id LIMIT 1",
                )
                .bind(citizen_id.0)
                .fetch_optional(self.read())
                .await
                .map_err(map_err)?
                .as_ref()
                .map(row_portal_account)
                .transpose()
            }

            async fn create_oidc_login(&self, l: &OidcLogin) -> Result<()> {
                sqlx::query(
                    "INSERT INTO oidc_logins (key_hash, state, nonce, pkce_verifier, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&l.key_hash)
                .bind(&l.state)
                .bind(&l.nonce)
                .bind(&l.pkce_verifier)
                .bind(l.created_at.to_offset(time::UtcOffset::UTC))
                .bind(l.expires_at.to_offset(time::UtcOffset::UTC))
                .execute(self.write())
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn take_oidc_login(&self, key_hash: &str) -> Result<Option<OidcLogin>> {
                // DELETE … RETURNING: of two callbacks racing with one key, one gets the row.
                sqlx::query(
                    "DELETE FROM oidc_logins WHERE key_hash = $1 \
                     RETURNING key_hash, state, nonce, pkce_verifier, created_at, expires_at",
                )
                .bind(key_hash)
                .fetch_optional(self.write())
                .await
                .map_err(map_err)?
                .as_ref()
                .map(|r| {
                    Ok(OidcLogin {
                        key_hash: r.try_get("key_hash").map_err(map_err)?,
                        state: r.try_get("state").map_err(map_err)?,
                        nonce: r.try_get("nonce").map_err(map_err)?,
                        pkce_verifier: r.try_get("pkce_verifier").map_err(map_err)?,
                        created_at: r.try_get("created_at").map_err(map_err)?,
                        expires_at: r.try_get("expires_at").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn delete_expired_oidc_logins(&self, now: OffsetDateTime) -> Result<u64> {
                let r = sqlx::query("DELETE FROM oidc_logins WHERE expires_at < $1")
                    .bind(now.to_offset(time::UtcOffset::UTC))
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected())
            }

            async fn create_portal_session(&self, s: &PortalSession) -> Result<()> {
                sqlx::query(
                    "INSERT INTO portal_sessions (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at, id_token) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&s.token_hash)
                .bind(s.account_id)
                .bind(&s.csrf_token)
                .bind(s.created_at.to_offset(time::UtcOffset::UTC))
                .bind(s.last_seen_at.to_offset(time::UtcOffset::UTC))
                .bind(s.expires_at.to_offset(time::UtcOffset::UTC))
                .bind(&s.id_token)
                .execute(self.write())
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn get_portal_session(&self, token_hash: &str) -> Result<Option<PortalSession>> {
                sqlx::query("SELECT token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at, id_token FROM portal_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(|r| {
                        Ok(PortalSession {
                            token_hash: r.try_get("token_hash").map_err(map_err)?,
                            account_id: r.try_get("account_id").map_err(map_err)?,
                            csrf_token: r.try_get("csrf_token").map_err(map_err)?,
                            created_at: r.try_get("created_at").map_err(map_err)?,
                            last_seen_at: r.try_get("last_seen_at").map_err(map_err)?,
                            expires_at: r.try_get("expires_at").map_err(map_err)?,
                            id_token: r.try_get("id_token").map_err(map_err)?,
                        })
                    })
                    .transpose()
            }

            async fn touch_portal_session(&self, token_hash: &str, at: OffsetDateTime) -> Result<()> {
                sqlx::query("UPDATE portal_sessions SET last_seen_at = $2 WHERE token_hash = $1")
                    .bind(token_hash)
                    .bind(at.to_offset(time::UtcOffset::UTC))
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn delete_portal_session(&self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn review_grant(&self, id: Uuid, by: StaffId, note: &str, at: OffsetDateTime) -> Result<()> {
                let r = sqlx::query(
                    "UPDATE access_grants SET reviewed_at = $2, reviewed_by = $3, review_note = $4 WHERE id = $1 AND reviewed_at IS NULL AND kind = 'break_glass'",
                )
                .bind(id)
                .bind(at.to_offset(time::UtcOffset::UTC))
                .bind(by.0)
                .bind(note)
                .execute(self.write())
                .await
                .map_err(map_err)?;
                expect_one(r.rows_affected())
            }

            async fn debug_exec(&self, sql: &str) -> Result<u64> {
                self.debug_exec_impl(sql).await
            }

            async fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
                let limit = if f.limit <= 0 { 100 } else { f.limit.min(10_000) };
                let offset = f.offset.max(0);
                let mut a = Args::default();
                let mut conds = String::new();
                if let Some(c) = f.citizen_id {
                    conds += &format!(" AND a.citizen_id = {}", a.push(Arg::Uuid(c.0)));
                }
                if let Some(x) = f.actor_id {
                    conds += &format!(" AND a.actor_id = {}", a.push(Arg::Uuid(x.0)));
                }
                if let Some(u) = f.unit_id {
                    conds += &format!(" AND a.actor_unit_id = {}", a.push(Arg::Uuid(u.0)));
                }
                if let Some(t) = f.from {
                    conds += &format!(" AND a.at >= {}", a.push(Arg::Time(t)));
                }
                if let Some(t) = f.until {
                    conds += &format!(" AND a.at < {}", a.push(Arg::Time(t)));
                }
                if let Some(x) = f.action {
                    conds += &format!(" AND a.action = {}", a.push(Arg::Text(x.code().to_string())));
                }
                if let Some(o) = f.outcome {
                    conds += &format!(" AND a.outcome = {}", a.push(Arg::Text(o.code().to_string())));
                }
                if f.citizen_data_only {
                    conds += " AND a.citizen_id IS NOT NULL";
                }
                // Newest first by time, then by the time-ordered id (UUIDv7):
                // on SQLite the events come from two files, each read only as
                // far as the page needs.
                let order = "ORDER BY a.at DESC, a.id DESC";
                let source = <$store>::audit_source_sql(&conds, order, &a.push(Arg::Int(limit + offset)));
                let sql = format!(
                    "SELECT a.id, a.at, a.actor_id, s.full_name AS actor_name, \
                     COALESCE(a.actor_profession, s.profession) AS actor_profession, a.actor_unit_id, u.name AS actor_unit_name, a.purpose, \
                     a.action, a.resource_type, a.resource_id, a.citizen_id, a.outcome, a.detail \
                     FROM {source} a LEFT JOIN staff s ON s.id = a.actor_id LEFT JOIN units u ON u.id = a.actor_unit_id \
                     {order} LIMIT {} OFFSET {}",
                    a.push(Arg::Int(limit)),
                    a.push(Arg::Int(offset))
                );
                a.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(row_audit)
                    .collect()
            }
            // --- journal (issue 6)

            async fn add_journal_entry(
                &self,
                e: &tvaers_domain::journal::JournalEntry,
                terms: &[String],
                audit: &NewAuditEvent,
            ) -> Result<()> {
                // SQLite: on the writer thread, which commits many writes
                // with one fsync. PostgreSQL commits concurrent transactions
                // in parallel anyway: one transaction each.
                if let Some(w) = crate::common::InlineWrites::sqlite_writer(self) {
                    let (e, terms, audit) = (e.clone(), terms.to_vec(), audit.clone());
                    return w.run(move |c| crate::sqlite_write::append_journal(c, &e, &terms, &audit)).await;
                }
                if <$store>::ENTRY_IN_ONE {
                    return write_journal_entry_in_one(self.write(), e, terms, audit).await;
                }
                let mut tx = self.write().begin().await.map_err(map_err)?;
                write_journal_entry(&mut tx, e, terms, audit).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_journal_entry(
                &self,
                id: tvaers_domain::ids::JournalEntryId,
            ) -> Result<Option<tvaers_domain::journal::JournalEntry>> {
                if let Some(found) = crate::common::InlineReads::inline_journal_entry(self, id) {
                    return found;
                }
                sqlx::query(sqlx::AssertSqlSafe(journal_entry_sql()))
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(|r| row_journal(r).map(|(_, e)| e))
                    .transpose()
            }

            async fn journal_timeline(
                &self,
                citizen_id: CitizenId,
                f: &crate::JournalFilter,
                sensitivities: &[tvaers_domain::journal::Sensitivity],
                page: Page,
            ) -> Result<Vec<tvaers_domain::journal::JournalEntry>> {
                let (sql, a) = timeline_sql(citizen_id, f, sensitivities, page);
                a.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|r| row_journal(r).map(|(_, e)| e))
                    .collect()
            }

            async fn search_journal(
                &self,
                q: &tvaers_domain::search::SearchQuery,
                scope: &crate::ReadScope,
                page: Page,
                order: crate::SearchOrder,
            ) -> Result<crate::JournalSearchResult> {
                // Newest first counts to the end of the page: the candidates
                // are the newest hits in scope either way, and then they are
                // already in order.
                let (cap, ranked) = match order {
                    crate::SearchOrder::Relevance { cap } => (cap.max(1), true),
                    crate::SearchOrder::Newest => (page.offset.max(0).saturating_add(page.limit.max(1)), false),
                };
                if scope.is_empty() {
                    return Ok(crate::JournalSearchResult::default());
                }
                if let Some(search) = crate::common::InlineReads::inline_search_journal(self, q, scope, page, order) {
                    return search.await.map_err(|e| StoreError::Database(format!("journal search: {e}")))?;
                }
                // The scope is part of the WHERE clause, so entries outside it
                // are neither counted, ranked nor returned. One query reads the
                // candidates — the newest CAP + 1 hits in scope, newest first,
                // which the full-text index delivers in that order and stops
                // at — with what ranking needs; up to 1,000 hits that is all of
                // them, beyond it a common word costs a thousand rows instead
                // of a million, and the newest are what casework looks for.
                // The page is then ranked (SQLite: in the query) and only its
                // entries are read.
                let key = <$store>::FTS_KEY;
                let (total, capped, shown): (i64, bool, Vec<i64>) = match <$store>::SEARCH_WINDOW {
                    // A store without windows (SQLite) searches in
                    // `inline_search_journal` and has returned above.
                    None => {
                        return Err(StoreError::Database(
                            "journal search: no search windows and no inline search".into(),
                        ))
                    }
                    Some(first_window) => {
                        // PostgreSQL's GIN index yields a word's hits unordered: read
                        // them in windows of sequence numbers, newest first, each
                        // sized from the hits per entry seen so far, so a common word stops in the
                        // first window and a rare one costs a few index probes —
                        // instead of either sorting every hit or walking the whole
                        // table backwards testing each row (the plan PostgreSQL picks
                        // when it misjudges a word: 20 s at 10 M entries).
                        //
                        // A search in a few journals (one citizen's page) is the
                        // exception: without the citizen tokens in the query, the
                        // planner reads those citizens' entries by the timeline
                        // index and tests each one's terms, in one query. Their
                        // entries lie all over the index in the order of writing, and
                        // the GIN intersection of a common word with a citizen token
                        // decoded a posting-tree page per entry — 3-5 ms per window,
                        // four windows per search; this way one query, ~3 ms for a
                        // journal of 236 entries on the 10 M set.
                        // The tokens restrict the search by themselves, so their
                        // citizens become a condition on the entry instead.
                        let named: Option<Vec<Uuid>> = (1..=CITIZEN_DRIVEN_MAX)
                            .contains(&q.citizens.len())
                            .then(|| q.citizens.iter().map(|c| c.0).collect());
                        let citizen_driven = named.is_some();
                        let without_tokens;
                        let q = if citizen_driven {
                            without_tokens = tvaers_domain::search::SearchQuery { citizens: Vec::new(), ..q.clone() };
                            &without_tokens
                        } else {
                            q
                        };
                        // Across journals newest first (every search box's search),
                        // a backend that walks the windows itself decides the scope
                        // per hit (`WalkNewest`).
                        if !citizen_driven && !ranked {
                            let want = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
                            if let Some(walked) = crate::common::WalkNewest::walk_newest(self, q, scope, want).await {
                                let mut walked = walked?;
                                let capped = walked.len() as i64 > cap;
                                walked.truncate(usize::try_from(cap).unwrap_or(0));
                                let total = walked.len() as i64;
                                let shown: Vec<crate::common::Walked> = walked
                                    .into_iter()
                                    .skip(usize::try_from(page.offset).unwrap_or(0))
                                    .take(usize::try_from(page.limit).unwrap_or(0))
                                    .collect();
                                let mut facts: Vec<(CitizenId, AccessFacts)> = Vec::new();
                                for (_, citizen, code) in &shown {
                                    if let Some(code) = code
                                        && !facts.iter().any(|(c, _)| c.0 == *citizen)
                                    {
                                        facts.push((CitizenId(*citizen), AccessFacts::from_code(*code)));
                                    }
                                }
                                let mut found = self.search_hits(total, capped, shown.iter().map(|h| h.0).collect()).await?;
                                found.facts = facts;
                                return Ok(found);
                            }
                        }
                        let mut windows = if citizen_driven {
                            None
                        } else {
                            let newest = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM journal_entries")
                                .fetch_one(self.read())
                                .await
                                .map_err(map_err)?
                                .unwrap_or(0);
                            // A page newest first needs few hits: a common word (one
                            // entry in twenty) read by a case worker who sees a fifth of
                            // the municipality, and none of its sensitive health entries
                            // without consent, keeps one hit in about 400 entries
                            // ("medicin": 13 in the newest 5,250). The walk stops at the
                            // page's hits, so a wide first window costs only when they
                            // are not there; a second window costs another plan.
                            Some(crate::common::Windows::new(newest, first_window.min(cap.saturating_add(1).saturating_mul(400))))
                        };
                        let mut candidates: Vec<(f64, OffsetDateTime, i64)> = Vec::new();
                        loop {
                            let mut a = Args::default();
                            let plain = <$store>::fts_query(q);
                            let (matches, bounds) = if let Some(w) = &windows {
                                let (above, below) = w.bounds();
                                // With the window's blocks in the query the GIN index
                                // narrows to the window by itself, and the bounds only make
                                // it exact (`+ 0`: no second index to combine with). Without
                                // them the primary key's range narrows the word's hits.
                                let (k, windowed) = match <$store>::fts_window_query(q, above, below) {
                                    Some(w) => (format!("(i.{key} + 0)"), w),
                                    None => (format!("i.{key}"), plain.clone()),
                                };
                                let qw = a.push(Arg::Text(windowed));
                                let bounds = format!(
                                    " AND {k} < {} AND {k} >= {}",
                                    a.push(Arg::Int(below)),
                                    a.push(Arg::Int(above))
                                );
                                (<$store>::fts_window_match_sql(&qw), bounds)
                            } else {
                                (<$store>::fts_match_sql(&a.push(Arg::Text(plain.clone()))), String::new())
                            };
                            // The query for ranking (PostgreSQL's parameters must all be used).
                            let qp = if ranked { a.push(Arg::Text(plain)) } else { String::new() };
                            let mut scope_sql = search_scope_sql(scope, &mut a);
                            if let Some(ids) = &named {
                                let p = a.push(Arg::Text(<$store>::ids_param(ids)));
                                scope_sql = format!("({scope_sql} AND {})", <$store>::ids_in_sql("e.citizen_id", &p));
                            }
                            let width = windows.as_ref().map_or(0, crate::common::Windows::width);
                            let sql = search_candidates_sql(q, ranked, &qp, &matches, &bounds, &scope_sql, cap + 1 - candidates.len() as i64, width);
                            // Not kept as prepared statements: a generic plan (PostgreSQL
                            // switches to one after five runs) cannot see how common the
                            // words are, and picked plans that ran for minutes at 10 M entries.
                            let rows = a
                                .bind(sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false))
                                .fetch_all(self.read())
                                .await
                                .map_err(map_err)?;
                            for r in &rows {
                                candidates.push((
                                    r.try_get::<f64, _>("score").map_err(map_err)?,
                                    r.try_get::<OffsetDateTime, _>("occurred_at").map_err(map_err)?,
                                    r.try_get::<i64, _>("hit").map_err(map_err)?,
                                ));
                            }
                            if candidates.len() as i64 > cap {
                                break;
                            }
                            let (found, need) = (candidates.len() as i64, cap + 1 - candidates.len() as i64);
                            if !windows.as_mut().is_some_and(|w| w.advance(found, need)) {
                                break;
                            }
                        }
                        let capped = candidates.len() as i64 > cap;
                        candidates.truncate(usize::try_from(cap).unwrap_or(0));
                        let total = candidates.len() as i64;
                        // Best match first, then the newest event; or as they came, newest written first.
                        if ranked {
                            candidates.sort_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)).then(y.2.cmp(&x.2)));
                        }
                        let shown: Vec<i64> = candidates
                            .iter()
                            .skip(usize::try_from(page.offset).unwrap_or(0))
                            .take(usize::try_from(page.limit).unwrap_or(0))
                            .map(|c| c.2)
                            .collect();
                        (total, capped, shown)
                    }
                };
                self.search_hits(total, capped, shown).await
            }

            async fn journal_index_status(&self) -> Result<crate::IndexStatus> {
                let e = sqlx::query("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(seq), 0) AS BIGINT) AS s FROM journal_entries")
                    .fetch_one(self.read())
                    .await
                    .map_err(map_err)?;
                let i = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) AS n, CAST(COALESCE(SUM({}), 0) AS BIGINT) AS s FROM {}",
                    <$store>::FTS_KEY,
                    <$store>::FTS_TABLE
                )))
                .fetch_one(self.read())
                .await
                .map_err(map_err)?;
                Ok(crate::IndexStatus {
                    entries: e.try_get("n").map_err(map_err)?,
                    entries_seq_sum: e.try_get("s").map_err(map_err)?,
                    indexed: i.try_get("n").map_err(map_err)?,
                    indexed_seq_sum: i.try_get("s").map_err(map_err)?,
                })
            }

            async fn journal_unindexed(&self, after: i64, limit: i64) -> Result<Vec<(i64, tvaers_domain::journal::JournalEntry)>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{JOURNAL_SELECT} FROM {JOURNAL_FROM} WHERE e.seq > $1 AND NOT EXISTS (SELECT 1 FROM {} i WHERE i.{} = e.seq) \
                     ORDER BY e.seq LIMIT {}",
                    <$store>::FTS_TABLE,
                    <$store>::FTS_KEY,
                    limit.clamp(1, 10_000)
                )))
                .bind(after)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_journal)
                .collect()
            }

            async fn journal_entries_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, tvaers_domain::journal::JournalEntry)>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{JOURNAL_SELECT} FROM {JOURNAL_FROM} WHERE e.seq > $1 ORDER BY e.seq LIMIT {}",
                    limit.clamp(1, 10_000)
                )))
                .bind(after)
                .fetch_all(self.read())
                .await
                .map_err(map_err)?
                .iter()
                .map(row_journal)
                .collect()
            }

            async fn index_journal(&self, docs: &[crate::IndexDoc]) -> Result<()> {
                let mut tx = self.write().begin().await.map_err(map_err)?;
                for d in docs {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DELETE FROM {} WHERE {} = $1",
                        <$store>::FTS_TABLE,
                        <$store>::FTS_KEY
                    )))
                    .bind(d.seq)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    insert_index_row(&mut *tx, d.seq, d.citizen_id, &d.terms).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn journal_seed_facts(
                &self,
                citizens: &[CitizenId],
            ) -> Result<std::collections::HashMap<CitizenId, crate::JournalSeedFacts>> {
                use tvaers_domain::ids::GoalId;
                let mut out: std::collections::HashMap<CitizenId, crate::JournalSeedFacts> =
                    citizens.iter().map(|c| (*c, crate::JournalSeedFacts::default())).collect();
                for chunk in citizens.chunks(MAX_BINDS) {
                    // Three reads by citizen_id, each served by an index that leads with it.
                    for (head, tail) in [
                        ("SELECT citizen_id, COUNT(*) AS n FROM journal_entries WHERE citizen_id IN (", ") GROUP BY citizen_id"),
                        ("SELECT citizen_id, goal_id, area_code FROM plan_goals WHERE citizen_id IN (", ") ORDER BY citizen_id, goal_id"),
                        ("SELECT citizen_id, staff_id FROM plan_members WHERE citizen_id IN (", ") ORDER BY citizen_id, staff_id"),
                    ] {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(head);
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(id.0);
                        }
                        qb.push(tail);
                        for r in qb.build().fetch_all(self.read()).await.map_err(map_err)? {
                            let c = CitizenId(r.try_get("citizen_id").map_err(map_err)?);
                            let f = out.entry(c).or_default();
                            if head.contains("COUNT") {
                                f.entries = r.try_get("n").map_err(map_err)?;
                            } else if head.contains("goal_id") {
                                f.goals.push((GoalId(r.try_get("goal_id").map_err(map_err)?), r.try_get("area_code").map_err(map_err)?));
                            } else {
                                f.team.push(StaffId(r.try_get("staff_id").map_err(map_err)?));
                            }
                        }
                    }
                }
                Ok(out)
            }

            async fn import_journal(
                &self,
                entries: &[(tvaers_domain::journal::JournalEntry, Vec<String>)],
            ) -> Result<u64> {
                if entries.is_empty() {
                    return Ok(0);
                }
                self.import_journal_rows(entries).await
            }

            async fn journal_bulk_mode(&self, on: bool) -> Result<()> {
                self.journal_bulk_mode_impl(on).await
            }

            async fn clear_journal_index(&self) -> Result<u64> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", <$store>::FTS_TABLE)))
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected())
            }

            async fn prune_journal_index(&self) -> Result<u64> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {t} WHERE {k} NOT IN (SELECT seq FROM journal_entries)",
                    t = <$store>::FTS_TABLE,
                    k = <$store>::FTS_KEY
                )))
                .execute(self.write())
                .await
                .map_err(map_err)?;
                Ok(r.rows_affected())
            }

            async fn mark_message_read(
                &self,
                entry_id: tvaers_domain::ids::JournalEntryId,
                staff_id: StaffId,
                at: OffsetDateTime,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO message_reads (entry_id, staff_id, read_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (entry_id, staff_id) DO NOTHING",
                )
                .bind(entry_id.0)
                .bind(staff_id.0)
                .bind(at.to_offset(time::UtcOffset::UTC))
                .execute(self.write())
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn inbox(
                &self,
                staff_id: StaffId,
                units: &[UnitId],
                scope: &crate::ReadScope,
                limit: i64,
            ) -> Result<Vec<crate::InboxMessage>> {
                let mut a = Args::default();
                let me = a.push(Arg::Uuid(staff_id.0));
                let unit_ids: Vec<Uuid> = units.iter().map(|u| u.0).collect();
                let in_units = uuids_sql("e.to_unit_id", &unit_ids, &mut a);
                let sens = scope_sql(scope, &mut a);
                let sql = format!(
                    "{JOURNAL_SELECT}, c.given_name, c.family_name, \
                     EXISTS (SELECT 1 FROM message_reads r WHERE r.entry_id = e.id AND r.staff_id = {me}) AS is_read \
                     FROM {JOURNAL_FROM} JOIN citizens c ON c.id = e.citizen_id \
                     WHERE e.message_direction = 'from_citizen' AND (e.to_staff_id = {me} OR {in_units}) AND {sens} \
                     ORDER BY e.seq DESC LIMIT {}",
                    limit.clamp(1, 500)
                );
                a.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|r| {
                        let (_, entry) = row_journal(r)?;
                        Ok(crate::InboxMessage {
                            entry,
                            citizen_name: citizen_name(r)?,
                            read: r.try_get("is_read").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn unread_for_staff(
                &self,
                staff_id: StaffId,
                units: &[UnitId],
                scope: &crate::ReadScope,
            ) -> Result<i64> {
                let mut a = Args::default();
                let me = a.push(Arg::Uuid(staff_id.0));
                let unit_ids: Vec<Uuid> = units.iter().map(|u| u.0).collect();
                let in_units = uuids_sql("e.to_unit_id", &unit_ids, &mut a);
                let sens = scope_sql(scope, &mut a);
                let sql = format!(
                    "SELECT COUNT(*) FROM journal_entries e WHERE e.message_direction = 'from_citizen' \
                     AND (e.to_staff_id = {me} OR {in_units}) AND {sens} \
                     AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r.entry_id = e.id AND r.staff_id = {me})"
                );
                a.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .fetch_one(self.read())
                    .await
                    .map_err(map_err)?
                    .try_get(0)
                    .map_err(map_err)
            }

            async fn unread_by_unit(
                &self,
                units: &[UnitId],
                scope: &crate::ReadScope,
            ) -> Result<Vec<(UnitId, i64)>> {
                if units.is_empty() {
                    return Ok(vec![]);
                }
                let mut a = Args::default();
                let unit_ids: Vec<Uuid> = units.iter().map(|u| u.0).collect();
                let in_units = uuids_sql("e.to_unit_id", &unit_ids, &mut a);
                let sens = scope_sql(scope, &mut a);
                let sql = format!(
                    "SELECT e.to_unit_id AS unit_id, COUNT(*) AS n FROM journal_entries e \
                     WHERE e.message_direction = 'from_citizen' AND {in_units} AND {sens} \
                     AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r.entry_id = e.id) \
                     GROUP BY e.to_unit_id ORDER BY e.to_unit_id"
                );
                a.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|r| Ok((UnitId(r.try_get("unit_id").map_err(map_err)?), r.try_get("n").map_err(map_err)?)))
                    .collect()
            }

            async fn journal_reader_facts(
                &self,
                staff_id: StaffId,
                organisation_id: OrganisationId,
                now: OffsetDateTime,
                limit: usize,
            ) -> Result<Option<Vec<(CitizenId, AccessFacts)>>> {
                // The same facts as `access_facts`, for every candidate at once,
                // read as sets (one index range each) rather than seven
                // correlated probes per candidate: a unit with 16,000 open
                // cases is five short queries, not 110,000 probes per search.
                let now = now.to_offset(time::UtcOffset::UTC);
                let mut facts: std::collections::BTreeMap<Uuid, AccessFacts> = std::collections::BTreeMap::new();
                // A care team or unit case set over the limit makes the scope a
                // table: counted first in the database, one row, instead of
                // reading limit + 1 rows one by one to find out; in the same
                // row, whether the organisation is the municipality.
                let lim = limit.saturating_add(1);
                let sizes = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM plan_members m WHERE m.staff_id = $1 LIMIT {lim}) t) AS team, \
                            (SELECT COUNT(*) FROM (SELECT 1 FROM cases k JOIN staff_units su ON su.unit_id = k.responsible_unit_id \
                               WHERE k.closed_on IS NULL AND su.staff_id = $1 LIMIT {lim}) u) AS unit_cases, \
                            (SELECT COUNT(*) FROM organisations o WHERE o.id = $2 AND o.kind = 'municipality') AS municipal"
                )))
                .bind(staff_id.0)
                .bind(organisation_id.0)
                .fetch_one(self.read())
                .await
                .map_err(map_err)?;
                let municipal = sizes.try_get::<i64, _>("municipal").map_err(map_err)? > 0;
                for set in ["team", "unit_cases"] {
                    let n: i64 = sizes.try_get(set).map_err(map_err)?;
                    if usize::try_from(n).map_or(true, |n| n > limit) {
                        return Ok(None);
                    }
                }
                let blank = AccessFacts { municipal, ..AccessFacts::default() };
                let sets: [(&str, u8); 3] = [
                    ("SELECT DISTINCT m.citizen_id AS id, '' AS kind FROM plan_members m WHERE m.staff_id = $1", 0),
                    ("SELECT DISTINCT k.citizen_id AS id, '' AS kind FROM cases k JOIN staff_units su ON su.unit_id = k.responsible_unit_id \
                      WHERE k.closed_on IS NULL AND su.staff_id = $1", 1),
                    ("SELECT g.citizen_id AS id, g.kind AS kind FROM access_grants g WHERE g.staff_id = $1 AND g.expires_at > $2", 2),
                ];
                for (sql, which) in sets {
                    let sql = format!("{sql} LIMIT {}", limit.saturating_add(1));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(staff_id.0);
                    if which == 2 {
                        q = q.bind(now);
                    }
                    let rows = q
                        .fetch_all(self.read())
                        .await
                        .map_err(map_err)?;
                    if rows.len() > limit {
                        return Ok(None);
                    }
                    for r in rows {
                        let id: Uuid = r.try_get("id").map_err(map_err)?;
                        let kind: String = r.try_get("kind").map_err(map_err)?;
                        let f = facts.entry(id).or_insert(blank);
                        match which {
                            0 => f.on_care_team = true,
                            1 => f.unit_case = true,
                            _ if kind == "break_glass" => f.break_glass = true,
                            _ if kind == "intake" => f.intake = true,
                            _ => {}
                        }
                    }
                }
                if facts.len() > limit {
                    return Ok(None);
                }
                // Consents of the candidates only.
                let consents = sqlx::query(
                    "WITH cand(id) AS ( \
                       SELECT m.citizen_id FROM plan_members m WHERE m.staff_id = $1 \
                       UNION SELECT k.citizen_id FROM cases k JOIN staff_units su ON su.unit_id = k.responsible_unit_id \
                             WHERE k.closed_on IS NULL AND su.staff_id = $1 \
                       UNION SELECT g.citizen_id FROM access_grants g WHERE g.staff_id = $1 AND g.expires_at > $2) \
                     SELECT c.citizen_id AS id, c.scope AS scope FROM cand JOIN consents c ON c.citizen_id = cand.id \
                     WHERE (c.organisation_id IS NULL OR c.organisation_id = $3) AND c.withdrawn_at IS NULL \
                       AND c.valid_from <= $4 AND (c.valid_to IS NULL OR c.valid_to >= $4)",
                )
                .bind(staff_id.0)
                .bind(now)
                .bind(organisation_id.0)
                .bind(tvaers_domain::calendar::danish_date(now))
                .fetch_all(self.read())
                .await
                .map_err(map_err)?;
                for r in consents {
                    let id: Uuid = r.try_get("id").map_err(map_err)?;
                    let scope: String = r.try_get("scope").map_err(map_err)?;
                    if let Some(f) = facts.get_mut(&id) {
                        f.consent_general = true;
                        if scope == "health" {
                            f.consent_health = true;
                        }
                    }
                }
                Ok(Some(facts.into_iter().map(|(id, f)| (CitizenId(id), f)).collect()))
            }
        }

        impl $store {
            /// A search's result: the entries of the hits it shows, in order,
            /// with their citizens' names.
            async fn search_hits(&self, total: i64, capped: bool, shown: Vec<i64>) -> Result<crate::JournalSearchResult> {
                if shown.is_empty() {
                    return Ok(crate::JournalSearchResult { total, capped, ..Default::default() });
                }
                let (sql, a) = search_hits_sql(&shown);
                let mut hits: std::collections::HashMap<i64, crate::JournalHit> = a
                    .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|r| {
                        let (seq, entry) = row_journal(r)?;
                        Ok((seq, crate::JournalHit { entry, citizen_name: citizen_name(r)? }))
                    })
                    .collect::<Result<_>>()?;
                let hits = shown.iter().filter_map(|s| hits.remove(s)).collect();
                Ok(crate::JournalSearchResult { total, capped, hits, facts: Vec::new() })
            }


            /// This server changed sessions or staff: its cached sessions go
            /// now, without waiting for the notification (`session_cache`).
            fn sessions_changed(&self) {
                if let Some(c) = crate::common::InlineReads::session_cache(self) {
                    c.clear();
                }
            }

            /// The citizen's version (0 before any change was counted), read
            /// before the rows a cached file holds.
            async fn citizen_version(&self, id: CitizenId) -> Result<i64> {
                if let Some(version) = crate::common::InlineReads::inline_citizen_version(self, id) {
                    return version;
                }
                Ok(sqlx::query_scalar::<_, i64>(crate::common::CITIZEN_VERSION_SQL)
                    .bind(id.0)
                    .fetch_optional(self.read())
                    .await
                    .map_err(map_err)?
                    .unwrap_or(0))
            }

            async fn read_citizen_file(&self, id: CitizenId) -> Result<CitizenFile> {
                if let Some(file) = crate::common::InlineReads::inline_citizen_file(self, id) {
                    return file;
                }
                let (citizen, cases, plans, meetings, tasks, measurements) = tokio::try_join!(
                    self.get_citizen(id),
                    self.list_cases_for_citizen(id),
                    self.list_plans(id),
                    self.list_meetings(id),
                    self.list_tasks(id),
                    self.list_measurements(id),
                )?;
                Ok(CitizenFile { citizen, cases, plans, meetings, tasks, measurements })
            }

            async fn read_journal_file(
                &self,
                citizen_id: CitizenId,
                timeline: Option<(&crate::JournalFilter, &[tvaers_domain::journal::Sensitivity], Page)>,
            ) -> Result<crate::JournalFile> {
                if let Some(file) = crate::common::InlineReads::inline_journal_file(self, citizen_id, timeline) {
                    return file;
                }
                let entries = async {
                    match timeline {
                        Some((f, classes, page)) => self.journal_timeline(citizen_id, f, classes, page).await,
                        None => Ok(Vec::new()),
                    }
                };
                let (citizen, plans, meetings, entries) = tokio::try_join!(
                    self.get_citizen(citizen_id),
                    self.list_plans(citizen_id),
                    self.list_meetings(citizen_id),
                    entries,
                )?;
                Ok(crate::JournalFile { citizen, plans, meetings, entries })
            }

            async fn write_members(&self, tx: &mut sqlx::Transaction<'_, $db>, plan: &Plan) -> Result<()> {
                self.write_team(tx, plan).await?;
                for sql in crate::common::PLAN_ROWS_DELETE_SQL {
                    sqlx::query(sql)
                    .bind(plan.citizen_id.0)
                    .bind(plan.id.0)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                }
                // One statement for all goals and one for all interventions:
                // on PostgreSQL each statement is a round trip.
                let goals: Vec<(&Plan, &tvaers_domain::plan::Goal)> = goal_rows(plan).iter().map(|g| (plan, g)).collect();
                insert_rows(tx, PLAN_GOALS_HEAD, 7, &goals, push_goal_row).await?;
                let interventions: Vec<(&Plan, &tvaers_domain::plan::Intervention)> =
                    intervention_rows(plan).iter().map(|i| (plan, i)).collect();
                insert_rows(tx, PLAN_INTERVENTIONS_HEAD, 5, &interventions, push_intervention_row).await
            }

            /// The plan's `plan_members` rows, changed only where the team
            /// changed: a row written is a relationship that moves the
            /// relations version (migration `relations_version`), and most
            /// plan saves leave the team as it was.
            async fn write_team(&self, tx: &mut sqlx::Transaction<'_, $db>, plan: &Plan) -> Result<()> {
                let wanted: std::collections::BTreeSet<(Uuid, bool)> = member_rows(plan).into_iter().collect();
                let current: std::collections::BTreeSet<(Uuid, bool)> = sqlx::query(crate::common::PLAN_MEMBERS_SQL)
                .bind(plan.citizen_id.0)
                .bind(plan.id.0)
                .fetch_all(&mut **tx)
                .await
                .map_err(map_err)?
                .iter()
                .map(|r| Ok((r.try_get("staff_id").map_err(map_err)?, r.try_get("is_coordinator").map_err(map_err)?)))
                .collect::<Result<_>>()?;
                for (staff_id, _) in current.difference(&wanted) {
                    sqlx::query(crate::common::PLAN_MEMBER_DELETE_SQL)
                        .bind(plan.citizen_id.0)
                        .bind(plan.id.0)
                        .bind(staff_id)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                }
                for (staff_id, is_coordinator) in wanted.difference(&current) {
                    sqlx::query(crate::common::PLAN_MEMBER_INSERT_SQL)
                    .bind(plan.citizen_id.0)
                    .bind(plan.id.0)
                    .bind(staff_id)
                    .bind(is_coordinator)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                }
                Ok(())
            }

            async fn insert_meeting(&self, tx: &mut sqlx::Transaction<'_, $db>, m: &Meeting) -> Result<()> {
                sqlx::query(
                    "INSERT INTO meetings (citizen_id, id, plan_id, kind, starts_at, location, attendees, agenda, minutes, status, previous_meeting_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(m.citizen_id.0)
                .bind(m.id.0)
                .bind(m.plan_id.map(|p| p.0))
                .bind(m.kind.code())
                .bind(m.starts_at)
                .bind(&m.location)
                .bind(to_json(&m.attendees)?)
                .bind(&m.agenda)
                .bind(&m.minutes)
                .bind(m.status.code())
                .bind(m.previous_meeting_id.map(|p| p.0))
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                self.write_meeting_staff(tx, m).await
            }

            async fn update_meeting_row(&self, tx: &mut sqlx::Transaction<'_, $db>, m: &Meeting) -> Result<()> {
                let r = sqlx::query(
                    "UPDATE meetings SET plan_id = $3, kind = $4, starts_at = $5, location = $6, attendees = $7, agenda = $8, \
                     minutes = $9, status = $10, previous_meeting_id = $11 WHERE citizen_id = $1 AND id = $2 AND status = 'planned'",
                )
                .bind(m.citizen_id.0)
                .bind(m.id.0)
                .bind(m.plan_id.map(|p| p.0))
                .bind(m.kind.code())
                .bind(m.starts_at)
                .bind(&m.location)
                .bind(to_json(&m.attendees)?)
                .bind(&m.agenda)
                .bind(&m.minutes)
                .bind(m.status.code())
                .bind(m.previous_meeting_id.map(|p| p.0))
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                // Only a planned meeting changes; a concurrent close or cancel got there first.
                if r.rows_affected() == 0 {
                    return Err(StoreError::Stale);
                }
                self.write_meeting_staff(tx, m).await
            }

            async fn write_meeting_staff(&self, tx: &mut sqlx::Transaction<'_, $db>, m: &Meeting) -> Result<()> {
                sqlx::query("DELETE FROM meeting_staff WHERE citizen_id = $1 AND meeting_id = $2")
                    .bind(m.citizen_id.0)
                    .bind(m.id.0)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                for staff_id in meeting_staff_rows(m) {
                    sqlx::query(
                        "INSERT INTO meeting_staff (citizen_id, meeting_id, staff_id, starts_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(m.citizen_id.0)
                    .bind(m.id.0)
                    .bind(staff_id)
                    .bind(m.starts_at)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                }
                Ok(())
            }

            async fn debug_exec_impl(&self, sql: &str) -> Result<u64> {
                let r = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(self.write())
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected())
            }

            async fn units_of(&self, id: StaffId) -> Result<Vec<UnitId>> {
                let rows = sqlx::query("SELECT unit_id FROM staff_units WHERE staff_id = $1")
                    .bind(id.0)
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| r.try_get::<Uuid, _>("unit_id").map(UnitId).map_err(map_err))
                    .collect()
            }
        }
    };
}
pub(crate) use impl_store;
