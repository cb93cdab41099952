//! Running the built `pol` binary from the integration tests: fresh folders to run it in, the
//! command with a fixed environment, standard input fed on another thread, and a time limit.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The time limit for tests that must not hang: a watchdog that turns a hang into a failure, not
/// a speed target. It sits far above any normal run, even of a debug build on a busy machine;
/// how fast Pol is belongs to the benchmarks (`benches/`), and how much work it does to
/// deterministic tests (step budgets, work counters).
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// A fresh, empty folder for one test under `CARGO_TARGET_TMPDIR`, named after `prefix`, the
/// process and a counter, so tests running at the same time never share one.
pub fn scratch_dir(prefix: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{prefix}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh folder (see [`scratch_dir`]) holding `files`, each a name and its text.
pub fn scratch_dir_with(prefix: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch_dir(prefix);
    for (name, text) in files {
        write(&dir, name, text);
    }
    dir
}

/// Writes `text` to the file `name` in `dir`; its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The command that runs `pol ARGS` in `dir` without colour, whatever the environment of the
/// tests asks for (`NO_COLOR` set, `CLICOLOR` and `CLICOLOR_FORCE` removed).
pub fn pol_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pol"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("NO_COLOR", "1");
    command
}

/// Runs `pol ARGS` in `dir` with nothing on standard input; its exit status and output.
pub fn pol(dir: &Path, args: &[&str]) -> Output {
    Pol::new(dir, args).output()
}

/// Runs `pol ARGS` in `dir` with `input` on standard input; its exit status and output.
pub fn pol_with_input(dir: &Path, args: &[&str], input: &str) -> Output {
    Pol::new(dir, args).input(input).output()
}

/// A run of `pol` with more set up than [`pol`] does: standard input, where standard output
/// goes, a time limit.
pub struct Pol {
    command: Command,
    input: Option<String>,
    time_limit: Option<Duration>,
    stdin: Option<Stdio>,
    stdout: Option<Stdio>,
}

impl Pol {
    /// `pol ARGS` in `dir`, as [`pol_command`] sets it up.
    pub fn new(dir: &Path, args: &[&str]) -> Self {
        Pol {
            command: pol_command(dir, args),
            input: None,
            time_limit: None,
            stdin: None,
            stdout: None,
        }
    }

    /// Feeds `input` on standard input (written on another thread, so a `pol` that does not
    /// read it cannot stall the test, and a pipe it closed is no error).
    pub fn input(mut self, input: &str) -> Self {
        self.input = Some(input.to_owned());
        self
    }

    /// Kills `pol` and fails the test when it runs longer than `limit`: a hang fails the test
    /// rather than stalling it. Pass [`WATCHDOG`]; a tighter limit would assert on speed.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }

    /// Connects standard input to `stdin` instead of nothing, for a test that feeds it itself
    /// (take it from [`Running::child`]).
    pub fn stdin(mut self, stdin: Stdio) -> Self {
        self.stdin = Some(stdin);
        self
    }

    /// Sends standard output to `stdout` instead of capturing it.
    pub fn stdout(mut self, stdout: Stdio) -> Self {
        self.stdout = Some(stdout);
        self
    }

    /// Starts `pol`, feeding it the input given to [`Pol::input`] on another thread.
    pub fn spawn(mut self) -> Running {
        let shown: Vec<String> = self
            .command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        let stdin = match (self.stdin.take(), &self.input) {
            (Some(stdin), _) => stdin,
            (None, Some(_)) => Stdio::piped(),
            (None, None) => Stdio::null(),
        };
        let stdout = self.stdout.take().unwrap_or_else(Stdio::piped);
        let mut child = self
            .command
            .stdin(stdin)
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let writer = match (self.input, child.stdin.take()) {
            (Some(input), Some(mut pipe)) => Some(std::thread::spawn(move || {
                let _ = pipe.write_all(input.as_bytes());
            })),
            (None, pipe) => {
                child.stdin = pipe;
                None
            }
            (Some(_), None) => None,
        };
        Running {
            child,
            writer,
            time_limit: self.time_limit,
            shown: shown.join(" "),
        }
    }

    /// Runs `pol` to its end; its exit status and what it wrote.
    pub fn output(self) -> Output {
        self.spawn().output()
    }
}

/// A `pol` that [`Pol::spawn`] started.
pub struct Running {
    /// The process, whose standard input a test may take to write on itself.
    pub child: Child,
    writer: Option<std::thread::JoinHandle<()>>,
    time_limit: Option<Duration>,
    shown: String,
}

impl Running {
    /// Waits for `pol` to end, reading its output on other threads so a full pipe never stops
    /// it; past the time limit it is killed and the test fails.
    pub fn output(self) -> Output {
        self.try_output().unwrap_or_else(|problem| panic!("{problem}"))
    }

    /// Waits for `pol` to end as [`Running::output`] does, but past the time limit kills it and
    /// says so in `Err`, for a test that collects every failure before it fails.
    pub fn try_output(mut self) -> Result<Output, String> {
        let read = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    pipe.read_to_end(&mut bytes).unwrap();
                }
                bytes
            })
        };
        let stdout = read(
            self.child
                .stdout
                .take()
                .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        );
        let stderr = read(
            self.child
                .stderr
                .take()
                .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        );
        let start = Instant::now();
        let status = match self.time_limit {
            None => self.child.wait().unwrap(),
            Some(limit) => loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    break status;
                }
                if start.elapsed() > limit {
                    self.child.kill().unwrap();
                    self.child.wait().unwrap();
                    return Err(format!(
                        "`pol {}` still running after {limit:?}: killed",
                        self.shown
                    ));
                }
                std::thread::sleep(Duration::from_millis(10));
            },
        };
        if let Some(writer) = self.writer {
            writer.join().unwrap();
        }
        Ok(Output {
            status,
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
        })
    }
}

/// Standard output of a run, as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Standard error of a run, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
