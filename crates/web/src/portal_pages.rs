//! The citizen portal (`/borger`): the plan in plain Danish, goals with charts,
//! meetings and agreed action goals, the citizen's own wishes and assessments,
//! and who looked at their data.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tvaers_app::AppError;
use tvaers_app::measurements::MeasurementInput;
use tvaers_app::portal::{PasswordIdentity, PortalUser};
use tvaers_domain::ValidationErrors;
use tvaers_domain::measure::{Meaning, Performance, SATISFACTION_LABELS};
use tvaers_domain::meeting::Owner;
use tvaers_domain::plan::WishesAuthor;
use tvaers_domain::terminology::fsiii_areas;

use crate::AppState;
use crate::access_pages::resource_label;
use crate::charts;
use crate::pages::{FormData, constant_time_eq, error_page, render, render_status};
use crate::plan_pages::{Opt, fmt_date, fmt_time};
use crate::progress_pages::AreaOpt;
use crate::session::{PORTAL_COOKIE, PortalUserExt, named_cookie};

/// The portal's own page frame (no staff menu).
pub struct PortalLayout {
    pub name: String,
    pub csrf: String,
    pub notice: Option<String>,
    pub relative: Option<String>,
}

impl PortalLayout {
    fn of(u: &PortalUser, notice: Option<&str>) -> Self {
        PortalLayout {
            name: u.citizen.full_name(),
            csrf: u.session.csrf_token.clone(),
            notice: notice.map(str::to_string),
            relative: u.account.relative_name.clone(),
        }
    }
}

fn check_portal_csrf(u: &PortalUser, form: &FormData) -> Result<(), Response> {
    let sent = form.get("csrf");
    if !sent.is_empty() && constant_time_eq(sent.as_bytes(), u.session.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(error_page(
            AppError::Forbidden("Formularen er udløbet. Genindlæs siden, og prøv igen.".into()),
            None,
        ))
    }
}

#[derive(Template)]
#[template(path = "portal_login.html")]
struct LoginPage {
    error: Option<String>,
    username: String,
    /// Offer «Log ind med MitID» (OpenID Connect is configured).
    mitid: bool,
}

/// After logging out of a MitID session: on to the broker's logout (posted).
#[derive(Template)]
#[template(path = "portal_logout.html")]
struct LogoutPage {
    logout: tvaers_app::oidc::BrokerLogout,
}

pub async fn login_form(State(state): State<AppState>) -> Response {
    render(&LoginPage {
        error: None,
        username: String::new(),
        mitid: state.app.portal_sign_on_enabled(),
    })
}

/// The cookie that ties a MitID login to the browser that started it: only a
/// random key (the state, nonce and PKCE verifier stay in the database), sent
/// only to the callback, gone after ten minutes.
const SIGN_ON_COOKIE: &str = "tvaers_mitid";

fn sign_on_cookie(key: &str, secure: bool, max_age_secs: i64) -> header::HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{SIGN_ON_COOKIE}={key}; Path=/borger/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    );
    header::HeaderValue::from_str(&v).unwrap_or_else(|_| header::HeaderValue::from_static(""))
}

/// A portal session is open: its cookie, and on to the portal.
fn logged_in(state: &AppState, token: &str) -> Response {
    let max_age = state.app.settings().session_absolute.whole_seconds();
    let mut resp = Redirect::to("/borger").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        named_cookie(PORTAL_COOKIE, token, state.secure_cookies, max_age),
    );
    resp
}

/// A login that did not go through: the login page again, with why.
fn login_refused(state: &AppState, e: AppError, username: String) -> Response {
    match e {
        AppError::BadCredentials
        | AppError::Throttled
        | AppError::LockedOut
        | AppError::Forbidden(_)
        | AppError::Oidc(_) => {
            let status = crate::error::classify(&e).0;
            render_status(
                status,
                &LoginPage {
                    error: Some(e.to_string()),
                    username,
                    mitid: state.app.portal_sign_on_enabled(),
                },
            )
        }
        e => error_page(e, None),
    }
}

pub async fn login_submit(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Some(r) = crate::pages::foreign_origin(&headers) {
        return r;
    }
    let username = form.get("username");
    match state
        .app
        .portal_login(
            &PasswordIdentity,
            &username,
            &form.get("password"),
            Some(addr.ip()),
        )
        .await
    {
        Ok((token, _)) => logged_in(&state, &token),
        Err(e) => login_refused(&state, e, username),
    }
}

/// `GET /borger/login/oidc`: off to the MitID broker (404 when not configured).
pub async fn sign_on_begin(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Response {
    match state.app.portal_sign_on_begin(Some(addr.ip())).await {
        Ok((key, url)) => {
            let mut resp = Redirect::to(&url).into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                sign_on_cookie(
                    &key,
                    state.secure_cookies,
                    tvaers_app::portal::SIGN_ON_TTL.whole_seconds(),
                ),
            );
            resp
        }
        Err(AppError::NotFound) => error_page(AppError::NotFound, None),
        Err(e) => login_refused(&state, e, String::new()),
    }
}

/// `GET /borger/oidc/callback?code&state` (or `?error`): back from the broker.
/// The code and state are in the query only; the log has the path alone.
pub async fn sign_on_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let mut callback = tvaers_app::portal::SignOnCallback::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "code" => callback.code = Some(v.into_owned()),
            "state" => callback.state = Some(v.into_owned()),
            "error" => callback.error = Some(v.into_owned()),
            _ => {}
        }
    }
    let key = crate::session::cookie_value(&headers, SIGN_ON_COOKIE);
    let mut resp = match state
        .app
        .portal_sign_on_finish(key.as_deref(), &callback)
        .await
    {
        Ok((token, _)) => logged_in(&state, &token),
        Err(AppError::NotFound) => return error_page(AppError::NotFound, None),
        Err(e) => login_refused(&state, e, String::new()),
    };
    // The key is used up either way.
    resp.headers_mut().append(
        header::SET_COOKIE,
        sign_on_cookie("", state.secure_cookies, 0),
    );
    resp
}

pub async fn logout(
    State(state): State<AppState>,
    PortalUserExt(u): PortalUserExt,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_portal_csrf(&u, &form) {
        return r;
    }
    let broker = match state.app.portal_logout(&u).await {
        Ok(broker) => broker,
        Err(e) => {
            tracing::warn!(error = %e, "portal logout");
            None
        }
    };
    let mut resp = match broker {
        Some(logout) => {
            // The page posts a form to the broker: the CSP's form-action
            // names its origin besides our own (for this page only).
            let csp = crate::content_security_policy(&format!("'self' {}", logout.origin));
            let mut page = render(&LogoutPage { logout });
            if let Ok(v) = header::HeaderValue::from_str(&csp) {
                page.headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, v);
            }
            page
        }
        None => Redirect::to("/borger/login").into_response(),
    };
    resp.headers_mut().insert(
        header::SET_COOKIE,
        named_cookie(PORTAL_COOKIE, "", state.secure_cookies, 0),
    );
    resp
}

pub struct PortalGoal {
    pub text: String,
    pub area: String,
    pub target: String,
    pub latest: String,
    pub trend: &'static str,
    pub chart: String,
    pub values: Vec<(String, String)>,
}

pub struct PortalMeeting {
    pub when: String,
    pub kind: &'static str,
    pub location: String,
}

#[derive(Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    layout: PortalLayout,
    has_plan: bool,
    wishes: String,
    wishes_by_citizen: bool,
    overall_goal: String,
    coordinator: String,
    goals: Vec<PortalGoal>,
    upcoming: Vec<PortalMeeting>,
    action_goals: Vec<(String, String, String)>,
    my_tasks: Vec<(String, String)>,
    errors: ValidationErrors,
}

#[derive(Deserialize)]
pub struct Notice {
    gemt: Option<String>,
}

async fn home_page(
    state: &AppState,
    u: &PortalUser,
    notice: Option<&str>,
    errors: ValidationErrors,
    wishes_draft: Option<String>,
) -> Result<HomePage, AppError> {
    let o = state.app.portal_overview(u).await?;
    let staff = state.app.assignable_staff().await?;
    let name_of = |id: tvaers_domain::ids::StaffId| {
        staff
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.full_name.clone())
            .unwrap_or_else(|| "en medarbejder".into())
    };
    let plan = o.plan.as_ref();
    Ok(HomePage {
        layout: PortalLayout::of(u, notice),
        has_plan: plan.is_some(),
        wishes: wishes_draft.unwrap_or_else(|| {
            plan.and_then(|p| p.content.wishes.as_ref())
                .map(|w| w.text.clone())
                .unwrap_or_default()
        }),
        wishes_by_citizen: plan
            .and_then(|p| p.content.wishes.as_ref())
            .is_some_and(|w| w.author == WishesAuthor::Citizen),
        overall_goal: plan
            .map(|p| p.content.overall_goal.clone())
            .unwrap_or_default(),
        coordinator: plan
            .map(|p| name_of(p.content.coordinator))
            .unwrap_or_default(),
        goals: o
            .goals
            .iter()
            .map(|g| PortalGoal {
                text: g.goal.text.clone(),
                area: g
                    .goal
                    .area
                    .as_ref()
                    .map(|a| a.display.clone())
                    .unwrap_or_default(),
                target: g
                    .goal
                    .target
                    .map(|t| g.goal.scale.value_label(t))
                    .unwrap_or_default(),
                latest: g
                    .latest
                    .map(|v| g.goal.scale.value_label(v))
                    .unwrap_or_default(),
                trend: g.trend.label(),
                chart: if g.series.is_empty() {
                    String::new()
                } else {
                    charts::goal_chart(g, false)
                },
                values: g
                    .series
                    .iter()
                    .map(|(t, v)| (fmt_time(*t), g.goal.scale.value_label(*v)))
                    .collect(),
            })
            .collect(),
        upcoming: o
            .upcoming
            .iter()
            .map(|m| PortalMeeting {
                when: fmt_time(m.starts_at),
                kind: m.kind.label(),
                location: m.location.clone(),
            })
            .collect(),
        action_goals: o
            .action_goals
            .iter()
            .map(|a| {
                let who = match &a.owner {
                    Owner::Staff { staff_id } => name_of(*staff_id),
                    Owner::Team { .. } => "teamet".into(),
                    Owner::Citizen => "dig".into(),
                    Owner::Relative { name } => name.clone(),
                };
                (a.text.clone(), who, fmt_date(a.due))
            })
            .collect(),
        my_tasks: o
            .my_tasks
            .iter()
            .map(|t| (t.title.clone(), t.due.map(fmt_date).unwrap_or_default()))
            .collect(),
        errors,
    })
}

pub async fn home(
    State(state): State<AppState>,
    PortalUserExt(u): PortalUserExt,
    Query(n): Query<Notice>,
) -> Response {
    match home_page(
        &state,
        &u,
        n.gemt.map(|_| "Det er gemt."),
        ValidationErrors::new(),
        None,
    )
    .await
    {
        Ok(p) => render(&p),
        Err(e) => error_page(e, None),
    }
}

pub async fn wishes(
    State(state): State<AppState>,
    PortalUserExt(u): PortalUserExt,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_portal_csrf(&u, &form) {
        return r;
    }
    let text = form.get("text");
    match state.app.portal_set_wishes(&u, &text).await {
        Ok(_) => Redirect::to("/borger?gemt=1#wishes").into_response(),
        Err(AppError::Validation(errors)) => {
            match home_page(&state, &u, None, errors, Some(text)).await {
                Ok(p) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &p),
                Err(e) => error_page(e, None),
            }
        }
        Err(e) => error_page(e, None),
    }
}

#[derive(Template)]
#[template(path = "portal_assessment.html")]
struct AssessmentPage {
    layout: PortalLayout,
    areas: Vec<AreaOpt>,
    performance: Vec<Opt>,
    meaning: Vec<Opt>,
    satisfaction: Vec<Opt>,
    kind: String,
    errors: ValidationErrors,
}

fn assessment_page(
    u: &PortalUser,
    form: Option<&FormData>,
    errors: ValidationErrors,
) -> AssessmentPage {
    let get = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
    let area = get("area");
    AssessmentPage {
        layout: PortalLayout::of(u, None),
        areas: fsiii_areas()
            .iter()
            .map(|g| AreaOpt {
                label: g.display,
                opts: g
                    .sub_areas
                    .iter()
                    .map(|(c, d)| Opt {
                        value: format!("fsiii:{c}"),
                        label: d.to_string(),
                        selected: area == format!("fsiii:{c}"),
                    })
                    .collect(),
            })
            .collect(),
        performance: Performance::ALL
            .iter()
            .map(|p| Opt {
                value: p.code().into(),
                label: p.label().into(),
                selected: get("performance") == p.code(),
            })
            .collect(),
        meaning: Meaning::ALL
            .iter()
            .map(|p| Opt {
                value: p.code().into(),
                label: p.label().into(),
                selected: get("meaning") == p.code(),
            })
            .collect(),
        satisfaction: SATISFACTION_LABELS
            .iter()
            .enumerate()
            .map(|(i, l)| Opt {
                value: (i + 1).to_string(),
                label: l.to_string(),
                selected: get("value") == (i + 1).to_string(),
            })
            .collect(),
        kind: {
            let k = get("kind");
            if k.is_empty() {
                "self_assessment".into()
            } else {
                k
            }
        },
        errors,
    }
}

pub async fn assessment_form(PortalUserExt(u): PortalUserExt) -> Response {
    render(&assessment_page(&u, None, ValidationErrors::new()))
}

pub async fn assessment_submit(
    State(state): State<AppState>,
    PortalUserExt(u): PortalUserExt,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_portal_csrf(&u, &form) {
        return r;
    }
    let input = MeasurementInput {
        kind: form.get("kind"),
        area: form.opt("area"),
        value: form.opt("value"),
        performance: form.opt("performance"),
        meaning: form.opt("meaning"),
        note: form.opt("note"),
        ..Default::default()
    };
    match state.app.portal_self_assessment(&u, &input).await {
        Ok(_) => Redirect::to("/borger?gemt=1").into_response(),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &assessment_page(&u, Some(&form), errors),
        ),
        Err(e) => error_page(e, None),
    }
}

pub struct AccessRow {
    pub when: String,
    pub who: String,
    pub profession: String,
    pub unit: String,
    pub what: String,
    pub action: &'static str,
    pub purpose: String,
    pub denied: bool,
}

#[derive(Template)]
#[template(path = "portal_access.html")]
struct AccessPage {
    layout: PortalLayout,
    rows: Vec<AccessRow>,
}

pub async fn access_log(
    State(state): State<AppState>,
    PortalUserExt(u): PortalUserExt,
) -> Response {
    match state.app.portal_access_log(&u, 1).await {
        Ok(events) => render(&AccessPage {
            layout: PortalLayout::of(&u, None),
            rows: events
                .iter()
                .map(|e| AccessRow {
                    when: fmt_time(e.at),
                    who: e.actor_name.clone().unwrap_or_default(),
                    profession: e.actor_profession.clone().unwrap_or_default(),
                    unit: e.actor_unit_name.clone().unwrap_or_default(),
                    what: resource_label(&e.resource_type).to_string(),
                    action: e.action.label(),
                    purpose: e.purpose.clone().unwrap_or_default(),
                    denied: e.outcome == tvaers_domain::audit::AuditOutcome::Denied,
                })
                .collect(),
        }),
        Err(e) => error_page(e, None),
    }
}

pub struct MessageRow {
    pub when: String,
    pub from: String,
    pub to_me: bool,
    pub text: String,
}

#[derive(Template)]
#[template(path = "portal_messages.html")]
struct MessagesPage {
    layout: PortalLayout,
    rows: Vec<MessageRow>,
    text: String,
    errors: ValidationErrors,
}

async fn messages_page(
    state: &AppState,
    u: &PortalUser,
    notice: Option<&str>,
    text: String,
    errors: ValidationErrors,
) -> Result<MessagesPage, AppError> {
    let entries = state.app.portal_messages(u).await?;
    Ok(MessagesPage {
        layout: PortalLayout::of(u, notice),
        rows: entries
            .iter()
            .map(|e| MessageRow {
                when: fmt_time(e.written_at),
                from: e.author_name.clone(),
                to_me: e.message.as_ref().is_some_and(|m| {
                    m.direction == tvaers_domain::journal::MessageDirection::ToCitizen
                }),
                text: e.text.clone(),
            })
            .collect(),
        text,
        errors,
    })
}

pub async fn messages(
    State(state): State<AppState>,
    PortalUserExt(u): PortalUserExt,
    Query(n): Query<Notice>,
) -> Response {
    match messages_page(
        &state,
        &u,
        n.gemt.map(|_| "Din besked er sendt til din tovholder."),
        String::new(),
        ValidationErrors::new(),
    )
    .await
    {
        Ok(p) => render(&p),
        Err(e) => error_page(e, None),
    }
}

pub async fn send_message(
    State(state): State<AppState>,
    PortalUserExt(u): PortalUserExt,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_portal_csrf(&u, &form) {
        return r;
    }
    let text = form.get("text");
    match state.app.portal_send_message(&u, &text).await {
        Ok(_) => Redirect::to("/borger/beskeder?gemt=1").into_response(),
        Err(AppError::Validation(errors)) => {
            match messages_page(&state, &u, None, text, errors).await {
                Ok(p) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &p),
                Err(e) => error_page(e, None),
            }
        }
        Err(e) => error_page(e, None),
    }
}
