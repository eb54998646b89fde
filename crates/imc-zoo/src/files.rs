//! Files a user names: read from regular files only. A folder, a FIFO (named pipe), a device
//! or a socket is refused by what it is, before it is opened, so a FIFO with no writer never
//! blocks the reader and a pipe is never read as an empty file. A text file is read up to a
//! stated size ([`read_bounded`]), so a huge or growing file is refused, not held in memory.

use crate::error::{Problem, ZooError};
use std::fs::{FileType, Metadata};
use std::path::Path;

/// What a file is, for messages: "a folder", "a FIFO (named pipe)", "a character device" ...
pub fn kind(t: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// The metadata of the regular file at `path` (through symbolic links); an error naming the
/// file when it cannot be read or is something else (`what` says what was expected there,
/// e.g. "an ONNX model").
pub fn regular(path: &str, what: &str) -> Result<Metadata, ZooError> {
    let meta = std::fs::metadata(Path::new(path)).map_err(|error| ZooError::Io {
        file: path.to_string(),
        error,
    })?;
    if meta.is_file() {
        return Ok(meta);
    }
    Err(ZooError::Invalid {
        file: path.to_string(),
        problems: vec![Problem {
            location: String::new(),
            message: format!(
                "{}, not a regular file: {what} is read from a regular file only (save a \
                 stream to a file first)",
                kind(&meta.file_type())
            ),
        }],
    })
}

/// Most bytes of a text file a user names (a workload, space, calibration or certificate):
/// 64 MiB, some six times the 100,000 layers a workload may have written out one a line.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// The bytes of the regular file `path`, if it holds at most `max` of them; else an error
/// naming the file, its size and the bound (`what` says what the file is, e.g. "a workload
/// file"). The size is checked before reading and again while reading, so a file that grows
/// meanwhile is refused too.
pub fn read_bounded(path: &str, what: &str, max: u64) -> Result<Vec<u8>, ZooError> {
    use std::io::Read;
    let io = |error| ZooError::Io {
        file: path.to_string(),
        error,
    };
    let too_large = |size: u64| ZooError::Invalid {
        file: path.to_string(),
        problems: vec![Problem {
            location: String::new(),
            message: format!("{size} bytes or more: {what} may have at most {max}"),
        }],
    };
    let meta = regular(path, what)?;
    if meta.len() > max {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(io)?;
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let e = regular(d, "an ONNX model").unwrap_err().to_string();
        assert!(e.contains("a folder, not a regular file"), "{e}");
        let missing = format!("{d}/none.onnx");
        let e = regular(&missing, "an ONNX model").unwrap_err().to_string();
        // The system's reason once, not twice.
        assert_eq!(e.matches("os error 2").count(), 1, "{e}");
    }

    #[test]
    fn a_file_over_the_bound_is_refused_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.toml");
        std::fs::write(&p, "x".repeat(101)).unwrap();
        let p = p.to_str().unwrap();
        let e = read_bounded(p, "a workload file", 100)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("101 bytes or more: a workload file may have at most 100"),
            "{e}"
        );
        assert_eq!(read_bounded(p, "a workload file", 101).unwrap().len(), 101);
        let d = dir.path().to_str().unwrap();
        let e = read_bounded(d, "a workload file", 100)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a folder, not a regular file"), "{e}");
    }
}
