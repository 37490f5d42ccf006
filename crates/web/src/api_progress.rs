//! JSON API for measurements, goal progress and charts, statistics (with CSV)
//! and custom scales. Mounted by [`crate::api::router`].

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tvaers_app::AppError;
use tvaers_app::measurements::{GoalProgress, MeasurementInput, ScaleInput};
use tvaers_app::stats::{Statistics, StatsQuery};
use tvaers_domain::ids::{CitizenId, GoalId, PlanId, ScaleId};
use tvaers_domain::measure::Measurement;
use tvaers_domain::scale::CustomScale;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiJson;
use crate::api::parse_id;
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;

type ApiResult<T> = Result<T, ApiError>;

/// Record a measurement on a goal of the active plan or on an FSIII area;
/// with `supersedes`, a correction of an earlier measurement.
#[utoipa::path(post, path = "/citizens/{id}/measurements", tag = "measurements", params(("id" = String, Path)), request_body = MeasurementInput, security(("bearer" = [])),
    responses((status = 201, body = Measurement), (status = 404, body = ErrorBody), (status = 409, description = "Already corrected", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_measurement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<MeasurementInput>,
) -> ApiResult<(StatusCode, Json<Measurement>)> {
    let id = parse_id(&raw, CitizenId)?;
    let m = state.app.record_measurement(&user.actor, id, &req).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// All of the citizen's measurements, superseded ones included, oldest first.
#[utoipa::path(get, path = "/citizens/{id}/measurements", tag = "measurements", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Measurement]), (status = 404, body = ErrorBody)))]
pub async fn list_measurements(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Measurement>>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(state.app.list_measurements(&user.actor, id).await?))
}

/// A goal's measurements, trend and latest value.
#[utoipa::path(get, path = "/plans/{id}/goals/{goal_id}/progress", tag = "measurements", params(("id" = String, Path), ("goal_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = GoalProgress), (status = 404, body = ErrorBody)))]
pub async fn goal_progress(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, goal)): Path<(String, String)>,
) -> ApiResult<Json<GoalProgress>> {
    let pid = parse_id(&raw, PlanId)?;
    let gid = parse_id(&goal, GoalId)?;
    let (_, p) = state.app.goal_progress(&user.actor, pid, gid).await?;
    Ok(Json(p))
}

#[derive(Deserialize, IntoParams)]
pub struct ChartParams {
    /// `small` for a sparkline.
    size: Option<String>,
}

/// A goal's chart as SVG (baseline, target, trend coloured by direction).
#[utoipa::path(get, path = "/plans/{id}/goals/{goal_id}/chart", tag = "measurements", params(("id" = String, Path), ("goal_id" = String, Path), ChartParams), security(("bearer" = [])),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = ErrorBody)))]
pub async fn goal_chart(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, goal)): Path<(String, String)>,
    Query(q): Query<ChartParams>,
) -> ApiResult<Response> {
    let pid = parse_id(&raw, PlanId)?;
    let gid = parse_id(goal.trim_end_matches(".svg"), GoalId)?;
    let (_, p) = state.app.goal_progress(&user.actor, pid, gid).await?;
    let svg = crate::charts::goal_chart(&p, q.size.as_deref() == Some("small"));
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct FreshParam {
    /// `true` recomputes instead of using the cache (same answer, slower).
    #[serde(default)]
    fresh: Option<bool>,
}

/// Statistics for leaders: goal outcomes, functional level change, GAS
/// T-scores, target group per month and caseloads; small cells suppressed.
#[utoipa::path(get, path = "/statistics", tag = "statistics", params(StatsQuery, FreshParam), security(("bearer" = [])),
    responses((status = 200, body = Statistics), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn statistics(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<StatsQuery>,
    Query(f): Query<FreshParam>,
) -> ApiResult<Json<Statistics>> {
    let s = state
        .app
        .statistics(&user.actor, &q, f.fresh.unwrap_or(false))
        .await?;
    Ok(Json((*s).clone()))
}

/// One statistics table as CSV: `maalopfyldelse`, `funktionsniveau`, `gas`,
/// `maalgruppe` or `sagsbelastning`.
#[utoipa::path(get, path = "/statistics/csv/{table}", tag = "statistics", params(("table" = String, Path), StatsQuery), security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn statistics_csv(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(table): Path<String>,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    let s = state.app.statistics(&user.actor, &q, false).await?;
    let table = table.trim_end_matches(".csv");
    match crate::progress_pages::statistics_csv(&s, table) {
        Some(Ok(body)) => Ok(crate::progress_pages::csv_response(
            &format!("statistik-{table}"),
            body,
        )),
        Some(Err(e)) => Err(AppError::Internal(e).into()),
        None => Err(AppError::NotFound.into()),
    }
}

/// Custom scales defined by administrators (every staff member may list them).
#[utoipa::path(get, path = "/scales", tag = "scales", security(("bearer" = [])),
    responses((status = 200, body = [CustomScale])))]
pub async fn list_scales(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> ApiResult<Json<Vec<CustomScale>>> {
    Ok(Json(state.app.list_scales().await?))
}

/// Define a numeric or ordinal scale (administrators only).
#[utoipa::path(post, path = "/scales", tag = "scales", request_body = ScaleInput, security(("bearer" = [])),
    responses((status = 201, body = CustomScale), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_scale(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<ScaleInput>,
) -> ApiResult<(StatusCode, Json<CustomScale>)> {
    let s = state.app.create_scale(&user.actor, &req).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

#[derive(Deserialize, ToSchema)]
pub struct ScaleActiveRequest {
    active: bool,
}

/// Take a scale in or out of use (administrators only).
#[utoipa::path(put, path = "/scales/{id}/active", tag = "scales", params(("id" = String, Path)), request_body = ScaleActiveRequest, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_scale_active(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<ScaleActiveRequest>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&raw, ScaleId)?;
    state
        .app
        .set_scale_active(&user.actor, id, req.active)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
