//! Demo journal: a few weeks of notes from several professions for the demo
//! nurse's citizens, one correction, and messages from citizens waiting in the
//! nurse's and her team's inbox — so `serve --demo` shows the journal, search
//! and unread counts at once.

use time::{Duration, OffsetDateTime};
use tvaers_domain::audit::{AuditAction, AuditOutcome, NewAuditEvent};
use tvaers_domain::ids::JournalEntryId;
use tvaers_domain::journal::{
    EntryKind, EntryLinks, JournalEntry, Message, MessageDirection, Sensitivity,
};
use tvaers_domain::plan::AreaCode;
use tvaers_domain::staff::Staff;
use tvaers_store::Store;

use crate::AppResult;

/// A demo note: kind, FSIII area (code, name), sensitivity, text.
type Note = (
    EntryKind,
    Option<(&'static str, &'static str)>,
    Sensitivity,
    &'static str,
);

const NOTES: &[Note] = &[
    (
        EntryKind::HomeVisit,
        Some(("J3.8", "Gå")),
        Sensitivity::Normal,
        "Borgeren faldt i nat på vej ud på toilettet. Ingen synlige skader.\n\n- Rollator stod i stuen\n- Natlys virker ikke",
    ),
    (
        EntryKind::Phone,
        None,
        Sensitivity::Normal,
        "Datteren ringede: hun er bekymret for, at moren falder igen. Aftalt at vi ser på natbelysning.",
    ),
    (
        EntryKind::Observation,
        Some(("J1.5", "Spise")),
        Sensitivity::Health,
        "Vægten er faldet 2 kg på tre uger. Appetitten er nedsat; diætist kontaktes.",
    ),
    (
        EntryKind::Conversation,
        None,
        Sensitivity::Normal,
        "Samtale om borgerens ønske: at kunne gå til købmanden selv igen. Motiveret for træning.",
    ),
    (
        EntryKind::HomeVisit,
        Some(("J3.8", "Gå")),
        Sensitivity::Normal,
        "Gangtræning med rollator: 2 x 50 meter i opgangen. Går mere sikkert end sidst.",
    ),
    (
        EntryKind::Observation,
        None,
        Sensitivity::ThirdParty,
        "Naboen oplyser, at borgerens søn ofte kommer beruset på besøg.",
    ),
];

const MESSAGES: &[&str] = &[
    "Hej, kan I komme lidt senere på torsdag? Jeg skal til frisør kl. 10.",
    "Tak for hjælpen i går. Natlyset virker nu.",
    "Jeg er løbet tør for forbindinger. Kan I tage nogle med?",
];

/// Writes the demo journal once (nothing when the journal already has entries).
/// Returns the number of entries written.
pub async fn ensure_journal(store: &dyn Store, seed: u64) -> AppResult<u64> {
    if store.journal_index_status().await?.entries > 0 {
        return Ok(0);
    }
    let Some((nurse, _)) = store.get_staff_by_username("sygeplejerske").await? else {
        return Ok(0);
    };
    let colleagues: Vec<Staff> =
        staff_by_usernames(store, &["terapeut", "sosu", "sagsbehandler"]).await?;
    let mut r = fastrand::Rng::with_seed(seed ^ 0x6A09_E667);
    let now = OffsetDateTime::now_utc();
    let cases = store.open_cases_of_worker(nurse.id).await?;
    let mut written = 0u64;
    for (i, case) in cases.iter().take(12).enumerate() {
        let citizen = case.case.citizen_id;
        let mut first: Option<JournalEntry> = None;
        for (j, (kind, area, sensitivity, text)) in NOTES.iter().enumerate() {
            let author = if j % 2 == 0 || colleagues.is_empty() {
                &nurse
            } else {
                &colleagues[(i + j) % colleagues.len()]
            };
            let occurred = now
                - Duration::days(i64::from(r.u8(1..28)))
                - Duration::hours(i64::from(r.u8(0..10)));
            // Now and then a note is written two days late.
            let late = r.u8(0..6) == 0;
            let e = JournalEntry {
                id: JournalEntryId::new(),
                citizen_id: citizen,
                author_id: Some(author.id),
                author_name: author.full_name.clone(),
                profession: Some(author.profession),
                unit_id: author.unit_ids.first().copied(),
                occurred_at: occurred,
                written_at: if late {
                    occurred + Duration::days(2)
                } else {
                    occurred + Duration::minutes(20)
                },
                kind: *kind,
                topic: area.map(|(code, display)| AreaCode {
                    system: "fsiii".into(),
                    code: code.into(),
                    display: display.into(),
                }),
                text: (*text).into(),
                links: EntryLinks::default(),
                quotes: None,
                sensitivity: *sensitivity,
                supersedes: None,
                correction_reason: None,
                message: None,
                superseded_by: None,
            };
            store
                .add_journal_entry(&e, &e.index_terms(), &audit(Some(author), &e))
                .await?;
            written += 1;
            if first.is_none() {
                first = Some(e);
            }
        }
        // One correction, so the struck-through text is there to see.
        if i == 0
            && let Some(old) = first
        {
            let fix = JournalEntry {
                id: JournalEntryId::new(),
                text: old.text.replace("i nat", "i aftes"),
                written_at: old.written_at + Duration::hours(3),
                supersedes: Some(old.id),
                correction_reason: Some("Forkert tidspunkt; det skete om aftenen".into()),
                ..old.clone()
            };
            store
                .add_journal_entry(&fix, &fix.index_terms(), &audit(Some(&nurse), &fix))
                .await?;
            written += 1;
        }
        if let Some(text) = MESSAGES.get(i) {
            let citizen_name = case.citizen_name.clone();
            let e = JournalEntry {
                id: JournalEntryId::new(),
                citizen_id: citizen,
                author_id: None,
                author_name: citizen_name,
                profession: None,
                unit_id: None,
                occurred_at: now - Duration::hours(i as i64 + 1),
                written_at: now - Duration::hours(i as i64 + 1),
                kind: EntryKind::DigitalContact,
                topic: None,
                text: (*text).into(),
                links: EntryLinks::default(),
                quotes: None,
                sensitivity: Sensitivity::Normal,
                supersedes: None,
                correction_reason: None,
                message: Some(Message {
                    direction: MessageDirection::FromCitizen,
                    // The first to the nurse herself, the others to her team.
                    to_staff_id: (i == 0).then_some(nurse.id),
                    to_unit_id: if i == 0 {
                        None
                    } else {
                        nurse.unit_ids.first().copied()
                    },
                }),
                superseded_by: None,
            };
            store
                .add_journal_entry(&e, &e.index_terms(), &audit(None, &e))
                .await?;
            written += 1;
        }
    }
    Ok(written)
}

async fn staff_by_usernames(store: &dyn Store, usernames: &[&str]) -> AppResult<Vec<Staff>> {
    let mut out = Vec::new();
    for u in usernames {
        if let Some((s, _)) = store.get_staff_by_username(u).await? {
            out.push(s);
        }
    }
    Ok(out)
}

fn audit(author: Option<&Staff>, e: &JournalEntry) -> NewAuditEvent {
    NewAuditEvent {
        actor_id: author.map(|a| a.id),
        actor_profession: author.map(|a| a.profession),
        actor_unit_id: author.and_then(|a| a.unit_ids.first().copied()),
        purpose: Some("demodata".into()),
        action: AuditAction::Create,
        resource_type: "journal_entry",
        resource_id: Some(e.id.0),
        citizen_id: Some(e.citizen_id),
        outcome: AuditOutcome::Allowed,
        detail: None,
    }
}
