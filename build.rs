//! Detects the browser the end-to-end tests need (tests/e2e). Without Chromium and
//! chromedriver those tests compile as ignored, and `cargo test` lists them as
//! "ignored" with the reason; in CI (`CI=true`) a missing browser stops the build.

use std::path::Path;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(browser_tests)");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=CI");
    // The PostgreSQL half of the tests runs when a server is named; without one those
    // tests are listed as ignored, with the reason, never as passed.
    println!("cargo::rerun-if-env-changed=DRAFTDESK_TEST_POSTGRES_URL");
    if std::env::var("DRAFTDESK_TEST_POSTGRES_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
    // `sqlx::migrate!` embeds the migrations at compile time, and a build script that
    // names what it watches turns off cargo's default of watching every file: without
    // this line a new migration is not built in until some source file changes.
    println!("cargo::rerun-if-changed=migrations");
    // The folder, not the files: apt installs files with their package's old mtimes, and
    // a file that appears later must still be noticed.
    println!("cargo::rerun-if-changed=/usr/bin");
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if present {
        println!("cargo::rustc-cfg=browser_tests");
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: the browser tests must run \
             in CI (apt-get install -y chromium chromium-driver)"
        );
    }
}
