#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! One conformance suite, run against both backends. Each test gets a fresh
//! database: a temporary SQLite file, and a fresh PostgreSQL database created on
//! the server named by `TVAERS_TEST_PG_URL` (default: local socket as `postgres`).

use std::sync::Arc;

use time::macros::date;
use tvaers_domain::Cpr;
use tvaers_domain::audit::{AuditAction, AuditOutcome, NewAuditEvent};
use tvaers_domain::case::{Case, CaseArea};
use tvaers_domain::citizen::{Citizen, Relative, search_key};
use tvaers_domain::ids::*;
use tvaers_domain::meeting::*;
use tvaers_domain::org::{Organisation, OrganisationKind, Unit, UnitKind};
use tvaers_domain::plan::*;
use tvaers_domain::staff::{Profession, Staff};
use tvaers_store::{
    AuditFilter, MeetingClose, Page, PlanImport, Session, SessionKind, Store, StoreError,
};

fn pg_admin_url() -> String {
    std::env::var("TVAERS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@localhost/postgres".to_string())
}

struct TestDb {
    store: Arc<dyn Store>,
    /// Where the store is, to open a second one on the same database.
    at: (std::path::PathBuf, Option<String>),
    _dir: Option<tempdir::TempDir>,
    /// The PostgreSQL database to drop when the test has passed.
    pg_name: Option<String>,
}

impl TestDb {
    /// Runs a conformance test on this store, then drops its PostgreSQL
    /// database (best effort; a failed test leaves it behind to look at).
    async fn run<F: std::future::Future<Output = ()>>(
        self,
        test: impl FnOnce(Arc<dyn Store>) -> F,
    ) {
        test(self.store.clone()).await;
        self.drop_pg().await;
    }

    /// As [`TestDb::run`], with a second store on the same database: another
    /// server process, as far as the first can tell.
    async fn run_with_twin<F: std::future::Future<Output = ()>>(
        self,
        test: impl FnOnce(Arc<dyn Store>, Arc<dyn Store>) -> F,
    ) {
        let twin = tvaers_store::open(&self.at.0, self.at.1.as_deref())
            .await
            .unwrap();
        test(self.store.clone(), twin).await;
        self.drop_pg().await;
    }

    async fn drop_pg(&self) {
        if let Some(name) = &self.pg_name
            && let Ok(admin) = tvaers_store::postgres::PgStore::connect(&pg_admin_url()).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(admin.pool())
            .await;
        }
    }
}

mod tempdir {
    /// A folder removed when dropped.
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("tvaers-test-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

async fn sqlite() -> TestDb {
    let dir = tempdir::TempDir::new();
    let store = tvaers_store::open(&dir.0, None).await.unwrap();
    store.migrate().await.unwrap();
    TestDb {
        store,
        at: (dir.0.clone(), None),
        _dir: Some(dir),
        pg_name: None,
    }
}

async fn postgres() -> TestDb {
    let admin = pg_admin_url();
    let name = format!("tvaers_test_{}", uuid::Uuid::new_v4().simple());
    let admin_store = tvaers_store::postgres::PgStore::connect(&admin)
        .await
        .expect("PostgreSQL must be reachable for the conformance suite (set TVAERS_TEST_PG_URL)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin_store.pool())
        .await
        .unwrap();
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("bad admin url"),
    };
    let store = tvaers_store::open(std::path::Path::new("."), Some(&url))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    TestDb {
        store,
        at: (".".into(), Some(url)),
        _dir: None,
        pg_name: Some(name),
    }
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite { $( #[tokio::test] async fn $name() { super::sqlite().await.run(super::$name).await } )* }
        mod on_postgres { $( #[tokio::test] async fn $name() { super::postgres().await.run(super::$name).await } )* }
    };
}

conformance!(
    migrations_are_idempotent,
    organisations_units_and_staff_round_trip,
    citizen_round_trip_and_duplicate_cpr_conflicts,
    name_prefix_search_is_case_insensitive_and_danish,
    cases_and_caseloads,
    failed_write_leaves_no_half_state,
    sessions_expire,
    audit_is_append_only,
    the_audit_writers_connection_appends_what_the_store_lists,
    unknown_ids_are_none,
    plan_versions_and_stale_saves,
    one_active_plan_per_citizen,
    meeting_close_is_all_or_nothing,
    my_work_queries,
    journal_entries_are_immutable_and_corrections_supersede,
    journal_timeline_filters_combine,
    journal_search_stems_and_stays_in_scope,
    journal_index_catches_up_and_rebuilds,
    a_refused_journal_entry_leaves_nothing,
    newest_first_reads_window_after_window,
    messages_count_unread_per_staff_and_team,
    journal_reader_facts_are_the_access_facts_of_related_citizens,
    a_search_under_the_policy_table_reads_what_the_listed_scope_reads,
    citizens_paged_by_id_with_their_cases,
    plan_import_writes_what_single_writes_write_and_skips_existing,
    statistics_series_stay_exact_under_writes_and_corrections,
);

/// Tests that need a second store on the same database (another server
/// process, as far as the first can tell), on each backend.
macro_rules! twins {
    ($($name:ident),* $(,)?) => {
        mod twins { $( mod $name {
            #[tokio::test] async fn on_sqlite() { super::super::sqlite().await.run_with_twin(super::super::$name).await }
            #[tokio::test] async fn on_postgres() { super::super::postgres().await.run_with_twin(super::super::$name).await }
        } )* }
    };
}

twins!(
    cached_files_follow_every_change,
    searches_follow_every_relationship_change,
    searches_follow_an_entry_changed_behind_the_triggers,
);

fn audit(action: AuditAction, citizen: Option<CitizenId>) -> NewAuditEvent {
    NewAuditEvent {
        actor_id: None,
        actor_profession: None,
        actor_unit_id: None,
        purpose: None,
        action,
        resource_type: "citizen",
        resource_id: citizen.map(|c| c.0),
        citizen_id: citizen,
        outcome: AuditOutcome::Allowed,
        detail: None,
    }
}

async fn seed_org(s: &dyn Store) -> (Organisation, Unit, Staff) {
    let org = Organisation {
        id: OrganisationId::new(),
        name: format!("Test Kommune {}", uuid::Uuid::new_v4()),
        kind: OrganisationKind::Municipality,
    };
    s.create_organisation(&org).await.unwrap();
    let unit = Unit {
        id: UnitId::new(),
        organisation_id: org.id,
        parent_id: None,
        name: "Hjemmepleje Nord".into(),
        kind: UnitKind::Team,
    };
    s.create_unit(&unit).await.unwrap();
    let staff = Staff {
        id: StaffId::new(),
        username: format!("u{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
        full_name: "Anne Sørensen".into(),
        profession: Profession::Nurse,
        organisation_id: org.id,
        email: Some("anne@example.dk".into()),
        active: true,
        unit_ids: vec![unit.id],
    };
    s.create_staff(&staff, Some("$argon2id$hash"))
        .await
        .unwrap();
    (org, unit, staff)
}

fn citizen(cpr: &str, given: &str, family: &str) -> Citizen {
    Citizen {
        id: CitizenId::new(),
        cpr: Cpr::parse(cpr).unwrap(),
        given_name: given.into(),
        family_name: family.into(),
        address: Some("Storegade 1".into()),
        postal_code: Some("8900".into()),
        city: Some("Randers C".into()),
        phone: None,
        email: None,
        relatives: vec![Relative {
            name: "Mette".into(),
            relation: "datter".into(),
            phone: None,
        }],
    }
}

async fn migrations_are_idempotent(s: Arc<dyn Store>) {
    s.migrate().await.unwrap();
    s.ping().await.unwrap();
}

async fn organisations_units_and_staff_round_trip(s: Arc<dyn Store>) {
    let (org, unit, staff) = seed_org(&*s).await;
    assert!(s.list_organisations().await.unwrap().contains(&org));
    let child = Unit {
        id: UnitId::new(),
        organisation_id: org.id,
        parent_id: Some(unit.id),
        name: "Team 1".into(),
        kind: UnitKind::Team,
    };
    s.create_unit(&child).await.unwrap();
    assert_eq!(s.get_unit(child.id).await.unwrap(), Some(child.clone()));
    assert_eq!(s.list_units().await.unwrap().len(), 2);

    let (got, hash) = s
        .get_staff_by_username(&staff.username)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, staff);
    assert_eq!(hash.as_deref(), Some("$argon2id$hash"));

    let mut changed = staff.clone();
    changed.unit_ids = vec![child.id, unit.id];
    changed.active = false;
    s.update_staff(&changed).await.unwrap();
    let mut got = s.get_staff(staff.id).await.unwrap().unwrap();
    got.unit_ids.sort();
    let mut want = changed.unit_ids.clone();
    want.sort();
    assert_eq!(got.unit_ids, want);
    assert!(!got.active);
    assert_eq!(s.list_staff(Page::default()).await.unwrap().len(), 1);
    assert_eq!(s.count_staff().await.unwrap(), 1);

    // Username is unique.
    let mut dup = staff.clone();
    dup.id = StaffId::new();
    dup.unit_ids = vec![];
    assert!(matches!(
        s.create_staff(&dup, None).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn citizen_round_trip_and_duplicate_cpr_conflicts(s: Arc<dyn Store>) {
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    assert_eq!(s.get_citizen(c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(
        s.find_citizen_by_cpr(&c.cpr).await.unwrap(),
        Some(c.clone())
    );

    let mut dup = citizen("0707614285", "Anden", "Person");
    dup.id = CitizenId::new();
    let err = s
        .create_citizen(&dup, None, &audit(AuditAction::Create, Some(dup.id)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    let mut changed = c.clone();
    changed.family_name = "Østergaard".into();
    s.update_citizen(&changed, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    assert_eq!(
        s.get_citizen(c.id).await.unwrap().unwrap().family_name,
        "Østergaard"
    );
    assert_eq!(s.count_citizens().await.unwrap(), 1);
}

async fn name_prefix_search_is_case_insensitive_and_danish(s: Arc<dyn Store>) {
    let people = [
        ("010150-1234", "Søren", "Østergaard"),
        ("020250-1234", "Åse", "Ærø"),
        ("030350-1234", "Karen", "Sørensen"),
        ("040450-1234", "Karl", "Hansen"),
        ("050550-1234", "Ole", "Karlsen"),
    ];
    let citizens: Vec<Citizen> = people.iter().map(|(c, g, f)| citizen(c, g, f)).collect();
    s.insert_citizens_bulk(&citizens, &[]).await.unwrap();
    let names = |v: Vec<tvaers_store::CitizenSummary>| {
        v.into_iter()
            .map(|c| format!("{} {}", c.given_name, c.family_name))
            .collect::<Vec<_>>()
    };

    let hits = names(
        s.search_citizens(&search_key("ØSTER"), Page::default())
            .await
            .unwrap(),
    );
    assert_eq!(hits, vec!["Søren Østergaard"]);
    let hits = names(
        s.search_citizens(&search_key("kar"), Page::default())
            .await
            .unwrap(),
    );
    // Family-name matches first, then given-name matches by given name.
    assert_eq!(hits, vec!["Ole Karlsen", "Karen Sørensen", "Karl Hansen"]);
    let hits = names(
        s.search_citizens(&search_key("karen sø"), Page::default())
            .await
            .unwrap(),
    );
    assert_eq!(hits, vec!["Karen Sørensen"]);
    let hits = names(
        s.search_citizens(&search_key("ærø åse"), Page::default())
            .await
            .unwrap(),
    );
    assert_eq!(hits, vec!["Åse Ærø"]);
    // Pages continue across the two parts without gaps or repeats.
    let paged: Vec<String> = futures_pages(&*s, "kar").await;
    assert_eq!(paged, vec!["Ole Karlsen", "Karen Sørensen", "Karl Hansen"]);
    let page = s.search_citizens("kar", Page::new(2, 2)).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].family_name, "Hansen");
    assert!(
        s.search_citizens("zzz", Page::default())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn cases_and_caseloads(s: Arc<dyn Store>) {
    let (_, unit, staff) = seed_org(&*s).await;
    let c1 = citizen("070761-4285", "Karen", "Sørensen");
    let c2 = citizen("080862-4285", "Bo", "Jensen");
    s.insert_citizens_bulk(&[c1.clone(), c2.clone()], &[])
        .await
        .unwrap();
    let mk = |citizen_id, closed| Case {
        id: CaseId::new(),
        citizen_id,
        area: CaseArea::HomeCare,
        title: "Hjemmepleje".into(),
        legal_basis: "Serviceloven § 83".into(),
        responsible_unit_id: unit.id,
        case_worker_id: Some(staff.id),
        opened_on: date!(2026 - 01 - 10),
        closed_on: closed,
    };
    let open1 = mk(c1.id, None);
    let open2 = mk(c2.id, None);
    let closed = mk(c1.id, Some(date!(2026 - 03 - 01)));
    for c in [&open1, &open2, &closed] {
        s.create_case(c, &audit(AuditAction::Create, Some(c.citizen_id)))
            .await
            .unwrap();
    }
    assert_eq!(s.get_case(open1.id).await.unwrap(), Some(open1.clone()));
    let list = s.list_cases_for_citizen(c1.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[0].is_open(), "open cases first");
    let loads = s.caseloads(None).await.unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0].open_cases, 2);
    assert_eq!(s.caseloads(Some(unit.id)).await.unwrap()[0].open_cases, 2);
    assert!(s.caseloads(Some(UnitId::new())).await.unwrap().is_empty());

    let mut closing = open2.clone();
    closing.closed_on = Some(date!(2026 - 04 - 01));
    s.update_case(&closing, &audit(AuditAction::Update, Some(c2.id)))
        .await
        .unwrap();
    assert_eq!(s.caseloads(None).await.unwrap()[0].open_cases, 1);
}

async fn failed_write_leaves_no_half_state(s: Arc<dyn Store>) {
    // A case whose unit does not exist: the case and its audit event both fail.
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.insert_citizens_bulk(std::slice::from_ref(&c), &[])
        .await
        .unwrap();
    let before = s
        .list_audit(&AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    let bad = Case {
        id: CaseId::new(),
        citizen_id: c.id,
        area: CaseArea::Nursing,
        title: "x".into(),
        legal_basis: "x".into(),
        responsible_unit_id: UnitId::new(),
        case_worker_id: None,
        opened_on: date!(2026 - 01 - 01),
        closed_on: None,
    };
    let err = s
        .create_case(&bad, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ForeignKey(_)), "{err:?}");
    assert_eq!(s.get_case(bad.id).await.unwrap(), None);
    let after = s
        .list_audit(&AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);

    // A bulk insert with one duplicate inserts nothing.
    let a = citizen("010101-1111", "A", "A");
    let b = citizen("070761-4285", "B", "B");
    assert!(s.insert_citizens_bulk(&[a.clone(), b], &[]).await.is_err());
    assert_eq!(s.get_citizen(a.id).await.unwrap(), None);
}

async fn sessions_expire(s: Arc<dyn Store>) {
    let (_, _, staff) = seed_org(&*s).await;
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let mk = |hash: &str, expires| Session {
        token_hash: hash.into(),
        staff_id: staff.id,
        kind: SessionKind::Browser,
        csrf_token: "csrf".into(),
        created_at: now,
        last_seen_at: now,
        expires_at: expires,
    };
    s.create_session(&mk("live", now + time::Duration::hours(8)))
        .await
        .unwrap();
    s.create_session(&mk("old", now - time::Duration::hours(1)))
        .await
        .unwrap();
    let (live, who) = s.get_session("live").await.unwrap().unwrap();
    assert_eq!(live.csrf_token, "csrf");
    // With the staff member and their units, as `get_staff` reads them.
    assert_eq!(Some(who), s.get_staff(staff.id).await.unwrap());
    s.touch_session("live", now + time::Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(
        s.get_session("live").await.unwrap().unwrap().0.last_seen_at,
        now + time::Duration::minutes(5)
    );
    // A citizen's portal sessions expire the same way.
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let account = tvaers_domain::access::PortalAccount {
        id: uuid::Uuid::now_v7(),
        citizen_id: c.id,
        username: "karen".into(),
        relative_name: None,
        active: true,
    };
    s.create_portal_account(&account, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let portal = |hash: &str, expires| tvaers_store::PortalSession {
        token_hash: hash.into(),
        account_id: account.id,
        csrf_token: "csrf".into(),
        created_at: now,
        last_seen_at: now,
        expires_at: expires,
        id_token: Some(format!("id-token-of-{hash}")),
    };
    s.create_portal_session(&portal("portal-live", now + time::Duration::hours(8)))
        .await
        .unwrap();
    s.create_portal_session(&portal("portal-old", now - time::Duration::hours(1)))
        .await
        .unwrap();
    assert_eq!(s.delete_expired_sessions(now).await.unwrap(), 2);
    assert!(s.get_session("old").await.unwrap().is_none());
    assert!(s.get_portal_session("portal-old").await.unwrap().is_none());
    let live = s.get_portal_session("portal-live").await.unwrap().unwrap();
    assert_eq!(live.id_token.as_deref(), Some("id-token-of-portal-live"));
    assert!(
        !format!("{live:?}").contains("id-token-of"),
        "Debug leaves the ID token (and its CPR number) out"
    );
    s.delete_session("live").await.unwrap();
    assert!(s.get_session("live").await.unwrap().is_none());
}

/// Events appended through the audit writer's own connection, where the
/// backend has one, are listed as the store's own appends are: every field,
/// in one transaction each batch.
async fn the_audit_writers_connection_appends_what_the_store_lists(s: Arc<dyn Store>) {
    let (_, unit, staff) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    let mut read = audit(AuditAction::Read, Some(c.id));
    read.actor_id = Some(staff.id);
    read.actor_profession = Some(staff.profession);
    read.actor_unit_id = Some(unit.id);
    read.purpose = Some("forløbsteam".into());
    let mut denied = audit(AuditAction::Read, Some(c.id));
    denied.actor_id = Some(staff.id);
    denied.outcome = AuditOutcome::Denied;
    denied.detail = Some("Ingen relation".into());
    let batch = [read.clone(), denied.clone()];
    match s.audit_log().unwrap() {
        Some(mut log) => {
            log.append(&batch).unwrap();
            log.append(&[]).unwrap();
        }
        None => s.append_audit_batch(&batch).await.unwrap(),
    }
    let listed = s
        .list_audit(&AuditFilter {
            citizen_id: Some(c.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    let (newest, oldest) = (&listed[0], &listed[1]);
    assert_eq!(oldest.actor_id, Some(staff.id));
    assert_eq!(
        oldest.actor_profession.as_deref(),
        Some(staff.profession.label())
    );
    assert_eq!(oldest.actor_unit_id, Some(unit.id));
    assert_eq!(oldest.actor_unit_name.as_deref(), Some(unit.name.as_str()));
    assert_eq!(oldest.purpose.as_deref(), Some("forløbsteam"));
    assert_eq!(oldest.resource_id, Some(c.id.0));
    assert_eq!(oldest.resource_type, "citizen");
    assert_eq!(oldest.outcome, AuditOutcome::Allowed);
    assert_eq!(newest.outcome, AuditOutcome::Denied);
    assert_eq!(newest.detail.as_deref(), Some("Ingen relation"));
    assert!(newest.at >= oldest.at);
    assert!((OffsetDateTime::now_utc() - newest.at).abs() < time::Duration::minutes(5));
    // Filters on time and outcome see them as well.
    let denied_only = s
        .list_audit(&AuditFilter {
            outcome: Some(AuditOutcome::Denied),
            from: Some(OffsetDateTime::now_utc() - time::Duration::hours(1)),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(denied_only.len(), 1);
}

async fn audit_is_append_only(s: Arc<dyn Store>) {
    let (_, _, staff) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    let mut ev = audit(AuditAction::Read, Some(c.id));
    ev.actor_id = Some(staff.id);
    s.append_audit(&ev).await.unwrap();
    s.append_audit(&audit(AuditAction::Search, None))
        .await
        .unwrap();
    // An event in a change's own transaction (on SQLite in the main file;
    // the events above are in the audit log file): listed with them, newest first.
    let mut created = audit(AuditAction::Create, Some(c.id));
    created.actor_id = Some(staff.id);
    s.create_citizen(&c, None, &created).await.unwrap();
    let all = s
        .list_audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|e| e.action).collect::<Vec<_>>(),
        [AuditAction::Create, AuditAction::Search, AuditAction::Read]
    );
    let paged = s
        .list_audit(&AuditFilter {
            limit: 1,
            offset: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(paged.len(), 1);
    assert_eq!(paged[0].action, AuditAction::Search);
    let mine = s
        .list_audit(&AuditFilter {
            citizen_id: Some(c.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[1].action, AuditAction::Read);
    assert_eq!(mine[1].actor_name.as_deref(), Some("Anne Sørensen"));
    assert_eq!(mine[1].actor_profession.as_deref(), Some("Sygeplejerske"));
    let by_actor = s
        .list_audit(&AuditFilter {
            actor_id: Some(staff.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_actor.len(), 2);
    // The database itself refuses to change or remove audit events, in
    // every file that holds them.
    let tables: &[&str] = match s.backend() {
        tvaers_store::Backend::Sqlite => &["main.audit_events", "auditlog.audit_events"],
        tvaers_store::Backend::Postgres => &["audit_events"],
    };
    for t in tables {
        assert!(
            s.debug_exec(&format!("SELECT 1 FROM {t}")).await.is_ok(),
            "{t}"
        );
        assert!(
            s.debug_exec(&format!("UPDATE {t} SET detail = 'x'"))
                .await
                .is_err(),
            "{t}"
        );
        assert!(
            s.debug_exec(&format!("DELETE FROM {t}")).await.is_err(),
            "{t}"
        );
    }
    assert_eq!(
        s.list_audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .len(),
        3
    );
}

async fn unknown_ids_are_none(s: Arc<dyn Store>) {
    assert!(s.get_citizen(CitizenId::new()).await.unwrap().is_none());
    assert!(s.get_case(CaseId::new()).await.unwrap().is_none());
    assert!(s.get_staff(StaffId::new()).await.unwrap().is_none());
    assert!(s.get_unit(UnitId::new()).await.unwrap().is_none());
    assert!(
        s.get_organisation(OrganisationId::new())
            .await
            .unwrap()
            .is_none()
    );
    let missing = citizen("070761-4285", "X", "Y");
    assert!(matches!(
        s.update_citizen(&missing, &audit(AuditAction::Update, None))
            .await,
        Err(StoreError::NotFound)
    ));
}

fn plan_for(citizen: CitizenId, coordinator: StaffId) -> (Plan, PlanVersion) {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let mut content = PlanContent::new(coordinator, "Klare mig selv hjemme".into());
    content.review_on = Some(date!(2026 - 01 - 01));
    let plan = Plan {
        id: PlanId::new(),
        citizen_id: citizen,
        status: PlanStatus::Active,
        version: 1,
        content: content.clone(),
        created_at: now,
        updated_at: now,
    };
    let v = PlanVersion {
        plan_id: plan.id,
        version: 1,
        author_id: Some(coordinator),
        author_name: "Anne".into(),
        at: now,
        reason: "Oprettet".into(),
        status: PlanStatus::Active,
        content,
    };
    (plan, v)
}

async fn plan_versions_and_stale_saves(s: Arc<dyn Store>) {
    let (_, _, staff) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.insert_citizens_bulk(std::slice::from_ref(&c), &[])
        .await
        .unwrap();
    let (plan, v1) = plan_for(c.id, staff.id);
    s.create_plan(&plan, &v1, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    assert_eq!(s.active_plan(c.id).await.unwrap(), Some(plan.clone()));

    let mut p2 = plan.clone();
    p2.version = 2;
    p2.content.overall_goal = "Gå ture igen".into();
    let v2 = PlanVersion {
        version: 2,
        reason: "Nyt mål".into(),
        content: p2.content.clone(),
        ..v1.clone()
    };
    s.save_plan(&p2, 1, &v2, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();

    // A second save from version 1 is stale and writes nothing.
    let mut p_stale = plan.clone();
    p_stale.version = 2;
    p_stale.content.overall_goal = "Overskriver".into();
    let v_stale = PlanVersion {
        version: 2,
        content: p_stale.content.clone(),
        ..v1.clone()
    };
    assert!(matches!(
        s.save_plan(
            &p_stale,
            1,
            &v_stale,
            &audit(AuditAction::Update, Some(c.id))
        )
        .await,
        Err(StoreError::Stale)
    ));
    assert_eq!(
        s.get_plan(plan.id)
            .await
            .unwrap()
            .unwrap()
            .content
            .overall_goal,
        "Gå ture igen"
    );

    let versions = s.list_plan_versions(plan.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(
        s.get_plan_version(plan.id, 1)
            .await
            .unwrap()
            .unwrap()
            .content
            .overall_goal,
        "Klare mig selv hjemme"
    );
    assert_eq!(s.list_plans(c.id).await.unwrap().len(), 1);
}

async fn one_active_plan_per_citizen(s: Arc<dyn Store>) {
    let (_, _, staff) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.insert_citizens_bulk(std::slice::from_ref(&c), &[])
        .await
        .unwrap();
    let (plan, v1) = plan_for(c.id, staff.id);
    s.create_plan(&plan, &v1, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let (second, v) = plan_for(c.id, staff.id);
    assert!(matches!(
        s.create_plan(&second, &v, &audit(AuditAction::Create, Some(c.id)))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Closing the first allows a new one; the closed plan stays readable.
    let mut closed = plan.clone();
    closed.status = PlanStatus::Closed;
    closed.version = 2;
    let vc = PlanVersion {
        version: 2,
        status: PlanStatus::Closed,
        ..v1.clone()
    };
    s.save_plan(&closed, 1, &vc, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    s.create_plan(&second, &v, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    assert_eq!(s.list_plans(c.id).await.unwrap().len(), 2);
    assert_eq!(s.active_plan(c.id).await.unwrap().unwrap().id, second.id);
    assert!(
        s.plans_of_staff(staff.id)
            .await
            .unwrap()
            .iter()
            .all(|p| p.plan_id == second.id)
    );
}

fn meeting(
    citizen: CitizenId,
    staff: StaffId,
    at: time::OffsetDateTime,
    prev: Option<MeetingId>,
) -> Meeting {
    Meeting {
        id: MeetingId::new(),
        citizen_id: citizen,
        plan_id: None,
        kind: MeetingKind::Network,
        starts_at: at,
        location: "Rådhuset".into(),
        attendees: vec![Attendee::Staff { staff_id: staff }, Attendee::Citizen],
        agenda: "Status".into(),
        minutes: String::new(),
        status: MeetingStatus::Planned,
        previous_meeting_id: prev,
    }
}

async fn meeting_close_is_all_or_nothing(s: Arc<dyn Store>) {
    let (_, _, staff) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.insert_citizens_bulk(std::slice::from_ref(&c), &[])
        .await
        .unwrap();
    let t0 = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap()
        + time::Duration::days(1);
    let m1 = meeting(c.id, staff.id, t0, None);
    s.create_meeting(&m1, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let goals: Vec<ActionGoal> = (0..3)
        .map(|i| ActionGoal {
            id: ActionGoalId::new(),
            meeting_id: m1.id,
            text: format!("Mål {i}"),
            owner: Owner::Staff { staff_id: staff.id },
            due: date!(2027 - 01 - 10),
            review: None,
        })
        .collect();
    let m2 = meeting(c.id, staff.id, t0 + time::Duration::days(30), Some(m1.id));
    let mut held = m1.clone();
    held.status = MeetingStatus::Held;
    held.minutes = "Referat".into();
    let task = Task {
        id: TaskId::new(),
        citizen_id: c.id,
        title: "Mål 0".into(),
        owner: Owner::Staff { staff_id: staff.id },
        due: Some(date!(2027 - 01 - 10)),
        status: TaskStatus::Open,
        action_goal_id: Some(goals[0].id),
    };
    let close = MeetingClose {
        meeting: held.clone(),
        action_goals: goals.clone(),
        reviews: vec![],
        next_meeting: Some(m2.clone()),
        tasks: vec![task.clone()],
    };
    s.close_meeting(&close, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    assert_eq!(
        s.get_meeting(m1.id).await.unwrap().unwrap().status,
        MeetingStatus::Held
    );
    assert_eq!(s.list_action_goals(m1.id).await.unwrap(), goals);
    assert_eq!(s.list_meetings(c.id).await.unwrap().len(), 2);
    assert_eq!(s.list_tasks(c.id).await.unwrap(), vec![task.clone()]);

    // Closing the next meeting with a review of an unknown action goal writes nothing at all.
    let mut held2 = m2.clone();
    held2.status = MeetingStatus::Held;
    let review = Review {
        outcome: ReviewOutcome::Done,
        comment: "".into(),
        meeting_id: m2.id,
    };
    let bad = MeetingClose {
        meeting: held2.clone(),
        action_goals: vec![],
        reviews: vec![
            (goals[0].id, review.clone()),
            (ActionGoalId::new(), review.clone()),
        ],
        next_meeting: None,
        tasks: vec![],
    };
    assert!(
        s.close_meeting(&bad, &audit(AuditAction::Update, Some(c.id)))
            .await
            .is_err()
    );
    assert_eq!(
        s.get_meeting(m2.id).await.unwrap().unwrap().status,
        MeetingStatus::Planned
    );
    assert!(
        s.list_action_goals(m1.id).await.unwrap()[0]
            .review
            .is_none()
    );

    let good = MeetingClose {
        reviews: vec![(goals[0].id, review.clone())],
        ..bad
    };
    s.close_meeting(&good, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    assert_eq!(
        s.list_action_goals(m1.id).await.unwrap()[0].review,
        Some(review)
    );

    s.set_task_status(
        task.id,
        TaskStatus::Done,
        &audit(AuditAction::Update, Some(c.id)),
    )
    .await
    .unwrap();
    assert_eq!(
        s.get_task(task.id).await.unwrap().unwrap().status,
        TaskStatus::Done
    );
}

async fn my_work_queries(s: Arc<dyn Store>) {
    let (_, unit, staff) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.insert_citizens_bulk(std::slice::from_ref(&c), &[])
        .await
        .unwrap();
    let (plan, v1) = plan_for(c.id, staff.id);
    s.create_plan(&plan, &v1, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let mine = s.plans_of_staff(staff.id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].is_coordinator);
    assert_eq!(mine[0].citizen_name, "Karen Sørensen");
    assert_eq!(
        s.overdue_reviews_of_staff(staff.id, date!(2026 - 06 - 01))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.overdue_reviews_of_staff(staff.id, date!(2025 - 06 - 01))
            .await
            .unwrap()
            .is_empty()
    );
    let by_unit = s
        .overdue_reviews_by_unit(date!(2026 - 06 - 01))
        .await
        .unwrap();
    assert_eq!(by_unit.len(), 1);
    assert_eq!(by_unit[0].unit_id, unit.id);

    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let m = meeting(c.id, staff.id, now + time::Duration::days(2), None);
    s.create_meeting(&m, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let past = meeting(c.id, staff.id, now - time::Duration::days(2), None);
    s.create_meeting(&past, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let up = s
        .upcoming_meetings_of_staff(staff.id, now, 10)
        .await
        .unwrap();
    assert_eq!(
        up.iter().map(|m| m.meeting_id).collect::<Vec<_>>(),
        vec![m.id]
    );

    let mk = |owner, due| Task {
        id: TaskId::new(),
        citizen_id: c.id,
        title: "Ring".into(),
        owner,
        due,
        status: TaskStatus::Open,
        action_goal_id: None,
    };
    let t_late = mk(
        Owner::Staff { staff_id: staff.id },
        Some(date!(2026 - 12 - 01)),
    );
    let t_soon = mk(
        Owner::Team { unit_id: unit.id },
        Some(date!(2026 - 11 - 30)),
    );
    let t_other = mk(
        Owner::Team {
            unit_id: UnitId::new(),
        },
        None,
    );
    for t in [&t_late, &t_soon, &t_other] {
        s.create_task(t, &audit(AuditAction::Create, Some(c.id)))
            .await
            .unwrap();
    }
    let tasks = s.open_tasks_of(staff.id, &[unit.id], 10).await.unwrap();
    assert_eq!(
        tasks.iter().map(|t| t.task.id).collect::<Vec<_>>(),
        vec![t_soon.id, t_late.id]
    );
    assert_eq!(s.open_tasks_of(staff.id, &[], 10).await.unwrap().len(), 1);
}

async fn citizens_paged_by_id_with_their_cases(s: Arc<dyn Store>) {
    let (_, unit, staff) = seed_org(&*s).await;
    let people = [
        citizen("070761-4285", "Karen", "Sørensen"),
        citizen("080862-4285", "Bo", "Jensen"),
        citizen("090963-4285", "Ib", "Holm"),
    ];
    let case = |c: &Citizen, day| Case {
        id: CaseId::new(),
        citizen_id: c.id,
        area: CaseArea::Nursing,
        title: "Sygepleje".into(),
        legal_basis: "Sundhedsloven § 138".into(),
        responsible_unit_id: unit.id,
        case_worker_id: Some(staff.id),
        opened_on: date!(2026 - 01 - 01) + time::Duration::days(day),
        closed_on: None,
    };
    let cases = vec![
        case(&people[0], 3),
        case(&people[0], 1),
        case(&people[2], 2),
    ];
    s.insert_citizens_bulk(&people, &cases).await.unwrap();

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_citizens_after(after, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().map(|c| c.id);
        seen.extend(page);
    }
    let mut want = people.to_vec();
    want.sort_by_key(|c| c.id);
    assert_eq!(seen, want, "every citizen once, in id order");

    let got = s
        .list_cases_for_citizens(&[people[0].id, people[1].id])
        .await
        .unwrap();
    assert_eq!(got, vec![cases[1].clone(), cases[0].clone()]);
    assert!(s.list_cases_for_citizens(&[]).await.unwrap().is_empty());
}

/// A plan in its second version with a held and a planned meeting, as the demo writes it.
fn plan_import(c: CitizenId, a: &Staff, b: &Staff, unit: UnitId) -> PlanImport {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let (mut plan, v1) = plan_for(c, a.id);
    plan.content.team.push(TeamMember::Staff {
        staff_id: b.id,
        role: "Sygeplejerske".into(),
    });
    let goal = Goal {
        id: GoalId::new(),
        text: "Gå selv til bussen".into(),
        area: Some(AreaCode {
            system: "fsiii".into(),
            code: "J3.8".into(),
            display: "Gå".into(),
        }),
        scale: tvaers_domain::scale::Scale::Fsiii,
        baseline: Some(3.0),
        target: Some(1.0),
        deadline: Some(date!(2027 - 06 - 01)),
        status: GoalStatus::Active,
        workers: vec![b.id],
    };
    plan.content.interventions.push(Intervention {
        id: InterventionId::new(),
        what: "Genoptræning".into(),
        deliverer: Deliverer::Unit { unit_id: unit },
        goal_ids: vec![goal.id],
        start: Some(date!(2026 - 11 - 01)),
        end: None,
        frequency: Some("2 gange om ugen".into()),
        legal_basis: Some("Sundhedsloven § 140".into()),
        status: InterventionStatus::Active,
    });
    plan.content.goals.push(goal);
    plan.version = 2;
    let v2 = PlanVersion {
        version: 2,
        reason: "Udfyldt på netværksmødet".into(),
        content: plan.content.clone(),
        ..v1.clone()
    };
    let mut held = meeting(c, a.id, now - time::Duration::days(20), None);
    held.plan_id = Some(plan.id);
    held.status = MeetingStatus::Held;
    held.minutes = "Referat".into();
    // The same person twice among the attendees is one meeting_staff row.
    held.attendees.push(Attendee::Staff { staff_id: b.id });
    held.attendees.push(Attendee::Staff { staff_id: b.id });
    let mut next = meeting(c, b.id, now + time::Duration::days(20), Some(held.id));
    next.plan_id = Some(plan.id);
    let goals = vec![
        ActionGoal {
            id: ActionGoalId::new(),
            meeting_id: held.id,
            text: "Bestille rollator".into(),
            owner: Owner::Staff { staff_id: a.id },
            due: date!(2027 - 01 - 10),
            review: None,
        },
        ActionGoal {
            id: ActionGoalId::new(),
            meeting_id: held.id,
            text: "Gå en tur hver dag".into(),
            owner: Owner::Citizen,
            due: date!(2027 - 01 - 12),
            review: Some(Review {
                outcome: ReviewOutcome::Partly,
                comment: "Næsten hver dag".into(),
                meeting_id: next.id,
            }),
        },
        ActionGoal {
            id: ActionGoalId::new(),
            meeting_id: held.id,
            text: "Sygeplejen vurderer medicin".into(),
            owner: Owner::Team { unit_id: unit },
            due: date!(2027 - 01 - 05),
            review: None,
        },
    ];
    let tasks = [0, 2]
        .iter()
        .map(|&i| Task {
            id: TaskId::new(),
            citizen_id: c,
            title: goals[i].text.clone(),
            owner: goals[i].owner.clone(),
            due: Some(goals[i].due),
            status: TaskStatus::Open,
            action_goal_id: Some(goals[i].id),
        })
        .collect();
    let goal = &plan.content.goals[0];
    let measurements = vec![tvaers_domain::measure::Measurement {
        id: MeasurementId::new(),
        citizen_id: c,
        plan_id: Some(plan.id),
        goal_id: Some(goal.id),
        area: goal.area.clone(),
        scale: goal.scale.clone(),
        reading: tvaers_domain::measure::Reading::Functional {
            current: Some(3),
            expected: Some(1),
        },
        measured_at: held.starts_at,
        recorded_at: held.starts_at + time::Duration::hours(1),
        assessor: tvaers_domain::measure::Assessor::Staff {
            staff_id: a.id,
            name: a.full_name.clone(),
        },
        recorded_by: Some(a.id),
        note: "Ved netværksmødet".into(),
        meeting_id: Some(held.id),
        supersedes: None,
        correction_reason: None,
    }];
    PlanImport {
        plan,
        versions: vec![v1, v2],
        meetings: vec![held, next],
        action_goals: goals,
        tasks,
        measurements,
    }
}

/// [`seed_org`] and a nurse, Bo Nielsen, in the same unit.
async fn seed_org_with_nurse(s: &dyn Store) -> (Unit, Staff, Staff) {
    let (org, unit, a) = seed_org(s).await;
    let b = Staff {
        id: StaffId::new(),
        username: format!("b{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
        full_name: "Bo Nielsen".into(),
        profession: Profession::Nurse,
        organisation_id: org.id,
        email: None,
        active: true,
        unit_ids: vec![unit.id],
    };
    s.create_staff(&b, None).await.unwrap();
    (unit, a, b)
}

async fn plan_import_writes_what_single_writes_write_and_skips_existing(s: Arc<dyn Store>) {
    let (unit, a, b) = seed_org_with_nurse(&*s).await;
    let c1 = citizen("070761-4285", "Karen", "Sørensen");
    let c2 = citizen("080862-4285", "Bo", "Jensen");
    s.insert_citizens_bulk(&[c1.clone(), c2.clone()], &[])
        .await
        .unwrap();

    // A plan that disagrees with its last version is refused, and nothing is written.
    let mut bad = plan_import(c2.id, &a, &b, unit.id);
    bad.plan.content.overall_goal = "Noget andet".into();
    assert!(matches!(
        s.import_plans(&[bad]).await,
        Err(StoreError::Corrupt(_))
    ));
    assert!(s.active_plan(c2.id).await.unwrap().is_none());

    let imp = plan_import(c1.id, &a, &b, unit.id);
    let twice = plan_import(c1.id, &a, &b, unit.id);
    let generation = s.stats_generation().await.unwrap();
    assert_eq!(s.import_plans(&[imp.clone(), twice]).await.unwrap(), 1);
    assert!(
        s.stats_generation().await.unwrap() > generation,
        "statistics see the import"
    );
    // The statistics projections hold one row per goal and intervention
    // (counted by a no-op update, which reports the rows it touched).
    for table in ["plan_goals", "plan_interventions"] {
        let sql = format!(
            "UPDATE {table} SET status = status WHERE citizen_id IN (SELECT id FROM citizens WHERE cpr = '0707614285')"
        );
        assert_eq!(s.debug_exec(&sql).await.unwrap(), 1, "{table}");
    }
    let plan = &imp.plan;
    assert_eq!(s.active_plan(c1.id).await.unwrap().as_ref(), Some(plan));
    let mut versions = imp.versions.clone();
    versions.reverse();
    assert_eq!(s.list_plan_versions(plan.id).await.unwrap(), versions);
    assert_eq!(s.list_meetings(c1.id).await.unwrap(), imp.meetings);
    assert_eq!(
        s.list_action_goals(imp.meetings[0].id).await.unwrap(),
        imp.action_goals
    );
    assert_eq!(s.list_measurements(c1.id).await.unwrap(), imp.measurements);
    let mut tasks = s.list_tasks(c1.id).await.unwrap();
    tasks.sort_by_key(|t| t.due);
    let mut want = imp.tasks.clone();
    want.sort_by_key(|t| t.due);
    assert_eq!(tasks, want);
    // The overview's one read gives exactly what the six single reads give.
    let file = s.citizen_file(c1.id).await.unwrap();
    assert_eq!(file, file_by_single_reads(&*s, c1.id).await);
    assert!(file.citizen.is_some() && !file.plans.is_empty() && !file.meetings.is_empty());
    assert!(!file.tasks.is_empty() && !file.measurements.is_empty());
    assert_eq!(
        s.citizen_file(CitizenId::new()).await.unwrap(),
        tvaers_store::CitizenFile::default()
    );
    let journal = s.journal_file(c1.id, None).await.unwrap();
    assert_eq!(
        (journal.citizen, journal.plans, journal.meetings),
        (file.citizen, file.plans, file.meetings)
    );

    // The projections are those of the single writes: team membership with the
    // coordinator marked, staff attendance, task owners.
    let of_a = s.plans_of_staff(a.id).await.unwrap();
    let of_b = s.plans_of_staff(b.id).await.unwrap();
    assert_eq!((of_a.len(), of_b.len()), (1, 1));
    assert!(of_a[0].is_coordinator && !of_b[0].is_coordinator);
    let now = time::OffsetDateTime::now_utc();
    let up = s.upcoming_meetings_of_staff(b.id, now, 10).await.unwrap();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].meeting_id, imp.meetings[1].id);
    assert!(
        s.upcoming_meetings_of_staff(a.id, now, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.open_tasks_of(a.id, &[], 10).await.unwrap().len(), 1);
    assert_eq!(
        s.open_tasks_of(b.id, &[unit.id], 10).await.unwrap().len(),
        1
    );

    // The imported plan is edited like any other: the next save names version 2.
    let mut p3 = plan.clone();
    p3.version = 3;
    p3.content.remove_staff(b.id).unwrap();
    let v3 = PlanVersion {
        version: 3,
        content: p3.content.clone(),
        ..imp.versions[1].clone()
    };
    let ev = audit(AuditAction::Update, Some(c1.id));
    assert!(matches!(
        s.save_plan(&p3, 1, &v3, &ev).await,
        Err(StoreError::Stale)
    ));
    s.save_plan(&p3, 2, &v3, &ev).await.unwrap();
    assert!(s.plans_of_staff(b.id).await.unwrap().is_empty());

    // Re-running the import adds nothing.
    assert_eq!(s.import_plans(&[imp]).await.unwrap(), 0);
    assert_eq!(s.list_plans(c1.id).await.unwrap().len(), 1);
    assert_eq!(s.import_plans(&[]).await.unwrap(), 0);
}

async fn futures_pages(s: &dyn Store, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..5 {
        for c in s
            .search_citizens(prefix, Page::new(1, offset))
            .await
            .unwrap()
        {
            out.push(format!("{} {}", c.given_name, c.family_name));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Journal (issue 6)

use time::OffsetDateTime;
use time::macros::datetime;
use tvaers_domain::journal::{
    EntryKind, EntryLinks, JournalEntry, Message, MessageDirection, Sensitivity,
};
use tvaers_domain::search::SearchQuery;
use tvaers_store::{
    AccessFacts, FactsScope, IndexDoc, JournalFilter, ReadScope, ScopeGrant, SearchOrder,
};

fn entry(citizen: CitizenId, author: &Staff, at: OffsetDateTime, text: &str) -> JournalEntry {
    JournalEntry {
        id: JournalEntryId::new(),
        citizen_id: citizen,
        author_id: Some(author.id),
        author_name: author.full_name.clone(),
        profession: Some(author.profession),
        unit_id: author.unit_ids.first().copied(),
        occurred_at: at,
        written_at: at,
        kind: EntryKind::Observation,
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

async fn add(s: &dyn Store, e: &JournalEntry) {
    s.add_journal_entry(
        e,
        &e.index_terms(),
        &audit(AuditAction::Create, Some(e.citizen_id)),
    )
    .await
    .unwrap();
}

fn all_classes() -> Vec<Sensitivity> {
    Sensitivity::ALL.to_vec()
}

/// Every class of the given citizens' journals.
fn everything_of(citizens: &[CitizenId]) -> ReadScope {
    ReadScope {
        grants: vec![ScopeGrant {
            citizens: citizens.to_vec(),
            sensitivities: all_classes(),
        }],
        by_facts: None,
    }
}

/// The hits' texts (sorted) and their count, searched best match first;
/// newest first must find the same (the walk across journals tests the
/// scope per citizen and class, the ranked search per row).
async fn texts(s: &dyn Store, q: &str, scope: &ReadScope) -> (i64, Vec<String>) {
    let mut found = Vec::new();
    for order in [
        SearchOrder::Relevance {
            cap: tvaers_store::SEARCH_COUNT_CAP,
        },
        SearchOrder::Newest,
    ] {
        let r = s
            .search_journal(
                &SearchQuery::parse(q).unwrap(),
                scope,
                Page::new(50, 0),
                order,
            )
            .await
            .unwrap();
        let mut t: Vec<String> = r.hits.iter().map(|h| h.entry.text.clone()).collect();
        t.sort();
        found.push((r.total, t));
    }
    let newest = found.pop().unwrap();
    let ranked = found.pop().unwrap();
    assert_eq!(
        ranked, newest,
        "{q}: best match first and newest first differ"
    );
    ranked
}

async fn journal_entries_are_immutable_and_corrections_supersede(s: Arc<dyn Store>) {
    let (_, _, nurse) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let old = entry(
        c.id,
        &nurse,
        datetime!(2026-03-01 09:00 UTC),
        "Borgeren faldt i køkkenet.",
    );
    add(&*s, &old).await;
    let mut fix = entry(
        c.id,
        &nurse,
        old.occurred_at,
        "Borgeren faldt på badeværelset.",
    );
    fix.supersedes = Some(old.id);
    fix.correction_reason = Some("Forkert rum".into());
    add(&*s, &fix).await;

    let stored = s.get_journal_entry(old.id).await.unwrap().unwrap();
    assert_eq!(stored.superseded_by, Some(fix.id));
    assert_eq!(stored.text, old.text, "the superseded text stays");
    let stored_fix = s.get_journal_entry(fix.id).await.unwrap().unwrap();
    assert_eq!(stored_fix.supersedes, Some(old.id));
    assert_eq!(stored_fix.superseded_by, None);

    // A second correction of the same entry conflicts and leaves nothing behind.
    let before = s.journal_index_status().await.unwrap();
    let audits_before = s
        .list_audit(&AuditFilter {
            citizen_id: Some(c.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    let mut again = entry(c.id, &nurse, old.occurred_at, "Tredje udgave");
    again.supersedes = Some(old.id);
    again.correction_reason = Some("x".into());
    let err = s
        .add_journal_entry(
            &again,
            &again.index_terms(),
            &audit(AuditAction::Create, Some(c.id)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(s.journal_index_status().await.unwrap(), before);
    assert!(s.get_journal_entry(again.id).await.unwrap().is_none());
    let audits_after = s
        .list_audit(&AuditFilter {
            citizen_id: Some(c.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    assert_eq!(audits_after, audits_before);

    // The database itself refuses to change or remove entries.
    assert!(
        s.debug_exec("UPDATE journal_entries SET text = 'x'")
            .await
            .is_err()
    );
    assert!(s.debug_exec("DELETE FROM journal_entries").await.is_err());
    assert_eq!(
        s.get_journal_entry(old.id).await.unwrap().unwrap().text,
        old.text
    );
    assert!(
        s.get_journal_entry(JournalEntryId::new())
            .await
            .unwrap()
            .is_none()
    );
}

async fn journal_timeline_filters_combine(s: Arc<dyn Store>) {
    let (org, unit, nurse) = seed_org(&*s).await;
    let other_unit = Unit {
        id: UnitId::new(),
        organisation_id: org.id,
        parent_id: None,
        name: "Socialafdelingen".into(),
        kind: UnitKind::Team,
    };
    s.create_unit(&other_unit).await.unwrap();
    let worker = Staff {
        id: StaffId::new(),
        username: format!("w{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
        full_name: "Søren Rådgiver".into(),
        profession: Profession::SocialWorker,
        organisation_id: org.id,
        email: None,
        active: true,
        unit_ids: vec![other_unit.id],
    };
    s.create_staff(&worker, None).await.unwrap();
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let other = citizen("010203-1234", "Jens", "Hansen");
    s.create_citizen(&other, None, &audit(AuditAction::Create, Some(other.id)))
        .await
        .unwrap();
    let goal = GoalId::new();

    let mut e1 = entry(c.id, &nurse, datetime!(2026-03-01 09:00 UTC), "Sår tilset");
    e1.kind = EntryKind::HomeVisit;
    e1.links.goal_id = Some(goal);
    e1.topic = Some(AreaCode {
        system: "fsiii".into(),
        code: "J3.8".into(),
        display: "Gå".into(),
    });
    let mut e2 = entry(
        c.id,
        &nurse,
        datetime!(2026-03-05 09:00 UTC),
        "Ringede om medicin",
    );
    e2.kind = EntryKind::Phone;
    e2.sensitivity = Sensitivity::Health;
    let mut e3 = entry(
        c.id,
        &worker,
        datetime!(2026-03-03 12:00 UTC),
        "Samtale om bolig",
    );
    e3.kind = EntryKind::Conversation;
    e3.links.goal_id = Some(goal);
    let mut e4 = entry(
        c.id,
        &worker,
        datetime!(2026-03-10 08:00 UTC),
        "Hjemmebesøg, køleskab tomt",
    );
    e4.kind = EntryKind::HomeVisit;
    let mut fix = entry(c.id, &nurse, e1.occurred_at, "Sår tilset og renset");
    fix.kind = EntryKind::HomeVisit;
    fix.supersedes = Some(e1.id);
    fix.correction_reason = Some("Manglede".into());
    let e_other = entry(
        other.id,
        &nurse,
        datetime!(2026-03-04 09:00 UTC),
        "Anden borger",
    );
    for e in [&e1, &e2, &e3, &e4, &fix, &e_other] {
        add(&*s, e).await;
    }
    let all = all_classes();
    let ids = |v: Vec<JournalEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let tl = |f: JournalFilter, sens: Vec<Sensitivity>| {
        let s = s.clone();
        async move {
            ids(s
                .journal_timeline(c.id, &f, &sens, Page::new(50, 0))
                .await
                .unwrap())
        }
    };

    // Newest event first; same event time: the later-written first. Other citizens never appear.
    assert_eq!(
        tl(JournalFilter::default(), all.clone()).await,
        vec![e4.id, e2.id, e3.id, fix.id, e1.id]
    );
    // Readable classes are a filter of their own.
    let normal_only = vec![
        Sensitivity::Normal,
        Sensitivity::Social,
        Sensitivity::ThirdParty,
    ];
    assert_eq!(
        tl(JournalFilter::default(), normal_only).await,
        vec![e4.id, e3.id, fix.id, e1.id]
    );
    // Filters combine.
    let home_visits_by_nurses = JournalFilter {
        kind: Some(EntryKind::HomeVisit),
        profession: Some(Profession::Nurse),
        ..Default::default()
    };
    assert_eq!(
        tl(home_visits_by_nurses, all.clone()).await,
        vec![fix.id, e1.id]
    );
    let goal_in_week = JournalFilter {
        goal_id: Some(goal),
        from: Some(datetime!(2026-03-02 00:00 UTC)),
        until: Some(datetime!(2026-03-09 00:00 UTC)),
        ..Default::default()
    };
    assert_eq!(tl(goal_in_week, all.clone()).await, vec![e3.id]);
    let unit_and_kind = JournalFilter {
        unit_id: Some(other_unit.id),
        kind: Some(EntryKind::HomeVisit),
        ..Default::default()
    };
    assert_eq!(tl(unit_and_kind, all.clone()).await, vec![e4.id]);
    let nurse_unit = JournalFilter {
        unit_id: Some(unit.id),
        ..Default::default()
    };
    assert_eq!(
        tl(nurse_unit, all.clone()).await,
        vec![e2.id, fix.id, e1.id]
    );
    let topic = JournalFilter {
        topic_code: Some("J3.8".into()),
        ..Default::default()
    };
    assert_eq!(tl(topic, all.clone()).await, vec![e1.id]);
    // A main area includes its sub-areas.
    let main_area = JournalFilter {
        topic_code: Some("J3".into()),
        ..Default::default()
    };
    assert_eq!(tl(main_area, all.clone()).await, vec![e1.id]);
    let corrections = JournalFilter {
        kind: Some(EntryKind::Correction),
        ..Default::default()
    };
    assert_eq!(tl(corrections, all.clone()).await, vec![fix.id]);
    let nothing = JournalFilter {
        profession: Some(Profession::SocialWorker),
        kind: Some(EntryKind::Phone),
        ..Default::default()
    };
    assert!(tl(nothing, all.clone()).await.is_empty());
    // Pages.
    let p2 = ids(s
        .journal_timeline(c.id, &JournalFilter::default(), &all, Page::new(2, 2))
        .await
        .unwrap());
    assert_eq!(p2, vec![e3.id, fix.id]);
    // The journal page's one read gives what its single reads give, the
    // timeline's arguments (filter, classes, page) beside the citizen's id.
    let f = JournalFilter {
        kind: Some(EntryKind::HomeVisit),
        goal_id: Some(goal),
        ..Default::default()
    };
    let normal = vec![Sensitivity::Normal, Sensitivity::Social];
    let file = s
        .journal_file(c.id, Some((&f, &normal, Page::new(1, 0))))
        .await
        .unwrap();
    assert_eq!(
        file,
        tvaers_store::JournalFile {
            citizen: s.get_citizen(c.id).await.unwrap(),
            plans: vec![],
            meetings: vec![],
            entries: s
                .journal_timeline(c.id, &f, &normal, Page::new(1, 0))
                .await
                .unwrap(),
        }
    );
    assert_eq!(ids(file.entries), vec![e1.id]);
    let without = s.journal_file(c.id, None).await.unwrap();
    assert!(without.citizen.is_some() && without.entries.is_empty());
    assert_eq!(
        s.journal_file(CitizenId::new(), Some((&f, &all, Page::new(5, 0))))
            .await
            .unwrap(),
        tvaers_store::JournalFile::default()
    );
}

/// The seeded organisation's nurse and two citizens, Karen and Jens.
async fn nurse_and_two_citizens(s: &dyn Store) -> (Staff, Citizen, Citizen) {
    let (_, _, nurse) = seed_org(s).await;
    let a = citizen("070761-4285", "Karen", "Sørensen");
    let b = citizen("010203-1234", "Jens", "Hansen");
    for c in [&a, &b] {
        s.create_citizen(c, None, &audit(AuditAction::Create, Some(c.id)))
            .await
            .unwrap();
    }
    (nurse, a, b)
}

async fn journal_search_stems_and_stays_in_scope(s: Arc<dyn Store>) {
    let (nurse, a, b) = nurse_and_two_citizens(&*s).await;
    let t0 = datetime!(2026-03-01 09:00 UTC);
    let mut hidden = entry(a.id, &nurse, t0, "Hun falder ofte om natten.");
    hidden.sensitivity = Sensitivity::Health;
    let es = [
        entry(a.id, &nurse, t0, "Borgeren faldt på badeværelset."),
        entry(
            a.id,
            &nurse,
            t0,
            "Risiko for fald i hjemmet; rollator bestilt.",
        ),
        hidden,
        entry(a.id, &nurse, t0, "Spiste godt, ingen smerter."),
        entry(b.id, &nurse, t0, "Fald på trappen, slog hoften."),
        entry(
            a.id,
            &nurse,
            t0,
            "Tryghedsopkald: Aabenraa-hjemmeplejen ringede paa vegne af datteren.",
        ),
    ];
    for e in &es {
        add(&*s, e).await;
    }
    let everyone = || everything_of(&[a.id, b.id]);
    // Stemming: "faldet" finds fald, faldt, falder — in every journal in scope.
    let (n, t) = texts(&*s, "faldet", &everyone()).await;
    assert_eq!(n, 4, "{t:?}");
    // One citizen only (the citizen token is part of the query).
    let one = s
        .search_journal(
            &SearchQuery::parse("faldet").unwrap().within(a.id),
            &everyone(),
            Page::new(50, 0),
            SearchOrder::Relevance {
                cap: tvaers_store::SEARCH_COUNT_CAP,
            },
        )
        .await
        .unwrap();
    assert_eq!(one.total, 3);
    assert!(one.hits.iter().all(|h| h.entry.citizen_id == a.id));
    assert!(one.hits.iter().all(|h| h.citizen_name == "Karen Sørensen"));
    // Outside the scope nothing is counted: not the citizen, not the class.
    let only_b = ReadScope::one(b.id, all_classes());
    assert_eq!(
        texts(&*s, "faldet", &only_b).await,
        (1, vec!["Fald på trappen, slog hoften.".to_string()])
    );
    let nobody = ReadScope::default();
    assert_eq!(texts(&*s, "faldet", &nobody).await, (0, vec![]));
    let not_health = vec![
        Sensitivity::Normal,
        Sensitivity::Social,
        Sensitivity::ThirdParty,
    ];
    let no_health = ReadScope {
        grants: vec![ScopeGrant {
            citizens: vec![a.id, b.id],
            sensitivities: not_health.clone(),
        }],
        by_facts: None,
    };
    let (n, t) = texts(&*s, "natten", &no_health).await;
    assert_eq!((n, t.len()), (0, 0));
    assert_eq!(texts(&*s, "natten", &everyone()).await.0, 1);
    // Grants combine: health entries of one citizen, the rest of both.
    let mixed = ReadScope {
        grants: vec![
            ScopeGrant {
                citizens: vec![a.id, b.id],
                sensitivities: not_health,
            },
            ScopeGrant {
                citizens: vec![a.id],
                sensitivities: vec![Sensitivity::Health],
            },
        ],
        by_facts: None,
    };
    assert_eq!(texts(&*s, "natten", &mixed).await.0, 1);
    assert_eq!(texts(&*s, "faldet", &mixed).await.0, 4);
    // A scope of 40,000 citizens (a big unit's open cases) is still one query.
    let mut many: Vec<CitizenId> = (0..40_000).map(|_| CitizenId::new()).collect();
    many.push(b.id);
    let big = ReadScope {
        grants: vec![ScopeGrant {
            citizens: many,
            sensitivities: all_classes(),
        }],
        by_facts: None,
    };
    assert_eq!(texts(&*s, "faldet", &big).await.0, 1);
    // Phrases, alternatives and exclusions.
    assert_eq!(texts(&*s, "\"på badeværelset\"", &everyone()).await.0, 1);
    assert_eq!(texts(&*s, "\"badeværelset på\"", &everyone()).await.0, 0);
    assert_eq!(texts(&*s, "fald -hoften", &everyone()).await.0, 3);
    assert_eq!(texts(&*s, "smerter OR rollator", &everyone()).await.0, 2);
    assert_eq!(texts(&*s, "fald smerter", &everyone()).await.0, 0);
    // The same restricted to citizens inside the index (the listed scope of a
    // search across journals): each clause still decides, and only the listed
    // citizens' entries count.
    let within = |q: &str, cs: &[CitizenId]| {
        let (s, q, cs) = (s.clone(), q.to_string(), cs.to_vec());
        async move {
            s.search_journal(
                &SearchQuery::parse(&q).unwrap().within_any(&cs),
                &everything_of(&[a.id, b.id]),
                Page::new(50, 0),
                SearchOrder::Relevance {
                    cap: tvaers_store::SEARCH_COUNT_CAP,
                },
            )
            .await
            .unwrap()
            .total
        }
    };
    assert_eq!(within("faldet", &[a.id, b.id]).await, 4);
    assert_eq!(within("faldet", &[b.id]).await, 1);
    assert_eq!(within("\"på badeværelset\"", &[a.id, b.id]).await, 1);
    assert_eq!(within("\"på badeværelset\"", &[b.id]).await, 0);
    assert_eq!(within("\"badeværelset på\"", &[a.id]).await, 0);
    assert_eq!(within("fald -hoften", &[a.id, b.id]).await, 3);
    assert_eq!(within("fald -hoften", &[b.id]).await, 0);
    assert_eq!(within("smerter OR rollator", &[a.id]).await, 2);
    assert_eq!(within("hoften OR rollator", &[b.id]).await, 1);
    assert_eq!(within("fald hoften", &[a.id]).await, 0);
    assert_eq!(within("fald hoften", &[b.id]).await, 1);
    // A citizen with no entries, and one the scope does not name.
    assert_eq!(within("faldet", &[CitizenId::new()]).await, 0);
    // Danish letters and the old spelling.
    assert_eq!(texts(&*s, "åbenrå på", &everyone()).await.0, 1);
    assert_eq!(texts(&*s, "badeVÆRELSE", &everyone()).await.0, 1);
    // Paging keeps the total.
    let page = s
        .search_journal(
            &SearchQuery::parse("fald").unwrap(),
            &everyone(),
            Page::new(2, 0),
            SearchOrder::Relevance {
                cap: tvaers_store::SEARCH_COUNT_CAP,
            },
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.hits.len()), (4, 2));
    // Over the cap: the count stops there, and the hits are the newest.
    let capped = s
        .search_journal(
            &SearchQuery::parse("fald").unwrap(),
            &everyone(),
            Page::new(50, 0),
            SearchOrder::Relevance { cap: 2 },
        )
        .await
        .unwrap();
    assert_eq!(
        (capped.total, capped.capped, capped.hits.len()),
        (2, true, 2)
    );
    // Newest = written last (`es` is in writing order).
    let all: Vec<_> = s
        .search_journal(
            &SearchQuery::parse("fald").unwrap(),
            &everyone(),
            Page::new(50, 0),
            SearchOrder::Relevance { cap: 50 },
        )
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.entry.id)
        .collect();
    let newest: Vec<_> = es
        .iter()
        .rev()
        .map(|e| e.id)
        .filter(|id| all.contains(id))
        .take(2)
        .collect();
    let mut got: Vec<_> = capped.hits.iter().map(|h| h.entry.id).collect();
    got.sort_by_key(|id| newest.iter().position(|n| n == id));
    assert_eq!(got, newest);
    // Newest first: written last first, counted to the end of the page, and
    // each page goes on where the last stopped.
    let newest_all: Vec<_> = es
        .iter()
        .rev()
        .map(|e| e.id)
        .filter(|id| all.contains(id))
        .collect();
    assert_eq!(newest_all.len(), 4);
    let newest_page = |offset: i64| {
        let s = s.clone();
        async move {
            s.search_journal(
                &SearchQuery::parse("fald").unwrap(),
                &everyone(),
                Page::new(3, offset),
                SearchOrder::Newest,
            )
            .await
            .unwrap()
        }
    };
    let first = newest_page(0).await;
    assert_eq!((first.total, first.capped), (3, true));
    assert_eq!(
        first.hits.iter().map(|h| h.entry.id).collect::<Vec<_>>(),
        newest_all[..3]
    );
    let second = newest_page(3).await;
    assert_eq!((second.total, second.capped), (4, false));
    assert_eq!(
        second.hits.iter().map(|h| h.entry.id).collect::<Vec<_>>(),
        newest_all[3..]
    );
    let past = newest_page(6).await;
    assert_eq!((past.total, past.capped, past.hits.len()), (4, false, 0));
}

/// Newest first across journals, through many windows of sequence numbers
/// (PostgreSQL reads them by blocks of 4,096 entries in the GIN index): a
/// journal of 10,000 entries whose hits lie only in the oldest 4,000, with
/// every third hit in a class the reader may not see. Each page must be the
/// next newest hits in scope, wherever the windows and blocks fall.
async fn newest_first_reads_window_after_window(s: Arc<dyn Store>) {
    let (nurse, a, b) = nurse_and_two_citizens(&*s).await;
    let t0 = datetime!(2026-03-01 09:00 UTC);
    let mut rows = Vec::new();
    let mut expected = Vec::new();
    for i in 0..10_000u32 {
        let who = if i % 2 == 0 { &a } else { &b };
        let hit = i < 4_000 && i % 60 == 7;
        let text = if hit {
            format!("Notat {i}: svimmel om morgenen")
        } else {
            format!("Notat {i}: god dag")
        };
        let mut e = entry(who.id, &nurse, t0, &text);
        if hit && i % 180 == 7 {
            e.sensitivity = Sensitivity::Health;
        } else if hit {
            expected.push(e.id);
        }
        let terms = e.index_terms();
        rows.push((e, terms));
    }
    assert_eq!(s.import_journal(&rows).await.unwrap(), 10_000);
    expected.reverse();
    assert_eq!(expected.len(), 44);
    let scope = ReadScope {
        grants: vec![ScopeGrant {
            citizens: vec![a.id, b.id],
            sensitivities: all_classes()
                .into_iter()
                .filter(|c| *c != Sensitivity::Health)
                .collect(),
        }],
        by_facts: None,
    };
    for limit in [5, 20] {
        let mut offset = 0;
        while offset < 50 {
            let page = s
                .search_journal(
                    &SearchQuery::parse("svimmel").unwrap(),
                    &scope,
                    Page::new(limit, offset),
                    SearchOrder::Newest,
                )
                .await
                .unwrap();
            let got: Vec<_> = page.hits.iter().map(|h| h.entry.id).collect();
            let from = usize::try_from(offset).unwrap().min(expected.len());
            let to = usize::try_from(offset + limit).unwrap().min(expected.len());
            assert_eq!(got, expected[from..to], "limit {limit}, offset {offset}");
            assert_eq!(
                page.capped,
                expected.len() > to,
                "limit {limit}, offset {offset}"
            );
            offset += limit;
        }
    }
    let (total, _) = texts(&*s, "svimmel", &scope).await;
    assert_eq!(total, 44);
}

/// An entry is written with its index row and its audit event, all or
/// nothing: a refused one (here its id is taken) leaves neither behind.
async fn a_refused_journal_entry_leaves_nothing(s: Arc<dyn Store>) {
    let (_, _, nurse) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let first = entry(
        c.id,
        &nurse,
        datetime!(2026-03-01 09:00 UTC),
        "Faldt i haven",
    );
    add(&*s, &first).await;
    let events = |s: Arc<dyn Store>| async move {
        s.list_audit(&AuditFilter {
            citizen_id: Some(c.id),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
    };
    let before = (
        s.journal_index_status().await.unwrap(),
        events(s.clone()).await,
    );
    let mut again = entry(
        c.id,
        &nurse,
        datetime!(2026-03-02 09:00 UTC),
        "Gyngestol i stuen",
    );
    again.id = first.id;
    let refused = s
        .add_journal_entry(
            &again,
            &again.index_terms(),
            &audit(AuditAction::Create, Some(c.id)),
        )
        .await;
    assert!(refused.is_err(), "an entry id is written once");
    let after = (
        s.journal_index_status().await.unwrap(),
        events(s.clone()).await,
    );
    assert_eq!(after, before);
    assert!(after.0.in_step() && after.0.entries == 1, "{after:?}");
    let q = SearchQuery::parse("gyngestol").unwrap();
    let found = s
        .search_journal(
            &q,
            &everything_of(&[c.id]),
            Page::new(10, 0),
            SearchOrder::Newest,
        )
        .await
        .unwrap();
    assert!(found.hits.is_empty(), "{found:?}");
}

async fn journal_index_catches_up_and_rebuilds(s: Arc<dyn Store>) {
    let (_, _, nurse) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    for i in 0..5 {
        add(
            &*s,
            &entry(
                c.id,
                &nurse,
                datetime!(2026-03-01 09:00 UTC),
                &format!("Notat nummer {i} om fald"),
            ),
        )
        .await;
    }
    let everyone = || everything_of(&[c.id]);
    let st = s.journal_index_status().await.unwrap();
    assert!(st.in_step(), "{st:?}");
    assert_eq!(st.entries, 5);

    // Lose two index rows behind the application's back.
    let (table, key) = match s.backend() {
        tvaers_store::Backend::Sqlite => ("journal_fts", "rowid"),
        tvaers_store::Backend::Postgres => ("journal_index", "seq"),
    };
    let gone = s
        .debug_exec(&format!(
            "DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} ORDER BY {key} LIMIT 2)"
        ))
        .await
        .unwrap();
    assert_eq!(gone, 2);
    assert!(!s.journal_index_status().await.unwrap().in_step());
    assert_eq!(texts(&*s, "fald", &everyone()).await.0, 3);
    let missing = s.journal_unindexed(0, 100).await.unwrap();
    assert_eq!(missing.len(), 2);
    let docs: Vec<IndexDoc> = missing
        .iter()
        .map(|(seq, e)| IndexDoc {
            seq: *seq,
            citizen_id: e.citizen_id,
            terms: e.index_terms(),
        })
        .collect();
    s.index_journal(&docs).await.unwrap();
    // Rewriting an existing row is harmless.
    s.index_journal(&docs).await.unwrap();
    assert!(s.journal_index_status().await.unwrap().in_step());
    assert_eq!(texts(&*s, "fald", &everyone()).await.0, 5);

    // A rebuild from nothing.
    assert_eq!(s.clear_journal_index().await.unwrap(), 5);
    assert_eq!(texts(&*s, "fald", &everyone()).await.0, 0);
    let mut after = 0;
    loop {
        let batch = s.journal_entries_after(after, 2).await.unwrap();
        let Some((last, _)) = batch.last() else { break };
        after = *last;
        let docs: Vec<IndexDoc> = batch
            .iter()
            .map(|(seq, e)| IndexDoc {
                seq: *seq,
                citizen_id: e.citizen_id,
                terms: e.index_terms(),
            })
            .collect();
        s.index_journal(&docs).await.unwrap();
    }
    assert!(s.journal_index_status().await.unwrap().in_step());
    assert_eq!(texts(&*s, "fald", &everyone()).await.0, 5);
    assert_eq!(s.prune_journal_index().await.unwrap(), 0);
}

async fn messages_count_unread_per_staff_and_team(s: Arc<dyn Store>) {
    let (_, unit, nurse) = seed_org(&*s).await;
    let c = citizen("070761-4285", "Karen", "Sørensen");
    s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    let msg = |to_staff: Option<StaffId>, to_unit: Option<UnitId>, text: &str| {
        let mut e = entry(c.id, &nurse, datetime!(2026-03-01 09:00 UTC), text);
        e.author_id = None;
        e.author_name = "Karen Sørensen".into();
        e.profession = None;
        e.unit_id = None;
        e.kind = EntryKind::DigitalContact;
        e.message = Some(Message {
            direction: MessageDirection::FromCitizen,
            to_staff_id: to_staff,
            to_unit_id: to_unit,
        });
        e
    };
    let to_me = msg(Some(nurse.id), None, "Hej Anne");
    let to_team = msg(None, Some(unit.id), "Hej alle");
    let elsewhere = msg(None, Some(UnitId::new()), "Til en anden");
    add(&*s, &to_me).await;
    add(&*s, &to_team).await;
    // A message to a unit that does not exist is refused (foreign key).
    assert!(
        s.add_journal_entry(
            &elsewhere,
            &elsewhere.index_terms(),
            &audit(AuditAction::Create, Some(c.id))
        )
        .await
        .is_err()
    );
    let mut sent = entry(
        c.id,
        &nurse,
        datetime!(2026-03-01 10:00 UTC),
        "Svar til borgeren",
    );
    sent.kind = EntryKind::DigitalContact;
    sent.message = Some(Message {
        direction: MessageDirection::ToCitizen,
        to_staff_id: None,
        to_unit_id: None,
    });
    add(&*s, &sent).await;

    let all = ReadScope::one(c.id, all_classes());
    assert_eq!(
        s.unread_for_staff(nurse.id, &[unit.id], &all)
            .await
            .unwrap(),
        2
    );
    assert_eq!(s.unread_for_staff(nurse.id, &[], &all).await.unwrap(), 1);
    assert_eq!(
        s.unread_by_unit(&[unit.id], &all).await.unwrap(),
        vec![(unit.id, 1)]
    );
    let inbox = s.inbox(nurse.id, &[unit.id], &all, 50).await.unwrap();
    assert_eq!(inbox.len(), 2);
    assert!(
        inbox
            .iter()
            .all(|m| !m.read && m.citizen_name == "Karen Sørensen")
    );

    s.mark_message_read(to_team.id, nurse.id, datetime!(2026-03-02 08:00 UTC))
        .await
        .unwrap();
    s.mark_message_read(to_team.id, nurse.id, datetime!(2026-03-02 08:01 UTC))
        .await
        .unwrap();
    assert_eq!(
        s.unread_for_staff(nurse.id, &[unit.id], &all)
            .await
            .unwrap(),
        1
    );
    assert!(s.unread_by_unit(&[unit.id], &all).await.unwrap().is_empty());
    let inbox = s.inbox(nurse.id, &[unit.id], &all, 50).await.unwrap();
    assert_eq!(inbox.iter().filter(|m| m.read).count(), 1);
    // Messages of a class the reader may not see are not counted either.
    assert_eq!(
        s.unread_for_staff(
            nurse.id,
            &[unit.id],
            &ReadScope::one(c.id, vec![Sensitivity::Health])
        )
        .await
        .unwrap(),
        0
    );
}

/// A home-care case of `unit` with `worker` as case worker, open unless `closed_on`.
fn home_care_case(
    citizen_id: CitizenId,
    unit: &Unit,
    worker: &Staff,
    closed_on: Option<time::Date>,
) -> Case {
    Case {
        id: CaseId::new(),
        citizen_id,
        area: CaseArea::HomeCare,
        title: "Hjemmepleje".into(),
        legal_basis: "Serviceloven § 83".into(),
        responsible_unit_id: unit.id,
        case_worker_id: Some(worker.id),
        opened_on: date!(2026 - 01 - 10),
        closed_on,
    }
}

async fn journal_reader_facts_are_the_access_facts_of_related_citizens(s: Arc<dyn Store>) {
    let (org, unit, nurse) = seed_org(&*s).await;
    let open = citizen("070761-4285", "Karen", "Sørensen");
    let closed = citizen("010203-1234", "Jens", "Hansen");
    let stranger = citizen("111111-1118", "Ole", "Olsen");
    for c in [&open, &closed, &stranger] {
        s.create_citizen(c, None, &audit(AuditAction::Create, Some(c.id)))
            .await
            .unwrap();
    }
    let mk = |citizen_id, closed_on| home_care_case(citizen_id, &unit, &nurse, closed_on);
    s.create_case(
        &mk(open.id, None),
        &audit(AuditAction::Create, Some(open.id)),
    )
    .await
    .unwrap();
    s.create_case(
        &mk(closed.id, Some(date!(2026 - 02 - 01))),
        &audit(AuditAction::Create, Some(closed.id)),
    )
    .await
    .unwrap();
    let now = OffsetDateTime::now_utc();
    let got = s
        .journal_reader_facts(nurse.id, org.id, now, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    // More candidates than the caller wants listed: none are.
    assert_eq!(
        s.journal_reader_facts(nurse.id, org.id, now, 0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(got[0].0, open.id);
    assert!(got[0].1.unit_case);
    let one = s
        .access_facts(nurse.id, org.id, open.id, now)
        .await
        .unwrap();
    assert_eq!(got[0].1, one);
}

/// The facts computed per row inside a search (`FactsScope`) are the facts
/// `access_facts` gives, and the table admits exactly the entries a listed
/// scope built from those facts admits: for every relationship the facts can
/// express (team, open case, closed case, break the glass, intake, consents,
/// none) and every class.
async fn a_search_under_the_policy_table_reads_what_the_listed_scope_reads(s: Arc<dyn Store>) {
    use tvaers_domain::access::{
        AccessGrant, Consent, ConsentId, ConsentScope, GivenHow, GrantKind,
    };
    let (org, unit, nurse) = seed_org(&*s).await;
    let now = OffsetDateTime::now_utc();
    let names = [
        "Team", "Sag", "Lukket", "Glas", "Udløbet", "Oprettet", "Samtykke", "Ingen",
    ];
    let mut people = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let c = citizen(
            &format!("0{}0{}61-4285", i % 3 + 1, i % 9 + 1),
            name,
            "Fælles",
        );
        s.create_citizen(&c, None, &audit(AuditAction::Create, Some(c.id)))
            .await
            .unwrap();
        for (k, sens) in Sensitivity::ALL.iter().enumerate() {
            let mut e = entry(
                c.id,
                &nurse,
                datetime!(2026-03-01 09:00 UTC) + time::Duration::minutes(k as i64),
                &format!("Faldt ved sengen, notat {k} om {name}."),
            );
            e.sensitivity = *sens;
            add(&*s, &e).await;
        }
        people.push(c);
    }
    let case = |citizen_id, closed_on| home_care_case(citizen_id, &unit, &nurse, closed_on);
    s.create_case(
        &case(people[1].id, None),
        &audit(AuditAction::Create, Some(people[1].id)),
    )
    .await
    .unwrap();
    s.create_case(
        &case(people[2].id, Some(date!(2026 - 02 - 01))),
        &audit(AuditAction::Create, Some(people[2].id)),
    )
    .await
    .unwrap();
    let grant = |citizen_id, kind, expires_at| AccessGrant {
        id: uuid::Uuid::new_v4(),
        citizen_id,
        staff_id: nurse.id,
        kind,
        reason: "Akut indlæggelse, skal se medicinlisten".into(),
        granted_at: now - time::Duration::hours(3),
        expires_at,
        reviewed_at: None,
        reviewed_by: None,
        review_note: None,
    };
    for (who, kind, expires) in [
        (3, GrantKind::BreakGlass, now + time::Duration::hours(1)),
        (4, GrantKind::BreakGlass, now - time::Duration::hours(1)),
        (5, GrantKind::Intake, now + time::Duration::hours(1)),
    ] {
        s.add_grant(
            &grant(people[who].id, kind, expires),
            &audit(AuditAction::Create, Some(people[who].id)),
        )
        .await
        .unwrap();
    }
    s.add_consent(
        &Consent {
            id: ConsentId::new(),
            citizen_id: people[6].id,
            organisation_id: Some(org.id),
            scope: ConsentScope::Health,
            given_how: GivenHow::Written,
            noted_by: nurse.id,
            valid_from: date!(2026 - 01 - 01),
            valid_to: None,
            note: String::new(),
            created_at: now,
            withdrawn_at: None,
            withdrawn_by: None,
        },
        &audit(AuditAction::Create, Some(people[6].id)),
    )
    .await
    .unwrap();
    // The plan's care team.
    let (plan, v1) = plan_for(people[0].id, nurse.id);
    s.create_plan(&plan, &v1, &audit(AuditAction::Create, Some(people[0].id)))
        .await
        .unwrap();
    let ids: Vec<CitizenId> = people.iter().map(|c| c.id).collect();
    // One query gives what one query per citizen gives.
    let mut many = s
        .access_facts_many(nurse.id, org.id, &ids, now)
        .await
        .unwrap();
    many.sort_by_key(|(c, _)| ids.iter().position(|x| x == c));
    let mut single = Vec::new();
    for c in &ids {
        single.push((*c, s.access_facts(nurse.id, org.id, *c, now).await.unwrap()));
    }
    assert_eq!(many, single);
    // The audit writer's batch: any staff member, in any order, twice over.
    let stranger = StaffId::new();
    let mut asks = Vec::new();
    for c in ids.iter().rev().chain(&ids) {
        for staff_id in [nurse.id, stranger] {
            asks.push(tvaers_store::FactsAsk {
                staff_id,
                organisation_id: org.id,
                citizen_id: *c,
            });
        }
    }
    let batch = s.access_facts_batch(&asks, now).await.unwrap();
    assert_eq!(batch.len(), asks.len());
    for (ask, answer) in asks.iter().zip(&batch) {
        let one = s
            .access_facts(ask.staff_id, ask.organisation_id, ask.citizen_id, now)
            .await
            .unwrap();
        assert_eq!(answer.facts, one, "{ask:?}");
        // The file at the version the batch read is the file.
        assert_eq!(
            s.citizen_file_at(ask.citizen_id, Some(answer.version))
                .await
                .unwrap(),
            s.citizen_file(ask.citizen_id).await.unwrap()
        );
    }
    assert!(
        batch.iter().any(|a| a.facts.on_care_team) && batch.iter().any(|a| !a.facts.on_care_team)
    );
    assert!(s.access_facts_batch(&[], now).await.unwrap().is_empty());
    // A change moves the version the batch reads, and the file at it shows the change.
    let before = s.access_facts_batch(&asks[..1], now).await.unwrap()[0];
    let mut moved = s.get_citizen(asks[0].citizen_id).await.unwrap().unwrap();
    moved.address = Some("Nygade 7".into());
    s.update_citizen(&moved, &audit(AuditAction::Update, Some(moved.id)))
        .await
        .unwrap();
    let after = s.access_facts_batch(&asks[..1], now).await.unwrap()[0];
    assert!(after.version > before.version);
    assert_eq!(
        s.citizen_file_at(moved.id, Some(after.version))
            .await
            .unwrap()
            .citizen
            .unwrap()
            .address
            .as_deref(),
        Some("Nygade 7")
    );
    // The audit writer's own connection (SQLite) reads the same facts.
    if let Some(mut log) = s.audit_log().unwrap() {
        let own: Vec<_> = ids
            .iter()
            .map(|c| (*c, log.access_facts(nurse.id, org.id, *c, now).unwrap()))
            .collect();
        assert_eq!(own, single);
    }
    assert!(single[0].1.on_care_team && single[1].1.unit_case && !single[2].1.unit_case);
    assert!(single[3].1.break_glass && !single[4].1.break_glass && single[5].1.intake);
    assert!(
        single[6].1.consent_health
            && single[7].1.code()
                == AccessFacts {
                    municipal: true,
                    ..Default::default()
                }
                .code()
    );
    // Tables that admit different facts, each compared with the listed scope
    // the same table gives for these citizens.
    type Rule = fn(AccessFacts) -> bool;
    let tables: [(&str, Rule, Rule); 3] = [
        (
            "team or case; health on the team",
            |f| f.on_care_team || f.unit_case,
            |f| f.on_care_team,
        ),
        (
            "glass or intake; health with consent",
            |f| f.break_glass || f.intake || f.consent_general,
            |f| f.consent_health,
        ),
        ("everyone; no health", |_| true, |_| false),
    ];
    for (what, general, health) in tables {
        let codes = |p: fn(AccessFacts) -> bool| -> Vec<u8> {
            (0..AccessFacts::CODES)
                .filter(|c| p(AccessFacts::from_code(*c)))
                .collect()
        };
        // Health codes are a subset of the general ones, as the policy's are.
        let by_table = ReadScope {
            grants: vec![],
            by_facts: Some(FactsScope {
                staff_id: nurse.id,
                organisation_id: org.id,
                now,
                general: codes(general),
                health: (0..AccessFacts::CODES)
                    .filter(|c| {
                        let f = AccessFacts::from_code(*c);
                        general(f) && health(f)
                    })
                    .collect(),
            }),
        };
        let listed = ReadScope {
            grants: vec![
                ScopeGrant {
                    citizens: single
                        .iter()
                        .filter(|(_, f)| general(*f))
                        .map(|(c, _)| *c)
                        .collect(),
                    sensitivities: Sensitivity::ALL
                        .iter()
                        .copied()
                        .filter(|s| *s != Sensitivity::Health)
                        .collect(),
                },
                ScopeGrant {
                    citizens: single
                        .iter()
                        .filter(|(_, f)| general(*f) && health(*f))
                        .map(|(c, _)| *c)
                        .collect(),
                    sensitivities: vec![Sensitivity::Health],
                },
            ],
            by_facts: None,
        };
        let got = texts(&*s, "faldet", &by_table).await;
        assert!(got.0 > 0, "{what}");
        assert_eq!(got, texts(&*s, "faldet", &listed).await, "{what}");
        // The facts a search read to decide (if any) are the shown
        // citizens' facts, all of them.
        let r = s
            .search_journal(
                &SearchQuery::parse("faldet").unwrap(),
                &by_table,
                Page::new(50, 0),
                SearchOrder::Newest,
            )
            .await
            .unwrap();
        let shown: std::collections::BTreeSet<CitizenId> =
            r.hits.iter().map(|h| h.entry.citizen_id).collect();
        let read: std::collections::BTreeSet<CitizenId> = r.facts.iter().map(|(c, _)| *c).collect();
        assert!(
            read.is_empty() || read == shown,
            "{what}: {read:?} vs {shown:?}"
        );
        assert_eq!(read.len(), r.facts.len(), "{what}: each citizen once");
        for (c, f) in &r.facts {
            let one = single.iter().find(|(x, _)| x == c).map(|(_, f)| *f);
            assert_eq!(Some(*f), one, "{what}");
        }
    }
}

// ---------------------------------------------------------------------------
// Statistics series (migration 0010): the incrementally kept `stats_levels` and
// `stats_gas` must give exactly what counting the raw measurements gives.

mod stats_reference {
    //! The statistics' definitions counted in plain Rust from the raw rows
    //! (`list_measurements`, `list_cases_for_citizens`): the full recomputation
    //! the store's answers are compared with.
    use std::collections::{BTreeMap, HashSet};
    use time::{Date, OffsetDateTime};
    use tvaers_domain::case::Case;
    use tvaers_domain::measure::{Measurement, Reading};
    use tvaers_domain::scale::Scale;
    use tvaers_store::{FunctionalChange, GasSum, StatsFilter};

    fn in_area(f: &StatsFilter, code: Option<&str>) -> bool {
        match (&f.area, code) {
            (None, _) => true,
            (Some(a), Some(c)) => c == a || c.starts_with(&format!("{a}.")),
            (Some(_), None) => false,
        }
    }

    fn in_force(all: &[Measurement]) -> Vec<&Measurement> {
        let superseded: HashSet<_> = all.iter().filter_map(|m| m.supersedes).collect();
        all.iter().filter(|m| !superseded.contains(&m.id)).collect()
    }

    fn in_period(f: &StatsFilter, at: OffsetDateTime) -> bool {
        at >= f.from_ts && at < f.until_ts
    }

    /// First vs latest functional level per citizen and area in the period.
    pub fn functional(f: &StatsFilter, all: &[Measurement]) -> Vec<FunctionalChange> {
        let mut series: BTreeMap<(uuid::Uuid, String), Vec<&Measurement>> = BTreeMap::new();
        for m in in_force(all) {
            let Reading::Functional {
                current: Some(_), ..
            } = m.reading
            else {
                continue;
            };
            let Some(area) = &m.area else { continue };
            if in_period(f, m.measured_at) && in_area(f, Some(&area.code)) {
                series
                    .entry((m.citizen_id.0, area.code.clone()))
                    .or_default()
                    .push(m);
            }
        }
        let level = |m: &Measurement| match m.reading {
            Reading::Functional {
                current: Some(c), ..
            } => f64::from(c),
            _ => f64::NAN,
        };
        let mut by_area: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
        let mut by_citizen: BTreeMap<uuid::Uuid, f64> = BTreeMap::new();
        for ((citizen, area), mut ms) in series {
            if ms.len() < 2 {
                continue;
            }
            ms.sort_by_key(|m| (m.measured_at, m.id.0));
            let delta = level(ms[ms.len() - 1]) - level(ms[0]);
            let e = by_area.entry(area).or_default();
            match delta {
                d if d < 0.0 => e.0 += 1,
                d if d > 0.0 => e.2 += 1,
                _ => e.1 += 1,
            }
            *by_citizen.entry(citizen).or_default() += delta;
        }
        let mut out: Vec<FunctionalChange> = by_area
            .into_iter()
            .map(|(a, (i, s, w))| FunctionalChange {
                area_code: Some(a),
                improved: i,
                same: s,
                worsened: w,
            })
            .collect();
        out.push(FunctionalChange {
            area_code: None,
            improved: by_citizen.values().filter(|d| **d < 0.0).count() as i64,
            same: by_citizen.values().filter(|d| **d == 0.0).count() as i64,
            worsened: by_citizen.values().filter(|d| **d > 0.0).count() as i64,
        });
        out
    }

    /// Each citizen's latest GAS score per goal in the period: sum and count.
    pub fn gas(f: &StatsFilter, all: &[Measurement]) -> Vec<GasSum> {
        let mut latest: BTreeMap<(uuid::Uuid, uuid::Uuid), &Measurement> = BTreeMap::new();
        for m in in_force(all) {
            let (Reading::Level { .. }, Scale::Gas, Some(goal)) = (&m.reading, &m.scale, m.goal_id)
            else {
                continue;
            };
            if !in_period(f, m.measured_at) || !in_area(f, m.area.as_ref().map(|a| a.code.as_str()))
            {
                continue;
            }
            let e = latest.entry((m.citizen_id.0, goal.0)).or_insert(m);
            if (m.measured_at, m.id.0) > (e.measured_at, e.id.0) {
                *e = m;
            }
        }
        let mut per: BTreeMap<uuid::Uuid, GasSum> = BTreeMap::new();
        for ((citizen, _), m) in latest {
            let Reading::Level { value } = m.reading else {
                continue;
            };
            let e = per.entry(citizen).or_insert(GasSum { sum: 0.0, goals: 0 });
            e.sum += value;
            e.goals += 1;
        }
        sorted_gas(per.into_values().collect())
    }

    pub fn sorted_gas(mut v: Vec<GasSum>) -> Vec<GasSum> {
        v.sort_by(|a, b| (a.goals, a.sum).partial_cmp(&(b.goals, b.sum)).unwrap());
        v
    }

    pub fn sorted_functional(mut v: Vec<FunctionalChange>) -> Vec<FunctionalChange> {
        v.retain(|c| c.area_code.is_none() || c.improved + c.same + c.worsened > 0);
        v.sort_by(|a, b| a.area_code.cmp(&b.area_code));
        v
    }

    /// Citizens with a case open (of the filter's unit and area) at each date.
    pub fn target_group(f: &StatsFilter, cases: &[Case], at: &[Date]) -> Vec<(Date, i64)> {
        at.iter()
            .map(|d| {
                let open: HashSet<_> = cases
                    .iter()
                    .filter(|k| k.opened_on <= *d && k.closed_on.is_none_or(|c| c > *d))
                    .filter(|k| f.unit_id.is_none_or(|u| u == k.responsible_unit_id))
                    .filter(|k| f.case_area.is_none_or(|a| a == k.area))
                    .map(|k| k.citizen_id)
                    .collect();
                (*d, open.len() as i64)
            })
            .collect()
    }
}

/// Writes a random but seeded sequence of measurements — functional levels on
/// areas (some *ikke relevant*), GAS scores on goals whose area changes, other
/// scales, back-dated ones, ties in time, corrections (of corrections, to *ikke
/// relevant*, moving the time) and an import — and after every few writes
/// compares every figure over several periods, areas and cohorts with the raw
/// rows counted in Rust; then rebuilds the series with the backfill statements
/// of migration 0010 and compares again.
async fn statistics_series_stay_exact_under_writes_and_corrections(s: Arc<dyn Store>) {
    use tvaers_domain::measure::{Assessor, Measurement, Reading};
    use tvaers_domain::scale::Scale;
    use tvaers_store::StatsFilter;

    let (unit, a, b) = seed_org_with_nurse(&*s).await;
    let people = [
        citizen("070761-4285", "Karen", "Sørensen"),
        citizen("080862-4285", "Bo", "Jensen"),
        citizen("090993-4285", "Ida", "Holm"),
        citizen("101004-4285", "Emil", "Berg"),
        citizen("111145-4285", "Ulla", "Dahl"),
    ];
    let ids: Vec<CitizenId> = people.iter().map(|c| c.id).collect();
    let mut cases = Vec::new();
    for (i, c) in people.iter().enumerate() {
        for (k, area) in [CaseArea::HomeCare, CaseArea::Rehabilitation]
            .iter()
            .enumerate()
        {
            if (i + k) % 3 == 2 {
                continue;
            }
            let opened = date!(2025 - 11 - 20) + time::Duration::days((i * 47 + k * 90) as i64);
            cases.push(Case {
                id: CaseId::new(),
                citizen_id: c.id,
                area: *area,
                title: "Sag".into(),
                legal_basis: "SEL § 83".into(),
                responsible_unit_id: unit.id,
                case_worker_id: Some(a.id),
                opened_on: opened,
                closed_on: (i % 2 == 1).then(|| opened + time::Duration::days(120 + 31 * k as i64)),
            });
        }
    }
    s.insert_citizens_bulk(&people, &cases).await.unwrap();

    // Karen's plan comes by import, with a measurement; the rest by single writes.
    let imp = plan_import(ids[0], &a, &b, unit.id);
    assert_eq!(s.import_plans(&[imp]).await.unwrap(), 1);

    let goals: Vec<[GoalId; 2]> = ids.iter().map(|_| [GoalId::new(), GoalId::new()]).collect();
    let areas = ["J3.8", "J3.9", "J1.1", "J3"];
    let area = |code: &str| {
        Some(AreaCode {
            system: "fsiii".into(),
            code: code.into(),
            display: code.into(),
        })
    };
    let base = date!(2026 - 01 - 01).midnight().assume_utc();
    let mut r = fastrand::Rng::with_seed(20_260_515);
    let mut written: Vec<Measurement> = Vec::new();
    let ev = |c: CitizenId| audit(AuditAction::Create, Some(c));

    let periods = [
        (date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
        (date!(2026 - 03 - 01), date!(2026 - 06 - 30)),
        (date!(2025 - 06 - 01), date!(2027 - 06 - 01)),
        (date!(2026 - 05 - 15), date!(2026 - 05 - 15)),
    ];
    let check = |label: String| {
        let s = s.clone();
        let ids = ids.clone();
        let unit_id = unit.id;
        async move {
            let mut all = Vec::new();
            for c in &ids {
                all.extend(s.list_measurements(*c).await.unwrap());
            }
            let cases = s.list_cases_for_citizens(&ids).await.unwrap();
            for (from, to) in periods {
                for area in [None, Some("J3"), Some("J3.8"), Some("J1")] {
                    for cohort in 0..3 {
                        let f = StatsFilter {
                            from,
                            to,
                            from_ts: from.midnight().assume_utc(),
                            until_ts: to.next_day().unwrap().midnight().assume_utc(),
                            unit_id: (cohort == 1).then_some(unit_id),
                            case_area: (cohort == 1).then_some(CaseArea::Rehabilitation),
                            legal_basis: None,
                            // Born 1950–1995: Karen, Bo and Ida.
                            born_between: (cohort == 2)
                                .then_some((date!(1950 - 01 - 01), date!(1995 - 12 - 31))),
                            area: area.map(str::to_string),
                        };
                        let members: Vec<CitizenId> = match cohort {
                            1 => cases
                                .iter()
                                .filter(|k| {
                                    k.area == CaseArea::Rehabilitation
                                        && k.opened_on <= to
                                        && k.closed_on.is_none_or(|c| c >= from)
                                })
                                .map(|k| k.citizen_id)
                                .collect(),
                            2 => ids[..3].to_vec(),
                            _ => ids.clone(),
                        };
                        let mine: Vec<Measurement> = all
                            .iter()
                            .filter(|m| members.contains(&m.citizen_id))
                            .cloned()
                            .collect();
                        let what = format!("{label}: {from}..{to} area {area:?} cohort {cohort}");
                        if from.year() == 2025
                            && area.is_none()
                            && cohort == 0
                            && label.starts_with("after c")
                        {
                            // The comparisons below are not about empty figures.
                            let all_changes = stats_reference::functional(&f, &mine);
                            let total = all_changes.last().unwrap();
                            assert!(
                                total.improved + total.same + total.worsened >= 3,
                                "{total:?}"
                            );
                            assert!(total.improved + total.worsened > 0, "{total:?}");
                            assert!(all_changes.len() > 4);
                            assert!(stats_reference::gas(&f, &mine).len() >= 4);
                        }
                        assert_eq!(
                            stats_reference::sorted_functional(
                                s.stats_functional_change(&f).await.unwrap()
                            ),
                            stats_reference::sorted_functional(stats_reference::functional(
                                &f, &mine
                            )),
                            "functional, {what}"
                        );
                        assert_eq!(
                            stats_reference::sorted_gas(s.stats_gas(&f).await.unwrap()),
                            stats_reference::gas(&f, &mine),
                            "GAS, {what}"
                        );
                        if area.is_none() {
                            // The age band narrows the target group's citizens;
                            // unit and case area are in `f` itself.
                            let theirs: Vec<Case> = cases
                                .iter()
                                .filter(|k| cohort != 2 || members.contains(&k.citizen_id))
                                .cloned()
                                .collect();
                            let at = tvaers_domain::stats::Period { from, to }.month_ends();
                            assert_eq!(
                                s.stats_target_group(&f, &at).await.unwrap(),
                                stats_reference::target_group(&f, &theirs, &at),
                                "target group, {what}"
                            );
                        }
                    }
                }
            }
        }
    };

    for step in 0..140 {
        let ci = r.usize(0..ids.len());
        let c = ids[ci];
        let at = base
            // Few distinct days and hours, so that series have ties in time.
            + time::Duration::days(r.i64(-4..42) * 10)
            + time::Duration::hours(r.i64(8..11));
        let mine: Vec<&Measurement> = {
            let superseded: Vec<MeasurementId> =
                written.iter().filter_map(|m| m.supersedes).collect();
            written
                .iter()
                .filter(|m| m.citizen_id == c && !superseded.contains(&m.id))
                .collect()
        };
        let roll = r.u8(0..100);
        let m = if roll < 20 && !mine.is_empty() {
            // A correction: another value, sometimes another time or *ikke relevant*.
            let old = mine[r.usize(0..mine.len())];
            let reading = match &old.reading {
                Reading::Functional { .. } => Reading::Functional {
                    current: (r.u8(0..5) > 0).then(|| r.u8(0..=4)),
                    expected: None,
                },
                Reading::Level { .. } if old.scale == Scale::Gas => Reading::Level {
                    value: f64::from(r.i8(-2..=2)),
                },
                other => other.clone(),
            };
            Measurement {
                id: MeasurementId::new(),
                reading,
                measured_at: if r.bool() { old.measured_at } else { at },
                supersedes: Some(old.id),
                correction_reason: Some("Forkert værdi".into()),
                ..old.clone()
            }
        } else {
            let (goal_id, area_code, scale, reading) = match roll {
                0..=54 => (
                    None,
                    area(areas[r.usize(0..areas.len())]),
                    Scale::Fsiii,
                    Reading::Functional {
                        current: (r.u8(0..8) > 0).then(|| r.u8(0..=4)),
                        expected: None,
                    },
                ),
                55..=84 => {
                    let g = r.usize(0..2);
                    // The second goal's area changed once: its scores carry two areas.
                    let code = if g == 1 && r.bool() { "J3.9" } else { "J3.8" };
                    (
                        Some(goals[ci][g]),
                        area(code),
                        Scale::Gas,
                        Reading::Level {
                            value: f64::from(r.i8(-2..=2)),
                        },
                    )
                }
                _ => (
                    Some(goals[ci][0]),
                    area("J3.8"),
                    Scale::Numeric {
                        unit: "kg".into(),
                        higher_is_better: false,
                    },
                    Reading::Level {
                        value: f64::from(r.u8(50..90)),
                    },
                ),
            };
            Measurement {
                id: MeasurementId::new(),
                citizen_id: c,
                plan_id: None,
                goal_id,
                area: area_code,
                scale,
                reading,
                measured_at: at,
                recorded_at: base + time::Duration::days(500),
                assessor: Assessor::Citizen,
                recorded_by: None,
                note: String::new(),
                meeting_id: None,
                supersedes: None,
                correction_reason: None,
            }
        };
        s.add_measurement(&m, &ev(c)).await.unwrap();
        written.push(m);
        if step % 20 == 19 {
            check(format!("after write {step}")).await;
        }
    }
    // A correction that is corrected again, and a second correction refused.
    let last = written
        .iter()
        .rev()
        .find(|m| m.supersedes.is_some())
        .unwrap()
        .clone();
    let again = Measurement {
        id: MeasurementId::new(),
        supersedes: Some(last.id),
        ..last.clone()
    };
    s.add_measurement(&again, &ev(again.citizen_id))
        .await
        .unwrap();
    let twice = Measurement {
        id: MeasurementId::new(),
        ..again.clone()
    };
    assert!(
        s.add_measurement(&twice, &ev(twice.citizen_id))
            .await
            .is_err()
    );
    check("after corrections of corrections".into()).await;

    // The backfill of migration 0010 (what an existing database gets) yields the same.
    let migration = match s.backend() {
        tvaers_store::Backend::Sqlite => include_str!("../migrations/sqlite/0010_stats_series.sql"),
        tvaers_store::Backend::Postgres => {
            include_str!("../migrations/postgres/0010_stats_series.sql")
        }
    };
    s.debug_exec("DELETE FROM stats_levels").await.unwrap();
    s.debug_exec("DELETE FROM stats_gas").await.unwrap();
    let code: String = migration
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .map(|l| format!("{l}\n"))
        .collect();
    let backfill: Vec<&str> = code
        .split(';')
        .map(str::trim)
        .filter(|st| st.starts_with("INSERT INTO stats_"))
        .collect();
    assert_eq!(backfill.len(), 2);
    for st in backfill {
        assert!(s.debug_exec(st).await.unwrap() > 0);
    }
    check("after the migration's backfill".into()).await;
}

/// A citizen's file as its six single reads give it.
async fn file_by_single_reads(s: &dyn Store, id: CitizenId) -> tvaers_store::CitizenFile {
    tvaers_store::CitizenFile {
        citizen: s.get_citizen(id).await.unwrap(),
        cases: s.list_cases_for_citizen(id).await.unwrap(),
        plans: s.list_plans(id).await.unwrap(),
        meetings: s.list_meetings(id).await.unwrap(),
        tasks: s.list_tasks(id).await.unwrap(),
        measurements: s.list_measurements(id).await.unwrap(),
    }
}

/// The citizen file and the opening journal page, as the store's cache gives
/// them, equal a fresh read of their rows after each kind of change: through
/// this store, through another store on the same database (another server),
/// and by hand in SQL.
async fn cached_files_follow_every_change(s: Arc<dyn Store>, other: Arc<dyn Store>) {
    let (unit, a, b) = seed_org_with_nurse(&*s).await;
    let mut c = citizen("070761-4285", "Karen", "Sørensen");
    s.insert_citizens_bulk(std::slice::from_ref(&c), &[])
        .await
        .unwrap();
    let imp = plan_import(c.id, &a, &b, unit.id);
    s.import_plans(std::slice::from_ref(&imp)).await.unwrap();
    let classes = all_classes();
    let plain = tvaers_store::JournalFilter::default();
    let opening = Page::new(26, 0);

    // Each store's files against their rows read one by one.
    let check = async |what: &str| {
        for store in [&s, &other] {
            let want = file_by_single_reads(&**store, c.id).await;
            let entries = store
                .journal_timeline(c.id, &plain, &classes, opening)
                .await
                .unwrap();
            // Twice: the first read may fill the cache, the second is from it.
            for _ in 0..2 {
                assert_eq!(store.citizen_file(c.id).await.unwrap(), want, "{what}");
                let page = store
                    .journal_file(c.id, Some((&plain, &classes, opening)))
                    .await
                    .unwrap();
                assert_eq!(
                    (&page.citizen, &page.plans, &page.meetings, &page.entries),
                    (&want.citizen, &want.plans, &want.meetings, &entries),
                    "{what}"
                );
            }
        }
    };
    check("imported").await;

    c.given_name = "Karin".into();
    s.update_citizen(&c, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    check("citizen renamed here").await;
    c.address = Some("Havnegade 1".into());
    other
        .update_citizen(&c, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    check("citizen moved, by the other store").await;

    let case = home_care_case(c.id, &unit, &a, None);
    other
        .create_case(&case, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    check("case opened").await;
    let closed = Case {
        closed_on: Some(date!(2026 - 03 - 01)),
        ..case
    };
    other
        .update_case(&closed, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    check("case closed").await;

    let task = &imp.tasks[0];
    other
        .set_task_status(
            task.id,
            TaskStatus::Done,
            &audit(AuditAction::Update, Some(c.id)),
        )
        .await
        .unwrap();
    check("task done").await;

    let mut m = imp.measurements[0].clone();
    m.id = MeasurementId::new();
    m.measured_at += time::Duration::days(1);
    other
        .add_measurement(&m, &audit(AuditAction::Create, Some(c.id)))
        .await
        .unwrap();
    check("measurement").await;

    let mut meeting = imp.meetings[1].clone();
    meeting.location = "Rådhuset".into();
    other
        .update_meeting(&meeting, &audit(AuditAction::Update, Some(c.id)))
        .await
        .unwrap();
    check("meeting moved").await;

    let plan = other.active_plan(c.id).await.unwrap().unwrap();
    let mut saved = plan.clone();
    saved.version += 1;
    saved.content.overall_goal = "Klare sig selv derhjemme".into();
    let version = PlanVersion {
        plan_id: saved.id,
        version: saved.version,
        author_id: Some(a.id),
        author_name: a.full_name.clone(),
        at: time::OffsetDateTime::now_utc(),
        reason: "Borgerens eget ønske".into(),
        status: saved.status,
        content: saved.content.clone(),
    };
    other
        .save_plan(
            &saved,
            plan.version,
            &version,
            &audit(AuditAction::Update, Some(c.id)),
        )
        .await
        .unwrap();
    check("plan saved").await;

    let note = entry(
        c.id,
        &b,
        time::OffsetDateTime::now_utc(),
        "Hjemmebesøg, alt vel",
    );
    add(&*other, &note).await;
    check("journal entry").await;

    // By hand, as a repair would: no store code runs.
    let changed = s
        .debug_exec(
            "UPDATE tasks SET title = 'Rettet i hånden' \
             WHERE citizen_id IN (SELECT id FROM citizens WHERE cpr = '0707614285')",
        )
        .await
        .unwrap();
    assert!(changed > 0);
    check("tasks retitled in SQL").await;
    assert!(
        s.citizen_file(c.id)
            .await
            .unwrap()
            .tasks
            .iter()
            .all(|t| t.title == "Rettet i hånden")
    );
}

/// An organisation, its unit and a reader there; a citizen with an open
/// case in the reader's unit and one the reader has no relationship with.
async fn related_and_not(s: &dyn Store) -> (Organisation, Unit, Staff, Citizen, Citizen) {
    let (org, unit, reader) = seed_org(s).await;
    let related = citizen("070761-4285", "Karen", "Sørensen");
    let x = citizen("080862-4285", "Bo", "Jensen");
    s.insert_citizens_bulk(&[related.clone(), x.clone()], &[])
        .await
        .unwrap();
    s.create_case(
        &home_care_case(related.id, &unit, &reader, None),
        &audit(AuditAction::Create, Some(related.id)),
    )
    .await
    .unwrap();
    (org, unit, reader, related, x)
}

/// Each store finds `want` (sorted) for "faldet" in `scope`, twice: the
/// second search from whatever the first left in memory.
async fn both_find(stores: [&Arc<dyn Store>; 2], scope: &ReadScope, what: &str, want: &[&str]) {
    let want: Vec<String> = want.iter().map(|t| t.to_string()).collect();
    for store in stores {
        for _ in 0..2 {
            assert_eq!(
                texts(&**store, "faldet", scope).await,
                (want.len() as i64, want.clone()),
                "{what}"
            );
        }
    }
}

/// The scope of a reader who reads ordinary notes of the citizens they
/// relate to, as the policy's table gives it.
fn related_only(org: &Organisation, reader: &Staff, now: OffsetDateTime) -> ReadScope {
    let scope = ReadScope {
        grants: vec![],
        by_facts: Some(FactsScope {
            staff_id: reader.id,
            organisation_id: org.id,
            now,
            general: (0..AccessFacts::CODES)
                .filter(|c| c & FactsScope::RELATIONSHIP_BITS != 0)
                .collect(),
            health: vec![],
        }),
    };
    assert!(scope.by_facts.as_ref().unwrap().admits_only_related());
    scope
}

/// A search across journals under a policy that admits only related
/// citizens (SQLite keeps whom each reader relates to, under the relations
/// version) finds a citizen's notes exactly while a relationship holds:
/// after each way one begins or ends — an open case in the reader's unit,
/// the reader moved between units, a place on the care team, a grant —
/// made through this store, through a second one on the same database and by
/// plain SQL; each search twice, so the second may come from what the first kept.
async fn searches_follow_every_relationship_change(s: Arc<dyn Store>, other: Arc<dyn Store>) {
    use tvaers_domain::access::{AccessGrant, GrantKind};
    let (org, unit, reader, related, x) = related_and_not(&*s).await;
    let far = Unit {
        id: UnitId::new(),
        organisation_id: org.id,
        parent_id: None,
        name: "Jobcenter".into(),
        kind: UnitKind::Department,
    };
    s.create_unit(&far).await.unwrap();
    for (c, text) in [(&related, "Faldt i haven"), (&x, "Faldt på trappen")] {
        add(
            &*s,
            &entry(c.id, &reader, datetime!(2026-03-01 09:00 UTC), text),
        )
        .await;
    }
    let now = OffsetDateTime::now_utc();
    let scope = related_only(&org, &reader, now);
    let check = async |what: &str, x_found: bool| {
        let want: &[&str] = if x_found {
            &["Faldt i haven", "Faldt på trappen"]
        } else {
            &["Faldt i haven"]
        };
        both_find([&s, &other], &scope, what, want).await;
    };
    check("no relationship", false).await;

    let case = home_care_case(x.id, &unit, &reader, None);
    other
        .create_case(&case, &audit(AuditAction::Create, Some(x.id)))
        .await
        .unwrap();
    check("case opened in the reader's unit, by the other store", true).await;
    let closed = Case {
        closed_on: Some(date!(2026 - 03 - 01)),
        ..case
    };
    s.update_case(&closed, &audit(AuditAction::Update, Some(x.id)))
        .await
        .unwrap();
    check("case closed", false).await;

    other
        .create_case(
            &home_care_case(x.id, &far, &reader, None),
            &audit(AuditAction::Create, Some(x.id)),
        )
        .await
        .unwrap();
    check("case opened in another unit", false).await;
    let mut moved = reader.clone();
    moved.unit_ids = vec![unit.id, far.id];
    other.update_staff(&moved).await.unwrap();
    check("reader joins that unit", true).await;
    s.update_staff(&reader).await.unwrap();
    check("reader leaves it", false).await;

    let (plan, v1) = plan_for(x.id, reader.id);
    s.create_plan(&plan, &v1, &audit(AuditAction::Create, Some(x.id)))
        .await
        .unwrap();
    check("on the care team", true).await;
    let save = |version: i64, content: PlanContent| {
        let saved = Plan {
            version,
            content: content.clone(),
            ..plan.clone()
        };
        let v = PlanVersion {
            version,
            content,
            ..v1.clone()
        };
        (saved, v)
    };
    let mut goal = plan.content.clone();
    goal.overall_goal = "Gå ture igen".into();
    let (p2, v2) = save(2, goal.clone());
    other
        .save_plan(&p2, 1, &v2, &audit(AuditAction::Update, Some(x.id)))
        .await
        .unwrap();
    check("plan saved, team unchanged", true).await;
    let mut without = goal;
    without
        .team
        .retain(|m| !matches!(m, TeamMember::Staff { .. }));
    let (p3, v3) = save(3, without);
    other
        .save_plan(&p3, 2, &v3, &audit(AuditAction::Update, Some(x.id)))
        .await
        .unwrap();
    check("taken off the care team", false).await;

    let grant = AccessGrant {
        id: uuid::Uuid::new_v4(),
        citizen_id: x.id,
        staff_id: reader.id,
        kind: GrantKind::BreakGlass,
        reason: "Akut indlæggelse, skal se medicinlisten".into(),
        granted_at: now - time::Duration::hours(1),
        expires_at: now + time::Duration::hours(1),
        reviewed_at: None,
        reviewed_by: None,
        review_note: None,
    };
    other
        .add_grant(&grant, &audit(AuditAction::Create, Some(x.id)))
        .await
        .unwrap();
    check("break the glass", true).await;
    // By hand, as a repair would: no store code runs.
    assert_eq!(s.debug_exec("DELETE FROM access_grants").await.unwrap(), 1);
    check("grant deleted in SQL", false).await;
}

/// An entry's citizen and class never change through the store (triggers
/// forbid it), and the SQLite store remembers them for its searches. Should
/// a repair change them by hand anyway, no search may show the entry to a
/// reader the change put it out of reach of, on either store.
async fn searches_follow_an_entry_changed_behind_the_triggers(
    s: Arc<dyn Store>,
    other: Arc<dyn Store>,
) {
    let (org, _, reader, related, x) = related_and_not(&*s).await;
    for (c, text) in [
        (&related, "Faldt i haven"),
        (&related, "Faldt i køkkenet"),
        (&x, "Faldt på trappen"),
    ] {
        add(
            &*s,
            &entry(c.id, &reader, datetime!(2026-03-01 09:00 UTC), text),
        )
        .await;
    }
    let scope = related_only(&org, &reader, OffsetDateTime::now_utc());
    let check = async |what: &str, want: &[&str]| {
        both_find([&s, &other], &scope, what, want).await;
    };
    check("as written", &["Faldt i haven", "Faldt i køkkenet"]).await;
    // By hand, as a repair would, past the trigger that forbids it.
    if s.debug_exec("DROP TRIGGER journal_entries_no_update")
        .await
        .is_err()
    {
        s.debug_exec("ALTER TABLE journal_entries DISABLE TRIGGER USER")
            .await
            .unwrap();
    }
    let moved = s
        .debug_exec(
            "UPDATE journal_entries SET citizen_id = \
             (SELECT citizen_id FROM journal_entries WHERE text = 'Faldt på trappen') \
             WHERE text = 'Faldt i haven'",
        )
        .await
        .unwrap();
    assert_eq!(moved, 1);
    check(
        "moved to a citizen the reader does not work with",
        &["Faldt i køkkenet"],
    )
    .await;
    let sensitive = s
        .debug_exec(
            "UPDATE journal_entries SET sensitivity = 'health' WHERE text = 'Faldt i køkkenet'",
        )
        .await
        .unwrap();
    assert_eq!(sensitive, 1);
    check("made a health note the reader may not read", &[]).await;
}
