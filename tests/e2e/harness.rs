//! Starting the pieces: the fake model, the draftdesk binary, chromedriver and a browser.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::fake_llm::FakeLlm;
use crate::support::process::{KillOnDrop, Server};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser's time zone: not UTC, and half an hour off the hour, so that a time
/// shown in UTC, or shifted by whole hours only, is caught.
pub const BROWSER_TIME_ZONE: &str = "Asia/Kolkata";

/// A running draftdesk with its fake model, and a browser pointed at it.
pub struct World {
    pub base: String,
    pub model: FakeLlm,
    pub browser: Client,
    pub setup_link: String,
    pub database_url: String,
    // Declared before `dir`, so that the server is gone before its folder is removed.
    server: Server,
    driver: Option<KillOnDrop>,
    _dir: tempfile::TempDir,
}

impl World {
    pub async fn start() -> Self {
        let model = FakeLlm::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}", dir.path().join("e2e.db").display());
        let server = Server::start(
            dir.path(),
            &[
                ("DATABASE_URL", database_url.as_str()),
                ("LLM_BASE_URL", model.base_url.as_str()),
                ("LLM_API_KEY", "e2e-key"),
                ("LLM_TIMEOUT_SECS", "20"),
                ("JOB_CONCURRENCY", "2"),
                ("RUST_LOG", "draftdesk=info,warn"),
            ],
        )
        .await;
        let setup_link = setup_link(&server.log_text());
        let (driver, driver_port) = start_chromedriver(dir.path()).await;
        let profile = dir.path().join("chromium-profile");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let browser = connect(driver_port, capabilities).await;
        Self {
            base: server.address.clone(),
            model,
            browser,
            setup_link,
            database_url,
            server,
            driver: Some(driver),
            _dir: dir,
        }
    }

    /// Kills the server at once, as a crash or a power cut would.
    pub fn stop_server(&mut self) {
        self.server.kill();
    }

    /// Starts the server again on the same port and database, and waits until it answers.
    pub async fn restart_server(&mut self) {
        self.server.restart().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Runs a test body; on failure saves a screenshot to `target/e2e/NAME.png` first.
    pub async fn run<F, Fut>(mut self, name: &str, body: F)
    where
        F: FnOnce(World) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let browser = self.browser.clone();
        // Kept alive here, so that a failing body still leaves a browser to photograph.
        // The server stays with the body, which may stop and restart it.
        let _driver = self.driver.take();
        let outcome = tokio::spawn(body(self)).await;
        if let Err(error) = outcome {
            let path = screenshot_path(name);
            match browser.screenshot().await {
                Ok(png) => match std::fs::write(&path, &png) {
                    Ok(()) => eprintln!("screenshot of the failure: {}", path.display()),
                    Err(error) => eprintln!("could not save {}: {error}", path.display()),
                },
                Err(error) => eprintln!("could not take a screenshot of the failure: {error}"),
            }
            let _ = browser.close().await;
            std::panic::resume_unwind(error.into_panic());
        }
        let _ = browser.close().await;
    }

    /// Waits for an element to be on the page (after a navigation, say) and returns it.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.browser
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
    }

    /// Waits until the page shows `text` (the live updates deliver it), or fails.
    pub async fn wait_for_text(&self, text: &str) {
        self.wait_until(text, |source| source.contains(text)).await;
    }

    /// Waits until the page no longer shows `text`.
    pub async fn wait_for_no_text(&self, text: &str) {
        self.wait_until(text, |source| !source.contains(text)).await;
    }

    async fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) {
        let started = Instant::now();
        loop {
            let text = self.page_text().await;
            if ready(&text) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what:?}; page text:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The visible text of the page.
    /// Empty while the browser is between pages.
    pub async fn page_text(&self) -> String {
        match self.browser.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn js(&self, script: &str) -> Value {
        self.browser
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// Posts messages through the JSON API with a token made for the user.
    pub async fn api_send(&self, token: &str, thread: &str, messages: Value) {
        let response = reqwest::Client::new()
            .post(self.url("/send-messages/"))
            .bearer_auth(token)
            .json(&json!({"user_id": "anna", "thread_name": thread, "messages": messages}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 202);
    }
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{name}.png"))
}

/// The first-run link the server logs when it starts with no user.
fn setup_link(log: &str) -> String {
    log.match_indices("http://")
        .map(|(at, _)| log[at..].split_whitespace().next().unwrap_or_default())
        .find(|link| link.contains("/setup?token="))
        .unwrap_or_else(|| panic!("no setup link in the log:\n{log}"))
        .to_owned()
}

/// Starts chromedriver on a port it picks itself (one found free beforehand could be
/// taken by another test meanwhile) and returns it with the port it says it listens on.
async fn start_chromedriver(dir: &Path) -> (KillOnDrop, u16) {
    const STARTED: &str = "started successfully on port ";
    let log = dir.join("chromedriver.log");
    let mut driver = KillOnDrop::spawn(
        Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .env("TZ", BROWSER_TIME_ZONE)
            .stdout(std::fs::File::create(&log).expect("a log file"))
            .stderr(Stdio::null()),
    );
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let port = text.split_once(STARTED).and_then(|(_, rest)| {
            let digits = rest.find(|c: char| !c.is_ascii_digit())?;
            rest[..digits].parse().ok()
        });
        if let Some(port) = port {
            return (driver, port);
        }
        if let Some(status) = driver.try_wait() {
            panic!("chromedriver exited with {status}: {text}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "chromedriver did not say where it listens: {text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connect(port: u16, capabilities: serde_json::Map<String, Value>) -> Client {
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(error) => {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "no browser session: {error}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
