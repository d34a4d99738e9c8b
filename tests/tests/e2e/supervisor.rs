//! The supervisor and its workers (contract §8), end to end: `exthost serve` is a supervisor whose worker
//! process is killed (`kill -9`), aborts or segfaults in native code, or stalls in a native busy loop; the
//! session goes on, requests in flight are answered -32802, the culprit is quarantined after two crashes,
//! automatic restarts are capped, and `exthost/restartHost` keeps states and open documents.

use std::path::Path;
use std::time::Duration;

use exthost_e2e::{Host, HostOptions, write_extension};
use exthost_protocol::{Id, ResponsePayload, error_code};
use serde_json::{Value, json};

use super::native::install_fixture;

/// A JavaScript extension `test.steady`: echoes, waits long, and reports the open documents.
fn install_steady(parent: &Path) {
    write_extension(
        parent,
        "steady",
        &json!({
            "id": "test.steady", "name": "Steady", "version": "1.0.0", "main": "extension.js",
            "activationEvents": ["onCommand:steady.echo", "onCommand:steady.wait", "onCommand:steady.documents"],
        }),
        &[(
            "extension.js",
            r#"
            const vscode = require('vscode');
            let activations = (globalThis.activations || 0) + 1;
            exports.activate = function (context) {
              const register = (id, handler) =>
                context.subscriptions.push(vscode.commands.registerCommand(id, handler));
              register('steady.echo', (...args) => ({ echoed: args, activations }));
              register('steady.wait', () => new Promise((resolve) => setTimeout(() => resolve('late'), 15000)));
              register('steady.documents', () =>
                vscode.workspace.textDocuments.map((d) => ({ uri: d.uri.toString(), text: d.getText(), version: d.version })));
            };
            "#,
        )],
    );
    write_extension(
        parent,
        "quiet",
        &json!({
            "id": "test.quiet", "name": "Quiet", "version": "1.0.0", "main": "extension.js",
            "activationEvents": ["onCommand:quiet.hello"],
        }),
        &[(
            "extension.js",
            "exports.activate = (context) => { context.subscriptions.push(require('vscode').commands.registerCommand('quiet.hello', () => 'hello')); };",
        )],
    );
}

fn execute(command: &str) -> Value {
    json!({"command": command, "arguments": []})
}

/// The error of a response (failing the test on a result).
fn error_of(payload: &ResponsePayload) -> (i64, String) {
    match payload {
        ResponsePayload::Error(error) => (error.code, error.message.clone()),
        ResponsePayload::Result(value) => panic!("expected an error, got {value}"),
    }
}

/// The running (not zombie) child processes of `parent` whose command line says `worker`.
pub(crate) fn workers_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: the fields after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(ppid)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        if *state == "Z" || ppid.parse::<u32>().ok() != Some(parent) {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if cmdline.split(|b| *b == 0).any(|arg| arg == b"worker") {
            found.push(pid);
        }
    }
    found
}

/// The one worker of `host`, waiting for it to be there.
pub(crate) async fn worker_pid(host: &Host) -> u32 {
    let parent = host.pid().expect("the host runs");
    for _ in 0..200 {
        let workers = workers_of(parent);
        if workers.len() == 1 {
            return workers[0];
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the host has no single worker: {:?}", workers_of(parent));
}

pub(crate) fn kill_9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -9 {pid}");
}

pub(crate) fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
    })
}

async fn host_with(dir: &Path, extra: &[&str], init: Value) -> Host {
    let mut options = HostOptions::with_dirs(&[dir]);
    options
        .args
        .extend(extra.iter().map(|arg| (*arg).to_owned()));
    let mut host = Host::spawn(options);
    host.initialize(init).await;
    host
}

#[tokio::test]
async fn kill_9_of_the_worker_mid_request_answers_it_and_the_session_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    let mut host = host_with(dir.path(), &["--call-timeout-ms", "30000"], json!({})).await;
    host.open_document("file:///tmp/notes.txt", "plaintext", "first line")
        .await;
    host.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///tmp/notes.txt", "version": 2},
               "contentChanges": [{"text": "changed text"}]}),
    )
    .await;
    let echoed = host
        .call("workspace/executeCommand", execute("steady.echo"))
        .await;
    assert_eq!(echoed["activations"], 1);

    let worker = worker_pid(&host).await;
    let waiting = host
        .send_request("workspace/executeCommand", execute("steady.wait"))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    kill_9(worker);

    let answer = host.response(&waiting).await;
    let (code, message) = error_of(&answer.payload);
    assert_eq!(code, error_code::SERVER_CANCELLED);
    assert_eq!(message, "the extension host restarted");
    let restarted = host.notification("exthost/hostRestarted", |_| true).await;
    assert_eq!(restarted["reason"], "crashed");
    let detail = restarted["detail"].as_str().expect("a detail");
    assert!(detail.contains("signal 9"), "{detail}");

    // A new worker, with the extension enabled again and the document as the editor last changed it.
    let new_worker = worker_pid(&host).await;
    assert_ne!(new_worker, worker);
    assert_eq!(host.extension("test.steady").await["state"], "enabled");
    let documents = host
        .call("workspace/executeCommand", execute("steady.documents"))
        .await;
    assert_eq!(
        documents,
        json!([{"uri": "file:///tmp/notes.txt", "text": "changed text", "version": 2}])
    );
    let echoed = host
        .call("workspace/executeCommand", execute("steady.echo"))
        .await;
    assert_eq!(echoed["echoed"], json!([]));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn restart_host_keeps_states_and_open_documents_and_cancels_what_was_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    let mut host = host_with(dir.path(), &["--call-timeout-ms", "30000"], json!({})).await;
    host.open_document("file:///tmp/a.txt", "plaintext", "alpha")
        .await;
    host.call("exthost/enable", json!({"id": "test.steady"}))
        .await;
    host.call("exthost/disable", json!({"id": "test.quiet"}))
        .await;
    let before = worker_pid(&host).await;
    let waiting = host
        .send_request("workspace/executeCommand", execute("steady.wait"))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let restarted = host.call("exthost/restartHost", json!({})).await;
    assert_eq!(restarted, json!({"restarted": true}));
    let (code, message) = error_of(&host.response(&waiting).await.payload);
    assert_eq!(
        (code, message.as_str()),
        (error_code::SERVER_CANCELLED, "the extension host restarted")
    );
    let notice = host.notification("exthost/hostRestarted", |_| true).await;
    assert_eq!(notice["reason"], "requested");

    let after = worker_pid(&host).await;
    assert_ne!(before, after, "a new worker process serves the session");
    assert!(!alive(before), "the old worker is gone");
    assert_eq!(host.extension("test.steady").await["state"], "enabled");
    assert_eq!(host.extension("test.quiet").await["state"], "disabled");
    let documents = host
        .call("workspace/executeCommand", execute("steady.documents"))
        .await;
    assert_eq!(documents[0]["text"], "alpha");
    // The disable is persisted under $EXTHOST_HOME.
    let choices: Value = serde_json::from_slice(
        &std::fs::read(host.home.path().join("state/choices.json")).expect("choices persisted"),
    )
    .expect("valid JSON");
    assert_eq!(choices["disabled"], json!(["test.quiet"]));
    assert_eq!(host.shutdown().await, 0);
}

/// A native command that takes the whole worker down twice: each time the request is answered -32802 and
/// the host restarts; the second time the extension is quarantined, while the JS extension keeps working.
async fn crashing_native_command_is_quarantined(command: &str, signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    install_fixture(dir.path(), "native-crash");
    let mut host = host_with(dir.path(), &[], json!({})).await;
    assert_eq!(
        host.call("workspace/executeCommand", execute("native-crash.fine"))
            .await,
        "fine"
    );

    for crash in 1..=2 {
        let response = host
            .request("workspace/executeCommand", execute(command))
            .await;
        let (code, _) = error_of(&response.payload);
        assert_eq!(code, error_code::SERVER_CANCELLED, "crash {crash}");
        let restarted = host.notification("exthost/hostRestarted", |_| true).await;
        assert_eq!(restarted["reason"], "crashed");
        let detail = restarted["detail"].as_str().expect("a detail");
        assert!(
            detail.contains(signal) && detail.contains("test.native-crash"),
            "{detail}"
        );
        let echoed = host
            .call("workspace/executeCommand", execute("steady.echo"))
            .await;
        assert_eq!(echoed["echoed"], json!([]));
    }
    let shown = host
        .notification("window/showMessage", |p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("quarantined"))
        })
        .await;
    let message = shown["message"].as_str().expect("text");
    assert!(
        message.contains("test.native-crash") && message.contains("exthost/enable"),
        "{message}"
    );
    let info = host.extension("test.native-crash").await;
    assert_eq!(info["state"], "failed");
    assert_eq!(
        info["error"]["message"],
        "quarantined after crashing the host 2 times"
    );
    let refused = host
        .request("workspace/executeCommand", execute("native-crash.fine"))
        .await;
    error_of(&refused.payload);
    let stored = std::fs::read_to_string(host.home.path().join("state/quarantine.json"))
        .expect("the quarantine is persisted");
    assert!(stored.contains("test.native-crash"), "{stored}");

    // `exthost/enable` lifts it.
    host.call("exthost/enable", json!({"id": "test.native-crash"}))
        .await;
    assert_eq!(
        host.extension("test.native-crash").await["state"],
        "enabled"
    );
    assert_eq!(
        host.call("workspace/executeCommand", execute("native-crash.fine"))
            .await,
        "fine"
    );
    let stored =
        std::fs::read_to_string(host.home.path().join("state/quarantine.json")).expect("file");
    assert!(!stored.contains("test.native-crash"), "{stored}");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_native_extension_that_aborts_is_quarantined_after_two_crashes() {
    crashing_native_command_is_quarantined("native-crash.abort", "SIGABRT").await;
}

#[tokio::test]
async fn a_native_extension_that_segfaults_is_quarantined_after_two_crashes() {
    crashing_native_command_is_quarantined("native-crash.segfault", "SIGSEGV").await;
}

#[tokio::test]
async fn automatic_restarts_are_capped_and_restart_host_works_after() {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    let mut host = host_with(dir.path(), &[], json!({})).await;
    for _ in 0..3 {
        kill_9(worker_pid(&host).await);
        let restarted = host.notification("exthost/hostRestarted", |_| true).await;
        assert_eq!(restarted["reason"], "crashed");
    }
    kill_9(worker_pid(&host).await);
    let gave_up = host.notification("exthost/hostRestarted", |_| true).await;
    assert_eq!(gave_up["reason"], "gaveUp");
    let shown = host
        .notification("window/showMessage", |p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("not restarted again"))
        })
        .await;
    assert_eq!(shown["type"], 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        workers_of(host.pid().expect("runs")).is_empty(),
        "no worker after giving up"
    );
    let refused = host
        .request("workspace/executeCommand", execute("steady.echo"))
        .await;
    let (_, message) = error_of(&refused.payload);
    assert!(message.contains("exthost/restartHost"), "{message}");

    assert_eq!(
        host.call("exthost/restartHost", json!({})).await,
        json!({"restarted": true})
    );
    let echoed = host
        .call("workspace/executeCommand", execute("steady.echo"))
        .await;
    assert_eq!(echoed["echoed"], json!([]));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_native_command_that_never_returns_is_reported_and_recovered() {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    install_fixture(dir.path(), "native-crash");
    let mut host = host_with(
        dir.path(),
        &[],
        json!({"initializationOptions": {"limits": {"unresponsiveMs": 4500}}}),
    )
    .await;
    let stuck_worker = worker_pid(&host).await;
    let spinning = host
        .send_request("workspace/executeCommand", execute("native-crash.spin"))
        .await;
    let report = host.notification("exthost/unresponsive", |_| true).await;
    assert_eq!(report["extensionId"], "test.native-crash");
    assert!(
        report["sinceMs"]
            .as_u64()
            .is_some_and(|ms| (3000..4500).contains(&ms)),
        "{report}"
    );
    let restarted = host.notification("exthost/hostRestarted", |_| true).await;
    assert_eq!(restarted["reason"], "crashed");
    let detail = restarted["detail"].as_str().expect("detail");
    assert!(
        detail.contains("unresponsive") && detail.contains("test.native-crash"),
        "{detail}"
    );
    // The spinning request was answered (the call's time limit, or the restart), and its CPU is back.
    error_of(&host.response(&spinning).await.payload);
    assert!(!alive(stuck_worker), "the stuck worker was killed");
    let echoed = host
        .call("workspace/executeCommand", execute("steady.echo"))
        .await;
    assert_eq!(echoed["echoed"], json!([]));
    assert_eq!(
        host.call("workspace/executeCommand", execute("native-crash.fine"))
            .await,
        "fine"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_corrupt_state_file_is_moved_aside_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    let mut host = host_with(dir.path(), &[], json!({})).await;
    let state = host.home.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("quarantine.json"), b"{\"quarantined\": {tru").unwrap();
    assert_eq!(
        host.call("exthost/restartHost", json!({})).await,
        json!({"restarted": true})
    );
    let warning = host
        .notification("window/showMessage", |p| {
            p["message"].as_str().is_some_and(|m| m.contains("corrupt"))
        })
        .await;
    assert_eq!(warning["type"], 2);
    assert!(state.join("quarantine.json.corrupt-1").is_file());
    let echoed = host
        .call("workspace/executeCommand", execute("steady.echo"))
        .await;
    assert_eq!(echoed["echoed"], json!([]));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn kill_9_of_the_whole_host_during_a_burst_of_choice_writes_leaves_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    let mut host = host_with(dir.path(), &[], json!({})).await;
    let mut sent: Vec<Id> = Vec::new();
    for n in 0..60 {
        let method = if n % 2 == 0 {
            "exthost/disable"
        } else {
            "exthost/enable"
        };
        sent.push(host.send_request(method, json!({"id": "test.quiet"})).await);
    }
    // Let some writes complete, then kill the supervisor and its worker mid-burst.
    host.response(&sent[10]).await;
    let worker = worker_pid(&host).await;
    kill_9(host.pid().expect("runs"));
    kill_9(worker);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = std::fs::read(host.home.path().join("state/choices.json")).expect("a choices file");
    let choices: Value = serde_json::from_slice(&text).expect("the file holds one whole write");
    let enabled = choices["enabled"].as_array().expect("enabled list");
    let disabled = choices["disabled"].as_array().expect("disabled list");
    assert_eq!(enabled.len() + disabled.len(), 1, "{choices}");
}

#[tokio::test]
async fn two_hosts_on_one_home_lose_none_of_each_others_choices() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..12 {
        write_extension(
            dir.path(),
            &format!("e{n}"),
            &json!({"id": format!("test.e{n}"), "name": "E", "version": "1.0.0", "main": "extension.js",
                    "activationEvents": ["onCommand:never"]}),
            &[("extension.js", "exports.activate = () => {};")],
        );
    }
    let mut first = host_with(dir.path(), &[], json!({})).await;
    let mut second = Host::spawn_sharing_home(HostOptions::with_dirs(&[dir.path()]), &first);
    second.initialize(json!({})).await;
    // Both write the one choices file at once: the first disables the even ids, the second the odd ones.
    let mut first_ids = Vec::new();
    let mut second_ids = Vec::new();
    for n in 0..6 {
        first_ids.push(
            first
                .send_request("exthost/disable", json!({"id": format!("test.e{}", 2 * n)}))
                .await,
        );
        second_ids.push(
            second
                .send_request(
                    "exthost/disable",
                    json!({"id": format!("test.e{}", 2 * n + 1)}),
                )
                .await,
        );
    }
    for id in &first_ids {
        first.response(id).await;
    }
    for id in &second_ids {
        second.response(id).await;
    }
    let choices: Value = serde_json::from_slice(
        &std::fs::read(first.home.path().join("state/choices.json")).expect("a choices file"),
    )
    .expect("valid JSON");
    let mut disabled: Vec<String> = choices["disabled"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|id| id.as_str().expect("an id").to_owned())
        .collect();
    disabled.sort();
    let mut expected: Vec<String> = (0..12).map(|n| format!("test.e{n}")).collect();
    expected.sort();
    assert_eq!(disabled, expected);

    // A new session on that home starts with those extensions disabled.
    let mut third = Host::spawn_sharing_home(HostOptions::with_dirs(&[dir.path()]), &first);
    third.initialize(json!({})).await;
    third.state_change("test.e3", "disabled").await;
    assert_eq!(third.extension("test.e4").await["state"], "disabled");
    assert_eq!(third.shutdown().await, 0);
    assert_eq!(second.shutdown().await, 0);
    assert_eq!(first.shutdown().await, 0);
}

#[tokio::test]
async fn a_crash_while_javascript_runs_names_the_javascript_extension() {
    let dir = tempfile::tempdir().unwrap();
    install_steady(dir.path());
    write_extension(
        dir.path(),
        "busy",
        &json!({
            "id": "test.busy", "name": "Busy", "version": "1.0.0", "main": "extension.js",
            "activationEvents": ["onCommand:busy.spin"],
        }),
        &[(
            "extension.js",
            r#"
            const vscode = require('vscode');
            exports.activate = (context) => {
              context.subscriptions.push(vscode.commands.registerCommand('busy.spin', () => {
                const end = Date.now() + 5000;
                while (Date.now() < end) {}
                return 'done';
              }));
            };
            "#,
        )],
    );
    let mut host = host_with(dir.path(), &["--call-timeout-ms", "30000"], json!({})).await;
    assert_eq!(
        host.call("workspace/executeCommand", execute("steady.echo"))
            .await["activations"],
        1
    );
    let worker = worker_pid(&host).await;
    let spinning = host
        .send_request("workspace/executeCommand", execute("busy.spin"))
        .await;
    // The extension's code holds its thread now (activation is quick; the loop runs 5 s).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    kill_9(worker);
    let (code, _) = error_of(&host.response(&spinning).await.payload);
    assert_eq!(code, error_code::SERVER_CANCELLED);
    let restarted = host.notification("exthost/hostRestarted", |_| true).await;
    assert_eq!(restarted["reason"], "crashed");
    let detail = restarted["detail"].as_str().expect("a detail");
    assert!(detail.contains("while running test.busy"), "{detail}");
    assert!(!detail.contains("test.steady"), "{detail}");
    // Marks of JavaScript do not make the worker unresponsive: the extension that did nothing is fine.
    assert_eq!(
        host.call("workspace/executeCommand", execute("steady.echo"))
            .await["echoed"],
        json!([])
    );
    assert_eq!(host.shutdown().await, 0);
}
