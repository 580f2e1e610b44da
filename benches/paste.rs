//! Parsing speed of ~1 MB pastes: a WhatsApp export and a plain `Name: text` conversation,
//! detected and with the format forced.

use std::fmt::Write;
use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use draftdesk::paste::{Format, ParseOptions, parse};

const TARGET_BYTES: usize = 1 << 20;

const LINES: [&str; 6] = [
    "Are we still on for Thursday? I can bring the slides: https://example.com/deck?v=10:30",
    "Yes! See you at 10:30 🎉",
    "Note: the room changed to B-204",
    "ok",
    "שלום, מה שלומך?",
    "Could you send me the offer by Friday",
];

fn whatsapp_export() -> String {
    let names = ["Anna Schmidt", "Ben", "Carla Gómez"];
    let mut out = String::with_capacity(TARGET_BYTES + 256);
    let mut i = 0usize;
    while out.len() < TARGET_BYTES {
        let (day, hour, minute) = (1 + i / 600 % 28, i / 60 % 24, i % 60);
        let _ = writeln!(
            out,
            "[{day:02}/11/2026, {hour:02}:{minute:02}:00] {}: {}",
            names[i % 3],
            LINES[i % LINES.len()]
        );
        if i.is_multiple_of(7) {
            let _ = writeln!(out, "second line of the message\n");
        }
        i += 1;
    }
    out
}

fn plain_conversation() -> String {
    let names = ["Anna", "Bob Smith", "محمد"];
    let mut out = String::with_capacity(TARGET_BYTES + 256);
    let mut i = 0usize;
    while out.len() < TARGET_BYTES {
        let _ = writeln!(out, "{}: {}", names[i % 3], LINES[i % LINES.len()]);
        if i.is_multiple_of(5) {
            let _ = writeln!(out, "and a continuation line at 10:15: fine\n");
        }
        i += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let my_names = vec!["Anna".to_string()];
    let reference = NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date");
    let samples = [
        ("whatsapp", Format::WhatsApp, whatsapp_export()),
        ("plain", Format::Plain, plain_conversation()),
    ];
    let mut group = c.benchmark_group("paste_1mb");
    group.sample_size(20);
    for (name, format, text) in &samples {
        group.throughput(Throughput::Bytes(text.len() as u64));
        for (mode, forced) in [("detect", None), ("forced", Some(*format))] {
            let options = ParseOptions {
                format: forced,
                reference_date: reference,
                my_names: &my_names,
            };
            group.bench_function(format!("{name}/{mode}"), |b| {
                b.iter(|| parse(black_box(text), &options).map(|p| p.messages.len()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
