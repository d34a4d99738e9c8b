//! `cargo bench -p exthost --bench suite`: exthost side by side with a Node peer (`benches/node-peer`, an
//! extension host on `vscode-jsonrpc` loading the same generated extensions in one Node process), driven by
//! one client over the same pipes in one run; prints one table: each figure's median and spread over the
//! rounds, the ratio, issue 15's target and whether it was met.
//! `-- --quick` runs a short version (seconds), as `.ci/run` does; `-- --no-peer` measures exthost alone;
//! `-- --only roundtrip,hover` runs some groups of figures (`-- --help` lists them); `-- --rounds N`.
//! Per-process figures sum the host's whole process tree (`suite/process_tree.rs`); the log-flood figures
//! are in `suite/flood.rs`; the table in `suite/table.rs`.
//! Method and latest figures: docs/performance.md.
#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

#[path = "suite/flood.rs"]
mod flood;
#[path = "suite/process_tree.rs"]
mod process_tree;
#[path = "suite/table.rs"]
mod table;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use exthost_protocol::FrameReader;
use serde_json::{Value, json};
use table::{Figures, Target};

/// Which host a client drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exthost,
    Node,
    /// `cat`: the client's own floor (it echoes each request back).
    Cat,
}

/// One host process and a synchronous client on its pipes.
struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: FrameReader<ChildStdout>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notes: Vec<Value>,
    _home: tempfile::TempDir,
}

impl Client {
    fn spawn(kind: Kind, extensions: &Path, pinned: bool) -> Self {
        let home = tempfile::tempdir().expect("temp folder");
        let mut command = if pinned {
            let mut command = Command::new("taskset");
            command.args(["-c", "0"]);
            command
        } else {
            Command::new(program(kind))
        };
        if pinned {
            command.arg(program(kind));
        }
        match kind {
            Kind::Exthost => {
                command
                    .args(["serve", "--extensions-dir"])
                    .arg(extensions)
                    .env(exthost::config::HOME_ENV, home.path())
                    .env(exthost::config::BUILTIN_ENV, "")
                    .env("EXTHOST_LOG", "warn");
            }
            Kind::Node => {
                command
                    .arg(peer_script())
                    .arg("--extensions-dir")
                    .arg(extensions);
            }
            Kind::Cat => {}
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("start {kind:?}: {error}"));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = FrameReader::new(child.stdout.take().expect("piped stdout"));
        Self {
            child,
            stdin,
            stdout,
            next_id: 1,
            notes: Vec::new(),
            _home: home,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn write(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn read(&mut self) -> Value {
        serde_json::from_slice(&self.read_body()).expect("JSON")
    }

    /// The next message, or `None` once the host has closed its output (or was killed by the valve).
    fn try_read(&mut self) -> Option<Value> {
        let body = self.stdout.read_frame().ok()??;
        Some(serde_json::from_slice(&body).expect("JSON"))
    }

    /// One frame's body from the host, unparsed (the protocol crate's codec does the framing).
    fn read_body(&mut self) -> bytes::Bytes {
        self.stdout
            .read_frame()
            .expect("a frame from the host")
            .expect("the host closed its output")
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Reads until the response with `id`; answers it (a `cat` echoes the request, which counts).
    fn response(&mut self, id: i64) -> Value {
        loop {
            let message = self.read();
            if message["id"] == id {
                if message.get("method").is_some() && message.get("params").is_none() {
                    continue;
                }
                return message;
            }
            if message.get("method").is_some() {
                self.notes.push(message);
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let response = self.response(id);
        assert!(
            response.get("error").is_none() || response.get("method").is_some(),
            "{method} failed: {response}"
        );
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.write(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// How many distinct extensions have reported `enabled` (a worker that restarts reports them again).
    fn enabled(&self) -> usize {
        self.notes
            .iter()
            .filter(|note| {
                note["method"] == "exthost/extensionStateChanged"
                    && note["params"]["state"] == "enabled"
            })
            .filter_map(|note| note["params"]["id"].as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Reads until `count` extensions have reported `enabled`.
    fn wait_enabled(&mut self, count: usize) {
        if let Err(problem) = self.try_wait_enabled(count) {
            panic!(
                "{problem} with {} of {count} extensions enabled",
                self.enabled()
            );
        }
    }

    /// Reads until `count` extensions have reported `enabled`; fails if the host went away first, or
    /// restarted on its own (its worker crashed or was killed as unresponsive: the figure would be wrong).
    fn try_wait_enabled(&mut self, count: usize) -> Result<(), String> {
        let mut enabled = BTreeSet::new();
        for note in &self.notes {
            Self::check_note(note, &mut enabled)?;
        }
        while enabled.len() < count {
            let Some(message) = self.try_read() else {
                return Err(String::from("the host closed its output"));
            };
            if message.get("method").is_some() {
                let checked = Self::check_note(&message, &mut enabled);
                self.notes.push(message);
                checked?;
            }
        }
        Ok(())
    }

    /// Adds an `enabled` extension's id to `enabled`; an `exthost/hostRestarted` the client did not ask
    /// for is an error.
    fn check_note(note: &Value, enabled: &mut BTreeSet<String>) -> Result<(), String> {
        let params = &note["params"];
        if note["method"] == "exthost/extensionStateChanged"
            && params["state"] == "enabled"
            && let Some(id) = params["id"].as_str()
        {
            enabled.insert(id.to_owned());
        }
        if note["method"] == "exthost/hostRestarted" && params["reason"] != "requested" {
            return Err(format!(
                "the host restarted by itself ({}: {})",
                params["reason"].as_str().unwrap_or("?"),
                params["detail"].as_str().unwrap_or("")
            ));
        }
        Ok(())
    }

    /// The extensions reported `failed` so far: `id: error` of each report.
    fn failed(&self) -> Vec<String> {
        self.notes
            .iter()
            .filter(|note| {
                note["method"] == "exthost/extensionStateChanged"
                    && note["params"]["state"] == "failed"
            })
            .map(|note| {
                let params = &note["params"];
                format!(
                    "{}: {}",
                    params["id"].as_str().unwrap_or("?"),
                    params["error"]["message"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    fn initialize(&mut self) {
        self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
    }

    /// Kills the host's whole process tree (a worker must not outlive its supervisor into the next
    /// figure) and reaps the process it spawned.
    fn stop(mut self) {
        process_tree::kill(self.pid());
        drop(self.child.wait());
    }
}

fn program(kind: Kind) -> PathBuf {
    match kind {
        Kind::Exthost => PathBuf::from(env!("CARGO_BIN_EXE_exthost")),
        Kind::Node => PathBuf::from("node"),
        Kind::Cat => PathBuf::from("cat"),
    }
}

fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/node-peer/peer.js")
}

/// Writes `count` extensions under `folder` activating on `events`, with `code` (`{index}` replaced).
fn write_extensions(folder: &Path, count: usize, events: &Value, code: &str) {
    for index in 0..count {
        let root = folder.join(format!("ext{index}"));
        std::fs::create_dir_all(&root).expect("create extension folder");
        let manifest = json!({"id": format!("bench.ext{index}"), "name": format!("ext{index}"),
                              "version": "1.0.0", "main": "extension.js", "activationEvents": events});
        std::fs::write(root.join("exthost.json"), manifest.to_string()).expect("write manifest");
        std::fs::write(
            root.join("extension.js"),
            code.replace("{index}", &index.to_string()),
        )
        .expect("write code");
    }
}

const ECHO: &str = "const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('bench{index}.echo', (x) => x)); };\n";

const HOVER: &str = "const vscode = require('vscode');\nlet changes = 0;\nexports.activate = (c) => {\n  c.subscriptions.push(vscode.workspace.onDidChangeTextDocument(() => { changes++; }));\n  c.subscriptions.push(vscode.languages.registerHoverProvider('plaintext', { provideHover(document, position) { return new vscode.Hover('{index}: ' + document.lineAt(position.line).text + ' ' + changes); } }));\n};\n";

/// A hover provider that does not listen to document changes (most extensions): it reads the document
/// when asked.
const QUIET_HOVER: &str = "const vscode = require('vscode');\nexports.activate = (c) => {\n  c.subscriptions.push(vscode.languages.registerHoverProvider('plaintext', { provideHover(document, position) { return new vscode.Hover('{index}: ' + document.lineAt(position.line).text); } }));\n};\n";

fn percentile(samples: &mut [f64], fraction: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() as f64 - 1.0) * fraction).round() as usize]
}

/// The CPUs this process may run on when it starts (restored after a pinned measurement).
static ORIGINAL_AFFINITY: std::sync::OnceLock<libc::cpu_set_t> = std::sync::OnceLock::new();

/// Pins this process (the client) to CPU 0, or back to the CPUs it started with.
fn pin_self(pinned: bool) {
    // SAFETY: a zeroed cpu_set_t is valid; CPU_SET, sched_getaffinity and sched_setaffinity only read
    // and write that set.
    unsafe {
        let original = *ORIGINAL_AFFINITY.get_or_init(|| {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
            set
        });
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if pinned {
            libc::CPU_SET(0, &mut set);
        } else {
            set = original;
        }
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn host_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Exthost => "exthost",
        Kind::Node => "node",
        Kind::Cat => "cat",
    }
}

/// A count as the table writes it: `1,000`.
fn count_text(count: usize) -> String {
    if count >= 1_000 {
        format!("{},{:03}", count / 1_000, count % 1_000)
    } else {
        count.to_string()
    }
}

/// Prints a note when a measurement saw threads or processes of the host end: what they did after the
/// first sample is missing from its figure.
fn note_ended(kind: Kind, figure: &str, ended: usize) {
    if ended > 0 {
        println!(
            "({}: {ended} thread(s) or process(es) ended during \"{figure}\"; what they did is not counted)",
            host_name(kind)
        );
    }
}

/// Milliseconds from spawn to `initialize` answered; the tree's resident KiB once idle.
fn cold_start(kind: Kind, dir: &Path) -> (f64, u64) {
    let started = Instant::now();
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    client.notify("initialized", json!({}));
    // The idle process's memory, for the per-extension figure.
    std::thread::sleep(Duration::from_millis(200));
    let resident = process_tree::resident_kib(client.pid());
    client.stop();
    (elapsed, resident)
}

/// What `calls` sequential commands measured.
struct RoundTrips {
    median_us: f64,
    p99_us: f64,
    switches_per_call: f64,
}

/// Round trips of `calls` sequential commands, after `calls / 10` to warm up.
fn round_trips(kind: Kind, dir: &Path, calls: usize, pinned: bool) -> RoundTrips {
    pin_self(pinned);
    let mut client = Client::spawn(kind, dir, pinned);
    if kind != Kind::Cat {
        client.initialize();
        client.notify("initialized", json!({}));
        client.wait_enabled(1);
    }
    let params = json!({"command": "bench0.echo", "arguments": [1]});
    for _ in 0..calls / 10 {
        client.request("workspace/executeCommand", params.clone());
    }
    let before = process_tree::counters(client.pid());
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        client.request("workspace/executeCommand", params.clone());
        samples.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let spent = before.until(&process_tree::counters(client.pid()));
    note_ended(kind, "round trips", spent.ended);
    client.stop();
    pin_self(false);
    RoundTrips {
        median_us: percentile(&mut samples, 0.5),
        p99_us: percentile(&mut samples, 0.99),
        switches_per_call: spent.switches as f64 / calls as f64,
    }
}

/// Commands per second with 64 in flight (a new request as each answer arrives).
fn throughput(kind: Kind, dir: &Path, calls: usize) -> f64 {
    let mut client = Client::spawn(kind, dir, false);
    if kind != Kind::Cat {
        client.initialize();
        client.notify("initialized", json!({}));
        client.wait_enabled(1);
    }
    let params = json!({"command": "bench0.echo", "arguments": [1]});
    let started = Instant::now();
    let mut sent = 0;
    let mut answered = 0;
    while sent < 64.min(calls) {
        client.send_request("workspace/executeCommand", params.clone());
        sent += 1;
    }
    while answered < calls {
        let message = client.read();
        // `cat` echoes the requests: they count as its answers.
        let answer =
            message.get("id").is_some() && (kind == Kind::Cat || message.get("method").is_none());
        if answer {
            answered += 1;
            if sent < calls {
                client.send_request("workspace/executeCommand", params.clone());
                sent += 1;
            }
        }
    }
    let rate = calls as f64 / started.elapsed().as_secs_f64();
    client.stop();
    rate
}

/// What `count` extensions on `*` measured: ms from `initialized` until the last is enabled, the tree's
/// resident KiB 300 ms later; `None` if the safety valve stopped the host first.
fn star_activation(kind: Kind, dir: &Path, count: usize) -> Option<(f64, u64)> {
    let mut client = Client::spawn(kind, dir, false);
    let valve = process_tree::Valve::watch(client.pid(), STAR_DEADLINE);
    client.initialize();
    let started = Instant::now();
    client.notify("initialized", json!({}));
    let all = client.try_wait_enabled(count);
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    std::thread::sleep(Duration::from_millis(300));
    let resident = process_tree::resident_kib(client.pid());
    let tripped = valve.tripped();
    drop(valve);
    let enabled = client.enabled();
    client.stop();
    let problem = match (tripped, all) {
        (Some(why), _) => why,
        (None, Err(problem)) => problem,
        (None, Ok(())) => return Some((elapsed, resident)),
    };
    println!(
        "({}: {count} extensions on *: stopped with {enabled} enabled after {:.1} s: {problem}; this \
         round's figure is left out)",
        host_name(kind),
        elapsed / 1e3
    );
    None
}

/// How long an activation figure may take before the suite stops the host (the run's budget is 5 minutes;
/// 1,000 extensions take ~15 s on this VM when it is loaded).
const STAR_DEADLINE: Duration = Duration::from_secs(30);

/// Milliseconds of each of `restarts` `exthost/restartHost` with `count` enabled (exthost answers once all
/// are enabled again).
fn restart(kind: Kind, dir: &Path, count: usize, restarts: usize) -> Vec<f64> {
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    client.notify("initialized", json!({}));
    client.wait_enabled(count);
    let mut samples = Vec::new();
    for _ in 0..restarts {
        let started = Instant::now();
        client.request("exthost/restartHost", json!({}));
        samples.push(started.elapsed().as_secs_f64() * 1e3);
    }
    client.stop();
    samples
}

fn document(lines: usize) -> String {
    (0..lines)
        .map(|line| format!("line {line} of the benchmark's document\n"))
        .collect()
}

fn hover(client: &mut Client, uri: &str, line: usize) -> Value {
    client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 1}}),
    )
}

/// The providers behind the hover extensions (`HOVER`), one per extension.
const PROVIDERS: usize = 10;

/// The pause before each change typed one at a time (a fast typist's keystrokes are ~100 ms apart).
const PACED_CHANGE_GAP: Duration = Duration::from_millis(10);

/// What the hover and didChange figures measured.
#[derive(Default)]
struct Typing {
    /// Median and p99 of the hovers, ms.
    hover: Option<(f64, f64)>,
    /// Per document size: host CPU per one-character change (ms), and how many extensions failed or did
    /// not answer the hover after the changes with the changed line.
    changes: Vec<(usize, f64, usize)>,
    /// Host CPU per one-character change typed one at a time (`PACED_CHANGE_GAP` apart) at 10,000 lines,
    /// ms, and whether every provider's hover afterwards showed them.
    paced: Option<(f64, bool)>,
    /// The failures reported from the first document's opening on (`id: error`).
    failures: Vec<String>,
}

/// With the 10 hover extensions (their providers count change events): hovers on 10,000 lines (with
/// `hover`), then, for each size of `sizes.documents` (with `change`), one-character changes in the middle
/// line, the host's CPU over them, and a hover that must show every change from every provider.
fn typing(kind: Kind, dir: &Path, sizes: &Sizes, hovers: bool, changes: bool) -> Typing {
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    client.notify("initialized", json!({}));
    let open = |client: &mut Client, uri: &str, lines: usize| {
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": document(lines)}}),
        );
    };
    let mut typing = Typing::default();
    if hovers {
        open(&mut client, "file:///bench/10000.txt", 10_000);
        client.wait_enabled(PROVIDERS);
        for _ in 0..20 {
            hover(&mut client, "file:///bench/10000.txt", 5_000);
        }
        let mut samples = Vec::new();
        for index in 0..sizes.hovers {
            let started = Instant::now();
            let answer = hover(&mut client, "file:///bench/10000.txt", index % 10_000);
            samples.push(started.elapsed().as_secs_f64() * 1e3);
            assert!(answer.is_object(), "{kind:?} answered a hover: {answer}");
        }
        typing.hover = Some((
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 0.99),
        ));
    }
    for &lines in sizes.documents.iter().filter(|_| changes) {
        let uri = format!("file:///bench/{lines}-lines.txt");
        open(&mut client, &uri, lines);
        client.wait_enabled(PROVIDERS);
        hover(&mut client, &uri, 0);
        let middle = lines / 2;
        let failed_before = client.failed().len();
        let before = process_tree::counters(client.pid());
        for change in 0..sizes.changes {
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": change + 2},
                       "contentChanges": [{"range": {"start": {"line": middle, "character": 0},
                                                      "end": {"line": middle, "character": 0}}, "text": "x"}]}),
            );
        }
        let answer = hover(&mut client, &uri, middle);
        let spent = before.until(&process_tree::counters(client.pid()));
        note_ended(kind, "didChange", spent.ended);
        let cpu = spent.cpu_nanos as f64 / sizes.changes as f64 / 1e6;
        let expected = "x".repeat(sizes.changes);
        let answering = answer.to_string().matches(&expected).count();
        let failed =
            (client.failed().len() - failed_before).max(PROVIDERS.saturating_sub(answering));
        typing.changes.push((lines, cpu, failed));
        if lines == 10_000 {
            // A typist, not a burst: each change alone, the host idle between them, so every thread it
            // wakes pays its whole wake-up (a burst shares them).
            let before = process_tree::counters(client.pid());
            for change in 0..sizes.paced_changes {
                std::thread::sleep(PACED_CHANGE_GAP);
                client.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": sizes.changes + change + 2},
                           "contentChanges": [{"range": {"start": {"line": middle, "character": 0},
                                                          "end": {"line": middle, "character": 0}}, "text": "y"}]}),
                );
            }
            // The last change's own work, before the hover that checks it.
            std::thread::sleep(PACED_CHANGE_GAP);
            let spent = before.until(&process_tree::counters(client.pid()));
            note_ended(kind, "paced didChange", spent.ended);
            let answer = hover(&mut client, &uri, middle);
            let typed = "y".repeat(sizes.paced_changes);
            let answering = answer.to_string().matches(&typed).count();
            typing.paced = Some((
                spent.cpu_nanos as f64 / sizes.paced_changes as f64 / 1e6,
                answering == PROVIDERS,
            ));
        }
    }
    typing.failures = client.failed();
    client.stop();
    typing
}

/// With the 10 `QUIET_HOVER` extensions (hover providers that do not listen to changes): one-character
/// changes typed `PACED_CHANGE_GAP` apart at 10,000 lines; the host's CPU per change (ms), and whether
/// every provider's hover afterwards showed them.
fn quiet_typing(kind: Kind, dir: &Path, sizes: &Sizes) -> (f64, bool) {
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    client.notify("initialized", json!({}));
    let uri = "file:///bench/quiet-10000.txt";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": document(10_000)}}),
    );
    client.wait_enabled(PROVIDERS);
    hover(&mut client, uri, 0);
    let middle = 5_000;
    let before = process_tree::counters(client.pid());
    for change in 0..sizes.paced_changes {
        std::thread::sleep(PACED_CHANGE_GAP);
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": change + 2},
                   "contentChanges": [{"range": {"start": {"line": middle, "character": 0},
                                                  "end": {"line": middle, "character": 0}}, "text": "y"}]}),
        );
    }
    std::thread::sleep(PACED_CHANGE_GAP);
    let spent = before.until(&process_tree::counters(client.pid()));
    note_ended(kind, "paced didChange, not listening", spent.ended);
    let answer = hover(&mut client, uri, middle);
    let typed = "y".repeat(sizes.paced_changes);
    let answering = answer.to_string().matches(&typed).count();
    client.stop();
    (
        spent.cpu_nanos as f64 / sizes.paced_changes as f64 / 1e6,
        answering == PROVIDERS,
    )
}

/// The groups of figures `-- --only` selects from, with what each measures.
const GROUPS: &[(&str, &str)] = &[
    (
        "cold",
        "cold start with no extensions, 100 discovered and 1,000 discovered",
    ),
    (
        "roundtrip",
        "command round trip (median, p99) and context switches per call",
    ),
    (
        "pinned",
        "the round trip with client and host pinned to one CPU",
    ),
    ("throughput", "commands per second with 64 in flight"),
    (
        "star",
        "100 extensions on *: until the last is enabled, memory per idle extension",
    ),
    (
        "thousand",
        "1,000 extensions on *: until the last is enabled, memory per idle extension",
    ),
    ("restart", "restartHost with 50 enabled (median, p99)"),
    (
        "hover",
        "hover with 10 providers on 10,000 lines (median, p99)",
    ),
    (
        "change",
        "one-character didChange at 1,000 / 10,000 / 100,000 lines: host CPU, extensions failed",
    ),
    (
        "flood",
        "a log flood with the reader stalled, resuming, and reading",
    ),
    (
        "floor",
        "the client against `cat`: round trip, pinned, throughput",
    ),
];

/// How much work each figure does.
struct Sizes {
    rounds: usize,
    calls: usize,
    throughput_calls: usize,
    hovers: usize,
    changes: usize,
    /// Changes typed one at a time at 10,000 lines.
    paced_changes: usize,
    /// The documents' sizes (lines) for the didChange figures.
    documents: &'static [usize],
    /// Extensions on `*` for the first activation figure (100 in the issue).
    star: usize,
    /// Extensions on `*` for the large activation figure (1,000).
    thousand: usize,
    /// Extensions enabled for `restartHost` (50), and how many restarts a round makes.
    restart_enabled: usize,
    restarts: usize,
    flood: flood::FloodSizes,
}

impl Sizes {
    fn full() -> Self {
        Self {
            rounds: 3,
            calls: 5_000,
            throughput_calls: 20_000,
            hovers: 200,
            changes: 500,
            paced_changes: 100,
            documents: &[1_000, 10_000, 100_000],
            star: 100,
            thousand: 1_000,
            restart_enabled: 50,
            restarts: 10,
            flood: flood::FloodSizes {
                stall: Duration::from_secs(3),
                window: Duration::from_secs(3),
                margin: Duration::from_millis(500),
                resume_limit: Duration::from_secs(10),
            },
        }
    }

    /// `-- --quick`: every figure's code runs, on little work (its figures mean nothing).
    fn quick() -> Self {
        Self {
            rounds: 1,
            calls: 200,
            throughput_calls: 1_000,
            hovers: 20,
            changes: 20,
            paced_changes: 10,
            documents: &[1_000, 10_000],
            star: 20,
            thousand: 50,
            restart_enabled: 10,
            restarts: 2,
            flood: flood::FloodSizes {
                stall: Duration::from_millis(300),
                window: Duration::from_millis(300),
                margin: Duration::from_millis(200),
                resume_limit: Duration::from_secs(2),
            },
        }
    }
}

/// The command line: `--quick`, `--no-peer`, `--only GROUP,…`, `--rounds N`, `--flood-only`.
struct Options {
    sizes: Sizes,
    peer: bool,
    /// The groups to run (all when `None`).
    only: Option<BTreeSet<String>>,
}

impl Options {
    fn parse() -> Self {
        let mut arguments = std::env::args().skip(1);
        let mut quick = false;
        let mut peer = true;
        let mut only: Option<BTreeSet<String>> = None;
        let mut rounds = None;
        let add_groups = |only: &mut Option<BTreeSet<String>>, list: &str| {
            for group in list.split(',').filter(|group| !group.is_empty()) {
                if !GROUPS.iter().any(|(name, _)| *name == group) {
                    usage(&format!("no group `{group}`"));
                }
                only.get_or_insert_with(BTreeSet::new)
                    .insert(group.to_owned());
            }
        };
        while let Some(argument) = arguments.next() {
            match argument.as_str() {
                "--quick" => quick = true,
                "--no-peer" => peer = false,
                "--flood-only" => add_groups(&mut only, "flood"),
                "--only" => {
                    let list = arguments
                        .next()
                        .unwrap_or_else(|| usage("--only needs a list"));
                    add_groups(&mut only, &list);
                }
                "--rounds" => {
                    rounds = Some(
                        arguments
                            .next()
                            .and_then(|count| count.parse::<usize>().ok())
                            .filter(|count| *count > 0)
                            .unwrap_or_else(|| usage("--rounds needs a count")),
                    );
                }
                // `cargo bench` passes `--bench` to a harness-less bench.
                "--bench" => {}
                "--help" | "-h" => usage(""),
                other => match other.strip_prefix("--only=") {
                    Some(list) => add_groups(&mut only, list),
                    None => usage(&format!("unknown argument `{other}`")),
                },
            }
        }
        let mut sizes = if quick { Sizes::quick() } else { Sizes::full() };
        if let Some(rounds) = rounds {
            sizes.rounds = rounds;
        }
        Self { sizes, peer, only }
    }

    fn wants(&self, group: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.contains(group))
    }
}

/// Prints the options and the groups, then exits (with 2 if `problem` is not empty).
fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        println!("suite: {problem}\n");
    }
    println!(
        "usage: cargo bench -p exthost --bench suite -- [--quick] [--no-peer] [--rounds N] [--only GROUP,…]\n\
         --quick: one round of little work (what .ci/run runs); --no-peer: exthost alone;\n\
         --flood-only: the same as --only flood. Groups:"
    );
    for (name, what) in GROUPS {
        println!("  {name:<11} {what}");
    }
    std::process::exit(if problem.is_empty() { 0 } else { 2 });
}

/// Seconds spent per group, summed over hosts and rounds.
#[derive(Default)]
struct Clock {
    seconds: Vec<(&'static str, f64)>,
}

impl Clock {
    /// Runs `work` for `group` if the options want it, adding its time.
    fn run(&mut self, options: &Options, group: &'static str, work: impl FnOnce()) {
        if !options.wants(group) {
            return;
        }
        let started = Instant::now();
        work();
        self.add(group, started.elapsed().as_secs_f64());
    }

    fn add(&mut self, group: &'static str, seconds: f64) {
        match self.seconds.iter_mut().find(|(name, _)| *name == group) {
            Some((_, total)) => *total += seconds,
            None => self.seconds.push((group, seconds)),
        }
    }
}

/// One round of every wanted group for `kind`.
fn measure_round(
    kind: Kind,
    options: &Options,
    folders: &Folders,
    figures: &mut Figures,
    clock: &mut Clock,
) {
    let name = host_name(kind);
    let sizes = &options.sizes;
    // The idle host's memory, the base of the per-extension figures.
    let mut idle_kib = 0;
    let memory_wanted = options.wants("star") || options.wants("thousand");
    if memory_wanted && !options.wants("cold") {
        idle_kib = cold_start(kind, &folders.empty).1;
    }
    clock.run(options, "cold", || {
        let (cold, idle) = cold_start(kind, &folders.empty);
        idle_kib = idle;
        figures.add_with_target(
            "cold start, no extensions (ms)",
            name,
            cold,
            Target::RatioAtMost(0.05),
        );
        let (cold, _) = cold_start(kind, &folders.discovered);
        figures.add_with_target(
            "cold start, 100 discovered (ms)",
            name,
            cold,
            Target::RatioAtMost(0.1),
        );
        let (cold, _) = cold_start(kind, &folders.thousand_discovered);
        figures.add("cold start, 1,000 discovered (ms)", name, cold);
    });
    clock.run(options, "roundtrip", || {
        let trips = round_trips(kind, &folders.one, sizes.calls, false);
        figures.add_with_target(
            "command round trip, median (µs)",
            name,
            trips.median_us,
            Target::RatioAtMost(1.0),
        );
        figures.add("command round trip, p99 (µs)", name, trips.p99_us);
        figures.add_with_target(
            "context switches per call",
            name,
            trips.switches_per_call,
            Target::AtMost(3.0),
        );
    });
    clock.run(options, "pinned", || {
        let trips = round_trips(kind, &folders.one, sizes.calls, true);
        figures.add_with_target(
            "round trip pinned to one CPU, median (µs)",
            name,
            trips.median_us,
            Target::RatioAtMost(0.5),
        );
        figures.add("round trip pinned to one CPU, p99 (µs)", name, trips.p99_us);
        figures.add(
            "context switches per call, pinned",
            name,
            trips.switches_per_call,
        );
    });
    clock.run(options, "throughput", || {
        figures.add_with_target(
            "throughput, 64 in flight (calls/s)",
            name,
            throughput(kind, &folders.one, sizes.throughput_calls),
            Target::RatioAtLeast(3.0),
        );
    });
    for (group, folder, count) in [
        ("star", &folders.star, sizes.star),
        ("thousand", &folders.thousand, sizes.thousand),
    ] {
        clock.run(options, group, || {
            let count_text = count_text(count);
            let figure = format!("{count_text} extensions on *, until the last is enabled (ms)");
            let memory = format!("resident memory per idle extension, {count_text} enabled (MB)");
            // The rows keep their place when exthost's round is left out.
            figures.row(&figure);
            figures.row(&memory);
            let Some((elapsed, resident)) = star_activation(kind, folder, count) else {
                return;
            };
            if count == 100 {
                figures.add_with_target(&figure, name, elapsed, Target::AtMost(50.0));
            } else {
                figures.add(&figure, name, elapsed);
            }
            figures.add_with_target(
                &memory,
                name,
                resident.saturating_sub(idle_kib) as f64 / count as f64 / 1024.0,
                Target::AtMost(0.3),
            );
        });
    }
    clock.run(options, "restart", || {
        let mut samples = restart(kind, &folders.fifty, sizes.restart_enabled, sizes.restarts);
        let enabled = sizes.restart_enabled;
        let figure = format!("restartHost with {enabled} enabled, median (ms)");
        let median = percentile(&mut samples, 0.5);
        if enabled == 50 {
            figures.add_with_target(&figure, name, median, Target::AtMost(50.0));
        } else {
            figures.add(&figure, name, median);
        }
        figures.add(
            &format!("restartHost with {enabled} enabled, p99 (ms)"),
            name,
            percentile(&mut samples, 0.99),
        );
    });
    let hovers = options.wants("hover");
    let changes = options.wants("change");
    if hovers || changes {
        // One host for both (the hover's extensions are the ones typed to).
        let started = Instant::now();
        let typing = typing(kind, &folders.hover, sizes, hovers, changes);
        clock.add("hover+change", started.elapsed().as_secs_f64());
        if let Some((median, p99)) = typing.hover {
            figures.add_with_target(
                "hover, 10 providers, 10,000 lines, median (ms)",
                name,
                median,
                Target::AtMost(0.5),
            );
            figures.add("hover, 10 providers, 10,000 lines, p99 (ms)", name, p99);
        }
        let mut failed = 0;
        for (lines, cpu, failed_here) in typing.changes {
            let figure = format!(
                "one-character didChange, {} lines (ms host CPU)",
                count_text(lines)
            );
            failed += failed_here;
            figures.row(&figure);
            if failed_here > 0 {
                // A failed extension gets no changes: the CPU figure would flatter the host.
                println!(
                    "({name}: {failed_here} extension(s) failed or did not answer at {} lines; this \
                     round's didChange figure there is left out)",
                    count_text(lines)
                );
                continue;
            }
            figures.add_with_target(&figure, name, cpu, Target::AtMost(0.1));
        }
        if let Some((cpu, seen)) = typing.paced {
            let figure = format!(
                "didChange typed {} ms apart, 10,000 lines (ms host CPU)",
                PACED_CHANGE_GAP.as_millis()
            );
            figures.row(&figure);
            if seen {
                figures.add_with_target(&figure, name, cpu, Target::AtMost(0.1));
            } else {
                println!(
                    "({name}: a provider's hover lacked the changes typed one at a time; that figure is \
                     left out)"
                );
            }
        }
        if let Some(first) = typing.failures.first() {
            println!(
                "({name}: {} extension failure(s) reported while typing, the first: {first})",
                typing.failures.len()
            );
        }
        if changes {
            // The same typing to ten hover providers none of which listens to changes: the host holds
            // the changes back from them (`runtime/document_changes.rs`) until a request or its delay.
            let figure = format!(
                "didChange typed {} ms apart, 10,000 lines, 10 not listening (ms host CPU)",
                PACED_CHANGE_GAP.as_millis()
            );
            figures.row(&figure);
            let started = Instant::now();
            let (cpu, seen) = quiet_typing(kind, &folders.quiet_hover, sizes);
            clock.add("quiet change", started.elapsed().as_secs_f64());
            if seen {
                figures.add_with_target(&figure, name, cpu, Target::AtMost(0.1));
            } else {
                println!(
                    "({name}: a provider that does not listen lacked the changes typed one at a time; \
                     that figure is left out)"
                );
            }
            figures.add_with_target(
                "extensions failed while opening and typing (of 10)",
                name,
                failed as f64,
                Target::AtMost(0.0),
            );
        }
    }
}

/// The generated extension folders, one per figure.
struct Folders {
    _root: tempfile::TempDir,
    empty: PathBuf,
    discovered: PathBuf,
    thousand_discovered: PathBuf,
    one: PathBuf,
    star: PathBuf,
    thousand: PathBuf,
    fifty: PathBuf,
    hover: PathBuf,
    quiet_hover: PathBuf,
    flood: PathBuf,
}

fn folders(sizes: &Sizes) -> Folders {
    let root = tempfile::tempdir().expect("temp folder");
    let folder = |name: &str| {
        let path = root.path().join(name);
        std::fs::create_dir_all(&path).expect("create folder");
        path
    };
    let folders = Folders {
        empty: folder("empty"),
        discovered: folder("discovered"),
        thousand_discovered: folder("thousand-discovered"),
        one: folder("one"),
        star: folder("star"),
        thousand: folder("thousand"),
        fifty: folder("fifty"),
        hover: folder("hover"),
        quiet_hover: folder("quiet-hover"),
        flood: folder("flood"),
        _root: root,
    };
    let never = json!(["onCommand:bench.never"]);
    write_extensions(&folders.discovered, 100, &never, ECHO);
    write_extensions(&folders.thousand_discovered, 1_000, &never, ECHO);
    write_extensions(&folders.one, 1, &json!(["*"]), ECHO);
    write_extensions(&folders.star, sizes.star, &json!(["*"]), ECHO);
    write_extensions(&folders.thousand, sizes.thousand, &json!(["*"]), ECHO);
    write_extensions(&folders.fifty, sizes.restart_enabled, &json!(["*"]), ECHO);
    write_extensions(
        &folders.hover,
        PROVIDERS,
        &json!(["onLanguage:plaintext"]),
        HOVER,
    );
    write_extensions(
        &folders.quiet_hover,
        PROVIDERS,
        &json!(["onLanguage:plaintext"]),
        QUIET_HOVER,
    );
    flood::write_extensions(&folders.flood);
    folders
}

/// The machine and the moment, for the table's heading.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                Some(
                    line.strip_prefix("model name")?
                        .trim_start_matches([' ', '\t', ':'])
                        .to_owned(),
                )
            })
        })
        .unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_gb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                line.strip_prefix("MemTotal:")?
                    .split_whitespace()
                    .next()?
                    .parse::<f64>()
                    .ok()
            })
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "{cpus} CPUs ({cpu}), {memory_gb:.0} GB, Linux {}, Node {node}, {profile} profile",
        kernel.trim()
    )
}

/// The 1, 5 and 15 minutes' load averages.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn main() {
    let mut options = Options::parse();
    options.peer = options.peer
        && peer_script()
            .parent()
            .is_some_and(|folder| folder.join("node_modules/vscode-jsonrpc").is_dir());
    if !options.peer {
        println!(
            "(no Node peer: run `npm ci` in benches/node-peer, or this was --no-peer; exthost alone)"
        );
    }
    let load_before = load();
    pin_self(false);
    let folders = folders(&options.sizes);
    let mut figures = Figures::default();
    let mut clock = Clock::default();
    let started = Instant::now();
    let mut kinds = vec![Kind::Exthost];
    if options.peer {
        kinds.push(Kind::Node);
    }
    // Rounds outermost, so each round's hosts run minutes apart at most and share the machine's load.
    for _ in 0..options.sizes.rounds {
        for &kind in &kinds {
            measure_round(kind, &options, &folders, &mut figures, &mut clock);
            clock.run(&options, "flood", || {
                flood::measure(kind, &folders.flood, &options.sizes.flood, &mut figures);
            });
        }
        clock.run(&options, "floor", || {
            let trips = round_trips(Kind::Cat, &folders.empty, options.sizes.calls, false);
            figures.add(
                "client floor (cat), round trip median (µs)",
                "cat",
                trips.median_us,
            );
            figures.add(
                "client floor (cat), round trip p99 (µs)",
                "cat",
                trips.p99_us,
            );
            let trips = round_trips(Kind::Cat, &folders.empty, options.sizes.calls, true);
            figures.add(
                "client floor (cat), pinned, median (µs)",
                "cat",
                trips.median_us,
            );
            figures.add("client floor (cat), pinned, p99 (µs)", "cat", trips.p99_us);
            figures.add(
                "client floor (cat), throughput, 64 in flight (calls/s)",
                "cat",
                throughput(Kind::Cat, &folders.empty, options.sizes.throughput_calls),
            );
        });
    }
    println!(
        "\n{} round(s); median [min–max] of the rounds; ratio = exthost / Node peer (of the medians); \
         target: issue 15's, met by the medians",
        options.sizes.rounds
    );
    println!(
        "{}; load average {load_before} before, {} after\n",
        machine(),
        load()
    );
    println!("{}", figures.table());
    let groups: Vec<String> = clock
        .seconds
        .iter()
        .map(|(group, seconds)| format!("{group} {seconds:.1} s"))
        .collect();
    println!(
        "\n(suite ran in {:.1} s: {})",
        started.elapsed().as_secs_f64(),
        groups.join(", ")
    );
}
