//! Feeds arbitrary bytes (as lossy UTF-8) to the paste parser under every format and checks
//! that it neither panics nor breaks its basic promises.
#![no_main]

use chrono::NaiveDate;
use draftdesk::paste::{Format, ParseOptions, parse, render_plain};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let my_names = vec!["Anna".to_string(), "me@example.com".to_string()];
    let Some(reference) = NaiveDate::from_ymd_opt(2026, 11, 25) else {
        return;
    };
    let formats = std::iter::once(None).chain(Format::ALL.into_iter().map(Some));
    for format in formats {
        let options = ParseOptions {
            format,
            reference_date: reference,
            my_names: &my_names,
        };
        match parse(&text, &options) {
            Ok(parsed) => {
                assert!(!parsed.messages.is_empty(), "a non-empty paste gives messages");
                let _ = render_plain(&parsed.messages);
            }
            Err(_) => assert!(text.strip_prefix('\u{feff}').unwrap_or(&text).trim().is_empty()),
        }
    }
});
