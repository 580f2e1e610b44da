//! Text with a NUL character (U+0000) is refused at the door, on every route, before any
//! handler reads it: PostgreSQL cannot store a NUL in text (SQLite can), so without this
//! the same request would be stored on one backend and fail on the other with a server
//! error. No conversation needs the character, and it is invisible where people see text.
//!
//! What is looked at is what handlers read as text: the query of the address (where a
//! NUL is `%00`), and a body sent as JSON (where it is the escape `\u0000`; JSON allows it
//! nowhere else) or as a form (`%00`). Other bodies are left to their handlers, which
//! refuse content types they do not take.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::{self, BODY_LIMIT, BodyFormat};
use crate::error::AppError;
use crate::web::PageError;

/// Middleware: answers a request that carries a NUL in its text with a 400 that says so,
/// and passes every other request on unchanged.
pub async fn refuse(request: Request, next: Next) -> Response {
    let api = api::is_api_path(request.uri().path());
    // A path names a route and ids, and a NUL there finds nothing (404); the query is
    // text that handlers read.
    let query = request.uri().query().unwrap_or("");
    if form_has_nul(query.as_bytes()) {
        return refusal(api, Place::Address);
    }
    let Some(format) = text_body(&request) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        // Over the limit, or the client went away: as the handlers' own extractors say.
        Err(_) if api => return AppError::PayloadTooLarge { limit: BODY_LIMIT }.into_response(),
        Err(_) => {
            return PageError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The form could not be read. Try again.",
            )
            .into_response();
        }
    };
    let found = match format {
        BodyFormat::Form => form_has_nul(&bytes),
        _ => json_has_nul(&bytes),
    };
    if found {
        return refusal(api, Place::Body);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The body's format, when it is one whose text handlers read; `None` for a request
/// without a body (no length, or 0) or one of another type.
fn text_body(request: &Request) -> Option<BodyFormat> {
    let headers = request.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    if length.unwrap_or(0) == 0 && !chunked {
        return None;
    }
    match BodyFormat::of(headers) {
        BodyFormat::Other(_) => None,
        format => Some(format),
    }
}

#[derive(Debug, Clone, Copy)]
enum Place {
    Address,
    Body,
}

fn refusal(api: bool, place: Place) -> Response {
    if api {
        let at = match place {
            Place::Address => "the address",
            Place::Body => "the request body",
        };
        AppError::BadRequest(format!(
            "{at} contains a NUL character (U+0000), which draftdesk does not store: \
             remove it and send again"
        ))
        .into_response()
    } else {
        PageError::new(
            StatusCode::BAD_REQUEST,
            "What was sent contains an invisible NUL character (U+0000), which draftdesk \
             cannot store. Remove it (typing the text again does) and send it again.",
        )
        .into_response()
    }
}

/// Whether JSON text holds a NUL: the escape `\u0000` in a string. A backslash escapes
/// the character after it, so `\\u0000` is a backslash and the text "u0000".
fn json_has_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'\\' => {
                if json[i + 1..].starts_with(b"u0000") {
                    return true;
                }
                i += 2;
            }
            0 => return true,
            _ => i += 1,
        }
    }
    false
}

/// JSON text with every NUL escape (`\u0000`) taken out: for what a model sends, which
/// is not refused but cleaned, so that its draft can be stored on either backend.
pub fn strip_from_json(json: &str) -> std::borrow::Cow<'_, str> {
    if !json_has_nul(json.as_bytes()) {
        return std::borrow::Cow::Borrowed(json);
    }
    let bytes = json.as_bytes();
    let mut kept = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes[i + 1..].starts_with(b"u0000") => i += 6,
            b'\\' => {
                kept.extend_from_slice(&bytes[i..(i + 2).min(bytes.len())]);
                i += 2;
            }
            0 => i += 1,
            byte => {
                kept.push(byte);
                i += 1;
            }
        }
    }
    // Only ASCII sequences were taken out, whole, so what is left is still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8_lossy(&kept).into_owned())
}

/// Whether percent-encoded text (a form body, an address) holds a NUL: `%00`, or the
/// byte itself. A `%` that is meant as text is sent as `%25`.
fn form_has_nul(text: &[u8]) -> bool {
    text.contains(&0) || text.windows(3).any(|w| w == b"%00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_is_found_where_json_can_hold_one_and_nowhere_else() {
        assert!(json_has_nul(br#"{"a": "x\u0000y"}"#));
        assert!(json_has_nul(br#"{"a": "\\\u0000"}"#));
        assert!(json_has_nul(b"{\"a\": \"\0\"}"));
        // A backslash, then the text "u0000".
        assert!(!json_has_nul(br#"{"a": "\\u0000"}"#));
        assert!(json_has_nul(br#"{"a": "\u00000"}"#));
        assert!(!json_has_nul(br#"{"a": "\u0001 u0000 \n \" \\"}"#));
        assert!(!json_has_nul(br#"{"a": "ends with a backslash \\"}"#));
        assert!(!json_has_nul(b"\\"));
    }

    #[test]
    fn a_models_json_comes_back_without_its_nul_escapes() {
        assert_eq!(
            strip_from_json(r#"{"draft_content": "Hi\u0000 there\\u0000 \u00e9"}"#),
            r#"{"draft_content": "Hi there\\u0000 \u00e9"}"#
        );
        let untouched = r#"{"a": "no nul here \n"}"#;
        assert!(matches!(
            strip_from_json(untouched),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(strip_from_json("\"ends with \\"), "\"ends with \\");
    }

    #[test]
    fn a_nul_is_found_in_percent_encoded_text() {
        assert!(form_has_nul(b"text=a%00b"));
        assert!(form_has_nul(b"/draft-messages/?user_id=%00"));
        assert!(form_has_nul(b"a=\0"));
        assert!(!form_has_nul(b"text=100%2500+off&b=%20"));
        assert!(!form_has_nul(b"text=%0A%0D"));
    }
}
