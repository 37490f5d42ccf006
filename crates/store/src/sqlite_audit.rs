//! The SQLite audit trail's writer connection ([`crate::AuditLog`]).
//!
//! Through sqlx every statement is handed to the connection's own thread and
//! its answer handed back: two thread switches, which on a virtual machine
//! cost more than the statement. The audit writer runs on a thread of its own
//! anyway, so here it owns a plain (rusqlite) connection and runs the access
//! facts of a batch of decisions and the commit of their events on that
//! thread, with no switch per statement. The SQL is the sqlx store's own
//! ([`imp::access_facts_sql`], [`AUDIT_COLUMNS`]), and values are bound as
//! sqlx binds them, so both write and read the same rows.

use std::path::Path;

use rusqlite::{Connection, named_params};
use time::OffsetDateTime;
use tvaers_domain::audit::NewAuditEvent;
use tvaers_domain::ids::{CitizenId, OrganisationId, StaffId};
use uuid::Uuid;

use crate::common::AUDIT_COLUMNS;
use crate::sqlite::imp;
use crate::sqlite_inline::{Value, date_text, db_err, execute, open_writable, time_text};
use crate::{AccessFacts, AuditLog, Result, StoreError};

pub(crate) struct SqliteAuditLog {
    conn: Connection,
    facts_sql: String,
    insert_sql: String,
}

/// The access facts of one (staff member, citizen) pair by `facts_sql`
/// ([`imp::access_facts_sql`]), on a connection of the caller's: the audit
/// writer's, or a reader on the request's thread.
pub(crate) fn access_facts_on(
    conn: &Connection,
    facts_sql: &str,
    staff_id: StaffId,
    organisation_id: OrganisationId,
    citizen_id: CitizenId,
    now: OffsetDateTime,
) -> Result<AccessFacts> {
    let now = now.to_offset(time::UtcOffset::UTC);
    let today = tvaers_domain::calendar::danish_date(now);
    let mut stmt = conn.prepare_cached(facts_sql).map_err(db_err)?;
    let code: i64 = stmt
        .query_row(
            named_params! {
                "$1": citizen_id.0.as_bytes(),
                "$2": staff_id.0.as_bytes(),
                "$3": time_text(now)?,
                "$4": organisation_id.0.as_bytes(),
                "$5": date_text(today),
            },
            |r| r.get(0),
        )
        .map_err(db_err)?;
    u8::try_from(code)
        .map(AccessFacts::from_code)
        .map_err(|_| StoreError::Corrupt(format!("access facts code {code}")))
}

/// One audit event into `table`, as the sqlx store's `audit_insert` writes it.
pub(crate) fn audit_insert_sql(table: &str) -> String {
    let columns = AUDIT_COLUMNS.split(',').count();
    let marks = (1..=columns)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("INSERT INTO {table} ({AUDIT_COLUMNS}) VALUES ({marks})")
}

/// The values of [`audit_insert_sql`]: the event with a new id and the time now.
pub(crate) fn audit_values(ev: &NewAuditEvent) -> Result<[Value; 12]> {
    Ok([
        Value::uuid(Uuid::now_v7()),
        Value::time(OffsetDateTime::now_utc())?,
        Value::opt_uuid(ev.actor_id.map(|a| a.0)),
        Value::Text(ev.action.code().to_string()),
        Value::Text(ev.resource_type.to_string()),
        Value::opt_uuid(ev.resource_id),
        Value::opt_uuid(ev.citizen_id.map(|c| c.0)),
        Value::Text(ev.outcome.code().to_string()),
        Value::opt_text(ev.detail.as_deref()),
        Value::opt_text(ev.actor_profession.map(|p| p.code())),
        Value::opt_uuid(ev.actor_unit_id.map(|u| u.0)),
        Value::opt_text(ev.purpose.as_deref()),
    ])
}

impl SqliteAuditLog {
    /// Opens the database `db` with its audit log attached as `auditlog`,
    /// committing as durably as the store's writer (WAL, `synchronous=FULL`),
    /// with the readers' page cache: the facts probe the main file's indexes,
    /// and each append the audit log's three indexes.
    pub(crate) fn open(db: &Path, log: &Path) -> Result<Self> {
        let conn = open_writable(db)?;
        conn.execute(
            "ATTACH DATABASE ?1 AS auditlog",
            [log.to_string_lossy().to_string()],
        )
        .map_err(db_err)?;
        conn.execute_batch(
            "PRAGMA auditlog.journal_mode = WAL; PRAGMA auditlog.synchronous = FULL; \
             PRAGMA main.synchronous = FULL; PRAGMA cache_size = -32000;",
        )
        .map_err(db_err)?;
        Ok(SqliteAuditLog {
            conn,
            facts_sql: imp::access_facts_sql(),
            insert_sql: audit_insert_sql(crate::sqlite::SqliteStore::AUDIT_LOG_TABLE),
        })
    }
}

impl AuditLog for SqliteAuditLog {
    fn access_facts(
        &mut self,
        staff_id: StaffId,
        organisation_id: OrganisationId,
        citizen_id: CitizenId,
        now: OffsetDateTime,
    ) -> Result<AccessFacts> {
        access_facts_on(
            &self.conn,
            &self.facts_sql,
            staff_id,
            organisation_id,
            citizen_id,
            now,
        )
    }

    fn append(&mut self, events: &[NewAuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction().map_err(db_err)?;
        {
            for ev in events {
                execute(&tx, &self.insert_sql, &audit_values(ev)?)?;
            }
        }
        // Dropped without commit, the transaction rolls back: nothing half-written.
        tx.commit().map_err(db_err)
    }
}
