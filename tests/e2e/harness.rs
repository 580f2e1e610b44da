//! Starting the pieces: the fake model, the draftdesk binary, chromedriver and a browser.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::fake_llm::FakeLlm;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser's time zone: not UTC, and half an hour off the hour, so that a time
/// shown in UTC, or shifted by whole hours only, is caught.
pub const BROWSER_TIME_ZONE: &str = "Asia/Kolkata";

/// Kills a child process when dropped, so a failing test leaves nothing behind.
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running draftdesk with its fake model, and a browser pointed at it.
pub struct World {
    pub base: String,
    pub model: FakeLlm,
    pub browser: Client,
    pub setup_link: String,
    pub database_url: String,
    port: u16,
    // Declared before `dir`, so that the server is gone before its folder is removed.
    server: Option<Process>,
    driver: Option<Process>,
    dir: tempfile::TempDir,
}

impl World {
    pub async fn start() -> Self {
        let model = FakeLlm::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}", dir.path().join("e2e.db").display());
        let port = free_port();
        let mut server = spawn_server(dir.path(), port, &database_url, &model.base_url);
        let base = format!("http://127.0.0.1:{port}");
        let setup_link = wait_for_setup_link(&dir.path().join(SERVER_LOG), &mut server);
        let driver_port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={driver_port}"))
            .env("TZ", BROWSER_TIME_ZONE)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
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
            base,
            model,
            browser,
            setup_link,
            database_url,
            port,
            server: Some(Process(server)),
            driver: Some(Process(driver)),
            dir,
        }
    }

    /// Kills the server at once, as a crash or a power cut would.
    pub fn stop_server(&mut self) {
        drop(self.server.take());
    }

    /// Starts the server again on the same port and database, and waits until it answers.
    pub async fn restart_server(&mut self) {
        self.stop_server();
        let mut server = spawn_server(
            self.dir.path(),
            self.port,
            &self.database_url,
            &self.model.base_url,
        );
        let started = Instant::now();
        let client = reqwest::Client::new();
        loop {
            if let Ok(response) = client.get(self.url("/login")).send().await
                && response.status().is_success()
            {
                break;
            }
            if let Ok(Some(status)) = server.try_wait() {
                let log = std::fs::read_to_string(self.dir.path().join(SERVER_LOG));
                panic!(
                    "draftdesk exited on restart ({status}):\n{}",
                    log.unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "draftdesk did not answer after a restart"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.server = Some(Process(server));
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

/// The server's log, in the test's folder; restarts append to it.
const SERVER_LOG: &str = "server.log";

fn spawn_server(dir: &Path, port: u16, database_url: &str, model_url: &str) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(SERVER_LOG))
        .expect("log file");
    Command::new(env!("CARGO_BIN_EXE_draftdesk"))
        .arg("serve")
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("LLM_BASE_URL", model_url)
        .env("OPENROUTER_API_KEY", "")
        .env("LLM_API_KEY", "e2e-key")
        .env("LLM_TIMEOUT_SECS", "20")
        .env("JOB_CONCURRENCY", "2")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "draftdesk=info,warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("draftdesk starts")
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{name}.png"))
}

fn wait_for_setup_link(log: &Path, server: &mut Child) -> String {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(at) = text.find("http://") {
            let link: String = text[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            if link.contains("/setup?token=") {
                return link;
            }
        }
        if let Ok(Some(status)) = server.try_wait() {
            panic!("draftdesk exited ({status}):\n{text}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no setup link in the log:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
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
