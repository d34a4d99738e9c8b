//! Safe reading of package archives (zip for `.xpkg` and `.vsix`, gzipped tar for npm): every entry is
//! checked and read into memory before anything is written, and writing is done only by
//! [`write_files`], into a folder the caller owns.
//!
//! Refused: names with `..`, absolute paths, drive letters, backslashes, NUL bytes or empty components;
//! symbolic and hard links; device files, FIFOs and other special entries; encrypted entries; a name
//! twice; more entries, more uncompressed bytes or a higher compression ratio than [`ExtractionLimits`].

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::{ExtractionLimits, PackageError};

/// One file of a package, read into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file's contents.
    pub data: Vec<u8>,
    /// Whether it is executable (`x` bits in its stored mode).
    pub executable: bool,
}

/// The files of a package by relative `/`-separated path.
pub type Files = BTreeMap<String, Entry>;

const FILE_TYPE_MASK: u32 = 0o170_000;
const REGULAR_FILE: u32 = 0o100_000;
const DIRECTORY: u32 = 0o040_000;
const SYMLINK: u32 = 0o120_000;

/// Checks an entry's name and answers it as a string; `package` names the archive in messages.
pub fn check_name(raw: &[u8], package: &str) -> Result<String, PackageError> {
    let unsafe_entry = |reason: &str| PackageError::UnsafeEntry {
        package: package.to_owned(),
        entry: String::from_utf8_lossy(raw).into_owned(),
        reason: reason.to_owned(),
    };
    if raw.contains(&0) {
        return Err(unsafe_entry("the name contains a NUL byte"));
    }
    let name = std::str::from_utf8(raw).map_err(|_| unsafe_entry("the name is not UTF-8"))?;
    if name.contains('\\') {
        return Err(unsafe_entry("the name contains a backslash"));
    }
    if name.starts_with('/') {
        return Err(unsafe_entry("absolute path"));
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(unsafe_entry("the name starts with a drive letter"));
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(unsafe_entry("empty name"));
    }
    for component in trimmed.split('/') {
        match component {
            ".." => return Err(unsafe_entry("the path leaves the package (`..`)")),
            "" | "." => return Err(unsafe_entry("empty or `.` path component")),
            _ => {}
        }
    }
    Ok(trimmed.to_owned())
}

/// Keeps a running total of uncompressed bytes against the limits.
struct Budget<'a> {
    package: &'a str,
    limits: &'a ExtractionLimits,
    compressed: u64,
    total: u64,
}

impl Budget<'_> {
    fn add(&mut self, bytes: u64) -> Result<(), PackageError> {
        self.total = self.total.saturating_add(bytes);
        if self.total > self.limits.max_total_bytes {
            return Err(PackageError::TooLarge {
                package: self.package.to_owned(),
                reason: format!(
                    "the uncompressed size is over the limit of {} bytes",
                    self.limits.max_total_bytes
                ),
            });
        }
        if self.total > self.limits.max_ratio.saturating_mul(self.compressed.max(1)) {
            return Err(PackageError::TooLarge {
                package: self.package.to_owned(),
                reason: format!(
                    "the compression ratio is over {}:1 ({} bytes uncompressed from {} bytes)",
                    self.limits.max_ratio, self.total, self.compressed
                ),
            });
        }
        Ok(())
    }
}

fn too_many(package: &str, limits: &ExtractionLimits) -> PackageError {
    PackageError::TooLarge {
        package: package.to_owned(),
        reason: format!("more than {} entries", limits.max_entries),
    }
}

fn corrupt(package: &str, reason: impl ToString) -> PackageError {
    PackageError::Corrupt {
        package: package.to_owned(),
        reason: reason.to_string(),
    }
}

/// Reads a file's data, never more than `declared` bytes (an entry larger than its header says is
/// corrupt), counting it against the budget as it goes.
fn read_limited(
    reader: &mut impl Read,
    declared: u64,
    name: &str,
    budget: &mut Budget<'_>,
) -> Result<Vec<u8>, PackageError> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    let mut limited = reader.take(declared.saturating_add(1));
    loop {
        let read = limited
            .read(&mut chunk)
            .map_err(|error| corrupt(budget.package, format!("{name}: {error}")))?;
        if read == 0 {
            break;
        }
        budget.add(read as u64)?;
        data.extend_from_slice(&chunk[..read]);
        if data.len() as u64 > declared {
            return Err(corrupt(
                budget.package,
                format!("{name} is larger than its header says"),
            ));
        }
    }
    Ok(data)
}

/// Reads every file of a zip archive (directories are implied by the paths).
pub fn read_zip(
    bytes: &[u8],
    package: &str,
    limits: &ExtractionLimits,
) -> Result<Files, PackageError> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| corrupt(package, e))?;
    if archive.len() > limits.max_entries {
        return Err(too_many(package, limits));
    }
    // First the headers only: names, kinds and declared sizes, so a bad entry anywhere refuses the
    // package before any data is inflated.
    let mut declared_total: u64 = 0;
    let mut plan = Vec::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| corrupt(package, e))?;
        let name = check_name(entry.name_raw(), package)?;
        let unsafe_entry = |reason: &str| PackageError::UnsafeEntry {
            package: package.to_owned(),
            entry: name.clone(),
            reason: reason.to_owned(),
        };
        if entry.encrypted() {
            return Err(unsafe_entry("encrypted entries are not supported"));
        }
        let mode = entry.unix_mode();
        let file_type = mode.map(|mode| mode & FILE_TYPE_MASK).unwrap_or(0);
        if entry.is_symlink() || file_type == SYMLINK {
            return Err(unsafe_entry("symbolic link"));
        }
        if !matches!(file_type, 0 | REGULAR_FILE | DIRECTORY) {
            return Err(unsafe_entry("device file or other special file"));
        }
        if entry.is_dir() || file_type == DIRECTORY {
            continue;
        }
        declared_total = declared_total.saturating_add(entry.size());
        let executable = mode.is_some_and(|mode| mode & 0o111 != 0);
        plan.push((index, name, entry.size(), executable));
    }
    let mut budget = Budget {
        package,
        limits,
        compressed: bytes.len() as u64,
        total: 0,
    };
    budget.add(declared_total)?;
    budget.total = 0;
    let mut files = Files::new();
    for (index, name, declared, executable) in plan {
        let mut entry = archive.by_index(index).map_err(|e| corrupt(package, e))?;
        let data = read_limited(&mut entry, declared, &name, &mut budget)?;
        if files
            .insert(name.clone(), Entry { data, executable })
            .is_some()
        {
            return Err(PackageError::UnsafeEntry {
                package: package.to_owned(),
                entry: name,
                reason: "the name appears twice".to_owned(),
            });
        }
    }
    Ok(files)
}

/// Reads every file of a gzipped tar archive (an npm tarball).
pub fn read_tar_gz(
    bytes: &[u8],
    package: &str,
    limits: &ExtractionLimits,
) -> Result<Files, PackageError> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut budget = Budget {
        package,
        limits,
        compressed: bytes.len() as u64,
        total: 0,
    };
    let mut files = Files::new();
    let mut count = 0usize;
    for entry in archive.entries().map_err(|e| corrupt(package, e))? {
        let mut entry = entry.map_err(|e| corrupt(package, e))?;
        count += 1;
        if count > limits.max_entries {
            return Err(too_many(package, limits));
        }
        let raw_name = entry.path_bytes().into_owned();
        let name = check_name(&raw_name, package)?;
        let unsafe_entry = |reason: &str| PackageError::UnsafeEntry {
            package: package.to_owned(),
            entry: name.clone(),
            reason: reason.to_owned(),
        };
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            tar::EntryType::Directory => continue,
            tar::EntryType::Symlink => return Err(unsafe_entry("symbolic link")),
            tar::EntryType::Link => return Err(unsafe_entry("hard link")),
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                return Err(unsafe_entry("device file or other special file"));
            }
            other => {
                return Err(unsafe_entry(&format!("unsupported entry type {other:?}")));
            }
        }
        let declared = entry.header().size().map_err(|e| corrupt(package, e))?;
        let executable = entry.header().mode().is_ok_and(|mode| mode & 0o111 != 0);
        let data = read_limited(&mut entry, declared, &name, &mut budget)?;
        if files
            .insert(name.clone(), Entry { data, executable })
            .is_some()
        {
            return Err(unsafe_entry("the name appears twice"));
        }
    }
    Ok(files)
}

/// The files under `prefix/` (e.g. `extension` of a `.vsix`, `package` of an npm tarball), with the
/// prefix removed. Files outside it are dropped (they were checked like the others).
pub fn subtree(files: Files, prefix: &str) -> Files {
    let prefix = format!("{prefix}/");
    files
        .into_iter()
        .filter_map(|(path, entry)| {
            path.strip_prefix(&prefix)
                .map(|inner| (inner.to_owned(), entry))
        })
        .collect()
}

/// Writes `files` below `root` (which must exist and be owned by the caller), each file and folder
/// synced, so that a later rename publishes complete files only.
pub fn write_files(root: &Path, files: &Files) -> Result<(), PackageError> {
    let mut folders = std::collections::BTreeSet::new();
    for (path, entry) in files {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(PackageError::io(parent))?;
            folders.insert(parent.to_path_buf());
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if entry.executable { 0o755 } else { 0o644 });
        }
        let mut file = options.open(&target).map_err(PackageError::io(&target))?;
        std::io::Write::write_all(&mut file, &entry.data).map_err(PackageError::io(&target))?;
        file.sync_all().map_err(PackageError::io(&target))?;
    }
    for folder in folders {
        sync_folder(&folder)?;
    }
    sync_folder(root)
}

/// Flushes a folder's entries to disk (after creating or renaming files in it).
pub fn sync_folder(folder: &Path) -> Result<(), PackageError> {
    #[cfg(unix)]
    {
        std::fs::File::open(folder)
            .and_then(|handle| handle.sync_all())
            .map_err(PackageError::io(folder))?;
    }
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_with(entries: &[(&str, &[u8], Option<u32>)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data, mode) in entries {
            let mut options = SimpleFileOptions::default();
            if let Some(mode) = mode {
                options = options.external_attributes(mode << 16);
            }
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn unsafe_names_are_refused_with_the_reason() {
        for (name, reason) in [
            (&b"../evil.js"[..], "`..`"),
            (b"a/../../evil.js", "`..`"),
            (b"/etc/passwd", "absolute path"),
            (b"C:/windows.js", "drive letter"),
            (b"a\\b.js", "backslash"),
            (b"a\0b.js", "NUL byte"),
            (b"a//b.js", "empty"),
            (b"\xff.js", "UTF-8"),
        ] {
            let error = check_name(name, "p.xpkg").unwrap_err().to_string();
            assert!(error.contains(reason), "{name:?}: {error}");
            assert!(error.starts_with("unsafe entry"), "{error}");
        }
        assert_eq!(check_name(b"out/a.js", "p").unwrap(), "out/a.js");
        assert_eq!(check_name(b"out/", "p").unwrap(), "out");
    }

    #[test]
    fn zip_links_devices_and_limits_are_refused() {
        let limits = ExtractionLimits::default();
        let symlink = zip_with(&[("link", b"/etc/passwd", Some(0o120_777))]);
        let error = read_zip(&symlink, "p", &limits).unwrap_err().to_string();
        assert!(error.contains("symbolic link"), "{error}");
        let device = zip_with(&[("dev", b"", Some(0o020_644))]);
        let error = read_zip(&device, "p", &limits).unwrap_err().to_string();
        assert!(error.contains("device file"), "{error}");
        let zeros = vec![0u8; 1024 * 1024];
        let bomb = zip_with(&[("zeros", &zeros, None)]);
        let error = read_zip(&bomb, "p", &limits).unwrap_err().to_string();
        assert!(error.contains("compression ratio is over 100:1"), "{error}");
        let small = ExtractionLimits {
            max_total_bytes: 10,
            ..limits
        };
        let big = zip_with(&[("a", b"0123456789ab", None)]);
        let error = read_zip(&big, "p", &small).unwrap_err().to_string();
        assert!(error.contains("over the limit of 10 bytes"), "{error}");
        let few = ExtractionLimits {
            max_entries: 1,
            ..limits
        };
        let two = zip_with(&[("a", b"1", None), ("b", b"2", None)]);
        let error = read_zip(&two, "p", &few).unwrap_err().to_string();
        assert!(error.contains("more than 1 entries"), "{error}");
        let good = read_zip(&two, "p", &limits).unwrap();
        assert_eq!(good["a"].data, b"1");
    }

    fn tar_gz_with(kind: tar::EntryType) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(0);
        if matches!(kind, tar::EntryType::Link | tar::EntryType::Symlink) {
            builder
                .append_link(&mut header, "package/link", "package/index.js")
                .unwrap();
        } else {
            builder
                .append_data(&mut header, "package/special", std::io::empty())
                .unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn tar_links_and_devices_are_refused() {
        for (kind, reason) in [
            (tar::EntryType::Link, "hard link"),
            (tar::EntryType::Symlink, "symbolic link"),
            (tar::EntryType::Char, "device file"),
            (tar::EntryType::Block, "device file"),
            (tar::EntryType::Fifo, "special file"),
        ] {
            let error = read_tar_gz(&tar_gz_with(kind), "p", &ExtractionLimits::default())
                .unwrap_err()
                .to_string();
            assert!(error.contains(reason), "{kind:?}: {error}");
            assert!(error.contains("package/"), "names the entry: {error}");
        }
        let regular = read_tar_gz(
            &tar_gz_with(tar::EntryType::Regular),
            "p",
            &ExtractionLimits::default(),
        )
        .unwrap();
        assert_eq!(regular["package/special"].data, b"");
    }
}
