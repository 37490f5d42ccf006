//! Server-rendered Danish pages. Each handler parses the request, calls one
//! use case and renders one template — nothing else.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tvaers_app::AppError;
use tvaers_app::auth::Authenticated;
use tvaers_app::org::StaffInput;
use tvaers_domain::ValidationErrors;
use tvaers_domain::case::{CaseArea, CaseInput};
use tvaers_domain::citizen::{CitizenInput, Relative};
use tvaers_domain::ids::{CaseId, CitizenId, OrganisationId, StaffId, UnitId};
use tvaers_domain::org::{UnitKind, unit_tree};
use tvaers_domain::staff::{Profession, Role};
use tvaers_store::{Page, SessionKind};

use crate::AppState;
use crate::error::classify;
use crate::session::{COOKIE, PageUser, clear_cookie, cookie_value, set_cookie};

// ---------------------------------------------------------------------------
// Shared page parts

pub struct UserBar {
    pub name: String,
    pub profession: &'static str,
    pub sees_citizens: bool,
    pub is_leader: bool,
    pub is_admin: bool,
    pub is_auditor: bool,
}

pub struct Layout {
    pub user: Option<UserBar>,
    pub csrf: String,
    pub notice: Option<String>,
}

impl Layout {
    fn anonymous() -> Self {
        Layout {
            user: None,
            csrf: String::new(),
            notice: None,
        }
    }

    pub(crate) fn for_user(a: &Authenticated) -> Self {
        let role = a.actor.role();
        Layout {
            user: Some(UserBar {
                name: a.actor.full_name.clone(),
                profession: a.actor.profession.label(),
                sees_citizens: matches!(role, Role::Professional | Role::Leader),
                is_leader: role == Role::Leader,
                is_admin: role == Role::Administrator,
                is_auditor: role == Role::Auditor,
            }),
            csrf: a.session.csrf_token.clone(),
            notice: None,
        }
    }

    pub(crate) fn with_notice(mut self, n: Option<&str>) -> Self {
        self.notice = n.map(str::to_string);
        self
    }
}

pub(crate) fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

pub(crate) fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Der opstod en intern fejl.",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: &'static str,
    message: String,
    /// The citizen id when the user may break the glass.
    break_glass: Option<String>,
}

/// An id from the path; anything that is not one is simply not found.
pub(crate) fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.trim().parse().map_err(|_| AppError::NotFound)
}

/// Login CSRF: a cross-site form post carries a foreign `Origin`.
pub(crate) fn foreign_origin(headers: &HeaderMap) -> Option<Response> {
    let (origin, host) = (headers.get(header::ORIGIN)?, headers.get(header::HOST)?);
    let origin = origin.to_str().unwrap_or_default();
    let host = host.to_str().unwrap_or_default();
    (!origin.ends_with(&format!("://{host}")))
        .then(|| error_page(AppError::Forbidden("Ugyldig afsender.".into()), None))
}

/// A Danish error page for an application error.
pub fn error_page(e: AppError, user: Option<&Authenticated>) -> Response {
    let (status, _) = classify(&e);
    let title = match status {
        StatusCode::NOT_FOUND => "Ikke fundet",
        StatusCode::FORBIDDEN => "Ingen adgang",
        StatusCode::UNPROCESSABLE_ENTITY => "Ugyldige oplysninger",
        StatusCode::CONFLICT => "Konflikt",
        StatusCode::SERVICE_UNAVAILABLE => "Midlertidigt utilgængelig",
        _ => "Fejl",
    };
    let message = match &e {
        AppError::Forbidden(m) => format!("Du har ikke adgang til dette. {m}"),
        other => other.to_string(),
    };
    let layout = user.map(Layout::for_user).unwrap_or_else(Layout::anonymous);
    let break_glass = match &e {
        AppError::NoRelationship(c) if user.is_some() => Some(c.to_string()),
        _ => None,
    };
    render_status(
        status,
        &ErrorPage {
            layout,
            title,
            message,
            break_glass,
        },
    )
}

/// 404 for unknown pages.
pub async fn not_found_page() -> Response {
    error_page(AppError::NotFound, None)
}

/// A url-encoded form body, with repeated keys kept.
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &Bytes) -> Self {
        FormData(form_urlencoded::parse(body).into_owned().collect())
    }
    pub fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key)).filter(|v| !v.trim().is_empty())
    }
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Every state-changing form carries the session's CSRF token.
pub(crate) fn check_csrf(user: &Authenticated, form: &FormData) -> Result<(), Response> {
    let sent = form.get("csrf");
    if !sent.is_empty() && constant_time_eq(sent.as_bytes(), user.session.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(error_page(
            AppError::Forbidden(
                "Formularen er udløbet eller ugyldig. Genindlæs siden, og prøv igen.".into(),
            ),
            Some(user),
        ))
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

macro_rules! from_uuid {
    ($($t:ty),*) => { $(impl FromUuid for $t { fn from_uuid(u: uuid::Uuid) -> Self { Self(u) } })* };
}
trait FromUuid {
    fn from_uuid(u: uuid::Uuid) -> Self;
}
from_uuid!(CitizenId, CaseId, UnitId, StaffId, OrganisationId);

fn id<T: FromUuid>(s: &str) -> Result<T, AppError> {
    s.parse::<uuid::Uuid>()
        .map(T::from_uuid)
        .map_err(|_| AppError::NotFound)
}

// ---------------------------------------------------------------------------
// Login, logout, home

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    error: Option<String>,
    username: String,
}

pub async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // Already logged in: go home.
    if let Some(t) = cookie_value(&headers, COOKIE)
        && state
            .app
            .authenticate(&t, SessionKind::Browser)
            .await
            .is_ok()
    {
        return Redirect::to("/").into_response();
    }
    render(&LoginPage {
        layout: Layout::anonymous(),
        error: None,
        username: String::new(),
    })
}

pub async fn login_submit(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let username = form.get("username");
    if let Some(r) = foreign_origin(&headers) {
        return r;
    }
    match state
        .app
        .login(
            &username,
            &form.get("password"),
            Some(addr.ip()),
            SessionKind::Browser,
        )
        .await
    {
        Ok((token, _)) => {
            // Any session cookie the browser had is replaced: a new id at every login.
            let max_age = state.app.settings().session_absolute.whole_seconds();
            let mut resp = Redirect::to("/").into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                set_cookie(&token, state.secure_cookies, max_age),
            );
            resp
        }
        Err(e @ (AppError::BadCredentials | AppError::Throttled | AppError::LockedOut)) => {
            let status = classify(&e).0;
            render_status(
                status,
                &LoginPage {
                    layout: Layout::anonymous(),
                    error: Some(e.to_string()),
                    username,
                },
            )
        }
        Err(e) => error_page(e, None),
    }
}

pub async fn logout(State(state): State<AppState>, user: PageUser, body: Bytes) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user.0, &form) {
        return r;
    }
    if let Err(e) = state.app.logout(&user.0).await {
        tracing::warn!(error = %e, "logout");
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(state.secure_cookies));
    resp
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    sees_citizens: bool,
    is_leader: bool,
    is_admin: bool,
}

pub async fn home(PageUser(user): PageUser) -> Response {
    let layout = Layout::for_user(&user);
    let (sees_citizens, is_leader, is_admin) = layout
        .user
        .as_ref()
        .map(|u| (u.sees_citizens, u.is_leader, u.is_admin))
        .unwrap_or_default();
    render(&HomePage {
        name: user.actor.full_name.clone(),
        layout,
        sees_citizens,
        is_leader,
        is_admin,
    })
}

// ---------------------------------------------------------------------------
// Citizens

pub struct Hit {
    id: CitizenId,
    name: String,
    cpr: String,
    address: String,
    works_with: bool,
}

#[derive(Template)]
#[template(path = "citizens.html")]
struct CitizensPage {
    layout: Layout,
    q: String,
    q_url: String,
    searched: bool,
    hits: Vec<Hit>,
    error: Option<String>,
    prev: Option<i64>,
    next: Option<i64>,
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    side: Option<i64>,
}

async fn citizens_page(
    state: &AppState,
    user: &Authenticated,
    q: String,
    page_no: i64,
) -> Response {
    let page_no = page_no.max(1);
    let mut page = CitizensPage {
        layout: Layout::for_user(user),
        q_url: form_urlencoded::byte_serialize(q.as_bytes()).collect(),
        q: q.clone(),
        searched: false,
        hits: vec![],
        error: None,
        prev: None,
        next: None,
    };
    if q.trim().is_empty() {
        // An empty search still checks access, so a volunteer sees a clear refusal.
        if let Some(r) = search_refusal(state, user) {
            return r;
        }
        return render(&page);
    }
    // One extra row tells whether there is a next page.
    let p = Page::new(PAGE_SIZE + 1, (page_no - 1) * PAGE_SIZE);
    match state.app.search_citizens(&user.actor, &q, p).await {
        Ok(mut hits) => {
            page.searched = true;
            if hits.len() as i64 > PAGE_SIZE {
                hits.truncate(PAGE_SIZE as usize);
                page.next = Some(page_no + 1);
            }
            page.prev = (page_no > 1).then_some(page_no - 1);
            page.hits = hits
                .into_iter()
                .map(|h| Hit {
                    works_with: h.works_with,
                    id: h.id,
                    name: format!("{} {}", h.given_name, h.family_name),
                    cpr: h.cpr.masked(),
                    address: [h.address, h.city]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect();
            render(&page)
        }
        Err(AppError::Validation(v)) => {
            page.error = Some(v.summary());
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => error_page(e, Some(user)),
    }
}

fn search_refusal(state: &AppState, user: &Authenticated) -> Option<Response> {
    state
        .app
        .may_search_citizens(&user.actor)
        .err()
        .map(|e| error_page(e, Some(user)))
}

/// Name searches arrive by GET (pagination links); the search form POSTs so a
/// CPR number never lands in a URL, a log or the browser history.
pub async fn citizens_get(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<SearchParams>,
) -> Response {
    citizens_page(&state, &user, p.q.unwrap_or_default(), p.side.unwrap_or(1)).await
}

pub async fn citizens_post(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    citizens_page(&state, &user, form.get("q"), 1).await
}

#[derive(Template)]
#[template(path = "citizen.html")]
struct CitizenPage {
    layout: Layout,
    c: tvaers_domain::citizen::Citizen,
    cpr: String,
    revealed: bool,
    age: i32,
    address: String,
    cases: Vec<tvaers_app::citizens::CaseView>,
    /// Plan, meetings and tasks (issue 4).
    block: crate::plan_pages::CitizenBlock,
}

#[derive(Deserialize)]
pub struct NoticeParams {
    gemt: Option<String>,
    glas: Option<String>,
}

async fn citizen_page(
    state: &AppState,
    user: &Authenticated,
    raw_id: &str,
    reveal: bool,
    notice: Option<&str>,
) -> Response {
    let result = async {
        let cid: CitizenId = id(raw_id)?;
        let cpr = if reveal {
            Some(state.app.reveal_cpr(&user.actor, cid).await?)
        } else {
            None
        };
        // Rendered while the read's audit commits; sent only once it is durable.
        state
            .app
            .citizen_overview_held(&user.actor, cid)
            .await
            .then(|o| async move {
                let block = crate::plan_pages::CitizenBlock::build(state, user, &o).await?;
                Ok(citizen_page_render(user, o, cpr, block, notice))
            })
            .await
            .release()
            .await
    }
    .await;
    result.unwrap_or_else(|e| error_page(e, Some(user)))
}

fn citizen_page_render(
    user: &Authenticated,
    o: tvaers_app::citizens::CitizenOverview,
    cpr: Option<String>,
    block: crate::plan_pages::CitizenBlock,
    notice: Option<&str>,
) -> Response {
    let today = tvaers_domain::calendar::danish_date(time::OffsetDateTime::now_utc());
    let c = o.citizen;
    let address = [
        c.address.clone(),
        c.postal_code
            .as_ref()
            .map(|p| format!("{p} {}", c.city.clone().unwrap_or_default())),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    render(&CitizenPage {
        layout: Layout::for_user(user).with_notice(notice),
        revealed: cpr.is_some(),
        cpr: cpr.unwrap_or_else(|| c.cpr.masked()),
        age: c.age_on(today),
        address: if address.is_empty() {
            "–".into()
        } else {
            address
        },
        c,
        cases: o.cases,
        block,
    })
}

pub async fn citizen_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(n): Query<NoticeParams>,
) -> Response {
    let notice = if n.glas.is_some() {
        Some(
            "Du har brudt glasset og kan læse borgerens oplysninger i 2 timer. Din begrundelse er gemt, og din leder gennemser den.",
        )
    } else {
        n.gemt.map(|_| "Ændringerne er gemt.")
    };
    citizen_page(&state, &user, &raw, false, notice).await
}

pub async fn citizen_reveal(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    citizen_page(
        &state,
        &user,
        &raw,
        true,
        Some("Det fulde CPR-nummer vises. Visningen er logget."),
    )
    .await
}

pub struct RelativeRow {
    name: String,
    relation: String,
    phone: String,
}

pub struct CitizenValues {
    cpr: String,
    given_name: String,
    family_name: String,
    address: String,
    postal_code: String,
    city: String,
    phone: String,
    email: String,
    relatives: Vec<RelativeRow>,
}

impl CitizenValues {
    fn from_form(f: &FormData) -> Self {
        let names = f.all("rel_name");
        let relations = f.all("rel_relation");
        let phones = f.all("rel_phone");
        let relatives = (0..names.len())
            .map(|i| RelativeRow {
                name: names.get(i).cloned().unwrap_or_default(),
                relation: relations.get(i).cloned().unwrap_or_default(),
                phone: phones.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        CitizenValues {
            cpr: f.get("cpr"),
            given_name: f.get("given_name"),
            family_name: f.get("family_name"),
            address: f.get("address"),
            postal_code: f.get("postal_code"),
            city: f.get("city"),
            phone: f.get("phone"),
            email: f.get("email"),
            relatives,
        }
        .padded()
    }

    fn from_citizen(c: &tvaers_domain::citizen::Citizen) -> Self {
        CitizenValues {
            cpr: c.cpr.formatted(),
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            address: c.address.clone().unwrap_or_default(),
            postal_code: c.postal_code.clone().unwrap_or_default(),
            city: c.city.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            email: c.email.clone().unwrap_or_default(),
            relatives: c
                .relatives
                .iter()
                .map(|r| RelativeRow {
                    name: r.name.clone(),
                    relation: r.relation.clone(),
                    phone: r.phone.clone().unwrap_or_default(),
                })
                .collect(),
        }
        .padded()
    }

    fn empty() -> Self {
        CitizenValues {
            cpr: String::new(),
            given_name: String::new(),
            family_name: String::new(),
            address: String::new(),
            postal_code: String::new(),
            city: String::new(),
            phone: String::new(),
            email: String::new(),
            relatives: vec![],
        }
        .padded()
    }

    /// Blank rows are dropped and three empty ones offered for new relatives.
    fn padded(mut self) -> Self {
        self.relatives.retain(|r| {
            !(r.name.trim().is_empty() && r.relation.trim().is_empty() && r.phone.trim().is_empty())
        });
        let filled = self.relatives.len();
        for _ in filled..(filled + 2).max(3) {
            self.relatives.push(RelativeRow {
                name: String::new(),
                relation: String::new(),
                phone: String::new(),
            });
        }
        self
    }

    fn input(&self) -> CitizenInput {
        let opt = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
        CitizenInput {
            cpr: self.cpr.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            address: opt(&self.address),
            postal_code: opt(&self.postal_code),
            city: opt(&self.city),
            phone: opt(&self.phone),
            email: opt(&self.email),
            relatives: self
                .relatives
                .iter()
                .filter(|r| {
                    !(r.name.trim().is_empty()
                        && r.relation.trim().is_empty()
                        && r.phone.trim().is_empty())
                })
                .map(|r| Relative {
                    name: r.name.clone(),
                    relation: r.relation.clone(),
                    phone: opt(&r.phone),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "citizen_form.html")]
struct CitizenForm {
    layout: Layout,
    heading: &'static str,
    action: String,
    cancel: String,
    v: CitizenValues,
    errors: ValidationErrors,
}

pub async fn citizen_new_form(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    if let Some(r) = search_refusal(&state, &user) {
        return r;
    }
    render(&CitizenForm {
        layout: Layout::for_user(&user),
        heading: "Opret borger",
        action: "/borgere/ny".into(),
        cancel: "/borgere".into(),
        v: CitizenValues::empty(),
        errors: ValidationErrors::new(),
    })
}

pub async fn citizen_new_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let v = CitizenValues::from_form(&form);
    match state.app.create_citizen(&user.actor, &v.input()).await {
        Ok(c) => Redirect::to(&format!("/borgere/{}?gemt=1", c.id)).into_response(),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &CitizenForm {
                layout: Layout::for_user(&user),
                heading: "Opret borger",
                action: "/borgere/ny".into(),
                cancel: "/borgere".into(),
                v,
                errors,
            },
        ),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn citizen_edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    let cid: CitizenId = match id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state.app.get_citizen(&user.actor, cid).await {
        Ok(c) => render(&CitizenForm {
            layout: Layout::for_user(&user),
            heading: "Ret stamdata",
            action: format!("/borgere/{cid}/rediger"),
            cancel: format!("/borgere/{cid}"),
            v: CitizenValues::from_citizen(&c),
            errors: ValidationErrors::new(),
        }),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn citizen_edit_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let cid: CitizenId = match id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let v = CitizenValues::from_form(&form);
    match state.app.update_citizen(&user.actor, cid, &v.input()).await {
        Ok(_) => Redirect::to(&format!("/borgere/{cid}?gemt=1")).into_response(),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &CitizenForm {
                layout: Layout::for_user(&user),
                heading: "Ret stamdata",
                action: format!("/borgere/{cid}/rediger"),
                cancel: format!("/borgere/{cid}"),
                v,
                errors,
            },
        ),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Cases

pub struct CaseValues {
    area: String,
    title: String,
    legal_basis: String,
    responsible_unit_id: String,
    case_worker_id: String,
    opened_on: String,
    closed_on: String,
}

impl CaseValues {
    fn from_form(f: &FormData) -> Self {
        CaseValues {
            area: f.get("area"),
            title: f.get("title"),
            legal_basis: f.get("legal_basis"),
            responsible_unit_id: f.get("responsible_unit_id"),
            case_worker_id: f.get("case_worker_id"),
            opened_on: f.get("opened_on"),
            closed_on: f.get("closed_on"),
        }
    }

    fn input(&self) -> CaseInput {
        CaseInput {
            area: self.area.clone(),
            title: self.title.clone(),
            legal_basis: self.legal_basis.clone(),
            responsible_unit_id: self.responsible_unit_id.clone(),
            case_worker_id: Some(self.case_worker_id.clone()),
            opened_on: self.opened_on.clone(),
            closed_on: Some(self.closed_on.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "case_form.html")]
struct CaseForm {
    layout: Layout,
    heading: &'static str,
    citizen_name: String,
    action: String,
    cancel: String,
    v: CaseValues,
    errors: ValidationErrors,
    areas: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    workers: Vec<(String, String)>,
}

async fn case_form(
    state: &AppState,
    user: &Authenticated,
    heading: &'static str,
    citizen_id: CitizenId,
    action: String,
    v: CaseValues,
    errors: ValidationErrors,
) -> Response {
    let result = async {
        let citizen = state.app.get_citizen(&user.actor, citizen_id).await?;
        let units = state.app.list_units().await?;
        let workers = state.app.assignable_staff().await?;
        Ok::<_, AppError>((citizen, units, workers))
    }
    .await;
    match result {
        Ok((citizen, units, workers)) => {
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let mut units: Vec<(String, String)> = units
                .into_iter()
                .map(|u| (u.id.to_string(), u.name))
                .collect();
            units.sort_by(|a, b| a.1.cmp(&b.1));
            render_status(
                status,
                &CaseForm {
                    layout: Layout::for_user(user),
                    heading,
                    citizen_name: citizen.full_name(),
                    action,
                    cancel: format!("/borgere/{citizen_id}"),
                    v,
                    errors,
                    areas: CaseArea::ALL
                        .iter()
                        .map(|a| (a.code(), a.label()))
                        .collect(),
                    units,
                    workers: workers
                        .into_iter()
                        .map(|s| {
                            (
                                s.id.to_string(),
                                format!("{} ({})", s.full_name, s.profession.label()),
                            )
                        })
                        .collect(),
                },
            )
        }
        Err(e) => error_page(e, Some(user)),
    }
}

pub async fn case_new_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    let cid: CitizenId = match id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let today = tvaers_domain::calendar::danish_date(time::OffsetDateTime::now_utc());
    let v = CaseValues {
        area: String::new(),
        title: String::new(),
        legal_basis: String::new(),
        responsible_unit_id: user
            .actor
            .unit_ids
            .first()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        case_worker_id: user.actor.staff_id.to_string(),
        opened_on: today.to_string(),
        closed_on: String::new(),
    };
    case_form(
        &state,
        &user,
        "Opret sag",
        cid,
        format!("/borgere/{cid}/sager/ny"),
        v,
        ValidationErrors::new(),
    )
    .await
}

pub async fn case_new_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let cid: CitizenId = match id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let v = CaseValues::from_form(&form);
    match state.app.create_case(&user.actor, cid, &v.input()).await {
        Ok(_) => Redirect::to(&format!("/borgere/{cid}?gemt=1")).into_response(),
        Err(AppError::Validation(errors)) => {
            case_form(
                &state,
                &user,
                "Opret sag",
                cid,
                format!("/borgere/{cid}/sager/ny"),
                v,
                errors,
            )
            .await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn case_edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    let case_id: CaseId = match id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state.app.get_case(&user.actor, case_id).await {
        Ok(c) => {
            let v = CaseValues {
                area: c.area.code().into(),
                title: c.title.clone(),
                legal_basis: c.legal_basis.clone(),
                responsible_unit_id: c.responsible_unit_id.to_string(),
                case_worker_id: c.case_worker_id.map(|w| w.to_string()).unwrap_or_default(),
                opened_on: c.opened_on.to_string(),
                closed_on: c.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            };
            case_form(
                &state,
                &user,
                "Ret sag",
                c.citizen_id,
                format!("/sager/{case_id}/rediger"),
                v,
                ValidationErrors::new(),
            )
            .await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn case_edit_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let case_id: CaseId = match id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let v = CaseValues::from_form(&form);
    match state
        .app
        .update_case(&user.actor, case_id, &v.input())
        .await
    {
        Ok(c) => Redirect::to(&format!("/borgere/{}?gemt=1", c.citizen_id)).into_response(),
        Err(AppError::Validation(errors)) => match state.app.get_case(&user.actor, case_id).await {
            Ok(c) => {
                case_form(
                    &state,
                    &user,
                    "Ret sag",
                    c.citizen_id,
                    format!("/sager/{case_id}/rediger"),
                    v,
                    errors,
                )
                .await
            }
            Err(e) => error_page(e, Some(&user)),
        },
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Leader: caseloads

#[derive(Template)]
#[template(path = "caseloads.html")]
struct CaseloadsPage {
    layout: Layout,
    units: Vec<(String, String)>,
    unit: String,
    rows: Vec<tvaers_domain::case::Caseload>,
    total: i64,
}

#[derive(Deserialize)]
pub struct CaseloadParams {
    enhed: Option<String>,
}

pub async fn caseloads(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<CaseloadParams>,
) -> Response {
    let unit = p.enhed.filter(|s| !s.is_empty());
    let result = async {
        let unit_id = match &unit {
            Some(u) => Some(id::<UnitId>(u).map_err(|_| {
                AppError::Validation(ValidationErrors::single("enhed", "Ukendt enhed."))
            })?),
            None => None,
        };
        let rows = state.app.caseloads(&user.actor, unit_id).await?;
        let units = state.app.list_units().await?;
        Ok::<_, AppError>((rows, units))
    }
    .await;
    match result {
        Ok((rows, units)) => {
            let mut units: Vec<(String, String)> = units
                .into_iter()
                .map(|u| (u.id.to_string(), u.name))
                .collect();
            units.sort_by(|a, b| a.1.cmp(&b.1));
            render(&CaseloadsPage {
                layout: Layout::for_user(&user),
                total: rows.iter().map(|r| r.open_cases).sum(),
                units,
                unit: unit.unwrap_or_default(),
                rows,
            })
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Administration: units

pub struct UnitRow {
    id: UnitId,
    name: String,
    kind: &'static str,
    depth: usize,
}

pub struct OrgBlock {
    id: OrganisationId,
    name: String,
    kind: tvaers_domain::org::OrganisationKind,
    units: Vec<UnitRow>,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    layout: Layout,
    orgs: Vec<OrgBlock>,
    errors: ValidationErrors,
}

async fn units_page(
    state: &AppState,
    user: &Authenticated,
    errors: ValidationErrors,
    notice: Option<&str>,
) -> Response {
    // Listing units is open to staff; this page is the administration of them.
    if let Err(e) = state.app.list_staff(&user.actor, Page::new(1, 0)).await {
        return error_page(e, Some(user));
    }
    let result = async {
        let orgs = state.app.list_organisations().await?;
        let units = state.app.list_units().await?;
        Ok::<_, AppError>((orgs, units))
    }
    .await;
    match result {
        Ok((orgs, units)) => {
            let blocks = orgs
                .into_iter()
                .map(|o| {
                    let mine: Vec<_> = units
                        .iter()
                        .filter(|u| u.organisation_id == o.id)
                        .cloned()
                        .collect();
                    OrgBlock {
                        id: o.id,
                        name: o.name,
                        kind: o.kind,
                        units: unit_tree(&mine)
                            .into_iter()
                            .map(|(d, u)| UnitRow {
                                id: u.id,
                                name: u.name.clone(),
                                kind: u.kind.label(),
                                depth: d.min(3),
                            })
                            .collect(),
                    }
                })
                .collect();
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render_status(
                status,
                &UnitsPage {
                    layout: Layout::for_user(user).with_notice(notice),
                    orgs: blocks,
                    errors,
                },
            )
        }
        Err(e) => error_page(e, Some(user)),
    }
}

pub async fn units_list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(n): Query<NoticeParams>,
) -> Response {
    units_page(
        &state,
        &user,
        ValidationErrors::new(),
        n.gemt.map(|_| "Enheden er gemt."),
    )
    .await
}

fn opt_id<T: FromUuid>(s: &str, field: &'static str, msg: &str) -> Result<Option<T>, AppError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    id::<T>(s)
        .map(Some)
        .map_err(|_| AppError::Validation(ValidationErrors::single(field, msg)))
}

pub async fn units_create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let result = async {
        let org = opt_id::<OrganisationId>(
            &form.get("organisation_id"),
            "organisation_id",
            "Vælg en organisation.",
        )?
        .ok_or_else(|| {
            AppError::Validation(ValidationErrors::single(
                "organisation_id",
                "Vælg en organisation.",
            ))
        })?;
        let parent = opt_id::<UnitId>(
            &form.get("parent_id"),
            "parent_id",
            "Ugyldig overordnet enhed.",
        )?;
        state
            .app
            .create_unit(
                &user.actor,
                org,
                parent,
                &form.get("name"),
                &form.get("kind"),
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin/enheder?gemt=1").into_response(),
        Err(AppError::Validation(errors)) => units_page(&state, &user, errors, None).await,
        Err(e) => error_page(e, Some(&user)),
    }
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct UnitForm {
    layout: Layout,
    id: UnitId,
    name: String,
    kind: String,
    parent_id: String,
    kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<(String, String)>,
    errors: ValidationErrors,
}

async fn unit_form(
    state: &AppState,
    user: &Authenticated,
    uid: UnitId,
    values: Option<(String, String, String)>,
    errors: ValidationErrors,
) -> Response {
    if let Err(e) = state.app.list_staff(&user.actor, Page::new(1, 0)).await {
        return error_page(e, Some(user));
    }
    let units = match state.app.list_units().await {
        Ok(u) => u,
        Err(e) => return error_page(e, Some(user)),
    };
    let Some(unit) = units.iter().find(|u| u.id == uid) else {
        return error_page(AppError::NotFound, Some(user));
    };
    let (name, kind, parent_id) = values.unwrap_or_else(|| {
        (
            unit.name.clone(),
            unit.kind.code().to_string(),
            unit.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        )
    });
    let parents = units
        .iter()
        .filter(|u| u.organisation_id == unit.organisation_id && u.id != uid)
        .map(|u| (u.id.to_string(), u.name.clone()))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &UnitForm {
            layout: Layout::for_user(user),
            id: uid,
            name,
            kind,
            parent_id,
            kinds: UnitKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            parents,
            errors,
        },
    )
}

pub async fn unit_edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    match id::<UnitId>(&raw) {
        Ok(uid) => unit_form(&state, &user, uid, None, ValidationErrors::new()).await,
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn unit_edit_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let uid = match id::<UnitId>(&raw) {
        Ok(u) => u,
        Err(e) => return error_page(e, Some(&user)),
    };
    let result = async {
        let parent = opt_id::<UnitId>(
            &form.get("parent_id"),
            "parent_id",
            "Ugyldig overordnet enhed.",
        )?;
        state
            .app
            .update_unit(
                &user.actor,
                uid,
                parent,
                &form.get("name"),
                &form.get("kind"),
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin/enheder?gemt=1").into_response(),
        Err(AppError::Validation(errors)) => {
            unit_form(
                &state,
                &user,
                uid,
                Some((form.get("name"), form.get("kind"), form.get("parent_id"))),
                errors,
            )
            .await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Administration: staff

pub struct StaffRow {
    id: StaffId,
    name: String,
    username: String,
    profession: &'static str,
    units: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    layout: Layout,
    rows: Vec<StaffRow>,
    total: i64,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Deserialize)]
pub struct PageParams {
    side: Option<i64>,
    gemt: Option<String>,
}

pub async fn staff_list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<PageParams>,
) -> Response {
    let page_no = p.side.unwrap_or(1).max(1);
    let result = async {
        let (staff, total) = state
            .app
            .list_staff(&user.actor, Page::new(50, (page_no - 1) * 50))
            .await?;
        let units = state.app.list_units().await?;
        Ok::<_, AppError>((staff, total, units))
    }
    .await;
    match result {
        Ok((staff, total, units)) => {
            let rows = staff
                .into_iter()
                .map(|s| StaffRow {
                    id: s.id,
                    name: s.full_name,
                    username: s.username,
                    profession: s.profession.label(),
                    units: s
                        .unit_ids
                        .iter()
                        .filter_map(|id| units.iter().find(|u| u.id == *id).map(|u| u.name.clone()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    active: s.active,
                })
                .collect();
            render(&StaffPage {
                layout: Layout::for_user(&user)
                    .with_notice(p.gemt.map(|_| "Medarbejderen er gemt.")),
                rows,
                total,
                prev: (page_no > 1).then_some(page_no - 1),
                next: (page_no * 50 < total).then_some(page_no + 1),
            })
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

#[derive(Template)]
#[template(path = "staff_form.html")]
struct StaffForm {
    layout: Layout,
    heading: &'static str,
    action: String,
    is_new: bool,
    full_name: String,
    username: String,
    profession: String,
    organisation_id: String,
    email: String,
    active: bool,
    professions: Vec<(&'static str, &'static str)>,
    orgs: Vec<(String, String)>,
    units: Vec<(String, String, bool)>,
    errors: ValidationErrors,
}

async fn staff_form(
    state: &AppState,
    user: &Authenticated,
    target: Option<StaffId>,
    input: StaffInput,
    errors: ValidationErrors,
) -> Response {
    let result = async {
        // Administration access is checked by reading the staff list.
        state.app.list_staff(&user.actor, Page::new(1, 0)).await?;
        let orgs = state.app.list_organisations().await?;
        let units = state.app.list_units().await?;
        Ok::<_, AppError>((orgs, units))
    }
    .await;
    let (orgs, units) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(user)),
    };
    let org_name = |id: OrganisationId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let mut unit_rows: Vec<(String, String, bool)> = units
        .iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} › {}", org_name(u.organisation_id), u.name),
                input.unit_ids.contains(&u.id.to_string()),
            )
        })
        .collect();
    unit_rows.sort_by(|a, b| a.1.cmp(&b.1));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &StaffForm {
            layout: Layout::for_user(user),
            heading: if target.is_some() {
                "Ret medarbejder"
            } else {
                "Opret medarbejder"
            },
            action: target
                .map(|t| format!("/admin/medarbejdere/{t}"))
                .unwrap_or_else(|| "/admin/medarbejdere/ny".into()),
            is_new: target.is_none(),
            full_name: input.full_name,
            username: input.username,
            profession: input.profession,
            organisation_id: input
                .organisation_id
                .unwrap_or_else(|| user.actor.organisation_id.to_string()),
            email: input.email.unwrap_or_default(),
            active: input.active,
            professions: Profession::ALL
                .iter()
                .map(|p| (p.code(), p.label()))
                .collect(),
            orgs: orgs
                .iter()
                .map(|o| (o.id.to_string(), o.name.clone()))
                .collect(),
            units: unit_rows,
            errors,
        },
    )
}

fn staff_input(form: &FormData, is_new: bool) -> StaffInput {
    StaffInput {
        username: form.get("username"),
        full_name: form.get("full_name"),
        profession: form.get("profession"),
        organisation_id: form.opt("organisation_id"),
        email: form.opt("email"),
        unit_ids: form.all("unit_ids"),
        password: form.opt("password"),
        active: is_new || form.get("active") == "on",
    }
}

pub async fn staff_new_form(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let input = StaffInput {
        profession: Profession::SocialWorker.code().into(),
        active: true,
        ..Default::default()
    };
    staff_form(&state, &user, None, input, ValidationErrors::new()).await
}

pub async fn staff_new_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let input = staff_input(&form, true);
    match state.app.create_staff(&user.actor, &input).await {
        Ok(_) => Redirect::to("/admin/medarbejdere?gemt=1").into_response(),
        Err(AppError::Validation(errors)) => staff_form(&state, &user, None, input, errors).await,
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn staff_edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    let sid = match id::<StaffId>(&raw) {
        Ok(s) => s,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state.app.get_staff(&user.actor, sid).await {
        Ok(s) => {
            let input = StaffInput {
                username: s.username,
                full_name: s.full_name,
                profession: s.profession.code().into(),
                organisation_id: Some(s.organisation_id.to_string()),
                email: s.email,
                unit_ids: s.unit_ids.iter().map(|u| u.to_string()).collect(),
                password: None,
                active: s.active,
            };
            staff_form(&state, &user, Some(sid), input, ValidationErrors::new()).await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn staff_edit_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let sid = match id::<StaffId>(&raw) {
        Ok(s) => s,
        Err(e) => return error_page(e, Some(&user)),
    };
    let input = staff_input(&form, false);
    match state.app.update_staff(&user.actor, sid, &input).await {
        Ok(_) => Redirect::to("/admin/medarbejdere?gemt=1").into_response(),
        Err(AppError::Validation(errors)) => {
            staff_form(&state, &user, Some(sid), input, errors).await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}
