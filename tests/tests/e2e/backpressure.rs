//! An editor that stops reading the host's stdout, or never reads its stderr, must cost bounded memory and
//! never stall serving: logs are bounded and dropped with a count, responses go first (issue: hardening,
//! defects 5–7).
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use exthost_e2e::{TIMEOUT, isolated_command, write_extension, write_ping_extension};
use exthost_protocol::{ContentLengthCodec, Id, Message, Request, ResponsePayload, encode_frame};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio_util::codec::FramedRead;

/// A flooding extension (`flood.run`: logs 64 KB lines for `ms` milliseconds, then writes the user setting
/// `flood.done`) and a witness (`ok.ping`).
fn extensions(dir: &Path) {
    write_extension(
        dir,
        "flood",
        &json!({"id": "test.flood", "name": "flood", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onCommand:flood.run"]}),
        &[(
            "extension.js",
            "const vscode = require('vscode');\n\
             const line = 'x'.repeat(64 * 1024);\n\
             exports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('flood.run', (ms) => {\n\
               const end = Date.now() + ms;\n\
               const tick = () => {\n\
                 for (let i = 0; i < 50; i++) console.log(line);\n\
                 if (Date.now() < end) { setTimeout(tick, 1); return; }\n\
                 vscode.workspace.getConfiguration('flood').update('done', true, true);\n\
               };\n\
               tick();\n\
               return 'started';\n\
             })); };\n",
        )],
    );
    write_ping_extension(dir);
}

/// The resident set size of process `pid` and every process below it (`exthost serve` is a supervisor
/// with a worker process), in KB. A process that ended meanwhile counts nothing.
fn rss_kb(pid: u32) -> u64 {
    let own = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0);
    let children: u64 = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse::<u32>().ok())
                .collect::<Vec<_>>()
        })
        .map(rss_kb)
        .sum();
    own + children
}

/// A client that reads stdout only when told to.
struct Client {
    child: Child,
    stdin: ChildStdin,
    frames: FramedRead<ChildStdout, ContentLengthCodec>,
    next_id: i64,
}

impl Client {
    fn spawn(home: &Path, dir: &Path, log_file: Option<&Path>, stderr: Stdio) -> Self {
        let mut command = isolated_command(home, None);
        if let Some(log_file) = log_file {
            command.arg("--log-file").arg(log_file);
        }
        command
            .arg("serve")
            .arg("--extensions-dir")
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr);
        let mut child = command.spawn().expect("spawn exthost");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        Self {
            child,
            stdin,
            frames: FramedRead::new(stdout, ContentLengthCodec::new()),
            next_id: 1,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    async fn send(&mut self, method: &str, params: Value) -> Id {
        let id = Id::Number(self.next_id);
        self.next_id += 1;
        let message = Message::Request(Request {
            id: id.clone(),
            method: method.to_owned(),
            params: Some(params),
        });
        self.stdin
            .write_all(&encode_frame(&message.to_vec()))
            .await
            .expect("write");
        self.stdin.flush().await.expect("flush");
        id
    }

    async fn notify(&mut self, method: &str) {
        let body = format!(r#"{{"jsonrpc":"2.0","method":"{method}","params":{{}}}}"#);
        self.stdin
            .write_all(&encode_frame(body.as_bytes()))
            .await
            .expect("write");
    }

    /// Reads until the response to `id`; answers its result and how many log messages came before it.
    async fn response(&mut self, id: &Id) -> (Value, usize) {
        let mut logs = 0;
        loop {
            let frame = tokio::time::timeout(TIMEOUT, self.frames.next())
                .await
                .expect("a message in time")
                .expect("stdout open")
                .expect("readable")
                .expect("a well-formed frame");
            match Message::from_slice(&frame).expect("JSON-RPC") {
                Message::Response(response) if response.id.as_ref() == Some(id) => {
                    return match response.payload {
                        ResponsePayload::Result(value) => (value, logs),
                        ResponsePayload::Error(error) => panic!("{error:?}"),
                    };
                }
                Message::Notification(notification)
                    if notification.method == "window/logMessage" =>
                {
                    logs += 1;
                }
                _ => {}
            }
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params).await;
        self.response(&id).await.0
    }

    async fn initialize(&mut self) {
        self.call(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        )
        .await;
        self.notify("initialized").await;
    }

    async fn shutdown(mut self) -> i32 {
        assert_eq!(self.call("shutdown", Value::Null).await, Value::Null);
        self.notify("exit").await;
        let status = tokio::time::timeout(TIMEOUT, self.child.wait())
            .await
            .expect("exits in time")
            .expect("wait");
        status.code().expect("exit code")
    }
}

/// Waits (polling the file, with a timeout) until the user setting `flood.done` is written.
async fn flood_done(home: &Path) {
    let settings = home.join("settings.json");
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if std::fs::read_to_string(&settings).is_ok_and(|text| text.contains("flood.done")) {
            return;
        }
        if Instant::now() >= deadline {
            let log = std::fs::read_to_string(home.join("exthost.log")).unwrap_or_default();
            let tail: Vec<String> = log
                .lines()
                .rev()
                .take(20)
                .map(|line| line.chars().take(200).collect())
                .collect();
            panic!(
                "the flood did not finish in time; log, last lines first:\n{}",
                tail.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_stalled_reader_costs_bounded_memory_and_answers_come_first_when_it_resumes() {
    let dir = tempfile::tempdir().unwrap();
    extensions(dir.path());
    let home = tempfile::tempdir().unwrap();
    let log_file = home.path().join("exthost.log");
    let mut client = Client::spawn(home.path(), dir.path(), Some(&log_file), Stdio::inherit());
    client.initialize().await;
    assert_eq!(
        client
            .call("workspace/executeCommand", json!({"command": "ok.ping"}))
            .await,
        json!("pong")
    );
    let before = rss_kb(client.pid());

    // From here the client reads nothing: 2 s of 64 KB log lines (far more than 100 MB unbounded).
    client
        .send(
            "workspace/executeCommand",
            json!({"command": "flood.run", "arguments": [2000]}),
        )
        .await;
    let mut peak = before;
    let stalled = async {
        flood_done(home.path()).await;
    };
    tokio::pin!(stalled);
    loop {
        tokio::select! {
            () = &mut stalled => break,
            () = tokio::time::sleep(Duration::from_millis(50)) => peak = peak.max(rss_kb(client.pid())),
        }
    }
    let witness = client
        .send("workspace/executeCommand", json!({"command": "ok.ping"}))
        .await;
    peak = peak.max(rss_kb(client.pid()));
    let growth_mb = peak.saturating_sub(before) / 1024;
    eprintln!(
        "RSS before the flood {} MB, peak while stalled {} MB",
        before / 1024,
        peak / 1024
    );
    assert!(
        growth_mb < 48,
        "the host grew by {growth_mb} MB while the editor did not read"
    );

    // The reader resumes: the witness's answer overtakes the queued logs.
    let resumed = Instant::now();
    let (answer, logs_before) = client.response(&witness).await;
    let latency = resumed.elapsed();
    eprintln!("witness answered {latency:?} after resuming, behind {logs_before} log messages");
    assert_eq!(answer, json!("pong"));
    assert!(
        latency < Duration::from_millis(100),
        "the witness answered {latency:?} after the reader resumed"
    );
    let log = std::fs::read_to_string(&log_file).unwrap_or_default();
    assert!(
        log.contains("log lines dropped"),
        "the drop is logged with a count"
    );
    assert_eq!(client.shutdown().await, 0);
}

#[tokio::test]
async fn an_editor_that_never_reads_stderr_does_not_freeze_the_host() {
    let dir = tempfile::tempdir().unwrap();
    extensions(dir.path());
    let home = tempfile::tempdir().unwrap();
    // Logs go to stderr (no --log-file), a pipe nobody reads: it fills after 64 KB.
    let mut client = Client::spawn(home.path(), dir.path(), None, Stdio::piped());
    client.initialize().await;
    assert_eq!(
        client
            .call(
                "workspace/executeCommand",
                json!({"command": "flood.run", "arguments": [500]})
            )
            .await,
        json!("started")
    );
    flood_done(home.path()).await;
    assert_eq!(
        client
            .call("workspace/executeCommand", json!({"command": "ok.ping"}))
            .await,
        json!("pong")
    );
    assert_eq!(client.shutdown().await, 0);
}
