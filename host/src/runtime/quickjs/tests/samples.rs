//! The real VS Code samples of /work/shared/vscode-samples, unmodified, activated over a fake host that
//! answers the session snapshot, editor requests and the reference-provider command; each test then
//! drives what the sample's CATALOG.md entry says it does.

use super::*;

fn samples_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vscode-samples")
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
        "exthost/showQuickPick" => Ok(json!({ "selected": [1] })),
        "exthost/showInputBox" => {
            Ok(json!({ "value": params["value"].as_str().unwrap_or("typed") }))
        }
        _ => Ok(Value::Null),
    }
}

fn sample(name: &str, snapshot: Value) -> Harness {
    let folder = samples_folder().join(name);
    let package_json: Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("package.json")).expect("the sample's package.json"),
    )
    .expect("valid JSON");
    let entry = entry_of(&folder, &package_json);
    let id = format!(
        "{}.{}",
        package_json["publisher"]
            .as_str()
            .unwrap_or("vscode-samples"),
        package_json["name"].as_str().expect("a name")
    );
    let answer: Answer = Arc::new(move |request| match request {
        HostRequest::Snapshot => Ok(snapshot.clone()),
        HostRequest::EditorRequest { method, params } => editor_answers(method, params),
        HostRequest::ExecuteCommand { command, .. }
            if command == "vscode.executeReferenceProvider" =>
        {
            Ok(json!([
                { "uri": "file:///w/a.txt", "range": range(1, 0, 1, 3) },
                { "uri": "file:///w/a.txt", "range": range(0, 0, 0, 5) },
            ]))
        }
        HostRequest::ExecuteCommand { command, .. } => Err(format!("command not found: {command}")),
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
async fn helloworld_samples_show_a_message() {
    for name in ["helloworld-minimal-sample", "helloworld-sample"] {
        let mut harness = sample(name, json!({}));
        harness.activate().await.expect("activate");
        harness.expect_log("Congratulations").await;
        harness
            .command("extension.helloWorld", vec![])
            .await
            .expect("command");
        assert_eq!(
            harness.notified("window/showMessage").await,
            json!({ "type": 3, "message": "Hello World!" })
        );
    }
}

#[tokio::test]
async fn completions_sample_provides_items() {
    let harness = sample(
        "completions-sample",
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
        ["Hello World!", "Good part of the day", "console", "new"]
    );
    assert_eq!(items[1]["insertTextFormat"], json!(2));
    assert_eq!(
        items[1]["insertText"],
        json!("Good ${1|morning,afternoon,evening|}. It is ${1}, right?")
    );
    assert_eq!(items[2]["commitCharacters"], json!(["."]));
    assert_eq!(items[3]["kind"], json!(14));
    assert_eq!(
        items[3]["command"],
        json!({ "title": "Re-trigger completions...", "command": "editor.action.triggerSuggest" })
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
async fn configuration_sample_reads_and_updates_settings() {
    let mut snapshot = with_document("text", range(0, 0, 0, 0));
    snapshot["settings"] = json!({ "conf.resource.insertEmptyLastLine": { "/w/b.txt": true } });
    let mut harness = sample("configuration-sample", snapshot);
    harness.activate().await.expect("activate");
    harness
        .event("documentOpened", json!({ "uri": "file:///w/b.txt", "languageId": "plaintext", "version": 1, "text": "b" }))
        .await;
    assert_eq!(
        harness.notified("window/showMessage").await,
        json!({ "type": 3, "message": "An empty line will be added to the document /w/b.txt" })
    );
    harness
        .command("config.commands.configureViewOnWindowOpen", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness.requested("exthost/showQuickPick").await,
        json!({ "items": [{ "label": "explorer" }, { "label": "search" }, { "label": "scm" }, { "label": "debug" }, { "label": "extensions" }],
                "placeHolder": "Select the view to show when opening a window." })
    );
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::UpdateSetting { .. }))
            .await,
        HostRequest::UpdateSetting {
            key: "conf.view.showOnWindowOpen".to_owned(),
            value: json!("search"),
            target: 2
        }
    );
    harness
        .command("config.commands.overrideLanguageValue", vec![])
        .await
        .expect("command");
}

#[tokio::test]
async fn statusbar_sample_counts_selected_lines() {
    let mut harness = sample(
        "statusbar-sample",
        with_document("a\nb\nc\nd\ne", range(1, 0, 4, 2)),
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.notified("exthost/statusBarItem").await,
        json!({ "id": "vscode-samples.status-ts/1", "text": "$(megaphone) 3 line(s) selected",
                "command": "sample.showSelectionCount", "alignment": "right", "priority": 100, "visible": true })
    );
    harness
        .command("sample.showSelectionCount", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness.notified("window/showMessage").await,
        json!({ "type": 3, "message": "Yeah, 3 line(s) selected... Keep going!" })
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
async fn document_editing_sample_reverses_the_selection() {
    let mut harness = sample(
        "document-editing-sample",
        with_document("hello world", range(0, 0, 0, 5)),
    );
    harness.activate().await.expect("activate");
    harness
        .command("extension.reverseWord", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness.requested("workspace/applyEdit").await,
        json!({ "edit": { "changes": { "file:///w/a.txt": [{ "range": range(0, 0, 0, 5), "newText": "olleh" }] } } })
    );
}

#[tokio::test]
async fn decorator_sample_decorates_numbers() {
    let mut harness = sample(
        "decorator-sample",
        with_document("a 12 b 345", range(0, 0, 0, 0)),
    );
    harness.activate().await.expect("activate");
    let small = harness.notified("exthost/decorations").await;
    let large = harness.notified("exthost/decorations").await;
    assert_eq!(
        small,
        json!({ "uri": "file:///w/a.txt", "type": "vscode-samples.decorator-sample/decoration/1",
                "ranges": [{ "range": range(0, 2, 0, 4), "hoverMessage": "Number **12**" }] })
    );
    assert_eq!(
        large,
        json!({ "uri": "file:///w/a.txt", "type": "vscode-samples.decorator-sample/decoration/2",
                "ranges": [{ "range": range(0, 7, 0, 10), "hoverMessage": "Number **345**" }] })
    );
}

#[tokio::test]
async fn contentprovider_sample_opens_a_references_document() {
    let mut harness = sample(
        "contentprovider-sample",
        with_document("first line\nsecond line\nthird", range(0, 1, 0, 1)),
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.command("editor.printReferences", vec![]).await,
        Ok(Value::Null)
    );
    let shown = harness.requested("window/showDocument").await;
    let uri = shown["uri"].as_str().expect("a uri").to_owned();
    assert!(uri.starts_with("references:References.locations?"), "{uri}");
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
            { "range": range(3, 5, 3, 8), "target": "file:///w/a.txt#2" },
            { "range": range(4, 5, 4, 10), "target": "file:///w/a.txt#1" },
        ])
    );
}

#[tokio::test]
async fn codelens_sample_provides_and_resolves_lenses() {
    let mut harness = sample(
        "codelens-sample",
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
                "command": { "title": "Codelens provided by sample extension", "command": "codelens-sample.codelensAction",
                             "arguments": ["Argument 1", false] } })
    );
    harness
        .command("codelens-sample.disableCodeLens", vec![])
        .await
        .expect("command");
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::UpdateSetting { .. }))
            .await,
        HostRequest::UpdateSetting {
            key: "codelens-sample.enableCodeLens".to_owned(),
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
        .command(
            "codelens-sample.codelensAction",
            vec![json!("Argument 1"), json!(false)],
        )
        .await
        .expect("command");
    assert_eq!(
        harness.notified("window/showMessage").await,
        json!({ "type": 3, "message": "CodeLens action clicked with args=Argument 1" })
    );
}

#[tokio::test]
async fn basic_multi_root_sample_names_the_folder_of_the_active_file() {
    let snapshot = json!({
        "workspaceFolders": [{ "uri": "file:///a", "name": "a", "index": 0 }, { "uri": "file:///b", "name": "b", "index": 1 }],
        "documents": [{ "uri": "file:///b/x.txt", "languageId": "plaintext", "version": 1, "text": "x" }],
        "activeEditor": { "uri": "file:///b/x.txt", "selections": [range(0, 0, 0, 0)] },
    });
    let mut harness = sample("basic-multi-root-sample", snapshot);
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.notified("exthost/statusBarItem").await,
        json!({ "id": "vscode-samples.basic-multi-root-sample/1", "text": "$(file-submodule) b (2 of 2) → $(file-code) x.txt",
                "tooltip": "/b/x.txt", "color": "#FFFFFF", "alignment": "left", "priority": 1000000, "visible": true })
    );
    harness
        .event(
            "workspaceFoldersChanged",
            json!({ "added": [], "removed": [{ "uri": "file:///a", "name": "a" }] }),
        )
        .await;
    assert_eq!(
        harness.notified("exthost/statusBarItem").await["visible"],
        json!(false)
    );
}

#[tokio::test]
async fn fsprovider_sample_writes_its_memory_file_system() {
    let mut harness = sample("fsprovider-sample", json!({}));
    harness.activate().await.expect("activate");
    harness.expect_log("MemFS says \"Hello\"").await;
    // The sample's own bug, under VS Code too: createDirectory(memfs:/folder/) splits the trailing slash
    // into an empty name and looks up /folder as the parent. The files before it are written.
    match harness.command("memfs.init", vec![]).await {
        Err(RuntimeError::Threw { message, stack }) => {
            assert_eq!(message, "memfs:/folder");
            assert!(stack.is_some_and(|stack| stack.starts_with("FileNotFound (FileSystemError)")));
        }
        other => panic!("expected the sample's FileNotFound, got {other:?}"),
    }
    harness
        .command("memfs.workspaceInit", vec![])
        .await
        .expect("memfs.workspaceInit");
    harness
        .command("memfs.addFile", vec![])
        .await
        .expect("memfs.addFile");
    harness
        .command("memfs.deleteFile", vec![])
        .await
        .expect("memfs.deleteFile");
    harness
        .command("memfs.reset", vec![])
        .await
        .expect("memfs.reset");
}

#[tokio::test]
async fn vim_sample_starts_in_normal_mode_and_deletes_with_x() {
    let mut harness = sample("vim-sample", with_document("abc\ndef", range(0, 1, 0, 1)));
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.notified("exthost/statusBarItem").await,
        json!({ "id": "vscode-samples.vim/1", "text": "VIM:> -- NORMAL --", "alignment": "left", "visible": true })
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
        json!("VIM:> -- INSERT --")
    );
}
