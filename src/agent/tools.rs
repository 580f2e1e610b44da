//! The agent's tools: their definitions for the model, and running the ones that look
//! things up. The two that end a run (`suggest_draft`, `end_work`) are handled by the loop.

use serde::Deserialize;
use serde_json::{Value, json};

use super::Task;
use super::context::{data, neutralise, render_thread};
use crate::db::{self, Db};

/// The tool definitions sent with every drafting request.
pub fn definitions(may_decline: bool) -> Value {
    let mut tools = vec![function(
        "suggest_draft",
        "Propose the reply to send. Ends your work.",
        json!({"draft_content": {"type": "string", "description": "The reply, exactly as it would be sent."}}),
    )];
    // Left out when the reviewer asked for a reply: the run must end with a draft.
    if may_decline {
        tools.push(function(
            "end_work",
            "Finish without a draft because no reply is needed now. Ends your work.",
            json!({"reason": {"type": "string", "description": "Why no reply is needed, in one sentence."}}),
        ));
    }
    if let Value::Array(lookups) = lookup_definitions() {
        tools.extend(lookups);
    }
    Value::Array(tools)
}

/// The tools that look things up without ending the run.
fn lookup_definitions() -> Value {
    json!([
        function(
            "search_past_messages",
            "Search the user's other conversations for similar messages and how the user answered them; approved replies come first.",
            json!({"query": {"type": "string", "description": "Words to look for, e.g. 'pricing consulting rate'."}}),
        ),
        function(
            "get_thread",
            "Read another of the user's conversations in full, by its name.",
            json!({"thread_name": {"type": "string", "description": "The conversation's name."}}),
        ),
    ])
}

/// The tool definitions for distilling feedback into a style note.
pub fn distill_definitions() -> Value {
    json!([
        function(
            "remember_style",
            "Keep a lasting preference about how the user writes.",
            json!({"note": {"type": "string", "description": "One short instruction, e.g. 'Keep replies short.'"}}),
        ),
        function(
            "nothing_to_remember",
            "The feedback holds no lasting preference.",
            json!({})
        ),
    ])
}

fn function(name: &str, description: &str, properties: Value) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    json!({
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            },
        },
    })
}

/// A tool call's arguments, read strictly: a field missing or of the wrong type is an
/// error that goes back to the model, so it can correct itself.
pub fn arguments<T: for<'de> Deserialize<'de>>(name: &str, raw: &str) -> Result<T, String> {
    let raw = if raw.trim().is_empty() { "{}" } else { raw };
    serde_json::from_str(raw).map_err(|e| {
        format!("error: the arguments of {name} could not be read ({e}); send a JSON object as the tool's schema describes")
    })
}

#[derive(Deserialize)]
struct SearchArgs {
    query: String,
}

#[derive(Deserialize)]
struct ThreadArgs {
    thread_name: String,
}

/// How many results of each kind a search returns.
const SEARCH_APPROVED: i64 = 3;
const SEARCH_EXCHANGES: i64 = 5;

/// Runs a lookup tool; `Err` is a database failure, tool errors are `Ok` text for the model.
pub async fn run_lookup(
    db: &Db,
    task: &Task<'_>,
    name: &str,
    raw_arguments: &str,
) -> Result<String, sqlx::Error> {
    match name {
        "search_past_messages" => match arguments::<SearchArgs>(name, raw_arguments) {
            Ok(args) => search(db, task, &args.query).await,
            Err(message) => Ok(message),
        },
        "get_thread" => match arguments::<ThreadArgs>(name, raw_arguments) {
            Ok(args) => get_thread(db, task, &args.thread_name).await,
            Err(message) => Ok(message),
        },
        other => Ok(format!(
            "error: there is no tool named '{other}'; the tools are suggest_draft, end_work, \
             search_past_messages and get_thread"
        )),
    }
}

async fn search(db: &Db, task: &Task<'_>, query: &str) -> Result<String, sqlx::Error> {
    let Some(fts) = db::search::fts_query(query) else {
        return Ok("error: the query has no words to search for".to_owned());
    };
    let user = task.user.id;
    let thread = task.thread.id;
    let approved = db::search::approved(&db.read, user, thread, &fts, SEARCH_APPROVED).await?;
    let exchanges = db::search::exchanges(&db.read, user, thread, &fts, SEARCH_EXCHANGES).await?;
    if approved.is_empty() && exchanges.is_empty() {
        return Ok(format!(
            "No similar messages found for \"{}\".",
            data(query)
        ));
    }
    let mut text = String::new();
    if !approved.is_empty() {
        text.push_str("Replies the user approved before (their voice):\n");
        for (i, a) in approved.iter().enumerate() {
            text.push_str(&format!(
                "{}. In \"{}\":\n<reply>\n{}\n</reply>\n",
                i + 1,
                data(&a.thread_name),
                data(&a.text)
            ));
        }
    }
    if !exchanges.is_empty() {
        text.push_str("Similar messages in other conversations and the user's answer:\n");
        for (i, e) in exchanges.iter().enumerate() {
            text.push_str(&format!(
                "{}. In \"{}\", {} wrote:\n<message>\n{}\n</message>\n",
                i + 1,
                data(&e.thread_name),
                data(&neutralise(&e.sender_name)),
                data(&neutralise(&e.message))
            ));
            match &e.reply {
                Some(reply) => text.push_str(&format!(
                    "The user answered:\n<reply>\n{}\n</reply>\n",
                    data(reply)
                )),
                None => text.push_str("The user did not answer it.\n"),
            }
        }
    }
    Ok(text)
}

async fn get_thread(db: &Db, task: &Task<'_>, name: &str) -> Result<String, sqlx::Error> {
    let Some(thread) = db::threads::find_by_name(&db.read, task.user.id, name.trim()).await? else {
        return Ok(format!(
            "error: the user has no conversation named \"{}\"",
            data(name)
        ));
    };
    let messages = db::messages::list_thread(&db.read, thread.id).await?;
    Ok(format!(
        "Conversation \"{}\":\n{}",
        data(&thread.name),
        render_thread(&messages)
    ))
}
