//! Pages for access by need and consent: breaking the glass, the leader's
//! review of it, the citizen's consents, and the audit view (tilsyn).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tvaers_app::AppError;
use tvaers_app::access::{AUDIT_PAGE, AuditQuery, ConsentInput};
use tvaers_app::auth::Authenticated;
use tvaers_domain::ValidationErrors;
use tvaers_domain::access::{ConsentId, ConsentScope, GivenHow};
use tvaers_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use tvaers_domain::ids::CitizenId;

use crate::AppState;
use crate::pages::parse_id;
use crate::pages::{FormData, Layout, check_csrf, error_page, render, render_status};
use crate::plan_pages::{Opt, fmt_time};
use crate::progress_pages::csv_response;
use crate::session::PageUser;

// ---------------------------------------------------------------------------
// Break the glass

#[derive(Template)]
#[template(path = "break_glass.html")]
struct BreakGlassPage {
    layout: Layout,
    citizen_id: String,
    reason: String,
    errors: ValidationErrors,
}

pub async fn break_glass(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let cid: CitizenId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let reason = form.get("reason");
    match state.app.break_glass(&user.actor, cid, &reason).await {
        Ok(_) => Redirect::to(&format!("/borgere/{cid}?glas=1")).into_response(),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &BreakGlassPage {
                layout: Layout::for_user(&user),
                citizen_id: cid.to_string(),
                reason,
                errors,
            },
        ),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub struct GrantRow {
    pub id: String,
    pub staff: String,
    pub citizen: String,
    pub citizen_id: String,
    pub reason: String,
    pub granted: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "grant_review.html")]
struct GrantReviewPage {
    layout: Layout,
    grants: Vec<GrantRow>,
}

#[derive(Deserialize)]
pub struct Saved {
    gemt: Option<String>,
}

pub async fn grant_review(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<Saved>,
) -> Response {
    match state.app.unreviewed_grants(&user.actor).await {
        Ok(list) => render(&GrantReviewPage {
            layout: Layout::for_user(&user).with_notice(q.gemt.map(|_| "Gennemgangen er gemt.")),
            grants: list
                .into_iter()
                .map(|(g, staff, citizen)| GrantRow {
                    id: g.id.to_string(),
                    staff,
                    citizen,
                    citizen_id: g.citizen_id.to_string(),
                    reason: g.reason,
                    granted: fmt_time(g.granted_at),
                    expires: fmt_time(g.expires_at),
                })
                .collect(),
        }),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn grant_reviewed(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let id: uuid::Uuid = match parse_id(&raw) {
        Ok(i) => i,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state
        .app
        .review_grant(&user.actor, id, &form.get("note"))
        .await
    {
        Ok(()) => Redirect::to("/bryd-glasset?gemt=1").into_response(),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Consents

pub struct ConsentRow {
    pub id: String,
    pub organisation: String,
    pub scope: &'static str,
    pub given_how: &'static str,
    pub period: String,
    pub noted: String,
    pub note: String,
    pub active: bool,
    pub withdrawn: String,
}

#[derive(Template)]
#[template(path = "consents.html")]
struct ConsentsPage {
    layout: Layout,
    citizen_id: CitizenId,
    citizen_name: String,
    rows: Vec<ConsentRow>,
    organisations: Vec<Opt>,
    scopes: Vec<Opt>,
    hows: Vec<Opt>,
    valid_from: String,
    valid_to: String,
    note: String,
    errors: ValidationErrors,
}

async fn consents_page(
    state: &AppState,
    user: &Authenticated,
    cid: CitizenId,
    form: Option<&FormData>,
    errors: ValidationErrors,
    notice: Option<&str>,
) -> Result<ConsentsPage, AppError> {
    let citizen = state.app.get_citizen(&user.actor, cid).await?;
    let list = state.app.list_consents(&user.actor, cid).await?;
    let orgs = state.app.list_organisations().await?;
    let names = state.app.assignable_staff().await?;
    let today = tvaers_app::meetings::to_local(time::OffsetDateTime::now_utc()).date();
    let get = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
    let org_name = |id: Option<tvaers_domain::ids::OrganisationId>| match id {
        None => "Alle organisationer i forløbsteamet".to_string(),
        Some(o) => orgs
            .iter()
            .find(|x| x.id == o)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| "Ukendt".into()),
    };
    let staff_name = |id: tvaers_domain::ids::StaffId| {
        names
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.full_name.clone())
            .unwrap_or_else(|| "Ukendt medarbejder".into())
    };
    let sel_org = get("organisation_id");
    Ok(ConsentsPage {
        layout: Layout::for_user(user).with_notice(notice),
        citizen_id: cid,
        citizen_name: citizen.full_name(),
        rows: list
            .iter()
            .map(|c| ConsentRow {
                id: c.id.to_string(),
                organisation: org_name(c.organisation_id),
                scope: c.scope.label(),
                given_how: c.given_how.label(),
                period: match c.valid_to {
                    Some(to) => format!(
                        "{} – {}",
                        crate::plan_pages::fmt_date(c.valid_from),
                        crate::plan_pages::fmt_date(to)
                    ),
                    None => format!("fra {}", crate::plan_pages::fmt_date(c.valid_from)),
                },
                noted: format!("{} ({})", staff_name(c.noted_by), fmt_time(c.created_at)),
                note: c.note.clone(),
                active: c.is_active(today),
                withdrawn: match (c.withdrawn_at, c.withdrawn_by) {
                    (Some(at), by) => format!(
                        "Trukket tilbage {}{}",
                        fmt_time(at),
                        by.map(|b| format!(" (noteret af {})", staff_name(b)))
                            .unwrap_or_default()
                    ),
                    _ => String::new(),
                },
            })
            .collect(),
        organisations: orgs
            .iter()
            .map(|o| Opt {
                value: o.id.to_string(),
                label: format!("{} ({})", o.name, o.kind.label()),
                selected: o.id.to_string() == sel_org,
            })
            .collect(),
        scopes: ConsentScope::ALL
            .iter()
            .map(|x| Opt {
                value: x.code().into(),
                label: x.label().into(),
                selected: get("scope") == x.code(),
            })
            .collect(),
        hows: GivenHow::ALL
            .iter()
            .map(|x| Opt {
                value: x.code().into(),
                label: x.label().into(),
                selected: get("given_how") == x.code(),
            })
            .collect(),
        valid_from: {
            let v = get("valid_from");
            if v.is_empty() { today.to_string() } else { v }
        },
        valid_to: get("valid_to"),
        note: get("note"),
        errors,
    })
}

pub async fn consents(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(q): Query<Saved>,
) -> Response {
    let cid: CitizenId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    match consents_page(
        &state,
        &user,
        cid,
        None,
        ValidationErrors::new(),
        q.gemt.map(|_| "Samtykket er gemt."),
    )
    .await
    {
        Ok(p) => render(&p),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn consent_add(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let cid: CitizenId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let input = ConsentInput {
        organisation_id: form.opt("organisation_id"),
        scope: form.get("scope"),
        given_how: form.get("given_how"),
        valid_from: form.opt("valid_from"),
        valid_to: form.opt("valid_to"),
        note: form.opt("note"),
    };
    match state.app.add_consent(&user.actor, cid, &input).await {
        Ok(_) => Redirect::to(&format!("/borgere/{cid}/samtykke?gemt=1")).into_response(),
        Err(AppError::Validation(errors)) => {
            match consents_page(&state, &user, cid, Some(&form), errors, None).await {
                Ok(p) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &p),
                Err(e) => error_page(e, Some(&user)),
            }
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn consent_withdraw(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((raw, consent)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let (cid, id) = match (
        parse_id::<CitizenId>(&raw),
        consent.trim().parse::<uuid::Uuid>(),
    ) {
        (Ok(c), Ok(i)) => (c, ConsentId(i)),
        _ => return error_page(AppError::NotFound, Some(&user)),
    };
    match state.app.withdraw_consent(&user.actor, cid, id).await {
        Ok(()) => Redirect::to(&format!("/borgere/{cid}/samtykke?gemt=1")).into_response(),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Audit view (tilsyn)

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub profession: String,
    pub unit: String,
    pub action: &'static str,
    pub what: String,
    pub citizen_id: String,
    pub purpose: String,
    pub denied: bool,
    pub detail: String,
}

fn audit_rows(events: &[AuditEvent]) -> Vec<AuditRow> {
    events
        .iter()
        .map(|e| AuditRow {
            at: fmt_time(e.at),
            actor: e.actor_name.clone().unwrap_or_else(|| "–".into()),
            profession: e.actor_profession.clone().unwrap_or_default(),
            unit: e.actor_unit_name.clone().unwrap_or_default(),
            action: e.action.label(),
            what: resource_label(&e.resource_type).to_string(),
            citizen_id: e.citizen_id.map(|c| c.to_string()).unwrap_or_default(),
            purpose: e.purpose.clone().unwrap_or_default(),
            denied: e.outcome == AuditOutcome::Denied,
            detail: e.detail.clone().unwrap_or_default(),
        })
        .collect()
}

/// What was looked at, in Danish.
pub fn resource_label(t: &str) -> &str {
    match t {
        "citizen" => "Stamoplysninger og overblik",
        "citizen_search" => "Søgning i borgerregistret",
        "case" | "case_list" => "Sager",
        "plan" | "plan_list" | "plan_version" => "Planen",
        "meeting" | "meeting_list" => "Møder",
        "task" | "task_list" => "Opgaver",
        "measurement" => "Målinger",
        "consent" => "Samtykker",
        "break_glass" => "Brudt glas",
        "cpr" => "Fuldt CPR-nummer",
        "journal" | "journal_entry" => "Journal",
        "journal_search" => "Søgning i journalen",
        "journal_search_hit" => "Journal (søgeresultat)",
        "message" | "inbox" => "Beskeder (digital kontakt)",
        "portal_account" => "Adgang til borgerportalen",
        other => other,
    }
}

#[derive(Template)]
#[template(path = "audit_view.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditRow>,
    units: Vec<Opt>,
    actions: Vec<Opt>,
    outcomes: Vec<Opt>,
    q: AuditQueryView,
    query: String,
    prev: Option<i64>,
    next: Option<i64>,
    errors: ValidationErrors,
}

#[derive(Default)]
pub struct AuditQueryView {
    pub from: String,
    pub to: String,
    pub citizen: String,
    pub staff: String,
}

fn audit_query_string(q: &AuditQuery, page: Option<i64>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("from", &q.from),
        ("to", &q.to),
        ("citizen", &q.citizen),
        ("staff", &q.staff),
        ("unit", &q.unit),
        ("action", &q.action),
        ("outcome", &q.outcome),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            s.append_pair(k, v);
        }
    }
    if let Some(p) = page {
        s.append_pair("page", &p.to_string());
    }
    s.finish()
}

pub async fn audit_view(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<AuditQuery>,
) -> Response {
    let units = state.app.list_units().await.unwrap_or_default();
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, errors, status, full) = match state.app.audit_view(&user.actor, &q).await {
        Ok(ev) => (
            audit_rows(&ev),
            ValidationErrors::new(),
            StatusCode::OK,
            ev.len() as i64 == AUDIT_PAGE,
        ),
        Err(AppError::Validation(e)) => (vec![], e, StatusCode::UNPROCESSABLE_ENTITY, false),
        Err(e) => return error_page(e, Some(&user)),
    };
    let unit_sel = sel(&q.unit);
    let page = AuditPage {
        layout: Layout::for_user(&user),
        rows,
        units: units
            .iter()
            .filter(|u| {
                user.actor.role() != tvaers_domain::staff::Role::Leader
                    || user.actor.unit_ids.contains(&u.id)
            })
            .map(|u| Opt {
                value: u.id.to_string(),
                label: u.name.clone(),
                selected: u.id.to_string() == unit_sel,
            })
            .collect(),
        actions: AuditAction::ALL
            .iter()
            .map(|a| Opt {
                value: a.code().into(),
                label: a.label().into(),
                selected: Some(a.code()) == q.action.as_deref(),
            })
            .collect(),
        outcomes: AuditOutcome::ALL
            .iter()
            .map(|a| Opt {
                value: a.code().into(),
                label: a.label().into(),
                selected: Some(a.code()) == q.outcome.as_deref(),
            })
            .collect(),
        q: AuditQueryView {
            from: sel(&q.from),
            to: sel(&q.to),
            citizen: sel(&q.citizen),
            staff: sel(&q.staff),
        },
        query: audit_query_string(&q, None),
        prev: (page_no > 1).then_some(page_no - 1),
        next: full.then_some(page_no + 1),
        errors,
    };
    render_status(status, &page)
}

/// The filtered audit trail as CSV (up to 10,000 rows).
pub async fn audit_csv(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<AuditQuery>,
) -> Response {
    let all = match state.app.audit_export(&user.actor, &q).await {
        Ok(ev) => ev,
        Err(e) => return error_page(e, Some(&user)),
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let mut res = w.write_record([
        "tidspunkt",
        "medarbejder",
        "profession",
        "enhed",
        "handling",
        "hvad",
        "borger_id",
        "formål",
        "udfald",
        "begrundelse",
    ]);
    for e in &all {
        res = res.and_then(|_| {
            w.write_record([
                e.at.to_string(),
                e.actor_name.clone().unwrap_or_default(),
                e.actor_profession.clone().unwrap_or_default(),
                e.actor_unit_name.clone().unwrap_or_default(),
                e.action.label().to_string(),
                resource_label(&e.resource_type).to_string(),
                e.citizen_id.map(|c| c.to_string()).unwrap_or_default(),
                e.purpose.clone().unwrap_or_default(),
                e.outcome.label().to_string(),
                e.detail.clone().unwrap_or_default(),
            ])
        });
    }
    match res.and_then(|_| w.into_inner().map_err(|e| e.into_error().into())) {
        Ok(bytes) => csv_response("tilsyn", String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => error_page(AppError::Internal(e.to_string()), Some(&user)),
    }
}
