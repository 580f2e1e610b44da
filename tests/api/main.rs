//! The integration tests: one binary, each test starts the real app on port 0 with a
//! fresh SQLite file and talks to it over HTTP.

mod aliases;
mod assets;
mod auth;
mod cli;
mod drafting;
mod drafts;
mod errors;
mod fair_queue;
mod fake_llm;
mod helpers;
mod hostile;
mod identity;
mod injection;
mod integrations;
mod jobs;
mod migration;
mod openapi;
mod outcomes;
mod pages;
mod paste;
mod pressure;
mod process;
mod resilience;
mod restart;
mod security;
mod send_messages;
mod settings;
mod shutdown;
