#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! HTTP integration tests: the real server (`tvaers_web::serve`) runs in-process
//! on a free port against a fresh database seeded with the demo municipality,
//! and every test talks to it over HTTP with reqwest — pages, JSON API,
//! `/healthz`, `/metrics`. Each test runs twice: on a temporary SQLite file and
//! on a fresh PostgreSQL database created on the server named by
//! `TVAERS_TEST_PG_URL` (default: `postgres://postgres@localhost/postgres`).

#[macro_use]
mod common;
use common::*;

use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};
use tvaers_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use tvaers_domain::ids::CitizenId;
use tvaers_store::AuditFilter;

/// A CPR number used across tests (valid date, fictitious person).
const CPR: &str = "070761-4285";
const CPR_DIGITS: &str = "0707614285";

// ---------------------------------------------------------------------------
// Helpers of this suite (the harness is in tests/common)

impl Ctx {
    async fn login_with(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    async fn create_citizen(&self, token: &str, cpr: &str, given: &str, family: &str) -> Value {
        let (status, body) = self
            .post(
                token,
                "/citizens",
                json!({"cpr": cpr, "given_name": given, "family_name": family,
                       "address": "Storegade 1", "postal_code": "8900", "city": "Randers C"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
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

    async fn audit_of(&self, citizen: &str) -> Vec<AuditEvent> {
        let id = CitizenId(citizen.parse::<uuid::Uuid>().unwrap());
        self.store
            .list_audit(&AuditFilter {
                citizen_id: Some(id),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// Logs a browser in through the form; returns the browser and its session cookie.
    async fn browser_login(&self, username: &str) -> (Client, String) {
        let b = self.browser();
        let resp = b
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", tvaers_app::demo::DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let cookie = session_cookie(&resp).expect("login sets the session cookie");
        (b, cookie)
    }
}

async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text}"));
    (status, v)
}

/// The value of the `tvaers_session` cookie set by a response, if any.
fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("tvaers_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .next()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The CSRF token from the first hidden `csrf` input of a page.
fn csrf_from(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf input in page: {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    let token = html[start..end].to_string();
    assert!(!token.is_empty(), "empty csrf token");
    token
}

/// `DDMMYY-XXXX`.
fn is_masked_cpr(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[..6].iter().all(u8::is_ascii_digit) && &s[6..] == "-XXXX"
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

fn has_audit(events: &[AuditEvent], action: AuditAction, outcome: AuditOutcome) -> bool {
    events
        .iter()
        .any(|e| e.action == action && e.outcome == outcome)
}

fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

http_suite!(
    healthz_is_ok,
    metrics_count_requests_by_route,
    openapi_document_lists_paths_and_bearer_scheme,
    api_login_returns_token_and_me_works,
    api_login_with_bad_password_is_401_bad_credentials,
    api_without_or_with_invalid_bearer_is_401_json,
    api_logout_ends_the_token,
    browser_session_is_not_an_api_token,
    search_by_name_prefix_returns_masked_hits,
    search_by_cpr_finds_exactly_that_citizen,
    search_with_invalid_cpr_is_422_in_danish,
    search_with_empty_query_is_422,
    search_with_overlong_query_is_422,
    create_citizen_returns_201_and_get_shows_only_masked_cpr,
    create_citizen_with_missing_fields_and_bad_cpr_names_the_fields,
    create_citizen_without_required_keys_is_422,
    create_citizen_with_duplicate_cpr_is_422_allerede,
    malformed_json_is_400,
    wrong_content_type_is_415,
    body_over_256_kib_is_413,
    unknown_or_malformed_ids_are_404_json,
    reveal_cpr_returns_full_number_and_is_audited,
    case_can_be_created_closed_and_listed,
    case_with_closed_before_opened_or_unknown_unit_is_422,
    case_read_from_api_can_be_written_back,
    api_dates_are_iso_8601_strings,
    cases_of_unknown_citizen_are_404,
    admin_sees_no_citizens_but_administers_units_and_staff,
    staff_read_from_api_can_be_written_back,
    volunteer_cannot_search_or_read_citizens,
    professional_cannot_administer_or_see_caseloads,
    leader_sees_caseloads,
    denied_citizen_reads_are_audited_as_denied,
    login_page_renders,
    browser_login_sets_httponly_samesite_cookie_and_redirects_home,
    browser_login_with_wrong_password_shows_the_form_again,
    pages_without_session_redirect_to_login,
    browser_forms_without_valid_csrf_are_403,
    progress_pages_record_show_and_refuse_in_danish,
    access_follows_relationship_consent_role_and_break_glass,
    every_route_as_every_role_reveals_nothing_of_a_stranger,
    citizen_portal_reads_plan_writes_wishes_and_shows_who_looked,
    five_wrong_passwords_lock_the_account_for_a_while,
    browser_search_and_citizen_page_show_masked_cpr,
    browser_reveal_shows_full_cpr_and_is_audited,
    browser_logout_ends_the_session,
    responses_carry_security_headers,
    request_id_is_generated_and_propagated,
    unknown_page_is_danish_404,
);

// ---------------------------------------------------------------------------
// Operations

async fn healthz_is_ok(t: &Ctx) {
    let resp = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "ok");
}

async fn metrics_count_requests_by_route(t: &Ctx) {
    t.http.get(t.url("/healthz")).send().await.unwrap();
    let tok = t.login("sagsbehandler").await;
    let (status, _) = t.get(&tok, "/me").await;
    assert_eq!(status, StatusCode::OK);

    let resp = t.http.get(t.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = resp.text().await.unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("http_request_duration_seconds"), "{text}");
    for route in [
        r#"route="/healthz""#,
        r#"route="/api/v1/auth/login""#,
        r#"route="/api/v1/me""#,
    ] {
        assert!(text.contains(route), "no {route} in metrics:\n{text}");
    }
    // Paths with ids are labelled by their template, never by the id (or a CPR).
    assert!(!text.contains(CPR_DIGITS));
}

async fn openapi_document_lists_paths_and_bearer_scheme(t: &Ctx) {
    let (status, doc) = t.api(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().expect("paths object");
    for p in [
        "/auth/login",
        "/citizens/search",
        "/citizens",
        "/citizens/{id}",
        "/caseloads",
    ] {
        assert!(paths.contains_key(p), "no {p} in {:?}", paths.keys());
    }
    assert!(paths["/auth/login"]["post"].is_object());
    assert!(paths["/citizens/search"]["post"].is_object());
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http", "{bearer}");
    assert_eq!(
        bearer["scheme"].as_str().unwrap().to_lowercase(),
        "bearer",
        "{bearer}"
    );
}

// ---------------------------------------------------------------------------
// API authentication

async fn api_login_returns_token_and_me_works(t: &Ctx) {
    let (status, body) = t
        .api(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "Sagsbehandler ", "password": "demo"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap();
    assert!(token.len() >= 40, "token too short: {token}");
    assert!(body["expires_at"].is_string(), "{body}");

    let (status, me) = t.get(token, "/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "sagsbehandler");
    assert_eq!(me["full_name"], "Sara Sagsbehandler");
    assert_eq!(me["role"], "professional");
    assert_eq!(me["profession"], "socialraadgiver");
    assert_eq!(me["unit_ids"].as_array().unwrap().len(), 2);
}

async fn api_login_with_bad_password_is_401_bad_credentials(t: &Ctx) {
    for (user, pw) in [
        ("sagsbehandler", "forkert"),
        ("findesikke", "demo"),
        ("sagsbehandler", ""),
    ] {
        let (status, body) = t
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({"username": user, "password": pw})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{user}: {body}");
        assert_eq!(error_code(&body), "bad_credentials", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Forkert")
        );
        assert!(body.get("token").is_none());
    }
}

async fn api_without_or_with_invalid_bearer_is_401_json(t: &Ctx) {
    let (status, body) = t.api(Method::GET, "/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated", "{body}");

    let (status, body) = t.api(Method::GET, "/me", Some("not-a-token"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated", "{body}");

    let resp = t
        .http
        .post(t.url("/api/v1/citizens/search"))
        .header(header::AUTHORIZATION, "Basic c2Fnc2JlaGFuZGxlcjpkZW1v")
        .json(&json!({"q": "Jensen"}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated", "{body}");

    let long = "x".repeat(500);
    let (status, body) = t.api(Method::GET, "/me", Some(&long), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated", "{body}");
}

async fn api_logout_ends_the_token(t: &Ctx) {
    let tok = t.login("sygeplejerske").await;
    let (status, _) = t.get(&tok, "/me").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.api(Method::POST, "/auth/logout", Some(&tok), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = t.get(&tok, "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

async fn browser_session_is_not_an_api_token(t: &Ctx) {
    let (_b, cookie) = t.browser_login("sagsbehandler").await;
    let (status, body) = t.get(&cookie, "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // …and an API token is not a session cookie.
    let tok = t.login("sagsbehandler").await;
    let resp = t
        .http
        .get(t.url("/"))
        .header(header::COOKIE, format!("tvaers_session={tok}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
}

// ---------------------------------------------------------------------------
// Citizen search

async fn search_by_name_prefix_returns_masked_hits(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    t.create_citizen(&tok, "120385-1236", "Ølstykke", "Testrupsen")
        .await;

    let (status, hits) = t
        .post(&tok, "/citizens/search", json!({"q": "TESTR"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    for h in hits {
        let masked = h["cpr_masked"].as_str().unwrap();
        assert!(is_masked_cpr(masked), "{masked}");
        assert!(h.get("cpr").is_none(), "{h}");
        assert!(h["id"].is_string());
    }
    assert!(hits.iter().any(|h| h["cpr_masked"] == "070761-XXXX"));

    // Given name first also matches, and Danish letters fold.
    let (status, hits) = t
        .post(&tok, "/citizens/search", json!({"q": "ølstykke t"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
    assert_eq!(hits[0]["family_name"], "Testrupsen");

    // The demo citizens are found too, all masked.
    let (status, hits) = t
        .post(&tok, "/citizens/search", json!({"q": "a", "limit": 100}))
        .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    for h in hits.as_array().unwrap() {
        assert!(is_masked_cpr(h["cpr_masked"].as_str().unwrap()), "{h}");
    }
}

async fn search_by_cpr_finds_exactly_that_citizen(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let created = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    for q in [CPR, CPR_DIGITS, " 070761-4285 "] {
        let (status, hits) = t.post(&tok, "/citizens/search", json!({"q": q})).await;
        assert_eq!(status, StatusCode::OK, "{q}: {hits}");
        let hits = hits.as_array().unwrap();
        assert_eq!(hits.len(), 1, "{q}: {hits:?}");
        assert_eq!(hits[0]["id"], created["id"]);
        assert_eq!(hits[0]["cpr_masked"], "070761-XXXX");
    }
    // A valid CPR nobody has: no hits, not an error.
    let (status, hits) = t
        .post(&tok, "/citizens/search", json!({"q": "080761-4285"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    assert_eq!(hits.as_array().unwrap().len(), 0);
}

async fn search_with_invalid_cpr_is_422_in_danish(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    for (q, expect) in [
        ("310261-4285", "findes ikke"),
        ("071361-4285", "Måneden"),
        ("0707614", "10 cifre"),
        ("0707-614285", "Bindestregen"),
    ] {
        let (status, body) = t.post(&tok, "/citizens/search", json!({"q": q})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {body}");
        assert_eq!(error_code(&body), "validation", "{body}");
        assert_eq!(field_names(&body), vec!["q".to_string()], "{body}");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.contains(expect), "{q}: {msg}");
        // The number searched for is not echoed back.
        assert!(!msg.contains(q), "{msg}");
    }
}

async fn search_with_empty_query_is_422(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    for q in ["", "   "] {
        let (status, body) = t.post(&tok, "/citizens/search", json!({"q": q})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_code(&body), "validation");
        assert_eq!(
            body["error"]["message"],
            "Skriv et navn eller et CPR-nummer."
        );
    }
}

async fn search_with_overlong_query_is_422(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let (status, body) = t
        .post(&tok, "/citizens/search", json!({"q": "a".repeat(101)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "validation");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("højst være 100 tegn"),
        "{body}"
    );
    // Exactly 100 characters (multi-byte ones, too) is still a search.
    let (status, body) = t
        .post(&tok, "/citizens/search", json!({"q": "ø".repeat(100)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

// ---------------------------------------------------------------------------
// Citizens

async fn create_citizen_returns_201_and_get_shows_only_masked_cpr(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let resp = t
        .http
        .post(t.url("/api/v1/citizens"))
        .bearer_auth(&tok)
        .json(&json!({
            "cpr": CPR, "given_name": "Ingeborg", "family_name": "Testrup",
            "address": "Storegade 1", "postal_code": "8900", "city": "Randers C",
            "phone": "12 34 56 78", "email": "ingeborg@example.dk",
            "relatives": [{"name": "Mette", "relation": "datter", "phone": null}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains("4285"),
        "full CPR in create response: {text}"
    );
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(created["cpr_masked"], "070761-XXXX");
    assert!(!created["birth_date"].is_null(), "{created}");
    let id = created["id"].as_str().unwrap();

    let resp = t
        .http
        .get(t.url(&format!("/api/v1/citizens/{id}")))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(!text.contains(CPR), "full CPR in body: {text}");
    assert!(!text.contains(CPR_DIGITS), "full CPR in body: {text}");
    assert!(!text.contains("4285"), "CPR sequence in body: {text}");
    let got: Value = serde_json::from_str(&text).unwrap();
    let c = &got["citizen"];
    assert_eq!(c["id"], id);
    assert_eq!(c["cpr_masked"], "070761-XXXX");
    assert_eq!(c["given_name"], "Ingeborg");
    assert_eq!(c["family_name"], "Testrup");
    assert_eq!(c["city"], "Randers C");
    assert_eq!(c["email"], "ingeborg@example.dk");
    assert_eq!(c["relatives"][0]["relation"], "datter");
    assert_eq!(got["cases"].as_array().unwrap().len(), 0);
}

async fn create_citizen_with_missing_fields_and_bad_cpr_names_the_fields(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let (status, body) = t
        .post(
            &tok,
            "/citizens",
            json!({"cpr": "310261-4285", "given_name": "Ib", "family_name": "  "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "validation");
    let fields = field_names(&body);
    assert!(fields.contains(&"cpr".to_string()), "{body}");
    assert!(fields.contains(&"family_name".to_string()), "{body}");
    assert!(!fields.contains(&"given_name".to_string()), "{body}");
    for f in body["error"]["fields"].as_array().unwrap() {
        assert!(!f["message"].as_str().unwrap().is_empty());
    }
    // Nothing was created.
    let (_, hits) = t.post(&tok, "/citizens/search", json!({"q": "Ib"})).await;
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .all(|h| h["cpr_masked"] != "310261-XXXX")
    );
}

async fn create_citizen_without_required_keys_is_422(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let (status, body) = t.post(&tok, "/citizens", json!({"given_name": "Ib"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Missing keys get the same Danish field errors as empty values.
    assert_eq!(error_code(&body), "validation", "{body}");
    let fields: Vec<String> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert!(fields.contains(&"cpr".to_string()), "{body}");
    assert!(fields.contains(&"family_name".to_string()), "{body}");
}

async fn create_citizen_with_duplicate_cpr_is_422_allerede(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    // The same number written without the hyphen is the same number.
    let (status, body) = t
        .post(
            &tok,
            "/citizens",
            json!({"cpr": CPR_DIGITS, "given_name": "Anden", "family_name": "Person"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "validation");
    assert_eq!(field_names(&body), vec!["cpr".to_string()]);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allerede"),
        "{body}"
    );
    let (_, hits) = t.post(&tok, "/citizens/search", json!({"q": CPR})).await;
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["family_name"], "Testrup");
}

async fn malformed_json_is_400(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let resp = t
        .http
        .post(t.url("/api/v1/citizens"))
        .bearer_auth(&tok)
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"cpr": "070761-4285", "given_name": "#)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "malformed_json", "{body}");
    assert!(
        !body.to_string().contains("4285"),
        "input echoed back: {body}"
    );
}

async fn wrong_content_type_is_415(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = t
            .http
            .post(t.url("/api/v1/citizens/search"))
            .bearer_auth(&tok)
            .body(r#"{"q": "Jensen"}"#);
        if let Some(ct) = ct {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let (status, body) = json_of(req.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}: {body}");
        assert_eq!(error_code(&body), "unsupported_media_type", "{body}");
    }
}

async fn body_over_256_kib_is_413(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let big = json!({"cpr": CPR, "given_name": "x".repeat(300 * 1024), "family_name": "Y"});
    let (status, body) = t.post(&tok, "/citizens", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(error_code(&body), "payload_too_large", "{body}");

    // A page form over the limit is refused too.
    let (b, _) = t.browser_login("sagsbehandler").await;
    let resp = b
        .post(t.url("/borgere"))
        .form(&[("q", "a".repeat(300 * 1024))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

async fn unknown_or_malformed_ids_are_404_json(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let unknown = random_id();
    for path in [
        format!("/citizens/{unknown}"),
        "/citizens/not-a-uuid".to_string(),
        format!("/cases/{unknown}"),
        "/cases/123".to_string(),
        "/no/such/endpoint".to_string(),
    ] {
        let (status, body) = t.get(&tok, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(error_code(&body), "not_found", "{path}: {body}");
        assert!(body["error"]["message"].is_string());
    }
    let (status, body) = t
        .post(&tok, &format!("/citizens/{unknown}/reveal-cpr"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(error_code(&body), "not_found");
}

async fn reveal_cpr_returns_full_number_and_is_audited(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let (_, me) = t.get(&tok, "/me").await;
    let created = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let id = created["id"].as_str().unwrap();

    let (status, _) = t.get(&tok, &format!("/citizens/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t
        .api(
            Method::POST,
            &format!("/citizens/{id}/reveal-cpr"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cpr"], CPR);

    let events = t.audit_of(id).await;
    assert!(
        has_audit(&events, AuditAction::RevealCpr, AuditOutcome::Allowed),
        "{events:?}"
    );
    assert!(
        has_audit(&events, AuditAction::Read, AuditOutcome::Allowed),
        "{events:?}"
    );
    assert!(
        has_audit(&events, AuditAction::Create, AuditOutcome::Allowed),
        "{events:?}"
    );
    let reveal = events
        .iter()
        .find(|e| e.action == AuditAction::RevealCpr)
        .unwrap();
    assert_eq!(
        reveal.actor_id.map(|a| a.to_string()).as_deref(),
        me["id"].as_str()
    );
    // The audit trail itself never holds the number.
    for e in &events {
        let d = e.detail.as_deref().unwrap_or_default();
        assert!(!d.contains("4285"), "{e:?}");
    }
}

// ---------------------------------------------------------------------------
// Cases

fn case_body(unit: &str, opened: &str, closed: Option<&str>) -> Value {
    json!({
        "area": "hjemmepleje",
        "title": "Praktisk hjælp",
        "legal_basis": "Serviceloven § 83",
        "responsible_unit_id": unit,
        "opened_on": opened,
        "closed_on": closed,
    })
}

async fn case_can_be_created_closed_and_listed(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let unit = t.unit_id(&tok, "Hjemmepleje Nord").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let cid = citizen["id"].as_str().unwrap();

    let (status, case) = t
        .post(
            &tok,
            &format!("/citizens/{cid}/cases"),
            case_body(&unit, "2026-01-15", None),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["citizen_id"], cid);
    assert_eq!(case["responsible_unit_id"], unit);
    // (The date format itself is checked in `api_dates_are_iso_8601_strings`.)
    assert!(!case["opened_on"].is_null(), "{case}");
    assert!(case["closed_on"].is_null());

    let (status, got) = t.get(&tok, &format!("/cases/{case_id}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["id"], case_id);

    let (status, closed) = t
        .put(
            &tok,
            &format!("/cases/{case_id}"),
            case_body(&unit, "2026-01-15", Some("2026-03-01")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert!(!closed["closed_on"].is_null(), "{closed}");
    assert_eq!(closed["opened_on"], case["opened_on"]);

    let (status, list) = t.get(&tok, &format!("/citizens/{cid}/cases")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["id"], case_id);
    assert_eq!(list[0]["closed_on"], closed["closed_on"]);

    // The citizen overview shows it with the unit's name.
    let (_, overview) = t.get(&tok, &format!("/citizens/{cid}")).await;
    assert_eq!(overview["cases"][0]["unit_name"], "Hjemmepleje Nord");

    let events = t.audit_of(cid).await;
    assert!(has_audit(
        &events,
        AuditAction::Update,
        AuditOutcome::Allowed
    ));
}

async fn case_with_closed_before_opened_or_unknown_unit_is_422(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let unit = t.unit_id(&tok, "Hjemmepleje Nord").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let cid = citizen["id"].as_str().unwrap();
    let path = format!("/citizens/{cid}/cases");

    let (status, body) = t
        .post(
            &tok,
            &path,
            case_body(&unit, "2026-01-15", Some("2026-01-14")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "validation");
    assert_eq!(field_names(&body), vec!["closed_on".to_string()], "{body}");

    let (status, body) = t
        .post(&tok, &path, case_body(&random_id(), "2026-01-15", None))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        field_names(&body),
        vec!["responsible_unit_id".to_string()],
        "{body}"
    );

    let mut bad = case_body(&unit, "15-01-2026", None);
    bad["area"] = json!("rumfart");
    let (status, body) = t.post(&tok, &path, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = field_names(&body);
    assert!(fields.contains(&"area".to_string()), "{body}");
    assert!(fields.contains(&"opened_on".to_string()), "{body}");

    // A case for a citizen that does not exist is not found.
    let (status, body) = t
        .post(
            &tok,
            &format!("/citizens/{}/cases", random_id()),
            case_body(&unit, "2026-01-15", None),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (_, list) = t.get(&tok, &path).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
}

/// A client that reads a case and sends it back unchanged must succeed.
async fn case_read_from_api_can_be_written_back(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let unit = t.unit_id(&tok, "Hjemmepleje Nord").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let cid = citizen["id"].as_str().unwrap();
    let (status, case) = t
        .post(
            &tok,
            &format!("/citizens/{cid}/cases"),
            case_body(&unit, "2026-01-15", None),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let (_, got) = t
        .get(&tok, &format!("/cases/{}", case["id"].as_str().unwrap()))
        .await;
    let (status, body) = t
        .put(
            &tok,
            &format!("/cases/{}", got["id"].as_str().unwrap()),
            got.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "PUT of {got} answered {body}");
    assert_eq!(body, got, "an unchanged case comes back unchanged");
    assert_eq!(
        got["area"], "hjemmepleje",
        "area read ≠ area written: {got}"
    );
}

/// Dates in API responses are `YYYY-MM-DD`, the format the API accepts and documents.
async fn api_dates_are_iso_8601_strings(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let unit = t.unit_id(&tok, "Hjemmepleje Nord").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    assert_eq!(citizen["birth_date"], "1961-07-07", "{citizen}");
    let cid = citizen["id"].as_str().unwrap();
    let (status, case) = t
        .post(
            &tok,
            &format!("/citizens/{cid}/cases"),
            case_body(&unit, "2026-01-15", Some("2026-03-01")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["opened_on"], "2026-01-15", "{case}");
    assert_eq!(case["closed_on"], "2026-03-01", "{case}");
    let (_, overview) = t.get(&tok, &format!("/citizens/{cid}")).await;
    assert_eq!(overview["citizen"]["birth_date"], "1961-07-07");
    assert_eq!(overview["cases"][0]["opened_on"], "2026-01-15");
}

async fn cases_of_unknown_citizen_are_404(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let (status, body) = t
        .get(&tok, &format!("/citizens/{}/cases", random_id()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(error_code(&body), "not_found", "{body}");
}

// ---------------------------------------------------------------------------
// Policy over HTTP

async fn admin_sees_no_citizens_but_administers_units_and_staff(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let cid = citizen["id"].as_str().unwrap();

    let admin = t.login("admin").await;
    let (status, body) = t
        .post(&admin, "/citizens/search", json!({"q": "Testrup"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Administratorer"),
        "{body}"
    );

    // Denied looks exactly like not found.
    let (status, denied) = t.get(&admin, &format!("/citizens/{cid}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{denied}");
    let (_, missing) = t.get(&admin, &format!("/citizens/{}", random_id())).await;
    assert_eq!(denied, missing);
    let (status, _) = t
        .api(
            Method::POST,
            &format!("/citizens/{cid}/reveal-cpr"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .post(
            &admin,
            "/citizens",
            json!({"cpr": "120385-1236", "given_name": "A", "family_name": "B"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Administration works.
    let parent = t.unit_id(&admin, "Sundhed og Omsorg").await;
    let (status, unit) = t
        .post(
            &admin,
            "/units",
            json!({"name": "Hjemmepleje Vest", "kind": "team", "parent_id": parent}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{unit}");
    assert_eq!(unit["name"], "Hjemmepleje Vest");
    let unit_id = unit["id"].as_str().unwrap();
    let (_, units) = t.get(&admin, "/units").await;
    assert!(units.as_array().unwrap().iter().any(|u| u["id"] == unit_id));

    let (status, body) = t
        .post(
            &admin,
            "/staff",
            json!({"username": "nyansat", "full_name": "Nina Nyansat",
                   "profession": "sygeplejerske", "unit_ids": [unit_id], "password": "kort"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_names(&body), vec!["password".to_string()]);

    let (status, staff) = t
        .post(
            &admin,
            "/staff",
            json!({"username": "nyansat", "full_name": "Nina Nyansat",
                   "profession": "sygeplejerske", "unit_ids": [unit_id],
                   "password": "korrekt hest batteri"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{staff}");
    assert_eq!(staff["username"], "nyansat");
    assert!(staff.get("password").is_none() && staff.get("password_hash").is_none());

    let (status, body) = t
        .post(
            &admin,
            "/staff",
            json!({"username": "nyansat", "full_name": "Nina To",
                   "profession": "sygeplejerske", "password": "korrekt hest batteri"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allerede")
    );

    let new_tok = t.login_with("nyansat", "korrekt hest batteri").await;
    let (status, me) = t.get(&new_tok, "/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "nyansat");
    assert_eq!(me["role"], "professional");
    assert_eq!(me["unit_ids"][0], unit_id);
    // …and, being a nurse, can find the citizen.
    let (status, hits) = t
        .post(&new_tok, "/citizens/search", json!({"q": "Testrup"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    assert_eq!(hits.as_array().unwrap().len(), 1);

    let (status, list) = t.get(&admin, "/staff?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list["total"].as_i64().unwrap() > 40);
}

/// A client that reads a staff account and sends it back unchanged must succeed.
async fn staff_read_from_api_can_be_written_back(t: &Ctx) {
    let admin = t.login("admin").await;
    let (status, list) = t.get(&admin, "/staff?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let nurse = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == "sygeplejerske")
        .unwrap()
        .clone();
    let (status, body) = t
        .put(
            &admin,
            &format!("/staff/{}", nurse["id"].as_str().unwrap()),
            nurse.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "PUT of {nurse} answered {body}");
    assert_eq!(body, nurse, "an unchanged account comes back unchanged");
    // The same code everywhere: what /me says is what /staff says.
    let tok = t.login("sygeplejerske").await;
    let (_, me) = t.get(&tok, "/me").await;
    assert_eq!(nurse["profession"], me["profession"], "{nurse} vs {me}");
}

async fn volunteer_cannot_search_or_read_citizens(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let cid = citizen["id"].as_str().unwrap();

    let vol = t.login("frivillig").await;
    let (status, body) = t
        .post(&vol, "/citizens/search", json!({"q": "Testrup"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    let (status, body) = t.post(&vol, "/citizens/search", json!({"q": CPR})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = t.get(&vol, &format!("/citizens/{cid}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(&vol, &format!("/citizens/{cid}/cases")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(&vol, "/caseloads").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .post(&vol, "/units", json!({"name": "X", "kind": "team"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn professional_cannot_administer_or_see_caseloads(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let (status, body) = t
        .post(
            &tok,
            "/units",
            json!({"name": "Skyggeenhed", "kind": "team"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    let (status, body) = t.get(&tok, "/caseloads").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    let (status, _) = t.get(&tok, "/staff").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .post(
            &tok,
            "/staff",
            json!({"username": "snyder", "full_name": "S", "profession": "leder",
                   "password": "korrekt hest batteri"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nothing was created.
    let (_, units) = t.get(&tok, "/units").await;
    assert!(
        !units
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "Skyggeenhed")
    );
    let status = t
        .api(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "snyder", "password": "korrekt hest batteri"})),
        )
        .await
        .0;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn leader_sees_caseloads(t: &Ctx) {
    let tok = t.login("leder").await;
    let (status, loads) = t.get(&tok, "/caseloads").await;
    assert_eq!(status, StatusCode::OK, "{loads}");
    let loads = loads.as_array().unwrap();
    assert!(!loads.is_empty(), "demo cases have workers");
    for l in loads {
        assert!(l["open_cases"].as_i64().unwrap() > 0, "{l}");
        assert!(l["full_name"].is_string());
    }
    let unit = t.unit_id(&tok, "Hjemmepleje Nord").await;
    let (status, one) = t.get(&tok, &format!("/caseloads?unit={unit}")).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let (status, _) = t.get(&tok, "/caseloads?unit=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Leaders also work with citizens.
    let (status, _) = t.post(&tok, "/citizens/search", json!({"q": "a"})).await;
    assert_eq!(status, StatusCode::OK);
}

async fn denied_citizen_reads_are_audited_as_denied(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let citizen = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let cid = citizen["id"].as_str().unwrap();

    for who in ["admin", "frivillig"] {
        let other = t.login(who).await;
        let (_, me) = t.get(&other, "/me").await;
        let (status, _) = t.get(&other, &format!("/citizens/{cid}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The overview page is decided and audited by the audit writer:
        // denied and recorded alike.
        let browser = t.browser_login(who).await.0;
        let page = browser
            .get(t.url(&format!("/borgere/{cid}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{who}");
        let events = t.audit_of(cid).await;
        let denied: Vec<_> = events
            .iter()
            .filter(|e| {
                e.outcome == AuditOutcome::Denied
                    && e.action == AuditAction::Read
                    && e.actor_id.map(|a| a.to_string()).as_deref() == me["id"].as_str()
            })
            .collect();
        assert_eq!(denied.len(), 2, "{who}: {events:?}");
        assert!(
            denied
                .iter()
                .all(|d| d.detail.as_deref().is_some_and(|d| !d.is_empty()))
        );
    }
}

// ---------------------------------------------------------------------------
// Pages

async fn login_page_renders(t: &Ctx) {
    let resp = t.http.get(t.url("/login")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let html = resp.text().await.unwrap();
    assert!(html.contains(r#"lang="da""#));
    assert!(html.contains(r#"name="username""#), "{html}");
    assert!(html.contains(r#"name="password""#), "{html}");
}

async fn browser_login_sets_httponly_samesite_cookie_and_redirects_home(t: &Ctx) {
    let b = t.browser();
    let resp = b
        .post(t.url("/login"))
        .form(&[("username", "sagsbehandler"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/");
    let set_cookie: Vec<_> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let c = set_cookie
        .iter()
        .find(|c| c.starts_with("tvaers_session="))
        .unwrap_or_else(|| panic!("no session cookie in {set_cookie:?}"));
    let attrs: Vec<String> = c.split(';').map(|a| a.trim().to_lowercase()).collect();
    assert!(attrs.contains(&"httponly".to_string()), "{c}");
    assert!(attrs.contains(&"samesite=lax".to_string()), "{c}");
    assert!(attrs.contains(&"path=/".to_string()), "{c}");
    assert!(
        !attrs.contains(&"secure".to_string()),
        "plain HTTP here: {c}"
    );

    // The browser is now logged in.
    let resp = b.get(t.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Sara Sagsbehandler"), "{html}");
    // Logged in, the login page sends you home.
    let resp = b.get(t.url("/login")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/");

    // A login posted from a foreign site is refused.
    let resp = t
        .browser()
        .post(t.url("/login"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("username", "sagsbehandler"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&resp).is_none());
}

async fn browser_login_with_wrong_password_shows_the_form_again(t: &Ctx) {
    let b = t.browser();
    let resp = b
        .post(t.url("/login"))
        .form(&[("username", "sagsbehandler"), ("password", "forkert")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(session_cookie(&resp).is_none());
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Forkert brugernavn eller adgangskode"),
        "{html}"
    );
    assert!(html.contains(r#"value="sagsbehandler""#), "{html}");
    assert!(!html.contains("forkert\""), "password echoed: {html}");
}

async fn pages_without_session_redirect_to_login(t: &Ctx) {
    for path in ["/", "/borgere", "/sagsbelastning", "/admin/enheder"] {
        let resp = t.http.get(t.url(path)).send().await.unwrap();
        assert!(
            matches!(
                resp.status(),
                StatusCode::SEE_OTHER | StatusCode::FOUND | StatusCode::TEMPORARY_REDIRECT
            ),
            "{path}: {}",
            resp.status()
        );
        assert_eq!(location(&resp), "/login", "{path}");
    }
    let resp = t
        .http
        .get(t.url("/"))
        .header(header::COOKIE, "tvaers_session=bogus")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
}

async fn browser_forms_without_valid_csrf_are_403(t: &Ctx) {
    let (b, _) = t.browser_login("sagsbehandler").await;
    for form in [
        vec![("q", "Jensen")],
        vec![("q", "Jensen"), ("csrf", "")],
        vec![("q", "Jensen"), ("csrf", "forkert-token")],
    ] {
        let resp = b.post(t.url("/borgere")).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{form:?}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("Ingen adgang"), "{html}");
        assert!(!html.contains("citizen-link"), "{html}");
    }
    // Another session's token does not count either.
    let (other, _) = t.browser_login("sygeplejerske").await;
    let home = other
        .get(t.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let foreign = csrf_from(&home);
    let resp = b
        .post(t.url("/borgere"))
        .form(&[("q", "Jensen"), ("csrf", foreign.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Logging out needs the token too: the session survives.
    let resp = b.post(t.url("/logout")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = b.get(t.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn browser_search_and_citizen_page_show_masked_cpr(t: &Ctx) {
    // A citizen the case worker works with (she registered her), beside the
    // demo's Jensens she does not work with.
    let tok = t.login("sagsbehandler").await;
    t.create_citizen(&tok, "070761-4285", "Karen", "Jensen")
        .await;
    let (b, _) = t.browser_login("sagsbehandler").await;
    let home = b.get(t.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let csrf = csrf_from(&home.text().await.unwrap());

    let resp = b
        .post(t.url("/borgere"))
        .form(&[("q", "Jensen"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains(r#"class="citizen-link""#),
        "no hits for Jensen: {html}"
    );
    assert!(html.contains("-XXXX"), "{html}");

    // Follow the first hit.
    let marker = r#"class="citizen-link" href=""#;
    let start = html.find(marker).unwrap() + marker.len();
    let href = &html[start..start + html[start..].find('"').unwrap()];
    assert!(href.starts_with("/borgere/"), "{href}");
    let id = href.trim_start_matches("/borgere/");
    let full = t
        .store
        .get_citizen(CitizenId(id.parse().unwrap()))
        .await
        .unwrap()
        .unwrap()
        .cpr;

    let resp = b.get(t.url(href)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let page = resp.text().await.unwrap();
    assert!(page.contains(&full.masked()), "{page}");
    assert!(page.contains("-XXXX"), "{page}");
    assert!(
        !page.contains(&full.formatted()),
        "full CPR on page: {page}"
    );
    assert!(!page.contains(&full.digits()), "full CPR on page: {page}");

    // A CPR search through the form finds that one citizen, and no CPR lands in a URL.
    let resp = b
        .post(t.url("/borgere"))
        .form(&[("q", full.formatted().as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert_eq!(html.matches(r#"class="citizen-link""#).count(), 1, "{html}");
    assert!(html.contains(href));

    // An invalid CPR in the form is a 422 page with the Danish message.
    let resp = b
        .post(t.url("/borgere"))
        .form(&[("q", "310261-4285"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("findes ikke"), "{html}");
}

async fn browser_reveal_shows_full_cpr_and_is_audited(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let created = t.create_citizen(&tok, CPR, "Ingeborg", "Testrup").await;
    let id = created["id"].as_str().unwrap();

    let (b, _) = t.browser_login("sagsbehandler").await;
    let page = b
        .get(t.url(&format!("/borgere/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("070761-XXXX"), "{page}");
    assert!(!page.contains(CPR));
    let csrf = csrf_from(&page);

    let resp = b
        .post(t.url(&format!("/borgere/{id}/vis-cpr")))
        .form(&[("csrf", "forkert")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        !has_audit(
            &t.audit_of(id).await,
            AuditAction::RevealCpr,
            AuditOutcome::Allowed
        ),
        "a refused form must not reveal"
    );

    let resp = b
        .post(t.url(&format!("/borgere/{id}/vis-cpr")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let page = resp.text().await.unwrap();
    assert!(page.contains(CPR), "{page}");
    assert!(has_audit(
        &t.audit_of(id).await,
        AuditAction::RevealCpr,
        AuditOutcome::Allowed
    ));
}

async fn browser_logout_ends_the_session(t: &Ctx) {
    let (b, cookie) = t.browser_login("sagsbehandler").await;
    let home = b
        .get(t.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&home);

    let resp = b
        .post(t.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(resp.status(), StatusCode::SEE_OTHER | StatusCode::FOUND),
        "{}",
        resp.status()
    );
    assert_eq!(location(&resp), "/login");
    let cleared = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tvaers_session="))
        .expect("logout clears the cookie")
        .to_string();
    assert!(cleared.starts_with("tvaers_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    // The browser dropped the cookie…
    let resp = b.get(t.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
    // …and the old cookie, replayed, is dead on the server too.
    let resp = t
        .http
        .get(t.url("/"))
        .header(header::COOKIE, format!("tvaers_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(resp.status(), StatusCode::SEE_OTHER | StatusCode::FOUND),
        "{}",
        resp.status()
    );
    assert_eq!(location(&resp), "/login");
    let resp = t
        .http
        .post(t.url("/borgere"))
        .header(header::COOKIE, format!("tvaers_session={cookie}"))
        .form(&[("q", "Jensen"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
}

// ---------------------------------------------------------------------------
// Headers and fallbacks

async fn responses_carry_security_headers(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let (b, _) = t.browser_login("sagsbehandler").await;
    let requests = vec![
        ("healthz", t.http.get(t.url("/healthz"))),
        ("login page", t.http.get(t.url("/login"))),
        ("home", b.get(t.url("/"))),
        ("redirect", t.http.get(t.url("/borgere"))),
        ("api 401", t.http.get(t.url("/api/v1/me"))),
        ("api 200", t.http.get(t.url("/api/v1/me")).bearer_auth(&tok)),
        (
            "api 422",
            t.http
                .post(t.url("/api/v1/citizens/search"))
                .bearer_auth(&tok)
                .json(&json!({"q": ""})),
        ),
        ("page 404", t.http.get(t.url("/findes/ikke"))),
        ("api 404", t.http.get(t.url("/api/v1/findes-ikke"))),
        ("metrics", t.http.get(t.url("/metrics"))),
        ("css", t.http.get(t.url("/static/style.css"))),
    ];
    for (what, req) in requests {
        let resp = req.send().await.unwrap();
        let h = resp.headers();
        let csp = h
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("{what}: no CSP"))
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
        assert_eq!(
            h.get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            h.get(header::X_FRAME_OPTIONS).map(|v| v.to_str().unwrap()),
            Some("DENY"),
            "{what}"
        );
        assert!(h.get(header::REFERRER_POLICY).is_some(), "{what}");
        assert!(
            h.get("x-request-id")
                .is_some_and(|v| !v.to_str().unwrap().is_empty()),
            "{what}: no x-request-id"
        );
        // Not behind HTTPS here: no HSTS.
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{what}");
    }
}

async fn request_id_is_generated_and_propagated(t: &Ctx) {
    let a = t.http.get(t.url("/healthz")).send().await.unwrap();
    let b = t.http.get(t.url("/healthz")).send().await.unwrap();
    let ida = a.headers()["x-request-id"].to_str().unwrap().to_string();
    let idb = b.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(ida, idb);
    assert!(ida.parse::<uuid::Uuid>().is_ok(), "{ida}");

    let resp = t
        .http
        .get(t.url("/healthz"))
        .header("x-request-id", "fra-proxyen-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "fra-proxyen-123");
}

async fn unknown_page_is_danish_404(t: &Ctx) {
    for path in [
        "/findes-ikke",
        "/borgere/ikke-et-id",
        &format!("/borgere/{}", random_id()),
    ] {
        // Unknown citizens are asked for with a session; unknown paths without one.
        let client = if path.starts_with("/borgere/") {
            t.browser_login("sagsbehandler").await.0
        } else {
            t.http.clone()
        };
        let resp = client.get(t.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("Ikke fundet"), "{path}: {html}");
        assert!(html.contains(r#"lang="da""#), "{path}");
    }
}

// ---------------------------------------------------------------------------
// Issue 5 pages: goal measurements, area measurements, statistics, scales.

async fn progress_pages_record_show_and_refuse_in_danish(t: &Ctx) {
    let tok = t.login("sagsbehandler").await;
    let c = t
        .create_citizen(&tok, "070761-4285", "Ingeborg", "Testrup")
        .await;
    let cid = c["id"].as_str().unwrap();
    let (status, p) = t
        .post(
            &tok,
            &format!("/citizens/{cid}/plans"),
            json!({"overall_goal": "Klare mig selv"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_str().unwrap();
    let (status, p) = t
        .post(&tok, &format!("/plans/{pid}/goals"), json!({"version": 1, "text": "Gå til bussen", "scale": "gas", "baseline": "-1", "target": "1"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let gid = p["content"]["goals"][0]["id"].as_str().unwrap();

    let (b, _) = t.browser_login("sagsbehandler").await;
    let goal_url = t.url(&format!("/planer/{pid}/maal/{gid}/maalinger"));
    let (status, html) = page(&b, goal_url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Registrér måling") && html.contains("Ingen målinger endnu"),
        "{html}"
    );
    let csrf = csrf_from(&html);
    for (value, at) in [("-1", "2025-01-01T10:00"), ("1", "2025-03-01T10:00")] {
        let resp = b
            .post(goal_url.clone())
            .form(&[
                ("csrf", csrf.as_str()),
                ("kind", "level"),
                ("value", value),
                ("measured_at", at),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert!(location(&resp).ends_with("?gemt=1"));
    }
    // Outside the scale: 422 with the Danish reason, nothing stored.
    let resp = b
        .post(goal_url.clone())
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "level"),
            ("value", "5"),
            ("measured_at", "2025-04-01T10:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Målingen er ikke gemt") && html.contains("fra -2 til 2"),
        "{html}"
    );
    let (_, html) = page(&b, goal_url.clone()).await;
    assert!(html.contains("<svg role=\"img\""), "the chart is drawn");
    assert!(html.contains("Bedring"), "trend shown in words: {html}");
    assert!(html.matches("<tr").count() >= 3);
    // The plan and the citizen page show the latest value.
    let (_, html) = page(&b, t.url(&format!("/borgere/{cid}"))).await;
    assert!(
        html.contains("Seneste måling") && html.contains("Bedring"),
        "{html}"
    );

    // Area measurements: an expected level worse than the current is refused.
    let area_url = t.url(&format!("/borgere/{cid}/maalinger"));
    let (status, html) = page(&b, area_url.clone()).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let resp = b
        .post(area_url.clone())
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "functional"),
            ("area", "fsiii:J3.8"),
            ("current", "1"),
            ("expected", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("dårligere end det nuværende")
    );
    let resp = b
        .post(area_url.clone())
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "functional"),
            ("area", "fsiii:J3.8"),
            ("current", "3"),
            ("expected", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&b, area_url).await;
    assert!(
        html.contains("3 Svære begrænsninger · forventet 1"),
        "{html}"
    );

    // Statistics: leaders only; bad period in Danish; CSV export.
    let (status, _) = page(&b, t.url("/statistik")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (lb, _) = t.browser_login("leder").await;
    let (status, html) = page(&lb, t.url("/statistik")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Målopfyldelse")
            && html.contains("Udvikling i funktionsniveau")
            && html.contains("Målgruppe over tid")
    );
    let (status, html) = page(&lb, t.url("/statistik?from=2025-05-01&to=2025-01-01")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Periodens slutdato ligger før startdatoen."),
        "{html}"
    );
    let resp = lb
        .get(t.url("/statistik/maalgruppe.csv?from=2025-01-01&to=2025-03-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.text().await.unwrap();
    assert!(
        csv.contains("dato;borgere") && csv.contains("2025-03-31"),
        "{csv}"
    );

    // Scales: the administrator defines one; staff see it offered for goals.
    let (ab, _) = t.browser_login("admin").await;
    let (status, html) = page(&ab, t.url("/admin/skalaer")).await;
    assert_eq!(status, StatusCode::OK);
    let admin_csrf = csrf_from(&html);
    let resp = ab
        .post(t.url("/admin/skalaer"))
        .form(&[
            ("csrf", admin_csrf.as_str()),
            ("kind", "ordinal"),
            ("name", "Trivsel"),
            ("labels", "Dårlig\nMiddel\nGod"),
            ("higher_is_better", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = ab
        .post(t.url("/admin/skalaer"))
        .form(&[
            ("csrf", admin_csrf.as_str()),
            ("kind", "ordinal"),
            ("name", "Tom"),
            ("labels", "Kun ét trin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("mindst to trin"));
    let (_, html) = page(&b, t.url(&format!("/planer/{pid}"))).await;
    assert!(
        html.contains("Trivsel (Dårlig · Middel · God, højere er bedre)"),
        "custom scale offered"
    );
}

// ---------------------------------------------------------------------------
// Issue 7: access by relationship, consent and role; break the glass; audit.

async fn staff_id(t: &Ctx, username: &str) -> (String, String) {
    let (s, _) = t
        .store
        .get_staff_by_username(username)
        .await
        .unwrap()
        .unwrap();
    (s.id.to_string(), s.organisation_id.to_string())
}

async fn access_follows_relationship_consent_role_and_break_glass(t: &Ctx) {
    let sb = t.login("sagsbehandler").await;
    let c = t
        .create_citizen(&sb, "070761-4285", "Ingeborg", "Testrup")
        .await;
    let cid = c["id"].as_str().unwrap().to_string();
    let unit = t.unit_id(&sb, "Voksen Handicap").await;
    let (status, case) = t
        .post(
            &sb,
            &format!("/citizens/{cid}/cases"),
            json!({
        "area": "voksen_handicap", "title": "Bostøtte", "legal_basis": "Serviceloven § 85",
        "responsible_unit_id": unit, "opened_on": "2026-01-15"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");

    // A nurse of another unit does not work with the citizen: told so, may break the glass.
    let nurse = t.login("sygeplejerske").await;
    let (status, body) = t.get(&nurse, &format!("/citizens/{cid}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "no_relationship");
    assert!(
        !body.to_string().contains("Testrup"),
        "nothing of the citizen leaks: {body}"
    );
    let (status, body) = t
        .post(
            &nurse,
            &format!("/citizens/{cid}/break-glass"),
            json!({"reason": "akut"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, grant) = t
        .post(
            &nurse,
            &format!("/citizens/{cid}/break-glass"),
            json!({"reason": "Borgeren ringer akut om medicin, kontakten er syg"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    let (status, body) = t.get(&nurse, &format!("/citizens/{cid}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Break the glass gives read access only.
    let (status, _) = t
        .post(
            &nurse,
            &format!("/citizens/{cid}/plans"),
            json!({"overall_goal": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The nurse's leader reviews the grant; the case worker's cannot (other units).
    let leader = t.login("leder").await;
    let (status, list) = t.get(&leader, "/break-glass").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let gid = grant["id"].as_str().unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|g| g["grant"]["id"] == gid),
        "{list}"
    );
    let (status, _) = t
        .post(
            &leader,
            &format!("/break-glass/{gid}/reviewed"),
            json!({"note": "Set og i orden"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = t.get(&leader, "/break-glass").await;
    assert!(
        !list
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["grant"]["id"] == gid)
    );
    let (status, _) = t.get(&sb, "/break-glass").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only leaders review");
    // Leaders see individuals only as team members.
    let (status, body) = t.get(&leader, &format!("/citizens/{cid}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Hospital staff on the care team need the citizen's consent; withdrawal bites at once.
    let (status, plan) = t
        .post(
            &sb,
            &format!("/citizens/{cid}/plans"),
            json!({"overall_goal": "Egen bolig"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let pid = plan["id"].as_str().unwrap();
    let (hospital_id, hospital_org) = staff_id(t, "sygehus").await;
    let (status, p) = t
        .post(&sb, &format!("/plans/{pid}/team"), json!({"version": 1, "kind": "staff", "staff_id": hospital_id, "role": "Hospitalssocialrådgiver"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let hospital = t.login("sygehus").await;
    let (status, _) = t.get(&hospital, &format!("/citizens/{cid}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no consent yet");
    let (status, body) = t
        .post(&sb, &format!("/citizens/{cid}/consents"), json!({"organisation_id": hospital_org, "scope": "general", "given_how": "verbal", "valid_to": "2020-01-01"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "end before start: {body}"
    );
    let (status, consent) = t
        .post(&sb, &format!("/citizens/{cid}/consents"), json!({"organisation_id": hospital_org, "scope": "general", "given_how": "verbal", "note": "Givet på mødet"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    let (status, body) = t.get(&hospital, &format!("/citizens/{cid}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let consent_id = consent["id"].as_str().unwrap();
    let (status, _) = t
        .post(
            &sb,
            &format!("/citizens/{cid}/consents/{consent_id}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(&hospital, &format!("/citizens/{cid}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "withdrawn consent takes effect at once"
    );
    let (status, _) = t
        .post(
            &sb,
            &format!("/citizens/{cid}/consents/{consent_id}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A volunteer sees her own task with the citizen's first name, nothing else.
    let (vol_id, _) = staff_id(t, "frivillig").await;
    let (status, task) = t
        .post(&sb, &format!("/citizens/{cid}/tasks"), json!({"title": "Følg til tandlæge", "owner": format!("staff:{vol_id}"), "due": "2099-01-01"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let vol = t.login("frivillig").await;
    let (status, work) = t.get(&vol, "/my-work").await;
    assert_eq!(status, StatusCode::OK, "{work}");
    let mine = work["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == task["id"])
        .unwrap()
        .clone();
    assert_eq!(mine["citizen_name"], "Ingeborg", "first name only: {mine}");
    assert!(
        !work.to_string().contains("Testrup") && !work.to_string().contains("070761"),
        "{work}"
    );
    for path in [
        format!("/citizens/{cid}"),
        format!("/citizens/{cid}/plans"),
        format!("/citizens/{cid}/tasks"),
    ] {
        let (status, _) = t.get(&vol, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, done) = t
        .post(
            &vol,
            &format!("/tasks/{}/done", task["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");

    // Administrators and the data-protection officer see no citizen data.
    for who in ["admin", "tilsyn"] {
        let tok = t.login(who).await;
        let (status, _) = t.get(&tok, &format!("/citizens/{cid}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }
    // The data-protection officer reads the audit trail: who, as what, why, and the refusals.
    let dpo = t.login("tilsyn").await;
    let (status, trail) = t.get(&dpo, &format!("/audit?citizen={cid}")).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let events = trail.as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["outcome"] == "denied" && e["actor_profession"] == "Sygeplejerske"),
        "{trail}"
    );
    assert!(
        events.iter().any(|e| e["action"] == "break_glass"
            && e["purpose"].as_str().unwrap_or("").contains("akut")),
        "{trail}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["purpose"] == "brudt glas" && e["outcome"] == "allowed"),
        "{trail}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["outcome"] == "denied" && e["actor_profession"] == "Frivillig"),
        "{trail}"
    );
    let (status, _) = t.get(&sb, "/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = t.get(&leader, "/audit").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a leader of several units picks one: {body}"
    );
    let sygepleje = t.unit_id(&leader, "Sygepleje").await;
    let (status, body) = t.get(&leader, &format!("/audit?unit={sygepleje}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_unit_id"] == sygepleje.as_str())
    );
    let (status, _) = t.get(&leader, &format!("/audit?unit={unit}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not the leader's unit");
}

// ---------------------------------------------------------------------------
// Issue 7: walk every route as every demo role; nothing of a citizen nobody
// works with may come back. A new route without a policy check fails here.

const SECRET_NAME: &str = "Hemmelighedsen";
const SECRET_CPR: &str = "2405791234";
const SECRET_TEXT: &str = "HEMMELIGT-INDHOLD";

/// Route paths as registered in the web crate's router (`.route("…"`).
fn page_routes() -> Vec<String> {
    let src = include_str!("../../web/src/lib.rs");
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find(".route(") {
        rest = &rest[i + 7..];
        let Some(q) = rest.find('"') else { break };
        let after = &rest[q + 1..];
        let Some(end) = after.find('"') else { break };
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    assert!(out.len() > 30, "parsed too few routes: {out:?}");
    out
}

struct Secret {
    citizen: String,
    plan: String,
    goal: String,
    meeting: String,
    task: String,
}

/// A citizen with a plan, goal, meeting and task that no demo login works with.
async fn secret_citizen(t: &Ctx) -> Secret {
    let sb = t.login("sagsbehandler").await;
    let c = t
        .create_citizen(&sb, "240579-1234", "Hemmelig", SECRET_NAME)
        .await;
    let cid = c["id"].as_str().unwrap().to_string();
    let (status, p) = t
        .post(
            &sb,
            &format!("/citizens/{cid}/plans"),
            json!({"overall_goal": SECRET_TEXT}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_str().unwrap().to_string();
    let (status, p) = t
        .post(
            &sb,
            &format!("/plans/{pid}/goals"),
            json!({"version": 1, "text": SECRET_TEXT, "scale": "gas"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let goal = p["content"]["goals"][0]["id"].as_str().unwrap().to_string();
    let (status, m) = t
        .post(&sb, &format!("/citizens/{cid}/meetings"), json!({"kind": "network", "starts_at": "2099-01-10T10:00",
            "location": "Rådhuset", "agenda": SECRET_TEXT, "staff_ids": [], "citizen_attends": true}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let meeting = m["id"].as_str().unwrap().to_string();
    let (status, task) = t
        .post(
            &sb,
            &format!("/citizens/{cid}/tasks"),
            json!({"title": SECRET_TEXT, "owner": "citizen", "due": "2099-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    // Hand the plan to a staff member who is no demo login, leave the team,
    // and let the intake grant lapse: now no demo login works with the citizen.
    let logins: Vec<&str> = tvaers_app::demo::DEMO_LOGINS.iter().map(|l| l.0).collect();
    let other = t
        .store
        .list_staff(tvaers_store::Page::new(200, 0))
        .await
        .unwrap()
        .into_iter()
        .find(|s| {
            !logins.contains(&s.username.as_str())
                && s.role() == tvaers_domain::staff::Role::Professional
        })
        .unwrap();
    let (status, p) = t
        .post(&sb, &format!("/plans/{pid}/team"), json!({"version": 2, "kind": "staff", "staff_id": other.id.to_string(), "role": "Kontakt"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let (status, p) = t
        .post(
            &sb,
            &format!("/plans/{pid}/coordinator"),
            json!({"version": 3, "staff_id": other.id.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let me = t
        .store
        .get_staff_by_username("sagsbehandler")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let (status, p) = t
        .api(
            Method::DELETE,
            &format!("/plans/{pid}/team/{me}?version=4"),
            Some(&sb),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    t.store
        .debug_exec("UPDATE access_grants SET expires_at = granted_at")
        .await
        .unwrap();
    Secret {
        citizen: cid,
        plan: pid,
        goal,
        meeting,
        task: task["id"].as_str().unwrap().to_string(),
    }
}

fn fill(path: &str, s: &Secret, api: bool) -> String {
    let mut out = String::new();
    let mut prev = "";
    for seg in path.split('/').filter(|x| !x.is_empty()) {
        let value = if seg.starts_with('{') {
            match (prev, seg) {
                (_, "{goal_id}") => s.goal.clone(),
                (_, "{version}") => "1".into(),
                (_, "{table}") => {
                    if api {
                        "funktionsniveau".into()
                    } else {
                        "funktionsniveau.csv".into()
                    }
                }
                ("borgere" | "citizens", _) => s.citizen.clone(),
                ("planer" | "plans", _) => s.plan.clone(),
                ("moeder" | "meetings", _) => s.meeting.clone(),
                ("opgaver" | "tasks", _) => s.task.clone(),
                _ => uuid::Uuid::now_v7().to_string(),
            }
        } else {
            seg.to_string()
        };
        out.push('/');
        out.push_str(&value);
        prev = seg;
    }
    if out.is_empty() { "/".into() } else { out }
}

fn assert_no_leak(who: &str, what: &str, status: StatusCode, body: &str) {
    assert!(!status.is_server_error(), "{who} {what}: {status}\n{body}");
    for secret in [SECRET_NAME, SECRET_CPR, "240579-1234", SECRET_TEXT] {
        assert!(
            !body.contains(secret),
            "{who} {what} ({status}) returned {secret}:\n{body}"
        );
    }
}

async fn every_route_as_every_role_reveals_nothing_of_a_stranger(t: &Ctx) {
    let s = secret_citizen(t).await;
    let pages = page_routes();
    let (_, spec) = t.api(Method::GET, "/openapi.json", None, None).await;
    let api_paths: Vec<(String, Vec<String>)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, ops)| {
            (
                p.clone(),
                ops.as_object().unwrap().keys().cloned().collect(),
            )
        })
        .collect();
    assert!(api_paths.len() > 40, "{}", api_paths.len());
    let mut checked = 0;
    for (who, ..) in tvaers_app::demo::DEMO_LOGINS {
        let (b, _) = t.browser_login(who).await;
        for path in &pages {
            let url = t.url(&fill(path, &s, false));
            let resp = b.get(&url).send().await.unwrap();
            let status = resp.status();
            assert_no_leak(who, &url, status, &resp.text().await.unwrap());
            checked += 1;
        }
        let tok = t.login(who).await;
        for (path, methods) in &api_paths {
            let filled = fill(path, &s, true);
            for m in methods {
                let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
                if path.starts_with("/auth/") {
                    continue;
                }
                let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
                let resp = t
                    .http
                    .request(method.clone(), format!("{}/api/v1{filled}", t.base))
                    .bearer_auth(&tok)
                    .json(&body.unwrap_or(Value::Null))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                assert_no_leak(
                    who,
                    &format!("{method} {filled}"),
                    status,
                    &resp.text().await.unwrap(),
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "{checked}");
    // The citizen is still intact: the walk changed nothing it was not allowed to.
    let c = t
        .store
        .get_citizen(CitizenId(s.citizen.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.family_name, SECRET_NAME);
}

// ---------------------------------------------------------------------------
// Issue 7: the citizen portal.

async fn portal_login(t: &Ctx, username: &str, password: &str) -> (Client, reqwest::Response) {
    let b = t.browser();
    let resp = b
        .post(t.url("/borger/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    (b, resp)
}

async fn citizen_portal_reads_plan_writes_wishes_and_shows_who_looked(t: &Ctx) {
    tvaers_app::demo::portal::ensure_portal(&*t.store)
        .await
        .unwrap();
    // Idempotent.
    tvaers_app::demo::portal::ensure_portal(&*t.store)
        .await
        .unwrap();
    let (_, resp) = portal_login(t, "borger", "forkert-kodeord").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Forkert brugernavn eller adgangskode")
    );
    let (b, resp) = portal_login(t, "borger", tvaers_app::demo::DEMO_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/borger");
    let (status, html) = page(&b, t.url("/borger")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for want in [
        "Mine ønsker og drømme",
        "Gå selv ned til bussen",
        "<svg role=\"img\"",
        "Kommende møder",
        "Sara Sagsbehandler",
    ] {
        assert!(html.contains(want), "portal home lacks {want}: {html}");
    }
    assert!(
        !html.contains("1203561232") && !html.contains("120356-1232"),
        "no CPR in the portal"
    );
    // The portal session is no staff session and vice versa.
    let (status, _) = page(&b, t.url("/borgere")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (staff_browser, _) = t.browser_login("sagsbehandler").await;
    let resp = staff_browser.get(t.url("/borger")).send().await.unwrap();
    assert_eq!(location(&resp), "/borger/login");

    // The case worker reads Bente's data; Bente sees who, as what, from where.
    let sb = t.login("sagsbehandler").await;
    let cpr = tvaers_domain::Cpr::parse(tvaers_app::demo::portal::PORTAL_CPR).unwrap();
    let bente = t.store.find_citizen_by_cpr(&cpr).await.unwrap().unwrap();
    let (status, _) = t.get(&sb, &format!("/citizens/{}", bente.id)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = page(&b, t.url("/borger/adgang")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Sara Sagsbehandler")
            && html.contains("Socialrådgiver")
            && html.contains("Stamoplysninger"),
        "{html}"
    );

    // Bente writes her wishes; the plan's history names her.
    let csrf = csrf_from(&html);
    let resp = b
        .post(t.url("/borger/oensker"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("text", "Jeg vil besøge min datter hver uge."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let plan = t.store.active_plan(bente.id).await.unwrap().unwrap();
    let w = plan.content.wishes.unwrap();
    assert_eq!(w.text, "Jeg vil besøge min datter hver uge.");
    assert_eq!(w.author, tvaers_domain::plan::WishesAuthor::Citizen);
    let versions = t.store.list_plan_versions(plan.id).await.unwrap();
    assert!(
        versions
            .iter()
            .any(|v| v.author_name == "Bente Borger" && v.author_id.is_none()),
        "{versions:?}"
    );
    // A form without the portal's CSRF token is refused.
    let resp = b
        .post(t.url("/borger/oensker"))
        .form(&[("text", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Her own assessment: Danish errors, then stored as the citizen's.
    let resp = b
        .post(t.url("/borger/vurdering"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "self_assessment"),
            ("performance", "partly"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Vælg et FSIII-område") && html.contains("oplever begrænsninger"),
        "{html}"
    );
    let resp = b
        .post(t.url("/borger/vurdering"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "self_assessment"),
            ("area", "fsiii:J3.8"),
            ("performance", "partly"),
            ("meaning", "limited"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let ms = t.store.list_measurements(bente.id).await.unwrap();
    assert!(ms.iter().any(
        |m| m.assessor == tvaers_domain::measure::Assessor::Citizen && m.recorded_by.is_none()
    ));

    // She writes to her tovholder: a journal entry of kind digital contact in his inbox.
    let resp = b
        .post(t.url("/borger/beskeder"))
        .form(&[("csrf", csrf.as_str()), ("text", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("Skriv en besked"));
    let resp = b
        .post(t.url("/borger/beskeder"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("text", "Kan vi flytte mødet en uge?"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&b, t.url("/borger/beskeder")).await;
    assert!(html.contains("Kan vi flytte mødet en uge?"), "{html}");
    let (_, inbox) = t.get(&sb, "/messages").await;
    assert!(
        inbox.to_string().contains("Kan vi flytte mødet en uge?"),
        "{inbox}"
    );

    // Her daughter may act for her only within her consent.
    let (_, resp) = portal_login(t, "paaroerende", tvaers_app::demo::DEMO_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.text().await.unwrap().contains("samtykke"));
    let (status, consent) = t
        .post(
            &sb,
            &format!("/citizens/{}/consents", bente.id),
            json!({"scope": "relative", "given_how": "written"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    let (rb, resp) = portal_login(t, "paaroerende", tvaers_app::demo::DEMO_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, html) = page(&rb, t.url("/borger")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Mette Borger") && html.contains("pårørende"),
        "{html}"
    );
    // A consent for relatives opens nothing for staff of other organisations.
    let hospital = t.login("sygehus").await;
    let (status, _) = t.get(&hospital, &format!("/citizens/{}", bente.id)).await;
    assert_ne!(status, StatusCode::OK);
    // Withdrawn: the relative's next request is refused.
    let (status, _) = t
        .post(
            &sb,
            &format!(
                "/citizens/{}/consents/{}/withdraw",
                bente.id,
                consent["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = page(&rb, t.url("/borger")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn five_wrong_passwords_lock_the_account_for_a_while(t: &Ctx) {
    for _ in 0..4 {
        let (status, body) = t
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({"username": "terapeut", "password": "forkert-kodeord"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, body) = t
        .api(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "terapeut", "password": "forkert-kodeord"})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "locked_out");
    // Locked: even the right password is refused, with a Danish message.
    let (status, body) = t
        .api(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "terapeut", "password": tvaers_app::demo::DEMO_PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("midlertidigt låst")
    );
    // Other accounts are unaffected; when the lock expires the right password works again.
    t.login("sosu").await;
    t.store
        .debug_exec("UPDATE login_failures SET locked_until = updated_at")
        .await
        .unwrap();
    t.login("terapeut").await;
}
