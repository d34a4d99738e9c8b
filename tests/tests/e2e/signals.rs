//! Editors stop servers with signals: SIGTERM, SIGINT and SIGHUP end the session as `shutdown` then
//! `exit` would — every extension's `deactivate` runs under its limit, what it writes is written, and the
//! exit code is 0.
#![cfg(unix)]

use exthost_e2e::{Host, write_extension};
use serde_json::json;

#[tokio::test]
async fn termination_signals_deactivate_extensions_and_exit_cleanly() {
    for (signal, name) in [
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGHUP, "SIGHUP"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_extension(
            dir.path(),
            "tidy",
            &json!({"id": "test.tidy", "name": "tidy", "version": "1.0.0", "main": "extension.js",
                    "activationEvents": ["*"]}),
            &[(
                "extension.js",
                "const vscode = require('vscode');\n\
                 exports.activate = () => {};\n\
                 exports.deactivate = async () => {\n\
                   await vscode.workspace.getConfiguration('tidy').update('state', 'flushed', true);\n\
                   console.log('tidy deactivated');\n\
                 };\n",
            )],
        );
        let mut host = Host::start(&[dir.path()]).await;
        host.state_change("test.tidy", "enabled").await;
        let pid = i32::try_from(host.pid().expect("running")).unwrap();
        // SAFETY: signalling the child process this test started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        assert_eq!(host.exit_code().await, 0, "{name}: {}", host.log());
        let log = host.log();
        assert!(log.contains(&format!("received {name}")), "{name}: {log}");
        assert!(log.contains("tidy deactivated"), "{name}: {log}");
        let settings = std::fs::read_to_string(host.home.path().join("settings.json"))
            .unwrap_or_else(|error| panic!("{name}: no user settings written ({error}): {log}"));
        let settings: serde_json::Value = serde_json::from_str(&settings).unwrap();
        assert_eq!(settings["tidy.state"], "flushed", "{name}: {settings}");
    }
}
