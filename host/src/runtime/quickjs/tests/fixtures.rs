//! The VS Code API fixtures of `tests/fixtures/vscode-api` (small extensions of our own, in the shapes real
//! extensions ship in), activated over a fake host that answers the session snapshot, editor requests and
//! the reference-provider command; each test drives what its fixture's package.json describes.

use super::*;

/// The fixtures, in the repository's end-to-end test crate.
fn fixtures_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/vscode-api")
}

/// The entry a package.json `main` names (`./out/extension` → `out/extension.js`).
fn entry_of(folder: &Path, package_json: &Value) -> String {
    let main = package_json["main"].as_str().expect("a main");
    let main = main.trim_start_matches("./");
    if folder.join(main).is_file() {
        main.to_owned()
    } else {
        format!("{main}.js")
    }
}

fn editor_answers(method: &str, params: &Value) -> Result<Value, String> {
    match method {
        "workspace/applyEdit" => Ok(json!({ "applied": true })),
        "window/showDocument" => Ok(json!({ "success": true })),
        "window/showMessageRequest" => Ok(json!({ "title": params["actions"][0]["title"] })),
        "exthost/showQuickPick" => Ok(json!({ "selected": [1] })),
        "exthost/showInputBox" => {
            Ok(json!({ "value": params["value"].as_str().unwrap_or("typed") }))
        }
        _ => Ok(Value::Null),
    }
}

fn fixture(name: &str, snapshot: Value) -> Harness {
    let folder = fixtures_folder().join(name);
    let package_json: Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("package.json")).expect("the fixture's package.json"),
    )
    .expect("valid JSON");
    let entry = entry_of(&folder, &package_json);
    let id = format!(
        "{}.{}",
        package_json["publisher"].as_str().expect("a publisher"),
        package_json["name"].as_str().expect("a name")
    );
    let answer: Answer = Arc::new(move |request| match request {
        HostRequest::Snapshot => Ok(snapshot.clone()),
        HostRequest::EditorRequest { method, params } => {
            editor_answers(method, params).map_err(crate::runtime::HostCallError::from)
        }
        HostRequest::ExecuteCommand { command, .. }
            if command == "vscode.executeReferenceProvider" =>
        {
            Ok(json!([
                { "uri": "file:///w/a.txt", "range": range(1, 0, 1, 3) },
                { "uri": "file:///w/a.txt", "range": range(0, 0, 0, 5) },
            ]))
        }
        HostRequest::ExecuteCommand { command, .. } => Err(
            crate::runtime::HostCallError::not_found(format!("command not found: {command}")),
        ),
        other => answer(other),
    });
    Harness::launch(
        tempfile::tempdir().expect("tempdir"),
        &id,
        folder,
        &entry,
        Limits::default(),
        package_json,
        answer,
    )
}

fn range(start_line: u32, start: u32, end_line: u32, end: u32) -> Value {
    json!({ "start": { "line": start_line, "character": start }, "end": { "line": end_line, "character": end } })
}

/// One open document `file:///w/a.txt` with `text`, active with one selection.
fn with_document(text: &str, selection: Value) -> Value {
    json!({
        "workspaceFolders": [{ "uri": "file:///w", "name": "w", "index": 0 }],
        "documents": [{ "uri": "file:///w/a.txt", "languageId": "plaintext", "version": 1, "text": text }],
        "settings": {},
        "activeEditor": { "uri": "file:///w/a.txt", "selections": [selection] },
    })
}

impl Harness {
    async fn notified(&mut self, method: &str) -> Value {
        match self
            .expect(|request| matches!(request, HostRequest::EditorNotify { method: seen, .. } if seen == method))
            .await
        {
            HostRequest::EditorNotify { params, .. } => params,
            other => unreachable!("{other:?}"),
        }
    }

    async fn requested(&mut self, method: &str) -> Value {
        match self
            .expect(|request| matches!(request, HostRequest::EditorRequest { method: seen, .. } if seen == method))
            .await
        {
            HostRequest::EditorRequest { params, .. } => params,
            other => unreachable!("{other:?}"),
        }
    }

    async fn provide(&self, handle: u64, method: &str, params: Value) -> Value {
        self.call(RuntimeRequest::InvokeProvider {
            handle,
            method: method.to_owned(),
            params,
            token: 1,
        })
        .await
        .expect("the provider answers")
    }
}

#[tokio::test]
async fn hello_fixtures_in_every_module_shape_show_a_message() {
    for name in [
        "hello-plain",
        "hello-typescript",
        "hello-esm",
        "hello-bundled",
    ] {
        let mut harness = fixture(name, json!({}));
        harness.activate().await.expect("activate");
        harness
            .expect_log(&format!("Fixture \"{name}\" is now active"))
            .await;
        harness
            .command("extension.helloWorld", vec![])
            .await
            .expect("command");
        assert_eq!(
            harness.notified("window/showMessage").await,
            json!({ "type": 3, "message": "Hello World!" }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn completions_fixture_provides_items() {
    let harness = fixture(
        "completions",
        with_document("say console.", range(0, 12, 0, 12)),
    );
    harness.activate().await.expect("activate");
    let at = |character: u32| json!({ "textDocument": { "uri": "file:///w/a.txt" }, "position": { "line": 0, "character": character } });
    let items = harness.provide(1, "textDocument/completion", at(12)).await;
    let labels: Vec<&str> = items
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item["label"].as_str().expect("a label"))
        .collect();
    assert_eq!(
        labels,
        [
            "Hello World!",
            "Greeting for the time of day",
            "console",
            "new"
        ]
    );
    assert_eq!(items[1]["insertTextFormat"], json!(2));
    assert_eq!(
        items[1]["insertText"],
        json!("Have a nice ${1|morning,afternoon,evening|}; see you this ${1}.")
    );
    assert_eq!(
        items[1]["documentation"],
        json!({ "kind": "markdown", "value": "A greeting: pick the time of day **once**, it is used twice." })
    );
    assert_eq!(items[2]["commitCharacters"], json!(["."]));
    assert_eq!(items[3]["kind"], json!(14));
    assert_eq!(items[3]["insertText"], json!("new "));
    assert_eq!(
        items[3]["command"],
        json!({ "title": "Suggest again", "command": "editor.action.triggerSuggest" })
    );
    let methods = harness.provide(2, "textDocument/completion", at(12)).await;
    assert_eq!(
        methods,
        json!([{ "label": "log", "kind": 2 }, { "label": "warn", "kind": 2 }, { "label": "error", "kind": 2 }])
    );
    assert_eq!(
        harness.provide(2, "textDocument/completion", at(3)).await,
        Value::Null
    );
}

#[tokio::test]
async fn configuration_fixture_reads_defaults_and_updates_settings() {
    let mut snapshot = with_document("text", range(0, 0, 0, 0));
    snapshot["settings"] = json!({ "configuration.emptyLastLine": { "/w/b.txt": true } });
    let mut harness = fixture("configuration", snapshot);
    harness.activate().await.expect("activate");
    harness
        .event("documentOpened", json!({ "uri": "file:///w/b.txt", "languageId": "plaintext", "version": 1, "text": "b" }))
        .await;
    assert_eq!(
        harness.notified("window/showMessage").await,
        json!({ "type": 3, "message": "/w/b.txt will end with an empty line" })
    );
    harness
        .command("configuration.showStartView", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness.notified("window/showMessage").await["message"],
        json!("A new window shows the explorer view"),
        "the contributed default"
    );
    assert_eq!(
        harness
            .command("configuration.chooseStartView", vec![])
            .await,
        Ok(json!("search"))
    );
    assert_eq!(
        harness.requested("exthost/showQuickPick").await,
        json!({ "items": [{ "label": "explorer" }, { "label": "search" }, { "label": "scm" }, { "label": "debug" }, { "label": "extensions" }],
                "placeHolder": "Which view should a new window show?" })
    );
    assert_eq!(
        harness.requested("exthost/showQuickPick").await,
        json!({ "items": [{ "label": "User", "description": "for every workspace" }, { "label": "Workspace", "description": "for this workspace only" }],
                "placeHolder": "Where should the choice be saved?" })
    );
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::UpdateSetting { .. }))
            .await,
        HostRequest::UpdateSetting {
            key: "configuration.startView".to_owned(),
            value: json!("search"),
            target: 2
        }
    );
    harness
        .command("configuration.showStartView", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness.notified("window/showMessage").await["message"],
        json!("A new window shows the search view"),
        "the written value"
    );
}

#[tokio::test]
async fn status_bar_fixture_counts_selected_lines() {
    let mut harness = fixture(
        "status-bar",
        with_document("a\nb\nc\nd\ne", range(1, 0, 4, 2)),
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.notified("exthost/statusBarItem").await,
        json!({ "id": "exthost-fixtures.status-bar/1", "text": "$(list-selection) 4 lines selected",
                "command": "statusBar.showSelectedLines", "alignment": "right", "priority": 100, "visible": true })
    );
    harness
        .command("statusBar.showSelectedLines", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness.notified("window/showMessage").await,
        json!({ "type": 3, "message": "4 lines are selected" })
    );
    harness
        .event(
            "selectionChanged",
            json!({ "uri": "file:///w/a.txt", "selections": [range(1, 0, 3, 0)] }),
        )
        .await;
    assert_eq!(
        harness.notified("exthost/statusBarItem").await["text"],
        json!("$(list-selection) 2 lines selected"),
        "a selection ending at a line's start leaves that line out"
    );
    harness
        .event(
            "selectionChanged",
            json!({ "uri": "file:///w/a.txt", "selections": [range(1, 0, 1, 0)] }),
        )
        .await;
    assert_eq!(
        harness.notified("exthost/statusBarItem").await["visible"],
        json!(false)
    );
}

#[tokio::test]
async fn editing_fixture_reverses_the_selection() {
    let mut harness = fixture("editing", with_document("hello world", range(0, 0, 0, 5)));
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.command("editing.reverseSelection", vec![]).await,
        Ok(json!(true))
    );
    assert_eq!(
        harness.requested("workspace/applyEdit").await,
        json!({ "edit": { "changes": { "file:///w/a.txt": [{ "range": range(0, 0, 0, 5), "newText": "olleh" }] } } })
    );
}

#[tokio::test]
async fn decorations_fixture_decorates_numbers() {
    let mut harness = fixture(
        "decorations",
        with_document("a 12 b 345", range(0, 0, 0, 0)),
    );
    harness.activate().await.expect("activate");
    let short = harness.notified("exthost/decorations").await;
    let long = harness.notified("exthost/decorations").await;
    assert_eq!(
        short,
        json!({ "uri": "file:///w/a.txt", "type": "exthost-fixtures.decorations/decoration/1",
                "ranges": [{ "range": range(0, 2, 0, 4), "hoverMessage": "The number **12**" }] })
    );
    assert_eq!(
        long,
        json!({ "uri": "file:///w/a.txt", "type": "exthost-fixtures.decorations/decoration/2",
                "ranges": [{ "range": range(0, 7, 0, 10), "hoverMessage": "The number **345**" }] })
    );
}

#[tokio::test]
async fn content_provider_fixture_opens_a_references_document_with_links() {
    let mut harness = fixture(
        "content-provider",
        with_document("first line\nsecond line\nthird", range(0, 1, 0, 1)),
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.command("references.show", vec![]).await,
        Ok(Value::Null)
    );
    let shown = harness.requested("window/showDocument").await;
    let uri = shown["uri"].as_str().expect("a uri").to_owned();
    assert!(uri.starts_with("references:/a.txt?"), "{uri}");
    let links = harness
        .provide(
            1,
            "textDocument/documentLink",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    assert_eq!(
        links,
        json!([
            { "range": range(3, 5, 3, 10), "target": "file:///w/a.txt#1" },
            { "range": range(4, 5, 4, 8), "target": "file:///w/a.txt#2" },
        ])
    );
}

#[tokio::test]
async fn code_lens_fixture_provides_and_resolves_lenses() {
    let mut harness = fixture(
        "code-lens",
        with_document("one\n\ntwo words", range(0, 0, 0, 0)),
    );
    harness.activate().await.expect("activate");
    let lenses = harness
        .provide(
            1,
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": "file:///w/a.txt" } }),
        )
        .await;
    assert_eq!(
        lenses,
        json!([
            { "range": range(0, 0, 0, 3), "data": { "handle": 1, "cache": 1, "index": 0 } },
            { "range": range(2, 0, 2, 9), "data": { "handle": 1, "cache": 1, "index": 1 } },
        ])
    );
    assert_eq!(
        harness
            .provide(1, "codeLens/resolve", lenses[1].clone())
            .await,
        json!({ "range": range(2, 0, 2, 9), "data": { "handle": 1, "cache": 1, "index": 1 },
                "command": { "title": "2 word(s)", "command": "lineLenses.showLine",
                             "arguments": ["two words", 3] } })
    );
    harness
        .command("lineLenses.disable", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::UpdateSetting { .. }))
            .await,
        HostRequest::UpdateSetting {
            key: "lineLenses.enabled".to_owned(),
            value: json!(false),
            target: 1
        }
    );
    assert_eq!(
        harness.requested("workspace/codeLens/refresh").await,
        Value::Null
    );
    assert_eq!(
        harness
            .provide(
                1,
                "textDocument/codeLens",
                json!({ "textDocument": { "uri": "file:///w/a.txt" } })
            )
            .await,
        json!([])
    );
    harness
        .command("lineLenses.showLine", vec![json!("two words"), json!(3)])
        .await
        .expect("command");
    assert_eq!(
        harness.notified("window/showMessage").await,
        json!({ "type": 3, "message": "Line 3 reads \"two words\"" })
    );
}

#[tokio::test]
async fn multi_root_fixture_names_the_folder_of_the_active_file() {
    let snapshot = json!({
        "workspaceFolders": [{ "uri": "file:///a", "name": "a", "index": 0 }, { "uri": "file:///b", "name": "b", "index": 1 }],
        "documents": [{ "uri": "file:///b/x.txt", "languageId": "plaintext", "version": 1, "text": "x" }],
        "activeEditor": { "uri": "file:///b/x.txt", "selections": [range(0, 0, 0, 0)] },
    });
    let mut harness = fixture("multi-root", snapshot);
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.notified("exthost/statusBarItem").await,
        json!({ "id": "exthost-fixtures.multi-root/1", "text": "$(root-folder) b (2/2) › x.txt",
                "tooltip": "/b/x.txt", "color": "statusBarItem.prominentForeground", "alignment": "left", "priority": 10, "visible": true })
    );
    harness
        .event(
            "workspaceFoldersChanged",
            json!({ "added": [], "removed": [{ "uri": "file:///a", "name": "a" }] }),
        )
        .await;
    assert_eq!(
        harness.notified("exthost/statusBarItem").await["visible"],
        json!(false),
        "one folder left"
    );
}

#[tokio::test]
async fn file_system_fixture_works_through_workspace_fs() {
    let mut harness = fixture("file-system", json!({}));
    harness.activate().await.expect("activate");
    harness
        .expect_log("memfs:/greeting.txt reads \"Hello\"")
        .await;
    harness
        .command("memfs.init", vec![])
        .await
        .expect("memfs.init");
    assert_eq!(
        harness.command("memfs.list", vec![json!("/")]).await,
        Ok(json!([
            ["greeting.txt", 1],
            ["docs", 2],
            ["numbers.json", 1]
        ]))
    );
    assert_eq!(
        harness.command("memfs.list", vec![json!("/docs")]).await,
        Ok(json!([["readme.md", 1], ["drafts", 2]]))
    );
    harness
        .command("memfs.addFile", vec![])
        .await
        .expect("memfs.addFile");
    harness
        .command("memfs.deleteFile", vec![])
        .await
        .expect("memfs.deleteFile");
    // Deleting it again: the provider's FileSystemError, with VS Code's message (the URI) and a stack
    // naming the provider's file.
    match harness.command("memfs.deleteFile", vec![]).await {
        Err(RuntimeError::Threw { message, stack }) => {
            assert_eq!(message, "memfs:/file.txt");
            let stack = stack.expect("a stack");
            assert!(
                stack.starts_with("FileNotFound (FileSystemError)"),
                "{stack}"
            );
            assert!(stack.contains("memoryFileSystem.js"), "{stack}");
        }
        other => panic!("expected FileNotFound, got {other:?}"),
    }
    harness
        .command("memfs.reset", vec![])
        .await
        .expect("memfs.reset");
    assert_eq!(harness.command("memfs.list", vec![]).await, Ok(json!([])));
    assert_eq!(
        harness.command("memfs.workspaceInit", vec![]).await,
        Ok(json!(true))
    );
}

#[tokio::test]
async fn modal_editing_fixture_starts_in_normal_mode_and_deletes_with_x() {
    let mut harness = fixture(
        "modal-editing",
        with_document("abc\ndef", range(0, 1, 0, 1)),
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.notified("exthost/statusBarItem").await,
        json!({ "id": "exthost-fixtures.modal-editing/1", "text": "-- NORMAL --", "alignment": "left", "visible": true })
    );
    harness
        .command("type", vec![json!({ "text": "x" })])
        .await
        .expect("type x");
    assert_eq!(
        harness.requested("workspace/applyEdit").await,
        json!({ "edit": { "changes": { "file:///w/a.txt": [{ "range": range(0, 1, 0, 2), "newText": "" }] } } })
    );
    harness
        .command("type", vec![json!({ "text": "i" })])
        .await
        .expect("type i");
    assert_eq!(
        harness.notified("exthost/statusBarItem").await["text"],
        json!("-- INSERT --")
    );
    harness
        .command("type", vec![json!({ "text": "z" })])
        .await
        .expect("type z");
    assert_eq!(
        harness.requested("workspace/applyEdit").await,
        json!({ "edit": { "changes": { "file:///w/a.txt": [{ "range": range(0, 1, 0, 1), "newText": "z" }] } } })
    );
}

#[tokio::test]
async fn notifications_fixture_asks_then_shows_progress() {
    let mut harness = fixture("notifications", json!({}));
    harness.activate().await.expect("activate");
    // The test editor picks each message's first action.
    assert_eq!(
        harness.command("notifications.saveReport", vec![]).await,
        Ok(json!("saved"))
    );
    assert_eq!(
        harness.requested("window/showMessageRequest").await,
        json!({ "type": 3, "message": "Save the report?", "actions": [{ "title": "Save" }, { "title": "Discard" }] })
    );
    let token = "exthost-fixtures.notifications/4294967296";
    assert_eq!(
        harness.requested("window/workDoneProgress/create").await,
        json!({ "token": token })
    );
    for value in [
        json!({ "kind": "begin", "title": "Saving the report", "cancellable": false }),
        json!({ "kind": "report", "message": "writing the header", "percentage": 50 }),
        json!({ "kind": "report", "message": "writing the body", "percentage": 100 }),
        json!({ "kind": "end" }),
    ] {
        assert_eq!(
            harness.notified("$/progress").await,
            json!({ "token": token, "value": value })
        );
    }
    assert_eq!(
        harness.notified("window/showMessage").await,
        json!({ "type": 3, "message": "The report is saved" })
    );
    assert_eq!(
        harness.command("notifications.connect", vec![]).await,
        Ok(json!("retrying")),
        "the MessageItem object itself comes back"
    );
    assert_eq!(
        harness.requested("window/showMessageRequest").await,
        json!({ "type": 1, "message": "Could not reach the server\n\nIt did not answer within 5 s.", "actions": [{ "title": "Retry" }] })
    );
    let handle = harness.handle.clone();
    let long = tokio::spawn(async move {
        handle
            .call(RuntimeRequest::ExecuteCommand {
                command: "notifications.longTask".to_owned(),
                arguments: vec![],
            })
            .await
    });
    let token = "exthost-fixtures.notifications/4294967297";
    assert_eq!(
        harness.notified("$/progress").await,
        json!({ "token": token, "value": { "kind": "begin", "title": "A long task", "cancellable": true } })
    );
    assert_eq!(
        harness
            .call(RuntimeRequest::Cancel { token: 4294967297 })
            .await,
        Ok(Value::Null)
    );
    let result = long.await.expect("joined").expect("the task ends");
    assert!(
        result
            .as_str()
            .is_some_and(|text| text.starts_with("cancelled after ")),
        "{result}"
    );
    assert_eq!(
        harness.notified("$/progress").await,
        json!({ "token": token, "value": { "kind": "end" } })
    );
}

#[tokio::test]
async fn diagnostics_fixture_reports_related_information_and_a_resolved_quick_fix() {
    let mut harness = fixture(
        "diagnostics",
        with_document("see the the cat", range(0, 0, 0, 0)),
    );
    harness.activate().await.expect("activate");
    let diagnostic = json!({
        "range": range(0, 8, 0, 11), "message": "\"the\" is repeated", "severity": 2,
        "code": "repeated-word", "source": "repeats", "tags": [1],
        "relatedInformation": [{ "location": { "uri": "file:///w/a.txt", "range": range(0, 4, 0, 7) }, "message": "the first \"the\"" }],
    });
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::SetDiagnostics { .. }))
            .await,
        HostRequest::SetDiagnostics {
            collection: "repeats".to_owned(),
            uri: "file:///w/a.txt".to_owned(),
            diagnostics: vec![diagnostic.clone()],
        }
    );
    let actions = harness
        .provide(
            1,
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": "file:///w/a.txt" }, "range": range(0, 9, 0, 9),
                    "context": { "diagnostics": [diagnostic] } }),
        )
        .await;
    let data = json!({ "handle": 1, "cache": 1, "index": 0 });
    assert_eq!(
        actions,
        json!([{ "title": "Remove the repeated \"the\"", "kind": "quickfix", "diagnostics": [diagnostic],
                 "isPreferred": true, "data": data }])
    );
    let resolved = harness
        .provide(1, "codeAction/resolve", actions[0].clone())
        .await;
    assert_eq!(
        resolved["edit"],
        json!({ "changes": { "file:///w/a.txt": [{ "range": range(0, 7, 0, 11), "newText": "" }] } })
    );
    assert_eq!(resolved["data"], data);
    harness
        .event(
            "documentChanged",
            json!({ "uri": "file:///w/a.txt", "version": 2, "text": "see the cat" }),
        )
        .await;
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::SetDiagnostics { .. }))
            .await,
        HostRequest::SetDiagnostics {
            collection: "repeats".to_owned(),
            uri: "file:///w/a.txt".to_owned(),
            diagnostics: vec![],
        },
        "fixed: the warning goes"
    );
}

#[tokio::test]
async fn semantic_tokens_fixture_encodes_its_tokens_with_the_legend() {
    let mut harness = fixture(
        "semantic-tokens",
        with_document("let x = 5\nconst y = x", range(0, 0, 0, 0)),
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::RegisterProvider { .. }))
            .await,
        HostRequest::RegisterProvider {
            handle: 1,
            method: "textDocument/semanticTokens/full".to_owned(),
            selector: json!({ "language": "plaintext" }),
            options: json!({ "legend": { "tokenTypes": ["keyword", "variable", "number"], "tokenModifiers": ["declaration", "readonly"] }, "full": true }),
        }
    );
    let params = json!({ "textDocument": { "uri": "file:///w/a.txt" } });
    assert_eq!(
        harness
            .provide(1, "textDocument/semanticTokens/full", params.clone())
            .await,
        json!({ "data": [
            0, 0, 3, 0, 0, // let: keyword
            0, 4, 1, 1, 1, // x: variable, declaration
            0, 4, 1, 2, 0, // 5: number
            1, 0, 5, 0, 0, // const: keyword
            0, 6, 1, 1, 3, // y: variable, declaration and readonly
            0, 4, 1, 1, 0, // x: variable
        ] })
    );
    assert_eq!(
        harness
            .command("semanticTokens.toggleNumbers", vec![])
            .await,
        Ok(json!(false))
    );
    assert_eq!(
        harness.requested("workspace/semanticTokens/refresh").await,
        Value::Null
    );
    assert_eq!(
        harness
            .provide(1, "textDocument/semanticTokens/full", params)
            .await,
        json!({ "data": [0, 0, 3, 0, 0, 0, 4, 1, 1, 1, 1, 0, 5, 0, 0, 0, 6, 1, 1, 3, 0, 4, 1, 1, 0] }),
        "without the number"
    );
}

#[tokio::test]
async fn quick_input_fixture_picks_several_and_asks_a_name() {
    let mut harness = fixture("quick-input", json!({}));
    harness.activate().await.expect("activate");
    // The test editor answers the pick with the second item and accepts the input box's value.
    assert_eq!(
        harness.command("palette.create", vec![]).await,
        Ok(json!({ "name": "my palette", "colours": ["#00ff00"] }))
    );
    assert_eq!(
        harness.requested("exthost/showQuickPick").await,
        json!({ "items": [
                    { "label": "Red", "description": "#ff0000" },
                    { "label": "Green", "description": "#00ff00", "picked": true },
                    { "label": "Blue", "description": "#0000ff", "detail": "the colour of the sky" },
                ],
                "canPickMany": true, "title": "Colours of the palette" })
    );
    assert_eq!(
        harness.requested("exthost/showInputBox").await,
        json!({ "title": "Name the palette", "prompt": "A name for 1 colour(s)", "value": "my palette" })
    );
}
