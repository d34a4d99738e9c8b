//! Large documents: a change to a 100,000-line document costs the same as one to a small document, so
//! typing in a big file leaves every running extension enabled and their providers see the changed text.

use exthost_e2e::{Host, HostOptions, write_extension};
use serde_json::{Value, json};

/// How many extensions watch the document.
const EXTENSIONS: usize = 10;
/// How many lines the document has.
const LINES: usize = 100_000;

/// An extension whose hover answers what its model of the document says: version, line count, the
/// hovered line's text, the last change event's first content change, and the full text's length.
fn watcher(index: usize) -> String {
    format!(
        r#"
        const vscode = require('vscode');
        let last = null;
        exports.activate = (context) => {{
          context.subscriptions.push(vscode.workspace.onDidChangeTextDocument((event) => {{
            const change = event.contentChanges[0];
            last = [change.range.start.line, change.range.start.character, change.range.end.line,
                    change.range.end.character, change.rangeOffset, change.rangeLength, change.text];
          }}));
          context.subscriptions.push(vscode.languages.registerHoverProvider('plaintext', {{
            provideHover(document, position) {{
              const line = document.lineAt(position.line);
              const answer = {{
                extension: {index},
                version: document.version,
                lineCount: document.lineCount,
                line: line.text,
                next: document.lineAt(position.line + 1).text,
                offset: document.offsetAt(position),
                last,
                length: document.getText().length,
              }};
              return new vscode.Hover(JSON.stringify(answer));
            }},
          }}));
        }};
        "#
    )
}

fn range(start_line: u32, start_character: u32, end_line: u32, end_character: u32) -> Value {
    json!({"start": {"line": start_line, "character": start_character},
           "end": {"line": end_line, "character": end_character}})
}

#[tokio::test]
async fn typing_in_a_100000_line_document_keeps_every_extension_enabled() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..EXTENSIONS {
        let name = format!("watcher{index}");
        write_extension(
            dir.path(),
            &name,
            &json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0",
                    "main": "extension.js", "activationEvents": ["onLanguage:plaintext"]}),
            &[("extension.js", &watcher(index))],
        );
    }
    let mut host = Host::start(&[dir.path()]).await;
    // "line 0\r\n" … : CRLF line ends, so offsets count two units per line break.
    let text: String = (0..LINES).map(|line| format!("line {line}\r\n")).collect();
    let original_length = text.encode_utf16().count();
    let uri = "file:///tmp/large.txt";
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": text}}),
    )
    .await;
    for index in 0..EXTENSIONS {
        host.state_change(&format!("test.watcher{index}"), "enabled")
            .await;
    }
    // Typing in the middle of the document: twenty single characters, then a line break.
    let middle = (LINES / 2) as u32;
    let mut version = 1;
    for character in 0..20u32 {
        version += 1;
        host.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": range(middle, character, middle, character), "text": "x"}]}),
        )
        .await;
    }
    version += 1;
    host.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version},
               "contentChanges": [{"range": range(middle, 10, middle, 10), "text": "\r\n"}]}),
    )
    .await;
    let hover = host
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": middle, "character": 3}}),
        )
        .await;
    let value = hover["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no hover text in {hover:#}; log:\n{}", host.log()));
    let mut answers: Vec<Value> = value
        .split("\n\n---\n\n")
        .map(|part| serde_json::from_str(part).expect("a provider's JSON"))
        .collect();
    answers.sort_by_key(|answer| answer["extension"].as_u64());
    assert_eq!(answers.len(), EXTENSIONS, "{hover:#}\nlog:\n{}", host.log());
    // Line `middle` started at 50,000 × "line N\r\n" (lines 0–9: 8 units, 10–99: 9, 100–999: 10,
    // 1,000–9,999: 11, 10,000–49,999: 12).
    let middle_offset = 10 * 8 + 90 * 9 + 900 * 10 + 9_000 * 11 + 40_000 * 12;
    for (index, answer) in answers.iter().enumerate() {
        assert_eq!(
            answer,
            &json!({
                "extension": index,
                "version": version,
                "lineCount": LINES + 2,
                "line": "xxxxxxxxxx",
                "next": "xxxxxxxxxxline 50000",
                "offset": middle_offset + 3,
                "last": [middle, 10, middle, 10, middle_offset + 10, 0, "\r\n"],
                "length": original_length + 22,
            }),
            "extension {index}"
        );
    }
    for index in 0..EXTENSIONS {
        let id = format!("test.watcher{index}");
        assert_eq!(host.extension(&id).await["state"], "enabled", "{id}");
    }
    assert!(
        !host.log().contains("time limit exceeded"),
        "no change event ran out of time"
    );
    assert_eq!(host.shutdown().await, 0);
}

/// A listener that records every change event: its version, its first change (the range read lazily)
/// and, after a microtask, that it ran; answers `order.log` with the record.
const LISTENER: &str = r#"
const vscode = require('vscode');
const record = [];
exports.activate = (context) => {
  context.subscriptions.push(vscode.workspace.onDidChangeTextDocument((event) => {
    const change = event.contentChanges[0];
    const version = event.document.version;
    record.push(['event', version, change.rangeOffset, change.rangeLength, change.text,
                 change.range.start.line, change.range.start.character, change.range.end.character,
                 event.contentChanges.length, Object.isFrozen(change)]);
    // A microtask of one event runs before the next event, as separate messages' would.
    Promise.resolve().then(() => record.push(['after', version]));
  }));
  context.subscriptions.push(vscode.commands.registerCommand('order.log', () => record));
};
"#;

/// An extension with no change listener that reads the document when asked.
const READER: &str = r#"
const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('reader.read', (uri) => {
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri);
    return { version: document.version, line: document.lineAt(1).text, length: document.getText().length,
             offset: document.offsetAt(new vscode.Position(2, 0)) };
  }));
};
"#;

#[tokio::test]
async fn a_burst_of_changes_reaches_a_listener_in_order_and_a_reader_sees_the_current_text() {
    burst_of_changes(None, &[]).await;
}

#[tokio::test]
async fn a_burst_of_changes_reaches_a_listener_in_order_in_deno() {
    let Some(deno) = super::engines::deno() else {
        return;
    };
    burst_of_changes(Some("deno"), &[("EXTHOST_DENO", &deno)]).await;
}

/// 200 changes sent without waiting, to a listener and a reader running in `engine` (the default's when
/// `None`).
async fn burst_of_changes(engine: Option<&str>, env: &[(&str, &std::path::Path)]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, script) in [("order", LISTENER), ("reader", READER)] {
        let mut manifest = json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0",
                                  "main": "extension.js", "activationEvents": ["*"]});
        if let Some(engine) = engine {
            manifest["engine"] = json!(engine);
        }
        write_extension(dir.path(), name, &manifest, &[("extension.js", script)]);
    }
    let mut host = Host::spawn_with_env(HostOptions::with_dirs(&[dir.path()]), env);
    host.initialize(json!({})).await;
    for name in ["order", "reader"] {
        host.state_change(&format!("test.{name}"), "enabled").await;
    }
    let uri = "file:///tmp/burst.txt";
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1,
                                "text": "first\nsecond\nthird\n"}}),
    )
    .await;
    // 200 one-character inserts at the start of line 1, sent without waiting: a burst the runtimes take
    // in few wake-ups, each still its own event.
    const CHANGES: usize = 200;
    for change in 0..CHANGES {
        host.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": change + 2},
                   "contentChanges": [{"range": range(1, 0, 1, 0), "text": "x"}]}),
        )
        .await;
    }
    // A change that leaves the text as it was (replacing "x" with "x") gives no event, as in VS Code.
    host.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": CHANGES + 2},
               "contentChanges": [{"range": range(1, 0, 1, 1), "text": "x"}]}),
    )
    .await;
    let record = host
        .call(
            "workspace/executeCommand",
            json!({"command": "order.log", "arguments": []}),
        )
        .await;
    let record = record.as_array().expect("the record");
    let mut events = Vec::new();
    let mut afters = Vec::new();
    for change in 0..CHANGES {
        let version = change + 2;
        // "first\n" is 6 units: line 1 starts at offset 6.
        events.push(json!(["event", version, 6, 0, "x", 1, 0, 0, 1, true]));
        afters.push(json!(["after", version]));
    }
    assert_eq!(record.len(), 2 * CHANGES, "{record:?}");
    if engine.is_none() {
        // QuickJS: each event's microtasks run before the next event, as separate messages' would.
        let expected: Vec<Value> = events
            .iter()
            .zip(&afters)
            .flat_map(|(event, after)| [event.clone(), after.clone()])
            .collect();
        for (index, (seen, wanted)) in record.iter().zip(&expected).enumerate() {
            assert_eq!(seen, wanted, "entry {index}");
        }
    } else {
        // Deno takes the messages of one read together: the events in order, each microtask after its
        // event.
        let seen_events: Vec<&Value> = record.iter().filter(|entry| entry[0] == "event").collect();
        assert_eq!(seen_events, events.iter().collect::<Vec<_>>());
        for after in &afters {
            let event_at = record
                .iter()
                .position(|entry| entry[0] == "event" && entry[1] == after[1]);
            let after_at = record.iter().position(|entry| entry == after);
            assert!(
                event_at < after_at && after_at.is_some(),
                "{after}: {record:?}"
            );
        }
    }
    let read = host
        .call(
            "workspace/executeCommand",
            json!({"command": "reader.read", "arguments": [uri]}),
        )
        .await;
    assert_eq!(
        read,
        json!({"version": CHANGES + 2, "line": format!("{}second", "x".repeat(CHANGES)),
               "length": 19 + CHANGES, "offset": 13 + CHANGES})
    );
    assert_eq!(host.shutdown().await, 0);
}
