//! The LSP bridge: providers from several extensions merged into one answer, a throwing provider dropping
//! out, `$/cancelRequest` reaching the extension's CancellationToken, dynamic registration for editors
//! that support it (in the order providers come and go), an editor that never answers
//! `workspace/configuration`, and diagnostics published as the union of every extension's collections.

use exthost_e2e::{Host, HostOptions, write_extension};
use exthost_protocol::{Id, ResponsePayload, error_code};
use serde_json::{Value, json};

fn extension(dir: &std::path::Path, name: &str, events: Value, code: &str) {
    write_extension(
        dir,
        name,
        &json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0", "main": "extension.js",
                "activationEvents": events}),
        &[("extension.js", code)],
    );
}

fn hover_provider(text: &str) -> String {
    format!(
        "const vscode = require('vscode');\nexports.activate = (c) => {{ c.subscriptions.push(vscode.languages.registerHoverProvider('plaintext', {{ provideHover() {{ {text} }} }})); }};\n"
    )
}

#[tokio::test]
async fn hovers_from_several_extensions_merge_and_a_throwing_one_drops_out() {
    let dir = tempfile::tempdir().unwrap();
    let events = json!(["onLanguage:plaintext"]);
    extension(
        dir.path(),
        "first",
        events.clone(),
        &hover_provider("return new vscode.Hover('from first');"),
    );
    extension(
        dir.path(),
        "second",
        events.clone(),
        &hover_provider("return new vscode.Hover(new vscode.MarkdownString('**from second**'));"),
    );
    extension(
        dir.path(),
        "broken",
        events.clone(),
        &hover_provider("throw new Error('hover exploded');"),
    );
    extension(
        dir.path(),
        "empty",
        events,
        &hover_provider("return undefined;"),
    );
    let mut host = Host::start(&[dir.path()]).await;
    let uri = "file:///tmp/merge.txt";
    host.open_document(uri, "plaintext", "some text").await;
    let hover = host
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
        )
        .await;
    let value = hover["contents"]["value"].as_str().unwrap();
    let mut parts: Vec<&str> = value.split("\n\n---\n\n").collect();
    parts.sort();
    assert_eq!(parts, ["**from second**", "from first"], "{hover:#}");
    assert_eq!(hover["contents"]["kind"], "markdown");
    // The throwing provider's extension keeps running: a throw is not a broken limit.
    assert_eq!(host.extension("test.broken").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn cancel_request_cancels_the_providers_token() {
    let dir = tempfile::tempdir().unwrap();
    extension(
        dir.path(),
        "patient",
        json!(["onLanguage:plaintext"]),
        r#"
        const vscode = require('vscode');
        exports.activate = (c) => {
          c.subscriptions.push(vscode.languages.registerHoverProvider('plaintext', {
            provideHover(document, position, token) {
              console.log('provider started');
              return new Promise((resolve) => {
                token.onCancellationRequested(() => { console.log('token cancelled'); resolve(undefined); });
              });
            },
          }));
        };
        "#,
    );
    let mut host = Host::start(&[dir.path()]).await;
    let uri = "file:///tmp/cancel.txt";
    host.open_document(uri, "plaintext", "wait for it").await;
    host.state_change("test.patient", "enabled").await;
    let id = host
        .send_request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    let Id::Number(number) = id.clone() else {
        unreachable!()
    };
    // Cancel once the provider is running (it waits until its token is cancelled).
    host.notification("window/logMessage", |p| {
        p["message"] == "[test.patient] provider started"
    })
    .await;
    host.notify("$/cancelRequest", json!({"id": number})).await;
    let response = host.response(&id).await;
    let ResponsePayload::Error(error) = response.payload else {
        panic!("cancelled requests answer an error")
    };
    assert_eq!(error.code, error_code::REQUEST_CANCELLED);
    host.notification("window/logMessage", |p| {
        p["message"] == "[test.patient] token cancelled"
    })
    .await;
    assert_eq!(host.extension("test.patient").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn editors_with_dynamic_registration_get_capabilities_as_providers_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    extension(
        dir.path(),
        "dynamic",
        json!(["*"]),
        "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.languages.registerHoverProvider({ language: 'rust', scheme: 'file' }, { provideHover: () => new vscode.Hover('hi') })); };\n",
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    let init = host
        .initialize(
            json!({"capabilities": {"textDocument": {"hover": {"dynamicRegistration": true}}}}),
        )
        .await;
    assert!(
        init["capabilities"].get("hoverProvider").is_none(),
        "hover is registered dynamically"
    );
    assert!(
        init["capabilities"].get("completionProvider").is_some(),
        "completion is static"
    );
    let (id, params) = host.server_request("client/registerCapability").await;
    let registration = &params["registrations"][0];
    assert_eq!(registration["method"], "textDocument/hover");
    assert_eq!(
        registration["registerOptions"]["documentSelector"],
        json!([{"language": "rust", "scheme": "file"}])
    );
    let registration_id = registration["id"].clone();
    host.send(&exthost_protocol::Message::Response(
        exthost_protocol::Response::ok(id, Value::Null),
    ))
    .await;

    host.call("exthost/disable", json!({"id": "test.dynamic"}))
        .await;
    let (id, params) = host.server_request("client/unregisterCapability").await;
    assert_eq!(
        params["unregisterations"],
        json!([{"id": registration_id, "method": "textDocument/hover"}])
    );
    host.send(&exthost_protocol::Message::Response(
        exthost_protocol::Response::ok(id, Value::Null),
    ))
    .await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn registrations_and_unregistrations_reach_the_editor_in_the_order_providers_change() {
    let dir = tempfile::tempdir().unwrap();
    // Each provider is registered and disposed at once, many times: the editor must see every
    // unregistration after its registration, or it is left with a provider that is gone (or, for a
    // reloaded extension reusing registration ids, without one that is there).
    extension(
        dir.path(),
        "churn",
        json!(["*"]),
        "const vscode = require('vscode');\nexports.activate = (c) => { for (let i = 0; i < 40; i++) { vscode.languages.registerHoverProvider('plaintext', { provideHover: () => null }).dispose(); } c.subscriptions.push(vscode.languages.registerHoverProvider('plaintext', { provideHover: () => new vscode.Hover('kept') })); };\n",
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    host.initialize(
        json!({"capabilities": {"textDocument": {"hover": {"dynamicRegistration": true}}}}),
    )
    .await;
    let mut registered: Vec<String> = Vec::new();
    let mut order = Vec::new();
    // 41 registrations and 40 unregistrations, answered as they come.
    for _ in 0..81 {
        let (id, method, params) = host
            .wait_for(|message| match message {
                exthost_protocol::Message::Request(request)
                    if request.method.ends_with("registerCapability") =>
                {
                    Some((
                        request.id.clone(),
                        request.method.clone(),
                        request.params.clone().unwrap_or(Value::Null),
                    ))
                }
                _ => None,
            })
            .await;
        if method == "client/registerCapability" {
            for registration in params["registrations"].as_array().unwrap() {
                let id = registration["id"].as_str().unwrap().to_owned();
                order.push(format!("+{id}"));
                registered.push(id);
            }
        } else {
            for gone in params["unregisterations"].as_array().unwrap() {
                let id = gone["id"].as_str().unwrap();
                order.push(format!("-{id}"));
                let known = registered.iter().position(|r| r == id);
                assert!(
                    known.is_some(),
                    "{id} unregistered before it was registered: {order:?}"
                );
                registered.remove(known.unwrap());
            }
        }
        host.send(&exthost_protocol::Message::Response(
            exthost_protocol::Response::ok(id, Value::Null),
        ))
        .await;
    }
    assert_eq!(registered.len(), 1, "one provider is left: {order:?}");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_relative_pattern_selector_keeps_its_base() {
    let dir = tempfile::tempdir().unwrap();
    extension(
        dir.path(),
        "based",
        json!(["*"]),
        "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.languages.registerHoverProvider({ language: 'plaintext', pattern: new vscode.RelativePattern('/srv/notes', '**/*.txt') }, { provideHover: () => new vscode.Hover('noted') })); };\n",
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    host.initialize(
        json!({"capabilities": {"textDocument": {"hover": {"dynamicRegistration": true}}}}),
    )
    .await;
    let (id, params) = host.server_request("client/registerCapability").await;
    assert_eq!(
        params["registrations"][0]["registerOptions"]["documentSelector"],
        json!([{"language": "plaintext", "pattern": "/srv/notes/**/*.txt"}]),
        "the registration is no broader than the extension asked"
    );
    host.send(&exthost_protocol::Message::Response(
        exthost_protocol::Response::ok(id, Value::Null),
    ))
    .await;
    for (uri, expected) in [
        ("file:///srv/notes/a/today.txt", json!("noted")),
        ("file:///srv/other/today.txt", Value::Null),
    ] {
        host.open_document(uri, "plaintext", "text").await;
        let hover = host
            .call(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
            )
            .await;
        // This editor announced no markdown: the contents come as a plain string.
        let value = hover.get("contents").cloned().unwrap_or(Value::Null);
        assert_eq!(value, expected, "{uri}: {hover:#}");
    }
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn an_editor_that_never_answers_configuration_still_gets_its_startup_extensions() {
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "configured",
        &json!({"id": "test.configured", "name": "configured", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"],
                "contributes": {"configuration": {"properties": {"configured.level": {"type": "number", "default": 1}}}}}),
        &[("extension.js", "exports.activate = () => {};\n")],
    );
    extension(
        dir.path(),
        "finished",
        json!(["onStartupFinished"]),
        "exports.activate = () => {};\n",
    );
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    host.initialize(json!({"capabilities": {"workspace": {"configuration": true}}}))
        .await;
    // Asked, and never answered.
    let (_, params) = host.server_request("workspace/configuration").await;
    assert_eq!(params["items"], json!([{"section": "configured"}]));
    host.state_change("test.configured", "enabled").await;
    host.state_change("test.finished", "enabled").await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn diagnostics_are_the_union_of_every_extensions_collections() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = |message: &str| {
        format!(
            "const vscode = require('vscode');\nexports.activate = (c) => {{\n  const d = vscode.languages.createDiagnosticCollection('x');\n  c.subscriptions.push(d, vscode.commands.registerCommand('{message}.publish', (uri) => {{ d.set(vscode.Uri.parse(uri), [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), '{message}', vscode.DiagnosticSeverity.Error)]); }}));\n}};\n"
        )
    };
    extension(
        dir.path(),
        "one",
        json!(["onCommand:one.publish"]),
        &publisher("one"),
    );
    extension(
        dir.path(),
        "two",
        json!(["onCommand:two.publish"]),
        &publisher("two"),
    );
    let mut host = Host::start(&[dir.path()]).await;
    let uri = "file:///tmp/diagnostics.txt";
    host.call(
        "workspace/executeCommand",
        json!({"command": "one.publish", "arguments": [uri]}),
    )
    .await;
    let first = host
        .notification("textDocument/publishDiagnostics", |_| true)
        .await;
    assert_eq!(first["diagnostics"].as_array().unwrap().len(), 1);
    host.call(
        "workspace/executeCommand",
        json!({"command": "two.publish", "arguments": [uri]}),
    )
    .await;
    let both = host
        .notification("textDocument/publishDiagnostics", |_| true)
        .await;
    let mut messages: Vec<&str> = both["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    messages.sort();
    assert_eq!(messages, ["one", "two"]);
    assert_eq!(both["diagnostics"][0]["severity"], 1);
    // Disabling one extension withdraws its diagnostics.
    host.call("exthost/disable", json!({"id": "test.one"}))
        .await;
    let after = host
        .notification("textDocument/publishDiagnostics", |p| {
            p["diagnostics"].as_array().is_some_and(|d| d.len() == 1)
        })
        .await;
    assert_eq!(after["diagnostics"][0]["message"], "two");
    assert_eq!(host.shutdown().await, 0);
}
