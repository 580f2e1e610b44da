//! The OpenAI-compatible chat client (async-openai), for OpenRouter, OpenAI, Ollama, vLLM…
//!
//! async-openai builds and types the requests. Its HTTP layer is replaced by
//! [`StatusService`], which does not retry and turns every non-2xx answer into an
//! [`UpstreamError`] that keeps the status, `Retry-After` and body: async-openai would
//! otherwise lose the status of OpenRouter's 4xx answers (their numeric `code` does not
//! fit its error type). Retrying is the job queue's business, in one place, so that two
//! layers of retries never multiply.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionToolChoiceOption, ChatCompletionTools,
    CreateChatCompletionRequestArgs, CreateChatCompletionResponse, ToolChoiceOptions,
};
use reqwest::StatusCode;
use serde_json::Value;

/// The longest `Retry-After` honoured; a server asking for more is retried after this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Where and how to reach the model.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
    pub timeout: Duration,
}

/// Why a model call failed, sorted by whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// Timeouts, connection failures, 429, 5xx, a garbled answer: worth a retry.
    #[error("{message}")]
    Transient {
        message: String,
        retry_after: Option<Duration>,
    },
    /// A refused key, a bad request, an unknown model: retrying will not help.
    #[error("{0}")]
    Permanent(String),
}

/// A non-2xx answer from the model server, as [`StatusService`] reports it. Its message
/// leaves the body out: [`classify_status`] quotes the start of it where it helps.
#[derive(Debug, thiserror::Error)]
#[error("the model server answered {status}")]
pub struct UpstreamError {
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    pub body: String,
}

/// A 2xx answer whose body is not a chat completion, as [`StatusService`] reports it,
/// with only the start of the body: model output quotes private conversations, and a
/// garbled answer can be large.
#[derive(Debug, thiserror::Error)]
#[error("the model server's answer was not a chat completion ({error}): {excerpt}")]
pub struct UnreadableAnswer {
    pub error: String,
    pub excerpt: String,
}

/// How much of a model server's body an error message (and so a log line) may quote.
const BODY_EXCERPT_CHARS: usize = 300;

/// A chat completion client for one model.
#[derive(Clone)]
pub struct LlmClient {
    client: Client<OpenAIConfig>,
    model: String,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    pub fn new(config: &LlmConfig) -> anyhow::Result<Self> {
        // Both set explicitly: OpenAIConfig::new() would read OPENAI_API_KEY and
        // OPENAI_BASE_URL from the environment, and ours must win.
        let openai = OpenAIConfig::new()
            .with_api_base(config.base_url.trim_end_matches('/'))
            .with_api_key(config.api_key.clone().unwrap_or_default())
            // OpenRouter's optional attribution headers; other servers ignore them.
            .with_header("HTTP-Referer", "http://localhost")?
            .with_header("X-Title", "draftdesk")?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        let client = Client::with_config(openai).with_http_service(StatusService {
            inner: ReqwestService::new(http),
        });
        Ok(Self {
            client,
            model: config.model.clone(),
        })
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Sends one chat completion request: these messages, and these tools for the model
    /// to call as it sees fit (`tool_choice: auto`).
    pub async fn complete(
        &self,
        messages: &[ChatCompletionRequestMessage],
        tools: &[ChatCompletionTools],
    ) -> Result<CreateChatCompletionResponse, LlmError> {
        let request = CreateChatCompletionRequestArgs::default()
            .model(self.model.as_str())
            .messages(messages.to_vec())
            .tools(tools.to_vec())
            .tool_choice(ChatCompletionToolChoiceOption::Mode(
                ToolChoiceOptions::Auto,
            ))
            .build()
            .map_err(|e| LlmError::Permanent(format!("draftdesk built an invalid request: {e}")))?;
        self.client.chat().create(request).await.map_err(classify)
    }
}

/// Sorts an async-openai error into transient or permanent, with a readable message.
fn classify(error: OpenAIError) -> LlmError {
    match error {
        OpenAIError::Boxed(boxed) => match boxed.downcast::<UpstreamError>() {
            Ok(upstream) => classify_status(*upstream),
            Err(other) => match other.downcast::<UnreadableAnswer>() {
                Ok(unreadable) => transient(unreadable.to_string()),
                Err(other) => transient(format!("the model request failed: {}", causes(&*other))),
            },
        },
        OpenAIError::Reqwest(e) if e.is_timeout() => {
            transient("the model did not answer in time".to_owned())
        }
        OpenAIError::Reqwest(e) if e.is_connect() => transient(format!(
            "could not connect to the model server: {}",
            causes(&e)
        )),
        OpenAIError::Reqwest(e) => transient(format!("the model request failed: {}", causes(&e))),
        OpenAIError::JSONDeserialize(e, body) => transient(format!(
            "the model server's answer was not a chat completion ({}): {}",
            truncate(&e.to_string(), BODY_EXCERPT_CHARS),
            truncate(&body, BODY_EXCERPT_CHARS)
        )),
        OpenAIError::ApiError(e) if e.status_code.is_server_error() || e.status_code == 429 => {
            transient(format!("the model server answered {e}"))
        }
        other => LlmError::Permanent(format!("the model request failed: {other}")),
    }
}

fn classify_status(upstream: UpstreamError) -> LlmError {
    let detail = error_message(&upstream.body);
    let status = upstream.status;
    let message = match status.as_u16() {
        401 | 403 => format!("the model server refused the API key ({status}): {detail}"),
        402 => format!("the model account has no credit left ({status}): {detail}"),
        404 => format!("the model server does not know this model or path ({status}): {detail}"),
        429 => format!("the model server is rate limiting us ({status}): {detail}"),
        _ => format!("the model server answered {status}: {detail}"),
    };
    if status.is_server_error() || matches!(status.as_u16(), 408 | 409 | 425 | 429) {
        LlmError::Transient {
            message,
            retry_after: upstream.retry_after,
        }
    } else {
        LlmError::Permanent(message)
    }
}

fn transient(message: String) -> LlmError {
    LlmError::Transient {
        message,
        retry_after: None,
    }
}

/// The `error.message` of an OpenAI-style error body, or the body itself (their start).
fn error_message(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned));
    truncate(message.as_deref().unwrap_or(body), BODY_EXCERPT_CHARS)
}

/// An error with every cause under it ("error sending request: client error (Connect):
/// tcp connect error: Connection refused"), so a transport failure says why it failed.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Reads `Retry-After`, given in seconds or as an HTTP date, capped at
/// [`MAX_RETRY_AFTER`]; a date in the past means "now".
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let delay = match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Duration::from_secs_f64(seconds),
        Ok(_) => return None,
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or_default()
        }
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

/// The HTTP layer under async-openai: plain reqwest, no retries, errors keep the status.
#[derive(Clone, Debug)]
struct StatusService {
    inner: ReqwestService,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

impl tower::Service<HttpRequestFactory> for StatusService {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let call = self.inner.call(request);
        Box::pin(async move {
            let response = call.await?;
            if response.status().is_success() {
                return readable(response).await;
            }
            let status = response.status();
            let retry_after = retry_after(response.headers());
            let body = response.text().await.unwrap_or_default();
            Err(OpenAIError::Boxed(Box::new(UpstreamError {
                status,
                retry_after,
                body,
            })))
        })
    }
}

/// Passes on a 2xx answer only if its body is a chat completion. async-openai logs the
/// whole body of an answer it cannot read, at ERROR, on every attempt; checked here, an
/// unreadable answer becomes an [`UnreadableAnswer`] that quotes only its start.
async fn readable(response: reqwest::Response) -> Result<reqwest::Response, OpenAIError> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    if let Err(error) = serde_json::from_slice::<CreateChatCompletionResponse>(&body) {
        return Err(OpenAIError::Boxed(Box::new(UnreadableAnswer {
            error: truncate(&error.to_string(), BODY_EXCERPT_CHARS),
            excerpt: truncate(&String::from_utf8_lossy(&body), BODY_EXCERPT_CHARS),
        })));
    }
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream(status: u16, body: &str) -> LlmError {
        classify_status(UpstreamError {
            status: StatusCode::from_u16(status).expect("valid status"),
            retry_after: Some(Duration::from_secs(2)),
            body: body.to_owned(),
        })
    }

    #[test]
    fn rate_limits_and_server_errors_are_transient_and_keep_retry_after() {
        assert_eq!(
            upstream(429, r#"{"error":{"code":429,"message":"slow down"}}"#),
            LlmError::Transient {
                message: "the model server is rate limiting us (429 Too Many Requests): slow down"
                    .to_owned(),
                retry_after: Some(Duration::from_secs(2)),
            }
        );
        assert!(matches!(
            upstream(502, "bad gateway"),
            LlmError::Transient { .. }
        ));
    }

    #[test]
    fn openrouter_style_auth_errors_are_permanent_and_readable() {
        let error = upstream(
            401,
            r#"{"error":{"code":401,"message":"No auth credentials found"}}"#,
        );
        assert_eq!(
            error,
            LlmError::Permanent(
                "the model server refused the API key (401 Unauthorized): No auth credentials found"
                    .to_owned()
            )
        );
        assert!(matches!(upstream(400, "{}"), LlmError::Permanent(_)));
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_capped() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "100000".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "soon".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn retry_after_as_an_http_date_is_the_time_until_then() {
        let mut headers = reqwest::header::HeaderMap::new();
        let at = std::time::SystemTime::now() + Duration::from_secs(12);
        let date = httpdate::fmt_http_date(at);
        headers.insert(reqwest::header::RETRY_AFTER, date.parse().expect("header"));
        let delay = retry_after(&headers).expect("a delay");
        // The date has whole seconds, so up to one second of the twelve is cut off.
        assert!(
            delay > Duration::from_secs(10) && delay <= Duration::from_secs(12),
            "{delay:?}"
        );
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn an_error_names_every_cause_under_it() {
        let inner =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let outer = std::io::Error::other(UpstreamWrapper(inner));
        let text = causes(&outer);
        assert!(text.contains("Connection refused"), "{text}");
    }

    #[derive(Debug)]
    struct UpstreamWrapper(std::io::Error);

    impl std::fmt::Display for UpstreamWrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }

    impl std::error::Error for UpstreamWrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
