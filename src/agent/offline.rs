//! The offline drafter: simple rules instead of a model, so that the whole flow can be
//! tried on a fresh machine with no API key. Its runs are labelled as such.

use super::transcript::{OfflineDecision, TranscriptEntry};
use super::{Decision, RunReport, Task};

/// Messages that close a conversation rather than ask for an answer.
const CLOSERS: &[&str] = &[
    "thanks",
    "thank you",
    "thanks a lot",
    "thank you so much",
    "many thanks",
    "thx",
    "ty",
    "ok",
    "okay",
    "ok thanks",
    "great",
    "great thanks",
    "perfect",
    "perfect thanks",
    "cheers",
    "cool",
    "sounds good",
    "see you",
    "see you then",
    "bye",
    "have a nice day",
    "noted",
    "got it",
    "will do",
    "👍",
    "🙏",
    "❤️",
];

/// Words in feedback that state a lasting preference rather than a one-off change.
const LASTING: &[&str] = &[
    "always",
    "never",
    "don't",
    "do not",
    "no emoji",
    "without emoji",
    "shorter",
    "too long",
    "more formal",
    "less formal",
    "too formal",
    "casual",
    "sign as",
    "sign off",
    "sign with",
    "avoid",
    "prefer",
    "call me",
];

pub fn run(task: &Task<'_>) -> RunReport {
    let (decision, rule) = match &task.revision {
        Some(revision) => (
            Decision::Draft(revise(revision.draft, revision.feedback)),
            "revise",
        ),
        None => decide(task),
    };
    RunReport {
        transcript: vec![TranscriptEntry::Offline {
            note: "drafted by the offline drafter (no model configured): simple rules, a \
                   templated reply"
                .to_owned(),
            rule: rule.to_owned(),
            decision: match &decision {
                Decision::Draft(text) => OfflineDecision::SuggestDraft(text.clone()),
                Decision::NoReply(reason) => OfflineDecision::EndWork(reason.clone()),
            },
        }],
        result: Ok(decision),
        prompt_tokens: 0,
        warning: None,
        completion_tokens: 0,
        // The offline drafter looks nothing up.
        precedents: Vec::new(),
    }
}

fn decide(task: &Task<'_>) -> (Decision, &'static str) {
    let Some(last) = task.messages.last() else {
        return (
            Decision::NoReply("the conversation has no messages".to_owned()),
            "empty",
        );
    };
    if !task.reply_requested {
        if last.is_mine {
            return (
                Decision::NoReply("the last message is the user's own".to_owned()),
                "last message is mine",
            );
        }
        let normalized: String = last
            .content
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '!' | '.' | ',' | '?' | ':' | ')' | '('))
            .collect();
        if CLOSERS.contains(&normalized.trim()) {
            return (
                Decision::NoReply("the conversation has come to a natural end".to_owned()),
                "closing message",
            );
        }
    }
    // Asked for a reply anyway, answer the other side's last message.
    let last = task
        .messages
        .iter()
        .rev()
        .find(|m| !m.is_mine)
        .unwrap_or(last);
    let first_name = last
        .sender_name
        .split_whitespace()
        .next()
        .unwrap_or("there");
    let body = if last.content.contains('?') {
        "Thanks for your message. Let me check and get back to you shortly."
    } else {
        "Thanks for letting me know."
    };
    let me = task
        .user
        .display_name
        .split_whitespace()
        .next()
        .unwrap_or("");
    (
        Decision::Draft(
            format!("Hi {first_name},\n\n{body}\n\nBest,\n{me}")
                .trim_end()
                .to_owned(),
        ),
        "templated reply",
    )
}

/// Applies what simple rules can of the feedback to the draft.
pub fn revise(draft: &str, feedback: &str) -> String {
    let wish = feedback.to_lowercase();
    let mut text = draft.to_owned();
    if ["shorter", "short", "brief", "concise", "too long"]
        .iter()
        .any(|w| wish.contains(w))
    {
        text = shorten(&text);
    }
    if wish.contains("emoji") {
        text = text.chars().filter(|c| !is_emoji(*c)).collect();
    }
    if wish.contains("less formal") || wish.contains("casual") {
        text = text.replacen("Dear ", "Hi ", 1);
    } else if wish.contains("formal") {
        text = text.replacen("Hi ", "Dear ", 1);
    }
    if let Some(signature) = signature(feedback) {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.pop();
        lines.push(&signature);
        text = lines.join("\n");
    }
    if text == draft {
        text = format!(
            "{draft}\n\n[offline drafter: could not apply \"{}\" by itself; edit before sending]",
            feedback.trim()
        );
    }
    text
}

/// The feedback as a style note, if it states a lasting preference.
pub fn distill(feedback: &str) -> Option<String> {
    let wish = feedback.to_lowercase();
    LASTING
        .iter()
        .any(|w| wish.contains(w))
        .then(|| feedback.trim().chars().take(200).collect())
}

/// The feedback as a note the reviewer chose to keep: the rules cannot rephrase it, so
/// it is kept as written (its first 200 characters).
pub fn phrase(feedback: &str) -> Option<String> {
    let note: String = feedback.trim().chars().take(200).collect();
    (!note.is_empty()).then_some(note)
}

/// Keeps the greeting, the first sentence of the body and the last line (the sign-off).
fn shorten(text: &str) -> String {
    let paragraphs: Vec<&str> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.len() < 3 {
        return first_sentence(text).to_owned();
    }
    let body = paragraphs[1..paragraphs.len() - 1].join(" ");
    format!(
        "{}\n\n{}\n\n{}",
        paragraphs[0],
        first_sentence(&body),
        paragraphs[paragraphs.len() - 1]
    )
}

fn first_sentence(text: &str) -> &str {
    match text.find(['.', '!', '?']) {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// "sign as J." / "sign off as Jo" / "sign with J" gives the new signature.
fn signature(feedback: &str) -> Option<String> {
    let lower = feedback.to_lowercase();
    ["sign off as ", "sign as ", "sign with "]
        .iter()
        .find_map(|marker| {
            let at = lower.find(marker)? + marker.len();
            let rest = feedback.get(at..)?.trim();
            let signature = rest
                .split([',', ';', '\n'])
                .next()?
                .trim()
                .trim_matches('"');
            (!signature.is_empty()).then(|| signature.to_owned())
        })
}

fn is_emoji(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_the_rules_understand_is_applied() {
        let draft = "Hi Anna,\n\nThanks for your message. Let me check and get back to you shortly. 😊\n\nBest,\nJo";
        assert_eq!(
            revise(draft, "shorter please, and sign as J."),
            "Hi Anna,\n\nThanks for your message.\n\nBest,\nJ."
        );
        assert_eq!(
            revise(draft, "no emojis"),
            "Hi Anna,\n\nThanks for your message. Let me check and get back to you shortly. \n\nBest,\nJo"
        );
    }

    #[test]
    fn feedback_the_rules_cannot_apply_is_said_plainly() {
        let revised = revise("Hi Anna", "offer Tuesday");
        assert!(
            revised.contains("could not apply \"offer Tuesday\""),
            "{revised}"
        );
    }

    #[test]
    fn only_lasting_preferences_become_style_notes() {
        assert_eq!(
            distill("Never use emojis"),
            Some("Never use emojis".to_owned())
        );
        assert_eq!(distill("offer Tuesday instead"), None);
    }
}
