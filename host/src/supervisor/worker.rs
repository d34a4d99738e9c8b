//! One worker process: the same binary's hidden `worker` subcommand, with private pipes for stdio. Its
//! frames arrive on the supervisor's event channel tagged with the worker's generation, followed by one
//! [`WorkerEvent::Exited`] once the process has ended and its output is drained.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Instant;

use bytes::Bytes;
use exthost_protocol::{ContentLengthCodec, Id};
use futures::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite};

use super::marks::MARKS_ENV;

/// The most bytes of queued frames the supervisor gathers into one write (to a worker or the editor).
pub(super) const MAX_BATCH_BYTES: usize = 256 * 1024;

/// What a worker's tasks tell the supervisor.
#[derive(Debug)]
pub(super) enum WorkerEvent {
    /// One frame the worker wrote.
    Frame {
        /// The worker's generation.
        generation: u64,
        /// The message body.
        body: Bytes,
    },
    /// The worker's process ended (its output is drained).
    Exited {
        /// The worker's generation.
        generation: u64,
        /// How it ended, in words (`exit status: 1`, `signal: 9 (SIGKILL)`).
        status: String,
    },
    /// The grace of a worker being stopped is over: kill it if it still runs.
    GraceOver {
        /// The worker's generation.
        generation: u64,
    },
}

/// The supervisor's handle on one worker process.
#[derive(Debug)]
pub(super) struct Worker {
    /// Counts up from 1 for each worker the supervisor starts.
    pub generation: u64,
    /// The process id.
    pub pid: Option<u32>,
    /// Frames to write to the worker's stdin (dropping it closes stdin).
    pub input: Option<mpsc::UnboundedSender<Bytes>>,
    /// Kills the process when sent (or dropped).
    pub kill: Option<oneshot::Sender<()>>,
    /// The worker's marks file (which extension's code is running).
    pub marks: PathBuf,
    /// Whether the worker answered its `initialize` (the editor's or the replayed one).
    pub initialized: bool,
    /// Whether the replay is complete (every replayed request answered).
    pub ready: bool,
    /// Replayed requests not answered yet.
    pub pending_replay: std::collections::HashSet<Id>,
    /// The ping waiting for its answer, and when it was sent.
    pub ping: Option<(Id, Instant)>,
    /// Whether `exthost/unresponsive` was sent for the current stall.
    pub reported_unresponsive: bool,
    /// Why the supervisor killed it, when it did (unresponsive).
    pub killed_because: Option<String>,
    /// Whether it answered the supervisor's `shutdown`: its extensions are deactivated and their state is
    /// on disk, so what replaces it may start extensions while it exits.
    pub stopped: bool,
    /// Frames held back while the workers it replaces still stop (see [`Worker::hold`]).
    held: std::sync::Mutex<Option<Vec<Bytes>>>,
}

impl Worker {
    /// Starts `program args…` as worker `generation` (its marks file `marks`, its supervisor's folder
    /// `owned_folder`), reporting to `events`.
    pub fn spawn(
        program: &std::path::Path,
        args: &[OsString],
        generation: u64,
        marks: PathBuf,
        owned_folder: &std::path::Path,
        events: mpsc::UnboundedSender<WorkerEvent>,
        editor_backlog: std::sync::Arc<super::backlog::Backlog>,
    ) -> std::io::Result<Self> {
        // A fresh, empty marks file: nothing runs yet.
        std::fs::write(&marks, b"")?;
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .env(MARKS_ENV, &marks)
            .env(super::OWNED_FOLDER_ENV, owned_folder)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id();
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("the worker has no stdin pipe"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("the worker has no stdout pipe"))?;

        let (input, mut queue) = mpsc::unbounded_channel::<Bytes>();
        tokio::spawn(async move {
            let mut framed = FramedWrite::new(stdin, ContentLengthCodec::new());
            framed.set_backpressure_boundary(MAX_BATCH_BYTES);
            while let Some(body) = queue.recv().await {
                // What else is queued goes into the same write.
                let mut sent = framed.feed(body).await;
                while sent.is_ok() && framed.write_buffer().len() < MAX_BATCH_BYTES {
                    let Ok(body) = queue.try_recv() else {
                        break;
                    };
                    sent = framed.feed(body).await;
                }
                if sent.is_ok() {
                    sent = SinkExt::<Bytes>::flush(&mut framed).await;
                }
                if sent.is_err() {
                    break;
                }
            }
        });

        let frames = events.clone();
        let reader = tokio::spawn(async move {
            let mut stream = FramedRead::new(stdout, ContentLengthCodec::new());
            loop {
                // While the editor is behind, read nothing more: the worker's own outbox then holds
                // what it says, by its rules (see `backlog.rs`).
                editor_backlog.wait_for_room().await;
                let Some(frame) = stream.next().await else {
                    break;
                };
                match frame {
                    Ok(Ok(body)) => {
                        if frames
                            .send(WorkerEvent::Frame { generation, body })
                            .is_err()
                        {
                            break;
                        }
                    }
                    Ok(Err(error)) => tracing::warn!(%error, generation, "bad frame from a worker"),
                    Err(error) => {
                        tracing::debug!(%error, generation, "worker output ended");
                        break;
                    }
                }
            }
        });

        let (kill, killed) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                _ = killed => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            let status = match status {
                Ok(status) => describe(status),
                Err(error) => format!("cannot wait for it: {error}"),
            };
            // Deliver what it wrote before it ended first.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), reader).await;
            let _ = events.send(WorkerEvent::Exited { generation, status });
        });

        Ok(Self {
            generation,
            pid,
            input: Some(input),
            kill: Some(kill),
            marks,
            initialized: false,
            ready: false,
            pending_replay: std::collections::HashSet::new(),
            ping: None,
            reported_unresponsive: false,
            killed_because: None,
            stopped: false,
            held: std::sync::Mutex::new(None),
        })
    }

    /// Writes one message body to the worker (or keeps it, in order, while the worker is held).
    pub fn send(&self, body: Bytes) {
        if let Some(held) = self.held().as_mut() {
            held.push(body);
            return;
        }
        self.send_now(body);
    }

    /// Writes one message body to the worker even while it is held (the supervisor's pings, its
    /// `shutdown`).
    pub fn send_now(&self, body: Bytes) {
        if let Some(input) = &self.input {
            let _ = input.send(body);
        }
    }

    /// From now on keeps what [`Worker::send`] is given until [`Worker::release`]: a successor's replay
    /// past its `initialize` (what makes extensions start) and the editor's frames wait until the workers
    /// it replaces have stopped, so no extension starts before its predecessor's `deactivate` has run
    /// and written its state.
    pub fn hold(&self) {
        let mut held = self.held();
        if held.is_none() {
            *held = Some(Vec::new());
        }
    }

    /// Whether frames are held back.
    pub fn is_held(&self) -> bool {
        self.held().is_some()
    }

    /// Writes what was held, in order, and stops holding.
    pub fn release(&self) {
        let frames = self.held().take();
        for body in frames.into_iter().flatten() {
            self.send_now(body);
        }
    }

    /// Stops holding and drops what was held (a worker replaced before it was released: whatever the
    /// held frames would have done, its successor's replay does).
    pub fn discard_held(&self) {
        self.held().take();
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<Vec<Bytes>>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Closes the worker's stdin (end of input: it stops its extensions and exits).
    pub fn close_input(&mut self) {
        self.input = None;
    }

    /// Asks the process to stop (SIGTERM): it ends its session as `shutdown` + `exit` would.
    pub fn terminate(&self) {
        #[cfg(unix)]
        if let Some(pid) = self.pid.and_then(|pid| libc::pid_t::try_from(pid).ok()) {
            // SAFETY: `kill` has no memory effects; the pid is our own child's, still waited for.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
    }

    /// Kills the process (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
    }
}

/// How a process ended, in words.
fn describe(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                libc::SIGKILL => " (SIGKILL)",
                libc::SIGABRT => " (SIGABRT: aborted)",
                libc::SIGSEGV => " (SIGSEGV: segmentation fault)",
                libc::SIGBUS => " (SIGBUS)",
                libc::SIGTERM => " (SIGTERM)",
                _ => "",
            };
            return format!("killed by signal {signal}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with code {code}"),
        None => "ended".to_owned(),
    }
}
