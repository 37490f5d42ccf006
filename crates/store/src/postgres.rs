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

mod imp {
    use super::PgStore;
    crate::common::impl_store!(
        PgStore,
        sqlx::Postgres,
        sqlx::postgres::PgRow,
        Backend::Postgres
    );
}
