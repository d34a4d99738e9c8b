//! A scripted fake [`Engine`] for the lifecycle's unit tests: per extension id, what `activate` does
//! (wait on a gate, take a while, throw, register commands and providers); every launch is recorded with
//! the channel its runtime reaches the host on, so a test can speak as that runtime later (a stale one).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{Semaphore, oneshot};

use crate::runtime::{
    Engine, HostCall, HostRequest, HostSender, LaunchSpec, RuntimeError, RuntimeHandle,
    RuntimeInbox, RuntimeRequest,
};

/// A gate an activation waits at until the test opens it.
#[derive(Debug, Clone)]
pub struct Gate(Arc<Semaphore>);

impl Gate {
    /// A closed gate.
    pub fn closed() -> Self {
        Self(Arc::new(Semaphore::new(0)))
    }

    /// Lets every waiter (now and later) through.
    pub fn open(&self) {
        self.0.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    async fn pass(&self) {
        let _ = self.0.acquire().await;
    }
}

/// What one extension's runtime does.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// `activate` waits here first.
    pub gate: Option<Gate>,
    /// Then takes this long.
    pub delay: Duration,
    /// Then throws this, instead of answering.
    pub throws: Option<String>,
    /// Commands registered during `activate`.
    pub commands: Vec<String>,
    /// A hover provider registered during `activate` for this language id, answering `{"contents": id}`.
    pub hover_for: Option<String>,
    /// Commands wait here, then fail fatally (the runtime panicked) instead of answering.
    pub command_gate: Option<Gate>,
}

/// One runtime the fake launched.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The extension.
    pub id: String,
    /// Where that runtime's calls to the host go (speaks as that runtime, even after it is replaced).
    pub host: HostSender,
    /// The requests it got, by name, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

/// The fake engine.
#[derive(Debug, Default)]
pub struct FakeEngine {
    scripts: Mutex<HashMap<String, Script>>,
    launches: Mutex<Vec<Launch>>,
    prepared: std::sync::atomic::AtomicUsize,
}

impl FakeEngine {
    /// Sets what `id`'s runtimes do from the next launch on.
    pub fn script(&self, id: &str, script: Script) {
        self.scripts
            .lock()
            .expect("scripts lock")
            .insert(id.to_owned(), script);
    }

    /// Every launch of `id` so far, oldest first.
    pub fn launches_of(&self, id: &str) -> Vec<Launch> {
        self.launches
            .lock()
            .expect("launches lock")
            .iter()
            .filter(|launch| launch.id == id)
            .cloned()
            .collect()
    }

    /// How many times the lifecycle asked it to prepare.
    pub fn prepared(&self) -> usize {
        self.prepared.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits (up to 5 s) until `id` has been launched `count` times.
    pub async fn launched(&self, id: &str, count: usize) -> Vec<Launch> {
        for _ in 0..500 {
            let launches = self.launches_of(id);
            if launches.len() >= count {
                return launches;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{id} was not launched {count} times");
    }
}

impl Engine for FakeEngine {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn resolve_entry(&self, folder: &Path, _main: Option<&str>) -> Option<PathBuf> {
        Some(folder.join("fake-entry"))
    }

    fn prepare(&self) {
        self.prepared
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn launch(&self, spec: LaunchSpec, host: HostSender) -> Result<RuntimeHandle, RuntimeError> {
        let script = self
            .scripts
            .lock()
            .expect("scripts lock")
            .get(&spec.extension_id)
            .cloned()
            .unwrap_or_default();
        let launch = Launch {
            id: spec.extension_id.clone(),
            host: host.clone(),
            requests: Arc::default(),
        };
        self.launches
            .lock()
            .expect("launches lock")
            .push(launch.clone());
        let (handle, requests) = RuntimeHandle::channel();
        tokio::spawn(run(launch, script, host, requests));
        Ok(handle)
    }
}

/// Asks the host something as extension `from` and waits for the answer.
pub async fn ask(
    host: &HostSender,
    from: &str,
    request: HostRequest,
) -> Result<Value, crate::runtime::HostCallError> {
    let (reply, answer) = oneshot::channel();
    host.send(HostCall {
        from: from.to_owned(),
        request,
        reply: Some(reply),
    })
    .map_err(|_| "the host has gone".to_owned())?;
    answer
        .await
        .unwrap_or_else(|_| Err(crate::runtime::HostCallError::unavailable("no answer")))
}

async fn run(launch: Launch, script: Script, host: HostSender, mut requests: RuntimeInbox) {
    while let Some((request, reply)) = requests.recv().await {
        let name = match &request {
            RuntimeRequest::Activate => "activate".to_owned(),
            RuntimeRequest::Deactivate => "deactivate".to_owned(),
            RuntimeRequest::ExecuteCommand { command, .. } => format!("command {command}"),
            RuntimeRequest::InvokeProvider { method, .. } => format!("provider {method}"),
            other => format!("{other:?}"),
        };
        launch.requests.lock().expect("requests lock").push(name);
        if let (RuntimeRequest::ExecuteCommand { .. }, Some(gate)) =
            (&request, &script.command_gate)
        {
            let gate = gate.clone();
            tokio::spawn(async move {
                gate.pass().await;
                let _ = reply.send(Err(RuntimeError::Panicked {
                    message: "the command panicked".to_owned(),
                }));
            });
            continue;
        }
        let answer = match request {
            RuntimeRequest::Activate => activate(&launch.id, &script, &host).await,
            RuntimeRequest::ExecuteCommand { command, .. } => Ok(json!({"ran": command})),
            RuntimeRequest::InvokeProvider { .. } => Ok(json!({"contents": launch.id})),
            _ => Ok(Value::Null),
        };
        let _ = reply.send(answer);
    }
}

/// A registration made during `activate`; the host's refusal is what `activate` throws.
async fn register(
    host: &HostSender,
    id: &str,
    request: HostRequest,
) -> Result<Value, RuntimeError> {
    ask(host, id, request)
        .await
        .map_err(|error| RuntimeError::Threw {
            message: error.message,
            stack: None,
        })
}

async fn activate(id: &str, script: &Script, host: &HostSender) -> Result<Value, RuntimeError> {
    for command in &script.commands {
        let request = HostRequest::RegisterCommand {
            command: command.clone(),
        };
        register(host, id, request).await?;
    }
    if let Some(language) = &script.hover_for {
        let request = HostRequest::RegisterProvider {
            handle: 1,
            method: "textDocument/hover".to_owned(),
            selector: json!(language),
            options: json!({}),
        };
        register(host, id, request).await?;
    }
    if let Some(gate) = &script.gate {
        gate.pass().await;
    }
    tokio::time::sleep(script.delay).await;
    match &script.throws {
        Some(message) => Err(RuntimeError::Threw {
            message: message.clone(),
            stack: None,
        }),
        None => Ok(json!({"activated": id})),
    }
}
