//! Tests of the native runtime's thread against a fake library written here against the raw C ABI (the
//! end-to-end tests load real `cdylib`s built with the SDK).

use std::ffi::c_void;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::abi::{Buffer, HostVTable};
use super::bridge::run_thread;
use super::library::Functions;
use super::{Engine, NativeEngine};
use crate::runtime::{
    HostCall, HostRequest, LaunchSpec, Limits, LogLevel, RuntimeError, RuntimeHandle,
    RuntimeRequest,
};

/// The fake library's instance: just the host's vtable.
struct FakeInstance {
    host: *const HostVTable,
}

/// Performs a host operation from the fake library, as a real library would.
///
/// # Safety
/// `instance.host` must be the live vtable the host passed to `create`.
unsafe fn host_operation(instance: &FakeInstance, request: &Value) -> Value {
    let bytes = request.to_string().into_bytes();
    // SAFETY: guaranteed by the caller; the answer is freed by the host's own free function.
    let answer = unsafe {
        let vtable = &*instance.host;
        let buffer = (vtable.call)(vtable.context, bytes.as_ptr(), bytes.len());
        let answer = buffer.to_vec();
        (vtable.free_buffer)(buffer);
        answer
    };
    serde_json::from_slice(&answer).expect("the host answers JSON")
}

unsafe extern "C" fn fake_create(host: *const HostVTable) -> *mut c_void {
    Box::into_raw(Box::new(FakeInstance { host })).cast()
}

unsafe extern "C" fn fake_create_null(_host: *const HostVTable) -> *mut c_void {
    std::ptr::null_mut()
}

unsafe extern "C" fn fake_call(instance: *mut c_void, request: *const u8, length: usize) -> Buffer {
    // SAFETY: the host passes the instance `fake_create` made and `length` readable bytes.
    let (instance, request) = unsafe {
        (
            &*instance.cast_const().cast::<FakeInstance>(),
            std::slice::from_raw_parts(request, length),
        )
    };
    let request: Value = serde_json::from_slice(request).expect("the host sends JSON");
    // SAFETY: the vtable is alive while the host calls the instance.
    let host = |operation: Value| unsafe { host_operation(instance, &operation) };
    let answer = match (request["op"].as_str(), request["command"].as_str()) {
        (Some("activate"), _) => {
            host(json!({"op": "registerCommand", "command": "fake.echo"}));
            json!({"ok": {"ready": true, "id": request["extensionId"]}})
        }
        (Some("deactivate"), _) => json!({"ok": null}),
        (Some("executeCommand"), Some("fake.echo")) => json!({ "ok": request["arguments"] }),
        (Some("executeCommand"), Some("fake.reenter")) => {
            let answer =
                host(json!({"op": "executeCommand", "command": "fake.echo", "arguments": [7]}));
            json!({ "ok": answer })
        }
        (Some("executeCommand"), Some("fake.settings")) => {
            json!({ "ok": host(json!({"op": "settings"})) })
        }
        (Some("executeCommand"), Some("fake.teleport")) => {
            json!({ "ok": host(json!({"op": "teleport"})) })
        }
        (Some("executeCommand"), Some("fake.log")) => {
            host(json!({"op": "log", "level": "warn", "message": "careful"}));
            json!({"ok": null})
        }
        (Some("executeCommand"), Some("fake.panic")) => {
            json!({"error": {"kind": "panic", "message": "fake panic (at src/lib.rs:1:1)"}})
        }
        (Some("executeCommand"), Some(command)) => {
            json!({"error": {"kind": "unknownCommand", "command": command, "message": "unknown"}})
        }
        _ => json!({"error": {"kind": "invalidRequest", "message": "?"}}),
    };
    Buffer::from_vec(answer.to_string().into_bytes())
}

unsafe extern "C" fn fake_free(buffer: Buffer) {
    // SAFETY: the fake's buffers are made by `Buffer::from_vec` in this same binary.
    drop(unsafe { buffer.into_vec() });
}

unsafe extern "C" fn fake_destroy(instance: *mut c_void) {
    // SAFETY: the host destroys the instance `fake_create` made, once, with the vtable still valid.
    let instance = unsafe { Box::from_raw(instance.cast::<FakeInstance>()) };
    // SAFETY: as above.
    unsafe {
        host_operation(
            &instance,
            &json!({"op": "log", "level": "debug", "message": "destroyed"}),
        )
    };
}

fn spec() -> LaunchSpec {
    LaunchSpec {
        extension_id: "test.fake".to_owned(),
        extension_path: std::env::temp_dir(),
        entry: std::env::temp_dir(),
        package_json: json!({"native": {"library": "fake"}}),
        limits: Limits::default(),
        development: false,
    }
}

/// A running fake extension, a task playing the lifecycle's part in answering its host calls, and what
/// that task saw.
struct Harness {
    runtime: RuntimeHandle,
    /// The host task's way back into the runtime; emptied to let the runtime's last handle go.
    routed: Arc<Mutex<Option<RuntimeHandle>>>,
    thread: std::thread::JoinHandle<()>,
    registered: Arc<Mutex<Vec<String>>>,
    logs: mpsc::UnboundedReceiver<(LogLevel, String)>,
}

fn start(create: unsafe extern "C" fn(*const HostVTable) -> *mut c_void) -> Harness {
    let functions = Functions {
        create,
        call: fake_call,
        free: fake_free,
        destroy: fake_destroy,
    };
    let (host, mut calls) = mpsc::unbounded_channel::<HostCall>();
    let (runtime, requests) = RuntimeHandle::channel();
    let thread = std::thread::spawn(move || {
        run_thread(functions, "fake.so".into(), spec(), host, requests);
    });
    let registered = Arc::new(Mutex::new(Vec::new()));
    let (log_sender, logs) = mpsc::unbounded_channel();
    let routed = Arc::new(Mutex::new(Some(runtime.clone())));
    let route = Arc::clone(&routed);
    let seen = Arc::clone(&registered);
    tokio::spawn(async move {
        while let Some(call) = calls.recv().await {
            assert_eq!(call.from, "test.fake");
            let answer = match call.request {
                HostRequest::RegisterCommand { command } => {
                    seen.lock().unwrap().push(command);
                    Ok(Value::Null)
                }
                // As the lifecycle does: route the command back into the (only) runtime.
                HostRequest::ExecuteCommand { command, arguments } => {
                    let runtime = route.lock().unwrap().clone();
                    match runtime {
                        Some(runtime) => runtime
                            .call(RuntimeRequest::ExecuteCommand { command, arguments })
                            .await
                            .map_err(|error| error.to_string()),
                        None => Err("the runtime is gone".to_owned()),
                    }
                }
                HostRequest::Snapshot => Ok(json!({"settings": {"a.b": 1}, "documents": []})),
                HostRequest::Log { level, message } => {
                    let _ = log_sender.send((level, message));
                    Ok(Value::Null)
                }
                other => Err(format!("unexpected {other:?}")),
            };
            if let Some(reply) = call.reply {
                let _ = reply.send(answer.map_err(crate::runtime::HostCallError::from));
            }
        }
    });
    Harness {
        runtime,
        routed,
        thread,
        registered,
        logs,
    }
}

/// The next log line, failing the test after a while instead of hanging.
async fn next_log(harness: &mut Harness) -> Option<(LogLevel, String)> {
    tokio::time::timeout(std::time::Duration::from_secs(10), harness.logs.recv())
        .await
        .expect("a log line arrives in time")
}

fn execute(command: &str, arguments: Vec<Value>) -> RuntimeRequest {
    RuntimeRequest::ExecuteCommand {
        command: command.to_owned(),
        arguments,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_host_operations_cross_the_boundary_as_json() {
    let mut harness = start(fake_create);
    let runtime = harness.runtime.clone();
    assert_eq!(
        runtime.call(RuntimeRequest::Activate).await,
        Ok(json!({"ready": true, "id": "test.fake"}))
    );
    assert_eq!(*harness.registered.lock().unwrap(), ["fake.echo"]);
    assert_eq!(
        runtime
            .call(execute("fake.echo", vec![json!(1), json!("two")]))
            .await,
        Ok(json!([1, "two"]))
    );
    // The command executes another command of the same extension through the host: the thread serves
    // that request while it waits for the host's answer.
    assert_eq!(
        runtime.call(execute("fake.reenter", vec![])).await,
        Ok(json!({"ok": [7]}))
    );
    // Settings are the `settings` member of the host's snapshot.
    assert_eq!(
        runtime.call(execute("fake.settings", vec![])).await,
        Ok(json!({"ok": {"a.b": 1}}))
    );
    let unknown = runtime
        .call(execute("fake.teleport", vec![]))
        .await
        .unwrap();
    assert_eq!(unknown["error"]["kind"], "unsupported");
    runtime.call(execute("fake.log", vec![])).await.unwrap();
    assert_eq!(
        next_log(&mut harness).await,
        Some((LogLevel::Warn, "careful".to_owned()))
    );
    assert_eq!(
        runtime.call(execute("fake.nothing", vec![])).await,
        Err(RuntimeError::UnknownCommand {
            command: "fake.nothing".to_owned()
        })
    );
    assert_eq!(
        runtime.call(RuntimeRequest::Deactivate).await,
        Ok(Value::Null)
    );
    // Every handle goes: this one, the harness's, and the host task's.
    drop(runtime);
    harness.routed.lock().unwrap().take();
    let Harness {
        runtime,
        mut logs,
        thread,
        ..
    } = harness;
    drop(runtime);
    assert_eq!(
        tokio::time::timeout(std::time::Duration::from_secs(10), logs.recv())
            .await
            .expect("the instance is destroyed in time"),
        Some((LogLevel::Debug, "destroyed".to_owned())),
        "dropping the last handle destroys the instance"
    );
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .unwrap()
        .expect("the thread ends cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_answers_panicked_and_stops_the_runtime() {
    let mut harness = start(fake_create);
    let runtime = harness.runtime.clone();
    runtime.call(RuntimeRequest::Activate).await.unwrap();
    let panicked = runtime.call(execute("fake.panic", vec![])).await;
    assert_eq!(
        panicked,
        Err(RuntimeError::Panicked {
            message: "fake panic (at src/lib.rs:1:1)".to_owned()
        })
    );
    assert!(panicked.unwrap_err().is_fatal());
    // The instance is destroyed right after the panic; later calls find the runtime stopped.
    assert_eq!(
        next_log(&mut harness).await,
        Some((LogLevel::Debug, "destroyed".to_owned()))
    );
    assert_eq!(
        runtime.call(execute("fake.echo", vec![])).await,
        Err(RuntimeError::Stopped)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_the_library_refuses_to_create_is_a_load_error() {
    let harness = start(fake_create_null);
    let error = harness
        .runtime
        .call(RuntimeRequest::Activate)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RuntimeError::Load { module, reason } if module == "fake.so" && reason.contains("null")),
        "{error:?}"
    );
}

#[test]
fn a_missing_library_is_a_load_error_saying_where_it_looked() {
    let folder = tempfile::tempdir().unwrap();
    let mut spec = spec();
    spec.extension_path = folder.path().to_path_buf();
    let (host, _calls) = mpsc::unbounded_channel();
    let error = NativeEngine::new().launch(spec, host).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("cannot load fake: no native library")
            && message.contains(&folder.path().display().to_string()),
        "{message}"
    );
    assert_eq!(NativeEngine::new().name(), "native");
}
