//! Tests of the shim's incremental document model (`25_documents.js`): editor changes (ranges and text)
//! applied to its line index must give exactly the text, lines, offsets and change events that the whole
//! text would, for multi-line edits, CRLF and lone CR line breaks, surrogate pairs, deletions across
//! lines and inserts at the end; the host's own copy (`DocumentText`) must agree; an edit made here and
//! its echo from the editor apply once.

use super::*;
use crate::documents::DocumentText;
use ls_types::{Position, Range, TextDocumentContentChangeEvent};

const URI: &str = "file:///w/a.txt";

/// An extension that checks every change event against a naive model (the whole text, split anew) and
/// answers `test.state` with what its TextDocument says.
const SCRIPT: &str = r#"
const vscode = require('vscode');
const problems = [];
let naive = null;
let events = 0;
// The old, whole-text model: lines and their starts from one split of the text.
function split(text) {
  const lines = []; const starts = []; const pattern = /\r\n|\r|\n/g; let start = 0; let match;
  while ((match = pattern.exec(text)) !== null) { lines.push(text.slice(start, match.index)); starts.push(start); start = match.index + match[0].length; }
  lines.push(text.slice(start)); starts.push(start);
  return { lines, starts };
}
function check(document) {
  const text = document.getText();
  const { lines, starts } = split(text);
  if (document.lineCount !== lines.length) problems.push(['lineCount', document.lineCount, lines.length]);
  for (let line = 0; line < lines.length; line++) {
    if (document.lineAt(line).text !== lines[line]) problems.push(['line', line, document.lineAt(line).text, lines[line]]);
    const position = new vscode.Position(line, lines[line].length);
    if (document.offsetAt(position) !== starts[line] + lines[line].length) problems.push(['offsetAt', line]);
    const back = document.positionAt(starts[line] + lines[line].length);
    if (!back.isEqual(position)) problems.push(['positionAt', line, back.line, back.character]);
    if (line + 1 < lines.length && document.getText(new vscode.Range(line, 0, line + 1, 0)) !== text.slice(starts[line], starts[line + 1])) problems.push(['getText', line]);
  }
  if (document.eol !== (/\r\n/.test(text) ? 2 : 1)) problems.push(['eol', document.eol]);
}
exports.activate = (context) => {
  const document = vscode.workspace.textDocuments[0];
  naive = document.getText();
  check(document);
  context.subscriptions.push(vscode.workspace.onDidChangeTextDocument((event) => {
    events++;
    for (const change of event.contentChanges) {
      // Each change is measured against the text as it was before it.
      const start = split(naive);
      const offset = start.starts[change.range.start.line] + change.range.start.character;
      if (offset !== change.rangeOffset) problems.push(['rangeOffset', change.rangeOffset, offset]);
      const end = start.starts[change.range.end.line] + change.range.end.character;
      if (end - offset !== change.rangeLength) problems.push(['rangeLength', change.rangeLength, end - offset]);
      naive = naive.slice(0, change.rangeOffset) + change.text + naive.slice(change.rangeOffset + change.rangeLength);
    }
    if (naive !== event.document.getText()) problems.push(['text after the event', events]);
    if (events % 25 === 0) check(event.document);
  }));
  context.subscriptions.push(vscode.commands.registerCommand('test.state', () => {
    const document = vscode.workspace.textDocuments[0];
    check(document);
    return { problems: problems.slice(0, 5), events, text: document.getText(), version: document.version, lineCount: document.lineCount };
  }));
  context.subscriptions.push(vscode.commands.registerCommand('test.edit', async (start, end, text) => {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(start[0], start[1], end[0], end[1]), text);
    return vscode.workspace.applyEdit(edit);
  }));
};
"#;

fn harness(text: &str) -> Harness {
    let snapshot = json!({
        "workspaceFolders": [{ "uri": "file:///w", "name": "w", "index": 0 }],
        "documents": [{ "uri": URI, "languageId": "plaintext", "version": 1, "text": text }],
        "settings": {},
    });
    Harness::with_host(
        &[("main.js", SCRIPT)],
        "main.js",
        Limits::default(),
        json!({ "name": "ext", "publisher": "test", "version": "1.0.0" }),
        Arc::new(move |request| match request {
            HostRequest::Snapshot => Ok(snapshot.clone()),
            HostRequest::EditorRequest { method, .. } if method == "workspace/applyEdit" => {
                Ok(json!({ "applied": true }))
            }
            other => answer(other),
        }),
    )
}

fn lsp(position: Position) -> Value {
    json!({ "line": position.line, "character": position.character })
}

/// A small deterministic generator (no randomness crate needed for a fixed sequence).
struct Sequence(u64);

impl Sequence {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below.max(1)
    }
}

async fn state(harness: &Harness) -> Value {
    harness
        .command("test.state", vec![])
        .await
        .expect("test.state answers")
}

#[tokio::test]
async fn random_edits_keep_the_line_index_exact() {
    // Enough lines for several of the index's blocks (256 lines each), with every kind of line break.
    let breaks = ["\n", "\r\n", "\r"];
    let start: String = (0..1_500)
        .map(|line| format!("line {line} 😀{}", breaks[line % 7 % 3]))
        .collect::<String>()
        + "last";
    let start = start.as_str();
    let harness = harness(start);
    harness.activate().await.expect("activate");
    let mut truth = DocumentText::new(start);
    let pieces = [
        "",
        "a",
        "xyz",
        "\n",
        "\r\n",
        "\r",
        "😀",
        "é",
        "one\ntwo",
        "a\r\nb\r\n",
        "\r\n\r\n",
        " ",
    ];
    let many_lines = "new\n".repeat(600);
    let pieces: Vec<&str> = pieces.into_iter().chain([many_lines.as_str()]).collect();
    let mut sequence = Sequence(7);
    let mut version = 1;
    for round in 0..200 {
        let count = truth.char_count();
        // Mostly small edits; some across many lines; some at the very end.
        let from = if round % 10 == 9 {
            count
        } else {
            sequence.next(count + 1)
        };
        let span = match round % 13 {
            0 => 20_000, // across blocks
            1 | 5 => 40,
            _ => 4,
        };
        let to = (from + sequence.next(span)).min(count);
        let text = pieces[sequence.next(pieces.len())];
        let range = Range {
            start: truth.position_of(from),
            end: truth.position_of(to),
        };
        truth.apply(&[TextDocumentContentChangeEvent {
            range_length: None,
            range: Some(range),
            text: text.to_owned(),
        }]);
        version += 1;
        harness
            .event(
                "documentChanged",
                json!({ "uri": URI, "version": version,
                        "changes": [{ "range": { "start": lsp(range.start), "end": lsp(range.end) }, "text": text }] }),
            )
            .await;
    }
    // Two changes in one event, the second measured against the text after the first.
    truth.apply(&[
        TextDocumentContentChangeEvent {
            range_length: None,
            range: Some(Range {
                start: Position {
                    line: 0,
                    character: 0,
                },
                end: Position {
                    line: 0,
                    character: 0,
                },
            }),
            text: "A\r\n".to_owned(),
        },
        TextDocumentContentChangeEvent {
            range_length: None,
            range: Some(Range {
                start: Position {
                    line: 1,
                    character: 0,
                },
                end: Position {
                    line: 2,
                    character: 0,
                },
            }),
            text: String::new(),
        },
    ]);
    version += 1;
    harness
        .event(
            "documentChanged",
            json!({ "uri": URI, "version": version, "changes": [
                { "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "A\r\n" },
                { "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 2, "character": 0 } }, "text": "" },
            ] }),
        )
        .await;
    let seen = state(&harness).await;
    assert_eq!(seen["problems"], json!([]), "{seen:#}");
    assert_eq!(seen["text"], truth.to_string());
    assert_eq!(seen["lineCount"], truth.line_count());
    assert_eq!(seen["version"], version);

    // A change already in the model (its version is not newer) is not applied again.
    harness
        .event(
            "documentChanged",
            json!({ "uri": URI, "version": version,
                    "changes": [{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "again" }] }),
        )
        .await;
    // A full-text change (no range) still works.
    harness
        .event(
            "documentChanged",
            json!({ "uri": URI, "version": version + 1, "changes": [{ "text": "whole\r\nnew" }] }),
        )
        .await;
    let seen = state(&harness).await;
    assert_eq!(seen["problems"], json!([]), "{seen:#}");
    assert_eq!(seen["text"], "whole\r\nnew");
    assert_eq!(seen["lineCount"], 2);
}

#[tokio::test]
async fn an_edit_made_here_and_its_echo_from_the_editor_apply_once() {
    let harness = harness("one\ntwo\nthree");
    harness.activate().await.expect("activate");
    let applied = harness
        .command(
            "test.edit",
            vec![json!([1, 0]), json!([1, 3]), json!("2\r\nTWO")],
        )
        .await;
    assert_eq!(applied, Ok(json!(true)));
    let seen = state(&harness).await;
    assert_eq!(seen["text"], "one\n2\r\nTWO\nthree");
    assert_eq!(seen["events"], 1);
    // The editor's didChange for the same edit changes nothing more and fires nothing.
    harness
        .event(
            "documentChanged",
            json!({ "uri": URI, "version": 2,
                    "changes": [{ "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 3 } }, "text": "2\r\nTWO" }] }),
        )
        .await;
    let seen = state(&harness).await;
    assert_eq!(seen["text"], "one\n2\r\nTWO\nthree");
    assert_eq!(seen["events"], 1);
    assert_eq!(seen["version"], 2);
    // A later change from the editor applies as usual.
    harness
        .event(
            "documentChanged",
            json!({ "uri": URI, "version": 3,
                    "changes": [{ "range": { "start": { "line": 3, "character": 5 }, "end": { "line": 3, "character": 5 } }, "text": "!" }] }),
        )
        .await;
    let seen = state(&harness).await;
    assert_eq!(seen["problems"], json!([]), "{seen:#}");
    assert_eq!(seen["text"], "one\n2\r\nTWO\nthree!");
    assert_eq!(seen["events"], 2);
}

/// An extension that records each change event's content changes as plain values.
const RECORDER: &str = r#"
const vscode = require('vscode');
const events = [];
exports.activate = (context) => {
  context.subscriptions.push(vscode.workspace.onDidChangeTextDocument((event) => {
    events.push({
      version: event.document.version,
      reason: event.reason,
      frozen: Object.isFrozen(event) && Object.isFrozen(event.contentChanges),
      changes: event.contentChanges.map((change) => ({
        range: [change.range.start.line, change.range.start.character, change.range.end.line, change.range.end.character],
        isRange: change.range instanceof vscode.Range,
        sameRange: change.range === change.range,
        json: JSON.parse(JSON.stringify(change)),
        rangeOffset: change.rangeOffset,
        rangeLength: change.rangeLength,
        text: change.text,
      })),
    });
  }));
  context.subscriptions.push(vscode.commands.registerCommand('test.events', () => ({
    events, text: vscode.workspace.textDocuments[0].getText(),
  })));
};
"#;

#[tokio::test]
async fn change_positions_past_the_ends_clamp_and_reversed_ranges_swap() {
    let snapshot = json!({
        "workspaceFolders": [],
        "documents": [{ "uri": URI, "languageId": "plaintext", "version": 1, "text": "one\r\ntwo\nthree" }],
        "settings": {},
    });
    let harness = Harness::with_host(
        &[("main.js", RECORDER)],
        "main.js",
        Limits::default(),
        json!({ "name": "ext", "publisher": "test", "version": "1.0.0" }),
        Arc::new(move |request| match request {
            HostRequest::Snapshot => Ok(snapshot.clone()),
            other => answer(other),
        }),
    );
    harness.activate().await.expect("activate");
    let change = |version: u32, range: [u32; 4], text: &str| {
        json!({ "uri": URI, "version": version, "changes": [{
            "range": { "start": { "line": range[0], "character": range[1] },
                       "end": { "line": range[2], "character": range[3] } },
            "text": text }] })
    };
    // Past the end of line 0 ("one"): its end, before "\r\n".
    harness
        .event("documentChanged", change(2, [0, 99, 0, 99], "!"))
        .await;
    // Reversed: (1, 2) back to (0, 1) is (0, 1)–(1, 2), across the "\r\n".
    harness
        .event("documentChanged", change(3, [1, 2, 0, 1], "-"))
        .await;
    // Past the last line: the end of the text.
    harness
        .event("documentChanged", change(4, [7, 0, 9, 4], "?"))
        .await;
    // The same text over the same range: no event, but the version moves.
    harness
        .event("documentChanged", change(5, [0, 0, 0, 1], "o"))
        .await;
    let seen = harness
        .command("test.events", vec![])
        .await
        .expect("test.events answers");
    let event = |version: u32, range: [u32; 4], offset: u32, length: u32, text: &str| {
        json!({
            "version": version, "frozen": true,
            "changes": [{
                "range": range, "isRange": true, "sameRange": true,
                "json": {
                    "range": [{ "line": range[0], "character": range[1] }, { "line": range[2], "character": range[3] }],
                    "rangeOffset": offset, "rangeLength": length, "text": text,
                },
                "rangeOffset": offset, "rangeLength": length, "text": text,
            }],
        })
    };
    assert_eq!(
        seen,
        json!({
            "events": [
                event(2, [0, 3, 0, 3], 3, 0, "!"),
                event(3, [0, 1, 1, 2], 1, 7, "-"),
                event(4, [1, 5, 1, 5], 9, 0, "?"),
            ],
            "text": "o-o\nthree?",
        })
    );
}
