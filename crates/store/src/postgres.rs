//! PostgreSQL: for production and for several servers on one database.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::StoreError;
use crate::common::map_err;

/// How long a pooled connection may sit idle before it is pinged on its next use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

pub struct PgStore {
    pool: PgPool,
    /// Citizen files and journal pages under their citizen's version.
    files: crate::file_cache::FileCache,
    /// Staff sessions, emptied by the database's notifications.
    sessions: std::sync::Arc<crate::session_cache::SessionCache>,
    /// Whom each staff member relates to, under the relations version.
    related: crate::file_cache::RelatedCache,
}

/// Every read goes through the pool: a PostgreSQL read is a server round trip
/// either way. Sessions may come from memory ([`crate::session_cache`]).
impl crate::common::InlineReads for PgStore {
    fn session_cache(&self) -> Option<&crate::session_cache::SessionCache> {
        Some(&self.sessions)
    }
}
/// PostgreSQL commits concurrent transactions in parallel (and flushes their
/// WAL together): no writer thread; each write is its own transaction.
impl crate::common::InlineWrites for PgStore {}

impl PgStore {
    /// Connects; fails fast with the URL (password masked) when the database cannot be reached.
    pub async fn connect(url: &str) -> crate::Result<Self> {
        // No JIT compilation: every statement here is a short one, and
        // PostgreSQL compiles any plan whose estimate passes `jit_above_cost`
        // — 30 to 45 ms spent compiling a search window that then ran in
        // 0.05 ms (a word no entry holds, in a window of millions of entries).
        let options = url
            .parse::<PgConnectOptions>()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
            .options([("jit", "off")]);
        // The session listener's own connection, outside the pool's 16.
        let listener_pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(options.clone());
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            // sqlx pings a connection before every use by default: a network
            // round trip, and a wake-up of its PostgreSQL backend, before
            // every statement. Only a connection idle for a while (which a
            // restart or a network cut may have broken) is checked; one that
            // fails is closed and the next is taken.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            // The caller names the (masked) URL; sqlx errors never contain the password.
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(PgStore {
            pool,
            files: Default::default(),
            sessions: crate::session_cache::start(listener_pool),
            related: crate::file_cache::related_cache(),
        })
    }

    /// No connection of its own: the audit writer uses the pool.
    pub(crate) fn open_audit_log(&self) -> crate::Result<Option<Box<dyn crate::AuditLog>>> {
        Ok(None)
    }

    fn write(&self) -> &PgPool {
        &self.pool
    }

    fn read(&self) -> &PgPool {
        &self.pool
    }

    async fn run_migrations(&self) -> crate::Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// The pool, for test set-up that creates schemas.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Full-text search on PostgreSQL: a `tsvector` of the same stemmed tokens
/// SQLite indexes, given as a literal with positions so PostgreSQL's parser
/// and locale never touch them, with a GIN index.
impl PgStore {
    pub(crate) const FTS_TABLE: &'static str = "journal_index";
    /// A statistics series is replaced in one statement (`WITH … DELETE`).
    pub(crate) const REPLACE_SERIES_IN_ONE: bool = true;
    /// A journal entry, its index row and its audit event are written in
    /// one statement (`WITH … INSERT`), so no `BEGIN` and `COMMIT`.
    pub(crate) const ENTRY_IN_ONE: bool = true;
    /// Audit events written on their own: one table on PostgreSQL (SQLite
    /// keeps them in a second file, see `sqlite::audit_log_path`).
    pub(crate) const AUDIT_LOG_TABLE: &'static str = "audit_events";
    /// Every audit event matching `conds` (on alias `a`), for reading.
    pub(crate) fn audit_source_sql(conds: &str, _order: &str, _n: &str) -> String {
        format!("(SELECT a.* FROM audit_events a WHERE 1 = 1{conds})")
    }
    pub(crate) const FTS_KEY: &'static str = "seq";
    /// What a search orders its candidates by. A window's hits come sorted
    /// from their subquery (see `search_candidates_sql`); without a window,
    /// `seq + 0`, which no index delivers: the backward walk by the primary
    /// key once met 3 million rows (3.8 s) for a word with 486 hits the
    /// reader could not see.
    pub(crate) fn fts_order(window: i64) -> &'static str {
        if window > 0 { "i.seq" } else { "(i.seq + 0)" }
    }
    /// The terms as the GIN index holds them: with the row's block of
    /// [`Self::WINDOW_BLOCK`] sequence numbers as one more token (migration
    /// 0014, whose expression this must equal but for the alias `i.`).
    pub(crate) const WINDOWED_TERMS: &'static str =
        "(i.terms || CAST('~w' || CAST(i.seq / 4096 AS TEXT) AS tsvector))";
    /// The GIN index on [`Self::WINDOWED_TERMS`], as migration 0014 creates it.
    const WINDOWED_INDEX_SQL: &'static str = "CREATE INDEX IF NOT EXISTS journal_index_windowed ON journal_index \
        USING GIN ((terms || CAST('~w' || CAST(seq / 4096 AS TEXT) AS tsvector))) WITH (fastupdate = off)";
    /// The block width in [`Self::WINDOWED_TERMS`].
    pub(crate) const WINDOW_BLOCK: i64 = 4096;
    /// A window over more blocks than this (a million entries) is asked
    /// without them: each block is an entry GIN looks up, and a window that
    /// wide comes only after narrower ones found too few hits.
    const MAX_WINDOW_BLOCKS: i64 = 256;

    /// A window's match: the query and one of the window's blocks, so GIN's
    /// fast scan reads only the blocks' part of a common word's posting list
    /// (the sequence numbers are also tested exactly, see `search_journal`).
    /// `None` when the window spans too many blocks (or none): then the query alone.
    pub(crate) fn fts_window_query(
        q: &tvaers_domain::search::SearchQuery,
        above: i64,
        below: i64,
    ) -> Option<String> {
        let (first, last) = (
            above.max(0) / Self::WINDOW_BLOCK,
            (below - 1).max(0) / Self::WINDOW_BLOCK,
        );
        if below <= above || last - first >= Self::MAX_WINDOW_BLOCKS {
            return None;
        }
        let blocks: Vec<String> = (first..=last).map(|b| format!("'~w{b}'")).collect();
        Some(format!(
            "({}) & ({})",
            Self::fts_query(q),
            blocks.join(" | ")
        ))
    }

    /// The match of a window, on the indexed expression.
    pub(crate) fn fts_window_match_sql(param: &str) -> String {
        format!("{} @@ CAST({param} AS tsquery)", Self::WINDOWED_TERMS)
    }
    /// The first window of sequence numbers a search reads (see `search_journal`).
    pub(crate) const SEARCH_WINDOW: Option<i64> = Some(50_000);
    /// The citizen of a full-text hit, on the index row itself: a search
    /// tests the reader's relationship there and reads the entry only for
    /// rows that have one (about one in five for a case worker).
    pub(crate) const FTS_CITIZEN: &'static str = "i.citizen_id";
    /// Appended to the probes a search makes per row. With `OFFSET 0` the
    /// planner keeps an EXISTS a probe per row instead of hashing the whole
    /// subquery first (all 5,800 care-team rows of a case worker, 5 ms, for a
    /// window that meets 200 rows).
    pub(crate) const PER_ROW_PROBE: &'static str = " OFFSET 0";
    /// Whether `unit` is one of the staff member's units: their units read
    /// once per statement (an InitPlan), not a join per probe.
    pub(crate) fn unit_of_staff_sql(unit: &str, staff: &str) -> String {
        format!(
            "{unit} = ANY (ARRAY(SELECT fsu.unit_id FROM staff_units fsu WHERE fsu.staff_id = {staff}))"
        )
    }

    pub(crate) fn fts_document_sql(param: &str) -> String {
        format!("CAST({param} AS tsvector)")
    }

    /// `'fald':1,4 'trap':2 …` — positions as in the text, at most 255 per
    /// lexeme and none above 16383 (PostgreSQL's limits).
    pub(crate) fn fts_document(terms: &[String]) -> String {
        let mut positions: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, t) in terms.iter().enumerate() {
            let p = positions.entry(t.as_str()).or_default();
            if p.len() < 255 {
                p.push((i + 1).min(16383));
            }
        }
        positions
            .iter()
            .map(|(lexeme, pos)| {
                let pos: Vec<String> = pos.iter().map(usize::to_string).collect();
                format!("{}:{}", quote_lexeme(lexeme), pos.join(","))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(crate) fn fts_match_sql(param: &str) -> String {
        format!("i.terms @@ CAST({param} AS tsquery)")
    }

    /// Lower is better, like bm25 on SQLite.
    pub(crate) fn fts_rank_sql(param: &str, _q: &tvaers_domain::search::SearchQuery) -> String {
        format!("-ts_rank(i.terms, CAST({param} AS tsquery))")
    }

    /// A list of ids as one bound value (an array literal), so a read scope
    /// of tens of thousands of citizens stays one parameter.
    pub(crate) fn ids_param(ids: &[uuid::Uuid]) -> String {
        let ids: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
        format!("{{{}}}", ids.join(","))
    }

    /// A set read once: `= ANY(CAST($n AS uuid[]))` re-parsed the text array
    /// for every row it filtered (the cast is only stable, so never folded) —
    /// 16,000 UUIDs times 20,000 candidate rows took 90 s at 10 M entries.
    /// `IN (SELECT unnest(…))` is evaluated once and hashed, and with the
    /// statement planned for its values the planner knows the set's size.
    pub(crate) fn ids_in_sql(col: &str, param: &str) -> String {
        format!("{col} IN (SELECT unnest(CAST({param} AS uuid[])))")
    }

    /// Sequence numbers as one parameter: an array literal.
    pub(crate) fn seqs_param(seqs: &[i64]) -> String {
        let seqs: Vec<String> = seqs.iter().map(i64::to_string).collect();
        format!("{{{}}}", seqs.join(","))
    }

    pub(crate) fn seqs_in_sql(col: &str, param: &str) -> String {
        format!("{col} IN (SELECT unnest(CAST({param} AS BIGINT[])))")
    }

    /// The query as a `tsquery` literal: `&` between clauses, `|` between
    /// alternatives, `<->` inside phrases, `!` for exclusions.
    pub(crate) fn fts_query(q: &tvaers_domain::search::SearchQuery) -> String {
        fn phrase(p: &[String]) -> String {
            let parts: Vec<String> = p.iter().map(|t| quote_lexeme(t)).collect();
            format!("({})", parts.join(" <-> "))
        }
        let mut clauses: Vec<String> = q
            .must
            .iter()
            .map(|alts| {
                let a: Vec<String> = alts.iter().map(|p| phrase(p)).collect();
                format!("({})", a.join(" | "))
            })
            .collect();
        if !q.citizens.is_empty() {
            let any: Vec<String> = q
                .citizens
                .iter()
                .map(|c| quote_lexeme(&tvaers_domain::search::citizen_token(*c)))
                .collect();
            clauses.push(format!("({})", any.join(" | ")));
        }
        for n in &q.must_not {
            clauses.push(format!("!{}", phrase(n)));
        }
        clauses.join(" & ")
    }
}

/// Bulk journal import (demo seeding) with `COPY`, several times faster than
/// INSERTs: `seq` is drawn from the sequence first so each entry's index row
/// can name it, then both tables are copied in one transaction.
impl PgStore {
    pub(crate) async fn import_journal_rows(
        &self,
        entries: &[(tvaers_domain::journal::JournalEntry, Vec<String>)],
    ) -> crate::Result<u64> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let n = i64::try_from(entries.len())
            .map_err(|_| StoreError::Database("too many entries".into()))?;
        let mut seqs: Vec<i64> = sqlx::query_scalar(
            "SELECT nextval(pg_get_serial_sequence('journal_entries', 'seq')) FROM generate_series(1, $1)",
        )
        .bind(n)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        seqs.sort_unstable();
        let mut rows = String::with_capacity(entries.len() * 700);
        let mut index = String::with_capacity(entries.len() * 400);
        for ((e, terms), seq) in entries.iter().zip(&seqs) {
            let uuid = |u: Option<uuid::Uuid>| u.map(|u| u.to_string());
            let fields: [Option<String>; 25] = [
                Some(seq.to_string()),
                Some(e.citizen_id.0.to_string()),
                Some(e.id.0.to_string()),
                uuid(e.author_id.map(|a| a.0)),
                Some(e.author_name.clone()),
                e.profession.map(|p| p.code().to_string()),
                uuid(e.unit_id.map(|u| u.0)),
                Some(timestamp(e.occurred_at)?),
                Some(timestamp(e.written_at)?),
                Some(e.kind.code().to_string()),
                Some(if e.supersedes.is_some() { "t" } else { "f" }.to_string()),
                e.topic.as_ref().map(|t| t.system.clone()),
                e.topic.as_ref().map(|t| t.code.clone()),
                e.topic.as_ref().map(|t| t.display.clone()),
                Some(e.text.clone()),
                uuid(e.links.goal_id.map(|x| x.0)),
                uuid(e.links.intervention_id.map(|x| x.0)),
                uuid(e.links.meeting_id.map(|x| x.0)),
                uuid(e.quotes.map(|x| x.0)),
                Some(e.sensitivity.code().to_string()),
                uuid(e.supersedes.map(|x| x.0)),
                e.correction_reason.clone(),
                e.message.as_ref().map(|m| m.direction.code().to_string()),
                uuid(e.message.as_ref().and_then(|m| m.to_staff_id).map(|x| x.0)),
                uuid(e.message.as_ref().and_then(|m| m.to_unit_id).map(|x| x.0)),
            ];
            copy_line(&mut rows, &fields);
            copy_line(
                &mut index,
                &[
                    Some(seq.to_string()),
                    Some(e.citizen_id.0.to_string()),
                    Some(Self::fts_document(terms)),
                ],
            );
        }
        let mut copy = tx
            .copy_in_raw(
                "COPY journal_entries (seq, citizen_id, id, author_id, author_name, profession, unit_id, occurred_at, written_at, \
                 kind, is_correction, topic_system, topic_code, topic_display, text, goal_id, intervention_id, meeting_id, quotes, \
                 sensitivity, supersedes, correction_reason, message_direction, to_staff_id, to_unit_id) FROM STDIN",
            )
            .await
            .map_err(map_err)?;
        copy.send(rows.as_bytes()).await.map_err(map_err)?;
        copy.finish().await.map_err(map_err)?;
        let mut copy = tx
            .copy_in_raw("COPY journal_index (seq, citizen_id, terms) FROM STDIN")
            .await
            .map_err(map_err)?;
        copy.send(index.as_bytes()).await.map_err(map_err)?;
        copy.finish().await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(entries.len() as u64)
    }

    /// Without the GIN index while importing; building it once at the end
    /// (with memory to sort in) is several times faster than growing it.
    pub(crate) async fn journal_bulk_mode_impl(&self, on: bool) -> crate::Result<()> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        if on {
            sqlx::query("DROP INDEX IF EXISTS journal_index_windowed")
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            return Ok(());
        }
        for sql in [
            "SET maintenance_work_mem = '1GB'",
            // No pending list (migration 0013), with the windows' blocks (0014).
            Self::WINDOWED_INDEX_SQL,
            "RESET maintenance_work_mem",
            "ANALYZE journal_entries",
            "ANALYZE journal_index",
        ] {
            sqlx::query(sql)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }
}

/// A timestamp as `COPY` reads it.
fn timestamp(t: time::OffsetDateTime) -> crate::Result<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Database(e.to_string()))
}

/// One line of `COPY … FROM STDIN` text format: tab-separated, `\N` for NULL,
/// backslash, tab and line breaks escaped.
fn copy_line(out: &mut String, fields: &[Option<String>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match f {
            None => out.push_str("\\N"),
            Some(v) => {
                for ch in v.chars() {
                    match ch {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
        }
    }
    out.push('\n');
}

/// A lexeme in tsvector/tsquery literal syntax.
fn quote_lexeme(t: &str) -> String {
    format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::PgStore;
    use tvaers_domain::search::SearchQuery;

    #[test]
    fn windowed_terms_are_the_indexed_expression() {
        let migration = include_str!("../migrations/postgres/0014_journal_windowed_gin.sql");
        let expr = PgStore::WINDOWED_TERMS.replace("i.", "");
        let index = PgStore::WINDOWED_INDEX_SQL
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let migration = migration.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(index.contains(&format!("({expr})")), "{index}");
        assert!(
            migration.contains(&index["CREATE INDEX IF NOT EXISTS ".len()..]),
            "{migration}"
        );
        assert!(expr.contains(&format!("/ {}", PgStore::WINDOW_BLOCK)));
    }

    #[test]
    fn a_window_asks_for_every_block_it_touches() {
        let q = SearchQuery::parse("medicin").unwrap();
        let plain = PgStore::fts_query(&q);
        // [above, below): 4095 is block 0, 4096 starts block 1, 8191 ends it.
        assert_eq!(
            PgStore::fts_window_query(&q, 4095, 8192),
            Some(format!("({plain}) & ('~w0' | '~w1')"))
        );
        assert_eq!(
            PgStore::fts_window_query(&q, 4096, 4097),
            Some(format!("({plain}) & ('~w1')"))
        );
        // Below zero (the last window) starts at block 0.
        assert_eq!(
            PgStore::fts_window_query(&q, -500, 10),
            Some(format!("({plain}) & ('~w0')"))
        );
        // Too wide, or empty: no blocks, the query alone.
        assert_eq!(PgStore::fts_window_query(&q, 1, 4096 * 300), None);
        assert_eq!(PgStore::fts_window_query(&q, 10, 10), None);
    }

    /// Two servers on one database: a session one of them holds in memory
    /// leaves it when either ends the session or changes its staff member —
    /// the other by the database's notification. Without the notification
    /// the entry would be served for `MAX_AGE` (30 s), past the 10 s waited.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sessions_leave_memory_when_any_server_ends_them()
    -> Result<(), Box<dyn std::error::Error>> {
        use crate::{Session, SessionKind, Store};
        use std::time::{Duration, Instant};
        use tvaers_domain::ids::{OrganisationId, StaffId, UnitId};
        use tvaers_domain::org::{Organisation, OrganisationKind, Unit, UnitKind};
        use tvaers_domain::staff::{Profession, Staff};

        let admin_url = std::env::var("TVAERS_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@localhost/postgres".into());
        let admin = PgStore::connect(&admin_url).await?;
        let name = format!("tvaers_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(admin.pool())
            .await?;
        let url = format!(
            "{}/{name}",
            admin_url
                .rsplit_once('/')
                .ok_or("an admin URL with a database")?
                .0
        );
        let (a, b) = (PgStore::connect(&url).await?, PgStore::connect(&url).await?);
        a.migrate().await?;

        let org = Organisation {
            id: OrganisationId::new(),
            name: "Test Kommune".into(),
            kind: OrganisationKind::Municipality,
        };
        a.create_organisation(&org).await?;
        let unit = Unit {
            id: UnitId::new(),
            organisation_id: org.id,
            parent_id: None,
            name: "Team".into(),
            kind: UnitKind::Team,
        };
        a.create_unit(&unit).await?;
        let mut staff = Staff {
            id: StaffId::new(),
            username: "anne".into(),
            full_name: "Anne Sørensen".into(),
            profession: Profession::Nurse,
            organisation_id: org.id,
            email: None,
            active: true,
            unit_ids: vec![unit.id],
        };
        a.create_staff(&staff, None).await?;
        let now = time::OffsetDateTime::now_utc();
        let session = |hash: &str| Session {
            token_hash: hash.into(),
            staff_id: staff.id,
            kind: SessionKind::Browser,
            csrf_token: "csrf".into(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + time::Duration::hours(8),
        };
        let until = |what: &str, done: &dyn Fn() -> bool| {
            let start = Instant::now();
            while !done() {
                assert!(start.elapsed() < Duration::from_secs(10), "{what}");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        until("a listens", &|| a.sessions.is_live());
        until("b listens", &|| b.sessions.is_live());

        // Ended by the other server: gone from memory by the notification.
        a.create_session(&session("one")).await?;
        assert!(a.get_session("one").await?.is_some());
        assert!(a.sessions.get("one").is_some(), "read sessions are kept");
        b.delete_session("one").await?;
        until("a forgets the session b ended", &|| {
            a.sessions.get("one").is_none()
        });
        assert!(a.get_session("one").await?.is_none());

        // The staff member deactivated by the other server.
        a.create_session(&session("two")).await?;
        assert_eq!(
            a.get_session("two").await?.map(|(_, s)| s.active),
            Some(true)
        );
        staff.active = false;
        b.update_staff(&staff).await?;
        until("a forgets the staff member b changed", &|| {
            a.sessions.get("two").is_none()
        });
        assert_eq!(
            a.get_session("two").await?.map(|(_, s)| s.active),
            Some(false)
        );

        // Ended by this server: gone at once, before any notification.
        assert!(a.sessions.get("two").is_some());
        a.delete_sessions_of(staff.id).await?;
        assert!(a.sessions.get("two").is_none());
        assert!(a.get_session("two").await?.is_none());

        // A touch does not empty memory, and shows in it.
        a.create_session(&session("three")).await?;
        assert!(a.get_session("three").await?.is_some());
        let later = now + time::Duration::minutes(2);
        b.touch_session("three", later).await?;
        a.touch_session("three", later).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            a.sessions.get("three").map(|(s, _)| s.last_seen_at),
            Some(later)
        );

        drop((a, b));
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(admin.pool())
        .await;
        Ok(())
    }
}

mod imp {
    use super::PgStore;
    crate::common::impl_store!(
        PgStore,
        sqlx::Postgres,
        sqlx::postgres::PgRow,
        Backend::Postgres
    );

    /// The version of every relationship (migration 0018) and the newest
    /// entry, where a search across journals starts.
    const WALK_START_SQL: &str = "SELECT (SELECT MAX(seq) FROM journal_entries) AS newest, \
         CAST((SELECT SUM(n) FROM relations_version_shards) AS BIGINT) AS version";

    /// The hits of one window of a search across journals: only their
    /// citizens, no scope. Without the scope's probes per row the statement
    /// is cheap to plan, and it is planned anew each time (see `walk`).
    fn window_sql(
        q: &tvaers_domain::search::SearchQuery,
        above: i64,
        below: i64,
        a: &mut Args,
    ) -> String {
        // As in `search_journal`: with the window's blocks in the query the GIN
        // index narrows to the window, and the bounds only make it exact.
        let (k, query) = match PgStore::fts_window_query(q, above, below) {
            Some(w) => ("(i.seq + 0)", w),
            None => ("i.seq", PgStore::fts_query(q)),
        };
        let qw = a.push(Arg::Text(query));
        format!(
            "SELECT i.seq AS hit, i.citizen_id AS citizen FROM journal_index i WHERE {} AND {k} < {} AND {k} >= {} \
             ORDER BY i.seq DESC",
            PgStore::fts_window_match_sql(&qw),
            a.push(Arg::Int(below)),
            a.push(Arg::Int(above)),
        )
    }

    /// The citizen and class of each entry `$1` (an array of sequence
    /// numbers), and when `$7`, the access facts of each of their citizens
    /// not in `$2` (an array: those read before) for staff member `$3` at
    /// `$4` in organisation `$5` on day `$6`: the entry's own citizen decides,
    /// not the index row's. Fixed text, so prepared once per connection.
    fn classes_and_facts_sql() -> String {
        format!(
            "WITH h AS (SELECT e.seq, e.citizen_id, e.sensitivity FROM journal_entries e WHERE {}), \
                  f AS (SELECT c.id, CAST({} AS BIGINT) AS code FROM (SELECT DISTINCT h.citizen_id AS id FROM h \
                        WHERE $7 AND h.citizen_id NOT IN (SELECT unnest(CAST($2 AS uuid[])))) c) \
             SELECT h.seq AS seq, h.citizen_id AS citizen, h.sensitivity AS class, f.code AS code \
             FROM h LEFT JOIN f ON f.id = h.citizen_id",
            PgStore::seqs_in_sql("e.seq", "$1"),
            facts_code_sql("c.id", "$3", "$4", "$5", "$6")
        )
    }

    /// A search across journals, newest first, decided per hit: each window
    /// of the full-text index yields its hits' citizens; those the reader
    /// has no relationship with are passed over in memory (when the policy
    /// admits no one else, `FactsScope::admits_only_related`), and the rest
    /// are decided by the scope on their class and their citizen's facts,
    /// read for a window's hits, newest first, a few times as many as are
    /// still wanted per statement. Before, the scope
    /// was a condition of the window's query: probes on every hit, and a
    /// statement whose plan cost more than running it (~1.1 of 3.2 ms).
    #[async_trait]
    impl crate::common::WalkNewest for PgStore {
        async fn walk_newest(
            &self,
            q: &tvaers_domain::search::SearchQuery,
            scope: &crate::ReadScope,
            want: usize,
        ) -> Option<Result<Vec<crate::common::Walked>>> {
            Some(self.walk(q, scope, want).await)
        }
    }

    impl PgStore {
        async fn walk(
            &self,
            q: &tvaers_domain::search::SearchQuery,
            scope: &crate::ReadScope,
            want: usize,
        ) -> Result<Vec<crate::common::Walked>> {
            let mut hits = Vec::new();
            if want == 0 {
                return Ok(hits);
            }
            let start = sqlx::query(WALK_START_SQL)
                .fetch_one(self.read())
                .await
                .map_err(map_err)?;
            let newest = start
                .try_get::<Option<i64>, _>("newest")
                .map_err(map_err)?
                .unwrap_or(0);
            let version: Option<i64> = start.try_get("version").map_err(map_err)?;
            let version = version.ok_or_else(|| corrupt("relations_version_shards has no rows"))?;
            // Read after the version, as a citizen's file is after theirs.
            let related = self.related_set(scope, version).await?;
            let listed: std::collections::HashSet<Uuid> = scope
                .grants
                .iter()
                .flat_map(|g| g.citizens.iter().map(|c| c.0))
                .collect();
            let want_i = i64::try_from(want).unwrap_or(i64::MAX);
            let first = Self::SEARCH_WINDOW
                .unwrap_or(50_000)
                .min(want_i.saturating_mul(400));
            let mut windows = crate::common::Windows::new(newest, first);
            // Each citizen's facts, read once per search.
            let mut facts: std::collections::HashMap<Uuid, u8> = std::collections::HashMap::new();
            loop {
                let (above, below) = windows.bounds();
                let mut a = Args::default();
                let sql = window_sql(q, above, below, &mut a);
                // Planned anew each time: a generic plan cannot see how common
                // the words are (see `search_journal`).
                let met: Vec<(i64, Uuid)> = a
                    .bind(sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false))
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .iter()
                    .map(|r| {
                        Ok((
                            r.try_get("hit").map_err(map_err)?,
                            r.try_get("citizen").map_err(map_err)?,
                        ))
                    })
                    .collect::<Result<Vec<(i64, Uuid)>>>()?
                    .into_iter()
                    .filter(|(_, c)| {
                        related
                            .as_ref()
                            .is_none_or(|r| r.contains(c) || listed.contains(c))
                    })
                    .collect();
                // Newest first, a few times the hits still wanted at a time: a
                // reader the policy admits to most hits stops after the first.
                let mut rest = met.as_slice();
                while !rest.is_empty() {
                    let need = want - hits.len();
                    let (chunk, after) =
                        rest.split_at(rest.len().min(need.saturating_mul(3).max(32)));
                    rest = after;
                    let seqs: Vec<i64> = chunk.iter().map(|(s, _)| *s).collect();
                    let known: Vec<Uuid> = facts.keys().copied().collect();
                    // Facts only for a scope with a table, each citizen's once.
                    let (staff, org, now) = match &scope.by_facts {
                        Some(f) => (f.staff_id.0, f.organisation_id.0, f.now),
                        None => (Uuid::nil(), Uuid::nil(), OffsetDateTime::UNIX_EPOCH),
                    };
                    let rows = sqlx::query(sqlx::AssertSqlSafe(classes_and_facts_sql()))
                        .bind(PgStore::seqs_param(&seqs))
                        .bind(PgStore::ids_param(&known))
                        .bind(staff)
                        .bind(now)
                        .bind(org)
                        .bind(tvaers_domain::calendar::danish_date(now))
                        .bind(scope.by_facts.is_some())
                        .fetch_all(self.read())
                        .await
                        .map_err(map_err)?;
                    let mut entries: std::collections::HashMap<i64, (Uuid, String)> =
                        std::collections::HashMap::with_capacity(rows.len());
                    for r in &rows {
                        let seq: i64 = r.try_get("seq").map_err(map_err)?;
                        let citizen: Uuid = r.try_get("citizen").map_err(map_err)?;
                        if let Some(code) = r.try_get::<Option<i64>, _>("code").map_err(map_err)? {
                            let code = u8::try_from(code)
                                .map_err(|_| corrupt(&format!("access facts code {code}")))?;
                            facts.insert(citizen, code);
                        }
                        entries.insert(seq, (citizen, r.try_get("class").map_err(map_err)?));
                    }
                    for (seq, _) in chunk {
                        // A full-text row without its entry is passed over, as a join would.
                        let Some((citizen, class)) = entries.get(seq) else {
                            continue;
                        };
                        let code = facts.get(citizen).copied();
                        if scope.admits(CitizenId(*citizen), class, code) {
                            hits.push((*seq, *citizen, code));
                            if hits.len() >= want {
                                return Ok(hits);
                            }
                        }
                    }
                }
                let found = i64::try_from(hits.len()).unwrap_or(i64::MAX);
                if !windows.advance(found, want_i - found) {
                    return Ok(hits);
                }
            }
        }

        /// Whom the scope's reader relates to, when the scope admits no one
        /// else: kept per staff member under the relations `version`, read
        /// before the set.
        async fn related_set(
            &self,
            scope: &crate::ReadScope,
            version: i64,
        ) -> Result<Option<std::sync::Arc<std::collections::HashSet<Uuid>>>> {
            let Some(f) = scope.by_facts.as_ref().filter(|f| f.admits_only_related()) else {
                return Ok(None);
            };
            if let Some(set) = self.related.get(&f.staff_id, version) {
                return Ok(Some(set));
            }
            let set: std::collections::HashSet<Uuid> =
                sqlx::query_scalar(crate::common::RELATED_CITIZENS_SQL)
                    .bind(f.staff_id.0)
                    .fetch_all(self.read())
                    .await
                    .map_err(map_err)?
                    .into_iter()
                    .collect();
            let set = std::sync::Arc::new(set);
            self.related.keep(f.staff_id, version, &set);
            Ok(Some(set))
        }
    }
}
