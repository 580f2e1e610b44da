//! End-to-end tests in a real browser: headless Chromium driven through chromedriver
//! (fantoccini), against the real `draftdesk` binary with a fresh database and a
//! scripted fake OpenAI-compatible model.
//!
//! Without Chromium and chromedriver (see `build.rs`) these tests are listed as ignored,
//! with the reason; with `CI=true` a missing browser fails the build. A failing test
//! saves a screenshot under `target/e2e/`.

// The browser tests use part of what the API tests share with them.
#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;
use support::fake_llm;

/// The browser tests run the binary on SQLite.
pub const BACKEND: support::database::Backend = support::database::Backend::Sqlite;

mod based_on;
mod harness;
mod journeys;
mod live;
mod notes;
mod review;
mod steps;
mod times;
mod typed_text;
