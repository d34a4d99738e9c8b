//! Native (Rust `cdylib`) extensions end to end: real libraries built from `tests/fixtures/native/*` with
//! `exthost-sdk`, loaded by the real binary. Activation on a command, results, failures, panics contained
//! to their extension, an ABI mismatch refused, disable and enable, JavaScript ↔ native command calls, and
//! the `exthost new` scaffolds for both kinds built and run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use exthost_e2e::{Host, HostOptions, binary, repository_root, write_extension};
use exthost_protocol::ResponsePayload;
use serde_json::{Value, json};

/// The fixture crates, by folder under `tests/fixtures/native/` (each crate is `exthost-fixture-<folder>`).
const FIXTURES: &[&str] = &[
    "native-ok",
    "native-ok-v2",
    "native-panics",
    "native-command-panic",
    "native-abi-mismatch",
    "native-crash",
    "native-state",
];

/// The cargo target folder this test binary was built in (`<target>/<profile>/deps/e2e-…`).
fn target_root() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.ancestors()
        .nth(3)
        .expect("test binaries live in <target>/<profile>/deps")
        .to_path_buf()
}

/// The cargo the tests run under.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `command`, failing the test with its output when it fails.
fn run(mut command: Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {what}: {error}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds every fixture crate once per test run (tests of this binary run in parallel threads; the first
/// builds, the others wait) into a target folder of its own, so the nested cargo never waits on the lock
/// of the cargo running the tests. Answers the folder holding the built libraries.
fn built_fixtures() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = target_root().join("native-fixtures");
        let mut command = cargo();
        command
            .current_dir(repository_root())
            .env("CARGO_TARGET_DIR", &target)
            // One job: the other end-to-end tests keep running meanwhile, under their own timeouts.
            .args(["build", "--quiet", "--jobs", "1"]);
        for fixture in FIXTURES {
            command.args(["-p", &format!("exthost-fixture-{fixture}")]);
        }
        run(command, "cargo build of the native fixtures");
        target.join("debug")
    })
}

/// `lib<name>.so` (or the platform's equivalent).
fn library_file(library: &str) -> String {
    format!(
        "{}{library}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Installs fixture `name` under `parent` as a shipped extension: its `exthost.json` with the built library
/// beside it. Answers the extension's folder.
pub(crate) fn install_fixture(parent: &Path, name: &str) -> PathBuf {
    let source = repository_root().join("tests/fixtures/native").join(name);
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(source.join("exthost.json")).expect("the fixture has a manifest"),
    )
    .expect("the fixture's manifest is JSON");
    let library = library_file(
        manifest["native"]["library"]
            .as_str()
            .expect("the fixture names its library"),
    );
    let folder = write_extension(parent, name, &manifest, &[]);
    std::fs::copy(built_fixtures().join(&library), folder.join(&library))
        .unwrap_or_else(|error| panic!("cannot copy {library}: {error}"));
    folder
}

/// A JavaScript extension `test.js-side` that echoes, and calls native commands and exports.
fn install_js_side(parent: &Path) {
    write_extension(
        parent,
        "js-side",
        &json!({
            "id": "test.js-side", "name": "JS side", "version": "1.0.0", "main": "extension.js",
            "activationEvents": [
                "onCommand:js-side.echo", "onCommand:js-side.call-native",
                "onCommand:js-side.native-export", "onCommand:js-side.round-trip", "onCommand:js-side.ping"
            ],
        }),
        &[(
            "extension.js",
            r#"
            const vscode = require('vscode');
            exports.activate = function (context) {
              const register = (id, handler) =>
                context.subscriptions.push(vscode.commands.registerCommand(id, handler));
              register('js-side.echo', (...args) => ({ echoed: args }));
              register('js-side.ping', () => 'pong');
              register('js-side.call-native', () => vscode.commands.executeCommand('native-ok.compute', 20, 22));
              register('js-side.native-export', async () => {
                const api = await vscode.extensions.getExtension('test.native-ok').activate();
                return api.double(21);
              });
              // JavaScript → native → JavaScript.
              register('js-side.round-trip', () => vscode.commands.executeCommand('native-ok.call-js', 'x'));
            };
            "#,
        )],
    );
}

fn execute(command: &str, arguments: Value) -> Value {
    json!({"command": command, "arguments": arguments})
}

/// The message of an error response (failing the test on a result).
fn error_message(payload: &ResponsePayload) -> String {
    match payload {
        ResponsePayload::Error(error) => error.message.clone(),
        ResponsePayload::Result(value) => panic!("expected an error, got {value}"),
    }
}

/// Waits for a `window/logMessage` containing `text`.
async fn log_line(host: &mut Host, text: &str) -> Value {
    host.notification("window/logMessage", |params| {
        params["message"]
            .as_str()
            .is_some_and(|message| message.contains(text))
    })
    .await
}

#[tokio::test]
async fn a_native_command_activates_its_extension_and_answers_its_result() {
    let dir = tempfile::tempdir().unwrap();
    install_fixture(dir.path(), "native-ok");
    let mut host = Host::spawn(HostOptions::with_dirs(&[dir.path()]));
    let init = host.initialize(json!({})).await;
    let advertised = &init["capabilities"]["executeCommandProvider"]["commands"];
    assert!(
        advertised
            .as_array()
            .is_some_and(|commands| commands.contains(&json!("native-ok.compute"))),
        "{advertised}"
    );
    assert_eq!(
        host.extension("test.native-ok").await["state"],
        "discovered"
    );

    let answer = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([2, 3.5])),
        )
        .await;
    assert_eq!(answer, json!({"sum": 5.5, "activations": 1}));
    host.state_change("test.native-ok", "loaded").await;
    host.state_change("test.native-ok", "enabled").await;
    let line = log_line(&mut host, "native-ok activated (1)").await;
    assert_eq!(line["message"], "[test.native-ok] native-ok activated (1)");

    // An error returned by a command answers that request only.
    let failed = host
        .request(
            "workspace/executeCommand",
            execute("native-ok.fail", json!([])),
        )
        .await;
    assert!(
        error_message(&failed.payload).contains("refused on purpose"),
        "{failed:?}"
    );
    let bad_argument = host
        .request(
            "workspace/executeCommand",
            execute("native-ok.compute", json!(["two", 3])),
        )
        .await;
    assert!(
        error_message(&bad_argument.payload).contains("argument 0"),
        "{bad_argument:?}"
    );
    assert_eq!(host.extension("test.native-ok").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn disable_deactivates_a_native_extension_and_enable_makes_a_fresh_instance() {
    let dir = tempfile::tempdir().unwrap();
    install_fixture(dir.path(), "native-ok");
    let mut host = Host::start(&[dir.path()]).await;
    let first = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([1, 1])),
        )
        .await;
    assert_eq!(first["activations"], 1);

    let disabled = host
        .call("exthost/disable", json!({"id": "test.native-ok"}))
        .await;
    assert_eq!(disabled, json!({"changed": ["test.native-ok"]}));
    log_line(&mut host, "native-ok deactivated").await;
    let refused = host
        .request(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([1, 1])),
        )
        .await;
    assert!(
        error_message(&refused.payload).contains("disabled"),
        "{refused:?}"
    );

    let enabled = host
        .call("exthost/enable", json!({"id": "test.native-ok"}))
        .await;
    assert_eq!(enabled, json!({"changed": ["test.native-ok"]}));
    // A new instance (activated again), from the library that stayed mapped (its static counter went on).
    let second = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([1, 1])),
        )
        .await;
    assert_eq!(second, json!({"sum": 2.0, "activations": 2}));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_library_replaced_on_disk_is_loaded_anew_when_enabled_again() {
    let dir = tempfile::tempdir().unwrap();
    let folder = install_fixture(dir.path(), "native-ok");
    let mut host = Host::start(&[dir.path()]).await;
    let first = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([1, 1])),
        )
        .await;
    assert_eq!(first["activations"], 1);
    host.call("exthost/disable", json!({"id": "test.native-ok"}))
        .await;

    // "Rebuild" it: a new file at the same path, as cargo writes one.
    let library = folder.join(library_file("exthost_fixture_native_ok"));
    let fresh = folder.join("fresh-build.tmp");
    std::fs::copy(&library, &fresh).unwrap();
    std::fs::rename(&fresh, &library).unwrap();

    host.call("exthost/enable", json!({"id": "test.native-ok"}))
        .await;
    // The new file was mapped anew (its static counter starts again), not the old mapping reused.
    let second = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([1, 1])),
        )
        .await;
    assert_eq!(second["activations"], 1, "{second}");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_panic_in_activate_fails_only_that_extension() {
    let dir = tempfile::tempdir().unwrap();
    install_fixture(dir.path(), "native-panics");
    install_fixture(dir.path(), "native-ok");
    install_js_side(dir.path());
    let mut host = Host::start(&[dir.path()]).await;

    let response = host
        .request(
            "workspace/executeCommand",
            execute("native-panics.run", json!([])),
        )
        .await;
    let message = error_message(&response.payload);
    assert!(
        message.contains("activate exploded on purpose"),
        "{message}"
    );
    let failed = host.state_change("test.native-panics", "failed").await;
    let error = failed["error"]["message"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("panicked: activate exploded on purpose"),
        "{failed}"
    );

    // Every other extension, native and JavaScript, keeps answering.
    others_still_answer(&mut host, 1, 2).await;
    assert_eq!(
        host.extension("test.native-panics").await["state"],
        "failed"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_panic_in_a_command_answers_with_its_message_and_fails_only_that_extension() {
    let dir = tempfile::tempdir().unwrap();
    install_fixture(dir.path(), "native-command-panic");
    install_fixture(dir.path(), "native-ok");
    install_js_side(dir.path());
    let mut host = Host::start(&[dir.path()]).await;

    let fine = host
        .call(
            "workspace/executeCommand",
            execute("native-command-panic.fine", json!([])),
        )
        .await;
    assert_eq!(fine, "fine");
    let response = host
        .request(
            "workspace/executeCommand",
            execute("native-command-panic.explode", json!([])),
        )
        .await;
    let message = error_message(&response.payload);
    assert!(
        message.contains("panicked: command exploded on purpose") && message.contains("src/lib.rs"),
        "the error carries the panic's message and location: {message}"
    );
    let failed = host
        .state_change("test.native-command-panic", "failed")
        .await;
    assert!(
        failed["error"]["message"]
            .as_str()
            .is_some_and(|error| error.contains("command exploded on purpose")),
        "{failed}"
    );

    others_still_answer(&mut host, 4, 5).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_library_built_for_another_abi_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    install_fixture(dir.path(), "native-abi-mismatch");
    install_fixture(dir.path(), "native-ok");
    let mut host = Host::start(&[dir.path()]).await;

    let response = host
        .request(
            "workspace/executeCommand",
            execute("native-abi-mismatch.run", json!([])),
        )
        .await;
    let message = error_message(&response.payload);
    assert!(
        message.contains("ABI version mismatch: the library exports 999, this host speaks 1"),
        "{message}"
    );
    let failed = host
        .state_change("test.native-abi-mismatch", "failed")
        .await;
    let error = failed["error"]["message"].as_str().unwrap_or_default();
    assert!(
        error.contains("exports 999") && error.contains("speaks 1"),
        "{failed}"
    );
    // The fixture's create function aborts the process: the host never called it, and keeps serving.
    let answer = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([0, 1])),
        )
        .await;
    assert_eq!(answer["sum"], 1.0);
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_missing_library_fails_the_extension_saying_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let folder = write_extension(
        dir.path(),
        "unbuilt",
        &json!({
            "id": "test.unbuilt", "name": "Unbuilt", "version": "1.0.0",
            "native": {"library": "never_built"},
            "activationEvents": ["onCommand:unbuilt.run"],
        }),
        &[],
    );
    let mut host = Host::start(&[dir.path()]).await;
    let response = host
        .request(
            "workspace/executeCommand",
            execute("unbuilt.run", json!([])),
        )
        .await;
    let message = error_message(&response.payload);
    assert!(
        message.contains(&format!(
            "no native library {}",
            library_file("never_built")
        )) && message.contains(&folder.display().to_string()),
        "{message}"
    );
    host.state_change("test.unbuilt", "failed").await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn javascript_and_native_extensions_call_each_others_commands() {
    let dir = tempfile::tempdir().unwrap();
    install_fixture(dir.path(), "native-ok");
    install_js_side(dir.path());
    let mut host = Host::start(&[dir.path()]).await;

    // Native → JavaScript (activating the JavaScript extension on its command).
    let from_js = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.call-js", json!(["hi", 2])),
        )
        .await;
    assert_eq!(from_js, json!({"fromJs": {"echoed": ["hi", 2]}}));
    // JavaScript → native.
    let from_native = host
        .call(
            "workspace/executeCommand",
            execute("js-side.call-native", json!([])),
        )
        .await;
    // (The sum crossed JavaScript, where 42.0 is the number 42.)
    assert_eq!(from_native["sum"].as_f64(), Some(42.0), "{from_native}");
    assert_eq!(from_native["activations"], 1);
    // A function a native extension exports, called from JavaScript through a proxy.
    let doubled = host
        .call(
            "workspace/executeCommand",
            execute("js-side.native-export", json!([])),
        )
        .await;
    assert_eq!(doubled, 42);
    // JavaScript → native → JavaScript.
    let round_trip = host
        .call(
            "workspace/executeCommand",
            execute("js-side.round-trip", json!([])),
        )
        .await;
    assert_eq!(round_trip, json!({"fromJs": {"echoed": ["x"]}}));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_native_extension_provides_hovers_reads_settings_and_shows_messages() {
    let dir = tempfile::tempdir().unwrap();
    install_fixture(dir.path(), "native-ok");
    let mut host = Host::start(&[dir.path()]).await;

    // Opening a plain text document activates it (`onLanguage:plaintext`); it registers a hover provider.
    let uri = "file:///notes.txt";
    host.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": "one\ntwo\n"}}),
    )
    .await;
    host.state_change("test.native-ok", "enabled").await;
    let hover = host
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}}),
        )
        .await;
    let contents = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(contents.contains("native hover on line 1"), "{hover}");

    // Settings: the defaults the manifest contributes, as `workspace.getConfiguration("nativeOk")` sees them.
    let settings = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.settings", json!([])),
        )
        .await;
    assert_eq!(settings, json!({"greeting": "hi", "count": 2}));

    let shown = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.notify", json!(["careful"])),
        )
        .await;
    assert_eq!(shown, true);
    let message = host
        .notification("window/showMessage", |params| {
            params["message"] == "careful"
        })
        .await;
    assert_eq!(message["type"], 2);
    assert_eq!(host.shutdown().await, 0);
}

/// Runs `exthost new <arguments>` and fails the test if it fails.
fn exthost_new(arguments: &[&std::ffi::OsStr]) {
    let mut command = Command::new(binary());
    command
        .arg("new")
        .args(arguments)
        .env("EXTHOST_LOG", "warn");
    run(command, "exthost new");
}

#[tokio::test]
async fn new_rust_scaffolds_an_extension_that_builds_tests_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let extension = dir.path().join("hello-native");
    let sdk = repository_root().join("extensions/sdk");
    exthost_new(&[
        "--rust".as_ref(),
        extension.as_os_str(),
        "--sdk".as_ref(),
        sdk.as_os_str(),
    ]);
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "exthost.json",
        "README.md",
        ".gitignore",
    ] {
        assert!(extension.join(file).is_file(), "{file} was not written");
    }
    // Pin the dependencies to the versions this workspace already resolved and downloaded (no registry
    // index needed), and share compiled dependencies between runs: `target` is a link to a cache folder
    // in this workspace's target folder. The host still finds the library where `cargo build` puts it.
    std::fs::copy(
        repository_root().join("Cargo.lock"),
        extension.join("Cargo.lock"),
    )
    .expect("copy Cargo.lock");
    #[cfg(unix)]
    {
        let cache = target_root().join("scaffold-cache");
        std::fs::create_dir_all(&cache).expect("create the build cache");
        std::os::unix::fs::symlink(&cache, extension.join("target")).expect("link target");
    }
    for arguments in [
        ["build", "--release", "--quiet"],
        ["test", "--release", "--quiet"],
    ] {
        let mut command = cargo();
        command
            .current_dir(&extension)
            .env_remove("CARGO_TARGET_DIR")
            .args(arguments)
            .args(["--jobs", "1"]);
        run(command, &format!("cargo {}", arguments.join(" ")));
    }

    let mut host = Host::spawn(HostOptions {
        args: vec!["--dev".to_owned(), extension.display().to_string()],
        builtin: None,
    });
    host.initialize(json!({})).await;
    let greeting = host
        .call(
            "workspace/executeCommand",
            execute("hello-native.hello", json!(["Ada"])),
        )
        .await;
    assert_eq!(greeting, "Hello, Ada, from hello-native!");
    assert_eq!(host.extension("local.hello-native").await["source"], "dev");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn new_js_scaffolds_an_extension_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let extension = dir.path().join("hello-js");
    exthost_new(&["--js".as_ref(), extension.as_os_str()]);
    for file in [
        "exthost.json",
        "extension.js",
        "README.md",
        "test/extension.test.js",
    ] {
        assert!(extension.join(file).is_file(), "{file} was not written");
    }
    let mut host = Host::spawn(HostOptions {
        args: vec!["--dev".to_owned(), extension.display().to_string()],
        builtin: None,
    });
    host.initialize(json!({})).await;
    let greeting = host
        .call(
            "workspace/executeCommand",
            execute("hello-js.hello", json!([])),
        )
        .await;
    assert_eq!(greeting, "Hello, world, from hello-js!");
    assert_eq!(host.shutdown().await, 0);

    // Into a folder that is not empty: refused, nothing overwritten.
    let output = Command::new(binary())
        .arg("new")
        .arg("--js")
        .arg(&extension)
        .output()
        .expect("run exthost new");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not empty"),
        "{output:?}"
    );
}

/// The native and the JavaScript extension that did nothing wrong still answer their commands.
async fn others_still_answer(host: &mut Host, left: i64, right: i64) {
    let answer = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([left, right])),
        )
        .await;
    assert_eq!(answer["sum"], (left + right) as f64);
    let pong = host
        .call(
            "workspace/executeCommand",
            execute("js-side.ping", json!([])),
        )
        .await;
    assert_eq!(pong, "pong");
}

/// `native-ok` installed in `dir` and run as a `--dev` folder: its folder, the initialized host, and the
/// answer of its first `compute` (2 + 3 = 5, checked).
async fn dev_native_ok(dir: &Path) -> (PathBuf, Host, Value) {
    let folder = install_fixture(dir, "native-ok");
    let mut host = Host::spawn(HostOptions {
        args: vec!["--dev".to_owned(), folder.display().to_string()],
        builtin: None,
    });
    host.initialize(json!({})).await;
    let answer = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([2, 3])),
        )
        .await;
    assert_eq!(answer["sum"], 5.0);
    (folder, host, answer)
}

#[tokio::test]
async fn a_rebuilt_dev_native_library_restarts_the_worker_which_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let (folder, mut host, _) = dev_native_ok(dir.path()).await;
    host.state_change("test.native-ok", "enabled").await;

    // A rebuild, as cargo writes it: a new file renamed over the library.
    let library = library_file("exthost_fixture_native_ok");
    let partial = dir.path().join("rebuilt.partial");
    std::fs::copy(built_fixtures().join(&library), &partial).unwrap();
    std::fs::rename(&partial, folder.join(&library)).unwrap();
    let restarted = host
        .notification("exthost/hostRestarted", |params| {
            params["reason"] == "libraryRebuilt"
        })
        .await;
    assert!(
        restarted["detail"].as_str().is_some_and(
            |detail| detail.starts_with("test.native-ok: ") && detail.contains(&library)
        ),
        "{restarted}"
    );
    // The new worker replayed the session and runs the rebuilt library.
    let answer = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([20, 22])),
        )
        .await;
    assert_eq!(answer["sum"], 42.0);
    assert_eq!(host.extension("test.native-ok").await["state"], "enabled");
    assert!(
        host.log().contains("the worker asked to be restarted"),
        "the supervisor did the restart"
    );
    assert_eq!(host.shutdown().await, 0);
}

/// Puts the built library of fixture crate `built` (its library's base name) in `folder` under the file
/// name of library `as_library`, as cargo writes a rebuild: a new file renamed over the old one.
fn rebuild_as(folder: &Path, built: &str, as_library: &str) {
    let partial = folder.join("rebuilt.partial");
    std::fs::copy(built_fixtures().join(library_file(built)), &partial).unwrap();
    std::fs::rename(&partial, folder.join(library_file(as_library))).unwrap();
}

#[tokio::test]
async fn a_broken_dev_native_rebuild_rolls_back_to_the_library_that_worked_until_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let (folder, mut host, answer) = dev_native_ok(dir.path()).await;
    assert_eq!(answer.get("version"), None, "{answer}");
    host.state_change("test.native-ok", "enabled").await;

    // A rebuild that does not load (an ABI mismatch), then one whose activate panics: each time the new
    // worker brings back the library that worked, and the editor is told.
    for broken in [
        "exthost_fixture_native_abi_mismatch",
        "exthost_fixture_native_panics",
    ] {
        rebuild_as(&folder, broken, "exthost_fixture_native_ok");
        let shown = host
            .notification("window/showMessage", |params| {
                params["message"]
                    .as_str()
                    .is_some_and(|message| message.contains("the previous version keeps running"))
            })
            .await;
        assert_eq!(shown["type"], 1, "{shown}");
        assert!(
            shown["message"]
                .as_str()
                .unwrap()
                .starts_with("test.native-ok: the changed version failed"),
            "{shown}"
        );
        host.notification("exthost/hostRestarted", |params| {
            params["reason"] == "libraryRebuilt"
        })
        .await;
        let answer = host
            .call(
                "workspace/executeCommand",
                execute("native-ok.compute", json!([20, 22])),
            )
            .await;
        assert_eq!(answer["sum"], 42.0, "{answer}");
        assert_eq!(
            answer.get("version"),
            None,
            "the old library answers: {answer}"
        );
        let info = host.extension("test.native-ok").await;
        assert_eq!(info["state"], "enabled", "{info}");
        assert_eq!(
            info["path"],
            json!(folder.canonicalize().unwrap()),
            "{info}"
        );
    }

    // The next good build replaces it.
    rebuild_as(
        &folder,
        "exthost_fixture_native_ok_v2",
        "exthost_fixture_native_ok",
    );
    host.notification("exthost/hostRestarted", |params| {
        params["reason"] == "libraryRebuilt"
    })
    .await;
    let answer = host
        .call(
            "workspace/executeCommand",
            execute("native-ok.compute", json!([1, 1])),
        )
        .await;
    assert_eq!(answer, json!({"sum": 2.0, "version": 2}));
    assert_eq!(host.extension("test.native-ok").await["state"], "enabled");
    assert_eq!(host.shutdown().await, 0);
}
