//! The agent's tools: their names, their definitions for the model, and running the ones
//! that look things up. The two that end a run (`suggest_draft`, `end_work`) are handled
//! by the loop.

use std::str::FromStr;

use async_openai::types::chat::{ChatCompletionTool, ChatCompletionTools, FunctionObject};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Task;
use super::context::{data, neutralise, render_thread};
use crate::db::precedents::{self, NewPrecedent};
use crate::db::{self, Db};

/// The tools of a drafting run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    SuggestDraft,
    EndWork,
    SearchPastMessages,
    GetThread,
}

impl Tool {
    pub const ALL: [Tool; 4] = [
        Tool::SuggestDraft,
        Tool::EndWork,
        Tool::SearchPastMessages,
        Tool::GetThread,
    ];

    /// The name the model calls it by.
    pub fn name(self) -> &'static str {
        match self {
            Tool::SuggestDraft => "suggest_draft",
            Tool::EndWork => "end_work",
            Tool::SearchPastMessages => "search_past_messages",
            Tool::GetThread => "get_thread",
        }
    }

    fn definition(self) -> ChatCompletionTools {
        match self {
            Tool::SuggestDraft => function(
                self.name(),
                "Propose the reply to send. Ends your work.",
                json!({"draft_content": {"type": "string", "description": "The reply, exactly as it would be sent."}}),
            ),
            Tool::EndWork => function(
                self.name(),
                "Finish without a draft because no reply is needed now. Ends your work.",
                json!({"reason": {"type": "string", "description": "Why no reply is needed, in one sentence."}}),
            ),
            Tool::SearchPastMessages => function(
                self.name(),
                "Search the user's other conversations for similar messages and how the user answered them; approved replies come first.",
                json!({"query": {"type": "string", "description": "Words to look for, e.g. 'pricing consulting rate'."}}),
            ),
            Tool::GetThread => function(
                self.name(),
                "Read another of the user's conversations in full, by its name.",
                json!({"thread_name": {"type": "string", "description": "The conversation's name."}}),
            ),
        }
    }
}

/// A name the model called that is no drafting tool; its text is the answer the model
/// gets, so it can pick one that exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "error: there is no tool named '{0}'; the tools are suggest_draft, end_work, \
     search_past_messages and get_thread"
)]
pub struct UnknownTool(pub String);

impl FromStr for Tool {
    type Err = UnknownTool;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Tool::ALL
            .into_iter()
            .find(|tool| tool.name() == name)
            .ok_or_else(|| UnknownTool(name.to_owned()))
    }
}

/// The tools of distilling feedback into a style note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistillTool {
    RememberStyle,
    NothingToRemember,
}

impl DistillTool {
    pub const ALL: [DistillTool; 2] = [DistillTool::RememberStyle, DistillTool::NothingToRemember];

    pub fn name(self) -> &'static str {
        match self {
            DistillTool::RememberStyle => "remember_style",
            DistillTool::NothingToRemember => "nothing_to_remember",
        }
    }

    /// The tool of this name, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tool| tool.name() == name)
    }

    fn definition(self) -> ChatCompletionTools {
        match self {
            DistillTool::RememberStyle => function(
                self.name(),
                "Keep a lasting preference about how the user writes.",
                json!({"note": {"type": "string", "description": "One short instruction, e.g. 'Keep replies short.'"}}),
            ),
            DistillTool::NothingToRemember => function(
                self.name(),
                "The feedback holds no lasting preference.",
                json!({}),
            ),
        }
    }
}

/// The tool definitions sent with every drafting request.
pub fn definitions(may_decline: bool) -> Vec<ChatCompletionTools> {
    Tool::ALL
        .into_iter()
        // Left out when the reviewer asked for a reply: the run must end with a draft.
        .filter(|tool| may_decline || *tool != Tool::EndWork)
        .map(Tool::definition)
        .collect()
}

/// The tool definitions for distilling feedback into a style note.
pub fn distill_definitions() -> Vec<ChatCompletionTools> {
    DistillTool::ALL
        .into_iter()
        .map(DistillTool::definition)
        .collect()
}

/// A function tool whose arguments are all required strings (`properties`), and nothing
/// else: strict, so that a model's stray field comes back to it as an error.
fn function(name: &str, description: &str, properties: Value) -> ChatCompletionTools {
    let required: Vec<&String> = properties
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    ChatCompletionTools::Function(ChatCompletionTool {
        function: FunctionObject {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            // A JSON Schema is itself JSON: async-openai takes it as a value.
            parameters: Some(json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })),
            strict: None,
        },
    })
}

/// A tool call's arguments, read strictly: a field missing or of the wrong type is an
/// error that goes back to the model, so it can correct itself.
pub fn arguments<T: for<'de> Deserialize<'de>>(name: &str, raw: &str) -> Result<T, String> {
    let raw = if raw.trim().is_empty() { "{}" } else { raw };
    // A NUL in what the model wrote cannot be stored (on PostgreSQL) and is never meant.
    let raw = crate::nul::strip_from_json(raw);
    serde_json::from_str(&raw).map_err(|e| {
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

/// Runs `search_past_messages`, adding what it returns to `found`; `Err` is a database
/// failure, tool errors are `Ok` text for the model.
pub async fn search_past_messages(
    db: &Db,
    task: &Task<'_>,
    raw_arguments: &str,
    found: &mut Vec<NewPrecedent>,
) -> Result<String, sqlx::Error> {
    match arguments::<SearchArgs>(Tool::SearchPastMessages.name(), raw_arguments) {
        Ok(args) => search(db, task, &args.query, found).await,
        Err(message) => Ok(message),
    }
}

/// Runs `get_thread`, as [`search_past_messages`].
pub async fn get_thread(
    db: &Db,
    task: &Task<'_>,
    raw_arguments: &str,
    found: &mut Vec<NewPrecedent>,
) -> Result<String, sqlx::Error> {
    match arguments::<ThreadArgs>(Tool::GetThread.name(), raw_arguments) {
        Ok(args) => read_thread(db, task, &args.thread_name, found).await,
        Err(message) => Ok(message),
    }
}

async fn search(
    db: &Db,
    task: &Task<'_>,
    query: &str,
    found: &mut Vec<NewPrecedent>,
) -> Result<String, sqlx::Error> {
    let Some(fts) = db::search::fts_query(query) else {
        return Ok("error: the query has no words to search for".to_owned());
    };
    let user = task.user.id;
    let thread = task.thread.id;
    let approved =
        db::search::approved(db.read(), user, thread, &fts, SEARCH_APPROVED, task.as_of).await?;
    let exchanges =
        db::search::exchanges(db.read(), user, thread, &fts, SEARCH_EXCHANGES, task.as_of).await?;
    for a in &approved {
        precedents::note(found, NewPrecedent::approved(a));
    }
    for e in &exchanges {
        precedents::note(found, NewPrecedent::exchange(e));
    }
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

async fn read_thread(
    db: &Db,
    task: &Task<'_>,
    name: &str,
    found: &mut Vec<NewPrecedent>,
) -> Result<String, sqlx::Error> {
    let Some(thread) = db::threads::find_by_name(db.read(), task.user.id, name.trim()).await?
    else {
        return Ok(format!(
            "error: the user has no conversation named \"{}\"",
            data(name)
        ));
    };
    let mut messages = db::messages::list_thread(db.read(), thread.id).await?;
    if let Some(as_of) = task.as_of {
        // A replay sees the conversation as it was then.
        messages.retain(|m| m.id <= as_of.newest_message);
        if messages.is_empty() {
            return Ok(format!(
                "error: the user has no conversation named \"{}\"",
                data(name)
            ));
        }
    }
    // The conversation being answered is the task, not a precedent: never excluded.
    if thread.id != task.thread.id {
        if precedents::thread_excluded(db.read(), task.user.id, thread.id, task.thread.id).await? {
            return Ok(format!(
                "error: the user asked not to use the conversation \"{}\" here",
                data(&thread.name)
            ));
        }
        precedents::note(found, NewPrecedent::thread(thread.id, &messages));
    }
    Ok(format!(
        "Conversation \"{}\":\n{}",
        data(&thread.name),
        render_thread(&messages)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_parses_to_its_tool_and_an_unknown_one_answers_the_model() {
        for tool in Tool::ALL {
            assert_eq!(tool.name().parse::<Tool>(), Ok(tool));
        }
        let unknown = "send_email".parse::<Tool>().expect_err("no such tool");
        assert_eq!(
            unknown.to_string(),
            "error: there is no tool named 'send_email'; the tools are suggest_draft, \
             end_work, search_past_messages and get_thread"
        );
        // The distilling tools are not drafting tools, and the other way round.
        assert!("remember_style".parse::<Tool>().is_err());
        assert_eq!(DistillTool::parse("suggest_draft"), None);
        assert_eq!(
            DistillTool::parse("remember_style"),
            Some(DistillTool::RememberStyle)
        );
    }

    #[test]
    fn the_definitions_go_over_the_wire_as_plain_function_tools() {
        let sent = serde_json::to_value(definitions(true)).expect("JSON");
        assert_eq!(
            sent[0],
            json!({
                "type": "function",
                "function": {
                    "name": "suggest_draft",
                    "description": "Propose the reply to send. Ends your work.",
                    "parameters": {
                        "type": "object",
                        "properties": {"draft_content": {
                            "type": "string",
                            "description": "The reply, exactly as it would be sent.",
                        }},
                        "required": ["draft_content"],
                        "additionalProperties": false,
                    },
                },
            })
        );
        let names = |tools: Vec<ChatCompletionTools>| -> Vec<Value> {
            let tools = serde_json::to_value(tools).expect("JSON");
            tools
                .as_array()
                .map(|t| t.iter().map(|t| t["function"]["name"].clone()).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            names(definitions(false)),
            [
                json!("suggest_draft"),
                json!("search_past_messages"),
                json!("get_thread")
            ]
        );
        let distill = serde_json::to_value(distill_definitions()).expect("JSON");
        assert_eq!(
            distill[1]["function"]["parameters"],
            json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false})
        );
    }
}
