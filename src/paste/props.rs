//! Property tests: no input makes `parse` panic under any format, and what `render_plain`
//! writes reads back to the same messages.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

fn options<'a>(format: Option<Format>, my_names: &'a [String]) -> ParseOptions<'a> {
    ParseOptions {
        format,
        reference_date: NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date"),
        my_names,
    }
}

fn any_format() -> impl Strategy<Value = Option<Format>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(Format::ALL.to_vec()).prop_map(Some)
    ]
}

/// Pieces of every format glued together reach deeper into the parsers than random text.
fn format_soup() -> impl Strategy<Value = String> {
    let pieces = proptest::sample::select(vec![
        "[25/11/2026, 14:03:12] ",
        "25/11/26, 2:03\u{202f}PM - ",
        "Anna: ",
        "Bob Smith: ",
        "On Tue, Nov 24, 2026 at 9:12 AM Anna <a@x.com> wrote:",
        "wrote:",
        "> ",
        ">> ",
        "From: Anna <a@x>",
        "Sent: Monday, November 24, 2026 10:15 AM",
        "-----Original Message-----",
        "Anna  10:15 AM",
        "Anna [10:15 AM]",
        "10:15 AM",
        "Today",
        "Monday, November 24th",
        "sent the following message at 10:15 AM",
        "View Anna’s profile",
        "View Anna’s profileAnna Schmidt",
        "Anna (She/Her)  8:48 PM",
        "(He/Him)",
        "Active 2h ago",
        "Mobile • 5m ago",
        "Seen by Anna at 8:50 PM.",
        "👏\n👍\n😊",
        "NOV 24",
        "Hi Anna,",
        "Best regards,",
        "Thanks, Anna",
        "– Anna",
        "---------- Forwarded message ---------",
        "{\"messages\":[",
        "[{\"sender_name\":\"A\",\"message_content\":\"b\"}]",
        "\n",
        "\r\n",
        "\n\n",
        ":",
        " ",
        "\t",
        "\u{feff}",
        "\u{200e}",
        "שלום",
        "🎉",
        "https://x.com/a:b",
        "13:",
        "99/99/9999, 99:99 - ",
    ]);
    proptest::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
}

const SENDERS: [&str; 6] = ["Anna", "Bob Smith", "Zoë", "محمد", "李雷", "Jean-Luc"];
const WORDS: [&str; 12] = [
    "hi",
    "ok",
    "10:30",
    "https://x.com/a?b=1",
    "🎉",
    "שלום",
    "Note:",
    "see",
    "at",
    "the",
    "Friday",
    "12:00:",
];

fn line() -> impl Strategy<Value = String> {
    let words = proptest::collection::vec(proptest::sample::select(WORDS.to_vec()), 1..6)
        .prop_map(|w| w.join(" "));
    prop_oneof![
        3 => words.clone(),
        1 => (proptest::sample::select(SENDERS.to_vec()), words)
            .prop_map(|(name, text)| format!("{name}: {text}")),
    ]
}

fn content() -> impl Strategy<Value = String> {
    let inner = prop_oneof![3 => line(), 1 => Just(String::new())];
    (
        line(),
        proptest::collection::vec(inner, 0..4),
        proptest::option::of(line()),
    )
        .prop_map(|(first, middle, last)| {
            let mut lines = vec![first];
            lines.extend(middle);
            // The last line must not be blank: trailing blank lines are trimmed by design.
            if let Some(last) = last {
                lines.push(last);
            } else {
                while lines.last().is_some_and(|l| l.is_empty()) {
                    lines.pop();
                }
            }
            lines.join("\n")
        })
}

fn message() -> impl Strategy<Value = ParsedMessage> {
    (proptest::sample::select(SENDERS.to_vec()), content()).prop_map(|(sender, content)| {
        ParsedMessage {
            message_id: None,
            sender: sender.to_string(),
            date: String::new(),
            time: String::new(),
            timestamp: None,
            is_mine: sender == "Anna",
            content,
        }
    })
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(input in any::<String>(), format in any_format()) {
        let my_names = vec!["Anna".to_string()];
        let result = parse(&input, &options(format, &my_names));
        prop_assert_eq!(result.is_err(), input.strip_prefix('\u{feff}').unwrap_or(&input).trim().is_empty());
        if let Ok(parsed) = result {
            prop_assert!(!parsed.messages.is_empty());
        }
    }

    #[test]
    fn parse_never_panics_on_mixed_format_fragments(input in format_soup(), format in any_format()) {
        let my_names = vec!["anna".to_string()];
        if let Ok(parsed) = parse(&input, &options(format, &my_names)) {
            prop_assert!(!parsed.messages.is_empty());
        }
    }

    #[test]
    fn rendered_plain_text_reads_back_to_the_same_messages(
        messages in proptest::collection::vec(message(), 1..8)
    ) {
        let my_names = vec!["anna".to_string()];
        let text = render_plain(&messages);
        let parsed = parse(&text, &options(Some(Format::Plain), &my_names))
            .expect("rendered text is not empty");
        prop_assert_eq!(parsed.format, Format::Plain);
        let got: Vec<(&str, &str, bool)> = parsed.messages.iter()
            .map(|m| (m.sender.as_str(), m.content.as_str(), m.is_mine)).collect();
        let want: Vec<(&str, &str, bool)> = messages.iter()
            .map(|m| (m.sender.as_str(), m.content.as_str(), m.is_mine)).collect();
        prop_assert_eq!(got, want, "rendered:\n{}", text);
    }
}
