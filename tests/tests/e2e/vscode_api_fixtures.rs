//! The VS Code API fixtures of `tests/fixtures/vscode-api` (small extensions of our own, in the shapes real
//! extensions ship in: plain CommonJS, compiled TypeScript, ES module, bundled) run by the real binary with
//! an LSP-speaking test editor: what each fixture's package.json describes, observed on the wire.

use exthost_e2e::{Host, HostOptions, fixtures};
use exthost_protocol::{Message, Response};
use serde_json::{Value, json};

fn fixture(name: &str) -> std::path::PathBuf {
    let folder = fixtures().join("vscode-api").join(name);
    assert!(folder.is_dir(), "no fixture at {}", folder.display());
    folder
}

/// The fixture's extension id, as VS Code forms it: `publisher.name` from its package.json.
fn fixture_id(name: &str) -> String {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(name).join("package.json")).unwrap())
            .unwrap();
    format!(
        "{}.{}",
        manifest["publisher"].as_str().unwrap(),
        manifest["name"].as_str().unwrap()
    )
}

/// A host with one fixture as a `--dev` extension.
fn host_with(name: &str) -> Host {
    Host::spawn(HostOptions {
        args: vec!["--dev".into(), fixture(name).display().to_string()],
        ..HostOptions::default()
    })
}

fn range(start_line: u32, start_character: u32, end_line: u32, end_character: u32) -> Value {
    json!({"start": {"line": start_line, "character": start_character},
           "end": {"line": end_line, "character": end_character}})
}

async fn answer(host: &mut Host, id: exthost_protocol::Id, result: Value) {
    host.send(&Message::Response(Response::ok(id, result)))
        .await;
}

#[tokio::test]
async fn hello_fixtures_in_every_module_shape_show_hello_world() {
    for name in [
        "hello-plain",
        "hello-typescript",
        "hello-esm",
        "hello-bundled",
    ] {
        let mut host = host_with(name);
        host.initialize(json!({})).await;
        let result = host
            .call(
                "workspace/executeCommand",
                json!({"command": "extension.helloWorld"}),
            )
            .await;
        assert_eq!(result, Value::Null, "{name}");
        let shown = host.notification("window/showMessage", |_| true).await;
        assert_eq!(
            shown,
            json!({"type": 3, "message": "Hello World!"}),
            "{name}"
        );
        let active = format!("Fixture \"{name}\" is now active");
        host.notification("window/logMessage", |p| {
            p["message"].as_str().unwrap().ends_with(&active)
        })
        .await;
        assert_eq!(
            host.extension(&fixture_id(name)).await["state"],
            "enabled",
            "{name}"
        );
        assert_eq!(host.shutdown().await, 0);
    }
}

#[tokio::test]
async fn completions_fixture_offers_its_items_and_the_console_methods() {
    let mut host = host_with("completions");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/completions.txt";
    host.open_document(uri, "plaintext", "console.").await;
    let list = host
        .call(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    let items = list["items"].as_array().unwrap();
    let labels: Vec<&str> = items.iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "Hello World!",
            "Greeting for the time of day",
            "console",
            "new"
        ]
    );
    let snippet = &items[1];
    assert_eq!(
        snippet["insertText"],
        "Have a nice ${1|morning,afternoon,evening|}; see you this ${1}."
    );
    assert_eq!(snippet["insertTextFormat"], 2);
    assert_eq!(snippet["documentation"]["kind"], "markdown");
    assert_eq!(items[2]["commitCharacters"], json!(["."]));
    assert_eq!(
        items[3]["kind"], 14,
        "CompletionItemKind.Keyword is 14 in LSP"
    );
    assert_eq!(items[3]["insertText"], "new ");
    assert_eq!(
        items[3]["command"]["command"],
        "editor.action.triggerSuggest"
    );

    let after_dot = host
        .call(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 8}}),
        )
        .await;
    let methods: Vec<(&str, i64)> = after_dot["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == 2)
        .map(|i| (i["label"].as_str().unwrap(), i["kind"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        methods,
        [("log", 2), ("warn", 2), ("error", 2)],
        "CompletionItemKind.Method is 2 in LSP"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn status_bar_fixture_counts_selected_lines() {
    let mut host = host_with("status-bar");
    host.initialize(json!({})).await;
    host.state_change(&fixture_id("status-bar"), "enabled")
        .await;
    let uri = "file:///tmp/statusbar.txt";
    host.open_document(uri, "plaintext", "a\nb\nc\nd\ne\n")
        .await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(1, 0, 4, 2)]}),
    )
    .await;
    let item = host
        .notification("exthost/statusBarItem", |p| p["visible"] == true)
        .await;
    assert_eq!(item["text"], "$(list-selection) 4 lines selected");
    assert_eq!(item["alignment"], "right");
    assert_eq!(item["command"], "statusBar.showSelectedLines");
    host.call(
        "workspace/executeCommand",
        json!({"command": "statusBar.showSelectedLines"}),
    )
    .await;
    let shown = host.notification("window/showMessage", |_| true).await;
    assert_eq!(shown["message"], "4 lines are selected");

    host.notify(
        "exthost/didChangeSelection",
        json!({"uri": uri, "selections": [range(2, 0, 2, 0)]}),
    )
    .await;
    host.notification("exthost/statusBarItem", |p| p["visible"] == false)
        .await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn editing_fixture_reverses_the_selection_through_apply_edit() {
    let mut host = host_with("editing");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/editing.txt";
    host.open_document(uri, "plaintext", "hello world").await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(0, 0, 0, 5)]}),
    )
    .await;
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "editing.reverseSelection"}),
        )
        .await;
    let (id, params) = host.server_request("workspace/applyEdit").await;
    assert_eq!(
        params["edit"]["changes"][uri],
        json!([{"range": range(0, 0, 0, 5), "newText": "olleh"}])
    );
    answer(&mut host, id, json!({"applied": true})).await;
    let response = host.response(&command).await;
    assert_eq!(
        response.payload,
        exthost_protocol::ResponsePayload::Result(json!(true)),
        "TextEditor.edit resolves whether the editor applied the edit"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn decorations_fixture_decorates_short_and_long_numbers() {
    let mut host = host_with("decorations");
    host.initialize(json!({})).await;
    host.state_change(&fixture_id("decorations"), "enabled")
        .await;
    let uri = "file:///tmp/numbers.txt";
    host.open_document(uri, "plaintext", "a 12 b 345").await;
    let short = host
        .notification("exthost/decorations", |p| {
            p["uri"] == uri
                && p["ranges"]
                    .as_array()
                    .is_some_and(|r| r.len() == 1 && r[0]["range"] == range(0, 2, 0, 4))
        })
        .await;
    assert_eq!(short["ranges"][0]["hoverMessage"], "The number **12**");
    let long = host
        .notification("exthost/decorations", |p| {
            p["uri"] == uri
                && p["ranges"]
                    .as_array()
                    .is_some_and(|r| r.len() == 1 && r[0]["range"] == range(0, 7, 0, 10))
        })
        .await;
    assert_eq!(long["ranges"][0]["hoverMessage"], "The number **345**");
    assert_ne!(short["type"], long["type"], "two decoration types");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn code_lens_fixture_lenses_resolve_run_and_follow_the_setting() {
    let mut host = host_with("code-lens");
    host.initialize(json!({})).await;
    host.state_change(&fixture_id("code-lens"), "enabled").await;
    let uri = "file:///tmp/lenses.txt";
    host.open_document(uri, "plaintext", "first line\n\nthird")
        .await;
    let lenses = host
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let lenses = lenses.as_array().unwrap().clone();
    assert_eq!(lenses.len(), 2, "one lens per non-empty line: {lenses:#?}");
    assert_eq!(lenses[0]["range"], range(0, 0, 0, 10));
    assert_eq!(lenses[1]["range"], range(2, 0, 2, 5));
    assert!(lenses[0].get("command").is_none(), "resolved later");
    let resolved = host.call("codeLens/resolve", lenses[0].clone()).await;
    assert_eq!(
        resolved["command"],
        json!({"title": "2 word(s)", "command": "lineLenses.showLine", "arguments": ["first line", 1]})
    );
    host.call(
        "workspace/executeCommand",
        json!({"command": "lineLenses.showLine", "arguments": ["first line", 1]}),
    )
    .await;
    let shown = host.notification("window/showMessage", |_| true).await;
    assert_eq!(shown["message"], "Line 1 reads \"first line\"");

    // Disabling writes the user setting (the fixture does not await the update), the configuration
    // change makes it fire onDidChangeCodeLenses — the editor is asked to refresh — and the provider then
    // offers nothing; enabling brings the lenses back.
    host.call(
        "workspace/executeCommand",
        json!({"command": "lineLenses.disable"}),
    )
    .await;
    let (refresh, _) = host.server_request("workspace/codeLens/refresh").await;
    answer(&mut host, refresh, Value::Null).await;
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(host.home.path().join("settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(settings["lineLenses.enabled"], false);
    let lenses = host
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(lenses, json!([]));
    host.call(
        "workspace/executeCommand",
        json!({"command": "lineLenses.enable"}),
    )
    .await;
    let (refresh, _) = host.server_request("workspace/codeLens/refresh").await;
    answer(&mut host, refresh, Value::Null).await;
    let lenses = host
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(lenses.as_array().map(Vec::len), Some(2), "{lenses:#?}");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn configuration_fixture_asks_with_quick_picks_and_writes_the_setting() {
    let workspace = tempfile::tempdir().unwrap();
    let mut host = host_with("configuration");
    let root = format!("file://{}", workspace.path().display());
    host.initialize(json!({"workspaceFolders": [{"uri": root, "name": "ws"}]}))
        .await;
    host.call(
        "workspace/executeCommand",
        json!({"command": "configuration.showStartView"}),
    )
    .await;
    let shown = host.notification("window/showMessage", |_| true).await;
    assert_eq!(
        shown["message"], "A new window shows the explorer view",
        "the contributed default"
    );
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "configuration.chooseStartView"}),
        )
        .await;
    let (id, pick) = host.server_request("exthost/showQuickPick").await;
    let labels: Vec<&str> = pick["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["explorer", "search", "scm", "debug", "extensions"]);
    assert_eq!(pick["placeHolder"], "Which view should a new window show?");
    answer(&mut host, id, json!({"selected": [1]})).await;
    let (id, targets) = host.server_request("exthost/showQuickPick").await;
    assert_eq!(targets["items"][1]["label"], "Workspace");
    answer(&mut host, id, json!({"selected": [1]})).await;
    let response = host.response(&command).await;
    assert_eq!(
        response.payload,
        exthost_protocol::ResponsePayload::Result(json!("search"))
    );
    let written = std::fs::read_to_string(workspace.path().join(".exthost/settings.json"))
        .expect("workspace settings written");
    let written: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(written["configuration.startView"], "search");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn multi_root_fixture_names_the_folder_of_the_active_file() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let mut host = host_with("multi-root");
    let folder = |path: &std::path::Path, name: &str| json!({"uri": format!("file://{}", path.display()), "name": name});
    host.initialize(
        json!({"workspaceFolders": [folder(first.path(), "one"), folder(second.path(), "two")]}),
    )
    .await;
    host.state_change(&fixture_id("multi-root"), "enabled")
        .await;
    let file = second.path().join("notes.txt");
    let uri = format!("file://{}", file.display());
    host.open_document(&uri, "plaintext", "x").await;
    let item = host
        .notification("exthost/statusBarItem", |p| p["visible"] == true)
        .await;
    assert_eq!(item["text"], "$(root-folder) two (2/2) › notes.txt");
    assert_eq!(item["tooltip"], file.display().to_string());
    assert_eq!(item["color"], "statusBarItem.prominentForeground");
    assert_eq!(item["alignment"], "left");
    host.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [folder(first.path(), "one")]}}),
    )
    .await;
    host.notification("exthost/statusBarItem", |p| p["visible"] == false)
        .await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn modal_editing_fixture_starts_in_normal_mode_and_deletes_with_x() {
    let mut host = host_with("modal-editing");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/modal.txt";
    host.open_document(uri, "plaintext", "hello").await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(0, 0, 0, 0)]}),
    )
    .await;
    host.notification("exthost/statusBarItem", |p| {
        p["text"] == "-- NORMAL --" && p["visible"] == true
    })
    .await;
    let typed = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "type", "arguments": [{"text": "x"}]}),
        )
        .await;
    let (id, params) = host.server_request("workspace/applyEdit").await;
    let edits = params["edit"]["changes"][uri]
        .as_array()
        .expect("edits for the document");
    assert_eq!(
        edits,
        &vec![json!({"range": range(0, 0, 0, 1), "newText": ""})]
    );
    answer(&mut host, id, json!({"applied": true})).await;
    host.response(&typed).await;
    host.call(
        "workspace/executeCommand",
        json!({"command": "type", "arguments": [{"text": "i"}]}),
    )
    .await;
    host.notification("exthost/statusBarItem", |p| p["text"] == "-- INSERT --")
        .await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn file_system_fixture_activates_on_its_scheme_and_runs_its_commands() {
    let mut host = host_with("file-system");
    host.initialize(json!({})).await;
    let id = fixture_id("file-system");
    let activated = host
        .call("exthost/activate", json!({"event": "onFileSystem:memfs"}))
        .await;
    assert_eq!(activated, json!({"activated": [id]}));
    for command in ["memfs.init", "memfs.addFile"] {
        host.call("workspace/executeCommand", json!({"command": command}))
            .await;
    }
    let listed = host
        .call(
            "workspace/executeCommand",
            json!({"command": "memfs.list", "arguments": ["/"]}),
        )
        .await;
    assert_eq!(
        listed,
        json!([
            ["greeting.txt", 1],
            ["docs", 2],
            ["numbers.json", 1],
            ["file.txt", 1]
        ])
    );
    host.call(
        "workspace/executeCommand",
        json!({"command": "memfs.deleteFile"}),
    )
    .await;
    // Deleting it again fails with the provider's `FileSystemError.FileNotFound(memfs:/file.txt)`, whose
    // message is the URI as in VS Code; the error's stack names the provider's file, and the extension
    // keeps running.
    let response = host
        .request(
            "workspace/executeCommand",
            json!({"command": "memfs.deleteFile"}),
        )
        .await;
    let exthost_protocol::ResponsePayload::Error(error) = response.payload else {
        panic!("the second memfs.deleteFile fails")
    };
    assert_eq!(error.message, "memfs:/file.txt");
    assert!(
        error.data.unwrap()["stack"]
            .as_str()
            .unwrap()
            .contains("memoryFileSystem.js")
    );
    for command in ["memfs.reset", "memfs.workspaceInit"] {
        host.call("workspace/executeCommand", json!({"command": command}))
            .await;
    }
    assert_eq!(
        host.call(
            "workspace/executeCommand",
            json!({"command": "memfs.list", "arguments": ["/"]}),
        )
        .await,
        json!([])
    );
    assert_eq!(host.extension(&id).await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn content_provider_fixture_opens_its_virtual_references_document() {
    let mut host = host_with("content-provider");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/references.txt";
    host.open_document(uri, "plaintext", "alpha beta\nbeta gamma\n")
        .await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(0, 6, 0, 6)]}),
    )
    .await;
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "references.show"}),
        )
        .await;
    // The fixture builds a `references:` URI and asks the editor to show it; no reference provider is
    // registered here, so its virtual document says it found none. An LSP editor cannot read a
    // `references:` document (see docs/vscode-api.md), so the test stops at the request.
    let (id, params) = host.server_request("window/showDocument").await;
    let shown = params["uri"].as_str().unwrap();
    assert!(shown.starts_with("references:/references.txt?"), "{shown}");
    answer(&mut host, id, json!({"success": false})).await;
    host.response(&command).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn notifications_fixture_asks_shows_progress_and_is_cancelled() {
    let mut host = host_with("notifications");
    host.initialize(json!({"capabilities": {"window": {"workDoneProgress": true}}}))
        .await;
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "notifications.saveReport"}),
        )
        .await;
    let (id, question) = host.server_request("window/showMessageRequest").await;
    assert_eq!(
        question,
        json!({"type": 3, "message": "Save the report?", "actions": [{"title": "Save"}, {"title": "Discard"}]})
    );
    answer(&mut host, id, json!({"title": "Save"})).await;
    let (id, created) = host.server_request("window/workDoneProgress/create").await;
    let token = created["token"].clone();
    assert_eq!(token, "exthost-fixtures.notifications/4294967296");
    answer(&mut host, id, Value::Null).await;
    for value in [
        json!({"kind": "begin", "title": "Saving the report", "cancellable": false}),
        json!({"kind": "report", "message": "writing the header", "percentage": 50}),
        json!({"kind": "report", "message": "writing the body", "percentage": 100}),
        json!({"kind": "end"}),
    ] {
        let progress = host.notification("$/progress", |_| true).await;
        assert_eq!(progress, json!({"token": token, "value": value}));
    }
    let shown = host.notification("window/showMessage", |_| true).await;
    assert_eq!(shown, json!({"type": 3, "message": "The report is saved"}));
    let response = host.response(&command).await;
    assert_eq!(
        response.payload,
        exthost_protocol::ResponsePayload::Result(json!("saved"))
    );

    // Dismissing the question (no action chosen) is VS Code's `undefined`.
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "notifications.connect"}),
        )
        .await;
    let (id, error) = host.server_request("window/showMessageRequest").await;
    assert_eq!(error["type"], 1);
    assert_eq!(
        error["message"],
        "Could not reach the server\n\nIt did not answer within 5 s."
    );
    answer(&mut host, id, Value::Null).await;
    assert_eq!(
        host.response(&command).await.payload,
        exthost_protocol::ResponsePayload::Result(json!("given up"))
    );

    // The editor cancels the long task through its progress token.
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "notifications.longTask"}),
        )
        .await;
    let (id, created) = host.server_request("window/workDoneProgress/create").await;
    let token = created["token"].clone();
    answer(&mut host, id, Value::Null).await;
    let begin = host
        .notification("$/progress", |p| p["value"]["kind"] == "begin")
        .await;
    assert_eq!(begin["value"]["cancellable"], true);
    host.notify("window/workDoneProgress/cancel", json!({"token": token}))
        .await;
    let response = host.response(&command).await;
    let exthost_protocol::ResponsePayload::Result(result) = response.payload else {
        panic!("the long task answers: {response:?}")
    };
    assert!(
        result
            .as_str()
            .is_some_and(|text| text.starts_with("cancelled after ")),
        "{result}"
    );
    host.notification("$/progress", |p| {
        p["token"] == token && p["value"]["kind"] == "end"
    })
    .await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn diagnostics_fixture_publishes_related_information_and_a_quick_fix_resolves_to_an_edit() {
    let mut host = host_with("diagnostics");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/repeats.txt";
    host.open_document(uri, "plaintext", "see the the cat")
        .await;
    let published = host
        .notification("textDocument/publishDiagnostics", |p| p["uri"] == uri)
        .await;
    let diagnostics = published["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["range"], range(0, 8, 0, 11));
    assert_eq!(diagnostic["message"], "\"the\" is repeated");
    assert_eq!(diagnostic["severity"], 2, "Warning");
    assert_eq!(diagnostic["code"], "repeated-word");
    assert_eq!(diagnostic["source"], "repeats");
    assert_eq!(diagnostic["tags"], json!([1]), "Unnecessary");
    assert_eq!(
        diagnostic["relatedInformation"],
        json!([{"location": {"uri": uri, "range": range(0, 4, 0, 7)}, "message": "the first \"the\""}])
    );
    let actions = host
        .call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(0, 9, 0, 9),
                   "context": {"diagnostics": diagnostics}}),
        )
        .await;
    let actions = actions.as_array().unwrap().clone();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0]["title"], "Remove the repeated \"the\"");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["isPreferred"], true);
    assert!(
        actions[0].get("edit").is_none(),
        "the edit comes on resolve"
    );
    let resolved = host.call("codeAction/resolve", actions[0].clone()).await;
    assert_eq!(
        resolved["edit"],
        json!({"changes": {uri: [{"range": range(0, 7, 0, 11), "newText": ""}]}})
    );
    host.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "see the cat"}]}),
    )
    .await;
    host.notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && p["diagnostics"] == json!([])
    })
    .await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn semantic_tokens_fixture_registers_its_legend_and_answers_tokens() {
    let mut host = host_with("semantic-tokens");
    host.initialize(json!({"capabilities": {
        "textDocument": {"semanticTokens": {"dynamicRegistration": true}},
        "workspace": {"semanticTokens": {"refreshSupport": true}},
    }}))
    .await;
    let uri = "file:///tmp/tokens.txt";
    host.open_document(uri, "plaintext", "let x = 5\nconst y = x")
        .await;
    let (id, params) = host.server_request("client/registerCapability").await;
    let options = &params["registrations"][0]["registerOptions"];
    assert_eq!(
        options["legend"],
        json!({"tokenTypes": ["keyword", "variable", "number"], "tokenModifiers": ["declaration", "readonly"]})
    );
    assert_eq!(options["full"], true);
    assert_eq!(
        options["documentSelector"],
        json!([{"language": "plaintext"}])
    );
    answer(&mut host, id, Value::Null).await;
    let tokens = host
        .call(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        tokens["data"],
        json!([
            0, 0, 3, 0, 0, 0, 4, 1, 1, 1, 0, 4, 1, 2, 0, 1, 0, 5, 0, 0, 0, 6, 1, 1, 3, 0, 4, 1, 1,
            0
        ])
    );
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "semanticTokens.toggleNumbers"}),
        )
        .await;
    let (id, _) = host
        .server_request("workspace/semanticTokens/refresh")
        .await;
    answer(&mut host, id, Value::Null).await;
    host.response(&command).await;
    let tokens = host
        .call(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        tokens["data"],
        json!([
            0, 0, 3, 0, 0, 0, 4, 1, 1, 1, 1, 0, 5, 0, 0, 0, 6, 1, 1, 3, 0, 4, 1, 1, 0
        ]),
        "numbers switched off"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn quick_input_fixture_picks_several_and_validates_the_name() {
    let mut host = host_with("quick-input");
    host.initialize(json!({})).await;
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "palette.create"}),
        )
        .await;
    let (id, pick) = host.server_request("exthost/showQuickPick").await;
    assert_eq!(pick["canPickMany"], true);
    assert_eq!(pick["title"], "Colours of the palette");
    assert_eq!(pick["items"][1]["picked"], true);
    answer(&mut host, id, json!({"selected": [0, 2]})).await;
    let (id, input) = host.server_request("exthost/showInputBox").await;
    assert_eq!(
        input,
        json!({"title": "Name the palette", "prompt": "A name for 2 colour(s)", "value": "my palette"})
    );
    answer(&mut host, id, json!({"value": "Warm"})).await;
    assert_eq!(
        host.response(&command).await.payload,
        exthost_protocol::ResponsePayload::Result(
            json!({"name": "Warm", "colours": ["#ff0000", "#0000ff"]})
        )
    );

    // A blank name fails validateInput: the input box gives `undefined`, so the command does too.
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "palette.create"}),
        )
        .await;
    let (id, _) = host.server_request("exthost/showQuickPick").await;
    answer(&mut host, id, json!({"selected": [1]})).await;
    let (id, _) = host.server_request("exthost/showInputBox").await;
    answer(&mut host, id, json!({"value": "   "})).await;
    assert_eq!(
        host.response(&command).await.payload,
        exthost_protocol::ResponsePayload::Result(Value::Null)
    );
    assert_eq!(host.shutdown().await, 0);
}
