//! Turning a pasted conversation into messages: the public types, format detection and the
//! dispatch to one parser per format.
//!
//! Formats and how they are recognised (each gets a score, the best wins; ties go to the
//! earlier one in this list):
//!
//! * **Json**: the app's own message array (or `{"messages": [...]}`). Text that starts like
//!   JSON but does not parse falls back to the other formats with a warning.
//! * **WhatsApp**: `[25/11/2026, 14:03:12] Name: text` or `25/11/2026, 14:03 - Name: text`
//!   lines. The day/month order is inferred from the whole paste.
//! * **Email**: `On … wrote:` attributions, Outlook `From:`/`Sent:` blocks and
//!   `-----Original Message-----` markers; `>` quoting is peeled level by level.
//! * **Slack** and **LinkedIn**: a sender line with a clock time (`Name  10:15 AM`,
//!   `Name [10:15 AM]`, or the time on the next line) and day dividers. LinkedIn's own
//!   lines (the conversation header, `… sent the following message at …`,
//!   `View …'s profile`, pronouns after names, `Seen by …`, `Nov 24` dividers) tip the score
//!   to it, and only the LinkedIn reader sets them aside. Lines after a header up to the
//!   next header form one message, so consecutive messages that LinkedIn or Slack show
//!   without repeating the name are grouped into one.
//! * **Plain**: `Name: text` lines, continuation lines join the message above.
//!
//! Text in which no sender can be found becomes one message from "Them", with a warning.
//!
//! Messages come out in the order of the conversation, oldest first. A message whose day is
//! not known has no timestamp and keeps its place among the others.

mod chat;
mod email;
mod json;
mod linkedin;
mod plain;
mod salutation;
mod text;
mod whatsapp;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod props;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use text::Ctx;

/// The conversation formats the parser understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Plain,
    WhatsApp,
    LinkedIn,
    Slack,
    Email,
    Json,
}

impl Format {
    /// Every format, in the order detection prefers on equal scores.
    pub const ALL: [Format; 6] = [
        Format::Json,
        Format::WhatsApp,
        Format::Email,
        Format::Slack,
        Format::LinkedIn,
        Format::Plain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::WhatsApp => "whatsapp",
            Format::LinkedIn => "linkedin",
            Format::Slack => "slack",
            Format::Email => "email",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of `plain`, `whatsapp`, `linkedin`, `slack`, `email`, `json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown conversation format {:?}", self.0)
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// How to read a paste. (Not `Serialize`: chrono's serde feature is off in the app.)
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOptions<'a> {
    /// `None` detects the format.
    pub format: Option<Format>,
    /// The day relative labels ("Today", "Monday", "Nov 25") are read against.
    pub reference_date: NaiveDate,
    /// Names (or email addresses) that mark a message as the user's own.
    pub my_names: &'a [String],
}

/// One message found in the paste.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedMessage {
    /// Only the Json format carries one.
    pub message_id: Option<String>,
    pub sender: String,
    /// The raw date label as seen, `""` if none.
    pub date: String,
    /// The raw time label as seen, `""` if none.
    pub time: String,
    /// Serialised as `2026-11-25T14:03:12`, the storage format of [`crate::timestamp`].
    #[serde(serialize_with = "serialize_timestamp")]
    pub timestamp: Option<NaiveDateTime>,
    pub content: String,
    pub is_mine: bool,
}

// chrono's serde feature is not enabled in the app, and the storage text is what the rest
// of the app compares anyway.
fn serialize_timestamp<S: serde::Serializer>(
    at: &Option<NaiveDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_some(&crate::timestamp::to_storage(*at)),
        None => serializer.serialize_none(),
    }
}

/// Something the user may want to check in the preview.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Warning {
    /// 1-based line in the input, 0 if not about a line.
    pub line: usize,
    pub message: String,
}

/// The result of [`parse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    /// The format whose parser produced the messages (Plain for the whole-text fallback).
    pub format: Format,
    /// Oldest first.
    pub messages: Vec<ParsedMessage>,
    pub warnings: Vec<Warning>,
    /// A name for the thread: the other participant (the name in LinkedIn's conversation
    /// header, the other side of an email), else the sender who wrote most that is not the
    /// user. `None` when every message is the user's or no sender was found.
    pub suggested_thread_name: Option<String>,
}

/// Why a paste could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasteError {
    Empty,
}

impl fmt::Display for PasteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasteError::Empty => f.write_str("the conversation is empty"),
        }
    }
}

impl std::error::Error for PasteError {}

/// Reads a pasted conversation. Fails only on whitespace-only input; anything else gives at
/// least one message.
pub fn parse(input: &str, options: &ParseOptions) -> Result<Parsed, PasteError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.trim().is_empty() {
        return Err(PasteError::Empty);
    }
    let lines = text::split_lines(input);
    let mut ctx = Ctx::new(options.reference_date, options.my_names);

    let mut format = options.format;
    if format.is_none_or(|f| f == Format::Json) {
        match json::parse(input, &mut ctx) {
            json::Outcome::Messages(drafts) => {
                return Ok(finish(Format::Json, drafts, ctx));
            }
            json::Outcome::Invalid(why) => {
                ctx.warn(
                    0,
                    format!("the text looks like JSON but could not be read ({why}); read as a conversation instead"),
                );
                format = None;
            }
            json::Outcome::NotJson => {
                if format.is_some() {
                    ctx.warn(0, "the text is not JSON; read as a conversation instead");
                    format = None;
                }
            }
        }
    }
    let format = format.unwrap_or_else(|| detect_lines(&lines, &ctx));
    let drafts = match format {
        // Json only gets here after falling back, and detection never answers Json.
        Format::Plain | Format::Json => plain::parse(&lines, &mut ctx),
        Format::WhatsApp => whatsapp::parse(&lines, &mut ctx),
        Format::LinkedIn => chat::parse(&lines, &mut ctx, chat::Mode::LinkedIn),
        Format::Slack => chat::parse(&lines, &mut ctx, chat::Mode::Slack),
        Format::Email => email::parse(&lines, &mut ctx),
    };
    if drafts.is_empty() {
        ctx.warn(
            0,
            format!(
                "no sender could be found in the {format} text; the whole text is kept as one message from \"Them\""
            ),
        );
        let mut whole = text::Draft::new("Them");
        for line in &lines {
            whole.push_line(line);
        }
        let mut parsed = finish(Format::Plain, vec![whole], ctx);
        // "Them" stands for nobody in particular.
        parsed.suggested_thread_name = None;
        return Ok(parsed);
    }
    Ok(finish(format, drafts, ctx))
}

fn finish(format: Format, drafts: Vec<text::Draft>, ctx: Ctx) -> Parsed {
    let messages: Vec<ParsedMessage> = drafts.into_iter().map(|d| d.finish(&ctx)).collect();
    let suggested_thread_name = ctx
        .participant
        .clone()
        .or_else(|| most_frequent_other_sender(&messages));
    Parsed {
        format,
        messages,
        warnings: ctx.warnings,
        suggested_thread_name,
    }
}

/// The sender of most messages that are not the user's; on a tie, the one seen first.
fn most_frequent_other_sender(messages: &[ParsedMessage]) -> Option<String> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (index, message) in messages.iter().enumerate().filter(|(_, m)| !m.is_mine) {
        let sender = message.sender.trim();
        if !sender.is_empty() {
            counts.entry(sender).or_insert((0, index)).0 += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(_, (count, first))| (count, std::cmp::Reverse(first)))
        .map(|(name, _)| name.to_string())
}

/// Guesses the format of a paste. Text that fits nothing is Plain.
pub fn detect(input: &str) -> Format {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut ctx = Ctx::new(NaiveDate::MIN, &[]);
    if let json::Outcome::Messages(_) = json::parse(input, &mut ctx) {
        return Format::Json;
    }
    detect_lines(&text::split_lines(input), &ctx)
}

fn detect_lines(lines: &[&str], ctx: &Ctx) -> Format {
    let chat = chat::score(lines, ctx);
    let scores = [
        (Format::WhatsApp, whatsapp::score(lines)),
        (Format::Email, email::score(lines)),
        (Format::Slack, chat.slack),
        (Format::LinkedIn, chat.linkedin),
        (Format::Plain, plain::score(lines, ctx)),
    ];
    let mut best = (Format::Plain, 0);
    for (format, score) in scores {
        if score > best.1 {
            best = (format, score);
        }
    }
    best.0
}

/// Writes messages back as `Name: text` lines that [`parse`] with [`Format::Plain`] reads
/// back to the same senders and contents. A continuation line that would read as a new
/// sender line is indented by one space, which the plain parser removes again.
pub fn render_plain(messages: &[ParsedMessage]) -> String {
    let mut out = String::new();
    for message in messages {
        let sender = message.sender.replace(['\n', '\r'], " ");
        let sender = sender.trim();
        out.push_str(if sender.is_empty() { "Unknown" } else { sender });
        out.push(':');
        let content = text::trim_blank_lines(&message.content);
        let mut lines = content.split('\n');
        if let Some(first) = lines.next() {
            out.push(' ');
            out.push_str(first.trim_end_matches('\r'));
        }
        for line in lines {
            let line = line.trim_end_matches('\r');
            out.push('\n');
            if plain::needs_guard(line) {
                out.push(' ');
            }
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
