//! The JavaScript engines and permissions: VS Code extensions in Deno (Node's built-in modules, full
//! `Intl`), `exthost.json`'s `engine`, the `jsEngine` setting, QuickJS's light Node built-ins, Deno's
//! limits enforced by the host, and permissions denied with an error naming them while other extensions
//! keep answering. The Deno tests need a `deno` (`EXTHOST_DENO`; `.ci/run` installs it).

use std::path::{Path, PathBuf};

use exthost_e2e::{Host, HostOptions, external_program, write_extension};
use exthost_protocol::ResponsePayload;
use serde_json::{Value, json};

/// The pinned Deno the tests are written against (`.ci/run` installs the same).
const DENO_INSTALL: &str = "npm install @deno/linux-x64-glibc@2.9.6";

pub(crate) fn deno() -> Option<PathBuf> {
    external_program("deno", Some("EXTHOST_DENO"), DENO_INSTALL)
}

/// A VS Code extension (a `package.json`, publisher `test`) whose `extension.js` is `source`.
fn vscode_extension(parent: &Path, name: &str, commands: &[&str], source: &str) -> PathBuf {
    let root = parent.join(name);
    std::fs::create_dir_all(&root).unwrap();
    let manifest = json!({
        "name": name, "publisher": "test", "version": "1.0.0", "main": "./extension.js",
        "engines": {"vscode": "^1.80.0"},
        "activationEvents": commands.iter().map(|c| format!("onCommand:{c}")).collect::<Vec<_>>(),
        "contributes": {"commands": commands.iter().map(|c| json!({"command": c, "title": c})).collect::<Vec<_>>()},
    });
    std::fs::write(
        root.join("package.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    std::fs::write(root.join("extension.js"), source).unwrap();
    root
}

/// An `extension.js` registering `command` with `body` as the handler's body (may `await`).
fn command_source(command: &str, body: &str) -> String {
    format!(
        "const vscode = require('vscode');\nexports.activate = (context) => {{\n  context.subscriptions.push(vscode.commands.registerCommand('{command}', async (...args) => {{ {body} }}));\n}};\n"
    )
}

/// An `exthost.json` extension in `engine` with one command.
fn exthost_extension(
    parent: &Path,
    id: &str,
    engine: Option<&str>,
    command: &str,
    body: &str,
    extra: Value,
) -> PathBuf {
    let mut manifest = json!({
        "id": id, "name": id, "version": "1.0.0", "main": "extension.js",
        "activationEvents": [format!("onCommand:{command}")],
    });
    if let Some(engine) = engine {
        manifest["engine"] = json!(engine);
    }
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            manifest[key] = value;
        }
    }
    let folder = id.rsplit('.').next().unwrap();
    write_extension(
        parent,
        folder,
        &manifest,
        &[("extension.js", &command_source(command, body))],
    )
}

fn spawn(dirs: &[&Path], deno: Option<&Path>) -> Host {
    let env: Vec<(&str, &Path)> = deno
        .map(|deno| ("EXTHOST_DENO", deno))
        .into_iter()
        .collect();
    Host::spawn_with_env(HostOptions::with_dirs(dirs), &env)
}

async fn run(host: &mut Host, command: &str, arguments: Value) -> Result<Value, String> {
    match host
        .request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": arguments}),
        )
        .await
        .payload
    {
        ResponsePayload::Result(value) => Ok(value),
        ResponsePayload::Error(error) => Err(error.message),
    }
}

/// A QuickJS extension that answers `ok.ping` with `pong`: the one that keeps working.
fn bystander(parent: &Path) {
    exthost_extension(
        parent,
        "test.bystander",
        Some("quickjs"),
        "ok.ping",
        "return 'pong';",
        json!({}),
    );
}

async fn ping(host: &mut Host) {
    assert_eq!(run(host, "ok.ping", json!([])).await, Ok(json!("pong")));
}

#[tokio::test]
async fn a_vscode_extension_runs_in_deno_with_node_modules_intl_and_its_own_files() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = vscode_extension(
        dir.path(),
        "nodey",
        &["nodey.facts"],
        &command_source(
            "nodey.facts",
            "const fs = require('fs');\n\
             const path = require('path');\n\
             const os = require('os');\n\
             const util = require('util');\n\
             const own = fs.readFileSync(path.join(__dirname, 'data.txt'), 'utf8');\n\
             const viaPromises = await require('fs/promises').readFile(path.join(__dirname, 'data.txt'), 'utf8');\n\
             const collator = new Intl.Collator('en', { sensitivity: 'base' });\n\
             const words = Array.from(new Intl.Segmenter('en', { granularity: 'word' }).segment('Hello, big world'))\n\
               .filter((segment) => segment.isWordLike).map((segment) => segment.segment);\n\
             return { own, same: own === viaPromises, eol: os.EOL, decoded: new util.TextDecoder().decode(new Uint8Array([104, 105])),\n\
               baseEqual: collator.compare('resume', 'Résumé'), sorted: ['b', 'a', 'C'].sort(collator.compare), words,\n\
               formatted: util.format('%s=%d', 'x', 42), extensionPath: vscode.extensions.getExtension('test.nodey').extensionPath,\n\
               version: vscode.version };",
        ),
    );
    std::fs::write(root.join("data.txt"), "own data\n").unwrap();
    bystander(dir.path());
    let mut host = spawn(&[dir.path()], Some(&deno));
    host.initialize(json!({})).await;
    assert_eq!(host.extension("test.nodey").await["engine"], "deno");
    assert_eq!(host.extension("test.bystander").await["engine"], "quickjs");
    let facts = run(&mut host, "nodey.facts", json!([])).await.unwrap();
    assert_eq!(
        facts,
        json!({"own": "own data\n", "same": true, "eol": "\n", "decoded": "hi", "baseEqual": 0,
               "sorted": ["a", "b", "C"], "words": ["Hello", "big", "world"], "formatted": "x=42",
               "extensionPath": root.canonicalize().unwrap().display().to_string(),
               "version": exthost::config::VSCODE_API_VERSION})
    );
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn processes_and_sockets_need_a_grant_in_deno_and_a_denial_names_it() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Synchronously and asynchronously, as extensions do both.
    let spawn_body = "const { execFile, execFileSync } = require('child_process');\n\
                      const direct = execFileSync('echo', ['spawned']).toString().trim();\n\
                      const later = await new Promise((resolve, reject) => execFile('echo', ['later'], (error, out) => error ? reject(error) : resolve(out.trim())));\n\
                      return direct + ' ' + later;";
    exthost_extension(
        dir.path(),
        "test.denied",
        Some("deno"),
        "denied.spawn",
        spawn_body,
        json!({}),
    );
    exthost_extension(
        dir.path(),
        "test.declared",
        Some("deno"),
        "declared.spawn",
        spawn_body,
        json!({"permissions": {"process": ["echo"]}}),
    );
    exthost_extension(
        dir.path(),
        "test.granted",
        Some("deno"),
        "granted.spawn",
        spawn_body,
        json!({}),
    );
    exthost_extension(
        dir.path(),
        "test.denied-later",
        Some("deno"),
        "later.spawn",
        "const { execFile } = require('child_process');\n\
         return await new Promise((resolve, reject) => execFile('echo', ['later'], (error, out) => error ? reject(error) : resolve(out.trim())));",
        json!({}),
    );
    exthost_extension(
        dir.path(),
        "test.socket",
        Some("deno"),
        "socket.open",
        "const net = require('net');\n\
         return await new Promise((resolve) => {\n\
           try {\n\
             const socket = net.connect(9, '127.0.0.1', () => resolve('connected'));\n\
             socket.on('error', (error) => resolve(String(error.message)));\n\
           } catch (error) { resolve(String(error.message)); }\n\
         });",
        json!({}),
    );
    bystander(dir.path());
    let mut host = spawn(&[dir.path()], Some(&deno));
    // The user's grant: the setting `permissions.<id>` in the user settings file.
    std::fs::write(
        host.home.path().join("settings.json"),
        serde_json::to_vec(&json!({"permissions.test.granted.process": ["echo"]})).unwrap(),
    )
    .unwrap();
    host.initialize(json!({})).await;

    let denied = run(&mut host, "denied.spawn", json!([])).await.unwrap_err();
    assert!(
        denied.starts_with("NoPermissions: test.denied may not run processes"),
        "{denied}"
    );
    assert!(denied.contains("\"echo\""), "{denied}");
    assert!(
        denied.contains("permissions.test.denied.process"),
        "{denied}"
    );
    // A denial is an error in one call, not a crash: the extension keeps running.
    assert_eq!(host.extension("test.denied").await["state"], "enabled");
    ping(&mut host).await;
    let later = run(&mut host, "later.spawn", json!([])).await.unwrap_err();
    assert!(
        later.starts_with("NoPermissions: test.denied-later may not run processes"),
        "{later}"
    );
    assert!(
        later.contains("permissions.test.denied-later.process"),
        "{later}"
    );

    assert_eq!(
        run(&mut host, "declared.spawn", json!([])).await,
        Ok(json!("spawned later"))
    );
    assert_eq!(
        run(&mut host, "granted.spawn", json!([])).await,
        Ok(json!("spawned later"))
    );

    let socket = run(&mut host, "socket.open", json!([])).await.unwrap();
    let socket = socket.as_str().unwrap();
    assert!(socket.contains("net access"), "{socket}");
    assert!(socket.contains("127.0.0.1:9"), "{socket}");
    ping(&mut host).await;
    assert!(
        host.log().contains("permission denied"),
        "the denial is logged"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn a_deno_extension_past_its_deadline_or_whose_process_dies_fails_alone() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    exthost_extension(
        dir.path(),
        "test.spin",
        Some("deno"),
        "spin.run",
        "for (;;) {}",
        json!({"limits": {"callTimeoutMs": 500}}),
    );
    exthost_extension(
        dir.path(),
        "test.quit",
        Some("deno"),
        "quit.run",
        "process.exit(3);",
        json!({}),
    );
    bystander(dir.path());
    let mut host = spawn(&[dir.path()], Some(&deno));
    host.initialize(json!({})).await;

    let started = std::time::Instant::now();
    let spinning = host
        .send_request("workspace/executeCommand", json!({"command": "spin.run"}))
        .await;
    ping(&mut host).await;
    let error = match host.response(&spinning).await.payload {
        ResponsePayload::Error(error) => error.message,
        ResponsePayload::Result(value) => panic!("the loop answered {value}"),
    };
    assert_eq!(
        error,
        "time limit exceeded: command spin.run ran longer than 500 ms"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    host.state_change("test.spin", "failed").await;

    let quit = run(&mut host, "quit.run", json!([])).await.unwrap_err();
    assert_eq!(
        quit,
        "the extension's engine stopped: the Deno process ended (exit status: 3)"
    );
    let failed = host.state_change("test.quit", "failed").await;
    assert_eq!(failed["error"]["message"], quit);
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn without_deno_a_deno_extension_fails_saying_how_to_install_it_and_vscode_ones_use_quickjs()
{
    let dir = tempfile::tempdir().unwrap();
    exthost_extension(
        dir.path(),
        "test.needs-deno",
        Some("deno"),
        "needs.run",
        "return 1;",
        json!({}),
    );
    vscode_extension(
        dir.path(),
        "plain",
        &["plain.run"],
        &command_source("plain.run", "return typeof Deno;"),
    );
    bystander(dir.path());
    let nowhere = dir.path().join("no-deno-here");
    let mut host = spawn(&[dir.path()], Some(&nowhere));
    // `EXTHOST_DENO` names a file that does not exist: the host looks no further (not on the PATH).
    host.initialize(json!({})).await;
    assert_eq!(host.extension("test.plain").await["engine"], "quickjs");
    assert_eq!(
        run(&mut host, "plain.run", json!([])).await,
        Ok(json!("undefined"))
    );
    let error = run(&mut host, "needs.run", json!([])).await.unwrap_err();
    assert!(error.contains("exthost setup deno"), "{error}");
    assert!(error.contains("EXTHOST_DENO"), "{error}");
    let failed = host.state_change("test.needs-deno", "failed").await;
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no `deno` was found")
    );
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn the_js_engine_setting_overrides_the_manifest_and_the_default() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    vscode_extension(
        dir.path(),
        "which",
        &["which.engine"],
        &command_source(
            "which.engine",
            "return typeof Deno === 'object' ? 'deno' : 'quickjs';",
        ),
    );
    exthost_extension(
        dir.path(),
        "test.asks-quickjs",
        Some("quickjs"),
        "asks.engine",
        "return typeof Deno === 'object' ? 'deno' : 'quickjs';",
        json!({}),
    );
    let mut host = spawn(&[dir.path()], Some(&deno));
    host.initialize(json!({"initializationOptions": {"jsEngine": "quickjs"}}))
        .await;
    assert_eq!(host.extension("test.which").await["engine"], "quickjs");
    assert_eq!(
        run(&mut host, "which.engine", json!([])).await,
        Ok(json!("quickjs"))
    );
    assert_eq!(host.shutdown().await, 0);

    let mut host = Host::spawn_with_env(
        HostOptions {
            args: vec![
                "--extensions-dir".into(),
                dir.path().display().to_string(),
                "--js-engine".into(),
                "deno".into(),
            ],
            ..HostOptions::default()
        },
        &[("EXTHOST_DENO", &deno)],
    );
    host.initialize(json!({})).await;
    assert_eq!(host.extension("test.asks-quickjs").await["engine"], "deno");
    assert_eq!(
        run(&mut host, "asks.engine", json!([])).await,
        Ok(json!("deno"))
    );
    assert_eq!(
        run(&mut host, "which.engine", json!([])).await,
        Ok(json!("deno"))
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn quickjs_offers_the_light_node_modules_and_refuses_the_others_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let body = "const os = require('os');\n\
        const util = require('node:util');\n\
        const EventEmitter = require('events');\n\
        const { fileURLToPath, pathToFileURL } = require('url');\n\
        const { StringDecoder } = require('string_decoder');\n\
        const assert = require('assert');\n\
        const querystring = require('querystring');\n\
        const fs = require('fs');\n\
        const path = require('path');\n\
        const emitter = new EventEmitter();\n\
        let heard = [];\n\
        emitter.once('ping', (value) => heard.push(value));\n\
        emitter.emit('ping', 1); emitter.emit('ping', 2);\n\
        const decoder = new StringDecoder('utf8');\n\
        const euro = Buffer.from('€');\n\
        const split = decoder.write(euro.subarray(0, 1)) + decoder.write(euro.subarray(1)) + decoder.end();\n\
        assert.deepStrictEqual({ a: [1] }, { a: [1] });\n\
        let assertion = '';\n\
        try { assert.strictEqual(1, 2); } catch (error) { assertion = error.code; }\n\
        const later = await util.promisify((value, callback) => setTimeout(() => callback(null, value * 2), 1))(21);\n\
        const own = fs.readFileSync(path.join(__dirname, 'data.txt'), 'utf8');\n\
        const viaPromises = await require('fs/promises').readFile(path.join(__dirname, 'data.txt'), 'utf8');\n\
        const listed = fs.readdirSync(__dirname).sort();\n\
        let outside = '';\n\
        try { fs.readFileSync('/etc/hostname', 'utf8'); } catch (error) { outside = error.code + ' ' + error.message; }\n\
        let escaped = '';\n\
        try { fs.readFileSync(path.join(__dirname, 'up', '..', '..', 'secret.txt')); } catch (error) { escaped = error.code; }\n\
        let spawn = '';\n\
        try { require('child_process'); } catch (error) { spawn = error.message; }\n\
        return { eol: os.EOL, platform: process.platform, decoded: new util.TextDecoder().decode(new Uint8Array([0xe2, 0x82, 0xac])),\n\
          formatted: util.format('%s has %d items', 'list', 3), heard, file: fileURLToPath('file:///tmp/a%20b'),\n\
          url: pathToFileURL('/tmp/a b').href, split, base64: Buffer.from('hi').toString('base64'), assertion,\n\
          query: querystring.parse('a=1&b=x%20y'), later, own, same: own === viaPromises, listed,\n\
          secretHidden: process.env.EXTHOST_TEST_SECRET === undefined, hasPath: typeof process.env.PATH === 'string',\n\
          cwdIsString: typeof process.cwd() === 'string', versions: typeof process.versions.node, outside, escaped, spawn,\n\
          ticked: await new Promise((resolve) => process.nextTick(resolve, 'ticked')) };";
    let root = exthost_extension(
        dir.path(),
        "test.light",
        Some("quickjs"),
        "light.facts",
        body,
        json!({}),
    );
    std::fs::write(root.join("data.txt"), "light data").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "not for extensions").unwrap();
    bystander(dir.path());
    let secret = dir.path().join("secret-value");
    let mut host = Host::spawn_with_env(
        HostOptions::with_dirs(&[dir.path()]),
        &[("EXTHOST_TEST_SECRET", &secret)],
    );
    host.initialize(json!({})).await;
    assert_eq!(host.extension("test.light").await["engine"], "quickjs");
    // Reading outside its folder asks the user (here: Deny, for /etc/hostname and for the path `..`
    // settles to, outside the extension's folder).
    let (facts, questions) =
        run_answering(&mut host, "light.facts", &[Some("Deny"), Some("Deny")]).await;
    let facts = facts.unwrap();
    assert_eq!(
        questions,
        [
            "test.light wants to read /etc/hostname".to_owned(),
            format!(
                "test.light wants to read {}",
                dir.path()
                    .canonicalize()
                    .unwrap()
                    .join("secret.txt")
                    .display()
            )
        ]
    );
    let outside = facts["outside"].as_str().unwrap().to_owned();
    assert!(
        outside.starts_with(
            "EACCES NoPermissions: test.light may not read this path (read access to /etc/hostname)"
        ),
        "{outside}"
    );
    assert!(outside.contains("permissions.test.light.fs"), "{outside}");
    let spawn = facts["spawn"].as_str().unwrap().to_owned();
    assert!(
        spawn.contains("'child_process'") && spawn.contains("needs the Deno engine"),
        "{spawn}"
    );
    let mut facts = facts;
    facts["outside"] = json!("checked");
    facts["spawn"] = json!("checked");
    assert_eq!(
        facts,
        json!({"eol": "\n", "platform": "linux", "decoded": "€", "formatted": "list has 3 items", "heard": [1],
               "file": "/tmp/a b", "url": "file:///tmp/a%20b", "split": "€", "base64": "aGk=",
               "assertion": "ERR_ASSERTION", "query": {"a": "1", "b": "x y"}, "later": 42, "own": "light data",
               "same": true, "listed": ["data.txt", "extension.js", "exthost.json"], "secretHidden": true,
               "hasPath": true, "cwdIsString": true, "versions": "string", "outside": "checked",
               "escaped": "EACCES", "spawn": "checked", "ticked": "ticked"})
    );
    ping(&mut host).await;
    assert!(
        host.log().contains("permission denied"),
        "the denial is logged"
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn setup_deno_installs_the_pinned_deno_from_npm_where_the_host_finds_it() {
    let Some(_npm) = external_program("npm", None, "Node 20 ships npm") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(exthost_e2e::binary())
        .args(["setup", "deno"])
        .env("EXTHOST_HOME", home.path())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let installed = home
        .path()
        .join("deno/node_modules/@deno/linux-x64-glibc/deno");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&installed.display().to_string()),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let version = std::process::Command::new(&installed)
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("deno 2.9.6"));

    // No EXTHOST_DENO and no deno on the PATH: the host finds the copy under its home.
    let dir = tempfile::tempdir().unwrap();
    exthost_extension(
        dir.path(),
        "test.found",
        Some("deno"),
        "found.engine",
        "return typeof Deno;",
        json!({}),
    );
    let empty = Path::new("");
    let mut host = Host::spawn_with_env(
        HostOptions::with_dirs(&[dir.path()]),
        &[
            ("EXTHOST_HOME", home.path()),
            ("EXTHOST_DENO", empty),
            ("PATH", Path::new("/usr/bin:/bin")),
        ],
    );
    host.initialize(json!({})).await;
    assert_eq!(
        run(&mut host, "found.engine", json!([])).await,
        Ok(json!("object"))
    );
    assert_eq!(host.shutdown().await, 0);
}

/// Answers the server → client request `id` with `{title}`.
async fn answer(host: &mut Host, id: exthost_protocol::Id, title: &str) {
    host.send(&exthost_protocol::Message::Response(
        exthost_protocol::Response::ok(id, json!({ "title": title })),
    ))
    .await;
}

/// Runs `command` while answering each permission question it puts with the next of `answers` (`None`:
/// leave it unanswered); answers the command's outcome and the questions' messages.
async fn run_answering(
    host: &mut Host,
    command: &str,
    answers: &[Option<&str>],
) -> (Result<Value, String>, Vec<String>) {
    let id = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": []}),
        )
        .await;
    let mut questions = Vec::new();
    for reply in answers {
        let (question, params) = host.server_request("window/showMessageRequest").await;
        questions.push(params["message"].as_str().unwrap_or_default().to_owned());
        assert_eq!(
            params["actions"],
            json!([{"title": "Allow"}, {"title": "Always allow"}, {"title": "Deny"}])
        );
        if let Some(title) = reply {
            answer(host, question, title).await;
        }
    }
    let outcome = match host.response(&id).await.payload {
        ResponsePayload::Result(value) => Ok(value),
        ResponsePayload::Error(error) => Err(error.message),
    };
    (outcome, questions)
}

/// Waits until `file` exists (a grant written by the host).
async fn wait_for_file(file: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !file.is_file() {
        assert!(
            std::time::Instant::now() < deadline,
            "{} is written",
            file.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Runs `command` until it succeeds (the Deno process restarting with a grant), at most 20 s.
async fn run_until_ok(host: &mut Host, command: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match run(host, command, json!([])).await {
            Ok(value) => return value,
            Err(error) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{command} never worked: {error}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

#[tokio::test]
async fn a_grant_in_deno_restarts_the_extension_with_it_and_always_allow_is_kept() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spawn_echo = |word: &str| {
        format!(
            "const {{ execFile }} = require('child_process');\n\
             return await new Promise((resolve, reject) => execFile('echo', ['{word}'], (error, out) => error ? reject(error) : resolve(out.trim())));"
        )
    };
    exthost_extension(
        dir.path(),
        "test.asker",
        Some("deno"),
        "asker.spawn",
        &spawn_echo("always"),
        json!({}),
    );
    exthost_extension(
        dir.path(),
        "test.once",
        Some("deno"),
        "once.spawn",
        &spawn_echo("once"),
        json!({}),
    );
    exthost_extension(
        dir.path(),
        "test.refused",
        Some("deno"),
        "refused.spawn",
        &spawn_echo("refused"),
        json!({}),
    );
    bystander(dir.path());
    // One home for this host and the next one.
    let home = tempfile::tempdir().unwrap();
    let start = || {
        Host::spawn_with_env(
            HostOptions::with_dirs(&[dir.path()]),
            &[("EXTHOST_DENO", &deno), ("EXTHOST_HOME", home.path())],
        )
    };
    let mut host = start();
    host.initialize(json!({})).await;

    // "Always allow": the process restarts with `--allow-run=echo`, the next call works, and the grant is
    // kept under $EXTHOST_HOME.
    let denied = run(&mut host, "asker.spawn", json!([])).await.unwrap_err();
    assert!(
        denied.starts_with("NoPermissions: test.asker may not run processes"),
        "{denied}"
    );
    let (id, question) = host.server_request("window/showMessageRequest").await;
    assert_eq!(
        question["message"],
        "test.asker wants to run processes (echo)"
    );
    answer(&mut host, id, "Always allow").await;
    assert_eq!(
        run_until_ok(&mut host, "asker.spawn").await,
        json!("always")
    );
    assert_eq!(host.extension("test.asker").await["state"], "enabled");
    let grants = home.path().join("permissions.json");
    wait_for_file(&grants).await;
    let kept: Value = serde_json::from_slice(&std::fs::read(&grants).unwrap()).unwrap();
    assert_eq!(kept, json!({"test.asker": {"process": ["echo"]}}));
    assert!(
        host.log().contains("Deno restarted with the user's grant"),
        "{}",
        host.log()
    );

    // "Allow": for this run only, and nothing is written.
    run(&mut host, "once.spawn", json!([])).await.unwrap_err();
    let (id, _) = host.server_request("window/showMessageRequest").await;
    answer(&mut host, id, "Allow").await;
    assert_eq!(run_until_ok(&mut host, "once.spawn").await, json!("once"));

    // "Deny": the extension keeps running, each call gets the error naming the permission, and the user
    // is not asked again.
    run(&mut host, "refused.spawn", json!([]))
        .await
        .unwrap_err();
    let (id, _) = host.server_request("window/showMessageRequest").await;
    answer(&mut host, id, "Deny").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let again = run(&mut host, "refused.spawn", json!([]))
        .await
        .unwrap_err();
    assert!(
        again.contains("permissions.test.refused.process"),
        "{again}"
    );
    assert_eq!(host.extension("test.refused").await["state"], "enabled");
    ping(&mut host).await;
    assert!(
        !host.backlog().any(|message| matches!(message,
            exthost_protocol::Message::Request(request) if request.method == "window/showMessageRequest")),
        "a refused grant is not asked again"
    );
    let kept: Value = serde_json::from_slice(&std::fs::read(&grants).unwrap()).unwrap();
    assert_eq!(kept, json!({"test.asker": {"process": ["echo"]}}));
    assert_eq!(host.shutdown().await, 0);

    // The next start: the kept grant applies from the first call, without a question; the one-run grant
    // is gone.
    let mut host = start();
    host.initialize(json!({})).await;
    assert_eq!(
        run(&mut host, "asker.spawn", json!([])).await,
        Ok(json!("always"))
    );
    let denied = run(&mut host, "once.spawn", json!([])).await.unwrap_err();
    assert!(denied.contains("permissions.test.once.process"), "{denied}");
    let (id, _) = host.server_request("window/showMessageRequest").await;
    answer(&mut host, id, "Deny").await;
    assert!(
        !host.backlog().any(|message| matches!(message,
            exthost_protocol::Message::Request(request) if request.method == "window/showMessageRequest")),
        "the kept grant needed no question"
    );
    assert_eq!(host.shutdown().await, 0);
}

/// A VS Code extension whose `activate` runs a process (as a language client starts its server) before
/// registering its command.
fn activating_spawner(parent: &Path, name: &str) {
    vscode_extension(
        parent,
        name,
        &[&format!("{name}.run")],
        &format!(
            "const vscode = require('vscode');\n\
             const {{ execFileSync }} = require('child_process');\n\
             exports.activate = (context) => {{\n\
               const started = execFileSync('echo', ['{name} started']).toString().trim();\n\
               context.subscriptions.push(vscode.commands.registerCommand('{name}.run', () => started));\n\
             }};\n"
        ),
    );
}

#[tokio::test]
async fn a_grant_asked_for_during_activate_in_deno_activates_the_extension_with_it() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    activating_spawner(dir.path(), "granted");
    activating_spawner(dir.path(), "refused");
    activating_spawner(dir.path(), "unanswered");
    bystander(dir.path());
    let home = tempfile::tempdir().unwrap();
    let mut host = Host::spawn_with_env(
        HostOptions::with_dirs(&[dir.path()]),
        &[("EXTHOST_DENO", &deno), ("EXTHOST_HOME", home.path())],
    );
    // The user takes longer to answer than `activate` may run: the wait is not the extension's time.
    let activate_limit = std::time::Duration::from_millis(4000);
    let question_limit = std::time::Duration::from_millis(8000);
    host.initialize(json!({"initializationOptions": {"limits": {
        "activateTimeoutMs": activate_limit.as_millis() as u64,
        "permissionQuestionMs": question_limit.as_millis() as u64,
    }}}))
    .await;

    // "Allow": the activation that was denied is not the answer; the process restarts with the grant,
    // `activate` runs again, and the command that activated the extension works at once.
    let call = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "granted.run", "arguments": []}),
        )
        .await;
    let (question, params) = host.server_request("window/showMessageRequest").await;
    assert_eq!(params["message"], "granted wants to run processes (echo)");
    tokio::time::sleep(activate_limit + std::time::Duration::from_millis(1500)).await;
    answer(&mut host, question, "Allow").await;
    match host.response(&call).await.payload {
        ResponsePayload::Result(value) => assert_eq!(value, json!("granted started")),
        ResponsePayload::Error(error) => panic!("granted.run failed: {}", error.message),
    }
    let granted = host.extension("test.granted").await;
    assert_eq!(granted["state"], "enabled", "{granted:#}");
    assert_eq!(granted["engine"], "deno", "{granted:#}");
    assert_eq!(
        run(&mut host, "granted.run", json!([])).await,
        Ok(json!("granted started"))
    );
    assert!(
        host.log().contains("Deno restarted with the user's grant"),
        "{}",
        host.log()
    );

    // "Deny": the activation's own error is the answer, naming the permission and how to grant it.
    let call = host
        .send_request(
            "workspace/executeCommand",
            json!({"command": "refused.run", "arguments": []}),
        )
        .await;
    let (question, _) = host.server_request("window/showMessageRequest").await;
    answer(&mut host, question, "Deny").await;
    let ResponsePayload::Error(error) = host.response(&call).await.payload else {
        panic!("refused.run worked without the grant");
    };
    assert!(error.message.contains("NoPermissions"), "{}", error.message);
    let refused = host.extension("test.refused").await;
    assert_eq!(refused["state"], "failed", "{refused:#}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("NoPermissions: test.refused may not run processes")
            && message.contains("permissions.test.refused.process"),
        "{refused:#}"
    );

    // No answer within `permissionQuestionMs` (longer than the activate limit and its grace): a refusal,
    // answered with the activation's own error, not with a time limit.
    let asked_at = std::time::Instant::now();
    let (outcome, _) = run_answering(&mut host, "unanswered.run", &[None]).await;
    let error = outcome.unwrap_err();
    assert!(
        error.contains("NoPermissions: test.unanswered may not run processes"),
        "{error}"
    );
    assert!(
        asked_at.elapsed() >= question_limit,
        "{:?}",
        asked_at.elapsed()
    );
    assert_eq!(host.extension("test.unanswered").await["state"], "failed");
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn an_es_module_extension_imports_vscode_in_deno() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    write_extension(
        dir.path(),
        "esm",
        &json!({"id": "test.esm-deno", "name": "esm", "version": "1.0.0", "main": "extension.mjs",
                "engine": "deno", "activationEvents": ["onCommand:esm.run"]}),
        &[(
            "extension.mjs",
            "import vscode from 'vscode';\n\
             import { commands, Position } from 'vscode';\n\
             import * as os from 'node:os';\n\
             export function activate(context) {\n\
               context.subscriptions.push(commands.registerCommand('esm.run', () =>\n\
                 [vscode.commands === commands, new Position(1, 2).character, os.EOL]));\n\
             }\n",
        )],
    );
    let mut host = spawn(&[dir.path()], Some(&deno));
    host.initialize(json!({})).await;
    assert_eq!(
        run(&mut host, "esm.run", json!([])).await,
        Ok(json!([true, 2, "\n"]))
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn quickjs_asks_for_a_path_outside_the_grant_and_applies_the_answer_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let outside_path = outside.path().canonicalize().unwrap();
    std::fs::write(outside_path.join("notes.txt"), "outside notes").unwrap();
    std::fs::write(outside_path.join("secret.txt"), "secret").unwrap();
    let body = format!(
        "const fs = require('fs');\n\
         const path = require('path');\n\
         const attempt = (operation) => {{ try {{ return operation(); }} catch (error) {{ return error.code + ' ' + error.message; }} }};\n\
         const which = args[0];\n\
         if (which === 'read') return attempt(() => fs.readFileSync({notes:?}, 'utf8'));\n\
         if (which === 'link') return attempt(() => fs.readFileSync(path.join(__dirname, 'link', 'secret.txt'), 'utf8'));\n\
         if (which === 'write') {{ return attempt(() => {{ fs.writeFileSync({written:?}, 'written'); return fs.readFileSync({written:?}, 'utf8'); }}); }}\n\
         if (which === 'silent') return attempt(() => fs.readFileSync('/etc/hostname', 'utf8'));\n\
         return attempt(() => fs.readFileSync('/etc/os-release', 'utf8').length > 0);",
        notes = outside_path.join("notes.txt").display().to_string(),
        written = outside_path.join("written.txt").display().to_string(),
    );
    let root = exthost_extension(
        dir.path(),
        "test.fsask",
        Some("quickjs"),
        "fsask.run",
        &body,
        json!({}),
    );
    std::os::unix::fs::symlink(&outside_path, root.join("link")).unwrap();
    bystander(dir.path());
    let mut host = spawn(&[dir.path()], None);
    host.initialize(json!({"initializationOptions": {"limits": {"permissionQuestionMs": 1500, "callTimeoutMs": 1000}}}))
        .await;
    let command = |which: &str| json!({"command": "fsask.run", "arguments": [which]});

    // Allow: the read goes ahead in the same call; the same file is not asked about again.
    let id = host
        .send_request("workspace/executeCommand", command("read"))
        .await;
    let (question, params) = host.server_request("window/showMessageRequest").await;
    assert_eq!(
        params["message"],
        format!(
            "test.fsask wants to read {}",
            outside_path.join("notes.txt").display()
        )
    );
    answer(&mut host, question, "Allow").await;
    assert_eq!(
        host.response(&id).await.payload,
        ResponsePayload::Result(json!("outside notes"))
    );
    assert_eq!(
        run(&mut host, "fsask.run", json!(["read"])).await,
        Ok(json!("outside notes"))
    );

    // A link inside the extension's folder is settled first: the question names its target, and Deny
    // is an EACCES naming the permission.
    let id = host
        .send_request("workspace/executeCommand", command("link"))
        .await;
    let (question, params) = host.server_request("window/showMessageRequest").await;
    assert_eq!(
        params["message"],
        format!(
            "test.fsask wants to read {}",
            outside_path.join("secret.txt").display()
        )
    );
    answer(&mut host, question, "Deny").await;
    let ResponsePayload::Result(Value::String(denied)) = host.response(&id).await.payload else {
        panic!("the command answers")
    };
    assert!(
        denied.starts_with("EACCES NoPermissions: test.fsask may not read this path"),
        "{denied}"
    );
    assert!(denied.contains("permissions.test.fsask.fs"), "{denied}");

    // Always allow a write: it happens, and the grant is kept (write only: exactly what was asked).
    let id = host
        .send_request("workspace/executeCommand", command("write"))
        .await;
    let (question, params) = host.server_request("window/showMessageRequest").await;
    let written = outside_path.join("written.txt");
    assert_eq!(
        params["message"],
        format!("test.fsask wants to write {}", written.display())
    );
    answer(&mut host, question, "Always allow").await;
    // Reading back what it wrote is a second question: a write grant does not give reads.
    let (question, params) = host.server_request("window/showMessageRequest").await;
    assert_eq!(
        params["message"],
        format!("test.fsask wants to read {}", written.display())
    );
    answer(&mut host, question, "Allow").await;
    assert_eq!(
        host.response(&id).await.payload,
        ResponsePayload::Result(json!("written"))
    );
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "written");
    let kept: Value =
        serde_json::from_slice(&std::fs::read(host.home.path().join("permissions.json")).unwrap())
            .unwrap();
    assert_eq!(
        kept,
        json!({"test.fsask": {"fs": {"write": [written.display().to_string()]}}})
    );

    // No answer before `limits.permissionQuestionMs`: Deny, logged, and the call's own limit (1 s here)
    // did not count the wait.
    let started = std::time::Instant::now();
    let id = host
        .send_request("workspace/executeCommand", command("silent"))
        .await;
    let _unanswered = host.server_request("window/showMessageRequest").await;
    let ResponsePayload::Result(Value::String(silent)) = host.response(&id).await.payload else {
        panic!("the command answers")
    };
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500));
    assert!(silent.starts_with("EACCES NoPermissions"), "{silent}");
    assert!(
        host.log()
            .contains("no answer to the permission question before its deadline"),
        "the fallback to Deny is logged"
    );

    // An editor that answers the request with an error (no `window/showMessageRequest`): Deny.
    let id = host
        .send_request("workspace/executeCommand", command("other"))
        .await;
    let (question, _) = host.server_request("window/showMessageRequest").await;
    host.send(&exthost_protocol::Message::Response(
        exthost_protocol::Response::error(
            Some(question),
            exthost_protocol::ResponseError {
                code: -32601,
                message: "method not found".into(),
                data: None,
            },
        ),
    ))
    .await;
    let ResponsePayload::Result(Value::String(other)) = host.response(&id).await.payload else {
        panic!("the command answers")
    };
    assert!(other.starts_with("EACCES NoPermissions"), "{other}");
    assert!(host.log().contains("treated as Deny"));
    assert_eq!(host.extension("test.fsask").await["state"], "enabled");
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn fork_in_deno_gives_the_child_no_more_than_the_parents_grants() {
    let Some(deno) = deno() else { return };
    let deno = deno.canonicalize().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().canonicalize().unwrap().join("secret.txt");
    std::fs::write(&secret, "not for extensions").unwrap();
    let body = format!(
        "const {{ fork }} = require('child_process');\n\
         const path = require('path');\n\
         // Even asking for everything: the child runs with the parent's own flags.\n\
         const child = fork(path.join(__dirname, 'child.js'), [{secret:?}], {{ execArgv: ['run', '-A'] }});\n\
         return await new Promise((resolve) => {{ child.on('message', (message) => {{ resolve(message); child.kill(); }}); }});",
        secret = secret.display().to_string()
    );
    let root = exthost_extension(
        dir.path(),
        "test.forker",
        Some("deno"),
        "forker.run",
        &body,
        json!({"permissions": {"process": [deno.display().to_string()]}}),
    );
    std::fs::write(
        root.join("child.js"),
        "const fs = require('fs');\n\
         const read = (file) => { try { return fs.readFileSync(file, 'utf8'); } catch (error) { return 'denied: ' + error.message; } };\n\
         process.send({ own: read(__dirname + '/exthost.json').length > 0, secret: read(process.argv[2]) });\n",
    )
    .unwrap();
    let mut host = spawn(&[dir.path()], Some(&deno));
    host.initialize(json!({})).await;
    let answer = run(&mut host, "forker.run", json!([])).await.unwrap();
    assert_eq!(answer["own"], true, "{answer}");
    let secret_answer = answer["secret"].as_str().unwrap();
    assert!(
        secret_answer.starts_with("denied: ") && secret_answer.contains("read access"),
        "{answer}"
    );
    assert!(
        host.log().contains("execArgv"),
        "the ignored execArgv is logged"
    );
    assert_eq!(host.shutdown().await, 0);
}

/// Overwrites of builtins a Deno extension may make at load time, before its session starts, each aimed
/// at the folder list that once bounded `workspace.fs` (sent from the extension's own process).
const DENO_OVERWRITES: &[(&str, &str)] = &[
    (
        "map",
        "const map = Array.prototype.map;\n\
         Array.prototype.map = function (...args) {\n\
           const mapped = map.apply(this, args);\n\
           return mapped.length && mapped.every((item) => typeof item === 'string' && item.startsWith('/')) ? ['/'] : mapped;\n\
         };\n",
    ),
    (
        "filter",
        "const filter = Array.prototype.filter;\n\
         Array.prototype.filter = function (...args) {\n\
           const kept = filter.apply(this, args);\n\
           const folders = this.length && this[0] && typeof this[0].uri === 'object';\n\
           return folders ? [{ uri: { scheme: 'file', fsPath: '/' }, name: 'root', index: 0 }] : kept;\n\
         };\n",
    ),
    (
        "stringify",
        "const stringify = JSON.stringify;\n\
         JSON.stringify = function (value, ...rest) {\n\
           if (value && value.type === 'callSync' && value.kind === 'fs.setRoots') value = { ...value, payload: { paths: ['/'] } };\n\
           return stringify.call(JSON, value, ...rest);\n\
         };\n",
    ),
];

#[tokio::test]
async fn overwritten_builtins_do_not_widen_the_workspace_read_boundary_in_deno() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    let base = tempfile::tempdir().unwrap();
    let base_path = base.path().canonicalize().unwrap();
    let workspace = base_path.join("ws");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::write(workspace.join("inside.txt"), "inside").unwrap();
    let beside = base_path.join("beside.txt");
    std::fs::write(&beside, "beside").unwrap();
    for (name, overwrite) in DENO_OVERWRITES {
        let source = format!(
            "{overwrite}\
             const vscode = require('vscode');\n\
             const read = (path) => vscode.workspace.fs.readFile(vscode.Uri.file(path))\n\
               .then((bytes) => 'read ' + bytes.length + ' bytes', (error) => error.code || error.message);\n\
             exports.activate = (context) => {{\n\
               context.subscriptions.push(vscode.commands.registerCommand('{name}.read', async () => ({{\n\
                 folders: (vscode.workspace.workspaceFolders || []).length,\n\
                 inside: await read({inside:?}), beside: await read({beside:?}),\n\
                 system: await read('/etc/hostname'), root: await read('/'),\n\
               }})));\n\
             }};\n",
            inside = workspace.join("inside.txt").display().to_string(),
            beside = beside.display().to_string(),
        );
        write_extension(
            dir.path(),
            name,
            &json!({"id": format!("test.{name}"), "name": name, "version": "1.0.0", "main": "extension.js",
                    "engine": "deno", "activationEvents": [format!("onCommand:{name}.read")]}),
            &[("extension.js", &source)],
        );
    }
    let mut host = spawn(&[dir.path()], Some(&deno));
    let root = format!("file://{}", workspace.display());
    host.initialize(json!({"workspaceFolders": [{"uri": root, "name": "ws"}]}))
        .await;
    let mut widened = Vec::new();
    for (name, _) in DENO_OVERWRITES {
        let answers = run(&mut host, &format!("{name}.read"), json!([])).await;
        let expected = json!({"folders": 1, "inside": "read 6 bytes", "beside": "NoPermissions",
                              "system": "NoPermissions", "root": "NoPermissions"});
        if answers != Ok(expected) {
            widened.push(format!("after overwriting {name}: {answers:?}"));
        }
    }
    assert!(widened.is_empty(), "{widened:#?}");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn overwritten_builtins_do_not_change_what_the_host_receives_from_deno() {
    let Some(deno) = deno() else { return };
    let dir = tempfile::tempdir().unwrap();
    let overwrites = "Promise.prototype.then = function () { return this; };\n\
        Object.keys = () => [];\n\
        JSON.stringify = () => '\"forged\"';\n\
        JSON.parse = () => 'forged';\n\
        Array.prototype.map = () => ['forged'];\n\
        Array.isArray = () => false;\n\
        Math.max = () => Infinity;\n\
        Reflect.apply = () => 'forged';\n\
        Map.prototype.get = () => undefined;\n";
    let source = format!(
        "const vscode = require('vscode');\n\
         exports.activate = (context) => {{\n\
           context.subscriptions.push(vscode.commands.registerCommand('forge.answer', (first, second) =>\n\
             ({{ first, second, list: [1, [2, 'three']] }})));\n\
           context.subscriptions.push(vscode.commands.registerCommand('forge.overwrite', () => {{\n{overwrites}  return 'overwritten'; }}));\n\
         }};\n"
    );
    write_extension(
        dir.path(),
        "forge",
        &json!({"id": "test.forge", "name": "forge", "version": "1.0.0", "main": "extension.js",
                "engine": "deno", "activationEvents": ["onCommand:forge.overwrite"]}),
        &[("extension.js", &source)],
    );
    bystander(dir.path());
    let mut host = spawn(&[dir.path()], Some(&deno));
    host.initialize(json!({})).await;
    assert_eq!(
        run(&mut host, "forge.overwrite", json!([])).await,
        Ok(json!("overwritten"))
    );
    assert_eq!(
        run(&mut host, "forge.answer", json!(["a", {"b": [2]}])).await,
        Ok(json!({"first": "a", "second": {"b": [2]}, "list": [1, [2, "three"]]}))
    );
    ping(&mut host).await;
    assert_eq!(host.shutdown().await, 0);
}
