//! Tests of the public API across formats: detection, fallbacks and the shared rules, with
//! realistic samples of every format.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;

fn reference() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date") // a Wednesday
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, mo, d).and_then(|day| day.and_hms_opt(h, mi, s))
}

fn read(input: &str, format: Option<Format>, me: &[&str]) -> Parsed {
    let my_names: Vec<String> = me.iter().map(|s| s.to_string()).collect();
    let options = ParseOptions {
        format,
        reference_date: reference(),
        my_names: &my_names,
    };
    parse(input, &options).expect("input is not empty")
}

fn senders(parsed: &Parsed) -> Vec<&str> {
    parsed.messages.iter().map(|m| m.sender.as_str()).collect()
}

fn contents(parsed: &Parsed) -> Vec<&str> {
    parsed.messages.iter().map(|m| m.content.as_str()).collect()
}

// ---------------------------------------------------------------- general

#[test]
fn whitespace_only_input_is_an_empty_conversation() {
    let options = ParseOptions {
        format: None,
        reference_date: reference(),
        my_names: &[],
    };
    assert_eq!(parse(" \n\t\r\n", &options), Err(PasteError::Empty));
    assert_eq!(parse("\u{feff}  ", &options), Err(PasteError::Empty));
    assert_eq!(PasteError::Empty.to_string(), "the conversation is empty");
}

#[test]
fn format_names_read_and_print_in_lowercase() {
    for format in Format::ALL {
        assert_eq!(format.as_str().parse::<Format>(), Ok(format));
    }
    assert_eq!("WhatsApp".parse::<Format>(), Ok(Format::WhatsApp));
    assert!("icq".parse::<Format>().is_err());
    assert_eq!(
        serde_json::to_string(&Format::LinkedIn).expect("serialises"),
        "\"linkedin\""
    );
}

#[test]
fn text_without_any_sender_becomes_one_message_from_them_with_a_warning() {
    let parsed = read("just some thoughts\nabout the offer\n\n", None, &[]);
    assert_eq!(parsed.format, Format::Plain);
    assert_eq!(senders(&parsed), ["Them"]);
    assert_eq!(contents(&parsed), ["just some thoughts\nabout the offer"]);
    assert_eq!(parsed.warnings.len(), 1);
}

#[test]
fn a_forced_format_that_finds_nothing_still_keeps_the_text() {
    let parsed = read("Anna: hello", Some(Format::WhatsApp), &[]);
    assert_eq!(senders(&parsed), ["Them"]);
    assert_eq!(contents(&parsed), ["Anna: hello"]);
    assert!(!parsed.warnings.is_empty());
}

#[test]
fn parsed_messages_serialise_with_storage_timestamps() {
    let parsed = read("[25/11/2026, 14:03:12] Anna: hi", None, &[]);
    let json = serde_json::to_value(&parsed).expect("serialises");
    assert_eq!(json["format"], "whatsapp");
    assert_eq!(json["messages"][0]["timestamp"], "2026-11-25T14:03:12");
    assert_eq!(json["messages"][0]["message_id"], serde_json::Value::Null);
}

#[test]
fn suggested_thread_name_is_the_other_sender_who_wrote_most() {
    let parsed = read(
        "Ben: hi\nCarla: hey\nAnna: hello\nCarla: so?\nAnna: ok",
        None,
        &["anna"],
    );
    assert_eq!(parsed.suggested_thread_name.as_deref(), Some("Carla"));
    let parsed = read("Ben: hi\nCarla: hey\nAnna: hello", None, &["anna"]);
    assert_eq!(
        parsed.suggested_thread_name.as_deref(),
        Some("Ben"),
        "a tie goes to the first"
    );
    let parsed = read("Anna: note to self\nAnna: another", None, &["anna"]);
    assert_eq!(parsed.suggested_thread_name, None);
    let parsed = read("just some thoughts", None, &[]);
    assert_eq!(parsed.suggested_thread_name, None, "\"Them\" names nobody");
}

// ---------------------------------------------------------------- plain

#[test]
fn plain_conversation_reads_senders_and_multi_line_messages() {
    let input = "Anna: Hi Bob, are we still on for Thursday?\nI can bring the slides.\n\nBob: Yes!\n\n\nSee you at 10:30\nAnna: Great";
    let parsed = read(input, None, &["bob"]);
    assert_eq!(parsed.format, Format::Plain);
    assert_eq!(senders(&parsed), ["Anna", "Bob", "Anna"]);
    assert_eq!(
        contents(&parsed),
        [
            "Hi Bob, are we still on for Thursday?\nI can bring the slides.",
            "Yes!\n\n\nSee you at 10:30",
            "Great"
        ]
    );
    let mine: Vec<bool> = parsed.messages.iter().map(|m| m.is_mine).collect();
    assert_eq!(mine, [false, true, false]);
    assert!(parsed.warnings.is_empty());
    assert_eq!(parsed.messages[0].date, "");
    assert_eq!(parsed.messages[0].timestamp, None);
}

#[test]
fn plain_continuation_lines_with_urls_times_and_labels_stay_content() {
    let input = "Anna: Check this\nhttps://example.com/meet?at=10:30\nNote: see 10:30\nat 10:15: we meet\nOne more thing: bring snacks\nBob: ok";
    let parsed = read(input, None, &[]);
    assert_eq!(senders(&parsed), ["Anna", "Bob"]);
    assert_eq!(
        parsed.messages[0].content,
        "Check this\nhttps://example.com/meet?at=10:30\nNote: see 10:30\nat 10:15: we meet\nOne more thing: bring snacks"
    );
}

#[test]
fn plain_message_quoting_another_sender_line_stays_one_message() {
    let parsed = read("Anna: he said \"Bob: hi\"\nBob: I did", None, &[]);
    assert_eq!(senders(&parsed), ["Anna", "Bob"]);
    assert_eq!(parsed.messages[0].content, "he said \"Bob: hi\"");
}

#[test]
fn plain_text_with_colons_in_content_and_windows_line_endings_parses() {
    let input = "\u{feff}Dr. Weber: Ratio is 3:1, time 09:00: fine?\r\nPS: bring the form\r\nlena: ok 👍\r\nlena: 🎉🎉\r\n\r\n";
    let parsed = read(input, None, &["Lena"]);
    assert_eq!(senders(&parsed), ["Dr. Weber", "lena", "lena"]);
    assert_eq!(
        parsed.messages[0].content,
        "Ratio is 3:1, time 09:00: fine?\nPS: bring the form"
    );
    assert!(parsed.messages[1].is_mine);
    assert_eq!(parsed.messages[2].content, "🎉🎉");
}

#[test]
fn plain_right_to_left_names_and_text_are_read() {
    let input = "محمد: مرحبا، كيف حالك؟\nשרה: שלום! הכל טוב\nمحمد: ممتاز";
    let parsed = read(input, None, &[" שרה "]);
    assert_eq!(senders(&parsed), ["محمد", "שרה", "محمد"]);
    assert_eq!(parsed.messages[1].content, "שלום! הכל טוב");
    assert!(parsed.messages[1].is_mine);
}

#[test]
fn plain_text_before_the_first_sender_is_left_out_with_a_warning() {
    let parsed = read("copied from my phone\nAnna: hi\nBen: hey", None, &[]);
    assert_eq!(senders(&parsed), ["Anna", "Ben"]);
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].line, 1);
}

#[test]
fn render_plain_guards_continuation_lines_that_look_like_senders() {
    let messages = read("Anna: first\n Bob: quoted\nBob: real", None, &[]).messages;
    assert_eq!(messages[0].content, "first\nBob: quoted");
    let rendered = render_plain(&messages);
    assert_eq!(rendered, "Anna: first\n Bob: quoted\nBob: real\n");
    assert_eq!(read(&rendered, Some(Format::Plain), &[]).messages, messages);
}

// ---------------------------------------------------------------- whatsapp

#[test]
fn whatsapp_ios_export_reads_senders_times_and_skips_system_lines() {
    let input = "[25/11/2026, 14:03:12] Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.\n\
[25/11/2026, 14:03:12] Anna Schmidt: Hi! Are you free tomorrow?\n\
[25/11/2026, 14:05:40] Ben: Yes\n\
after 3 though\n\
[25/11/2026, 14:06:01] Ben: \u{200e}<Media omitted>\n\
[25/11/2026, 14:07:00] Carla joined using this group's invite link";
    let parsed = read(input, None, &["Ben"]);
    assert_eq!(parsed.format, Format::WhatsApp);
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Ben", "Ben"]);
    assert_eq!(parsed.messages[1].content, "Yes\nafter 3 though");
    assert_eq!(parsed.messages[2].content, "\u{200e}<Media omitted>");
    assert_eq!(parsed.messages[0].date, "25/11/2026");
    assert_eq!(parsed.messages[0].time, "14:03:12");
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 25, 14, 3, 12));
    assert!(parsed.messages[1].is_mine && !parsed.messages[0].is_mine);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn whatsapp_export_with_twelve_hour_clock_reads_senders_and_times() {
    let input = "11/25/26, 2:03\u{202f}PM - Anna: Running late 🏃‍♀️\n11/25/26, 2:04 pm - Ben: no worries\n11/25/26, 12:10 AM - Anna: night";
    let parsed = read(input, None, &[]);
    assert_eq!(parsed.format, Format::WhatsApp);
    assert_eq!(senders(&parsed), ["Anna", "Ben", "Anna"]);
    assert_eq!(parsed.messages[0].time, "2:03\u{202f}PM");
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 25, 14, 3, 0));
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 25, 14, 4, 0));
    assert_eq!(parsed.messages[2].timestamp, at(2026, 11, 25, 0, 10, 0));
}

#[test]
fn whatsapp_date_order_is_inferred_from_the_whole_paste() {
    let input = "03/04/2026, 09:00 - Anna: early\n03/14/2026, 09:00 - Ben: later";
    let parsed = read(input, None, &[]);
    assert_eq!(parsed.messages[0].timestamp, at(2026, 3, 4, 9, 0, 0));
    assert_eq!(parsed.messages[1].timestamp, at(2026, 3, 14, 9, 0, 0));
    assert!(parsed.warnings.is_empty());

    let parsed = read("03/04/2026, 09:00 - Anna: hi", None, &[]);
    assert_eq!(parsed.messages[0].timestamp, at(2026, 4, 3, 9, 0, 0));
    assert!(parsed.warnings[0].message.contains("ambiguous date order"));
}

#[test]
fn whatsapp_messages_with_colons_urls_and_rtl_text_keep_their_content() {
    let input = "[1/2/2026, 10:00:00] Anna: Meeting: https://meet.example.com/a?t=10:30\r\n[1/2/2026, 10:01:00] יוסי: אני מגיע: בעוד 5 דקות\r\nBob: this is still Yossi's message\r\n";
    let parsed = read(input, None, &[]);
    assert_eq!(senders(&parsed), ["Anna", "יוסי"]);
    assert_eq!(
        parsed.messages[0].content,
        "Meeting: https://meet.example.com/a?t=10:30"
    );
    assert_eq!(
        parsed.messages[1].content,
        "אני מגיע: בעוד 5 דקות\nBob: this is still Yossi's message"
    );
}

// ---------------------------------------------------------------- linkedin

#[test]
fn linkedin_messages_with_name_and_time_on_one_line_read_day_headers() {
    let input = "Yesterday\nAnna Schmidt  10:15 AM\nHi Tom, thanks for connecting!\nWould you have time for a call?\n\nToday\nTom Berger  9:02 AM\nSure: how about Friday at 10:30?\n";
    let parsed = read(input, None, &["Tom Berger"]);
    assert!(matches!(parsed.format, Format::LinkedIn | Format::Slack));
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Tom Berger"]);
    assert_eq!(
        parsed.messages[0].content,
        "Hi Tom, thanks for connecting!\nWould you have time for a call?"
    );
    assert_eq!(parsed.messages[0].date, "Yesterday");
    assert_eq!(parsed.messages[0].time, "10:15 AM");
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 24, 10, 15, 0));
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 25, 9, 2, 0));
    assert!(parsed.messages[1].is_mine);
}

#[test]
fn linkedin_sent_the_following_message_blocks_are_detected_as_linkedin() {
    let input = "Nov 24\nAnna Schmidt sent the following message at 10:15 AM\nView Anna’s profile\nAnna Schmidt\nAnna Schmidt  10:15 AM\nHello Tom 👋\nI saw your post about Rust.\n\nTom Berger sent the following messages at 11:40 AM\nView Tom’s profile\nTom Berger\nTom Berger  11:40 AM\nHi Anna!\nHappy to chat.\n";
    let parsed = read(input, None, &[]);
    assert_eq!(parsed.format, Format::LinkedIn);
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Tom Berger"]);
    assert_eq!(
        contents(&parsed),
        [
            "Hello Tom 👋\nI saw your post about Rust.",
            "Hi Anna!\nHappy to chat."
        ]
    );
    assert_eq!(parsed.messages[0].date, "Nov 24");
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 24, 11, 40, 0));
}

#[test]
fn linkedin_name_and_time_on_separate_lines_are_one_header() {
    let input =
        "Monday\nAnna Schmidt\n10:15 AM\nAre you coming?\n\nTom Berger\n10:20 AM\nYes\nsee you\n";
    let parsed = read(input, Some(Format::LinkedIn), &[]);
    assert_eq!(parsed.format, Format::LinkedIn);
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Tom Berger"]);
    assert_eq!(contents(&parsed), ["Are you coming?", "Yes\nsee you"]);
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 23, 10, 20, 0));
}

#[test]
fn linkedin_conversation_header_is_the_other_participant_and_not_a_message() {
    let input = "Daniel Weber\n(He/Him)\nSenior Engineering Manager at Acme GmbH\nActive 2h ago\n\nNov 24\nDaniel Weber  8:48 PM\nHi Anna!\nAnna Schmidt  9:02 PM\nHi Daniel\n";
    let parsed = read(input, None, &["Anna Schmidt"]);
    assert_eq!(parsed.format, Format::LinkedIn);
    assert_eq!(senders(&parsed), ["Daniel Weber", "Anna Schmidt"]);
    assert_eq!(contents(&parsed), ["Hi Anna!", "Hi Daniel"]);
    assert_eq!(
        parsed.suggested_thread_name.as_deref(),
        Some("Daniel Weber")
    );
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);

    // Without pronouns or presence, a headline-shaped line still makes it a header.
    let input =
        "Daniel Weber\nFounder | Rust consulting\n\nToday\nDaniel Weber  8:48 AM\nHi Anna!\n";
    let parsed = read(input, Some(Format::LinkedIn), &["Anna Schmidt"]);
    assert_eq!(contents(&parsed), ["Hi Anna!"]);
    assert_eq!(
        parsed.suggested_thread_name.as_deref(),
        Some("Daniel Weber")
    );
}

#[test]
fn linkedin_undated_block_before_the_first_message_that_is_no_header_stays_first() {
    let input = "Daniel Weber\nQuick question about the offer\n\nToday\nAnna Schmidt  9:02 AM\nSure, go ahead\nDaniel Weber  9:05 AM\nIs the price final?\n";
    let parsed = read(input, Some(Format::LinkedIn), &["Anna Schmidt"]);
    assert_eq!(
        senders(&parsed),
        ["Daniel Weber", "Anna Schmidt", "Daniel Weber"]
    );
    assert_eq!(parsed.messages[0].content, "Quick question about the offer");
    assert_eq!(parsed.messages[0].timestamp, None);
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 25, 9, 2, 0));
}

#[test]
fn linkedin_message_above_the_first_day_divider_keeps_its_time_but_no_timestamp() {
    let input = "Sofia Lindqvist  10:54 PM\nSounds good, talk then!\n\nNov 23\nAnna Schmidt  9:10 AM\nHi Sofia, running five minutes late.\n";
    let parsed = read(input, None, &["Anna Schmidt"]);
    assert_eq!(parsed.format, Format::LinkedIn);
    assert_eq!(senders(&parsed), ["Sofia Lindqvist", "Anna Schmidt"]);
    assert_eq!(parsed.messages[0].time, "10:54 PM");
    assert_eq!(parsed.messages[0].timestamp, None);
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 23, 9, 10, 0));
}

#[test]
fn linkedin_profile_links_pronouns_and_receipts_never_become_messages() {
    let input = "Anna Schmidt sent the following messages at 9:02 AM\nView Anna’s profileAnna Schmidt\nAnna Schmidt  9:02 AM\nSee you then!\nSeen by Daniel Weber at 9:10 AM.\nDaniel Weber sent the following message at 9:12 AM\nView Daniel’s profileDaniel Weber\nDaniel Weber (He/Him)  9:12 AM\n👍 great\n";
    let parsed = read(input, None, &["Anna Schmidt"]);
    assert_eq!(parsed.format, Format::LinkedIn);
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Daniel Weber"]);
    assert_eq!(contents(&parsed), ["See you then!", "👍 great"]);
    assert!(parsed.messages[0].is_mine && !parsed.messages[1].is_mine);

    // The link text and the name on lines of their own.
    let input = "Today\nView Daniel’s profile\nDaniel Weber\nDaniel Weber  8:48 AM\nHi Anna\n";
    let parsed = read(input, Some(Format::LinkedIn), &["Anna Schmidt"]);
    assert_eq!(senders(&parsed), ["Daniel Weber"]);
    assert_eq!(contents(&parsed), ["Hi Anna"]);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

// ---------------------------------------------------------------- slack

#[test]
fn slack_messages_with_spaced_times_and_day_dividers_parse() {
    let input = "Monday, November 24th\nmaria.lopez  10:15 AM\nDeploy is done :tada:\nlogs: https://ci.example.com/run/10:15\n\nToday\nJens Ohm  9:00 AM\nthanks!\nJens Ohm: not a new sender\n";
    let parsed = read(input, None, &[]);
    assert_eq!(parsed.format, Format::Slack);
    assert_eq!(senders(&parsed), ["maria.lopez", "Jens Ohm"]);
    assert_eq!(
        parsed.messages[0].content,
        "Deploy is done :tada:\nlogs: https://ci.example.com/run/10:15"
    );
    assert_eq!(parsed.messages[0].date, "Monday, November 24th");
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 24, 10, 15, 0));
    assert_eq!(
        parsed.messages[1].content,
        "thanks!\nJens Ohm: not a new sender"
    );
}

#[test]
fn slack_bracketed_times_and_time_only_messages_parse() {
    let input = "Anna [10:15 AM]\nwhen?\nBen [10:16 AM]\n10:30\nAnna [10:17 AM] perfect\n";
    let parsed = read(input, None, &[]);
    assert_eq!(parsed.format, Format::Slack);
    assert_eq!(senders(&parsed), ["Anna", "Ben", "Anna"]);
    assert_eq!(contents(&parsed), ["when?", "10:30", "perfect"]);
    assert_eq!(parsed.messages[2].timestamp, at(2026, 11, 25, 10, 17, 0));
}

#[test]
fn slack_without_day_dividers_uses_the_reference_date_and_a_text_line_saying_today_stays_text() {
    let parsed = read("Anna\t14:00\nis it today?\nBen  14:02\nyes\n", None, &[]);
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 25, 14, 0, 0));
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 25, 14, 2, 0));

    let input = "Anna\t14:00\nis it today?\nToday\nBen  14:02\nyes\n";
    let parsed = read(input, Some(Format::Slack), &[]);
    assert_eq!(senders(&parsed), ["Anna", "Ben"]);
    // Above the first divider the day is an earlier, unknown one: the time is kept, the
    // timestamp is not guessed (the reference day would sort it after later messages).
    assert_eq!(parsed.messages[0].time, "14:00");
    assert_eq!(parsed.messages[0].timestamp, None);
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 25, 14, 2, 0));
    // "Today" directly before a header is a divider, so it is not content.
    assert_eq!(parsed.messages[0].content, "is it today?");
    assert_eq!(parsed.messages[1].date, "Today");
}

// ---------------------------------------------------------------- email

#[test]
fn gmail_reply_chain_comes_out_oldest_first_with_timestamps() {
    let input = "Thanks Anna, Thursday works.\n\nBest,\nTom\n\nOn Tue, Nov 24, 2026 at 9:12 AM Anna Schmidt <anna@example.com> wrote:\n> Hi Tom,\n> can we meet Thursday?\n>\n> On Mon, Nov 23, 2026 at 5:00 PM Tom Berger <tom@example.com>\n> wrote:\n> > Hello Anna,\n> > shall we meet this week?\n";
    let parsed = read(input, None, &["tom@example.com"]);
    assert_eq!(parsed.format, Format::Email);
    assert_eq!(
        senders(&parsed),
        ["Tom Berger", "Anna Schmidt", "tom@example.com"]
    );
    assert_eq!(
        contents(&parsed),
        [
            "Hello Anna,\nshall we meet this week?",
            "Hi Tom,\ncan we meet Thursday?",
            "Thanks Anna, Thursday works.\n\nBest,\nTom"
        ]
    );
    assert!(parsed.messages[0].is_mine, "matched by address");
    assert!(!parsed.messages[1].is_mine);
    assert!(parsed.messages[2].is_mine);
    assert_eq!(parsed.messages[1].date, "Tue, Nov 24, 2026");
    assert_eq!(parsed.messages[1].time, "9:12 AM");
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 24, 9, 12, 0));
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 23, 17, 0, 0));
}

#[test]
fn top_email_without_a_from_header_is_from_me() {
    let input = "Sounds good.\n\nOn Tue, Nov 24, 2026 at 9:12 AM Anna <anna@example.com> wrote:\n> Lunch?\n";
    let parsed = read(input, None, &[]);
    assert_eq!(senders(&parsed), ["Anna", "Me"]);
    assert!(parsed.messages[1].is_mine);
}

#[test]
fn outlook_chain_with_original_message_markers_reads_headers() {
    let input = "From: Anna Schmidt <anna@example.com>\r\nSent: Tuesday, November 24, 2026 3:30 PM\r\nTo: Tom Berger <tom@example.com>\r\nSubject: RE: Offer\r\n\r\nHi Tom,\r\nthe offer is attached.\r\n\r\nAnna Schmidt | Sales\r\n\r\n-----Original Message-----\r\nFrom: Tom Berger [mailto:tom@example.com]\r\nSent: Monday, November 24, 2026 10:15 AM\r\nTo: Anna Schmidt\r\nSubject: Offer\r\n\r\nCould you send the offer?\r\n";
    let parsed = read(input, None, &["Tom Berger"]);
    assert_eq!(parsed.format, Format::Email);
    assert_eq!(senders(&parsed), ["Tom Berger", "Anna Schmidt"]);
    assert_eq!(parsed.messages[0].content, "Could you send the offer?");
    assert_eq!(
        parsed.messages[1].content,
        "Hi Tom,\nthe offer is attached.\n\nAnna Schmidt | Sales"
    );
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 24, 10, 15, 0));
    assert_eq!(parsed.messages[1].timestamp, at(2026, 11, 24, 15, 30, 0));
    assert_eq!(parsed.messages[1].date, "Tuesday, November 24, 2026");
    assert!(parsed.messages[0].is_mine && !parsed.messages[1].is_mine);
}

#[test]
fn outlook_block_without_marker_after_a_reply_starts_the_older_message() {
    let input = "Yes, confirmed.\n\nFrom: Ana García <ana@example.es>\nDate: Tue, 24 Nov 2026 09:12:00 +0100\nSubject: Re: Termin\n\n¿Confirmas la reunión?\n";
    let parsed = read(input, None, &["Tomás"]);
    assert_eq!(senders(&parsed), ["Ana García", "Tomás"]);
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 24, 9, 12, 0));
    assert!(parsed.messages[1].is_mine);
}

#[test]
fn top_email_answering_the_user_is_from_the_other_side_named_by_the_chain() {
    let input = "Hi Anna,\nWednesday works.\n\nBest regards,\nThomas\n\nOn Tue, 24 Nov 2026 at 10:15, Anna Schmidt <anna@example.com> wrote:\n> Hi Thomas, does Wednesday work?\n>\n> On Mon, 23 Nov 2026 at 17:42, Thomas Berger <thomas@example.org> wrote:\n>> Shall we meet?\n";
    let parsed = read(input, None, &["Anna Schmidt", "anna"]);
    assert_eq!(
        senders(&parsed),
        ["Thomas Berger", "Anna Schmidt", "Thomas Berger"]
    );
    let mine: Vec<bool> = parsed.messages.iter().map(|m| m.is_mine).collect();
    assert_eq!(mine, [false, true, false]);
    assert_eq!(parsed.messages[2].timestamp, None);
    assert_eq!(
        parsed.suggested_thread_name.as_deref(),
        Some("Thomas Berger")
    );
}

#[test]
fn top_email_sender_falls_back_to_the_signature_then_to_whom_the_user_greeted() {
    let me = ["anna@example.com"];
    let signed = "Sure, see you then.\n\nCheers,\nKarim\n\nOn Tue, Nov 24, 2026 at 9:12 AM Anna <anna@example.com> wrote:\n> Coffee tomorrow?\n";
    let parsed = read(signed, None, &me);
    assert_eq!(senders(&parsed), ["Anna", "Karim"]);
    assert!(!parsed.messages[1].is_mine);

    let unsigned = "Sure, see you then.\n\nOn Tue, Nov 24, 2026 at 9:12 AM Anna <anna@example.com> wrote:\n> Hi Karim, coffee tomorrow?\n";
    let parsed = read(unsigned, None, &me);
    assert_eq!(senders(&parsed), ["Anna", "Karim"]);

    let nothing =
        "Sure.\n\nOn Tue, Nov 24, 2026 at 9:12 AM Anna <anna@example.com> wrote:\n> Coffee?\n";
    assert_eq!(senders(&read(nothing, None, &me)), ["Anna", "Them"]);
}

#[test]
fn top_email_greeting_or_signature_decides_when_the_quoted_sender_is_not_the_user() {
    let below = "\n\nOn Mon, Nov 23, 2026 at 5:00 PM Jonas Keller <jonas@example.net> wrote:\n> The SSO setup fails.\n";
    let me = ["Anna Schmidt", "anna"];
    let to_me = format!("Hi Anna,\ncan you help Jonas?{below}");
    let parsed = read(&to_me, None, &me);
    assert!(!parsed.messages[1].is_mine, "greets the user");
    assert_eq!(
        parsed.messages[1].sender, "Jonas Keller",
        "no signature: the other sender"
    );

    let signed_by_other = format!("FYI, see below.\n\nThanks, Maria{below}");
    let parsed = read(&signed_by_other, None, &me);
    assert_eq!(parsed.messages[1].sender, "Maria");
    assert!(!parsed.messages[1].is_mine);

    let mine = format!("Hi Jonas,\nI will look into it today.\n\nBest,\nAnnie{below}");
    assert!(
        read(&mine, None, &me).messages[1].is_mine,
        "greets someone else"
    );

    let plain_reply = format!("Looking into it.{below}");
    assert!(read(&plain_reply, None, &me).messages[1].is_mine);
}

#[test]
fn top_email_signed_by_the_user_stays_theirs_even_above_their_own_message() {
    let input = "Just bumping this up.\n\nBest,\nAnna\n\nOn Mon, Nov 23, 2026 at 5:00 PM Anna Schmidt <anna@example.com> wrote:\n> Hi Thomas, any news on the offer?\n";
    let parsed = read(input, None, &["Anna Schmidt", "anna"]);
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Anna Schmidt"]);
    assert!(parsed.messages.iter().all(|m| m.is_mine));
    assert_eq!(parsed.suggested_thread_name, None);
}

#[test]
fn top_email_above_an_outlook_block_from_the_user_is_a_reply_to_them() {
    let input = "Hi Anna,\nthe PO number is 4500-2231.\n\nKind regards,\nJulia Novak\n\nFrom: Anna Schmidt <anna@example.com>\nSent: Monday, November 23, 2026 11:30 AM\nTo: Julia Novak <julia@contoso.example>\nSubject: PO number\n\nHi Julia, which PO number should the invoice carry?\n";
    let parsed = read(input, None, &["Anna Schmidt"]);
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Julia Novak"]);
    assert!(parsed.messages[0].is_mine && !parsed.messages[1].is_mine);
    assert_eq!(parsed.suggested_thread_name.as_deref(), Some("Julia Novak"));
}

// ---------------------------------------------------------------- json

#[test]
fn json_message_array_keeps_ids_and_labels() {
    let input = r#"[{"message_id":"m1","sender_name":"Anna","date":"2026-11-24","time":"10:15","message_content":"Hi\nthere","extra":1},
                   {"message_id":7,"sender_name":"Me","message_content":"Hello"}]"#;
    let parsed = read(input, None, &["me"]);
    assert_eq!(parsed.format, Format::Json);
    assert_eq!(senders(&parsed), ["Anna", "Me"]);
    assert_eq!(parsed.messages[0].message_id.as_deref(), Some("m1"));
    assert_eq!(parsed.messages[1].message_id.as_deref(), Some("7"));
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 24, 10, 15, 0));
    assert_eq!(parsed.messages[0].content, "Hi\nthere");
    assert_eq!(parsed.messages[1].timestamp, None);
    assert!(parsed.messages[1].is_mine);
}

#[test]
fn json_object_with_a_messages_list_is_read() {
    let input = r#"{"conversation":"x","messages":[{"sender_name":"Ben","message_content":"yo","time":"9:00 PM"}]}"#;
    let parsed = read(input, None, &[]);
    assert_eq!(parsed.format, Format::Json);
    assert_eq!(parsed.messages[0].timestamp, at(2026, 11, 25, 21, 0, 0));
}

#[test]
fn broken_json_falls_back_to_the_conversation_formats_with_a_warning() {
    let input = "[{\"sender_name\": \"Anna\", \"message_content\": \"hi\"\nAnna: hi\nBen: hello";
    let parsed = read(input, Some(Format::Json), &[]);
    assert_eq!(parsed.format, Format::Plain);
    assert_eq!(senders(&parsed), ["Anna", "Ben"]);
    assert!(parsed.warnings.iter().any(|w| w.message.contains("JSON")));
}

// ---------------------------------------------------------------- detection

#[test]
fn detection_picks_the_right_format_for_each_sample() {
    let samples = [
        ("Anna: hi\nBob: hey", Format::Plain),
        ("[25/11/2026, 14:03:12] Anna: hi", Format::WhatsApp),
        (
            "25.11.26, 14:03 - Anna: hi\n25.11.26, 14:04 - Bob: ho",
            Format::WhatsApp,
        ),
        ("Anna  10:15 AM\nhi\nBob  10:16 AM\nho", Format::Slack),
        ("Anna [10:15 AM]\nhi", Format::Slack),
        (
            "Anna Schmidt sent the following message at 10:15 AM\nView Anna's profile\nAnna Schmidt  10:15 AM\nhi",
            Format::LinkedIn,
        ),
        (
            "Ok\n\nOn Tue, Nov 24, 2026 at 9:12 AM Anna <a@x.com> wrote:\n> hi",
            Format::Email,
        ),
        (
            "Ok\n-----Original Message-----\nFrom: Anna\nSent: Monday\n\nhi",
            Format::Email,
        ),
        (
            r#"[{"sender_name":"A","message_content":"b"}]"#,
            Format::Json,
        ),
        ("nothing to see here", Format::Plain),
    ];
    for (input, want) in samples {
        assert_eq!(detect(input), want, "{input:?}");
    }
}

#[test]
fn deep_reply_chains_and_long_quote_runs_parse_in_linear_time() {
    // Each of these would take minutes if a boundary re-read or copied the rest of the text.
    let chain = "On Mon, Nov 23, 2026 at 5:00 PM A <a@x.com> wrote:\n>".repeat(20_000);
    let nested = format!("{}deep", "> ".repeat(50_000));
    let outlook = "-----Original Message-----\nFrom: A\nSent: Monday\n\n".repeat(10_000);
    let started = std::time::Instant::now();
    for input in [&chain, &nested, &outlook] {
        for format in [None, Some(Format::Email)] {
            let parsed = read(input, format, &[]);
            assert!(!parsed.messages.is_empty());
        }
    }
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn a_short_reply_above_a_time_only_line_is_content_not_a_sender() {
    let input = "Anna Schmidt\n10:15 AM\nThanks\n10:30\n\nTom Berger\n10:31 AM\nok";
    let parsed = read(input, Some(Format::LinkedIn), &[]);
    assert_eq!(senders(&parsed), ["Anna Schmidt", "Tom Berger"]);
    assert_eq!(contents(&parsed), ["Thanks\n10:30", "ok"]);
}
