//! Real-shaped pastes of every format in `tests/fixtures/paste/`: each `NAME.txt` is read
//! with format detection and compared with `NAME.expected.json` (see the README there).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::Value;

use super::*;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paste")
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Compares one expected field with what was read; absent expected fields are not checked.
fn check(
    diff: &mut Vec<String>,
    at: &str,
    expected: &serde_json::Map<String, Value>,
    key: &str,
    got: &Value,
) {
    if let Some(want) = expected.get(key)
        && want != got
    {
        diff.push(format!(
            "{at}.{key}:\n    expected {want}\n    got      {got}"
        ));
    }
}

/// Every difference between a fixture's expectation and what the parser read.
fn differences(expected: &Value, parsed: &Parsed) -> Vec<String> {
    let mut diff = Vec::new();
    let Some(expected) = expected.as_object() else {
        return vec!["the expected file is not a JSON object".to_string()];
    };
    let actual = serde_json::to_value(parsed).expect("a parse result serialises");
    for key in ["format", "suggested_thread_name"] {
        check(&mut diff, "", expected, key, &actual[key]);
    }
    if let Some(want) = expected.get("warnings").and_then(Value::as_u64) {
        let got = parsed.warnings.len() as u64;
        if want != got {
            diff.push(format!(
                "warnings: expected {want}, got {got}: {:?}",
                parsed.warnings
            ));
        }
    }
    let want_messages = expected
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let got_messages = actual["messages"].as_array().cloned().unwrap_or_default();
    for (index, (want, got)) in want_messages.iter().zip(&got_messages).enumerate() {
        let at = format!("messages[{index}]");
        let Some(want) = want.as_object() else {
            diff.push(format!("{at}: expected an object"));
            continue;
        };
        for key in [
            "sender",
            "content",
            "is_mine",
            "date",
            "time",
            "timestamp",
            "message_id",
        ] {
            check(&mut diff, &at, want, key, &got[key]);
        }
    }
    if want_messages.len() != got_messages.len() {
        let mut extra = String::new();
        for (index, got) in got_messages.iter().enumerate().skip(want_messages.len()) {
            let _ = write!(
                extra,
                "\n    unexpected messages[{index}]: {} said {}",
                got["sender"], got["content"]
            );
        }
        for (index, want) in want_messages.iter().enumerate().skip(got_messages.len()) {
            let _ = write!(
                extra,
                "\n    missing messages[{index}]: {} said {}",
                want["sender"], want["content"]
            );
        }
        diff.push(format!(
            "expected {} messages, got {}{extra}",
            want_messages.len(),
            got_messages.len()
        ));
    }
    diff
}

#[test]
fn every_fixture_reads_as_its_expected_file_says() {
    let my_names = vec!["Anna Schmidt".to_string(), "anna".to_string()];
    let options = ParseOptions {
        format: None,
        reference_date: NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date"),
        my_names: &my_names,
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("tests/fixtures/paste exists")
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 13, "only {} fixtures found", names.len());

    let mut report = String::new();
    for text_path in &names {
        let name = text_path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("fixture names are UTF-8");
        let expected_path = text_path.with_file_name(format!("{name}.expected.json"));
        let expected: Value = match serde_json::from_str(&read_text(&expected_path)) {
            Ok(value) => value,
            Err(e) => {
                let _ = writeln!(
                    report,
                    "\n{name}: {} is not JSON: {e}",
                    expected_path.display()
                );
                continue;
            }
        };
        let parsed = match parse(&read_text(text_path), &options) {
            Ok(parsed) => parsed,
            Err(e) => {
                let _ = writeln!(report, "\n{name}: {e}");
                continue;
            }
        };
        let diff = differences(&expected, &parsed);
        if !diff.is_empty() {
            let _ = writeln!(report, "\n{name}.txt:");
            for line in diff {
                let _ = writeln!(report, "  {line}");
            }
        }
    }
    assert!(report.is_empty(), "fixtures that read differently:{report}");
}

#[test]
fn every_expected_file_has_its_fixture() {
    for entry in std::fs::read_dir(fixture_dir()).expect("tests/fixtures/paste exists") {
        let path = entry.expect("a readable directory entry").path();
        let file = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
        if let Some(name) = file.strip_suffix(".expected.json") {
            assert!(
                path.with_file_name(format!("{name}.txt")).exists(),
                "{file} has no {name}.txt"
            );
        }
    }
}
