//! Whose each journal entry is, and its sensitivity class, by sequence
//! number: kept in memory for the SQLite search across journals.
//!
//! Why: that search walks a word's hits newest first and passes over the
//! hits of citizens its reader has no relationship with. Reading each hit's
//! entry for its citizen cost more than the full-text walk itself (~1 µs a
//! hit; on the municipality set a case worker's search for "medicin" walked
//! 3,167 hits, most of them a colleague's newest notes, for the 21 it
//! showed). An entry's citizen and class never change — journal entries are
//! never updated or deleted (triggers) — so what one search looked up serves
//! every later search.
//!
//! Why it cannot show an entry to the wrong reader: the map only says whom a
//! hit *seems* to belong to. The hits a search shows are read again whole in
//! the same transaction, and if any of them belongs to another citizen or
//! class than the map said (an entry changed behind the triggers' back), the
//! map is emptied and the search walked again from the table
//! (`sqlite::imp::search_on`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{PoisonError, RwLock};

use uuid::Uuid;

/// Entries per chunk: a chunk is allocated when a search first touches one
/// of its entries, so a walk over the newest entries holds a few chunks only.
const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;
/// At most this many chunks (64 KB each: 64 MB, 16.7 million entries); past
/// it the oldest entries' chunk goes first, as walks start at the newest.
const MAX_CHUNKS: usize = 1024;
/// Bits of a slot that hold the class (its index in `classes`, below 15).
const CLASS_BITS: u32 = 4;
/// Citizens interned at most (a slot holds the citizen's index + 1 above
/// the class bits).
const MAX_CITIZENS: usize = (1 << (32 - CLASS_BITS)) - 2;

#[derive(Default)]
pub(crate) struct EntryOwners {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Slot 0 = not known; otherwise `(citizen index + 1) << CLASS_BITS | class`.
    chunks: BTreeMap<u64, Box<[u32]>>,
    citizens: HashMap<Uuid, u32>,
    ids: Vec<Uuid>,
    classes: Vec<String>,
}

/// A hit's citizen and the index of its class ([`EntryOwners::class`]).
pub(crate) type Owner = (Uuid, u8);

fn place(seq: i64) -> Option<(u64, usize)> {
    let seq = u64::try_from(seq).ok()?;
    let slot = usize::try_from(seq & (CHUNK as u64 - 1)).ok()?;
    Some((seq >> CHUNK_BITS, slot))
}

impl EntryOwners {
    /// The entry's citizen and class, when a search has looked it up before.
    pub(crate) fn get(&self, seq: i64) -> Option<Owner> {
        let (chunk, slot) = place(seq)?;
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let v = *inner.chunks.get(&chunk)?.get(slot)?;
        if v == 0 {
            return None;
        }
        let citizen = *inner
            .ids
            .get(usize::try_from((v >> CLASS_BITS) - 1).ok()?)?;
        Some((citizen, u8::try_from(v & ((1 << CLASS_BITS) - 1)).ok()?))
    }

    /// The class's code, as stored.
    pub(crate) fn class(&self, class: u8) -> Option<String> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.classes.get(usize::from(class)).cloned()
    }

    /// Keeps what the table says of entry `seq`, and returns it as [`get`]
    /// would; `None` when there is no room (a sixteenth class, or more
    /// citizens than a slot can name), and then nothing is kept.
    ///
    /// [`get`]: EntryOwners::get
    pub(crate) fn keep(&self, seq: i64, citizen: Uuid, class: &str) -> Option<Owner> {
        let (chunk, slot) = place(seq)?;
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let class_ix = match inner.classes.iter().position(|c| c == class) {
            Some(i) => i,
            None if inner.classes.len() < (1 << CLASS_BITS) - 1 => {
                inner.classes.push(class.to_string());
                inner.classes.len() - 1
            }
            None => return None,
        };
        let citizen_ix = match inner.citizens.get(&citizen) {
            Some(i) => *i,
            None if inner.ids.len() < MAX_CITIZENS => {
                let i = u32::try_from(inner.ids.len()).ok()?;
                inner.ids.push(citizen);
                inner.citizens.insert(citizen, i);
                i
            }
            None => return None,
        };
        if !inner.chunks.contains_key(&chunk) && inner.chunks.len() >= MAX_CHUNKS {
            inner.chunks.pop_first();
        }
        let v = ((citizen_ix + 1) << CLASS_BITS) | u32::try_from(class_ix).ok()?;
        *inner
            .chunks
            .entry(chunk)
            .or_insert_with(|| vec![0; CHUNK].into_boxed_slice())
            .get_mut(slot)? = v;
        Some((citizen, u8::try_from(class_ix).ok()?))
    }

    /// Forgets everything (a shown hit was not what the map said).
    pub(crate) fn clear(&self) {
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = Inner::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_it_was_told() {
        let owners = EntryOwners::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(owners.get(7), None);
        let kept = owners.keep(7, a, "health");
        assert_eq!(owners.get(7), kept);
        assert_eq!(owners.keep(8, b, "normal").map(|o| o.0), Some(b));
        assert_eq!(
            owners.keep(CHUNK as i64 * 3 + 1, a, "normal").map(|o| o.0),
            Some(a)
        );
        let (citizen, class) = owners.get(7).unwrap_or_default();
        assert_eq!(
            (citizen, owners.class(class).as_deref()),
            (a, Some("health"))
        );
        let (citizen, class) = owners.get(8).unwrap_or_default();
        assert_eq!(
            (citizen, owners.class(class).as_deref()),
            (b, Some("normal"))
        );
        assert_eq!(owners.get(9), None);
        assert_eq!(owners.get(-1), None);
        assert_eq!(owners.keep(-1, a, "normal"), None);
        owners.clear();
        assert_eq!(owners.get(7), None);
    }

    #[test]
    fn sixteen_classes_do_not_fit() {
        let owners = EntryOwners::default();
        let a = Uuid::now_v7();
        for i in 0..15 {
            assert!(owners.keep(i, a, &format!("class{i}")).is_some());
        }
        assert_eq!(owners.keep(100, a, "one too many"), None);
        assert_eq!(owners.get(100), None);
        assert!(owners.keep(101, a, "class3").is_some());
    }

    #[test]
    fn the_oldest_chunk_goes_first() {
        let owners = EntryOwners::default();
        let a = Uuid::now_v7();
        for chunk in 0..=MAX_CHUNKS as i64 {
            assert!(owners.keep(chunk * CHUNK as i64, a, "normal").is_some());
        }
        assert_eq!(owners.get(0), None, "the oldest chunk was dropped");
        assert!(owners.get(CHUNK as i64).is_some());
        assert!(owners.get(MAX_CHUNKS as i64 * CHUNK as i64).is_some());
    }
}
