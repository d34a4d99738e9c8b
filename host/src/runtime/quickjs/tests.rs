//! Tests of the QuickJS engine: real JS files in a temporary folder, a launched runtime, and a small host
//! loop answering the extension's host operations.

mod documents;
mod fixtures;
mod lazy_shim;
mod primordials;
mod realm;
mod vscode_api;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::QuickJsEngine;
use crate::runtime::{
    Engine, HostCall, HostCallError, HostRequest, LaunchSpec, Limits, LogLevel, RuntimeError,
    RuntimeHandle, RuntimeRequest,
};

const WAIT: Duration = Duration::from_secs(10);

fn small_limits() -> Limits {
    Limits {
        memory_bytes: 16 * 1024 * 1024,
        activate_timeout: Duration::from_millis(200),
        call_timeout: Duration::from_millis(200),
        deactivate_timeout: Duration::from_millis(200),
        permission_question_timeout: Duration::from_millis(500),
    }
}

/// How the test host answers an extension's requests.
type Answer = Arc<dyn Fn(&HostRequest) -> Result<Value, HostCallError> + Send + Sync>;

/// One launched extension plus what it asked of the host.
struct Harness {
    handle: RuntimeHandle,
    seen: mpsc::UnboundedReceiver<HostRequest>,
    folder: tempfile::TempDir,
}

impl Harness {
    fn new(files: &[(&str, &str)], entry: &str) -> Self {
        Self::with_limits(files, entry, Limits::default())
    }

    fn with_limits(files: &[(&str, &str)], entry: &str, limits: Limits) -> Self {
        let package_json = json!({ "name": "ext", "publisher": "test", "version": "1.0.0" });
        Self::with_host(files, entry, limits, package_json, Arc::new(answer))
    }

    /// An extension written to a temporary folder, answered by `answer`.
    fn with_host(
        files: &[(&str, &str)],
        entry: &str,
        limits: Limits,
        package_json: Value,
        answer: Answer,
    ) -> Self {
        let folder = tempfile::tempdir().expect("tempdir");
        for (relative, text) in files {
            write(folder.path(), relative, text);
        }
        let path = folder.path().to_path_buf();
        Self::launch(
            folder,
            "test.ext",
            path,
            entry,
            limits,
            package_json,
            answer,
        )
    }

    /// An extension in `extension_path`; `folder` is a scratch folder the test may use.
    fn launch(
        folder: tempfile::TempDir,
        extension_id: &str,
        extension_path: PathBuf,
        entry: &str,
        limits: Limits,
        package_json: Value,
        answer: Answer,
    ) -> Self {
        let spec = LaunchSpec {
            extension_id: extension_id.to_owned(),
            entry: extension_path.join(entry),
            extension_path,
            package_json,
            limits,
            development: false,
        };
        let (host, mut calls) = mpsc::unbounded_channel::<HostCall>();
        let (seen_sender, seen) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(call) = calls.recv().await {
                let answered = answer(&call.request);
                let _ = seen_sender.send(call.request);
                if let Some(reply) = call.reply {
                    let _ = reply.send(answered);
                }
            }
        });
        let handle = QuickJsEngine::new().launch(spec, host).expect("launch");
        // These tests drive the engine without a lifecycle, which would note the shim's listener reports:
        // every event goes straight through, as to an extension that listens.
        handle.listen_to_document_changes(true);
        Self {
            handle,
            seen,
            folder,
        }
    }

    async fn call(&self, request: RuntimeRequest) -> Result<Value, RuntimeError> {
        tokio::time::timeout(WAIT, self.handle.call(request))
            .await
            .expect("the runtime answers in time")
    }

    async fn activate(&self) -> Result<Value, RuntimeError> {
        self.call(RuntimeRequest::Activate).await
    }

    async fn command(&self, command: &str, arguments: Vec<Value>) -> Result<Value, RuntimeError> {
        self.call(RuntimeRequest::ExecuteCommand {
            command: command.to_owned(),
            arguments,
        })
        .await
    }

    /// The next host request matching `predicate` (earlier ones are skipped).
    async fn expect(&mut self, predicate: impl Fn(&HostRequest) -> bool) -> HostRequest {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.seen.recv()).await {
                Ok(Some(request)) if predicate(&request) => return request,
                Ok(Some(_)) => {}
                Ok(None) => panic!("the host channel closed before the expected request"),
                Err(_) => panic!("timed out waiting for a host request"),
            }
        }
    }

    async fn expect_log(&mut self, text: &str) -> (LogLevel, String) {
        match self
            .expect(|request| matches!(request, HostRequest::Log { message, .. } if message.contains(text)))
            .await
        {
            HostRequest::Log { level, message } => (level, message),
            other => unreachable!("{other:?}"),
        }
    }

    /// Every log line until the runtime's thread has gone (the host channel closes).
    async fn logs_until_closed(mut self) -> Vec<String> {
        drop(self.handle);
        let mut logs = Vec::new();
        loop {
            match tokio::time::timeout(WAIT, self.seen.recv()).await {
                Ok(Some(HostRequest::Log { message, .. })) => logs.push(message),
                Ok(Some(_)) => {}
                Ok(None) => return logs,
                Err(_) => panic!("the runtime's thread did not exit"),
            }
        }
    }
}

/// The test host: another extension `other.ext` with exports `{version: 2, greet: <function>}`.
fn answer(request: &HostRequest) -> Result<Value, HostCallError> {
    let other_exports = json!({ "version": 2, "greet": { "$exthostFunction": ["greet"] } });
    match request {
        HostRequest::GetExtension { id } if id == "other.ext" => Ok(json!({
            "id": "other.ext",
            "extensionPath": "/extensions/other",
            "isActive": false,
            "packageJSON": { "name": "other" },
            "exports": null,
        })),
        HostRequest::GetExtension { id } if id == "guarded.ext" => Err(
            HostCallError::no_permissions("extension guarded.ext may not be described"),
        ),
        HostRequest::GetExtension { id } if id == "cancelled.ext" => {
            Err(HostCallError::cancelled("the question was withdrawn"))
        }
        HostRequest::GetExtension { .. } => Ok(Value::Null),
        HostRequest::ActivateExtension { .. } => Ok(other_exports),
        HostRequest::CallExport {
            id,
            path,
            arguments,
        } => Ok(json!({ "id": id, "path": path, "arguments": arguments })),
        HostRequest::ExecuteCommand { command, .. } if command == "remote.fail" => {
            Err("remote failure".into())
        }
        HostRequest::ExecuteCommand { command, .. } if command == "remote.missing" => Err(
            HostCallError::not_found("command not found: remote.missing"),
        ),

        HostRequest::ExecuteCommand { command, arguments } => {
            Ok(json!({ "remote": command, "arguments": arguments }))
        }
        HostRequest::GetCommands => Ok(json!(["remote.one", "_internal"])),
        _ => Ok(Value::Null),
    }
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[tokio::test]
async fn activates_commonjs_and_returns_exports() {
    let harness = Harness::new(
        &[(
            "main.js",
            "exports.activate = function (context) {
                return { answer: 42, nested: { list: [1, 'two', null] }, id: context.extension.id };
            };",
        )],
        "main.js",
    );
    let exports = harness.activate().await.expect("activate");
    assert_eq!(
        exports,
        json!({ "answer": 42, "nested": { "list": [1, "two", null] }, "id": "test.ext" })
    );
    assert!(harness.handle.is_running());
}

/// The shim runs from bytecode compiled once per process: its frames still name its files and lines,
/// and its functions keep their source.
#[tokio::test]
async fn the_shim_from_bytecode_keeps_its_file_names_and_lines_but_not_its_source() {
    let harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             exports.activate = function activate() {
                 try { new vscode.Position(-1, 0); } catch (error) {
                     return { stack: error.stack, source: vscode.Position.toString(), mine: activate.toString().slice(0, 19) };
                 }
             };",
        )],
        "main.js",
    );
    let exports = harness.activate().await.expect("activate");
    let stack = exports["stack"].as_str().expect("a stack");
    assert!(
        stack.contains("exthost:vscode-shim/src/05_types_position_range.js:26"),
        "{stack}"
    );
    // The shim's source is stripped from its bytecode; the extension's own code keeps its source.
    assert!(
        !exports["source"].as_str().unwrap().contains("constructor"),
        "{}",
        exports["source"]
    );
    assert_eq!(exports["mine"], "function activate()");
}

#[tokio::test]
async fn require_resolves_relative_json_index_and_node_modules_with_a_cache() {
    let harness = Harness::new(
        &[
            (
                "main.js",
                "const util = require('./lib/util');
                 const again = require('./lib/util.js');
                 const data = require('./data.json');
                 const lib = require('./lib');
                 const left = require('left-pad');
                 const path = require('path');
                 exports.activate = () => ({
                     same: util === again,
                     loads: util.loads(),
                     data,
                     lib: lib.name,
                     left: left('x', 3),
                     dirname: path.basename(__dirname),
                     filename: path.relative(__dirname, __filename),
                     utilDir: util.dir === path.join(__dirname, 'lib'),
                     joined: path.join('/a/b', '../c', './d.js'),
                     ext: path.extname('x/y.test.js'),
                     resolved: require.resolve('./data.json') === path.join(__dirname, 'data.json'),
                 });",
            ),
            (
                "lib/util.js",
                "let loads = (globalThis.__utilLoads || 0) + 1; globalThis.__utilLoads = loads;
                 module.exports = { loads: () => loads, dir: __dirname };",
            ),
            ("lib/index.js", "exports.name = 'lib-index';"),
            ("data.json", r#"{"key": [1, 2]}"#),
            (
                "node_modules/left-pad/package.json",
                r#"{"main": "./pad.js"}"#,
            ),
            (
                "node_modules/left-pad/pad.js",
                "module.exports = (text, width) => ' '.repeat(Math.max(0, width - text.length)) + text;",
            ),
        ],
        "main.js",
    );
    let exports = harness.activate().await.expect("activate");
    let folder_name = harness
        .folder
        .path()
        .canonicalize()
        .expect("canonical")
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        exports,
        json!({
            "same": true,
            "loads": 1,
            "data": { "key": [1, 2] },
            "lib": "lib-index",
            "left": "  x",
            "dirname": folder_name,
            "filename": "main.js",
            "utilDir": true,
            "joined": "/a/c/d.js",
            "ext": ".js",
            "resolved": true,
        })
    );
}

#[tokio::test]
async fn es_module_entries_import_vscode_and_relative_modules() {
    let module = "import * as vscode from 'vscode';
        import vscodeDefault from 'vscode';
        import { commands } from 'vscode';
        import { helper } from './helper.js';
        import data from './data.json';
        import cjs, { named } from './legacy.cjs';
        export async function activate(context) {
            await null;
            return {
                version: vscode.version,
                sameDefault: vscodeDefault.commands === vscode.commands,
                named: typeof commands.registerCommand,
                helper: helper(),
                data,
                cjs: cjs.named,
                named,
                path: context.extensionPath.length > 0,
            };
        }";
    let expected = json!({
        "version": crate::config::VSCODE_API_VERSION,
        "sameDefault": true,
        "named": "function",
        "helper": "helped",
        "data": { "a": 1 },
        "cjs": "from cjs",
        "named": "from cjs",
        "path": true,
    });
    let shared_files = [
        ("data.json", r#"{"a": 1}"#),
        ("legacy.cjs", "exports.named = 'from cjs';"),
    ];

    let mut files = vec![
        ("main.mjs", module),
        ("helper.js", "export const helper = () => 'helped';"),
    ];
    files.extend(shared_files);
    files.push(("package.json", r#"{"type": "module"}"#));
    let harness = Harness::new(&files, "main.mjs");
    assert_eq!(harness.activate().await.expect("activate .mjs"), expected);

    let mut files = vec![
        ("package.json", r#"{"type": "module"}"#),
        ("out/main.js", ""),
        ("helper.js", "export const helper = () => 'helped';"),
    ];
    let relocated = module.replace("'./", "'../");
    files[1].1 = &relocated;
    files.extend(shared_files);
    let harness = Harness::new(&files, "out/main.js");
    assert_eq!(
        harness.activate().await.expect("activate type:module"),
        expected
    );
}

/// What a handler gives is answered the same whether it settles within the request (a synchronous result
/// or throw: no promise is made) or through a promise: a thenable is adopted, promise jobs the handler
/// queued run before its result is read, a `then` getter that throws rejects, timers it sets still fire.
#[tokio::test]
async fn synchronous_and_asynchronous_command_answers() {
    let harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             let fired = [];
             exports.activate = (context) => {
                 const register = (name, handler) =>
                     context.subscriptions.push(vscode.commands.registerCommand(name, handler));
                 register('test.undefined', () => undefined);
                 register('test.null', () => null);
                 register('test.object', (uri) => ({ nested: [1, 'two', { three: true }], skipped: () => 1, uri: String(uri) }));
                 register('test.thenable', () => ({ then(resolve) { resolve('from a thenable'); } }));
                 register('test.thenableRejects', () => ({ then(_, reject) { reject(new Error('thenable refused')); } }));
                 register('test.thenGetterThrows', () => ({ get then() { throw new Error('no then for you'); } }));
                 register('test.microtask', () => {
                     const answer = { done: false };
                     Promise.resolve().then(() => { answer.done = true; });
                     return answer;
                 });
                 register('test.throwsString', () => { throw 'just a string'; });
                 register('test.toJSON', () => ({ toJSON() { return { replaced: 1 }; } }));
                 register('test.arm', (delay) => { setTimeout(() => fired.push(delay), delay); return fired.length; });
                 register('test.armAndClear', () => { clearTimeout(setTimeout(() => fired.push('cleared'), 1)); return 'armed'; });
                 register('test.fired', () => fired);
             };",
        )],
        "main.js",
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.command("test.undefined", vec![]).await,
        Ok(json!(null))
    );
    assert_eq!(harness.command("test.null", vec![]).await, Ok(json!(null)));
    let uri = json!({ "$mid": 1, "scheme": "file", "path": "/a/b.txt" });
    assert_eq!(
        harness.command("test.object", vec![uri]).await,
        Ok(json!({ "nested": [1, "two", { "three": true }], "uri": "file:///a/b.txt" }))
    );
    assert_eq!(
        harness.command("test.thenable", vec![]).await,
        Ok(json!("from a thenable"))
    );
    match harness.command("test.thenableRejects", vec![]).await {
        Err(RuntimeError::Threw { message, .. }) => assert_eq!(message, "thenable refused"),
        other => panic!("expected Threw, got {other:?}"),
    }
    match harness.command("test.thenGetterThrows", vec![]).await {
        Err(RuntimeError::Threw { message, .. }) => assert_eq!(message, "no then for you"),
        other => panic!("expected Threw, got {other:?}"),
    }
    assert_eq!(
        harness.command("test.microtask", vec![]).await,
        Ok(json!({ "done": true }))
    );
    assert_eq!(
        harness.command("test.throwsString", vec![]).await,
        Err(RuntimeError::Threw {
            message: "just a string".to_owned(),
            stack: None
        })
    );
    assert_eq!(
        harness.command("test.toJSON", vec![]).await,
        Ok(json!({ "replaced": 1 }))
    );
    assert_eq!(
        harness.command("test.arm", vec![json!(20)]).await,
        Ok(json!(0))
    );
    assert_eq!(
        harness.command("test.armAndClear", vec![]).await,
        Ok(json!("armed"))
    );
    assert_eq!(
        harness.command("test.arm", vec![json!(1)]).await,
        Ok(json!(0))
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let fired = harness.command("test.fired", vec![]).await;
        if fired == Ok(json!([1, 20])) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "both timers fire, in order, the cleared one never: {fired:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        harness.command("nope", vec![]).await,
        Err(RuntimeError::UnknownCommand {
            command: "nope".to_owned()
        })
    );
}

#[tokio::test]
async fn registers_and_executes_commands() {
    let mut harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             exports.activate = (context) => {
                 context.subscriptions.push(
                     vscode.commands.registerCommand('test.add', (a, b) => a + b),
                     vscode.commands.registerCommand('test.later', (value) =>
                         new Promise((resolve) => setTimeout(() => resolve({ later: value }), 5))),
                     vscode.commands.registerCommand('test.this', function () { return this.name; }, { name: 'bound' }),
                     vscode.commands.registerCommand('test.throws', () => { throw new TypeError('bad input'); }),
                     vscode.commands.registerCommand('test.rejects', async () => { throw 'plain string'; }),
                     vscode.commands.registerCommand('test.local', () => vscode.commands.executeCommand('test.add', 2, 3)),
                     vscode.commands.registerCommand('test.remote', () => vscode.commands.executeCommand('remote.one', 7)),
                     vscode.commands.registerCommand('test.remoteFail', () =>
                         vscode.commands.executeCommand('remote.fail').catch((error) => 'caught: ' + error.message)),
                     vscode.commands.registerCommand('test.list', () => vscode.commands.getCommands(true)),
                 );
                 const temporary = vscode.commands.registerCommand('test.temporary', () => 1);
                 temporary.dispose();
             };",
        )],
        "main.js",
    );
    harness.activate().await.expect("activate");
    let registered = harness
        .expect(|request| matches!(request, HostRequest::RegisterCommand { command } if command == "test.add"))
        .await;
    assert_eq!(
        registered,
        HostRequest::RegisterCommand {
            command: "test.add".to_owned()
        }
    );
    harness
        .expect(|request| matches!(request, HostRequest::UnregisterCommand { command } if command == "test.temporary"))
        .await;

    assert_eq!(
        harness.command("test.add", vec![json!(2), json!(40)]).await,
        Ok(json!(42))
    );
    assert_eq!(
        harness.command("test.later", vec![json!("v")]).await,
        Ok(json!({ "later": "v" }))
    );
    assert_eq!(
        harness.command("test.this", vec![]).await,
        Ok(json!("bound"))
    );
    match harness.command("test.throws", vec![]).await {
        Err(RuntimeError::Threw { message, stack }) => {
            assert_eq!(message, "bad input");
            assert!(stack.expect("a stack").contains("main.js"));
        }
        other => panic!("expected Threw, got {other:?}"),
    }
    assert_eq!(
        harness.command("test.rejects", vec![]).await,
        Err(RuntimeError::Threw {
            message: "plain string".to_owned(),
            stack: None
        })
    );
    assert_eq!(harness.command("test.local", vec![]).await, Ok(json!(5)));
    assert_eq!(
        harness.command("test.remote", vec![]).await,
        Ok(json!({ "remote": "remote.one", "arguments": [7] }))
    );
    assert_eq!(
        harness.command("test.remoteFail", vec![]).await,
        Ok(json!("caught: remote failure"))
    );
    assert_eq!(
        harness.command("test.list", vec![]).await,
        Ok(json!(["remote.one"]))
    );
    assert_eq!(
        harness.command("test.temporary", vec![]).await,
        Err(RuntimeError::UnknownCommand {
            command: "test.temporary".to_owned()
        })
    );
    assert_eq!(
        harness.command("nope", vec![]).await,
        Err(RuntimeError::UnknownCommand {
            command: "nope".to_owned()
        })
    );
}

#[tokio::test]
async fn timers_and_microtasks_run_in_order_and_while_idle() {
    let mut harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             exports.activate = () => new Promise((resolve) => {
                 const order = [];
                 setTimeout(() => order.push('late'), 40);
                 setTimeout(() => order.push('first-10'), 10);
                 setTimeout(() => order.push('second-10'), 10);
                 const cancelled = setTimeout(() => order.push('cancelled'), 5);
                 clearTimeout(cancelled);
                 let ticks = 0;
                 const interval = setInterval((tag) => {
                     order.push(tag + ticks);
                     if (++ticks === 3) clearInterval(interval);
                 }, 3, 'tick');
                 setImmediate(() => order.push('immediate'));
                 queueMicrotask(() => order.push('microtask'));
                 Promise.resolve().then(() => order.push('promise'));
                 setTimeout(() => resolve(order), 80);
             });
             vscode.commands.registerCommand('test.soon', () => {
                 setTimeout(() => console.log('fired while idle'), 20);
                 return 'scheduled';
             });",
        )],
        "main.js",
    );
    let order: Vec<String> =
        serde_json::from_value(harness.activate().await.expect("activate")).expect("strings");
    let position = |tag: &str| {
        order
            .iter()
            .position(|entry| entry == tag)
            .unwrap_or_else(|| panic!("{tag} in {order:?}"))
    };
    assert_eq!(&order[..2], ["microtask", "promise"], "{order:?}");
    assert_eq!(order[2], "immediate", "{order:?}");
    assert!(
        position("first-10") + 1 == position("second-10"),
        "{order:?}"
    );
    assert_eq!(order.last().map(String::as_str), Some("late"), "{order:?}");
    assert!(
        position("tick0") < position("tick1") && position("tick1") < position("tick2"),
        "{order:?}"
    );
    assert!(
        !order
            .iter()
            .any(|entry| entry == "cancelled" || entry == "tick3"),
        "{order:?}"
    );

    assert_eq!(
        harness.command("test.soon", vec![]).await,
        Ok(json!("scheduled"))
    );
    harness.expect_log("fired while idle").await;
}

#[tokio::test]
async fn endless_loop_in_activate_breaks_the_time_limit_and_stops_the_runtime() {
    let mut harness = Harness::with_limits(
        &[("main.js", "exports.activate = () => { while (true) {} };")],
        "main.js",
        small_limits(),
    );
    let started = Instant::now();
    let outcome = harness.activate().await;
    assert_eq!(
        outcome,
        Err(RuntimeError::TimeLimit {
            limit: Duration::from_millis(200),
            during: "activate".to_owned()
        })
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        harness.command("any", vec![]).await,
        Err(RuntimeError::Stopped)
    );
    assert!(!harness.handle.is_running());
    // No Crashed: the error went to the call that broke the limit.
    let logs_and_crashes: Vec<_> = std::iter::from_fn(|| harness.seen.try_recv().ok()).collect();
    assert!(
        !logs_and_crashes
            .iter()
            .any(|request| matches!(request, HostRequest::Crashed { .. }))
    );
}

#[tokio::test]
async fn endless_loop_in_a_command_and_a_promise_that_never_settles_break_the_time_limit() {
    let files = [(
        "main.js",
        "const vscode = require('vscode');
         exports.activate = (context) => {
             context.subscriptions.push(
                 vscode.commands.registerCommand('test.spin', () => { for (;;) { try { while (true) {} } catch (e) {} } }),
                 vscode.commands.registerCommand('test.spinLater', async () => { await null; while (true) {} }),
                 vscode.commands.registerCommand('test.hang', () => new Promise(() => {})),
                 vscode.commands.registerCommand('test.ok', () => 'ok'),
             );
         };",
    )];
    for command in ["test.spin", "test.spinLater", "test.hang"] {
        let harness = Harness::with_limits(&files, "main.js", small_limits());
        harness.activate().await.expect("activate");
        assert_eq!(harness.command("test.ok", vec![]).await, Ok(json!("ok")));
        let started = Instant::now();
        assert_eq!(
            harness.command(command, vec![]).await,
            Err(RuntimeError::TimeLimit {
                limit: Duration::from_millis(200),
                during: format!("command {command}"),
            })
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            harness.command("test.ok", vec![]).await,
            Err(RuntimeError::Stopped)
        );
    }
}

#[tokio::test]
async fn endless_loop_in_a_timer_crashes_the_runtime() {
    let mut harness = Harness::with_limits(
        &[(
            "main.js",
            "exports.activate = () => { setTimeout(() => { while (true) {} }, 10); return 'armed'; };",
        )],
        "main.js",
        small_limits(),
    );
    assert_eq!(harness.activate().await, Ok(json!("armed")));
    let crashed = harness
        .expect(|request| matches!(request, HostRequest::Crashed { .. }))
        .await;
    assert_eq!(
        crashed,
        HostRequest::Crashed {
            error: RuntimeError::TimeLimit {
                limit: Duration::from_millis(200),
                during: "a timer callback".to_owned(),
            }
        }
    );
    assert_eq!(
        harness.command("any", vec![]).await,
        Err(RuntimeError::Stopped)
    );
}

#[tokio::test]
async fn memory_hog_breaks_the_memory_limit() {
    // Time limits far away: filling 16 MB takes ~0.1 s in a debug build, longer on busy cores.
    let limits = Limits {
        activate_timeout: Duration::from_secs(8),
        call_timeout: Duration::from_secs(8),
        ..small_limits()
    };
    let harness = Harness::with_limits(
        &[(
            "main.js",
            "const hoard = [];
             exports.activate = () => { for (let i = 0; ; i++) hoard.push('x'.repeat(1000) + i); };",
        )],
        "main.js",
        limits,
    );
    assert_eq!(
        harness.activate().await,
        Err(RuntimeError::MemoryLimit {
            limit_bytes: 16 * 1024 * 1024
        })
    );
    assert_eq!(
        harness.command("any", vec![]).await,
        Err(RuntimeError::Stopped)
    );

    // A hog whose array dies with the call, inside a command.
    let harness = Harness::with_limits(
        &[(
            "main.js",
            "require('vscode').commands.registerCommand('test.hog', () => {
                 const local = [];
                 for (let i = 0; ; i++) local.push({ text: 'y'.repeat(500) + i });
             });
             exports.activate = () => 'ready';",
        )],
        "main.js",
        limits,
    );
    assert_eq!(harness.activate().await, Ok(json!("ready")));
    assert_eq!(
        harness.command("test.hog", vec![]).await,
        Err(RuntimeError::MemoryLimit {
            limit_bytes: 16 * 1024 * 1024
        })
    );
    assert_eq!(
        harness.command("test.hog", vec![]).await,
        Err(RuntimeError::Stopped)
    );
}

/// Commands that break the 16 MB limit in different ways, each expected to answer `MemoryLimit` and stop
/// the runtime, whatever JS does with the out-of-memory exception.
#[tokio::test]
async fn breaking_the_memory_limit_is_fatal_even_when_js_catches_it() {
    let limits = Limits {
        call_timeout: Duration::from_secs(8),
        ..small_limits()
    };
    let cases = [
        // Caught, and the command returns normally.
        (
            "caught",
            "const hoard = [];
             try { for (let i = 0; ; i++) hoard.push('x'.repeat(1000) + i); } catch (_) {}
             hoard.length = 0;
             return 'survived';",
        ),
        // Caught and retried for ever: stopped at the next interrupt check, not at the deadline.
        (
            "retried",
            "const hoard = [];
             for (;;) { try { hoard.push('x'.repeat(1000) + hoard.length); } catch (_) {} }",
        ),
        // The same with small objects, which fill the heap to the last byte.
        (
            "filled",
            "const hoard = [];
             for (;;) { try { hoard.push({ n: hoard.length }); } catch (_) {} }",
        ),
        // Caught, then the memory is freed and the command carries on.
        (
            "freed",
            "let hoard = [];
             try { for (let i = 0; ; i++) hoard.push('z'.repeat(1000) + i); } catch (_) { hoard = null; }
             let sum = 0;
             for (let i = 0; i < 100000; i++) sum += i;
             return sum;",
        ),
        // One allocation far past the limit, with the heap nearly empty.
        ("huge", "try { return 'w'.repeat(64 * 1024 * 1024).length; } catch (_) { return 'caught'; }"),
        // After an await: the rejection never reaches the caller as an ordinary exception.
        (
            "awaited",
            "await null;
             const hoard = [];
             for (let i = 0; ; i++) hoard.push({ text: 'v'.repeat(200) + i });",
        ),
        // A growing array whose backing store is reallocated.
        (
            "array",
            "const numbers = [];
             for (let i = 0; ; i++) numbers.push(i + 0.5);",
        ),
    ];
    for (name, body) in cases {
        let main = format!(
            "require('vscode').commands.registerCommand('test.{name}', async () => {{ {body} }});
             exports.activate = () => 'ready';"
        );
        let harness = Harness::with_limits(&[("main.js", &main)], "main.js", limits);
        assert_eq!(harness.activate().await, Ok(json!("ready")), "{name}");
        let started = Instant::now();
        assert_eq!(
            harness.command(&format!("test.{name}"), vec![]).await,
            Err(RuntimeError::MemoryLimit {
                limit_bytes: 16 * 1024 * 1024
            }),
            "{name}"
        );
        assert!(started.elapsed() < Duration::from_secs(6), "{name}");
        assert_eq!(
            harness.command(&format!("test.{name}"), vec![]).await,
            Err(RuntimeError::Stopped),
            "{name}"
        );
    }
}

#[tokio::test]
async fn memory_hog_in_a_timer_crashes_the_runtime() {
    let mut harness = Harness::with_limits(
        &[(
            "main.js",
            "const hoard = [];
             exports.activate = () => {
                 setTimeout(() => { try { for (;;) hoard.push('t'.repeat(1000)); } catch (_) {} }, 10);
                 return 'armed';
             };",
        )],
        "main.js",
        Limits {
            call_timeout: Duration::from_secs(8),
            ..small_limits()
        },
    );
    assert_eq!(harness.activate().await, Ok(json!("armed")));
    let crashed = harness
        .expect(|request| matches!(request, HostRequest::Crashed { .. }))
        .await;
    assert_eq!(
        crashed,
        HostRequest::Crashed {
            error: RuntimeError::MemoryLimit {
                limit_bytes: 16 * 1024 * 1024
            }
        }
    );
    assert_eq!(
        harness.command("any", vec![]).await,
        Err(RuntimeError::Stopped)
    );
}

#[tokio::test]
async fn memory_churn_below_the_limit_is_not_a_breach() {
    // Each call: 10 × 8 MB of short-lived strings in cyclic garbage, in a 16 MB heap.
    let harness = Harness::with_limits(
        &[(
            "main.js",
            "exports.activate = () => ({
                 churn() {
                     let total = 0;
                     for (let round = 0; round < 10; round++) {
                         let batch = [];
                         for (let i = 0; i < 8000; i++) {
                             const node = { text: 'c'.repeat(1000) + i };
                             node.self = node;
                             batch.push(node);
                         }
                         total += batch.length;
                         batch = null;
                     }
                     return total;
                 },
             });",
        )],
        "main.js",
        Limits {
            call_timeout: Duration::from_secs(8),
            ..small_limits()
        },
    );
    assert!(harness.activate().await.is_ok());
    for _ in 0..3 {
        let churned = harness
            .call(RuntimeRequest::CallExport {
                path: vec!["churn".to_owned()],
                arguments: vec![],
            })
            .await;
        assert_eq!(churned, Ok(json!(80000)));
    }
}

#[tokio::test]
async fn exception_in_activate_is_reported_with_its_stack() {
    let harness = Harness::new(
        &[(
            "main.js",
            "function helper() { throw new Error('boom'); }
             exports.activate = () => helper();",
        )],
        "main.js",
    );
    match harness.activate().await {
        Err(RuntimeError::Threw { message, stack }) => {
            assert_eq!(message, "boom");
            let stack = stack.expect("a stack");
            assert!(
                stack.contains("helper") && stack.contains("main.js:1"),
                "{stack}"
            );
        }
        other => panic!("expected Threw, got {other:?}"),
    }
    assert!(harness.handle.is_running(), "an exception is not fatal");
}

#[tokio::test]
async fn load_failures_name_the_module() {
    let harness = Harness::new(
        &[
            ("main.js", "require('./lib'); exports.activate = () => {};"),
            ("lib.js", "require('child_process');"),
        ],
        "main.js",
    );
    match harness.activate().await {
        Err(RuntimeError::Load { module, reason }) => {
            assert_eq!(module, "child_process");
            assert!(reason.contains("needs the Deno engine"), "{reason}");
        }
        other => panic!("expected Load, got {other:?}"),
    }

    let harness = Harness::new(&[("main.js", "exports.activate = () => {")], "main.js");
    match harness.activate().await {
        Err(RuntimeError::Load { module, reason }) => {
            assert!(module.ends_with("main.js"), "{module}");
            assert!(reason.starts_with("SyntaxError"), "{reason}");
        }
        other => panic!("expected Load, got {other:?}"),
    }

    let harness = Harness::new(
        &[(
            "main.mjs",
            "import net from 'net';\nexport function activate() {}",
        )],
        "main.mjs",
    );
    match harness.activate().await {
        Err(RuntimeError::Load { module, reason }) => {
            assert_eq!(module, "net", "{reason}");
            assert!(reason.contains("module 'net' is not available"), "{reason}");
        }
        other => panic!("expected Load, got {other:?}"),
    }

    let harness = Harness::new(&[("other.js", "")], "missing.js");
    assert!(matches!(
        harness.activate().await,
        Err(RuntimeError::Load { .. })
    ));

    // Inside a call, a failing require is an ordinary exception the extension can catch.
    let harness = Harness::new(
        &[(
            "main.js",
            "exports.activate = () => {
                 try { require('child_process'); } catch (error) { return error.message; }
             };",
        )],
        "main.js",
    );
    let message = harness.activate().await.expect("activate");
    assert!(
        message
            .as_str()
            .expect("a message")
            .contains("module 'child_process' is not available"),
        "{message}"
    );
}

#[tokio::test]
async fn console_goes_to_the_host_as_log_requests() {
    let mut harness = Harness::new(
        &[(
            "main.js",
            "exports.activate = () => {
                 console.log('hello', 42, { a: 1, b: [true, null] }, undefined);
                 console.error(new Error('bad'));
                 console.warn('%s is %d', 'answer', 42);
                 console.debug('quiet');
             };",
        )],
        "main.js",
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.expect_log("hello").await,
        (
            LogLevel::Info,
            "hello 42 { a: 1, b: [ true, null ] } undefined".to_owned()
        )
    );
    let (level, message) = harness.expect_log("bad").await;
    assert_eq!(level, LogLevel::Error);
    assert!(
        message.starts_with("Error: bad\n") && message.contains("main.js"),
        "{message}"
    );
    assert_eq!(
        harness.expect_log("answer").await,
        (LogLevel::Warn, "answer is 42".to_owned())
    );
    assert_eq!(
        harness.expect_log("quiet").await,
        (LogLevel::Debug, "quiet".to_owned())
    );
}

#[tokio::test]
async fn deactivate_calls_deactivate_then_disposes_in_reverse_order() {
    let mut harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             exports.activate = (context) => {
                 context.subscriptions.push(
                     new vscode.Disposable(() => console.log('dispose 1')),
                     vscode.commands.registerCommand('test.cmd', () => 1),
                     { dispose() { throw new Error('dispose 2 failed'); } },
                     new vscode.Disposable(() => console.log('dispose 3')),
                 );
                 vscode.commands.registerCommand('test.unsubscribed', () => 2);
                 setInterval(() => console.log('still ticking'), 1000000);
             };
             exports.deactivate = async () => { await null; console.log('deactivate called'); };",
        )],
        "main.js",
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.call(RuntimeRequest::Deactivate).await,
        Ok(Value::Null)
    );
    let mut order = Vec::new();
    while order.len() < 6 {
        match harness
            .expect(|request| {
                matches!(
                    request,
                    HostRequest::Log { .. } | HostRequest::UnregisterCommand { .. }
                )
            })
            .await
        {
            HostRequest::Log { message, .. } => order.push(message),
            HostRequest::UnregisterCommand { command } => {
                order.push(format!("unregister {command}"))
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(order[0], "deactivate called");
    assert_eq!(order[1], "dispose 3");
    assert!(order[2].contains("dispose 2 failed"), "{order:?}");
    assert_eq!(
        order[3..],
        [
            "unregister test.cmd",
            "dispose 1",
            "unregister test.unsubscribed"
        ]
    );
    assert!(matches!(
        harness.command("test.cmd", vec![]).await,
        Err(RuntimeError::UnknownCommand { .. })
    ));
}

#[tokio::test]
async fn unimplemented_vscode_members_throw_a_naming_error_when_called() {
    let harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             const message = (read) => { try { read(); return 'no error'; } catch (error) { return error.message; } };
             exports.activate = async () => ({
                 namespace: message(() => vscode.scm.createSourceControl('git', 'Git')),
                 member: message(() => vscode.window.createTerminal()),
                 read: typeof vscode.window.createTerminal,
                 then: vscode.then === undefined && vscode.commands.then === undefined,
                 awaited: (await Promise.resolve(vscode)).version,
                 esModule: vscode.__esModule,
                 version: vscode.version,
             });",
        )],
        "main.js",
    );
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "namespace": "exthost does not implement vscode.scm.createSourceControl",
            "member": "exthost does not implement vscode.window.createTerminal",
            "read": "function",
            "then": true,
            "awaited": crate::config::VSCODE_API_VERSION,
            "version": crate::config::VSCODE_API_VERSION,
        })
    );
}

#[tokio::test]
async fn exported_functions_become_markers_and_can_be_called() {
    let mut harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             class Api { constructor() { this.base = 10; } plus(n) { return this.base + n; } }
             exports.activate = (context) => {
                 context.subscriptions.push(vscode.commands.registerCommand('test.useOther', async () => {
                     const other = vscode.extensions.getExtension('other.ext');
                     const before = other.isActive;
                     const exports = await other.activate();
                     const called = await exports.greet('you');
                     return { before, after: other.isActive, version: exports.version, called,
                              uri: other.extensionUri.fsPath, missing: vscode.extensions.getExtension('no.such') === undefined,
                              self: vscode.extensions.getExtension('test.ext').exports.value };
                 }));
                 return {
                     value: 1,
                     greet(name) { return 'hi ' + name; },
                     api: { add: async (a, b) => { await null; return a + b; } },
                     instance: new Api(),
                 };
             };",
        )],
        "main.js",
    );
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "value": 1,
            "greet": { "$exthostFunction": ["greet"] },
            "api": { "add": { "$exthostFunction": ["api", "add"] } },
            "instance": { "base": 10, "plus": { "$exthostFunction": ["instance", "plus"] } },
        })
    );
    let call = |path: &[&str], arguments: Vec<Value>| RuntimeRequest::CallExport {
        path: path.iter().map(|key| (*key).to_owned()).collect(),
        arguments,
    };
    assert_eq!(
        harness
            .call(call(&["api", "add"], vec![json!(2), json!(3)]))
            .await,
        Ok(json!(5))
    );
    assert_eq!(
        harness.call(call(&["greet"], vec![json!("x")])).await,
        Ok(json!("hi x"))
    );
    assert_eq!(
        harness
            .call(call(&["instance", "plus"], vec![json!(5)]))
            .await,
        Ok(json!(15))
    );
    assert!(matches!(
        harness.call(call(&["value"], vec![])).await,
        Err(RuntimeError::Threw { .. })
    ));

    assert_eq!(
        harness.command("test.useOther", vec![]).await,
        Ok(json!({
            "before": false,
            "after": true,
            "version": 2,
            "called": { "id": "other.ext", "path": ["greet"], "arguments": ["you"] },
            "uri": "/extensions/other",
            "missing": true,
            "self": 1,
        }))
    );
    harness
        .expect(
            |request| matches!(request, HostRequest::CallExport { id, .. } if id == "other.ext"),
        )
        .await;
}

#[tokio::test]
async fn extension_context_has_paths_and_mementos() {
    let harness = Harness::new(
        &[(
            "main.js",
            "exports.activate = async (context) => {
                 await context.globalState.update('count', 3);
                 await context.workspaceState.update('gone', 1);
                 await context.workspaceState.update('gone', undefined);
                 return {
                     count: context.globalState.get('count'),
                     fallback: context.globalState.get('missing', 'default'),
                     keys: context.globalState.keys(),
                     workspaceKeys: context.workspaceState.keys(),
                     absolute: context.asAbsolutePath('media/icon.png') === context.extensionPath + '/media/icon.png',
                     uri: context.extensionUri.fsPath === context.extensionPath && context.extensionUri.scheme,
                     uriText: context.extensionUri.toString().startsWith('file:///'),
                     extension: context.extension.packageJSON.name,
                     storage: context.storageUri === undefined,
                 };
             };",
        )],
        "main.js",
    );
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "count": 3,
            "fallback": "default",
            "keys": ["count"],
            "workspaceKeys": [],
            "absolute": true,
            "uri": "file",
            "uriText": true,
            "extension": "ext",
            "storage": true,
        })
    );
}

#[tokio::test]
async fn event_emitter_and_disposable_behave_like_vscode() {
    let harness = Harness::new(
        &[(
            "main.js",
            "const { EventEmitter, Disposable } = require('vscode');
             exports.activate = () => {
                 const seen = [];
                 const emitter = new EventEmitter();
                 const bag = [];
                 const first = emitter.event((value) => seen.push('a' + value));
                 emitter.event(function (value) { seen.push(this.tag + value); }, { tag: 'b' }, bag);
                 emitter.event(() => { throw new Error('listener failed'); });
                 emitter.fire(1);
                 first.dispose();
                 emitter.fire(2);
                 bag.forEach((subscription) => subscription.dispose());
                 emitter.fire(3);
                 let disposed = 0;
                 Disposable.from(new Disposable(() => disposed++), { dispose: () => disposed++ }).dispose();
                 return { seen, bag: bag.length, disposed };
             };",
        )],
        "main.js",
    );
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({ "seen": ["a1", "b1", "b2"], "bag": 1, "disposed": 2 })
    );
}

#[tokio::test]
async fn dropping_the_handle_tears_everything_down_safely() {
    let mut harness = Harness::new(
        &[
            (
                "main.js",
                "const vscode = require('vscode');
                 const cache = new Map();
                 exports.activate = (context) => {
                     for (let i = 0; i < 20; i++) {
                         context.subscriptions.push(vscode.commands.registerCommand('test.c' + i, () => cache.get(i)));
                         cache.set(i, { big: 'x'.repeat(1000), self: cache });
                     }
                     setInterval(() => {}, 5);
                     setTimeout(() => console.log('timer ran'), 1);
                     new Promise(() => {});
                     Promise.reject(new Error('nobody listens'));
                     const emitter = new vscode.EventEmitter();
                     emitter.event(() => emitter);
                     return { ready: true, run() {} };
                 };",
            ),
            ("helper.mjs", "export default 1;"),
        ],
        "main.js",
    );
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({ "ready": true, "run": { "$exthostFunction": ["run"] } })
    );
    assert_eq!(
        harness.command("test.c3", vec![]).await.expect("c3")["big"]
            .as_str()
            .map(str::len),
        Some(1000)
    );
    harness
        .expect_log("Unhandled promise rejection: Error: nobody listens")
        .await;
    harness.expect_log("timer ran").await;
    // Dropping the last handle ends the thread; the process must survive QuickJS's teardown checks.
    harness.logs_until_closed().await;

    // The same after a fatal error.
    let harness = Harness::with_limits(
        &[(
            "main.js",
            "exports.activate = () => { setInterval(() => {}, 1); const keep = [1, 2]; while (keep) {} };",
        )],
        "main.js",
        small_limits(),
    );
    assert!(matches!(
        harness.activate().await,
        Err(RuntimeError::TimeLimit { .. })
    ));
    harness.logs_until_closed().await;
}

#[tokio::test]
async fn host_call_errors_reach_js_with_their_kind() {
    let harness = Harness::new(
        &[(
            "main.js",
            "const vscode = require('vscode');
             const seen = (error) => ({ code: error.code, name: error.name, message: error.message,
                                        isError: error instanceof Error });
             exports.activate = (context) => {
                 context.subscriptions.push(vscode.commands.registerCommand('test.kinds', async () => {
                     const missing = await vscode.commands.executeCommand('remote.missing').then(
                         () => 'no error', seen);
                     const failed = await vscode.commands.executeCommand('remote.fail').then(
                         () => 'no error', seen);
                     let guarded = 'no error';
                     try { vscode.extensions.getExtension('guarded.ext'); } catch (error) { guarded = seen(error); }
                     let cancelled = 'no error';
                     try { vscode.extensions.getExtension('cancelled.ext'); } catch (error) { cancelled = seen(error); }
                     return { missing, failed, guarded, cancelled };
                 }));
             };",
        )],
        "main.js",
    );
    harness.activate().await.expect("activate");
    let kinds = harness
        .command("test.kinds", vec![])
        .await
        .expect("test.kinds");
    assert_eq!(
        kinds,
        json!({
            "missing": {"code": "notFound", "name": "Error",
                        "message": "command not found: remote.missing", "isError": true},
            "failed": {"code": "failed", "name": "Error", "message": "remote failure", "isError": true},
            "guarded": {"code": "noPermissions", "name": "Error",
                        "message": "extension guarded.ext may not be described", "isError": true},
            // As VS Code's CancellationError.
            "cancelled": {"code": "cancelled", "name": "Canceled",
                          "message": "the question was withdrawn", "isError": true},
        })
    );
}

#[tokio::test]
async fn a_slow_host_answer_to_a_blocking_call_does_not_count_against_the_time_limit() {
    // The host takes three times the call limit to answer a blocking `getExtension` (as a busy host
    // does): that wait is the host's, not the extension's, so `activate` still succeeds.
    let slow_host: Answer = Arc::new(|request: &HostRequest| match request {
        HostRequest::GetExtension { id } if id == "slow.ext" => {
            std::thread::sleep(Duration::from_millis(600));
            Ok(Value::Null)
        }
        other => answer(other),
    });
    let harness = Harness::with_host(
        &[(
            "main.js",
            "const vscode = require('vscode');
             exports.activate = () => {
                 const found = vscode.extensions.getExtension('slow.ext');
                 return { found: found === undefined ? 'none' : 'some' };
             };",
        )],
        "main.js",
        small_limits(),
        json!({ "name": "ext", "publisher": "test", "version": "1.0.0" }),
        slow_host,
    );
    assert_eq!(harness.activate().await, Ok(json!({ "found": "none" })));
    harness.logs_until_closed().await;
}

#[tokio::test]
async fn a_commonjs_activate_runs_under_the_activate_limit_not_a_promise_callback_s() {
    // `activate` works synchronously for longer than a call (and so a promise callback) may run, but
    // within its own limit: it is the activate request's time, as in VS Code.
    let limits = Limits {
        activate_timeout: Duration::from_secs(5),
        call_timeout: Duration::from_millis(300),
        ..small_limits()
    };
    let harness = Harness::with_limits(
        &[(
            "main.js",
            "exports.activate = () => {
                 const end = Date.now() + 900;
                 while (Date.now() < end) {}
                 return { worked: true };
             };",
        )],
        "main.js",
        limits,
    );
    assert_eq!(harness.activate().await, Ok(json!({ "worked": true })));
    harness.logs_until_closed().await;
}

#[test]
fn the_start_gate_lets_as_many_starts_run_as_it_has_permits() {
    let gate = Arc::new(super::StartGate::new(2));
    let first = gate.enter();
    let second = gate.enter();
    let (entered, waited) = std::sync::mpsc::channel();
    let third = std::thread::spawn({
        let gate = Arc::clone(&gate);
        move || {
            let _permit = gate.enter();
            entered.send(()).expect("the test waits");
        }
    });
    // Two starts under way: the third waits.
    assert!(waited.recv_timeout(Duration::from_millis(200)).is_err());
    drop(first);
    waited
        .recv_timeout(WAIT)
        .expect("a start ending lets the next one in");
    third.join().expect("the third start ends");
    drop(second);
    // Every permit came back: two can enter again at once.
    let _again = (gate.enter(), gate.enter());
}
