//! Child processes that stop when dropped, also when the test panics, so a failing test
//! leaves nothing running: the real `draftdesk` binary (once or as a server), any other
//! program (chromedriver), and CPU-bound load beside them.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The `draftdesk` binary this test build made.
pub fn draftdesk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_draftdesk"))
}

/// Runs `command` to its end and collects what it printed, like `Command::output`, but
/// killed if the test panics meanwhile (a command that unexpectedly starts serving must
/// not outlive its test).
pub fn finished(command: &mut Command) -> Output {
    KillOnDrop::spawn(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .wait_with_output()
}

/// A child process, killed (SIGKILL) and reaped when dropped unless it was waited for.
pub struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    pub fn spawn(command: &mut Command) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{:?} did not start: {e}", command.get_program()));
        Self(Some(child))
    }

    pub fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("not waited for yet")
    }

    /// Its exit status, if it has ended.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.0.as_mut().and_then(|c| c.try_wait().ok()).flatten()
    }

    /// Waits for it to end on its own and collects what it printed.
    pub fn wait_with_output(mut self) -> Output {
        self.0
            .take()
            .expect("not waited for yet")
            .wait_with_output()
            .expect("the process ends")
    }

    /// Kills it at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A running `draftdesk serve`; killed when dropped.
pub struct Server {
    process: KillOnDrop,
    pub address: String,
    /// Where the server's standard error goes; a restart appends to it.
    pub log: PathBuf,
    dir: PathBuf,
    /// The port it listens on; 0 until the first start has chosen one.
    port: u16,
    settings: Vec<(String, String)>,
}

/// What `draftdesk serve` logs once it listens, with its address.
const LISTENING: &str = "draftdesk is listening";

impl Server {
    /// Starts the binary in `dir` (away from the developer's `.env`) with these settings
    /// on top of a clean set (no model key, warnings only), on a port it picks itself (a
    /// port found free beforehand could be taken by another test's connection meanwhile),
    /// and waits until it answers.
    pub async fn start(dir: &Path, settings: &[(&str, &str)]) -> Self {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let log = dir.join(format!("server-{}-{n}.log", std::process::id()));
        let mut server = Self {
            process: KillOnDrop(None),
            address: String::new(),
            dir: dir.to_owned(),
            port: 0,
            settings: settings
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            log,
        };
        server.process = server.spawn(File::create(&server.log).expect("a log file"));
        server.port = server.wait_for_port(0).await;
        server.address = format!("http://127.0.0.1:{}", server.port);
        server.wait_until_up().await;
        server
    }

    /// Kills the server and starts it again on the same port, folder and settings. Should
    /// another process have taken the port meanwhile, the new server cannot listen and
    /// says so, rather than the test going on with whatever answers there.
    pub async fn restart(&mut self) {
        self.kill();
        let starts = self.listening_lines().len();
        let log = OpenOptions::new()
            .append(true)
            .open(&self.log)
            .expect("the log file");
        self.process = self.spawn(log);
        let port = self.wait_for_port(starts).await;
        assert_eq!(port, self.port, "restarted on another port");
        self.wait_until_up().await;
    }

    fn spawn(&self, log: File) -> KillOnDrop {
        let mut command = draftdesk();
        command
            .arg("serve")
            .current_dir(&self.dir)
            .env("BIND_ADDR", format!("127.0.0.1:{}", self.port))
            .env("OPENROUTER_API_KEY", "")
            .env("LLM_API_KEY", "")
            .env("NO_COLOR", "1")
            // Warnings, and the line that says where it listens.
            .env("RUST_LOG", "warn,draftdesk::cli=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (name, value) in &self.settings {
            command.env(name, value);
        }
        KillOnDrop::spawn(&mut command)
    }

    /// The lines, whole ones only (the server may be writing one just now), in which the
    /// server said where it listens.
    fn listening_lines(&self) -> Vec<String> {
        self.log_text()
            .split_inclusive('\n')
            .filter(|line| line.ends_with('\n') && line.contains(LISTENING))
            .map(str::to_owned)
            .collect()
    }

    /// The port the server says it listens on, once its log has more than `before` such
    /// lines.
    async fn wait_for_port(&mut self, before: usize) -> u16 {
        let started = Instant::now();
        loop {
            if let Some(line) = self.listening_lines().get(before) {
                // `address=127.0.0.1:PORT`, or `"address":"127.0.0.1:PORT"` in JSON.
                return line
                    .split_once("127.0.0.1:")
                    .and_then(|(_, rest)| {
                        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
                        rest[..digits].parse().ok()
                    })
                    .unwrap_or_else(|| panic!("no port in {line:?}"));
            }
            if let Some(status) = self.process.try_wait() {
                panic!("the server exited with {status}: {}", self.log_text());
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not say where it listens (it logs that at info level for \
                 draftdesk::cli, on 127.0.0.1): {}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
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
            if let Some(status) = self.process.try_wait() {
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
        self.process.kill();
    }
}

/// How many jobs are in each state, by state.
pub async fn job_states(sql: &sqlx::AnyPool) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")
        .fetch_all(sql)
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
