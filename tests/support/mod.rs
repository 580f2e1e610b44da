//! What the test binaries share (`tests/api` and `tests/e2e` include this folder with
//! `#[path]`): the fake OpenAI-compatible model, free ports and the real binary as a child
//! process killed on drop, and `TestApp`, the app in-process with a helper per endpoint.

pub mod database;
pub mod fake_llm;
pub mod helpers;
pub mod process;
