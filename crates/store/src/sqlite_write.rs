//! SQLite's frequent writes on a thread of their own.
//!
//! Through sqlx every statement of a write is handed to the connection's
//! thread and its answer handed back: a measurement is about eleven
//! statements, so some twenty thread switches, and a plan save more. `perf`
//! of the mixed load put sqlx's SQLite threads at a fifth of the server's CPU
//! for the fifth of the requests that write. Here the journal appends,
//! measurements and plan saves are jobs for one thread that owns a plain
//! (rusqlite) connection: the thread takes every job that is waiting, writes
//! each under its own savepoint in one transaction, commits once (one fsync
//! for the group) and answers each. A job costs one switch there and one
//! back, however many statements it makes.
//!
//! SQLite has one writer at a time, and the store's other writes still go
//! through sqlx's single writer connection. So a group is written only while
//! that connection is held from the pool: the two never wait on each other's
//! file lock (whose busy handler sleeps in steps of milliseconds).
//!
//! The SQL is the sqlx store's own (`crate::common`), bound as sqlx-sqlite
//! binds it; the conformance suite reads back on both backends what each
//! path wrote.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{OnceLock, mpsc};

use rusqlite::Connection;
use sqlx::SqlitePool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tvaers_domain::audit::NewAuditEvent;
use tvaers_domain::journal::JournalEntry;
use tvaers_domain::measure::Measurement;
use tvaers_domain::plan::{Plan, PlanVersion};
use uuid::Uuid;

use crate::common::{self, GROUP_MAX, map_err, to_json};
use crate::sqlite_inline::{Value, db_err, execute, for_each};
use crate::{Result, StoreError};

/// One write: it runs inside the group's transaction, under a savepoint.
type Work = Box<dyn FnOnce(&Connection) -> Result<()> + Send>;

struct Job {
    work: Work,
    done: tokio::sync::oneshot::Sender<Result<()>>,
}

/// A group, handed to the thread while the sqlx writer is held.
struct Group {
    jobs: Vec<Job>,
    written: tokio::sync::oneshot::Sender<()>,
}

/// The queue of the writer thread; started by the first job.
pub(crate) struct Writer {
    path: PathBuf,
    gate: SqlitePool,
    queue: std::sync::OnceLock<tokio::sync::mpsc::Sender<Job>>,
}

/// Jobs waiting for the writer at most: past it, a writer waits for room
/// (back-pressure) instead of the queue growing without bound under
/// overload. Four groups' worth.
const QUEUE_MAX: usize = 4 * GROUP_MAX;

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite writer has stopped".into())
}

impl Writer {
    /// Writes to the database file `path`; `gate` is the sqlx writer pool
    /// (one connection), held while a group is written.
    pub(crate) fn new(path: &Path, gate: SqlitePool) -> Self {
        Writer {
            path: path.to_path_buf(),
            gate,
            queue: std::sync::OnceLock::new(),
        }
    }

    /// Runs `work` in the next group and answers once that group is durable.
    /// A job queued before its caller went is still written (its answer is
    /// dropped); one still waiting for room in the queue is not.
    pub(crate) async fn run(
        &self,
        work: impl FnOnce(&Connection) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let queue = self.queue()?;
        let (done, answer) = tokio::sync::oneshot::channel();
        queue
            .send(Job {
                work: Box::new(work),
                done,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Starts the thread and the task that holds the sqlx writer for it.
    /// The task ends when the store drops its queue; the thread when the
    /// task drops its own.
    fn queue(&self) -> Result<&tokio::sync::mpsc::Sender<Job>> {
        if let Some(q) = self.queue.get() {
            return Ok(q);
        }
        let (groups, inbox) = mpsc::channel::<Group>();
        let path = self.path.clone();
        // One kick waiting at most; the checkpointer stops when the writer
        // thread ends and drops its sender.
        let (kick, kicked) = mpsc::sync_channel::<()>(1);
        let at = path.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoints(&at, &kicked))
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot start the SQLite checkpointer: {e}"))
            })?;
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(&path, &inbox, &kick))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the SQLite writer: {e}")))?;
        let (jobs, queue) = tokio::sync::mpsc::channel(QUEUE_MAX);
        tokio::spawn(hold_gate(self.gate.clone(), queue, groups));
        // Two first jobs at once: the loser's thread and task end at once,
        // as their queues are dropped here.
        Ok(self.queue.get_or_init(|| jobs))
    }
}

/// Takes whatever jobs are waiting, holds the sqlx writer while the thread
/// writes them, then lets the next group (or a sqlx write) have it.
async fn hold_gate(
    gate: SqlitePool,
    mut queue: tokio::sync::mpsc::Receiver<Job>,
    groups: mpsc::Sender<Group>,
) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < GROUP_MAX {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let held = match gate.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                let e = map_err(e);
                for job in jobs {
                    let _ = job.done.send(Err(StoreError::Unavailable(e.to_string())));
                }
                continue;
            }
        };
        let (written, wait) = tokio::sync::oneshot::channel();
        if groups.send(Group { jobs, written }).is_err() {
            return;
        }
        // Answered when the group is committed or rolled back, or dropped
        // if the thread panicked: either way the file is free again.
        let _ = wait.await;
        drop(held);
    }
}

/// The thread: one connection, opened at the first group (and again after
/// a group that could not open or commit it).
fn serve(path: &Path, inbox: &mpsc::Receiver<Group>, kick: &mpsc::SyncSender<()>) {
    let mut conn: Option<Connection> = None;
    while let Ok(group) = inbox.recv() {
        let Group { jobs, written } = group;
        let c = match conn.take().map_or_else(|| open(path), Ok) {
            Ok(c) => c,
            Err(e) => {
                for job in jobs {
                    let _ = job.done.send(Err(StoreError::Unavailable(e.to_string())));
                }
                continue;
            }
        };
        let (works, dones): (Vec<Work>, Vec<_>) =
            jobs.into_iter().map(|j| (j.work, j.done)).unzip();
        match write_group(&c, works) {
            Ok(results) => {
                conn = Some(c);
                let _ = written.send(());
                for (done, r) in dones.into_iter().zip(results) {
                    let _ = done.send(r);
                }
                if WAL_PAGES.get() >= CHECKPOINT_PAGES {
                    // Full: a checkpoint is on its way already.
                    let _ = kick.try_send(());
                }
            }
            Err(e) => {
                // Nothing of the group was committed; a connection whose
                // commit failed is not trusted with the next group.
                let _ = written.send(());
                for done in dones {
                    let _ = done.send(Err(StoreError::Unavailable(e.to_string())));
                }
            }
        }
    }
}

/// The WAL's size, in pages, past which a checkpoint is due: SQLite's own
/// default for its automatic checkpoint.
const CHECKPOINT_PAGES: i32 = 1000;

thread_local! {
    /// The WAL's size after the writer thread's last commit ([`note_wal`]).
    static WAL_PAGES: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

/// The writer connection's WAL hook, called in each commit on the writer
/// thread. It replaces SQLite's automatic checkpoint, which runs in the
/// commit that takes the WAL past 1,000 pages, so every job of that group
/// waited for the pages copied into the database file and its fsync (the
/// plan save's p99 at 100/s: 21–23 ms with it, 5–7 ms without; session 19).
fn note_wal(_: &rusqlite::hooks::Wal, pages: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(pages);
    Ok(())
}

/// The checkpoints the writer thread asks for, on a thread of their own:
/// passive, as SQLite's automatic ones are (they never block a writer or a
/// reader), when the WAL has passed [`CHECKPOINT_PAGES`].
fn checkpoints(path: &Path, kicked: &mpsc::Receiver<()>) {
    let mut conn = None;
    while kicked.recv().is_ok() {
        let c = match conn.take().map_or_else(|| open(path), Ok) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("WAL checkpoint: cannot open the database: {e}");
                continue;
            }
        };
        match checkpoint(&c) {
            Ok(()) => conn = Some(c),
            Err(e) => tracing::warn!("WAL checkpoint failed: {e}"),
        }
    }
}

fn checkpoint(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .map_err(db_err)
}

/// As the sqlx writer is opened: WAL (already set on the file), foreign keys
/// on, `synchronous=FULL`, the same page cache; checkpoints on their own
/// thread (see [`note_wal`]).
fn open(path: &Path) -> Result<Connection> {
    let conn = crate::sqlite_inline::open_writable(path)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
         PRAGMA cache_size = -32000; PRAGMA temp_store = memory;",
    )
    .map_err(db_err)?;
    conn.wal_hook(Some(note_wal));
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// One transaction; each job under its own savepoint, so one refused write
/// (a second correction of the same entry, say) fails alone. The outer error
/// means nothing was committed.
fn write_group(conn: &Connection, works: Vec<Work>) -> Result<Vec<Result<()>>> {
    if !conn.is_autocommit() {
        conn.execute_batch("ROLLBACK").map_err(db_err)?;
    }
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db_err)?;
    let out = (|| {
        let mut out = Vec::with_capacity(works.len());
        for work in works {
            conn.execute_batch("SAVEPOINT job").map_err(db_err)?;
            // A panic in one job's code fails that job, not the thread.
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)))
                .unwrap_or_else(|_| Err(StoreError::Database("the write failed".into())));
            if r.is_err() {
                conn.execute_batch("ROLLBACK TO job").map_err(db_err)?;
            }
            conn.execute_batch("RELEASE job").map_err(db_err)?;
            out.push(r);
        }
        conn.execute_batch("COMMIT").map_err(db_err)?;
        Ok(out)
    })();
    if out.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    out
}

/// As sqlx-sqlite binds an `OffsetDateTime`: RFC 3339 in its own offset.
/// (Times the sqlx path converts to UTC first are [`Value::time`].)
fn as_bound(t: OffsetDateTime) -> Result<Value> {
    t.format(&Rfc3339)
        .map(Value::Text)
        .map_err(|e| StoreError::Database(format!("time {t}: {e}")))
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// An audit event's row in the change's own transaction (`main.audit_events`).
fn insert_audit(conn: &Connection, ev: &NewAuditEvent) -> Result<()> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| crate::sqlite_audit::audit_insert_sql("main.audit_events"));
    execute(conn, sql, &crate::sqlite_audit::audit_values(ev)?)?;
    Ok(())
}

fn bump_generation(conn: &Connection) -> Result<()> {
    execute(
        conn,
        common::GENERATION_BUMP_SQL,
        &[Value::Int(common::generation_shard())],
    )?;
    Ok(())
}

/// A journal entry, its full-text row and its audit event.
pub(crate) fn append_journal(
    conn: &Connection,
    e: &JournalEntry,
    terms: &[String],
    audit: &NewAuditEvent,
) -> Result<()> {
    let args = [
        Value::uuid(e.citizen_id.0),
        Value::uuid(e.id.0),
        Value::opt_uuid(e.author_id.map(|a| a.0)),
        text(&e.author_name),
        Value::opt_text(e.profession.map(|p| p.code())),
        Value::opt_uuid(e.unit_id.map(|u| u.0)),
        Value::time(e.occurred_at)?,
        Value::time(e.written_at)?,
        text(e.kind.code()),
        Value::Int(i64::from(e.supersedes.is_some())),
        Value::opt_text(e.topic.as_ref().map(|t| t.system.as_str())),
        Value::opt_text(e.topic.as_ref().map(|t| t.code.as_str())),
        Value::opt_text(e.topic.as_ref().map(|t| t.display.as_str())),
        text(&e.text),
        Value::opt_uuid(e.links.goal_id.map(|x| x.0)),
        Value::opt_uuid(e.links.intervention_id.map(|x| x.0)),
        Value::opt_uuid(e.links.meeting_id.map(|x| x.0)),
        Value::opt_uuid(e.quotes.map(|x| x.0)),
        text(e.sensitivity.code()),
        Value::opt_uuid(e.supersedes.map(|x| x.0)),
        Value::opt_text(e.correction_reason.as_deref()),
        Value::opt_text(e.message.as_ref().map(|m| m.direction.code())),
        Value::opt_uuid(e.message.as_ref().and_then(|m| m.to_staff_id).map(|x| x.0)),
        Value::opt_uuid(e.message.as_ref().and_then(|m| m.to_unit_id).map(|x| x.0)),
    ];
    let mut seq = None;
    for_each(conn, common::JOURNAL_INSERT_SQL, &args, |r| {
        seq = Some(r.try_get::<i64, _>("seq").map_err(map_err)?);
        Ok(false)
    })?;
    let seq = seq.ok_or_else(|| StoreError::Database("the entry got no seq".into()))?;
    // The index row commits with the entry: never behind.
    static INDEX_SQL: OnceLock<String> = OnceLock::new();
    let index_sql = INDEX_SQL.get_or_init(|| {
        let (table, key) = (
            crate::sqlite::SqliteStore::FTS_TABLE,
            crate::sqlite::SqliteStore::FTS_KEY,
        );
        format!("INSERT INTO {table} ({key}, citizen_id, terms) VALUES ($1, $2, $3)")
    });
    execute(
        conn,
        index_sql,
        &[
            Value::Int(seq),
            Value::uuid(e.citizen_id.0),
            Value::Text(crate::sqlite::SqliteStore::fts_document(terms)),
        ],
    )?;
    insert_audit(conn, audit)
}

/// A measurement, the statistics series it and the one it corrects belong
/// to (see `recompute_series` in the store macro), its audit event.
pub(crate) fn add_measurement(
    conn: &Connection,
    m: &Measurement,
    audit: &NewAuditEvent,
) -> Result<()> {
    let (value, expected) = common::reading_values(&m.reading);
    execute(
        conn,
        common::MEASUREMENT_INSERT_SQL,
        &[
            Value::uuid(m.citizen_id.0),
            Value::uuid(m.id.0),
            Value::opt_uuid(m.plan_id.map(|p| p.0)),
            Value::opt_uuid(m.goal_id.map(|g| g.0)),
            Value::opt_text(m.area.as_ref().map(|a| a.system.as_str())),
            Value::opt_text(m.area.as_ref().map(|a| a.code.as_str())),
            Value::opt_text(m.area.as_ref().map(|a| a.display.as_str())),
            text(m.scale.code()),
            Value::Text(to_json(&m.scale)?),
            text(m.reading.code()),
            Value::opt_real(value),
            Value::opt_real(expected),
            Value::Text(to_json(&m.reading)?),
            Value::time(m.measured_at)?,
            Value::time(m.recorded_at)?,
            Value::Text(to_json(&m.assessor)?),
            Value::opt_uuid(m.recorded_by.map(|s| s.0)),
            text(&m.note),
            Value::opt_uuid(m.meeting_id.map(|x| x.0)),
            Value::opt_uuid(m.supersedes.map(|x| x.0)),
            Value::opt_text(m.correction_reason.as_deref()),
        ],
    )?;
    recompute_series(conn, m)?;
    insert_audit(conn, audit)?;
    bump_generation(conn)
}

/// The statistics series of measurement `m` and of the one it corrects,
/// recomputed from their rows by the sqlx path's statements, its series lock
/// row included.
fn recompute_series(conn: &Connection, m: &Measurement) -> Result<()> {
    let mut keys: Vec<(Uuid, Option<String>, Option<Uuid>)> = vec![common::series_key(m)];
    for id in m.supersedes.iter().map(|x| x.0) {
        for_each(conn, common::SERIES_KEY_SQL, &[Value::uuid(id)], |r| {
            let key = (
                r.try_get::<Uuid, _>("citizen_id").map_err(map_err)?,
                r.try_get::<Option<String>, _>("area_code")
                    .map_err(map_err)?,
                r.try_get::<Option<Uuid>, _>("goal_id").map_err(map_err)?,
            );
            if !keys.contains(&key) {
                keys.push(key);
            }
            Ok(false)
        })?;
    }
    let mut citizens: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    citizens.sort_unstable();
    citizens.dedup();
    for c in &citizens {
        execute(conn, common::SERIES_LOCK_SQL, &[Value::uuid(*c)])?;
    }
    let sql = common::series_sql(false);
    for (citizen, area, goal) in &keys {
        if let Some(area) = area {
            for statement in &sql.levels {
                execute(conn, statement, &[Value::uuid(*citizen), text(area)])?;
            }
        }
        if let Some(goal) = goal {
            for statement in &sql.gas {
                execute(
                    conn,
                    statement,
                    &[Value::uuid(*citizen), Value::uuid(*goal)],
                )?;
            }
        }
    }
    Ok(())
}

/// A plan saved over version `expected`, its new version, its projections
/// (team, goals, interventions) and its audit event. `Stale` when someone
/// saved in between.
pub(crate) fn save_plan(
    conn: &Connection,
    plan: &Plan,
    expected: i64,
    version: &PlanVersion,
    audit: &NewAuditEvent,
) -> Result<()> {
    let changed = execute(
        conn,
        common::PLAN_UPDATE_SQL,
        &[
            Value::uuid(plan.citizen_id.0),
            Value::uuid(plan.id.0),
            text(plan.status.code()),
            Value::Int(plan.version),
            Value::Text(to_json(&plan.content)?),
            Value::uuid(plan.content.coordinator.0),
            Value::opt_date(plan.content.review_on),
            as_bound(plan.updated_at)?,
            Value::Int(expected),
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    execute(
        conn,
        common::PLAN_VERSION_INSERT_SQL,
        &[
            Value::uuid(plan.citizen_id.0),
            Value::uuid(version.plan_id.0),
            Value::Int(version.version),
            Value::opt_uuid(version.author_id.map(|a| a.0)),
            text(&version.author_name),
            as_bound(version.at)?,
            text(&version.reason),
            text(version.status.code()),
            Value::Text(to_json(&version.content)?),
        ],
    )?;
    write_team(conn, plan)?;
    let of_plan = [Value::uuid(plan.citizen_id.0), Value::uuid(plan.id.0)];
    for sql in common::PLAN_ROWS_DELETE_SQL {
        execute(conn, sql, &of_plan)?;
    }
    for g in &plan.content.goals {
        execute(
            conn,
            common::PLAN_GOAL_INSERT_SQL,
            &[
                Value::uuid(plan.citizen_id.0),
                Value::uuid(plan.id.0),
                Value::uuid(g.id.0),
                Value::opt_text(g.area.as_ref().map(|a| a.code.as_str())),
                text(g.scale.code()),
                text(g.status.code()),
                Value::opt_date(g.deadline),
            ],
        )?;
    }
    for i in &plan.content.interventions {
        execute(
            conn,
            common::PLAN_INTERVENTION_INSERT_SQL,
            &[
                Value::uuid(plan.citizen_id.0),
                Value::uuid(plan.id.0),
                Value::uuid(i.id.0),
                text(i.legal_basis.as_deref().unwrap_or("").trim()),
                text(i.status.code()),
            ],
        )?;
    }
    insert_audit(conn, audit)?;
    bump_generation(conn)
}

/// The plan's `plan_members` rows, changed only where the team changed (see
/// `write_team` in the store macro: a row written moves the relations version).
fn write_team(conn: &Connection, plan: &Plan) -> Result<()> {
    use std::collections::BTreeSet;
    let wanted: BTreeSet<(Uuid, bool)> = common::member_rows(plan).into_iter().collect();
    let of_plan = [Value::uuid(plan.citizen_id.0), Value::uuid(plan.id.0)];
    let mut current = BTreeSet::new();
    for_each(conn, common::PLAN_MEMBERS_SQL, &of_plan, |r| {
        current.insert((
            r.try_get::<Uuid, _>("staff_id").map_err(map_err)?,
            r.try_get::<bool, _>("is_coordinator").map_err(map_err)?,
        ));
        Ok(true)
    })?;
    for (staff_id, _) in current.difference(&wanted) {
        execute(
            conn,
            common::PLAN_MEMBER_DELETE_SQL,
            &[
                Value::uuid(plan.citizen_id.0),
                Value::uuid(plan.id.0),
                Value::uuid(*staff_id),
            ],
        )?;
    }
    for (staff_id, is_coordinator) in wanted.difference(&current) {
        execute(
            conn,
            common::PLAN_MEMBER_INSERT_SQL,
            &[
                Value::uuid(plan.citizen_id.0),
                Value::uuid(plan.id.0),
                Value::uuid(*staff_id),
                Value::Int(i64::from(*is_coordinator)),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::sqlite::SqliteStore;
    use std::time::Duration;

    async fn store() -> (SqliteStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!("tvaers-writer-{}", Uuid::now_v7()));
        let store = SqliteStore::open_dir(&dir).await.expect("open");
        store.migrate().await.expect("migrate");
        store
            .debug_exec("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .await
            .expect("table");
        (store, dir)
    }

    fn insert(x: i64) -> impl FnOnce(&Connection) -> Result<()> + Send + 'static {
        move |c| execute(c, "INSERT INTO t (x) VALUES ($1)", &[Value::Int(x)]).map(|_| ())
    }

    async fn rows(store: &SqliteStore) -> Vec<i64> {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(&store.writer)
            .await
            .expect("rows")
    }

    #[tokio::test]
    async fn a_failed_job_fails_alone() {
        let (store, dir) = store().await;
        let w = &store.writes;
        // Queued together before the writer runs: one group. The second
        // writes 5, then fails on 1: its 5 must go with it.
        let (a, b, c, d) = tokio::join!(
            w.run(insert(1)),
            w.run(|c: &Connection| {
                insert(5)(c)?;
                insert(1)(c)
            }),
            w.run(|_: &Connection| -> Result<()> { panic!("a bug in one write") }),
            w.run(insert(2)),
        );
        assert!(a.is_ok());
        assert!(matches!(b, Err(StoreError::Conflict(_))), "{b:?}");
        assert!(matches!(d, Ok(())), "{d:?}");
        assert!(matches!(c, Err(StoreError::Database(_))), "{c:?}");
        assert_eq!(rows(&store).await, vec![1, 2]);
        // The thread lives on after the panic.
        w.run(insert(3)).await.expect("after the panic");
        assert_eq!(rows(&store).await, vec![1, 2, 3]);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_wal_is_checkpointed_off_the_write_path() {
        let (store, dir) = store().await;
        let db = dir.join("tvaers.db");
        let size = || std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
        let before = size();
        // About 1,500 pages of 4 KiB, committed to the WAL in one group.
        store
            .writes
            .run(|c: &Connection| {
                execute(c, "CREATE TABLE big (b BLOB)", &[])?;
                execute(
                    c,
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) \
                     INSERT INTO big SELECT randomblob(4000) FROM n",
                    &[],
                )
                .map(|_| ())
            })
            .await
            .expect("write");
        assert!(WAL_PAGES.get() == 0, "the hook runs on the writer thread");
        // The checkpointer copies the pages into the database file: wait
        // for it (a generous bound; it takes milliseconds).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while size() < before + 1000 * 4096 {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint: the database file stayed at {} bytes",
                size()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_thread_and_sqlx_take_turns() {
        let (store, dir) = store().await;
        let store = std::sync::Arc::new(store);
        let mut tasks = Vec::new();
        for x in 0..200_i64 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                if x % 2 == 0 {
                    s.writes.run(insert(x)).await
                } else {
                    s.debug_exec(&format!("INSERT INTO t (x) VALUES ({x})"))
                        .await
                        .map(|_| ())
                }
            }));
        }
        for t in tasks {
            t.await.expect("task").expect("write");
        }
        assert_eq!(rows(&store).await, (0..200).collect::<Vec<_>>());
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn more_writes_than_the_queue_holds_all_land()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        let (store, dir) = store().await;
        let store = std::sync::Arc::new(store);
        let n = i64::try_from(3 * QUEUE_MAX)?;
        let tasks: Vec<_> = (0..n)
            .map(|x| {
                let s = store.clone();
                tokio::spawn(async move { s.writes.run(insert(x)).await })
            })
            .collect();
        for t in tasks {
            t.await??;
        }
        assert_eq!(rows(&store).await, (0..n).collect::<Vec<_>>());
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }
}
