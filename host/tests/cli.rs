//! The command line (contract §1) of the built binary: `--version`, `--help`, usage errors, `check`, `list`.

use std::path::Path;
use std::process::{Command, Output};

fn exthost(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp home");
    Command::new(env!("CARGO_BIN_EXE_exthost"))
        .args(args)
        .env("EXTHOST_HOME", home.path())
        .env("EXTHOST_BUILTIN_DIR", "")
        .output()
        .expect("run exthost")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/catalog")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn version_and_help_succeed() {
    let version = exthost(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("exthost {}", env!("CARGO_PKG_VERSION"))
    );
    let help = exthost(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for command in ["serve", "list", "check"] {
        assert!(text.contains(command), "help mentions {command}: {text}");
    }
}

#[test]
fn bad_usage_exits_with_two() {
    let output = exthost(&["no-such-command"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!output.stderr.is_empty());
}

#[test]
fn check_accepts_a_good_manifest() {
    let output = exthost(&["check", &fixture("base")]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("com.fixture.base 1.0.0"));
}

#[test]
fn check_prints_every_problem_and_exits_with_one() {
    let folder = tempfile::tempdir().expect("temp folder");
    std::fs::write(
        folder.path().join("exthost.json"),
        r#"{"id": "Not An Id", "version": "one", "main": "a.js", "native": {"library": "x"}}"#,
    )
    .expect("write manifest");
    let output = exthost(&["check", &folder.path().display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for field in ["id", "name", "version", "native"] {
        assert!(
            stderr.contains(&format!(": {field}")),
            "mentions {field}: {stderr}"
        );
    }
    assert!(stderr.contains("exthost.json"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout for a failure");
}

#[test]
fn list_json_reports_every_extension_with_its_state() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/catalog");
    let output = exthost(&[
        "list",
        "--json",
        "--extensions-dir",
        &dir.display().to_string(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("list --json is JSON");
    let state = |id: &str| {
        list.as_array()
            .expect("an array")
            .iter()
            .find(|e| e["id"] == id)
            .map(|e| e["state"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(state("com.fixture.base").as_deref(), Some("discovered"));
    assert_eq!(state("com.fixture.cycle-a").as_deref(), Some("failed"));
}

#[test]
fn help_lists_the_package_commands() {
    let help = exthost(&["--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for command in ["install", "uninstall", "upgrade", "pack", "keygen"] {
        assert!(text.contains(command), "help mentions {command}: {text}");
    }
}

#[test]
fn installing_something_that_does_not_exist_exits_with_one_naming_it() {
    let output = exthost(&["install", "/no/such/package.xpkg"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/no/such/package.xpkg: no such file or folder"),
        "{stderr}"
    );
    let output = exthost(&["install", "npm:Not A Name"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an npm package name"));
    let output = exthost(&["uninstall", "a.b"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("a.b is not installed"));
}

#[test]
fn pack_writes_id_version_xpkg_and_list_shows_where_an_install_came_from() {
    let home = tempfile::tempdir().expect("temp home");
    let work = tempfile::tempdir().expect("temp folder");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_exthost"))
            .args(args)
            .current_dir(work.path())
            .env("EXTHOST_HOME", home.path())
            .env("EXTHOST_BUILTIN_DIR", "")
            .output()
            .expect("run exthost")
    };
    let packed = run(&["pack", &fixture("base")]);
    assert!(
        packed.status.success(),
        "{}",
        String::from_utf8_lossy(&packed.stderr)
    );
    let package = work.path().join("com.fixture.base-1.0.0.xpkg");
    assert!(
        package.is_file(),
        "{}",
        String::from_utf8_lossy(&packed.stdout)
    );
    let installed = run(&["install", &package.display().to_string()]);
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let list = run(&["list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("com.fixture.base"), "{text}");
    assert!(
        text.contains(&format!("installed from {}", package.display())),
        "{text}"
    );
}
