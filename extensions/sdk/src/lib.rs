//! `exthost-sdk`: write exthost extensions in Rust. A native extension is a `cdylib` that implements
//! [`Extension`] and exports it with [`export_extension!`]; the exthost host loads it, activates it on
//! the events its manifest declares, and routes commands to it — exactly like a JavaScript extension, with
//! which it can call commands both ways.
//!
//! # A complete extension
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "word-count"
//! version = "0.1.0"
//! edition = "2024"
//!
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! exthost-sdk = "0.1"
//! ```
//!
//! `exthost.json` beside it (`native.library` is the library's file name without the platform's prefix
//! and suffix: the crate `word-count` builds `libword_count.so`, `libword_count.dylib` or
//! `word_count.dll`):
//!
//! ```json
//! {
//!   "id": "com.example.word-count",
//!   "name": "Word count",
//!   "version": "0.1.0",
//!   "native": { "library": "word_count" },
//!   "activationEvents": ["onCommand:word-count.count"],
//!   "contributes": { "commands": [{ "command": "word-count.count", "title": "Count words" }] }
//! }
//! ```
//!
//! `src/lib.rs`:
//!
//! ```
//! use exthost_sdk::{Context, Extension, Host, Result, export_extension, json};
//!
//! /// The extension's state: here, nothing but a count of calls.
//! #[derive(Default)]
//! pub struct WordCount;
//!
//! impl Extension for WordCount {
//!     fn activate(&mut self, context: &mut Context) -> Result<()> {
//!         context.register_command("word-count.count", |call| {
//!             let text: String = call.argument(0)?;
//!             Ok(json!(text.split_whitespace().count()))
//!         })?;
//!         context.host().info("word-count is ready");
//!         Ok(())
//!     }
//!
//!     fn deactivate(&mut self, host: &Host) -> Result<()> {
//!         host.info("word-count says goodbye");
//!         Ok(())
//!     }
//! }
//!
//! export_extension!(WordCount::default);
//! ```
//!
//! Build it with `cargo build --release`, then `exthost serve --dev <the crate's folder>` finds the
//! library in the crate's target folder; to ship it, copy the library next to `exthost.json` (see the
//! extension guide). Test it without the host with [`testing::TestHost`].
//!
//! # How it runs, and what isolation you get
//!
//! Each native extension gets a thread of its own in the host process; every call — `activate`,
//! `deactivate`, command handlers, exported functions — runs on it, one at a time, except that while your
//! code waits on the host (say in [`Host::execute_command`]) the host may call in again to serve a request
//! for this extension that arrived meanwhile.
//!
//! **Panics are contained**: every call into your code runs under `catch_unwind` on your side of the C
//! boundary. A panic answers the pending request with an error carrying the panic's message and location,
//! the host marks this extension `failed`, and every other extension keeps running. (The crate refuses to
//! build with `panic = "abort"`, which would make that impossible.)
//!
//! **Aborts and memory errors are not contained**: native code shares the host's process. A segfault,
//! `std::process::abort`, a stack overflow or undefined behaviour in `unsafe` code takes the whole host down
//! (the editor sees the process exit and may restart it). Time limits are enforced from outside: a call
//! that runs past its limit is answered with an error and the extension is failed, but its thread cannot be
//! interrupted and runs on until the code returns. There is no memory limit for native code.
//!
//! **Disable, not unload**: disabling the extension deactivates it and drops what it registered; the
//! library stays mapped in the process until it exits (unloading Rust code in process is not safe).
//! Enabling it again creates a fresh instance from the same library; a rebuilt library is loaded anew.
//!
//! # What the host offers native extensions, and what not yet
//!
//! Commands (register, execute any extension's, unregister), exports (values and functions), log lines and
//! messages to the user, settings ([`Host::configuration`]), language feature providers
//! ([`Context::register_hover_provider`], [`Context::register_completion_provider`],
//! [`Context::register_provider`]), extension lookups and persisted state ([`Context::global_state`],
//! [`Context::workspace_state`]: JSON values in the same files as JavaScript extensions' mementos) all
//! work. Not yet: native extensions receive no
//! session events (documents opened or changed, settings changed) and cannot read a document's text, so a
//! provider works from what the LSP request carries (URI, position, context). An operation a host does not
//! offer answers [`Error::Unsupported`].

#![deny(missing_docs)]

#[cfg(not(panic = "unwind"))]
compile_error!(
    "exthost-sdk needs panic = \"unwind\": the host contains an extension's panics by catching them, which \
     panic = \"abort\" makes impossible. Remove `panic = \"abort\"` from your Cargo profile."
);

pub mod abi;
mod context;
mod dispatch;
mod entry;
mod error;
mod host;
pub mod providers;
mod state;
pub mod testing;

pub use serde_json::{self, Value, json};

pub use crate::context::{Call, Context};
pub use crate::error::{Error, Result};
pub use crate::host::{Host, LogLevel, MessageLevel};
pub use crate::providers::{DocumentFilter, DocumentSelector, Position, ProviderRequest};
pub use crate::state::Memento;

/// A native extension: what the host activates and deactivates.
///
/// The value is made by the constructor given to [`export_extension!`] when the host first activates the
/// extension, and dropped on deactivation (or when the host stops). Commands are closures registered on
/// the [`Context`]; share state between them and the extension with `Rc<RefCell<…>>` or `Cell` (everything
/// runs on one thread).
pub trait Extension {
    /// Called once, on the first activation event: register commands, exports and providers. An `Err`
    /// (or a panic) marks the extension `failed` with its message.
    fn activate(&mut self, context: &mut Context) -> Result<()>;

    /// Called when the extension is disabled or the host stops; everything registered through the
    /// [`Context`] is dropped after it returns. The default does nothing.
    fn deactivate(&mut self, host: &Host) -> Result<()> {
        let _ = host;
        Ok(())
    }
}

/// Exports an [`Extension`] from a `cdylib`: emits the C entry points the host loads (see [`abi`]).
///
/// Give it a constructor — a function or closure returning the extension value — for example
/// `export_extension!(MyExtension::default)` or `export_extension!(|| MyExtension::new(10))`. Use it once
/// per library, at the crate's top level.
///
/// ```
/// use exthost_sdk::{Context, Extension, Result, export_extension};
///
/// struct Quiet;
///
/// impl Extension for Quiet {
///     fn activate(&mut self, _context: &mut Context) -> Result<()> {
///         Ok(())
///     }
/// }
///
/// export_extension!(|| Quiet);
/// ```
#[macro_export]
macro_rules! export_extension {
    ($constructor:expr $(,)?) => {
        const _: () = {
            /// The exthost ABI version this library was built for.
            #[unsafe(no_mangle)]
            pub extern "C" fn exthost_abi_version() -> u32 {
                $crate::abi::ABI_VERSION
            }

            /// Creates an extension instance bound to the host's vtable.
            ///
            /// # Safety
            /// See `exthost_sdk::abi`: `host` stays valid until `exthost_extension_destroy`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn exthost_extension_create(
                host: *const $crate::abi::HostVTable,
            ) -> *mut ::core::ffi::c_void {
                // SAFETY: forwarded from the host, which upholds the ABI's contract.
                unsafe { $crate::__private::create(host, $constructor) }
            }

            /// Serves one JSON request.
            ///
            /// # Safety
            /// See `exthost_sdk::abi`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn exthost_extension_call(
                instance: *mut ::core::ffi::c_void,
                request: *const u8,
                request_len: usize,
            ) -> $crate::abi::Buffer {
                // SAFETY: forwarded from the host, which upholds the ABI's contract.
                unsafe { $crate::__private::call(instance, request, request_len) }
            }

            /// Frees a buffer `exthost_extension_call` answered.
            ///
            /// # Safety
            /// See `exthost_sdk::abi`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn exthost_buffer_free(buffer: $crate::abi::Buffer) {
                // SAFETY: forwarded from the host, which upholds the ABI's contract.
                unsafe { $crate::__private::free_buffer(buffer) }
            }

            /// Destroys an instance.
            ///
            /// # Safety
            /// See `exthost_sdk::abi`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn exthost_extension_destroy(instance: *mut ::core::ffi::c_void) {
                // SAFETY: forwarded from the host, which upholds the ABI's contract.
                unsafe { $crate::__private::destroy(instance) }
            }
        };
    };
}

/// Implementation details of [`export_extension!`]; not public API, may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::entry::{call, create, destroy, free_buffer};
}
