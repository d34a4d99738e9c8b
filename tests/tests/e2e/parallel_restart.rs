//! `exthost/restartHost` stops and re-activates extensions concurrently, yet still stops dependents
//! before their dependencies and activates dependencies before their dependents.

use exthost_e2e::{Host, write_extension};
use serde_json::{Value, json};

/// An extension on `*` depending on `dependencies`, logging its activation and (after 200 ms) its
/// deactivation.
fn extension(dir: &std::path::Path, name: &str, dependencies: Value) {
    let code = format!(
        r#"
        exports.activate = () => {{ console.log('{name} activated'); }};
        exports.deactivate = () => new Promise((resolve) => setTimeout(() => {{ console.log('{name} deactivated'); resolve(); }}, 200));
        "#
    );
    write_extension(
        dir,
        name,
        &json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"], "dependencies": dependencies}),
        &[("extension.js", &code)],
    );
}

#[tokio::test]
async fn restart_stops_and_activates_concurrently_in_dependency_order() {
    let dir = tempfile::tempdir().unwrap();
    extension(dir.path(), "base", json!({}));
    extension(dir.path(), "mid", json!({"test.base": "^1.0.0"}));
    extension(dir.path(), "top", json!({"test.mid": "^1.0.0"}));
    let independent: Vec<String> = (0..6).map(|index| format!("free{index}")).collect();
    for name in &independent {
        extension(dir.path(), name, json!({}));
    }
    let mut host = Host::start(&[dir.path()]).await;
    for name in ["base", "mid", "top"]
        .iter()
        .map(|n| n.to_string())
        .chain(independent.clone())
    {
        host.state_change(&format!("test.{name}"), "enabled").await;
    }
    let started = std::time::Instant::now();
    let result = host.call("exthost/restartHost", json!({})).await;
    let elapsed = started.elapsed();
    assert_eq!(result, json!({"restarted": true}));
    // Nine first activations, then (the old worker stopping while its successor starts) nine
    // deactivations and nine activations again, in any interleaving of the two workers.
    let mut lines = Vec::new();
    while lines.len() < 27 {
        let params = host.notification("window/logMessage", |_| true).await;
        let message = params["message"].as_str().unwrap().to_owned();
        if message.contains("deactivated") || message.contains(" activated") {
            lines.push(message);
        }
    }
    let at = |line: &str| {
        lines
            .iter()
            .position(|seen| seen.ends_with(line))
            .unwrap_or_else(|| panic!("no {line:?} in {lines:#?}"))
    };
    // The second activation of each, after its own deactivation.
    let activated_again = |name: &str| {
        lines
            .iter()
            .rposition(|seen| seen.ends_with(&format!("{name} activated")))
            .unwrap_or_else(|| panic!("{name} activated again: {lines:#?}"))
    };
    assert!(at("top deactivated") < at("mid deactivated"), "{lines:#?}");
    assert!(at("mid deactivated") < at("base deactivated"), "{lines:#?}");
    assert!(
        activated_again("base") < activated_again("mid"),
        "{lines:#?}"
    );
    assert!(
        activated_again("mid") < activated_again("top"),
        "{lines:#?}"
    );
    // Six independent extensions and a chain of three, each taking 200 ms to deactivate: one at a time
    // that is at least 1,800 ms; concurrently the chain's three waves (600 ms) bound it.
    assert!(
        elapsed < std::time::Duration::from_millis(1_500),
        "restart took {elapsed:?}"
    );
    for name in ["base", "mid", "top"]
        .iter()
        .map(|n| n.to_string())
        .chain(independent)
    {
        assert_eq!(
            host.extension(&format!("test.{name}")).await["state"],
            "enabled",
            "{name}"
        );
    }
    assert_eq!(host.shutdown().await, 0);
}
