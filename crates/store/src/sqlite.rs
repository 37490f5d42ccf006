//! SQLite: the embedded default. WAL, foreign keys on, `synchronous=FULL` so an
//! acknowledged write survives power loss. One writer connection (SQLite
//! serialises writers anyway; one pool avoids busy-lock upgrades) and a pool of readers.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StoreError;
use crate::common::map_err;

/// The audit events written on their own — every read of citizen data and
/// every refusal — go to a second database file, attached to every
/// connection as `auditlog`. In WAL mode each commit makes every other
/// connection drop its whole page cache at its next read; with the read audits
/// in the main file, every page view emptied the caches of all readers and the
/// next views re-read their pages (the audit then cost a quarter of the citizen
/// overview's time at 500 req/s; in its own file, about a twentieth).
/// Audit events that belong to a change of data stay in `main.audit_events`,
/// in the change's own transaction: a commit spanning two files in WAL mode
/// is atomic per file only. [`AUDIT_LOG_SCHEMA`] is the file's schema.
pub(crate) fn audit_log_path(db: &Path) -> std::path::PathBuf {
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "tvaers".into());
    db.with_file_name(format!("{stem}-auditlog.db"))
}

/// The audit log file's tables (created when missing; the same columns as
/// `audit_events` in the main file, append-only by trigger likewise). Its
/// version is `PRAGMA auditlog.user_version`.
const AUDIT_LOG_SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS auditlog.audit_events (
        seq INTEGER PRIMARY KEY,
        id BLOB NOT NULL,
        at TEXT NOT NULL,
        actor_id BLOB,
        action TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        resource_id BLOB,
        citizen_id BLOB,
        outcome TEXT NOT NULL,
        detail TEXT,
        actor_profession TEXT,
        actor_unit_id BLOB,
        purpose TEXT)",
    "CREATE INDEX IF NOT EXISTS auditlog.audit_citizen ON audit_events(citizen_id, at)",
    "CREATE INDEX IF NOT EXISTS auditlog.audit_actor ON audit_events(actor_id, at)",
    "CREATE INDEX IF NOT EXISTS auditlog.audit_time ON audit_events(at)",
    "CREATE TRIGGER IF NOT EXISTS auditlog.audit_events_no_update BEFORE UPDATE ON audit_events
     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS auditlog.audit_events_no_delete BEFORE DELETE ON audit_events
     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "PRAGMA auditlog.user_version = 1",
];

/// Attaches the audit log file; the writer creates its tables and makes its
/// commits as durable as the main file's.
async fn attach_audit_log(
    conn: &mut sqlx::SqliteConnection,
    path: &Path,
    writer: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("ATTACH DATABASE $1 AS auditlog")
        .bind(path.to_string_lossy().to_string())
        .execute(&mut *conn)
        .await?;
    if writer {
        for sql in [
            "PRAGMA auditlog.journal_mode = WAL",
            "PRAGMA auditlog.synchronous = FULL",
        ]
        .into_iter()
        .chain(AUDIT_LOG_SCHEMA.iter().copied())
        {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

pub struct SqliteStore {
    /// The database file, for the audit trail's own connection.
    path: std::path::PathBuf,
    pub(crate) writer: SqlitePool,
    readers: SqlitePool,
    /// The reads made on the calling thread (session, citizen file, journal file).
    inline: std::sync::Arc<crate::sqlite_inline::Readers>,
    /// Journal appends, measurements and plan saves, in group commits on a
    /// thread of their own.
    pub(crate) writes: crate::sqlite_write::Writer,
    /// Citizen files and journal pages under their citizen's version.
    files: crate::file_cache::FileCache,
    /// Whom each staff member relates to, under the relations version.
    related: std::sync::Arc<crate::file_cache::RelatedCache>,
    /// Whose each journal entry a search has met is, and its class.
    owners: std::sync::Arc<crate::entry_owners::EntryOwners>,
}

impl SqliteStore {
    /// Opens (creating if needed) `DIR/tvaers.db`.
    pub async fn open_dir(dir: &Path) -> crate::Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create data folder {}: {e}", dir.display()))
        })?;
        let opts = SqliteConnectOptions::new().filename(dir.join("tvaers.db"));
        Self::open_with(opts).await
    }

    /// Opens a `sqlite:` URL (e.g. `sqlite::memory:` is not supported: use a file).
    pub async fn open_url(url: &str) -> crate::Result<Self> {
        let opts = SqliteConnectOptions::from_str(url).map_err(map_err)?;
        Self::open_with(opts).await
    }

    async fn open_with(opts: SqliteConnectOptions) -> crate::Result<Self> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000");
        let path = opts.get_filename().to_path_buf();
        let log = audit_log_path(&path);
        let writer_log = log.clone();
        // No ping before each use (sqlx's default): a connection to a local
        // file cannot go stale, and the ping is a round trip to the
        // connection's thread — two thread switches before every statement.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                let log = writer_log.clone();
                Box::pin(async move { attach_audit_log(conn, &log, true).await })
            })
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let readers = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                let log = log.clone();
                Box::pin(async move { attach_audit_log(conn, &log, false).await })
            })
            .connect_with(opts.read_only(true))
            .await;
        // A brand-new file cannot be opened read-only before the writer created it
        // in WAL mode; the writer connection above has done that by now.
        let readers = readers.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(SqliteStore {
            inline: std::sync::Arc::new(crate::sqlite_inline::Readers::new(&path)),
            files: Default::default(),
            related: std::sync::Arc::new(crate::file_cache::related_cache()),
            owners: Default::default(),
            writes: crate::sqlite_write::Writer::new(&path, writer.clone()),
            path,
            writer,
            readers,
        })
    }

    pub(crate) fn open_audit_log(&self) -> crate::Result<Option<Box<dyn crate::AuditLog>>> {
        let log =
            crate::sqlite_audit::SqliteAuditLog::open(&self.path, &audit_log_path(&self.path))?;
        Ok(Some(Box::new(log)))
    }

    fn write(&self) -> &SqlitePool {
        &self.writer
    }

    fn read(&self) -> &SqlitePool {
        &self.readers
    }

    async fn run_migrations(&self) -> crate::Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Online backup to new files (`VACUUM INTO`), consistent while the
    /// server runs: the database to `path` and its audit log beside it, named
    /// as the store names it (see [`audit_log_path`]).
    pub async fn backup_to(&self, path: &Path) -> crate::Result<()> {
        for (schema, to) in [
            ("main", path.to_path_buf()),
            ("auditlog", audit_log_path(path)),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM {schema} INTO $1")))
                .bind(to.to_string_lossy().to_string())
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }
}

/// Full-text search on SQLite: an FTS5 table over the stemmed tokens
/// (rowid = the entry's `seq`). The stems come from Rust, so FTS5 only splits
/// on spaces and keeps diacritics (å stays å, as on PostgreSQL).
impl SqliteStore {
    pub(crate) const FTS_TABLE: &'static str = "journal_fts";
    /// Where audit events written on their own go (see [`audit_log_path`]).
    pub(crate) const AUDIT_LOG_TABLE: &'static str = "auditlog.audit_events";
    /// Every audit event matching `conds` (on alias `a`), for reading: the
    /// first `n` by `order` of each file.
    pub(crate) fn audit_source_sql(conds: &str, order: &str, n: &str) -> String {
        let arm = |table: &str| {
            format!(
                "SELECT * FROM (SELECT {} FROM {table} a WHERE 1 = 1{conds} {order} LIMIT {n})",
                crate::common::AUDIT_COLUMNS
            )
        };
        format!(
            "({} UNION ALL {})",
            arm("main.audit_events"),
            arm("auditlog.audit_events")
        )
    }
    pub(crate) const FTS_KEY: &'static str = "rowid";
    /// FTS5 delivers a query's hits in rowid order, newest first when asked.
    pub(crate) fn fts_order(_window: i64) -> &'static str {
        "i.rowid"
    }
    /// Full-text hits come newest first from FTS5: no windows needed.
    pub(crate) const SEARCH_WINDOW: Option<i64> = None;
    /// The citizen of a full-text hit: FTS5 rows hold only the terms, so the entry's.
    pub(crate) const FTS_CITIZEN: &'static str = "e.citizen_id";
    /// Appended to the probes a search makes per row (see PostgreSQL's).
    pub(crate) const PER_ROW_PROBE: &'static str = "";
    /// No data-modifying `WITH`: a statistics series is deleted, then written.
    pub(crate) const REPLACE_SERIES_IN_ONE: bool = false;
    /// SQLite writes entries on its writer thread (`sqlite_write`); through
    /// sqlx, in a transaction.
    pub(crate) const ENTRY_IN_ONE: bool = false;
    /// Whether `unit` is one of the staff member's units, inside a subquery
    /// on `cases fk`: a join to `staff_units`.
    pub(crate) fn unit_of_staff_sql(unit: &str, staff: &str) -> String {
        format!(
            "EXISTS (SELECT 1 FROM staff_units fsu WHERE fsu.unit_id = {unit} AND fsu.staff_id = {staff})"
        )
    }

    /// The value expression for the `terms` column.
    pub(crate) fn fts_document_sql(param: &str) -> String {
        param.to_string()
    }

    /// The document bound to that expression: the tokens separated by spaces.
    pub(crate) fn fts_document(terms: &[String]) -> String {
        terms.join(" ")
    }

    pub(crate) fn fts_match_sql(param: &str) -> String {
        format!("i.terms MATCH {param}")
    }

    /// No windows on SQLite (see [`Self::SEARCH_WINDOW`]), so no blocks.
    pub(crate) fn fts_window_query(
        _q: &tvaers_domain::search::SearchQuery,
        _above: i64,
        _below: i64,
    ) -> Option<String> {
        None
    }

    pub(crate) fn fts_window_match_sql(param: &str) -> String {
        Self::fts_match_sql(param)
    }

    /// Lower is better. Not FTS5's bm25: to weigh a word by how rare it is,
    /// bm25 counts the documents holding each query word, which walks the
    /// word's whole posting list on every search — two seconds for a word in
    /// a million of ten million entries, even when one journal is searched.
    /// Like PostgreSQL's `ts_rank` (which has no corpus statistics either),
    /// this counts how often the query's words occur in the entry, relative
    /// to its length, on the candidate rows only. Stems hold only letters and
    /// digits; quotes are doubled all the same.
    pub(crate) fn fts_rank_sql(_param: &str, q: &tvaers_domain::search::SearchQuery) -> String {
        let mut stems: Vec<&str> = q
            .must
            .iter()
            .flatten()
            .flatten()
            .map(String::as_str)
            .collect();
        stems.sort_unstable();
        stems.dedup();
        if stems.is_empty() {
            return "0".into();
        }
        let doc = "(' ' || i.terms || ' ')";
        let counts: Vec<String> = stems
            .iter()
            .map(|s| {
                let w = format!("' {} '", s.replace('\'', "''"));
                format!("(length({doc}) - length(replace({doc}, {w}, ' '))) / (length({w}) - 1.0)")
            })
            .collect();
        format!("-({}) / (length(i.terms) + 100.0)", counts.join(" + "))
    }

    /// A list of ids as one bound value (a JSON array of hex strings), so a
    /// read scope of tens of thousands of citizens stays one parameter.
    pub(crate) fn ids_param(ids: &[uuid::Uuid]) -> String {
        let hex: Vec<String> = ids.iter().map(|u| format!("\"{}\"", u.simple())).collect();
        format!("[{}]", hex.join(","))
    }

    pub(crate) fn ids_in_sql(col: &str, param: &str) -> String {
        format!("{col} IN (SELECT unhex(value) FROM json_each({param}))")
    }

    /// Sequence numbers as one parameter: a JSON array.
    pub(crate) fn seqs_param(seqs: &[i64]) -> String {
        let seqs: Vec<String> = seqs.iter().map(i64::to_string).collect();
        format!("[{}]", seqs.join(","))
    }

    pub(crate) fn seqs_in_sql(col: &str, param: &str) -> String {
        format!("{col} IN (SELECT value FROM json_each({param}))")
    }

    /// The query in FTS5 syntax: every token quoted, phrases as one quoted
    /// string, clauses joined with AND, exclusions with NOT.
    pub(crate) fn fts_query(q: &tvaers_domain::search::SearchQuery) -> String {
        fn phrase(p: &[String]) -> String {
            format!("\"{}\"", p.join(" ").replace('"', "\"\""))
        }
        let mut clauses: Vec<String> = q
            .must
            .iter()
            .map(|alts| {
                let a: Vec<String> = alts.iter().map(|p| phrase(p)).collect();
                format!("({})", a.join(" OR "))
            })
            .collect();
        if !q.citizens.is_empty() {
            let any: Vec<String> = q
                .citizens
                .iter()
                .map(|c| phrase(&[tvaers_domain::search::citizen_token(*c)]))
                .collect();
            clauses.push(format!("({})", any.join(" OR ")));
        }
        let mut out = format!("({})", clauses.join(" AND "));
        for n in &q.must_not {
            out = format!("({out} NOT {})", phrase(n));
        }
        out
    }
}

/// The writes that go to the writer thread ([`crate::sqlite_write`]).
/// SQLite walks its search across journals on the request's own thread
/// (`newest_in_scope`), reached before `WalkNewest` is asked.
impl crate::common::WalkNewest for SqliteStore {}

impl crate::common::InlineWrites for SqliteStore {
    fn sqlite_writer(&self) -> Option<&crate::sqlite_write::Writer> {
        Some(&self.writes)
    }
}

/// Bulk journal import (demo seeding): multi-row INSERTs in one transaction,
/// with `seq` assigned here so each entry's FTS row can name it.
impl SqliteStore {
    /// Rows per INSERT: SQLite allows 32,766 bound values; entries have 25 columns.
    const IMPORT_ROWS: usize = 1_000;

    pub(crate) async fn import_journal_rows(
        &self,
        entries: &[(tvaers_domain::journal::JournalEntry, Vec<String>)],
    ) -> crate::Result<u64> {
        let utc = time::UtcOffset::UTC;
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        // One writer connection: nobody else assigns a seq meanwhile.
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM journal_entries")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let numbered: Vec<(i64, &tvaers_domain::journal::JournalEntry, &Vec<String>)> = entries
            .iter()
            .zip(last + 1..)
            .map(|((e, t), seq)| (seq, e, t))
            .collect();
        for chunk in numbered.chunks(Self::IMPORT_ROWS) {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO journal_entries (seq, citizen_id, id, author_id, author_name, profession, unit_id, occurred_at, written_at, \
                 kind, is_correction, topic_system, topic_code, topic_display, text, goal_id, intervention_id, meeting_id, quotes, \
                 sensitivity, supersedes, correction_reason, message_direction, to_staff_id, to_unit_id) ",
            );
            qb.push_values(chunk, |mut b, (seq, e, _)| {
                b.push_bind(*seq)
                    .push_bind(e.citizen_id.0)
                    .push_bind(e.id.0)
                    .push_bind(e.author_id.map(|a| a.0))
                    .push_bind(e.author_name.clone())
                    .push_bind(e.profession.map(|p| p.code()))
                    .push_bind(e.unit_id.map(|u| u.0))
                    // UTC, as add_journal_entry: text timestamps compare in time order.
                    .push_bind(e.occurred_at.to_offset(utc))
                    .push_bind(e.written_at.to_offset(utc))
                    .push_bind(e.kind.code())
                    .push_bind(e.supersedes.is_some())
                    .push_bind(e.topic.as_ref().map(|t| t.system.clone()))
                    .push_bind(e.topic.as_ref().map(|t| t.code.clone()))
                    .push_bind(e.topic.as_ref().map(|t| t.display.clone()))
                    .push_bind(e.text.clone())
                    .push_bind(e.links.goal_id.map(|x| x.0))
                    .push_bind(e.links.intervention_id.map(|x| x.0))
                    .push_bind(e.links.meeting_id.map(|x| x.0))
                    .push_bind(e.quotes.map(|x| x.0))
                    .push_bind(e.sensitivity.code())
                    .push_bind(e.supersedes.map(|x| x.0))
                    .push_bind(e.correction_reason.clone())
                    .push_bind(e.message.as_ref().map(|m| m.direction.code()))
                    .push_bind(e.message.as_ref().and_then(|m| m.to_staff_id).map(|x| x.0))
                    .push_bind(e.message.as_ref().and_then(|m| m.to_unit_id).map(|x| x.0));
            });
            qb.build().execute(&mut *tx).await.map_err(map_err)?;
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO journal_fts (rowid, citizen_id, terms) ",
            );
            qb.push_values(chunk, |mut b, (seq, e, terms)| {
                b.push_bind(*seq)
                    .push_bind(e.citizen_id.0)
                    .push_bind(Self::fts_document(terms));
            });
            qb.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(entries.len() as u64)
    }

    /// A large page cache on the writer while importing keeps the B-trees of
    /// the entries' indexes in memory. FTS5 merges its segments as it goes,
    /// but leaves a dozen or so after millions of rows, and a query looks up
    /// each of its terms in every segment — a search restricted to 500
    /// citizens names 501 terms. So the import ends by merging the index into
    /// one segment (`optimize`, 44 s at 10 M entries).
    pub(crate) async fn journal_bulk_mode_impl(&self, on: bool) -> crate::Result<()> {
        let sql: &[&str] = if on {
            &["PRAGMA cache_size = -1000000"]
        } else {
            &[
                "INSERT INTO journal_fts (journal_fts) VALUES ('optimize')",
                "PRAGMA cache_size = -32000",
            ]
        };
        for s in sql {
            sqlx::query(*s)
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }
}

pub(crate) mod imp {
    use super::SqliteStore;
    crate::common::impl_store!(
        SqliteStore,
        sqlx::Sqlite,
        sqlx::sqlite::SqliteRow,
        Backend::Sqlite
    );

    /// The row decoders once more, for rows read on the calling thread.
    #[allow(dead_code)]
    mod inline_rows {
        use super::*;
        crate::common::row_decoders!(pub(super) crate::sqlite_inline::Row<'_, '_>);
    }

    use crate::sqlite_inline::{Value, for_each, for_each_once, query};

    /// A journal search in one read transaction: the hits (newest first
    /// across journals, best match first in one), then the shown hits' entries.
    /// `retry`: whether a search whose shown hits the owners map got wrong
    /// is walked again from the table (once).
    #[allow(clippy::too_many_arguments)]
    fn search_on(
        c: &rusqlite::Connection,
        q: &tvaers_domain::search::SearchQuery,
        scope: &crate::ReadScope,
        page: Page,
        order: crate::SearchOrder,
        related: &crate::file_cache::RelatedCache,
        owners: &crate::entry_owners::EntryOwners,
        retry: bool,
    ) -> Result<crate::JournalSearchResult> {
        // Whom each shown hit was taken to belong to, and its class: checked
        // against the entries read below (see `entry_owners`).
        let mut owned: Vec<(i64, Uuid, String)> = Vec::new();
        let (total, capped, shown) = match order {
            // Newest first counts to the end of the page.
            crate::SearchOrder::Newest => {
                let cap = page.offset.max(0).saturating_add(page.limit.max(1));
                let want = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
                let hits = newest_in_scope(c, q, scope, want, related, owners)?;
                let found = hits.len() as i64;
                owned = hits
                    .into_iter()
                    .take(usize::try_from(cap).unwrap_or(0))
                    .skip(usize::try_from(page.offset).unwrap_or(0))
                    .take(usize::try_from(page.limit).unwrap_or(0))
                    .collect();
                let shown = owned.iter().map(|h| h.0).collect();
                (found.min(cap), found > cap, shown)
            }
            crate::SearchOrder::Relevance { cap } => {
                let cap = cap.max(1);
                let (sql, a) = ranked_search_sql(q, scope, page, cap);
                let (mut found, mut shown) = (0, Vec::new());
                for_each_once(c, &sql, &values(a)?, |r| {
                    found = r.try_get("n").map_err(map_err)?;
                    shown.extend(r.try_get::<Option<i64>, _>("hit").map_err(map_err)?);
                    Ok(true)
                })?;
                (found.min(cap), found > cap, shown)
            }
        };
        if shown.is_empty() {
            return Ok(crate::JournalSearchResult {
                total,
                capped,
                ..Default::default()
            });
        }
        let (sql, a) = search_hits_sql(&shown);
        let mut hits: std::collections::HashMap<i64, crate::JournalHit> =
            query(c, &sql, &values(a)?, |r| {
                let (seq, entry) = inline_rows::row_journal(r)?;
                Ok((
                    seq,
                    crate::JournalHit {
                        entry,
                        citizen_name: inline_rows::citizen_name(r)?,
                    },
                ))
            })?
            .into_iter()
            .collect();
        let differs = owned.iter().any(|(seq, citizen, class)| {
            hits.get(seq).is_some_and(|h| {
                h.entry.citizen_id.0 != *citizen || h.entry.sensitivity.code() != class.as_str()
            })
        });
        if differs {
            if !retry {
                return Err(StoreError::Corrupt(
                    "a search's hits changed within its own transaction".into(),
                ));
            }
            tracing::error!(
                "a journal entry's citizen or class differs from what searches knew of it; \
                 searching again from the table"
            );
            owners.clear();
            let fresh = crate::entry_owners::EntryOwners::default();
            return search_on(c, q, scope, page, order, related, &fresh, false);
        }
        let hits = shown.iter().filter_map(|s| hits.remove(s)).collect();
        Ok(crate::JournalSearchResult {
            total,
            capped,
            hits,
            facts: Vec::new(),
        })
    }

    /// A search in one journal, best match first, in one query: the
    /// candidates (the newest `cap` + 1 hits in scope), counted, ranked and
    /// paged in the query, so only the page's rows come back: every row `n`,
    /// the hits found, and `hit`, the page's in order (NULL when it is empty).
    /// The order: best match, newest event, newest entry (timestamps are
    /// stored in UTC as text, which sorts in time order).
    fn ranked_search_sql(
        q: &tvaers_domain::search::SearchQuery,
        scope: &crate::ReadScope,
        page: Page,
        cap: i64,
    ) -> (String, Args) {
        let mut a = Args::default();
        let qp = a.push(Arg::Text(SqliteStore::fts_query(q)));
        let matches = SqliteStore::fts_match_sql(&qp);
        let scope_sql = search_scope_sql(scope, &mut a);
        let rank = |t: &str| format!("{t}score, {t}occurred_at DESC, {t}hit DESC");
        let sql = format!(
            "WITH c AS ({}), \
             n AS (SELECT COUNT(*) AS n FROM c), \
             k AS (SELECT hit, score, occurred_at FROM c ORDER BY hit DESC LIMIT {cap}), \
             p AS (SELECT hit, score, occurred_at FROM k ORDER BY {} LIMIT {} OFFSET {}) \
             SELECT n.n AS n, p.hit AS hit FROM n LEFT JOIN p ON 1 = 1 ORDER BY {}",
            search_candidates_sql(q, true, &qp, &matches, "", &scope_sql, cap + 1, 0),
            rank(""),
            page.limit.max(0),
            page.offset.max(0),
            rank("p."),
        );
        (sql, a)
    }

    /// The newest hits of a search across journals that are in the reader's
    /// scope, at most `want`. The walk reads each hit's citizen and class
    /// and asks the scope about each (citizen, class) once: the predicate is
    /// the one the SQL search tests on every row (`search_scope_sql`), here
    /// on a one-row `e` of parameters. The hits a search walks past are mostly
    /// of a few busy journals outside the reader's scope, and each of those
    /// cost the policy's probes again on every hit (a search for "medicin"
    /// walked 2,270 hits of a few hundred citizens for the 21 it showed).
    /// When the scope admits only citizens its reader relates to, a hit of
    /// anyone else is passed over before the policy is asked: most of those a
    /// search walks past (8 in 10 for a case worker on a fresh set, all but a
    /// few once a colleague's notes fill the newest entries).
    fn newest_in_scope(
        c: &rusqlite::Connection,
        q: &tvaers_domain::search::SearchQuery,
        scope: &crate::ReadScope,
        want: usize,
        related: &crate::file_cache::RelatedCache,
        owners: &crate::entry_owners::EntryOwners,
    ) -> Result<Vec<(i64, Uuid, String)>> {
        /// The memo is dropped when it grows past this many (citizen, class)
        /// answers: a walk through a whole municipality's hits stays bounded.
        const MEMO_MAX: usize = 100_000;
        let mut walk = Args::default();
        let qp = walk.push(Arg::Text(SqliteStore::fts_query(q)));
        let walk_sql = format!(
            "SELECT i.{key} AS hit FROM {table} i WHERE {matches} ORDER BY i.{key} DESC",
            key = SqliteStore::FTS_KEY,
            table = SqliteStore::FTS_TABLE,
            matches = SqliteStore::fts_match_sql(&qp),
        );
        let mut test = Args::default();
        let (citizen_p, class_p) = (
            test.push(Arg::Uuid(Uuid::nil())),
            test.push(Arg::Text(String::new())),
        );
        let test_sql = format!(
            "SELECT 1 AS admitted FROM (SELECT {citizen_p} AS citizen_id, {class_p} AS sensitivity) e WHERE {}",
            search_scope_sql(scope, &mut test)
        );
        let mut test = values(test)?;
        let mut memo: std::collections::HashMap<(Uuid, String), bool> =
            std::collections::HashMap::new();
        let mut hits = Vec::new();
        if want == 0 {
            return Ok(hits);
        }
        // Read first in the transaction, so the walk sees no relationship
        // the set lacks.
        let related = related_citizens(c, scope, related)?;
        let listed: std::collections::HashSet<Uuid> = scope
            .grants
            .iter()
            .flat_map(|g| g.citizens.iter().map(|c| c.0))
            .collect();
        for_each(c, &walk_sql, &values(walk)?, |r| {
            let hit: i64 = r.try_get("hit").map_err(map_err)?;
            let (citizen, class) = match owners.get(hit) {
                Some((citizen, class)) => (citizen, Class::Known(class)),
                None => {
                    let mut owner = None;
                    for_each(c, ENTRY_OWNER_SQL, &[Value::Int(hit)], |e| {
                        let citizen: Uuid = e.try_get("citizen_id").map_err(map_err)?;
                        let class: String = e.try_get("sensitivity").map_err(map_err)?;
                        owner = Some(match owners.keep(hit, citizen, &class) {
                            Some((citizen, class)) => (citizen, Class::Known(class)),
                            None => (citizen, Class::Read(class)),
                        });
                        Ok(false)
                    })?;
                    // A full-text row without its entry is passed over, as the join did.
                    let Some(owner) = owner else { return Ok(true) };
                    owner
                }
            };
            if related
                .as_ref()
                .is_some_and(|r| !r.contains(&citizen) && !listed.contains(&citizen))
            {
                return Ok(true);
            }
            let class = match class {
                Class::Read(class) => class,
                Class::Known(class) => owners.class(class).ok_or_else(|| {
                    StoreError::Corrupt(format!("class {class} of entry {hit} unknown"))
                })?,
            };
            let key: (Uuid, String) = (citizen, class);
            let admitted = match memo.get(&key) {
                Some(known) => *known,
                None => {
                    test[0] = Value::uuid(key.0);
                    test[1] = Value::Text(key.1.clone());
                    let admitted = !query(c, &test_sql, &test, |_| Ok(()))?.is_empty();
                    if memo.len() >= MEMO_MAX {
                        memo.clear();
                    }
                    memo.insert(key.clone(), admitted);
                    admitted
                }
            };
            if admitted {
                hits.push((hit, key.0, key.1));
            }
            Ok(hits.len() < want)
        })?;
        Ok(hits)
    }

    /// A hit's class: as the walk read it, or its index in [`EntryOwners`].
    ///
    /// [`EntryOwners`]: crate::entry_owners::EntryOwners
    enum Class {
        Known(u8),
        Read(String),
    }

    /// An entry's citizen and class, for a hit the owners map does not know.
    const ENTRY_OWNER_SQL: &str =
        "SELECT citizen_id, sensitivity FROM journal_entries WHERE seq = $1";

    /// Whom the scope's reader relates to, when the scope admits no one
    /// else: kept per staff member under the relations version, which this
    /// reads in the caller's transaction.
    fn related_citizens(
        c: &rusqlite::Connection,
        scope: &crate::ReadScope,
        cache: &crate::file_cache::RelatedCache,
    ) -> Result<Option<std::sync::Arc<std::collections::HashSet<Uuid>>>> {
        let Some(f) = scope.by_facts.as_ref().filter(|f| f.admits_only_related()) else {
            return Ok(None);
        };
        let mut version = None;
        for_each(c, RELATIONS_VERSION_SQL, &[], |r| {
            version = Some(r.try_get::<i64, _>("version").map_err(map_err)?);
            Ok(false)
        })?;
        let Some(version) = version else {
            return Err(StoreError::Corrupt("relations_version has no row".into()));
        };
        if let Some(set) = cache.get(&f.staff_id, version) {
            return Ok(Some(set));
        }
        let set: std::collections::HashSet<Uuid> = query(
            c,
            crate::common::RELATED_CITIZENS_SQL,
            &[Value::uuid(f.staff_id.0)],
            |r| r.try_get("citizen_id").map_err(map_err),
        )?
        .into_iter()
        .collect();
        let set = std::sync::Arc::new(set);
        cache.keep(f.staff_id, version, &set);
        Ok(Some(set))
    }

    const RELATIONS_VERSION_SQL: &str = "SELECT version FROM relations_version WHERE id = 1";

    fn values(a: Args) -> Result<Vec<Value>> {
        a.0.into_iter()
            .map(|a| {
                Ok(match a {
                    Arg::Date(d) => Value::date(d),
                    Arg::Time(t) => Value::time(t)?,
                    Arg::Uuid(u) => Value::uuid(u),
                    Arg::Text(s) => Value::Text(s),
                    Arg::Int(i) => Value::Int(i),
                })
            })
            .collect()
    }

    impl SqliteStore {
        /// The plan `sql` finds by the one id it is given, if any.
        fn one_plan(&self, sql: &str, id: uuid::Uuid) -> Result<Option<Plan>> {
            self.inline
                .read(|c| Ok(query(c, sql, &[Value::uuid(id)], inline_rows::row_plan)?.pop()))
        }
    }

    /// The same statements as the pool's single reads, on the calling thread.
    impl crate::common::InlineReads for SqliteStore {
        fn inline_citizen_version(&self, id: CitizenId) -> Option<Result<i64>> {
            Some(self.inline.read(|c| {
                let mut version = 0;
                for_each(
                    c,
                    crate::common::CITIZEN_VERSION_SQL,
                    &[Value::uuid(id.0)],
                    |r| {
                        version = r.try_get("version").map_err(map_err)?;
                        Ok(false)
                    },
                )?;
                Ok(version)
            }))
        }

        fn inline_citizen(&self, id: CitizenId) -> Option<Result<Option<Citizen>>> {
            Some(self.inline.read(|c| {
                Ok(query(
                    c,
                    &FileSql::Citizen.sql(),
                    &[Value::uuid(id.0)],
                    inline_rows::row_citizen,
                )?
                .pop())
            }))
        }

        fn inline_plan(&self, id: PlanId) -> Option<Result<Option<Plan>>> {
            Some(self.one_plan(&plan_by_id_sql(), id.0))
        }

        fn inline_active_plan(&self, citizen_id: CitizenId) -> Option<Result<Option<Plan>>> {
            Some(self.one_plan(&active_plan_sql(), citizen_id.0))
        }

        fn inline_journal_entry(
            &self,
            id: tvaers_domain::ids::JournalEntryId,
        ) -> Option<Result<Option<tvaers_domain::journal::JournalEntry>>> {
            static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let sql = SQL.get_or_init(journal_entry_sql);
            Some(self.inline.read(|c| {
                Ok(query(c, sql, &[Value::uuid(id.0)], |r| {
                    inline_rows::row_journal(r).map(|(_, e)| e)
                })?
                .pop())
            }))
        }

        fn inline_access_facts(
            &self,
            staff_id: StaffId,
            organisation_id: OrganisationId,
            citizen_id: CitizenId,
            now: OffsetDateTime,
        ) -> Option<Result<AccessFacts>> {
            static FACTS_SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let sql = FACTS_SQL.get_or_init(access_facts_sql);
            Some(self.inline.read(|c| {
                crate::sqlite_audit::access_facts_on(
                    c,
                    sql,
                    staff_id,
                    organisation_id,
                    citizen_id,
                    now,
                )
            }))
        }

        fn inline_citizen_file(&self, id: CitizenId) -> Option<Result<CitizenFile>> {
            Some(self.inline.read(|c| {
                let id = [Value::uuid(id.0)];
                Ok(CitizenFile {
                    citizen: query(c, &FileSql::Citizen.sql(), &id, inline_rows::row_citizen)?
                        .pop(),
                    cases: query(c, &FileSql::Cases.sql(), &id, inline_rows::row_case)?,
                    plans: query(c, &FileSql::Plans.sql(), &id, inline_rows::row_plan)?,
                    meetings: query(c, &FileSql::Meetings.sql(), &id, inline_rows::row_meeting)?,
                    tasks: query(c, &FileSql::Tasks.sql(), &id, inline_rows::row_task)?,
                    measurements: query(
                        c,
                        &FileSql::Measurements.sql(),
                        &id,
                        inline_rows::row_measurement,
                    )?,
                })
            }))
        }

        fn inline_journal_file(
            &self,
            citizen_id: CitizenId,
            timeline: Option<(
                &crate::JournalFilter,
                &[tvaers_domain::journal::Sensitivity],
                Page,
            )>,
        ) -> Option<Result<crate::JournalFile>> {
            Some(self.inline.read(|c| {
                let id = [Value::uuid(citizen_id.0)];
                let entries = match timeline {
                    Some((f, classes, page)) => {
                        let (sql, a) = timeline_sql(citizen_id, f, classes, page);
                        query(c, &sql, &values(a)?, |r| {
                            inline_rows::row_journal(r).map(|(_, e)| e)
                        })?
                    }
                    None => Vec::new(),
                };
                Ok(crate::JournalFile {
                    citizen: query(c, &FileSql::Citizen.sql(), &id, inline_rows::row_citizen)?
                        .pop(),
                    plans: query(c, &FileSql::Plans.sql(), &id, inline_rows::row_plan)?,
                    meetings: query(c, &FileSql::Meetings.sql(), &id, inline_rows::row_meeting)?,
                    entries,
                })
            }))
        }

        fn inline_search_journal(
            &self,
            q: &tvaers_domain::search::SearchQuery,
            scope: &crate::ReadScope,
            page: Page,
            order: crate::SearchOrder,
        ) -> Option<tokio::task::JoinHandle<Result<crate::JournalSearchResult>>> {
            let (readers, q, scope) = (self.inline.clone(), q.clone(), scope.clone());
            let (related, owners) = (self.related.clone(), self.owners.clone());
            Some(tokio::task::spawn_blocking(move || {
                readers.read(|c| search_on(c, &q, &scope, page, order, &related, &owners, true))
            }))
        }

        fn inline_session(&self, token_hash: &str) -> Option<Result<Option<(Session, Staff)>>> {
            Some(self.inline.read(|c| {
                // One row per unit of the staff member; the rest repeats.
                let mut found: Option<(Session, Staff)> = None;
                query(
                    c,
                    SESSION_SQL,
                    &[Value::Text(token_hash.to_string())],
                    |r| {
                        let unit = r.try_get::<Option<Uuid>, _>("unit_id").map_err(map_err)?;
                        let (_, staff) = match &mut found {
                            Some(found) => found,
                            None => found.insert((
                                inline_rows::row_session(r)?,
                                inline_rows::row_staff(r, Vec::new())?,
                            )),
                        };
                        staff.unit_ids.extend(unit.map(UnitId));
                        Ok(())
                    },
                )?;
                Ok(found)
            }))
        }
    }
}
