//! Shared by the CLI tests: run the built `imcdse` binary. Each test file uses what it needs.
#![allow(dead_code)]

use std::process::Command;

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs `imcdse` with `args`; returns (exit code, stdout, stderr).
pub fn imcdse(args: &[&str]) -> (i32, String, String) {
    output(Command::new(env!("CARGO_BIN_EXE_imcdse")).args(args))
}

/// Runs `imcdse` with `args` and `RAYON_NUM_THREADS = threads`.
pub fn imcdse_threads(args: &[&str], threads: &str) -> (i32, String, String) {
    output(
        Command::new(env!("CARGO_BIN_EXE_imcdse"))
            .args(args)
            .env("RAYON_NUM_THREADS", threads),
    )
}

/// A temporary folder for one test, removed with everything in it when dropped.
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("a temporary folder"))
    }

    /// A path in the folder (nothing is created).
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.path().join(name)
    }
}
