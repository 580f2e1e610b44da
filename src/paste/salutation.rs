//! Greetings and sign-offs of an email body: whom it is written to (`Hi Anna,`,
//! `Dear Ms Schmidt,`) and who signed it (`Best regards,` above `Thomas`, `Thanks, Thomas`,
//! `– Thomas`). Email uses them to tell who wrote a message that has no header of its own.

use super::text::looks_like_name;

const GREETINGS: [&str; 20] = [
    "hi",
    "hello",
    "hey",
    "dear",
    "hallo",
    "hola",
    "bonjour",
    "ciao",
    "hej",
    "salut",
    "liebe",
    "lieber",
    "moin",
    "servus",
    "morning",
    "good morning",
    "good afternoon",
    "good evening",
    "guten morgen",
    "guten tag",
];

const CLOSINGS: [&str; 40] = [
    "best",
    "best regards",
    "kind regards",
    "regards",
    "warm regards",
    "warmest regards",
    "best wishes",
    "all the best",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "thanks again",
    "thanks a lot",
    "thx",
    "sincerely",
    "yours",
    "yours sincerely",
    "yours truly",
    "talk soon",
    "speak soon",
    "take care",
    "greetings",
    "viele grüße",
    "beste grüße",
    "liebe grüße",
    "freundliche grüße",
    "mit freundlichen grüßen",
    "herzliche grüße",
    "lg",
    "vg",
    "mfg",
    "gruß",
    "grüße",
    "cordialement",
    "saludos",
    "un saludo",
    "un abrazo",
    "saluti",
    "cordiali saluti",
];

const TITLES: [&str; 8] = ["mr", "mrs", "ms", "miss", "dr", "prof", "herr", "frau"];

/// How many lines at the end of a message may follow the sign-off (name, title, company,
/// phone, address).
const SIGNATURE_LINES: usize = 8;

fn is_closing(line: &str) -> bool {
    let lower = line
        .trim()
        .trim_end_matches([',', '.', '!', ' '])
        .to_lowercase();
    CLOSINGS.contains(&lower.as_str())
}

/// `Ms. Schmidt` → `Schmidt`.
fn without_title(name: &str) -> &str {
    let name = name.trim();
    match name.split_once(' ') {
        Some((first, rest))
            if TITLES.contains(&first.trim_end_matches('.').to_lowercase().as_str()) =>
        {
            rest.trim()
        }
        _ => name,
    }
}

/// A name as people sign or greet with: one to four capitalised words, not a closing.
fn person(text: &str) -> Option<&str> {
    let name = without_title(text.trim().trim_end_matches('.'));
    (looks_like_name(name) && name.split_whitespace().count() <= 4 && !is_closing(name))
        .then_some(name)
}

/// The names the greeting on the first non-blank line addresses: `Hi Anna,` → `Anna`,
/// `Hello Anna and Thomas!` → both, `Anna,` → `Anna`. Empty when there is no greeting or
/// it names nobody (`Hi all,`).
pub(super) fn greeted<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let Some(first) = lines.iter().map(|l| l.trim()).find(|l| !l.is_empty()) else {
        return Vec::new();
    };
    let lower = first.to_lowercase();
    let after_greeting = GREETINGS.iter().find_map(|g| {
        let rest = lower.strip_prefix(g)?;
        if !rest.starts_with([' ', ',', '!']) {
            return None;
        }
        // Lower-casing kept these ASCII letters where they were.
        Some(first.get(g.len()..)?.trim_start_matches([' ', ',']))
    });
    let addressed = match after_greeting {
        Some(rest) => rest.split([',', '!', ':', ';']).next().unwrap_or(""),
        // `Anna,` alone on the first line.
        None => match first.strip_suffix(',') {
            Some(name) if person(name).is_some() => name,
            _ => return Vec::new(),
        },
    };
    if addressed.split_whitespace().count() > 8 {
        return Vec::new();
    }
    addressed
        .split(" and ")
        .flat_map(|part| part.split(" & "))
        .flat_map(|part| part.split(" und "))
        .filter_map(person)
        .collect()
}

/// The name the message is signed with, looking at its last lines: a closing line and the
/// name below it (`Best regards,` / `Thomas Berger`, also after `--`), a closing and the
/// name on one line (`Thanks, Thomas`), or a dash and the name (`– Thomas`).
pub(super) fn signed<'a>(lines: &[&'a str]) -> Option<&'a str> {
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let last = lines.last()?;
    if let Some(rest) = last.strip_prefix(['-', '–', '—'])
        && !rest.starts_with('-')
        && let Some(name) = person(rest)
    {
        return Some(name);
    }
    let from = lines.len().saturating_sub(SIGNATURE_LINES);
    for at in (from..lines.len()).rev() {
        let line = lines[at];
        if is_closing(line) || line == "--" {
            return lines.get(at + 1).and_then(|next| person(next));
        }
        if let Some((closing, name)) = line.split_once(',')
            && is_closing(closing)
            && !name.trim_end().ends_with(['!', '?'])
        {
            return person(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_name_whom_the_message_is_written_to() {
        assert_eq!(greeted(&["", "Hi Anna,", "thanks"]), ["Anna"]);
        assert_eq!(greeted(&["Hello Anna and Thomas!"]), ["Anna", "Thomas"]);
        assert_eq!(greeted(&["Dear Ms. Schmidt,"]), ["Schmidt"]);
        assert_eq!(greeted(&["Anna,"]), ["Anna"]);
        assert_eq!(greeted(&["Hi Anna, thanks for the quick reply."]), ["Anna"]);
        assert!(greeted(&["Hi all,"]).is_empty());
        assert!(greeted(&["Thanks for the update."]).is_empty());
        assert!(greeted(&["Highlights of the week:"]).is_empty());
    }

    #[test]
    fn sign_offs_name_who_wrote_the_message() {
        assert_eq!(
            signed(&["Hi", "", "Best regards,", "Thomas"]),
            Some("Thomas")
        );
        assert_eq!(
            signed(&[
                "ok",
                "Kind regards,",
                "Julia Novak",
                "Accounts Payable | Contoso"
            ]),
            Some("Julia Novak")
        );
        assert_eq!(signed(&["See you", "Thanks, Thomas"]), Some("Thomas"));
        assert_eq!(signed(&["See you", "– Thomas"]), Some("Thomas"));
        assert_eq!(
            signed(&["See you", "-- ", "Thomas Berger", "Acme"]),
            Some("Thomas Berger")
        );
        assert_eq!(signed(&["Great, thanks!", "Thanks, Anna!"]), None);
        assert_eq!(signed(&["Thanks!"]), None);
        assert_eq!(signed(&["Best,", "A."]), None);
        assert_eq!(signed(&["- bring snacks"]), None);
    }
}
