//! `AppError`: every way a request can fail, and how each is shown to a client.
//!
//! The JSON face is `{"error": {"code", "message"}, "message"}` (plus `error.field` when
//! one field is at fault). The top-level `message` repeats `error.message` for old clients
//! that show `error.message || error`. Causes of a 5xx are logged with `tracing` and
//! never sent to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every API error's body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// The same text as `error.message`, for clients that show `error.message || error`.
    pub message: String,
}

/// What went wrong, for programs (`code`, `field`) and for people (`message`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `bad_request`, `invalid_field`, `unauthorized`,
    /// `forbidden`, `not_found`, `conflict`, `method_not_allowed`, `payload_too_large`,
    /// `unsupported_media_type`, `rate_limited`, `queue_full`, `unavailable`, `internal`.
    #[schema(example = "invalid_field")]
    pub code: &'static str,
    /// A sentence that names the field at fault once, as a path.
    #[schema(example = "messages[1].sender_name must not be empty")]
    pub message: String,
    /// The path of the field at fault, for 422s (`messages[1].sender_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "messages[1].sender_name")]
    pub field: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body could not be read as the content type it claims (400).
    #[error("{0}")]
    BadRequest(String),
    /// A field is missing, of the wrong type, or out of range (422). The message names
    /// the field once, as its path (`messages[1].sender_name must not be empty`).
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// No credentials, or credentials that are not valid (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials that do not allow this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there, or nothing the caller may see (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state, e.g. a draft no longer pending (409).
    #[error("{0}")]
    Conflict(String),
    /// The path exists, but not for this method (405).
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// The body is larger than the limit (413).
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body is in a format this endpoint does not take (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many requests; try again after the given number of seconds (429).
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The account has the most jobs waiting that it may have (429).
    #[error("{0}")]
    QueueFull(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Anything else that is our fault.
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 422 naming the field at fault. A message that does not mention the field gets
    /// it as a prefix, so a client showing only the message still knows which field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        let message = if message.contains(field.as_str()) {
            message
        } else {
            format!("{field}: {message}")
        };
        Self::Invalid { field, message }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited { .. } | Self::QueueFull(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Database(e) if is_overloaded(e) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code clients can branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Invalid { .. } => "invalid_field",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RateLimited { .. } => "rate_limited",
            Self::QueueFull(_) => "queue_full",
            Self::Database(e) if is_overloaded(e) => "unavailable",
            Self::Database(_) | Self::Internal(_) => "internal",
        }
    }

    /// What the client is told: the error itself for 4xx, a generic line for 5xx.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(e) if is_overloaded(e) => {
                "the server is busy; try again shortly".to_owned()
            }
            Self::Database(_) | Self::Internal(_) => {
                "something went wrong on our side; it has been logged".to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl From<crate::jobs::EnqueueError> for AppError {
    fn from(error: crate::jobs::EnqueueError) -> Self {
        use crate::jobs::EnqueueError;
        match error {
            EnqueueError::QueueFull { .. } => Self::QueueFull(error.to_string()),
            EnqueueError::FeedbackFull { .. } => Self::Conflict(error.to_string()),
            EnqueueError::Database(error) => Self::Database(error),
        }
    }
}

impl From<crate::accounts::AccountError> for AppError {
    fn from(error: crate::accounts::AccountError) -> Self {
        use crate::accounts::AccountError;
        match error {
            AccountError::BadName => Self::invalid("name", error.to_string()),
            AccountError::ShortPassword => Self::invalid("password", error.to_string()),
            AccountError::NameTaken(_) => Self::Conflict(error.to_string()),
            AccountError::Database(error) => Self::Database(error),
            AccountError::Hashing(_) => Self::Internal(anyhow::Error::new(error)),
        }
    }
}

fn is_overloaded(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::PoolTimedOut)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let message = self.public_message();
        let field = match &self {
            Self::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: message.clone(),
                field,
            },
            message,
        };
        let mut response = (status, Json(body)).into_response();
        match &self {
            Self::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::RateLimited { retry_after_secs } => {
                if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            Self::QueueFull(_) => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(crate::jobs::QUEUE_FULL_RETRY_AFTER_SECS),
                );
            }
            _ => {}
        }
        response
    }
}
