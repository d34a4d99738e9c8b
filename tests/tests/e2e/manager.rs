//! The extension manager (contract §10): `exthost serve --manager` serves the page and the WebSocket
//! JSON-RPC endpoint; real headless Chromium, driven over WebDriver by ChromeDriver, lists the fixture
//! extensions, disables one (the editor hears of it) and recovers a failed one. Without a browser: the
//! token and the `Origin` are checked on every connection and a refused one changes nothing; a
//! non-loopback bind is refused unless asked for; `exthost manage` prints a working URL.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use exthost_e2e::{Host, HostOptions, TIMEOUT, external_program, repository_root, write_extension};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GOOD: &str = "test.good";
const BAD: &str = "test.bad";
const PKG: &str = "test.pkg";
const BROKEN: &str = "test.broken";

/// Two fixture extensions activated at start: `test.good` logs a line and contributes a command;
/// `test.bad` throws from `activate`, so it is `failed` with a stack.
fn fixtures(dir: &Path) {
    write_extension(
        dir,
        "good",
        &json!({"id": GOOD, "name": "Good Extension", "version": "1.2.3", "main": "extension.js",
                "activationEvents": ["*"],
                "contributes": {"commands": [{"command": "good.greet", "title": "Greet the user"}]}}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\n\
             exports.activate = (context) => {\n\
               console.log('good is up');\n\
               context.subscriptions.push(vscode.commands.registerCommand('good.greet', () => 'hello'));\n\
             };\n",
        )],
    );
    write_extension(
        dir,
        "bad",
        &json!({"id": BAD, "name": "Bad Extension", "version": "0.1.0", "main": "extension.js",
                "activationEvents": ["*"]}),
        &[(
            "extension.js",
            "function loadConfiguration() { throw new Error('the configuration file is missing'); }\n\
             exports.activate = () => { loadConfiguration(); };\n",
        )],
    );
}

/// Starts a host with the fixtures and `--manager`, waits for both fixtures to settle; answers the host,
/// the fixtures' folder and the manager's URL.
async fn host_with_manager() -> (Host, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    fixtures(dir.path());
    let mut options = HostOptions::with_dirs(&[dir.path()]);
    options.args.push("--manager".into());
    let mut host = Host::spawn(options);
    host.initialize(json!({})).await;
    let started = host.notification("exthost/managerStarted", |_| true).await;
    let url = started["url"].as_str().expect("url is a string").to_owned();
    host.state_change(GOOD, "enabled").await;
    host.state_change(BAD, "failed").await;
    (host, dir, url)
}

/// `http://127.0.0.1:PORT/?token=TOKEN` → (`127.0.0.1:PORT`, `TOKEN`).
fn split_url(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (authority, query) = rest.split_once("/?token=").expect("a token in the URL");
    (authority.to_owned(), query.to_owned())
}

/// One HTTP/1.1 exchange over a fresh connection: answers the status, the head and the body.
async fn http(authority: &str, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(authority))
        .await
        .expect("connect in time")
        .expect("connect");
    let request = format!(
        "{head}\r\nHost: {authority}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut reader = tokio::io::BufReader::new(stream);
    let mut response_head = String::new();
    loop {
        let mut line = String::new();
        let read = tokio::time::timeout(TIMEOUT, reader.read_line(&mut line))
            .await
            .expect("an answer in time")
            .unwrap();
        if read == 0 || line == "\r\n" {
            break;
        }
        response_head.push_str(&line);
    }
    let status: u16 = response_head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response_head:?}"));
    let lower = response_head.to_ascii_lowercase();
    let length = lower
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok());
    let mut body = Vec::new();
    if status == 101 {
        return (status, response_head, body);
    }
    if let Some(length) = length {
        body.resize(length, 0);
        tokio::time::timeout(TIMEOUT, reader.read_exact(&mut body))
            .await
            .expect("the body in time")
            .unwrap();
    } else if lower.contains("transfer-encoding: chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await.unwrap();
            let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await.unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        tokio::time::timeout(TIMEOUT, reader.read_to_end(&mut body))
            .await
            .expect("the body in time")
            .unwrap();
    }
    (status, response_head, body)
}

/// A WebSocket upgrade request to `path` with an optional `Origin`; answers the status.
async fn upgrade(authority: &str, path: &str, origin: Option<&str>) -> u16 {
    let origin = origin.map_or_else(String::new, |origin| format!("\r\nOrigin: {origin}"));
    let head = format!(
        "GET {path} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13{origin}"
    );
    // `http` adds `Connection: close` after ours; servers read the first.
    http(authority, &head, b"").await.0
}

/// A JSON-RPC call over HTTP POST to `path`; answers the status and the parsed body (if JSON).
async fn post_rpc(
    authority: &str,
    path: &str,
    origin: Option<&str>,
    method: &str,
    params: Value,
) -> (u16, Value) {
    let origin = origin.map_or_else(String::new, |origin| format!("\r\nOrigin: {origin}"));
    let body =
        serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
            .unwrap();
    let head = format!("POST {path} HTTP/1.1\r\nContent-Type: application/json{origin}");
    let (status, _, body) = http(authority, &head, &body).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// How many `exthost/extensionStateChanged` about `test.good` the editor has received and not consumed.
fn good_state_changes(host: &Host) -> usize {
    host.backlog()
        .filter(|message| {
            matches!(message, exthost_protocol::Message::Notification(n)
                if n.method == "exthost/extensionStateChanged"
                    && n.params.as_ref().is_some_and(|p| p["id"] == GOOD))
        })
        .count()
}

#[tokio::test]
async fn connections_without_the_token_or_from_another_origin_are_refused_and_change_nothing() {
    let (mut host, _dir, url) = host_with_manager().await;
    let (authority, token) = split_url(&url);
    assert!(
        authority.starts_with("127.0.0.1:"),
        "loopback by default: {url}"
    );
    assert_eq!(token.len(), 64, "a 256-bit token in hex: {token}");
    let own_origin = format!("http://{authority}");
    let rpc = format!("/rpc?token={token}");
    let wrong = format!("/rpc?token={}", "0".repeat(64));

    // The page needs the token.
    let (status, _, page) = http(&authority, &format!("GET /?token={token} HTTP/1.1"), b"").await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("<title>exthost"));
    assert_eq!(http(&authority, "GET / HTTP/1.1", b"").await.0, 401);
    assert_eq!(
        http(&authority, "GET /?token=guess HTTP/1.1", b"").await.0,
        401
    );

    // The WebSocket upgrade needs the token, and the page's own origin when an origin is sent.
    assert_eq!(upgrade(&authority, "/rpc", None).await, 401);
    assert_eq!(upgrade(&authority, &wrong, None).await, 401);
    assert_eq!(upgrade(&authority, &wrong, Some(&own_origin)).await, 401);
    assert_eq!(
        upgrade(&authority, &rpc, Some("http://evil.example")).await,
        403
    );
    assert_eq!(upgrade(&authority, &rpc, Some("null")).await, 403);
    assert_eq!(upgrade(&authority, &rpc, Some(&own_origin)).await, 101);
    assert_eq!(upgrade(&authority, &rpc, None).await, 101);

    // A refused call changes nothing: the extension stays enabled and the editor hears of nothing.
    let changes_before = good_state_changes(&host);
    let disable = json!({"id": GOOD});
    let (status, _) = post_rpc(&authority, "/rpc", None, "exthost/disable", disable.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = post_rpc(&authority, &wrong, None, "exthost/disable", disable.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = post_rpc(
        &authority,
        &rpc,
        Some("http://evil.example"),
        "exthost/disable",
        disable.clone(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(host.extension(GOOD).await["state"], "enabled");
    assert_eq!(
        good_state_changes(&host),
        changes_before,
        "no state change reached the editor"
    );

    // With the token the same call works, through the lifecycle the editor's handlers use: the editor is told.
    let (status, answer) = post_rpc(&authority, &rpc, None, "exthost/disable", disable).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], json!({"changed": [GOOD]}));
    host.state_change(GOOD, "disabled").await;
    assert_eq!(host.extension(GOOD).await["state"], "disabled");

    // A request over the size limit is refused before it runs.
    let huge = json!({"id": "x".repeat(70 * 1024)});
    let (status, _) = post_rpc(&authority, &rpc, None, "exthost/enable", huge).await;
    assert_eq!(status, 413);

    // Other paths are not served, and no CORS header is ever sent.
    assert_eq!(
        http(
            &authority,
            &format!("GET /etc/passwd?token={token} HTTP/1.1"),
            b""
        )
        .await
        .0,
        404
    );
    let (_, head, _) = http(&authority, &format!("GET /?token={token} HTTP/1.1"), b"").await;
    assert!(
        !head.to_ascii_lowercase().contains("access-control-"),
        "{head}"
    );
    assert_eq!(host.shutdown().await, 0);
}

/// Opens a WebSocket on `path` and keeps it open: answers the status and the connection.
async fn open_websocket(authority: &str, path: &str) -> (u16, tokio::io::BufReader<TcpStream>) {
    let mut stream = TcpStream::connect(authority).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reader = tokio::io::BufReader::new(stream);
    let mut status_line = String::new();
    tokio::time::timeout(TIMEOUT, reader.read_line(&mut status_line))
        .await
        .expect("an answer in time")
        .unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {status_line:?}"));
    (status, reader)
}

#[tokio::test]
async fn the_number_of_connections_is_limited() {
    let (host, _dir, url) = host_with_manager().await;
    let (authority, token) = split_url(&url);
    let rpc = format!("/rpc?token={token}");
    let mut open = Vec::new();
    for _ in 0..16 {
        let (status, connection) = open_websocket(&authority, &rpc).await;
        assert_eq!(status, 101);
        open.push(connection);
    }
    assert_eq!(open_websocket(&authority, &rpc).await.0, 429);
    // Closing one makes room for another.
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let (status, connection) = open_websocket(&authority, &rpc).await;
        if status == 101 {
            open.push(connection);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no room after a close"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(open);
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn the_panel_methods_report_details_logs_and_a_failed_extensions_stack() {
    let (mut host, _dir, url) = host_with_manager().await;
    let (authority, token) = split_url(&url);
    let rpc = format!("/rpc?token={token}");
    let (_, details) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/extensionDetails",
        json!({"id": GOOD}),
    )
    .await;
    let details = &details["result"];
    assert_eq!(details["extension"]["state"], "enabled");
    assert_eq!(
        details["commands"],
        json!([{"command": "good.greet", "title": "Greet the user"}])
    );
    assert_eq!(details["supportsHotReload"], false);
    let (_, log) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/extensionLog",
        json!({"id": GOOD}),
    )
    .await;
    let lines = log["result"]["lines"].as_array().expect("lines").clone();
    assert!(
        lines.iter().any(|line| line["message"] == "good is up"),
        "{log}"
    );
    let (_, bad) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/extensionDetails",
        json!({"id": BAD}),
    )
    .await;
    let error = &bad["result"]["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("the configuration file is missing"),
        "{bad}"
    );
    assert!(
        error["stack"]
            .as_str()
            .unwrap_or_default()
            .contains("loadConfiguration"),
        "{bad}"
    );
    let (_, unknown) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/extensionLog",
        json!({"id": "no.such"}),
    )
    .await;
    assert_eq!(unknown["error"]["code"], -32602);
    // Error recovery: a failed extension can be disabled, and the editor is told.
    let (_, answer) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/disable",
        json!({"id": BAD}),
    )
    .await;
    assert_eq!(answer["result"], json!({"changed": [BAD]}));
    host.state_change(BAD, "disabled").await;
    // A restart from the manager is the editor's restart: it hears `exthost/hostRestarted`.
    let (_, answer) = post_rpc(&authority, &rpc, None, "exthost/restartHost", json!({})).await;
    assert_eq!(answer["result"], json!({"restarted": true}));
    host.notification("exthost/hostRestarted", |p| {
        p["reason"] == "requested from the manager"
    })
    .await;
    assert_eq!(host.extension(GOOD).await["state"], "enabled");
    assert_eq!(host.extension(BAD).await["state"], "disabled");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn the_editor_can_disable_an_extension_whose_code_failed_but_not_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    fixtures(dir.path());
    write_extension(
        dir.path(),
        "broken",
        &json!({"id": "test.broken", "version": "not a version"}),
        &[],
    );
    let mut host = Host::start(&[dir.path()]).await;
    host.state_change(BAD, "failed").await;
    let answer = host.call("exthost/disable", json!({"id": BAD})).await;
    assert_eq!(answer, json!({"changed": [BAD]}));
    host.state_change(BAD, "disabled").await;
    // Enabling it again retries it, and it fails again the same way.
    let retried = host.request("exthost/enable", json!({"id": BAD})).await;
    match retried.payload {
        exthost_protocol::ResponsePayload::Error(error) => {
            assert_eq!(error.code, exthost_protocol::error_code::REQUEST_FAILED);
            assert!(error.message.contains("the configuration file is missing"));
        }
        other => panic!("enable of a failing extension answered {other:?}"),
    }
    host.state_change(BAD, "failed").await;
    // A manifest that cannot be read stays failed: there is nothing to run, so nothing to disable.
    let broken = host.extension("test.broken").await;
    assert_eq!(broken["state"], "failed", "{broken}");
    let id = broken["id"].as_str().unwrap().to_owned();
    let answer = host.call("exthost/disable", json!({"id": id})).await;
    assert_eq!(answer, json!({"changed": []}));
    assert_eq!(host.extension(&id).await["state"], "failed");
    assert_eq!(host.shutdown().await, 0);
}

/// A package extension `test.pkg` at `version`, packed with the real `exthost pack` into `out`.
fn pack_extension(home: &Path, parent: &Path, version: &str, out: &Path) {
    let dir = write_extension(
        parent,
        &format!("pkg-{version}"),
        &json!({"id": PKG, "name": "Packaged", "version": version, "main": "extension.js",
                "activationEvents": ["onCommand:pkg.version"],
                "contributes": {"commands": [{"command": "pkg.version", "title": "Version"}]}}),
        &[(
            "extension.js",
            &format!(
                "const vscode = require('vscode');\n\
                 exports.activate = (context) => {{\n\
                   context.subscriptions.push(vscode.commands.registerCommand('pkg.version', () => '{version}'));\n\
                 }};\n"
            ),
        )],
    );
    pack_folder(home, &dir, out);
}

/// Packs the extension folder `dir` into `out` with the real `exthost pack`.
fn pack_folder(home: &Path, dir: &Path, out: &Path) {
    let output = std::process::Command::new(exthost_e2e::binary())
        .arg("pack")
        .arg(dir)
        .arg("--out")
        .arg(out)
        .env("EXTHOST_HOME", home)
        .output()
        .expect("run exthost pack");
    assert!(output.status.success(), "{output:?}");
}

/// `package` with `extension.js` replaced and its `CHECKSUMS` left as they were.
fn tampered(package: &[u8]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        if name == "extension.js" {
            content = b"exports.activate = () => { /* not what was signed */ };".to_vec();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Uploads `bytes` as `name` with `POST /upload`; answers the status and the parsed answer.
async fn upload(authority: &str, token: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let head = format!(
        "POST /upload?token={token}&name={name} HTTP/1.1\r\nContent-Type: application/octet-stream"
    );
    let (status, _, body) = http(authority, &head, bytes).await;
    let answer = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    (status, answer)
}

/// Every file under `root` (relative path, content), to see that a refusal wrote nothing.
fn files_under(root: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let content = std::fs::read(&path).unwrap_or_default();
                found.push((path.strip_prefix(root).unwrap().to_path_buf(), content));
            }
        }
    }
    found.sort();
    found
}

/// The ids the endpoint lists (without shadowed folders), with their `restartRequired`.
async fn listed(authority: &str, rpc: &str) -> Vec<(String, bool)> {
    let (status, answer) =
        post_rpc(authority, rpc, None, "exthost/listExtensions", json!({})).await;
    assert_eq!(status, 200, "{answer}");
    answer["result"]["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|info| info.get("shadowedBy").is_none())
        .map(|info| {
            (
                info["id"].as_str().unwrap().to_owned(),
                info["restartRequired"] == true,
            )
        })
        .collect()
}

#[tokio::test]
async fn packages_install_and_uninstall_through_the_endpoint_and_the_editor_hears_of_it() {
    let (mut host, _dir, url) = host_with_manager().await;
    let (authority, token) = split_url(&url);
    let rpc = format!("/rpc?token={token}");
    let sources = tempfile::tempdir().unwrap();
    let package = sources.path().join("pkg-1.0.0.xpkg");
    pack_extension(host.home.path(), sources.path(), "1.0.0", &package);
    let bytes = std::fs::read(&package).unwrap();

    // An upload needs the token and a package's name.
    let (status, _) = upload(&authority, "wrong", "pkg.xpkg", &bytes).await;
    assert_eq!(status, 401);
    let (status, _) = upload(&authority, &token, "notes.txt", &bytes).await;
    assert_eq!(status, 400);

    // Uploaded, then installed through the endpoint: listed, and the editor is told.
    let (status, uploaded) = upload(&authority, &token, "pkg-1.0.0.xpkg", &bytes).await;
    assert_eq!(status, 200, "{uploaded}");
    let source = uploaded["source"].as_str().unwrap().to_owned();
    assert!(source.starts_with("upload:"), "{source}");
    let (status, answer) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/install",
        json!({"source": source}),
    )
    .await;
    assert_eq!(status, 200);
    let installed = &answer["result"]["installed"];
    assert_eq!(installed["id"], PKG, "{answer}");
    assert_eq!(installed["version"], "1.0.0");
    assert_eq!(installed["source"], "user");
    assert_eq!(installed["state"], "discovered");
    host.state_change(PKG, "discovered").await;
    assert!(
        listed(&authority, &rpc)
            .await
            .contains(&(PKG.to_owned(), false))
    );
    assert_eq!(host.extension(PKG).await["version"], "1.0.0");
    // The uploaded file is gone once installed: the same source cannot be installed twice.
    let (_, again) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/install",
        json!({"source": source}),
    )
    .await;
    assert!(again.get("error").is_some(), "{again}");

    // A refused install (a tampered package) answers the reason and changes nothing.
    let installed_files = files_under(&host.home.path().join("extensions"));
    assert!(!installed_files.is_empty());
    let listed_before = listed(&authority, &rpc).await;
    let (status, uploaded) = upload(&authority, &token, "bad.xpkg", &tampered(&bytes)).await;
    assert_eq!(status, 200);
    let (status, refused) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/install",
        json!({"source": uploaded["source"], "force": true}),
    )
    .await;
    assert_eq!(status, 200);
    let error = &refused["error"];
    assert_eq!(
        error["code"],
        exthost_protocol::error_code::REQUEST_FAILED,
        "{refused}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("checksum: extension.js"),
        "{refused}"
    );
    assert_eq!(error["data"]["reason"], "checksum");
    assert!(
        files_under(&host.home.path().join("extensions")) == installed_files,
        "nothing written"
    );
    assert_eq!(listed(&authority, &rpc).await, listed_before);
    assert_eq!(host.extension(PKG).await["version"], "1.0.0");

    // Uninstalled while not running: gone from the list, and the editor is told.
    let (status, answer) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/uninstall",
        json!({"id": PKG}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"], json!({"uninstalled": [PKG]}));
    host.state_change(PKG, "unloaded").await;
    assert!(
        !listed(&authority, &rpc)
            .await
            .iter()
            .any(|(id, _)| id == PKG)
    );

    // Installed again from its path, run, then uninstalled: it keeps running until a restart, marked.
    let (_, answer) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/install",
        json!({"source": package.display().to_string()}),
    )
    .await;
    assert_eq!(answer["result"]["installed"]["id"], PKG, "{answer}");
    host.state_change(PKG, "discovered").await;
    let version = host
        .call(
            "workspace/executeCommand",
            json!({"command": "pkg.version", "arguments": []}),
        )
        .await;
    assert_eq!(version, "1.0.0");
    // Nothing newer yet: the answer is empty, not an error.
    let (_, answer) = post_rpc(&authority, &rpc, None, "exthost/upgrade", json!({})).await;
    assert_eq!(answer["result"], json!({"upgraded": []}), "{answer}");
    // The recorded source now holds 2.0.0: upgraded beside it; the running 1.0.0 (no hot reload)
    // waits for a restart.
    pack_extension(host.home.path(), sources.path(), "2.0.0", &package);
    let (_, answer) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/upgrade",
        json!({"id": PKG}),
    )
    .await;
    let upgraded = &answer["result"]["upgraded"];
    assert_eq!(upgraded[0]["version"], "2.0.0", "{answer}");
    assert_eq!(upgraded[0]["restartRequired"], true, "{answer}");
    // The editor is told that it waits.
    let waiting = host
        .notification("exthost/extensionStateChanged", |params| {
            params["id"] == PKG && params["restartRequired"] == true
        })
        .await;
    assert_eq!(waiting["state"], "enabled", "{waiting}");
    assert!(
        listed(&authority, &rpc)
            .await
            .contains(&(PKG.to_owned(), true))
    );
    let (_, answer) = post_rpc(
        &authority,
        &rpc,
        None,
        "exthost/uninstall",
        json!({"id": PKG}),
    )
    .await;
    assert_eq!(answer["result"], json!({"uninstalled": [PKG]}), "{answer}");
    assert!(
        listed(&authority, &rpc)
            .await
            .contains(&(PKG.to_owned(), true))
    );
    assert_eq!(host.extension(PKG).await["restartRequired"], true);
    let (_, answer) = post_rpc(&authority, &rpc, None, "exthost/restartHost", json!({})).await;
    assert_eq!(answer["result"], json!({"restarted": true}), "{answer}");
    assert!(
        !listed(&authority, &rpc)
            .await
            .iter()
            .any(|(id, _)| id == PKG)
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn initialization_options_can_ask_for_the_manager() {
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({"initializationOptions": {"manager": true}}))
        .await;
    let started = host.notification("exthost/managerStarted", |_| true).await;
    let url = started["url"].as_str().unwrap().to_owned();
    let (authority, token) = split_url(&url);
    assert!(authority.starts_with("127.0.0.1:"));
    let (status, answer) = post_rpc(
        &authority,
        &format!("/rpc?token={token}"),
        None,
        "exthost/listExtensions",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"], json!({"extensions": []}));
    assert!(host.log().contains(&url), "the URL is logged");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_non_loopback_bind_is_refused_unless_asked_for() {
    let home = tempfile::tempdir().unwrap();
    let output = exthost_e2e::isolated_command(home.path(), None)
        .args(["serve", "--manager", "0.0.0.0:0"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--manager-allow-remote"), "{stderr}");
    assert!(output.stdout.is_empty());

    let output = exthost_e2e::isolated_command(home.path(), None)
        .args(["manage", "--address", "0.0.0.0:0"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a loopback address"));
}

#[tokio::test]
async fn exthost_manage_prints_a_working_url() {
    let dir = tempfile::tempdir().unwrap();
    fixtures(dir.path());
    let home = tempfile::tempdir().unwrap();
    let mut child = exthost_e2e::isolated_command(home.path(), None)
        .arg("manage")
        .arg("--extensions-dir")
        .arg(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    tokio::time::timeout(
        TIMEOUT,
        tokio::io::BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the URL in time")
    .unwrap();
    let (authority, token) = split_url(line.trim());
    let (status, answer) = post_rpc(
        &authority,
        &format!("/rpc?token={token}"),
        None,
        "exthost/listExtensions",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = answer["result"]["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [BAD, GOOD]);
    child.kill().await.unwrap();
}

// The browser -----------------------------------------------------------------------------------------

/// A WebDriver session in ChromeDriver, spoken to with our own small HTTP client.
struct Browser {
    driver: tokio::process::Child,
    authority: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(chromedriver: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let authority = format!("127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            if TcpStream::connect(&authority).await.is_ok() {
                let (status, _, body) = http(&authority, "GET /status HTTP/1.1", b"").await;
                let ready: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if status == 200 && ready["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1000,1000",
        ]
        .iter()
        .map(|flag| (*flag).to_owned())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut options = json!({"args": args});
        if let Some(chromium) = exthost_e2e::on_path("chromium") {
            options["binary"] = json!(chromium);
        }
        let mut browser = Self {
            driver,
            authority,
            session: String::new(),
            _profile: profile,
        };
        let created = browser
            .command(
                "POST",
                "/session",
                json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}),
            )
            .await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        browser
    }

    /// One WebDriver command; answers its `value`. An error fails the test.
    async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let path = if path.starts_with("/session/") || path == "/session" {
            path.to_owned()
        } else {
            format!("/session/{}{path}", self.session)
        };
        let bytes = if method == "GET" {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        };
        let head = format!("{method} {path} HTTP/1.1\r\nContent-Type: application/json");
        let (status, _, answer) = http(&self.authority, &head, &bytes).await;
        let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        assert_eq!(status, 200, "WebDriver {method} {path}: {answer}");
        answer["value"].clone()
    }

    /// Runs `script` in the page; answers its value.
    async fn run(&self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Waits until `script` answers `expected`.
    async fn wait_until(&self, script: &str, expected: Value) {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let value = self.run(script).await;
            if value == expected {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the page never answered {expected} to {script}: last {value}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The WebDriver reference of the element `selector` finds.
    async fn find(&self, selector: &str) -> String {
        let found = self
            .command(
                "POST",
                "/element",
                json!({"using": "css selector", "value": selector}),
            )
            .await;
        found["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .unwrap_or_else(|| panic!("no element {selector}: {found}"))
            .to_owned()
    }

    /// Clicks the element `selector` finds, as a user would (WebDriver's element click).
    async fn click(&self, selector: &str) {
        let element = self.find(selector).await;
        self.click_element(&element).await;
    }

    /// Clicks the element of WebDriver reference `element` (from [`Browser::find`]): it fails the test
    /// when the page has replaced that element since ("stale element reference").
    async fn click_element(&self, element: &str) {
        self.command("POST", &format!("/element/{element}/click"), json!({}))
            .await;
    }

    /// Chooses `file` in the file input at `selector` (as a user picking it in the dialog).
    async fn choose_file(&self, selector: &str, file: &Path) {
        let element = self.find(selector).await;
        self.command("POST", &format!("/element/{element}/clear"), json!({}))
            .await;
        self.command(
            "POST",
            &format!("/element/{element}/value"),
            json!({"text": file.display().to_string()}),
        )
        .await;
    }

    /// Presses and releases one key (a WebDriver key code such as [`TAB`]), as a user would.
    async fn press(&self, key: &str) {
        let actions = if key == SHIFT_TAB {
            json!([{"type": "keyDown", "value": SHIFT}, {"type": "keyDown", "value": TAB},
                   {"type": "keyUp", "value": TAB}, {"type": "keyUp", "value": SHIFT}])
        } else {
            json!([{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}])
        };
        self.command(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
    }

    /// Emulates the system's `prefers-color-scheme` (through ChromeDriver's DevTools bridge).
    async fn prefer_color_scheme(&self, scheme: &str) {
        self.command(
            "POST",
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setEmulatedMedia",
                   "params": {"features": [{"name": "prefers-color-scheme", "value": scheme}]}}),
        )
        .await;
    }

    async fn close(mut self) {
        let path = format!("/session/{}", self.session);
        let _ = http(&self.authority, &format!("DELETE {path} HTTP/1.1"), b"").await;
        let _ = self.driver.kill().await;
    }
}

/// WebDriver key codes.
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SHIFT: &str = "\u{E008}";
/// Not a key code: [`Browser::press`] presses Shift+Tab for it.
const SHIFT_TAB: &str = "shift+tab";

/// The text of the state badge of extension `id`, as a script.
fn state_of(id: &str) -> String {
    format!(
        "const item = document.querySelector('li[data-id=\"{id}\"] .state'); return item ? item.textContent : null;"
    )
}

#[tokio::test]
async fn the_panel_in_real_chromium_lists_disables_and_recovers_extensions() {
    let Some(chromedriver) = external_program(
        "chromedriver",
        None,
        "apt-get install chromium chromium-driver",
    ) else {
        return;
    };
    let (mut host, _dir, url) = host_with_manager().await;
    let browser = Browser::start(&chromedriver).await;
    browser.command("POST", "/url", json!({"url": url})).await;
    browser
        .wait_until("return document.body.dataset.ready || null;", json!("true"))
        .await;

    // The list: both fixtures with name, version, source and state; the failed one with its error and stack.
    let rows = browser
        .run(
            "return [...document.querySelectorAll('li.extension')].map(item => ({
               id: item.dataset.id,
               name: item.querySelector('.name').textContent,
               version: item.querySelector('.version').textContent,
               source: item.querySelector('.source').textContent,
               state: item.querySelector('.state').textContent }));",
        )
        .await;
    assert_eq!(
        rows,
        json!([
            {"id": BAD, "name": "Bad Extension", "version": "0.1.0", "source": "dir", "state": "failed"},
            {"id": GOOD, "name": "Good Extension", "version": "1.2.3", "source": "dir", "state": "enabled"},
        ])
    );
    browser
        .wait_until(
            &format!("const s = document.querySelector('li[data-id=\"{BAD}\"] .error-stack'); return !!s && s.textContent.includes('loadConfiguration');"),
            json!(true),
        )
        .await;
    let message = browser
        .run(&format!(
            "return document.querySelector('li[data-id=\"{BAD}\"] .error-message').textContent;"
        ))
        .await;
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("the configuration file is missing"),
        "{message}"
    );

    // The details of the good one: its command, its activation event and its log.
    let bad_details = browser
        .find(&format!(
            "li[data-id=\"{BAD}\"] button[data-action=\"details\"]"
        ))
        .await;
    browser
        .click(&format!(
            "li[data-id=\"{GOOD}\"] button[data-action=\"details\"]"
        ))
        .await;
    browser
        .wait_until(
            &format!("const l = document.querySelector('li[data-id=\"{GOOD}\"] .log'); return !!l && l.textContent.includes('good is up');"),
            json!(true),
        )
        .await;
    let details = browser
        .run(&format!(
            "return document.querySelector('li[data-id=\"{GOOD}\"] .details').innerText;"
        ))
        .await;
    let details = details.as_str().unwrap();
    assert!(
        details.contains("good.greet") && details.contains("Greet the user"),
        "{details}"
    );
    assert!(details.contains('*'), "{details}");

    // The page re-rendered since the bad one's "Details" was found (the good one's details, then its
    // log), and does again as the bad one's own log loads: a control that is still there stays the same
    // element, so a click that spans a re-render (found, then clicked) is not lost.
    let expanded = format!(
        "return document.querySelector('li[data-id=\"{BAD}\"] button[data-action=\"details\"]').getAttribute('aria-expanded');"
    );
    browser.click_element(&bad_details).await;
    browser.wait_until(&expanded, json!("true")).await;
    browser.click_element(&bad_details).await;
    browser.wait_until(&expanded, json!("false")).await;

    // Keyboard: from the filter box, Tab reaches each control in order, labelled; Enter opens the details.
    browser.click("#filter").await;
    let mut labels = Vec::new();
    for _ in 0..6 {
        browser.press(TAB).await;
        let label = browser
            .run("const e = document.activeElement; return e.getAttribute('aria-label') || e.textContent;")
            .await;
        labels.push(label.as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(
        labels[..4],
        [
            "Restart host",
            "Enable Bad Extension",
            "Details of Bad Extension",
            "Disable Bad Extension (it failed)"
        ],
        "{labels:?}"
    );
    // Back (Shift+Tab) to "Details of Bad Extension", and Enter.
    for _ in 0..3 {
        browser.press(SHIFT_TAB).await;
    }
    assert_eq!(
        browser
            .run("return document.activeElement.getAttribute('aria-label');")
            .await,
        json!("Details of Bad Extension")
    );
    browser.press(ENTER).await;
    browser.wait_until(&expanded, json!("true")).await;
    browser.press(ENTER).await;
    browser.wait_until(&expanded, json!("false")).await;

    // Light and dark themes follow the system's preference.
    let background = "return getComputedStyle(document.body).backgroundColor;";
    assert_eq!(browser.run(background).await, json!("rgb(255, 255, 255)"));
    browser.prefer_color_scheme("dark").await;
    assert_eq!(browser.run(background).await, json!("rgb(15, 20, 25)"));
    browser.prefer_color_scheme("light").await;

    // Filtering.
    browser
        .command(
            "POST",
            &format!(
                "/element/{}/value",
                browser
                    .command(
                        "POST",
                        "/element",
                        json!({"using": "css selector", "value": "#filter"})
                    )
                    .await["element-6066-11e4-a52e-4f735466cecf"]
                    .as_str()
                    .unwrap()
            ),
            json!({"text": "bad"}),
        )
        .await;
    browser
        .wait_until(
            "return document.querySelectorAll('li.extension').length;",
            json!(1),
        )
        .await;
    browser
        .run("const f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input')); f.blur(); return null;")
        .await;
    browser
        .wait_until(
            "return document.querySelectorAll('li.extension').length;",
            json!(2),
        )
        .await;

    // The screenshot for docs/manager.md: one enabled extension with its details, one failed with its stack.
    let screenshot = browser.command("GET", "/screenshot", Value::Null).await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(screenshot.as_str().expect("a base64 PNG"))
        .expect("valid base64");
    assert!(png.starts_with(b"\x89PNG"));
    // `EXTHOST_BLESS=1` keeps it as the picture in docs/manager.md (as for the schema), so a test run
    // does not leave the working tree changed.
    if std::env::var_os("EXTHOST_BLESS").is_some() {
        std::fs::write(repository_root().join("docs/manager.png"), &png)
            .expect("write docs/manager.png");
    }

    // Disable from the page: the page shows it, and the editor is told.
    browser
        .click(&format!(
            "li[data-id=\"{GOOD}\"] button[data-action=\"disable\"]"
        ))
        .await;
    browser.wait_until(&state_of(GOOD), json!("disabled")).await;
    host.state_change(GOOD, "disabled").await;
    assert_eq!(host.extension(GOOD).await["state"], "disabled");

    // Error recovery: the failed extension's "disable" works.
    browser
        .click(&format!(
            "li[data-id=\"{BAD}\"] button[data-action=\"recover-disable\"]"
        ))
        .await;
    browser.wait_until(&state_of(BAD), json!("disabled")).await;
    host.state_change(BAD, "disabled").await;

    // A change made by the editor reaches the page live.
    host.call("exthost/enable", json!({"id": GOOD})).await;
    browser.wait_until(&state_of(GOOD), json!("enabled")).await;

    // Install from a package file: the page shows "installing…", then the refusal's reason (a tampered
    // package), and nothing is listed.
    let sources = tempfile::tempdir().unwrap();
    let package = sources.path().join("pkg-1.0.0.xpkg");
    pack_extension(host.home.path(), sources.path(), "1.0.0", &package);
    let bad = sources.path().join("bad.xpkg");
    std::fs::write(&bad, tampered(&std::fs::read(&package).unwrap())).unwrap();
    browser
        .run(
            "const status = document.getElementById('install-status'); window.installTexts = [];
             new MutationObserver(() => window.installTexts.push(status.textContent))
               .observe(status, {childList: true, characterData: true, subtree: true});
             return null;",
        )
        .await;
    browser.choose_file("#install-file", &bad).await;
    browser.click("#install-file-button").await;
    let outcome = "return document.getElementById('install-status').dataset.outcome || null;";
    browser.wait_until(outcome, json!("refused")).await;
    let texts = browser.run("return window.installTexts;").await;
    assert_eq!(texts[0], "Installing bad.xpkg…", "{texts}");
    let refusal = browser
        .run("return document.getElementById('install-status').textContent;")
        .await;
    assert!(
        refusal
            .as_str()
            .unwrap()
            .contains("Not installed: checksum: extension.js"),
        "{refusal}"
    );
    let count = "return document.querySelectorAll('li.extension').length;";
    assert_eq!(browser.run(count).await, json!(2));

    // The good package installs: listed in the page, and the editor is told.
    browser.choose_file("#install-file", &package).await;
    browser.click("#install-file-button").await;
    browser.wait_until(outcome, json!("done")).await;
    host.state_change(PKG, "discovered").await;
    browser
        .wait_until(&state_of(PKG), json!("discovered"))
        .await;
    let source =
        format!("return document.querySelector('li[data-id=\"{PKG}\"] .source').textContent;");
    assert_eq!(browser.run(&source).await, json!("user"));

    // Running, then uninstalled with its button: no hot reload, so it keeps running and the restart
    // banner shows; "Restart now" takes it away.
    let version = host
        .call(
            "workspace/executeCommand",
            json!({"command": "pkg.version", "arguments": []}),
        )
        .await;
    assert_eq!(version, "1.0.0");
    browser.wait_until(&state_of(PKG), json!("enabled")).await;
    let banner = "return document.getElementById('restart-banner').hidden;";
    assert_eq!(browser.run(banner).await, json!(true));
    browser
        .click(&format!(
            "li[data-id=\"{PKG}\"] button[data-action=\"uninstall\"]"
        ))
        .await;
    browser.wait_until(banner, json!(false)).await;
    let text = browser
        .run("return document.getElementById('restart-banner-text').textContent;")
        .await;
    assert!(text.as_str().unwrap().contains(PKG), "{text}");
    assert_eq!(host.extension(PKG).await["restartRequired"], true);
    browser.click("#restart-now").await;
    browser.wait_until(banner, json!(true)).await;
    browser
        .wait_until(
            &format!("return document.querySelector('li[data-id=\"{PKG}\"]') === null;"),
            json!(true),
        )
        .await;

    // Error recovery for what the user installed: a failed one offers "Disable" and "Uninstall"; the
    // latter removes it, and the editor is told.
    let broken = write_extension(
        sources.path(),
        "broken",
        &json!({"id": BROKEN, "name": "Broken Package", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:broken.run"],
                "contributes": {"commands": [{"command": "broken.run", "title": "Run"}]}}),
        &[(
            "extension.js",
            "exports.activate = () => { throw new Error('the broken package cannot start'); };\n",
        )],
    );
    let broken_package = sources.path().join("broken.xpkg");
    pack_folder(host.home.path(), &broken, &broken_package);
    browser.choose_file("#install-file", &broken_package).await;
    browser.click("#install-file-button").await;
    browser
        .wait_until(&state_of(BROKEN), json!("discovered"))
        .await;
    let failed = host
        .request(
            "workspace/executeCommand",
            json!({"command": "broken.run", "arguments": []}),
        )
        .await;
    assert!(
        matches!(failed.payload, exthost_protocol::ResponsePayload::Error(_)),
        "{failed:?}"
    );
    browser.wait_until(&state_of(BROKEN), json!("failed")).await;
    let recovery = browser
        .run(&format!(
            "return [...document.querySelectorAll('li[data-id=\"{BROKEN}\"] .error button')].map(b => b.textContent);"
        ))
        .await;
    assert_eq!(
        recovery,
        json!(["Disable this extension", "Uninstall this extension"])
    );
    browser
        .click(&format!(
            "li[data-id=\"{BROKEN}\"] button[data-action=\"recover-uninstall\"]"
        ))
        .await;
    browser
        .wait_until(
            &format!("return document.querySelector('li[data-id=\"{BROKEN}\"]') === null;"),
            json!(true),
        )
        .await;
    host.state_change(BROKEN, "unloaded").await;
    assert_eq!(browser.run(banner).await, json!(true));

    browser.close().await;
    assert_eq!(host.shutdown().await, 0);
}
