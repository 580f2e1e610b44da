//! How the chat reader sees each line of a Slack or LinkedIn copy: blank, a sender line of
//! one of its forms, a time, LinkedIn's profile link or its other lines that are never
//! message text, or text; and, in LinkedIn mode, where the conversation header ends.

use super::super::linkedin;
use super::super::text::{Ctx, is_clock_line, is_day_label, looks_like_name, plausible_name};
use super::Mode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    Spaced,
    /// `Daniel Weber (He/Him)  8:48 PM`: only LinkedIn shows pronouns there.
    SpacedWithPronouns,
    Bracketed,
    SentTheFollowing,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind<'a> {
    Blank,
    Header {
        name: &'a str,
        time: &'a str,
        rest: &'a str,
        form: Form,
    },
    Profile,
    /// A LinkedIn line that is never message text: the conversation header, a read
    /// receipt, the reaction bar.
    Chrome,
    Clock,
    Text,
}

/// Only lines like these read differently in LinkedIn mode (see `classify`), so scoring
/// both modes classifies every other line once.
fn linkedin_may_differ(t: &str) -> bool {
    t.starts_with("Seen by ")
        || t.starts_with("sent the following message")
        || t.starts_with("View ")
        || t.contains('(')
}

fn classify(line: &str, mode: Mode) -> Kind<'_> {
    let t = line.trim();
    if t.is_empty() {
        return Kind::Blank;
    }
    if is_clock_line(t) {
        return Kind::Clock;
    }
    let linkedin = mode == Mode::LinkedIn;
    if linkedin && linkedin::is_chrome(t) {
        return Kind::Chrome;
    }
    let profile_line =
        t.starts_with("View ") && (t.ends_with("’s profile") || t.ends_with("'s profile"));
    if profile_line || (linkedin && linkedin::is_profile_link(t)) {
        return Kind::Profile;
    }
    if let Some(at) = t.find(" sent the following message") {
        let name = t[..at].trim();
        let time = t[at..]
            .rfind(" at ")
            .map(|i| t[at + i + 4..].trim())
            .filter(|time| is_clock_line(time))
            .unwrap_or("");
        if plausible_name(name) {
            return Kind::Header {
                name,
                time,
                rest: "",
                form: Form::SentTheFollowing,
            };
        }
    }
    if let Some(open) = t.find(" [")
        && let Some(close) = t[open..].find(']').map(|i| open + i)
    {
        let name = t[..open].trim();
        let time = t[open + 2..close].trim();
        if is_clock_line(time) && plausible_name(name) {
            return Kind::Header {
                name,
                time,
                rest: t[close + 1..].trim(),
                form: Form::Bracketed,
            };
        }
    }
    if let Some(gap) = t.find("  ").or_else(|| t.find('\t')) {
        let shown = t[..gap].trim();
        let name = if linkedin {
            linkedin::strip_pronouns(shown)
        } else {
            shown
        };
        let time = t[gap..].trim();
        if is_clock_line(time) && plausible_name(name) {
            let form = if name.len() == shown.len() {
                Form::Spaced
            } else {
                Form::SpacedWithPronouns
            };
            return Kind::Header {
                name,
                time,
                rest: "",
                form,
            };
        }
    }
    Kind::Text
}

/// A `Name` line directly above a time-only line (LinkedIn's chat overlay, some Slack copies).
fn name_above_clock<'a>(line: &'a str, next: Option<&Kind>, mode: Mode) -> Option<&'a str> {
    let name = match mode {
        Mode::LinkedIn => linkedin::strip_pronouns(line),
        Mode::Slack => line.trim(),
    };
    (matches!(next, Some(Kind::Clock)) && plausible_name(name)).then_some(name)
}

/// The lines of a paste as the reader sees them, and the other person's name when a
/// LinkedIn conversation header names them.
pub(super) struct Lines<'a> {
    pub lines: &'a [&'a str],
    pub kinds: Vec<Kind<'a>>,
    pub mode: Mode,
    pub participant: Option<String>,
}

impl<'a> Lines<'a> {
    pub(super) fn read(lines: &'a [&'a str], mode: Mode, ctx: &Ctx) -> Self {
        let kinds = lines.iter().map(|l| classify(l, mode)).collect();
        Self::with_kinds(lines, kinds, mode, ctx)
    }

    /// Reads in LinkedIn mode what `slack` has read in Slack mode.
    pub(super) fn linkedin_from(slack: &Lines<'a>, ctx: &Ctx) -> Self {
        let kinds = (slack.lines.iter().zip(&slack.kinds))
            .map(|(line, kind)| {
                if linkedin_may_differ(line.trim()) {
                    classify(line, Mode::LinkedIn)
                } else {
                    *kind
                }
            })
            .collect();
        Self::with_kinds(slack.lines, kinds, Mode::LinkedIn, ctx)
    }

    fn with_kinds(lines: &'a [&'a str], kinds: Vec<Kind<'a>>, mode: Mode, ctx: &Ctx) -> Self {
        let mut read = Lines {
            lines,
            kinds,
            mode,
            participant: None,
        };
        if mode == Mode::LinkedIn {
            let bar = linkedin::REACTION_BAR.len();
            for i in 1..lines.len() {
                if matches!(read.kinds[i - 1], Kind::Header { .. } | Kind::Clock)
                    && linkedin::reaction_bar_at(lines, i)
                {
                    read.kinds[i..i + bar].fill_with(|| Kind::Chrome);
                }
                // `View Daniel’s profile`, then `Daniel Weber` on its own line: the link's
                // name, shown again in the sender line below it.
                let named_below = match read.kinds.get(i + 1) {
                    Some(Kind::Header { name, .. }) => *name == lines[i].trim(),
                    _ => false,
                };
                if named_below && matches!(read.kinds[i - 1], Kind::Profile) {
                    read.kinds[i] = Kind::Chrome;
                }
            }
            let header = linkedin::header_block(lines, ctx, |i| {
                read.starts_message(i) || read.is_divider(i)
            });
            if let Some((end, name)) = header {
                read.kinds[..end].fill_with(|| Kind::Chrome);
                read.participant = Some(name);
            }
        }
        read
    }

    pub(super) fn name_above_clock(&self, i: usize) -> Option<&'a str> {
        name_above_clock(self.lines[i], self.kinds.get(i + 1), self.mode)
    }

    /// A sender line of any form except the single-spaced one, which needs known names.
    pub(super) fn starts_message(&self, i: usize) -> bool {
        match self.kinds.get(i) {
            Some(Kind::Header { .. } | Kind::Profile) => true,
            Some(Kind::Text) => self.name_above_clock(i).is_some_and(looks_like_name),
            _ => false,
        }
    }

    /// The next line at or after `from` that is neither blank nor LinkedIn's own.
    pub(super) fn next_content(&self, from: usize) -> usize {
        let mut next = from;
        while matches!(self.kinds.get(next), Some(Kind::Blank | Kind::Chrome)) {
            next += 1;
        }
        next
    }

    /// A short day label followed by a sender line.
    fn is_divider(&self, i: usize) -> bool {
        let line = self.lines[i];
        matches!(self.kinds[i], Kind::Text)
            && line.split_whitespace().count() <= 6
            && self.starts_message(self.next_content(i + 1))
            && is_day_label(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_not_flagged_as_linkedin_like_read_the_same_in_both_modes() {
        let lines = [
            "Daniel Weber  8:48 PM",
            "Anna [10:15 AM] hi",
            "Anna Schmidt sent the following message at 10:15 AM",
            "Seen by",
            "Active now",
            "8:48 PM",
            "",
            "Hi Anna, see you at 10:30",
            "👏",
        ];
        for line in lines {
            assert!(
                !linkedin_may_differ(line.trim()) || line.is_empty(),
                "{line}"
            );
            assert_eq!(
                classify(line, Mode::Slack),
                classify(line, Mode::LinkedIn),
                "{line}"
            );
        }
        for line in [
            "Daniel Weber (He/Him)  8:48 PM",
            "View Anna’s profileAnna Schmidt",
        ] {
            assert!(linkedin_may_differ(line));
            assert_ne!(
                classify(line, Mode::Slack),
                classify(line, Mode::LinkedIn),
                "{line}"
            );
        }
    }
}
