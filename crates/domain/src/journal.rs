//! The journal (journalen): one per citizen, written and read by every
//! profession.
//!
//! An entry (notat) is never changed or deleted. A correction is a new entry
//! that names the one it supersedes and says why; the superseded text stays,
//! struck through, for those allowed to read it. A message to or from the
//! citizen (digital kontakt) is also an entry, so nothing said digitally is
//! outside the journal.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::ids::{CitizenId, GoalId, InterventionId, JournalEntryId, MeetingId, StaffId, UnitId};
use crate::org::coded_enum;
use crate::plan::AreaCode;
use crate::search::{citizen_token, stems};
use crate::staff::Profession;
use crate::validation::ValidationErrors;

coded_enum!(
    /// What happened. `Correction` is not stored: it is how a filter or a
    /// label names an entry that supersedes another (which keeps the kind of
    /// what it corrects, so a filter on home visits still shows the corrected one).
    EntryKind {
        Observation => ("observation", "Observation"),
        Conversation => ("conversation", "Samtale"),
        Phone => ("phone", "Telefonsamtale"),
        HomeVisit => ("home_visit", "Hjemmebesøg"),
        DigitalContact => ("digital_contact", "Digital kontakt"),
        Correction => ("correction", "Rettelse"),
    }
);

coded_enum!(
    /// Sensitivity class (følsomhed). Decides who may read an entry.
    Sensitivity {
        Normal => ("normal", "Almindelig"),
        Health => ("health", "Følsomme helbredsoplysninger"),
        Social => ("social", "Følsomme sociale oplysninger"),
        ThirdParty => ("third_party", "Oplysninger om tredjemand (vises ikke for borgeren)"),
    }
);

coded_enum!(
    /// Which way a message went.
    MessageDirection {
        ToCitizen => ("to_citizen", "Til borgeren"),
        FromCitizen => ("from_citizen", "Fra borgeren"),
    }
);

/// A message (digital kontakt) carried by an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub direction: MessageDirection,
    /// For a message from the citizen: the staff member it is addressed to…
    pub to_staff_id: Option<StaffId>,
    /// …or the team (unit).
    pub to_unit_id: Option<UnitId>,
}

/// What in the plan an entry is about (write once: link, don't copy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntryLinks {
    pub goal_id: Option<GoalId>,
    pub intervention_id: Option<InterventionId>,
    pub meeting_id: Option<MeetingId>,
}

impl EntryLinks {
    pub fn is_empty(&self) -> bool {
        self.goal_id.is_none() && self.intervention_id.is_none() && self.meeting_id.is_none()
    }
}

/// One journal entry (notat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JournalEntry {
    pub id: JournalEntryId,
    pub citizen_id: CitizenId,
    /// The staff author; `None` when the citizen wrote it (a message).
    pub author_id: Option<StaffId>,
    /// The author's name as it was when written.
    pub author_name: String,
    /// The author's profession when written (`None` for the citizen).
    pub profession: Option<Profession>,
    /// The unit the author wrote for.
    pub unit_id: Option<UnitId>,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: OffsetDateTime,
    /// When it was written down.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub written_at: OffsetDateTime,
    pub kind: EntryKind,
    /// FSIII area or a free topic.
    pub topic: Option<AreaCode>,
    /// Paragraphs separated by blank lines; lines starting with "- " are list items.
    pub text: String,
    pub links: EntryLinks,
    /// An earlier entry this one quotes or builds on, instead of copying it.
    pub quotes: Option<JournalEntryId>,
    pub sensitivity: Sensitivity,
    /// The entry this one corrects.
    pub supersedes: Option<JournalEntryId>,
    pub correction_reason: Option<String>,
    pub message: Option<Message>,
    /// The correction that supersedes this entry, if any (derived on read).
    pub superseded_by: Option<JournalEntryId>,
}

/// An entry written more than this after the event is a late entry (efterregistrering).
pub const LATE_AFTER: Duration = Duration::hours(24);
/// Tolerance for clocks: an event "a minute from now" is not in the future.
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// Longest text of one entry.
pub const MAX_TEXT_CHARS: usize = 20_000;

impl JournalEntry {
    /// Written more than 24 hours after the event.
    pub fn is_late(&self) -> bool {
        self.written_at - self.occurred_at > LATE_AFTER
    }

    pub fn is_correction(&self) -> bool {
        self.supersedes.is_some()
    }

    /// The kind as shown: "Rettelse af hjemmebesøg" for a correction.
    pub fn kind_label(&self) -> String {
        if self.is_correction() {
            format!("Rettelse af {}", self.kind.label().to_lowercase())
        } else {
            self.kind.label().to_string()
        }
    }

    /// The stemmed tokens the search index holds for this entry: the text,
    /// the topic's name and a token naming the citizen.
    pub fn index_terms(&self) -> Vec<String> {
        let mut t = stems(&self.text);
        if let Some(topic) = &self.topic {
            t.extend(stems(&topic.display));
        }
        if let Some(r) = &self.correction_reason {
            t.extend(stems(r));
        }
        t.push(citizen_token(self.citizen_id));
        t
    }
}

/// A block of an entry's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<String>),
    List(Vec<String>),
}

/// Splits an entry's text into paragraphs (blank-line separated; single line
/// breaks kept as lines) and bullet lists (lines starting with "- ", "* " or "• ").
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    fn flush(out: &mut Vec<Block>, para: &mut Vec<String>, list: &mut Vec<String>) {
        if !para.is_empty() {
            out.push(Block::Paragraph(std::mem::take(para)));
        }
        if !list.is_empty() {
            out.push(Block::List(std::mem::take(list)));
        }
    }
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut out, &mut para, &mut list);
        } else if let Some(item) = ["- ", "* ", "• "].iter().find_map(|p| t.strip_prefix(p)) {
            if !para.is_empty() {
                out.push(Block::Paragraph(std::mem::take(&mut para)));
            }
            list.push(item.trim().to_string());
        } else {
            if !list.is_empty() {
                out.push(Block::List(std::mem::take(&mut list)));
            }
            para.push(t.to_string());
        }
    }
    flush(&mut out, &mut para, &mut list);
    out
}

/// The rules of one new entry on its own, reported at once in Danish.
pub fn validate_entry(e: &JournalEntry, now: OffsetDateTime) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    let len = e.text.trim().chars().count();
    if len == 0 {
        errs.add("text", "Notatet skal have en tekst.");
    } else if len > MAX_TEXT_CHARS {
        errs.add(
            "text",
            format!("Notatet må højst være {MAX_TEXT_CHARS} tegn. Del det op i flere notater."),
        );
    }
    if e.occurred_at > now + CLOCK_SKEW {
        errs.add(
            "occurred_at",
            "Tidspunktet for hændelsen må ikke ligge i fremtiden.",
        );
    }
    if e.kind == EntryKind::Correction {
        errs.add(
            "kind",
            "Vælg hvad notatet handler om. En rettelse laves fra det notat, der skal rettes.",
        );
    }
    if e.supersedes.is_some()
        && e.correction_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        errs.add(
            "correction_reason",
            "Skriv hvorfor notatet rettes, så andre kan forstå rettelsen.",
        );
    }
    if let Some(r) = &e.correction_reason
        && r.chars().count() > 500
    {
        errs.add("correction_reason", "Begrundelsen må højst være 500 tegn.");
    }
    if e.message.is_some() {
        if e.kind != EntryKind::DigitalContact {
            errs.add("kind", "En besked er altid digital kontakt.");
        }
        if e.sensitivity == Sensitivity::ThirdParty {
            errs.add(
                "sensitivity",
                "En besked til eller fra borgeren kan ikke indeholde oplysninger om tredjemand, som borgeren ikke må se.",
            );
        }
    }
    if let Some(t) = &e.topic
        && (t.display.trim().is_empty() || t.display.chars().count() > 100)
    {
        errs.add("topic", "Emnet skal være 1–100 tegn.");
    }
    errs.into_result(())
}

/// The supersession rules: a correction names an entry of the same citizen
/// that is not already corrected (always correct the newest version) and is
/// not a message that has been sent.
pub fn check_correction(old: &JournalEntry, new: &JournalEntry) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if old.citizen_id != new.citizen_id {
        e.add(
            "supersedes",
            "Notatet, der skal rettes, findes ikke hos borgeren.",
        );
        return Err(e);
    }
    if old.id == new.id {
        e.add("supersedes", "Et notat kan ikke rette sig selv.");
    }
    if let Some(by) = old.superseded_by
        && by != new.id
    {
        e.add(
            "supersedes",
            "Notatet er allerede rettet. Ret den nyeste udgave i stedet.",
        );
    }
    if old.message.is_some() {
        e.add(
            "supersedes",
            "En besked, der er sendt eller modtaget, kan ikke rettes. Skriv et nyt notat eller en ny besked.",
        );
    }
    e.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn entry(text: &str) -> JournalEntry {
        JournalEntry {
            id: JournalEntryId::new(),
            citizen_id: CitizenId::new(),
            author_id: Some(StaffId::new()),
            author_name: "Sofie Sygeplejerske".into(),
            profession: Some(Profession::Nurse),
            unit_id: None,
            occurred_at: datetime!(2026-03-02 09:00 UTC),
            written_at: datetime!(2026-03-02 10:00 UTC),
            kind: EntryKind::HomeVisit,
            topic: None,
            text: text.into(),
            links: EntryLinks::default(),
            quotes: None,
            sensitivity: Sensitivity::Normal,
            supersedes: None,
            correction_reason: None,
            message: None,
            superseded_by: None,
        }
    }

    fn now() -> OffsetDateTime {
        datetime!(2026-03-02 10:00 UTC)
    }

    #[test]
    fn empty_text_is_refused() {
        let e = validate_entry(&entry("  \n "), now()).unwrap_err();
        assert_eq!(e.for_field("text"), Some("Notatet skal have en tekst."));
        assert!(validate_entry(&entry("Borgeren faldt i badet."), now()).is_ok());
    }

    #[test]
    fn over_long_text_and_future_events_are_refused() {
        let e = validate_entry(&entry(&"a".repeat(MAX_TEXT_CHARS + 1)), now()).unwrap_err();
        assert!(e.for_field("text").is_some());
        let mut f = entry("ok");
        f.occurred_at = now() + Duration::hours(1);
        assert!(
            validate_entry(&f, now())
                .unwrap_err()
                .for_field("occurred_at")
                .is_some()
        );
        f.occurred_at = now() + Duration::minutes(2);
        assert!(validate_entry(&f, now()).is_ok(), "clock skew is tolerated");
    }

    #[test]
    fn late_entries_are_flagged_after_24_hours() {
        let mut e = entry("x");
        assert!(!e.is_late());
        e.occurred_at = e.written_at - Duration::hours(25);
        assert!(e.is_late());
        e.occurred_at = e.written_at - Duration::hours(23);
        assert!(!e.is_late());
    }

    #[test]
    fn correction_needs_a_reason_and_keeps_the_old_entry() {
        let old = entry("Borgeren faldt i køkkenet.");
        let mut new = entry("Borgeren faldt på badeværelset.");
        new.citizen_id = old.citizen_id;
        new.supersedes = Some(old.id);
        let e = validate_entry(&new, now()).unwrap_err();
        assert!(e.for_field("correction_reason").is_some());
        new.correction_reason = Some("Forkert rum".into());
        assert!(validate_entry(&new, now()).is_ok());
        assert!(check_correction(&old, &new).is_ok());
        assert_eq!(new.kind_label(), "Rettelse af hjemmebesøg");
    }

    #[test]
    fn an_entry_is_corrected_once_then_the_newest_version_is_corrected() {
        let mut old = entry("v1");
        let first = {
            let mut c = entry("v2");
            c.citizen_id = old.citizen_id;
            c.supersedes = Some(old.id);
            c
        };
        old.superseded_by = Some(first.id);
        let mut second = entry("v2b");
        second.citizen_id = old.citizen_id;
        second.supersedes = Some(old.id);
        let e = check_correction(&old, &second).unwrap_err();
        assert!(e.summary().contains("allerede rettet"), "{}", e.summary());
        // Correcting the correction is how a second change is made.
        let mut third = entry("v3");
        third.citizen_id = old.citizen_id;
        third.supersedes = Some(first.id);
        assert!(check_correction(&first, &third).is_ok());
    }

    #[test]
    fn correction_of_another_citizens_entry_is_refused() {
        let old = entry("a");
        let mut new = entry("b");
        new.supersedes = Some(old.id);
        let e = check_correction(&old, &new).unwrap_err();
        assert!(e.for_field("supersedes").is_some());
    }

    #[test]
    fn messages_are_digital_contact_never_third_party_and_never_corrected() {
        let mut m = entry("Hej Karen");
        m.message = Some(Message {
            direction: MessageDirection::ToCitizen,
            to_staff_id: None,
            to_unit_id: None,
        });
        assert!(
            validate_entry(&m, now())
                .unwrap_err()
                .for_field("kind")
                .is_some()
        );
        m.kind = EntryKind::DigitalContact;
        assert!(validate_entry(&m, now()).is_ok());
        m.sensitivity = Sensitivity::ThirdParty;
        assert!(
            validate_entry(&m, now())
                .unwrap_err()
                .for_field("sensitivity")
                .is_some()
        );
        let mut c = entry("rettet");
        c.citizen_id = m.citizen_id;
        c.supersedes = Some(m.id);
        assert!(check_correction(&m, &c).is_err());
    }

    #[test]
    fn correction_is_not_a_kind_one_chooses() {
        let mut e = entry("x");
        e.kind = EntryKind::Correction;
        assert!(
            validate_entry(&e, now())
                .unwrap_err()
                .for_field("kind")
                .is_some()
        );
    }

    #[test]
    fn text_becomes_paragraphs_and_lists() {
        let b = blocks("Første linje\nanden linje\n\n- æble\n- pære\nEfter listen");
        assert_eq!(
            b,
            vec![
                Block::Paragraph(vec!["Første linje".into(), "anden linje".into()]),
                Block::List(vec!["æble".into(), "pære".into()]),
                Block::Paragraph(vec!["Efter listen".into()]),
            ]
        );
    }

    #[test]
    fn index_terms_are_stems_plus_the_citizen_token() {
        let e = entry("Borgeren faldt");
        let t = e.index_terms();
        assert_eq!(
            t[..2],
            [crate::search::stem("borgeren"), crate::search::stem("fald")]
        );
        assert_eq!(t.last(), Some(&citizen_token(e.citizen_id)));
    }
}
