//! Shared line handling for the paste parsers: splitting input, recognising names, clock
//! times and day labels, and the draft message every format parser fills in.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::timestamp::{parse_date, parse_time};

use super::{ParsedMessage, Warning};

/// State every format parser shares: the day relative labels are read against, who "I" am,
/// and the warnings collected so far.
pub(super) struct Ctx {
    pub reference: NaiveDate,
    /// Lower-cased once so that matching thousands of messages does not re-allocate per name.
    pub my_names: Vec<String>,
    pub first_my_name: Option<String>,
    /// The other person, when the format names them apart from the messages (LinkedIn's
    /// conversation header, the other side of an email).
    pub participant: Option<String>,
    pub warnings: Vec<Warning>,
}

impl Ctx {
    pub fn new(reference: NaiveDate, my_names: &[String]) -> Self {
        let first_my_name = my_names
            .iter()
            .map(|n| n.trim())
            .find(|n| !n.is_empty())
            .map(str::to_string);
        let my_names = my_names
            .iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        Ctx {
            reference,
            my_names,
            first_my_name,
            participant: None,
            warnings: Vec::new(),
        }
    }

    pub fn is_me(&self, name: &str) -> bool {
        let name = name.trim();
        !name.is_empty()
            && !self.my_names.is_empty()
            && self.my_names.iter().any(|m| *m == name.to_lowercase())
    }

    /// Like [`Ctx::is_me`], but also true for the first or last word of one of my names, as
    /// a greeting (`Hi Anna`, `Dear Ms Schmidt`) or a sign-off (`Best, Anna`) uses them, and
    /// for the first part of an address among them (`anna` for `anna.schmidt@example.com`).
    pub fn is_me_loosely(&self, name: &str) -> bool {
        let name = name.trim().to_lowercase();
        let name = name.as_str();
        !name.is_empty()
            && self.my_names.iter().any(|mine| {
                let mut words = mine.split_whitespace();
                let (first, last) = (words.next(), words.next_back());
                let local = mine
                    .split_once('@')
                    .and_then(|(local, _)| local.split(['.', '_', '-']).next());
                mine == name || first == Some(name) || last == Some(name) || local == Some(name)
            })
    }

    pub fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Warning {
            line,
            message: message.into(),
        });
    }
}

/// A message while a parser is still collecting its lines.
#[derive(Debug, Default)]
pub(super) struct Draft {
    pub message_id: Option<String>,
    pub sender: String,
    /// Only email carries an address; it counts for `is_mine` as much as the name does.
    pub address: Option<String>,
    pub date: String,
    pub time: String,
    pub timestamp: Option<NaiveDateTime>,
    /// Set when the parser knows the message is the user's own without a matching name.
    pub mine: bool,
    pub content: String,
    pub has_lines: bool,
}

impl Draft {
    pub fn new(sender: &str) -> Self {
        Draft {
            sender: sender.trim().to_string(),
            ..Draft::default()
        }
    }

    pub fn push_line(&mut self, line: &str) {
        if self.has_lines {
            self.content.push('\n');
        }
        self.content.push_str(line);
        self.has_lines = true;
    }

    /// True while only blank lines have been added, so a repeated header can still merge.
    pub fn is_blank(&self) -> bool {
        self.content.trim().is_empty()
    }

    pub fn finish(self, ctx: &Ctx) -> ParsedMessage {
        let is_mine = self.mine
            || ctx.is_me(&self.sender)
            || self.address.as_deref().is_some_and(|a| ctx.is_me(a));
        ParsedMessage {
            message_id: self.message_id,
            sender: self.sender,
            date: self.date,
            time: self.time,
            timestamp: self.timestamp,
            content: trim_blank_lines(&self.content).to_string(),
            is_mine,
        }
    }
}

/// Splits the input into lines without the BOM and without Windows `\r`.
pub(super) fn split_lines(input: &str) -> Vec<&str> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    input
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

pub(super) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Drops whole blank lines at both ends while keeping the indentation of the first line.
pub(super) fn trim_blank_lines(text: &str) -> &str {
    let mut start = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if !is_blank(line) {
            start.get_or_insert(pos);
            end = pos + line.trim_end_matches(['\n', '\r']).len();
        }
        pos += line.len();
    }
    match start {
        Some(start) => &text[start..end],
        None => "",
    }
}

/// Splits `Name: rest` at the first colon that is followed by whitespace or the line end, so
/// that `10:30` and `https://` never split. Returns the name (trimmed) and the rest after one
/// whitespace character. Lines that start with whitespace never carry a name.
pub(super) fn split_name(line: &str) -> Option<(&str, &str)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(pos) = line[from..].find(':') {
        let at = from + pos;
        let after = &line[at + 1..];
        match after.chars().next() {
            None => return non_empty_name(&line[..at], ""),
            Some(c) if c.is_whitespace() => {
                return non_empty_name(&line[..at], &after[c.len_utf8()..]);
            }
            _ => from = at + 1,
        }
        if from >= bytes.len() {
            break;
        }
    }
    None
}

fn non_empty_name<'a>(name: &'a str, rest: &'a str) -> Option<(&'a str, &'a str)> {
    let name = name.trim_end();
    (!name.is_empty()).then_some((name, rest))
}

/// Shape rules any sender name must meet: short, few words, starts with a letter, and free
/// of the characters that show up in URLs, quotes and markup rather than in names.
pub(super) fn plausible_name(name: &str) -> bool {
    let name = name.trim();
    let Some(first) = name.chars().next() else {
        return false;
    };
    if !(first.is_alphabetic() || first == '@') || name.chars().count() > 40 {
        return false;
    }
    if name.split_whitespace().count() > 5 || name.contains("://") || name.contains("www.") {
        return false;
    }
    !name.chars().any(|c| {
        matches!(
            c,
            ':' | '"' | '“' | '”' | '<' | '>' | '[' | ']' | '{' | '}' | '|' | '\\' | '/' | '='
        )
    })
}

/// Words that start labelled lines ("Note: …", "PS: …") far more often than they are names.
const LABEL_WORDS: &str = "\
    note notes nb ps p.s p.s. pps fyi btw tldr tl;dr todo edit update q a question \
    answer example e.g i.e re fwd fw from to cc bcc subject sent date time warning error \
    tip important reminder summary agenda address phone email e-mail link location where \
    when what why how who price total step result output input reason source status \
    deadline also but and so then now today tomorrow yesterday http https monday tuesday \
    wednesday thursday friday saturday sunday meeting call option pro con pros cons \
    attention caution info details item items list hint fix bug issue topic title name \
    re: ok okay yes no well here there this that";

/// The name starts with a word such as "Note" or "PS" that labels a line rather than
/// naming someone.
pub(super) fn starts_with_label_word(name: &str) -> bool {
    name.split_whitespace().next().is_some_and(|first| {
        let lower = first.to_lowercase();
        let word = lower.trim_end_matches([',', '.', '!', '?']);
        LABEL_WORDS.split_whitespace().any(|w| w == word)
    })
}

const NAME_PARTICLES: &str =
    "von van de la le del della da di der den du des bin ibn al el y dos das ten ter zu";

/// A stricter test for names seen only once: capitalised words (or scripts without case),
/// not a label word such as "Note".
pub(super) fn looks_like_name(name: &str) -> bool {
    if !plausible_name(name) {
        return false;
    }
    if starts_with_label_word(name) || name.ends_with(['.', ',', '!', '?', ';']) {
        return false;
    }
    name.split_whitespace().all(|word| {
        let lower = word.to_lowercase();
        match word.chars().next() {
            Some(c) if c.is_alphabetic() => {
                !c.is_lowercase() || NAME_PARTICLES.split_whitespace().any(|p| p == lower)
            }
            _ => true,
        }
    })
}

/// Length in bytes of a clock time at the start of `text` (`9:12`, `14:03:12`, `2:03 PM`,
/// `2:03\u{202f}pm`, `9:12 a.m.`), or `None`.
pub(super) fn clock_len(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let h = digits(0);
    if !(1..=2).contains(&h) || b.get(h) != Some(&b':') || digits(h + 1) != 2 {
        return None;
    }
    let mut end = h + 3;
    if b.get(end) == Some(&b':') && digits(end + 1) == 2 {
        end += 3;
    }
    if digits(end) > 0 {
        return None;
    }
    let rest = &text[end..];
    let spaced = rest.trim_start_matches([' ', '\u{202f}', '\u{a0}']);
    let lower: String = spaced
        .chars()
        .take(4)
        .collect::<String>()
        .to_ascii_lowercase();
    for marker in ["a.m.", "p.m.", "am", "pm"] {
        if lower.starts_with(marker) {
            let after = &spaced[marker.len()..];
            if !after.starts_with(|c: char| c.is_alphanumeric()) {
                return Some(text.len() - after.len());
            }
        }
    }
    Some(end)
}

/// Finds the first clock time inside `text`: its start and end in bytes.
pub(super) fn find_clock(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit()
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && let Some(len) = clock_len(&text[i..])
        {
            return Some((i, i + len));
        }
        i += 1;
    }
    None
}

/// The whole trimmed line is a clock time.
pub(super) fn is_clock_line(line: &str) -> bool {
    let t = line.trim();
    clock_len(t) == Some(t.len()) && clock(t).is_some()
}

/// Reads a clock label, accepting the no-break spaces iOS and macOS put before AM/PM.
pub(super) fn clock(raw: &str) -> Option<NaiveTime> {
    if raw.contains(['\u{202f}', '\u{a0}']) {
        parse_time(&raw.replace(['\u{202f}', '\u{a0}'], " "))
    } else {
        parse_time(raw)
    }
}

/// Reads a day label (`Today`, `Monday, November 24th`, `Nov 25, 2025`). Long lines are
/// never day labels, which keeps the per-line check cheap on big pastes.
pub(super) fn day_label(raw: &str, reference: NaiveDate) -> Option<NaiveDate> {
    let text = raw.trim();
    if text.is_empty() || text.len() > 60 {
        return None;
    }
    parse_date(text, reference)
}

/// Whether `raw` is a day label at all, whatever day it names. (A reference such as
/// `NaiveDate::MIN` would reject every month-day label: the year before it does not exist.)
pub(super) fn is_day_label(raw: &str) -> bool {
    // A leap year, so that `Feb 29` is a day too.
    let any_day = NaiveDate::from_ymd_opt(2000, 6, 15).expect("a valid date");
    day_label(raw, any_day).is_some()
}

/// Splits a header value such as `Monday, November 24, 2026 10:15 AM` or
/// `Tue, Nov 24, 2026 at 9:12 AM` into its date and time labels.
pub(super) fn split_date_time(value: &str) -> (&str, &str) {
    let value = value.trim();
    match find_clock(value) {
        Some((start, end)) => {
            let date = value[..start].trim_end();
            let date = date.strip_suffix(" at").unwrap_or(date);
            let date = date.trim_end().trim_end_matches(',').trim_end();
            (date, &value[start..end])
        }
        None => (value, ""),
    }
}

/// Combines a day (if known) and a clock label; a time alone lands on `fallback_day`.
pub(super) fn stamp(
    day: Option<NaiveDate>,
    time: &str,
    fallback_day: NaiveDate,
) -> Option<NaiveDateTime> {
    match (day, clock(time)) {
        (Some(day), Some(t)) => Some(day.and_time(t)),
        (Some(day), None) => Some(day.and_time(NaiveTime::MIN)),
        (None, Some(t)) => Some(fallback_day.and_time(t)),
        (None, None) => None,
    }
}

/// Shortens a line for a warning message.
pub(super) fn excerpt(line: &str) -> String {
    let mut out: String = line.trim().chars().take(60).collect();
    if line.trim().chars().count() > 60 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_only_at_a_colon_followed_by_space() {
        assert_eq!(split_name("Anna: hi"), Some(("Anna", "hi")));
        assert_eq!(split_name("Anna:"), Some(("Anna", "")));
        assert_eq!(split_name("https://x.com/a:b"), None);
        assert_eq!(
            split_name("at 10:15: we meet"),
            Some(("at 10:15", "we meet"))
        );
        assert_eq!(split_name(" Anna: hi"), None);
    }

    #[test]
    fn label_words_and_sentences_do_not_look_like_names() {
        assert!(looks_like_name("Anna Schmidt"));
        assert!(looks_like_name("Ludwig van Beethoven"));
        assert!(looks_like_name("محمد علي"));
        assert!(!looks_like_name("Note"));
        assert!(!looks_like_name("One more thing"));
        assert!(!looks_like_name("at 10:15"));
        assert!(!plausible_name("https://x.com"));
    }

    #[test]
    fn clock_times_are_found_with_their_meridiem() {
        assert_eq!(
            find_clock("Tue, Nov 24, 2026 at 9:12 AM Anna"),
            Some((21, 28))
        );
        assert!(is_clock_line("2:03\u{202f}PM"));
        assert!(is_clock_line(" 14:03 "));
        assert!(!is_clock_line("14:03 tomorrow"));
        assert!(!is_clock_line("123:45"));
    }

    #[test]
    fn blank_lines_are_trimmed_only_at_the_ends() {
        assert_eq!(trim_blank_lines("\n  \n  a\n\nb\n \n\n"), "  a\n\nb");
        assert_eq!(trim_blank_lines("\n\n"), "");
        assert_eq!(trim_blank_lines("x"), "x");
    }

    #[test]
    fn day_labels_with_a_weekday_in_front_parse() {
        let reference = NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date");
        let want = NaiveDate::from_ymd_opt(2026, 11, 24);
        assert_eq!(day_label("Monday, November 24th", reference), want);
        assert_eq!(day_label("24 November", reference), want);
        assert_eq!(day_label("Yesterday", reference), want);
    }
}
