//! The real `draftdesk` binary as a child process, and CPU-bound load beside it. Both
//! stop when dropped, also when the test panics, so a failing test leaves nothing running.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running `draftdesk serve`; killed (SIGKILL) and reaped when dropped.
pub struct Server {
    child: Option<Child>,
    pub address: String,
    /// Where the server's standard error goes.
    pub log: PathBuf,
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Server {
    /// Starts the binary in `dir` (away from the developer's `.env`) with these settings
    /// on top of a clean set (no model key, warnings only), and waits until it answers.
    pub async fn start(dir: &Path, port: u16, settings: &[(&str, &str)]) -> Self {
        let log = dir.join(format!("server-{port}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_draftdesk"));
        command
            .arg("serve")
            .current_dir(dir)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("OPENROUTER_API_KEY", "")
            .env("LLM_API_KEY", "")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"));
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut server = Self {
            child: Some(command.spawn().expect("the server starts")),
            address: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_until_up().await;
        server
    }

    async fn wait_until_up(&mut self) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if client
                .get(format!("{}/healthz", self.address))
                .send()
                .await
                .is_ok()
            {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok())
                .flatten()
            {
                panic!("the server exited with {status}: {}", self.log_text());
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not come up: {}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything the server has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How many jobs are in each state, by state.
pub async fn job_states(db: &draftdesk::db::Db) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")
        .fetch_all(&db.read)
        .await
        .expect("job states")
}

/// Threads that spin on the CPU until dropped: a busy machine.
pub struct BusyLoops {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl BusyLoops {
    pub fn start(count: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..count)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x: u64 = 1;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..10_000 {
                            x = std::hint::black_box(
                                x.wrapping_mul(6364136223846793005).wrapping_add(1),
                            );
                        }
                    }
                })
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for BusyLoops {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
