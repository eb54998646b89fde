//! Files a user names: read from regular files only. A folder, a FIFO (named pipe), a device
//! or a socket is refused by what it is, before it is opened, so a FIFO with no writer never
//! blocks the reader and a pipe is never read as an empty file.

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
}
