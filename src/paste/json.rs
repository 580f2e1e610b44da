//! The app's own message list pasted back: `[{"message_id"?, "sender_name", "date"?,
//! "time"?, "message_content"}, …]` or `{"messages": [...]}`. Other fields are ignored.

use serde_json::Value;

use super::text::{Ctx, Draft, day_label, stamp};

pub(super) enum Outcome {
    /// The text does not start like JSON.
    NotJson,
    /// It starts like JSON but is not a readable message list; the reason is for a warning.
    Invalid(String),
    Messages(Vec<Draft>),
}

fn text_field(item: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match item.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn parse(input: &str, ctx: &mut Ctx) -> Outcome {
    let trimmed = input.trim_start();
    // WhatsApp's `[25/11/2026, …]` also opens with a bracket; a JSON list of messages has an
    // object (or nothing) right after it.
    let looks_like_json = match trimmed.strip_prefix('[') {
        Some(rest) => rest.trim_start().starts_with(['{', ']']) || rest.trim().is_empty(),
        None => trimmed.starts_with('{'),
    };
    if !looks_like_json {
        return Outcome::NotJson;
    }
    let value: Value = match serde_json::from_str(trimmed) {
        Ok(value) => value,
        Err(e) => return Outcome::Invalid(e.to_string()),
    };
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) => match object.remove("messages") {
            Some(Value::Array(items)) => items,
            _ => return Outcome::Invalid("no \"messages\" list".to_string()),
        },
        _ => return Outcome::Invalid("not a list of messages".to_string()),
    };
    let mut drafts = Vec::new();
    let mut unreadable = 0;
    for item in &items {
        let Value::Object(item) = item else {
            unreadable += 1;
            continue;
        };
        let (Some(sender), Some(content)) = (
            text_field(item, "sender_name"),
            text_field(item, "message_content"),
        ) else {
            unreadable += 1;
            continue;
        };
        let mut draft = Draft::new(&sender);
        draft.message_id = text_field(item, "message_id");
        draft.date = text_field(item, "date").unwrap_or_default();
        draft.time = text_field(item, "time").unwrap_or_default();
        let day = day_label(&draft.date, ctx.reference);
        if draft.date.trim().is_empty() || day.is_some() {
            draft.timestamp = stamp(day, &draft.time, ctx.reference);
        }
        draft.push_line(&content);
        drafts.push(draft);
    }
    if drafts.is_empty() {
        return Outcome::Invalid("no item has \"sender_name\" and \"message_content\"".to_string());
    }
    if unreadable > 0 {
        ctx.warn(
            0,
            format!(
                "{unreadable} item(s) without \"sender_name\" and \"message_content\" were left out"
            ),
        );
    }
    Outcome::Messages(drafts)
}
