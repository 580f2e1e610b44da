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
pub use input::{BODY_LIMIT, BodyFormat, JsonOrForm, decode_form, decode_json};
pub use messages::check_json_body as check_send_messages_json;

use std::sync::LazyLock;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use tower::{Layer, ServiceExt};
use tower_http::cors::{Any, CorsLayer};
use utoipa::openapi::OpenApi as Description;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::db::Db;
use crate::state::AppState;

/// The parts of the description that no handler carries.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "draftdesk",
        description = "Reply drafts for your conversations: post a thread, an agent drafts a \
            reply in the background, you review it. Every path works with and without its \
            trailing slash. Authenticate with `Authorization: Bearer <token>`, or put the \
            token in the path instead: every endpoint but `/healthz` and `/openapi.json` also \
            answers under `/t/{token}/` (for example `/t/{token}/send-messages/`). The token \
            decides the account: a `user_id` that names no account becomes an alias of the \
            token's account; another account's name or alias is refused with 403.",
        license(name = "MIT", identifier = "MIT"),
    ),
    modifiers(&TokenAuth),
    security(("token" = [])),
    tags(
        (name = "messages", description = "Threads in"),
        (name = "review", description = "Drafts out: list, feedback, approve, reject"),
        (name = "jobs", description = "Background work"),
        (name = "service", description = "Health and this description"),
    ),
)]
struct ApiDoc;

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut Description) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some(
            "An API token from Settings or `draftdesk token create`. Clients that cannot set \
             headers put it in the path: `/t/{token}/...`."
                .to_owned(),
        );
        components.add_security_scheme("token", SecurityScheme::Http(bearer));
    }
}

/// The API's routes, ready to merge into the application router.
pub fn router() -> Router<AppState> {
    routes().0
}

/// The OpenAPI 3.1 description of the API, as served at `/openapi.json`.
pub fn openapi() -> Description {
    routes().1
}

/// The routes and their description, built from the same handlers so that they cannot
/// drift apart: a handler is routed only through its `#[utoipa::path]`.
fn routes() -> (Router<AppState>, Description) {
    let contract = OpenApiRouter::with_openapi(ApiDoc::openapi());
    let contract = both(contract, routes!(messages::send));
    let contract = both(contract, routes!(drafts::feedback));
    let contract = both(contract, routes!(drafts::reject));
    let contract = both(contract, routes!(drafts::approve));
    let contract = both(contract, routes!(drafts::list));
    let contract = both(contract, routes!(jobs::show));
    let (contract, mut description) = contract.split_for_parts();
    let service = both(OpenApiRouter::new(), routes!(health));
    let service = both(service, routes!(openapi_json));
    let (service, service_description) = service.split_for_parts();
    description.merge(service_description);
    let router = Router::new()
        .merge(contract.clone())
        .nest("/t/{token}", contract)
        .merge(service);
    (router, description)
}

/// Routes a documented handler at its path and at the path with the trailing slash added
/// or taken away. OPTIONS is routed too, so that CORS preflights reach the CORS layer
/// instead of the "method not allowed" fallback.
fn both(
    router: OpenApiRouter<AppState>,
    (schemas, paths, handler): UtoipaMethodRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let handler = handler.options(|| async { StatusCode::NO_CONTENT });
    let others: Vec<String> = paths
        .paths
        .keys()
        .map(|path| match path.strip_suffix('/') {
            Some(bare) => bare.to_owned(),
            None => format!("{path}/"),
        })
        .collect();
    let mut router = router.routes((schemas, paths, handler.clone()));
    for path in others {
        router = router.route(&path, handler.clone());
    }
    router
}

/// Whether the database answers.
#[derive(Debug, Serialize, ToSchema)]
struct Health {
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    status: &'static str,
    /// Why not, when the status is `unavailable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
}

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "health",
    tag = "service",
    security(()),
    responses(
        (status = 200, description = "The server and its database answer", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    ),
)]
async fn health(State(db): State<Db>) -> (StatusCode, Json<Health>) {
    match db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: None,
            }),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database: Some("not answering"),
                }),
            )
        }
    }
}

static DESCRIPTION: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(openapi()).unwrap_or_default());

/// `GET /openapi.json`: this API's OpenAPI 3.1 description.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "service",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 description of this API", content_type = "application/json")),
)]
async fn openapi_json() -> Json<Value> {
    Json(DESCRIPTION.clone())
}

/// The first path segments that belong to the API (`jobs` only as `/jobs/{id}`: the
/// pages have `/jobs/{id}/retry`).
pub const API_SEGMENTS: &[&str] = &[
    "jobs",
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
