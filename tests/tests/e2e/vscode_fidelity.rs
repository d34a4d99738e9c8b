//! The `vscode` API as published extensions use it, end to end through the real binary: extensions
//! written as bundlers and `tsc` emit them (CommonJS, `require("vscode")`, `(0, vscode_1.fn)(…)` calls)
//! with VS Code `package.json` manifests. Completion providers ranked by selector score as VS Code ranks
//! them, hovers merged, a current `engines.vscode` accepted with missing members failing by name when
//! called, answers converted to what a narrow client takes, the built-in language definitions, and the
//! editor's open documents as tabs.

use exthost_e2e::{Host, HostOptions, isolated_command};
use exthost_protocol::ResponsePayload;
use std::collections::{BTreeMap, BTreeSet};

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
    let mut host = Host::start(&[dir.path()]).await;
    host.notification("window/logMessage", |p| {
        p["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("providers registered"))
    })
    .await;
    let script = "file:///tmp/fidelity/app.js";
    host.open_document(script, "javascript", "console.").await;
    let at =
        |uri: &str| json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 8}});
    // The {language: javascript} group (score 10) answers; the "*" group (score 5) is not asked. The
    // {scheme, language} provider scores 10 too and returned nothing, which does not stop its group.
    let list = host.call("textDocument/completion", at(script)).await;
    assert_eq!(labels(&list), ["console.log", "for-of"], "{list:#}");
    // A group that returns no items hands over to the next.
    let empty = "file:///tmp/fidelity/empty.js";
    host.open_document(empty, "javascript", "nothing here")
        .await;
    let list = host.call("textDocument/completion", at(empty)).await;
    assert_eq!(labels(&list), ["FIXME", "TODO"], "{list:#}");
    // Other languages only match "*".
    let text = "file:///tmp/fidelity/notes.txt";
    host.open_document(text, "plaintext", "notes...").await;
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
    let mut host = Host::start(&[dir.path()]).await;
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

/// An extension offering what eglot tripped over: a snippet completion with markdown documentation and
/// insert/replace ranges, a markdown hover, signature help with markdown documentation.
fn rich_extension(dir: &std::path::Path) {
    vscode_extension(
        dir,
        "rich",
        json!({ "activationEvents": ["onLanguage:plaintext"] }),
        &tsc_bundle(
            r#"
  const selector = { language: "plaintext" };
  context.subscriptions.push(
    (0, vscode_1.languages.registerCompletionItemProvider)(selector, {
      provideCompletionItems(document, position) {
        const todo = new vscode.CompletionItem("TODO", vscode.CompletionItemKind.Snippet);
        todo.insertText = new vscode.SnippetString("TODO: ${1:what}");
        todo.documentation = new vscode.MarkdownString("**Something** still to do");
        const word = new vscode.CompletionItem("word");
        word.range = { inserting: new vscode.Range(position.line, 0, position.line, position.character),
                       replacing: new vscode.Range(position.line, 0, position.line, position.character + 3) };
        return [todo, word];
      },
    }),
    vscode.languages.registerHoverProvider(selector, {
      provideHover: () => new vscode.Hover(new vscode.MarkdownString("**TODO** — a task to do")),
    }),
    vscode.languages.registerSignatureHelpProvider(selector, {
      provideSignatureHelp() {
        const signature = new vscode.SignatureInformation("todo(what)", new vscode.MarkdownString("Adds a *task*"));
        signature.parameters = [new vscode.ParameterInformation("what", new vscode.MarkdownString("`what` to do"))];
        const help = new vscode.SignatureHelp();
        help.signatures = [signature];
        return help;
      },
    }, "("),
  );"#,
        ),
    );
}

#[tokio::test]
async fn a_narrow_client_gets_plain_text_one_range_and_utf16() {
    let dir = tempfile::tempdir().unwrap();
    rich_extension(dir.path());
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    // What eglot 1.9 announces for these features.
    let init = host
        .initialize(json!({"capabilities": {
            "general": {"positionEncodings": ["utf-32", "utf-8", "utf-16"]},
            "textDocument": {
                "completion": {"dynamicRegistration": false, "completionItem": {"snippetSupport": false}, "contextSupport": true},
                "hover": {"dynamicRegistration": false, "contentFormat": ["plaintext"]},
                "signatureHelp": {"dynamicRegistration": false, "signatureInformation": {"parameterInformation": {"labelOffsetSupport": true}}},
            },
        }}))
        .await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let uri = "file:///tmp/fidelity/notes.txt";
    host.open_document(uri, "plaintext", "todo(").await;
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}});
    let list = host.call("textDocument/completion", at.clone()).await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items[0]["insertText"], "TODO: what", "{list:#}");
    assert_eq!(items[0]["insertTextFormat"], 1);
    assert_eq!(items[0]["documentation"], "Something still to do");
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 2}});
    assert_eq!(
        items[1]["textEdit"],
        json!({"newText": "word", "range": range}),
        "{list:#}"
    );
    let hover = host.call("textDocument/hover", at.clone()).await;
    assert_eq!(
        hover["contents"],
        json!({"kind": "plaintext", "value": "TODO — a task to do"})
    );
    let help = host.call("textDocument/signatureHelp", at).await;
    assert_eq!(
        help["signatures"][0]["documentation"], "Adds a task",
        "{help:#}"
    );
    assert_eq!(
        help["signatures"][0]["parameters"][0]["documentation"],
        "what to do"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_wide_client_gets_snippets_markdown_and_insert_replace_edits() {
    let dir = tempfile::tempdir().unwrap();
    rich_extension(dir.path());
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    let init = host.initialize(json!({})).await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let uri = "file:///tmp/fidelity/notes.txt";
    host.open_document(uri, "plaintext", "todo(").await;
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}});
    let list = host.call("textDocument/completion", at.clone()).await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items[0]["insertText"], "TODO: ${1:what}", "{list:#}");
    assert_eq!(items[0]["insertTextFormat"], 2);
    assert_eq!(items[0]["documentation"]["kind"], "markdown");
    assert!(items[1]["textEdit"].get("insert").is_some(), "{list:#}");
    let hover = host.call("textDocument/hover", at).await;
    assert_eq!(
        hover["contents"],
        json!({"kind": "markdown", "value": "**TODO** — a task to do"})
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn logs_written_to_a_pipe_carry_no_terminal_colour_codes() {
    let home = tempfile::tempdir().unwrap();
    let output = isolated_command(home.path(), None)
        .arg("serve")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .await
        .expect("run exthost serve");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("DEBUG") || log.contains("INFO"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a piped log: {log:?}"
    );
}

#[tokio::test]
async fn built_in_language_definitions_are_readable_as_in_vscode() {
    let dir = tempfile::tempdir().unwrap();
    // As an extension that looks up the comment delimiters of the document's language.
    vscode_extension(
        dir.path(),
        "commenter",
        json!({
            "activationEvents": ["onCommand:commenter.describe"],
            "contributes": { "commands": [{ "command": "commenter.describe", "title": "Describe languages" }] },
        }),
        &tsc_bundle(
            r#"
  context.subscriptions.push((0, vscode_1.commands.registerCommand)("commenter.describe", async (languageId) => {
    const ids = await (0, vscode_1.languages.getLanguages)();
    const owners = vscode.extensions.all.filter((extension) =>
      ((extension.packageJSON.contributes || {}).languages || []).some((language) => language.id === languageId));
    const owner = owners[0];
    const language = owner.packageJSON.contributes.languages.find((entry) => entry.id === languageId);
    const file = vscode.Uri.joinPath(owner.extensionUri, language.configuration);
    const configuration = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
    return { count: ids.length, ids, owner: owner.id, extensions: language.extensions, comments: configuration.comments,
             brackets: configuration.brackets, same: vscode.extensions.getExtension("exthost.languages").id };
  }));"#,
        ),
    );
    let mut host = Host::spawn(HostOptions {
        builtin: Some(exthost_e2e::repository_root().join("extensions/examples")),
        ..HostOptions::with_dirs(&[dir.path()])
    });
    host.initialize(json!({})).await;
    let describe = |id: &str| json!({"command": "commenter.describe", "arguments": [id]});
    let javascript = host
        .call("workspace/executeCommand", describe("javascript"))
        .await;
    assert!(
        javascript["count"].as_u64().unwrap_or(0) >= 30,
        "{javascript:#}"
    );
    let ids: Vec<&str> = javascript["ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for id in [
        "c",
        "cpp",
        "csharp",
        "css",
        "go",
        "html",
        "java",
        "javascript",
        "json",
        "markdown",
        "php",
        "python",
        "ruby",
        "rust",
        "shellscript",
        "sql",
        "typescript",
        "yaml",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert_eq!(javascript["owner"], "exthost.languages");
    assert_eq!(javascript["same"], "exthost.languages");
    assert!(
        javascript["extensions"]
            .as_array()
            .unwrap()
            .contains(&json!(".js"))
    );
    assert_eq!(
        javascript["comments"],
        json!({"lineComment": "//", "blockComment": ["/*", "*/"]})
    );
    assert_eq!(
        javascript["brackets"],
        json!([["{", "}"], ["[", "]"], ["(", ")"]])
    );
    let python = host
        .call("workspace/executeCommand", describe("python"))
        .await;
    assert_eq!(python["comments"]["lineComment"], "#");
    let sql = host.call("workspace/executeCommand", describe("sql")).await;
    assert_eq!(sql["comments"]["lineComment"], "--");
    assert_eq!(host.shutdown().await, 0);
}

/// `index.d.ts` of `@types/vscode` without comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names `@types/vscode` exports from `declare module 'vscode'`.
struct DeclaredApi {
    /// Top-level classes, enums, functions and constants: `(kind, name)`.
    top: Vec<(String, String)>,
    /// Each namespace's functions and constants.
    namespaces: BTreeMap<String, Vec<String>>,
    /// `(namespace, member)` of the namespace members that are functions.
    functions: BTreeSet<(String, String)>,
}

/// Reads [`DeclaredApi`] from `index.d.ts`.
fn declared_api(text: &str) -> DeclaredApi {
    let mut top = Vec::new();
    let mut functions = BTreeSet::new();
    let mut namespaces: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut depth: i64 = 0;
    let mut namespace: Option<String> = None;
    for line in strip_comments(text).lines() {
        let line = line.trim();
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .collect();
        if words.first() == Some(&"export") && words.len() >= 3 {
            let (kind, name) = (words[1], words[2].to_owned());
            match (depth, kind) {
                (1, "namespace") => {
                    namespaces.entry(name.clone()).or_default();
                    namespace = Some(name);
                }
                (1, "class" | "enum" | "const" | "function" | "let") => {
                    top.push((kind.to_owned(), name))
                }
                (2, "const" | "function" | "let") => {
                    if let Some(namespace) = &namespace {
                        if kind == "function" {
                            functions.insert((namespace.clone(), name.clone()));
                        }
                        let members = namespaces.entry(namespace.clone()).or_default();
                        if !members.contains(&name) {
                            members.push(name);
                        }
                    }
                }
                _ => {}
            }
        }
        depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
        if depth <= 1 {
            namespace = None;
        }
    }
    DeclaredApi {
        top,
        namespaces,
        functions,
    }
}

#[tokio::test]
async fn the_shim_has_every_member_of_the_vscode_d_ts_of_the_version_it_claims() {
    let Some(npm) = exthost_e2e::external_program("npm", None, "Node 20 ships npm") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Reports the shim's names: every key of the module and of each namespace, implemented or not.
    vscode_extension(
        dir.path(),
        "inventory",
        json!({
            "activationEvents": ["onCommand:inventory.list"],
            "contributes": { "commands": [{ "command": "inventory.list", "title": "List the API" }] },
        }),
        &tsc_bundle(
            r#"
  context.subscriptions.push(vscode.commands.registerCommand("inventory.list", () => {
    const namespaces = {};
    for (const key of Object.keys(vscode)) {
      const value = vscode[key];
      if (value && typeof value === "object" && /^[a-z]/.test(key)) namespaces[key] = Object.keys(value);
    }
    const kinds = {};
    for (const key of Object.keys(vscode)) kinds[key] = typeof vscode[key];
    const missing = Array.from(vscode[Symbol.for("exthost.notImplemented")] || []);
    return { version: vscode.version, kinds, namespaces, missing };
  }));"#,
        ),
    );
    let mut host = Host::start(&[dir.path()]).await;
    let inventory = host
        .call(
            "workspace/executeCommand",
            json!({"command": "inventory.list", "arguments": []}),
        )
        .await;
    assert_eq!(host.shutdown().await, 0);
    let version = inventory["version"].as_str().expect("vscode.version");
    let packed = std::process::Command::new(&npm)
        .args(["pack", &format!("@types/vscode@{version}"), "--silent"])
        .current_dir(dir.path())
        .output()
        .expect("run npm pack");
    assert!(
        packed.status.success(),
        "npm pack @types/vscode@{version}: {}",
        String::from_utf8_lossy(&packed.stderr)
    );
    let archive = String::from_utf8_lossy(&packed.stdout).trim().to_owned();
    let types = dir.path().join("types");
    std::fs::create_dir_all(&types).unwrap();
    let unpacked = std::process::Command::new("tar")
        .args(["xzf", &dir.path().join(archive).display().to_string()])
        .current_dir(&types)
        .status()
        .expect("run tar");
    assert!(unpacked.success());
    // The archive's one folder (`package/`, or `vscode/` for DefinitelyTyped packages).
    let index = std::fs::read_dir(&types)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("index.d.ts"))
        .find(|index| index.is_file())
        .expect("index.d.ts in the @types/vscode archive");
    let declarations = std::fs::read_to_string(index).expect("index.d.ts of @types/vscode");
    let DeclaredApi {
        top,
        namespaces,
        functions,
    } = declared_api(&declarations);
    assert!(
        top.len() > 150 && namespaces.len() > 10,
        "parsed too little: {top:?}"
    );
    let mut missing = Vec::new();
    for (kind, name) in &top {
        let found = inventory["kinds"][name].as_str();
        let expected = match kind.as_str() {
            "class" => Some("function"),
            "enum" => Some("object"),
            _ => None,
        };
        match (found, expected) {
            (None, _) => missing.push(format!("vscode.{name} ({kind})")),
            (Some(found), Some(expected)) if found != expected => {
                missing.push(format!("vscode.{name} is a {found}, not a {kind}"))
            }
            _ => {}
        }
    }
    for (namespace, members) in &namespaces {
        let Some(present) = inventory["namespaces"][namespace].as_array() else {
            missing.push(format!("vscode.{namespace} (namespace)"));
            continue;
        };
        // A namespace exthost lacks holds its functions and events; its properties read `undefined`.
        let lacked = inventory["missing"]
            .as_array()
            .is_some_and(|names| names.contains(&json!(namespace)));
        for member in members {
            let callable = functions.contains(&(namespace.clone(), member.clone()));
            if !present.contains(&json!(member))
                && (!lacked || callable || member.starts_with("on"))
            {
                missing.push(format!("vscode.{namespace}.{member}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "@types/vscode@{version} declares what the shim does not have (implemented, or listed as \
         not implemented so that calling it names it):\n{missing:#?}"
    );
}

#[tokio::test]
async fn call_and_type_hierarchy_items_go_back_to_their_provider() {
    let dir = tempfile::tempdir().unwrap();
    vscode_extension(
        dir.path(),
        "hierarchy",
        json!({ "activationEvents": ["onLanguage:typescript"] }),
        &tsc_bundle(
            r#"
  const selector = { language: "typescript" };
  const item = (name, kind, line) => new vscode.CallHierarchyItem(kind, name, "detail of " + name,
    vscode.Uri.file("/tmp/fidelity/main.ts"), new vscode.Range(line, 0, line, 10), new vscode.Range(line, 0, line, 4));
  context.subscriptions.push(
    (0, vscode_1.languages.registerCallHierarchyProvider)(selector, {
      prepareCallHierarchy: (document, position) => item("main", vscode.SymbolKind.Function, position.line),
      provideCallHierarchyIncomingCalls: (target) => [new vscode.CallHierarchyIncomingCall(item("caller of " + target.name, vscode.SymbolKind.Method, 5), [new vscode.Range(5, 2, 5, 6)])],
      provideCallHierarchyOutgoingCalls: (target) => [new vscode.CallHierarchyOutgoingCall(item("callee of " + target.name, vscode.SymbolKind.Function, 9), [new vscode.Range(1, 2, 1, 8)])],
    }),
    vscode.languages.registerTypeHierarchyProvider(selector, {
      prepareTypeHierarchy: () => [new vscode.TypeHierarchyItem(vscode.SymbolKind.Class, "Dog", "", vscode.Uri.file("/tmp/fidelity/main.ts"), new vscode.Range(0, 0, 3, 1), new vscode.Range(0, 6, 0, 9))],
      provideTypeHierarchySupertypes: (target) => [new vscode.TypeHierarchyItem(vscode.SymbolKind.Class, "Animal (super of " + target.name + ")", "", vscode.Uri.file("/tmp/fidelity/base.ts"), new vscode.Range(0, 0, 1, 1), new vscode.Range(0, 6, 0, 12))],
      provideTypeHierarchySubtypes: () => [],
    }),
  );"#,
        ),
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    let init = host.initialize(json!({})).await;
    assert_eq!(init["capabilities"]["callHierarchyProvider"], true);
    let uri = "file:///tmp/fidelity/main.ts";
    host.open_document(uri, "typescript", "function main() {\n  callee();\n}\n")
        .await;
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 10}});
    let items = host
        .call("textDocument/prepareCallHierarchy", at.clone())
        .await;
    assert_eq!(items[0]["name"], "main", "{items:#}");
    assert_eq!(items[0]["kind"], 12, "SymbolKind.Function is 12 in LSP");
    assert_eq!(items[0]["detail"], "detail of main");
    let incoming = host
        .call(
            "callHierarchy/incomingCalls",
            json!({"item": items[0].clone()}),
        )
        .await;
    assert_eq!(
        incoming[0]["from"]["name"], "caller of main",
        "{incoming:#}"
    );
    assert_eq!(incoming[0]["fromRanges"][0]["start"]["line"], 5);
    // An item from an answer can be asked about in turn.
    let deeper = host
        .call(
            "callHierarchy/outgoingCalls",
            json!({"item": incoming[0]["from"].clone()}),
        )
        .await;
    assert_eq!(
        deeper[0]["to"]["name"], "callee of caller of main",
        "{deeper:#}"
    );
    let types = host.call("textDocument/prepareTypeHierarchy", at).await;
    let supertypes = host
        .call(
            "typeHierarchy/supertypes",
            json!({"item": types[0].clone()}),
        )
        .await;
    assert_eq!(
        supertypes[0]["name"], "Animal (super of Dog)",
        "{supertypes:#}"
    );
    let subtypes = host
        .call("typeHierarchy/subtypes", json!({"item": types[0].clone()}))
        .await;
    assert_eq!(subtypes, json!([]));
    // An item the host did not hand out has no provider to go to.
    let stranger = host
        .call(
            "callHierarchy/incomingCalls",
            json!({"item": {"name": "x", "kind": 12, "uri": uri, "range": items[0]["range"], "selectionRange": items[0]["range"]}}),
        )
        .await;
    assert_eq!(stranger, Value::Null);
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn tab_groups_hold_the_documents_the_editor_has_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    vscode_extension(
        dir.path(),
        "tabs",
        json!({"activationEvents": ["onCommand:tabs.list"],
               "contributes": {"commands": [{"command": "tabs.list", "title": "List tabs"}]}}),
        &tsc_bundle(
            r#"  const events = [];
  context.subscriptions.push(vscode.window.tabGroups.onDidChangeTabs((event) => {
    events.push({ opened: event.opened.map((tab) => tab.input.uri.toString()), closed: event.closed.map((tab) => tab.input.uri.toString()) });
  }));
  // vscode-languageclient's rule: a document is visible when a tab shows it, known before its open event.
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument((document) => {
    events.push({ openEvent: document.uri.toString(), inTab: vscode.window.tabGroups.all.some((group) =>
      group.tabs.some((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === document.uri.toString())) });
  }));
  context.subscriptions.push(vscode.commands.registerCommand("tabs.list", async () => {
    await vscode.workspace.openTextDocument({ content: "not in a tab", language: "plaintext" });
    const groups = vscode.window.tabGroups.all;
    return { groups: groups.length, column: groups[0].viewColumn, labels: groups[0].tabs.map((tab) => tab.label),
      uris: groups[0].tabs.map((tab) => tab.input.uri.toString()), events: events.splice(0) };
  }));"#,
        ),
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.open_document("file:///work/one.txt", "plaintext", "one")
        .await;
    let list = || json!({"command": "tabs.list", "arguments": []});
    let first = host.call("workspace/executeCommand", list()).await;
    assert_eq!(
        first,
        json!({"groups": 1, "column": 1, "labels": ["one.txt"], "uris": ["file:///work/one.txt"],
               "events": [{"openEvent": "untitled:Untitled-1", "inTab": false}]}),
        "the document open before activation has a tab; one an extension opens has none"
    );
    host.open_document("file:///work/two.txt", "plaintext", "two")
        .await;
    host.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": "file:///work/one.txt"}}),
    )
    .await;
    let second = host.call("workspace/executeCommand", list()).await;
    assert_eq!(
        second,
        json!({"groups": 1, "column": 1, "labels": ["two.txt"], "uris": ["file:///work/two.txt"], "events": [
            {"opened": ["file:///work/two.txt"], "closed": []},
            {"openEvent": "file:///work/two.txt", "inTab": true},
            {"opened": [], "closed": ["file:///work/one.txt"]},
            {"openEvent": "untitled:Untitled-2", "inTab": false},
        ]})
    );
}
