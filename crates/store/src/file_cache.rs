//! The citizen file cache: the two pages staff open most — the citizen's
//! overview ([`CitizenFile`]) and the journal page as it opens
//! ([`JournalFile`], unfiltered, first page) — kept in memory under the
//! citizen's version (`citizen_versions`, moved on by triggers in the same
//! transaction as any change to the rows they hold).
//!
//! Why: on SQLite every commit empties every reader connection's page cache
//! (WAL), so under a steady stream of writes each page read fetched its
//! B-tree pages again; on PostgreSQL each file is several statements. With
//! the cache, a page whose citizen has not changed costs one probe of the
//! version (BENCHMARKS.md, session 16).
//!
//! Why it is never stale: the version is read *before* the rows, and a change
//! moves the version in the change's own transaction. So a file stored under
//! version `v` holds every change up to `v` (and perhaps a later one), and
//! a reader is given it only after reading `v` again, which it cannot once
//! any change after `v` has committed — whichever process or path made it.
//! The access policy is decided above the store, before any file is read;
//! the journal page is keyed by the sensitivity classes the reader may see.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use tvaers_domain::ids::{CitizenId, StaffId};
use tvaers_domain::journal::Sensitivity;
use uuid::Uuid;

use crate::{CitizenFile, JournalFile, JournalFilter, Page};

/// Rows held in all, counted as each file's rows. The benchmark's
/// PostgreSQL server grew by 9 MiB holding ~19,000 (800 files), about
/// 0.5 KB a row, so this bounds the cache near 25 MB.
const MAX_ROWS: u64 = 50_000;
/// A file unread this long is dropped (its citizen's case has moved on).
const IDLE: Duration = Duration::from_secs(15 * 60);

/// The journal page as it opens: whose, which classes the reader may see,
/// and the page's length (one more than shown, to tell whether more follow).
type JournalKey = (CitizenId, Vec<Sensitivity>, i64);

pub(crate) struct FileCache {
    citizens: Versioned<CitizenId, CitizenFile>,
    journals: Versioned<JournalKey, JournalFile>,
}

impl Default for FileCache {
    fn default() -> Self {
        FileCache {
            citizens: Versioned::new(MAX_ROWS / 2, |f: &CitizenFile| {
                1 + f.cases.len()
                    + f.plans.len()
                    + f.meetings.len()
                    + f.tasks.len()
                    + f.measurements.len()
            }),
            journals: Versioned::new(MAX_ROWS / 2, |f: &JournalFile| {
                1 + f.plans.len() + f.meetings.len() + f.entries.len()
            }),
        }
    }
}

/// The key of a journal page the cache holds: unfiltered and from the top.
/// A filtered or later page is read each time (rarer, and many more keys).
pub(crate) fn journal_key(
    citizen_id: CitizenId,
    timeline: Option<(&JournalFilter, &[Sensitivity], Page)>,
) -> Option<JournalKey> {
    match timeline {
        Some((filter, classes, page))
            if *filter == JournalFilter::default() && page.offset == 0 =>
        {
            Some((citizen_id, classes.to_vec(), page.limit))
        }
        _ => None,
    }
}

impl FileCache {
    pub(crate) fn citizen(&self, id: CitizenId, version: i64) -> Option<CitizenFile> {
        self.citizens.get(&id, version)
    }

    /// Keeps `file`, read after `version` was. A file without its citizen
    /// (an unknown id) is not kept: there is nothing to save.
    pub(crate) fn keep_citizen(&self, id: CitizenId, version: i64, file: &CitizenFile) {
        if file.citizen.is_some() {
            self.citizens.keep(id, version, file);
        }
    }

    pub(crate) fn journal(&self, key: &JournalKey, version: i64) -> Option<JournalFile> {
        self.journals.get(key, version)
    }

    pub(crate) fn keep_journal(&self, key: JournalKey, version: i64, file: &JournalFile) {
        if file.citizen.is_some() {
            self.journals.keep(key, version, file);
        }
    }
}

/// Citizens held in all by [`RelatedCache`]: about 20 bytes each in a
/// hash set, so near 20 MB (a case worker of a large municipality relates
/// to tens of thousands of citizens through their units' open cases).
const MAX_RELATED: u64 = 1_000_000;

/// Per staff member, every citizen they have any relationship with (open
/// case in one of their units, care team, grant), under the relations
/// version: triggers move it in the same transaction as any change to those
/// rows (SQLite migration 0015), and it is read before the set, as a
/// citizen's version is before their file. A search across journals skips
/// the hits of every other citizen without asking the policy.
pub(crate) type RelatedCache = Versioned<StaffId, Arc<HashSet<Uuid>>>;

pub(crate) fn related_cache() -> RelatedCache {
    Versioned::new(MAX_RELATED, |set: &Arc<HashSet<Uuid>>| set.len().max(1))
}

/// Values under the version they were read after, weighed by their rows.
pub(crate) struct Versioned<K, V> {
    cache: Cache<K, (i64, Arc<V>)>,
}

impl<K, V> Versioned<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn new(max_rows: u64, rows: fn(&V) -> usize) -> Self {
        Versioned {
            cache: Cache::builder()
                .max_capacity(max_rows)
                .weigher(move |_, (_, v): &(i64, Arc<V>)| {
                    u32::try_from(rows(v)).unwrap_or(u32::MAX)
                })
                .time_to_idle(IDLE)
                .build(),
        }
    }

    /// The value kept under exactly `version`; any other is a miss.
    pub(crate) fn get(&self, key: &K, version: i64) -> Option<V> {
        match self.cache.get(key) {
            Some((v, value)) if v == version => Some(V::clone(&value)),
            _ => None,
        }
    }

    /// Keeps `value` unless a newer one is there (a slower read of an older
    /// version must not push it out; either way no read is given a value
    /// whose version it did not find).
    pub(crate) fn keep(&self, key: K, version: i64, value: &V) {
        if self.cache.get(&key).is_some_and(|(v, _)| v > version) {
            return;
        }
        self.cache.insert(key, (version, Arc::new(value.clone())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvaers_domain::citizen::Citizen;
    use tvaers_domain::cpr::Cpr;

    fn file(name: &str) -> CitizenFile {
        let citizen = Cpr::parse("0101801234").ok().map(|cpr| Citizen {
            id: CitizenId(uuid::Uuid::nil()),
            cpr,
            given_name: name.to_string(),
            family_name: "Borger".to_string(),
            address: None,
            postal_code: None,
            city: None,
            phone: None,
            email: None,
            relatives: Vec::new(),
        });
        assert!(citizen.is_some());
        CitizenFile {
            citizen,
            ..CitizenFile::default()
        }
    }

    #[test]
    fn a_file_is_given_only_for_the_version_it_was_kept_under() {
        let cache = FileCache::default();
        let id = CitizenId(uuid::Uuid::now_v7());
        assert_eq!(cache.citizen(id, 0), None);
        cache.keep_citizen(id, 3, &file("Bente"));
        assert_eq!(cache.citizen(id, 3), Some(file("Bente")));
        assert_eq!(cache.citizen(id, 4), None, "a change since: read again");
        // A slower reader's older file does not replace a newer one.
        cache.keep_citizen(id, 5, &file("Bent"));
        cache.keep_citizen(id, 4, &file("Bente"));
        assert_eq!(cache.citizen(id, 5), Some(file("Bent")));
        // No citizen: nothing kept (its id may be mistyped; nothing to save).
        let other = CitizenId(uuid::Uuid::now_v7());
        cache.keep_citizen(other, 0, &CitizenFile::default());
        assert_eq!(cache.citizen(other, 0), None);
    }

    #[test]
    fn only_the_journal_page_as_it_opens_has_a_key() {
        let id = CitizenId(uuid::Uuid::now_v7());
        let all = [Sensitivity::Normal, Sensitivity::Health];
        let plain = JournalFilter::default();
        let first = Page::new(26, 0);
        assert_eq!(
            journal_key(id, Some((&plain, &all, first))),
            Some((id, all.to_vec(), 26))
        );
        assert_eq!(
            journal_key(id, Some((&plain, &all, Page::new(26, 25)))),
            None
        );
        let filtered = JournalFilter {
            topic_code: Some("J3.8".into()),
            ..JournalFilter::default()
        };
        assert_eq!(journal_key(id, Some((&filtered, &all, first))), None);
        assert_eq!(journal_key(id, None), None);
        // Readers of fewer classes have pages of their own.
        assert_ne!(
            journal_key(id, Some((&plain, &all[..1], first))),
            journal_key(id, Some((&plain, &all, first)))
        );
    }
}
