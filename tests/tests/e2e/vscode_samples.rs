//! The real VS Code samples in `../shared/vscode-samples`, unmodified, run by the real binary with an
//! LSP-speaking test editor: each sample's documented behaviour (its CATALOG.md entry), observed on the wire.

use exthost_e2e::{Host, HostOptions, repository_root};
use exthost_protocol::{Message, Response};
use serde_json::{Value, json};

fn sample(name: &str) -> std::path::PathBuf {
    let folder = repository_root()
        .join("../shared/vscode-samples")
        .join(name);
    assert!(
        folder.is_dir(),
        "the VS Code samples are expected beside the repository: {}",
        folder.display()
    );
    folder
}

/// The sample's extension id, as VS Code forms it: `publisher.name` from its package.json.
fn sample_id(name: &str) -> String {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(sample(name).join("package.json")).unwrap())
            .unwrap();
    format!(
        "{}.{}",
        manifest["publisher"].as_str().unwrap(),
        manifest["name"].as_str().unwrap()
    )
}

/// A host with one sample as a `--dev` extension.
fn host_with(name: &str) -> Host {
    Host::spawn(HostOptions {
        args: vec!["--dev".into(), sample(name).display().to_string()],
        ..HostOptions::default()
    })
}

fn range(start_line: u32, start_character: u32, end_line: u32, end_character: u32) -> Value {
    json!({"start": {"line": start_line, "character": start_character},
           "end": {"line": end_line, "character": end_character}})
}

async fn open(host: &mut Host, uri: &str, language: &str, text: &str) {
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
    )
    .await;
}

async fn answer(host: &mut Host, id: exthost_protocol::Id, result: Value) {
    host.send(&Message::Response(Response::ok(id, result)))
        .await;
}

#[tokio::test]
async fn helloworld_samples_show_hello_world() {
    for name in ["helloworld-minimal-sample", "helloworld-sample"] {
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
        let congratulation = format!("Congratulations, your extension \"{name}\" is now active!");
        host.notification("window/logMessage", |p| {
            p["message"].as_str().unwrap().ends_with(&congratulation)
        })
        .await;
        assert_eq!(host.shutdown().await, 0);
    }
}

#[tokio::test]
async fn completions_sample_offers_its_items_and_the_console_methods() {
    let mut host = host_with("completions-sample");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/completions.txt";
    open(&mut host, uri, "plaintext", "console.").await;
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
        ["Hello World!", "Good part of the day", "console", "new"]
    );
    let snippet = &items[1];
    assert_eq!(
        snippet["insertText"],
        "Good ${1|morning,afternoon,evening|}. It is ${1}, right?"
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
async fn statusbar_sample_counts_selected_lines() {
    let mut host = host_with("statusbar-sample");
    host.initialize(json!({})).await;
    host.state_change(&sample_id("statusbar-sample"), "enabled")
        .await;
    let uri = "file:///tmp/statusbar.txt";
    open(&mut host, uri, "plaintext", "a\nb\nc\nd\ne\n").await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(1, 0, 4, 2)]}),
    )
    .await;
    let item = host
        .notification("exthost/statusBarItem", |p| p["visible"] == true)
        .await;
    assert_eq!(item["text"], "$(megaphone) 3 line(s) selected");
    assert_eq!(item["alignment"], "right");
    assert_eq!(item["command"], "sample.showSelectionCount");
    host.call(
        "workspace/executeCommand",
        json!({"command": "sample.showSelectionCount"}),
    )
    .await;
    let shown = host.notification("window/showMessage", |_| true).await;
    assert_eq!(shown["message"], "Yeah, 3 line(s) selected... Keep going!");

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
async fn document_editing_sample_reverses_the_selected_word_through_apply_edit() {
    let mut host = host_with("document-editing-sample");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/editing.txt";
    open(&mut host, uri, "plaintext", "hello world").await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(0, 0, 0, 5)]}),
    )
    .await;
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "extension.reverseWord"}),
        )
        .await;
    let (id, params) = host.server_request("workspace/applyEdit").await;
    assert_eq!(
        params["edit"]["changes"][uri],
        json!([{"range": range(0, 0, 0, 5), "newText": "olleh"}])
    );
    answer(&mut host, id, json!({"applied": true})).await;
    let response = host.response(&command).await;
    assert!(
        matches!(
            response.payload,
            exthost_protocol::ResponsePayload::Result(_)
        ),
        "{response:?}"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn decorator_sample_decorates_small_and_large_numbers() {
    let mut host = host_with("decorator-sample");
    host.initialize(json!({})).await;
    host.state_change(&sample_id("decorator-sample"), "enabled")
        .await;
    let uri = "file:///tmp/numbers.txt";
    open(&mut host, uri, "plaintext", "a 12 b 345").await;
    let small = host
        .notification("exthost/decorations", |p| {
            p["uri"] == uri
                && p["ranges"]
                    .as_array()
                    .is_some_and(|r| r.len() == 1 && r[0]["range"] == range(0, 2, 0, 4))
        })
        .await;
    assert_eq!(small["ranges"][0]["hoverMessage"], "Number **12**");
    let large = host
        .notification("exthost/decorations", |p| {
            p["uri"] == uri
                && p["ranges"]
                    .as_array()
                    .is_some_and(|r| r.len() == 1 && r[0]["range"] == range(0, 7, 0, 10))
        })
        .await;
    assert_eq!(large["ranges"][0]["hoverMessage"], "Number **345**");
    assert_ne!(small["type"], large["type"], "two decoration types");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn codelens_sample_lenses_resolve_run_and_follow_the_setting() {
    let mut host = host_with("codelens-sample");
    host.initialize(json!({})).await;
    host.state_change(&sample_id("codelens-sample"), "enabled")
        .await;
    let uri = "file:///tmp/lenses.txt";
    open(&mut host, uri, "plaintext", "first line\n\nthird").await;
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
    let resolved = host.call("codeLens/resolve", lenses[0].clone()).await;
    assert_eq!(
        resolved["command"]["title"],
        "Codelens provided by sample extension"
    );
    assert_eq!(
        resolved["command"]["command"],
        "codelens-sample.codelensAction"
    );
    assert_eq!(
        resolved["command"]["arguments"],
        json!(["Argument 1", false])
    );
    host.call(
        "workspace/executeCommand",
        json!({"command": "codelens-sample.codelensAction", "arguments": ["Argument 1", false]}),
    )
    .await;
    let shown = host.notification("window/showMessage", |_| true).await;
    assert_eq!(
        shown["message"],
        "CodeLens action clicked with args=Argument 1"
    );

    // Disabling writes the user setting (the sample does not await the update), the configuration
    // change makes the sample fire onDidChangeCodeLenses — the editor is asked to refresh — and the
    // provider then offers nothing.
    host.call(
        "workspace/executeCommand",
        json!({"command": "codelens-sample.disableCodeLens"}),
    )
    .await;
    let (refresh, _) = host.server_request("workspace/codeLens/refresh").await;
    answer(&mut host, refresh, Value::Null).await;
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(host.home.path().join("settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(settings["codelens-sample.enableCodeLens"], false);
    let lenses = host
        .call(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(lenses, json!([]));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn configuration_sample_asks_with_quick_picks_and_writes_the_setting() {
    let workspace = tempfile::tempdir().unwrap();
    let mut host = host_with("configuration-sample");
    let root = format!("file://{}", workspace.path().display());
    host.initialize(json!({"workspaceFolders": [{"uri": root, "name": "ws"}]}))
        .await;
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "config.commands.configureViewOnWindowOpen"}),
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
    assert_eq!(
        pick["placeHolder"],
        "Select the view to show when opening a window."
    );
    answer(&mut host, id, json!({"selected": [1]})).await;
    let (id, targets) = host.server_request("exthost/showQuickPick").await;
    assert_eq!(targets["items"][1]["label"], "Workspace");
    answer(&mut host, id, json!({"selected": [1]})).await;
    host.response(&command).await;
    let written = std::fs::read_to_string(workspace.path().join(".exthost/settings.json"))
        .expect("workspace settings written");
    let written: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(written["conf.view.showOnWindowOpen"], "search");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn basic_multi_root_sample_names_the_folder_of_the_active_file() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let mut host = host_with("basic-multi-root-sample");
    let folder = |path: &std::path::Path, name: &str| json!({"uri": format!("file://{}", path.display()), "name": name});
    host.initialize(
        json!({"workspaceFolders": [folder(first.path(), "one"), folder(second.path(), "two")]}),
    )
    .await;
    host.state_change(&sample_id("basic-multi-root-sample"), "enabled")
        .await;
    let file = second.path().join("notes.txt");
    let uri = format!("file://{}", file.display());
    open(&mut host, &uri, "plaintext", "x").await;
    let item = host
        .notification("exthost/statusBarItem", |p| p["visible"] == true)
        .await;
    // The sample names the folder by its path's last part.
    let folder_name = second
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        item["text"],
        format!("$(file-submodule) {folder_name} (2 of 2) → $(file-code) notes.txt")
    );
    assert_eq!(item["tooltip"], file.display().to_string());
    assert_eq!(item["alignment"], "left");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn vim_sample_starts_in_normal_mode_and_deletes_with_x() {
    let mut host = host_with("vim-sample");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/vim.txt";
    open(&mut host, uri, "plaintext", "hello").await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(0, 0, 0, 0)]}),
    )
    .await;
    host.notification("exthost/statusBarItem", |p| {
        p["text"] == "VIM:> -- NORMAL --" && p["visible"] == true
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
    host.notification("exthost/statusBarItem", |p| {
        p["text"] == "VIM:> -- INSERT --"
    })
    .await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn fsprovider_sample_activates_on_its_file_system_and_runs_its_commands() {
    let mut host = host_with("fsprovider-sample");
    host.initialize(json!({})).await;
    let id = sample_id("fsprovider-sample");
    let activated = host
        .call("exthost/activate", json!({"event": "onFileSystem:memfs"}))
        .await;
    assert_eq!(activated, json!({"activated": [id]}));
    // memfs.init writes a dozen files, then stops at `createDirectory(memfs:/folder/)`: the sample's own
    // provider looks up the parent of a path with a trailing slash, which it never created. The error is the
    // sample's `FileSystemError.FileNotFound(memfs:/folder)`, whose message is the URI as in VS Code, and
    // the extension keeps running.
    let response = host
        .request("workspace/executeCommand", json!({"command": "memfs.init"}))
        .await;
    let exthost_protocol::ResponsePayload::Error(error) = response.payload else {
        panic!("memfs.init fails")
    };
    assert_eq!(error.message, "memfs:/folder");
    assert!(
        error.data.unwrap()["stack"]
            .as_str()
            .unwrap()
            .contains("fileSystemProvider.js")
    );
    for command in [
        "memfs.addFile",
        "memfs.deleteFile",
        "memfs.reset",
        "memfs.workspaceInit",
    ] {
        host.call("workspace/executeCommand", json!({"command": command}))
            .await;
    }
    assert_eq!(host.extension(&id).await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn contentprovider_sample_opens_its_virtual_references_document() {
    let mut host = host_with("contentprovider-sample");
    host.initialize(json!({})).await;
    let uri = "file:///tmp/references.txt";
    open(&mut host, uri, "plaintext", "alpha beta\nbeta gamma\n").await;
    host.notify(
        "exthost/didChangeActiveEditor",
        json!({"uri": uri, "selections": [range(0, 6, 0, 6)]}),
    )
    .await;
    let command = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "editor.printReferences"}),
        )
        .await;
    // The sample builds a `references:` URI and asks the editor to show it; no reference provider is
    // registered here, so its virtual document says it found none. An LSP editor cannot read a
    // `references:` document (see docs/vscode-api.md), so the test stops at the request.
    let (id, params) = host.server_request("window/showDocument").await;
    let shown = params["uri"].as_str().unwrap();
    assert!(
        shown.starts_with("references:References.locations?"),
        "{shown}"
    );
    answer(&mut host, id, json!({"success": false})).await;
    host.response(&command).await;
    assert_eq!(host.shutdown().await, 0);
}
