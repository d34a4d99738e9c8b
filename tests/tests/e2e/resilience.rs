//! Whatever an extension does — throw, loop forever, exhaust memory, load what it may not — it alone is
//! failed and reported, and every other extension keeps answering.

use exthost_e2e::{Host, HostOptions, write_extension};
use exthost_protocol::{ResponsePayload, error_code};
use serde_json::json;

fn extensions(dir: &std::path::Path) {
    let command = |id: &str, body: &str| {
        format!(
            "const vscode = require('vscode');\nexports.activate = (c) => {{ c.subscriptions.push(vscode.commands.registerCommand('{id}', () => {{ {body} }})); }};\n"
        )
    };
    let manifest = |id: &str, command: &str, limits: serde_json::Value| {
        json!({"id": id, "name": id, "version": "1.0.0", "main": "extension.js",
               "activationEvents": [format!("onCommand:{command}")], "limits": limits})
    };
    write_extension(
        dir,
        "ok",
        &manifest("test.ok", "ok.ping", json!({})),
        &[("extension.js", &command("ok.ping", "return 'pong';"))],
    );
    write_extension(
        dir,
        "loop",
        &manifest("test.loop", "loop.run", json!({"callTimeoutMs": 500})),
        &[("extension.js", &command("loop.run", "while (true) {}"))],
    );
    write_extension(
        dir,
        "hog",
        &manifest("test.hog", "hog.run", json!({"memoryMb": 16})),
        &[(
            "extension.js",
            &command(
                "hog.run",
                "const a = []; while (true) { a.push('x'.repeat(1024) + a.length); }",
            ),
        )],
    );
    write_extension(
        dir,
        "thrower",
        &manifest("test.thrower", "thrower.run", json!({})),
        &[(
            "extension.js",
            &command("thrower.run", "throw new TypeError('no good');"),
        )],
    );
    write_extension(
        dir,
        "bad-activate",
        &manifest("test.bad-activate", "bad.run", json!({})),
        &[(
            "extension.js",
            "function helper() { throw new Error('activation exploded'); }\nexports.activate = () => helper();\n",
        )],
    );
    write_extension(
        dir,
        "wants-fs",
        &manifest("test.wants-fs", "fs.run", json!({})),
        &[(
            "extension.js",
            "const childProcess = require('child_process');\nexports.activate = () => {};\n",
        )],
    );
    write_extension(
        dir,
        "slow-activate",
        &json!({"id": "test.slow-activate", "name": "slow", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:slow.run"], "limits": {"activateTimeoutMs": 300}}),
        &[(
            "extension.js",
            "exports.activate = () => new Promise(() => {});\n",
        )],
    );
}

fn error_of(payload: ResponsePayload) -> exthost_protocol::ResponseError {
    match payload {
        ResponsePayload::Error(error) => error,
        ResponsePayload::Result(value) => panic!("expected an error, got {value}"),
    }
}

async fn ping(host: &mut Host) {
    assert_eq!(
        host.call("workspace/executeCommand", json!({"command": "ok.ping"}))
            .await,
        json!("pong")
    );
}

#[tokio::test]
async fn an_endless_loop_is_stopped_and_others_keep_answering_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    ping(&mut host).await;
    let looping = host
        .send_request("workspace/executeCommand", json!({"command": "loop.run"}))
        .await;
    // While the loop burns its thread, another extension answers.
    ping(&mut host).await;
    let error = error_of(host.response(&looping).await.payload);
    assert_eq!(error.code, error_code::REQUEST_FAILED);
    assert_eq!(
        error.message,
        "time limit exceeded: command loop.run ran longer than 500 ms"
    );
    let failed = host.state_change("test.loop", "failed").await;
    assert_eq!(
        failed["error"]["message"],
        "time limit exceeded: command loop.run ran longer than 500 ms"
    );
    let shown = host
        .notification("window/showMessage", |p| {
            p["message"].as_str().unwrap().contains("test.loop")
        })
        .await;
    assert_eq!(shown["type"], 1);
    ping(&mut host).await;
    // The failed extension's command answers that its extension failed, and why.
    let again = error_of(
        host.request("workspace/executeCommand", json!({"command": "loop.run"}))
            .await
            .payload,
    );
    assert_eq!(again.code, error_code::REQUEST_FAILED);
    assert_eq!(
        again.message,
        "extension test.loop failed: time limit exceeded: command loop.run ran longer than 500 ms"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_memory_hog_is_stopped_and_others_keep_answering() {
    let dir = tempfile::tempdir().unwrap();
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    let error = error_of(
        host.request("workspace/executeCommand", json!({"command": "hog.run"}))
            .await
            .payload,
    );
    assert_eq!(
        error.message,
        "memory limit exceeded: the extension used more than 16 MB"
    );
    let failed = host.state_change("test.hog", "failed").await;
    assert_eq!(
        failed["error"]["message"],
        "memory limit exceeded: the extension used more than 16 MB"
    );
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_throwing_command_errors_but_its_extension_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    for _ in 0..2 {
        let error = error_of(
            host.request(
                "workspace/executeCommand",
                json!({"command": "thrower.run"}),
            )
            .await
            .payload,
        );
        assert_eq!(error.code, error_code::REQUEST_FAILED);
        assert_eq!(error.message, "no good");
        assert_eq!(error.data.as_ref().unwrap()["extension"], "test.thrower");
        assert!(
            error.data.as_ref().unwrap()["stack"]
                .as_str()
                .unwrap()
                .contains("extension.js")
        );
    }
    assert_eq!(host.extension("test.thrower").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn activation_failures_are_reported_with_message_and_stack() {
    let dir = tempfile::tempdir().unwrap();
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;

    let error = error_of(
        host.request("workspace/executeCommand", json!({"command": "bad.run"}))
            .await
            .payload,
    );
    assert_eq!(error.message, "activation exploded");
    let failed = host.extension("test.bad-activate").await;
    assert_eq!(failed["state"], "failed");
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("activate threw: activation exploded\n"),
        "{message}"
    );
    assert!(
        message.contains("helper"),
        "the stack names the function: {message}"
    );

    let error = error_of(
        host.request("workspace/executeCommand", json!({"command": "fs.run"}))
            .await
            .payload,
    );
    assert!(
        error.message.contains("'child_process'") && error.message.contains("Deno engine"),
        "{}",
        error.message
    );
    let failed = host.extension("test.wants-fs").await;
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'child_process'")
    );

    let error = error_of(
        host.request("workspace/executeCommand", json!({"command": "slow.run"}))
            .await
            .payload,
    );
    assert_eq!(
        error.message,
        "time limit exceeded: activate ran longer than 300 ms"
    );
    assert_eq!(
        host.extension("test.slow-activate").await["state"],
        "failed"
    );
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn the_host_configuration_sets_the_default_limits() {
    let dir = tempfile::tempdir().unwrap();
    let command = |id: &str, body: &str| {
        format!(
            "const vscode = require('vscode');\nexports.activate = (c) => {{ c.subscriptions.push(vscode.commands.registerCommand('{id}', () => {{ {body} }})); }};\n"
        )
    };
    let manifest = |id: &str, command: &str| {
        json!({"id": id, "name": id, "version": "1.0.0", "main": "extension.js",
               "activationEvents": [format!("onCommand:{command}")]})
    };
    write_extension(
        dir.path(),
        "spin",
        &manifest("test.spin", "spin.run"),
        &[("extension.js", &command("spin.run", "for (;;) {}"))],
    );
    // The manifest's own limit wins over the host's default: the memory hog gets time to fill its heap.
    let mut grow = manifest("test.grow", "grow.run");
    grow["limits"] = json!({"callTimeoutMs": 10000});
    write_extension(
        dir.path(),
        "grow",
        &grow,
        &[(
            "extension.js",
            &command(
                "grow.run",
                "const a = []; for (;;) a.push('z'.repeat(4096) + a.length);",
            ),
        )],
    );
    // A command-line flag sets the call limit; initializationOptions set the memory limit.
    let mut options = HostOptions::with_dirs(&[dir.path()]);
    options
        .args
        .extend(["--call-timeout-ms".to_owned(), "300".to_owned()]);
    let mut host = Host::spawn(options);
    host.initialize(json!({"initializationOptions": {"limits": {"memoryMb": 12}}}))
        .await;
    let error = error_of(
        host.request("workspace/executeCommand", json!({"command": "spin.run"}))
            .await
            .payload,
    );
    assert_eq!(
        error.message,
        "time limit exceeded: command spin.run ran longer than 300 ms"
    );
    let error = error_of(
        host.request("workspace/executeCommand", json!({"command": "grow.run"}))
            .await
            .payload,
    );
    assert_eq!(
        error.message,
        "memory limit exceeded: the extension used more than 12 MB"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn an_endless_loop_in_an_event_listener_fails_its_extension() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "listener",
        &json!({"id": "test.listener", "name": "listener", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"], "limits": {"callTimeoutMs": 300}}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.workspace.onDidOpenTextDocument(() => { for (;;) {} })); };\n",
        )],
    );
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    host.state_change("test.listener", "enabled").await;
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///tmp/x.txt", "languageId": "plaintext", "version": 1, "text": "x"}}),
    )
    .await;
    let failed = host.state_change("test.listener", "failed").await;
    assert_eq!(
        failed["error"]["message"],
        "time limit exceeded: event documentOpened ran longer than 300 ms"
    );
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

/// `levels` nested arrays around `1`, as the extension below builds them.
fn nested(levels: usize) -> serde_json::Value {
    (0..levels).fold(json!(1), |inner, _| json!([inner]))
}

/// How deep `value` nests arrays.
fn depth_of(value: &serde_json::Value) -> usize {
    let mut depth = 0;
    let mut inner = value;
    while let Some(items) = inner.as_array() {
        inner = &items[0];
        depth += 1;
    }
    depth
}

#[tokio::test]
async fn a_deep_result_is_carried_whole_and_a_too_deep_one_is_an_error_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "deep",
        &json!({"id": "test.deep", "name": "deep", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:deep.make"]}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('deep.make', (levels) => { let v = 1; for (let i = 0; i < levels; i++) v = [v]; return v; })); };\n",
        )],
    );
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    // 128 levels used to reach the editor as a successful `null`. The response's own object and its
    // `result` member are two levels of the 1024 the host carries.
    for levels in [127, 128, 129, 600, 1021] {
        let result = host
            .call(
                "workspace/executeCommand",
                json!({"command": "deep.make", "arguments": [levels]}),
            )
            .await;
        assert_eq!(
            depth_of(&result),
            levels,
            "{levels} levels arrive as {result}"
        );
        assert_eq!(result, nested(levels));
    }
    let error = error_of(
        host.request(
            "workspace/executeCommand",
            json!({"command": "deep.make", "arguments": [1500]}),
        )
        .await
        .payload,
    );
    assert_eq!(error.code, error_code::REQUEST_FAILED);
    assert_eq!(
        error.message,
        "exthost: the extension's answer cannot be carried: JSON nested 1500 levels deep; the limit is 1024"
    );
    assert_eq!(host.extension("test.deep").await["state"], "enabled");
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn waiting_on_the_user_does_not_count_against_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "asker",
        &json!({"id": "test.asker", "name": "asker", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:ask.run"], "limits": {"callTimeoutMs": 500}}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('ask.run', async () => { const answer = await vscode.window.showInformationMessage('Proceed?', 'Yes', 'No'); return 'answered ' + answer; })); };\n",
        )],
    );
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    let asked = host
        .send_request("workspace/executeCommand", json!({"command": "ask.run"}))
        .await;
    let (question, params) = host.server_request("window/showMessageRequest").await;
    assert_eq!(params["message"], "Proceed?");
    // The user takes 3 s: longer than the 500 ms limit and the host's grace beyond it.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    host.send(&exthost_protocol::Message::Response(
        exthost_protocol::Response::ok(question, json!({"title": "Yes"})),
    ))
    .await;
    let answer = host.response(&asked).await;
    assert_eq!(
        answer.payload,
        ResponsePayload::Result(json!("answered Yes"))
    );
    assert_eq!(host.extension("test.asker").await["state"], "enabled");
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn only_the_extension_that_loops_fails_and_its_callers_catch_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let looping = |id: &str, folder: &str, body: &str, extra: serde_json::Value| {
        let mut manifest = json!({"id": id, "name": folder, "version": "1.0.0", "main": "extension.js",
                                  "limits": {"callTimeoutMs": 1000}});
        if let (Some(manifest), Some(extra)) = (manifest.as_object_mut(), extra.as_object()) {
            manifest.extend(extra.clone());
        }
        write_extension(dir.path(), folder, &manifest, &[("extension.js", body)]);
    };
    looping(
        "test.spinner",
        "spinner",
        "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('spinner.run', () => { for (;;) {} })); return { spin() { for (;;) {} } }; };\n",
        json!({"activationEvents": ["onCommand:spinner.run"]}),
    );
    looping(
        "test.spinlib",
        "spinlib",
        "exports.activate = () => ({ spin() { for (;;) {} } });\n",
        json!({"activationEvents": []}),
    );
    // The callers' limits are shorter than the callees': waiting on them must not count.
    let caller = "const vscode = require('vscode');\n\
        exports.activate = (c) => { c.subscriptions.push(\n\
          vscode.commands.registerCommand('caller.command', () => vscode.commands.executeCommand('spinner.run').then(() => 'no error', (error) => 'caught: ' + error.message)),\n\
          vscode.commands.registerCommand('caller.export', async () => { try { await vscode.extensions.getExtension('test.spinlib').exports.spin(); return 'no error'; } catch (error) { return 'caught: ' + error.message; } }),\n\
        ); };\n";
    write_extension(
        dir.path(),
        "caller",
        &json!({"id": "test.caller", "name": "caller", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:caller.command", "onCommand:caller.export"],
                "dependencies": {"test.spinlib": "*"}, "limits": {"callTimeoutMs": 300}}),
        &[("extension.js", caller)],
    );
    extensions(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    let result = host
        .call(
            "workspace/executeCommand",
            json!({"command": "caller.command"}),
        )
        .await;
    assert_eq!(
        result,
        json!("caught: time limit exceeded: command spinner.run ran longer than 1000 ms")
    );
    assert_eq!(host.extension("test.spinner").await["state"], "failed");
    assert_eq!(host.extension("test.caller").await["state"], "enabled");
    let result = host
        .call(
            "workspace/executeCommand",
            json!({"command": "caller.export"}),
        )
        .await;
    let message = result.as_str().unwrap_or_default();
    assert!(
        message.starts_with("caught: time limit exceeded: ")
            && message.ends_with("ran longer than 1000 ms"),
        "{result}"
    );
    assert_eq!(host.extension("test.spinlib").await["state"], "failed");
    assert_eq!(host.extension("test.caller").await["state"], "enabled");
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_contributed_command_belongs_to_the_extension_that_contributes_it() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "squatter",
        &json!({"id": "test.squatter", "name": "squatter", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"]}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { let refused = 'no'; try { c.subscriptions.push(vscode.commands.registerCommand('owner.run', () => 'squatter')); } catch (error) { refused = error.message; } c.subscriptions.push(vscode.commands.registerCommand('squatter.refused', () => refused)); };\n",
        )],
    );
    write_extension(
        dir.path(),
        "owner",
        &json!({"id": "test.owner", "name": "owner", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:owner.run"],
                "contributes": {"commands": [{"command": "owner.run", "title": "Run"}]}}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('owner.run', () => 'owner')); };\n",
        )],
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.state_change("test.squatter", "enabled").await;
    assert_eq!(
        host.call("workspace/executeCommand", json!({"command": "owner.run"}))
            .await,
        json!("owner")
    );
    assert_eq!(host.extension("test.owner").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

/// A listener that stays within its limit but is slow (40 ms of work a change): a burst of changes queues
/// seconds of work in its runtime, and a command sent behind them waits its turn. The time it waits in the
/// queue is not the command's: it is answered once the runtime reaches it, and the extension stays
/// enabled. (The host's outside guard used to count from the send: past the limit plus its grace, the
/// command failed with "time limit exceeded" and so did the extension, although none of its JS ran long.)
#[tokio::test]
async fn a_request_queued_behind_a_slow_listeners_changes_waits_its_turn_and_nothing_fails() {
    const CHANGES: usize = 80;
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "slow",
        &json!({"id": "test.slow", "name": "slow", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"], "limits": {"callTimeoutMs": 300}}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nlet seen = 0;\nexports.activate = (c) => {\n  c.subscriptions.push(vscode.workspace.onDidChangeTextDocument(() => { const until = Date.now() + 40; while (Date.now() < until) {} seen++; }));\n  c.subscriptions.push(vscode.commands.registerCommand('slow.seen', () => seen));\n};\n",
        )],
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.state_change("test.slow", "enabled").await;
    let uri = "file:///tmp/slow.txt";
    host.open_document(uri, "plaintext", "x").await;
    for version in 2..CHANGES + 2 {
        host.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                                 "end": {"line": 0, "character": 0}}, "text": "y"}]}),
        )
        .await;
    }
    // 80 × 40 ms = 3.2 s of queued work, more than the call limit (300 ms) and the host's grace (2 s).
    let seen = host
        .call(
            "workspace/executeCommand",
            json!({"command": "slow.seen", "arguments": []}),
        )
        .await;
    assert_eq!(seen, json!(CHANGES), "every change ran before the command");
    assert_eq!(host.extension("test.slow").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}
