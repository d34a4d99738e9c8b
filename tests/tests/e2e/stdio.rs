//! The protocol's stdio in every shape an editor gives it (`host/src/stdio.rs`): pipes and socket pairs
//! (Neovim's and Node's) read and written without blocking — the descriptors are `O_NONBLOCK` while the
//! session runs and get their flags back when it ends — and a regular file as stdin, read as before.
#![cfg(unix)]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Stdio;
use std::time::Duration;

use exthost_protocol::{
    Client, ContentLengthCodec, Id, Message, Notification, Request, Response, ResponsePayload,
    encode_frame,
};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio_util::codec::Decoder;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A pipe: (read end, write end), close-on-exec.
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `pipe2` writes two fresh descriptors into `fds`, which the `OwnedFd`s own from here on.
    unsafe {
        assert_eq!(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
        (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
    }
}

/// Whether `fd`'s open file description is non-blocking.
fn is_nonblocking(fd: &OwnedFd) -> bool {
    // SAFETY: `F_GETFL` only reads the flags of a descriptor this test owns.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0);
    flags & libc::O_NONBLOCK != 0
}

/// `exthost serve` with `stdin`/`stdout`, an isolated home and no extensions.
fn command(home: &std::path::Path) -> tokio::process::Command {
    let mut command = exthost_e2e::isolated_command(home, None);
    command.arg("serve").stderr(Stdio::inherit());
    command
}

async fn wait(child: &mut tokio::process::Child) -> i32 {
    tokio::time::timeout(TIMEOUT, child.wait())
        .await
        .expect("the host exits")
        .expect("wait for the host")
        .code()
        .unwrap_or(-1)
}

/// Whether `response` carries a result (not an error).
fn result(response: &Response) -> Option<&Value> {
    match &response.payload {
        ResponsePayload::Result(value) => Some(value),
        ResponsePayload::Error(_) => None,
    }
}

/// initialize, one request, shutdown, exit: the session a client runs over any stdio.
async fn session<W: tokio::io::AsyncWrite + Unpin>(client: &mut Client<W>) {
    let answer = client
        .request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        )
        .await
        .expect("initialize answered");
    assert!(result(&answer).is_some(), "{answer:?}");
    client.notify("initialized", json!({})).await.expect("send");
    let listed = client
        .request("exthost/listExtensions", json!({}))
        .await
        .expect("listExtensions answered");
    assert!(
        result(&listed).is_some_and(|result| result["extensions"].is_array()),
        "{listed:?}"
    );
    let shutdown = client
        .request("shutdown", Value::Null)
        .await
        .expect("shutdown answered");
    assert!(result(&shutdown).is_some(), "{shutdown:?}");
    client.notify("exit", Value::Null).await.expect("send");
}

#[tokio::test]
async fn pipes_are_nonblocking_during_the_session_and_get_their_flags_back_after() {
    let home = tempfile::tempdir().unwrap();
    let (child_stdin, our_stdin) = pipe();
    let (our_stdout, child_stdout) = pipe();
    // Copies of the child's own ends: the same open file descriptions, whose flags the host changes.
    let child_stdin_copy = child_stdin.try_clone().unwrap();
    let child_stdout_copy = child_stdout.try_clone().unwrap();
    assert!(!is_nonblocking(&child_stdin_copy) && !is_nonblocking(&child_stdout_copy));
    let mut command = command(home.path());
    command
        .stdin(Stdio::from(child_stdin))
        .stdout(Stdio::from(child_stdout));
    let mut child = command.spawn().expect("spawn exthost");
    drop(command);
    let reader = tokio::net::unix::pipe::Receiver::from_owned_fd(our_stdout).unwrap();
    let writer = tokio::net::unix::pipe::Sender::from_owned_fd(our_stdin).unwrap();
    let mut client = Client::new(reader, writer).with_timeout(TIMEOUT);
    let answer = client
        .request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        )
        .await
        .expect("initialize answered");
    assert!(result(&answer).is_some(), "{answer:?}");
    assert!(
        is_nonblocking(&child_stdin_copy),
        "the host reads its stdin pipe without a blocking thread"
    );
    assert!(
        is_nonblocking(&child_stdout_copy),
        "the host writes its stdout pipe without a blocking thread"
    );
    let shutdown = client
        .request("shutdown", Value::Null)
        .await
        .expect("shutdown answered");
    assert!(result(&shutdown).is_some(), "{shutdown:?}");
    client.notify("exit", Value::Null).await.expect("send");
    assert_eq!(wait(&mut child).await, 0);
    assert!(
        !is_nonblocking(&child_stdin_copy),
        "stdin's flags are put back when the session ends"
    );
    assert!(
        !is_nonblocking(&child_stdout_copy),
        "stdout's flags are put back when the session ends"
    );
}

#[tokio::test]
async fn a_socket_pair_as_stdio_serves_a_session() {
    // How libuv (Neovim) and Node give a child its stdio: one socket pair per stream.
    let home = tempfile::tempdir().unwrap();
    let (child_stdin, our_stdin) = std::os::unix::net::UnixStream::pair().unwrap();
    let (child_stdout, our_stdout) = std::os::unix::net::UnixStream::pair().unwrap();
    let child_stdin_copy = OwnedFd::from(child_stdin.try_clone().unwrap());
    let mut command = command(home.path());
    command
        .stdin(Stdio::from(OwnedFd::from(child_stdin)))
        .stdout(Stdio::from(OwnedFd::from(child_stdout)));
    let mut child = command.spawn().expect("spawn exthost");
    drop(command);
    our_stdin.set_nonblocking(true).unwrap();
    our_stdout.set_nonblocking(true).unwrap();
    let reader = tokio::net::UnixStream::from_std(our_stdout).unwrap();
    let writer = tokio::net::UnixStream::from_std(our_stdin).unwrap();
    let mut client = Client::new(reader, writer).with_timeout(TIMEOUT);
    session(&mut client).await;
    assert_eq!(wait(&mut child).await, 0);
    assert!(
        !is_nonblocking(&child_stdin_copy),
        "the socket's flags are put back when the session ends"
    );
}

#[tokio::test]
async fn a_regular_file_as_stdin_is_read_as_before() {
    // A file cannot be polled: the host reads it on a blocking thread, as it always did.
    let home = tempfile::tempdir().unwrap();
    let frames: Vec<Message> = vec![
        Message::Request(Request {
            id: Id::Number(1),
            method: "initialize".to_owned(),
            params: Some(json!({"processId": null, "rootUri": null, "capabilities": {}})),
        }),
        Message::Request(Request {
            id: Id::Number(2),
            method: "shutdown".to_owned(),
            params: None,
        }),
        Message::Notification(Notification {
            method: "exit".to_owned(),
            params: None,
        }),
    ];
    let input = home.path().join("input");
    let bytes: Vec<u8> = frames
        .iter()
        .flat_map(|message| encode_frame(&message.to_vec()))
        .collect();
    std::fs::write(&input, bytes).unwrap();
    let mut command = command(home.path());
    command
        .stdin(std::fs::File::open(&input).unwrap())
        .stdout(Stdio::piped());
    let mut child = command.spawn().expect("spawn exthost");
    let mut output = child.stdout.take().expect("piped stdout");
    let mut written = Vec::new();
    tokio::time::timeout(TIMEOUT, output.read_to_end(&mut written))
        .await
        .expect("stdout ends")
        .unwrap();
    assert_eq!(wait(&mut child).await, 0);
    let mut buffer = bytes::BytesMut::from(&written[..]);
    let mut codec = ContentLengthCodec::new();
    let mut answers = Vec::new();
    while let Ok(Some(Ok(body))) = codec.decode(&mut buffer) {
        let message: Value = serde_json::from_slice(&body).expect("JSON");
        if message.get("method").is_none() {
            assert!(message.get("result").is_some(), "{message}");
            answers.push(message["id"].clone());
        }
    }
    assert_eq!(answers, vec![json!(1), json!(2)]);
}
