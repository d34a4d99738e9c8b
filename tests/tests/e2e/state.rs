//! What persists under `$EXTHOST_HOME` (contract §8), end to end: `context.globalState`,
//! `workspaceState` and `secrets` survive `exthost/restartHost` and a new session, in QuickJS and in Deno;
//! the storage folders exist; `kill -9` of the whole host during a burst of `globalState.update` calls
//! leaves a valid file holding a completed write; a corrupt state file is moved aside with a warning; two
//! real hosts on one home keep each other's keys (and one's secret writes fire the other's
//! `secrets.onDidChange`); persisted enables are applied at the next start; and an
//! explicit restart does not reset the automatic-restart cap. A native extension's mementos (`exthost-sdk`)
//! persist the same way, in the same files.

use std::path::Path;

use exthost_e2e::{Host, HostOptions, write_extension};
use serde_json::{Value, json};

use super::engines::deno;
use super::native::install_fixture;
use super::supervisor::{alive, kill_9, worker_pid, workers_of};

const COMMANDS: &[&str] = &[
    "memo.set",
    "memo.setWorkspace",
    "memo.read",
    "memo.burst",
    "memo.secretStore",
    "memo.secretGet",
    "memo.secretDelete",
    "memo.secretChanges",
    "memo.many",
    "memo.writeFiles",
];

/// `test.memo`, a JS extension (in `engine`, QuickJS by default) whose commands use its context's state.
fn install_memo(parent: &Path, engine: Option<&str>) {
    let mut manifest = json!({
        "id": "test.memo", "name": "Memo", "version": "1.0.0", "main": "extension.js",
        "activationEvents": COMMANDS.iter().map(|c| format!("onCommand:{c}")).collect::<Vec<_>>(),
    });
    if let Some(engine) = engine {
        manifest["engine"] = json!(engine);
    }
    write_extension(
        parent,
        "memo",
        &manifest,
        &[(
            "extension.js",
            r#"
            const vscode = require('vscode');
            exports.activate = function (context) {
              const changes = [];
              context.secrets.onDidChange((event) => changes.push(event.key));
              const register = (id, handler) =>
                context.subscriptions.push(vscode.commands.registerCommand(id, handler));
              register('memo.set', async (key, value) => { await context.globalState.update(key, value); return true; });
              register('memo.setWorkspace', async (key, value) => { await context.workspaceState.update(key, value); return true; });
              const all = (memento) => Object.fromEntries(memento.keys().map((key) => [key, memento.get(key)]));
              register('memo.read', () => ({
                global: all(context.globalState),
                workspace: all(context.workspaceState),
                missing: context.globalState.get('missing', 'default'),
                syncAccepted: context.globalState.setKeysForSync(['a']) === undefined,
                globalStorage: context.globalStorageUri && context.globalStorageUri.fsPath,
                storage: context.storageUri ? context.storageUri.fsPath : null,
                log: context.logUri && context.logUri.fsPath,
                paths: [context.globalStoragePath, context.storagePath || null, context.logPath],
              }));
              register('memo.burst', () => {
                const pad = 'x'.repeat(50000);
                (async () => {
                  for (let i = 1; i <= 1000000; i++) {
                    await context.globalState.update('count', { i, pad });
                    if (i % 10 === 0) console.log('acked ' + i);
                  }
                })();
                return 'started';
              });
              register('memo.secretStore', async (key, value) => { await context.secrets.store(key, value); return true; });
              register('memo.secretGet', async (key) => {
                const value = await context.secrets.get(key);
                return value === undefined ? null : value;
              });
              register('memo.secretDelete', async (key) => { await context.secrets.delete(key); return true; });
              register('memo.secretChanges', () => changes);
              // The permissions let an extension write in its three folders.
              register('memo.writeFiles', () => {
                const fs = require('fs');
                for (const uri of [context.globalStorageUri, context.storageUri, context.logUri]) {
                  fs.writeFileSync(uri.fsPath + '/written.txt', 'mine');
                }
                return true;
              });
              register('memo.many', async (prefix, count) => {
                const writes = [];
                for (let i = 0; i < count; i++) writes.push(context.globalState.update(prefix + i, i));
                await Promise.all(writes);
                return count;
              });
            };
            "#,
        )],
    );
}

fn execute(command: &str, arguments: Value) -> Value {
    json!({"command": command, "arguments": arguments})
}

async fn run(host: &mut Host, command: &str, arguments: Value) -> Value {
    host.call("workspace/executeCommand", execute(command, arguments))
        .await
}

fn workspace_init(folder: &Path) -> Value {
    json!({"workspaceFolders": [{"uri": format!("file://{}", folder.display()), "name": "w"}]})
}

/// Memento values, secrets and storage folders across `exthost/restartHost` and a new session.
async fn state_survives_restarts(engine: Option<&str>, env: &[(&str, &Path)]) {
    let dir = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path().to_path_buf();
    install_memo(dir.path(), engine);
    let mut host = spawn_on_home(dir.path(), &home, env);
    host.initialize(workspace_init(workspace.path())).await;
    assert_eq!(
        host.extension("test.memo").await["engine"],
        engine.unwrap_or("quickjs")
    );
    assert_eq!(
        run(
            &mut host,
            "memo.set",
            json!(["answer", {"n": 42, "list": [1, "two", null]}])
        )
        .await,
        true
    );
    assert_eq!(run(&mut host, "memo.set", json!(["gone", 1])).await, true);
    assert_eq!(run(&mut host, "memo.set", json!(["gone"])).await, true);
    assert_eq!(
        run(&mut host, "memo.setWorkspace", json!(["here", "w1"])).await,
        true
    );
    assert_eq!(
        run(&mut host, "memo.secretStore", json!(["token", "s3cret"])).await,
        true
    );
    assert_eq!(
        run(&mut host, "memo.secretChanges", json!([])).await,
        json!(["token"])
    );
    let before = run(&mut host, "memo.read", json!([])).await;

    assert_eq!(
        host.call("exthost/restartHost", json!({})).await,
        json!({"restarted": true})
    );
    let after = run(&mut host, "memo.read", json!([])).await;
    assert_eq!(after, before, "the new worker starts from what was written");
    assert_eq!(
        after["global"],
        json!({"answer": {"n": 42, "list": [1, "two", null]}})
    );
    assert_eq!(after["workspace"], json!({"here": "w1"}));
    assert_eq!(after["missing"], "default");
    assert_eq!(after["syncAccepted"], true);
    assert_eq!(
        run(&mut host, "memo.secretGet", json!(["token"])).await,
        "s3cret"
    );
    assert_eq!(
        run(&mut host, "memo.secretGet", json!(["other"])).await,
        Value::Null
    );

    // The folders exist, under the home, and globalStorage is the permissions' `${storage}`.
    let global = after["globalStorage"].as_str().expect("globalStorageUri");
    assert_eq!(Path::new(global), home.join("storage/test.memo"));
    for key in ["globalStorage", "storage", "log"] {
        let folder = after[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key}: {after}"));
        assert!(Path::new(folder).is_dir(), "{key} {folder}");
        assert!(Path::new(folder).starts_with(&home), "{key} {folder}");
    }
    assert_eq!(run(&mut host, "memo.writeFiles", json!([])).await, true);
    for key in ["globalStorage", "storage", "log"] {
        let folder = Path::new(after[key].as_str().expect("a folder"));
        assert_eq!(
            std::fs::read_to_string(folder.join("written.txt")).expect(key),
            "mine"
        );
    }
    assert_eq!(
        after["paths"],
        json!([after["globalStorage"], after["storage"], after["log"]])
    );
    // The secrets file is the user's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let secrets = home.join("state/secrets/test.memo.json");
        let mode = std::fs::metadata(&secrets)
            .expect("secrets file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        run(&mut host, "memo.secretDelete", json!(["token"])).await,
        true
    );
    assert_eq!(
        run(&mut host, "memo.secretGet", json!(["token"])).await,
        Value::Null
    );
    assert_eq!(host.shutdown().await, 0);

    // Another workspace sees the global state but not the first workspace's.
    let elsewhere = tempfile::tempdir().unwrap();
    let mut other = spawn_on_home(dir.path(), &home, env);
    other.initialize(workspace_init(elsewhere.path())).await;
    let read = run(&mut other, "memo.read", json!([])).await;
    assert_eq!(read["global"], after["global"]);
    assert_eq!(read["workspace"], json!({}));
    assert_ne!(read["storage"], after["storage"]);
    assert_eq!(other.shutdown().await, 0);
}

/// A host on `home` (which outlives it), with `env`.
fn spawn_on_home(dir: &Path, home: &Path, env: &[(&str, &Path)]) -> Host {
    let mut env: Vec<(&str, &Path)> = env.to_vec();
    env.push(("EXTHOST_HOME", home));
    Host::spawn_with_env(HostOptions::with_dirs(&[dir]), &env)
}

#[tokio::test]
async fn mementos_secrets_and_storage_folders_persist_in_quickjs() {
    state_survives_restarts(None, &[]).await;
}

#[tokio::test]
async fn mementos_secrets_and_storage_folders_persist_in_deno() {
    let Some(deno) = deno() else {
        return;
    };
    state_survives_restarts(Some("deno"), &[("EXTHOST_DENO", &deno)]).await;
}

/// The highest `acked N` the burst logged, waiting for at least `at_least`.
async fn acked(host: &mut Host, at_least: u64) -> u64 {
    loop {
        let logged = host
            .notification("window/logMessage", |p| {
                p["message"].as_str().is_some_and(|m| m.contains("acked "))
            })
            .await;
        let message = logged["message"].as_str().unwrap_or_default();
        let n: u64 = message
            .rsplit(' ')
            .next()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{message}"));
        if n >= at_least {
            return n;
        }
    }
}

#[tokio::test]
async fn kill_9_of_the_whole_host_during_a_burst_of_global_state_updates_leaves_a_completed_write()
{
    let dir = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path();
    install_memo(dir.path(), None);
    let mut host = spawn_on_home(dir.path(), home, &[]);
    host.initialize(json!({})).await;
    assert_eq!(run(&mut host, "memo.burst", json!([])).await, "started");
    // Every `acked N` was logged after `update` resolved: write N was durable by then.
    let acknowledged = acked(&mut host, 100).await;
    let worker = worker_pid(&host).await;
    kill_9(host.pid().expect("runs"));
    kill_9(worker);
    for _ in 0..200 {
        if !alive(worker) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!alive(worker), "the worker is gone");
    let file = home.join("state/global-state/test.memo.json");
    let text = std::fs::read(&file).expect("a state file");
    let state: Value = serde_json::from_slice(&text).expect("the file holds one whole write");
    let written = state["count"]["i"].as_u64().expect("a count");
    assert!(
        written >= acknowledged,
        "an acknowledged write was lost: {written} < {acknowledged}"
    );
    assert_eq!(state["count"]["pad"].as_str().map(str::len), Some(50000));

    // The next session starts from that write.
    let mut next = spawn_on_home(dir.path(), home, &[]);
    next.initialize(json!({})).await;
    let read = run(&mut next, "memo.read", json!([])).await;
    assert_eq!(read["global"]["count"]["i"], written);
    assert_eq!(next.shutdown().await, 0);
}

#[tokio::test]
async fn a_corrupt_global_state_file_is_moved_aside_with_a_warning_and_the_host_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path();
    install_memo(dir.path(), None);
    let folder = home.join("state/global-state");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("test.memo.json"), b"{\"count\": {\"i\": 3").unwrap();
    let mut host = spawn_on_home(dir.path(), home, &[]);
    host.initialize(json!({})).await;
    let read = run(&mut host, "memo.read", json!([])).await;
    assert_eq!(read["global"], json!({}));
    let warning = host
        .notification("window/showMessage", |p| {
            p["message"].as_str().is_some_and(|m| m.contains("corrupt"))
        })
        .await;
    assert_eq!(warning["type"], 2);
    assert!(folder.join("test.memo.json.corrupt-1").is_file());
    assert_eq!(run(&mut host, "memo.set", json!(["after", 1])).await, true);
    let text = std::fs::read(folder.join("test.memo.json")).expect("written again");
    assert_eq!(
        serde_json::from_slice::<Value>(&text).expect("json"),
        json!({"after": 1})
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn two_hosts_on_one_home_writing_at_once_keep_both_hosts_keys() {
    let dir = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path();
    install_memo(dir.path(), None);
    let mut first = spawn_on_home(dir.path(), home, &[]);
    let mut second = spawn_on_home(dir.path(), home, &[]);
    first.initialize(json!({})).await;
    second.initialize(json!({})).await;
    // Activate both first, so that their writes overlap.
    run(&mut first, "memo.read", json!([])).await;
    run(&mut second, "memo.read", json!([])).await;
    let a = first
        .send_request(
            "workspace/executeCommand",
            execute("memo.many", json!(["first-", 200])),
        )
        .await;
    let b = second
        .send_request(
            "workspace/executeCommand",
            execute("memo.many", json!(["second-", 200])),
        )
        .await;
    assert_eq!(
        first.response(&a).await.payload,
        exthost_protocol::ResponsePayload::Result(json!(200))
    );
    assert_eq!(
        second.response(&b).await.payload,
        exthost_protocol::ResponsePayload::Result(json!(200))
    );
    let text = std::fs::read(home.join("state/global-state/test.memo.json")).expect("a file");
    let state: Value = serde_json::from_slice(&text).expect("valid JSON");
    let keys = state.as_object().expect("an object");
    for n in 0..200 {
        assert_eq!(keys[&format!("first-{n}")], n, "first-{n}");
        assert_eq!(keys[&format!("second-{n}")], n, "second-{n}");
    }
    assert_eq!(first.shutdown().await, 0);
    assert_eq!(second.shutdown().await, 0);
    let mut third = spawn_on_home(dir.path(), home, &[]);
    third.initialize(json!({})).await;
    let read = run(&mut third, "memo.read", json!([])).await;
    assert_eq!(read["global"].as_object().expect("object").len(), 400);
    assert_eq!(third.shutdown().await, 0);
}

#[tokio::test]
async fn persisted_enables_are_applied_on_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path();
    write_extension(
        dir.path(),
        "lazy",
        &json!({"id": "test.lazy", "name": "Lazy", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:never"]}),
        &[("extension.js", "exports.activate = () => {};")],
    );
    let mut first = spawn_on_home(dir.path(), home, &[]);
    first.initialize(json!({})).await;
    assert_eq!(first.extension("test.lazy").await["state"], "discovered");
    first
        .call("exthost/enable", json!({"id": "test.lazy"}))
        .await;
    assert_eq!(first.shutdown().await, 0);

    let mut second = spawn_on_home(dir.path(), home, &[]);
    second.initialize(json!({})).await;
    second.state_change("test.lazy", "enabled").await;
    assert_eq!(second.shutdown().await, 0);
}

#[tokio::test]
async fn an_explicit_restart_keeps_the_automatic_restart_history() {
    let dir = tempfile::tempdir().unwrap();
    install_memo(dir.path(), None);
    let mut host = Host::start(&[dir.path()]).await;
    for _ in 0..3 {
        kill_9(worker_pid(&host).await);
        let restarted = host.notification("exthost/hostRestarted", |_| true).await;
        assert_eq!(restarted["reason"], "crashed");
    }
    kill_9(worker_pid(&host).await);
    let gave_up = host.notification("exthost/hostRestarted", |_| true).await;
    assert_eq!(gave_up["reason"], "gaveUp");
    assert_eq!(
        host.call("exthost/restartHost", json!({})).await,
        json!({"restarted": true})
    );
    host.notification("exthost/hostRestarted", |p| p["reason"] == "requested")
        .await;
    // Three automatic restarts happened in the last 5 minutes: a crash now is not restarted (contract
    // §8, as VS Code's ExtensionHostCrashTracker, which a manual restart does not clear either).
    kill_9(worker_pid(&host).await);
    let again = host.notification("exthost/hostRestarted", |_| true).await;
    assert_eq!(again["reason"], "gaveUp");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(workers_of(host.pid().expect("runs")).is_empty());
    assert_eq!(
        host.call("exthost/restartHost", json!({})).await,
        json!({"restarted": true})
    );
    assert_eq!(run(&mut host, "memo.set", json!(["k", 1])).await, true);
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_native_extensions_mementos_survive_restart_host_and_a_new_session() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path().to_path_buf();
    install_fixture(dir.path(), "native-state");
    let mut host = spawn_on_home(dir.path(), &home, &[]);
    host.initialize(workspace_init(workspace.path())).await;
    assert_eq!(
        run(&mut host, "native-state.bump", json!(["first"])).await,
        1
    );
    assert_eq!(
        run(&mut host, "native-state.bump", json!([{"n": 2}])).await,
        2
    );
    let worker = worker_pid(&host).await;
    assert_eq!(
        host.call("exthost/restartHost", json!({})).await,
        json!({"restarted": true})
    );
    assert_ne!(worker_pid(&host).await, worker, "a new worker");
    assert_eq!(
        run(&mut host, "native-state.read", json!([])).await,
        json!({"count": 2, "last": {"n": 2}, "keys": ["count"]}),
        "the new worker starts from what was written"
    );
    assert_eq!(run(&mut host, "native-state.bump", json!([])).await, 3);
    // The same file a JavaScript extension's globalState is kept in.
    let stored: Value = serde_json::from_slice(
        &std::fs::read(home.join("state/global-state/test.native-state.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(stored, json!({"count": 3}), "{stored}");
    assert_eq!(host.shutdown().await, 0);

    // The next session on the same home and workspace.
    let mut host = spawn_on_home(dir.path(), &home, &[]);
    host.initialize(workspace_init(workspace.path())).await;
    assert_eq!(
        run(&mut host, "native-state.read", json!([])).await,
        json!({"count": 3, "last": {"n": 2}, "keys": ["count"]})
    );
    assert_eq!(host.shutdown().await, 0);
}

/// Runs `memo.secretChanges` on `host` until it answers `expected` (within 10 s).
async fn secret_changes_become(host: &mut Host, expected: Value) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let changes = run(host, "memo.secretChanges", json!([])).await;
        if changes == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "secrets.onDidChange saw {changes}, never {expected}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn another_hosts_secret_writes_fire_secrets_on_did_change() {
    let dir = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path();
    install_memo(dir.path(), None);
    let mut first = spawn_on_home(dir.path(), home, &[]);
    let mut second = spawn_on_home(dir.path(), home, &[]);
    first.initialize(json!({})).await;
    second.initialize(json!({})).await;
    run(&mut first, "memo.read", json!([])).await;
    run(&mut second, "memo.read", json!([])).await;

    // The first window stores a secret: the second window's extension hears of it.
    assert_eq!(
        run(&mut first, "memo.secretStore", json!(["shared", "one"])).await,
        true
    );
    secret_changes_become(&mut second, json!(["shared"])).await;
    assert_eq!(
        run(&mut second, "memo.secretGet", json!(["shared"])).await,
        "one"
    );
    // Its own write fires once (the shim's own event, not the watcher's too); the first window hears it.
    assert_eq!(
        run(&mut second, "memo.secretStore", json!(["mine", "two"])).await,
        true
    );
    secret_changes_become(&mut first, json!(["shared", "mine"])).await;
    // A deletion elsewhere is a change too; the second window's list shows no echo of its own write.
    assert_eq!(
        run(&mut first, "memo.secretDelete", json!(["shared"])).await,
        true
    );
    secret_changes_become(&mut second, json!(["shared", "mine", "shared"])).await;
    assert_eq!(first.shutdown().await, 0);
    assert_eq!(second.shutdown().await, 0);
}

/// A worker that is replaced (`exthost/restartHost`) or ends with the session leaves its runtimes' heaps
/// to the process's exit instead of freeing them: what `deactivate` writes — awaited or not — is still on
/// disk for the next worker and the next session.
#[tokio::test]
async fn state_written_in_deactivate_survives_restart_host_and_the_session_end() {
    let dir = tempfile::tempdir().unwrap();
    let home_folder = tempfile::tempdir().unwrap();
    let home = home_folder.path().to_path_buf();
    write_extension(
        dir.path(),
        "farewell",
        &json!({"id": "test.farewell", "name": "Farewell", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:farewell.arm", "onCommand:farewell.read"]}),
        &[(
            "extension.js",
            r#"
            const vscode = require('vscode');
            let state;
            exports.activate = function (context) {
              state = context.globalState;
              context.subscriptions.push(vscode.commands.registerCommand('farewell.arm', () => true));
              context.subscriptions.push(vscode.commands.registerCommand('farewell.read', () =>
                Object.fromEntries(state.keys().map((key) => [key, state.get(key)]))));
            };
            exports.deactivate = function () {
              const runs = (state.get('runs') || 0) + 1;
              const pad = 'x'.repeat(20000);
              // Not awaited: the writes are queued as the extension returns.
              for (let i = 0; i < 20; i++) state.update('pad' + i, { runs, pad });
              return state.update('runs', runs);
            };
            "#,
        )],
    );
    let read = |stored: &Value| -> (Value, usize) {
        let pads = (0..20)
            .filter(|i| stored[format!("pad{i}")]["runs"] == stored["runs"])
            .count();
        (stored["runs"].clone(), pads)
    };
    let mut host = spawn_on_home(dir.path(), &home, &[]);
    host.initialize(json!({})).await;
    for restart in 1..=3 {
        assert_eq!(run(&mut host, "farewell.arm", json!([])).await, true);
        assert_eq!(
            host.call("exthost/restartHost", json!({})).await,
            json!({"restarted": true})
        );
        let stored = run(&mut host, "farewell.read", json!([])).await;
        assert_eq!(
            read(&stored),
            (json!(restart), 20),
            "restart {restart}: the old worker's deactivate wrote every key"
        );
    }
    assert_eq!(host.shutdown().await, 0);
    let file: Value = serde_json::from_slice(
        &std::fs::read(home.join("state/global-state/test.farewell.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(read(&file), (json!(4), 20), "the session's end wrote them");
}
