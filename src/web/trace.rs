//! A run's transcript as the thread page shows it: one line per step, the text behind
//! it, and the step's JSON as stored.
//!
//! The match on [`TranscriptEntry`] has no catch-all, so a new kind of entry does not
//! compile until the page has words for it.

use async_openai::types::chat::{ChatCompletionMessageToolCalls, ChatCompletionResponseMessage};

use crate::agent::tools::{DistillTool, Tool};
use crate::agent::transcript::{self, Purpose, StoredEntry, TranscriptEntry};

/// One step of a run's timeline.
pub struct TraceEntry {
    pub title: String,
    pub body: String,
    pub json: String,
}

/// The steps of a stored transcript.
pub fn entries(stored: &str) -> Vec<TraceEntry> {
    transcript::read(stored).into_iter().map(step).collect()
}

fn step(stored: StoredEntry) -> TraceEntry {
    let (title, body) = match &stored.entry {
        Some(entry) => describe(entry),
        // Written by another version: its kind, and the JSON below.
        None => (
            stored.json["kind"].as_str().unwrap_or("entry").to_owned(),
            String::new(),
        ),
    };
    TraceEntry {
        title,
        body,
        json: serde_json::to_string_pretty(&stored.json).unwrap_or_default(),
    }
}

/// A step's line and the text behind it.
fn describe(entry: &TranscriptEntry) -> (String, String) {
    match entry {
        TranscriptEntry::Request {
            purpose: Some(Purpose::Distill),
            ..
        } => (
            "Asked the model what the feedback teaches about your style".to_owned(),
            String::new(),
        ),
        TranscriptEntry::Request {
            turn,
            purpose: None,
            messages,
            ..
        } => {
            let count = messages.len();
            (
                format!(
                    "{}sent the model {count} message{}",
                    turn_prefix(*turn),
                    plural(count)
                ),
                String::new(),
            )
        }
        TranscriptEntry::Response {
            purpose: Some(Purpose::Distill),
            message,
            ..
        } => distilled(message.as_deref()),
        TranscriptEntry::Response {
            turn,
            purpose: None,
            message,
            usage,
            elapsed_ms,
            ..
        } => {
            let turn = turn_prefix(*turn);
            let elapsed = seconds(*elapsed_ms);
            let tokens = usage
                .as_ref()
                .map(|u| format!(", {} tokens", u.total_tokens))
                .unwrap_or_default();
            let calls = message.as_deref().map(call_names).unwrap_or_default();
            let title = if calls.is_empty() {
                format!("{turn}the model answered in prose{elapsed}{tokens}")
            } else {
                format!(
                    "{turn}the model called {}{elapsed}{tokens}",
                    calls.join(", ")
                )
            };
            (title, content(message.as_deref()))
        }
        TranscriptEntry::Tool {
            turn,
            name,
            arguments,
            result,
        } => {
            let turn = turn_prefix(Some(*turn));
            let title = match name.parse::<Tool>() {
                Ok(Tool::SuggestDraft) => format!("{turn}proposed a draft (suggest_draft)"),
                Ok(Tool::EndWork) => format!("{turn}decided no reply is needed (end_work)"),
                Ok(Tool::SearchPastMessages | Tool::GetThread) => {
                    format!("{turn}looked up {name}({arguments})")
                }
                Err(_) => format!("{turn}called {name}({arguments}), which is no tool"),
            };
            (title, result.clone())
        }
        TranscriptEntry::Error {
            purpose: Some(Purpose::Distill),
            error,
            ..
        } => (
            "Could not learn from the feedback (the revision stands)".to_owned(),
            error.clone(),
        ),
        TranscriptEntry::Error {
            turn,
            purpose: None,
            error,
            ..
        } => (format!("{}error", turn_prefix(*turn)), error.clone()),
        TranscriptEntry::Offline { rule, note, .. } => (
            format!("The offline drafter applied its rule \u{201c}{rule}\u{201d}"),
            note.clone(),
        ),
        TranscriptEntry::Distill { note, .. } => match note {
            Some(note) => (
                "Kept a style note from the feedback".to_owned(),
                note.clone(),
            ),
            None => (
                "The feedback taught nothing lasting about your style".to_owned(),
                String::new(),
            ),
        },
    }
}

#[derive(serde::Deserialize)]
struct NoteArgs {
    note: String,
}

/// The model's answer about feedback: the note it asked to keep, or that there is none.
fn distilled(message: Option<&ChatCompletionResponseMessage>) -> (String, String) {
    let calls = message.map(call_names).unwrap_or_default();
    let asked = |tool: DistillTool| calls.iter().any(|c| DistillTool::parse(c) == Some(tool));
    if asked(DistillTool::RememberStyle) {
        let note = message
            .and_then(|m| m.tool_calls.as_deref())
            .unwrap_or_default()
            .iter()
            .find_map(|call| match call {
                ChatCompletionMessageToolCalls::Function(f)
                    if f.function.name == DistillTool::RememberStyle.name() =>
                {
                    serde_json::from_str::<NoteArgs>(&f.function.arguments)
                        .ok()
                        .map(|args| args.note)
                }
                _ => None,
            })
            .unwrap_or_default();
        ("The model found a style note to keep".to_owned(), note)
    } else if asked(DistillTool::NothingToRemember) {
        (
            "The model found nothing lasting in the feedback".to_owned(),
            String::new(),
        )
    } else {
        (
            "The model answered about the feedback without a tool call".to_owned(),
            content(message),
        )
    }
}

fn call_names(message: &ChatCompletionResponseMessage) -> Vec<&str> {
    message
        .tool_calls
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|call| match call {
            ChatCompletionMessageToolCalls::Function(f) => f.function.name.as_str(),
            ChatCompletionMessageToolCalls::Custom(c) => c.custom_tool.name.as_str(),
        })
        .collect()
}

fn content(message: Option<&ChatCompletionResponseMessage>) -> String {
    message.and_then(|m| m.content.clone()).unwrap_or_default()
}

fn turn_prefix(turn: Option<u32>) -> String {
    turn.map(|t| format!("Turn {}: ", u64::from(t) + 1))
        .unwrap_or_default()
}

fn seconds(elapsed_ms: Option<u64>) -> String {
    elapsed_ms
        .map(|ms| format!(" ({:.1} s)", ms as f64 / 1000.0))
        .unwrap_or_default()
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;
