//! `workspaceContains:<glob>` activation: a bounded walk of the workspace folders that answers which of
//! the declared patterns match some file.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};

/// How much of a workspace one scan may visit, so a huge tree cannot stall startup.
#[derive(Debug, Clone, Copy)]
pub struct ScanBudget {
    /// Directory depth below each folder.
    pub max_depth: usize,
    /// Entries visited across all folders.
    pub max_entries: usize,
}

impl Default for ScanBudget {
    fn default() -> Self {
        Self {
            max_depth: 8,
            max_entries: 20_000,
        }
    }
}

/// Folders never entered: they hold dependencies or VCS data, not the workspace's own files.
const SKIPPED_FOLDERS: &[&str] = &[".git", "node_modules", "target", ".hg", ".svn"];

/// The patterns (as given) that match a path relative to one of `folders`, found breadth-first within
/// `budget`. Patterns that are not valid globs are logged and never match.
pub fn matching_patterns(
    folders: &[PathBuf],
    patterns: &[String],
    budget: ScanBudget,
) -> Vec<String> {
    let mut pending: Vec<(String, GlobMatcher)> = patterns
        .iter()
        .filter_map(|pattern| match Glob::new(pattern) {
            Ok(glob) => Some((pattern.clone(), glob.compile_matcher())),
            Err(error) => {
                tracing::warn!(%pattern, %error, "invalid workspaceContains pattern");
                None
            }
        })
        .collect();
    let mut matched = Vec::new();
    let mut visited = 0;
    for folder in folders {
        let mut queue: VecDeque<(PathBuf, usize)> = VecDeque::from([(folder.clone(), 0)]);
        while let Some((directory, depth)) = queue.pop_front() {
            let Ok(entries) = std::fs::read_dir(&directory) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                visited += 1;
                if visited > budget.max_entries || pending.is_empty() {
                    return matched;
                }
                let path = entry.path();
                let Ok(relative) = path.strip_prefix(folder) else {
                    continue;
                };
                take_matches(&mut pending, &mut matched, relative);
                let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
                let skipped = SKIPPED_FOLDERS
                    .iter()
                    .any(|name| entry.file_name() == *name);
                if is_dir && !skipped && depth < budget.max_depth {
                    queue.push_back((path, depth + 1));
                }
            }
        }
    }
    matched
}

fn take_matches(
    pending: &mut Vec<(String, GlobMatcher)>,
    matched: &mut Vec<String>,
    relative: &Path,
) {
    pending.retain(|(pattern, matcher)| {
        let hit = matcher.is_match(relative);
        if hit {
            matched.push(pattern.clone());
        }
        !hit
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_root_and_nested_files_within_the_budget() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("Cargo.toml"), "").unwrap();
        std::fs::create_dir_all(root.path().join("a/b/c")).unwrap();
        std::fs::write(root.path().join("a/b/c/deep.txt"), "").unwrap();
        std::fs::create_dir_all(root.path().join("node_modules/x")).unwrap();
        std::fs::write(root.path().join("node_modules/x/package.json"), "").unwrap();
        let folders = [root.path().to_path_buf()];
        let patterns: Vec<String> = ["Cargo.toml", "**/deep.txt", "**/package.json", "nothing.*"]
            .map(String::from)
            .into();
        let mut found = matching_patterns(&folders, &patterns, ScanBudget::default());
        found.sort();
        assert_eq!(found, ["**/deep.txt", "Cargo.toml"]);
        let shallow = ScanBudget {
            max_depth: 1,
            max_entries: 100,
        };
        assert_eq!(
            matching_patterns(&folders, &patterns, shallow),
            ["Cargo.toml"]
        );
    }
}
