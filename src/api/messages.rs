//! `POST /send-messages/`: a thread's messages in, a draft job queued when any are new.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::auth::ApiUser;
use super::input::{self, JsonOrForm};
use crate::db::Db;
use crate::error::AppError;
use crate::inbox::{self, IncomingMessage};
use crate::jobs::JobQueue;

const MAX_NAME: usize = 200;
const MAX_LABEL: usize = 100;
const MAX_CONTENT: usize = 100_000;
const MAX_MESSAGES: usize = 5_000;

/// The contract's JSON body.
#[derive(Debug, Deserialize)]
pub struct SendMessagesJson {
    #[serde(deserialize_with = "input::string_or_number")]
    user_id: String,
    thread_name: String,
    messages: Vec<MessageJson>,
}

#[derive(Debug, Deserialize)]
struct MessageJson {
    #[serde(default, deserialize_with = "input::optional_string_or_number")]
    message_id: Option<String>,
    sender_name: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    time: Option<String>,
    message_content: String,
}

/// A form post: one message as fields, or a whole pasted `conversation`.
#[derive(Debug, Deserialize)]
pub struct SendMessagesForm {
    user_id: String,
    thread_name: String,
    sender_name: Option<String>,
    message_content: Option<String>,
    date: Option<String>,
    time: Option<String>,
    message_id: Option<String>,
    conversation: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SendMessagesResponse {
    status: &'static str,
    thread_name: String,
    thread_id: Option<i64>,
    new_messages: usize,
    job_id: Option<i64>,
    superseded_draft_message_id: Option<String>,
}

pub async fn send(
    State(db): State<Db>,
    State(jobs): State<JobQueue>,
    caller: ApiUser,
    body: JsonOrForm<SendMessagesJson, SendMessagesForm>,
) -> Result<(StatusCode, Json<SendMessagesResponse>), AppError> {
    let body = match body {
        JsonOrForm::Json(json) => json,
        JsonOrForm::Form(form) => from_form(form)?,
    };
    let user = caller.check_user_id(&body.user_id)?;
    let thread_name = input::required("thread_name", &body.thread_name, MAX_NAME)?.to_owned();
    let messages = validate(body.messages)?;
    let accepted = inbox::accept(&db, user, &thread_name, messages).await?;
    if accepted.job_id.is_some() {
        jobs.wake();
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(SendMessagesResponse {
            status: "accepted",
            thread_name,
            thread_id: accepted.thread_id,
            new_messages: accepted.new_messages,
            job_id: accepted.job_id,
            superseded_draft_message_id: accepted.superseded_draft,
        }),
    ))
}

fn from_form(form: SendMessagesForm) -> Result<SendMessagesJson, AppError> {
    if form.conversation.is_some() {
        return Err(AppError::invalid(
            "conversation",
            "pasted conversations are not supported yet; send sender_name and \
             message_content fields, or JSON messages",
        ));
    }
    let sender_name = form
        .sender_name
        .ok_or_else(|| AppError::invalid("sender_name", "sender_name is required"))?;
    let message_content = form
        .message_content
        .ok_or_else(|| AppError::invalid("message_content", "message_content is required"))?;
    Ok(SendMessagesJson {
        user_id: form.user_id,
        thread_name: form.thread_name,
        messages: vec![MessageJson {
            message_id: form.message_id,
            sender_name,
            date: form.date,
            time: form.time,
            message_content,
        }],
    })
}

fn validate(messages: Vec<MessageJson>) -> Result<Vec<IncomingMessage>, AppError> {
    if messages.is_empty() {
        return Err(AppError::invalid("messages", "messages must not be empty"));
    }
    if messages.len() > MAX_MESSAGES {
        return Err(AppError::invalid(
            "messages",
            format!("at most {MAX_MESSAGES} messages can be sent at once"),
        ));
    }
    messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let field = |name: &str| format!("messages[{i}].{name}");
            let message_id = match m.message_id {
                Some(id) if !id.trim().is_empty() => {
                    Some(input::at_most(&field("message_id"), id.trim(), MAX_NAME)?.to_owned())
                }
                _ => None,
            };
            let date = m.date.unwrap_or_default();
            let time = m.time.unwrap_or_default();
            Ok(IncomingMessage {
                message_id,
                sender_name: input::required(&field("sender_name"), &m.sender_name, MAX_NAME)?
                    .to_owned(),
                date: input::at_most(&field("date"), date.trim(), MAX_LABEL)?.to_owned(),
                time: input::at_most(&field("time"), time.trim(), MAX_LABEL)?.to_owned(),
                content: input::at_most(
                    &field("message_content"),
                    &m.message_content,
                    MAX_CONTENT,
                )?
                .to_owned(),
            })
        })
        .collect()
}
