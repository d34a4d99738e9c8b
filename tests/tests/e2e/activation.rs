//! JS extensions activating lazily on their events (contract §3, §4, §7): commands, languages,
//! workspaceContains, `*` and onStartupFinished, editor-fired events, CommonJS and ES modules, timers.

use exthost_e2e::{Host, HostOptions, write_extension};
use exthost_protocol::{ResponsePayload, error_code};
use serde_json::{Value, json};

fn manifest(id: &str, extra: Value) -> Value {
    let mut manifest = json!({"id": id, "name": id, "version": "1.0.0", "main": "extension.js"});
    manifest
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    manifest
}

fn error_message(payload: &ResponsePayload) -> (i64, String) {
    match payload {
        ResponsePayload::Error(error) => (error.code, error.message.clone()),
        ResponsePayload::Result(value) => panic!("expected an error, got {value}"),
    }
}

#[tokio::test]
async fn a_command_activates_its_extension_lazily_and_once() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "lazy",
        &manifest(
            "test.lazy",
            json!({"contributes": {"commands": [{"command": "lazy.run", "title": "Run"}]}}),
        ),
        &[(
            "extension.js",
            r#"
            let activations = 0;
            const vscode = require('vscode');
            exports.activate = function (context) {
              activations += 1;
              context.subscriptions.push(vscode.commands.registerCommand('lazy.run', (a, b) => ({ sum: a + b, activations })));
            };
            "#,
        )],
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    let init = host.initialize(json!({})).await;
    assert_eq!(
        init["capabilities"]["executeCommandProvider"]["commands"],
        json!(["lazy.run"])
    );
    assert_eq!(host.extension("test.lazy").await["state"], "discovered");

    // Two triggers at once: one activation.
    let first = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "lazy.run", "arguments": [2, 3]}),
        )
        .await;
    let second = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "lazy.run", "arguments": [4, 5]}),
        )
        .await;
    let first = host.response(&first).await;
    let second = host.response(&second).await;
    assert_eq!(
        first.payload,
        ResponsePayload::Result(json!({"sum": 5, "activations": 1}))
    );
    assert_eq!(
        second.payload,
        ResponsePayload::Result(json!({"sum": 9, "activations": 1}))
    );
    host.state_change("test.lazy", "loaded").await;
    host.state_change("test.lazy", "enabled").await;
    let loaded_count = host
        .backlog()
        .filter(|m| matches!(m, exthost_protocol::Message::Notification(n)
            if n.method == "exthost/extensionStateChanged" && n.params.as_ref().unwrap()["state"] == "loaded"))
        .count();
    assert_eq!(
        loaded_count, 0,
        "loaded was reported once (and consumed above)"
    );
    assert_eq!(host.extension("test.lazy").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn unknown_commands_name_the_command() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let response = host
        .request(
            "workspace/executeCommand",
            json!({"command": "no.such.command"}),
        )
        .await;
    let (code, message) = error_message(&response.payload);
    assert_eq!(code, error_code::METHOD_NOT_FOUND);
    assert!(message.contains("no.such.command"), "{message}");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn languages_workspace_contents_star_and_startup_finished_activate() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(workspace.path().join("src/deep")).unwrap();
    std::fs::write(workspace.path().join("src/deep/marker.cfg"), "").unwrap();
    let log = |name: &str| format!("exports.activate = () => console.log('{name} activated');");
    write_extension(
        dir.path(),
        "lang",
        &manifest(
            "test.lang",
            json!({"activationEvents": ["onLanguage:rust"]}),
        ),
        &[("extension.js", &log("lang"))],
    );
    write_extension(
        dir.path(),
        "contains",
        &manifest(
            "test.contains",
            json!({"activationEvents": ["workspaceContains:**/marker.cfg"]}),
        ),
        &[("extension.js", &log("contains"))],
    );
    write_extension(
        dir.path(),
        "absent",
        &manifest(
            "test.absent",
            json!({"activationEvents": ["workspaceContains:**/nothing.here"]}),
        ),
        &[("extension.js", &log("absent"))],
    );
    write_extension(
        dir.path(),
        "star",
        &manifest("test.star", json!({"activationEvents": ["*"]})),
        &[(
            "extension.js",
            "exports.activate = () => new Promise(r => setTimeout(() => { console.log('star activated'); r(); }, 100));",
        )],
    );
    write_extension(
        dir.path(),
        "startup",
        &manifest(
            "test.startup",
            json!({"activationEvents": ["onStartupFinished"]}),
        ),
        &[("extension.js", &log("startup"))],
    );
    write_extension(
        dir.path(),
        "custom",
        &manifest(
            "test.custom",
            json!({"activationEvents": ["onView:myView"]}),
        ),
        &[("extension.js", &log("custom"))],
    );

    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    let root = exthost_e2e_uri(workspace.path());
    host.initialize(json!({"rootUri": root})).await;
    host.state_change("test.contains", "enabled").await;
    host.state_change("test.star", "enabled").await;
    host.state_change("test.startup", "enabled").await;
    // onStartupFinished comes after every `*` activation finished.
    let star = host
        .notification("window/logMessage", |p| {
            p["message"] == "[test.star] star activated"
        })
        .await;
    let startup = host
        .notification("window/logMessage", |p| {
            p["message"] == "[test.startup] startup activated"
        })
        .await;
    assert_eq!(star["type"], 3);
    assert_eq!(startup["type"], 3);
    assert_eq!(host.extension("test.lang").await["state"], "discovered");
    assert_eq!(host.extension("test.absent").await["state"], "discovered");

    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///x.rs", "languageId": "rust", "version": 1, "text": "fn main() {}"}}),
    )
    .await;
    host.state_change("test.lang", "enabled").await;

    let activated = host
        .call("exthost/activate", json!({"event": "onView:myView"}))
        .await;
    assert_eq!(activated, json!({"activated": ["test.custom"]}));
    let again = host
        .call("exthost/activate", json!({"event": "onView:myView"}))
        .await;
    assert_eq!(again, json!({"activated": []}));
    assert_eq!(host.extension("test.absent").await["state"], "discovered");
    assert_eq!(host.shutdown().await, 0);
}

fn exthost_e2e_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

#[tokio::test]
async fn es_module_and_commonjs_entries_both_run() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "esm",
        &json!({"id": "test.esm", "name": "ESM", "version": "1.0.0", "main": "main.mjs",
                "activationEvents": ["onCommand:esm.run"]}),
        &[
            (
                "main.mjs",
                "import * as vscode from 'vscode';\nimport { twice } from './lib.mjs';\nexport function activate(context) {\n  context.subscriptions.push(vscode.commands.registerCommand('esm.run', (n) => twice(n)));\n}\n",
            ),
            ("lib.mjs", "export const twice = (n) => n * 2;\n"),
        ],
    );
    write_extension(
        dir.path(),
        "cjs",
        &json!({"id": "test.cjs", "name": "CJS", "version": "1.0.0", "main": "out/main",
                "activationEvents": ["onCommand:cjs.run"]}),
        &[
            (
                "out/main.js",
                "const vscode = require('vscode');\nconst helper = require('./helper');\nconst data = require('../data.json');\nmodule.exports.activate = (context) => {\n  context.subscriptions.push(vscode.commands.registerCommand('cjs.run', () => helper.describe(data, __dirname.endsWith('out'))));\n};\n",
            ),
            (
                "out/helper.js",
                "exports.describe = (data, inOut) => `${data.name}:${inOut}:${require('./helper') === exports}`;\n",
            ),
            ("data.json", "{\"name\": \"from-json\"}"),
        ],
    );
    let mut host = Host::start(&[dir.path()]).await;
    let esm = host
        .call(
            "workspace/executeCommand",
            json!({"command": "esm.run", "arguments": [21]}),
        )
        .await;
    assert_eq!(esm, json!(42));
    let cjs = host
        .call("workspace/executeCommand", json!({"command": "cjs.run"}))
        .await;
    assert_eq!(cjs, json!("from-json:true:true"));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn promises_and_timers_work_in_commands() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "timers",
        &manifest(
            "test.timers",
            json!({"activationEvents": ["onCommand:timers.order", "onCommand:timers.interval"]}),
        ),
        &[(
            "extension.js",
            r#"
            const vscode = require('vscode');
            exports.activate = (context) => {
              context.subscriptions.push(vscode.commands.registerCommand('timers.order', async () => {
                const order = [];
                await new Promise((resolve) => {
                  setTimeout(() => { order.push('30ms'); resolve(); }, 30);
                  setTimeout(() => order.push('10ms'), 10);
                  const cancelled = setTimeout(() => order.push('cancelled'), 5);
                  clearTimeout(cancelled);
                  queueMicrotask(() => order.push('microtask'));
                  Promise.resolve().then(() => order.push('promise'));
                  order.push('sync');
                });
                return order;
              }));
              context.subscriptions.push(vscode.commands.registerCommand('timers.interval', () => new Promise((resolve) => {
                let ticks = 0;
                const handle = setInterval(() => { ticks += 1; if (ticks === 3) { clearInterval(handle); setTimeout(() => resolve(ticks), 30); } }, 5);
              })));
            };
            "#,
        )],
    );
    let mut host = Host::start(&[dir.path()]).await;
    let order = host
        .call(
            "workspace/executeCommand",
            json!({"command": "timers.order"}),
        )
        .await;
    assert_eq!(
        order,
        json!(["sync", "microtask", "promise", "10ms", "30ms"])
    );
    let ticks = host
        .call(
            "workspace/executeCommand",
            json!({"command": "timers.interval"}),
        )
        .await;
    assert_eq!(ticks, json!(3));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn exports_cross_a_dependency_as_copies_and_proxies() {
    let examples = exthost_e2e::repository_root().join("extensions/examples");
    let mut host = Host::spawn(HostOptions {
        builtin: Some(examples),
        ..HostOptions::default()
    });
    host.initialize(json!({})).await;
    let greeting = host
        .call(
            "workspace/executeCommand",
            json!({"command": "hello.say", "arguments": ["Ada", "fr"]}),
        )
        .await;
    assert_eq!(greeting, json!("Bonjour, Ada!"));
    // The dependency activated first.
    assert_eq!(
        host.extension("com.exthost.greetings").await["state"],
        "enabled"
    );
    assert_eq!(
        host.extension("com.exthost.hello").await["state"],
        "enabled"
    );
    assert_eq!(
        host.extension("com.exthost.hello").await["source"],
        "builtin"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn console_output_reaches_the_editor_as_log_messages_never_stdout() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "chatty",
        &manifest("test.chatty", json!({"activationEvents": ["*"]})),
        &[(
            "extension.js",
            "exports.activate = () => { console.log('plain', 42, {a: 1}); console.warn('careful'); console.error('bad'); };",
        )],
    );
    let mut host = Host::start(&[dir.path()]).await;
    let plain = host
        .notification("window/logMessage", |p| {
            p["message"].as_str().unwrap().contains("plain")
        })
        .await;
    // Formatted as Node's console does.
    assert_eq!(plain["message"], "[test.chatty] plain 42 { a: 1 }");
    assert_eq!(plain["type"], 3);
    let warn = host
        .notification("window/logMessage", |p| {
            p["message"] == "[test.chatty] careful"
        })
        .await;
    assert_eq!(warn["type"], 2);
    let error = host
        .notification("window/logMessage", |p| p["message"] == "[test.chatty] bad")
        .await;
    assert_eq!(error["type"], 1);
    assert_eq!(host.shutdown().await, 0);
}

/// The TODO Lens example scans a document when it opens and again once typing pauses: a burst of changes
/// gives one new set of diagnostics, with the notes as the last change left them.
#[tokio::test]
async fn the_todo_lens_example_scans_again_once_typing_pauses() {
    let examples = exthost_e2e::repository_root().join("extensions/examples");
    let mut host = Host::spawn(HostOptions {
        builtin: Some(examples),
        ..HostOptions::default()
    });
    host.initialize(json!({})).await;
    let uri = "file:///tmp/notes.txt";
    host.open_document(uri, "plaintext", "TODO: one\n").await;
    let opened = host
        .notification("textDocument/publishDiagnostics", |p| p["uri"] == uri)
        .await;
    assert_eq!(opened["diagnostics"].as_array().map(Vec::len), Some(1));
    // Twenty keystrokes: "FIXME: x" typed on the second line, one character at a time.
    let typed = "FIXME: two and more";
    for (index, character) in typed.chars().enumerate() {
        host.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": index + 2},
                   "contentChanges": [{"range": {"start": {"line": 1, "character": index},
                                                 "end": {"line": 1, "character": index}},
                                       "text": character.to_string()}]}),
        )
        .await;
    }
    let rescanned = host
        .notification("textDocument/publishDiagnostics", |p| p["uri"] == uri)
        .await;
    let messages: Vec<&str> = rescanned["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|diagnostic| diagnostic["message"].as_str())
        .collect();
    assert_eq!(messages, ["TODO: one", "FIXME: two and more"]);
    // One scan for the whole burst: no other set of diagnostics came meanwhile.
    let later = host
        .backlog()
        .filter(|message| {
            matches!(message, exthost_protocol::Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics")
        })
        .count();
    assert_eq!(later, 0);
    assert_eq!(host.shutdown().await, 0);
}
