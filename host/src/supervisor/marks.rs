//! Which extension's code a worker is running right now, readable by the supervisor after the worker died.
//!
//! The worker (when `EXTHOST_WORKER_MARKS` names a file) writes one fixed-size record per call into
//! extension code: `enter` claims a free slot and `pwrite`s `[enter time in ms since the epoch, u64 LE]
//! [extension id, NUL-padded]`; `leave` (the guard's drop) zeroes the time. The records live in the page
//! cache, so whatever the worker wrote before it was killed, aborted or segfaulted is what the
//! supervisor reads. Nested calls (a native command calling another extension) take slots of their own.

use std::fs::File;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The environment variable naming the marks file of a worker.
pub const MARKS_ENV: &str = "EXTHOST_WORKER_MARKS";

/// How many calls may be marked at once (more are not marked).
const SLOTS: usize = 64;
/// The size of one record.
const RECORD: usize = 128;
/// The longest id a record holds (longer ones are cut).
const ID_BYTES: usize = RECORD - 8;

/// The open marks file and which slots are taken.
struct Marks {
    file: File,
    taken: Mutex<[bool; SLOTS]>,
}

static MARKS: OnceLock<Option<Marks>> = OnceLock::new();

fn marks() -> Option<&'static Marks> {
    MARKS
        .get_or_init(|| {
            let path = std::env::var_os(MARKS_ENV)?;
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|error| tracing::warn!(%error, "cannot open the marks file"))
                .ok()?;
            Some(Marks {
                file,
                taken: Mutex::new([false; SLOTS]),
            })
        })
        .as_ref()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: usize) {
    use std::os::unix::fs::FileExt;
    if let Err(error) = file.write_all_at(bytes, offset as u64) {
        tracing::debug!(%error, "cannot write a mark");
    }
}

#[cfg(not(unix))]
fn write_at(_file: &File, _bytes: &[u8], _offset: usize) {}

/// Marks that `extension_id`'s code runs until the guard is dropped. Free when no marks file is set.
pub fn enter(extension_id: &str) -> MarkGuard {
    let Some(marks) = marks() else {
        return MarkGuard { slot: None };
    };
    let slot = {
        let mut taken = marks
            .taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let free = taken.iter().position(|taken| !taken);
        if let Some(free) = free {
            taken[free] = true;
        }
        free
    };
    if let Some(slot) = slot {
        let mut record = [0u8; RECORD];
        record[..8].copy_from_slice(&now_ms().max(1).to_le_bytes());
        let id = extension_id.as_bytes();
        let length = id.len().min(ID_BYTES);
        record[8..8 + length].copy_from_slice(&id[..length]);
        write_at(&marks.file, &record, slot * RECORD);
    }
    MarkGuard { slot }
}

/// Leaves the mark taken by [`enter`] when dropped.
#[derive(Debug)]
#[must_use = "the mark is left when the guard is dropped"]
pub struct MarkGuard {
    slot: Option<usize>,
}

impl Drop for MarkGuard {
    fn drop(&mut self) {
        let (Some(slot), Some(marks)) = (self.slot, marks()) else {
            return;
        };
        write_at(&marks.file, &[0u8; 8], slot * RECORD);
        marks
            .taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[slot] = false;
    }
}

/// One extension whose code was running, as read from a marks file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningMark {
    /// The extension's id.
    pub extension_id: String,
    /// How long its code had been running when the file was read.
    pub running_for: Duration,
}

/// Reads the marks in `path`: every extension whose code is running, longest-running first.
pub fn read(path: &Path) -> Vec<RunningMark> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let now = now_ms();
    let mut running: Vec<RunningMark> = bytes
        .chunks_exact(RECORD)
        .filter_map(|record| {
            let mut time = [0u8; 8];
            time.copy_from_slice(&record[..8]);
            let entered = u64::from_le_bytes(time);
            if entered == 0 {
                return None;
            }
            let id = &record[8..];
            let end = id.iter().position(|byte| *byte == 0).unwrap_or(id.len());
            let extension_id = String::from_utf8_lossy(&id[..end]).into_owned();
            (!extension_id.is_empty()).then(|| RunningMark {
                extension_id,
                running_for: Duration::from_millis(now.saturating_sub(entered)),
            })
        })
        .collect();
    running.sort_by_key(|mark| std::cmp::Reverse(mark.running_for));
    running
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(entered: u64, id: &str) -> Vec<u8> {
        let mut record = vec![0u8; RECORD];
        record[..8].copy_from_slice(&entered.to_le_bytes());
        record[8..8 + id.len()].copy_from_slice(id.as_bytes());
        record
    }

    #[test]
    fn running_marks_are_read_longest_first_and_left_ones_skipped() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("marks");
        let now = now_ms();
        let mut bytes = record(now - 500, "a.short");
        bytes.extend(record(0, "b.left"));
        bytes.extend(record(now - 4000, "c.long"));
        std::fs::write(&path, bytes).expect("write");
        let running = read(&path);
        let ids: Vec<&str> = running.iter().map(|m| m.extension_id.as_str()).collect();
        assert_eq!(ids, ["c.long", "a.short"]);
        assert!(running[0].running_for >= Duration::from_millis(4000));
        assert!(read(&folder.path().join("absent")).is_empty());
    }
}
