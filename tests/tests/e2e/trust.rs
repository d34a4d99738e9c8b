//! Workspace trust (contract §12): a folder's own extensions (`.exthost/extensions`) stay disabled with
//! "workspace not trusted" until the user trusts it — by answering the host's question, with
//! `exthost/trustWorkspace`, or with the user setting `trustedFolders` — and the answer is kept per folder.
//! Trusting starts a new worker through the supervisor, and the session goes on as it was.

use std::path::Path;

use exthost_e2e::{Host, HostOptions, write_extension};
use exthost_protocol::{Message, Response};
use serde_json::{Value, json};

use super::supervisor::worker_pid;

/// A workspace shipping an extension that runs at start-up and says so with a setting.
fn workspace_with_extension() -> tempfile::TempDir {
    let workspace = tempfile::tempdir().unwrap();
    write_extension(
        &workspace.path().join(".exthost/extensions"),
        "evil",
        &json!({"id": "test.evil", "name": "evil", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"]}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('evil.ran', () => 'ran')); };\n",
        )],
    );
    workspace
}

fn spawn(workspace: &Path, home: Option<&Path>) -> Host {
    let mut options = HostOptions::default();
    options
        .args
        .extend(["--workspace".to_owned(), workspace.display().to_string()]);
    let host = Host::spawn(options);
    if let Some(home) = home {
        // Reuse a home from an earlier session: copy its kept answers in.
        for file in ["trusted-folders.json", "settings.json"] {
            if let Ok(bytes) = std::fs::read(home.join(file)) {
                std::fs::write(host.home.path().join(file), bytes).unwrap();
            }
        }
    }
    host
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[tokio::test]
async fn untrusted_workspace_extensions_wait_and_trusting_by_the_question_starts_them() {
    let workspace = workspace_with_extension();
    let mut host = spawn(workspace.path(), None);
    host.initialize(json!({})).await;
    let (question, params) = host.server_request("window/showMessageRequest").await;
    assert_eq!(
        params["message"],
        format!("Trust the extensions in {}?", workspace.path().display())
    );
    assert!(
        params["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|action| action["title"] == "Trust")
    );
    // Before the answer: disabled, with the reason, and its code has not run.
    let held = host.extension("test.evil").await;
    assert_eq!(held["state"], "disabled");
    assert_eq!(held["error"]["message"], "workspace not trusted");
    assert_eq!(held["source"], "project");
    host.send(&Message::Response(Response::ok(
        question,
        json!({"title": "Trust"}),
    )))
    .await;
    host.state_change("test.evil", "enabled").await;
    assert_eq!(
        host.call("workspace/executeCommand", json!({"command": "evil.ran"}))
            .await,
        json!("ran")
    );
    let kept: Value = serde_json::from_str(
        &std::fs::read_to_string(host.home.path().join("trusted-folders.json")).unwrap(),
    )
    .unwrap();
    let key = workspace
        .path()
        .canonicalize()
        .unwrap()
        .display()
        .to_string();
    assert_eq!(kept[&key], true, "{kept}");
    // The next session in the same home starts it without asking.
    let home = host.home.path().to_path_buf();
    let keep_home = tempfile::tempdir().unwrap();
    std::fs::copy(
        home.join("trusted-folders.json"),
        keep_home.path().join("trusted-folders.json"),
    )
    .unwrap();
    assert_eq!(host.shutdown().await, 0);
    let mut again = spawn(workspace.path(), Some(keep_home.path()));
    again.initialize(json!({})).await;
    again.state_change("test.evil", "enabled").await;
    assert!(
        !again
            .backlog()
            .any(|m| matches!(m, Message::Request(r) if r.method == "window/showMessageRequest"))
    );
    assert_eq!(again.shutdown().await, 0);
}

#[tokio::test]
async fn trust_by_request_or_by_the_user_setting_and_distrust_is_kept() {
    let workspace = workspace_with_extension();
    // exthost/trustWorkspace.
    let mut host = spawn(workspace.path(), None);
    host.initialize(json!({})).await;
    let (question, _) = host.server_request("window/showMessageRequest").await;
    assert_eq!(host.extension("test.evil").await["state"], "disabled");
    let result = host
        .call(
            "exthost/trustWorkspace",
            json!({"uri": uri(workspace.path())}),
        )
        .await;
    assert_eq!(result, json!({"trusted": true}));
    host.state_change("test.evil", "enabled").await;
    host.send(&Message::Response(Response::ok(question, Value::Null)))
        .await;
    assert_eq!(host.shutdown().await, 0);

    // trustedFolders in the user settings.
    let settings_home = tempfile::tempdir().unwrap();
    std::fs::write(
        settings_home.path().join("settings.json"),
        json!({"trustedFolders": [workspace.path()]}).to_string(),
    )
    .unwrap();
    let mut host = spawn(workspace.path(), Some(settings_home.path()));
    host.initialize(json!({})).await;
    host.state_change("test.evil", "enabled").await;
    assert_eq!(host.shutdown().await, 0);

    // "Don't Trust" is kept: no question next time, still disabled.
    let mut host = spawn(workspace.path(), None);
    host.initialize(json!({})).await;
    let (question, _) = host.server_request("window/showMessageRequest").await;
    host.send(&Message::Response(Response::ok(
        question,
        json!({"title": "Don't Trust"}),
    )))
    .await;
    // The answer is written before the host answers anything after it.
    let kept_home = tempfile::tempdir().unwrap();
    let kept_file = host.home.path().join("trusted-folders.json");
    for _ in 0..100 {
        if kept_file.is_file() {
            break;
        }
        assert_eq!(host.extension("test.evil").await["state"], "disabled");
    }
    std::fs::copy(&kept_file, kept_home.path().join("trusted-folders.json")).unwrap();
    assert_eq!(host.shutdown().await, 0);
    let mut host = spawn(workspace.path(), Some(kept_home.path()));
    host.initialize(json!({})).await;
    assert_eq!(host.extension("test.evil").await["state"], "disabled");
    assert!(
        !host
            .backlog()
            .any(|m| matches!(m, Message::Request(r) if r.method == "window/showMessageRequest"))
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn trusting_the_workspace_starts_a_new_worker_and_the_session_goes_on_as_it_was() {
    let workspace = workspace_with_extension();
    let user = tempfile::tempdir().unwrap();
    write_extension(
        user.path(),
        "counter",
        &json!({"id": "test.counter", "name": "counter", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:counter.bump"]}),
        &[(
            "extension.js",
            r#"const vscode = require('vscode');
exports.activate = (c) => {
  c.subscriptions.push(vscode.commands.registerCommand('counter.bump', async () => {
    const count = c.globalState.get('count', 0) + 1;
    await c.globalState.update('count', count);
    return count;
  }));
  c.subscriptions.push(vscode.commands.registerCommand('counter.documents', () =>
    vscode.workspace.textDocuments.map((d) => d.getText())));
};
"#,
        )],
    );
    write_extension(
        user.path(),
        "other",
        &json!({"id": "test.other", "name": "other", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"]}),
        &[("extension.js", "exports.activate = () => {};")],
    );
    let mut options = HostOptions::with_dirs(&[user.path()]);
    options.args.extend([
        "--workspace".to_owned(),
        workspace.path().display().to_string(),
    ]);
    let mut host = Host::spawn(options);
    host.initialize(json!({})).await;
    let (question, _) = host.server_request("window/showMessageRequest").await;
    host.open_document("file:///notes.txt", "plaintext", "kept text")
        .await;
    let bump = json!({"command": "counter.bump"});
    assert_eq!(host.call("workspace/executeCommand", bump.clone()).await, 1);
    host.state_change("test.other", "enabled").await;
    host.call("exthost/disable", json!({"id": "test.other"}))
        .await;
    assert_eq!(host.extension("test.evil").await["state"], "disabled");
    let worker = worker_pid(&host).await;

    let result = host
        .call(
            "exthost/trustWorkspace",
            json!({"uri": uri(workspace.path())}),
        )
        .await;
    assert_eq!(result, json!({"trusted": true}));
    host.notification("exthost/hostRestarted", |params| {
        params["reason"] == "workspaceTrusted"
    })
    .await;
    assert!(
        host.log().contains("the worker asked to be restarted"),
        "the supervisor started a new worker"
    );
    assert_ne!(worker_pid(&host).await, worker, "a new worker");
    host.state_change("test.evil", "enabled").await;
    assert_eq!(
        host.call("workspace/executeCommand", json!({"command": "evil.ran"}))
            .await,
        json!("ran")
    );
    // The session goes on: states, documents and Memento values as they were.
    assert_eq!(host.extension("test.counter").await["state"], "enabled");
    assert_eq!(host.extension("test.other").await["state"], "disabled");
    assert_eq!(host.call("workspace/executeCommand", bump).await, 2);
    assert_eq!(
        host.call(
            "workspace/executeCommand",
            json!({"command": "counter.documents"})
        )
        .await,
        json!(["kept text"])
    );
    // The old worker's question is answered late: dropped, nothing asked again.
    host.send(&Message::Response(Response::ok(question, Value::Null)))
        .await;
    assert_eq!(host.shutdown().await, 0);
}
