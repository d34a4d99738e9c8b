//! The `vscode` API as published extensions use it, end to end through the real binary: extensions
//! written as bundlers and `tsc` emit them (CommonJS, `require("vscode")`, `(0, vscode_1.fn)(…)` calls)
//! with VS Code `package.json` manifests. Completion providers ranked by selector score as VS Code ranks
//! them, hovers merged, a current `engines.vscode` accepted with missing members failing by name when
//! called.

use exthost_e2e::{Host, HostOptions};
use exthost_protocol::ResponsePayload;
use serde_json::{Value, json};

/// Writes a VS Code-style extension: `package.json` and a bundled `dist/extension.js`.
fn vscode_extension(parent: &std::path::Path, name: &str, manifest: Value, bundle: &str) {
    let root = parent.join(name);
    std::fs::create_dir_all(root.join("dist")).expect("create the extension folder");
    let mut package = json!({
        "name": name, "publisher": "fidelity", "version": "1.0.0", "main": "./dist/extension.js",
        "engines": { "vscode": "^1.90.0" },
    });
    if let (Some(package), Some(extra)) = (package.as_object_mut(), manifest.as_object()) {
        package.extend(extra.clone());
    }
    std::fs::write(
        root.join("package.json"),
        serde_json::to_vec_pretty(&package).expect("json"),
    )
    .expect("write package.json");
    std::fs::write(root.join("dist/extension.js"), bundle).expect("write the bundle");
}

/// A bundle as `tsc` emits `export function activate` with `import * as vscode from "vscode"`.
fn tsc_bundle(activate_body: &str) -> String {
    format!(
        r#""use strict";
Object.defineProperty(exports, "__esModule", {{ value: true }});
exports.activate = activate;
exports.deactivate = deactivate;
const vscode = require("vscode");
const vscode_1 = require("vscode");
function activate(context) {{
{activate_body}
}}
function deactivate() {{ }}
//# sourceMappingURL=extension.js.map
"#
    )
}

async fn open(host: &mut Host, uri: &str, language: &str, text: &str) {
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
    )
    .await;
}

fn labels(list: &Value) -> Vec<String> {
    let mut labels: Vec<String> = list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a completion list: {list:#}"))
        .iter()
        .map(|item| item["label"].as_str().unwrap_or_default().to_owned())
        .collect();
    labels.sort();
    labels
}

#[tokio::test]
async fn completion_providers_are_ranked_by_selector_and_hovers_merged() {
    let dir = tempfile::tempdir().unwrap();
    // As an extension that registers the same provider for its language and for every document.
    vscode_extension(
        dir.path(),
        "snippets",
        json!({ "activationEvents": ["onStartupFinished"] }),
        &tsc_bundle(
            r#"
  const item = (label) => new vscode.CompletionItem(label, vscode.CompletionItemKind.Snippet);
  const javascript = {
    provideCompletionItems(document) {
      return document.getText().includes("nothing here") ? [] : [item("console.log"), item("for-of")];
    },
  };
  const everywhere = { provideCompletionItems: () => [item("TODO"), item("FIXME")] };
  context.subscriptions.push(
    (0, vscode_1.languages.registerCompletionItemProvider)({ language: "javascript" }, javascript, "."),
    (0, vscode_1.languages.registerCompletionItemProvider)("*", everywhere),
    vscode.languages.registerCompletionItemProvider({ scheme: "file", language: "javascript" }, { provideCompletionItems: () => undefined }),
    vscode.languages.registerHoverProvider({ language: "javascript" }, { provideHover: () => new vscode.Hover("from javascript") }),
    vscode.languages.registerHoverProvider("*", { provideHover: () => new vscode.Hover("from everywhere") }),
  );
  console.log("providers registered");"#,
        ),
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    host.initialize(json!({})).await;
    host.notification("window/logMessage", |p| {
        p["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("providers registered"))
    })
    .await;
    let script = "file:///tmp/fidelity/app.js";
    open(&mut host, script, "javascript", "console.").await;
    let at = |uri: &str| json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 8}});
    // The {language: javascript} group (score 10) answers; the "*" group (score 5) is not asked. The
    // {scheme, language} provider scores 10 too and returned nothing, which does not stop its group.
    let list = host.call("textDocument/completion", at(script)).await;
    assert_eq!(labels(&list), ["console.log", "for-of"], "{list:#}");
    // A group that returns no items hands over to the next.
    let empty = "file:///tmp/fidelity/empty.js";
    open(&mut host, empty, "javascript", "nothing here").await;
    let list = host.call("textDocument/completion", at(empty)).await;
    assert_eq!(labels(&list), ["FIXME", "TODO"], "{list:#}");
    // Other languages only match "*".
    let text = "file:///tmp/fidelity/notes.txt";
    open(&mut host, text, "plaintext", "notes...").await;
    let list = host.call("textDocument/completion", at(text)).await;
    assert_eq!(labels(&list), ["FIXME", "TODO"], "{list:#}");
    // Hovers: every matching provider, merged (VS Code shows them all).
    let hover = host.call("textDocument/hover", at(script)).await;
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    let mut parts: Vec<&str> = value.split("\n\n---\n\n").collect();
    parts.sort();
    assert_eq!(parts, ["from everywhere", "from javascript"], "{hover:#}");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_current_engines_vscode_is_accepted_and_missing_members_fail_when_called() {
    let dir = tempfile::tempdir().unwrap();
    vscode_extension(
        dir.path(),
        "modern",
        json!({
            "engines": { "vscode": "^1.101.0" },
            "activationEvents": ["onCommand:modern.terminal"],
            "contributes": { "commands": [{ "command": "modern.terminal", "title": "Open a terminal" }] },
        }),
        &tsc_bundle(
            r#"
  context.subscriptions.push((0, vscode_1.commands.registerCommand)("modern.terminal", () => {
    const terminal = vscode.window.createTerminal({ name: "build" });
    terminal.show();
  }));
  console.log("version " + vscode.version);"#,
        ),
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    host.initialize(json!({})).await;
    // Discovered (not refused for its `engines.vscode`), activated by its command.
    assert_eq!(
        host.extension("fidelity.modern").await["state"],
        "discovered",
        "{}",
        host.log()
    );
    let response = host
        .request(
            "workspace/executeCommand",
            json!({"command": "modern.terminal", "arguments": []}),
        )
        .await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("the command should fail: {response:?}");
    };
    assert!(
        error
            .message
            .contains("exthost does not implement vscode.window.createTerminal"),
        "{error:?}"
    );
    // The extension itself keeps running.
    assert_eq!(host.extension("fidelity.modern").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}
