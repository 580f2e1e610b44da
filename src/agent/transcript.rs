//! A run's transcript: what the agent did, step by step, as the agent writes it and the
//! thread page reads it.
//!
//! It is stored as JSON text in `agent_runs.transcript`: an array of objects tagged by
//! `kind`. Rows written before this enum existed have the same shape, so they still
//! read; an entry that does not read (an older or newer shape) keeps its raw JSON, and
//! the page shows that instead of losing the whole run.

use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionResponseMessage, ChatCompletionTools,
    CompletionUsage, FinishReason,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TranscriptEntry {
    /// What the model was sent: the messages new since the previous request (all of them
    /// at first), and the tools with the first request of a drafting run.
    Request {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        turn: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purpose: Option<Purpose>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
        #[serde(default)]
        messages: Vec<ChatCompletionRequestMessage>,
        /// `null` after the first turn, as the rows before this enum have it.
        #[serde(default)]
        tools: Option<Vec<ChatCompletionTools>>,
    },
    /// The model's answer. `message` is `null` when the answer had no choice; it is boxed
    /// because it is much larger than the other entries.
    Response {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        turn: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purpose: Option<Purpose>,
        #[serde(default)]
        message: Option<Box<ChatCompletionResponseMessage>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        finish_reason: Option<FinishReason>,
        #[serde(default)]
        usage: Option<CompletionUsage>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        elapsed_ms: Option<u64>,
    },
    /// A tool call the agent ran, with the result the model got back. `name` is what
    /// the model asked for, which may be no tool at all.
    Tool {
        turn: u32,
        name: String,
        arguments: String,
        result: String,
    },
    /// Why the run (or, with a purpose, its side task) stopped early.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        turn: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purpose: Option<Purpose>,
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        elapsed_ms: Option<u64>,
    },
    /// The offline drafter's whole run: the rule it applied and what it decided.
    Offline {
        rule: String,
        note: String,
        decision: OfflineDecision,
    },
    /// The offline drafter read feedback for a lasting style note.
    Distill {
        offline: bool,
        feedback: String,
        note: Option<String>,
    },
}

/// What a request, response or error was for, when it was not the drafting itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Learning a style note from a revision's feedback.
    Distill,
}

/// The offline drafter's decision, stored as `{"suggest_draft": text}` or
/// `{"end_work": reason}`, the names of the model's tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineDecision {
    SuggestDraft(String),
    EndWork(String),
}

/// A stored entry as the page reads it: its JSON as stored, and the entry if it reads.
#[derive(Debug)]
pub struct StoredEntry {
    pub json: Value,
    pub entry: Option<TranscriptEntry>,
}

/// Reads a stored transcript. Text that is not a JSON array reads as no entries: a run
/// that never finished stores none.
pub fn read(stored: &str) -> Vec<StoredEntry> {
    let entries: Vec<Value> = serde_json::from_str(stored).unwrap_or_default();
    entries
        .into_iter()
        .map(|json| StoredEntry {
            entry: TranscriptEntry::deserialize(&json).ok(),
            json,
        })
        .collect()
}

/// The JSON text to store for a transcript.
pub fn write(entries: &[TranscriptEntry]) -> String {
    // Every field serialises to JSON (no maps with non-string keys), so this cannot fail;
    // an empty transcript is still better than losing the run's record.
    serde_json::to_string(entries).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests;
