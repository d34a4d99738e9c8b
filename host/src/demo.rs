//! `exthost demo`: a scripted editor session against the built-in example extensions, run through the
//! real server and the real framing over an in-memory pipe, printed as a readable transcript.
#![allow(
    clippy::print_stdout,
    reason = "the demo's transcript is its output (this module is part of the binary, not the library)"
)]

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use exthost::config::HostConfig;
use exthost::runtime::Engine;
use exthost_protocol::{Client, Handler, Message, Request, ResponseError, ResponsePayload};
use serde_json::{Value, json};
use tokio::io::{DuplexStream, WriteHalf};

/// How long the demo waits for any one answer before giving up.
const WAIT: Duration = Duration::from_secs(15);

/// Runs the demo and prints its transcript.
pub fn run(engine: Arc<dyn Engine>) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(script(engine));
    runtime.shutdown_timeout(Duration::from_millis(200));
    outcome.map(|()| ExitCode::SUCCESS)
}

/// The editor side of the demo: the shared JSON-RPC client, printing what it says and hears.
struct Editor {
    client: Client<WriteHalf<DuplexStream>, Transcript>,
}

/// Prints every message from the host as it arrives, and answers the host's requests as an editor would.
struct Transcript {
    /// Which action to pick when the host asks with `window/showMessageRequest`.
    choice: Option<String>,
}

impl Handler for Transcript {
    fn received(&mut self, message: &Message) {
        match message {
            Message::Notification(notification) => {
                let params = notification.params.clone().unwrap_or(Value::Null);
                match notification.method.as_str() {
                    "exthost/extensionStateChanged" => {
                        let error = params["error"]["message"]
                            .as_str()
                            .map(|m| format!(" ({m})"))
                            .unwrap_or_default();
                        println!(
                            "host → editor  {} is {}{error}",
                            text(&params["id"]),
                            text(&params["state"])
                        );
                    }
                    "window/logMessage" | "window/showMessage" => {
                        println!(
                            "host → editor  {} {}",
                            notification.method,
                            text(&params["message"])
                        );
                    }
                    method => println!("host → editor  {method} {}", brief(&params)),
                }
            }
            Message::Request(request) => {
                let params = request.params.clone().unwrap_or(Value::Null);
                println!(
                    "host → editor  request {} {}",
                    request.method,
                    brief(&params)
                );
            }
            Message::Response(response) => match &response.payload {
                ResponsePayload::Result(value) => {
                    println!("host → editor  result {}", brief(value));
                }
                ResponsePayload::Error(error) => {
                    println!("host → editor  error {}: {}", error.code, error.message);
                }
            },
        }
    }

    fn answer(&mut self, request: &Request) -> Option<Result<Value, ResponseError>> {
        let result = match request.method.as_str() {
            "window/showMessageRequest" => match self.choice.take() {
                Some(title) => {
                    println!("editor         (the user clicks \"{title}\")");
                    json!({"title": title})
                }
                None => Value::Null,
            },
            "workspace/configuration" => {
                let items = request
                    .params
                    .as_ref()
                    .and_then(|params| params["items"].as_array())
                    .map_or(0, Vec::len);
                Value::Array(vec![Value::Null; items])
            }
            _ => Value::Null,
        };
        Some(Ok(result))
    }
}

impl Editor {
    async fn notify(&mut self, method: &str, params: Value) -> anyhow::Result<()> {
        println!("editor → host  {method} {}", brief(&params));
        self.client
            .notify(method, params)
            .await
            .context("the host stopped reading")
    }

    /// Sends a request, prints what the host says meanwhile, and answers the response.
    async fn request(
        &mut self,
        method: &str,
        params: Value,
    ) -> anyhow::Result<Result<Value, String>> {
        println!("editor → host  {method} {}", brief(&params));
        let response = self
            .client
            .request(method, params)
            .await
            .context("no answer from the host")?;
        Ok(match response.payload {
            ResponsePayload::Result(value) => Ok(value),
            ResponsePayload::Error(error) => Err(error.message),
        })
    }

    /// Waits for a notification of `method` (or takes one that already came), printing everything on the
    /// way.
    async fn wait_for(&mut self, method: &str) -> anyhow::Result<()> {
        self.client
            .notification(method, |_| true)
            .await
            .with_context(|| format!("no {method} from the host"))?;
        Ok(())
    }
}

/// A JSON value in one short line.
fn brief(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 160 {
        let mut cut = 157;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn heading(title: &str) {
    println!("\n== {title}");
}

async fn script(engine: Arc<dyn Engine>) -> anyhow::Result<()> {
    let workspace = tempfile_dir()?;
    let (editor_side, host_side) = tokio::io::duplex(1 << 20);
    let (host_read, host_write) = tokio::io::split(host_side);
    let server = tokio::spawn(exthost::server::serve(
        host_read,
        host_write,
        HostConfig::default(),
        engine,
    ));
    let (editor_read, editor_write) = tokio::io::split(editor_side);
    let mut editor = Editor {
        client: Client::with_handler(editor_read, editor_write, Transcript { choice: None })
            .with_timeout(WAIT),
    };

    heading("The editor starts the host");
    let root = exthost::session::path_to_file_uri(workspace.path());
    let init = editor
        .request(
            "initialize",
            json!({"processId": null, "rootUri": root, "capabilities": {}}),
        )
        .await?
        .map_err(anyhow::Error::msg)?;
    println!(
        "               commands: {}",
        init["capabilities"]["executeCommandProvider"]["commands"]
    );
    editor.notify("initialized", json!({})).await?;
    let list = editor
        .request("exthost/listExtensions", json!({}))
        .await?
        .map_err(anyhow::Error::msg)?;
    for extension in list["extensions"].as_array().into_iter().flatten() {
        println!(
            "               {:<28} {:<8} {}",
            text(&extension["id"]),
            text(&extension["version"]),
            text(&extension["state"])
        );
    }

    heading("A command activates its extension, and its dependency first");
    editor
        .request(
            "workspace/executeCommand",
            json!({"command": "hello.say", "arguments": ["Ada", "fr"]}),
        )
        .await?
        .map_err(anyhow::Error::msg)?;

    heading("A native (Rust) extension's command calls a JavaScript extension's command");
    editor
        .request(
            "workspace/executeCommand",
            json!({"command": "word-tools.greet-loudly", "arguments": ["Linus"]}),
        )
        .await?
        .map_err(anyhow::Error::msg)?;

    heading("Opening a plain text file activates TODO Lens: diagnostics, hover, completions");
    let uri = format!("{root}/notes.txt");
    let notes = "Buy milk\nTODO: write the docs\nFIXME the broken link\n";
    editor
        .notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": notes}}))
        .await?;
    editor.wait_for("textDocument/publishDiagnostics").await?;
    editor
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}}),
        )
        .await?
        .map_err(anyhow::Error::msg)?;
    editor
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        )
        .await?
        .map_err(anyhow::Error::msg)?;

    heading("A message with actions: the extension asks, the user answers");
    editor.client.handler_mut().choice = Some("Clear".to_owned());
    editor
        .request(
            "workspace/executeCommand",
            json!({"command": "todoLens.clear"}),
        )
        .await?
        .map_err(anyhow::Error::msg)?;
    editor.wait_for("textDocument/publishDiagnostics").await?;

    heading("An extension loops forever: it is stopped, and the others keep working");
    if editor
        .request(
            "workspace/executeCommand",
            json!({"command": "misbehaving.spin"}),
        )
        .await?
        .is_ok()
    {
        bail!("the endless loop was expected to fail");
    }
    editor
        .request(
            "workspace/executeCommand",
            json!({"command": "hello.say", "arguments": ["Grace"]}),
        )
        .await?
        .map_err(anyhow::Error::msg)?;

    heading("The editor shuts the host down");
    editor
        .request("shutdown", Value::Null)
        .await?
        .map_err(anyhow::Error::msg)?;
    editor.notify("exit", Value::Null).await?;
    let code = tokio::time::timeout(WAIT, server)
        .await
        .context("the host did not exit")??;
    println!("               the host exited with code {code}");
    if code != 0 {
        bail!("the host exited with code {code}");
    }
    Ok(())
}

/// A scratch workspace folder for the session.
fn tempfile_dir() -> anyhow::Result<TempDir> {
    let path = std::env::temp_dir().join(format!("exthost-demo-{}", std::process::id()));
    std::fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(TempDir(path))
}

/// A folder removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
