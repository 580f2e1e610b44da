//! Fuzzes the JSON API's request decoding: arbitrary bytes as the body of
//! `send-messages` and of the review endpoints must give a value or an `AppError` whose
//! status is a 4xx, never a panic or a 5xx.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = draftdesk::api::check_send_messages_json(data) {
        assert!(error.status_code().is_client_error(), "{error}");
    }
    for result in draftdesk::api::check_review_json(data) {
        if let Err(error) = result {
            assert!(error.status_code().is_client_error(), "{error}");
        }
    }
});
