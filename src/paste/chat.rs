//! Slack and LinkedIn conversations copied from the browser. Both show a sender line with a
//! clock time and then the message lines, separated by day dividers, so they share one
//! reader; only their scores differ.
//!
//! Sender lines: `Name  10:15 AM` (two or more spaces or a tab), `Name [10:15 AM]`,
//! `Name` followed by a line holding only the time, LinkedIn's
//! `Name sent the following message(s) at 10:15 AM`, and `Name 10:15 AM` with one space
//! once the name is known from another sender line. LinkedIn's `View Name's profile` lines
//! and a repeated name line right after its own header are skipped. Everything up to the
//! next sender line is one message, so consecutive messages shown without a new header are
//! grouped. Day dividers (`Today`, `Monday, November 24th`, `Nov 25, 2025`) only count as
//! such when a sender line follows them, so a message that says just "Today" stays text.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::text::{
    Ctx, Draft, clock_len, day_label, excerpt, find_clock, is_clock_line, looks_like_name,
    plausible_name, stamp,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Spaced,
    Bracketed,
    SentTheFollowing,
}

enum Kind<'a> {
    Blank,
    Header {
        name: &'a str,
        time: &'a str,
        rest: &'a str,
        form: Form,
    },
    Profile,
    Clock,
    Text,
}

fn classify(line: &str) -> Kind<'_> {
    let t = line.trim();
    if t.is_empty() {
        return Kind::Blank;
    }
    if is_clock_line(t) {
        return Kind::Clock;
    }
    if t.starts_with("View ") && (t.ends_with("’s profile") || t.ends_with("'s profile")) {
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
        let name = t[..gap].trim();
        let time = t[gap..].trim();
        if is_clock_line(time) && plausible_name(name) {
            return Kind::Header {
                name,
                time,
                rest: "",
                form: Form::Spaced,
            };
        }
    }
    Kind::Text
}

/// A `Name` line directly above a time-only line.
fn name_above_clock<'a>(line: &'a str, next: Option<&Kind>) -> Option<&'a str> {
    let name = line.trim();
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

pub(super) struct Scores {
    pub slack: usize,
    pub linkedin: usize,
}

pub(super) fn score(lines: &[&str]) -> Scores {
    let kinds: Vec<Kind> = lines.iter().map(|l| classify(l)).collect();
    let (mut headers, mut bracketed, mut linkedin_marks, mut ordinals) = (0, 0, 0, 0);
    for (i, kind) in kinds.iter().enumerate() {
        match kind {
            Kind::Header { form, .. } => {
                headers += 1;
                match form {
                    Form::Bracketed => bracketed += 1,
                    Form::SentTheFollowing => linkedin_marks += 1,
                    Form::Spaced => {}
                }
            }
            Kind::Profile => linkedin_marks += 1,
            Kind::Text => {
                if name_above_clock(lines[i], kinds.get(i + 1)).is_some_and(looks_like_name) {
                    headers += 1;
                } else if lines[i].trim_end().ends_with(['h', 'd', 't'])
                    && lines[i].contains(',')
                    && day_label(lines[i], NaiveDate::MIN).is_some()
                {
                    ordinals += 1;
                }
            }
            Kind::Blank | Kind::Clock => {}
        }
    }
    if headers == 0 {
        return Scores {
            slack: 0,
            linkedin: 0,
        };
    }
    Scores {
        slack: headers * 6 + bracketed * 6 + ordinals * 2,
        linkedin: headers * 6 + linkedin_marks * 10,
    }
}

struct Reader<'c> {
    ctx: &'c mut Ctx,
    drafts: Vec<Draft>,
    day: Option<(String, NaiveDate)>,
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
}

pub(super) fn parse(lines: &[&str], ctx: &mut Ctx) -> Vec<Draft> {
    let kinds: Vec<Kind> = lines.iter().map(|l| classify(l)).collect();
    let mut known: HashSet<&str> = HashSet::new();
    for (i, kind) in kinds.iter().enumerate() {
        match kind {
            Kind::Header { name, .. } => {
                known.insert(name);
            }
            // Directly under a header, `Thanks` above `10:30` is a reply, not a sender.
            Kind::Text if i == 0 || !matches!(kinds[i - 1], Kind::Clock | Kind::Header { .. }) => {
                if let Some(name) = name_above_clock(lines[i], kinds.get(i + 1))
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
                name_above_clock(lines[i], kinds.get(i + 1)).is_some_and(|n| known.contains(n))
                    || single_space_header(lines[i], &known).is_some()
            }
            _ => false,
        }
    };

    let mut reader = Reader {
        ctx,
        drafts: Vec::new(),
        day: None,
    };
    let mut skipped: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        match &kinds[i] {
            Kind::Header {
                name, time, rest, ..
            } => reader.header(name, time, rest),
            Kind::Profile => {}
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
                let awaiting_text = reader
                    .drafts
                    .last()
                    .is_some_and(|d| d.is_blank() && d.sender != line.trim());
                if let Some(name) = name_above_clock(line, kinds.get(i + 1))
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
                let mut next = i + 1;
                while matches!(kinds.get(next), Some(Kind::Blank)) {
                    next += 1;
                }
                let as_day = (line.split_whitespace().count() <= 6 && starts_message(next))
                    .then(|| day_label(line, reader.ctx.reference))
                    .flatten();
                if let Some(day) = as_day {
                    reader.day = Some((line.trim().to_string(), day));
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
    let drafts = reader.drafts;
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
