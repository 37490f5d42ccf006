//! JSON API for the journal: entries, corrections, the timeline with
//! filters, full-text search (in the body, never the URL) and digital
//! contact. Mounted by [`crate::api::router`].

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use tvaers_app::AppError;
use tvaers_app::journal::{
    CorrectionInput, EntryInput, Inbox, MessageInput, SearchInput, SearchResults, Timeline,
    TimelineQuery,
};
use tvaers_domain::ids::{CitizenId, JournalEntryId};
use tvaers_domain::journal::JournalEntry;

use crate::AppState;
use crate::api::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;

type ApiResult<T> = Result<T, ApiError>;

fn parse_id<T>(raw: &str, wrap: fn(uuid::Uuid) -> T) -> Result<T, ApiError> {
    raw.trim()
        .parse::<uuid::Uuid>()
        .map(wrap)
        .map_err(|_| AppError::NotFound.into())
}

/// One page of the citizen's journal, newest event first. Filters combine.
#[utoipa::path(get, path = "/citizens/{id}/journal", tag = "journal", params(("id" = String, Path), TimelineQuery), security(("bearer" = [])),
    responses((status = 200, body = Timeline), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> ApiResult<Json<Timeline>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(state.app.timeline(&user.actor, id, &q).await?))
}

/// Write an entry in the citizen's journal.
#[utoipa::path(post, path = "/citizens/{id}/journal", tag = "journal", params(("id" = String, Path)), request_body = EntryInput, security(("bearer" = [])),
    responses((status = 201, body = JournalEntry), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn write_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<EntryInput>,
) -> ApiResult<(StatusCode, Json<JournalEntry>)> {
    let id = parse_id(&raw, CitizenId)?;
    let e = state.app.write_entry(&user.actor, id, &req).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// One entry (404 also when the reader may not see its sensitivity class).
#[utoipa::path(get, path = "/journal/{id}", tag = "journal", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = JournalEntry), (status = 404, body = ErrorBody)))]
pub async fn get_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<JournalEntry>> {
    let id = parse_id(&raw, JournalEntryId)?;
    Ok(Json(state.app.get_entry(&user.actor, id).await?))
}

/// Correct an entry: a new entry that supersedes it, with a reason. 409 when
/// it is already corrected (correct the newest version).
#[utoipa::path(post, path = "/journal/{id}/corrections", tag = "journal", params(("id" = String, Path)), request_body = CorrectionInput, security(("bearer" = [])),
    responses((status = 201, body = JournalEntry), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<CorrectionInput>,
) -> ApiResult<(StatusCode, Json<JournalEntry>)> {
    let id = parse_id(&raw, JournalEntryId)?;
    let e = state.app.correct_entry(&user.actor, id, &req).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Full-text search (Danish stemming) in one citizen's journal.
#[utoipa::path(post, path = "/citizens/{id}/journal/search", tag = "journal", params(("id" = String, Path)), request_body = SearchInput, security(("bearer" = [])),
    responses((status = 200, body = SearchResults), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search_citizen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<SearchInput>,
) -> ApiResult<Json<SearchResults>> {
    let id = parse_id(&raw, CitizenId)?;
    Ok(Json(
        state
            .app
            .search_journal(&user.actor, Some(id), &req)
            .await?,
    ))
}

/// Full-text search across every journal the caller may read; entries
/// outside that are neither counted nor shown.
#[utoipa::path(post, path = "/journal/search", tag = "journal", request_body = SearchInput, security(("bearer" = [])),
    responses((status = 200, body = SearchResults), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search_all(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(req): ApiJson<SearchInput>,
) -> ApiResult<Json<SearchResults>> {
    Ok(Json(
        state.app.search_journal(&user.actor, None, &req).await?,
    ))
}

/// Send a message to the citizen (also a journal entry of kind digital contact).
#[utoipa::path(post, path = "/citizens/{id}/messages", tag = "messages", params(("id" = String, Path)), request_body = MessageInput, security(("bearer" = [])),
    responses((status = 201, body = JournalEntry), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<MessageInput>,
) -> ApiResult<(StatusCode, Json<JournalEntry>)> {
    let id = parse_id(&raw, CitizenId)?;
    let e = state.app.send_message(&user.actor, id, &req).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Messages from citizens to me and my teams, with unread counts.
#[utoipa::path(get, path = "/messages", tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = Inbox), (status = 403, body = ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Inbox>> {
    Ok(Json(state.app.inbox(&user.actor).await?))
}

/// Mark a message from a citizen as read by me.
#[utoipa::path(post, path = "/messages/{id}/read", tag = "messages", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&raw, JournalEntryId)?;
    state.app.mark_message_read(&user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
