//! The agent: decides whether a thread needs a reply and drafts it in the user's voice.
//!
//! With a model configured it runs a tool-calling loop (see `prompts/`); without one it
//! uses the offline drafter's simple rules. Both give a [`RunReport`] with a transcript,
//! so jobs store every run the same way.

mod context;
pub mod offline;
mod tools;

use std::time::{Duration, Instant};

use tokio::time::timeout_at;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::messages::Message;
use crate::db::threads::Thread;
use crate::db::users::User;
use crate::db::{self, Db};
use crate::llm::{LlmClient, LlmError};

/// The model name recorded for runs of the offline drafter.
pub const OFFLINE_MODEL: &str = "offline drafter";

/// What the agent works on.
#[derive(Debug)]
pub struct Task<'a> {
    pub user: &'a User,
    pub thread: &'a Thread,
    /// The thread in conversation order.
    pub messages: &'a [Message],
    /// Set when revising a draft from feedback.
    pub revision: Option<Revision<'a>>,
    /// The reviewer asked for a reply after a run decided none was needed ("Draft
    /// anyway"): the run must end with a draft.
    pub reply_requested: bool,
}

/// A draft to revise and the reviewer's feedback.
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    pub draft: &'a str,
    pub feedback: &'a str,
}

/// How a run ended when it ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Draft(String),
    NoReply(String),
}

/// Everything a run produced, for the job to store.
#[derive(Debug)]
pub struct RunReport {
    pub result: Result<Decision, LlmError>,
    pub transcript: Vec<Value>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// For the reviewer: a message in the thread reads like instructions to the assistant.
    pub warning: Option<String>,
}

/// Who does the thinking.
#[derive(Debug, Clone)]
enum Brain {
    Model(Box<LlmClient>),
    Offline,
}

/// The agent, shared by all workers.
#[derive(Debug, Clone)]
pub struct Agent {
    brain: Brain,
    db: Db,
    max_iterations: u32,
    /// How long one run may take in all (`AGENT_RUN_TIMEOUT_SECS`).
    run_timeout: Duration,
}

/// Ready-made results of reading a tool call out of a model answer.
struct ToolCall {
    id: String,
    name: String,
    arguments: String,
}

impl Agent {
    /// An agent on the given model, or the offline drafter when `llm` is `None`; a run
    /// stops after `max_iterations` model turns or `run_timeout`, whichever comes first.
    pub fn new(llm: Option<LlmClient>, db: Db, max_iterations: u32, run_timeout: Duration) -> Self {
        Self {
            brain: llm.map_or(Brain::Offline, |llm| Brain::Model(Box::new(llm))),
            db,
            max_iterations,
            run_timeout,
        }
    }

    /// When a run that starts now must be over: pass it to [`Agent::run`] and, for the
    /// same job, [`Agent::distill`].
    pub fn deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.run_timeout
    }

    /// The error of a run stopped at its deadline: worth another attempt, like a timeout.
    fn out_of_time(&self, report: &mut RunReport) -> LlmError {
        let error = format!(
            "the agent run took longer than {} s (AGENT_RUN_TIMEOUT_SECS) and was stopped",
            self.run_timeout.as_secs()
        );
        report
            .transcript
            .push(json!({ "kind": "error", "error": error }));
        LlmError::Transient {
            message: error,
            retry_after: None,
        }
    }

    pub fn is_offline(&self) -> bool {
        matches!(self.brain, Brain::Offline)
    }

    /// The model name runs record.
    pub fn model_name(&self) -> &str {
        match &self.brain {
            Brain::Model(llm) => llm.model(),
            Brain::Offline => OFFLINE_MODEL,
        }
    }

    /// Runs the agent on a task, stopping it at `deadline`.
    pub async fn run(&self, task: &Task<'_>, deadline: tokio::time::Instant) -> RunReport {
        let mut report = match &self.brain {
            Brain::Offline => offline::run(task),
            Brain::Model(llm) => self.run_model(llm, task, deadline).await,
        };
        report.warning = context::instruction_warning(task.messages);
        report
    }

    async fn run_model(
        &self,
        llm: &LlmClient,
        task: &Task<'_>,
        deadline: tokio::time::Instant,
    ) -> RunReport {
        let mut report = RunReport {
            result: Err(LlmError::Permanent("the run did not start".to_owned())),
            transcript: Vec::new(),
            prompt_tokens: 0,
            completion_tokens: 0,
            warning: None,
        };
        let examples = match db::search::recent_approved(&self.db.read, task.user.id, 3).await {
            Ok(examples) => examples,
            Err(error) => {
                report.result = Err(database_failure(&error));
                return report;
            }
        };
        let mut messages = context::opening_messages(task, &examples);
        let tools = tools::definitions(!task.reply_requested);
        let mut sent = 0;
        for turn in 0..self.max_iterations {
            let request = json!({ "messages": messages, "tools": tools, "tool_choice": "auto" });
            report.transcript.push(json!({
                "kind": "request",
                "turn": turn,
                "model": llm.model(),
                "messages": messages[sent..],
                "tools": if turn == 0 { tools.clone() } else { Value::Null },
            }));
            sent = messages.len();
            let started = Instant::now();
            let response = match timeout_at(deadline, llm.complete(request)).await {
                Ok(Ok(response)) => response,
                Ok(Err(error)) => {
                    report.transcript.push(json!({
                        "kind": "error", "turn": turn, "error": error.to_string(),
                        "elapsed_ms": elapsed_ms(started),
                    }));
                    report.result = Err(error);
                    return report;
                }
                Err(_) => {
                    report.result = Err(self.out_of_time(&mut report));
                    return report;
                }
            };
            report.prompt_tokens += response["usage"]["prompt_tokens"].as_i64().unwrap_or(0);
            report.completion_tokens +=
                response["usage"]["completion_tokens"].as_i64().unwrap_or(0);
            let message = response["choices"][0]["message"].clone();
            report.transcript.push(json!({
                "kind": "response",
                "turn": turn,
                "message": message,
                "finish_reason": response["choices"][0]["finish_reason"],
                "usage": response["usage"],
                "elapsed_ms": elapsed_ms(started),
            }));
            if message.is_null() {
                report.result = Err(LlmError::Transient {
                    message: "the model's answer had no message".to_owned(),
                    retry_after: None,
                });
                return report;
            }
            let calls = tool_calls(&message);
            if calls.is_empty() {
                // A model that answers in prose is reminded how to finish.
                messages.push(json!({ "role": "assistant", "content": message["content"] }));
                messages.push(json!({
                    "role": "user",
                    "content": "Finish by calling suggest_draft(draft_content) with the reply, \
                                or end_work(reason) if no reply is needed.",
                }));
                continue;
            }
            messages.push(json!({
                "role": "assistant",
                "content": message["content"],
                "tool_calls": message["tool_calls"],
            }));
            for call in calls {
                let (result, decision) =
                    match timeout_at(deadline, self.call_tool(task, &call)).await {
                        Ok(Ok(outcome)) => outcome,
                        Ok(Err(error)) => {
                            report.result = Err(database_failure(&error));
                            return report;
                        }
                        Err(_) => {
                            report.result = Err(self.out_of_time(&mut report));
                            return report;
                        }
                    };
                report.transcript.push(json!({
                    "kind": "tool",
                    "turn": turn,
                    "name": call.name,
                    "arguments": call.arguments,
                    "result": result,
                }));
                if let Some(decision) = decision {
                    report.result = Ok(decision);
                    return report;
                }
                messages
                    .push(json!({ "role": "tool", "tool_call_id": call.id, "content": result }));
            }
        }
        let error = format!(
            "the agent did not finish within {} model turns (AGENT_MAX_ITERATIONS)",
            self.max_iterations
        );
        report
            .transcript
            .push(json!({ "kind": "error", "error": error }));
        report.result = Err(LlmError::Permanent(error));
        report
    }

    /// Runs one tool call: its result for the model, and the decision if it ends the run.
    async fn call_tool(
        &self,
        task: &Task<'_>,
        call: &ToolCall,
    ) -> Result<(String, Option<Decision>), sqlx::Error> {
        #[derive(Deserialize)]
        struct DraftArgs {
            draft_content: String,
        }
        #[derive(Deserialize)]
        struct EndArgs {
            reason: String,
        }
        Ok(match call.name.as_str() {
            "suggest_draft" => match tools::arguments::<DraftArgs>(&call.name, &call.arguments) {
                Ok(args) if !args.draft_content.trim().is_empty() => {
                    let draft = args.draft_content.trim().to_owned();
                    ("draft stored".to_owned(), Some(Decision::Draft(draft)))
                }
                Ok(_) => ("error: draft_content must not be empty".to_owned(), None),
                Err(message) => (message, None),
            },
            "end_work" if task.reply_requested => (
                "error: the reviewer asked for a reply to this conversation; propose one with \
                 suggest_draft"
                    .to_owned(),
                None,
            ),
            "end_work" => match tools::arguments::<EndArgs>(&call.name, &call.arguments) {
                Ok(args) => {
                    let reason = args.reason.trim();
                    let reason = if reason.is_empty() {
                        "no reason given"
                    } else {
                        reason
                    };
                    (
                        "done".to_owned(),
                        Some(Decision::NoReply(reason.to_owned())),
                    )
                }
                Err(message) => (message, None),
            },
            _ => (
                tools::run_lookup(&self.db, task, &call.name, &call.arguments).await?,
                None,
            ),
        })
    }

    /// Asks the model whether feedback states a lasting style preference; the note to
    /// keep, if any. The exchange is added to `transcript`. It stops at `deadline`, the
    /// same as the revision's run.
    pub async fn distill(
        &self,
        feedback: &str,
        report: &mut RunReport,
        deadline: tokio::time::Instant,
    ) -> Result<Option<String>, LlmError> {
        let llm = match &self.brain {
            Brain::Offline => {
                let note = offline::distill(feedback);
                report.transcript.push(json!({ "kind": "distill", "offline": true, "feedback": feedback, "note": note }));
                return Ok(note);
            }
            Brain::Model(llm) => llm,
        };
        let request = json!({
            "messages": [
                { "role": "system", "content": context::DISTILL_PROMPT },
                { "role": "user", "content": format!("<feedback>\n{}\n</feedback>", context::data(feedback)) },
            ],
            "tools": tools::distill_definitions(),
            "tool_choice": "auto",
        });
        report.transcript.push(
            json!({ "kind": "request", "purpose": "distill", "messages": request["messages"] }),
        );
        let response = match timeout_at(deadline, llm.complete(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                report.transcript.push(
                    json!({ "kind": "error", "purpose": "distill", "error": error.to_string() }),
                );
                return Err(error);
            }
            Err(_) => return Err(self.out_of_time(report)),
        };
        report.prompt_tokens += response["usage"]["prompt_tokens"].as_i64().unwrap_or(0);
        report.completion_tokens += response["usage"]["completion_tokens"].as_i64().unwrap_or(0);
        let message = &response["choices"][0]["message"];
        report.transcript.push(json!({ "kind": "response", "purpose": "distill", "message": message, "usage": response["usage"] }));
        #[derive(Deserialize)]
        struct NoteArgs {
            note: String,
        }
        let note = tool_calls(message)
            .into_iter()
            .find(|call| call.name == "remember_style")
            .and_then(|call| tools::arguments::<NoteArgs>(&call.name, &call.arguments).ok())
            .map(|args| args.note.trim().to_owned())
            .filter(|note| !note.is_empty());
        Ok(note)
    }
}

/// The function calls in a model message.
fn tool_calls(message: &Value) -> Vec<ToolCall> {
    message["tool_calls"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .map(|call| ToolCall {
                    id: call["id"].as_str().unwrap_or_default().to_owned(),
                    name: call["function"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    arguments: call["function"]["arguments"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn database_failure(error: &sqlx::Error) -> LlmError {
    tracing::error!(%error, "the agent could not read the database");
    LlmError::Transient {
        message: "the database could not be read while drafting".to_owned(),
        retry_after: None,
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
