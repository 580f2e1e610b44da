//! The integration tests: one binary, each test starts the real app on port 0 with a
//! fresh SQLite file and talks to it over HTTP. What they share with the browser tests is in
//! `tests/support/`; its parts are named here, so a test says `crate::helpers::spawn_app`.

#[path = "../support/mod.rs"]
mod support;
use support::{database, fake_llm, helpers, process};

/// This binary's tests run on SQLite; `tests/api_postgres` runs them on PostgreSQL.
pub const BACKEND: database::Backend = database::Backend::Sqlite;

mod aliases;
mod assets;
mod auth;
mod based_on;
mod cli;
mod drafting;
mod drafts;
mod edits;
mod errors;
mod fair_queue;
mod hostile;
mod identity;
mod injection;
mod instances;
mod integrations;
mod jobs;
mod migration;
mod notes;
mod openapi;
mod outcomes;
mod pages;
mod paste;
mod postgres;
mod pressure;
mod replay;
mod resilience;
mod restart;
mod security;
mod send_messages;
mod settings;
mod shutdown;
mod sql;
mod startup;
mod stats;
mod transcript;
