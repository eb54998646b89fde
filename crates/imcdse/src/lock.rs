//! One process at a time in a run folder: an advisory lock on `<folder>/.lock`, taken before a
//! study reads what an earlier run left and held until it has written its tables. A second
//! `sweep --resume` (or grade, compare, merge) of the same folder is refused with the first
//! one's process id, instead of both appending to `checkpoint.jsonl` (issue 17 item 7).
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows, through
//! `std::fs::File::try_lock`): it goes with the process, so a run killed with `kill -9` leaves
//! no stale lock, and `--resume` takes the folder at once. The file itself stays, holding the
//! last holder's pid. On a file system without locks (some network mounts) runs go on
//! unlocked, as before.

use anyhow::{Context, Result, bail};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside a run folder.
pub const LOCK_FILE: &str = ".lock";

/// A held lock on a run folder; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct RunLock {
    /// The open, locked file (`None` where the file system has no locks).
    file: Option<File>,
    /// The folder, when this lock created it (removed again if the study wrote nothing).
    created: Option<PathBuf>,
}

impl RunLock {
    /// Locks `dir`, creating it if needed; refuses when another process holds it.
    pub fn acquire(dir: &Path) -> Result<RunLock> {
        let created = (!dir.exists()).then(|| dir.to_path_buf());
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let holder = match pid.trim() {
                    "" => "another imcdse process (pid unknown)".to_string(),
                    // A study of this process (another thread of a Python program, say).
                    p if p == std::process::id().to_string() => {
                        format!("another study of this process (pid {p})")
                    }
                    p => format!("another imcdse process (pid {p})"),
                };
                bail!(
                    "{} is in use by {holder}; wait for it to end, or choose another --out",
                    dir.display()
                );
            }
            Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                return Ok(RunLock {
                    file: None,
                    created,
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()));
            }
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(RunLock {
            file: Some(file),
            created,
        })
    }
}

impl Drop for RunLock {
    /// Releases the lock. A folder this lock created that still holds nothing but the lock
    /// file (the study was refused before it wrote anything) is removed again, leaving no trace
    /// of a run that never started.
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            let _ = f.unlock();
        }
        if let Some(dir) = &self.created {
            let only_lock = fs::read_dir(dir).is_ok_and(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .all(|e| e.file_name() == LOCK_FILE)
            });
            if only_lock {
                let _ = fs::remove_file(dir.join(LOCK_FILE));
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second lock of a held folder is refused with the holder's pid (here this process's,
    /// named as such: another thread's study); dropping the first
    /// releases it; a folder the lock created is removed when nothing but the lock was written
    /// to it, and kept otherwise.
    #[test]
    fn item7_a_held_folder_is_refused_then_released() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let first = RunLock::acquire(&dir).unwrap();
        let e = RunLock::acquire(&dir).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "in use by another study of this process (pid {})",
                std::process::id()
            )),
            "{e}"
        );
        fs::write(dir.join("run.toml"), "").unwrap();
        drop(first);
        assert!(dir.join("run.toml").exists(), "a folder with results stays");
        drop(RunLock::acquire(&dir).unwrap());
        assert!(dir.exists(), "a folder the lock did not create stays");
        let fresh = tmp.path().join("fresh");
        drop(RunLock::acquire(&fresh).unwrap());
        assert!(!fresh.exists());
    }
}
