use serde_json::json;

use super::*;

/// A transcript as draftdesk wrote it before the transcript was an enum: a drafting run
/// that looked something up and proposed a draft, a revision's distillation by the model
/// (asked, answered, failed), a stopped run, and the offline drafter's two entries.
fn stored_before_the_enum() -> Value {
    let call = json!({
        "type": "function", "id": "call_1",
        "function": {"name": "search_past_messages", "arguments": "{\"query\":\"rate\"}"},
    });
    json!([
        {"kind": "request", "turn": 0, "model": "test/model",
         "messages": [{"role": "system", "content": "You draft replies."},
                      {"role": "user", "content": "Conversation \"Anna\""}],
         "tools": [{"type": "function", "function": {
             "name": "suggest_draft", "description": "Propose the reply to send. Ends your work.",
             "parameters": {"type": "object", "properties": {"draft_content": {"type": "string"}},
                            "required": ["draft_content"], "additionalProperties": false}}}]},
        {"kind": "response", "turn": 0,
         "message": {"role": "assistant", "tool_calls": [call]},
         "finish_reason": "tool_calls",
         "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
         "elapsed_ms": 1234},
        {"kind": "tool", "turn": 0, "name": "search_past_messages",
         "arguments": "{\"query\":\"rate\"}", "result": "No similar messages found."},
        {"kind": "request", "turn": 1, "model": "test/model",
         "messages": [{"role": "assistant", "content": null, "tool_calls": [call]},
                      {"role": "tool", "tool_call_id": "call_1", "content": "No similar messages found."}],
         "tools": null},
        {"kind": "response", "turn": 1, "message": null, "finish_reason": null, "usage": null,
         "elapsed_ms": 5},
        {"kind": "error", "turn": 1, "error": "the model server answered 502", "elapsed_ms": 7},
        {"kind": "error", "error": "the agent run took longer than 300 s (AGENT_RUN_TIMEOUT_SECS) and was stopped"},
        {"kind": "request", "purpose": "distill",
         "messages": [{"role": "system", "content": "Distill."},
                      {"role": "user", "content": "<feedback>\nshorter\n</feedback>"}]},
        {"kind": "response", "purpose": "distill",
         "message": {"role": "assistant", "content": "Noted."},
         "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}},
        {"kind": "error", "purpose": "distill", "error": "the model did not answer in time"},
        {"kind": "offline",
         "note": "drafted by the offline drafter (no model configured): simple rules, a templated reply",
         "rule": "closing message",
         "decision": {"end_work": "the conversation has come to a natural end"}},
        {"kind": "distill", "offline": true, "feedback": "always sign as J.", "note": null},
    ])
}

#[test]
fn a_transcript_stored_before_the_enum_reads_entry_by_entry() {
    let stored = stored_before_the_enum().to_string();
    let entries = read(&stored);
    assert_eq!(entries.len(), 12);
    for stored in &entries {
        assert!(stored.entry.is_some(), "unreadable: {}", stored.json);
    }
    let entries: Vec<TranscriptEntry> = entries.into_iter().filter_map(|e| e.entry).collect();
    assert!(matches!(
        &entries[0],
        TranscriptEntry::Request { turn: Some(0), purpose: None, messages, tools: Some(tools), .. }
            if messages.len() == 2 && tools.len() == 1
    ));
    assert!(matches!(
        &entries[1],
        TranscriptEntry::Response { message: Some(m), elapsed_ms: Some(1234), .. }
            if m.tool_calls.as_ref().is_some_and(|c| c.len() == 1)
    ));
    assert!(matches!(
        &entries[3],
        TranscriptEntry::Request { tools: None, .. }
    ));
    assert!(matches!(
        &entries[4],
        TranscriptEntry::Response { message: None, .. }
    ));
    assert!(matches!(
        &entries[7],
        TranscriptEntry::Request {
            purpose: Some(Purpose::Distill),
            turn: None,
            ..
        }
    ));
    assert!(matches!(
        &entries[9],
        TranscriptEntry::Error {
            purpose: Some(Purpose::Distill),
            ..
        }
    ));
    assert_eq!(
        entries[10],
        TranscriptEntry::Offline {
            rule: "closing message".to_owned(),
            note: "drafted by the offline drafter (no model configured): simple rules, a \
                   templated reply"
                .to_owned(),
            decision: OfflineDecision::EndWork(
                "the conversation has come to a natural end".to_owned()
            ),
        }
    );
    assert_eq!(
        entries[11],
        TranscriptEntry::Distill {
            offline: true,
            feedback: "always sign as J.".to_owned(),
            note: None,
        }
    );
}

#[test]
fn entries_written_now_read_back_the_same() {
    let stored = stored_before_the_enum().to_string();
    let entries: Vec<TranscriptEntry> = read(&stored).into_iter().filter_map(|e| e.entry).collect();
    let again: Vec<TranscriptEntry> = read(&write(&entries))
        .into_iter()
        .filter_map(|e| e.entry)
        .collect();
    assert_eq!(again, entries);
}

#[test]
fn what_is_written_keeps_the_stored_shape() {
    let entry = TranscriptEntry::Tool {
        turn: 2,
        name: "get_thread".to_owned(),
        arguments: "{}".to_owned(),
        result: "error".to_owned(),
    };
    let written: Value = serde_json::from_str(&write(&[entry])).expect("JSON");
    assert_eq!(
        written,
        json!([{"kind": "tool", "turn": 2, "name": "get_thread", "arguments": "{}", "result": "error"}])
    );
    let decision = OfflineDecision::SuggestDraft("Hi".to_owned());
    assert_eq!(
        serde_json::to_value(decision).expect("JSON"),
        json!({"suggest_draft": "Hi"})
    );
}

#[test]
fn an_entry_that_does_not_read_keeps_its_json_and_the_rest_still_read() {
    let stored = json!([
        {"kind": "a kind from the future", "x": 1},
        {"kind": "tool", "turn": "not a number"},
        {"kind": "error", "error": "boom"},
    ])
    .to_string();
    let entries = read(&stored);
    assert_eq!(entries.len(), 3);
    assert!(entries[0].entry.is_none() && entries[0].json["x"] == 1);
    assert!(entries[1].entry.is_none());
    assert!(matches!(
        entries[2].entry,
        Some(TranscriptEntry::Error { .. })
    ));
    assert!(read("not json").is_empty());
    assert!(read("").is_empty());
}
