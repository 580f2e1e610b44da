//! What `draftdesk replay` shows: a line per thread and the totals for the terminal, and
//! a self-contained HTML page with each thread's live draft, replay and approved reply
//! side by side.
//!
//! Conversation text is untrusted: the terminal lines have control characters taken
//! out (a thread name could otherwise carry escape sequences), and the page escapes
//! everything (askama) and forbids scripts and outside resources (its
//! Content-Security-Policy).

use askama::Template;

use super::{Failure, Outcome, Replayed};
use crate::db::Timestamp;

/// What the report says about the run as a whole.
#[derive(Debug, Clone)]
pub struct Meta {
    pub user: String,
    pub model: String,
    /// How many threads were asked for (`--last`).
    pub last: u32,
    /// The file whose text replaced the drafting instructions, if any.
    pub prompt_file: Option<String>,
    pub started_at: Timestamp,
}

/// Counts over every thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub threads: usize,
    pub drafted: usize,
    pub no_reply: usize,
    pub skipped: usize,
    pub failed: usize,
    pub model_errors: usize,
    pub timeouts: usize,
    pub turn_limits: usize,
    pub other_errors: usize,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

impl Totals {
    pub fn of(replayed: &[Replayed]) -> Self {
        let mut totals = Totals {
            threads: replayed.len(),
            ..Totals::default()
        };
        for r in replayed {
            totals.prompt_tokens += r.prompt_tokens;
            totals.completion_tokens += r.completion_tokens;
            match &r.outcome {
                Outcome::Drafted(_) => totals.drafted += 1,
                Outcome::NoReply(_) => totals.no_reply += 1,
                Outcome::Skipped(_) => totals.skipped += 1,
                Outcome::Failed { kind, .. } => {
                    totals.failed += 1;
                    match kind {
                        Failure::Model => totals.model_errors += 1,
                        Failure::Timeout => totals.timeouts += 1,
                        Failure::TurnLimit => totals.turn_limits += 1,
                        Failure::Database | Failure::Crashed => totals.other_errors += 1,
                    }
                }
            }
        }
        totals
    }

    /// The thread counts, as the terminal and the page say them.
    pub fn summary(&self) -> String {
        let mut failed = format!("failed {}", self.failed);
        if self.failed > 0 {
            let kinds: Vec<String> = [
                (self.model_errors, "model error"),
                (self.timeouts, "run timeout"),
                (self.turn_limits, "turn limit"),
                (self.other_errors, "other error"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}{}", plural(*n)))
            .collect();
            failed.push_str(&format!(" ({})", kinds.join(", ")));
        }
        format!(
            "{} threads: the replay drafted a reply for {} (as the reviewer decided), decided \
             no reply for {}, {failed}, skipped {}. Model tokens: {} prompt, {} completion.",
            self.threads,
            self.drafted,
            self.no_reply,
            self.skipped,
            self.prompt_tokens,
            self.completion_tokens
        )
    }
}

/// The line that opens the terminal report.
pub fn heading(meta: &Meta, found: usize) -> String {
    let prompt = meta
        .prompt_file
        .as_deref()
        .map(|p| format!(", drafting instructions from {}", terminal_safe(p, 200)))
        .unwrap_or_default();
    format!(
        "Replaying the {found} most recently approved thread{} of '{}' (--last {}) with \
         {}{prompt}. Nothing is written to the database.",
        plural(found),
        terminal_safe(&meta.user, 100),
        meta.last,
        terminal_safe(&meta.model, 200)
    )
}

/// One thread's line: its name, the lengths, and how the replay compares.
pub fn line(index: usize, r: &Replayed) -> String {
    let case = &r.case;
    let name = terminal_safe(&case.thread.name, 80);
    let mut approved = format!("approved {} chars", chars(&case.approved));
    if case.edited {
        approved.push_str(" (edited)");
    }
    let model = case.live_model.as_deref().unwrap_or("model not recorded");
    let mut live = format!(
        "live draft {} chars ({}",
        chars(&case.live_draft),
        terminal_safe(model, 80)
    );
    if case.revisions > 0 {
        live.push_str(&format!(
            ", first draft before {} revision{}",
            case.revisions,
            plural(case.revisions)
        ));
    }
    live.push(')');
    let replay = match &r.outcome {
        Outcome::Drafted(text) => format!(
            "replay drafted {} chars: matches the decision to reply",
            chars(text)
        ),
        Outcome::NoReply(reason) => format!(
            "replay decided no reply (\"{}\"): differs, a reply was approved",
            terminal_safe(reason, 160)
        ),
        Outcome::Failed { kind, message } => format!(
            "replay FAILED, {}: {}",
            kind.label(),
            terminal_safe(message, 300)
        ),
        Outcome::Skipped(reason) => format!("skipped: {reason}"),
    };
    format!("{:>3}. \"{name}\": {approved}; {live}; {replay}", index + 1)
}

/// The HTML page.
pub fn html(meta: &Meta, replayed: &[Replayed]) -> Result<String, askama::Error> {
    Page {
        meta,
        summary: Totals::of(replayed).summary(),
        rows: replayed
            .iter()
            .enumerate()
            .map(|(i, r)| Row::new(i, r))
            .collect(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "replay/report.html")]
struct Page<'a> {
    meta: &'a Meta,
    summary: String,
    rows: Vec<Row<'a>>,
}

struct Row<'a> {
    number: usize,
    r: &'a Replayed,
    live_model: &'a str,
    verdict: &'static str,
    /// The replay's text: its draft, its reason for not replying, its error or why it
    /// was skipped.
    replay_text: &'a str,
    replay_heading: String,
    messages: Vec<MessageView<'a>>,
}

struct MessageView<'a> {
    sender: &'a str,
    when: String,
    text: &'a str,
    mine: bool,
}

impl<'a> Row<'a> {
    fn new(index: usize, r: &'a Replayed) -> Self {
        let (verdict, replay_text, replay_heading) = match &r.outcome {
            Outcome::Drafted(text) => (
                "matches: drafted a reply",
                text.as_str(),
                format!("Replay draft ({} chars)", chars(text)),
            ),
            Outcome::NoReply(reason) => (
                "differs: decided no reply",
                reason.as_str(),
                "Replay decided no reply is needed, because".to_owned(),
            ),
            Outcome::Failed { kind, message } => (
                "failed",
                message.as_str(),
                format!("Replay failed ({})", kind.label()),
            ),
            Outcome::Skipped(reason) => ("skipped", reason.as_str(), "Not replayed".to_owned()),
        };
        Row {
            number: index + 1,
            r,
            live_model: r.case.live_model.as_deref().unwrap_or("model not recorded"),
            verdict,
            replay_text,
            replay_heading,
            messages: r
                .case
                .messages
                .iter()
                .map(|m| MessageView {
                    sender: &m.sender_name,
                    when: [m.raw_date.as_str(), m.raw_time.as_str()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" "),
                    text: &m.content,
                    mine: m.is_mine,
                })
                .collect(),
        }
    }

    fn matches(&self) -> bool {
        self.r.outcome.matches()
    }

    fn failed(&self) -> bool {
        matches!(self.r.outcome, Outcome::Failed { .. } | Outcome::Skipped(_))
    }

    fn approved_chars(&self) -> usize {
        chars(&self.r.case.approved)
    }

    fn live_chars(&self) -> usize {
        chars(&self.r.case.live_draft)
    }

    fn replay_chars(&self) -> String {
        match &self.r.outcome {
            Outcome::Drafted(text) => chars(text).to_string(),
            _ => "–".to_owned(),
        }
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `text` on one line for a terminal: control characters (escape sequences, line
/// breaks) and writing-direction overrides become spaces, and it is cut to `max`
/// characters.
pub fn terminal_safe(text: &str, max: usize) -> String {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let mut out: String = text
        .chars()
        .map(|c| if unsafe_char(c) { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_loses_escape_sequences_and_line_breaks() {
        assert_eq!(
            terminal_safe("Bob\u{1b}[2J\r\nEvil\u{202e}", 100),
            "Bob [2J  Evil "
        );
        assert_eq!(terminal_safe("abcdef", 3), "abc…");
    }
}
