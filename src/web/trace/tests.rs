use serde_json::json;

use super::*;

fn titles(stored: serde_json::Value) -> Vec<(String, String)> {
    entries(&stored.to_string())
        .into_iter()
        .map(|e| (e.title, e.body))
        .collect()
}

fn call(name: &str, arguments: &str) -> serde_json::Value {
    json!({"type": "function", "id": "call_1", "function": {"name": name, "arguments": arguments}})
}

#[test]
fn every_kind_of_entry_has_its_own_words() {
    let steps = titles(json!([
        {"kind": "request", "turn": 0, "model": "m",
         "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
         "tools": null},
        {"kind": "response", "turn": 0,
         "message": {"role": "assistant", "tool_calls": [call("get_thread", "{}")]},
         "finish_reason": "tool_calls",
         "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
         "elapsed_ms": 1500},
        {"kind": "response", "turn": 1, "message": {"role": "assistant", "content": "Hmm."},
         "usage": null},
        {"kind": "tool", "turn": 0, "name": "get_thread", "arguments": "{\"thread_name\":\"Bo\"}",
         "result": "Conversation \"Bo\""},
        {"kind": "tool", "turn": 1, "name": "suggest_draft", "arguments": "{}", "result": "draft stored"},
        {"kind": "tool", "turn": 1, "name": "end_work", "arguments": "{}", "result": "done"},
        {"kind": "tool", "turn": 1, "name": "send_email", "arguments": "{}", "result": "error: there is no tool"},
        {"kind": "error", "turn": 2, "error": "the model server answered 502"},
        {"kind": "offline", "note": "simple rules", "rule": "revise",
         "decision": {"suggest_draft": "Hi"}},
        {"kind": "request", "purpose": "distill", "messages": []},
        {"kind": "response", "purpose": "distill",
         "message": {"role": "assistant", "tool_calls": [call("remember_style", "{\"note\":\"Sign as J.\"}")]},
         "usage": null},
        {"kind": "response", "purpose": "distill",
         "message": {"role": "assistant", "tool_calls": [call("nothing_to_remember", "{}")]},
         "usage": null},
        {"kind": "response", "purpose": "distill",
         "message": {"role": "assistant", "content": "I think brevity."}, "usage": null},
        {"kind": "error", "purpose": "distill", "error": "the model did not answer in time"},
        {"kind": "distill", "offline": true, "feedback": "always sign as J.", "note": "Sign as J."},
        {"kind": "distill", "offline": true, "feedback": "Tuesday instead", "note": null},
    ]));
    let expected = [
        ("Turn 1: sent the model 2 messages", ""),
        (
            "Turn 1: the model called get_thread (1.5 s), 120 tokens",
            "",
        ),
        ("Turn 2: the model answered in prose", "Hmm."),
        (
            "Turn 1: looked up get_thread({\"thread_name\":\"Bo\"})",
            "Conversation \"Bo\"",
        ),
        ("Turn 2: proposed a draft (suggest_draft)", "draft stored"),
        ("Turn 2: decided no reply is needed (end_work)", "done"),
        (
            "Turn 2: called send_email({}), which is no tool",
            "error: there is no tool",
        ),
        ("Turn 3: error", "the model server answered 502"),
        (
            "The offline drafter applied its rule \u{201c}revise\u{201d}",
            "simple rules",
        ),
        (
            "Asked the model what the feedback teaches about your style",
            "",
        ),
        ("The model found a style note to keep", "Sign as J."),
        ("The model found nothing lasting in the feedback", ""),
        (
            "The model answered about the feedback without a tool call",
            "I think brevity.",
        ),
        (
            "Could not learn from the feedback (the revision stands)",
            "the model did not answer in time",
        ),
        ("Kept a style note from the feedback", "Sign as J."),
        ("The feedback taught nothing lasting about your style", ""),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(t, b)| ((*t).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(steps, expected);
}

#[test]
fn an_entry_of_an_unknown_shape_shows_its_kind_and_json() {
    let shown = entries(&json!([{"kind": "from the future", "x": 1}, {"no": "kind"}]).to_string());
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].title, "from the future");
    assert!(shown[0].json.contains("\"x\": 1"), "{}", shown[0].json);
    assert_eq!(shown[1].title, "entry");
}
