//! The JSON API: the contract kept from the old backend, plus approve, jobs and health.
//!
//! Every route answers with and without its trailing slash, and again under
//! `/t/{token}/` for clients that cannot set an `Authorization` header. CORS is open to
//! any origin on every API address, errors and unknown API paths included (the API uses
//! no cookies); pages never send CORS headers.

mod auth;
mod drafts;
mod input;
mod jobs;
mod messages;

pub use drafts::check_json_bodies as check_review_json;
pub use input::{BODY_LIMIT, JsonOrForm, decode_form, decode_json};
pub use messages::check_json_body as check_send_messages_json;

use std::sync::LazyLock;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};
use tower::{Layer, ServiceExt};
use tower_http::cors::{Any, CorsLayer};

use crate::app::AppState;
use crate::db::Db;

/// The API's routes, ready to merge into the application router.
pub fn router() -> Router<AppState> {
    let routes = Router::new()
        .merge(both("/send-messages", post(messages::send)))
        .merge(both("/process-feedback", post(drafts::feedback)))
        .merge(both("/reject-draft", post(drafts::reject)))
        .merge(both("/approve-draft", post(drafts::approve)))
        .merge(both("/draft-messages", get(drafts::list)))
        .merge(both("/jobs/{id}", get(jobs::show)));
    Router::new()
        .merge(routes.clone())
        .nest("/t/{token}", routes)
        .merge(both("/healthz", get(health)))
}

/// The first path segments that belong to the API (`jobs` only as `/jobs/{id}`: the
/// pages have `/jobs/{id}/retry`).
const API_SEGMENTS: &[&str] = &[
    "t",
    "send-messages",
    "process-feedback",
    "reject-draft",
    "approve-draft",
    "draft-messages",
    "healthz",
    "openapi.json",
];

/// Whether `path` is an API address, whether or not a route answers there.
pub fn is_api_path(path: &str) -> bool {
    let mut segments = path.trim_matches('/').split('/');
    match segments.next() {
        Some("jobs") => segments.nth(1).is_none(),
        Some(first) => API_SEGMENTS.contains(&first),
        None => false,
    }
}

static CORS: LazyLock<CorsLayer> = LazyLock::new(|| {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .max_age(std::time::Duration::from_secs(86_400))
});

/// Middleware for the whole application: API addresses get the CORS headers on every
/// answer — a 404 or 405 too, so that a browser client sees the error instead of
/// "Failed to fetch" — and pages get none.
pub async fn cors(request: Request, next: Next) -> Response {
    if !is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    match CORS.layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The route at `path` and at `path/`. OPTIONS is routed too, so that CORS preflights
/// reach the CORS layer instead of the "method not allowed" fallback.
fn both(path: &str, handler: MethodRouter<AppState>) -> Router<AppState> {
    let handler = handler.options(|| async { StatusCode::NO_CONTENT });
    Router::new()
        .route(path, handler.clone())
        .route(&format!("{path}/"), handler)
}

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
async fn health(State(db): State<Db>) -> (StatusCode, Json<Value>) {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "not answering" })),
            )
        }
    }
}
