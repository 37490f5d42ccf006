//! Who is asking: the session cookie for pages, the bearer token for the API.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use tvaers_app::AppError;
use tvaers_app::auth::Authenticated;
use tvaers_store::SessionKind;

use crate::AppState;
use crate::error::ApiError;
use crate::pages::error_page;

pub const COOKIE: &str = "tvaers_session";

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(token: &str, secure: bool, max_age_secs: i64) -> HeaderValue {
    named_cookie(COOKIE, token, secure, max_age_secs)
}

/// The citizen portal's session cookie (separate from staff sessions).
pub const PORTAL_COOKIE: &str = "tvaers_borger";

pub fn named_cookie(name: &str, token: &str, secure: bool, max_age_secs: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v =
        format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A logged-in citizen (or relative) in the portal. Not logged in → `/borger/login`.
pub struct PortalUserExt(pub tvaers_app::portal::PortalUser);

impl FromRequestParts<AppState> for PortalUserExt {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_value(&parts.headers, PORTAL_COOKIE) else {
            return Err(Redirect::to("/borger/login").into_response());
        };
        match state.app.portal_authenticate(&token).await {
            Ok(u) => Ok(PortalUserExt(u)),
            Err(AppError::Unauthenticated) => Err(Redirect::to("/borger/login").into_response()),
            Err(e) => Err(error_page(e, None)),
        }
    }
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    set_cookie("", secure, 0)
}

/// A logged-in staff member on a page. Not logged in → redirect to `/login`.
pub struct PageUser(pub Authenticated);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_value(&parts.headers, COOKIE) else {
            return Err(Redirect::to("/login").into_response());
        };
        match state.app.authenticate(&token, SessionKind::Browser).await {
            Ok(a) => Ok(PageUser(a)),
            Err(AppError::Unauthenticated) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(error_page(e, None)),
        }
    }
}

/// A caller of the JSON API with a valid bearer token.
pub struct ApiUser(pub Authenticated);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| ApiError::from(AppError::Unauthenticated))?;
        state
            .app
            .authenticate(token, SessionKind::Api)
            .await
            .map(ApiUser)
            .map_err(ApiError::from)
    }
}
