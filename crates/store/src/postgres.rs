//! PostgreSQL: for production and for several servers on one database.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::StoreError;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects; fails fast with the URL (password masked) when the database cannot be reached.
    pub async fn connect(url: &str) -> crate::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            // The caller names the (masked) URL; sqlx errors never contain the password.
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(PgStore { pool })
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
    pub(crate) const FTS_KEY: &'static str = "seq";

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
    pub(crate) fn fts_rank_sql(param: &str) -> String {
        format!("-ts_rank(i.terms, CAST({param} AS tsquery))")
    }

    /// A list of ids as one bound value (an array literal), so a read scope
    /// of tens of thousands of citizens stays one parameter.
    pub(crate) fn ids_param(ids: &[uuid::Uuid]) -> String {
        let ids: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
        format!("{{{}}}", ids.join(","))
    }

    pub(crate) fn ids_in_sql(col: &str, param: &str) -> String {
        format!("{col} = ANY(CAST({param} AS uuid[]))")
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
        if let Some(c) = &q.citizen {
            clauses.push(quote_lexeme(c));
        }
        for n in &q.must_not {
            clauses.push(format!("!{}", phrase(n)));
        }
        clauses.join(" & ")
    }
}

/// A lexeme in tsvector/tsquery literal syntax.
fn quote_lexeme(t: &str) -> String {
    format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"))
}

mod imp {
    use super::PgStore;
    crate::common::impl_store!(
        PgStore,
        sqlx::Postgres,
        sqlx::postgres::PgRow,
        Backend::Postgres
    );
}
