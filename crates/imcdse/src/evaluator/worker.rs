//! One evaluator process: `sh -c "exec CMD"` (so the process is CMD itself), in a process group
//! of its own, its stdin, stdout and stderr piped. Three threads serve it:
//!
//! - a writer sends the requests, so that a worker that does not read its input cannot block
//!   imcdse: the request's deadline covers writing it as well as reading the answer;
//! - a reader cuts stdout into lines of at most [`MAX_LINE`] bytes (a longer line is refused
//!   unread, so a worker cannot fill imcdse's memory) and tells text from bytes that are not
//!   UTF-8;
//! - a copier appends stderr to the run's `evaluator.log`, which holds at most [`Log::CAP`]
//!   bytes ([`Log`]).
//!
//! A request waits for its answer with a deadline, watching the process meanwhile: a worker
//! that exits is noticed at once, even when a process it started still holds its stdout. A
//! worker that is let go or killed is killed with its whole process group, so that processes
//! it started end with it. In a group of its own it does not get the terminal's Ctrl-C: the
//! CLI's handler kills every worker's group ([`kill_all`]) before imcdse exits. One request
//! is in flight per worker at a time.

use super::lines::{Line as Got, read_line};
use super::protocol::{clip, escape};
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// The longest line a worker may write (the handshake or an answer), bytes: 16 MiB.
pub const MAX_LINE: usize = 16 << 20;

/// How often a waiting request looks whether its worker has exited.
const POLL: Duration = Duration::from_millis(50);

/// How long the last lines of a worker that exited may take to arrive through the reader.
const LAST_LINES: Duration = Duration::from_millis(200);

/// What the reader and writer threads saw.
enum Line {
    Text(String),
    Closed,
    TooLong,
    NotUtf8(String),
    WriteFailed(String),
}

/// Why a worker gave no answer line.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Nothing within the timeout (the request's writing included).
    Timeout(Duration),
    /// It exited or crashed (how).
    Exited(String),
    /// The request could not be written.
    Write(String),
    /// A line longer than [`MAX_LINE`].
    TooLong,
    /// A line that is not UTF-8 text (where, and the line with its bad bytes replaced).
    NotUtf8(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout(t) => write!(f, "no answer within {} s", t.as_secs_f64()),
            Failure::Exited(how) => write!(f, "the worker {how}"),
            Failure::Write(e) => write!(f, "the request could not be sent ({e})"),
            Failure::TooLong => write!(
                f,
                "a line longer than {} MiB, the protocol's limit",
                MAX_LINE >> 20
            ),
            Failure::NotUtf8(what) => write!(f, "a line that is not UTF-8 text ({what})"),
        }
    }
}

/// A running worker.
pub struct Worker {
    child: Child,
    /// To the writer thread; `None` once closed (the worker is being let go).
    requests: Option<Sender<String>>,
    lines: Receiver<Line>,
}

impl Worker {
    /// Starts `command` through `sh` in a process group of its own, its stderr copied to `log`.
    pub fn start(command: &str, log: &std::sync::Arc<Log>) -> Result<Worker, String> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("exec {command}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        group::own(&mut cmd);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start `sh -c \"exec {command}\"`: {e}"))?;
        let (Some(mut stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "`{command}`: its standard streams could not be piped"
            ));
        };
        group::register(child.id());
        let (tx, lines) = channel();
        let (requests, to_write) = channel::<String>();
        let failed = tx.clone();
        std::thread::spawn(move || {
            for request in to_write {
                let sent = stdin
                    .write_all(request.as_bytes())
                    .and_then(|()| stdin.write_all(b"\n"))
                    .and_then(|()| stdin.flush());
                if let Err(e) = sent {
                    let _ = failed.send(Line::WriteFailed(e.to_string()));
                    return;
                }
            }
        });
        std::thread::spawn(move || read_lines(stdout, &tx));
        let log = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match stderr.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => log.stderr(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => return,
                }
            }
        });
        Ok(Worker {
            child,
            requests: Some(requests),
            lines,
        })
    }

    /// The process id, for the log.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line within `timeout`; a worker that exits meanwhile is noticed at once.
    pub fn read(&mut self, timeout: Duration) -> Result<String, Failure> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Failure::Timeout(timeout));
            }
            match self.lines.recv_timeout(left.min(POLL)) {
                Ok(line) => return self.take(line),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Failure::Exited(self.exit_status()));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Its last lines may still be on their way through the reader thread.
                return match self.lines.recv_timeout(LAST_LINES) {
                    Ok(line) => self.take(line),
                    Err(_) => Err(Failure::Exited(format!(
                        "{} (a process it started still holds its stdout)",
                        describe(status)
                    ))),
                };
            }
        }
    }

    /// What a line from the threads means.
    fn take(&mut self, line: Line) -> Result<String, Failure> {
        match line {
            Line::Text(t) => Ok(t),
            Line::Closed => Err(Failure::Exited(self.exit_status())),
            Line::TooLong => Err(Failure::TooLong),
            Line::NotUtf8(what) => Err(Failure::NotUtf8(what)),
            Line::WriteFailed(e) => match self.wait_exit() {
                Some(how) => Err(Failure::Exited(how)),
                None => Err(Failure::Write(e)),
            },
        }
    }

    /// Sends one line and waits for one line back, both within `timeout`.
    pub fn call(&mut self, request: String, timeout: Duration) -> Result<String, Failure> {
        let sent = match &self.requests {
            Some(tx) => tx.send(request).is_ok(),
            None => false,
        };
        if !sent {
            return Err(Failure::Write("its stdin is closed".into()));
        }
        self.read(timeout)
    }

    /// How it ended, once its stdout closed (waits briefly for the exit status).
    fn exit_status(&mut self) -> String {
        self.wait_exit()
            .unwrap_or_else(|| "closed its stdout".to_string())
    }

    /// How it ended, if it does within half a second.
    fn wait_exit(&mut self) -> Option<String> {
        for _ in 0..50 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(describe(status));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

/// `exited with status N` or `was killed (signal)`.
fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(c) => format!("exited with status {c}"),
        None => format!("was killed ({status})"),
    }
}

/// The reader thread: stdout cut into lines (without their `\n` or `\r\n`; blank ones
/// skipped), each at most [`MAX_LINE`] bytes ([`super::lines::read_line`]); a longer one ends
/// the reading.
fn read_lines(stdout: impl Read, tx: &Sender<Line>) {
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut line: Vec<u8> = Vec::new();
    loop {
        match read_line(&mut reader, &mut line, MAX_LINE) {
            Ok(Some(Got::Whole)) => {
                if !send_line(tx, std::mem::take(&mut line)) {
                    return;
                }
            }
            Ok(Some(Got::TooLong)) => {
                let _ = tx.send(Line::TooLong);
                return;
            }
            Ok(None) | Err(_) => break,
        }
    }
    let _ = tx.send(Line::Closed);
}

/// Sends one line as text, or says it is not UTF-8; `false` when nobody listens any more.
fn send_line(tx: &Sender<Line>, mut bytes: Vec<u8>) -> bool {
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    let line = match String::from_utf8(bytes) {
        Ok(s) if s.trim().is_empty() => return true,
        Ok(s) => Line::Text(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Line::NotUtf8(format!(
                "byte {at} is 0x{:02x}: {}",
                e.as_bytes()[at],
                clip(&text)
            ))
        }
    };
    tx.send(line).is_ok()
}

impl Worker {
    /// Lets an idle worker go: closes its stdin (a worker ends when its input does) and gives it
    /// `grace` to exit on its own, so it can flush what it writes last; then it is killed with
    /// its process group.
    pub fn finish(mut self, grace: Duration) {
        drop(self.requests.take());
        let start = Instant::now();
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
        drop(self.requests.take());
        // The group outlives its leader while a process it started lives: killed too.
        group::kill(self.child.id());
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        group::unregister(self.child.id());
    }
}

/// Kills the process group of every running worker (the CLI's Ctrl-C handler).
pub fn kill_all() {
    group::kill_all();
}

/// Workers' process groups: each worker leads its own, whose id is its process id.
mod group {
    use super::Mutex;
    use std::process::Command;

    /// The groups of the workers running now.
    static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

    fn groups() -> std::sync::MutexGuard<'static, Vec<u32>> {
        GROUPS.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn register(pgid: u32) {
        groups().push(pgid);
    }

    pub fn unregister(pgid: u32) {
        groups().retain(|&g| g != pgid);
    }

    pub fn kill_all() {
        for &g in groups().iter() {
            kill(g);
        }
    }

    /// The process started by `cmd` leads a new process group.
    #[cfg(unix)]
    pub fn own(cmd: &mut Command) {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }

    /// Sends SIGKILL to every process of the group (none left is fine).
    #[cfg(unix)]
    pub fn kill(pgid: u32) {
        use nix::sys::signal::{Signal, killpg};
        use nix::unistd::Pid;
        if let Ok(pgid) = i32::try_from(pgid) {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
    }

    #[cfg(not(unix))]
    pub fn own(_: &mut Command) {}

    #[cfg(not(unix))]
    pub fn kill(_: u32) {}
}

/// A run's `evaluator.log`: imcdse's own lines about starts, restarts and failures, and the
/// workers' stderr, of which the file holds at most [`Log::CAP`] bytes; past it, workers'
/// output is dropped and the log says so once.
pub struct Log {
    path: PathBuf,
    state: Mutex<LogState>,
}

struct LogState {
    file: Option<File>,
    /// The file's size, bytes.
    size: u64,
    /// Whether the log said it is full.
    said: bool,
}

impl Log {
    /// The most bytes of workers' stderr the file holds: 64 MiB.
    pub const CAP: u64 = 64 << 20;

    /// Opens (creating) the log for appending.
    pub fn open(path: &Path) -> Result<Log, String> {
        let file = File::options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let size = file.metadata().map_or(0, |m| m.len());
        Ok(Log {
            path: path.to_path_buf(),
            state: Mutex::new(LogState {
                file: Some(file),
                size,
                said: false,
            }),
        })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a line of imcdse's own (best effort: the log is for people, not for results).
    pub fn line(&self, text: &str) {
        let mut s = self.state();
        let line = format!("[imcdse] {}\n", escape(text));
        s.write(line.as_bytes());
    }

    /// Appends a worker's stderr, up to the cap.
    fn stderr(&self, bytes: &[u8]) {
        let mut s = self.state();
        let room = Self::CAP.saturating_sub(s.size);
        let n = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        s.write(&bytes[..n]);
        if n < bytes.len() && !s.said {
            s.said = true;
            let note = format!(
                "\n[imcdse] evaluator.log holds at most {} MiB of the workers' stderr: the rest \
                 of it is dropped\n",
                Self::CAP >> 20
            );
            s.write(note.as_bytes());
        }
    }
}

impl LogState {
    fn write(&mut self, bytes: &[u8]) {
        if let Some(f) = &mut self.file
            && f.write_all(bytes).is_ok()
        {
            self.size += bytes.len() as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines are cut at `\n` (a `\r` before it dropped, blank lines skipped), the last one
    /// without its newline kept; one past the limit is refused and ends the reading; bytes
    /// that are not UTF-8 are named.
    #[test]
    fn e2_e10_lines_are_bounded_and_checked() {
        let lines = |bytes: Vec<u8>| {
            let (tx, rx) = channel();
            read_lines(&bytes[..], &tx);
            drop(tx);
            rx.iter()
                .map(|l| match l {
                    Line::Text(t) => t,
                    Line::Closed => "<closed>".into(),
                    Line::TooLong => "<too long>".into(),
                    Line::NotUtf8(w) => format!("<not utf-8: {w}>"),
                    Line::WriteFailed(e) => e,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(b"a\r\n\n  \nb\nc".to_vec()),
            ["a", "b", "c", "<closed>"]
        );
        let mut long = b"x\n".to_vec();
        long.extend(std::iter::repeat_n(b'y', MAX_LINE + 1));
        long.extend(b"\nz\n");
        assert_eq!(lines(long), ["x", "<too long>"]);
        let mut exact = vec![b'y'; MAX_LINE];
        exact.push(b'\n');
        assert_eq!(lines(exact)[0].len(), MAX_LINE);
        let bad = lines(b"\xff\xfe\x00garbage\n".to_vec());
        assert_eq!(
            bad,
            [
                "<not utf-8: byte 0 is 0xff: \u{fffd}\u{fffd}\\u{0}garbage>",
                "<closed>"
            ]
        );
    }

    /// E7: the log keeps imcdse's lines and at most `CAP` bytes of workers' output, and says once
    /// that it dropped the rest.
    #[test]
    fn e7_the_log_is_capped_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evaluator.log");
        std::fs::write(&path, vec![b'o'; (Log::CAP - 10) as usize]).unwrap();
        let log = Log::open(&path).unwrap();
        log.stderr(b"0123456789abcdef");
        log.stderr(b"more");
        log.line("worker 0 started\nagain");
        let text = std::fs::read(&path).unwrap();
        let tail = String::from_utf8_lossy(&text[(Log::CAP - 10) as usize..]).into_owned();
        assert_eq!(
            tail,
            "0123456789\n[imcdse] evaluator.log holds at most 64 MiB of the workers' stderr: \
             the rest of it is dropped\n[imcdse] worker 0 started\\nagain\n"
        );
    }
}
