//! Staff sessions in memory, on PostgreSQL.
//!
//! Why: every request of a logged-in user reads its session with its staff
//! member and units — on PostgreSQL one round trip of the three or four a
//! cached page costs (see BENCHMARKS.md, *Session 20*). A session changes
//! rarely: it is created, touched once a minute, and deleted.
//!
//! Why a cached session cannot outlive its revocation by more than moments:
//! - The database says when one changes. Triggers (migration 0017) send a
//!   notification on [`CHANNEL`] whenever a session is deleted or has its
//!   identity, kind or expiry changed, and whenever a staff member or their
//!   units change — whoever wrote it: this server, another one, or an
//!   administrator's SQL. Each server listens on a connection of its own and
//!   empties its cache on every notification.
//! - This server's own changes also empty its cache when they return, so a
//!   logout here is never followed by a request here that the session
//!   passes.
//! - Entries are served only while the listener is connected and listening.
//!   If it fails, the cache is emptied and every request reads the database
//!   until it listens again. A connection lost and re-established (when
//!   notifications may have been missed) empties the cache too.
//! - A read that began before an invalidation does not fill the cache after
//!   it ([`SessionCache::epoch`]).
//! - An entry is at most [`MAX_AGE`] old: what bounds a lost notification that
//!   nothing reported, and keeps the session's `last_seen_at` (which touches
//!   do not announce) close enough to the database's for the idle timeout.
//!
//! SQLite reads sessions on the request's own thread (no round trip), and has
//! no notifications between processes, so it has no such cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tvaers_domain::staff::Staff;

use crate::Session;

/// The channel migration 0017's triggers notify.
pub(crate) const CHANNEL: &str = "tvaers_sessions";
/// The oldest an entry may be when served.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(30);
/// Past this many entries the cache is emptied rather than grown.
const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
pub(crate) struct SessionCache {
    entries: RwLock<HashMap<String, Cached>>,
    /// Moved by every invalidation.
    epoch: AtomicU64,
    /// Whether the listener is listening: only then are entries served.
    live: AtomicBool,
}

struct Cached {
    session: Session,
    staff: Staff,
    at: Instant,
}

impl SessionCache {
    /// The session, if it is cached, fresh, and the listener is listening.
    pub(crate) fn get(&self, token_hash: &str) -> Option<(Session, Staff)> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let c = entries.get(token_hash)?;
        (c.at.elapsed() < MAX_AGE).then(|| (c.session.clone(), c.staff.clone()))
    }

    /// Taken before a read of the database that may [`SessionCache::fill`].
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Keeps what a read found, unless an invalidation came since `epoch`.
    pub(crate) fn fill(&self, epoch: u64, found: &(Session, Staff)) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        // Checked under the lock that `clear` takes, so a clear either sees
        // this entry or this fill sees its epoch.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            found.0.token_hash.clone(),
            Cached {
                session: found.0.clone(),
                staff: found.1.clone(),
                at: Instant::now(),
            },
        );
    }

    /// This server touched the session: its entry shows the new time.
    pub(crate) fn touched(&self, token_hash: &str, at: OffsetDateTime) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = entries.get_mut(token_hash) {
            c.session.last_seen_at = at;
        }
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        self.clear();
    }

    #[cfg(test)]
    pub(crate) fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

/// Listens on [`CHANNEL`] for as long as the cache lives, on a connection of
/// its own from `pool`, emptying the cache on every notification.
pub(crate) async fn listen(pool: sqlx::PgPool, cache: Weak<SessionCache>) {
    loop {
        match listen_once(&pool, &cache).await {
            Ok(()) => return,
            Err(e) => {
                if let Some(c) = cache.upgrade() {
                    c.set_live(false);
                } else {
                    return;
                }
                tracing::warn!(error = %e, "session notifications lost; sessions are read from the database until they return");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// `Ok` when the cache is gone; `Err` when the listener failed.
async fn listen_once(pool: &sqlx::PgPool, cache: &Weak<SessionCache>) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    match cache.upgrade() {
        Some(c) => c.set_live(true),
        None => return Ok(()),
    }
    loop {
        // `None`: the connection was lost and is re-established; what was
        // notified meanwhile is lost, so everything is.
        let _ = listener.try_recv().await?;
        match cache.upgrade() {
            Some(c) => c.clear(),
            None => return Ok(()),
        }
    }
}

/// Starts the listener for a new cache.
pub(crate) fn start(pool: sqlx::PgPool) -> Arc<SessionCache> {
    let cache = Arc::new(SessionCache::default());
    tokio::spawn(listen(pool, Arc::downgrade(&cache)));
    cache
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionKind;
    use tvaers_domain::ids::{OrganisationId, StaffId};
    use tvaers_domain::staff::Profession;

    fn found(hash: &str) -> (Session, Staff) {
        let now = OffsetDateTime::now_utc();
        let staff_id = StaffId::new();
        (
            Session {
                token_hash: hash.into(),
                staff_id,
                kind: SessionKind::Browser,
                csrf_token: "c".into(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + time::Duration::hours(1),
            },
            Staff {
                id: staff_id,
                username: "u".into(),
                full_name: "U".into(),
                profession: Profession::Nurse,
                organisation_id: OrganisationId::new(),
                email: None,
                active: true,
                unit_ids: Vec::new(),
            },
        )
    }

    #[test]
    fn nothing_is_served_unless_the_listener_listens() {
        let c = SessionCache::default();
        c.fill(c.epoch(), &found("a"));
        assert!(c.get("a").is_none());
        c.set_live(true);
        assert!(c.is_live());
        c.fill(c.epoch(), &found("a"));
        assert!(c.get("a").is_some());
        c.set_live(false);
        assert!(c.get("a").is_none());
    }

    #[test]
    fn a_read_from_before_an_invalidation_does_not_fill() {
        let c = SessionCache::default();
        c.set_live(true);
        let before = c.epoch();
        c.clear();
        c.fill(before, &found("a"));
        assert!(c.get("a").is_none());
        c.fill(c.epoch(), &found("a"));
        assert!(c.get("a").is_some());
        c.clear();
        assert!(c.get("a").is_none());
    }

    #[test]
    fn a_touch_shows_in_the_entry() {
        let c = SessionCache::default();
        c.set_live(true);
        c.fill(c.epoch(), &found("a"));
        let later = OffsetDateTime::now_utc() + time::Duration::minutes(2);
        c.touched("a", later);
        assert_eq!(c.get("a").map(|(s, _)| s.last_seen_at), Some(later));
    }
}
