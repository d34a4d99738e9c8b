//! Document changes reach at once only the extensions that listen to `onDidChangeTextDocument`; the
//! others get them (merged) before anything else the host sends them, or after a bounded delay — so a
//! keystroke does not wake every extension, and none ever reads stale text through a request.

use std::path::Path;
use std::time::{Duration, Instant};

use exthost_e2e::{Host, HostOptions, write_extension};
use exthost_protocol::Message;
use serde_json::{Value, json};

/// The host's bound on a held change's wait (`runtime/document_changes.rs`'s `FLUSH_DELAY`).
const FLUSH_DELAY: Duration = Duration::from_millis(500);

const URI: &str = "file:///tmp/typed.txt";

/// No change listener: a hover and a command that answer what the model says, and a timer that tells
/// the editor (`window/showMessage`) each version it sees, without being asked.
const READER: &str = r#"
const vscode = require('vscode');
function describe(document) {
  return { version: document.version, isDirty: document.isDirty, lineCount: document.lineCount,
           line: document.lineAt(1).text, length: document.getText().length };
}
function find() {
  return vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === 'file:///tmp/typed.txt');
}
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('reader.read', () => describe(find())));
  context.subscriptions.push(vscode.languages.registerHoverProvider('plaintext', {
    provideHover(document) { return new vscode.Hover(JSON.stringify(describe(document))); },
  }));
  let seen = null;
  const timer = setInterval(() => {
    const document = find();
    if (!document || document.version === seen) return;
    seen = document.version;
    vscode.window.showInformationMessage('reader saw ' + JSON.stringify(describe(document)));
  }, 5);
  context.subscriptions.push({ dispose: () => clearInterval(timer) });
};
"#;

/// Listens from activation: records every change event and tells the editor of each at once.
const LISTENER: &str = r#"
const vscode = require('vscode');
const record = [];
exports.activate = (context) => {
  context.subscriptions.push(vscode.workspace.onDidChangeTextDocument((event) => {
    record.push([event.document.version, event.contentChanges.map((change) => change.text).join('')]);
    vscode.window.showInformationMessage('listener saw ' + event.document.version);
  }));
  context.subscriptions.push(vscode.commands.registerCommand('listener.log', () => record));
};
"#;

/// Starts listening when asked, stops when asked; records what its listener saw.
const LATE: &str = r#"
const vscode = require('vscode');
const record = [];
let subscription = null;
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('late.listen', () => {
    subscription = vscode.workspace.onDidChangeTextDocument((event) => {
      record.push([event.document.version, event.contentChanges.map((change) => change.text).join(''),
                   event.document.lineAt(1).text]);
    });
    return find().version;
  }));
  context.subscriptions.push(vscode.commands.registerCommand('late.stop', () => {
    subscription.dispose();
    return find().version;
  }));
  context.subscriptions.push(vscode.commands.registerCommand('late.log', () => ({ record, line: find().lineAt(1).text,
                                                                                 version: find().version })));
};
function find() {
  return vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === 'file:///tmp/typed.txt');
}
"#;

/// Starts a host with the given extensions (`(name, script)`), all on `*`, in `engine` (`None`: the
/// default), waits until they are enabled and opens the document.
async fn start(
    dir: &Path,
    extensions: &[(&str, &str)],
    engine: Option<&str>,
    env: &[(&str, &Path)],
) -> Host {
    for (name, script) in extensions {
        let mut manifest = json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0",
                                  "main": "extension.js", "activationEvents": ["*"]});
        if let Some(engine) = engine {
            manifest["engine"] = json!(engine);
        }
        write_extension(dir, name, &manifest, &[("extension.js", script)]);
    }
    let mut host = Host::spawn_with_env(HostOptions::with_dirs(&[dir]), env);
    host.initialize(json!({})).await;
    for (name, _) in extensions {
        host.state_change(&format!("test.{name}"), "enabled").await;
    }
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1,
                                "text": "first\nsecond\nthird\n"}}),
    )
    .await;
    host
}

/// Inserts `text` at the start of line 1 as version `version`.
async fn type_at_line_one(host: &mut Host, version: i64, text: &str) {
    host.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": version},
               "contentChanges": [{"range": {"start": {"line": 1, "character": 0},
                                             "end": {"line": 1, "character": 0}}, "text": text}]}),
    )
    .await;
}

async fn run(host: &mut Host, command: &str) -> Value {
    host.call(
        "workspace/executeCommand",
        json!({"command": command, "arguments": []}),
    )
    .await
}

/// Waits for the reader's message about `version`; answers what it saw.
async fn reader_saw(host: &mut Host, version: i64) -> Value {
    let params = host
        .notification("window/showMessage", |params| {
            params["message"].as_str().is_some_and(|message| {
                message.starts_with("reader saw ")
                    && serde_json::from_str::<Value>(&message["reader saw ".len()..])
                        .is_ok_and(|seen| seen["version"] == version)
            })
        })
        .await;
    let message = params["message"].as_str().unwrap_or_default();
    serde_json::from_str(&message["reader saw ".len()..]).unwrap_or_default()
}

#[tokio::test]
async fn an_extension_that_does_not_listen_answers_with_the_changed_text() {
    not_listening_reader_answers(None, &[]).await;
}

#[tokio::test]
async fn an_extension_that_does_not_listen_answers_with_the_changed_text_in_deno() {
    let Some(deno) = super::engines::deno() else {
        return;
    };
    not_listening_reader_answers(Some("deno"), &[("EXTHOST_DENO", &deno)]).await;
}

async fn not_listening_reader_answers(engine: Option<&str>, env: &[(&str, &Path)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut host = start(dir.path(), &[("reader", READER)], engine, env).await;
    let mut version = 1;
    for _ in 0..30 {
        version += 1;
        type_at_line_one(&mut host, version, "x").await;
    }
    // At once, well within the delay: the hover sees every change.
    let hover = host
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": URI}, "position": {"line": 1, "character": 0}}),
        )
        .await;
    let seen: Value = serde_json::from_str(hover["contents"]["value"].as_str().unwrap_or("null"))
        .unwrap_or_else(|_| panic!("{hover:#}\nlog:\n{}", host.log()));
    let line = format!("{}second", "x".repeat(30));
    assert_eq!(
        seen,
        json!({"version": 31, "isDirty": true, "lineCount": 4, "line": line, "length": 49}),
        "hover"
    );
    for _ in 0..5 {
        version += 1;
        type_at_line_one(&mut host, version, "y").await;
    }
    let read = run(&mut host, "reader.read").await;
    assert_eq!(read["version"], 36, "{read}");
    assert_eq!(read["line"], format!("yyyyy{line}"));
    assert_eq!(read["isDirty"], true);
    // A save after held changes: the document is saved with them (not dirty), at their version.
    version += 1;
    type_at_line_one(&mut host, version, "z").await;
    host.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": URI}}),
    )
    .await;
    let read = run(&mut host, "reader.read").await;
    assert_eq!(read["version"], 37, "{read}");
    assert_eq!(read["isDirty"], false, "{read}");
    assert_eq!(read["line"], format!("zyyyyy{line}"));
    assert_eq!(host.extension("test.reader").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_timer_driven_reader_sees_a_change_after_the_bound_not_at_once() {
    timer_driven_reader(None, &[]).await;
}

#[tokio::test]
async fn a_timer_driven_reader_sees_a_change_after_the_bound_not_at_once_in_deno() {
    let Some(deno) = super::engines::deno() else {
        return;
    };
    timer_driven_reader(Some("deno"), &[("EXTHOST_DENO", &deno)]).await;
}

/// The reader's timer runs every 5 ms and nothing is asked of it: a change reaches it through the
/// host's delay only — not at once (it was not woken), and not later than the bound (with slack).
async fn timer_driven_reader(engine: Option<&str>, env: &[(&str, &Path)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut host = start(dir.path(), &[("reader", READER)], engine, env).await;
    reader_saw(&mut host, 1).await;
    let typed = Instant::now();
    type_at_line_one(&mut host, 2, "a").await;
    type_at_line_one(&mut host, 3, "b").await;
    let seen = reader_saw(&mut host, 3).await;
    let waited = typed.elapsed();
    assert_eq!(seen["line"], "basecond", "{seen}");
    assert_eq!(seen["isDirty"], true, "{seen}");
    assert!(
        waited >= FLUSH_DELAY,
        "the change reached an extension that does not listen after {waited:?}, before the delay"
    );
    assert!(
        waited < FLUSH_DELAY * 6,
        "the change took {waited:?} to reach a timer-driven reader"
    );
    // Both changes came in one event: the reader never saw version 2.
    let saw_version_two = host.backlog().any(|message| match message {
        Message::Notification(notification) => notification
            .params
            .as_ref()
            .and_then(|params| params["message"].as_str())
            .is_some_and(|text| text.starts_with(r#"reader saw {"version":2,"#)),
        _ => false,
    });
    assert!(!saw_version_two, "the two changes came in one event");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_listener_gets_each_change_promptly_beside_extensions_that_do_not_listen() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = start(
        dir.path(),
        &[("listener", LISTENER), ("reader", READER)],
        None,
        &[],
    )
    .await;
    let mut version = 1;
    for index in 0..20 {
        version += 1;
        let typed = Instant::now();
        type_at_line_one(&mut host, version, &index.to_string()).await;
        let expected = format!("listener saw {version}");
        host.notification("window/showMessage", |params| params["message"] == expected)
            .await;
        let waited = typed.elapsed();
        assert!(
            waited < FLUSH_DELAY,
            "change {version} reached the listener after {waited:?}"
        );
    }
    let record = run(&mut host, "listener.log").await;
    let expected: Vec<Value> = (0..20)
        .map(|index| json!([index + 2, index.to_string()]))
        .collect();
    assert_eq!(
        record,
        json!(expected),
        "every change, in order, one event each"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn an_extension_that_starts_listening_later_gets_every_following_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = start(dir.path(), &[("late", LATE)], None, &[]).await;
    for version in 2..=6 {
        type_at_line_one(&mut host, version, "a").await;
    }
    // The held changes are in the model before the command runs, so its listener does not see them.
    assert_eq!(run(&mut host, "late.listen").await, 6);
    for version in 7..=26 {
        type_at_line_one(&mut host, version, "b").await;
    }
    let log = run(&mut host, "late.log").await;
    let expected: Vec<Value> = (7..=26)
        .map(|version| {
            json!([
                version,
                "b",
                format!("{}aaaaasecond", "b".repeat(version as usize - 6))
            ])
        })
        .collect();
    assert_eq!(log["record"], json!(expected), "{log:#}");
    assert_eq!(run(&mut host, "late.stop").await, 26);
    for version in 27..=30 {
        type_at_line_one(&mut host, version, "c").await;
    }
    let log = run(&mut host, "late.log").await;
    assert_eq!(log["record"].as_array().map(Vec::len), Some(20));
    assert_eq!(log["version"], 30);
    assert_eq!(
        log["line"],
        format!("cccc{}aaaaasecond", "b".repeat(20)),
        "{log:#}"
    );
    assert_eq!(host.shutdown().await, 0);
}
