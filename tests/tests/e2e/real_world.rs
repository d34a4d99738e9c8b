//! A real-world language extension: `vscode-languageclient` and the JSON language server of
//! `vscode-langservers-extracted`, installed from the npm registry at test time by pinned version (the
//! fixture's `package.json` pins them; nothing of theirs is committed), started by a small extension of
//! our own (`tests/fixtures/real-world/json-language`) in the Deno engine. The server's diagnostics, hover
//! and completion reach the client: first the test client, then Neovim (the real one).
//!
//! Needs `deno` (`EXTHOST_DENO`), `npm` and, for the Neovim test, `nvim`: absent, each test says it skipped
//! (and fails under `CI=true`). The npm install is cached in the target folder, keyed by the pinned
//! versions, so it runs once per build folder, and is bounded by a timeout.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use exthost_e2e::{Host, HostOptions, external_program, fixtures, neovim};
use serde_json::{Value, json};

/// The pinned Deno the tests are written against (`.ci/run` installs the same).
const DENO_INSTALL: &str = "npm install @deno/linux-x64-glibc@2.9.6";

/// The fixture extension's folder name; its id is `test.json-language`.
const EXTENSION: &str = "json-language";

/// How long `npm install` may take before the test fails.
const NPM_TIMEOUT: Duration = Duration::from_secs(300);

/// One install at a time within this test binary (the other waits, then finds it done).
static INSTALL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A document with a syntax error (the missing comma) and a schema error (`port` is not a number),
/// named so that the fixture's schema association (`*.config.json`) applies.
const DOCUMENT: &str = "{\n  \"name\": \"demo\",\n  \"port\": \"eighty\"\n  \"extra\": 1\n}\n";

/// The external programs, or `None` when one is absent outside CI (the test then checks nothing).
fn programs() -> Option<(PathBuf, PathBuf)> {
    let deno = external_program("deno", Some("EXTHOST_DENO"), DENO_INSTALL)?;
    let npm = external_program("npm", None, "install Node.js 20 with npm")?;
    Some((deno, npm))
}

/// The extensions folder holding the fixture extension with its `node_modules` installed from the npm
/// registry: `<target>/tmp/real-world-npm/<pinned versions>/json-language`. Installed once (into a
/// scratch folder renamed into place when complete); the extension's own files are refreshed each run.
async fn installed_extensions(npm: &Path) -> PathBuf {
    let fixture = fixtures().join("real-world").join(EXTENSION);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("package.json")).unwrap()).unwrap();
    let key = manifest["dependencies"]
        .as_object()
        .expect("the fixture pins its dependencies")
        .iter()
        .map(|(name, version)| format!("{name}@{}", version.as_str().unwrap()))
        .collect::<Vec<_>>()
        .join("+");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real-world-npm");
    let extensions = cache.join(&key);
    let root = extensions.join(EXTENSION);
    let _guard = INSTALL.lock().await;
    if !root
        .join("node_modules")
        .join(".exthost-installed")
        .is_file()
    {
        let scratch = cache.join(format!("{key}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::copy(fixture.join("package.json"), scratch.join("package.json")).unwrap();
        let mut command = tokio::process::Command::new(npm);
        command
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-package-lock",
                "--ignore-scripts",
                "--omit=dev",
            ])
            .current_dir(&scratch)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(NPM_TIMEOUT, command.output())
            .await
            .unwrap_or_else(|_| panic!("npm install finishes within {NPM_TIMEOUT:?}"))
            .expect("npm runs");
        assert!(
            output.status.success(),
            "npm install failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::write(scratch.join("node_modules").join(".exthost-installed"), key).unwrap();
        let _ = std::fs::remove_dir_all(&extensions);
        std::fs::create_dir_all(&extensions).unwrap();
        std::fs::rename(&scratch, &root).unwrap();
    }
    for file in ["package.json", "extension.js"] {
        std::fs::copy(fixture.join(file), root.join(file)).unwrap();
    }
    extensions
}

/// The user's grant: the language client starts its server as a process.
fn grant_processes(home: &Path) {
    std::fs::write(
        home.join("settings.json"),
        serde_json::to_vec(&json!({"permissions.test.json-language.process": true})).unwrap(),
    )
    .unwrap();
}

/// The messages of `diagnostics` (an LSP `Diagnostic[]`).
fn messages(diagnostics: &Value) -> Vec<String> {
    diagnostics
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|diagnostic| diagnostic["message"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks the server's answers wherever they were received: a syntax and a schema diagnostic, the
/// schema's description in the hover of `port`, and the schema's `host` property (not yet in the document) among the completions.
fn check_answers(diagnostics: &Value, hover: &Value, completion: &Value) {
    let messages = messages(diagnostics);
    assert!(
        messages.iter().any(|message| message == "Expected comma"),
        "the syntax error: {messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|message| message.contains("Incorrect type. Expected \"number\"")),
        "the schema error: {messages:?}"
    );
    let contents = hover["contents"].to_string();
    assert!(
        contents.contains("The port it listens on"),
        "the hover: {hover:#}"
    );
    let items = completion
        .get("items")
        .unwrap_or(completion)
        .as_array()
        .unwrap_or_else(|| panic!("a completion list: {completion:#}"));
    assert!(
        items.iter().any(|item| item["label"] == "host"),
        "the schema's `host` among the completions: {items:#?}"
    );
}

#[tokio::test]
async fn vscode_languageclient_starts_the_json_server_in_deno_and_its_answers_reach_the_client() {
    let Some((deno, npm)) = programs() else {
        return;
    };
    let extensions = installed_extensions(&npm).await;
    let workspace = tempfile::tempdir().unwrap();
    let file = workspace.path().join("app.config.json");
    std::fs::write(&file, DOCUMENT).unwrap();
    let uri = format!("file://{}", file.display());
    let mut host = Host::spawn_with_env(
        HostOptions::with_dirs(&[&extensions]),
        &[("EXTHOST_DENO", &deno)],
    );
    grant_processes(host.home.path());
    host.initialize(json!({"rootUri": format!("file://{}", workspace.path().display())}))
        .await;
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": DOCUMENT}}),
    )
    .await;
    host.state_change("test.json-language", "enabled").await;
    assert_eq!(host.extension("test.json-language").await["engine"], "deno");
    let diagnostics = host
        .notification("textDocument/publishDiagnostics", |params| {
            params["uri"] == uri.as_str() && messages(&params["diagnostics"]).len() >= 2
        })
        .await;
    // Line 2 is `  "port": "eighty"`: character 4 is inside `port`, and line 1 after `{` is a place for
    // a property.
    let hover = host
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 4}}),
        )
        .await;
    let completion = host
        .call(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
        )
        .await;
    check_answers(&diagnostics["diagnostics"], &hover, &completion);
}

/// Lua run by Neovim once `exthost serve` is the language server of the buffer (`exthost_e2e::neovim`; a
/// `json` file by Neovim's own filetype detection): wait for the server's diagnostics, ask for a hover and completions,
/// write what arrived as JSON, quit.
const NEOVIM_SCRIPT: &str = r#"
local filetype = vim.bo[buffer].filetype
local diagnostics = {}
vim.wait(40000, function()
  diagnostics = vim.diagnostic.get(buffer)
  return #diagnostics >= 2
end, 50)
local uri = vim.uri_from_bufnr(buffer)
local function ask(method, line, character)
  local answers = vim.lsp.buf_request_sync(buffer, method,
    { textDocument = { uri = uri }, position = { line = line, character = character } }, 10000) or {}
  for _, answer in pairs(answers) do
    if answer.result then return answer.result end
  end
  return vim.NIL
end
local hover = ask('textDocument/hover', 2, 4)
local completion = ask('textDocument/completion', 0, 1)
local messages = {}
for _, diagnostic in ipairs(diagnostics) do table.insert(messages, { message = diagnostic.message }) end
finish({ filetype = filetype, diagnostics = messages, hover = hover, completion = completion })
"#;

#[tokio::test]
async fn neovim_gets_the_json_servers_diagnostics_hover_and_completion_through_exthost() {
    let Some((deno, npm)) = programs() else {
        return;
    };
    let Some(nvim) = external_program("nvim", None, "apt-get install neovim") else {
        return;
    };
    let extensions = installed_extensions(&npm).await;
    let home = tempfile::tempdir().unwrap();
    grant_processes(home.path());
    let workspace = tempfile::tempdir().unwrap();
    let file = workspace.path().join("app.config.json");
    std::fs::write(&file, DOCUMENT).unwrap();
    let answers = neovim::Session {
        program: &nvim,
        file: &file,
        extensions: &extensions,
        home: home.path(),
        env: &[("EXTHOST_DENO", &deno)],
        script: NEOVIM_SCRIPT,
        timeout: Duration::from_secs(120),
    }
    .run()
    .await;
    assert_eq!(answers["filetype"], "json", "{answers:#}");
    eprintln!("neovim received: {answers}");
    check_answers(
        &answers["diagnostics"],
        &answers["hover"],
        &answers["completion"],
    );
}
