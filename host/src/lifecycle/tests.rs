//! The lifecycle tested in process with a scripted fake engine ([`fake_engine::FakeEngine`]): what
//! concurrency does to activation, disable, reload and restart, and reports from stale runtimes.

mod fake_engine;

use std::sync::Arc;
use std::time::Duration;

use exthost_protocol::methods::ExtensionState;
use serde_json::{Value, json};

use self::fake_engine::{FakeEngine, Gate, Script, ask};
use super::{Engines, Lifecycle, LifecycleError};
use crate::config::HostConfig;
use crate::editor::EditorHandle;
use crate::runtime::{HostCall, HostRequest, RuntimeError};
use crate::session::{OpenDocument, SessionState};

/// Extensions on disk (`--dev` folders) and a lifecycle over them running in the fake engine.
struct Fixture {
    _folder: tempfile::TempDir,
    engine: Arc<FakeEngine>,
    lifecycle: Arc<Lifecycle>,
}

/// `(id, activation events, dependencies)`.
type Declared<'a> = (&'a str, &'a [&'a str], &'a [&'a str]);

fn fixture(extensions: &[Declared<'_>], scripts: Vec<(&str, Script)>) -> Fixture {
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut dev_paths = Vec::new();
    for (id, events, dependencies) in extensions {
        let path = folder.path().join(id);
        std::fs::create_dir_all(&path).expect("extension folder");
        let dependencies: serde_json::Map<String, Value> = dependencies
            .iter()
            .map(|dependency| ((*dependency).to_owned(), json!("^1.0.0")))
            .collect();
        let manifest = json!({
            "id": id,
            "name": id,
            "version": "1.0.0",
            "main": "extension.js",
            "engines": {"exthost": "^0.1"},
            "activationEvents": events,
            "dependencies": dependencies,
            "capabilities": {"supportsHotReload": true},
        });
        std::fs::write(path.join("exthost.json"), manifest.to_string()).expect("manifest");
        std::fs::write(path.join("extension.js"), "").expect("entry");
        dev_paths.push(path);
    }
    let engine = Arc::new(FakeEngine::default());
    for (id, script) in scripts {
        engine.script(id, script);
    }
    // A workspace of its own, so settings written with target 2 land in the temporary folder.
    let workspace = folder.path().join("workspace");
    std::fs::create_dir_all(&workspace).expect("workspace folder");
    let config = HostConfig {
        dev_paths,
        workspace: Some(workspace),
        ..HostConfig::default()
    };
    let lifecycle = Lifecycle::start(
        config,
        Engines::all(Arc::clone(&engine) as Arc<dyn crate::runtime::Engine>),
        EditorHandle::detached(),
        SessionState::default(),
    );
    Fixture {
        _folder: folder,
        engine,
        lifecycle,
    }
}

fn state_of(lifecycle: &Lifecycle, id: &str) -> ExtensionState {
    lifecycle
        .list()
        .into_iter()
        .find(|info| info.id == id)
        .map(|info| info.state)
        .expect("extension listed")
}

fn gated(gate: &Gate) -> Script {
    Script {
        gate: Some(gate.clone()),
        ..Script::default()
    }
}

/// Lets spawned tasks (call loops, activations) run until they wait again.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[tokio::test]
async fn engines_are_prepared_once_per_engine_without_launching_anything() {
    let two = fixture(
        &[("test.one", &["*"], &[]), ("test.two", &["*"], &[])],
        vec![],
    );
    assert_eq!(two.engine.prepared(), 0, "nothing is prepared at start");
    two.lifecycle.prepare_engines();
    assert_eq!(
        two.engine.prepared(),
        1,
        "the extensions (and the built-in examples) all run in this one engine: prepared once"
    );
    assert!(
        two.engine.launches_of("test.one").is_empty(),
        "preparing launches nothing"
    );
}

#[tokio::test]
async fn concurrent_triggers_activate_once() {
    let gate = Gate::closed();
    let fixture = fixture(
        &[("test.once", &["onLanguage:fake", "onCommand:once.go"], &[])],
        vec![("test.once", gated(&gate))],
    );
    let lifecycle = &fixture.lifecycle;
    let by_event = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.fire("onLanguage:fake").await }
    });
    let by_command = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.fire("onCommand:once.go").await }
    });
    let by_api = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.activate("test.once").await }
    });
    fixture.engine.launched("test.once", 1).await;
    settle().await;
    gate.open();
    assert_eq!(by_event.await.expect("task"), vec!["test.once".to_owned()]);
    assert_eq!(
        by_command.await.expect("task"),
        vec!["test.once".to_owned()]
    );
    assert_eq!(
        by_api.await.expect("task"),
        Ok(json!({"activated": "test.once"}))
    );
    assert_eq!(fixture.engine.launches_of("test.once").len(), 1);
    assert_eq!(state_of(lifecycle, "test.once"), ExtensionState::Enabled);
}

#[tokio::test]
async fn disable_while_activating_leaves_it_disabled_and_stopped() {
    let gate = Gate::closed();
    let script = Script {
        gate: Some(gate.clone()),
        commands: vec!["slow.run".to_owned()],
        ..Script::default()
    };
    let fixture = fixture(
        &[("test.slow", &["onCommand:slow.run"], &[])],
        vec![("test.slow", script)],
    );
    let lifecycle = &fixture.lifecycle;
    let activation = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.activate("test.slow").await }
    });
    let launch = fixture.engine.launched("test.slow", 1).await.remove(0);
    let disable = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.disable("test.slow").await }
    });
    settle().await;
    gate.open();
    let _ = activation.await.expect("task");
    assert_eq!(
        disable.await.expect("task"),
        Ok(vec!["test.slow".to_owned()])
    );
    assert_eq!(state_of(lifecycle, "test.slow"), ExtensionState::Disabled);
    assert!(
        launch
            .requests
            .lock()
            .expect("requests")
            .contains(&"deactivate".to_owned()),
        "the runtime was deactivated"
    );
    assert_eq!(
        lifecycle
            .execute_command("slow.run", Vec::new())
            .await
            .map_err(|error| matches!(error, LifecycleError::CommandDisabled { .. })),
        Err(true),
        "its command went with it"
    );
    assert_eq!(fixture.engine.launches_of("test.slow").len(), 1);
}

#[tokio::test]
async fn reload_replaces_the_runtime() {
    let script = Script {
        commands: vec!["reload.me".to_owned()],
        ..Script::default()
    };
    let fixture = fixture(
        &[("test.reload", &["onCommand:reload.me"], &[])],
        vec![("test.reload", script)],
    );
    let lifecycle = &fixture.lifecycle;
    lifecycle.activate("test.reload").await.expect("activates");
    assert_eq!(
        lifecycle.reload("test.reload").await,
        Ok(vec!["test.reload".to_owned()])
    );
    let launches = fixture.engine.launches_of("test.reload");
    assert_eq!(launches.len(), 2);
    assert_eq!(
        *launches[0].requests.lock().expect("requests"),
        ["activate", "deactivate"]
    );
    assert_eq!(state_of(lifecycle, "test.reload"), ExtensionState::Enabled);
    assert_eq!(
        lifecycle.execute_command("reload.me", Vec::new()).await,
        Ok(json!({"ran": "reload.me"}))
    );
    assert_eq!(
        *launches[1].requests.lock().expect("requests"),
        ["activate", "command reload.me"]
    );
}

#[tokio::test]
async fn a_stale_runtime_neither_crashes_nor_alters_the_new_one() {
    let script = Script {
        commands: vec!["stale.cmd".to_owned()],
        ..Script::default()
    };
    let fixture = fixture(
        &[("test.stale", &["onCommand:stale.cmd"], &[])],
        vec![("test.stale", script)],
    );
    let lifecycle = &fixture.lifecycle;
    lifecycle.activate("test.stale").await.expect("activates");
    lifecycle.reload("test.stale").await.expect("reloads");
    let old = fixture.engine.launches_of("test.stale").remove(0);
    // The old runtime, replaced, takes the command away and registers another...
    let unregister = HostRequest::UnregisterCommand {
        command: "stale.cmd".to_owned(),
    };
    assert_eq!(
        ask(&old.host, "test.stale", unregister).await,
        Ok(Value::Null)
    );
    let register = HostRequest::RegisterCommand {
        command: "stale.other".to_owned(),
    };
    assert!(ask(&old.host, "test.stale", register).await.is_err());
    // ...and reports a crash.
    let crash = HostCall {
        from: "test.stale".to_owned(),
        request: HostRequest::Crashed {
            error: RuntimeError::Panicked {
                message: "late".to_owned(),
            },
        },
        reply: None,
    };
    old.host.send(crash).expect("the old channel is still open");
    settle().await;
    assert_eq!(state_of(lifecycle, "test.stale"), ExtensionState::Enabled);
    assert_eq!(
        lifecycle.execute_command("stale.cmd", Vec::new()).await,
        Ok(json!({"ran": "stale.cmd"}))
    );
    assert!(matches!(
        lifecycle.execute_command("stale.other", Vec::new()).await,
        Err(LifecycleError::CommandNotFound { .. })
    ));
    // The current runtime's own crash still counts.
    let current = fixture.engine.launches_of("test.stale").remove(1);
    let crash = HostCall {
        from: "test.stale".to_owned(),
        request: HostRequest::Crashed {
            error: RuntimeError::Panicked {
                message: "now".to_owned(),
            },
        },
        reply: None,
    };
    current.host.send(crash).expect("open");
    settle().await;
    assert_eq!(state_of(lifecycle, "test.stale"), ExtensionState::Failed);
}

#[tokio::test]
async fn a_fatal_failure_of_a_call_on_a_replaced_runtime_does_not_fail_the_new_one() {
    let gate = Gate::closed();
    let script = Script {
        commands: vec!["late.cmd".to_owned()],
        command_gate: Some(gate.clone()),
        ..Script::default()
    };
    let fixture = fixture(
        &[("test.late", &["onCommand:late.cmd"], &[])],
        vec![("test.late", script)],
    );
    let lifecycle = &fixture.lifecycle;
    lifecycle.activate("test.late").await.expect("activates");
    // A command runs on the first runtime; the extension is reloaded meanwhile...
    let call = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.execute_command("late.cmd", Vec::new()).await }
    });
    settle().await;
    let first = fixture.engine.launches_of("test.late").remove(0);
    assert!(
        first
            .requests
            .lock()
            .expect("requests lock")
            .contains(&"command late.cmd".to_owned())
    );
    lifecycle.reload("test.late").await.expect("reloads");
    assert_eq!(fixture.engine.launches_of("test.late").len(), 2);
    assert_eq!(state_of(lifecycle, "test.late"), ExtensionState::Enabled);
    // ...and the old runtime's call then fails fatally: the caller gets the error, the new runtime
    // stays enabled.
    gate.open();
    let outcome = call.await.expect("the call's task");
    assert!(
        matches!(outcome, Err(LifecycleError::Runtime { .. })),
        "{outcome:?}"
    );
    settle().await;
    assert_eq!(state_of(lifecycle, "test.late"), ExtensionState::Enabled);
}

#[tokio::test]
async fn restart_during_an_activation_leaves_it_no_say_in_the_new_registry() {
    let dependency_gate = Gate::closed();
    let dependent_gate = Gate::closed();
    let fixture = fixture(
        &[
            ("test.base", &[], &[]),
            ("test.top", &["onCommand:top.go"], &["test.base"]),
        ],
        vec![
            ("test.base", gated(&dependency_gate)),
            ("test.top", gated(&dependent_gate)),
        ],
    );
    let lifecycle = &fixture.lifecycle;
    // `test.top` waits for its dependency when the restart begins: it is not running yet, so the
    // restart's stop does not wait for it.
    let old_activation = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.activate("test.top").await }
    });
    fixture.engine.launched("test.base", 1).await;
    let restart = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.restart("test").await }
    });
    settle().await;
    dependency_gate.open();
    assert_eq!(restart.await.expect("task"), Vec::<String>::new());
    let _ = old_activation.await.expect("task");
    dependent_gate.open();
    settle().await;
    // After the restart, activating `test.top` activates it afresh, dependency first.
    assert_eq!(
        lifecycle.activate("test.top").await,
        Ok(json!({"activated": "test.top"}))
    );
    assert_eq!(state_of(lifecycle, "test.base"), ExtensionState::Enabled);
    assert_eq!(fixture.engine.launches_of("test.base").len(), 2);
    let top = fixture.engine.launches_of("test.top");
    assert_eq!(
        top.len(),
        2,
        "a fresh runtime, not the one from before the restart"
    );
}

#[tokio::test]
async fn a_slow_unrelated_activation_does_not_stall_a_hover() {
    let gate = Gate::closed();
    let hover = Script {
        hover_for: Some("fake".to_owned()),
        ..Script::default()
    };
    let fixture = fixture(
        &[
            ("test.hover", &["onLanguage:fake"], &[]),
            ("test.sluggish", &["onCommand:sluggish.go"], &[]),
        ],
        vec![("test.hover", hover), ("test.sluggish", gated(&gate))],
    );
    let lifecycle = &fixture.lifecycle;
    let sluggish = tokio::spawn({
        let lifecycle = Arc::clone(lifecycle);
        async move { lifecycle.fire("onCommand:sluggish.go").await }
    });
    fixture.engine.launched("test.sluggish", 1).await;
    let uri = "file:///tmp/a.fake";
    lifecycle.with_session(|session| {
        session.documents.insert(
            uri.to_owned(),
            OpenDocument {
                uri: uri.to_owned(),
                language_id: "fake".to_owned(),
                version: 1,
                text: "text".into(),
            },
        );
    });
    let params = json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}});
    let _ = lifecycle.begin_event("onLanguage:fake");
    let answer = tokio::time::timeout(
        Duration::from_secs(2),
        lifecycle.provide("textDocument/hover", params),
    )
    .await;
    gate.open();
    let _ = sluggish.await;
    let answer = answer.expect("the hover did not wait for the unrelated activation");
    assert!(
        answer.to_string().contains("test.hover"),
        "the hover provider answered: {answer}"
    );
}

#[tokio::test]
async fn no_disk_access_under_the_lifecycle_lock() {
    let fixture = fixture(&[("test.disk", &["onCommand:disk.go"], &[])], Vec::new());
    let lifecycle = &fixture.lifecycle;
    lifecycle.activate("test.disk").await.expect("activates");
    // A reload re-reads the manifest; a setting written by the extension writes the workspace file.
    lifecycle.reload("test.disk").await.expect("reloads");
    let runtime = fixture.engine.launches_of("test.disk").remove(1);
    let update = HostRequest::UpdateSetting {
        key: "disk.value".to_owned(),
        value: json!(7),
        target: 2,
    };
    assert_eq!(
        ask(&runtime.host, "test.disk", update).await,
        Ok(Value::Null)
    );
    let written = fixture
        ._folder
        .path()
        .join("workspace/.exthost/settings.json");
    let text = std::fs::read_to_string(&written).expect("the workspace settings file is written");
    assert!(text.contains("\"disk.value\": 7"), "{text}");
    let under_lock = super::lock_discipline::UNDER_LOCK.with(|seen| seen.borrow().clone());
    assert_eq!(
        under_lock,
        Vec::<&str>::new(),
        "disk accesses made under the lock"
    );
}

/// A command for the outside guard's tests.
fn guarded_command() -> crate::runtime::RuntimeRequest {
    crate::runtime::RuntimeRequest::ExecuteCommand {
        command: "test.run".to_owned(),
        arguments: Vec::new(),
    }
}

/// Runs the guarded command under a 300 ms limit through the outside guard, which must fail it for its
/// time; answers the limit.
async fn guarded_call_times_out(runtime: &crate::runtime::RuntimeHandle) -> Duration {
    let limit = Duration::from_millis(300);
    let outcome =
        super::call_with_grace(runtime, guarded_command(), limit, "command test.run").await;
    assert!(
        matches!(outcome, Err(RuntimeError::TimeLimit { .. })),
        "{outcome:?}"
    );
    limit
}

/// A runtime that takes nothing from its queue is wedged: the request fails once its limit and the grace
/// have passed (the clock is tokio's, paused: no real time goes by).
#[tokio::test(start_paused = true)]
async fn the_outside_guard_fails_a_request_whose_runtime_takes_nothing() {
    let (runtime, _inbox) = crate::runtime::RuntimeHandle::channel();
    let started = tokio::time::Instant::now();
    let limit = guarded_call_times_out(&runtime).await;
    let waited = started.elapsed();
    assert!(
        waited >= limit + super::OUTSIDE_GRACE
            && waited < limit + super::OUTSIDE_GRACE + Duration::from_millis(200),
        "failed after {waited:?}"
    );
}

/// A request queued behind work the runtime is getting through (one request every 50 ms, 100 ahead of
/// it: 5 s, past the limit and the grace) is answered: its time in the queue is not its own.
#[tokio::test(start_paused = true)]
async fn the_outside_guard_does_not_count_the_time_a_request_waits_in_a_working_queue() {
    let (runtime, mut inbox) = crate::runtime::RuntimeHandle::channel();
    for _ in 0..100 {
        drop(runtime.send(guarded_command()));
    }
    tokio::spawn(async move {
        while let Some((_, reply)) = inbox.recv().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = reply.send(Ok(json!("done")));
        }
    });
    let started = tokio::time::Instant::now();
    let outcome = super::call_with_grace(
        &runtime,
        guarded_command(),
        Duration::from_millis(300),
        "command test.run",
    )
    .await;
    assert_eq!(outcome.expect("answered"), json!("done"));
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// The queue moving does not save a request once it has started: one that never answers fails its limit
/// plus the grace after the runtime took it (at most one look later).
#[tokio::test(start_paused = true)]
async fn the_outside_guard_counts_from_when_the_runtime_takes_the_request() {
    let (runtime, mut inbox) = crate::runtime::RuntimeHandle::channel();
    for _ in 0..20 {
        drop(runtime.send(guarded_command()));
    }
    let (taken_sender, taken) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        for _ in 0..20 {
            let (_, reply) = inbox.recv().await.expect("queued");
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = reply.send(Ok(json!("done")));
        }
        // The guarded request: taken, then held without an answer.
        let held = inbox.recv().await.expect("the guarded request");
        let _ = taken_sender.send(tokio::time::Instant::now());
        std::future::pending::<()>().await;
        drop(held);
    });
    let limit = guarded_call_times_out(&runtime).await;
    let taken_at = taken.await.expect("taken");
    let after_taking = taken_at.elapsed();
    let budget = limit + super::OUTSIDE_GRACE;
    assert!(
        after_taking >= budget - super::QUEUE_LOOK && after_taking <= budget + super::QUEUE_LOOK,
        "failed {after_taking:?} after the runtime took it"
    );
}
