//! One error type per surface: JSON for the API, a Danish page for the UI.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tvaers_app::AppError;
use tvaers_domain::FieldError;

/// `{"error": {"code", "message", "fields"?}}`
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation`, `not_found`.
    pub code: &'static str,
    /// Danish, shown to people.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// An API error: status plus JSON body.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: vec![],
        }
    }
}

/// Status and code for an application error; internal details are logged here, never sent.
pub fn classify(e: &AppError) -> (StatusCode, &'static str) {
    match e {
        AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        AppError::NoRelationship(_) => (StatusCode::FORBIDDEN, "no_relationship"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        AppError::StaleVersion { .. } => (StatusCode::CONFLICT, "stale_version"),
        AppError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
        AppError::Throttled => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
        AppError::LockedOut => (StatusCode::TOO_MANY_REQUESTS, "locked_out"),
        AppError::Oidc(e) => {
            use tvaers_app::oidc::OidcError;
            // Never a CPR number or a token in the detail (see `OidcError`).
            tracing::warn!(detail = %e.log_detail(), "MitID login refused");
            match e {
                OidcError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "oidc_unavailable"),
                OidcError::Provider(_) => (StatusCode::UNAUTHORIZED, "oidc_cancelled"),
                OidcError::State(_) => (StatusCode::BAD_REQUEST, "oidc_state"),
                OidcError::TokenExchange(_) => (StatusCode::BAD_GATEWAY, "oidc_token"),
                OidcError::IdToken(_) => (StatusCode::UNAUTHORIZED, "oidc_id_token"),
                OidcError::Cpr(_) => (StatusCode::BAD_GATEWAY, "oidc_cpr"),
                OidcError::NoCitizen => (StatusCode::FORBIDDEN, "oidc_no_citizen"),
            }
        }
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        AppError::Unavailable(detail) => {
            tracing::error!(%detail, "database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
        AppError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let (status, code) = classify(&e);
        let fields = match &e {
            AppError::Validation(v) => v.fields.clone(),
            // The other person's changes, so a client can show them.
            AppError::StaleVersion { changes, .. } => changes
                .iter()
                .map(|c| FieldError {
                    field: "changes",
                    message: c.clone(),
                })
                .collect(),
            _ => vec![],
        };
        ApiError {
            status,
            code,
            message: e.to_string(),
            fields,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                fields: self.fields,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
