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

pub struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
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
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await;
        // A brand-new file cannot be opened read-only before the writer created it
        // in WAL mode; the writer connection above has done that by now.
        let readers = readers.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(SqliteStore { writer, readers })
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

    /// Online backup to a new file (`VACUUM INTO`), consistent while the server runs.
    pub async fn backup_to(&self, path: &Path) -> crate::Result<()> {
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().to_string())
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

/// Full-text search on SQLite: an FTS5 table over the stemmed tokens
/// (rowid = the entry's `seq`). The stems come from Rust, so FTS5 only splits
/// on spaces and keeps diacritics (å stays å, as on PostgreSQL).
impl SqliteStore {
    pub(crate) const FTS_TABLE: &'static str = "journal_fts";
    pub(crate) const FTS_KEY: &'static str = "rowid";

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

    /// Lower is better (bm25).
    pub(crate) fn fts_rank_sql(_param: &str) -> String {
        "i.rank".to_string()
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
        if let Some(c) = &q.citizen {
            clauses.push(phrase(std::slice::from_ref(c)));
        }
        let mut out = format!("({})", clauses.join(" AND "));
        for n in &q.must_not {
            out = format!("({out} NOT {})", phrase(n));
        }
        out
    }
}

mod imp {
    use super::SqliteStore;
    crate::common::impl_store!(
        SqliteStore,
        sqlx::Sqlite,
        sqlx::sqlite::SqliteRow,
        Backend::Sqlite
    );
}
