//! Slack and LinkedIn conversations copied from the browser. Both show a sender line with a
//! clock time and then the message lines, separated by day dividers, so they share one
//! reader; in LinkedIn mode it also sets aside the lines LinkedIn adds (see `linkedin.rs`),
//! and their scores differ.
//!
//! Sender lines: `Name  10:15 AM` (two or more spaces or a tab), `Name [10:15 AM]`,
//! `Name` followed by a line holding only the time, LinkedIn's
//! `Name sent the following message(s) at 10:15 AM`, and `Name 10:15 AM` with one space
//! once the name is known from another sender line. LinkedIn's `View Name's profile` lines
//! and a repeated name line right after its own header are skipped. Everything up to the
//! next sender line is one message, so consecutive messages shown without a new header are
//! grouped. Day dividers (`Today`, `Monday, November 24th`, `Nov 25, 2025`) only count as
//! such when a sender line follows them, so a message that says just "Today" stays text.
//! Messages above the first day divider are from an earlier, unknown day: they keep their
//! time label but get no timestamp (without any divider, times are on the reference day).

use std::collections::HashSet;

use chrono::NaiveDate;

use super::linkedin;
use super::text::{
    Ctx, Draft, clock_len, day_label, excerpt, find_clock, is_clock_line, is_day_label,
    looks_like_name, plausible_name, stamp,
};

/// Which app the copy comes from: LinkedIn mode also recognises LinkedIn's own lines.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Slack,
    LinkedIn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Spaced,
    /// `Daniel Weber (He/Him)  8:48 PM`: only LinkedIn shows pronouns there.
    SpacedWithPronouns,
    Bracketed,
    SentTheFollowing,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind<'a> {
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

/// `Name 10:15 AM` with a single space: only trusted for names seen in other sender lines.
fn single_space_header<'a>(line: &'a str, known: &HashSet<&str>) -> Option<(&'a str, &'a str)> {
    let t = line.trim();
    let (start, end) = find_clock(t)?;
    let name = t[..start].trim();
    (end == t.len() && known.contains(name) && clock_len(&t[start..]).is_some())
        .then_some((name, &t[start..]))
}

/// The lines of a paste as the reader sees them, and the other person's name when a
/// LinkedIn conversation header names them.
struct Lines<'a> {
    lines: &'a [&'a str],
    kinds: Vec<Kind<'a>>,
    mode: Mode,
    participant: Option<String>,
}

impl<'a> Lines<'a> {
    fn read(lines: &'a [&'a str], mode: Mode, ctx: &Ctx) -> Self {
        let kinds = lines.iter().map(|l| classify(l, mode)).collect();
        Self::with_kinds(lines, kinds, mode, ctx)
    }

    /// Reads in LinkedIn mode what `slack` has read in Slack mode.
    fn linkedin_from(slack: &Lines<'a>, ctx: &Ctx) -> Self {
        let kinds = (slack.lines.iter().zip(&slack.kinds))
            .map(|(line, kind)| match linkedin_may_differ(line.trim()) {
                true => classify(line, Mode::LinkedIn),
                false => *kind,
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
                if matches!(read.kinds[i - 1], Kind::Profile)
                    && matches!(read.kinds.get(i + 1), Some(Kind::Header { name, .. }) if *name == lines[i].trim())
                {
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

    fn name_above_clock(&self, i: usize) -> Option<&'a str> {
        name_above_clock(self.lines[i], self.kinds.get(i + 1), self.mode)
    }

    /// A sender line of any form except the single-spaced one, which needs known names.
    fn starts_message(&self, i: usize) -> bool {
        match self.kinds.get(i) {
            Some(Kind::Header { .. } | Kind::Profile) => true,
            Some(Kind::Text) => self.name_above_clock(i).is_some_and(looks_like_name),
            _ => false,
        }
    }

    /// The next line at or after `from` that is neither blank nor LinkedIn's own.
    fn next_content(&self, from: usize) -> usize {
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

pub(super) struct Scores {
    pub slack: usize,
    pub linkedin: usize,
}

pub(super) fn score(lines: &[&str], ctx: &Ctx) -> Scores {
    let slack = Lines::read(lines, Mode::Slack, ctx);
    let linkedin = Lines::linkedin_from(&slack, ctx);
    Scores {
        slack: score_mode(&slack),
        linkedin: score_mode(&linkedin),
    }
}

fn score_mode(read: &Lines) -> usize {
    let (lines, mode) = (read.lines, read.mode);
    let (mut headers, mut bracketed, mut linkedin_marks, mut ordinals) = (0, 0, 0, 0);
    for (i, kind) in read.kinds.iter().enumerate() {
        match kind {
            Kind::Header { form, .. } => {
                headers += 1;
                match form {
                    Form::Bracketed => bracketed += 1,
                    Form::SentTheFollowing | Form::SpacedWithPronouns => linkedin_marks += 1,
                    Form::Spaced => {}
                }
            }
            Kind::Profile | Kind::Chrome => linkedin_marks += 1,
            Kind::Text => {
                if read.name_above_clock(i).is_some_and(looks_like_name) {
                    headers += 1;
                } else if lines[i].trim_end().ends_with(['h', 'd', 't'])
                    && lines[i].contains(',')
                    && is_day_label(lines[i])
                {
                    ordinals += 1;
                } else if mode == Mode::LinkedIn && linkedin::is_linkedin_day_label(lines[i]) {
                    linkedin_marks += 1;
                }
            }
            Kind::Blank | Kind::Clock => {}
        }
    }
    if headers == 0 {
        return 0;
    }
    match mode {
        Mode::Slack => headers * 6 + bracketed * 6 + ordinals * 2,
        Mode::LinkedIn => headers * 6 + linkedin_marks * 10,
    }
}

struct Reader<'c> {
    ctx: &'c mut Ctx,
    drafts: Vec<Draft>,
    day: Option<(String, NaiveDate)>,
    /// How many messages were read before the first day divider.
    before_first_day: Option<usize>,
}

impl Reader<'_> {
    fn header(&mut self, name: &str, time: &str, rest: &str) {
        let day = self.day.as_ref().map(|d| d.1);
        match self.drafts.last_mut() {
            Some(last) if last.sender == name && last.is_blank() => {
                if last.time.is_empty() && !time.is_empty() {
                    last.time = time.to_string();
                    last.timestamp = stamp(day, time, self.ctx.reference);
                }
            }
            _ => {
                let mut draft = Draft::new(name);
                draft.time = time.to_string();
                draft.date = self.day.as_ref().map(|d| d.0.clone()).unwrap_or_default();
                draft.timestamp = stamp(day, time, self.ctx.reference);
                self.drafts.push(draft);
            }
        }
        if !rest.is_empty()
            && let Some(last) = self.drafts.last_mut()
        {
            last.push_line(rest);
        }
    }

    fn day(&mut self, label: &str, day: NaiveDate) {
        self.before_first_day.get_or_insert(self.drafts.len());
        self.day = Some((label.to_string(), day));
    }
}

pub(super) fn parse(lines: &[&str], ctx: &mut Ctx, mode: Mode) -> Vec<Draft> {
    let read = Lines::read(lines, mode, ctx);
    let kinds = &read.kinds;
    let mut known: HashSet<&str> = HashSet::new();
    for (i, kind) in kinds.iter().enumerate() {
        match kind {
            Kind::Header { name, .. } => {
                known.insert(name);
            }
            // Directly under a header, `Thanks` above `10:30` is a reply, not a sender.
            Kind::Text if i == 0 || !matches!(kinds[i - 1], Kind::Clock | Kind::Header { .. }) => {
                if let Some(name) = read.name_above_clock(i)
                    && looks_like_name(name)
                {
                    known.insert(name);
                }
            }
            _ => {}
        }
    }
    let starts_message = |i: usize| -> bool {
        match kinds.get(i) {
            Some(Kind::Header { .. } | Kind::Profile) => true,
            Some(Kind::Text) => {
                read.name_above_clock(i).is_some_and(|n| known.contains(n))
                    || single_space_header(lines[i], &known).is_some()
            }
            _ => false,
        }
    };

    if let Some(name) = &read.participant {
        ctx.participant = Some(name.clone());
    }
    let mut reader = Reader {
        ctx,
        drafts: Vec::new(),
        day: None,
        before_first_day: None,
    };
    let mut skipped: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        match &kinds[i] {
            Kind::Header {
                name, time, rest, ..
            } => reader.header(name, time, rest),
            Kind::Profile | Kind::Chrome => {}
            Kind::Clock => match reader.drafts.last_mut() {
                Some(last) if last.is_blank() && last.time.is_empty() => {
                    let day = reader.day.as_ref().map(|d| d.1);
                    last.time = line.trim().to_string();
                    last.timestamp = stamp(day, &last.time, reader.ctx.reference);
                }
                Some(last) => last.push_line(line),
                None => skipped.get_or_insert((i + 1, 0)).1 += 1,
            },
            Kind::Blank => {
                if let Some(last) = reader.drafts.last_mut() {
                    last.push_line(line);
                }
            }
            Kind::Text => {
                // A header whose message is still empty is followed by its text, not by
                // another sender (unless it repeats the same name).
                let awaiting_text = reader.drafts.last().is_some_and(|d| {
                    d.is_blank() && d.sender != read.name_above_clock(i).unwrap_or(line.trim())
                });
                if let Some(name) = read
                    .name_above_clock(i)
                    .filter(|n| !awaiting_text && (known.contains(n) || looks_like_name(n)))
                {
                    reader.header(name, lines[i + 1].trim(), "");
                    i += 2;
                    continue;
                }
                if let Some((name, time)) = single_space_header(line, &known) {
                    reader.header(name, time, "");
                    i += 1;
                    continue;
                }
                let as_day = (line.split_whitespace().count() <= 6
                    && starts_message(read.next_content(i + 1)))
                .then(|| day_label(line, reader.ctx.reference))
                .flatten();
                if let Some(day) = as_day {
                    reader.day(line.trim(), day);
                    i += 1;
                    continue;
                }
                let name = line.trim();
                let previous_blank = i == 0 || matches!(kinds[i - 1], Kind::Blank);
                match reader.drafts.last_mut() {
                    Some(last) if last.sender == name && last.is_blank() => {}
                    _ if previous_blank && known.contains(name) => reader.header(name, "", ""),
                    Some(last) => last.push_line(line),
                    None => skipped.get_or_insert((i + 1, 0)).1 += 1,
                }
            }
        }
        i += 1;
    }
    let mut drafts = reader.drafts;
    // Their day is before the first divider's, and which one is not known: a reference-day
    // timestamp would sort them after the messages below them.
    if let Some(count) = reader.before_first_day {
        for draft in &mut drafts[..count] {
            draft.timestamp = None;
        }
    }
    if let (Some((first, count)), false) = (skipped, drafts.is_empty()) {
        let text = excerpt(lines[first - 1]);
        ctx.warn(
            first,
            format!(
                "{count} line(s) before the first sender were left out, starting with \"{text}\""
            ),
        );
    }
    drafts
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
