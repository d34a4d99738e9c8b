//! What extension code cannot change in the host: the workspace read boundary comes from the host's
//! session (Rust), and the bootstrap and shim use builtins captured before any extension code ran
//! (primordials), so overwriting `Array.prototype.*`, `JSON.*`, `Math.max`, `Promise.prototype.then` or
//! `Object.keys` changes nothing the host does.

use super::vscode_api::{api_harness, package};
use super::*;

/// Overwrites of builtins an extension may make at load time, before its session starts. Each is aimed
/// at the folder list that once bounded `workspace.fs` (built in the extension's own realm).
const OVERWRITES: &[(&str, &str)] = &[
    (
        "Array.prototype.map",
        "const map = Array.prototype.map;
         Array.prototype.map = function (...args) {
             const mapped = map.apply(this, args);
             return mapped.length && mapped.every((item) => typeof item === 'string' && item.startsWith('/')) ? ['/'] : mapped;
         };",
    ),
    (
        "Array.prototype.filter",
        "const filter = Array.prototype.filter;
         Array.prototype.filter = function (...args) {
             const kept = filter.apply(this, args);
             const folders = this.length && this[0] && typeof this[0].uri === 'object';
             return folders ? [{ uri: { scheme: 'file', fsPath: '/' }, name: 'root', index: 0 }] : kept;
         };",
    ),
    (
        "JSON.stringify",
        "const stringify = JSON.stringify;
         JSON.stringify = function (value, ...rest) {
             const paths = Array.isArray(value) && value.length && value.every((item) => typeof item === 'string' && item.startsWith('/'));
             return paths ? '[\"/\"]' : stringify.call(JSON, value, ...rest);
         };",
    ),
];

/// A workspace folder with `inside.txt`, and `beside.txt` next to it (outside every allowed folder).
fn workspace_and_neighbour() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let base = tempfile::tempdir().expect("tempdir");
    let root = base.path().canonicalize().expect("canonical").join("ws");
    write(&root, "inside.txt", "inside");
    write(base.path(), "beside.txt", "beside");
    let beside = root.parent().expect("a parent").join("beside.txt");
    (base, root, beside)
}

#[tokio::test]
async fn overwritten_builtins_do_not_widen_the_workspace_read_boundary() {
    let mut widened = Vec::new();
    for (name, overwrite) in OVERWRITES {
        let (_base, root, beside) = workspace_and_neighbour();
        let script = format!(
            r#"{overwrite}
            const vscode = require('vscode');
            const read = (path) => vscode.workspace.fs.readFile(vscode.Uri.file(path))
                .then((bytes) => 'read ' + bytes.length + ' bytes', (error) => error.code || error.message);
            exports.activate = async () => ({{
                folders: (vscode.workspace.workspaceFolders || []).length,
                inside: await read({inside:?}),
                beside: await read({beside:?}),
                system: await read('/etc/hostname'),
                root: await read('/'),
            }});"#,
            inside = root.join("inside.txt").display().to_string(),
            beside = beside.display().to_string(),
        );
        let snapshot = json!({ "workspaceFolders": [{ "uri": format!("file://{}", root.display()), "name": "ws", "index": 0 }] });
        let harness = api_harness(&script, snapshot, package(json!({})));
        let answers = harness.activate().await.expect("activate");
        let expected = json!({
            "folders": 1,
            "inside": "read 6 bytes",
            "beside": "NoPermissions",
            "system": "NoPermissions",
            "root": "NoPermissions",
        });
        if answers != expected {
            widened.push(format!("after overwriting {name}: {answers}"));
        }
    }
    assert!(widened.is_empty(), "{widened:#?}");
}

/// The folders come from the host's answers only: a folder the editor removes is no longer readable,
/// one it adds becomes readable, and another extension's folder only once the host described it.
#[tokio::test]
async fn the_read_boundary_follows_the_host_s_folder_events_and_extension_descriptions() {
    let (_base, root, _beside) = workspace_and_neighbour();
    let added = tempfile::tempdir().expect("tempdir");
    let added_root = added.path().canonicalize().expect("canonical");
    write(&added_root, "new.txt", "new");
    let other = tempfile::tempdir().expect("tempdir");
    let other_root = other.path().canonicalize().expect("canonical");
    write(&other_root, "package.json", "{}");
    let script = format!(
        r#"
        const vscode = require('vscode');
        const read = (path) => vscode.workspace.fs.readFile(vscode.Uri.file(path))
            .then((bytes) => 'read ' + bytes.length + ' bytes', (error) => error.code || error.message);
        exports.activate = () => {{
            vscode.commands.registerCommand('t.read', async () => ({{
                inside: await read({inside:?}),
                added: await read({added:?}),
            }}));
            vscode.commands.registerCommand('t.other', async () => {{
                const before = await read({other:?});
                vscode.extensions.getExtension('other.ext');
                return [before, await read({other:?})];
            }});
            return vscode.workspace.workspaceFolders.length;
        }};"#,
        inside = root.join("inside.txt").display().to_string(),
        added = added_root.join("new.txt").display().to_string(),
        other = other_root.join("package.json").display().to_string(),
    );
    let root_uri = format!("file://{}", root.display());
    let snapshot = json!({ "workspaceFolders": [{ "uri": root_uri, "name": "ws", "index": 0 }] });
    let other_path = other_root.display().to_string();
    let harness = Harness::with_host(
        &[("main.js", &script)],
        "main.js",
        Limits::default(),
        package(json!({})),
        Arc::new(move |request| match request {
            HostRequest::Snapshot => Ok(snapshot.clone()),
            HostRequest::GetExtension { id } if id == "other.ext" => Ok(json!({
                "id": "other.ext", "extensionPath": other_path, "isActive": false,
                "packageJSON": {}, "exports": null,
            })),
            _ => Ok(Value::Null),
        }),
    );
    assert_eq!(harness.activate().await.expect("activate"), json!(1));
    assert_eq!(
        harness.command("t.read", vec![]).await.expect("read"),
        json!({ "inside": "read 6 bytes", "added": "NoPermissions" })
    );
    harness
        .event(
            "workspaceFoldersChanged",
            json!({
                "added": [{ "uri": format!("file://{}", added_root.display()), "name": "added" }],
                "removed": [{ "uri": root_uri, "name": "ws" }],
            }),
        )
        .await;
    assert_eq!(
        harness.command("t.read", vec![]).await.expect("read"),
        json!({ "inside": "NoPermissions", "added": "read 3 bytes" })
    );
    assert_eq!(
        harness.command("t.other", vec![]).await.expect("other"),
        json!(["NoPermissions", "read 2 bytes"])
    );
}

/// An overwritten `Math.max` once made the bootstrap hand Rust a timer delay of `Infinity` or 1e300,
/// and the runtime's thread panicked converting it to a `Duration`.
#[tokio::test]
async fn an_overwritten_math_max_neither_stops_the_runtime_nor_its_timers() {
    for value in ["Infinity", "1e300", "NaN", "-1"] {
        let script = format!(
            "const vscode = require('vscode');
             exports.activate = () => {{
                 Math.max = () => {value};
                 vscode.commands.registerCommand('t.timers', () => new Promise((resolve) => {{
                     let ticks = 0;
                     const interval = setInterval(() => {{
                         if (++ticks === 2) {{ clearInterval(interval); resolve(ticks); }}
                     }}, 5);
                 }}));
                 return new Promise((resolve) => setTimeout(() => resolve('timer ran'), 5));
             }};"
        );
        let harness = Harness::new(&[("main.js", &script)], "main.js");
        assert_eq!(
            harness.activate().await.expect("activate"),
            json!("timer ran"),
            "Math.max returning {value}"
        );
        assert_eq!(
            harness.command("t.timers", vec![]).await.expect("timers"),
            json!(2),
            "Math.max returning {value}"
        );
        assert!(harness.handle.is_running(), "Math.max returning {value}");
    }
}

/// Whatever delay JS reports, Rust turns it into a wait that exists (or none), never a panic.
#[test]
fn any_reported_timer_delay_becomes_a_bounded_wait_or_none() {
    use crate::runtime::quickjs::{MAX_TIMER_WAIT, timer_wait};
    for (delay, expected) in [
        (0.0, Some(Duration::ZERO)),
        (1500.0, Some(Duration::from_millis(1500))),
        (f64::INFINITY, Some(MAX_TIMER_WAIT)),
        (1e300, Some(MAX_TIMER_WAIT)),
        (1e12, Some(MAX_TIMER_WAIT)),
        (f64::MAX, Some(MAX_TIMER_WAIT)),
        (-1.0, None),
        (f64::NEG_INFINITY, None),
        (f64::NAN, None),
    ] {
        assert_eq!(timer_wait(delay), expected, "{delay}");
    }
}

/// Builtins an extension overwrites once it runs: what the host receives (exports, a command's answer,
/// another extension's exports through the host, logs) stays what the extension's values are.
const DISPATCH_OVERWRITES: &str = "
    Promise.prototype.then = function () { return this; };
    Object.keys = () => [];
    JSON.stringify = () => '\"forged\"';
    JSON.parse = () => 'forged';
    Array.prototype.map = () => ['forged'];
    Array.prototype.push = () => 0;
    Array.isArray = () => false;
    Math.max = () => Infinity;
    Function.prototype.call = function () { return 'forged'; };
    Function.prototype.apply = function () { return 'forged'; };
    Reflect.apply = () => 'forged';
    Map.prototype.get = () => undefined;
";

#[tokio::test]
async fn overwritten_builtins_do_not_change_what_the_host_receives() {
    let script = format!(
        "const vscode = require('vscode');
         exports.activate = () => {{
             vscode.commands.registerCommand('t.answer', (first, second) => ({{ first, second, list: [1, [2, 'three']] }}));
             vscode.languages.registerHoverProvider('plaintext', {{
                 provideHover: () => new vscode.Hover('hovered'),
             }});
             vscode.commands.registerCommand('t.other', async () => {{
                 const other = vscode.extensions.getExtension('other.ext');
                 return await other.activate();
             }});
             {DISPATCH_OVERWRITES}
             console.log('logged', {{ a: 1 }});
             return {{ answer: 42, nested: {{ list: [1, 'two', null] }}, run() {{}} }};
         }};"
    );
    let mut harness = Harness::new(&[("main.js", &script)], "main.js");
    harness
        .event(
            "documentOpened",
            json!({ "uri": "file:///w/a.txt", "languageId": "plaintext", "version": 1, "text": "text" }),
        )
        .await;
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({ "answer": 42, "nested": { "list": [1, "two", null] }, "run": { "$exthostFunction": ["run"] } })
    );
    harness.expect_log("logged { a: 1 }").await;
    assert_eq!(
        harness
            .command("t.answer", vec![json!("a"), json!({ "b": [2] })])
            .await
            .expect("answer"),
        json!({ "first": "a", "second": { "b": [2] }, "list": [1, [2, "three"]] })
    );
    assert_eq!(
        harness.command("t.other", vec![]).await.expect("other"),
        json!({ "version": 2 })
    );
    let hover = harness
        .invoke(
            1,
            "textDocument/hover",
            json!({ "textDocument": { "uri": "file:///w/a.txt" }, "position": { "line": 0, "character": 0 } }),
        )
        .await
        .expect("hover");
    // The dispatch reaches the provider (its table, the document model); the conversion of its answer
    // to LSP runs on the realm's builtins, which the extension may bend only for its own answers.
    assert_eq!(hover["contents"]["kind"], "markdown", "{hover}");
    assert!(harness.handle.is_running());
}
