//! Tværs HTTP layer: Danish server-rendered pages, the JSON API under
//! `/api/v1`, `/healthz` and `/metrics`. Thin: parse, authenticate, call the
//! app, render. Nothing here knows SQL.

// Handlers return `Response` as their error: it is what axum sends anyway.
#![allow(clippy::result_large_err)]

pub mod access_pages;
pub mod api;
pub mod api_access;
pub mod api_journal;
pub mod api_plan;
pub mod api_progress;
pub mod charts;
pub mod error;
pub mod journal_pages;
pub mod pages;
pub mod plan_pages;
pub mod portal_pages;
pub mod progress_pages;
pub mod session;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tvaers_app::App;

/// Largest request body accepted (forms and JSON).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub secure_cookies: bool,
    metrics: PrometheusHandle,
    openapi: Arc<serde_json::Value>,
}

/// The process-wide Prometheus recorder (a recorder can be installed once).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                    ],
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (tests); ours still renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub fn router(app: App, secure_cookies: bool) -> Router {
    let (api_router, openapi) = api::router();
    let openapi = serde_json::to_value(&openapi).unwrap_or_default();
    let state = AppState {
        app,
        secure_cookies,
        metrics: metrics_handle(),
        openapi: Arc::new(openapi),
    };

    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route(
            "/borgere",
            get(pages::citizens_get).post(pages::citizens_post),
        )
        .route(
            "/borgere/ny",
            get(pages::citizen_new_form).post(pages::citizen_new_submit),
        )
        .route("/borgere/{id}", get(pages::citizen_show))
        .route("/borgere/{id}/vis-cpr", post(pages::citizen_reveal))
        .route(
            "/borgere/{id}/rediger",
            get(pages::citizen_edit_form).post(pages::citizen_edit_submit),
        )
        .route(
            "/borgere/{id}/sager/ny",
            get(pages::case_new_form).post(pages::case_new_submit),
        )
        .route(
            "/sager/{id}/rediger",
            get(pages::case_edit_form).post(pages::case_edit_submit),
        )
        .route("/sagsbelastning", get(pages::caseloads))
        // Én plan, møder, opgaver, Mit arbejde (issue 4)
        .route("/borgere/{id}/plan", post(plan_pages::plan_create))
        .route("/borgere/{id}/opgaver", post(plan_pages::task_create))
        .route("/opgaver/{id}/udfoert", post(plan_pages::task_done))
        .route(
            "/borgere/{id}/moeder/ny",
            get(plan_pages::meeting_new_form).post(plan_pages::meeting_new_submit),
        )
        .route("/moeder/{id}", get(plan_pages::meeting_show))
        .route("/moeder/{id}/luk", post(plan_pages::meeting_close))
        .route("/moeder/{id}/aflys", post(plan_pages::meeting_cancel))
        .route("/moeder/{id}/udskriv", get(plan_pages::meeting_print))
        .route("/planer/{id}", get(plan_pages::plan_show))
        .route("/planer/{id}/oensker", post(plan_pages::plan_wishes))
        .route(
            "/planer/{id}/overordnet-maal",
            post(plan_pages::plan_overall_goal),
        )
        .route("/planer/{id}/maal", post(plan_pages::plan_add_goal))
        .route(
            "/planer/{id}/maal/{goal_id}",
            get(plan_pages::goal_edit_form).post(plan_pages::goal_edit_submit),
        )
        .route(
            "/planer/{id}/indsatser",
            post(plan_pages::plan_add_intervention),
        )
        .route(
            "/planer/{id}/indsatser/{intervention_id}",
            get(plan_pages::intervention_edit_form).post(plan_pages::intervention_edit_submit),
        )
        .route("/planer/{id}/team", post(plan_pages::plan_add_member))
        .route(
            "/planer/{id}/team/fjern",
            post(plan_pages::plan_remove_member),
        )
        .route("/planer/{id}/tovholder", post(plan_pages::plan_hand_over))
        .route("/planer/{id}/opfoelgning", post(plan_pages::plan_review))
        .route("/planer/{id}/afslut", post(plan_pages::plan_close))
        .route("/planer/{id}/historik", get(plan_pages::plan_history))
        .route("/planer/{id}/sammenlign", get(plan_pages::plan_compare))
        .route("/planer/{id}/gendan", post(plan_pages::plan_restore))
        .route("/planer/{id}/udskriv", get(plan_pages::plan_print))
        .route(
            "/planer/{id}/maal/{goal_id}/maalinger",
            get(progress_pages::goal_progress).post(progress_pages::goal_measure),
        )
        .route(
            "/borgere/{id}/maalinger",
            get(progress_pages::citizen_measurements).post(progress_pages::citizen_measure),
        )
        .route(
            "/borgere/{id}/bryd-glasset",
            post(access_pages::break_glass),
        )
        .route("/bryd-glasset", get(access_pages::grant_review))
        .route(
            "/bryd-glasset/{id}/gennemset",
            post(access_pages::grant_reviewed),
        )
        .route(
            "/borgere/{id}/samtykke",
            get(access_pages::consents).post(access_pages::consent_add),
        )
        .route(
            "/borgere/{id}/samtykke/{consent}/tilbagekald",
            post(access_pages::consent_withdraw),
        )
        .route("/tilsyn", get(access_pages::audit_view))
        .route("/tilsyn.csv", get(access_pages::audit_csv))
        .route("/borger", get(portal_pages::home))
        .route(
            "/borger/login",
            get(portal_pages::login_form).post(portal_pages::login_submit),
        )
        .route("/borger/login/oidc", get(portal_pages::sign_on_begin))
        .route("/borger/oidc/callback", get(portal_pages::sign_on_callback))
        .route("/borger/logout", post(portal_pages::logout))
        .route("/borger/oensker", post(portal_pages::wishes))
        .route(
            "/borger/vurdering",
            get(portal_pages::assessment_form).post(portal_pages::assessment_submit),
        )
        .route("/borger/adgang", get(portal_pages::access_log))
        .route(
            "/borger/beskeder",
            get(portal_pages::messages).post(portal_pages::send_message),
        )
        .route("/statistik", get(progress_pages::statistics))
        .route("/statistik/{table}", get(progress_pages::statistics_export))
        .route(
            "/admin/skalaer",
            get(progress_pages::scales).post(progress_pages::scale_create),
        )
        .route(
            "/admin/skalaer/{id}/aktiv",
            post(progress_pages::scale_toggle),
        )
        // The journal, search and messages (issue 6)
        .route(
            "/borgere/{id}/journal",
            get(journal_pages::journal_show).post(journal_pages::journal_write),
        )
        .route("/journal/{id}/ret", post(journal_pages::journal_correct))
        .route(
            "/journal/soeg",
            get(journal_pages::search_form).post(journal_pages::search_submit),
        )
        .route("/borgere/{id}/beskeder", post(journal_pages::message_send))
        .route("/beskeder", get(journal_pages::messages))
        .route("/beskeder/{id}/laest", post(journal_pages::message_read))
        .route("/mit-arbejde", get(plan_pages::my_work))
        .route("/team", get(plan_pages::team))
        .route(
            "/admin/enheder",
            get(pages::units_list).post(pages::units_create),
        )
        .route(
            "/admin/enheder/{id}",
            get(pages::unit_edit_form).post(pages::unit_edit_submit),
        )
        .route("/admin/medarbejdere", get(pages::staff_list))
        .route(
            "/admin/medarbejdere/ny",
            get(pages::staff_new_form).post(pages::staff_new_submit),
        )
        .route(
            "/admin/medarbejdere/{id}",
            get(pages::staff_edit_form).post(pages::staff_edit_submit),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let api = api_router
        .route("/openapi.json", get(openapi_json))
        .fallback(api::not_found);

    let mut router = Router::new()
        .merge(pages)
        .nest("/api/v1", api)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/static/style.css", get(style_css))
        .route("/static/broker-logout.js", get(broker_logout_js))
        .route_layer(middleware::from_fn(track_metrics))
        .fallback(pages::not_found_page)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    for (name, value) in security_headers(secure_cookies) {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    let request_id = HeaderName::from_static("x-request-id");
    router
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            // Only method, path (opaque ids, never a CPR) and request id are logged.
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The content security policy, with `form_action` as its `form-action`
/// sources (`'self'` everywhere but a page that posts to the MitID broker).
pub(crate) fn content_security_policy(form_action: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action {form_action}; base-uri 'none'; object-src 'none'"
    )
}

fn security_headers(secure: bool) -> Vec<(HeaderName, HeaderValue)> {
    let csp = HeaderValue::from_str(&content_security_policy("'self'"))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    let mut h = vec![
        (header::CONTENT_SECURITY_POLICY, csp),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    ];
    if secure {
        h.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    h
}

async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    resp
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn openapi_json(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json((*state.openapi).clone())
}

async fn style_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}

async fn broker_logout_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/broker-logout.js"),
    )
        .into_response()
}

/// Serves until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    secure_cookies: bool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Expired sessions are purged in the background.
    let purger = app.clone();
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = purger.purge_sessions().await {
                tracing::warn!(error = %e, "session purge");
            }
        }
    });
    // The search index is written with each entry, so it is only behind if
    // rows were lost (restore, manual change); check once at start and catch up
    // in the background while the server already answers.
    let indexer = app.clone();
    tokio::spawn(async move {
        match indexer.catch_up_search_index().await {
            Ok(0) => tracing::debug!("search index in step with the journal"),
            Ok(n) => tracing::warn!(n, "search index was behind the journal; caught up"),
            Err(e) => {
                tracing::error!(error = %e, "search index check failed; run `tvaers reindex`")
            }
        }
    });
    let router = router(app, secure_cookies);
    let result = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    purge.abort();
    result
}
