//! Files a repository or a user's folder can hold that must not hang, flood or crash discovery: FIFOs and
//! links to stdin or `/dev/zero` named like manifests or settings, huge manifests, dangling links, link
//! loops, an `--extensions-dir` that is not a folder, a folder name that is not UTF-8 (contract §6:
//! discovery never fails as a whole, and never blocks on one folder).
#![cfg(unix)]

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use exthost_e2e::{Host, HostOptions, write_ping_extension};
use serde_json::{Value, json};

fn mkfifo(path: &Path) {
    let text = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(text.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// The `listExtensions` entry whose folder is `path`.
fn entry_at<'a>(list: &'a Value, path: &Path) -> &'a Value {
    list["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == path.display().to_string())
        .unwrap_or_else(|| panic!("no entry for {} in {list:#}", path.display()))
}

#[tokio::test]
async fn manifests_and_settings_that_are_not_regular_files_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_ping_extension(root);
    for folder in ["fifo", "stdin", "zero", "huge"] {
        std::fs::create_dir(root.join(folder)).unwrap();
    }
    mkfifo(&root.join("fifo/exthost.json"));
    std::os::unix::fs::symlink("/proc/self/fd/0", root.join("stdin/exthost.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("zero/exthost.json")).unwrap();
    let mut huge = br#"{"id": "test.huge", "name": "huge", "version": "1.0.0", "main": "x.js", "description": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    huge.extend(b"\"}");
    std::fs::write(root.join("huge/exthost.json"), &huge).unwrap();
    std::os::unix::fs::symlink(root.join("nowhere"), root.join("dangling")).unwrap();
    std::os::unix::fs::symlink(root.join("loop"), root.join("loop")).unwrap();
    // A workspace whose settings file is a FIFO: reading it would wait for a writer forever.
    let workspace = tempfile::tempdir().unwrap();
    std::fs::create_dir(workspace.path().join(".exthost")).unwrap();
    mkfifo(&workspace.path().join(".exthost/settings.json"));
    // An --extensions-dir that is a file, not a folder.
    let not_a_folder = root.join("not-a-folder");
    std::fs::write(&not_a_folder, "").unwrap();

    let mut options = HostOptions::with_dirs(&[root, &not_a_folder]);
    options.args.extend([
        "--workspace".to_owned(),
        workspace.path().display().to_string(),
    ]);
    let mut host = Host::spawn(options);
    host.initialize(json!({})).await;
    let list = host.call("exthost/listExtensions", json!({})).await;
    let cases = [
        (
            "fifo",
            "is not a regular file but a named pipe (FIFO)".to_owned(),
        ),
        (
            "stdin",
            "is not a regular file but a named pipe (FIFO)".to_owned(),
        ),
        ("zero", "is not a regular file but a device".to_owned()),
        ("huge", "is larger than 4 MB".to_owned()),
    ];
    for (folder, reason) in cases {
        let entry = entry_at(&list, &root.join(folder));
        assert_eq!(entry["state"], "failed", "{entry}");
        let message = entry["error"]["message"].as_str().unwrap();
        let file = root.join(folder).join("exthost.json");
        let reason = reason.trim_start_matches("is ");
        assert!(
            message.starts_with(&format!("cannot read {}: {reason}", file.display())),
            "{message}"
        );
    }
    let dangling = entry_at(&list, &root.join("dangling"));
    assert_eq!(dangling["state"], "failed");
    assert_eq!(
        dangling["error"]["message"],
        format!(
            "{} is a symbolic link to {} which does not exist",
            root.join("dangling").display(),
            root.join("nowhere").display()
        )
    );
    let looping = entry_at(&list, &root.join("loop"));
    assert_eq!(
        looping["error"]["message"],
        format!(
            "{} is a symbolic link to {} that loops",
            root.join("loop").display(),
            root.join("loop").display()
        )
    );
    let unreadable = entry_at(&list, &not_a_folder);
    assert_eq!(unreadable["state"], "failed");
    assert!(
        unreadable["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "cannot read the extensions folder {}: ",
                not_a_folder.display()
            )),
        "{unreadable}"
    );
    // The witness was discovered and answers.
    assert_eq!(
        host.call("workspace/executeCommand", json!({"command": "ok.ping"}))
            .await,
        json!("pong")
    );
    assert!(
        host.log().contains("cannot read settings file"),
        "{}",
        host.log()
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_folder_whose_name_is_not_utf8_gets_a_clear_error_and_others_run() {
    let dir = tempfile::tempdir().unwrap();
    write_ping_extension(dir.path());
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9");
    let folder = dir.path().join(name);
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("exthost.json"),
        r#"{"id": "test.latin1", "name": "latin1", "version": "1.0.0", "main": "extension.js", "activationEvents": ["*"]}"#,
    )
    .unwrap();
    std::fs::write(
        folder.join("extension.js"),
        "exports.activate = () => {};\n",
    )
    .unwrap();
    let mut host = Host::start(&[dir.path()]).await;
    let list = host.call("exthost/listExtensions", json!({})).await;
    let entry = list["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "caf\u{FFFD}")
        .unwrap_or_else(|| panic!("no entry for the folder in {list:#}"));
    assert_eq!(entry["state"], "failed");
    assert_eq!(
        entry["error"]["message"],
        format!(
            "the path {} is not valid UTF-8; rename the folder to load this extension",
            folder.display()
        )
    );
    assert_eq!(
        host.call("workspace/executeCommand", json!({"command": "ok.ping"}))
            .await,
        json!("pong")
    );
    assert_eq!(host.shutdown().await, 0);
}
