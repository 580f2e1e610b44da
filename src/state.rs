//! What every handler can reach. Its own module, below both the API and the pages, so
//! that the routers depend on it and `app` depends on the routers, never back.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::accounts::{Hasher, LoginLimiter};
use crate::config::Config;
use crate::db::Db;
use crate::jobs::JobQueue;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub jobs: JobQueue,
    pub config: Arc<Config>,
    pub login_limiter: LoginLimiter,
    /// Password hashing, off the async threads.
    pub hasher: Hasher,
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for JobQueue {
    fn from_ref(state: &AppState) -> Self {
        state.jobs.clone()
    }
}
