//! The lines LinkedIn adds around the messages of a copied conversation, so that the chat
//! reader (`chat.rs`) neither takes them for messages nor keeps them in message text.
//!
//! * The conversation header at the top: the other person's name, then any of a pronoun
//!   line (`(He/Him)`), the connection degree (`1st degree connection`, `· 1st`), their
//!   headline and a presence line (`Active 2h ago`, `Active now`, `Mobile • 5m ago`). Its
//!   name is the other participant of the conversation.
//! * Profile link text, alone (`View Daniel’s profile`) or glued to the name
//!   (`View Daniel’s profileDaniel Weber`).
//! * Pronouns after a sender's name (`Daniel Weber (He/Him)  8:48 PM`).
//! * Read receipts (`Seen by Daniel Weber at 8:50 PM.`), the screen-reader line of a
//!   system sender that has no name (`sent the following messages at 8:00 PM`), and the
//!   quick-reaction bar (👏 👍 😊, one per line) a hovered message shows.
//!
//! It also says how LinkedIn-like a paste is, which is what tells it from a Slack copy.

use super::text::{Ctx, is_clock_line, is_day_label, looks_like_name, plausible_name};

/// The quick reactions LinkedIn shows, one per line, over a hovered message.
pub(super) const REACTION_BAR: [&str; 3] = ["👏", "👍", "😊"];

/// `Daniel Weber (He/Him)` → `Daniel Weber`. Only a short `(x/y)` or `(x/y/z)` of letters
/// counts, so a name such as `Anna (Design)` is kept whole.
pub(super) fn strip_pronouns(name: &str) -> &str {
    let t = name.trim();
    if let Some(open) = t.rfind(" (")
        && t.ends_with(')')
        && is_pronouns(&t[open + 1..])
    {
        return t[..open].trim_end();
    }
    t
}

/// `(He/Him)`, `He/Him`, `(She/They)`.
fn is_pronouns(text: &str) -> bool {
    let t = text.trim();
    let inner = t
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(t);
    let parts: Vec<&str> = inner.split('/').map(str::trim).collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=8).contains(&p.chars().count()) && p.chars().all(char::is_alphabetic))
}

/// `View Daniel’s profile`, with nothing or a name glued after it.
pub(super) fn is_profile_link(line: &str) -> bool {
    let t = line.trim();
    let Some(rest) = t.strip_prefix("View ") else {
        return false;
    };
    ["’s profile", "'s profile", "’ profile", "' profile"]
        .iter()
        .find_map(|mark| rest.find(mark).map(|at| &rest[at + mark.len()..]))
        .is_some_and(|glued| {
            let glued = glued.trim();
            glued.is_empty() || plausible_name(strip_pronouns(glued))
        })
}

/// `Seen by Daniel Weber at 8:50 PM.`
fn is_seen_by(line: &str) -> bool {
    let t = line.trim();
    let Some(rest) = t.strip_prefix("Seen by ") else {
        return false;
    };
    let rest = rest.strip_suffix('.').unwrap_or(rest);
    rest.len() < 200
        && rest
            .rfind(" at ")
            .is_some_and(|at| is_clock_line(&rest[at + 4..]))
}

/// The screen-reader line of a sender LinkedIn shows no name for (its own notices).
fn is_nameless_sent_line(line: &str) -> bool {
    line.trim().starts_with("sent the following message")
}

/// A line LinkedIn adds that is never part of a message, wherever it stands.
pub(super) fn is_chrome(line: &str) -> bool {
    is_seen_by(line) || is_nameless_sent_line(line)
}

/// The three lines of the quick-reaction bar start at `at`.
pub(super) fn reaction_bar_at(lines: &[&str], at: usize) -> bool {
    lines.len() >= at + REACTION_BAR.len()
        && REACTION_BAR
            .iter()
            .zip(&lines[at..])
            .all(|(want, line)| line.trim() == *want)
}

/// `1st degree connection`, `3rd+ degree connection`, `· 1st`, `• 2nd`.
fn is_degree_line(t: &str) -> bool {
    let t = t.trim_start_matches(['·', '•', ' ']);
    let t = t.strip_suffix(" degree connection").unwrap_or(t);
    matches!(t, "1st" | "2nd" | "3rd" | "3rd+")
}

/// `Active now`, `Active 2h ago`, `Mobile • 5m ago`, `Mobile`.
fn is_presence_line(t: &str) -> bool {
    let lower = t.to_lowercase();
    let ago = |rest: &str| {
        let rest = rest.trim();
        rest == "now"
            || rest.strip_suffix(" ago").is_some_and(|amount| {
                let digits = amount.chars().take_while(char::is_ascii_digit).count();
                let unit = amount[digits..].trim();
                digits > 0
                    && matches!(
                        unit,
                        "m" | "h"
                            | "d"
                            | "w"
                            | "min"
                            | "mins"
                            | "minute"
                            | "minutes"
                            | "hour"
                            | "hours"
                            | "day"
                            | "days"
                            | "week"
                            | "weeks"
                    )
            })
    };
    if let Some(rest) = lower.strip_prefix("active ") {
        return ago(rest);
    }
    match lower.strip_prefix("mobile") {
        Some("") => true,
        Some(rest) => ago(rest.trim_start().trim_start_matches(['•', '·'])),
        None => false,
    }
}

/// A header line that is neither pronouns, degree nor presence is only taken for the
/// headline when it reads like one (`Senior Engineering Manager at Acme GmbH`,
/// `Founder | Rust & Cloud`) rather than like a message.
fn looks_like_headline(t: &str) -> bool {
    const MARKS: [&str; 9] = [" at ", " @ ", "|", "·", "•", " – ", " — ", " - ", " bei "];
    let first = t
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches([',', '!'])
        .to_lowercase();
    t.chars().count() <= 220
        && !t.contains('?')
        && !t.ends_with(['.', '!', ':'])
        && !matches!(
            first.as_str(),
            "hi" | "hello" | "hey" | "dear" | "thanks" | "thank"
        )
        && MARKS.iter().any(|m| t.contains(m))
}

/// The conversation header at the top of the paste: the lines it covers (up to, not
/// including, `end`) and the other person's name. `boundary(i)` says whether line `i`
/// starts a message or is a day divider; the header ends at the first such line.
pub(super) fn header_block(
    lines: &[&str],
    ctx: &Ctx,
    boundary: impl Fn(usize) -> bool,
) -> Option<(usize, String)> {
    let first = lines.iter().position(|l| !l.trim().is_empty())?;
    if boundary(first) {
        return None;
    }
    let line = lines[first].trim();
    let name = strip_pronouns(line);
    if !looks_like_name(name) || ctx.is_me(name) {
        return None;
    }
    let mut strong = name.len() != line.len();
    let mut other: Option<&str> = None;
    // A header is a handful of lines; looking further would only find message text.
    for (i, line) in lines.iter().enumerate().skip(first + 1).take(12) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if boundary(i) {
            let headline_ok = other.is_none_or(looks_like_headline);
            return (strong || headline_ok).then(|| (i, name.to_string()));
        }
        if strip_pronouns(t) == name {
            strong |= t != name;
        } else if is_pronouns(t) || is_degree_line(t) || is_presence_line(t) {
            strong = true;
        } else if other.replace(t).is_some() {
            return None;
        }
    }
    None
}

/// LinkedIn's day dividers are `Nov 24` or `Nov 24, 2025` (Slack writes
/// `Monday, November 24th`), and a copy often keeps their upper case (`NOV 24`, `TODAY`).
pub(super) fn is_linkedin_day_label(line: &str) -> bool {
    let t = line.trim();
    // `WEDNESDAY` and `Nov 24, 2025` are the longest; most lines stop here.
    if t.len() > 16 || t.split_whitespace().count() > 3 || !is_day_label(t) {
        return false;
    }
    let upper = t.chars().any(char::is_alphabetic)
        && !t.chars().any(|c| c.is_alphabetic() && c.is_lowercase());
    let short_month = t
        .split_whitespace()
        .next()
        .is_some_and(|w| w.chars().count() == 3 && w.chars().all(char::is_alphabetic))
        && !t.ends_with(['h', 'd', 't']);
    upper || short_month
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pronouns_are_stripped_only_when_they_look_like_pronouns() {
        assert_eq!(strip_pronouns("Daniel Weber (He/Him)"), "Daniel Weber");
        assert_eq!(strip_pronouns("Lena Hoffmann (She/They)"), "Lena Hoffmann");
        assert_eq!(strip_pronouns("Anna (Design)"), "Anna (Design)");
        assert_eq!(strip_pronouns("Anna"), "Anna");
    }

    #[test]
    fn profile_links_seen_by_and_presence_lines_are_recognised() {
        assert!(is_profile_link("View Daniel’s profileDaniel Weber"));
        assert!(is_profile_link("View Anna's profile"));
        assert!(!is_profile_link(
            "View Daniel’s profile to see what he does next week"
        ));
        assert!(is_chrome("Seen by Daniel Weber at 8:50 PM."));
        assert!(!is_chrome("Seen by the whole team at the offsite"));
        assert!(is_chrome("sent the following messages at 8:00 PM"));
        assert!(is_presence_line("Active 2h ago"));
        assert!(is_presence_line("Active now"));
        assert!(is_presence_line("Mobile • 5m ago"));
        assert!(!is_presence_line("Active listening matters"));
        assert!(is_degree_line("· 1st"));
        assert!(is_degree_line("3rd+ degree connection"));
    }

    #[test]
    fn linkedin_day_labels_differ_from_slack_ones() {
        assert!(is_linkedin_day_label("Nov 24"));
        assert!(is_linkedin_day_label("NOV 24"));
        assert!(is_linkedin_day_label("Nov 24, 2025"));
        assert!(is_linkedin_day_label("TODAY"));
        assert!(!is_linkedin_day_label("Today"));
        assert!(!is_linkedin_day_label("Monday, November 24th"));
    }
}
