//! The docs stay true: every `exthost/*` method the host or the `vscode` shim speaks is in the protocol
//! crate's catalogue, and every method in the catalogue is documented in `docs/protocol.md`.

use std::collections::BTreeSet;
use std::path::Path;

use exthost_e2e::repository_root;
use exthost_protocol::methods::{NOTIFICATION_METHODS, REQUEST_METHODS};

#[test]
fn every_exthost_method_is_documented() {
    let text = std::fs::read_to_string(repository_root().join("docs/protocol.md"))
        .expect("docs/protocol.md");
    let headings: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .collect();
    let missing: Vec<&&str> = REQUEST_METHODS
        .iter()
        .chain(NOTIFICATION_METHODS)
        .filter(|method| !headings.contains(method))
        .collect();
    assert!(
        missing.is_empty(),
        "add a `### <method>` section to docs/protocol.md for: {missing:?}"
    );
}

/// The `exthost/<name>` string literals (in `"` or `'` quotes) of the source files under `folder`,
/// leaving out test files and folders.
fn quoted_exthost_methods(folder: &Path, found: &mut BTreeSet<String>) {
    let entries = std::fs::read_dir(folder).unwrap_or_else(|error| panic!("{folder:?}: {error}"));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "tests" || name == "tests.rs" {
            continue;
        }
        if path.is_dir() {
            quoted_exthost_methods(&path, found);
            continue;
        }
        if !(name.ends_with(".rs") || name.ends_with(".js")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for quote in ['"', '\''] {
            let opening = format!("{quote}exthost/");
            for (start, _) in text.match_indices(&opening) {
                let rest = &text[start + 1..];
                let Some(end) = rest.find(quote) else {
                    continue;
                };
                let method = &rest[..end];
                let suffix = &method["exthost/".len()..];
                if !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_alphanumeric()) {
                    found.insert(method.to_owned());
                }
            }
        }
    }
}

#[test]
fn every_exthost_method_the_host_and_shim_speak_is_catalogued() {
    let root = repository_root();
    let mut spoken = BTreeSet::new();
    quoted_exthost_methods(&root.join("host/src"), &mut spoken);
    quoted_exthost_methods(&root.join("vscode-shim/src"), &mut spoken);
    assert!(
        spoken.contains("exthost/statusBarItem"),
        "the scan finds the shim's methods: {spoken:?}"
    );
    let missing: Vec<&String> = spoken
        .iter()
        .filter(|method| {
            !REQUEST_METHODS.contains(&method.as_str())
                && !NOTIFICATION_METHODS.contains(&method.as_str())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "add a type to protocol/src/methods.rs (and a section to docs/protocol.md) for: {missing:?}"
    );
}

#[test]
fn the_readme_starts_with_the_two_commands_and_ci_runs_the_test_command() {
    let root = repository_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let first_block: Vec<&str> = readme
        .split("```")
        .nth(1)
        .expect("a code block")
        .lines()
        .filter(|line| line.trim_start().starts_with("cargo "))
        .collect();
    assert_eq!(
        first_block.len(),
        2,
        "the first code block has the run and the test command"
    );
    let test_command = first_block[1].split('#').next().unwrap().trim();
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(ci.contains(test_command), ".ci/run runs `{test_command}`");
}
