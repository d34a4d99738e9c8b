//! The docs stay true: every `exthost/*` method in the protocol crate is documented in `docs/protocol.md`.

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
