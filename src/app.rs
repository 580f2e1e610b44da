//! The application: opening what it needs, the router with its layers, and serving.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, middleware};
use tokio::net::TcpListener;
use tower::Layer;
use tower::util::MapRequestLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::accounts::{self, Hasher, LoginLimiter};
use crate::agent::Agent;
use crate::api;
use crate::config::Config;
use crate::db::Db;
use crate::db::sessions::SessionStore;
use crate::error::AppError;
use crate::jobs::JobQueue;
use crate::llm::LlmClient;
use crate::state::AppState;
use crate::web;
use tower_sessions::cookie::{SameSite, time};
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};

/// A built application: its database is open and its listener bound.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// The first-run setup link's secret, while no user exists (the same for every
    /// instance on the database).
    setup_token: Option<String>,
}

impl Application {
    /// Opens the database (running migrations) and binds the configured address; port 0
    /// picks a free port, which [`Application::local_addr`] reports.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = Db::open(&config.database_url, config.database_pool).await?;
        let llm = config.llm.as_ref().map(LlmClient::new).transpose()?;
        let agent = Agent::new(
            llm,
            db.clone(),
            config.agent_max_iterations,
            config.agent_run_timeout,
        );
        let jobs = JobQueue::new(db.clone(), agent, config.jobs.clone());
        let setup_token = accounts::setup::prepare(&db).await?;
        SessionStore::new(&db).migrate().await?;
        let listener = TcpListener::bind(config.bind_addr).await.map_err(|e| {
            anyhow::anyhow!("BIND_ADDR: could not listen on {}: {e}", config.bind_addr)
        })?;
        Ok(Self {
            listener,
            state: AppState {
                login_limiter: LoginLimiter::new(db.clone(), config.login.clone()),
                db,
                jobs,
                hasher: Hasher::default(),
                config: Arc::new(config),
            },
            setup_token,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The state handlers share (tests use its database to check what was stored).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The first-run setup link's secret, if no account existed when it was built.
    pub fn setup_token(&self) -> Option<&str> {
        self.setup_token.as_deref()
    }

    /// Serves, and runs the job workers, until `shutdown` completes; then lets requests
    /// in flight finish and running jobs finish within the grace period.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let settings = &self.state.config.jobs;
        let workers = (settings.concurrency > 0).then(|| self.state.jobs.start());
        let grace = settings.shutdown_grace;
        if let (Some(token), Ok(address)) = (&self.setup_token, self.listener.local_addr()) {
            tracing::warn!(
                "no account exists yet: open http://{address}/setup?token={token} to create the first one"
            );
        }
        let sweeper = tokio::spawn(
            SessionStore::new(&self.state.db)
                .continuously_delete_expired(Duration::from_secs(3600)),
        );
        // Routing sees the path with repeated slashes collapsed, so a client whose base
        // URL ends in '/' still reaches `/t/{token}/send-messages/`.
        let app = MapRequestLayer::new(collapse_slashes).layer(router(self.state.clone()));
        let served =
            crate::server::serve(self.listener, app, &self.state.config.server, shutdown).await;
        sweeper.abort();
        if let Some(workers) = workers {
            workers.shutdown(grace).await;
        }
        self.state.db.close().await;
        served
    }
}

/// Every route of the application, with the layers they share.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(web::router().layer(session_layer(&state)))
        .merge(api::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(crate::nul::refuse))
        .layer(DefaultBodyLimit::max(api::BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(api::cors))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %redact_token(request.uri().path()),
                    id = ?request.headers().get("x-request-id"),
                )
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Sessions for the pages: HttpOnly, SameSite=Lax, Secure when served over https,
/// stored in the database, ending after two weeks without a visit.
fn session_layer(state: &AppState) -> SessionManagerLayer<SessionStore> {
    SessionManagerLayer::new(SessionStore::new(&state.db))
        .with_name("draftdesk_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.cookie_secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)))
}

async fn not_found() -> AppError {
    AppError::NotFound("there is nothing at this address".to_owned())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
}

/// `//send-messages///` → `/send-messages/`; the query is kept as it came.
fn collapse_slashes(mut request: Request<Body>) -> Request<Body> {
    let uri = request.uri();
    if !uri.path().contains("//") {
        return request;
    }
    let mut path = String::with_capacity(uri.path().len());
    for c in uri.path().chars() {
        if !(c == '/' && path.ends_with('/')) {
            path.push(c);
        }
    }
    if let Some(query) = uri.query() {
        path.push('?');
        path.push_str(query);
    }
    let mut parts = uri.clone().into_parts();
    match path.parse() {
        Ok(path_and_query) => {
            parts.path_and_query = Some(path_and_query);
            if let Ok(collapsed) = axum::http::Uri::from_parts(parts) {
                *request.uri_mut() = collapsed;
            }
        }
        Err(error) => tracing::debug!(%error, "could not collapse the slashes of a path"),
    }
    request
}

/// Keeps API tokens that stand in a path (`/t/{token}/...`) out of the logs.
fn redact_token(path: &str) -> String {
    match path.strip_prefix("/t/") {
        Some(rest) => match rest.split_once('/') {
            Some((_, tail)) => format!("/t/[token]/{tail}"),
            None => "/t/[token]".to_owned(),
        },
        None => path.to_owned(),
    }
}
