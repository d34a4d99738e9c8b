//! The one definition of exthost's guest interface, shared by the host (`exthost`) and the SDK native
//! extensions build against (`exthost-sdk`), as Zed's WIT files are for its extensions:
//!
//! * [`native`]: the C ABI — version, symbol names, the `repr(C)` [`native::Buffer`] and
//!   [`native::HostVTable`] (documented in `docs/native-abi.md`).
//! * [`HostOperation`]: what extension code asks of the host (register a command, execute one, log, …).
//!   Every engine — QuickJS, Deno, native — parses operations with it and nothing else.
//! * [`ExtensionRequest`]: what the host asks of an extension (activate, execute a command, …), as the
//!   native ABI carries it.
//! * [`HostCallError`]: why a host operation failed, with a [`HostCallErrorKind`] extension code can
//!   tell apart (`error.code` in JavaScript, [`HostCallError::kind`] in Rust).
//!
//! Everything here is data: JSON on the wire, `serde` derives for both directions.

pub mod error;
pub mod native;
pub mod operation;
pub mod request;

pub use error::{HostCallError, HostCallErrorKind};
pub use operation::{ConfigurationTarget, HostOperation, LogLevel, StateScope};
pub use request::ExtensionRequest;
