//! JSON API for consent, break-the-glass and the audit trail. Mounted by
//! [`crate::api::router`].

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tvaers_app::AppError;
use tvaers_app::access::{AuditQuery, ConsentInput};
use tvaers_domain::access::{AccessGrant, Consent, ConsentId};
use tvaers_domain::audit::AuditEvent;
use tvaers_domain::ids::CitizenId;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;

type ApiResult<T> = Result<T, ApiError>;

fn parse_uuid(raw: &str) -> Result<uuid::Uuid, ApiError> {
    raw.trim()
        .parse::<uuid::Uuid>()
        .map_err(|_| AppError::NotFound.into())
}

/// The citizen's consents, withdrawn ones included.
#[utoipa::path(get, path = "/citizens/{id}/consents", tag = "access", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [Consent]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_consents(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Consent>>> {
    let id = CitizenId(parse_uuid(&raw)?);
    Ok(Json(state.app.list_consents(&user.actor, id).await?))
}

/// Record a consent the citizen gave (written or verbal, noted by you).
#[utoipa::path(post, path = "/citizens/{id}/consents", tag = "access", params(("id" = String, Path)), request_body = ConsentInput, security(("bearer" = [])),
    responses((status = 201, body = Consent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_consent(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<ConsentInput>,
) -> ApiResult<(StatusCode, Json<Consent>)> {
    let id = CitizenId(parse_uuid(&raw)?);
    Ok((
        StatusCode::CREATED,
        Json(state.app.add_consent(&user.actor, id, &req).await?),
    ))
}

/// Withdraw a consent; it takes effect at once.
#[utoipa::path(post, path = "/citizens/{id}/consents/{consent_id}/withdraw", tag = "access", params(("id" = String, Path), ("consent_id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, consent)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = CitizenId(parse_uuid(&raw)?);
    let consent = ConsentId(parse_uuid(&consent)?);
    state.app.withdraw_consent(&user.actor, id, consent).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct BreakGlassRequest {
    /// Why you need access now (at least 10 characters; your leader and the citizen see it).
    reason: String,
}

/// Break the glass: two hours of read access to a citizen you do not work with.
#[utoipa::path(post, path = "/citizens/{id}/break-glass", tag = "access", params(("id" = String, Path)), request_body = BreakGlassRequest, security(("bearer" = [])),
    responses((status = 201, body = AccessGrant), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn break_glass(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<BreakGlassRequest>,
) -> ApiResult<(StatusCode, Json<AccessGrant>)> {
    let id = CitizenId(parse_uuid(&raw)?);
    Ok((
        StatusCode::CREATED,
        Json(state.app.break_glass(&user.actor, id, &req.reason).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct GrantForReview {
    grant: AccessGrant,
    staff_name: String,
    citizen_name: String,
}

/// Unreviewed break-the-glass grants of staff in your units (leaders).
#[utoipa::path(get, path = "/break-glass", tag = "access", security(("bearer" = [])),
    responses((status = 200, body = [GrantForReview]), (status = 403, body = ErrorBody)))]
pub async fn unreviewed_grants(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<GrantForReview>>> {
    let list = state.app.unreviewed_grants(&user.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|(grant, staff_name, citizen_name)| GrantForReview {
                grant,
                staff_name,
                citizen_name,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewRequest {
    #[serde(default)]
    note: String,
}

/// Mark a break-the-glass grant as reviewed (leaders of the staff member's unit).
#[utoipa::path(post, path = "/break-glass/{grant_id}/reviewed", tag = "access", params(("grant_id" = String, Path)), request_body = ReviewRequest, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn review_grant(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .review_grant(&user.actor, parse_uuid(&raw)?, &req.note)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit trail of decisions on citizen data (leaders: their units; the
/// data-protection officer: all), newest first, 100 per page.
#[utoipa::path(get, path = "/audit", tag = "access", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = [AuditEvent]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    Ok(Json(state.app.audit_view(&user.actor, &q).await?))
}
