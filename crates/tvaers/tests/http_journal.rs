#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! HTTP tests of the journal (issue 6): entries and corrections, the timeline
//! with combined filters, Danish full-text search filtered by the access
//! policy, digital contact, index catch-up, and two servers on one
//! PostgreSQL. The harness is tests/common's: the real server in-process on a
//! free port, a fresh database per test, every test on SQLite and PostgreSQL
//! (`TVAERS_TEST_PG_URL`, default `postgres://postgres@localhost/postgres`).

#[macro_use]
mod common;
use common::*;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tvaers_app::{App, Settings};
use tvaers_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use tvaers_domain::ids::CitizenId;
use tvaers_store::{AuditFilter, Store};

/// CPR numbers used across tests (valid dates, fictitious people).
const CPR: &str = "070761-4285";
const CPR_2: &str = "010203-1234";

// ---------------------------------------------------------------------------
// Helpers of this suite (the harness is in tests/common)

/// Starts `tvaers_web::serve` on a free port over `store`; returns its base
/// URL, the shutdown trigger and the server task.
async fn spawn_server(
    store: Arc<dyn Store>,
    settings: Settings,
) -> (
    String,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let app = App::new(store, settings);
    let server = tokio::spawn(tvaers_web::serve(listener, app, false, async move {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), tx, server)
}

impl Ctx {
    async fn me(&self, token: &str) -> Value {
        let (status, me) = self.get(token, "/me").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        me
    }

    async fn create_citizen(&self, token: &str, cpr: &str, given: &str) -> String {
        let (status, body) = self
            .post(
                token,
                "/citizens",
                json!({"cpr": cpr, "given_name": given, "family_name": "Testrup",
                       "address": "Storegade 1", "postal_code": "8900", "city": "Randers C"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        id_of(&body)
    }

    /// Gives the staff behind `members` a relationship to the citizen (issue 7):
    /// `owner` opens a plan and puts them on its care team. Returns the plan.
    async fn care_team(&self, owner: &str, citizen: &str, members: &[&str]) -> Value {
        let (status, mut plan) = self
            .post(
                owner,
                &format!("/citizens/{citizen}/plans"),
                json!({"overall_goal": "Klare mig selv"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        for m in members {
            let id = self.me(m).await["id"].clone();
            let (status, p) = self
                .post(
                    owner,
                    &format!("/plans/{}/team", id_of(&plan)),
                    json!({"version": plan["version"], "kind": "staff", "staff_id": id, "role": "Kontakt"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{p}");
            plan = p;
        }
        plan
    }

    /// Writes an entry; returns it.
    async fn write(&self, token: &str, citizen: &str, body: Value) -> Value {
        let (status, e) = self
            .post(token, &format!("/citizens/{citizen}/journal"), body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        e
    }

    /// The ids on a timeline page with the given query string.
    async fn timeline_ids(&self, token: &str, citizen: &str, query: &str) -> Vec<String> {
        let (status, tl) = self
            .get(token, &format!("/citizens/{citizen}/journal?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {tl}");
        tl["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    }

    async fn search(&self, token: &str, citizen: Option<&str>, q: &str) -> (StatusCode, Value) {
        let path = match citizen {
            Some(c) => format!("/citizens/{c}/journal/search"),
            None => "/journal/search".to_string(),
        };
        self.post(token, &path, json!({ "q": q })).await
    }

    async fn audit_of(&self, citizen: &str) -> Vec<AuditEvent> {
        let id = CitizenId(citizen.parse::<uuid::Uuid>().unwrap());
        self.store
            .list_audit(&AuditFilter {
                citizen_id: Some(id),
                limit: 200,
                ..Default::default()
            })
            .await
            .unwrap()
    }
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn field_names(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn hit_texts(results: &Value) -> Vec<String> {
    let mut t: Vec<String> = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["entry"]["text"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

http_suite!(
    timeline_filters_combine_and_page,
    correction_supersedes_and_keeps_the_old_text,
    a_quote_shows_the_quoted_text_only_to_those_who_may_read_it,
    search_finds_danish_inflections_with_highlights,
    search_returns_nothing_from_journals_the_user_may_not_read,
    search_across_journals_is_the_same_with_the_policy_in_the_query,
    bad_input_is_refused_in_danish_and_nothing_is_stored,
    messages_are_journal_entries_with_unread_counts,
    journal_reads_and_searches_are_audited,
    lost_index_rows_come_back_when_a_server_starts,
    openapi_lists_journal_paths,
    pages_answer_bad_input_in_danish_never_500,
    the_journal_page_is_one_decision_with_every_read_audited,
    reads_decided_together_are_decided_as_alone,
    pages_show_a_change_at_once,
);

// ---------------------------------------------------------------------------
// Timeline

async fn timeline_filters_combine_and_page(t: &Ctx) {
    let sw = t.login("sagsbehandler").await;
    let nurse = t.login("sygeplejerske").await;
    let citizen = t.create_citizen(&sw, CPR, "Ingeborg").await;
    let plan = t.care_team(&sw, &citizen, &[&nurse]).await;
    let (status, plan) = t
        .post(
            &sw,
            &format!("/plans/{}/goals", id_of(&plan)),
            json!({"version": plan["version"], "text": "Gå til købmanden", "scale": "gas", "baseline": "-1", "target": "1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let goal = plan["content"]["goals"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let visit = t
        .write(
            &nurse,
            &citizen,
            json!({"text": "Hjemmebesøg: sår tilset.", "kind": "home_visit",
            "occurred_at": "2026-03-02T09:00", "topic": "fsiii:J3.8", "goal_id": goal}),
        )
        .await;
    assert_eq!(visit["profession"], "sygeplejerske");
    assert_eq!(visit["topic"]["display"], "Gå");
    let call = t
        .write(&nurse, &citizen, json!({"text": "Ringede om medicin.", "kind": "phone", "occurred_at": "2026-03-04T10:00"}))
        .await;
    let talk = t
        .write(
            &sw,
            &citizen,
            json!({"text": "Samtale om at gå til købmanden.", "kind": "conversation",
            "occurred_at": "2026-03-03T13:00", "goal_id": goal}),
        )
        .await;
    let sw_visit = t
        .write(&sw, &citizen, json!({"text": "Hjemmebesøg med datteren.", "kind": "home_visit", "occurred_at": "2026-03-06T11:00"}))
        .await;
    let (v, c, k, s) = (id_of(&visit), id_of(&call), id_of(&talk), id_of(&sw_visit));

    assert_eq!(
        t.timeline_ids(&sw, &citizen, "").await,
        vec![s.clone(), c.clone(), k.clone(), v.clone()]
    );
    assert_eq!(
        t.timeline_ids(&sw, &citizen, "kind=home_visit").await,
        vec![s.clone(), v.clone()]
    );
    assert_eq!(
        t.timeline_ids(&sw, &citizen, "kind=home_visit&profession=sygeplejerske")
            .await,
        vec![v.clone()]
    );
    assert_eq!(
        t.timeline_ids(&sw, &citizen, &format!("goal_id={goal}"))
            .await,
        vec![k.clone(), v.clone()]
    );
    assert_eq!(
        t.timeline_ids(
            &sw,
            &citizen,
            &format!("goal_id={goal}&from=2026-03-03&to=2026-03-31")
        )
        .await,
        vec![k.clone()]
    );
    assert_eq!(
        t.timeline_ids(&sw, &citizen, "from=2026-03-03&to=2026-03-04")
            .await,
        vec![c.clone(), k.clone()]
    );
    assert_eq!(
        t.timeline_ids(&sw, &citizen, "topic=J3.8").await,
        vec![v.clone()]
    );
    let sw_units = t.me(&sw).await["unit_ids"].clone();
    let unit = sw_units[0].as_str().unwrap();
    assert_eq!(
        t.timeline_ids(&sw, &citizen, &format!("unit_id={unit}&kind=home_visit"))
            .await,
        vec![s.clone()]
    );
    assert!(
        t.timeline_ids(&sw, &citizen, "profession=psykolog")
            .await
            .is_empty()
    );

    // Pages: newest first, has_more until the end.
    let (_, p1) = t
        .get(&sw, &format!("/citizens/{citizen}/journal?limit=3"))
        .await;
    assert_eq!(p1["has_more"], true);
    assert_eq!(p1["entries"].as_array().unwrap().len(), 3);
    let (_, p2) = t
        .get(
            &sw,
            &format!("/citizens/{citizen}/journal?limit=3&offset=3"),
        )
        .await;
    assert_eq!(p2["has_more"], false);
    assert_eq!(
        p2["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect::<Vec<_>>(),
        vec![v.clone()]
    );

    // Late entries are flagged by their times; the written time is kept.
    assert!(visit["written_at"].as_str().unwrap() > visit["occurred_at"].as_str().unwrap());
}

async fn correction_supersedes_and_keeps_the_old_text(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let sw = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    t.care_team(&nurse, &citizen, &[&sw]).await;
    let old = t
        .write(&nurse, &citizen, json!({"text": "Faldt i køkkenet.", "kind": "home_visit", "occurred_at": "2026-03-02T09:00"}))
        .await;
    let old_id = id_of(&old);

    // A correction needs a reason.
    let (status, body) = t
        .post(
            &nurse,
            &format!("/journal/{old_id}/corrections"),
            json!({"text": "Faldt på badeværelset."}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        field_names(&body).contains(&"correction_reason".to_string()),
        "{body}"
    );

    let (status, fix) = t
        .post(
            &nurse,
            &format!("/journal/{old_id}/corrections"),
            json!({"text": "Faldt på badeværelset.", "reason": "Forkert rum"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fix}");
    assert_eq!(fix["supersedes"], old_id.as_str());
    assert_eq!(fix["kind"], "home_visit", "a correction keeps the kind");
    assert_eq!(
        fix["occurred_at"], old["occurred_at"],
        "and the time of the event"
    );

    let (status, stored) = t.get(&sw, &format!("/journal/{old_id}")).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["text"], "Faldt i køkkenet.", "the old text stays");
    assert_eq!(stored["superseded_by"], fix["id"]);
    // Both are on the timeline; the kind filter still shows the corrected visit.
    assert_eq!(
        t.timeline_ids(&sw, &citizen, "kind=home_visit").await,
        vec![id_of(&fix), old_id.clone()]
    );
    assert_eq!(
        t.timeline_ids(&sw, &citizen, "kind=correction").await,
        vec![id_of(&fix)]
    );

    // The old version cannot be corrected again (409); the newest can.
    let (status, body) = t
        .post(
            &sw,
            &format!("/journal/{old_id}/corrections"),
            json!({"text": "Tredje", "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allerede rettet"),
        "{body}"
    );
    let (status, again) = t
        .post(
            &sw,
            &format!("/journal/{}/corrections", id_of(&fix)),
            json!({"text": "Faldt på badeværelset om natten.", "reason": "Tidspunkt"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");

    // Correcting something that does not exist is 404.
    let (status, body) = t
        .post(
            &sw,
            &format!("/journal/{}/corrections", uuid::Uuid::now_v7()),
            json!({"text": "x", "reason": "y"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = t
        .post(
            &sw,
            "/journal/garbage/corrections",
            json!({"text": "x", "reason": "y"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Two corrections of the same version at once: exactly one wins.
    let newest = id_of(&again);
    let mut tasks = Vec::new();
    for i in 0..4 {
        let req = t
            .http
            .post(format!("{}/api/v1/journal/{newest}/corrections", t.base))
            .bearer_auth(&sw)
            .json(&json!({"text": format!("Udgave {i}"), "reason": "samtidig"}));
        tasks.push(tokio::spawn(
            async move { req.send().await.unwrap().status() },
        ));
    }
    let mut created = 0;
    for task in tasks {
        let s = task.await.unwrap();
        assert!(s == StatusCode::CREATED || s == StatusCode::CONFLICT, "{s}");
        created += usize::from(s == StatusCode::CREATED);
    }
    assert_eq!(created, 1);
}

/// Write once: a quoting entry shows the quoted entry's text as stored (not a
/// copy), only when the reader may read the quoted entry, and marked when it
/// has been corrected since.
async fn a_quote_shows_the_quoted_text_only_to_those_who_may_read_it(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let sw = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    t.care_team(&nurse, &citizen, &[&sw]).await;
    let fall = t
        .write(
            &nurse,
            &citizen,
            json!({"text": "Faldt i stuen ved sofaen.", "occurred_at": "2026-03-02T09:00"}),
        )
        .await;
    let health = t
        .write(&nurse, &citizen, json!({"text": "Blodsukker 14,2 før frokost.", "sensitivity": "health", "occurred_at": "2026-03-02T10:00"}))
        .await;
    let q1 = t
        .write(&nurse, &citizen, json!({"text": "Opfølgning på faldet.", "quotes": id_of(&fall), "occurred_at": "2026-03-03T09:00"}))
        .await;
    let q2 = t
        .write(&nurse, &citizen, json!({"text": "Opfølgning på blodsukkeret.", "quotes": id_of(&health), "occurred_at": "2026-03-03T10:00"}))
        .await;
    assert_eq!(
        q1["text"], "Opfølgning på faldet.",
        "the quote is not copied"
    );

    let quoted_ids = |tl: &Value| -> Vec<String> {
        let mut v: Vec<String> = tl["quoted"].as_array().unwrap().iter().map(id_of).collect();
        v.sort();
        v
    };
    // The nurse may read both quoted entries; the social worker only the fall.
    let (status, tl) = t.get(&nurse, &format!("/citizens/{citizen}/journal")).await;
    assert_eq!(status, StatusCode::OK, "{tl}");
    let mut both = vec![id_of(&fall), id_of(&health)];
    both.sort();
    assert_eq!(quoted_ids(&tl), both);
    let (_, tl) = t.get(&sw, &format!("/citizens/{citizen}/journal")).await;
    assert_eq!(quoted_ids(&tl), vec![id_of(&fall)], "{tl}");
    assert_eq!(tl["quoted"][0]["text"], "Faldt i stuen ved sofaen.");
    let (_, tl) = t
        .get(&sw, &format!("/citizens/{citizen}/journal?limit=1"))
        .await;
    assert_eq!(
        tl["entries"][0]["id"], q2["id"],
        "the newest entry quotes what the social worker may not read"
    );
    assert_eq!(quoted_ids(&tl), Vec::<String>::new(), "{tl}");

    // The page shows the quoted text inside the quoting entry, and not the health text.
    let b = browser(t, "sagsbehandler").await;
    let (status, html) = page(&b, format!("{}/borgere/{citizen}/journal", t.base)).await;
    assert_eq!(status, StatusCode::OK);
    let q1_at = html.find(&format!("notat-{}\"", id_of(&q1))).unwrap();
    let quote_at = html[q1_at..]
        .find("<blockquote class=\"quoted")
        .map(|i| i + q1_at);
    assert!(quote_at.is_some(), "the quoting entry shows the quote");
    assert!(html[quote_at.unwrap()..].contains("Faldt i stuen ved sofaen."));
    assert!(
        !html.contains("Blodsukker 14,2"),
        "no health text for a social worker"
    );

    // Corrected since: the quote shows the stored (old) text, struck through, and says so.
    let (status, fix) = t
        .post(
            &nurse,
            &format!("/journal/{}/corrections", id_of(&fall)),
            json!({"text": "Faldt i køkkenet.", "reason": "Forkert rum"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fix}");
    let (_, tl) = t.get(&sw, &format!("/citizens/{citizen}/journal")).await;
    let quoted = &tl["quoted"][0];
    assert_eq!(quoted["text"], "Faldt i stuen ved sofaen.");
    assert_eq!(quoted["superseded_by"], fix["id"]);
    let (_, html) = page(&b, format!("{}/borgere/{citizen}/journal", t.base)).await;
    let q1_at = html.find(&format!("notat-{}\"", id_of(&q1))).unwrap();
    let rest = &html[q1_at..];
    let quote = &rest[rest.find("<blockquote").unwrap()..rest.find("</blockquote>").unwrap()];
    assert!(
        quote.contains("<del>Faldt i stuen ved sofaen.</del>"),
        "{quote}"
    );
    assert!(quote.contains("erstattet af"), "{quote}");
}

// ---------------------------------------------------------------------------
// Search

async fn search_finds_danish_inflections_with_highlights(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let a = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    let b = t.create_citizen(&nurse, CPR_2, "Jens").await;
    t.write(
        &nurse,
        &a,
        json!({"text": "Borgeren faldt på badeværelset <b>i nat</b>."}),
    )
    .await;
    t.write(
        &nurse,
        &a,
        json!({"text": "Risiko for fald; rollator bestilt."}),
    )
    .await;
    t.write(&nurse, &a, json!({"text": "Hun falder ofte."}))
        .await;
    t.write(&nurse, &a, json!({"text": "Spiste godt."})).await;
    t.write(&nurse, &b, json!({"text": "Fald på trappen."}))
        .await;

    let (status, one) = t.search(&nurse, Some(&a), "faldet").await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["total"], 3);
    assert_eq!(
        hit_texts(&one),
        vec![
            "Borgeren faldt på badeværelset <b>i nat</b>.",
            "Hun falder ofte.",
            "Risiko for fald; rollator bestilt."
        ]
    );
    let snippets: Vec<&str> = one["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["snippet_html"].as_str().unwrap())
        .collect();
    assert!(
        snippets.contains(&"Borgeren <mark>faldt</mark> på badeværelset &lt;b&gt;i nat&lt;/b&gt;."),
        "{snippets:?}"
    );
    let (_, all) = t.search(&nurse, None, "faldet").await;
    assert_eq!(all["total"], 4);
    assert!(
        all["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["citizen_name"] == "Jens Testrup")
    );
    let (_, none) = t.search(&nurse, Some(&b), "rollator").await;
    assert_eq!(none["total"], 0);
    // Across journals the newest written come first, and a page counts to
    // its own end and says whether more follow.
    let newest = |offset: i64| {
        t.post(
            &nurse,
            "/journal/search",
            json!({"q": "fald", "limit": 2, "offset": offset}),
        )
    };
    let (_, page) = newest(0).await;
    assert_eq!(
        (page["total"].as_i64(), page["more"].as_bool()),
        (Some(2), Some(true))
    );
    let texts = |r: &Value| -> Vec<String> {
        r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["entry"]["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts(&page), vec!["Fald på trappen.", "Hun falder ofte."]);
    let (_, page) = newest(2).await;
    assert_eq!(
        (page["total"].as_i64(), page["more"].as_bool()),
        (Some(4), Some(false))
    );
    assert_eq!(
        texts(&page),
        vec![
            "Risiko for fald; rollator bestilt.",
            "Borgeren faldt på badeværelset <b>i nat</b>."
        ]
    );
}

async fn search_returns_nothing_from_journals_the_user_may_not_read(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let sw = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    t.care_team(&nurse, &citizen, &[&sw]).await;
    let secret = t
        .write(
            &nurse,
            &citizen,
            json!({"text": "Hiv-prøve taget; svar om en uge.", "sensitivity": "health"}),
        )
        .await;
    t.write(&nurse, &citizen, json!({"text": "Almindeligt besøg."}))
        .await;

    // The nurse (a health profession) finds it.
    let (_, found) = t.search(&nurse, Some(&citizen), "hiv").await;
    assert_eq!(found["total"], 1);
    // The social worker: not a hit, not a count, not a snippet — here or across journals.
    for c in [Some(citizen.as_str()), None] {
        let (status, r) = t.search(&sw, c, "hiv").await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["total"], 0, "{r}");
        assert_eq!(r["hits"], json!([]), "{r}");
        assert!(!r.to_string().to_lowercase().contains("hiv"), "{r}");
    }
    // Nor on the timeline, nor by id.
    assert_eq!(t.timeline_ids(&sw, &citizen, "").await.len(), 1);
    let (status, _) = t.get(&sw, &format!("/journal/{}", id_of(&secret))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A social worker cannot write in a class they cannot read.
    let (status, body) = t
        .post(
            &sw,
            &format!("/citizens/{citizen}/journal"),
            json!({"text": "x", "sensitivity": "health"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A professional who does not work with the citizen (issue 7): the journal
    // is outside the search — no hit, no count — and asking for it by name is refused.
    let therapist = t.login("terapeut").await;
    let (status, r) = t.search(&therapist, None, "besøg").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (r["total"].as_i64(), r["hits"].clone()),
        (Some(0), json!([])),
        "{r}"
    );
    let (status, r) = t.search(&therapist, Some(&citizen), "besøg").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{r}");
    assert_eq!(error_code(&r), "no_relationship");
    assert!(r.get("total").is_none(), "{r}");
    let (status, _) = t
        .get(&therapist, &format!("/citizens/{citizen}/journal"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Volunteers and administrators may read no journal: no count, just a refusal.
    for who in ["frivillig", "admin"] {
        let tok = t.login(who).await;
        let (status, r) = t.search(&tok, None, "besøg").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {r}");
        assert!(r.get("total").is_none(), "{r}");
        let (status, r) = t.search(&tok, Some(&citizen), "besøg").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {r}");
        assert!(r.get("total").is_none(), "{r}");
        let (status, _) = t.get(&tok, &format!("/citizens/{citizen}/journal")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }
    let denied = t
        .audit_of(&citizen)
        .await
        .into_iter()
        .filter(|e| e.outcome == AuditOutcome::Denied)
        .count();
    assert!(denied >= 4, "denials are audited");
}

/// A reader with many citizens gets the policy applied per row inside the
/// query instead of a list of citizens (`Settings::listed_scope_max`). A
/// second server over the same database that always does so must answer every
/// search exactly as this one does: hits, counts, and nothing health-sensitive
/// for the social worker; and it audits the hits it shows with their purpose.
async fn search_across_journals_is_the_same_with_the_policy_in_the_query(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let sw = t.login("sagsbehandler").await;
    let therapist = t.login("terapeut").await;
    let shared = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    t.care_team(&nurse, &shared, &[&sw]).await;
    for (text, sensitivity) in [
        ("Hiv-prøve taget efter faldet; svar om en uge.", "health"),
        ("Faldt i badet, ingen skader.", "normal"),
        ("Naboen fortæller om fald på trappen.", "third_party"),
        ("Økonomien bekymrer efter faldet.", "social"),
    ] {
        t.write(
            &nurse,
            &shared,
            json!({"text": text, "sensitivity": sensitivity}),
        )
        .await;
    }
    // The social worker registered this one (an intake grant), the nurse did not.
    let own = t.create_citizen(&sw, CPR_2, "Jens").await;
    t.write(&sw, &own, json!({"text": "Faldet på cyklen, søger hjælp."}))
        .await;

    let (base, stop, server) = spawn_server(
        t.store.clone(),
        Settings {
            listed_scope_max: 0,
            ..Settings::default()
        },
    )
    .await;
    let by_table = |token: String, q: &'static str| {
        let (http, url) = (t.http.clone(), format!("{base}/api/v1/journal/search"));
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "q": q }))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    for (who, token) in [
        ("nurse", &nurse),
        ("social worker", &sw),
        ("therapist", &therapist),
    ] {
        for q in ["faldet", "hiv", "naboen OR økonomien", "fald -badet"] {
            let (status, listed) = t.search(token, None, q).await;
            assert_eq!(status, StatusCode::OK, "{listed}");
            let (status, table) = by_table(token.clone(), q).await;
            assert_eq!(status, StatusCode::OK, "{table}");
            assert_eq!(
                listed["total"], table["total"],
                "{who} {q}: {listed} vs {table}"
            );
            assert_eq!(hit_texts(&listed), hit_texts(&table), "{who} {q}");
        }
    }
    let (_, sw_hits) = by_table(sw.clone(), "faldet").await;
    assert_eq!(sw_hits["total"], 4, "{sw_hits}");
    assert!(
        !sw_hits.to_string().to_lowercase().contains("hiv"),
        "{sw_hits}"
    );
    let (_, nurse_hits) = by_table(nurse.clone(), "faldet").await;
    assert_eq!(nurse_hits["total"], 4, "{nurse_hits}");
    let (_, none) = by_table(therapist.clone(), "faldet").await;
    assert_eq!(
        (none["total"].as_i64(), none["hits"].clone()),
        (Some(0), json!([]))
    );
    // Showing a hit is a read of that citizen's journal, with the policy's purpose.
    let reads: Vec<AuditEvent> = t
        .audit_of(&own)
        .await
        .into_iter()
        .filter(|e| e.resource_type == "journal_search_hit")
        .collect();
    assert!(!reads.is_empty());
    assert!(reads.iter().all(|e| e.purpose.is_some()), "{reads:?}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

// ---------------------------------------------------------------------------
// Bad input

async fn bad_input_is_refused_in_danish_and_nothing_is_stored(t: &Ctx) {
    let sw = t.login("sagsbehandler").await;
    let a = t.create_citizen(&sw, CPR, "Ingeborg").await;
    let b = t.create_citizen(&sw, CPR_2, "Jens").await;
    let (_, plan_b) = t
        .post(
            &sw,
            &format!("/citizens/{b}/plans"),
            json!({"overall_goal": "B"}),
        )
        .await;
    let (status, plan_b) = t
        .post(&sw, &format!("/plans/{}/goals", id_of(&plan_b)),
            json!({"version": plan_b["version"], "text": "B's mål", "scale": "gas", "baseline": "-1", "target": "1"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan_b}");
    let goal_b = plan_b["content"]["goals"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"text": "   "}),
            "text",
            "Notatet skal have en tekst.",
        ),
        (
            json!({"text": "x", "goal_id": goal_b}),
            "goal_id",
            "Målet findes ikke i borgerens plan.",
        ),
        (
            json!({"text": "x", "occurred_at": "2026-13-45T10:00"}),
            "occurred_at",
            "gyldig dato",
        ),
        (
            json!({"text": "x", "occurred_at": "2999-01-01T10:00"}),
            "occurred_at",
            "fremtiden",
        ),
        (
            json!({"text": "x", "kind": "correction"}),
            "kind",
            "rettelse",
        ),
        (json!({"text": "x", "kind": "telepati"}), "kind", "Vælg"),
        (
            json!({"text": "x", "sensitivity": "hemmelig"}),
            "sensitivity",
            "følsomhed",
        ),
        (json!({"text": "x", "topic": "fsiii:X9"}), "topic", "FSIII"),
        (
            json!({"text": "x", "meeting_id": uuid::Uuid::now_v7().to_string()}),
            "meeting_id",
            "Mødet",
        ),
        (
            json!({"text": "x", "quotes": "ikke-et-id"}),
            "quotes",
            "Henvisningen",
        ),
        (json!({"text": "a".repeat(20_001)}), "text", "højst"),
    ];
    for (body, field, words) in cases {
        let (status, r) = t
            .post(&sw, &format!("/citizens/{a}/journal"), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {r}");
        assert_eq!(error_code(&r), "validation");
        let msg = r["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .unwrap_or_else(|| panic!("no {field} error in {r}"))["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            msg.to_lowercase().contains(&words.to_lowercase()),
            "{msg} should mention {words}"
        );
    }
    let (status, r) = t
        .post(&sw, &format!("/citizens/{a}/journal"), json!({"text": 5}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let (status, _) = t
        .api(
            Method::POST,
            &format!("/citizens/{a}/journal"),
            Some(&sw),
            None,
        )
        .await;
    assert!(status.is_client_error());
    assert!(
        t.timeline_ids(&sw, &a, "").await.is_empty(),
        "nothing was stored"
    );

    // Timeline filters that are not filters.
    for q in [
        "from=igår",
        "to=2026-02-30",
        "kind=x",
        "profession=astronaut",
        "goal_id=nej",
        "limit=mange",
        "from=2026-03-05&to=2026-03-01",
    ] {
        let (status, r) = t.get(&sw, &format!("/citizens/{a}/journal?{q}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {r}");
    }
    // Queries of only operators, and far too long ones.
    for q in ["", "\"\" - OR", "-fald", &"fald ".repeat(2000)] {
        for c in [Some(a.as_str()), None] {
            let (status, r) = t.search(&sw, c, q).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q:.20}: {r}");
            assert!(
                r["error"]["message"].as_str().unwrap().starts_with("S"),
                "{r}"
            );
        }
    }
    // Paging stops at 10,000 hits, with a Danish reason.
    for (offset, expected) in [
        (10_001, StatusCode::UNPROCESSABLE_ENTITY),
        (10_000, StatusCode::OK),
    ] {
        let (status, r) = t
            .post(
                &sw,
                "/journal/search",
                json!({"q": "fald", "offset": offset}),
            )
            .await;
        assert_eq!(status, expected, "{offset}: {r}");
        if status != StatusCode::OK {
            assert!(r.to_string().contains("højst bladres 10.000"), "{r}");
        }
    }
    // Unknown citizens are 404, not empty.
    let ghost = uuid::Uuid::now_v7();
    let (status, _) = t.get(&sw, &format!("/citizens/{ghost}/journal")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .post(
            &sw,
            &format!("/citizens/{ghost}/journal"),
            json!({"text": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Refused by the policy (no relationship to nobody), before any write.
    let (status, _) = t
        .post(
            &sw,
            &format!("/citizens/{ghost}/measurements"),
            json!({"goal_id": uuid::Uuid::now_v7().to_string(), "value": "2"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.search(&sw, Some(&ghost.to_string()), "fald").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------
// Digital contact

async fn messages_are_journal_entries_with_unread_counts(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let me = t.me(&nurse).await;
    let my_id: tvaers_domain::ids::StaffId = me["id"].as_str().unwrap().parse().unwrap();
    let unit: tvaers_domain::ids::UnitId = me["unit_ids"][0].as_str().unwrap().parse().unwrap();
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    let cid = CitizenId(citizen.parse().unwrap());

    let (status, sent) = t
        .post(
            &nurse,
            &format!("/citizens/{citizen}/messages"),
            json!({"text": "Vi kommer kl. 10 i morgen."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["kind"], "digital_contact");
    assert_eq!(sent["message"]["direction"], "to_citizen");
    let (status, r) = t
        .post(
            &nurse,
            &format!("/citizens/{citizen}/messages"),
            json!({"text": " "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{r}");

    // The citizen side arrives with the portal; its use case exists now.
    let portal = App::new(t.store.clone(), Settings::default());
    use tvaers_app::journal::Recipient;
    let to_me = portal
        .receive_citizen_message(
            cid,
            Recipient::Staff { staff_id: my_id },
            "Tak, det passer fint.",
        )
        .await
        .unwrap();
    portal
        .receive_citizen_message(
            cid,
            Recipient::Team { unit_id: unit },
            "Kan I også tage min post med?",
        )
        .await
        .unwrap();
    assert!(
        portal
            .receive_citizen_message(cid, Recipient::Team { unit_id: unit }, "  ")
            .await
            .is_err()
    );

    let (status, inbox) = t.get(&nurse, "/messages").await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert_eq!(inbox["unread"], 2);
    assert_eq!(inbox["messages"].as_array().unwrap().len(), 2);
    let team = inbox["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["unit_id"] == unit.to_string())
        .unwrap()
        .clone();
    assert_eq!(team["unread"], 1);

    let (status, _) = t
        .post(&nurse, &format!("/messages/{}/read", to_me.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, inbox) = t.get(&nurse, "/messages").await;
    assert_eq!(inbox["unread"], 1);
    // A staff message is not something to mark read; unknown ids are 404.
    let (status, _) = t
        .post(
            &nurse,
            &format!("/messages/{}/read", id_of(&sent)),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Every message is in the journal as digital contact, searchable like any entry.
    let ids = t
        .timeline_ids(&nurse, &citizen, "kind=digital_contact")
        .await;
    assert_eq!(ids.len(), 3);
    let (_, found) = t.search(&nurse, Some(&citizen), "posten").await;
    assert_eq!(found["total"], 1);
    // Sent messages cannot be corrected.
    let (status, r) = t
        .post(
            &nurse,
            &format!("/journal/{}/corrections", id_of(&sent)),
            json!({"text": "kl. 11", "reason": "tid"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    // Volunteers have no inbox of citizens' messages.
    let vol = t.login("frivillig").await;
    let (status, _) = t.get(&vol, "/messages").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

// ---------------------------------------------------------------------------
// Audit

async fn journal_reads_and_searches_are_audited(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    let e = t
        .write(&nurse, &citizen, json!({"text": "Blodtryk målt."}))
        .await;
    t.timeline_ids(&nurse, &citizen, "").await;
    t.search(&nurse, Some(&citizen), "blodtryk").await;
    t.search(&nurse, None, "blodtryk").await;
    t.get(&nurse, &format!("/journal/{}", id_of(&e))).await;
    let events = t.audit_of(&citizen).await;
    let has = |action: AuditAction, rt: &str| {
        events.iter().any(|e| {
            e.action == action && e.resource_type == rt && e.outcome == AuditOutcome::Allowed
        })
    };
    assert!(has(AuditAction::Create, "journal_entry"), "{events:?}");
    assert!(has(AuditAction::Read, "journal"), "{events:?}");
    assert!(has(AuditAction::Search, "journal_search"), "{events:?}");
    assert!(has(AuditAction::Read, "journal_search_hit"), "{events:?}");
    assert!(has(AuditAction::Read, "journal_entry"), "{events:?}");
    // The query itself is never written to the audit trail.
    assert!(
        events
            .iter()
            .all(|e| !e.detail.clone().unwrap_or_default().contains("blodtryk"))
    );
}

// ---------------------------------------------------------------------------
// Index maintenance

async fn lost_index_rows_come_back_when_a_server_starts(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    for i in 0..6 {
        t.write(
            &nurse,
            &citizen,
            json!({"text": format!("Træning nummer {i} gennemført.")}),
        )
        .await;
    }
    let (_, r) = t.search(&nurse, Some(&citizen), "træningen").await;
    assert_eq!(r["total"], 6);
    let (table, key) = match t.store.backend() {
        tvaers_store::Backend::Sqlite => ("journal_fts", "rowid"),
        tvaers_store::Backend::Postgres => ("journal_index", "seq"),
    };
    let gone = t
        .store
        .debug_exec(&format!("DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} ORDER BY {key} DESC LIMIT 4)"))
        .await
        .unwrap();
    assert_eq!(gone, 4);
    let (_, r) = t.search(&nurse, Some(&citizen), "træningen").await;
    assert_eq!(r["total"], 2, "the index is behind");
    assert!(!t.store.journal_index_status().await.unwrap().in_step());

    // A server starting on this database notices and catches up by itself.
    let (_base, stop, server) = spawn_server(t.store.clone(), Settings::default()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, r) = t.search(&nurse, Some(&citizen), "træningen").await;
        if r["total"] == 6 {
            break;
        }
        assert!(Instant::now() < deadline, "index did not catch up: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(t.store.journal_index_status().await.unwrap().in_step());
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;

    // A full rebuild gives the same answer.
    let app = App::new(t.store.clone(), Settings::default());
    for from_scratch in [false, true] {
        let n = app.reindex_journal(from_scratch, &|_, _| {}).await.unwrap();
        assert_eq!(n, 6);
        assert!(t.store.journal_index_status().await.unwrap().in_step());
    }
    let (_, r) = t.search(&nurse, Some(&citizen), "træningen").await;
    assert_eq!(r["total"], 6);
}

async fn openapi_lists_journal_paths(t: &Ctx) {
    let (status, doc) = t.api(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().expect("paths object");
    for (p, method) in [
        ("/citizens/{id}/journal", "get"),
        ("/citizens/{id}/journal", "post"),
        ("/journal/{id}", "get"),
        ("/journal/{id}/corrections", "post"),
        ("/citizens/{id}/journal/search", "post"),
        ("/journal/search", "post"),
        ("/citizens/{id}/messages", "post"),
        ("/messages", "get"),
        ("/messages/{id}/read", "post"),
    ] {
        assert!(
            paths.get(p).and_then(|i| i.get(method)).is_some(),
            "{method} {p} missing"
        );
    }
}

// ---------------------------------------------------------------------------
// Several servers, one PostgreSQL

/// Two servers with their own connection pools on one PostgreSQL database:
/// an entry written through one is found through the other within 1 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_find_each_others_entries_within_a_second() {
    let db = postgres().await;
    let name = db.pg_name.clone().unwrap();
    let url = match pg_admin_url().rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("bad admin url"),
    };
    run(db, |t| async move {
        // The second server: a separate store (pool) on the same database, like another process.
        let other_store = tvaers_store::open(std::path::Path::new("."), Some(&url))
            .await
            .unwrap();
        let (other_base, stop, server) = spawn_server(other_store, Settings::default()).await;
        let login_b = async |user: &str| -> String {
            let r: Value = t
                .http
                .post(format!("{other_base}/api/v1/auth/login"))
                .json(&json!({"username": user, "password": tvaers_app::demo::DEMO_PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r["token"].as_str().unwrap().to_string()
        };
        let tok_a = t.login("sygeplejerske").await;
        let tok_b = login_b("sagsbehandler").await;
        let citizen = t.create_citizen(&tok_a, CPR, "Ingeborg").await;
        t.care_team(&tok_a, &citizen, &[&tok_b]).await;
        for round in 0..5 {
            let word = format!("kvittering{round}");
            t.write(
                &tok_a,
                &citizen,
                json!({"text": format!("Borgeren faldt; {word} sendt.")}),
            )
            .await;
            let written = Instant::now();
            loop {
                let r: Value = t
                    .http
                    .post(format!("{other_base}/api/v1/journal/search"))
                    .bearer_auth(&tok_b)
                    .json(&json!({"q": word}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if r["total"] == 1 {
                    break;
                }
                assert!(
                    written.elapsed() < Duration::from_secs(1),
                    "not found through the other server within 1 s: {r}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        // And the other way round.
        let r: Value = t
            .http
            .post(format!("{other_base}/api/v1/citizens/{citizen}/journal"))
            .bearer_auth(&tok_b)
            .json(&json!({"text": "Skrevet via server B om faldet."}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(r["id"].is_string(), "{r}");
        let (_, found) = t.search(&tok_a, Some(&citizen), "\"server b\"").await;
        assert_eq!(found["total"], 1, "{found}");
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    })
    .await;
}

// ---------------------------------------------------------------------------
// Pages

/// A browser logged in through the form (keeps cookies, follows no redirects).
async fn browser(t: &Ctx, username: &str) -> Client {
    let b = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    let resp = b
        .post(format!("{}/login", t.base))
        .form(&[
            ("username", username),
            ("password", tvaers_app::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    b
}

fn csrf_in(html: &str) -> String {
    let i = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + 19;
    html[i..].split('"').next().unwrap().to_string()
}

async fn pages_answer_bad_input_in_danish_never_500(t: &Ctx) {
    let tok = t.login("sygeplejerske").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg").await;
    t.write(
        &tok,
        &citizen,
        json!({"text": "Borgeren faldt <script>x</script> i haven.", "kind": "home_visit"}),
    )
    .await;
    let b = browser(t, "sygeplejerske").await;
    let base = &t.base;

    let (status, html) = page(&b, format!("{base}/borgere/{citizen}/journal")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Journal for Ingeborg Testrup"), "{html}");
    assert!(
        !html.contains("<script>x</script>"),
        "entry text is escaped"
    );
    assert!(html.contains("script&#62;x"), "the text is shown, escaped");
    let csrf = csrf_in(&html);
    let (status, html) = page(
        &b,
        format!(
            "{base}/borgere/{citizen}/journal?type=home_visit&faggruppe=sygeplejerske&side=abc"
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("faldt"), "{html}");
    let (status, html) = page(
        &b,
        format!("{base}/borgere/{citizen}/journal?type=bogus&fra=igaar"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Fra-datoen skal være en gyldig dato"),
        "{html}"
    );
    for bad in [
        format!("{base}/borgere/garbage/journal"),
        format!("{base}/journal/soeg?borger=garbage"),
    ] {
        let (status, _) = page(&b, bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = page(&b, format!("{base}/journal/soeg?borger={citizen}")).await;
    assert_eq!(status, StatusCode::OK);

    let post = |path: String, form: Vec<(&'static str, String)>| {
        let b = b.clone();
        async move {
            let r = b.post(path).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = post(
        format!("{base}/borgere/{citizen}/journal"),
        vec![("csrf", csrf.clone()), ("text", "  ".into())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Notatet skal have en tekst."), "{html}");
    let (status, _) = post(
        format!("{base}/borgere/{citizen}/journal"),
        vec![("text", "uden token".into())],
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    let (status, html) = post(
        format!("{base}/journal/soeg"),
        vec![("csrf", csrf.clone()), ("q", "fald ".repeat(2000))],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("højst være 500 tegn"), "{html}");
    let (status, html) = post(
        format!("{base}/journal/soeg"),
        vec![
            ("csrf", csrf.clone()),
            ("q", "faldet".into()),
            ("side", "x".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<mark>faldt</mark>"), "{html}");
    // Across journals the newest come first, and the heading says so.
    assert!(html.contains("1 notat · nyeste først"), "{html}");
    let (status, html) = post(
        format!("{base}/journal/soeg"),
        vec![
            ("csrf", csrf.clone()),
            ("q", "faldet".into()),
            ("borger", citizen.clone()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1 notat</h2>"), "{html}");
    let (status, _) = post(
        format!("{base}/journal/{}/ret", uuid::Uuid::now_v7()),
        vec![
            ("csrf", csrf.clone()),
            ("text", "x".into()),
            ("reason", "y".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(&b, format!("{base}/beskeder")).await;
    assert_eq!(status, StatusCode::OK);
    let vol = browser(t, "frivillig").await;
    let (status, _) = page(&vol, format!("{base}/beskeder")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = page(&vol, format!("{base}/borgere/{citizen}/journal")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The journal page reads the citizen, a timeline page, the plans and the
/// meetings on one decision (`App::journal_view`): an allowed view leaves one
/// audit event per read, all with the policy's purpose; a refused view leaves
/// one denial and shows nothing; a refused filter shows the rest of the page.
async fn the_journal_page_is_one_decision_with_every_read_audited(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    t.care_team(&nurse, &citizen, &[]).await;
    t.write(&nurse, &citizen, json!({"text": "Borgeren faldt i haven."}))
        .await;
    let me = t.me(&nurse).await["id"].as_str().unwrap().to_string();
    // The audit events a page view adds: the kinds of the allowed reads by
    // the nurse (sorted), and how many events in all.
    let view = |b: Client, query: &'static str| {
        let (citizen, me) = (citizen.clone(), me.clone());
        async move {
            let before = t.audit_of(&citizen).await;
            let (status, html) =
                page(&b, format!("{}/borgere/{citizen}/journal{query}", t.base)).await;
            let new: Vec<AuditEvent> = t
                .audit_of(&citizen)
                .await
                .into_iter()
                .filter(|e| !before.iter().any(|b| b.id == e.id))
                .collect();
            let mut reads: Vec<String> = new
                .iter()
                .filter(|e| e.actor_id.map(|a| a.0.to_string()) == Some(me.clone()))
                .filter(|e| e.outcome == AuditOutcome::Allowed && e.action == AuditAction::Read)
                .map(|e| e.resource_type.clone())
                .collect();
            reads.sort();
            (status, html, reads, new)
        }
    };
    let b = browser(t, "sygeplejerske").await;
    let (status, html, reads, new) = view(b.clone(), "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("faldt i haven"), "{html}");
    assert_eq!(
        reads,
        ["citizen", "journal", "meeting_list", "plan_list"],
        "{new:?}"
    );
    assert!(new.iter().all(|e| e.purpose.is_some()), "{new:?}");

    // A refused filter: the page still answers (422, with the form and the
    // error), without the journal read.
    let (status, html, reads, new) = view(b, "?fra=igaar").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Journal for Ingeborg Testrup"), "{html}");
    assert_eq!(reads, ["citizen", "meeting_list", "plan_list"], "{new:?}");

    // Someone without a relationship: refused, one denial, no text.
    let (status, html, _, new) = view(browser(t, "terapeut").await, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("faldt i haven"));
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].outcome, AuditOutcome::Denied);
}

/// Reads that reach the audit writer together are decided in one batch (on
/// PostgreSQL with one facts query for all of them): each is answered, and
/// audited, as it is when it comes alone.
async fn reads_decided_together_are_decided_as_alone(t: &Ctx) {
    let users = ["sagsbehandler", "sygeplejerske", "frivillig", "leder"];
    let mut tokens = Vec::new();
    for u in users {
        tokens.push(t.login(u).await);
    }
    let mut citizens: Vec<String> = t
        .store
        .list_citizens_after(None, 8)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    citizens.push(t.create_citizen(&tokens[0], CPR, "Ingeborg").await);
    let reads: Vec<(String, String)> = tokens
        .iter()
        .flat_map(|tok| citizens.iter().map(move |c| (tok.clone(), c.clone())))
        .collect();
    let mut alone = Vec::new();
    for (tok, c) in &reads {
        alone.push(t.get(tok, &format!("/citizens/{c}/journal")).await.0);
    }
    assert!(alone.contains(&StatusCode::OK), "{alone:?}");
    assert!(alone.iter().any(|s| *s != StatusCode::OK), "{alone:?}");
    let mut before = Vec::new();
    for c in &citizens {
        before.push(t.audit_of(c).await.len());
    }
    // All at once: the writer finds them waiting together.
    let mut together = Vec::new();
    for (tok, c) in &reads {
        let req = t
            .http
            .get(t.url(&format!("/api/v1/citizens/{c}/journal")))
            .bearer_auth(tok)
            .send();
        together.push(tokio::spawn(req));
    }
    let mut answers = Vec::new();
    for r in together {
        answers.push(r.await.unwrap().unwrap().status());
    }
    assert_eq!(answers, alone);
    // Every read left one event, allowed or denied, as it did alone.
    for (c, n) in citizens.iter().zip(before) {
        let per_read = reads.iter().filter(|(_, rc)| rc == c).count();
        assert_eq!(t.audit_of(c).await.len(), n + per_read, "{c}");
    }
}

/// The overview and the journal page are kept in memory under the citizen's
/// version (on PostgreSQL read with the decision's facts): a change shows on
/// the next view.
async fn pages_show_a_change_at_once(t: &Ctx) {
    let nurse = t.login("sygeplejerske").await;
    let citizen = t.create_citizen(&nurse, CPR, "Ingeborg").await;
    let plan = t.care_team(&nurse, &citizen, &[]).await;
    let b = browser(t, "sygeplejerske").await;
    let overview = format!("{}/borgere/{citizen}", t.base);
    let journal = format!("{}/borgere/{citizen}/journal", t.base);
    for round in 0..3 {
        let goal = format!("Gå til købmanden, runde {round}");
        let note = format!("Borgeren gik i haven, runde {round}.");
        let (status, html) = page(&b, overview.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(&goal), "{html}");
        let (status, html) = page(&b, journal.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(&note), "{html}");
        let (_, current) = t.get(&nurse, &format!("/plans/{}", id_of(&plan))).await;
        let (status, p) = t
            .post(
                &nurse,
                &format!("/plans/{}/goals", id_of(&plan)),
                json!({"version": current["version"], "text": goal, "scale": "gas", "baseline": "-1", "target": "1"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
        t.write(&nurse, &citizen, json!({ "text": note })).await;
        let (_, html) = page(&b, overview.clone()).await;
        assert!(html.contains(&goal), "round {round}: {html}");
        let (_, html) = page(&b, journal.clone()).await;
        assert!(html.contains(&note), "round {round}: {html}");
    }
}
