//! The `.xpkg` format's metadata files (see `docs/package-format.md`): `CHECKSUMS` in `sha256sum` format,
//! `SIGNATURE`, `PLATFORM`, and the SHA-256 helpers.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::PackageError;

/// The checksum list at a package's root: `<hex sha256>  <path>` per file, sorted by path.
pub const CHECKSUMS_FILE: &str = "CHECKSUMS";

/// The optional ed25519 signature over `CHECKSUMS` at a package's root.
pub const SIGNATURE_FILE: &str = "SIGNATURE";

/// The platform a package with a native library was built for (`linux-x64`), at a package's root.
pub const PLATFORM_FILE: &str = "PLATFORM";

/// The file of gitignore patterns an extension folder may hold to keep files out of its package.
pub const IGNORE_FILE: &str = ".exthostignore";

/// Whether `path` (relative, `/`-separated) is one of the package's own metadata files, which are not
/// part of the extension and are not extracted.
pub fn is_metadata(path: &str) -> bool {
    matches!(path, CHECKSUMS_FILE | SIGNATURE_FILE | PLATFORM_FILE)
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The SHA-256 of `data`, in lower-case hexadecimal.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Renders the checksum list: one `<hex>  <path>` line per file, sorted by path (the map's order).
pub fn render_checksums(checksums: &BTreeMap<String, String>) -> String {
    checksums
        .iter()
        .map(|(path, digest)| format!("{digest}  {path}\n"))
        .collect()
}

/// Parses a checksum list; every line must be `<64 hex digits>  <path>` and no path may repeat.
pub fn parse_checksums(text: &str) -> Result<BTreeMap<String, String>, PackageError> {
    let malformed = |line_number: usize, reason: &str| PackageError::Checksum {
        file: CHECKSUMS_FILE.to_owned(),
        reason: format!("line {line_number}: {reason}"),
    };
    let mut checksums = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.is_empty() {
            continue;
        }
        let Some((digest, path)) = line.split_once("  ") else {
            return Err(malformed(line_number, "expected `<sha256 hex>  <path>`"));
        };
        if digest.len() != 64
            || !digest
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            return Err(malformed(
                line_number,
                "the checksum is not 64 lower-case hex digits",
            ));
        }
        if path.is_empty() {
            return Err(malformed(line_number, "no path"));
        }
        if checksums
            .insert(path.to_owned(), digest.to_owned())
            .is_some()
        {
            return Err(malformed(line_number, &format!("{path} is listed twice")));
        }
    }
    Ok(checksums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_round_trip_in_sha256sum_format() {
        let mut checksums = BTreeMap::new();
        checksums.insert("b/x.js".to_owned(), sha256_hex(b"x"));
        checksums.insert("a.json".to_owned(), sha256_hex(b""));
        let text = render_checksums(&checksums);
        assert_eq!(
            text,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.json\n\
             2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  b/x.js\n"
        );
        assert_eq!(parse_checksums(&text).unwrap(), checksums);
    }

    #[test]
    fn malformed_checksum_lists_are_refused_with_the_line() {
        for (text, expected) in [
            ("abc  a.js\n", "line 1: the checksum is not 64"),
            ("no-separator\n", "line 1: expected"),
            (
                &format!("{0}  a\n{0}  a\n", sha256_hex(b"")),
                "line 2: a is listed twice",
            ),
        ] {
            let error = parse_checksums(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
            assert!(error.starts_with("checksum: CHECKSUMS"), "{error}");
        }
    }
}
