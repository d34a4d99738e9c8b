//! Which extension's code a worker is running right now, readable by the supervisor after the worker died.
//!
//! The worker (when `EXTHOST_WORKER_MARKS` names a file) maps the file shared (`mmap`, `MAP_SHARED`) and
//! writes one fixed-size record per call into extension code: `enter` claims a free slot and stores
//! `[enter time in ms since the epoch, u64 LE][kind, u8][extension id, NUL-padded]` (the time last);
//! `leave` (the guard's drop) zeroes the time. A store into the mapping is a store into the page cache,
//! so whatever the worker wrote before it was killed, aborted or segfaulted is what the supervisor reads
//! — and marking costs no system call (measured: well under a microsecond for enter and leave together,
//! where a `pwrite` of each took about 2 µs), cheap enough for every stretch of JavaScript too. Nested
//! calls (a native command calling another extension) take slots of their own.
//!
//! A mark's kind says whether the engine bounds the call itself ([`enter_bounded`]: QuickJS interrupts a
//! stretch of JavaScript past its time limit): such a mark names the culprit of a crash but is no sign of
//! a worker that must be killed ([`RunningMark::bounded`]).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The environment variable naming the marks file of a worker.
pub const MARKS_ENV: &str = "EXTHOST_WORKER_MARKS";

/// How many calls may be marked at once (more are not marked).
const SLOTS: usize = 64;
/// The size of one record.
const RECORD: usize = 128;
/// Where the kind byte is in a record.
const KIND_AT: usize = 8;
/// Where the id starts in a record.
const ID_AT: usize = 9;
/// The longest id a record holds (longer ones are cut).
const ID_BYTES: usize = RECORD - ID_AT;
/// The kind of a mark the engine does not bound.
const UNBOUNDED: u8 = 0;
/// The kind of a mark whose call the engine interrupts itself past its limit.
const BOUNDED: u8 = 1;

/// The shared mapping of the marks file and which slots are taken.
struct Marks {
    /// `SLOTS * RECORD` bytes mapped shared; never unmapped (it lives as long as the process).
    base: *mut u8,
    taken: Mutex<[bool; SLOTS]>,
}

// SAFETY: the mapping is valid for the life of the process and each slot is written only by the holder
// of its guard (slots are handed out under the mutex); the time word is an atomic.
unsafe impl Send for Marks {}
// SAFETY: as above.
unsafe impl Sync for Marks {}

static MARKS: OnceLock<Option<Marks>> = OnceLock::new();

fn marks() -> Option<&'static Marks> {
    MARKS
        .get_or_init(|| {
            let path = std::env::var_os(MARKS_ENV)?;
            map(Path::new(&path))
                .map_err(|error| tracing::warn!(%error, "cannot map the marks file"))
                .ok()
        })
        .as_ref()
}

/// Maps the marks file at `path` (made `SLOTS * RECORD` bytes long) shared, for good.
#[cfg(unix)]
fn map(path: &Path) -> std::io::Result<Marks> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.set_len((SLOTS * RECORD) as u64)?;
    // SAFETY: a fresh shared mapping of a file this process opened, of the length just set; the kernel
    // chooses the address. It is never unmapped (closing the file keeps the mapping).
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            SLOTS * RECORD,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Marks {
        base: base.cast::<u8>(),
        taken: Mutex::new([false; SLOTS]),
    })
}

#[cfg(not(unix))]
fn map(_path: &Path) -> std::io::Result<Marks> {
    Err(std::io::Error::other("marks need a shared mapping (Unix)"))
}

impl Marks {
    /// The time word of `slot`.
    fn time(&self, slot: usize) -> &AtomicU64 {
        // SAFETY: `slot < SLOTS`, records are 128 bytes from a page-aligned base, so the word is inside
        // the mapping and 8-aligned; it is only accessed atomically.
        unsafe { &*self.base.add(slot * RECORD).cast::<AtomicU64>() }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Marks that `extension_id`'s code runs until the guard is dropped. Free when no marks file is set.
pub fn enter(extension_id: &str) -> MarkGuard {
    enter_kind(extension_id, UNBOUNDED)
}

/// [`enter`] for a call the engine interrupts itself past its time limit (a stretch of JavaScript in
/// QuickJS): it names the culprit of a crash, but does not make the worker unresponsive.
pub fn enter_bounded(extension_id: &str) -> MarkGuard {
    enter_kind(extension_id, BOUNDED)
}

fn enter_kind(extension_id: &str, kind: u8) -> MarkGuard {
    MarkGuard {
        slot: marks().and_then(|marks| marks.claim(extension_id, kind)),
    }
}

impl Marks {
    /// Claims a free slot and writes the record of `extension_id`'s call of `kind`; `None` when every
    /// slot is taken.
    fn claim(&self, extension_id: &str, kind: u8) -> Option<usize> {
        let slot = {
            let mut taken = self
                .taken
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let free = taken.iter().position(|taken| !taken)?;
            taken[free] = true;
            free
        };
        let mut record = [0u8; RECORD - KIND_AT];
        record[0] = kind;
        let id = extension_id.as_bytes();
        let length = id.len().min(ID_BYTES);
        record[1..1 + length].copy_from_slice(&id[..length]);
        // SAFETY: the bytes after the time word of a slot this caller holds, inside the mapping; nobody
        // else writes them while it is held (the supervisor only reads the file).
        unsafe {
            std::ptr::copy_nonoverlapping(
                record.as_ptr(),
                self.base.add(slot * RECORD + KIND_AT),
                record.len(),
            );
        }
        // The time last: a reader that sees it sees the id.
        self.time(slot)
            .store(now_ms().max(1).to_le(), Ordering::Release);
        Some(slot)
    }

    /// Leaves `slot`'s mark and frees it.
    fn release(&self, slot: usize) {
        self.time(slot).store(0, Ordering::Release);
        self.taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[slot] = false;
    }
}

/// Leaves the mark taken by [`enter`] when dropped.
#[derive(Debug)]
#[must_use = "the mark is left when the guard is dropped"]
pub struct MarkGuard {
    slot: Option<usize>,
}

impl Drop for MarkGuard {
    fn drop(&mut self) {
        if let (Some(slot), Some(marks)) = (self.slot, marks()) {
            marks.release(slot);
        }
    }
}

/// One extension whose code was running, as read from a marks file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningMark {
    /// The extension's id.
    pub extension_id: String,
    /// How long its code had been running when the file was read.
    pub running_for: Duration,
    /// Whether the engine bounds the call itself ([`enter_bounded`]).
    pub bounded: bool,
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
            let id = &record[ID_AT..];
            let end = id.iter().position(|byte| *byte == 0).unwrap_or(id.len());
            let extension_id = String::from_utf8_lossy(&id[..end]).into_owned();
            (!extension_id.is_empty()).then(|| RunningMark {
                extension_id,
                running_for: Duration::from_millis(now.saturating_sub(entered)),
                bounded: record[KIND_AT] == BOUNDED,
            })
        })
        .collect();
    running.sort_by_key(|mark| std::cmp::Reverse(mark.running_for));
    running
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(entered: u64, kind: u8, id: &str) -> Vec<u8> {
        let mut record = vec![0u8; RECORD];
        record[..8].copy_from_slice(&entered.to_le_bytes());
        record[KIND_AT] = kind;
        record[ID_AT..ID_AT + id.len()].copy_from_slice(id.as_bytes());
        record
    }

    #[test]
    fn running_marks_are_read_longest_first_and_left_ones_skipped() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("marks");
        let now = now_ms();
        let mut bytes = record(now - 500, BOUNDED, "a.short");
        bytes.extend(record(0, UNBOUNDED, "b.left"));
        bytes.extend(record(now - 4000, UNBOUNDED, "c.long"));
        std::fs::write(&path, bytes).expect("write");
        let running = read(&path);
        let ids: Vec<&str> = running.iter().map(|m| m.extension_id.as_str()).collect();
        assert_eq!(ids, ["c.long", "a.short"]);
        assert!(running[0].running_for >= Duration::from_millis(4000));
        assert!(!running[0].bounded && running[1].bounded);
        assert!(read(&folder.path().join("absent")).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn marks_written_through_the_mapping_are_read_from_the_file_and_left_ones_vanish() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("marks");
        let marks = map(&path).expect("maps");
        let native = marks.claim("a.native", UNBOUNDED).expect("a slot");
        let _script = marks.claim("b.script", BOUNDED).expect("a slot");
        let running = read(&path);
        let mut seen: Vec<(&str, bool)> = running
            .iter()
            .map(|mark| (mark.extension_id.as_str(), mark.bounded))
            .collect();
        seen.sort();
        assert_eq!(seen, [("a.native", false), ("b.script", true)]);
        marks.release(native);
        let running = read(&path);
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].extension_id, "b.script");
        // Every slot taken: one more call is not marked, and a freed slot is reused.
        let held: Vec<usize> = std::iter::from_fn(|| marks.claim("c.many", UNBOUNDED)).collect();
        assert_eq!(held.len(), SLOTS - 1);
        marks.release(held[0]);
        assert_eq!(marks.claim("d.again", UNBOUNDED), Some(held[0]));
    }
}
