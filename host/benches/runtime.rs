//! `cargo bench -p exthost --bench runtime`: what activation, an idle extension and a command cost, in
//! process (the lifecycle and the QuickJS engine, no wire), then the same for the Deno engine (one Deno
//! process per extension; skipped when no `deno` is found, see `EXTHOST_DENO`). Prints one figure per line.
#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use exthost::config::HostConfig;
use exthost::editor::EditorHandle;
use exthost::lifecycle::Lifecycle;
use exthost::runtime::quickjs::QuickJsEngine;
use exthost::session::SessionState;
use serde_json::json;

/// Writes `count` trivial extensions activating on `*`, each registering `bench<i>.echo`.
fn write_extensions(folder: &Path, count: usize) {
    write_extensions_in(folder, count, "quickjs");
}

/// [`write_extensions`] for the engine named `engine`.
fn write_extensions_in(folder: &Path, count: usize, engine: &str) {
    for index in 0..count {
        let root = folder.join(format!("ext{index}"));
        std::fs::create_dir_all(&root).expect("create extension folder");
        let manifest = json!({"id": format!("bench.ext{index}"), "name": "bench", "version": "1.0.0",
                              "main": "extension.js", "activationEvents": ["*"], "engine": engine});
        std::fs::write(root.join("exthost.json"), manifest.to_string()).expect("write manifest");
        let code = format!(
            "const vscode = require('vscode');\nexports.activate = (c) => {{ c.subscriptions.push(vscode.commands.registerCommand('bench{index}.echo', (x) => x)); }};\n"
        );
        std::fs::write(root.join("extension.js"), code).expect("write code");
    }
}

fn lifecycle(folder: &Path) -> Arc<Lifecycle> {
    let config = HostConfig {
        extensions_dirs: vec![folder.to_path_buf()],
        ..HostConfig::default()
    };
    Lifecycle::start(
        config,
        Arc::new(QuickJsEngine::new()),
        EditorHandle::detached(),
        SessionState::default(),
    )
}

/// Resident memory of this process's `deno` children, in bytes (Linux), and how many there are.
fn deno_children_resident_bytes() -> (u64, usize) {
    let own = std::process::id().to_string();
    let mut total = 0;
    let mut count = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`
        let Some((name, rest)) = stat.split_once(") ") else {
            continue;
        };
        let parent = rest.split_whitespace().nth(1).unwrap_or_default();
        if parent != own || !name.ends_with("(deno") {
            continue;
        }
        let statm = std::fs::read_to_string(entry.path().join("statm")).unwrap_or_default();
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|pages| pages.parse().ok())
            .unwrap_or(0);
        total += pages * 4096;
        count += 1;
    }
    (total, count)
}

/// Resident memory of this process, in bytes (Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(samples: &mut [Duration], fraction: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * fraction).round() as usize]
}

fn main() {
    let home = tempfile::tempdir().expect("temp folder");
    // SAFETY: set before any other thread exists (the async runtime starts below); keeps the user's and the
    // built-in extensions out of the measurement.
    unsafe {
        std::env::set_var(exthost::config::HOME_ENV, home.path());
        std::env::set_var(exthost::config::BUILTIN_ENV, "");
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("async runtime")
        .block_on(measure());
}

async fn measure() {
    let one = tempfile::tempdir().expect("temp folder");
    write_extensions(one.path(), 1);
    let mut single = Vec::new();
    for _ in 0..15 {
        let host = lifecycle(one.path());
        let start = Instant::now();
        let activated = host.fire("*").await;
        single.push(start.elapsed());
        assert_eq!(activated.len(), 1, "the extension activated");
        host.stop_all().await;
    }
    println!(
        "activation of 1 trivial extension:    {:>9.2} ms (median of 15, fresh host each)",
        median(single).as_secs_f64() * 1e3
    );

    let hundred = tempfile::tempdir().expect("temp folder");
    write_extensions(hundred.path(), 100);
    let host = lifecycle(hundred.path());
    let before = resident_bytes();
    let start = Instant::now();
    let activated = host.fire("*").await;
    let elapsed = start.elapsed();
    assert_eq!(activated.len(), 100, "every extension activated");
    println!(
        "activation of 100 trivial extensions: {:>9.2} ms (concurrent, on 2 cores)",
        elapsed.as_secs_f64() * 1e3
    );
    // Let every runtime settle before measuring what they keep.
    tokio::time::sleep(Duration::from_millis(300)).await;
    if let (Some(before), Some(after)) = (before, resident_bytes()) {
        let per_extension = after.saturating_sub(before) as f64 / 100.0 / 1024.0;
        println!(
            "memory per idle extension:            {per_extension:>9.0} KiB resident (100 activated, RSS delta / 100)"
        );
    }

    let mut round_trips = Vec::with_capacity(5000);
    for index in 0..5000 {
        let start = Instant::now();
        let answer = host
            .execute_command(&format!("bench{}.echo", index % 100), vec![json!(index)])
            .await
            .expect("the command answers");
        round_trips.push(start.elapsed());
        assert_eq!(answer, json!(index));
    }
    let p50 = percentile(&mut round_trips, 0.5);
    let p99 = percentile(&mut round_trips, 0.99);
    println!(
        "command round trip, in process:       {:>9.1} µs median, {:.1} µs p99 (5000 calls over 100 extensions)",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    host.stop_all().await;
    measure_deno().await;
}

/// The Deno engine's figures: start-up (process, bootstrap and shim, activation), resident memory per
/// extension (each its own process) and a command's round trip.
async fn measure_deno() {
    if !exthost::runtime::deno::DenoEngine::new().is_available() {
        println!("deno engine: skipped (no deno found; set EXTHOST_DENO)");
        return;
    }
    let one = tempfile::tempdir().expect("temp folder");
    write_extensions_in(one.path(), 1, "deno");
    let mut single = Vec::new();
    for _ in 0..7 {
        let host = lifecycle(one.path());
        let start = Instant::now();
        let activated = host.fire("*").await;
        single.push(start.elapsed());
        assert_eq!(activated.len(), 1, "the Deno extension activated");
        host.stop_all().await;
    }
    println!(
        "deno: activation of 1 trivial extension: {:>9.2} ms (median of 7, a fresh Deno process each)",
        median(single).as_secs_f64() * 1e3
    );

    let ten = tempfile::tempdir().expect("temp folder");
    write_extensions_in(ten.path(), 10, "deno");
    let host = lifecycle(ten.path());
    let start = Instant::now();
    let activated = host.fire("*").await;
    let elapsed = start.elapsed();
    assert_eq!(activated.len(), 10, "every Deno extension activated");
    println!(
        "deno: activation of 10 trivial extensions: {:>9.2} ms (concurrent, on 2 cores)",
        elapsed.as_secs_f64() * 1e3
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (resident, processes) = deno_children_resident_bytes();
    if processes > 0 {
        println!(
            "deno: memory per idle extension:       {:>9.0} KiB resident ({processes} Deno processes, RSS sum / count)",
            resident as f64 / processes as f64 / 1024.0
        );
    }
    let mut round_trips = Vec::with_capacity(1000);
    for index in 0..1000 {
        let start = Instant::now();
        let answer = host
            .execute_command(&format!("bench{}.echo", index % 10), vec![json!(index)])
            .await
            .expect("the command answers");
        round_trips.push(start.elapsed());
        assert_eq!(answer, json!(index));
    }
    let p50 = percentile(&mut round_trips, 0.5);
    let p99 = percentile(&mut round_trips, 0.99);
    println!(
        "deno: command round trip, in process:  {:>9.1} µs median, {:.1} µs p99 (1000 calls over 10 extensions)",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    host.stop_all().await;
}
