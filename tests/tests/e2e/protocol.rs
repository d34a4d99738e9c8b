//! The wire (contract §2): framing, every error code followed by a successful request, lifecycle exit codes.

use exthost_e2e::{Host, HostOptions};
use exthost_protocol::{Id, ResponsePayload, encode_frame, error_code};
use serde_json::{Value, json};

fn error_code_of(payload: &ResponsePayload) -> i64 {
    match payload {
        ResponsePayload::Error(error) => error.code,
        ResponsePayload::Result(value) => panic!("expected an error, got result {value}"),
    }
}

/// After an error the host keeps serving: a listExtensions request still answers.
async fn assert_still_serving(host: &mut Host) {
    let result = host.call("exthost/listExtensions", json!({})).await;
    assert!(result["extensions"].is_array(), "{result}");
}

#[tokio::test]
async fn initialize_shutdown_exit_ends_with_zero() {
    let mut host = Host::spawn(HostOptions::default());
    let result = host.initialize(json!({})).await;
    assert_eq!(result["serverInfo"]["name"], "exthost");
    assert_eq!(
        result["capabilities"]["textDocumentSync"]["openClose"],
        true
    );
    assert!(result["capabilities"]["executeCommandProvider"]["commands"].is_array());
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn exit_without_shutdown_ends_with_one() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    host.notify("exit", Value::Null).await;
    assert_eq!(host.exit_code().await, 1);
}

#[tokio::test]
async fn end_of_input_without_shutdown_ends_with_one() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    host.close_stdin();
    assert_eq!(host.exit_code().await, 1);
}

#[tokio::test]
async fn requests_after_shutdown_are_invalid() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    assert_eq!(host.call("shutdown", Value::Null).await, Value::Null);
    let response = host.request("exthost/listExtensions", json!({})).await;
    assert_eq!(
        error_code_of(&response.payload),
        error_code::INVALID_REQUEST
    );
    host.notify("exit", Value::Null).await;
    assert_eq!(host.exit_code().await, 0);
}

#[tokio::test]
async fn a_request_before_initialize_is_refused_then_initialize_works() {
    let mut host = Host::spawn(HostOptions::default());
    let response = host.request("exthost/listExtensions", json!({})).await;
    assert_eq!(
        error_code_of(&response.payload),
        error_code::SERVER_NOT_INITIALIZED
    );
    host.initialize(json!({})).await;
    assert_still_serving(&mut host).await;
    let again = host
        .request("initialize", json!({"capabilities": {}}))
        .await;
    assert_eq!(error_code_of(&again.payload), error_code::INVALID_REQUEST);
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn malformed_json_gets_parse_error_with_null_id() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    host.send_raw(&encode_frame(br#"{"jsonrpc": "2.0", "id": 5, "method": "#))
        .await;
    let response = host.null_id_response().await;
    assert_eq!(error_code_of(&response.payload), error_code::PARSE_ERROR);
    assert_still_serving(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn valid_json_that_is_not_a_request_is_invalid() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    for body in [
        r#"42"#,
        r#"[{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}]"#,
        r#"{"jsonrpc": "1.0", "method": "x"}"#,
        r#"{"jsonrpc": "2.0", "method": 7}"#,
    ] {
        host.send_raw(&encode_frame(body.as_bytes())).await;
        let response = host.null_id_response().await;
        assert_eq!(
            error_code_of(&response.payload),
            error_code::INVALID_REQUEST,
            "for {body}"
        );
    }
    // When the id can be read, the error answers that id.
    host.send_raw(&encode_frame(
        br#"{"jsonrpc": "2.0", "id": 77, "method": 7}"#,
    ))
    .await;
    let response = host.response(&Id::Number(77)).await;
    assert_eq!(
        error_code_of(&response.payload),
        error_code::INVALID_REQUEST
    );
    assert_still_serving(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn unknown_method_and_bad_params_are_reported() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let response = host.request("exthost/noSuchMethod", json!({})).await;
    assert_eq!(
        error_code_of(&response.payload),
        error_code::METHOD_NOT_FOUND
    );
    let ResponsePayload::Error(error) = &response.payload else {
        unreachable!()
    };
    assert!(
        error.message.contains("exthost/noSuchMethod"),
        "{}",
        error.message
    );
    assert_still_serving(&mut host).await;
    for params in [json!({}), json!({"id": 5}), json!([1, 2])] {
        let response = host.request("exthost/enable", params.clone()).await;
        assert_eq!(
            error_code_of(&response.payload),
            error_code::INVALID_PARAMS,
            "for {params}"
        );
    }
    assert_still_serving(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_frame_split_across_many_writes_and_many_frames_in_one_write() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let frame = encode_frame(
        br#"{"jsonrpc":"2.0","id":"split","method":"exthost/listExtensions","params":{}}"#,
    );
    for chunk in frame.chunks(3) {
        host.send_raw(chunk).await;
    }
    let response = host.response(&Id::String("split".into())).await;
    assert!(matches!(response.payload, ResponsePayload::Result(_)));

    let mut batch = Vec::new();
    for n in 100..110 {
        let body = format!(r#"{{"jsonrpc":"2.0","id":{n},"method":"exthost/listExtensions"}}"#);
        batch.extend(encode_frame(body.as_bytes()));
    }
    host.send_raw(&batch).await;
    for n in 100..110 {
        let response = host.response(&Id::Number(n)).await;
        assert!(
            matches!(response.payload, ResponsePayload::Result(_)),
            "request {n}"
        );
    }
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn garbage_between_frames_is_reported_and_skipped() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let mut bytes = b"this is not a header\r\n\r\n{}{}".to_vec();
    bytes.extend(encode_frame(
        br#"{"jsonrpc":"2.0","id":"after-garbage","method":"exthost/listExtensions"}"#,
    ));
    bytes.extend(b"Content-Length: nope\r\n\r\n{}");
    bytes.extend(encode_frame(
        br#"{"jsonrpc":"2.0","id":"after-bad-length","method":"exthost/listExtensions"}"#,
    ));
    host.send_raw(&bytes).await;
    let response = host.response(&Id::String("after-garbage".into())).await;
    assert!(matches!(response.payload, ResponsePayload::Result(_)));
    let response = host.response(&Id::String("after-bad-length".into())).await;
    assert!(matches!(response.payload, ResponsePayload::Result(_)));
    let parse_error = host.null_id_response().await;
    assert_eq!(error_code_of(&parse_error.payload), error_code::PARSE_ERROR);
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_ten_megabyte_message_is_served() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let padding = "x".repeat(10 * 1024 * 1024);
    let uri = "file:///big.txt";
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": padding}}),
    )
    .await;
    let result = host
        .call("exthost/listExtensions", json!({"padding": padding}))
        .await;
    assert!(result["extensions"].is_array());
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_content_type_header_is_accepted() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let body = br#"{"jsonrpc":"2.0","id":"typed","method":"exthost/listExtensions"}"#;
    let mut frame = format!(
        "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
        body.len()
    )
    .into_bytes();
    frame.extend(body);
    host.send_raw(&frame).await;
    let response = host.response(&Id::String("typed".into())).await;
    assert!(matches!(response.payload, ResponsePayload::Result(_)));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn deeply_nested_params_are_answered_to_the_request_s_own_id() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let nested = |levels: usize| format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
    // 200 levels used to be -32700 with `id: null`: now they are carried to the method (unknown here).
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":41,"method":"nope/deep","params":{}}}"#,
        nested(200)
    );
    host.send_raw(&encode_frame(body.as_bytes())).await;
    let response = host.response(&Id::Number(41)).await;
    assert_eq!(
        error_code_of(&response.payload),
        error_code::METHOD_NOT_FOUND
    );
    // Past the limit the request is refused, but answered to its id, naming the depth.
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"nope/deep","params":{},"id":"deep"}}"#,
        nested(50_000)
    );
    host.send_raw(&encode_frame(body.as_bytes())).await;
    let response = host.response(&Id::String("deep".to_owned())).await;
    match response.payload {
        ResponsePayload::Error(error) => {
            assert_eq!(error.code, error_code::INVALID_REQUEST);
            assert_eq!(
                error.message,
                "JSON nested 50001 levels deep; the limit is 1024"
            );
        }
        ResponsePayload::Result(value) => panic!("expected an error, got {value}"),
    }
    assert_still_serving(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn after_an_oversized_frame_the_next_message_is_read_not_swallowed() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    // 100 MB announced, then a request at once: the host must not wait for (or drop) 100 MB first.
    host.send_raw(b"Content-Length: 100000000\r\n\r\n").await;
    let id = host.send_request("exthost/listExtensions", json!({})).await;
    let refused = host.null_id_response().await;
    assert_eq!(error_code_of(&refused.payload), error_code::PARSE_ERROR);
    let response = host.response(&id).await;
    assert!(
        matches!(response.payload, ResponsePayload::Result(_)),
        "{response:?}"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_duplicate_request_id_in_flight_is_refused_and_the_first_still_answers() {
    let dir = tempfile::tempdir().unwrap();
    exthost_e2e::write_extension(
        dir.path(),
        "slow",
        &json!({"id": "test.slow", "name": "slow", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:slow.wait"]}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('slow.wait', () => new Promise((resolve) => setTimeout(() => resolve('done'), 1000)))); };\n",
        )],
    );
    let mut host = Host::start(&[dir.path()]).await;
    let id = Id::String("twice".to_owned());
    let request = |command: &str| {
        exthost_protocol::Message::Request(exthost_protocol::Request {
            id: id.clone(),
            method: "workspace/executeCommand".to_owned(),
            params: Some(json!({"command": command})),
        })
    };
    host.send(&request("slow.wait")).await;
    host.send(&request("slow.wait")).await;
    let first = host.response(&id).await;
    match first.payload {
        ResponsePayload::Error(error) => {
            assert_eq!(error.code, error_code::INVALID_REQUEST);
            assert_eq!(
                error.message,
                "a request with id twice is already in flight"
            );
        }
        ResponsePayload::Result(value) => panic!("expected the duplicate refused, got {value}"),
    }
    let second = host.response(&id).await;
    assert_eq!(second.payload, ResponsePayload::Result(json!("done")));
    // Once answered, the id may be used again.
    host.send(&request("slow.wait")).await;
    assert_eq!(
        host.response(&id).await.payload,
        ResponsePayload::Result(json!("done"))
    );
    assert_eq!(host.shutdown().await, 0);
}
