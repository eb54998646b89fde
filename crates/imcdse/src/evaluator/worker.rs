//! One evaluator process: `sh -c "exec CMD"` (so the process is CMD itself), with its stdin
//! and stdout piped and its stderr appended to the run's `evaluator.log`. A worker killed after
//! a timeout is killed alone: processes it started itself are its own to end (they lose their
//! input and output with it). A reader thread turns stdout into lines, so a request
//! can wait for its answer with a deadline; a worker that misses it is killed (and the pool
//! starts another). One request is in flight per worker at a time.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// What the reader thread saw.
enum Line {
    Text(String),
    Closed,
}

/// Why a worker gave no answer line.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Nothing within the timeout.
    Timeout(Duration),
    /// Its stdout closed: it exited or crashed.
    Exited(String),
    /// The request could not be written.
    Write(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout(t) => write!(f, "no answer within {} s", t.as_secs_f64()),
            Failure::Exited(how) => write!(f, "the worker {how}"),
            Failure::Write(e) => write!(f, "the request could not be sent ({e})"),
        }
    }
}

/// A running worker.
pub struct Worker {
    child: Child,
    /// `None` once closed (the worker is being let go).
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
}

impl Worker {
    /// Starts `command` through `sh`, its stderr appended to `log`.
    pub fn start(command: &str, log: &Path) -> Result<Worker, String> {
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("exec {command}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err));
        // In imcdse's own process group: a Ctrl-C in the terminal reaches the workers too (in a
        // group of their own they would go on costing after imcdse is gone).
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start `sh -c \"exec {command}\"`: {e}"))?;
        let stdin = child.stdin.take().expect("stdin was piped");
        let stdout = child.stdout.take().expect("stdout was piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) if l.trim().is_empty() => continue,
                    Ok(l) => {
                        if tx.send(Line::Text(l)).is_err() {
                            return;
                        }
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send(Line::Closed);
        });
        Ok(Worker {
            child,
            stdin: Some(stdin),
            lines: rx,
        })
    }

    /// The process id, for the log.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line within `timeout`.
    pub fn read(&mut self, timeout: Duration) -> Result<String, Failure> {
        match self.lines.recv_timeout(timeout) {
            Ok(Line::Text(l)) => Ok(l),
            Ok(Line::Closed) | Err(RecvTimeoutError::Disconnected) => {
                Err(Failure::Exited(self.exit_status()))
            }
            Err(RecvTimeoutError::Timeout) => Err(Failure::Timeout(timeout)),
        }
    }

    /// Sends one line and waits for one line back.
    pub fn call(&mut self, request: &str, timeout: Duration) -> Result<String, Failure> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(Failure::Write("its stdin is closed".into()));
        };
        writeln!(stdin, "{request}")
            .and_then(|_| stdin.flush())
            .map_err(|e| match self.child.try_wait() {
                Ok(Some(_)) => Failure::Exited(self.exit_status()),
                _ => Failure::Write(e.to_string()),
            })?;
        self.read(timeout)
    }

    /// How it ended, once its stdout closed (waits briefly for the exit status).
    fn exit_status(&mut self) -> String {
        for _ in 0..50 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return match status.code() {
                    Some(c) => format!("exited with status {c}"),
                    None => format!("was killed ({status})"),
                };
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        "closed its stdout".to_string()
    }
}

impl Worker {
    /// Lets an idle worker go: closes its stdin (a worker ends when its input does) and gives it
    /// `grace` to exit on its own, so it can flush what it writes last, then kills it.
    pub fn finish(mut self, grace: Duration) {
        drop(self.stdin.take());
        let start = std::time::Instant::now();
        while start.elapsed() < grace {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Appends a line to the log (best effort: the log is for people, not for results).
pub fn log_line(log: &Path, text: &str) {
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(f, "[imcdse] {text}");
    }
}

/// Creates (or truncates nothing of) the log so it exists before any worker writes.
pub fn touch(log: &Path) -> Result<(), String> {
    File::options()
        .create(true)
        .append(true)
        .open(log)
        .map(|_| ())
        .map_err(|e| format!("cannot open {}: {e}", log.display()))
}
