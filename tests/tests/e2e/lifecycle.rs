//! Enable, disable, reload and restart (contract §4): dependency order both ways, deactivate and disposal,
//! fresh contexts, hot reload of changed code.

use exthost_e2e::{Host, HostOptions, write_extension};
use exthost_protocol::{ResponsePayload, error_code};
use serde_json::{Value, json};

/// A chain base ← mid ← top; each registers `<name>.whoami` answering its activation count and whether its
/// dependency is active, and logs its deactivate and disposals.
fn chain(dir: &std::path::Path) {
    let js = |name: &str| {
        format!(
            r#"
            const vscode = require('vscode');
            let activations = 0;
            exports.activate = (context) => {{
              activations += 1;
              context.subscriptions.push(vscode.commands.registerCommand('{name}.whoami', () => ({{ name: '{name}', activations }})));
              context.subscriptions.push({{ dispose: () => console.log('{name} disposed first-pushed') }});
              context.subscriptions.push(new vscode.Disposable(() => console.log('{name} disposed last-pushed')));
            }};
            exports.deactivate = () => new Promise((resolve) => setTimeout(() => {{ console.log('{name} deactivated'); resolve(); }}, 10));
            "#
        )
    };
    let manifest = |name: &str, dependencies: Value| {
        json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0", "main": "extension.js",
               "dependencies": dependencies,
               "contributes": {"commands": [{"command": format!("{name}.whoami"), "title": name}]}})
    };
    write_extension(
        dir,
        "base",
        &manifest("base", json!({})),
        &[("extension.js", &js("base"))],
    );
    write_extension(
        dir,
        "mid",
        &manifest("mid", json!({"test.base": "^1.0.0"})),
        &[("extension.js", &js("mid"))],
    );
    write_extension(
        dir,
        "top",
        &manifest("top", json!({"test.mid": "^1.0.0"})),
        &[("extension.js", &js("top"))],
    );
}

#[tokio::test]
async fn enable_goes_dependencies_first_and_disable_dependents_first() {
    let dir = tempfile::tempdir().unwrap();
    chain(dir.path());
    let mut host = Host::start(&[dir.path()]).await;

    let enabled = host.call("exthost/enable", json!({"id": "test.top"})).await;
    assert_eq!(
        enabled,
        json!({"changed": ["test.base", "test.mid", "test.top"]})
    );
    let again = host.call("exthost/enable", json!({"id": "test.top"})).await;
    assert_eq!(again, json!({"changed": []}));

    let disabled = host
        .call("exthost/disable", json!({"id": "test.base"}))
        .await;
    assert_eq!(
        disabled,
        json!({"changed": ["test.top", "test.mid", "test.base"]})
    );
    // deactivate() is awaited, then subscriptions are disposed in reverse order, dependents first.
    let mut lines = Vec::new();
    while lines.len() < 9 {
        let params = host.notification("window/logMessage", |_| true).await;
        lines.push(params["message"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        lines,
        [
            "[test.top] top deactivated",
            "[test.top] top disposed last-pushed",
            "[test.top] top disposed first-pushed",
            "[test.mid] mid deactivated",
            "[test.mid] mid disposed last-pushed",
            "[test.mid] mid disposed first-pushed",
            "[test.base] base deactivated",
            "[test.base] base disposed last-pushed",
            "[test.base] base disposed first-pushed",
        ]
    );
    for id in ["test.base", "test.mid", "test.top"] {
        assert_eq!(host.extension(id).await["state"], "disabled");
    }

    // A disabled extension's command answers a clear error and does not activate it.
    let response = host
        .request("workspace/executeCommand", json!({"command": "mid.whoami"}))
        .await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("expected an error")
    };
    assert_eq!(error.code, error_code::REQUEST_FAILED);
    assert_eq!(
        error.message,
        "command mid.whoami belongs to extension test.mid, which is disabled"
    );
    let activated = host
        .call("exthost/activate", json!({"event": "onCommand:mid.whoami"}))
        .await;
    assert_eq!(activated, json!({"activated": []}));

    // Enabling again re-activates with a fresh context (module state starts over).
    let enabled = host.call("exthost/enable", json!({"id": "test.mid"})).await;
    assert_eq!(enabled, json!({"changed": ["test.base", "test.mid"]}));
    let whoami = host
        .call("workspace/executeCommand", json!({"command": "mid.whoami"}))
        .await;
    assert_eq!(whoami, json!({"name": "mid", "activations": 1}));
    assert_eq!(host.extension("test.top").await["state"], "disabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn enable_and_disable_answer_clear_errors_for_unknown_and_broken_extensions() {
    let dir = exthost_e2e::fixtures().join("catalog");
    let mut host = Host::start(&[&dir]).await;
    let response = host
        .request("exthost/enable", json!({"id": "no.such.extension"}))
        .await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("expected an error")
    };
    assert_eq!(error.code, error_code::INVALID_PARAMS);
    assert_eq!(error.message, "no extension with id no.such.extension");
    let response = host
        .request("exthost/enable", json!({"id": "com.fixture.cycle-a"}))
        .await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("expected an error")
    };
    assert_eq!(error.code, error_code::REQUEST_FAILED);
    assert!(
        error.message.contains("dependency cycle"),
        "{}",
        error.message
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn hot_reload_picks_up_changed_code_and_others_need_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let code = |version: &str| {
        format!(
            "const vscode = require('vscode');\nexports.activate = (c) => {{ c.subscriptions.push(vscode.commands.registerCommand('hot.version', () => '{version}')); }};\nexports.deactivate = () => console.log('hot deactivated {version}');\n"
        )
    };
    let hot = write_extension(
        dir.path(),
        "hot",
        &json!({"id": "test.hot", "name": "Hot", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:hot.version"], "capabilities": {"supportsHotReload": true}}),
        &[("extension.js", &code("v1"))],
    );
    write_extension(
        dir.path(),
        "cold",
        &json!({"id": "test.cold", "name": "Cold", "version": "1.0.0", "main": "extension.js", "activationEvents": ["*"]}),
        &[("extension.js", "exports.activate = () => {};")],
    );
    let mut host = Host::start(&[dir.path()]).await;
    assert_eq!(
        host.call(
            "workspace/executeCommand",
            json!({"command": "hot.version"})
        )
        .await,
        json!("v1")
    );

    std::fs::write(hot.join("extension.js"), code("v2")).unwrap();
    let reloaded = host.call("exthost/reload", json!({"id": "test.hot"})).await;
    assert_eq!(reloaded, json!({"reloaded": ["test.hot"]}));
    host.notification("window/logMessage", |p| {
        p["message"] == "[test.hot] hot deactivated v1"
    })
    .await;
    host.state_change("test.hot", "unloaded").await;
    assert_eq!(
        host.call(
            "workspace/executeCommand",
            json!({"command": "hot.version"})
        )
        .await,
        json!("v2")
    );

    let response = host
        .request("exthost/reload", json!({"id": "test.cold"}))
        .await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("expected an error")
    };
    assert_eq!(error.code, error_code::REQUEST_FAILED);
    assert!(
        error.message.contains("restart the host"),
        "{}",
        error.message
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn restart_host_rediscovers_and_enables_again_what_was_enabled() {
    let dir = tempfile::tempdir().unwrap();
    chain(dir.path());
    let mut host = Host::start(&[dir.path()]).await;
    host.call("exthost/enable", json!({"id": "test.mid"})).await;
    let restarted = host.call("exthost/restartHost", json!({})).await;
    assert_eq!(restarted, json!({"restarted": true}));
    let notice = host.notification("exthost/hostRestarted", |_| true).await;
    assert!(notice["reason"].is_string());
    assert_eq!(host.extension("test.mid").await["state"], "enabled");
    assert_eq!(host.extension("test.top").await["state"], "discovered");
    let whoami = host
        .call("workspace/executeCommand", json!({"command": "mid.whoami"}))
        .await;
    assert_eq!(whoami, json!({"name": "mid", "activations": 1}));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn dev_extensions_reload_when_their_files_change() {
    let dir = tempfile::tempdir().unwrap();
    let code = |version: &str| {
        format!(
            "const vscode = require('vscode');\nexports.activate = (c) => {{ c.subscriptions.push(vscode.commands.registerCommand('dev.version', () => '{version}')); }};\n"
        )
    };
    let folder = write_extension(
        dir.path(),
        "dev",
        &json!({"id": "test.dev", "name": "Dev", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:dev.version"]}),
        &[("extension.js", &code("v1"))],
    );
    let mut host = Host::spawn(HostOptions {
        args: vec!["--dev".into(), folder.display().to_string()],
        ..HostOptions::default()
    });
    host.initialize(json!({})).await;
    assert_eq!(host.extension("test.dev").await["source"], "dev");
    assert_eq!(
        host.call(
            "workspace/executeCommand",
            json!({"command": "dev.version"})
        )
        .await,
        json!("v1")
    );
    host.state_change("test.dev", "enabled").await;

    // No supportsHotReload needed in development mode: saving the file reloads it.
    std::fs::write(folder.join("extension.js"), code("v2")).unwrap();
    host.state_change("test.dev", "unloaded").await;
    host.state_change("test.dev", "enabled").await;
    assert_eq!(
        host.call(
            "workspace/executeCommand",
            json!({"command": "dev.version"})
        )
        .await,
        json!("v2")
    );
    assert_eq!(host.shutdown().await, 0);
}

/// What `dev.version` answers.
async fn version(host: &mut Host) -> Value {
    host.call(
        "workspace/executeCommand",
        json!({"command": "dev.version"}),
    )
    .await
}

#[tokio::test]
async fn a_broken_dev_change_rolls_back_to_the_last_version_that_worked_until_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let code = |version: &str| {
        format!(
            "const vscode = require('vscode');\nconst helper = require('./helper');\nexports.activate = (c) => {{ c.subscriptions.push(vscode.commands.registerCommand('dev.version', () => '{version}' + helper.suffix)); }};\n"
        )
    };
    let folder = write_extension(
        dir.path(),
        "dev",
        &json!({"id": "test.rollback", "name": "Rollback", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:dev.version"]}),
        &[
            ("extension.js", &code("v1")),
            ("helper.js", "exports.suffix = '!';"),
        ],
    );
    let mut host = Host::spawn(HostOptions {
        args: vec!["--dev".into(), folder.display().to_string()],
        ..HostOptions::default()
    });
    host.initialize(json!({})).await;
    assert_eq!(version(&mut host).await, json!("v1!"));
    host.state_change("test.rollback", "enabled").await;

    // A good change: reloaded.
    std::fs::write(folder.join("extension.js"), code("v2")).unwrap();
    host.state_change("test.rollback", "unloaded").await;
    host.state_change("test.rollback", "enabled").await;
    assert_eq!(version(&mut host).await, json!("v2!"));

    // A change that does not load (a syntax error), and one whose activate throws: each time the
    // previous version keeps running (its files as they were, helper included), and the editor is told.
    for broken in [
        "exports.activate = (c) => {",
        "exports.activate = () => { throw new Error('broken on purpose'); };",
    ] {
        std::fs::write(folder.join("extension.js"), broken).unwrap();
        std::fs::write(folder.join("helper.js"), "exports.suffix = '?';").unwrap();
        let shown = host
            .notification("window/showMessage", |params| {
                params["message"]
                    .as_str()
                    .is_some_and(|message| message.contains("the previous version keeps running"))
            })
            .await;
        assert_eq!(shown["type"], 1, "{shown}");
        assert!(
            shown["message"]
                .as_str()
                .unwrap()
                .starts_with("test.rollback: the changed version failed"),
            "{shown}"
        );
        host.state_change("test.rollback", "enabled").await;
        assert_eq!(version(&mut host).await, json!("v2!"));
        let info = host.extension("test.rollback").await;
        assert_eq!(info["state"], "enabled", "{info}");
        assert_eq!(
            info["path"],
            json!(folder.canonicalize().unwrap()),
            "{info}"
        );
    }

    // The next good change replaces it, read from the development folder again.
    std::fs::write(folder.join("extension.js"), code("v3")).unwrap();
    host.state_change("test.rollback", "unloaded").await;
    host.state_change("test.rollback", "enabled").await;
    assert_eq!(version(&mut host).await, json!("v3?"));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_reload_whose_new_manifest_is_broken_or_makes_a_cycle_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = |id: &str, dependencies: Value| {
        json!({"id": id, "name": id, "version": "1.0.0", "main": "extension.js", "dependencies": dependencies,
               "capabilities": {"supportsHotReload": true}})
    };
    let code = "exports.activate = () => {};";
    let base = write_extension(
        dir.path(),
        "a",
        &manifest("test.a", json!({})),
        &[("extension.js", code)],
    );
    write_extension(
        dir.path(),
        "b",
        &manifest("test.b", json!({"test.a": "*"})),
        &[("extension.js", code)],
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.call("exthost/enable", json!({"id": "test.b"})).await;

    // a now depends on b, which depends on a: the reload is refused by the graph instead of hanging.
    std::fs::write(
        base.join("exthost.json"),
        manifest("test.a", json!({"test.b": "*"})).to_string(),
    )
    .unwrap();
    let response = host
        .request("exthost/reload", json!({"id": "test.a"}))
        .await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("the reload fails")
    };
    assert_eq!(error.code, error_code::REQUEST_FAILED);
    assert!(
        error
            .message
            .contains("dependency cycle: test.a -> test.b -> test.a"),
        "{}",
        error.message
    );
    assert_eq!(host.extension("test.a").await["state"], "failed");
    assert_eq!(host.extension("test.b").await["state"], "failed");
    // The host still serves management requests.
    let response = host
        .request("exthost/disable", json!({"id": "test.b"}))
        .await;
    assert!(
        matches!(response.payload, ResponsePayload::Result(_)),
        "{response:?}"
    );

    // A manifest that no longer validates: the reload fails and the old code is not run again.
    let dir = tempfile::tempdir().unwrap();
    let hot = write_extension(
        dir.path(),
        "hot",
        &manifest("test.hot", json!({})),
        &[("extension.js", code)],
    );
    let mut second = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    second.initialize(json!({})).await;
    second
        .call("exthost/enable", json!({"id": "test.hot"}))
        .await;
    let mut broken = manifest("test.hot", json!({}));
    broken["version"] = json!("not-semver");
    std::fs::write(hot.join("exthost.json"), broken.to_string()).unwrap();
    let response = second
        .request("exthost/reload", json!({"id": "test.hot"}))
        .await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("the reload fails")
    };
    assert!(error.message.contains("version"), "{}", error.message);
    assert_eq!(second.extension("test.hot").await["state"], "failed");
    assert_eq!(host.shutdown().await, 0);
    assert_eq!(second.shutdown().await, 0);
}
