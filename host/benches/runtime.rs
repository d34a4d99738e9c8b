//! `cargo bench -p exthost --bench runtime`: what activation, an idle extension and a command cost, in
//! process (the lifecycle and the QuickJS engine, no wire). Prints one figure per line.
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
    for index in 0..count {
        let root = folder.join(format!("ext{index}"));
        std::fs::create_dir_all(&root).expect("create extension folder");
        let manifest = json!({"id": format!("bench.ext{index}"), "name": "bench", "version": "1.0.0",
                              "main": "extension.js", "activationEvents": ["*"]});
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
}
