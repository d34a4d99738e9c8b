//! Rules every path that writes a command's answer must keep (the worker's writer today; an extension's
//! thread writing its own answer's frame was tried for issue 15): answers larger than a pipe's buffer and
//! answers written beside a stream of logs arrive whole and once, and a command cancelled while it runs
//! is answered once, with -32800, its late value dropped.

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

#[tokio::test]
async fn answers_larger_than_the_pipe_and_many_in_flight_beside_logs_arrive_whole_and_once() {
    let dir = tempfile::tempdir().unwrap();
    extension(
        dir.path(),
        "big",
        r#"
        const vscode = require('vscode');
        exports.activate = (c) => {
          c.subscriptions.push(vscode.commands.registerCommand('big.make', (n, lines) => {
            for (let i = 0; i < lines; i++) console.log(`line ${i} of call ${n}`);
            return { n, text: 'x'.repeat(n) };
          }));
        };
        "#,
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.state_change("test.big", "enabled").await;
    // Sizes from a few bytes to several times a pipe's buffer (64 KiB): an answer that cannot be written
    // at once must be written whole before anything else is.
    let sizes: Vec<usize> = (0..64)
        .map(|index| match index % 4 {
            0 => index,
            1 => 70_000 + index,
            2 => 1_500_000 + index,
            _ => 300 + index,
        })
        .collect();
    for round in 0..3 {
        let mut ids = Vec::new();
        for (index, size) in sizes.iter().enumerate() {
            let lines = if index % 3 == 0 { 20 } else { 0 };
            let id = host
                .send_request(
                    "workspace/executeCommand",
                    json!({"command": "big.make", "arguments": [size, lines]}),
                )
                .await;
            ids.push((id, *size));
        }
        for (id, size) in &ids {
            let response = host.response(id).await;
            let ResponsePayload::Result(result) = response.payload else {
                panic!("round {round}: call of {size} failed: {response:?}")
            };
            assert_eq!(result["n"], json!(size), "round {round}");
            assert_eq!(
                result["text"].as_str().map(str::len),
                Some(*size),
                "round {round}"
            );
        }
        let again = host
            .backlog()
            .filter(|message| {
                matches!(message, Message::Response(r)
                    if ids.iter().any(|(id, _)| r.id.as_ref() == Some(id)))
            })
            .count();
        assert_eq!(again, 0, "round {round}: an answer came twice");
    }
    assert_eq!(host.extension("test.big").await["state"], "enabled");
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
