//! Lenient reading of the date and time labels that clients and pasted conversations carry.
//!
//! Real clients send `2026-01-30`, but also labels such as `Jan 30`, `Today` or `Unknown`,
//! and times as `14:03`, `14:03:12` or `8:48 PM`. Nothing here fails: a label that does not
//! parse gives `None`, and the caller keeps the raw text.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

/// The format timestamps are stored and compared in (sortable as text).
pub const STORAGE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Formats a timestamp the way the database stores it.
pub fn to_storage(at: NaiveDateTime) -> String {
    at.format(STORAGE_FORMAT).to_string()
}

/// Combines a date label and a time label into a timestamp.
///
/// `reference` is the day the labels are relative to ("Today", "Yesterday", "Monday",
/// a month and day without a year). A date that parses with no usable time gives midnight.
pub fn parse_date_time(date: &str, time: &str, reference: NaiveDate) -> Option<NaiveDateTime> {
    let day = parse_date(date, reference)?;
    Some(day.and_time(parse_time(time).unwrap_or(NaiveTime::MIN)))
}

/// Reads a time label: `14:03`, `14:03:12`, `8:48 PM`, `8:48pm`, `8:48 a.m.`.
pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    let text = raw.trim().to_ascii_lowercase().replace('.', "");
    let (clock, meridiem) = if let Some(rest) = text.strip_suffix("am") {
        (rest.trim_end(), Some(false))
    } else if let Some(rest) = text.strip_suffix("pm") {
        (rest.trim_end(), Some(true))
    } else {
        (text.as_str(), None)
    };
    let mut parts = clock.split(':');
    let hour: u32 = parse_digits(parts.next()?, 1, 2)?;
    let minute: u32 = parse_digits(parts.next()?, 2, 2)?;
    let second: u32 = match parts.next() {
        Some(s) => parse_digits(s, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let hour = match meridiem {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
    };
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// Reads a date label relative to `reference`.
///
/// Accepts ISO dates (`2026-01-30`, `2026/01/30`), `Today`, `Yesterday`, weekday names
/// (the most recent such day, today included), and month-day labels in English
/// (`Jan 30`, `January 30, 2025`, `30 Jan`, `30 January 2025`). A month-day label with no
/// year is taken in the reference year unless that would put it in the future, in which
/// case it is the year before. Numeric day/month orders other than ISO are ambiguous and
/// left to callers that know the order (see [`parse_numeric_date`]).
pub fn parse_date(raw: &str, reference: NaiveDate) -> Option<NaiveDate> {
    let text = raw.trim().trim_end_matches(',').trim();
    if text.is_empty() {
        return None;
    }
    if let Some(day) = parse_iso_date(text) {
        return Some(day);
    }
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "today" => return Some(reference),
        "yesterday" => return reference.checked_sub_days(Days::new(1)),
        _ => {}
    }
    if let Some(weekday) = parse_weekday(&lower) {
        let back =
            (7 + reference.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
        return reference.checked_sub_days(Days::new(u64::from(back)));
    }
    parse_month_day(&lower, reference)
}

/// The order of day and month in a numeric date such as `05/03/2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOrder {
    /// `25/11/2026`: most of the world.
    DayFirst,
    /// `11/25/2026`: the United States.
    MonthFirst,
}

/// Reads a numeric date such as `25/11/2026`, `25.11.26` or `11-25-2026` in the given order.
/// Two-digit years are taken as 20xx.
pub fn parse_numeric_date(raw: &str, order: DayOrder) -> Option<NaiveDate> {
    let parts: Vec<&str> = raw.trim().split(['/', '.', '-']).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    let a: u32 = parse_digits(a, 1, 2)?;
    let b: u32 = parse_digits(b, 1, 2)?;
    let year: i32 = match y.len() {
        2 => 2000 + parse_digits::<i32>(y, 2, 2)?,
        4 => parse_digits(y, 4, 4)?,
        _ => return None,
    };
    let (day, month) = match order {
        DayOrder::DayFirst => (a, b),
        DayOrder::MonthFirst => (b, a),
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    NaiveDate::from_ymd_opt(
        parse_digits(y, 4, 4)?,
        parse_digits(m, 1, 2)?,
        parse_digits(d, 1, 2)?,
    )
}

fn parse_month_day(lower: &str, reference: NaiveDate) -> Option<NaiveDate> {
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let (month, day, year) = match words.as_slice() {
        // "Mon, Jan 30" and "Monday, 30 January 2025": a weekday in front adds nothing.
        [w, rest @ ..] if parse_weekday(w).is_some() && !rest.is_empty() => {
            return parse_month_day(&rest.join(" "), reference);
        }
        [m, d] if parse_month(m).is_some() => (parse_month(m)?, parse_day(d)?, None),
        [m, d, y] if parse_month(m).is_some() => {
            (parse_month(m)?, parse_day(d)?, Some(parse_digits(y, 4, 4)?))
        }
        [d, m] => (parse_month(m)?, parse_day(d)?, None),
        [d, m, y] => (parse_month(m)?, parse_day(d)?, Some(parse_digits(y, 4, 4)?)),
        _ => return None,
    };
    match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day),
        None => {
            let this_year = NaiveDate::from_ymd_opt(reference.year(), month, day);
            match this_year {
                Some(date) if date <= reference => Some(date),
                _ => NaiveDate::from_ymd_opt(reference.year() - 1, month, day),
            }
        }
    }
}

fn parse_month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = word.trim_end_matches('.');
    if word.len() < 3 {
        return None;
    }
    // "Sept" is a common abbreviation that is not a prefix of the three-letter form.
    let word = if word == "sept" { "sep" } else { word };
    MONTHS
        .iter()
        .position(|m| m.starts_with(word))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn parse_day(word: &str) -> Option<u32> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '.');
    let day: u32 = parse_digits(digits, 1, 2)?;
    (1..=31).contains(&day).then_some(day)
}

fn parse_weekday(word: &str) -> Option<Weekday> {
    const DAYS: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    let word = word.trim_end_matches([',', '.']);
    if word.len() < 3 {
        return None;
    }
    DAYS.iter()
        .find(|(name, _)| name.starts_with(word))
        .map(|(_, day)| *day)
}

/// Parses a run of ASCII digits whose length is within `min..=max`.
fn parse_digits<T: std::str::FromStr>(text: &str, min: usize, max: usize) -> Option<T> {
    let ok = (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    if ok { text.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn hm(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).expect("valid test time")
    }

    #[test]
    fn times_in_the_forms_clients_send_parse() {
        assert_eq!(parse_time("14:03"), Some(hm(14, 3, 0)));
        assert_eq!(parse_time("14:03:12"), Some(hm(14, 3, 12)));
        assert_eq!(parse_time("8:48 PM"), Some(hm(20, 48, 0)));
        assert_eq!(parse_time("8:48pm"), Some(hm(20, 48, 0)));
        assert_eq!(parse_time("12:05 AM"), Some(hm(0, 5, 0)));
        assert_eq!(parse_time("12:05 p.m."), Some(hm(12, 5, 0)));
        assert_eq!(parse_time(" 09:00 "), Some(hm(9, 0, 0)));
    }

    #[test]
    fn times_that_are_not_times_give_none() {
        for raw in [
            "", "Unknown", "25:00", "13:00 PM", "0:30 AM", "8", "8:5", "1:2:3:4",
        ] {
            assert_eq!(parse_time(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn dates_in_iso_form_parse() {
        let reference = day(2026, 11, 25);
        assert_eq!(parse_date("2026-01-30", reference), Some(day(2026, 1, 30)));
        assert_eq!(parse_date("2026/1/3", reference), Some(day(2026, 1, 3)));
        assert_eq!(parse_date("2026-02-30", reference), None);
    }

    #[test]
    fn relative_labels_are_read_against_the_reference_day() {
        let reference = day(2026, 11, 25); // a Wednesday
        assert_eq!(parse_date("Today", reference), Some(reference));
        assert_eq!(parse_date("yesterday", reference), Some(day(2026, 11, 24)));
        assert_eq!(parse_date("Monday", reference), Some(day(2026, 11, 23)));
        assert_eq!(parse_date("Wednesday", reference), Some(reference));
        assert_eq!(parse_date("Thu", reference), Some(day(2026, 11, 19)));
    }

    #[test]
    fn month_day_labels_take_the_most_recent_year() {
        let reference = day(2026, 11, 25);
        assert_eq!(parse_date("Jan 30", reference), Some(day(2026, 1, 30)));
        assert_eq!(parse_date("30 January", reference), Some(day(2026, 1, 30)));
        assert_eq!(parse_date("Dec 24", reference), Some(day(2025, 12, 24)));
        assert_eq!(parse_date("Sept 3, 2024", reference), Some(day(2024, 9, 3)));
        assert_eq!(
            parse_date("Mon, Nov 23", reference),
            Some(day(2026, 11, 23))
        );
        assert_eq!(parse_date("Unknown", reference), None);
        assert_eq!(parse_date("Ma 3", reference), None);
    }

    #[test]
    fn numeric_dates_follow_the_given_order() {
        assert_eq!(
            parse_numeric_date("05/03/2026", DayOrder::DayFirst),
            Some(day(2026, 3, 5))
        );
        assert_eq!(
            parse_numeric_date("05/03/26", DayOrder::MonthFirst),
            Some(day(2026, 5, 3))
        );
        assert_eq!(parse_numeric_date("13/13/2026", DayOrder::DayFirst), None);
    }

    #[test]
    fn a_date_without_a_time_is_midnight() {
        let reference = day(2026, 11, 25);
        let at = parse_date_time("2026-01-30", "Unknown", reference).expect("date parses");
        assert_eq!(to_storage(at), "2026-01-30T00:00:00");
        let at = parse_date_time("Jan 30", "8:48 PM", reference).expect("date parses");
        assert_eq!(to_storage(at), "2026-01-30T20:48:00");
        assert_eq!(parse_date_time("Unknown", "8:48 PM", reference), None);
    }
}
