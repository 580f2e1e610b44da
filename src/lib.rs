//! draftdesk: reply drafts for your conversations, written by an LLM agent, reviewed by you.

/// Creating users and checking passwords.
pub mod accounts;
/// The drafting agent: prompts, tools, the loop, the offline drafter.
pub mod agent;
/// The JSON API kept from the old backend.
pub mod api;
/// Shared state, the router and serving.
pub mod app;
/// API tokens and passwords.
pub mod auth;
/// The command line.
pub mod cli;
/// Settings from the environment and flags.
pub mod config;
/// Every SQL statement, one file per table.
pub mod db;
/// How errors are shown to clients.
pub mod error;
/// Taking in new messages.
pub mod inbox;
/// The durable background job queue and its workers.
pub mod jobs;
/// Input limits shared by the API and the pages.
pub mod limits;
/// The OpenAI-compatible model client.
pub mod llm;
/// Log output: text or JSON lines.
pub mod logging;
/// Who the client is, behind trusted proxies or not.
pub mod net;
/// Style notes: the versioned list, feedback's reach, and what edits teach.
pub mod notes;
/// NUL characters refused at the door.
pub mod nul;
/// The conversation paste parser.
pub mod paste;
/// `draftdesk replay`: re-drafting approved threads with another model, to compare.
pub mod replay;
/// Feedback, approve and reject.
pub mod review;
/// The HTTP server loop: connection limit and header-read timeout.
pub mod server;
/// What every handler can reach.
pub mod state;
/// "How it is going": what became of the drafts, week by week and per model.
pub mod stats;
/// Lenient date and time labels.
pub mod timestamp;
/// The HTML pages.
pub mod web;
