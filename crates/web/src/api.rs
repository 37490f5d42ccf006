//! JSON API under `/api/v1`, described by the OpenAPI document generated from
//! these handlers (`GET /api/v1/openapi.json`).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tvaers_app::AppError;
use tvaers_app::org::StaffInput;
use tvaers_domain::case::{Case, CaseInput, Caseload};
use tvaers_domain::citizen::{Citizen, CitizenInput, Relative};
use tvaers_domain::ids::{CaseId, CitizenId, OrganisationId, StaffId, UnitId};
use tvaers_domain::org::{Organisation, Unit};
use tvaers_domain::staff::Staff;
use tvaers_store::{Page, SessionKind};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api_access;
use crate::api_journal;
use crate::api_plan;
use crate::api_progress;
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;

/// JSON body extractor whose rejections use our error format.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let status = rej.status();
                let (code, message) = match &rej {
                    JsonRejection::MissingJsonContentType(_) => (
                        "unsupported_media_type",
                        "Brug Content-Type: application/json.".to_string(),
                    ),
                    JsonRejection::JsonSyntaxError(_) => (
                        "malformed_json",
                        "Forespørgslen er ikke gyldig JSON.".to_string(),
                    ),
                    JsonRejection::JsonDataError(e) => (
                        "invalid_body",
                        format!(
                            "Forespørgslen har ikke den forventede form: {}",
                            e.body_text()
                        ),
                    ),
                    _ if status == StatusCode::PAYLOAD_TOO_LARGE => (
                        "payload_too_large",
                        "Forespørgslen er for stor.".to_string(),
                    ),
                    _ => ("bad_request", "Forespørgslen kunne ikke læses.".to_string()),
                };
                Err(ApiError::new(status, code, message))
            }
        }
    }
}

pub(crate) fn parse_id<T>(raw: &str, wrap: fn(uuid::Uuid) -> T) -> Result<T, ApiError> {
    raw.parse::<uuid::Uuid>()
        .map(wrap)
        .map_err(|_| AppError::NotFound.into())
}

type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------------------
// Auth

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    expires_at: time::OffsetDateTime,
}

/// Log in and get a bearer token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let (token, auth) = state
        .app
        .login(
            &req.username,
            &req.password,
            Some(addr.ip()),
            SessionKind::Api,
        )
        .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at: auth.session.expires_at,
    }))
}

/// End this token's session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204)))]
async fn logout(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<StatusCode> {
    state.app.logout(&user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: StaffId,
    username: String,
    full_name: String,
    profession: String,
    role: String,
    unit_ids: Vec<UnitId>,
}

/// Who am I?
#[utoipa::path(get, path = "/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(ApiUser(user): ApiUser) -> Json<Me> {
    let a = user.actor;
    Json(Me {
        id: a.staff_id,
        role: a.role().code().into(),
        username: a.username,
        full_name: a.full_name,
        profession: a.profession.code().into(),
        unit_ids: a.unit_ids,
    })
}

// ---------------------------------------------------------------------------
// Citizens

#[derive(Deserialize, ToSchema)]
pub struct SearchRequest {
    /// A name prefix or a whole CPR number (sent in the body so it never lands in a URL).
    q: String,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CitizenHit {
    id: CitizenId,
    /// `DDMMYY-XXXX`
    cpr_masked: String,
    given_name: String,
    family_name: String,
    address: Option<String>,
    city: Option<String>,
    /// Whether you work with the citizen (care team, open case in your unit,
    /// or a grant); opening the others needs break-the-glass.
    works_with: bool,
}

/// Search citizens by name prefix or CPR number.
#[utoipa::path(post, path = "/citizens/search", tag = "citizens", request_body = SearchRequest, security(("bearer" = [])),
    responses((status = 200, body = [CitizenHit]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<SearchRequest>,
) -> ApiResult<Json<Vec<CitizenHit>>> {
    let page = Page::new(req.limit.unwrap_or(25), req.offset.unwrap_or(0));
    let hits = state.app.search_citizens(&user.actor, &req.q, page).await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| CitizenHit {
                id: h.id,
                cpr_masked: h.cpr.masked(),
                given_name: h.given_name,
                family_name: h.family_name,
                address: h.address,
                city: h.city,
                works_with: h.works_with,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CitizenDto {
    id: CitizenId,
    /// `DDMMYY-XXXX`; the full number via `reveal-cpr`.
    cpr_masked: String,
    #[schema(value_type = String, format = Date)]
    birth_date: time::Date,
    given_name: String,
    family_name: String,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    relatives: Vec<Relative>,
}

impl From<Citizen> for CitizenDto {
    fn from(c: Citizen) -> Self {
        CitizenDto {
            id: c.id,
            cpr_masked: c.cpr.masked(),
            birth_date: c.cpr.birth_date(),
            given_name: c.given_name,
            family_name: c.family_name,
            address: c.address,
            postal_code: c.postal_code,
            city: c.city,
            phone: c.phone,
            email: c.email,
            relatives: c.relatives,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    #[serde(flatten)]
    case: Case,
    unit_name: String,
    case_worker_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CitizenOverviewDto {
    citizen: CitizenDto,
    cases: Vec<CaseDto>,
}

/// Create a citizen.
#[utoipa::path(post, path = "/citizens", tag = "citizens", request_body = CitizenInput, security(("bearer" = [])),
    responses((status = 201, body = CitizenDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_citizen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<CitizenInput>,
) -> ApiResult<(StatusCode, Json<CitizenDto>)> {
    let c = state.app.create_citizen(&user.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// A citizen with their cases.
#[utoipa::path(get, path = "/citizens/{id}", tag = "citizens", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CitizenOverviewDto), (status = 404, body = ErrorBody)))]
async fn get_citizen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<CitizenOverviewDto>> {
    let id = parse_id(&raw, CitizenId)?;
    let o = state.app.citizen_overview(&user.actor, id).await?;
    Ok(Json(CitizenOverviewDto {
        citizen: o.citizen.into(),
        cases: o
            .cases
            .into_iter()
            .map(|v| CaseDto {
                case: v.case,
                unit_name: v.unit_name,
                case_worker_name: v.case_worker_name,
            })
            .collect(),
    }))
}

/// Replace a citizen's data.
#[utoipa::path(put, path = "/citizens/{id}", tag = "citizens", params(("id" = String, Path)), request_body = CitizenInput, security(("bearer" = [])),
    responses((status = 200, body = CitizenDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_citizen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<CitizenInput>,
) -> ApiResult<Json<CitizenDto>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(
        state
            .app
            .update_citizen(&user.actor, id, &input)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RevealedCpr {
    /// `DDMMYY-SSSS`
    cpr: String,
}

/// The full CPR number; the reveal is audited.
#[utoipa::path(post, path = "/citizens/{id}/reveal-cpr", tag = "citizens", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RevealedCpr), (status = 404, body = ErrorBody)))]
async fn reveal_cpr(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<RevealedCpr>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(RevealedCpr {
        cpr: state.app.reveal_cpr(&user.actor, id).await?,
    }))
}

/// A citizen's cases.
#[utoipa::path(get, path = "/citizens/{id}/cases", tag = "cases", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Case]), (status = 404, body = ErrorBody)))]
async fn list_cases(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Case>>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(state.app.list_cases(&user.actor, id).await?))
}

/// Open a case for a citizen.
#[utoipa::path(post, path = "/citizens/{id}/cases", tag = "cases", params(("id" = String, Path)), request_body = CaseInput, security(("bearer" = [])),
    responses((status = 201, body = Case), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    let id = parse_id(&raw, CitizenId)?;
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_case(&user.actor, id, &input).await?),
    ))
}

/// One case.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Case), (status = 404, body = ErrorBody)))]
async fn get_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Case>> {
    let id = parse_id(&raw, CaseId)?;
    Ok(Json(state.app.get_case(&user.actor, id).await?))
}

/// Change or close a case.
#[utoipa::path(put, path = "/cases/{id}", tag = "cases", params(("id" = String, Path)), request_body = CaseInput, security(("bearer" = [])),
    responses((status = 200, body = Case), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<Json<Case>> {
    let id = parse_id(&raw, CaseId)?;
    Ok(Json(state.app.update_case(&user.actor, id, &input).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CaseloadQuery {
    /// Only cases of this unit.
    unit: Option<String>,
}

/// Open cases per worker (leaders).
#[utoipa::path(get, path = "/caseloads", tag = "cases", params(CaseloadQuery), security(("bearer" = [])),
    responses((status = 200, body = [Caseload]), (status = 403, body = ErrorBody)))]
async fn caseloads(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<CaseloadQuery>,
) -> ApiResult<Json<Vec<Caseload>>> {
    let unit = match q.unit.as_deref().filter(|s| !s.is_empty()) {
        Some(u) => Some(parse_id(u, UnitId)?),
        None => None,
    };
    Ok(Json(state.app.caseloads(&user.actor, unit).await?))
}

// ---------------------------------------------------------------------------
// Organisation

/// Organisations.
#[utoipa::path(get, path = "/organisations", tag = "organisation", security(("bearer" = [])), responses((status = 200, body = [Organisation])))]
async fn organisations(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> ApiResult<Json<Vec<Organisation>>> {
    Ok(Json(state.app.list_organisations().await?))
}

/// Units of all organisations.
#[utoipa::path(get, path = "/units", tag = "organisation", security(("bearer" = [])), responses((status = 200, body = [Unit])))]
async fn units(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> ApiResult<Json<Vec<Unit>>> {
    Ok(Json(state.app.list_units().await?))
}

#[derive(Deserialize, ToSchema)]
pub struct UnitInput {
    organisation_id: Option<OrganisationId>,
    parent_id: Option<UnitId>,
    name: String,
    /// `center`, `department` or `team`
    kind: String,
}

/// Create a unit (administrators).
#[utoipa::path(post, path = "/units", tag = "organisation", request_body = UnitInput, security(("bearer" = [])),
    responses((status = 201, body = Unit), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_unit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(i): ApiJson<UnitInput>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    let org = i.organisation_id.unwrap_or(user.actor.organisation_id);
    let u = state
        .app
        .create_unit(&user.actor, org, i.parent_id, &i.name, &i.kind)
        .await?;
    Ok((StatusCode::CREATED, Json(u)))
}

/// Change a unit (administrators).
#[utoipa::path(put, path = "/units/{id}", tag = "organisation", params(("id" = String, Path)), request_body = UnitInput, security(("bearer" = [])),
    responses((status = 200, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_unit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(i): ApiJson<UnitInput>,
) -> ApiResult<Json<Unit>> {
    let id = parse_id(&raw, UnitId)?;
    Ok(Json(
        state
            .app
            .update_unit(&user.actor, id, i.parent_id, &i.name, &i.kind)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffList {
    total: i64,
    items: Vec<Staff>,
}

/// Staff accounts (administrators).
#[utoipa::path(get, path = "/staff", tag = "organisation", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = StaffList), (status = 403, body = ErrorBody)))]
async fn list_staff(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<StaffList>> {
    let (items, total) = state
        .app
        .list_staff(
            &user.actor,
            Page::new(q.limit.unwrap_or(50), q.offset.unwrap_or(0)),
        )
        .await?;
    Ok(Json(StaffList { total, items }))
}

/// Create a staff account (administrators).
#[utoipa::path(post, path = "/staff", tag = "organisation", request_body = StaffInput, security(("bearer" = [])),
    responses((status = 201, body = Staff), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_staff(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(i): ApiJson<StaffInput>,
) -> ApiResult<(StatusCode, Json<Staff>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_staff(&user.actor, &i).await?),
    ))
}

/// Change or disable a staff account (administrators).
#[utoipa::path(put, path = "/staff/{id}", tag = "organisation", params(("id" = String, Path)), request_body = StaffInput, security(("bearer" = [])),
    responses((status = 200, body = Staff), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_staff(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(i): ApiJson<StaffInput>,
) -> ApiResult<Json<Staff>> {
    let id = parse_id(&raw, StaffId)?;
    Ok(Json(state.app.update_staff(&user.actor, id, &i).await?))
}

// ---------------------------------------------------------------------------

#[derive(OpenApi)]
#[openapi(
    info(title = "Tværs API", description = "One shared plan per citizen. Errors are `{\"error\":{\"code\",\"message\"}}`."),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API router (to be nested at `/api/v1`) and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(search))
        .routes(routes!(create_citizen))
        .routes(routes!(get_citizen, update_citizen))
        .routes(routes!(reveal_cpr))
        .routes(routes!(list_cases, create_case))
        .routes(routes!(get_case, update_case))
        .routes(routes!(caseloads))
        .routes(routes!(organisations))
        .routes(routes!(units, create_unit))
        .routes(routes!(update_unit))
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(update_staff))
        // Plans, meetings, tasks and overviews (api_plan.rs).
        .routes(routes!(api_plan::get_active_plan))
        .routes(routes!(api_plan::list_plans, api_plan::open_plan))
        .routes(routes!(api_plan::get_plan, api_plan::replace_plan))
        .routes(routes!(api_plan::add_goal))
        .routes(routes!(api_plan::update_goal))
        .routes(routes!(api_plan::add_intervention))
        .routes(routes!(api_plan::update_intervention))
        .routes(routes!(api_plan::add_member))
        .routes(routes!(api_plan::remove_staff))
        .routes(routes!(api_plan::hand_over))
        .routes(routes!(api_plan::set_wishes))
        .routes(routes!(api_plan::set_overall_goal))
        .routes(routes!(api_plan::set_review))
        .routes(routes!(api_plan::close_plan))
        .routes(routes!(api_plan::restore_plan))
        .routes(routes!(api_plan::list_versions))
        .routes(routes!(api_plan::get_version))
        .routes(routes!(api_plan::diff))
        .routes(routes!(api_plan::list_meetings, api_plan::schedule_meeting))
        .routes(routes!(api_plan::get_meeting))
        .routes(routes!(api_plan::close_meeting))
        .routes(routes!(api_plan::cancel_meeting))
        .routes(routes!(api_plan::list_tasks, api_plan::create_task))
        .routes(routes!(api_plan::task_done))
        .routes(routes!(api_plan::task_reopen))
        .routes(routes!(
            api_progress::list_measurements,
            api_progress::record_measurement
        ))
        .routes(routes!(api_progress::goal_progress))
        .routes(routes!(api_progress::goal_chart))
        .routes(routes!(api_progress::statistics))
        .routes(routes!(api_progress::statistics_csv))
        .routes(routes!(
            api_progress::list_scales,
            api_progress::create_scale
        ))
        .routes(routes!(api_progress::set_scale_active))
        .routes(routes!(api_access::list_consents, api_access::add_consent))
        .routes(routes!(api_access::withdraw_consent))
        .routes(routes!(api_access::break_glass))
        .routes(routes!(api_access::unreviewed_grants))
        .routes(routes!(api_access::review_grant))
        .routes(routes!(api_access::audit))
        .routes(routes!(api_plan::my_work))
        .routes(routes!(api_plan::team_view))
        // The journal, search and digital contact (api_journal.rs).
        .routes(routes!(api_journal::timeline, api_journal::write_entry))
        .routes(routes!(api_journal::get_entry))
        .routes(routes!(api_journal::correct_entry))
        .routes(routes!(api_journal::search_citizen))
        .routes(routes!(api_journal::search_all))
        .routes(routes!(api_journal::send_message))
        .routes(routes!(api_journal::inbox))
        .routes(routes!(api_journal::mark_read))
        .split_for_parts();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    (router, doc)
}

pub async fn not_found() -> Response {
    ApiError::from(AppError::NotFound).into_response()
}
