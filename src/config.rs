//! `Config`: the settings the server runs with, read from the environment (and `.env`)
//! or the matching command-line flags. A bad value stops start-up with a message that
//! names the variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use crate::db::PoolSettings;
use crate::llm::LlmConfig;
pub use crate::net::TrustedProxies;

/// OpenRouter's OpenAI-compatible API, the default model server.
pub const DEFAULT_LLM_BASE_URL: &str = "https://openrouter.ai/api/v1";

/// The settings as given, before they are checked.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// The database: a SQLite file (its folder and file are created on first run) or a
    /// PostgreSQL server, `postgres://user:password@host/database`.
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "DATABASE_URL",
        default_value = "sqlite://data/draftdesk.db",
        global = true
    )]
    pub database_url: String,

    /// Connections per instance: PostgreSQL's pool, or SQLite's readers (SQLite always
    /// has one writer).
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        value_name = "DATABASE_MAX_CONNECTIONS",
        default_value = "10",
        value_parser = clap::value_parser!(u32).range(1..=1000),
        global = true
    )]
    pub database_max_connections: u32,

    /// How long a request waits for a free database connection before it fails.
    #[arg(
        long,
        env = "DATABASE_ACQUIRE_TIMEOUT_SECS",
        value_name = "DATABASE_ACQUIRE_TIMEOUT_SECS",
        default_value = "30",
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub database_acquire_timeout_secs: u64,

    /// The address and port the server listens on.
    #[arg(
        long,
        env = "BIND_ADDR",
        value_name = "BIND_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind_addr: String,

    /// The OpenAI-compatible API to draft with (OpenRouter, OpenAI, Ollama, vLLM, ...).
    #[arg(long, env = "LLM_BASE_URL", value_name = "LLM_BASE_URL", default_value = DEFAULT_LLM_BASE_URL, global = true)]
    pub llm_base_url: String,

    /// The API key for OpenRouter. Without any key, an offline drafter is used.
    #[arg(
        long,
        env = "OPENROUTER_API_KEY",
        value_name = "OPENROUTER_API_KEY",
        hide_env_values = true,
        global = true
    )]
    pub openrouter_api_key: Option<String>,

    /// The API key for another OpenAI-compatible server (used when OPENROUTER_API_KEY is unset).
    #[arg(
        long,
        env = "LLM_API_KEY",
        value_name = "LLM_API_KEY",
        hide_env_values = true,
        global = true
    )]
    pub llm_api_key: Option<String>,

    /// The model to draft with, as the server names it.
    #[arg(
        long,
        env = "LLM_MODEL",
        value_name = "LLM_MODEL",
        default_value = "openai/gpt-4o-mini",
        global = true
    )]
    pub llm_model: String,

    /// How long one model request may take, in seconds.
    #[arg(
        long,
        env = "LLM_TIMEOUT_SECS",
        value_name = "LLM_TIMEOUT_SECS",
        default_value = "60",
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub llm_timeout_secs: u64,

    /// How many background jobs run at once (0: none; jobs wait in the queue).
    #[arg(
        long,
        env = "JOB_CONCURRENCY",
        value_name = "JOB_CONCURRENCY",
        default_value = "4",
        value_parser = clap::value_parser!(u64).range(0..=256),
        global = true
    )]
    pub job_concurrency: u64,

    /// How many model turns one agent run may take before it is stopped.
    #[arg(
        long,
        env = "AGENT_MAX_ITERATIONS",
        value_name = "AGENT_MAX_ITERATIONS",
        default_value = "8",
        value_parser = clap::value_parser!(u64).range(1..=100),
        global = true
    )]
    pub agent_max_iterations: u64,

    /// How long a claimed job is reserved for its worker without a heartbeat, in seconds;
    /// a job whose worker died is taken up again after this.
    #[arg(
        long,
        env = "JOB_LEASE_SECS",
        value_name = "JOB_LEASE_SECS",
        default_value = "60",
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub job_lease_secs: u64,

    /// How many jobs one user may have waiting; a send or feedback that would queue one
    /// more is refused with 429 and Retry-After.
    #[arg(
        long,
        env = "JOB_MAX_QUEUED_PER_USER",
        value_name = "JOB_MAX_QUEUED_PER_USER",
        default_value = "200",
        value_parser = clap::value_parser!(u64).range(1..=1_000_000),
        global = true
    )]
    pub job_max_queued_per_user: u64,

    /// How long one whole agent run (every model turn and tool call) may take, in seconds;
    /// a run past it ends with an error and is retried like a timeout.
    #[arg(
        long,
        env = "AGENT_RUN_TIMEOUT_SECS",
        value_name = "AGENT_RUN_TIMEOUT_SECS",
        default_value = "300",
        value_parser = clap::value_parser!(u64).range(1..=86_400),
        global = true
    )]
    pub agent_run_timeout_secs: u64,

    /// Mark the session cookie Secure (set this when draftdesk is served over https).
    #[arg(
        long,
        env = "COOKIE_SECURE",
        value_name = "COOKIE_SECURE",
        default_value = "false",
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::Set,
        global = true
    )]
    pub cookie_secure: bool,

    /// The reverse proxies in front of draftdesk (addresses or CIDR ranges, comma
    /// separated). Only a request from one of them may name the client in
    /// X-Forwarded-For; from anyone else the header is ignored.
    #[arg(
        long,
        env = "TRUSTED_PROXIES",
        value_name = "TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,

    /// How long a client may take to send a request's headers, in seconds; a connection
    /// that is slower is closed.
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT_SECS",
        value_name = "HEADER_READ_TIMEOUT_SECS",
        default_value = "30",
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub header_read_timeout_secs: u64,

    /// How many client connections are served at once; more wait to be accepted.
    #[arg(
        long,
        env = "MAX_CONNECTIONS",
        value_name = "MAX_CONNECTIONS",
        default_value = "512",
        value_parser = clap::value_parser!(u64).range(1..=1_000_000),
        global = true
    )]
    pub max_connections: u64,
}

/// Checked settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub database_pool: PoolSettings,
    pub bind_addr: SocketAddr,
    /// `None`: no key is configured and the offline drafter is used.
    pub llm: Option<LlmConfig>,
    pub jobs: JobSettings,
    pub agent_max_iterations: u32,
    /// How long one agent run may take in all.
    pub agent_run_timeout: Duration,
    pub cookie_secure: bool,
    /// Who may name the client in X-Forwarded-For.
    pub trusted_proxies: TrustedProxies,
    /// How the server treats connections.
    pub server: ServerLimits,
    /// How many failed sign-ins are allowed.
    pub login: LoginLimits,
}

/// Limits on client connections.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// Failed sign-ins allowed within `window`: per account (whatever the address) and per
/// client address (whatever the account).
#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub per_account: usize,
    pub per_address: usize,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
            window: Duration::from_secs(300),
        }
    }
}

/// How the background job queue runs.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub concurrency: usize,
    pub lease: Duration,
    /// The first retry's delay; each further retry doubles it (with jitter).
    pub retry_base: Duration,
    /// The longest wait between retries.
    pub retry_cap: Duration,
    /// How long running jobs may take to finish when the server stops.
    pub shutdown_grace: Duration,
    /// How often idle workers look for jobs that became due (backoff, expired leases).
    pub poll_interval: Duration,
    /// How many jobs one user may have waiting; more is refused with 429.
    pub max_queued_per_user: i64,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(300),
            shutdown_grace: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            max_queued_per_user: 200,
        }
    }
}

/// A setting with a bad value.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl Config {
    /// Checks the settings, naming the variable at fault.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let database_url = settings.database_url.trim().to_owned();
        if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|scheme| database_url.starts_with(scheme))
        {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                message: format!(
                    "'{database_url}' is not supported; use a SQLite URL such as \
                     sqlite://data/draftdesk.db or a PostgreSQL one such as \
                     postgres://user:password@host/database"
                ),
            });
        }
        let database_pool = PoolSettings {
            max_connections: settings.database_max_connections,
            acquire_timeout: Duration::from_secs(settings.database_acquire_timeout_secs),
        };
        let bind_addr = settings.bind_addr.trim().parse().map_err(|_| ConfigError {
            variable: "BIND_ADDR",
            message: format!(
                "'{}' is not an address and port such as 127.0.0.1:3000",
                settings.bind_addr
            ),
        })?;
        let api_key = [&settings.openrouter_api_key, &settings.llm_api_key]
            .into_iter()
            .flatten()
            .map(|key| key.trim())
            .find(|key| !key.is_empty())
            .map(str::to_owned);
        let base_url = settings.llm_base_url.trim();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError {
                variable: "LLM_BASE_URL",
                message: format!("'{base_url}' is not an http:// or https:// URL"),
            });
        }
        let model = settings.llm_model.trim();
        if model.is_empty() {
            return Err(ConfigError {
                variable: "LLM_MODEL",
                message: "must not be empty".to_owned(),
            });
        }
        Ok(Self {
            database_url,
            database_pool,
            bind_addr,
            llm: api_key.map(|api_key| LlmConfig {
                base_url: base_url.to_owned(),
                api_key: Some(api_key),
                model: model.to_owned(),
                timeout: Duration::from_secs(settings.llm_timeout_secs),
            }),
            jobs: JobSettings {
                concurrency: usize::try_from(settings.job_concurrency).unwrap_or(usize::MAX),
                lease: Duration::from_secs(settings.job_lease_secs),
                max_queued_per_user: i64::try_from(settings.job_max_queued_per_user)
                    .unwrap_or(i64::MAX),
                ..JobSettings::default()
            },
            agent_max_iterations: u32::try_from(settings.agent_max_iterations).unwrap_or(u32::MAX),
            agent_run_timeout: Duration::from_secs(settings.agent_run_timeout_secs),
            trusted_proxies: settings
                .trusted_proxies
                .parse()
                .map_err(|message| ConfigError {
                    variable: "TRUSTED_PROXIES",
                    message,
                })?,
            server: ServerLimits {
                header_read_timeout: Duration::from_secs(settings.header_read_timeout_secs),
                max_connections: usize::try_from(settings.max_connections).unwrap_or(usize::MAX),
            },
            login: LoginLimits::default(),
            cookie_secure: settings.cookie_secure,
        })
    }

    /// Settings for tests and tools: a database URL, any free port on loopback.
    /// No model key (the offline drafter) and no background workers: tests drive the
    /// queue themselves.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            database_pool: PoolSettings::default(),
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            llm: None,
            jobs: JobSettings {
                concurrency: 0,
                ..JobSettings::default()
            },
            agent_max_iterations: 8,
            agent_run_timeout: Duration::from_secs(300),
            cookie_secure: false,
            trusted_proxies: TrustedProxies::default(),
            server: ServerLimits::default(),
            login: LoginLimits::default(),
        }
    }
}
