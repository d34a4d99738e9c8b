//! Shared helpers for the end-to-end tests: spawn the real `exthost` binary and speak framed JSON-RPC to
//! it over real pipes, with timeouts instead of sleeps.

pub mod neovim;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use exthost_protocol::{Client, ClientError, Id, Message, Response, ResponsePayload};
use serde_json::{Value, json};
use tokio::process::{Child, ChildStdin, Command};

/// How long any single wait in a test may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The folder of this crate's fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The repository root (for the built-in examples).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("invariant: tests/ sits in the repository")
        .to_path_buf()
}

/// The built `exthost` binary: `$EXTHOST_BIN`, else `exthost` in the target folder this test runs from
/// (cargo builds it for `cargo test --workspace`, because the host crate has integration tests).
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("EXTHOST_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps");
    let binary = profile_dir.join(format!("exthost{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "{} is missing: run the tests with `cargo test --workspace` (which builds it)",
        binary.display()
    );
    binary
}

/// Whether this run is CI's: `CI` set to `true` (or `1`), as CI systems set it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// An external program a test needs (Neovim, Deno, Node, Verdaccio, Chromium): `$env_override` when set,
/// else `program` on the `PATH`. When it is absent, in CI the test fails (CI must install it); elsewhere
/// the test prints that it skipped and why, and the caller returns having checked nothing.
pub fn external_program(
    program: &str,
    env_override: Option<&str>,
    install_hint: &str,
) -> Option<PathBuf> {
    let found = env_override
        .and_then(std::env::var_os)
        .map(PathBuf::from)
        .filter(|path| path.is_file())
        .or_else(|| on_path(program));
    if found.is_none() {
        assert!(
            !in_ci(),
            "{program} must be installed in CI ({install_hint}; .ci/run installs it)"
        );
        eprintln!("skipped: {program} is not installed here ({install_hint}); nothing checked");
    }
    found
}

/// `program` in one of the `PATH` folders.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A command for the binary with an isolated environment: a fresh `EXTHOST_HOME`, no built-in
/// extensions unless asked, and logs captured in the returned temp folder.
pub fn isolated_command(home: &Path, builtin: Option<&Path>) -> Command {
    let mut command = Command::new(binary());
    command
        .env("EXTHOST_HOME", home)
        .env(
            "EXTHOST_BUILTIN_DIR",
            builtin.map_or_else(PathBuf::new, Path::to_path_buf),
        )
        .env("EXTHOST_LOG", "debug")
        // Which engine runs a VS Code extension depends on whether Deno is found; a test that wants Deno
        // names it (`Host::spawn_with_env`), so every other test runs the same on every machine.
        .env_remove("EXTHOST_DENO")
        .kill_on_drop(true);
    command
}

/// A running host under test: the shared JSON-RPC [`Client`] on its stdin and stdout, and the process.
pub struct Host {
    child: Child,
    client: Client<ChildStdin>,
    /// The isolated home folder (kept alive as long as the host).
    pub home: tempfile::TempDir,
    /// The host's log file.
    pub log_file: PathBuf,
}

/// The `capabilities` [`Host::initialize`] announces unless a test gives its own: the content VS Code
/// accepts (snippets, markdown documentation and hovers, insert/replace edits).
pub static FULL_CAPABILITIES: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    json!({"textDocument": {
        "completion": {"completionItem": {"snippetSupport": true, "insertReplaceSupport": true,
                                          "documentationFormat": ["markdown", "plaintext"]}},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "signatureHelp": {"signatureInformation": {"documentationFormat": ["markdown", "plaintext"]}},
    }})
});

/// What a host is started with.
#[derive(Debug, Default, Clone)]
pub struct HostOptions {
    /// Extra command-line arguments after `serve`.
    pub args: Vec<String>,
    /// The folder of built-in extensions (none by default).
    pub builtin: Option<PathBuf>,
}

impl HostOptions {
    /// Options with `--extensions-dir DIR` for each folder.
    pub fn with_dirs(dirs: &[&Path]) -> Self {
        let mut args = Vec::new();
        for dir in dirs {
            args.push("--extensions-dir".to_owned());
            args.push(dir.display().to_string());
        }
        Self {
            args,
            builtin: None,
        }
    }
}

impl Host {
    /// Starts `exthost serve` with `options`.
    pub fn spawn(options: HostOptions) -> Self {
        Self::spawn_in(options, None, &[])
    }

    /// Starts `exthost serve --extensions-dir DIR…` for `dirs` and initialises it ([`Host::initialize`]
    /// with the default params): the setup most tests begin with.
    pub async fn start(dirs: &[&Path]) -> Self {
        let mut host = Self::spawn(HostOptions::with_dirs(dirs));
        host.initialize(json!({})).await;
        host
    }

    /// Starts `exthost serve` with `options` and the environment variables `env` set for it.
    pub fn spawn_with_env(options: HostOptions, env: &[(&str, &Path)]) -> Self {
        Self::spawn_in(options, None, env)
    }

    /// Starts `exthost serve` with `options` on the same `EXTHOST_HOME` as `other` (two editor windows on
    /// one home). Its own `home` folder then only holds its log.
    pub fn spawn_sharing_home(options: HostOptions, other: &Host) -> Self {
        Self::spawn_in(options, Some(other.home.path()), &[])
    }

    fn spawn_in(options: HostOptions, shared_home: Option<&Path>, env: &[(&str, &Path)]) -> Self {
        let home = tempfile::tempdir().expect("temp folder");
        let log_file = home.path().join("exthost.log");
        let mut command = isolated_command(
            shared_home.unwrap_or(home.path()),
            options.builtin.as_deref(),
        );
        command
            .arg("--log-file")
            .arg(&log_file)
            .arg("serve")
            .args(&options.args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("spawn exthost");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        Self {
            child,
            client: Client::new(stdout, stdin).with_timeout(TIMEOUT),
            home,
            log_file,
        }
    }

    /// The outcome of a send or a wait; a failure fails the test, with the host's log.
    fn or_fail<T>(&self, outcome: Result<T, ClientError>) -> T {
        let error = match outcome {
            Ok(value) => return value,
            Err(error) => error,
        };
        match error {
            ClientError::Closed => panic!("the host closed stdout; log:\n{}", self.log()),
            ClientError::Timeout(_) => panic!(
                "no message from the host within {TIMEOUT:?}; log:\n{}",
                self.log()
            ),
            ClientError::OutputClosed => panic!("stdin is open"),
            ClientError::Write(error) => panic!("write to host: {error}"),
            other => panic!("{other}; log:\n{}", self.log()),
        }
    }

    /// Writes raw bytes to the host's stdin.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        let sent = self.client.send_raw(bytes).await;
        self.or_fail(sent);
    }

    /// Frames and sends one message.
    pub async fn send(&mut self, message: &Message) {
        let sent = self.client.send(message).await;
        self.or_fail(sent);
    }

    /// Sends a request and answers its id (without waiting).
    pub async fn send_request(&mut self, method: &str, params: Value) -> Id {
        let sent = self.client.send_request(method, params).await;
        self.or_fail(sent)
    }

    /// Sends a request and waits for its response.
    pub async fn request(&mut self, method: &str, params: Value) -> Response {
        let id = self.send_request(method, params).await;
        self.response(&id).await
    }

    /// Sends a request and answers its result, failing the test on an error response.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        match self.request(method, params).await.payload {
            ResponsePayload::Result(value) => value,
            ResponsePayload::Error(error) => panic!("{method} failed: {error:?}"),
        }
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        let sent = self.client.notify(method, params).await;
        self.or_fail(sent);
    }

    /// `textDocument/didOpen` of `uri` at version 1 with `language` and `text`.
    pub async fn open_document(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        )
        .await;
    }

    /// `initialize` (with `params` merged over a default that announces what VS Code takes: snippets,
    /// markdown, insert/replace edits) then `initialized`; answers the result.
    pub async fn initialize(&mut self, params: Value) -> Value {
        let mut full =
            json!({"processId": null, "rootUri": null, "capabilities": FULL_CAPABILITIES.clone()});
        if let (Some(full), Some(extra)) = (full.as_object_mut(), params.as_object()) {
            full.extend(extra.clone());
        }
        let result = self.call("initialize", full).await;
        self.notify("initialized", json!({})).await;
        result
    }

    /// Waits for the message `select` accepts; others are kept for later waits.
    pub async fn wait_for<T>(&mut self, select: impl FnMut(&Message) -> Option<T>) -> T {
        let found = self.client.wait_for(select).await;
        self.or_fail(found)
    }

    /// Waits for the response with `id`.
    pub async fn response(&mut self, id: &Id) -> Response {
        let found = self.client.response(id).await;
        self.or_fail(found)
    }

    /// Waits for a response with `id: null` (the answer to a message whose id could not be read).
    pub async fn null_id_response(&mut self) -> Response {
        self.wait_for(|message| match message {
            Message::Response(response) if response.id.is_none() => Some(response.clone()),
            _ => None,
        })
        .await
    }

    /// Waits for a notification of `method` whose params `accept` approves; answers the params.
    pub async fn notification(
        &mut self,
        method: &str,
        accept: impl FnMut(&Value) -> bool,
    ) -> Value {
        let found = self.client.notification(method, accept).await;
        self.or_fail(found)
    }

    /// Waits until `exthost/extensionStateChanged` reports `id` in `state`; answers the params.
    pub async fn state_change(&mut self, id: &str, state: &str) -> Value {
        self.notification("exthost/extensionStateChanged", |p| {
            p["id"] == id && p["state"] == state
        })
        .await
    }

    /// Waits for a server → client request of `method`; answers its id and params.
    pub async fn server_request(&mut self, method: &str) -> (Id, Value) {
        let found = self.client.server_request(method).await;
        self.or_fail(found)
    }

    /// Every message received so far and not yet consumed.
    pub fn backlog(&self) -> impl Iterator<Item = &Message> {
        self.client.backlog()
    }

    /// The `exthost/listExtensions` entry for `id`.
    pub async fn extension(&mut self, id: &str) -> Value {
        let list = self.call("exthost/listExtensions", json!({})).await;
        list["extensions"]
            .as_array()
            .expect("extensions is an array")
            .iter()
            .find(|e| e["id"] == id && e.get("shadowedBy").is_none())
            .cloned()
            .unwrap_or_else(|| panic!("no extension {id} in {list:#}"))
    }

    /// The host process's id (the supervisor's, for `exthost serve`).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Closes stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.client.close();
    }

    /// `shutdown`, `exit`, and the exit code.
    pub async fn shutdown(mut self) -> i32 {
        let result = self.call("shutdown", Value::Null).await;
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null).await;
        self.exit_code().await
    }

    /// Waits for the process to end; answers its exit code.
    pub async fn exit_code(&mut self) -> i32 {
        let status = tokio::time::timeout(TIMEOUT, self.child.wait())
            .await
            .expect("the host exits in time")
            .expect("wait for the host");
        status
            .code()
            .expect("the host exited normally, not by a signal")
    }

    /// The host's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }
}

/// Writes an extension folder under `parent`: `exthost.json` from `manifest` and each `(path, text)` file.
pub fn write_extension(
    parent: &Path,
    folder: &str,
    manifest: &Value,
    files: &[(&str, &str)],
) -> PathBuf {
    let root = parent.join(folder);
    std::fs::create_dir_all(&root).expect("create extension folder");
    std::fs::write(
        root.join("exthost.json"),
        serde_json::to_vec_pretty(manifest).expect("json"),
    )
    .expect("write manifest");
    for (path, text) in files {
        let file = root.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(file, text).expect("write file");
    }
    root
}

/// The witness extension `test.ok` in folder `ok`: its command `ok.ping` answers `pong` (activated by it).
pub fn write_ping_extension(parent: &Path) -> PathBuf {
    write_extension(
        parent,
        "ok",
        &json!({"id": "test.ok", "name": "ok", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:ok.ping"]}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('ok.ping', () => 'pong')); };\n",
        )],
    )
}
