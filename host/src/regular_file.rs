//! Reads of files named by someone else (manifests, settings, files an extension asks for): only regular
//! files, never more than a cap, and never blocking — a FIFO, a terminal, `/dev/zero` or a symbolic link to
//! `/proc/self/fd/0` is refused by its kind before anything is read.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The most bytes of a manifest (`exthost.json`, `package.json`) that are read.
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// The most bytes of a settings file that are read.
pub const MAX_SETTINGS_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Nothing is there (a dangling symbolic link counts as nothing).
    #[error("{} does not exist", .path.display())]
    NotFound {
        /// The file asked for.
        path: PathBuf,
    },
    /// A symbolic link whose target does not exist.
    #[error("{} is a symbolic link to {} which does not exist", .path.display(), .target.display())]
    DanglingLink {
        /// The link.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// It is there but is not a regular file.
    #[error("{} is not a regular file but {kind}", .path.display())]
    NotRegular {
        /// The file asked for.
        path: PathBuf,
        /// What it is: `a named pipe (FIFO)`, `a directory`, `a device`, …
        kind: &'static str,
    },
    /// It is larger than the cap.
    #[error("{} is larger than {} ({size} bytes or more)", .path.display(), describe_size(*.limit))]
    TooLarge {
        /// The file asked for.
        path: PathBuf,
        /// Its size, at least.
        size: u64,
        /// The cap it broke, in bytes.
        limit: u64,
    },
    /// The system refused (permissions, a symbolic link loop, …).
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file asked for.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

impl ReadError {
    /// Whether the file simply is not there.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound { .. })
    }

    /// What is wrong, without the path: `not a regular file but a device`.
    pub fn reason(&self) -> String {
        match self {
            ReadError::NotFound { .. } => "it does not exist".to_owned(),
            ReadError::DanglingLink { target, .. } => format!(
                "a symbolic link to {} which does not exist",
                target.display()
            ),
            ReadError::NotRegular { kind, .. } => format!("not a regular file but {kind}"),
            ReadError::TooLarge { size, limit, .. } => {
                format!(
                    "larger than {} ({size} bytes or more)",
                    describe_size(*limit)
                )
            }
            ReadError::Io { source, .. } => source.to_string(),
        }
    }

    /// This error as an [`io::Error`] whose message is [`ReadError::reason`].
    pub fn into_io(self) -> io::Error {
        let kind = match &self {
            ReadError::NotFound { .. } => io::ErrorKind::NotFound,
            ReadError::NotRegular { .. } | ReadError::DanglingLink { .. } => {
                io::ErrorKind::InvalidInput
            }
            ReadError::TooLarge { .. } => io::ErrorKind::FileTooLarge,
            ReadError::Io { source, .. } => source.kind(),
        };
        io::Error::new(kind, self.reason())
    }
}

/// `1 MB`, `64 KB`, `300 bytes`.
fn describe_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a file that is not regular is, for messages.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads `path` (following symbolic links) when it is a regular file of at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let io_error = |source: io::Error| {
        if source.kind() == io::ErrorKind::NotFound {
            ReadError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            ReadError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    // Look before opening: opening a FIFO blocks until a writer comes.
    let metadata = std::fs::metadata(path).map_err(|error| match std::fs::read_link(path) {
        Ok(target) if error.kind() == io::ErrorKind::NotFound => ReadError::DanglingLink {
            path: path.to_path_buf(),
            target,
        },
        _ => io_error(error),
    })?;
    check(path, &metadata, limit)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Should it have been swapped for a FIFO since: opening does not wait, and the check below fails.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io_error)?;
    check(path, &file.metadata().map_err(io_error)?, limit)?;
    let mut bytes = Vec::new();
    // The size can grow between the check and the read (or lie, for /proc files): read one byte past it.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Reads `path` as text (see [`read`]); bytes that are not UTF-8 become U+FFFD.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read(path, limit)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    })
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it, written, flushed to disk, then
/// renamed over it. A reader sees the old file or the new one, never a part; whatever was at `path` (a
/// FIFO, a link) is replaced, not written through. Creates the parent folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |name| name.to_string_lossy().into_owned());
    let temporary = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    // The rename itself is durable once the folder is.
    if let Ok(folder) = std::fs::File::open(parent) {
        let _ = folder.sync_all();
    }
    Ok(())
}

fn check(path: &Path, metadata: &std::fs::Metadata, limit: u64) -> Result<(), ReadError> {
    if !metadata.is_file() {
        return Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(metadata.file_type()),
        });
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len(),
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_under_the_cap() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("a.json");
        std::fs::write(&file, "{}").unwrap();
        assert_eq!(read(&file, 2).unwrap(), b"{}");
        assert_eq!(read_text(&file, 100).unwrap(), "{}");
        let error = read(&file, 1).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{} is larger than 1 bytes (2 bytes or more)",
                file.display()
            )
        );
        assert!(
            read(&folder.path().join("missing"), 10)
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_nothing_behind() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("nested/state.json");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_fifos_devices_directories_and_stdin_without_blocking() {
        let folder = tempfile::tempdir().unwrap();
        let fifo = folder.path().join("fifo.json");
        let path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        let stdin = folder.path().join("stdin.json");
        std::os::unix::fs::symlink("/proc/self/fd/0", &stdin).unwrap();
        let zero = folder.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let cases: &[(&Path, &str)] = &[
            (&fifo, "a named pipe (FIFO)"),
            (&zero, "a device"),
            (folder.path(), "a directory"),
        ];
        for (path, kind) in cases {
            let error = read(path, MAX_MANIFEST_BYTES).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("{} is not a regular file but {kind}", path.display())
            );
        }
        // What the test's stdin is depends on cargo; the end-to-end tests give the host a pipe.
        let _ = read(&stdin, MAX_MANIFEST_BYTES);
    }
}
