//! Reading request bodies: JSON or form-encoded, with errors that name the field at fault.

use std::fmt;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::error::AppError;

/// The largest request body the API takes.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A body that came as JSON (`J`) or as an HTML form post (`F`).
pub enum JsonOrForm<J, F> {
    Json(J),
    Form(F),
}

impl<S, J, F> FromRequest<S> for JsonOrForm<J, F>
where
    S: Send + Sync,
    J: DeserializeOwned,
    F: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let format = BodyFormat::of(req.headers());
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge { limit: BODY_LIMIT }
            } else {
                AppError::BadRequest(format!("could not read the request body: {rejection}"))
            }
        })?;
        match format {
            BodyFormat::Form => decode_form(&bytes).map(Self::Form),
            BodyFormat::Json => decode_json(&bytes).map(Self::Json),
            BodyFormat::Other(other) => Err(AppError::UnsupportedMediaType(format!(
                "content type '{other}' is not supported; send application/json or \
                 application/x-www-form-urlencoded"
            ))),
        }
    }
}

/// How a request body is written, by its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Form,
    /// Another media type (lowercase, without parameters).
    Other(String),
}

impl BodyFormat {
    /// The format the headers' content type names. Old clients post JSON without a
    /// content type, or as text/plain (a fetch() with a string body): those are JSON too.
    pub fn of(headers: &HeaderMap) -> Self {
        let media_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media_type.as_str() {
            "application/x-www-form-urlencoded" => Self::Form,
            "" | "text/plain" | "application/json" => Self::Json,
            other if other.ends_with("+json") => Self::Json,
            _ => Self::Other(media_type),
        }
    }
}

/// Decodes JSON, naming the path of the field at fault. Fields the endpoint does not
/// know are refused (422) rather than silently dropped, so a misspelt field is noticed.
///
/// Every message names its field once, in one path style: `messages[1].sender_name`.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest("the request body is empty".to_owned()));
    }
    let mut unknown: Option<String> = None;
    let mut record = |path: serde_ignored::Path<'_>| {
        unknown.get_or_insert_with(|| ignored_path(&path));
    };
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    let ignoring = serde_ignored::Deserializer::new(deserializer, &mut record);
    let decoded = serde_path_to_error::deserialize(ignoring).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if (inner.is_syntax() || inner.is_eof()) && !inner.is_data() {
            return AppError::BadRequest(format!("the request body is not valid JSON: {inner}"));
        }
        let path = if path == "." { String::new() } else { path };
        data_error(&path, &strip_position(&inner.to_string()))
    })?;
    match unknown {
        Some(field) => Err(AppError::invalid(
            field.clone(),
            format!("{field} is not a known field; see the API's fields in README.md"),
        )),
        None => Ok(decoded),
    }
}

/// Turns serde's wording ("missing field `x`", "invalid type: A, expected B") into a
/// sentence that starts with the field's path.
fn data_error(path: &str, message: &str) -> AppError {
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let field = join_path(path, name);
        return AppError::invalid(field.clone(), format!("{field} is required"));
    }
    let field = if path.is_empty() { "body" } else { path };
    let subject = if path.is_empty() { "the body" } else { path };
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let expected = expected
            .strip_prefix("struct ")
            .map_or(expected, |_| "an object");
        return AppError::invalid(field, format!("{subject} must be {expected}, not {found}"));
    }
    AppError::invalid(field, format!("{subject}: {message}"))
}

fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// serde_ignored writes paths as `messages.1.x`; this writes them as `messages[1].x`,
/// the style every other message uses.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join_path(&ignored_path(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// Decodes a form body, naming the field at fault.
pub fn decode_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes(bytes).map_err(|error| {
        let message = error.to_string();
        match message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
        {
            Some(field) if message.starts_with("missing field") => {
                AppError::invalid(field, format!("{field} is required"))
            }
            Some(field) => AppError::invalid(field, format!("{field}: {message}")),
            None => AppError::invalid("body", format!("the form could not be read: {message}")),
        }
    })
}

/// serde_json ends data errors with "at line 1 column 42": noise once the path is named.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Checks a required text field: trimmed, not empty, at most `max` characters.
pub fn required<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    at_most(field, value, max)
}

/// Checks that a text field is at most `max` characters.
pub fn at_most<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, AppError> {
    if value.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// The schema of an id read by [`string_or_number`]: a string or an integer.
pub fn id_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Integer]))
        .build()
}

/// The schema of an optional id: a string, an integer or null.
pub fn optional_id_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![
            Type::String,
            Type::Integer,
            Type::Null,
        ]))
        .build()
}

/// Deserializes an id that clients send either as a string or as a number.
pub fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(IdVisitor)
}

/// Like [`string_or_number`], for an optional id (absent or null is `None`).
pub fn optional_string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    struct OptionalId;
    impl<'de> Visitor<'de> for OptionalId {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            string_or_number(d).map(Some)
        }
    }
    deserializer.deserialize_option(OptionalId)
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
}
