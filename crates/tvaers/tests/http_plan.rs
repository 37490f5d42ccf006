#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! HTTP tests of the plan API (issue 4): plans with versions, meetings with
//! action goals, tasks, "Mit arbejde" and the team view. The real server
//! (`tvaers_web::serve`) runs in-process on a free port against a fresh
//! database seeded with the demo municipality; each test runs on a temporary
//! SQLite file and on a fresh PostgreSQL database created on the server named
//! by `TVAERS_TEST_PG_URL` (default: `postgres://postgres@localhost/postgres`).

#[macro_use]
mod common;
use common::*;

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tvaers_app::{App, Settings};
use tvaers_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use tvaers_domain::ids::CitizenId;
use tvaers_store::AuditFilter;

/// A CPR number used across tests (valid date, fictitious person).
const CPR: &str = "070761-4285";

/// Meetings are planned far ahead so "not in the past" holds whenever the suite runs.
const MEETING_AT: &str = "2099-01-10T10:00";
const NEXT_MEETING_AT: &str = "2099-02-10T10:00";
const GOAL_DUE: &str = "2099-01-20";

// ---------------------------------------------------------------------------
// Helpers of this suite (the harness is in tests/common)

impl Ctx {
    /// The staff id behind a token.
    async fn me(&self, token: &str) -> String {
        let (status, me) = self.get(token, "/me").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        me["id"].as_str().unwrap().to_string()
    }

    async fn create_citizen(&self, token: &str) -> String {
        let (status, body) = self
            .post(
                token,
                "/citizens",
                json!({"cpr": CPR, "given_name": "Ingeborg", "family_name": "Testrup",
                       "address": "Storegade 1", "postal_code": "8900", "city": "Randers C"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    async fn unit_id(&self, token: &str, name: &str) -> String {
        let (status, units) = self.get(token, "/units").await;
        assert_eq!(status, StatusCode::OK, "{units}");
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .unwrap_or_else(|| panic!("no unit {name} in {units}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Opens a plan; returns it.
    async fn open_plan(&self, token: &str, citizen: &str, overall_goal: &str) -> Value {
        let (status, plan) = self
            .post(
                token,
                &format!("/citizens/{citizen}/plans"),
                json!({"overall_goal": overall_goal}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        plan
    }

    /// The stored plan.
    async fn plan(&self, token: &str, plan_id: &str) -> Value {
        let (status, plan) = self.get(token, &format!("/plans/{plan_id}")).await;
        assert_eq!(status, StatusCode::OK, "{plan}");
        plan
    }

    async fn versions(&self, token: &str, plan_id: &str) -> Vec<Value> {
        let (status, list) = self.get(token, &format!("/plans/{plan_id}/versions")).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list.as_array().unwrap().clone()
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

    /// Schedules a meeting at `MEETING_AT` with the given staff; returns its id.
    async fn schedule(&self, token: &str, citizen: &str, staff: &[&str]) -> String {
        let (status, m) = self
            .post(
                token,
                &format!("/citizens/{citizen}/meetings"),
                json!({"kind": "network", "starts_at": MEETING_AT, "location": "Rådhuset",
                       "agenda": "Status", "staff_ids": staff, "citizen_attends": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(m["status"], "planned", "{m}");
        m["id"].as_str().unwrap().to_string()
    }
}

/// Sends the same request `n` times at once; returns every answer.
async fn concurrently(
    t: &Ctx,
    n: usize,
    method: Method,
    path: &str,
    token: &str,
    body: Value,
) -> Vec<(StatusCode, Value)> {
    let start = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let req = t
            .http
            .request(method.clone(), format!("{}/api/v1{path}", t.base))
            .bearer_auth(token)
            .json(&body);
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

fn count(answers: &[(StatusCode, Value)], status: StatusCode) -> usize {
    answers.iter().filter(|(s, _)| *s == status).count()
}

fn version(plan: &Value) -> i64 {
    plan["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("no version in {plan}"))
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

fn field_messages(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn fsiii_goal(text: &str) -> Value {
    json!({"text": text, "area_code": "fsiii:b4", "area_display": "Bevægelse",
           "scale": "fsiii", "baseline": "3", "target": "1", "deadline": "2099-06-01"})
}

fn gas_goal(text: &str) -> Value {
    json!({"text": text, "scale": "gas", "baseline": "-1", "target": "1"})
}

/// Merges `extra` into the object `body`.
fn with(mut body: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn action_goal(text: &str, owner: &str) -> Value {
    json!({"text": text, "owner": owner, "due": GOAL_DUE})
}

http_suite!(
    statistics_match_the_hand_computed_fixture,
    measurement_bad_input_is_refused_and_charts_render,
    plan_is_opened_once_and_grows_version_by_version,
    stale_version_is_409_with_the_other_change_and_saves_nothing,
    rule_violations_are_422_and_leave_the_version_unchanged,
    replace_reads_back_and_is_checked_like_the_parts,
    restore_creates_a_new_version_with_the_old_content,
    closed_plan_stays_readable_and_a_new_plan_can_be_opened,
    wishes_overall_goal_and_review_are_versioned,
    meeting_in_the_past_is_422,
    meeting_cycle_creates_tasks_and_reviews_the_previous_goals,
    closing_with_four_action_goals_warns_but_succeeds,
    reviewing_a_goal_not_from_the_previous_meeting_is_422_and_nothing_is_saved,
    cancelled_meeting_cannot_be_closed,
    tasks_can_be_created_done_and_reopened,
    plan_read_is_audited,
    admin_and_volunteer_get_404_on_plans,
    leader_sees_team_view_others_do_not,
    garbage_and_unknown_ids_are_404_json,
    concurrent_saves_from_one_version_keep_exactly_one,
    concurrent_plan_openings_keep_exactly_one,
    concurrent_closes_of_a_meeting_keep_exactly_one,
    lists_of_an_unknown_citizen_are_404,
    openapi_lists_plan_and_meeting_paths,
);

// ---------------------------------------------------------------------------
// Plans

async fn plan_is_opened_once_and_grows_version_by_version(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let nurse_tok = t.login("sygeplejerske").await;
    let nurse = t.me(&nurse_tok).await;
    let citizen = t.create_citizen(&tok).await;

    // No plan yet.
    let (status, body) = t.get(&tok, &format!("/citizens/{citizen}/plan")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(error_code(&body), "not_found");

    let plan = t.open_plan(&tok, &citizen, "Klare mig selv hjemme").await;
    let pid = id_of(&plan);
    assert_eq!(version(&plan), 1);
    assert_eq!(plan["status"], "active");
    assert_eq!(plan["content"]["coordinator"], me.as_str());
    assert_eq!(plan["content"]["overall_goal"], "Klare mig selv hjemme");

    // Only one active plan per citizen.
    let (status, body) = t
        .post(
            &tok,
            &format!("/citizens/{citizen}/plans"),
            json!({"overall_goal": "En til"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "conflict");

    let (status, active) = t.get(&tok, &format!("/citizens/{citizen}/plan")).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(id_of(&active), pid);

    // Two goals: FSIII 3 → 1 and a GAS goal.
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/goals"),
            with(fsiii_goal("Gå selv til bussen"), json!({"version": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 2);
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/goals"),
            with(
                gas_goal("Deltage i fællesspisning"),
                json!({"version": 2, "reason": "Aftalt på mødet"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 3);
    let goals = p["content"]["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 2, "{p}");
    let fsiii = &goals[0];
    assert_eq!(fsiii["scale"]["kind"], "fsiii");
    assert_eq!(fsiii["baseline"], 3.0);
    assert_eq!(fsiii["target"], 1.0);
    assert_eq!(fsiii["area"]["system"], "fsiii");
    assert_eq!(fsiii["deadline"], "2099-06-01");
    assert_eq!(goals[1]["scale"]["kind"], "gas");
    let goal_id = id_of(fsiii);

    // One intervention linked to the first goal, delivered by a unit.
    let unit = t.unit_id(&tok, "Træning og Rehabilitering").await;
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/interventions"),
            json!({"version": 3, "what": "Genoptræning af gang", "deliverer_kind": "unit",
                   "deliverer": unit, "goal_ids": [goal_id], "start": "2099-01-01",
                   "end": "2099-03-01", "frequency": "2 gange om ugen", "legal_basis": "SEL § 86"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 4);
    let i = &p["content"]["interventions"][0];
    assert_eq!(i["deliverer"]["kind"], "unit");
    assert_eq!(i["deliverer"]["unit_id"], unit.as_str());
    assert_eq!(i["goal_ids"], json!([goal_id]));
    assert_eq!(i["status"], "planned");

    // The nurse joins the team, then takes over as coordinator.
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/team"),
            json!({"version": 4, "kind": "staff", "staff_id": nurse, "role": "Sygeplejerske"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 5);
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/coordinator"),
            json!({"version": 5, "staff_id": nurse}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 6);
    assert_eq!(p["content"]["coordinator"], nurse.as_str());

    // The history has one version per change, newest first, with author and reason.
    let versions = t.versions(&tok, &pid).await;
    assert_eq!(
        versions.iter().map(version).collect::<Vec<_>>(),
        (1..=6).rev().collect::<Vec<_>>(),
        "{versions:?}"
    );
    let v3 = versions.iter().find(|v| v["version"] == 3).unwrap();
    assert_eq!(v3["reason"], "Aftalt på mødet");
    assert_eq!(v3["author_name"], "Sara Sagsbehandler");
    assert_eq!(v3["status"], "active");
    assert!(v3["at"].as_str().unwrap().contains('T'), "{v3}");
    assert!(v3.get("content").is_none(), "the list carries no content");

    let (status, v1) = t.get(&tok, &format!("/plans/{pid}/versions/1")).await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["reason"], "Plan oprettet");
    assert_eq!(v1["content"]["goals"], json!([]));
    let (status, _) = t.get(&tok, &format!("/plans/{pid}/versions/99")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, d) = t.get(&tok, &format!("/plans/{pid}/diff?from=5&to=6")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let changes: Vec<&str> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        vec!["Tovholder skiftet fra Sara Sagsbehandler til Signe Sygeplejerske"],
        "{d}"
    );
    let (status, d) = t.get(&tok, &format!("/plans/{pid}/diff?from=1&to=6")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let all = d["changes"].to_string();
    for needle in [
        "Mål tilføjet",
        "Indsats tilføjet",
        "Med i teamet",
        "Tovholder skiftet",
    ] {
        assert!(all.contains(needle), "{needle} not in {all}");
    }
    let (status, body) = t.get(&tok, &format!("/plans/{pid}/diff?from=x&to=6")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The plan is on both professionals' "Mit arbejde".
    for (token, coordinator) in [(&tok, false), (&nurse_tok, true)] {
        let (status, work) = t.get(token, "/my-work").await;
        assert_eq!(status, StatusCode::OK, "{work}");
        let mine = work["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["plan_id"] == pid.as_str())
            .unwrap_or_else(|| panic!("plan not on my-work: {work}"));
        assert_eq!(mine["is_coordinator"], coordinator, "{mine}");
        assert_eq!(mine["coordinator_name"], "Signe Sygeplejerske");
    }
}

async fn stale_version_is_409_with_the_other_change_and_saves_nothing(t: &Ctx) {
    let sara = t.login("sagsbehandler").await;
    let signe = t.login("sygeplejerske").await;
    let nurse = t.me(&signe).await;
    let citizen = t.create_citizen(&sara).await;
    let pid = id_of(&t.open_plan(&sara, &citizen, "Før").await);
    let (status, p) = t
        .post(
            &sara,
            &format!("/plans/{pid}/team"),
            json!({"version": 1, "kind": "staff", "staff_id": nurse, "role": "Sygeplejerske"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");

    // Both start from version 2; Sara saves first.
    let seen = version(&t.plan(&signe, &pid).await);
    assert_eq!(seen, 2);
    let (status, p) = t
        .put(
            &sara,
            &format!("/plans/{pid}/overall-goal"),
            json!({"version": seen, "overall_goal": "Bo i egen bolig"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 3);

    // Signe's change from version 2 is refused with what Sara changed.
    let (status, body) = t
        .post(
            &signe,
            &format!("/plans/{pid}/goals"),
            with(fsiii_goal("Gå selv til bussen"), json!({"version": seen})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "stale_version");
    assert!(field_names(&body).iter().all(|f| f == "changes"), "{body}");
    assert!(
        field_messages(&body)
            .iter()
            .any(|m| m.contains("Overordnet mål ændret til: «Bo i egen bolig»")),
        "{body}"
    );
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("2 → 3"), "{msg}");

    // Nothing of Signe's was saved.
    let p = t.plan(&sara, &pid).await;
    assert_eq!(version(&p), 3);
    assert_eq!(p["content"]["goals"], json!([]));
    assert_eq!(t.versions(&sara, &pid).await.len(), 3);

    // Other edit kinds go through the same check.
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/plans/{pid}/wishes"),
            json!({"version": 2, "text": "At komme ud", "on_behalf": false}),
        ),
        (
            Method::POST,
            format!("/plans/{pid}/coordinator"),
            json!({"version": 2, "staff_id": nurse}),
        ),
        (
            Method::DELETE,
            format!("/plans/{pid}/team/{nurse}?version=2"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/plans/{pid}/close"),
            json!({"version": 2, "reason": "Slut"}),
        ),
        (
            Method::POST,
            format!("/plans/{pid}/restore"),
            json!({"version": 2, "restore_version": 1}),
        ),
    ] {
        let body = (!body.is_null()).then_some(body);
        let (status, resp) = t.api(method, &path, Some(&signe), body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {resp}");
        assert_eq!(error_code(&resp), "stale_version", "{path}: {resp}");
    }
    let p = t.plan(&sara, &pid).await;
    assert_eq!(version(&p), 3);
    assert_eq!(p["status"], "active");

    // Starting again from the current version works.
    let (status, p) = t
        .post(
            &signe,
            &format!("/plans/{pid}/goals"),
            with(fsiii_goal("Gå selv til bussen"), json!({"version": 3})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 4);
}

async fn rule_violations_are_422_and_leave_the_version_unchanged(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let nurse = t.me(&t.login("sygeplejerske").await).await;
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "Mål").await);
    let p = t
        .post(
            &tok,
            &format!("/plans/{pid}/goals"),
            with(fsiii_goal("Gå selv"), json!({"version": 1})),
        )
        .await
        .1;
    assert_eq!(version(&p), 2, "{p}");
    let goal_id = id_of(&p["content"]["goals"][0]);

    let cases: Vec<(&str, Method, String, Value, &str)> = vec![
        (
            "removing the coordinator",
            Method::DELETE,
            format!("/plans/{pid}/team/{me}?version=2"),
            Value::Null,
            "team",
        ),
        (
            "handing over to someone not on the team",
            Method::POST,
            format!("/plans/{pid}/coordinator"),
            json!({"version": 2, "staff_id": nurse}),
            "coordinator",
        ),
        (
            "handing over to garbage",
            Method::POST,
            format!("/plans/{pid}/coordinator"),
            json!({"version": 2, "staff_id": "ikke-et-id"}),
            "coordinator",
        ),
        (
            "goal without text",
            Method::POST,
            format!("/plans/{pid}/goals"),
            with(fsiii_goal("  "), json!({"version": 2})),
            "goal_text",
        ),
        (
            "target 7 on FSIII",
            Method::POST,
            format!("/plans/{pid}/goals"),
            with(fsiii_goal("Gå langt"), json!({"version": 2, "target": "7"})),
            "goal_target",
        ),
        (
            "target worse than baseline",
            Method::PUT,
            format!("/plans/{pid}/goals/{goal_id}"),
            with(
                fsiii_goal("Gå selv"),
                json!({"version": 2, "baseline": "1", "target": "3"}),
            ),
            "goal_target",
        ),
        (
            "unknown scale",
            Method::POST,
            format!("/plans/{pid}/goals"),
            with(fsiii_goal("Gå"), json!({"version": 2, "scale": "stjerner"})),
            "goal_scale",
        ),
        (
            "intervention without deliverer",
            Method::POST,
            format!("/plans/{pid}/interventions"),
            json!({"version": 2, "what": "Træning", "deliverer_kind": "provider", "deliverer": " "}),
            "intervention_deliverer",
        ),
        (
            "intervention without deliverer kind",
            Method::POST,
            format!("/plans/{pid}/interventions"),
            json!({"version": 2, "what": "Træning"}),
            "intervention_deliverer",
        ),
        (
            "intervention ending before it starts",
            Method::POST,
            format!("/plans/{pid}/interventions"),
            json!({"version": 2, "what": "Træning", "deliverer_kind": "provider",
                   "deliverer": "Omsorg Plus", "start": "2099-03-01", "end": "2099-02-01"}),
            "intervention_end",
        ),
        (
            "intervention for a goal not in the plan",
            Method::POST,
            format!("/plans/{pid}/interventions"),
            json!({"version": 2, "what": "Træning", "deliverer_kind": "provider",
                   "deliverer": "Omsorg Plus", "goal_ids": [uuid::Uuid::new_v4().to_string()]}),
            "intervention_goals",
        ),
        (
            "intervention by an unknown staff member",
            Method::POST,
            format!("/plans/{pid}/interventions"),
            json!({"version": 2, "what": "Træning", "deliverer_kind": "staff",
                   "deliverer": uuid::Uuid::new_v4().to_string()}),
            "workers",
        ),
        (
            "adding an unknown staff member",
            Method::POST,
            format!("/plans/{pid}/team"),
            json!({"version": 2, "kind": "staff", "staff_id": uuid::Uuid::new_v4().to_string()}),
            "workers",
        ),
        (
            "adding the coordinator twice",
            Method::POST,
            format!("/plans/{pid}/team"),
            json!({"version": 2, "kind": "staff", "staff_id": me}),
            "team",
        ),
        (
            "relative without relation",
            Method::POST,
            format!("/plans/{pid}/team"),
            json!({"version": 2, "kind": "relative", "name": "Mette"}),
            "team",
        ),
        (
            "review date that is no date",
            Method::PUT,
            format!("/plans/{pid}/review"),
            json!({"version": 2, "review_on": "1. maj", "cadence": "hver 3. måned"}),
            "review_on",
        ),
        (
            "delete without version",
            Method::DELETE,
            format!("/plans/{pid}/team/{nurse}"),
            Value::Null,
            "version",
        ),
    ];
    for (what, method, path, body, field) in cases {
        let body = (!body.is_null()).then_some(body);
        let (status, resp) = t.api(method, &path, Some(&tok), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {resp}");
        assert_eq!(error_code(&resp), "validation", "{what}: {resp}");
        assert!(
            field_names(&resp).iter().any(|f| f == field),
            "{what}: expected field {field} in {resp}"
        );
        assert!(
            !field_messages(&resp).iter().any(|m| m.is_empty()),
            "{what}: {resp}"
        );
        let p = t.plan(&tok, &pid).await;
        assert_eq!(version(&p), 2, "{what} changed the plan: {p}");
    }
    assert_eq!(t.versions(&tok, &pid).await.len(), 2);

    // A body that is no plan edit at all is refused before the app sees it.
    let (status, resp) = t
        .post(
            &tok,
            &format!("/plans/{pid}/goals"),
            json!({"text": "Uden version"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    assert_eq!(error_code(&resp), "invalid_body", "{resp}");

    // Unknown goal or intervention ids are 404.
    for path in [
        format!("/plans/{pid}/goals/{}", uuid::Uuid::new_v4()),
        format!("/plans/{pid}/goals/ikke-et-id"),
    ] {
        let (status, resp) = t
            .put(&tok, &path, with(fsiii_goal("Gå"), json!({"version": 2})))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {resp}");
    }
    let (status, resp) = t
        .put(
            &tok,
            &format!("/plans/{pid}/interventions/{}", uuid::Uuid::new_v4()),
            json!({"version": 2, "what": "Træning", "deliverer_kind": "provider", "deliverer": "X"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{resp}");
    assert_eq!(version(&t.plan(&tok, &pid).await), 2);
}

async fn replace_reads_back_and_is_checked_like_the_parts(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let nurse = t.me(&t.login("sygeplejerske").await).await;
    let citizen = t.create_citizen(&tok).await;
    let plan = t.open_plan(&tok, &citizen, "Mål").await;
    let pid = id_of(&plan);

    // The content read from the API can be written back with changes.
    let mut content = plan["content"].clone();
    content["overall_goal"] = json!("Nyt mål");
    content["meeting_cadence"] = json!("hver 3. måned");
    content["review_on"] = json!("2099-05-01");
    content["goals"] = json!([{
        "id": uuid::Uuid::new_v4().to_string(), "text": "Gå selv", "area": null,
        "scale": {"kind": "numeric", "unit": "meter", "higher_is_better": true},
        "baseline": 50.0, "target": 400.0, "deadline": null, "status": "active", "workers": []
    }]);
    let (status, p) = t
        .put(
            &tok,
            &format!("/plans/{pid}"),
            json!({"version": 1, "reason": "Skrevet om", "content": content}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 2);
    assert_eq!(p["content"], content);
    let (_, v2) = t.get(&tok, &format!("/plans/{pid}/versions/2")).await;
    assert_eq!(v2["reason"], "Skrevet om");

    // Coordinator not on the team.
    let mut bad = content.clone();
    bad["coordinator"] = json!(nurse);
    let (status, resp) = t
        .put(
            &tok,
            &format!("/plans/{pid}"),
            json!({"version": 2, "content": bad}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    assert!(
        field_names(&resp).contains(&"coordinator".to_string()),
        "{resp}"
    );

    // The coordinator dropped from the team.
    let mut bad = content.clone();
    bad["team"] = json!([{"kind": "citizen"}]);
    let (status, resp) = t
        .put(
            &tok,
            &format!("/plans/{pid}"),
            json!({"version": 2, "content": bad}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    assert!(
        field_names(&resp).contains(&"coordinator".to_string()),
        "{resp}"
    );

    // A goal target outside its scale.
    let mut bad = content.clone();
    bad["goals"][0]["scale"] = json!({"kind": "gas"});
    bad["goals"][0]["baseline"] = json!(-1.0);
    bad["goals"][0]["target"] = json!(3.0);
    let (status, resp) = t
        .put(
            &tok,
            &format!("/plans/{pid}"),
            json!({"version": 2, "content": bad}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    assert!(
        field_names(&resp).contains(&"goal_target".to_string()),
        "{resp}"
    );

    // An unknown staff member on the team.
    let mut bad = content.clone();
    bad["team"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kind": "staff", "staff_id": uuid::Uuid::new_v4().to_string(), "role": "X"}));
    let (status, resp) = t
        .put(
            &tok,
            &format!("/plans/{pid}"),
            json!({"version": 2, "content": bad}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");

    // Not a plan content at all.
    let (status, resp) = t
        .put(
            &tok,
            &format!("/plans/{pid}"),
            json!({"version": 2, "content": {"overall_goal": 7}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    assert_eq!(error_code(&resp), "invalid_body");

    assert_eq!(version(&t.plan(&tok, &pid).await), 2);

    // Saving the same content again is no new version.
    let (status, p) = t
        .put(
            &tok,
            &format!("/plans/{pid}"),
            json!({"version": 2, "content": content}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 2);
}

async fn restore_creates_a_new_version_with_the_old_content(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "Første mål").await);
    let (status, p) = t
        .put(
            &tok,
            &format!("/plans/{pid}/overall-goal"),
            json!({"version": 1, "overall_goal": "Andet mål"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/goals"),
            with(gas_goal("Komme ud"), json!({"version": 2})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 3);

    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/restore"),
            json!({"version": 3, "restore_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 4);
    assert_eq!(p["content"]["overall_goal"], "Første mål");
    assert_eq!(p["content"]["goals"], json!([]));

    let (_, v1) = t.get(&tok, &format!("/plans/{pid}/versions/1")).await;
    assert_eq!(p["content"], v1["content"]);
    let versions = t.versions(&tok, &pid).await;
    assert_eq!(versions.len(), 4);
    assert_eq!(version(&versions[0]), 4);
    assert_eq!(versions[0]["reason"], "Gendannet fra version 1");
    // The versions in between are kept.
    let (_, v3) = t.get(&tok, &format!("/plans/{pid}/versions/3")).await;
    assert_eq!(v3["content"]["overall_goal"], "Andet mål");

    // Restoring a version that does not exist is 404 and changes nothing.
    let (status, resp) = t
        .post(
            &tok,
            &format!("/plans/{pid}/restore"),
            json!({"version": 4, "restore_version": 17}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{resp}");
    assert_eq!(version(&t.plan(&tok, &pid).await), 4);
}

async fn closed_plan_stays_readable_and_a_new_plan_can_be_opened(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok).await;
    let old = id_of(&t.open_plan(&tok, &citizen, "Gammelt mål").await);
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{old}/close"),
            json!({"version": 1, "reason": "Borgeren er flyttet"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "closed");
    assert_eq!(version(&p), 2);

    // No active plan now.
    let (status, _) = t.get(&tok, &format!("/citizens/{citizen}/plan")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A closed plan cannot be changed or closed again.
    let (status, resp) = t
        .put(
            &tok,
            &format!("/plans/{old}/overall-goal"),
            json!({"version": 2, "overall_goal": "Ændret"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");
    assert_eq!(error_code(&resp), "conflict");
    let (status, resp) = t
        .post(
            &tok,
            &format!("/plans/{old}/close"),
            json!({"version": 2, "reason": "Igen"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");

    let new = id_of(&t.open_plan(&tok, &citizen, "Nyt mål").await);
    assert_ne!(new, old);

    let p = t.plan(&tok, &old).await;
    assert_eq!(p["status"], "closed");
    assert_eq!(p["content"]["overall_goal"], "Gammelt mål");
    let versions = t.versions(&tok, &old).await;
    assert_eq!(versions.len(), 2);
    assert_eq!(version(&versions[0]), 2);
    assert_eq!(versions[0]["status"], "closed");
    assert_eq!(versions[0]["reason"], "Borgeren er flyttet");
    assert_eq!(versions[1]["status"], "active");

    let (status, active) = t.get(&tok, &format!("/citizens/{citizen}/plan")).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(id_of(&active), new);
    let (status, all) = t.get(&tok, &format!("/citizens/{citizen}/plans")).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let mut ids: Vec<String> = all.as_array().unwrap().iter().map(id_of).collect();
    ids.sort();
    let mut want = vec![old, new];
    want.sort();
    assert_eq!(ids, want);
}

async fn wishes_overall_goal_and_review_are_versioned(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "").await);

    let (status, p) = t
        .put(
            &tok,
            &format!("/plans/{pid}/wishes"),
            json!({"version": 1, "text": "Jeg vil gerne passe min have", "on_behalf": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let w = &p["content"]["wishes"];
    assert_eq!(w["text"], "Jeg vil gerne passe min have");
    assert_eq!(w["author"]["by"], "on_behalf");
    assert_eq!(w["author"]["staff_id"], me.as_str());

    let (status, p) = t
        .put(
            &tok,
            &format!("/plans/{pid}/wishes"),
            json!({"version": 2, "text": "Passe min have", "on_behalf": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["content"]["wishes"]["author"]["by"], "citizen");

    let (status, p) = t
        .put(
            &tok,
            &format!("/plans/{pid}/review"),
            json!({"version": 3, "review_on": "2099-04-01", "cadence": "hver 3. måned"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["content"]["review_on"], "2099-04-01");
    assert_eq!(p["content"]["meeting_cadence"], "hver 3. måned");
    assert_eq!(version(&p), 4);

    let (status, d) = t.get(&tok, &format!("/plans/{pid}/diff?from=3&to=4")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let all = d["changes"].to_string();
    assert!(
        all.contains("Opfølgningsdato ændret til 2099-04-01"),
        "{all}"
    );
    assert!(all.contains("Mødekadence ændret"), "{all}");

    // The staff member leaves the team again with a version in the query.
    let nurse = t.me(&t.login("sygeplejerske").await).await;
    let (status, p) = t
        .post(
            &tok,
            &format!("/plans/{pid}/team"),
            json!({"version": 4, "kind": "staff", "staff_id": nurse, "role": "Sygeplejerske"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let (status, p) = t
        .delete(&tok, &format!("/plans/{pid}/team/{nurse}?version=5"))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(version(&p), 6);
    assert!(!p["content"]["team"].to_string().contains(&nurse), "{p}");
}

// ---------------------------------------------------------------------------
// Meetings and tasks

async fn meeting_in_the_past_is_422(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok).await;
    let (status, resp) = t
        .post(
            &tok,
            &format!("/citizens/{citizen}/meetings"),
            json!({"kind": "network", "starts_at": "2020-01-10T10:00"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    assert!(
        field_names(&resp).contains(&"starts_at".to_string()),
        "{resp}"
    );

    let (status, resp) = t
        .post(
            &tok,
            &format!("/citizens/{citizen}/meetings"),
            json!({"kind": "kaffe", "starts_at": "i morgen"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    let fields = field_names(&resp);
    assert!(fields.contains(&"kind".to_string()), "{resp}");
    assert!(fields.contains(&"starts_at".to_string()), "{resp}");

    let (status, list) = t.get(&tok, &format!("/citizens/{citizen}/meetings")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list, json!([]));
}

async fn meeting_cycle_creates_tasks_and_reviews_the_previous_goals(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let nurse_tok = t.login("sygeplejerske").await;
    let nurse = t.me(&nurse_tok).await;
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "Klare mig selv").await);

    let first = t.schedule(&tok, &citizen, &[&nurse]).await;
    let (status, view) = t.get(&tok, &format!("/meetings/{first}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["meeting"]["plan_id"], pid.as_str());
    assert_eq!(view["to_review"], json!([]));
    assert!(
        view["meeting"]["attendees"]
            .to_string()
            .contains(nurse.as_str())
    );

    // The planned meeting is on the attending nurse's "Mit arbejde".
    let (_, work) = t.get(&nurse_tok, "/my-work").await;
    let upcoming = work["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["meeting_id"] == first.as_str())
        .unwrap_or_else(|| panic!("meeting not on my-work: {work}"));
    assert_eq!(upcoming["kind"], "network");
    assert_eq!(upcoming["citizen_id"], citizen.as_str());

    let owner = format!("staff:{nurse}");
    let (status, closed) = t
        .post(
            &tok,
            &format!("/meetings/{first}/close"),
            json!({
                "minutes": "Godt møde",
                "action_goals": [
                    action_goal("Bestil hjælpemiddel", &owner),
                    action_goal("Ring til egen læge", &owner),
                    action_goal("Følg op på medicin", &owner),
                ],
                "next_starts_at": NEXT_MEETING_AT,
                "next_kind": "follow_up"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["meeting"]["status"], "held");
    assert_eq!(closed["warning"], Value::Null, "{closed}");
    let next = closed["next_meeting_id"].as_str().unwrap().to_string();

    // Closing twice is a conflict.
    let (status, resp) = t
        .post(&tok, &format!("/meetings/{first}/close"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");

    // Tasks for the owner, on their "Mit arbejde".
    let (status, tasks) = t.get(&tok, &format!("/citizens/{citizen}/tasks")).await;
    assert_eq!(status, StatusCode::OK, "{tasks}");
    assert_eq!(tasks.as_array().unwrap().len(), 3, "{tasks}");
    for task in tasks.as_array().unwrap() {
        assert_eq!(task["owner"]["kind"], "staff");
        assert_eq!(task["owner"]["staff_id"], nurse.as_str());
        assert_eq!(task["due"], GOAL_DUE);
        assert_eq!(task["status"], "open");
        assert!(task["action_goal_id"].is_string(), "{task}");
    }
    let (status, work) = t.get(&nurse_tok, "/my-work").await;
    assert_eq!(status, StatusCode::OK, "{work}");
    let mine: Vec<&Value> = work["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["citizen_id"] == citizen.as_str())
        .collect();
    assert_eq!(mine.len(), 3, "{work}");
    let titles: Vec<&str> = mine.iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Ring til egen læge"), "{titles:?}");
    assert_eq!(mine[0]["citizen_name"], "Ingeborg Testrup");
    // …and not on the case worker's.
    let (_, work) = t.get(&tok, "/my-work").await;
    assert!(
        !work["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["citizen_id"] == citizen.as_str()),
        "{work}"
    );

    // The next meeting opens with the three goals to review.
    let (status, view) = t.get(&tok, &format!("/meetings/{next}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["meeting"]["status"], "planned");
    assert_eq!(view["meeting"]["kind"], "follow_up");
    assert_eq!(view["meeting"]["previous_meeting_id"], first.as_str());
    let to_review = view["to_review"].as_array().unwrap().clone();
    assert_eq!(to_review.len(), 3, "{view}");
    assert!(to_review.iter().all(|g| g["review"].is_null()), "{view}");
    let (_, first_view) = t.get(&tok, &format!("/meetings/{first}")).await;
    assert_eq!(first_view["next_meeting_id"], next.as_str());
    assert_eq!(first_view["action_goals"].as_array().unwrap().len(), 3);

    let (status, list) = t.get(&tok, &format!("/citizens/{citizen}/meetings")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    // Close the next meeting reviewing them; no new goals → a warning.
    let outcomes = ["done", "partly", "not_done"];
    let reviews: Vec<Value> = to_review
        .iter()
        .zip(outcomes)
        .map(|(g, o)| json!({"action_goal_id": g["id"], "outcome": o, "comment": format!("Status: {o}")}))
        .collect();
    let (status, closed) = t
        .post(
            &tok,
            &format!("/meetings/{next}/close"),
            json!({"minutes": "Opfølgning", "reviews": reviews}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    let warning = closed["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("uden aftalte indsatsmål"), "{closed}");
    assert_eq!(closed["next_meeting_id"], Value::Null);

    // The reviews are stored on the goals.
    let (_, view) = t.get(&tok, &format!("/meetings/{next}")).await;
    assert_eq!(view["meeting"]["status"], "held");
    assert_eq!(view["meeting"]["minutes"], "Opfølgning");
    for (goal, outcome) in to_review.iter().zip(outcomes) {
        let stored = view["to_review"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == goal["id"])
            .unwrap();
        assert_eq!(stored["review"]["outcome"], outcome, "{stored}");
        assert_eq!(stored["review"]["comment"], format!("Status: {outcome}"));
        assert_eq!(stored["review"]["meeting_id"], next.as_str());
    }
    // A goal reviewed as done closes its task; the others stay open.
    let (_, tasks) = t.get(&tok, &format!("/citizens/{citizen}/tasks")).await;
    for (goal, outcome) in to_review.iter().zip(outcomes) {
        if let Some(task) = tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["action_goal_id"] == goal["id"])
        {
            let expected = if outcome == "done" { "done" } else { "open" };
            assert_eq!(task["status"], expected, "{task}");
        }
    }
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["status"] == "done"),
        "the done goal's task is closed: {tasks}"
    );
}

async fn closing_with_four_action_goals_warns_but_succeeds(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let citizen = t.create_citizen(&tok).await;
    let unit = t.unit_id(&tok, "Voksen Handicap").await;
    let m = t.schedule(&tok, &citizen, &[&me]).await;
    let (status, closed) = t
        .post(
            &tok,
            &format!("/meetings/{m}/close"),
            json!({"action_goals": [
                action_goal("Et", &format!("staff:{me}")),
                action_goal("To", &format!("team:{unit}")),
                action_goal("Tre", "citizen"),
                action_goal("Fire", "relative:Mette"),
                // An unused blank row of the form is skipped.
                {"text": "", "owner": "", "due": ""},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    let warning = closed["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("4 indsatsmål"), "{closed}");
    let (_, view) = t.get(&tok, &format!("/meetings/{m}")).await;
    assert_eq!(view["action_goals"].as_array().unwrap().len(), 4, "{view}");
    // Tasks only for staff- and team-owned goals.
    let (_, tasks) = t.get(&tok, &format!("/citizens/{citizen}/tasks")).await;
    let mut titles: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    assert_eq!(titles, vec!["Et", "To"], "{tasks}");
}

async fn reviewing_a_goal_not_from_the_previous_meeting_is_422_and_nothing_is_saved(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let citizen = t.create_citizen(&tok).await;
    let first = t.schedule(&tok, &citizen, &[&me]).await;
    let (status, closed) = t
        .post(
            &tok,
            &format!("/meetings/{first}/close"),
            json!({"action_goals": [action_goal("Et", "citizen"), action_goal("To", "citizen")],
                   "next_starts_at": NEXT_MEETING_AT}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    let next = closed["next_meeting_id"].as_str().unwrap().to_string();

    let owner = format!("staff:{me}");
    for (what, body, field) in [
        (
            "unknown action goal",
            json!({"reviews": [{"action_goal_id": uuid::Uuid::new_v4().to_string(), "outcome": "done"}],
                   "action_goals": [action_goal("Nyt", &owner)]}),
            "reviews",
        ),
        (
            "garbage action goal id",
            json!({"reviews": [{"action_goal_id": "ikke-et-id", "outcome": "done"}],
                   "action_goals": [action_goal("Nyt", &owner)]}),
            "reviews",
        ),
        (
            "unknown outcome",
            json!({"reviews": [{"action_goal_id": "x", "outcome": "måske"}]}),
            "reviews",
        ),
        (
            "action goal due before the meeting",
            json!({"action_goals": [{"text": "Nyt", "owner": owner, "due": "2099-01-01"}]}),
            "action_goals",
        ),
        (
            "action goal without owner",
            json!({"action_goals": [{"text": "Nyt", "owner": "", "due": "2099-03-01"}]}),
            "action_goals",
        ),
        (
            "next meeting before this one",
            json!({"next_starts_at": "2099-01-01T10:00"}),
            "next_starts_at",
        ),
    ] {
        let (status, resp) = t.post(&tok, &format!("/meetings/{next}/close"), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {resp}");
        assert!(
            field_names(&resp).iter().any(|f| f == field),
            "{what}: {resp}"
        );
        let (_, view) = t.get(&tok, &format!("/meetings/{next}")).await;
        assert_eq!(view["meeting"]["status"], "planned", "{what}: {view}");
        assert_eq!(view["action_goals"], json!([]), "{what}: {view}");
        assert!(
            view["to_review"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["review"].is_null()),
            "{what}: {view}"
        );
        let (_, tasks) = t.get(&tok, &format!("/citizens/{citizen}/tasks")).await;
        assert_eq!(tasks, json!([]), "{what}");
        let (_, list) = t.get(&tok, &format!("/citizens/{citizen}/meetings")).await;
        assert_eq!(list.as_array().unwrap().len(), 2, "{what}: {list}");
    }
}

async fn cancelled_meeting_cannot_be_closed(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok).await;
    let m = t.schedule(&tok, &citizen, &[]).await;
    let (status, resp) = t
        .post(&tok, &format!("/meetings/{m}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(resp["status"], "cancelled");
    let (status, resp) = t
        .post(&tok, &format!("/meetings/{m}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");
    let (status, resp) = t
        .post(&tok, &format!("/meetings/{m}/close"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");
    let (_, view) = t.get(&tok, &format!("/meetings/{m}")).await;
    assert_eq!(view["meeting"]["status"], "cancelled");
}

async fn tasks_can_be_created_done_and_reopened(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let citizen = t.create_citizen(&tok).await;
    let (status, task) = t
        .post(
            &tok,
            &format!("/citizens/{citizen}/tasks"),
            json!({"title": "Send referat", "owner": format!("staff:{me}"), "due": "2099-01-05"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["status"], "open");
    assert_eq!(task["due"], "2099-01-05");
    assert_eq!(task["action_goal_id"], Value::Null);
    let tid = id_of(&task);

    let (_, work) = t.get(&tok, "/my-work").await;
    assert!(
        work["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == tid.as_str()),
        "{work}"
    );

    let (status, done) = t.post(&tok, &format!("/tasks/{tid}/done"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "done");
    let (_, work) = t.get(&tok, "/my-work").await;
    assert!(
        !work["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == tid.as_str()),
        "a done task is not open work: {work}"
    );
    let (status, open) = t
        .post(&tok, &format!("/tasks/{tid}/reopen"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{open}");
    assert_eq!(open["status"], "open");
    let (_, tasks) = t.get(&tok, &format!("/citizens/{citizen}/tasks")).await;
    assert_eq!(tasks[0]["status"], "open", "{tasks}");

    // Rules.
    let (status, resp) = t
        .post(
            &tok,
            &format!("/citizens/{citizen}/tasks"),
            json!({"title": "", "owner": "nogen", "due": "snart"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    let fields = field_names(&resp);
    for f in ["title", "owner", "due"] {
        assert!(fields.contains(&f.to_string()), "{f}: {resp}");
    }
    // A task for a volunteer's team is on their "Mit arbejde" with the
    // citizen's first name only.
    let unit = t.unit_id(&tok, "Voksen Handicap").await;
    let (status, team_task) = t
        .post(
            &tok,
            &format!("/citizens/{citizen}/tasks"),
            json!({"title": "Gåtur", "owner": format!("team:{unit}")}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team_task}");
    assert_eq!(team_task["due"], Value::Null);
    let frida = t.login("frivillig").await;
    let (status, work) = t.get(&frida, "/my-work").await;
    assert_eq!(status, StatusCode::OK, "{work}");
    let tasks = work["tasks"].as_array().unwrap();
    let mine = tasks
        .iter()
        .find(|t| t["id"] == team_task["id"])
        .unwrap_or_else(|| panic!("team task not on the volunteer's my-work: {work}"));
    assert_eq!(mine["citizen_name"], "Ingeborg", "{mine}");
    assert!(!tasks.iter().any(|t| t["id"] == tid.as_str()), "{work}");
    assert!(!work.to_string().contains("Testrup"), "{work}");
}

// ---------------------------------------------------------------------------
// Access and audit

async fn plan_read_is_audited(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "Mål").await);
    let plan_uuid: uuid::Uuid = pid.parse().unwrap();
    let reads = |events: &[AuditEvent]| {
        events
            .iter()
            .filter(|e| {
                e.action == AuditAction::Read
                    && e.outcome == AuditOutcome::Allowed
                    && e.resource_type == "plan"
                    && e.resource_id == Some(plan_uuid)
                    && e.actor_id.map(|a| a.to_string()) == Some(me.clone())
            })
            .count()
    };
    let before = reads(&t.audit_of(&citizen).await);
    t.plan(&tok, &pid).await;
    let after = reads(&t.audit_of(&citizen).await);
    assert_eq!(after, before + 1);

    // History reads are audited too.
    t.versions(&tok, &pid).await;
    assert!(
        t.audit_of(&citizen)
            .await
            .iter()
            .any(|e| e.resource_type == "plan_history" && e.resource_id == Some(plan_uuid))
    );
    // The creation is audited as a create.
    assert!(
        t.audit_of(&citizen)
            .await
            .iter()
            .any(|e| e.action == AuditAction::Create
                && e.resource_type == "plan"
                && e.resource_id == Some(plan_uuid))
    );
}

async fn admin_and_volunteer_get_404_on_plans(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "Mål").await);
    let m = t.schedule(&tok, &citizen, &[]).await;
    for who in ["admin", "frivillig"] {
        let other = t.login(who).await;
        for path in [
            format!("/plans/{pid}"),
            format!("/plans/{pid}/versions"),
            format!("/plans/{pid}/versions/1"),
            format!("/plans/{pid}/diff?from=1&to=1"),
            format!("/citizens/{citizen}/plan"),
            format!("/citizens/{citizen}/plans"),
            format!("/citizens/{citizen}/meetings"),
            format!("/citizens/{citizen}/tasks"),
            format!("/meetings/{m}"),
        ] {
            let (status, resp) = t.get(&other, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} {path}: {resp}");
            assert_eq!(error_code(&resp), "not_found", "{who} {path}");
        }
        let (status, resp) = t
            .post(
                &other,
                &format!("/plans/{pid}/goals"),
                with(gas_goal("Mål"), json!({"version": 1})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {resp}");
        let (status, resp) = t
            .post(
                &other,
                &format!("/citizens/{citizen}/plans"),
                json!({"overall_goal": "X"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {resp}");
        // The denials are audited.
        let denied = t
            .audit_of(&citizen)
            .await
            .into_iter()
            .filter(|e| e.outcome == AuditOutcome::Denied && e.resource_type == "plan")
            .count();
        assert!(denied >= 1, "{who}");
    }
    assert_eq!(version(&t.plan(&tok, &pid).await), 1);

    // Administrators have no "Mit arbejde"; volunteers see only their tasks.
    let admin = t.login("admin").await;
    let (status, resp) = t.get(&admin, "/my-work").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{resp}");
    let frida = t.login("frivillig").await;
    let (status, work) = t.get(&frida, "/my-work").await;
    assert_eq!(status, StatusCode::OK, "{work}");
    assert_eq!(work["plans"], json!([]));
    assert_eq!(work["cases"], json!([]));
}

async fn leader_sees_team_view_others_do_not(t: &Ctx) {
    let leader = t.login("leder").await;
    let (status, team) = t.get(&leader, "/team").await;
    assert_eq!(status, StatusCode::OK, "{team}");
    assert!(team["caseloads"].is_array(), "{team}");
    assert!(team["overdue_by_unit"].is_array(), "{team}");
    for c in team["caseloads"].as_array().unwrap() {
        assert!(c["staff_id"].is_string() && c["open_cases"].is_i64(), "{c}");
    }
    for who in ["sagsbehandler", "admin", "frivillig"] {
        let tok = t.login(who).await;
        let (status, resp) = t.get(&tok, "/team").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {resp}");
        assert_eq!(error_code(&resp), "forbidden");
    }
    let (status, resp) = t.api(Method::GET, "/team", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{resp}");
    let (status, resp) = t.api(Method::GET, "/my-work", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{resp}");
}

async fn garbage_and_unknown_ids_are_404_json(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut wrong = Vec::new();
    for id in ["ikke-et-id", unknown.as_str()] {
        for (method, path, body) in [
            (Method::GET, format!("/plans/{id}"), None),
            (Method::GET, format!("/plans/{id}/versions"), None),
            (Method::GET, format!("/plans/{id}/versions/1"), None),
            (Method::GET, format!("/plans/{id}/diff?from=1&to=2"), None),
            (
                Method::PUT,
                format!("/plans/{id}/overall-goal"),
                Some(json!({"version": 1, "overall_goal": "X"})),
            ),
            (
                Method::POST,
                format!("/plans/{id}/close"),
                Some(json!({"version": 1, "reason": "X"})),
            ),
            (Method::GET, format!("/citizens/{id}/plan"), None),
            (
                Method::POST,
                format!("/citizens/{id}/plans"),
                Some(json!({"overall_goal": "X"})),
            ),
            (Method::GET, format!("/meetings/{id}"), None),
            (
                Method::POST,
                format!("/meetings/{id}/close"),
                Some(json!({})),
            ),
            (Method::POST, format!("/meetings/{id}/cancel"), None),
            (
                Method::POST,
                format!("/citizens/{id}/meetings"),
                Some(json!({"kind": "network", "starts_at": MEETING_AT})),
            ),
            (Method::POST, format!("/tasks/{id}/done"), None),
            (Method::POST, format!("/tasks/{id}/reopen"), None),
            (
                Method::POST,
                format!("/citizens/{id}/tasks"),
                Some(json!({"title": "X", "owner": "citizen"})),
            ),
        ] {
            let (status, resp) = t.api(method.clone(), &path, Some(&tok), body).await;
            if status != StatusCode::NOT_FOUND || error_code(&resp) != "not_found" {
                wrong.push(format!("{method} {path}: {status} {resp}"));
            }
        }
    }
    assert!(wrong.is_empty(), "not 404 not_found:\n{}", wrong.join("\n"));
    // Lists of a citizen given by a malformed id.
    for path in [
        "/citizens/x/plans",
        "/citizens/x/meetings",
        "/citizens/x/tasks",
    ] {
        let (status, resp) = t.get(&tok, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {resp}");
    }
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "Mål").await);
    let (status, _) = t.get(&tok, &format!("/plans/{pid}/versions/en")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Like `GET /citizens/{id}/cases`, the lists of an unknown citizen should be
/// 404, not an empty list.
async fn lists_of_an_unknown_citizen_are_404(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let unknown = uuid::Uuid::new_v4();
    let (status, resp) = t.get(&tok, &format!("/citizens/{unknown}/cases")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "cases: {resp}");
    let mut wrong = Vec::new();
    for list in ["plans", "meetings", "tasks"] {
        let path = format!("/citizens/{unknown}/{list}");
        let (status, resp) = t.get(&tok, &path).await;
        if status != StatusCode::NOT_FOUND {
            wrong.push(format!("GET {path}: {status} {resp}"));
        }
    }
    assert!(wrong.is_empty(), "not 404:\n{}", wrong.join("\n"));
}

async fn openapi_lists_plan_and_meeting_paths(t: &Ctx) {
    let (status, doc) = t.api(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().expect("paths object");
    for (p, method) in [
        ("/plans/{id}", "get"),
        ("/plans/{id}", "put"),
        ("/citizens/{id}/plan", "get"),
        ("/citizens/{id}/plans", "post"),
        ("/plans/{id}/goals", "post"),
        ("/plans/{id}/goals/{goal_id}", "put"),
        ("/plans/{id}/interventions/{intervention_id}", "put"),
        ("/plans/{id}/team/{staff_id}", "delete"),
        ("/plans/{id}/coordinator", "post"),
        ("/plans/{id}/versions/{version}", "get"),
        ("/plans/{id}/diff", "get"),
        ("/citizens/{id}/meetings", "post"),
        ("/meetings/{id}", "get"),
        ("/meetings/{id}/close", "post"),
        ("/citizens/{id}/tasks", "post"),
        ("/tasks/{id}/done", "post"),
        ("/my-work", "get"),
        ("/team", "get"),
    ] {
        assert!(
            paths.get(p).and_then(|i| i.get(method)).is_some(),
            "no {method} {p} in {:?}",
            paths.keys()
        );
    }
    // Every schema reference resolves.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"]
        .as_object()
        .expect("schemas object");
    let prefix = "\"#/components/schemas/";
    let mut rest = text.as_str();
    let mut seen = 0;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        let name = &rest[..rest.find('"').unwrap()];
        assert!(schemas.contains_key(name), "unresolved schema {name}");
        seen += 1;
    }
    assert!(seen > 0);
    for s in [
        "Plan",
        "PlanContent",
        "GoalRequest",
        "MeetingView",
        "ClosedMeeting",
        "MyWorkDto",
    ] {
        assert!(schemas.contains_key(s), "no schema {s}");
    }
}

// ---------------------------------------------------------------------------
// Races

async fn concurrent_saves_from_one_version_keep_exactly_one(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok).await;
    let pid = id_of(&t.open_plan(&tok, &citizen, "Mål").await);
    let answers = concurrently(
        t,
        8,
        Method::POST,
        &format!("/plans/{pid}/goals"),
        &tok,
        with(gas_goal("Komme ud"), json!({"version": 1})),
    )
    .await;
    assert_eq!(count(&answers, StatusCode::OK), 1, "{answers:?}");
    assert_eq!(count(&answers, StatusCode::CONFLICT), 7, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CONFLICT)
            .all(|(_, b)| error_code(b) == "stale_version"),
        "{answers:?}"
    );
    let p = t.plan(&tok, &pid).await;
    assert_eq!(version(&p), 2);
    assert_eq!(p["content"]["goals"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(t.versions(&tok, &pid).await.len(), 2);
}

async fn concurrent_plan_openings_keep_exactly_one(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok).await;
    let answers = concurrently(
        t,
        8,
        Method::POST,
        &format!("/citizens/{citizen}/plans"),
        &tok,
        json!({"overall_goal": "Mål"}),
    )
    .await;
    assert_eq!(count(&answers, StatusCode::CREATED), 1, "{answers:?}");
    assert_eq!(count(&answers, StatusCode::CONFLICT), 7, "{answers:?}");
    let (_, all) = t.get(&tok, &format!("/citizens/{citizen}/plans")).await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
}

async fn concurrent_closes_of_a_meeting_keep_exactly_one(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let me = t.me(&tok).await;
    let citizen = t.create_citizen(&tok).await;
    let m = t.schedule(&tok, &citizen, &[&me]).await;
    let owner = format!("staff:{me}");
    let answers = concurrently(
        t,
        8,
        Method::POST,
        &format!("/meetings/{m}/close"),
        &tok,
        json!({"action_goals": [action_goal("Et", &owner), action_goal("To", &owner)],
               "next_starts_at": NEXT_MEETING_AT}),
    )
    .await;
    let (_, tasks) = t.get(&tok, &format!("/citizens/{citizen}/tasks")).await;
    let (_, meetings) = t.get(&tok, &format!("/citizens/{citizen}/meetings")).await;
    let (_, view) = t.get(&tok, &format!("/meetings/{m}")).await;
    assert_eq!(
        count(&answers, StatusCode::OK),
        1,
        "closed more than once: {} tasks, {} meetings, {} action goals",
        tasks.as_array().unwrap().len(),
        meetings.as_array().unwrap().len(),
        view["action_goals"].as_array().unwrap().len()
    );
    assert_eq!(count(&answers, StatusCode::CONFLICT), 7, "{answers:?}");
    assert_eq!(tasks.as_array().unwrap().len(), 2, "{tasks}");
    assert_eq!(meetings.as_array().unwrap().len(), 2, "{meetings}");
    assert_eq!(view["action_goals"].as_array().unwrap().len(), 2, "{view}");
}

// ---------------------------------------------------------------------------
// Issue 5: measurements and statistics on a hand-computed fixture.

struct Fixture {
    leader: String,
    unit: String,
    citizens: Vec<String>,
}

/// Six citizens with cases in a fresh unit, plans, GAS and FSIII measurements;
/// the expected figures are worked out by hand in `statistics_match_the_hand_computed_fixture`.
async fn fixture(t: &Ctx) -> Fixture {
    let admin = t.login("admin").await;
    let sb = t.login("sagsbehandler").await;
    let leader = t.login("leder").await;
    let parent = t.unit_id(&admin, "Sundhed og Omsorg").await;
    let (status, unit) = t
        .post(
            &admin,
            "/units",
            json!({"name": "Testenhed Statistik", "kind": "team", "parent_id": parent}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{unit}");
    let unit = unit["id"].as_str().unwrap().to_string();
    let sb_id = t.me(&sb).await;
    // (CPR, case opened, case closed). C1 is born in 1950 (67–79 in 2025).
    let people = [
        ("010150-1233", "2024-12-01", None),
        ("020285-1238", "2025-02-10", Some("2025-04-15")),
        ("030386-1235", "2025-01-20", None),
        ("040487-1230", "2025-03-05", None),
        ("050588-1237", "2025-05-31", None),
        ("060689-1234", "2025-01-01", Some("2025-01-31")),
    ];
    let mut citizens = Vec::new();
    for (i, (cpr, opened, closed)) in people.iter().enumerate() {
        let (status, c) = t
            .post(
                &sb,
                "/citizens",
                json!({"cpr": cpr, "given_name": format!("Fixtur{i}"), "family_name": "Statistik"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let cid = c["id"].as_str().unwrap().to_string();
        let (status, case) = t
            .post(&sb, &format!("/citizens/{cid}/cases"), json!({
                "area": "genoptraening", "title": "Genoptræning", "legal_basis": "Sundhedsloven § 140",
                "responsible_unit_id": unit, "case_worker_id": sb_id, "opened_on": opened, "closed_on": closed}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        citizens.push(cid);
    }
    Fixture {
        leader,
        unit,
        citizens,
    }
}

/// Opens a plan with the goals given; returns (plan id, goal ids, version).
async fn plan_with_goals(
    t: &Ctx,
    tok: &str,
    cid: &str,
    goals: &[Value],
) -> (String, Vec<String>, i64) {
    let (status, p) = t
        .post(
            tok,
            &format!("/citizens/{cid}/plans"),
            json!({"overall_goal": "Klare hverdagen"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_str().unwrap().to_string();
    let mut version = p["version"].as_i64().unwrap();
    let mut ids = Vec::new();
    for g in goals {
        let (status, p) = t
            .post(
                tok,
                &format!("/plans/{pid}/goals"),
                with(g.clone(), json!({"version": version})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
        version = p["version"].as_i64().unwrap();
        ids.push(
            p["content"]["goals"].as_array().unwrap().last().unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    (pid, ids, version)
}

async fn measure(t: &Ctx, tok: &str, cid: &str, body: Value) -> Value {
    let (status, m) = t
        .post(tok, &format!("/citizens/{cid}/measurements"), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    m
}

async fn statistics_match_the_hand_computed_fixture(t: &Ctx) {
    let f = fixture(t).await;
    let sb = t.login("sagsbehandler").await;
    let c = &f.citizens;
    let gas = |text: &str, deadline: Option<&str>| json!({"text": text, "scale": "gas", "deadline": deadline});
    let fsiii = |text: &str, area: &str, deadline: &str| json!({"text": text, "scale": "fsiii", "area_code": format!("fsiii:{area}"), "area_display": area, "deadline": deadline});
    let (p1, g1, v1) = plan_with_goals(
        t,
        &sb,
        &c[0],
        &[
            gas("a", Some("2025-03-01")),
            fsiii("b", "J3.8", "2025-05-01"),
        ],
    )
    .await;
    let (p2, g2, v2) = plan_with_goals(
        t,
        &sb,
        &c[1],
        &[gas("c", Some("2025-04-01")), gas("d", Some("2025-08-01"))],
    )
    .await;
    let (p3, g3, v3) = plan_with_goals(t, &sb, &c[2], &[fsiii("e", "J1.1", "2025-06-30")]).await;
    let (_p4, g4, _) = plan_with_goals(t, &sb, &c[3], &[gas("f", None)]).await;

    let lvl = |goal: &str, at: &str, v: i64| json!({"goal_id": goal, "kind": "level", "value": v, "measured_at": at});
    let fun = |goal: &str, at: &str, v: i64| json!({"goal_id": goal, "kind": "functional", "current": v, "measured_at": at});
    let area = |code: &str, at: &str, v: &str| json!({"area": format!("fsiii:{code}"), "kind": "functional", "current": v, "measured_at": at});
    // GAS: C1 a −1 then +1; C2 c −2, d 0 (and +2 after the period); C4 f +2 corrected to +1.
    measure(t, &sb, &c[0], lvl(&g1[0], "2025-02-01T10:00", -1)).await;
    measure(t, &sb, &c[0], lvl(&g1[0], "2025-03-01T10:00", 1)).await;
    measure(t, &sb, &c[1], lvl(&g2[0], "2025-03-01T10:00", -2)).await;
    measure(t, &sb, &c[1], lvl(&g2[1], "2025-03-15T10:00", 0)).await;
    measure(t, &sb, &c[1], lvl(&g2[1], "2025-07-15T10:00", 2)).await;
    let wrong = measure(t, &sb, &c[3], lvl(&g4[0], "2025-04-01T10:00", 2)).await;
    let fixed = with(
        lvl(&g4[0], "2025-04-01T10:00", 1),
        json!({"supersedes": wrong["id"], "correction_reason": "Tastefejl"}),
    );
    measure(t, &sb, &c[3], fixed.clone()).await;
    // A second correction of the same measurement is refused; nothing is stored.
    let (status, body) = t
        .post(&sb, &format!("/citizens/{}/measurements", c[3]), fixed)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // FSIII: C1 J3.8 3 → 1 (better); C3 J1.1 2 → 2 (same) and J3.8 1 → 2 (worse);
    // C5 one measurement only; C6 J1.1 4 before the period, then 3 and 3 (same), and "not relevant".
    measure(t, &sb, &c[0], fun(&g1[1], "2025-01-15T10:00", 3)).await;
    measure(t, &sb, &c[0], fun(&g1[1], "2025-05-01T10:00", 1)).await;
    measure(t, &sb, &c[2], fun(&g3[0], "2025-02-01T10:00", 2)).await;
    measure(t, &sb, &c[2], fun(&g3[0], "2025-06-01T10:00", 2)).await;
    measure(t, &sb, &c[2], area("J3.8", "2025-02-01T10:00", "1")).await;
    measure(t, &sb, &c[2], area("J3.8", "2025-06-01T10:00", "2")).await;
    measure(t, &sb, &c[4], area("J3.8", "2025-03-01T10:00", "2")).await;
    measure(t, &sb, &c[5], area("J1.1", "2024-12-01T10:00", "4")).await;
    measure(t, &sb, &c[5], area("J1.1", "2025-01-10T10:00", "3")).await;
    measure(t, &sb, &c[5], area("J1.1", "2025-01-20T10:00", "3")).await;
    measure(t, &sb, &c[5], area("J1.1", "2025-01-25T10:00", "9")).await;
    // Outcomes: a achieved, b partly, c not achieved, e achieved; d is due after the period.
    let set = |g: Value, status: &str| with(g, json!({"status": status}));
    let (s, p) = t
        .put(
            &sb,
            &format!("/plans/{p1}/goals/{}", g1[0]),
            with(
                set(gas("a", Some("2025-03-01")), "achieved"),
                json!({"version": v1}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let _ = p;
    let v1b = v1 + 1;
    let (s, p) = t
        .put(
            &sb,
            &format!("/plans/{p1}/goals/{}", g1[1]),
            with(
                set(fsiii("b", "J3.8", "2025-05-01"), "partly"),
                json!({"version": v1b}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, p) = t
        .put(
            &sb,
            &format!("/plans/{p2}/goals/{}", g2[0]),
            with(
                set(gas("c", Some("2025-04-01")), "not_achieved"),
                json!({"version": v2}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, p) = t
        .put(
            &sb,
            &format!("/plans/{p3}/goals/{}", g3[0]),
            with(
                set(fsiii("e", "J1.1", "2025-06-30"), "achieved"),
                json!({"version": v3}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // A measurement on the achieved goal is refused with a Danish message.
    let (status, body) = t
        .post(
            &sb,
            &format!("/citizens/{}/measurements", c[2]),
            fun(&g3[0], "2025-06-02T10:00", 1),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("afsluttet"), "{body}");

    let q = format!("/statistics?from=2025-01-01&to=2025-06-30&unit={}", f.unit);
    // Only leaders see statistics.
    let (status, _) = t.get(&sb, &q).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The suppression threshold is configurable; with 1 every figure is shown.
    let leader_staff = t
        .store
        .get_staff_by_username("leder")
        .await
        .unwrap()
        .unwrap();
    let actor = tvaers_domain::Actor::from(&leader_staff.0);
    let exact = App::new(
        t.store.clone(),
        Settings {
            stats_min_cell: 1,
            ..Settings::default()
        },
    );
    let query = tvaers_app::stats::StatsQuery {
        from: Some("2025-01-01".into()),
        to: Some("2025-06-30".into()),
        unit: Some(f.unit.clone()),
        ..Default::default()
    };
    let s = serde_json::to_value(&*exact.statistics(&actor, &query, true).await.unwrap()).unwrap();
    let n = |v: &Value| v["n"].as_i64().unwrap_or(-1);
    let outcomes = s["goal_outcomes"].as_array().unwrap();
    let by = |status: &str| {
        outcomes
            .iter()
            .find(|o| o["status"] == status)
            .unwrap()
            .clone()
    };
    assert_eq!(n(&s["goals_due"]), 4, "{s}");
    assert_eq!(n(&by("achieved")["goals"]), 2);
    assert_eq!(n(&by("achieved")["citizens"]), 2);
    assert_eq!(by("achieved")["percent"], json!(50.0));
    assert_eq!(n(&by("partly")["goals"]), 1);
    assert_eq!(n(&by("not_achieved")["goals"]), 1);
    assert_eq!(n(&by("active")["goals"]), 0);
    let rows = s["functional"].as_array().unwrap();
    let row = |code: Option<&str>| {
        rows.iter()
            .find(|r| r["area_code"].as_str() == code)
            .unwrap()
            .clone()
    };
    let j11 = row(Some("J1.1"));
    assert_eq!(
        (
            n(&j11["n"]),
            n(&j11["improved"]),
            n(&j11["same"]),
            n(&j11["worsened"])
        ),
        (2, 0, 2, 0),
        "{j11}"
    );
    let j38 = row(Some("J3.8"));
    assert_eq!(
        (
            n(&j38["n"]),
            n(&j38["improved"]),
            n(&j38["same"]),
            n(&j38["worsened"])
        ),
        (2, 1, 0, 1),
        "{j38}"
    );
    let total = row(None);
    assert_eq!(
        (
            n(&total["n"]),
            n(&total["improved"]),
            n(&total["same"]),
            n(&total["worsened"])
        ),
        (3, 1, 1, 1),
        "{total}"
    );
    // GAS T: C1 60; C2 50 − 20/√2.6; C4 60 (the correction counts, not the +2).
    assert_eq!(n(&s["gas_citizens"]), 3);
    let expected_t = (60.0 + (50.0 - 20.0 / 2.6f64.sqrt()) + 60.0) / 3.0;
    assert!(
        (s["gas_mean_t"].as_f64().unwrap() - expected_t).abs() < 1e-9,
        "{}",
        s["gas_mean_t"]
    );
    let months: Vec<i64> = s["target_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| n(&m["citizens"]))
        .collect();
    assert_eq!(months, vec![2, 3, 4, 3, 4, 4]);
    let cl = s["caseloads"].as_array().unwrap();
    assert_eq!(cl.len(), 1, "{cl:?}");
    assert_eq!(cl[0]["total"], 4);

    // Filters narrow the cohort: FSIII area J3 and the age band 67–79 (only C1).
    let q_area = tvaers_app::stats::StatsQuery {
        area: Some("J3".into()),
        ..query.clone()
    };
    let s_area =
        serde_json::to_value(&*exact.statistics(&actor, &q_area, true).await.unwrap()).unwrap();
    let total = s_area["functional"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["area_code"].is_null())
        .unwrap()
        .clone();
    assert_eq!(
        (n(&total["improved"]), n(&total["worsened"])),
        (1, 1),
        "{total}"
    );
    assert_eq!(n(&s_area["goals_due"]), 1);
    let q_age = tvaers_app::stats::StatsQuery {
        age: Some("67-79".into()),
        ..query.clone()
    };
    let s_age =
        serde_json::to_value(&*exact.statistics(&actor, &q_age, true).await.unwrap()).unwrap();
    let months: Vec<i64> = s_age["target_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| n(&m["citizens"]))
        .collect();
    assert_eq!(months, vec![1, 1, 1, 1, 1, 1]);

    // Through the API with the default threshold (5): every small count is hidden.
    let (status, s5) = t.get(&f.leader, &q).await;
    assert_eq!(status, StatusCode::OK, "{s5}");
    assert_eq!(s5["goals_due"]["shown"], "suppressed", "{s5}");
    assert_eq!(s5["gas_mean_t"], Value::Null);
    assert!(
        s5["target_group"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["citizens"]["shown"] == "suppressed")
    );
    // The cached answer equals a fresh computation, and a new measurement changes it.
    let (_, cached) = t.get(&f.leader, &format!("{q}&fresh=false")).await;
    let (_, fresh) = t.get(&f.leader, &format!("{q}&fresh=true")).await;
    assert_eq!(cached, fresh);
    let before =
        serde_json::to_value(&*exact.statistics(&actor, &query, false).await.unwrap()).unwrap();
    measure(t, &sb, &c[4], area("J3.8", "2025-06-01T10:00", "1")).await;
    let after =
        serde_json::to_value(&*exact.statistics(&actor, &query, false).await.unwrap()).unwrap();
    let recomputed =
        serde_json::to_value(&*exact.statistics(&actor, &query, true).await.unwrap()).unwrap();
    assert_ne!(before, after);
    assert_eq!(after, recomputed);
    // CSV export and bad input.
    let resp = t
        .http
        .get(format!(
            "{}/api/v1/statistics/csv/funktionsniveau?from=2025-01-01&to=2025-06-30",
            t.base
        ))
        .bearer_auth(&f.leader)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("område;n;bedre"));
    let (status, body) = t
        .get(&f.leader, "/statistics?from=2025-06-01&to=2025-01-01")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn measurement_bad_input_is_refused_and_charts_render(t: &Ctx) {
    let sb = t.login("sagsbehandler").await;
    let cid = t.create_citizen(&sb).await;
    let (pid, goals, _) = plan_with_goals(
        t,
        &sb,
        &cid,
        &[json!({"text": "Vægt", "scale": "numeric", "unit": "kg", "higher_is_better": false})],
    )
    .await;
    let g = &goals[0];
    for (body, field) in [
        (
            json!({"goal_id": g, "kind": "level", "value": "tung"}),
            "value",
        ),
        (
            json!({"goal_id": g, "kind": "level", "value": 80, "measured_at": "2099-01-01T10:00"}),
            "measured_at",
        ),
        (
            json!({"area": "fsiii:J3.8", "kind": "functional", "current": 1, "expected": 3}),
            "expected",
        ),
        (
            json!({"area": "fsiii:X9", "kind": "functional", "current": 1}),
            "area",
        ),
        (json!({"kind": "satisfaction", "value": 7}), "value"),
        (
            json!({"goal_id": uuid::Uuid::new_v4().to_string(), "kind": "level", "value": 1}),
            "goal_id",
        ),
    ] {
        let (status, e) = t
            .post(&sb, &format!("/citizens/{cid}/measurements"), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {e}");
        assert!(e.to_string().contains(field), "{body} → {e}");
    }
    let (_, all) = t.get(&sb, &format!("/citizens/{cid}/measurements")).await;
    assert_eq!(all, json!([]), "nothing stored");
    measure(
        t,
        &sb,
        &cid,
        json!({"goal_id": g, "kind": "level", "value": "82,5", "measured_at": "2025-01-01T10:00"}),
    )
    .await;
    measure(
        t,
        &sb,
        &cid,
        json!({"goal_id": g, "kind": "level", "value": 79, "measured_at": "2025-03-01T10:00"}),
    )
    .await;
    let (status, p) = t
        .get(&sb, &format!("/plans/{pid}/goals/{g}/progress"))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["trend"], "improving");
    assert_eq!(p["latest"], json!(79.0));
    let resp = t
        .http
        .get(format!("{}/api/v1/plans/{pid}/goals/{g}/chart", t.base))
        .bearer_auth(&sb)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().starts_with("<svg"));
    // Administrators define scales; others may not; the goal page lists them.
    let admin = t.login("admin").await;
    let (status, s) = t
        .post(
            &admin,
            "/scales",
            json!({"kind": "ordinal", "name": "Trivsel", "labels": ["Dårlig", "Middel", "God"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let (status, _) = t
        .post(
            &sb,
            "/scales",
            json!({"kind": "numeric", "name": "Vægt", "unit": "kg"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, e) = t
        .post(
            &admin,
            "/scales",
            json!({"kind": "ordinal", "name": "", "labels": ["x"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
}
