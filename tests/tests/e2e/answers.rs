//! A command's answer, written by the extension's own thread (`EditorAnswer` in `host/src/server.rs`):
//! what the extension sent the editor before answering still comes first, and a command cancelled while
//! it runs is answered once, with -32800, its late value dropped.

use exthost_e2e::{Host, write_extension};
use exthost_protocol::{Id, Message, ResponsePayload, error_code};
use serde_json::{Value, json};

fn extension(dir: &std::path::Path, name: &str, code: &str) {
    write_extension(
        dir,
        name,
        &json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["*"]}),
        &[("extension.js", code)],
    );
}

/// Which of a command's answer and the notification it sent first reached the editor first.
#[derive(Debug, PartialEq)]
enum First {
    Notification,
    Answer,
}

#[tokio::test]
async fn a_message_an_extension_shows_before_it_answers_reaches_the_editor_before_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    extension(
        dir.path(),
        "talker",
        r#"
        const vscode = require('vscode');
        exports.activate = (c) => {
          c.subscriptions.push(vscode.commands.registerCommand('talker.say', (n) => {
            vscode.window.showInformationMessage(`before ${n}`);
            return n;
          }));
        };
        "#,
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.state_change("test.talker", "enabled").await;
    let mut answered_first = Vec::new();
    for n in 0..300 {
        let id = host
            .send_request(
                "workspace/executeCommand",
                json!({"command": "talker.say", "arguments": [n]}),
            )
            .await;
        let text = format!("before {n}");
        let first = host
            .wait_for(|message| match message {
                Message::Response(response) if response.id.as_ref() == Some(&id) => {
                    Some(First::Answer)
                }
                Message::Notification(notification)
                    if notification.method == "window/showMessage"
                        && notification
                            .params
                            .as_ref()
                            .is_some_and(|params| params["message"] == text.as_str()) =>
                {
                    Some(First::Notification)
                }
                _ => None,
            })
            .await;
        if first == First::Answer {
            answered_first.push(n);
        }
        // Both arrive; take the other one too.
        let response = host.response(&id).await;
        assert_eq!(response.payload, ResponsePayload::Result(json!(n)));
        host.notification("window/showMessage", |params| params["message"] == text.as_str())
            .await;
    }
    assert!(
        answered_first.is_empty(),
        "the answer overtook the message shown before it in calls {answered_first:?}"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_command_cancelled_while_it_runs_is_answered_once_and_its_late_value_dropped() {
    let dir = tempfile::tempdir().unwrap();
    extension(
        dir.path(),
        "busy",
        r#"
        const vscode = require('vscode');
        exports.activate = (c) => {
          c.subscriptions.push(vscode.commands.registerCommand('busy.spin', (ms) => {
            console.log('spinning');
            const end = Date.now() + ms;
            while (Date.now() < end) {}
            return 'late';
          }));
          c.subscriptions.push(vscode.commands.registerCommand('busy.quick', (n) => n));
        };
        "#,
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.state_change("test.busy", "enabled").await;
    for round in 0..5 {
        let id = host
            .send_request(
                "workspace/executeCommand",
                json!({"command": "busy.spin", "arguments": [300]}),
            )
            .await;
        let Id::Number(number) = id.clone() else {
            unreachable!()
        };
        host.notification("window/logMessage", |p| {
            p["message"] == "[test.busy] spinning"
        })
        .await;
        host.notify("$/cancelRequest", json!({"id": number})).await;
        let response = host.response(&id).await;
        let ResponsePayload::Error(error) = response.payload else {
            panic!("round {round}: the cancelled command answered {response:?}")
        };
        assert_eq!(error.code, error_code::REQUEST_CANCELLED);
        // The handler goes on to return its value (JS cannot be stopped half-way): it must not reach
        // the editor. The quick command queued behind it answers after it returned.
        let quick = host
            .call(
                "workspace/executeCommand",
                json!({"command": "busy.quick", "arguments": [round]}),
            )
            .await;
        assert_eq!(quick, json!(round));
        let late: Vec<&Message> = host
            .backlog()
            .filter(|message| matches!(message, Message::Response(r) if r.id.as_ref() == Some(&id)))
            .collect();
        assert!(late.is_empty(), "round {round}: a second answer: {late:?}");
    }
    // An answer that came first is not followed by -32800 when the cancellation arrives late.
    let id = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "busy.quick", "arguments": ["first"]}),
        )
        .await;
    let response = host.response(&id).await;
    assert_eq!(response.payload, ResponsePayload::Result(json!("first")));
    let Id::Number(number) = id.clone() else {
        unreachable!()
    };
    host.notify("$/cancelRequest", json!({"id": number})).await;
    let after: Value = host
        .call(
            "workspace/executeCommand",
            json!({"command": "busy.quick", "arguments": ["after"]}),
        )
        .await;
    assert_eq!(after, json!("after"));
    let twice = host
        .backlog()
        .filter(|message| matches!(message, Message::Response(r) if r.id.as_ref() == Some(&id)))
        .count();
    assert_eq!(twice, 0, "a request answered first was answered again");
    assert_eq!(host.extension("test.busy").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}
