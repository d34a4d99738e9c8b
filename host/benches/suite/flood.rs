//! The suite's log-flood figures (issue 10): one extension logs in a loop while a client first stops
//! reading stdout (the host's peak resident memory, over all its processes, and how soon a witness
//! extension answers once the reader resumes), then reads normally (the witness's command latency, and how
//! many log bytes reach the client).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::process_tree::{RESIDENT_CAP_KIB, resident_kib};
use super::{Client, Figures, Kind, host_name, percentile};

/// How long each phase lasts.
pub(super) struct FloodSizes {
    /// How long the client stops reading stdout while the flood runs.
    pub(super) stall: Duration,
    /// How long the client calls the witness, reading everything, while the flood runs.
    pub(super) window: Duration,
    /// How long the flood outlasts each phase, so that it runs for the whole of it.
    pub(super) margin: Duration,
    /// How long the client waits for the witness after resuming (a host that queued everything takes
    /// minutes to drain); past it the figure is a lower bound and a note says so.
    pub(super) resume_limit: Duration,
}

/// The flooding extension: `flood.run(ms)` logs 100 lines of 4 KB per timer tick for `ms` milliseconds and
/// answers `started` at once.
const FLOOD: &str = "const vscode = require('vscode');\n\
const line = 'x'.repeat(4096);\n\
exports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('flood.run', (ms) => {\n\
  const end = Date.now() + ms;\n\
  const tick = () => {\n\
    for (let i = 0; i < 100; i++) console.log(line);\n\
    if (Date.now() < end) setTimeout(tick, 1);\n\
  };\n\
  tick();\n\
  return 'started';\n\
})); };\n";

/// The witness: `ok.ping` answers `pong`.
const WITNESS: &str = "const vscode = require('vscode');\n\
exports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('ok.ping', () => 'pong')); };\n";

/// Writes the flooding extension and the witness (both on `*`) under `folder`.
pub(super) fn write_extensions(folder: &Path) {
    for (name, code) in [("flood", FLOOD), ("witness", WITNESS)] {
        let root = folder.join(name);
        std::fs::create_dir_all(&root).expect("create extension folder");
        let manifest = json!({"id": format!("bench.{name}"), "name": name, "version": "1.0.0",
                              "main": "extension.js", "activationEvents": ["*"]});
        std::fs::write(root.join("exthost.json"), manifest.to_string()).expect("write manifest");
        std::fs::write(root.join("extension.js"), code).expect("write code");
    }
}

/// Reads until the answer to `id`; answers its result, how many log notifications came before it and
/// their bytes. Other messages are read and dropped (never kept: a flood would fill the client).
fn answer(client: &mut Client, id: i64) -> (Value, usize, usize) {
    answer_within(client, id, Duration::MAX).expect("no time limit")
}

/// [`answer`], giving up once `limit` has passed (`Err`: the log notifications and bytes read so far).
fn answer_within(
    client: &mut Client,
    id: i64,
    limit: Duration,
) -> Result<(Value, usize, usize), (usize, usize)> {
    let started = Instant::now();
    let mut logs = 0;
    let mut bytes = 0;
    loop {
        if started.elapsed() > limit {
            return Err((logs, bytes));
        }
        let body = client.read_body();
        let message: Value = serde_json::from_slice(&body).expect("JSON");
        if message["id"] == id && message.get("method").is_none() {
            assert!(
                message.get("error").is_none(),
                "request {id} failed: {message}"
            );
            return Ok((message["result"].clone(), logs, bytes));
        }
        if message["method"] == "window/logMessage" {
            logs += 1;
            bytes += body.len();
        }
    }
}

fn call(client: &mut Client, command: &str, arguments: Value) -> (Value, usize, usize) {
    let id = client.send_request(
        "workspace/executeCommand",
        json!({"command": command, "arguments": arguments}),
    );
    answer(client, id)
}

/// A host with both extensions enabled and the witness answered once.
fn ready(kind: Kind, folder: &Path) -> Client {
    let mut client = Client::spawn(kind, folder, false);
    client.initialize();
    client.notify("initialized", json!({}));
    client.wait_enabled(2);
    client.notes.clear();
    let (pong, _, _) = call(&mut client, "ok.ping", json!([]));
    assert_eq!(pong, json!("pong"), "{kind:?}: the witness answers");
    client
}

/// What the stalled phase measured.
struct Stalled {
    before_kib: u64,
    peak_kib: u64,
    capped: bool,
    resumed_ms: f64,
    logs_before: usize,
    /// The witness had not answered within the resume limit: the two figures above are lower bounds.
    gave_up: bool,
}

/// The flood starts, the client reads nothing for `stall` while sampling the host's memory, then asks the
/// witness and resumes reading: the time from resuming to the witness's answer.
fn stalled(kind: Kind, folder: &Path, sizes: &FloodSizes) -> Stalled {
    let (stall, margin, resume_limit) = (sizes.stall, sizes.margin, sizes.resume_limit);
    let mut client = ready(kind, folder);
    std::thread::sleep(Duration::from_millis(200));
    let before_kib = resident_kib(client.pid());
    let flood_ms = (stall + margin).as_millis() as u64;
    client.send_request(
        "workspace/executeCommand",
        json!({"command": "flood.run", "arguments": [flood_ms]}),
    );
    let started = Instant::now();
    let mut peak_kib = before_kib;
    let mut capped = false;
    while started.elapsed() < stall {
        std::thread::sleep(Duration::from_millis(20));
        peak_kib = peak_kib.max(resident_kib(client.pid()));
        if peak_kib > RESIDENT_CAP_KIB {
            capped = true;
            break;
        }
    }
    let witness = client.send_request(
        "workspace/executeCommand",
        json!({"command": "ok.ping", "arguments": []}),
    );
    std::thread::sleep(Duration::from_millis(20));
    peak_kib = peak_kib.max(resident_kib(client.pid()));
    let resumed = Instant::now();
    let (logs_before, gave_up) = match answer_within(&mut client, witness, resume_limit) {
        Ok((pong, logs_before, _)) => {
            assert_eq!(pong, json!("pong"), "{kind:?}: the witness answers");
            (logs_before, false)
        }
        Err((logs_before, _)) => (logs_before, true),
    };
    let resumed_ms = resumed.elapsed().as_secs_f64() * 1e3;
    client.stop();
    Stalled {
        before_kib,
        peak_kib,
        capped,
        resumed_ms,
        logs_before,
        gave_up,
    }
}

/// What the reading phase measured.
struct Reading {
    latencies_us: Vec<f64>,
    log_bytes_per_second: f64,
    capped: bool,
}

/// The flood starts and the client, reading everything, calls the witness one call after another for
/// `window`.
fn reading(kind: Kind, folder: &Path, window: Duration, margin: Duration) -> Reading {
    let mut client = ready(kind, folder);
    let flood_ms = (window + margin).as_millis() as u64;
    let (started, _, _) = call(&mut client, "flood.run", json!([flood_ms]));
    assert_eq!(started, json!("started"), "{kind:?}: the flood starts");
    let begun = Instant::now();
    let mut latencies_us = Vec::new();
    let mut bytes = 0;
    let mut sampled = Instant::now();
    let mut capped = false;
    while begun.elapsed() < window {
        let call_started = Instant::now();
        let (pong, _, log_bytes) = call(&mut client, "ok.ping", json!([]));
        latencies_us.push(call_started.elapsed().as_secs_f64() * 1e6);
        assert_eq!(pong, json!("pong"), "{kind:?}: the witness answers");
        bytes += log_bytes;
        if sampled.elapsed() > Duration::from_millis(50) {
            sampled = Instant::now();
            if resident_kib(client.pid()) > RESIDENT_CAP_KIB {
                capped = true;
                break;
            }
        }
    }
    let log_bytes_per_second = bytes as f64 / begun.elapsed().as_secs_f64();
    client.stop();
    assert!(
        bytes > 0,
        "{kind:?}: the flood's lines reach a client that reads"
    );
    Reading {
        latencies_us,
        log_bytes_per_second,
        capped,
    }
}

/// Both phases, one round, for `kind`; adds the figures and prints a note for a capped run.
pub(super) fn measure(kind: Kind, folder: &Path, sizes: &FloodSizes, figures: &mut Figures) {
    let name = host_name(kind);
    {
        let stall = stalled(kind, folder, sizes);
        figures.add(
            "log flood, reader stalled: peak RSS, all processes (MB)",
            name,
            stall.peak_kib as f64 / 1024.0,
        );
        figures.add(
            "log flood, reader stalled: RSS growth (MB)",
            name,
            stall.peak_kib.saturating_sub(stall.before_kib) as f64 / 1024.0,
        );
        figures.add(
            "log flood, reader resumes: witness answers after (ms)",
            name,
            stall.resumed_ms,
        );
        figures.add(
            "log flood, reader resumes: log lines before the answer",
            name,
            stall.logs_before as f64,
        );
        let mut read = reading(kind, folder, sizes.window, sizes.margin);
        figures.add(
            "log flood, reading: witness command, median (µs)",
            name,
            percentile(&mut read.latencies_us, 0.5),
        );
        figures.add(
            "log flood, reading: witness command, p99 (µs)",
            name,
            percentile(&mut read.latencies_us, 0.99),
        );
        figures.add(
            "log flood, reading: witness calls answered",
            name,
            read.latencies_us.len() as f64,
        );
        figures.add(
            "log flood, reading: log bytes reaching the client (MB/s)",
            name,
            read.log_bytes_per_second / 1024.0 / 1024.0,
        );
        if stall.gave_up {
            println!(
                "({name}: the witness had not answered {} s after the reader resumed, behind {} log \
                 lines; the resume figures are lower bounds)",
                sizes.resume_limit.as_secs(),
                stall.logs_before
            );
        }
        if stall.capped || read.capped {
            println!(
                "({name}: the flood was stopped early at {} MB resident, the suite's cap)",
                RESIDENT_CAP_KIB / 1024
            );
        }
    }
}
