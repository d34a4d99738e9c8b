//! The protocol's stdio. When stdin and stdout are pipes or stream sockets (as an editor, or the
//! supervisor for its worker, creates them), they are set non-blocking and driven by the async runtime's
//! own poller, so reading a frame and writing an answer cost no thread hop; anything else (a terminal, a
//! file, `/dev/null`) goes through tokio's blocking-pool stdio as before.
//!
//! `O_NONBLOCK` belongs to the open file description, which a process shares with every process holding
//! the same end (a parent that kept its copy of the child's end, a sibling in a shell pipeline). Editors
//! keep only their own ends, so nobody else sees it; the original flags are restored when the input or
//! output is dropped at the end of the session.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Which kind of file a standard descriptor is.
#[cfg(unix)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pipe,
    StreamSocket,
    Other,
}

#[cfg(unix)]
fn kind_of(fd: std::os::fd::BorrowedFd<'_>) -> Kind {
    use std::os::fd::AsRawFd;
    // SAFETY: an all-zero `stat` is a valid value.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fstat` only writes `stat`, for a descriptor that is open (borrowed).
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } != 0 {
        return Kind::Other;
    }
    match stat.st_mode & libc::S_IFMT {
        libc::S_IFIFO => Kind::Pipe,
        libc::S_IFSOCK => {
            let mut socket_type: libc::c_int = 0;
            let mut length = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: `getsockopt` writes at most `length` bytes into `socket_type`.
            let asked = unsafe {
                libc::getsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_TYPE,
                    (&mut socket_type as *mut libc::c_int).cast(),
                    &mut length,
                )
            };
            if asked == 0 && socket_type == libc::SOCK_STREAM {
                Kind::StreamSocket
            } else {
                Kind::Other
            }
        }
        _ => Kind::Other,
    }
}

/// A descriptor's status flags (`F_GETFL`), to restore when the session ends.
#[cfg(unix)]
fn status_flags(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<libc::c_int> {
    use std::os::fd::AsRawFd;
    // SAFETY: `F_GETFL` only reads the flags of an open descriptor.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(flags)
}

/// Puts back the status flags a descriptor had before it was set non-blocking.
#[cfg(unix)]
fn restore_flags(fd: std::os::fd::RawFd, flags: Option<libc::c_int>) {
    if let Some(flags) = flags {
        // SAFETY: `F_SETFL` only changes the flags of a descriptor this process still owns.
        unsafe {
            libc::fcntl(fd, libc::F_SETFL, flags);
        }
    }
}

/// A duplicate of a standard descriptor, owned (closing it leaves the standard one open).
#[cfg(unix)]
fn duplicate(fd: std::os::fd::RawFd) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: `F_DUPFD_CLOEXEC` makes a fresh descriptor, which the `OwnedFd` owns from here on.
    unsafe {
        let copy = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3);
        if copy < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(std::os::fd::OwnedFd::from_raw_fd(copy))
    }
}

#[cfg(unix)]
fn stream_socket(fd: std::os::fd::OwnedFd) -> io::Result<tokio::net::UnixStream> {
    let socket = std::os::unix::net::UnixStream::from(fd);
    socket.set_nonblocking(true)?;
    tokio::net::UnixStream::from_std(socket)
}

enum Input {
    #[cfg(unix)]
    Pipe(tokio::net::unix::pipe::Receiver),
    #[cfg(unix)]
    Socket(tokio::net::UnixStream),
    Blocking(tokio::io::Stdin),
}

/// The protocol's input: this process's stdin (see the module's documentation).
pub struct ProtocolInput {
    input: Input,
    /// The flags to put back when dropped (`None`: nothing was changed).
    #[cfg(unix)]
    original_flags: Option<libc::c_int>,
}

impl std::fmt::Debug for ProtocolInput {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self.input {
            #[cfg(unix)]
            Input::Pipe(_) => "ProtocolInput(pipe)",
            #[cfg(unix)]
            Input::Socket(_) => "ProtocolInput(socket)",
            Input::Blocking(_) => "ProtocolInput(blocking)",
        })
    }
}

impl ProtocolInput {
    /// This process's stdin: non-blocking when it is a pipe or a stream socket, else tokio's stdin. Must
    /// be called inside a tokio runtime with I/O enabled.
    pub fn stdin() -> Self {
        #[cfg(unix)]
        {
            match Self::nonblocking_stdin() {
                Ok(Some(input)) => return input,
                Ok(None) => {}
                Err(error) => {
                    tracing::debug!(%error, "stdin cannot be read without blocking; using a thread");
                }
            }
        }
        Self::blocking()
    }

    fn blocking() -> Self {
        Self {
            input: Input::Blocking(tokio::io::stdin()),
            #[cfg(unix)]
            original_flags: None,
        }
    }

    /// Whether reads are served by the runtime's poller (not a blocking thread).
    pub fn is_nonblocking(&self) -> bool {
        !matches!(self.input, Input::Blocking(_))
    }

    #[cfg(unix)]
    fn nonblocking_stdin() -> io::Result<Option<Self>> {
        use std::os::fd::{AsFd, BorrowedFd};
        // SAFETY: stdin is open for the life of the process.
        let stdin = unsafe { BorrowedFd::borrow_raw(libc::STDIN_FILENO) };
        let kind = kind_of(stdin);
        if kind == Kind::Other {
            return Ok(None);
        }
        let fd = duplicate(libc::STDIN_FILENO)?;
        let flags = status_flags(fd.as_fd())?;
        let original_flags = (flags & libc::O_NONBLOCK == 0).then_some(flags);
        let input = match kind {
            Kind::Pipe => tokio::net::unix::pipe::Receiver::from_owned_fd(fd).map(Input::Pipe),
            _ => stream_socket(fd).map(Input::Socket),
        };
        match input {
            Ok(input) => Ok(Some(Self {
                input,
                original_flags,
            })),
            Err(error) => {
                restore_flags(libc::STDIN_FILENO, original_flags);
                Err(error)
            }
        }
    }
}

impl Drop for ProtocolInput {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            match &self.input {
                Input::Pipe(pipe) => restore_flags(pipe.as_raw_fd(), self.original_flags),
                Input::Socket(socket) => restore_flags(socket.as_raw_fd(), self.original_flags),
                Input::Blocking(_) => {}
            }
        }
    }
}

impl AsyncRead for ProtocolInput {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().input {
            #[cfg(unix)]
            Input::Pipe(pipe) => Pin::new(pipe).poll_read(context, buffer),
            #[cfg(unix)]
            Input::Socket(socket) => Pin::new(socket).poll_read(context, buffer),
            Input::Blocking(stdin) => Pin::new(stdin).poll_read(context, buffer),
        }
    }
}

enum Output {
    #[cfg(unix)]
    Pipe(tokio::net::unix::pipe::Sender),
    #[cfg(unix)]
    Socket(tokio::net::UnixStream),
    #[cfg(unix)]
    File(tokio::fs::File),
    #[cfg(not(unix))]
    Stdout(tokio::io::Stdout),
}

/// The protocol's output: this process's stdout (see the module's documentation).
pub struct ProtocolOutput {
    output: Output,
    /// The flags to put back when dropped (`None`: nothing was changed).
    #[cfg(unix)]
    original_flags: Option<libc::c_int>,
}

impl std::fmt::Debug for ProtocolOutput {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self.output {
            #[cfg(unix)]
            Output::Pipe(_) => "ProtocolOutput(pipe)",
            #[cfg(unix)]
            Output::Socket(_) => "ProtocolOutput(socket)",
            #[cfg(unix)]
            Output::File(_) => "ProtocolOutput(blocking)",
            #[cfg(not(unix))]
            Output::Stdout(_) => "ProtocolOutput(blocking)",
        })
    }
}

impl ProtocolOutput {
    /// Takes this process's stdout for the protocol. On Unix, stdout is duplicated for the protocol writer
    /// and file descriptor 1 then points at stderr, so that nothing else in the process — a native
    /// extension's `println!`, a library that prints — can write into the protocol stream. The duplicate
    /// is non-blocking when it is a pipe or a stream socket, else written on tokio's blocking pool. Must be
    /// called inside a tokio runtime with I/O enabled.
    pub fn take_stdout() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            let protocol = duplicate(libc::STDOUT_FILENO)?;
            // SAFETY: pointing descriptor 1 at what descriptor 2 is; both are this process's own.
            if unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } < 0 {
                return Err(io::Error::last_os_error());
            }
            let kind = kind_of(protocol.as_fd());
            let flags = status_flags(protocol.as_fd())?;
            let original_flags = (flags & libc::O_NONBLOCK == 0).then_some(flags);
            let nonblocking = match kind {
                Kind::Pipe => protocol
                    .try_clone()
                    .and_then(tokio::net::unix::pipe::Sender::from_owned_fd)
                    .map(Output::Pipe),
                Kind::StreamSocket => protocol
                    .try_clone()
                    .and_then(stream_socket)
                    .map(Output::Socket),
                Kind::Other => Err(io::Error::other("neither a pipe nor a socket")),
            };
            match nonblocking {
                Ok(output) => Ok(Self {
                    output,
                    original_flags,
                }),
                Err(error) => {
                    if kind != Kind::Other {
                        tracing::debug!(%error, "stdout cannot be written without blocking; using a thread");
                    }
                    use std::os::fd::AsRawFd;
                    restore_flags(protocol.as_raw_fd(), original_flags);
                    Ok(Self {
                        output: Output::File(tokio::fs::File::from_std(std::fs::File::from(
                            protocol,
                        ))),
                        original_flags: None,
                    })
                }
            }
        }
        #[cfg(not(unix))]
        {
            Ok(Self {
                output: Output::Stdout(tokio::io::stdout()),
            })
        }
    }

    /// Whether writes go straight to the descriptor from the runtime (not through a blocking thread).
    pub fn is_nonblocking(&self) -> bool {
        match self.output {
            #[cfg(unix)]
            Output::Pipe(_) | Output::Socket(_) => true,
            #[cfg(unix)]
            Output::File(_) => false,
            #[cfg(not(unix))]
            Output::Stdout(_) => false,
        }
    }
}

impl Drop for ProtocolOutput {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            match &self.output {
                Output::Pipe(pipe) => restore_flags(pipe.as_raw_fd(), self.original_flags),
                Output::Socket(socket) => restore_flags(socket.as_raw_fd(), self.original_flags),
                Output::File(_) => {}
            }
        }
    }
}

impl AsyncWrite for ProtocolOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().output {
            #[cfg(unix)]
            Output::Pipe(pipe) => Pin::new(pipe).poll_write(context, buffer),
            #[cfg(unix)]
            Output::Socket(socket) => Pin::new(socket).poll_write(context, buffer),
            #[cfg(unix)]
            Output::File(file) => Pin::new(file).poll_write(context, buffer),
            #[cfg(not(unix))]
            Output::Stdout(stdout) => Pin::new(stdout).poll_write(context, buffer),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().output {
            #[cfg(unix)]
            Output::Pipe(pipe) => Pin::new(pipe).poll_flush(context),
            #[cfg(unix)]
            Output::Socket(socket) => Pin::new(socket).poll_flush(context),
            #[cfg(unix)]
            Output::File(file) => Pin::new(file).poll_flush(context),
            #[cfg(not(unix))]
            Output::Stdout(stdout) => Pin::new(stdout).poll_flush(context),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().output {
            #[cfg(unix)]
            Output::Pipe(pipe) => Pin::new(pipe).poll_shutdown(context),
            // Shutting down a socket's writing half would tell the editor more than that we are done.
            #[cfg(unix)]
            Output::Socket(socket) => Pin::new(socket).poll_flush(context),
            #[cfg(unix)]
            Output::File(file) => Pin::new(file).poll_shutdown(context),
            #[cfg(not(unix))]
            Output::Stdout(stdout) => Pin::new(stdout).poll_shutdown(context),
        }
    }
}
