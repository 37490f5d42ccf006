//! JSON API for the shared plan (Én plan), meetings with action goals, tasks,
//! "Mit arbejde" and the leader's team view. Mounted by [`crate::api::router`].
//!
//! Every plan change names the `version` it started from; a stale version is
//! answered `409 stale_version` with the other person's changes in `fields`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tvaers_app::AppError;
use tvaers_app::meetings::{
    CloseMeetingInput, ClosedMeeting, MeetingInput, MeetingView, MyWork, TeamView,
};
use tvaers_app::plans::{GoalInput, InterventionInput, MemberInput, PlanEdit};
use tvaers_domain::ValidationErrors;
use tvaers_domain::case::{Case, Caseload};
use tvaers_domain::ids::{
    CitizenId, GoalId, InterventionId, MeetingId, PlanId, StaffId, TaskId, UnitId,
};
use tvaers_domain::meeting::{Meeting, MeetingKind, Task, TaskStatus};
use tvaers_domain::plan::{Plan, PlanContent, PlanStatus, PlanVersion};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiJson;
use crate::api::parse_id;
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;

type ApiResult<T> = Result<T, ApiError>;

/// A version number from the path; anything else is not found.
fn parse_version_path(raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound.into())
}

/// A required version number from the query string.
fn parse_version_query(
    raw: Option<&str>,
    field: &'static str,
    label: &str,
) -> Result<i64, ApiError> {
    match raw.map(str::trim).and_then(|s| s.parse::<i64>().ok()) {
        Some(v) => Ok(v),
        None => Err(AppError::from(ValidationErrors::single(
            field,
            format!("{label} skal være et versionsnummer."),
        ))
        .into()),
    }
}

// ---------------------------------------------------------------------------
// Request bodies

#[derive(Deserialize, ToSchema)]
pub struct OpenPlanRequest {
    /// The overall goal agreed with the citizen; may be empty at first.
    #[serde(default)]
    overall_goal: String,
}

/// Replace the whole plan content (e.g. after editing it as a document).
#[derive(Deserialize, ToSchema)]
pub struct ReplacePlanRequest {
    /// The version this change started from.
    version: i64,
    #[serde(default)]
    reason: Option<String>,
    content: PlanContent,
}

#[derive(Deserialize, ToSchema)]
pub struct GoalRequest {
    /// The version this change started from.
    version: i64,
    #[serde(default)]
    reason: Option<String>,
    #[serde(flatten)]
    goal: GoalInput,
}

#[derive(Deserialize, ToSchema)]
pub struct InterventionRequest {
    /// The version this change started from.
    version: i64,
    #[serde(default)]
    reason: Option<String>,
    #[serde(flatten)]
    intervention: InterventionInput,
}

#[derive(Deserialize, ToSchema)]
pub struct MemberRequest {
    /// The version this change started from.
    version: i64,
    #[serde(default)]
    reason: Option<String>,
    #[serde(flatten)]
    member: MemberInput,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version this change started from.
    #[param(value_type = i64, required = true)]
    version: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct HandOverRequest {
    /// The version this change started from.
    version: i64,
    /// The new coordinator (tovholder); must already be on the care team.
    staff_id: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct WishesRequest {
    /// The version this change started from.
    version: i64,
    /// Empty removes the wishes.
    #[serde(default)]
    text: String,
    /// Written by staff on the citizen's behalf (shown as such).
    #[serde(default)]
    on_behalf: bool,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct OverallGoalRequest {
    /// The version this change started from.
    version: i64,
    #[serde(default)]
    overall_goal: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PlanReviewRequest {
    /// The version this change started from.
    version: i64,
    /// `YYYY-MM-DD`; empty for none.
    #[serde(default)]
    review_on: Option<String>,
    /// e.g. "hver 3. måned"; empty for none.
    #[serde(default)]
    cadence: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ClosePlanRequest {
    /// The version this change started from.
    version: i64,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RestoreRequest {
    /// The version this change started from (the current one).
    version: i64,
    /// The old version whose content becomes a new version.
    restore_version: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// Version to compare from.
    #[param(value_type = i64, required = true)]
    from: Option<String>,
    /// Version to compare to.
    #[param(value_type = i64, required = true)]
    to: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct TaskRequest {
    #[serde(default)]
    title: String,
    /// `staff:<id>`, `team:<unit id>`, `citizen` or `relative:<name>`
    #[serde(default)]
    owner: String,
    /// `YYYY-MM-DD`; empty for none.
    #[serde(default)]
    due: Option<String>,
}

// ---------------------------------------------------------------------------
// Response bodies

/// One version in a plan's history (without its content).
#[derive(Serialize, ToSchema)]
pub struct PlanVersionSummary {
    version: i64,
    author_id: Option<StaffId>,
    author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    at: OffsetDateTime,
    reason: String,
    status: PlanStatus,
}

impl From<&PlanVersion> for PlanVersionSummary {
    fn from(v: &PlanVersion) -> Self {
        PlanVersionSummary {
            version: v.version,
            author_id: v.author_id,
            author_name: v.author_name.clone(),
            at: v.at,
            reason: v.reason.clone(),
            status: v.status,
        }
    }
}

/// What changed between two versions, in Danish, one line per change.
#[derive(Serialize, ToSchema)]
pub struct PlanDiff {
    from: i64,
    to: i64,
    changes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanRefDto {
    plan_id: PlanId,
    citizen_id: CitizenId,
    citizen_name: String,
    is_coordinator: bool,
    #[schema(value_type = Option<String>, format = Date)]
    review_on: Option<Date>,
    coordinator_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseRefDto {
    #[serde(flatten)]
    case: Case,
    citizen_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingRefDto {
    meeting_id: MeetingId,
    citizen_id: CitizenId,
    citizen_name: String,
    kind: MeetingKind,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    starts_at: OffsetDateTime,
}

#[derive(Serialize, ToSchema)]
pub struct TaskRefDto {
    #[serde(flatten)]
    task: Task,
    /// For volunteers only the first name.
    citizen_name: String,
}

/// Mit arbejde: my plans, cases, upcoming meetings, open tasks and overdue reviews.
#[derive(Serialize, ToSchema)]
pub struct MyWorkDto {
    plans: Vec<PlanRefDto>,
    cases: Vec<CaseRefDto>,
    meetings: Vec<MeetingRefDto>,
    tasks: Vec<TaskRefDto>,
    overdue_reviews: Vec<PlanRefDto>,
}

fn plan_ref(p: tvaers_store::PlanRef) -> PlanRefDto {
    PlanRefDto {
        plan_id: p.plan_id,
        citizen_id: p.citizen_id,
        citizen_name: p.citizen_name,
        is_coordinator: p.is_coordinator,
        review_on: p.review_on,
        coordinator_name: p.coordinator_name,
    }
}

impl From<MyWork> for MyWorkDto {
    fn from(w: MyWork) -> Self {
        MyWorkDto {
            plans: w.plans.into_iter().map(plan_ref).collect(),
            cases: w
                .cases
                .into_iter()
                .map(|c| CaseRefDto {
                    case: c.case,
                    citizen_name: c.citizen_name,
                })
                .collect(),
            meetings: w
                .meetings
                .into_iter()
                .map(|m| MeetingRefDto {
                    meeting_id: m.meeting_id,
                    citizen_id: m.citizen_id,
                    citizen_name: m.citizen_name,
                    kind: m.kind,
                    starts_at: m.starts_at,
                })
                .collect(),
            tasks: w
                .tasks
                .into_iter()
                .map(|t| TaskRefDto {
                    task: t.task,
                    citizen_name: t.citizen_name,
                })
                .collect(),
            overdue_reviews: w.overdue_reviews.into_iter().map(plan_ref).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OverdueByUnitDto {
    unit_id: UnitId,
    unit_name: String,
    /// Plans of this team's coordinators whose review date has passed.
    overdue: i64,
}

/// The leader's view: open cases per worker and overdue plan reviews per team.
#[derive(Serialize, ToSchema)]
pub struct TeamViewDto {
    caseloads: Vec<Caseload>,
    overdue_by_unit: Vec<OverdueByUnitDto>,
}

impl From<TeamView> for TeamViewDto {
    fn from(t: TeamView) -> Self {
        TeamViewDto {
            caseloads: t.caseloads,
            overdue_by_unit: t
                .overdue_by_unit
                .into_iter()
                .map(|o| OverdueByUnitDto {
                    unit_id: o.unit_id,
                    unit_name: o.unit_name,
                    overdue: o.overdue,
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------
// Plans

/// The citizen's active plan; 404 when there is none.
#[utoipa::path(get, path = "/citizens/{id}/plan", tag = "plans", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
pub async fn get_active_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Plan>> {
    let id = parse_id(&raw, CitizenId)?;
    let plan = state
        .app
        .active_plan(&user.actor, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(plan))
}

/// All the citizen's plans, newest first; closed ones stay readable.
#[utoipa::path(get, path = "/citizens/{id}/plans", tag = "plans", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Plan]), (status = 404, body = ErrorBody)))]
pub async fn list_plans(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Plan>>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(state.app.list_plans(&user.actor, id).await?))
}

/// Open a plan for the citizen; the caller becomes its coordinator. 409 when one is active.
#[utoipa::path(post, path = "/citizens/{id}/plans", tag = "plans", params(("id" = String, Path)), request_body = OpenPlanRequest, security(("bearer" = [])),
    responses((status = 201, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<OpenPlanRequest>,
) -> ApiResult<(StatusCode, Json<Plan>)> {
    let id = parse_id(&raw, CitizenId)?;
    let plan = state
        .app
        .open_plan(&user.actor, id, &req.overall_goal)
        .await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// One plan (also a closed one).
#[utoipa::path(get, path = "/plans/{id}", tag = "plans", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Plan>> {
    let id = parse_id(&raw, PlanId)?;
    Ok(Json(state.app.get_plan(&user.actor, id).await?))
}

async fn edit(
    state: &AppState,
    user: &ApiUser,
    raw: &str,
    version: i64,
    edit: PlanEdit,
    reason: Option<&str>,
) -> ApiResult<Json<Plan>> {
    let id = parse_id(raw, PlanId)?;
    Ok(Json(
        state
            .app
            .edit_plan(&user.0.actor, id, version, edit, reason)
            .await?,
    ))
}

/// Replace the plan's content as a new version.
#[utoipa::path(put, path = "/plans/{id}", tag = "plans", params(("id" = String, Path)), request_body = ReplacePlanRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, description = "Stale version (`stale_version`, the other person's changes in `fields`) or a closed plan", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_plan(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<ReplacePlanRequest>,
) -> ApiResult<Json<Plan>> {
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::Replace(Box::new(req.content)),
        req.reason.as_deref(),
    )
    .await
}

/// Add a goal.
#[utoipa::path(post, path = "/plans/{id}/goals", tag = "plans", params(("id" = String, Path)), request_body = GoalRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_goal(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<GoalRequest>,
) -> ApiResult<Json<Plan>> {
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::AddGoal(req.goal),
        req.reason.as_deref(),
    )
    .await
}

/// Change a goal.
#[utoipa::path(put, path = "/plans/{id}/goals/{goal_id}", tag = "plans", params(("id" = String, Path), ("goal_id" = String, Path)), request_body = GoalRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_goal(
    State(state): State<AppState>,
    user: ApiUser,
    Path((raw, goal)): Path<(String, String)>,
    ApiJson(req): ApiJson<GoalRequest>,
) -> ApiResult<Json<Plan>> {
    let goal = parse_id(&goal, GoalId)?;
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::UpdateGoal(goal, req.goal),
        req.reason.as_deref(),
    )
    .await
}

/// Add an intervention.
#[utoipa::path(post, path = "/plans/{id}/interventions", tag = "plans", params(("id" = String, Path)), request_body = InterventionRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_intervention(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<InterventionRequest>,
) -> ApiResult<Json<Plan>> {
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::AddIntervention(req.intervention),
        req.reason.as_deref(),
    )
    .await
}

/// Change an intervention.
#[utoipa::path(put, path = "/plans/{id}/interventions/{intervention_id}", tag = "plans", params(("id" = String, Path), ("intervention_id" = String, Path)), request_body = InterventionRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_intervention(
    State(state): State<AppState>,
    user: ApiUser,
    Path((raw, intervention)): Path<(String, String)>,
    ApiJson(req): ApiJson<InterventionRequest>,
) -> ApiResult<Json<Plan>> {
    let intervention = parse_id(&intervention, InterventionId)?;
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::UpdateIntervention(intervention, req.intervention),
        req.reason.as_deref(),
    )
    .await
}

/// Add someone to the care team.
#[utoipa::path(post, path = "/plans/{id}/team", tag = "plans", params(("id" = String, Path)), request_body = MemberRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<MemberRequest>,
) -> ApiResult<Json<Plan>> {
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::AddMember(req.member),
        req.reason.as_deref(),
    )
    .await
}

/// Remove a staff member from the care team; the coordinator cannot be removed (422).
#[utoipa::path(delete, path = "/plans/{id}/team/{staff_id}", tag = "plans", params(("id" = String, Path), ("staff_id" = String, Path), VersionQuery), security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_staff(
    State(state): State<AppState>,
    user: ApiUser,
    Path((raw, staff)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> ApiResult<Json<Plan>> {
    let staff = parse_id(&staff, StaffId)?;
    let version = parse_version_query(q.version.as_deref(), "version", "version")?;
    edit(
        &state,
        &user,
        &raw,
        version,
        PlanEdit::RemoveStaff(staff),
        q.reason.as_deref(),
    )
    .await
}

/// Hand the coordinator role (tovholder) to someone on the care team.
#[utoipa::path(post, path = "/plans/{id}/coordinator", tag = "plans", params(("id" = String, Path)), request_body = HandOverRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn hand_over(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<HandOverRequest>,
) -> ApiResult<Json<Plan>> {
    let to = req
        .staff_id
        .trim()
        .parse::<uuid::Uuid>()
        .map(StaffId)
        .map_err(|_| {
            AppError::from(ValidationErrors::single(
                "coordinator",
                "Vælg den medarbejder, der skal være tovholder.",
            ))
        })?;
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::HandOver(to),
        req.reason.as_deref(),
    )
    .await
}

/// Set the citizen's wishes (Mine ønsker og drømme).
#[utoipa::path(put, path = "/plans/{id}/wishes", tag = "plans", params(("id" = String, Path)), request_body = WishesRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_wishes(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<WishesRequest>,
) -> ApiResult<Json<Plan>> {
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::Wishes {
            text: req.text,
            on_behalf: req.on_behalf,
        },
        req.reason.as_deref(),
    )
    .await
}

/// Set the overall goal.
#[utoipa::path(put, path = "/plans/{id}/overall-goal", tag = "plans", params(("id" = String, Path)), request_body = OverallGoalRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_overall_goal(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<OverallGoalRequest>,
) -> ApiResult<Json<Plan>> {
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::OverallGoal(req.overall_goal),
        req.reason.as_deref(),
    )
    .await
}

/// Set the review date and meeting cadence.
#[utoipa::path(put, path = "/plans/{id}/review", tag = "plans", params(("id" = String, Path)), request_body = PlanReviewRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_review(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<PlanReviewRequest>,
) -> ApiResult<Json<Plan>> {
    edit(
        &state,
        &user,
        &raw,
        req.version,
        PlanEdit::Review {
            review_on: req.review_on,
            cadence: req.cadence,
        },
        req.reason.as_deref(),
    )
    .await
}

/// Close the plan; it stays readable and a new one can be opened.
#[utoipa::path(post, path = "/plans/{id}/close", tag = "plans", params(("id" = String, Path)), request_body = ClosePlanRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<ClosePlanRequest>,
) -> ApiResult<Json<Plan>> {
    let id = parse_id(&raw, PlanId)?;
    Ok(Json(
        state
            .app
            .close_plan(&user.actor, id, req.version, &req.reason)
            .await?,
    ))
}

/// Restore an old version: its content becomes a new version.
#[utoipa::path(post, path = "/plans/{id}/restore", tag = "plans", params(("id" = String, Path)), request_body = RestoreRequest, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn restore_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<RestoreRequest>,
) -> ApiResult<Json<Plan>> {
    let id = parse_id(&raw, PlanId)?;
    Ok(Json(
        state
            .app
            .restore_plan_version(&user.actor, id, req.version, req.restore_version)
            .await?,
    ))
}

/// The plan's versions, newest first: who changed it, when and why.
#[utoipa::path(get, path = "/plans/{id}/versions", tag = "plans", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [PlanVersionSummary]), (status = 404, body = ErrorBody)))]
pub async fn list_versions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<PlanVersionSummary>>> {
    let id = parse_id(&raw, PlanId)?;
    let (_, versions) = state.app.plan_history(&user.actor, id).await?;
    Ok(Json(
        versions.iter().map(PlanVersionSummary::from).collect(),
    ))
}

/// One version of the plan, with its content.
#[utoipa::path(get, path = "/plans/{id}/versions/{version}", tag = "plans", params(("id" = String, Path), ("version" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PlanVersion), (status = 404, body = ErrorBody)))]
pub async fn get_version(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, version)): Path<(String, String)>,
) -> ApiResult<Json<PlanVersion>> {
    let id = parse_id(&raw, PlanId)?;
    let version = parse_version_path(&version)?;
    let (_, versions) = state.app.plan_history(&user.actor, id).await?;
    let v = versions
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    Ok(Json(v))
}

/// What changed from version `from` to version `to`, in Danish.
#[utoipa::path(get, path = "/plans/{id}/diff", tag = "plans", params(("id" = String, Path), DiffQuery), security(("bearer" = [])),
    responses((status = 200, body = PlanDiff), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn diff(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<PlanDiff>> {
    let id = parse_id(&raw, PlanId)?;
    let from = parse_version_query(q.from.as_deref(), "from", "from")?;
    let to = parse_version_query(q.to.as_deref(), "to", "to")?;
    let changes = state
        .app
        .compare_plan_versions(&user.actor, id, from, to)
        .await?;
    Ok(Json(PlanDiff { from, to, changes }))
}

// ---------------------------------------------------------------------------
// Meetings

/// Schedule a meeting; it reviews the previous meeting's action goals.
#[utoipa::path(post, path = "/citizens/{id}/meetings", tag = "meetings", params(("id" = String, Path)), request_body = MeetingInput, security(("bearer" = [])),
    responses((status = 201, body = Meeting), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<Meeting>)> {
    let id = parse_id(&raw, CitizenId)?;
    let m = state.app.schedule_meeting(&user.actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// The citizen's meetings.
#[utoipa::path(get, path = "/citizens/{id}/meetings", tag = "meetings", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Meeting]), (status = 404, body = ErrorBody)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Meeting>>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(state.app.list_meetings(&user.actor, id).await?))
}

/// A meeting with its action goals and the previous meeting's goals to review.
#[utoipa::path(get, path = "/meetings/{id}", tag = "meetings", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = MeetingView), (status = 404, body = ErrorBody)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    let id = parse_id(&raw, MeetingId)?;
    Ok(Json(state.app.get_meeting(&user.actor, id).await?))
}

/// Close a planned meeting: minutes, agreed action goals (2–3 recommended; a
/// `warning` otherwise), reviews of the previous goals and the next meeting.
#[utoipa::path(post, path = "/meetings/{id}/close", tag = "meetings", params(("id" = String, Path)), request_body = CloseMeetingInput, security(("bearer" = [])),
    responses((status = 200, body = ClosedMeeting), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<CloseMeetingInput>,
) -> ApiResult<Json<ClosedMeeting>> {
    let id = parse_id(&raw, MeetingId)?;
    Ok(Json(
        state.app.close_meeting(&user.actor, id, &input).await?,
    ))
}

/// Cancel a planned meeting.
#[utoipa::path(post, path = "/meetings/{id}/cancel", tag = "meetings", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Meeting), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Meeting>> {
    let id = parse_id(&raw, MeetingId)?;
    Ok(Json(state.app.cancel_meeting(&user.actor, id).await?))
}

// ---------------------------------------------------------------------------
// Tasks

/// The citizen's tasks.
#[utoipa::path(get, path = "/citizens/{id}/tasks", tag = "tasks", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Task]), (status = 404, body = ErrorBody)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Task>>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(state.app.list_tasks(&user.actor, id).await?))
}

/// Create a task by hand.
#[utoipa::path(post, path = "/citizens/{id}/tasks", tag = "tasks", params(("id" = String, Path)), request_body = TaskRequest, security(("bearer" = [])),
    responses((status = 201, body = Task), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<TaskRequest>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    let id = parse_id(&raw, CitizenId)?;
    let t = state
        .app
        .create_task(
            &user.actor,
            id,
            &req.title,
            &req.owner,
            req.due.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

async fn set_task_status(
    state: &AppState,
    user: &ApiUser,
    raw: &str,
    status: TaskStatus,
) -> ApiResult<Json<Task>> {
    let id = parse_id(raw, TaskId)?;
    Ok(Json(
        state.app.set_task_status(&user.0.actor, id, status).await?,
    ))
}

/// Mark a task done.
#[utoipa::path(post, path = "/tasks/{id}/done", tag = "tasks", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
pub async fn task_done(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Task>> {
    set_task_status(&state, &user, &raw, TaskStatus::Done).await
}

/// Reopen a task.
#[utoipa::path(post, path = "/tasks/{id}/reopen", tag = "tasks", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
pub async fn task_reopen(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Task>> {
    set_task_status(&state, &user, &raw, TaskStatus::Open).await
}

// ---------------------------------------------------------------------------
// Overviews

/// Mit arbejde: the caller's plans, cases, upcoming meetings, open tasks and overdue reviews.
#[utoipa::path(get, path = "/my-work", tag = "work", security(("bearer" = [])),
    responses((status = 200, body = MyWorkDto), (status = 403, body = ErrorBody)))]
pub async fn my_work(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<MyWorkDto>> {
    Ok(Json(state.app.my_work(&user.actor).await?.into()))
}

/// The leader's team view: open cases per worker and overdue plan reviews per team.
#[utoipa::path(get, path = "/team", tag = "work", security(("bearer" = [])),
    responses((status = 200, body = TeamViewDto), (status = 403, body = ErrorBody)))]
pub async fn team_view(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<TeamViewDto>> {
    Ok(Json(state.app.team_view(&user.actor).await?.into()))
}
