//! SQLite reads on the request's own thread.
//!
//! Through sqlx every SQLite statement is handed to its connection's own
//! thread, and each row it yields is copied and handed back over a channel:
//! at least two thread switches per read, which on a two-core virtual machine
//! cost more than the index lookups of one citizen's file (`perf` of the
//! citizen page under load: a third of the server's CPU on sqlx's connection
//! threads, most of it switching and copying). The reads every page makes —
//! the session, the citizen overview's file, the journal page's file — run
//! here instead, on a plain (rusqlite) read-only connection, on the thread
//! that asks. They are short reads of indexed rows already in the page cache;
//! the SQL and the row decoders are the sqlx store's own (`row_decoders!`),
//! and [`Row::try_get`] decodes each column as sqlx-sqlite does, so both
//! paths give equal answers (checked by the conformance suite).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::{Result, StoreError};

/// Idle connections kept for reuse; more are opened while more requests
/// read at once (one per runtime worker at most, in practice).
const KEEP: usize = 8;

/// Read-only connections to the store's file, taken by one read at a time.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// As [`crate::common::map_err`] maps sqlx's errors: a broken unique or
/// foreign key constraint is the caller's conflict, not the database's fault.
pub(crate) fn db_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    let extended = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code),
        _ => None,
    };
    match (e.sqlite_error_code(), extended) {
        (Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked), _) => {
            StoreError::Unavailable(e.to_string())
        }
        (_, Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY)) => {
            StoreError::Conflict(e.to_string())
        }
        (_, Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY)) => StoreError::ForeignKey(e.to_string()),
        _ => StoreError::Database(e.to_string()),
    }
}

impl Readers {
    pub(crate) fn new(path: &Path) -> Self {
        Readers {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// As the sqlx readers are opened: read-only, the same page cache size.
    fn open(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(db_err)?;
        conn.execute_batch("PRAGMA cache_size = -32000; PRAGMA temp_store = memory;")
            .map_err(db_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Runs `f` in one read transaction, so its statements see one snapshot.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let taken = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let out = (|| {
            let tx = conn.transaction().map_err(db_err)?;
            let value = f(&tx)?;
            tx.commit().map_err(db_err)?;
            Ok(value)
        })();
        // A connection whose read failed is closed rather than reused: it may
        // be in a state the next read does not expect.
        if out.is_ok() {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < KEEP {
                idle.push(conn);
            }
        }
        out
    }
}

/// A read-write connection to `path`, waiting up to ten seconds for a lock
/// as the sqlx connections do (the audit writer's, the writer thread's).
pub(crate) fn open_writable(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db_err)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(db_err)?;
    Ok(conn)
}

/// A bind value, as sqlx-sqlite encodes it.
pub(crate) enum Value {
    Text(String),
    Blob([u8; 16]),
    Int(i64),
    Real(f64),
    Null,
}

impl Value {
    pub(crate) fn uuid(u: Uuid) -> Self {
        Value::Blob(*u.as_bytes())
    }

    pub(crate) fn opt_uuid(u: Option<Uuid>) -> Self {
        u.map_or(Value::Null, Value::uuid)
    }

    pub(crate) fn opt_text(s: Option<impl Into<String>>) -> Self {
        s.map_or(Value::Null, |s| Value::Text(s.into()))
    }

    pub(crate) fn opt_real(x: Option<f64>) -> Self {
        x.map_or(Value::Null, Value::Real)
    }

    pub(crate) fn opt_date(d: Option<Date>) -> Self {
        d.map_or(Value::Null, Value::date)
    }

    pub(crate) fn time(t: OffsetDateTime) -> Result<Self> {
        time_text(t).map(Value::Text)
    }

    pub(crate) fn date(d: Date) -> Self {
        Value::Text(date_text(d))
    }
}

/// RFC 3339 in UTC, as sqlx-sqlite writes an `OffsetDateTime`, so rows
/// written or compared here and through sqlx agree.
pub(crate) fn time_text(t: OffsetDateTime) -> Result<String> {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| StoreError::Database(format!("time {t}: {e}")))
}

/// `YYYY-MM-DD`, as sqlx-sqlite writes a `Date`.
pub(crate) fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(match self {
            Value::Text(s) => s.as_str().into(),
            Value::Blob(b) => b.as_slice().into(),
            Value::Int(i) => (*i).into(),
            Value::Real(x) => (*x).into(),
            Value::Null => rusqlite::types::Null.into(),
        })
    }
}

/// Runs one statement of the store's SQL, whose placeholders are `$1`, `$2`,
/// …, with `args[n - 1]` for `$n`, and decodes each row with `decode`.
pub(crate) fn query<T>(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    mut decode: impl FnMut(&Row<'_, '_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for_each(conn, sql, args, |r| {
        out.push(decode(r)?);
        Ok(true)
    })?;
    Ok(out)
}

/// As [`query`], handing each row to `f` as it is read, until `f` answers
/// false: a walk that stops when it has what it needs.
pub(crate) fn for_each(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    f: impl FnMut(&Row<'_, '_>) -> Result<bool>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
    run(&mut stmt, sql, args, f)
}

/// As [`for_each`] for SQL written for one call (words or limits in the
/// text), which would only push the pages' statements out of the cache.
pub(crate) fn for_each_once(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    f: impl FnMut(&Row<'_, '_>) -> Result<bool>,
) -> Result<()> {
    run(&mut conn.prepare(sql).map_err(db_err)?, sql, args, f)
}

/// Runs one statement that returns no rows, as [`query`] binds it; the
/// number of rows it changed.
pub(crate) fn execute(conn: &Connection, sql: &str, args: &[Value]) -> Result<usize> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
    bind(&mut stmt, sql, args)?;
    stmt.raw_execute().map_err(db_err)
}

fn bind(stmt: &mut rusqlite::Statement<'_>, sql: &str, args: &[Value]) -> Result<()> {
    for i in 1..=stmt.parameter_count() {
        let arg = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| args.get(n))
            .ok_or_else(|| StoreError::Database(format!("no value for parameter {i} of {sql}")))?;
        stmt.raw_bind_parameter(i, arg).map_err(db_err)?;
    }
    Ok(())
}

fn run(
    stmt: &mut rusqlite::Statement<'_>,
    sql: &str,
    args: &[Value],
    mut f: impl FnMut(&Row<'_, '_>) -> Result<bool>,
) -> Result<()> {
    bind(stmt, sql, args)?;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(db_err)? {
        let go_on = f(&Row {
            row,
            next: Cell::new(0),
        })?;
        if !go_on {
            break;
        }
    }
    Ok(())
}

/// A row, answering `try_get` by column name as sqlx's rows do, so the
/// store's row decoders read it unchanged.
pub(crate) struct Row<'a, 'b> {
    row: &'a rusqlite::Row<'b>,
    /// Where the next column is looked for first: the decoders read the
    /// columns in the order they are selected, so a lookup by name is one
    /// comparison instead of a scan from the first column (rusqlite's, which
    /// was ~5 % of the journal page's CPU at 25 columns a row).
    next: Cell<usize>,
}

impl Row<'_, '_> {
    /// The column's index, compared as rusqlite compares names (ASCII case
    /// folded), starting at the one after the column read last.
    fn index(&self, column: &str) -> Option<usize> {
        let stmt: &rusqlite::Statement<'_> = self.row.as_ref();
        let (n, hint) = (stmt.column_count(), self.next.get());
        let found = (hint..n).chain(0..hint.min(n)).find(|&i| {
            stmt.column_name(i)
                .is_ok_and(|name| name.eq_ignore_ascii_case(column))
        })?;
        self.next.set(found + 1);
        Some(found)
    }

    pub(crate) fn try_get<T: FromColumn, I: AsRef<str>>(
        &self,
        column: I,
    ) -> std::result::Result<T, sqlx::Error> {
        let column = column.as_ref();
        let value = self
            .index(column)
            .and_then(|i| self.row.get_ref(i).ok())
            .ok_or_else(|| sqlx::Error::ColumnNotFound(column.to_string()))?;
        T::from_column(value).map_err(|e| sqlx::Error::ColumnDecode {
            index: format!("{column:?}"),
            source: e.into(),
        })
    }
}

/// A Rust value from an SQLite column, as sqlx-sqlite decodes it.
pub(crate) trait FromColumn: Sized {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String>;
}

fn unexpected(what: &str, v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => format!("unexpected NULL for {what}"),
        other => format!("{:?} is not {what}", other.data_type()),
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_column(v).map(Some),
        }
    }
}

impl FromColumn for String {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(str::to_owned)
                .map_err(|e| e.to_string()),
            v => Err(unexpected("text", v)),
        }
    }
}

impl FromColumn for i64 {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Integer(i) => Ok(i),
            v => Err(unexpected("an integer", v)),
        }
    }
}

impl FromColumn for i32 {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        i64::from_column(v).and_then(|i| i32::try_from(i).map_err(|e| e.to_string()))
    }
}

impl FromColumn for bool {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        i64::from_column(v).map(|i| i != 0)
    }
}

impl FromColumn for f64 {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            v => Err(unexpected("a number", v)),
        }
    }
}

impl FromColumn for Uuid {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Uuid::from_slice(b).map_err(|e| e.to_string()),
            v => Err(unexpected("a UUID", v)),
        }
    }
}

impl FromColumn for Date {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        let text = String::from_column(v)?;
        Date::parse(
            &text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|e| format!("invalid date {text}: {e}"))
    }
}

impl FromColumn for OffsetDateTime {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Integer(i) => {
                OffsetDateTime::from_unix_timestamp(i).map_err(|e| e.to_string())
            }
            v => {
                let text = String::from_column(v)?;
                parse_time(&text).ok_or_else(|| format!("invalid offset datetime: {text}"))
            }
        }
    }
}

/// RFC 3339 (what the store writes), or SQLite's own `YYYY-MM-DD HH:MM:SS[.f]`
/// with or without an offset (UTC when none), as sqlx-sqlite reads it.
fn parse_time(text: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let mut t = text.replacen(' ', "T", 1);
    let time_part = t.get(11..).unwrap_or("");
    if !(time_part.contains('+') || time_part.contains('-') || time_part.ends_with('Z')) {
        t.push('Z');
    }
    OffsetDateTime::parse(&t, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_sqlx_reads_them() {
        let t = parse_time("2026-12-06T10:11:12.5+01:00").map(|t| t.unix_timestamp());
        assert_eq!(t, Some(1_796_548_272));
        assert_eq!(
            parse_time("2026-12-06 09:11:12").map(|t| t.unix_timestamp()),
            Some(1_796_548_272)
        );
        assert_eq!(
            parse_time("2026-12-06 09:11:12.25").map(|t| t.unix_timestamp()),
            Some(1_796_548_272)
        );
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn a_row_decodes_like_sqlx() -> Result<()> {
        let conn = Connection::open_in_memory().map_err(db_err)?;
        let id = Uuid::now_v7();
        let rows = query(
            &conn,
            "SELECT $2 AS id, $1 AS n, NULL AS missing, 'x' AS t, $3 AS at, $4 AS day",
            &[
                Value::Int(7),
                Value::uuid(id),
                Value::time(OffsetDateTime::UNIX_EPOCH)?,
                Value::date(
                    Date::MIN
                        .replace_year(2026)
                        .map_err(|e| StoreError::Database(e.to_string()))?,
                ),
            ],
            |r| {
                let got: (Uuid, i64, Option<String>, String, OffsetDateTime, Date) = (
                    r.try_get("id").map_err(crate::common::map_err)?,
                    r.try_get("n").map_err(crate::common::map_err)?,
                    r.try_get("missing").map_err(crate::common::map_err)?,
                    r.try_get("t").map_err(crate::common::map_err)?,
                    r.try_get("at").map_err(crate::common::map_err)?,
                    r.try_get("day").map_err(crate::common::map_err)?,
                );
                assert!(r.try_get::<String, _>("missing").is_err());
                assert!(r.try_get::<String, _>("nope").is_err());
                // Out of order and in another case, as rusqlite finds names.
                assert_eq!(r.try_get::<i64, _>("N").ok(), Some(7));
                assert_eq!(r.try_get::<Uuid, _>("id").ok(), Some(id));
                assert_eq!(r.try_get::<String, _>("t").ok().as_deref(), Some("x"));
                Ok(got)
            },
        )?;
        assert_eq!(rows.len(), 1);
        let (got_id, n, missing, t, at, day) = &rows[0];
        assert_eq!(
            (*got_id, *n, missing.clone(), t.as_str()),
            (id, 7, None, "x")
        );
        assert_eq!(*at, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(day.year(), 2026);
        Ok(())
    }
}
