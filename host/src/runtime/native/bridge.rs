//! One native extension's thread: it owns the library instance, turns [`RuntimeRequest`]s into JSON calls
//! into the library, and answers the library's host operations by sending [`HostCall`]s and blocking on
//! the reply — serving, meanwhile, requests for this extension that arrive (re-entrant calls).

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::abi::{ABI_VERSION, Buffer, HostVTable};
use super::library::Functions;
use crate::runtime::{
    HostCall, HostRequest, HostSender, LaunchSpec, LogLevel, RuntimeEnvelope, RuntimeError,
    RuntimeRequest,
};

/// The body of a native extension's thread. A panic on the host's side of the thread (a host bug: the
/// library's own panics never cross the boundary) is reported as [`HostRequest::Crashed`].
pub(crate) fn run_thread(
    functions: Functions,
    library: PathBuf,
    spec: LaunchSpec,
    host: HostSender,
    requests: mpsc::UnboundedReceiver<RuntimeEnvelope>,
) {
    let extension_id = spec.extension_id.clone();
    let panic_host = host.clone();
    let served = catch_unwind(AssertUnwindSafe(move || {
        serve(functions, library, spec, host, requests);
    }));
    if let Err(panic) = served {
        crate::runtime::report_panic(&panic_host, extension_id, panic.as_ref());
    }
}

/// Creates the instance, serves until the handle is dropped or the extension panicked, destroys it.
fn serve(
    functions: Functions,
    library: PathBuf,
    spec: LaunchSpec,
    host: HostSender,
    requests: mpsc::UnboundedReceiver<RuntimeEnvelope>,
) {
    // A current-thread executor without drivers: only channels are awaited on it.
    let executor = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(executor) => executor,
        Err(error) => {
            tracing::error!(extension = %spec.extension_id, %error, "cannot start the native runtime");
            return;
        }
    };
    let bridge = Box::new(Bridge {
        extension_id: spec.extension_id.clone(),
        extension_path: spec.extension_path.clone(),
        development: spec.development,
        host,
        requests: RefCell::new(requests),
        requests_open: Cell::new(true),
        executor,
        functions,
        instance: Cell::new(std::ptr::null_mut()),
        stopped: Cell::new(false),
    });
    let context: *const Bridge = &*bridge;
    // Boxed so its address is stable for as long as the instance lives.
    let vtable = Box::new(HostVTable {
        abi_version: ABI_VERSION,
        context: context.cast_mut().cast::<c_void>(),
        call: host_call,
        free_buffer: host_free,
    });
    // SAFETY: `create` has the ABI's signature (resolved after the version check); the vtable stays valid
    // until `destroy` below has returned.
    let instance = {
        let _running = crate::supervisor::marks::enter(&spec.extension_id);
        unsafe { (functions.create)(&*vtable) }
    };
    if instance.is_null() {
        bridge.refuse_all(&RuntimeError::Load {
            module: library.display().to_string(),
            reason:
                "exthost_extension_create answered null (the library does not accept this host)"
                    .to_owned(),
        });
        return;
    }
    bridge.instance.set(instance);
    bridge.serve();
    bridge.stopped.set(true);
    bridge.instance.set(std::ptr::null_mut());
    // SAFETY: the instance came from `create`, no call is running on it (this thread is the only caller
    // and has returned from every call), and it is destroyed once.
    let destroying = crate::supervisor::marks::enter(&bridge.extension_id);
    unsafe { (functions.destroy)(instance) };
    drop(destroying);
    tracing::debug!(extension = %bridge.extension_id, "native instance destroyed; the library stays mapped");
    drop(vtable);
    drop(bridge);
}

/// The host's side of one instance, reached from the library through [`HostVTable::context`].
/// Only ever used on the extension's thread (it is neither `Send` nor `Sync`).
struct Bridge {
    extension_id: String,
    extension_path: PathBuf,
    development: bool,
    host: HostSender,
    requests: RefCell<mpsc::UnboundedReceiver<RuntimeEnvelope>>,
    /// False once every [`RuntimeHandle`](crate::runtime::RuntimeHandle) is gone.
    requests_open: Cell<bool>,
    executor: tokio::runtime::Runtime,
    functions: Functions,
    instance: Cell<*mut c_void>,
    /// Set after the extension panicked (or on teardown): every request is answered `Stopped`.
    stopped: Cell<bool>,
}

/// What a blocking wait woke up for.
enum Woken {
    /// The host answered the library's operation (or dropped the reply).
    Answer(Result<Result<Value, String>, oneshot::error::RecvError>),
    /// A request for this extension arrived meanwhile (`None`: the handle is gone).
    Request(Option<RuntimeEnvelope>),
}

/// How to answer one of the library's host operations.
enum Operation {
    /// Send it and wait for the host's answer.
    Ask(HostRequest),
    /// Send it, wait, and answer only this member of the host's answer.
    AskFor(HostRequest, &'static str),
    /// Send it without waiting (log lines).
    Tell(HostRequest),
    /// Answer at once (unsupported or malformed operations).
    Answer(Value),
}

impl Bridge {
    fn serve(&self) {
        while let Some((request, reply)) = self.next_request() {
            self.handle(request, reply);
            if self.stopped.get() {
                break;
            }
        }
    }

    fn next_request(&self) -> Option<RuntimeEnvelope> {
        if !self.requests_open.get() {
            return None;
        }
        let mut requests = self.requests.borrow_mut();
        let next = self.executor.block_on(requests.recv());
        if next.is_none() {
            self.requests_open.set(false);
        }
        next
    }

    /// Answers every request with `error` until the handle is dropped (the instance could not be made).
    fn refuse_all(&self, error: &RuntimeError) {
        tracing::error!(extension = %self.extension_id, %error, "the native extension cannot start");
        while let Some((_, reply)) = self.next_request() {
            let _ = reply.send(Err(error.clone()));
        }
    }

    fn handle(&self, request: RuntimeRequest, reply: oneshot::Sender<Result<Value, RuntimeError>>) {
        if self.stopped.get() {
            let _ = reply.send(Err(RuntimeError::Stopped));
            return;
        }
        let answer = self.call_library(&request);
        if let Err(RuntimeError::Panicked { message }) = &answer {
            tracing::error!(extension = %self.extension_id, %message, ?request, "the native extension panicked; it takes no more requests");
            self.stopped.set(true);
        }
        let _ = reply.send(answer);
    }

    /// One JSON call into the library.
    fn call_library(&self, request: &RuntimeRequest) -> Result<Value, RuntimeError> {
        let instance = self.instance.get();
        if instance.is_null() {
            return Err(RuntimeError::Stopped);
        }
        let payload = match request {
            // A native call cannot be interrupted, so there is nothing to cancel: by the time this is
            // served, the call it names has finished.
            RuntimeRequest::Cancel { .. } => return Ok(Value::Null),
            // Session events are not delivered to native extensions (yet): the SDK has no API for them.
            RuntimeRequest::Event { .. } => return Ok(Value::Null),
            RuntimeRequest::Activate => json!({
                "op": "activate",
                "extensionId": self.extension_id,
                "extensionPath": self.extension_path,
                "development": self.development,
            }),
            RuntimeRequest::Deactivate => json!({"op": "deactivate"}),
            RuntimeRequest::ExecuteCommand { command, arguments } => {
                json!({"op": "executeCommand", "command": command, "arguments": arguments})
            }
            RuntimeRequest::CallExport { path, arguments } => {
                json!({"op": "callExport", "path": path, "arguments": arguments})
            }
            RuntimeRequest::InvokeProvider {
                handle,
                method,
                params,
                token: _,
            } => {
                json!({"op": "invokeProvider", "provider": handle, "method": method, "params": params})
            }
        };
        let bytes = payload.to_string().into_bytes();
        // SAFETY: `call` and `free` have the ABI's signatures; the instance is alive (it is destroyed only
        // after the serving loop ends, on this thread); the request bytes outlive the call; the answer
        // buffer is read, then handed back to the library's own free function exactly once.
        // The supervisor reads this mark after a crash or a stall: this extension's code is running.
        let _running = crate::supervisor::marks::enter(&self.extension_id);
        let answer = unsafe {
            let buffer = (self.functions.call)(instance, bytes.as_ptr(), bytes.len());
            let answer = buffer.to_vec();
            (self.functions.free)(buffer);
            answer
        };
        decode_answer(&answer)
    }

    /// Answers one host operation from the library (JSON in, JSON out).
    fn answer_host_call(&self, request: &[u8]) -> Value {
        let request: Value = match exthost_protocol::json::from_slice(request) {
            Ok(request) => request,
            Err(error) => {
                return failure(
                    "invalidRequest",
                    &format!("the operation is not JSON: {error}"),
                );
            }
        };
        match operation(&request) {
            Operation::Answer(answer) => answer,
            Operation::Tell(request) => {
                let _ = self.host.send(HostCall {
                    from: self.extension_id.clone(),
                    request,
                    reply: None,
                });
                json!({"ok": null})
            }
            Operation::Ask(request) => self.ask(request),
            Operation::AskFor(request, member) => {
                let mut answer = self.ask(request);
                if let Some(value) = answer.get_mut("ok") {
                    *value = value[member].take();
                }
                answer
            }
        }
    }

    /// Sends `request` to the host and blocks until it answers, serving this extension's requests that
    /// arrive meanwhile (the host may need them to answer, e.g. a command that runs another of ours).
    fn ask(&self, request: HostRequest) -> Value {
        let (reply, mut answer) = oneshot::channel();
        let sent = self.host.send(HostCall {
            from: self.extension_id.clone(),
            request,
            reply: Some(reply),
        });
        if sent.is_err() {
            return failure("failed", "the host is shutting down");
        }
        loop {
            let woken = {
                let mut requests = self.requests.borrow_mut();
                let open = self.requests_open.get();
                self.executor.block_on(async {
                    if open {
                        tokio::select! {
                            biased;
                            answer = &mut answer => Woken::Answer(answer),
                            request = requests.recv() => Woken::Request(request),
                        }
                    } else {
                        Woken::Answer((&mut answer).await)
                    }
                })
            };
            match woken {
                Woken::Answer(Ok(Ok(value))) => return json!({ "ok": value }),
                Woken::Answer(Ok(Err(message))) => return failure("failed", &message),
                Woken::Answer(Err(_)) => {
                    return failure("failed", "the host stopped before answering");
                }
                Woken::Request(Some((request, reply))) => self.handle(request, reply),
                Woken::Request(None) => self.requests_open.set(false),
            }
        }
    }
}

/// `{"error": {"kind": kind, "message": message}}`.
fn failure(kind: &str, message: &str) -> Value {
    json!({"error": {"kind": kind, "message": message}})
}

/// Maps the library's JSON operation to what the host does with it.
fn operation(request: &Value) -> Operation {
    let text = |key: &str| request[key].as_str().map(str::to_owned);
    let arguments = || match &request["arguments"] {
        Value::Array(arguments) => arguments.clone(),
        _ => Vec::new(),
    };
    let missing = |key: &str| {
        Operation::Answer(failure(
            "invalidRequest",
            &format!("{} needs a string \"{key}\"", request["op"]),
        ))
    };
    let Some(op) = request["op"].as_str() else {
        return Operation::Answer(failure("invalidRequest", "the operation has no \"op\""));
    };
    match op {
        "registerCommand" => match text("command") {
            Some(command) => Operation::Ask(HostRequest::RegisterCommand { command }),
            None => missing("command"),
        },
        "unregisterCommand" => match text("command") {
            Some(command) => Operation::Ask(HostRequest::UnregisterCommand { command }),
            None => missing("command"),
        },
        "executeCommand" => match text("command") {
            Some(command) => Operation::Ask(HostRequest::ExecuteCommand {
                command,
                arguments: arguments(),
            }),
            None => missing("command"),
        },
        "getCommands" => Operation::Ask(HostRequest::GetCommands),
        "getExtension" => match text("id") {
            Some(id) => Operation::Ask(HostRequest::GetExtension { id }),
            None => missing("id"),
        },
        "allExtensions" => Operation::Ask(HostRequest::AllExtensions),
        "activateExtension" => match text("id") {
            Some(id) => Operation::Ask(HostRequest::ActivateExtension { id }),
            None => missing("id"),
        },
        "callExport" => match text("id") {
            Some(id) => Operation::Ask(HostRequest::CallExport {
                id,
                path: request["path"]
                    .as_array()
                    .map(|path| {
                        path.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                arguments: arguments(),
            }),
            None => missing("id"),
        },
        "log" => {
            let level = match request["level"].as_str() {
                Some("error") => LogLevel::Error,
                Some("warn") => LogLevel::Warn,
                Some("debug") => LogLevel::Debug,
                _ => LogLevel::Info,
            };
            Operation::Tell(HostRequest::Log {
                level,
                message: text("message").unwrap_or_default(),
            })
        }
        "showMessage" => Operation::Ask(HostRequest::EditorNotify {
            method: "window/showMessage".to_owned(),
            params: json!({
                "type": request["type"].as_u64().unwrap_or(3),
                "message": text("message").unwrap_or_default(),
            }),
        }),
        "settings" => Operation::AskFor(HostRequest::Snapshot, "settings"),
        "registerProvider" => match (request["provider"].as_u64(), text("method")) {
            (Some(handle), Some(method)) => Operation::Ask(HostRequest::RegisterProvider {
                handle,
                method,
                selector: request["selector"].clone(),
                options: match &request["options"] {
                    Value::Null => json!({}),
                    options => options.clone(),
                },
            }),
            _ => Operation::Answer(failure(
                "invalidRequest",
                "registerProvider needs a number \"provider\" and a string \"method\"",
            )),
        },
        "unregisterProvider" => match request["provider"].as_u64() {
            Some(handle) => Operation::Ask(HostRequest::UnregisterProvider { handle }),
            None => Operation::Answer(failure(
                "invalidRequest",
                "unregisterProvider needs a number \"provider\"",
            )),
        },
        // An operation from a newer SDK (or another library) that this host does not know.
        other => Operation::Answer(failure(
            "unsupported",
            &format!(
                "exthost {} does not know the operation {other}",
                env!("CARGO_PKG_VERSION")
            ),
        )),
    }
}

/// Decodes the library's answer: `{"ok": value}` or `{"error": {"kind", "message"}}`.
pub(crate) fn decode_answer(answer: &[u8]) -> Result<Value, RuntimeError> {
    let broken = |why: String| RuntimeError::Panicked {
        message: format!("the native library broke the ABI: {why}"),
    };
    let mut answer: Value = match exthost_protocol::json::from_slice(answer) {
        Ok(answer) => answer,
        // Valid, but deeper than the host carries: an error of this call, not a broken ABI.
        Err(error @ exthost_protocol::json::JsonError::TooDeep { .. }) => {
            return Err(RuntimeError::Threw {
                message: format!("exthost: the extension's answer cannot be carried: {error}"),
                stack: None,
            });
        }
        Err(error) => return Err(broken(format!("its answer is not JSON ({error})"))),
    };
    if let Some(value) = answer.get_mut("ok") {
        return Ok(value.take());
    }
    let error = &answer["error"];
    if !error.is_object() {
        return Err(broken(format!(
            "its answer has neither \"ok\" nor \"error\": {answer}"
        )));
    }
    let message = error["message"].as_str().unwrap_or_default().to_owned();
    Err(match error["kind"].as_str() {
        Some("panic") => RuntimeError::Panicked { message },
        Some("unknownCommand") => RuntimeError::UnknownCommand {
            command: error["command"].as_str().unwrap_or_default().to_owned(),
        },
        Some("invalidRequest") => RuntimeError::Threw {
            message: format!("the native library refused the request: {message}"),
            stack: None,
        },
        _ => RuntimeError::Threw {
            message,
            stack: None,
        },
    })
}

/// [`HostVTable::call`]: the library asks the host for something.
unsafe extern "C" fn host_call(
    context: *mut c_void,
    request: *const u8,
    request_len: usize,
) -> Buffer {
    let answer = catch_unwind(AssertUnwindSafe(|| {
        if context.is_null() {
            return failure("invalidRequest", "the host context is null");
        }
        // SAFETY: `context` is the boxed `Bridge` of this instance, alive until after `destroy`; only shared
        // references are made, so re-entrant calls alias nothing mutably.
        let bridge = unsafe { &*context.cast_const().cast::<Bridge>() };
        let request = if request.is_null() {
            &[][..]
        } else {
            // SAFETY: the ABI requires `request_len` readable bytes for the duration of the call.
            unsafe { std::slice::from_raw_parts(request, request_len) }
        };
        bridge.answer_host_call(request)
    }))
    .unwrap_or_else(|_| failure("failed", "the host panicked while answering"));
    Buffer::from_vec(answer.to_string().into_bytes())
}

/// [`HostVTable::free_buffer`]: the library hands back a buffer [`host_call`] answered.
unsafe extern "C" fn host_free(buffer: Buffer) {
    // SAFETY: the ABI requires that only buffers `host_call` made come back here, once each.
    drop(unsafe { buffer.into_vec() });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_runtime_errors() {
        let cases: Vec<(&str, Result<Value, RuntimeError>)> = vec![
            (r#"{"ok": [1, 2]}"#, Ok(json!([1, 2]))),
            (
                r#"{"error": {"kind": "panic", "message": "boom (at src/lib.rs:3:5)"}}"#,
                Err(RuntimeError::Panicked {
                    message: "boom (at src/lib.rs:3:5)".to_owned(),
                }),
            ),
            (
                r#"{"error": {"kind": "threw", "message": "refused"}}"#,
                Err(RuntimeError::Threw {
                    message: "refused".to_owned(),
                    stack: None,
                }),
            ),
            (
                r#"{"error": {"kind": "unknownCommand", "command": "a.b", "message": "x"}}"#,
                Err(RuntimeError::UnknownCommand {
                    command: "a.b".to_owned(),
                }),
            ),
        ];
        for (answer, expected) in cases {
            assert_eq!(decode_answer(answer.as_bytes()), expected, "{answer}");
        }
        for broken in ["not json", r#"{"neither": 1}"#] {
            let error = decode_answer(broken.as_bytes()).unwrap_err();
            assert!(error.is_fatal(), "{error:?}");
            assert!(error.to_string().contains("broke the ABI"), "{error}");
        }
    }

    #[test]
    fn operations_map_to_host_requests() {
        let ask = |request: Value| match operation(&request) {
            Operation::Ask(request) | Operation::Tell(request) | Operation::AskFor(request, _) => {
                request
            }
            Operation::Answer(answer) => panic!("answered at once: {answer}"),
        };
        assert_eq!(
            ask(json!({"op": "registerCommand", "command": "a.b"})),
            HostRequest::RegisterCommand {
                command: "a.b".to_owned()
            }
        );
        assert_eq!(
            ask(json!({"op": "executeCommand", "command": "a.b", "arguments": [1]})),
            HostRequest::ExecuteCommand {
                command: "a.b".to_owned(),
                arguments: vec![json!(1)]
            }
        );
        assert_eq!(
            ask(json!({"op": "callExport", "id": "x.y", "path": ["api", "f"], "arguments": []})),
            HostRequest::CallExport {
                id: "x.y".to_owned(),
                path: vec!["api".to_owned(), "f".to_owned()],
                arguments: vec![]
            }
        );
        assert_eq!(
            ask(json!({"op": "log", "level": "warn", "message": "careful"})),
            HostRequest::Log {
                level: LogLevel::Warn,
                message: "careful".to_owned()
            }
        );
        assert_eq!(
            ask(json!({"op": "showMessage", "type": 1, "message": "no"})),
            HostRequest::EditorNotify {
                method: "window/showMessage".to_owned(),
                params: json!({"type": 1, "message": "no"})
            }
        );
        assert_eq!(ask(json!({"op": "settings"})), HostRequest::Snapshot);
        assert_eq!(
            ask(
                json!({"op": "registerProvider", "provider": 3, "method": "textDocument/hover", "selector": [{"language": "rust"}]})
            ),
            HostRequest::RegisterProvider {
                handle: 3,
                method: "textDocument/hover".to_owned(),
                selector: json!([{"language": "rust"}]),
                options: json!({})
            }
        );
        for (request, kind) in [
            (
                json!({"op": "registerProvider", "method": "x"}),
                "invalidRequest",
            ),
            (json!({"op": "teleport"}), "unsupported"),
            (json!({"op": "registerCommand"}), "invalidRequest"),
            (json!({}), "invalidRequest"),
        ] {
            match operation(&request) {
                Operation::Answer(answer) => assert_eq!(answer["error"]["kind"], kind, "{request}"),
                _ => panic!("{request} should be answered at once"),
            }
        }
    }
}
