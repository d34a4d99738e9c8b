//! `cargo bench -p exthost --bench suite`: exthost side by side with a Node peer (`benches/node-peer`, an
//! extension host on `vscode-jsonrpc` loading the same generated extensions in one Node process), driven by
//! one client over the same pipes in one run; prints each figure with its median, spread and ratio.
//! `-- --quick` runs a short version (seconds), as `.ci/run` does; `-- --no-peer` measures exthost alone.
//! The log-flood figures (a stalled reader's memory cost, latency under a flood) are in `suite/flood.rs`;
//! `-- --flood-only` runs just them; `-- --changes-only` just the hover and didChange figures.
//! Method and latest figures: docs/performance.md.
#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

#[path = "suite/flood.rs"]
mod flood;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use exthost_protocol::FrameReader;
use serde_json::{Value, json};

/// Which host a client drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exthost,
    Node,
    /// `cat`: the client's own floor (it echoes each request back).
    Cat,
}

/// How much work each figure does.
struct Sizes {
    rounds: usize,
    calls: usize,
    throughput_calls: usize,
    hovers: usize,
    changes: usize,
    /// The documents' sizes (lines) for the didChange figures.
    documents: &'static [usize],
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

    fn enabled(&self) -> usize {
        self.notes
            .iter()
            .filter(|note| {
                note["method"] == "exthost/extensionStateChanged"
                    && note["params"]["state"] == "enabled"
            })
            .count()
    }

    /// Reads until `count` extensions have reported `enabled`.
    fn wait_enabled(&mut self, count: usize) {
        while self.enabled() < count {
            let message = self.read();
            if message.get("method").is_some() {
                self.notes.push(message);
            }
        }
    }

    fn initialize(&mut self) {
        self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
    }

    fn stop(mut self) {
        drop(self.child.kill());
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

/// Sum over a process's threads, and those of every process below it (`exthost serve` is a supervisor
/// with a worker process), of a number read from each `/proc/<pid>/task/<tid>/<file>`.
fn sum_over_threads(pid: u32, file: &str, read: impl Fn(&str) -> u64 + Copy) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    let mut total = 0;
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join(file)) {
            total += read(&text);
        }
        if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
            total += children
                .split_whitespace()
                .filter_map(|child| child.parse().ok())
                .map(|child| sum_over_threads(child, file, read))
                .sum::<u64>();
        }
    }
    total
}

/// Nanoseconds on a CPU, over the live threads of the process and its descendants (`schedstat`).
fn cpu_nanos(pid: u32) -> u64 {
    sum_over_threads(pid, "schedstat", |text| {
        text.split_whitespace()
            .next()
            .and_then(|field| field.parse().ok())
            .unwrap_or(0)
    })
}

fn status_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Context switches (voluntary and not), over the live threads of the process and its descendants.
fn context_switches(pid: u32) -> u64 {
    sum_over_threads(pid, "status", |text| {
        status_field(text, "voluntary_ctxt_switches:")
            + status_field(text, "nonvoluntary_ctxt_switches:")
    })
}

fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|text| status_field(&text, "VmRSS:"))
        .unwrap_or(0)
}

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

/// One figure's samples per host (one per round).
#[derive(Default)]
struct Figures {
    samples: BTreeMap<&'static str, BTreeMap<&'static str, Vec<f64>>>,
    order: Vec<&'static str>,
}

impl Figures {
    fn add(&mut self, figure: &'static str, host: &'static str, value: f64) {
        if !self.order.contains(&figure) {
            self.order.push(figure);
        }
        self.samples
            .entry(figure)
            .or_default()
            .entry(host)
            .or_default()
            .push(value);
    }
}

fn host_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Exthost => "exthost",
        Kind::Node => "node",
        Kind::Cat => "cat",
    }
}

fn cold_start(kind: Kind, dir: &Path) -> (f64, u64) {
    let started = Instant::now();
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    client.notify("initialized", json!({}));
    // The idle process's memory, for the per-extension figure.
    std::thread::sleep(Duration::from_millis(200));
    let resident = flood::tree_resident_kib(client.pid());
    client.stop();
    (elapsed, resident)
}

/// Round trips of `calls` sequential commands: median µs, p99 µs, context switches per call.
fn round_trips(kind: Kind, dir: &Path, calls: usize, pinned: bool) -> (f64, f64, f64) {
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
    let switches_before = context_switches(client.pid());
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        client.request("workspace/executeCommand", params.clone());
        samples.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let switches = (context_switches(client.pid()) - switches_before) as f64 / calls as f64;
    client.stop();
    pin_self(false);
    let median = percentile(&mut samples, 0.5);
    let p99 = percentile(&mut samples, 0.99);
    (median, p99, switches)
}

/// Commands per second with 64 in flight.
fn throughput(kind: Kind, dir: &Path, calls: usize) -> f64 {
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    client.notify("initialized", json!({}));
    client.wait_enabled(1);
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
        if message.get("id").is_some() && message.get("method").is_none() {
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

/// Milliseconds from `initialized` until all `count` extensions on `*` are enabled; resident KiB then.
fn star_activation(kind: Kind, dir: &Path, count: usize) -> (f64, u64) {
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    let started = Instant::now();
    client.notify("initialized", json!({}));
    client.wait_enabled(count);
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    std::thread::sleep(Duration::from_millis(300));
    let resident = flood::tree_resident_kib(client.pid());
    client.stop();
    (elapsed, resident)
}

/// Milliseconds of `exthost/restartHost` with `count` enabled (median of 3 restarts).
fn restart(kind: Kind, dir: &Path, count: usize) -> f64 {
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    client.notify("initialized", json!({}));
    client.wait_enabled(count);
    let mut samples = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        client.request("exthost/restartHost", json!({}));
        samples.push(started.elapsed().as_secs_f64() * 1e3);
    }
    client.stop();
    percentile(&mut samples, 0.5)
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

/// Hover with 10 providers on 10,000 lines (median ms), then one-character didChange host CPU (ms) at
/// each size in `sizes`.
fn hover_and_changes(kind: Kind, dir: &Path, sizes: &Sizes) -> (f64, Vec<(usize, f64)>) {
    let mut client = Client::spawn(kind, dir, false);
    client.initialize();
    client.notify("initialized", json!({}));
    let open = |client: &mut Client, uri: &str, lines: usize| {
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": document(lines)}}),
        );
    };
    open(&mut client, "file:///bench/10000.txt", 10_000);
    client.wait_enabled(10);
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
    let hover_ms = percentile(&mut samples, 0.5);
    let mut changes = Vec::new();
    for &lines in sizes.documents {
        let uri = format!("file:///bench/{lines}-lines.txt");
        open(&mut client, &uri, lines);
        hover(&mut client, &uri, 0);
        let middle = lines / 2;
        let before = cpu_nanos(client.pid());
        for change in 0..sizes.changes {
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": change + 2},
                       "contentChanges": [{"range": {"start": {"line": middle, "character": 0},
                                                      "end": {"line": middle, "character": 0}}, "text": "x"}]}),
            );
        }
        let answer = hover(&mut client, &uri, middle);
        let cpu = (cpu_nanos(client.pid()) - before) as f64 / sizes.changes as f64 / 1e6;
        let expected = "x".repeat(sizes.changes);
        assert!(
            answer.to_string().contains(&expected),
            "{kind:?}, {lines} lines: the providers see the changed line: {answer}"
        );
        changes.push((lines, cpu));
    }
    client.stop();
    (hover_ms, changes)
}

fn measure(kind: Kind, sizes: &Sizes, folders: &Folders, figures: &mut Figures) {
    let name = host_name(kind);
    for _ in 0..sizes.rounds {
        let (cold, idle_kib) = cold_start(kind, &folders.empty);
        figures.add("cold start, no extensions (ms)", name, cold);
        let (cold, _) = cold_start(kind, &folders.discovered);
        figures.add("cold start, 100 discovered (ms)", name, cold);
        let (median, p99, switches) = round_trips(kind, &folders.one, sizes.calls, false);
        figures.add("command round trip, median (µs)", name, median);
        figures.add("command round trip, p99 (µs)", name, p99);
        figures.add("context switches per call", name, switches);
        let (median, p99, _) = round_trips(kind, &folders.one, sizes.calls, true);
        figures.add("round trip pinned to one CPU, median (µs)", name, median);
        figures.add("round trip pinned to one CPU, p99 (µs)", name, p99);
        figures.add(
            "throughput, 64 in flight (calls/s)",
            name,
            throughput(kind, &folders.one, sizes.throughput_calls),
        );
        let (star, resident) = star_activation(kind, &folders.star, 100);
        figures.add(
            "100 extensions on *, until the last is enabled (ms)",
            name,
            star,
        );
        figures.add(
            "resident memory per idle extension (MB)",
            name,
            resident.saturating_sub(idle_kib) as f64 / 100.0 / 1024.0,
        );
        figures.add(
            "restartHost with 50 enabled (ms)",
            name,
            restart(kind, &folders.fifty, 50),
        );
        measure_changes(kind, sizes, folders, figures);
    }
}

/// One round of the hover and didChange figures.
fn measure_changes(kind: Kind, sizes: &Sizes, folders: &Folders, figures: &mut Figures) {
    let name = host_name(kind);
    let (hover_ms, changes) = hover_and_changes(kind, &folders.hover, sizes);
    figures.add("hover, 10 providers, 10,000 lines (ms)", name, hover_ms);
    for (lines, cpu) in changes {
        let figure: &'static str = match lines {
            1_000 => "one-character didChange, 1,000 lines (ms host CPU)",
            10_000 => "one-character didChange, 10,000 lines (ms host CPU)",
            _ => "one-character didChange, 100,000 lines (ms host CPU)",
        };
        figures.add(figure, name, cpu);
    }
}

struct Folders {
    _root: tempfile::TempDir,
    empty: PathBuf,
    discovered: PathBuf,
    one: PathBuf,
    star: PathBuf,
    fifty: PathBuf,
    hover: PathBuf,
}

fn folders() -> Folders {
    let root = tempfile::tempdir().expect("temp folder");
    let folder = |name: &str| {
        let path = root.path().join(name);
        std::fs::create_dir_all(&path).expect("create folder");
        path
    };
    let folders = Folders {
        empty: folder("empty"),
        discovered: folder("discovered"),
        one: folder("one"),
        star: folder("star"),
        fifty: folder("fifty"),
        hover: folder("hover"),
        _root: root,
    };
    write_extensions(
        &folders.discovered,
        100,
        &json!(["onCommand:bench.never"]),
        ECHO,
    );
    write_extensions(&folders.one, 1, &json!(["*"]), ECHO);
    write_extensions(&folders.star, 100, &json!(["*"]), ECHO);
    write_extensions(&folders.fifty, 50, &json!(["*"]), ECHO);
    write_extensions(&folders.hover, 10, &json!(["onLanguage:plaintext"]), HOVER);
    folders
}

fn spread(samples: &[f64]) -> String {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let precision = if median >= 100.0 {
        0
    } else if median >= 1.0 {
        2
    } else {
        3
    };
    if sorted.len() == 1 {
        format!("{median:.precision$}")
    } else {
        format!(
            "{median:.precision$} [{:.precision$}–{:.precision$}]",
            sorted[0],
            sorted[sorted.len() - 1]
        )
    }
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let quick = arguments.iter().any(|argument| argument == "--quick");
    let sizes = if quick {
        Sizes {
            rounds: 1,
            calls: 200,
            throughput_calls: 1_000,
            hovers: 20,
            changes: 20,
            documents: &[1_000, 10_000],
        }
    } else {
        Sizes {
            rounds: 3,
            calls: 5_000,
            throughput_calls: 20_000,
            hovers: 200,
            changes: 500,
            documents: &[1_000, 10_000, 100_000],
        }
    };
    let peer = !arguments.iter().any(|argument| argument == "--no-peer")
        && peer_script()
            .parent()
            .is_some_and(|folder| folder.join("node_modules/vscode-jsonrpc").is_dir());
    if !peer {
        println!(
            "(no Node peer: run `npm ci` in benches/node-peer, or this was --no-peer; exthost alone)"
        );
    }
    pin_self(false);
    let folders = folders();
    let mut figures = Figures::default();
    let started = Instant::now();
    // `-- --flood-only`: just the log-flood section; `-- --changes-only`: just hover and didChange.
    let flood_only = arguments.iter().any(|argument| argument == "--flood-only");
    let changes_only = arguments
        .iter()
        .any(|argument| argument == "--changes-only");
    let kinds = if peer {
        &[Kind::Exthost, Kind::Node][..]
    } else {
        &[Kind::Exthost][..]
    };
    for &kind in kinds {
        if changes_only {
            for _ in 0..sizes.rounds {
                measure_changes(kind, &sizes, &folders, &mut figures);
            }
        } else if !flood_only {
            measure(kind, &sizes, &folders, &mut figures);
        }
    }
    if changes_only {
        print_figures(&sizes, &figures, started);
        return;
    }
    let flood_sizes = if quick {
        flood::FloodSizes {
            stall: Duration::from_secs(1),
            window: Duration::from_secs(1),
        }
    } else {
        flood::FloodSizes {
            stall: Duration::from_secs(3),
            window: Duration::from_secs(3),
        }
    };
    let flood_folder = tempfile::tempdir().expect("temp folder");
    flood::write_extensions(flood_folder.path());
    flood::measure(
        Kind::Exthost,
        flood_folder.path(),
        &flood_sizes,
        sizes.rounds,
        &mut figures,
    );
    if peer {
        flood::measure(
            Kind::Node,
            flood_folder.path(),
            &flood_sizes,
            sizes.rounds,
            &mut figures,
        );
    }
    for _ in 0..if flood_only { 0 } else { sizes.rounds } {
        let (median, p99, _) = round_trips(Kind::Cat, &folders.empty, sizes.calls, false);
        figures.add("client floor (cat), round trip median (µs)", "cat", median);
        figures.add("client floor (cat), round trip p99 (µs)", "cat", p99);
        let (median, _, _) = round_trips(Kind::Cat, &folders.empty, sizes.calls, true);
        figures.add("client floor (cat), pinned, median (µs)", "cat", median);
    }
    print_figures(&sizes, &figures, started);
}

/// Prints the table of every figure measured.
fn print_figures(sizes: &Sizes, figures: &Figures, started: Instant) {
    println!(
        "{} rounds; median [min–max] of the rounds; ratio = exthost / node\n",
        sizes.rounds
    );
    println!(
        "| {:<56} | {:>26} | {:>26} | {:>7} |",
        "figure", "exthost", "Node peer", "ratio"
    );
    println!("| {:-<56} | {:->26} | {:->26} | {:->7} |", "", "", "", "");
    for figure in &figures.order {
        let hosts = &figures.samples[figure];
        let (first, second) = match (hosts.get("exthost"), hosts.get("node"), hosts.get("cat")) {
            (Some(exthost), node, _) => (exthost, node),
            (None, _, Some(cat)) => (cat, None),
            _ => continue,
        };
        let ratio = second.map_or(String::new(), |node| {
            format!("{:.2}", median(first) / median(node))
        });
        println!(
            "| {figure:<56} | {:>26} | {:>26} | {ratio:>7} |",
            spread(first),
            second.map_or(String::from("—"), |node| spread(node)),
        );
    }
    println!("\n(suite ran in {:.1} s)", started.elapsed().as_secs_f64());
}
