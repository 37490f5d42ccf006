//! The demo municipality: "Demo Kommune" with a hospital and a provider, units,
//! ~40 staff across the professions, fictitious citizens with valid synthetic
//! CPR numbers, cases and — for most citizens with an open case — an active
//! plan with meetings and tasks ([`plans`]). Idempotent: the structure is created
//! once; citizens are added up to the requested number; a citizen who has a plan
//! keeps it.

pub mod data;
pub mod journal;
pub mod journal_bulk;
pub mod plans;
pub mod portal;

use time::Date;
use time::macros::date;
use tvaers_domain::case::{Case, CaseArea};
use tvaers_domain::citizen::Citizen;
use tvaers_domain::ids::{CaseId, CitizenId, OrganisationId, StaffId, UnitId};
use tvaers_domain::org::{Organisation, OrganisationKind, Unit, UnitKind};
use tvaers_domain::staff::{Profession, Staff};
use tvaers_store::{Page, PlanImport, Store};

use crate::AppResult;
use crate::auth::hash_password;

pub const DEMO_ORGANISATION: &str = "Demo Kommune";
/// The password of every demo login. Demo only: never use `--demo` with real data.
pub const DEMO_PASSWORD: &str = "demo";

/// The named demo logins, their profession and home units (by unit name).
pub const DEMO_LOGINS: &[(&str, &str, Profession, &[&str])] = &[
    ("admin", "Ada Administrator", Profession::Administrator, &[]),
    (
        "tilsyn",
        "Dorte Databeskyttelse",
        Profession::DataProtectionOfficer,
        &[],
    ),
    (
        "sagsbehandler",
        "Sara Sagsbehandler",
        Profession::SocialWorker,
        &["Voksen Handicap", "Jobcenter"],
    ),
    (
        "sygeplejerske",
        "Signe Sygeplejerske",
        Profession::Nurse,
        &["Sygepleje"],
    ),
    (
        "terapeut",
        "Thomas Terapeut",
        Profession::OccupationalTherapist,
        &["Træning og Rehabilitering"],
    ),
    (
        "sosu",
        "Susanne SOSU",
        Profession::SosuHelper,
        &["Hjemmepleje Nord"],
    ),
    (
        "visitator",
        "Vibeke Visitator",
        Profession::Visitator,
        &["Hjemmepleje Nord", "Hjemmepleje Syd"],
    ),
    (
        "leder",
        "Lars Leder",
        Profession::Leader,
        &["Hjemmepleje Nord", "Hjemmepleje Syd", "Sygepleje"],
    ),
    (
        "frivillig",
        "Frida Frivillig",
        Profession::Volunteer,
        &["Voksen Handicap"],
    ),
    (
        "socialraadgiver",
        "Birgitte Børnerådgiver",
        Profession::SocialWorker,
        &["Børn og Familie"],
    ),
    (
        "sygehus",
        "Hanne Hospitalssocialrådgiver",
        Profession::SocialWorker,
        &["Socialrådgivning på sygehuset"],
    ),
];

/// Units: (organisation index, name, kind, parent name).
const UNITS: &[(usize, &str, UnitKind, Option<&str>)] = &[
    (0, "Sundhed og Omsorg", UnitKind::Center, None),
    (
        0,
        "Hjemmepleje Nord",
        UnitKind::Team,
        Some("Sundhed og Omsorg"),
    ),
    (
        0,
        "Hjemmepleje Syd",
        UnitKind::Team,
        Some("Sundhed og Omsorg"),
    ),
    (0, "Sygepleje", UnitKind::Team, Some("Sundhed og Omsorg")),
    (
        0,
        "Træning og Rehabilitering",
        UnitKind::Team,
        Some("Sundhed og Omsorg"),
    ),
    (0, "Social og Beskæftigelse", UnitKind::Center, None),
    (
        0,
        "Børn og Familie",
        UnitKind::Department,
        Some("Social og Beskæftigelse"),
    ),
    (
        0,
        "Jobcenter",
        UnitKind::Department,
        Some("Social og Beskæftigelse"),
    ),
    (
        0,
        "Voksen Handicap",
        UnitKind::Department,
        Some("Social og Beskæftigelse"),
    ),
    (1, "Medicinsk afdeling", UnitKind::Department, None),
    (
        1,
        "Socialrådgivning på sygehuset",
        UnitKind::Team,
        Some("Medicinsk afdeling"),
    ),
    (2, "Omsorg Plus ApS", UnitKind::Center, None),
];

/// Generated staff besides the named logins: (profession, unit name, how many).
const STAFF_MIX: &[(Profession, &str, u64)] = &[
    (Profession::SosuHelper, "Hjemmepleje Nord", 4),
    (Profession::SosuHelper, "Hjemmepleje Syd", 4),
    (Profession::SosuAssistant, "Hjemmepleje Syd", 2),
    (Profession::Nurse, "Sygepleje", 3),
    (Profession::Physiotherapist, "Træning og Rehabilitering", 2),
    (
        Profession::TrainingAssistant,
        "Træning og Rehabilitering",
        1,
    ),
    (Profession::Dietitian, "Træning og Rehabilitering", 1),
    (Profession::SocialWorker, "Børn og Familie", 3),
    (Profession::Educator, "Børn og Familie", 1),
    (Profession::Psychologist, "Børn og Familie", 1),
    (Profession::JobConsultant, "Jobcenter", 3),
    (Profession::SocialWorker, "Voksen Handicap", 2),
    (Profession::PeerWorker, "Voksen Handicap", 1),
    (Profession::Doctor, "Medicinsk afdeling", 1),
    (Profession::Nurse, "Medicinsk afdeling", 1),
    (Profession::Leader, "Børn og Familie", 1),
    (Profession::SosuHelper, "Omsorg Plus ApS", 1),
];

/// Where each case area lives.
fn unit_for(area: CaseArea, r: &mut fastrand::Rng) -> &'static str {
    match area {
        CaseArea::HomeCare => {
            if r.bool() {
                "Hjemmepleje Nord"
            } else {
                "Hjemmepleje Syd"
            }
        }
        CaseArea::Rehabilitation => "Træning og Rehabilitering",
        CaseArea::Nursing => "Sygepleje",
        CaseArea::ChildrenFamily => "Børn og Familie",
        CaseArea::AdultDisability | CaseArea::Psychiatry => "Voksen Handicap",
        CaseArea::Employment => "Jobcenter",
        CaseArea::Hospital => "Socialrådgivning på sygehuset",
    }
}

/// The demo structure as stored: units by name and staff by unit.
pub struct DemoStructure {
    pub organisation_id: OrganisationId,
    units: Vec<Unit>,
    staff: Vec<Staff>,
}

impl DemoStructure {
    fn unit(&self, name: &str) -> Option<UnitId> {
        self.units.iter().find(|u| u.name == name).map(|u| u.id)
    }

    /// Case workers for a unit: its active professionals and leaders.
    fn workers(&self, unit: UnitId) -> Vec<StaffId> {
        self.staff
            .iter()
            .filter(|s| {
                s.unit_ids.contains(&unit)
                    && s.active
                    && matches!(
                        s.role(),
                        tvaers_domain::staff::Role::Professional
                            | tvaers_domain::staff::Role::Leader
                    )
            })
            .map(|s| s.id)
            .collect()
    }

    /// The active professionals and leaders of any of `units`, by username, so
    /// picks from it do not depend on the order the store lists staff in.
    fn workers_of_units(&self, units: &[UnitId]) -> Vec<&Staff> {
        let mut out: Vec<&Staff> = self
            .staff
            .iter()
            .filter(|s| {
                s.active
                    && s.unit_ids.iter().any(|u| units.contains(u))
                    && matches!(
                        s.role(),
                        tvaers_domain::staff::Role::Professional
                            | tvaers_domain::staff::Role::Leader
                    )
            })
            .collect();
        out.sort_by(|a, b| a.username.cmp(&b.username));
        out
    }
}

/// Creates the organisations, units and staff once; returns what is stored.
pub async fn ensure_structure(store: &dyn Store, seed: u64) -> AppResult<DemoStructure> {
    let orgs = store.list_organisations().await?;
    if let Some(org) = orgs.iter().find(|o| o.name == DEMO_ORGANISATION) {
        return Ok(DemoStructure {
            organisation_id: org.id,
            units: store.list_units().await?,
            staff: store.list_staff(Page::new(Page::MAX_LIMIT, 0)).await?,
        });
    }
    let (organisations, structure) = new_structure(seed);
    for o in &organisations {
        store.create_organisation(o).await?;
    }
    for unit in &structure.units {
        store.create_unit(unit).await?;
    }
    // One hash for all demo logins: the demo password is public anyway.
    let hash = hash_password(DEMO_PASSWORD).await?;
    for s in &structure.staff {
        store.create_staff(s, Some(&hash)).await?;
    }
    Ok(structure)
}

/// The organisations, units and staff of a new demo municipality (not stored).
fn new_structure(seed: u64) -> (Vec<Organisation>, DemoStructure) {
    let organisations = [
        Organisation {
            id: OrganisationId::new(),
            name: DEMO_ORGANISATION.into(),
            kind: OrganisationKind::Municipality,
        },
        Organisation {
            id: OrganisationId::new(),
            name: "Regionshospitalet Demo".into(),
            kind: OrganisationKind::Region,
        },
        Organisation {
            id: OrganisationId::new(),
            name: "Omsorg Plus ApS".into(),
            kind: OrganisationKind::Provider,
        },
    ];
    let mut units: Vec<Unit> = Vec::new();
    for (org, name, kind, parent) in UNITS {
        let parent_id = parent.and_then(|p| units.iter().find(|u| u.name == p).map(|u| u.id));
        let unit = Unit {
            id: UnitId::new(),
            organisation_id: organisations[*org].id,
            parent_id,
            name: (*name).into(),
            kind: *kind,
        };
        units.push(unit);
    }
    let org_of = |unit: &str| {
        units
            .iter()
            .find(|u| u.name == unit)
            .map(|u| u.organisation_id)
            .unwrap_or(organisations[0].id)
    };
    let unit_ids = |names: &[&str]| -> Vec<UnitId> {
        names
            .iter()
            .filter_map(|n| units.iter().find(|u| u.name == *n).map(|u| u.id))
            .collect()
    };
    let mut staff = Vec::new();
    for (username, name, profession, unit_names) in DEMO_LOGINS {
        let s = Staff {
            id: StaffId::new(),
            username: (*username).into(),
            full_name: (*name).into(),
            profession: *profession,
            organisation_id: unit_names
                .first()
                .map(|u| org_of(u))
                .unwrap_or(organisations[0].id),
            email: Some(format!("{username}@demo.example")),
            active: true,
            unit_ids: unit_ids(unit_names),
        };
        staff.push(s);
    }
    let mut n = 0u64;
    for (profession, unit, count) in STAFF_MIX {
        for _ in 0..*count {
            let full_name = data::staff_name(seed, n);
            let username = format!(
                "{}{}",
                full_name
                    .split_whitespace()
                    .next()
                    .unwrap_or("bruger")
                    .to_lowercase()
                    .chars()
                    .map(|c| match c {
                        'æ' => 'a',
                        'ø' => 'o',
                        'å' => 'a',
                        c if c.is_ascii_alphanumeric() => c,
                        _ => '_',
                    })
                    .collect::<String>(),
                n + 1
            );
            let s = Staff {
                id: StaffId::new(),
                username,
                full_name,
                profession: *profession,
                organisation_id: org_of(unit),
                email: None,
                active: true,
                unit_ids: unit_ids(&[unit]),
            };
            staff.push(s);
            n += 1;
        }
    }
    let structure = DemoStructure {
        organisation_id: organisations[0].id,
        units,
        staff,
    };
    (organisations.to_vec(), structure)
}

/// The cases of demo citizen `index`, by age: children meet Børn og Familie,
/// working-age adults the job centre or social services, the elderly home care,
/// rehabilitation and nursing.
fn cases_for(structure: &DemoStructure, seed: u64, index: u64, c: &Citizen) -> Vec<Case> {
    let mut r = fastrand::Rng::with_seed(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index);
    let age = c.age_on(data::REFERENCE_DATE);
    let pool: &[CaseArea] = if age < 18 {
        &[CaseArea::ChildrenFamily]
    } else if age < 65 {
        &[
            CaseArea::Employment,
            CaseArea::AdultDisability,
            CaseArea::Psychiatry,
            CaseArea::Hospital,
        ]
    } else {
        &[
            CaseArea::HomeCare,
            CaseArea::Rehabilitation,
            CaseArea::Nursing,
            CaseArea::Hospital,
        ]
    };
    let n = match r.u8(0..10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    let mut areas: Vec<CaseArea> = Vec::new();
    for _ in 0..n {
        let a = pool[r.usize(0..pool.len())];
        if !areas.contains(&a) {
            areas.push(a);
        }
    }
    let start: Date = date!(2023 - 01 - 01);
    areas
        .into_iter()
        .filter_map(|area| {
            let unit = structure.unit(unit_for(area, &mut r))?;
            let workers = structure.workers(unit);
            let opened_on = start + time::Duration::days(i64::from(r.u16(0..1060)));
            let closed_on = (r.u8(0..10) < 2)
                .then(|| opened_on + time::Duration::days(i64::from(r.u16(30..300))))
                .filter(|d| *d < data::REFERENCE_DATE);
            Some(Case {
                id: CaseId::new(),
                citizen_id: c.id,
                area,
                title: area.label().to_string(),
                legal_basis: area.default_legal_basis().to_string(),
                responsible_unit_id: unit,
                case_worker_id: (!workers.is_empty()).then(|| workers[r.usize(0..workers.len())]),
                opened_on,
                closed_on,
            })
        })
        .collect()
}

/// Adds demo citizens (with cases) until the store holds `target` citizens.
/// `progress` is told how many are stored after each batch.
pub async fn ensure_citizens(
    store: &dyn Store,
    structure: &DemoStructure,
    seed: u64,
    target: u64,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> AppResult<u64> {
    const BATCH: u64 = 1000;
    let mut have = u64::try_from(store.count_citizens().await?).unwrap_or(0);
    progress(have);
    while have < target {
        let end = (have + BATCH).min(target);
        let mut citizens = Vec::with_capacity((end - have) as usize);
        let mut cases = Vec::new();
        for i in have..end {
            let d = data::citizen(seed, i);
            let c = Citizen::from_data(CitizenId::new(), d);
            cases.extend(cases_for(structure, seed, i, &c));
            citizens.push(c);
        }
        store.insert_citizens_bulk(&citizens, &cases).await?;
        have = end;
        progress(have);
    }
    Ok(have)
}

/// Gives demo plans ([`plans::plan_for`]) to the citizens who should have one,
/// walking the register in batches; citizens who already have a plan are left
/// as they are. Dates count from `today`. `progress` is told how many citizens
/// have been looked at. Returns how many plans were written.
pub async fn ensure_plans(
    store: &dyn Store,
    structure: &DemoStructure,
    seed: u64,
    today: Date,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> AppResult<u64> {
    const BATCH: i64 = 2000;
    let mut after = None;
    let mut seen = 0u64;
    let mut written = 0u64;
    loop {
        let citizens = store.list_citizens_after(after, BATCH).await?;
        let Some(last) = citizens.last() else {
            break;
        };
        after = Some(last.id);
        let ids: Vec<CitizenId> = citizens.iter().map(|c| c.id).collect();
        let mut cases = store.list_cases_for_citizens(&ids).await?;
        cases.sort_by_key(|c| c.citizen_id);
        let imports: Vec<PlanImport> = citizens
            .iter()
            .filter_map(|c| {
                let from = cases.partition_point(|k| k.citizen_id < c.id);
                let to = cases.partition_point(|k| k.citizen_id <= c.id);
                plans::plan_for(structure, seed, today, c, &cases[from..to])
            })
            .collect();
        written += store.import_plans(&imports).await?;
        seen += citizens.len() as u64;
        progress(seen);
    }
    Ok(written)
}
