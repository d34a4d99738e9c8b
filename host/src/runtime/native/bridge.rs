//! One native extension's thread: it owns the library instance, turns [`RuntimeRequest`]s into JSON calls
//! into the library, and answers the library's host operations by sending [`HostCall`]s and blocking on
//! the reply — serving, meanwhile, requests for this extension that arrive (re-entrant calls).

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use exthost_abi::ExtensionRequest;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::abi::{ABI_VERSION, Buffer, HostVTable};
use super::library::Functions;
use crate::runtime::{
    HostCall, HostCallError, HostCallErrorKind, HostOperation, HostRequest, HostSender, LaunchSpec,
    RuntimeEnvelope, RuntimeError, RuntimeInbox, RuntimeRequest,
};

/// The body of a native extension's thread. A panic on the host's side of the thread (a host bug: the
/// library's own panics never cross the boundary) is reported as [`HostRequest::Crashed`].
pub(crate) fn run_thread(
    functions: Functions,
    library: PathBuf,
    spec: LaunchSpec,
    host: HostSender,
    requests: RuntimeInbox,
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
    requests: RuntimeInbox,
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
    requests: RefCell<RuntimeInbox>,
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
    Answer(Result<Result<Value, HostCallError>, oneshot::error::RecvError>),
    /// A request for this extension arrived meanwhile (`None`: the handle is gone).
    Request(Option<RuntimeEnvelope>),
}

/// How to answer one of the library's host operations.
#[derive(Debug)]
enum Operation {
    /// Send it and wait for the host's answer.
    Ask(HostRequest),
    /// Send it, wait, and answer only this member of the host's answer.
    AskFor(HostRequest, &'static str),
    /// Send it without waiting (log lines).
    Tell(HostRequest),
    /// Answer at once (unsupported or malformed operations).
    Refuse(HostCallError),
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
            RuntimeRequest::Activate => ExtensionRequest::Activate {
                extension_id: self.extension_id.clone(),
                extension_path: self.extension_path.clone(),
                development: self.development,
            },
            RuntimeRequest::Deactivate => ExtensionRequest::Deactivate,
            RuntimeRequest::ExecuteCommand { command, arguments } => {
                ExtensionRequest::ExecuteCommand {
                    command: command.clone(),
                    arguments: arguments.clone(),
                }
            }
            RuntimeRequest::CallExport { path, arguments } => ExtensionRequest::CallExport {
                path: path.clone(),
                arguments: arguments.clone(),
            },
            RuntimeRequest::InvokeProvider {
                handle,
                method,
                params,
                token: _,
            } => ExtensionRequest::InvokeProvider {
                provider: *handle,
                method: method.clone(),
                params: params.clone(),
            },
        };
        let bytes = payload.to_json().to_string().into_bytes();
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
        // The host's own depth limit first: a deeper operation is refused, never parsed recursively.
        let request: Value = match exthost_protocol::json::from_slice(request) {
            Ok(request) => request,
            Err(error) => {
                return HostCallError::invalid_request(format!(
                    "the operation is not JSON: {error}"
                ))
                .to_answer();
            }
        };
        match operation(request) {
            Operation::Refuse(error) => error.to_answer(),
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
            return HostCallError::unavailable("the host is shutting down").to_answer();
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
                Woken::Answer(Ok(Err(error))) => return error.to_answer(),
                Woken::Answer(Err(_)) => {
                    return HostCallError::unavailable("the host stopped before answering")
                        .to_answer();
                }
                Woken::Request(Some((request, reply))) => self.handle(request, reply),
                Woken::Request(None) => self.requests_open.set(false),
            }
        }
    }
}

/// Maps the library's JSON operation ([`HostOperation`], the one parser) to what the host does with it.
fn operation(request: Value) -> Operation {
    let operation = match HostOperation::from_json(request) {
        Ok(operation) => operation,
        Err(mut error) => {
            if error.kind == HostCallErrorKind::Unsupported {
                error.message = format!("exthost {}: {}", env!("CARGO_PKG_VERSION"), error.message);
            }
            return Operation::Refuse(error);
        }
    };
    match operation {
        HostOperation::Settings => Operation::AskFor(HostRequest::Snapshot, "settings"),
        HostOperation::RegisterProvider {
            handle,
            method,
            selector,
            options,
        } => Operation::Ask(HostRequest::RegisterProvider {
            handle,
            method,
            selector,
            // The SDK's registration options are an object; `{}` when it sent none.
            options: if options.is_null() {
                json!({})
            } else {
                options
            },
        }),
        operation => match HostRequest::try_from(operation) {
            Ok(
                request @ (HostRequest::Log { .. } | HostRequest::DocumentChangeListeners { .. }),
            ) => Operation::Tell(request),
            Ok(request) => Operation::Ask(request),
            // The workspace files and the machine id are the JavaScript shims' (a native library reads
            // files itself).
            Err(local) => Operation::Refuse(HostCallError::unsupported(format!(
                "exthost {} does not offer the operation {} to native extensions",
                env!("CARGO_PKG_VERSION"),
                local.name()
            ))),
        },
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
            return HostCallError::invalid_request("the host context is null").to_answer();
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
    .unwrap_or_else(|_| HostCallError::failed("the host panicked while answering").to_answer());
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
        let ask = |request: Value| match operation(request) {
            Operation::Ask(request) | Operation::Tell(request) | Operation::AskFor(request, _) => {
                request
            }
            Operation::Refuse(error) => panic!("answered at once: {error:?}"),
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
        assert!(matches!(
            operation(json!({"op": "log", "level": "warn", "message": "careful"})),
            Operation::Tell(HostRequest::Log {
                level: crate::runtime::LogLevel::Warn,
                ..
            })
        ));
        assert_eq!(
            ask(json!({"op": "showMessage", "type": 1, "message": "no"})),
            HostRequest::EditorNotify {
                method: "window/showMessage".to_owned(),
                params: json!({"type": 1, "message": "no"})
            }
        );
        assert!(matches!(
            operation(json!({"op": "settings"})),
            Operation::AskFor(HostRequest::Snapshot, "settings")
        ));
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
            (json!({"op": "fs.stat", "path": "/etc"}), "unsupported"),
            (json!({"op": "registerCommand"}), "invalidRequest"),
            (json!({}), "invalidRequest"),
        ] {
            match operation(request.clone()) {
                Operation::Refuse(error) => {
                    assert_eq!(error.to_answer()["error"]["kind"], kind, "{request}")
                }
                other => panic!("{request} should be answered at once, not {other:?}"),
            }
        }
    }
}
