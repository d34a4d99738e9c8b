//! The native engine: native (Rust `cdylib`) extensions, loaded with libloading and driven through a C ABI
//! that carries JSON (`docs/native-abi.md`; the SDK side is the `exthost-sdk` crate).
//!
//! [`NativeEngine::launch`] finds the library (the extension's folder; in development mode also the
//! crate's cargo target folders, see `native/library.rs`), loads it — checking its ABI version before any other
//! symbol, so a mismatch is refused with both versions named — and starts a thread `native:<extension id>`
//! that creates the library's instance and serves [`RuntimeRequest`]s one at a time.
//! The library asks the host for things (register a command, execute any extension's command, log) through
//! a vtable of C callbacks; the thread turns each into a [`HostCall`] and blocks on the
//! answer, serving meanwhile any request for this extension that arrives (so a command may run another
//! command of its own extension, or a JavaScript command that calls back into it).
//!
//! Isolation, honestly:
//! * **Panics are contained.** The SDK runs every call into extension code under `catch_unwind` on the
//!   library's side of the boundary; a panic answers the pending request with
//!   [`RuntimeError::Panicked`] carrying the panic's message, which the
//!   lifecycle treats as fatal for that extension only. The thread then takes no more requests.
//! * **Aborts and memory errors are not.** Native code runs in the host's process: a segfault, an abort, a
//!   stack overflow or undefined behaviour takes the host down. There is no memory limit. Time limits are
//!   enforced from outside by the lifecycle (the call is answered as timed out and the extension failed),
//!   but the thread cannot be interrupted: it runs on until the native code returns.
//! * **No unloading.** Disabling an extension deactivates and destroys its instance and the lifecycle
//!   forgets its commands, but the library stays mapped until the process exits: unloading Rust code in
//!   process is unsound (thread-locals with destructors, leaked statics, function pointers handed out).
//!   Enabling it again creates a fresh instance from the same mapping; a library rebuilt on disk since is
//!   loaded anew from a private copy.

mod abi;
mod bridge;
pub(crate) mod library;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use super::{Engine, HostSender, LaunchSpec, RuntimeError, RuntimeHandle};
#[cfg(doc)]
use super::{HostCall, RuntimeRequest};

/// Stack of each native extension's thread (the extension's code runs on it).
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

/// The ABI version this host speaks (`exthost_abi_version` must answer it).
pub const ABI_VERSION: u32 = abi::ABI_VERSION;

/// The engine for native extensions ([`Engine::name`] `"native"`); the lifecycle uses it for manifests with
/// `native` (`Manifest::is_native`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeEngine;

impl NativeEngine {
    /// A new engine. It holds no state of its own: loaded libraries are process-wide (they are never
    /// unloaded), and every [`Engine::launch`] makes a fresh instance on a fresh thread.
    pub fn new() -> Self {
        Self
    }
}

impl Engine for NativeEngine {
    fn name(&self) -> &'static str {
        "native"
    }

    /// A native extension starts from its folder (the library is located from it and the manifest).
    fn resolve_entry(&self, folder: &Path, _main: Option<&str>) -> Option<PathBuf> {
        Some(folder.to_path_buf())
    }

    fn launch(&self, spec: LaunchSpec, host: HostSender) -> Result<RuntimeHandle, RuntimeError> {
        let path = library::locate(&spec)?;
        let functions = library::load(&path, spec.development)?;
        tracing::debug!(extension = %spec.extension_id, library = %path.display(), "native library loaded");
        let (handle, requests) = RuntimeHandle::channel();
        let module = path.display().to_string();
        std::thread::Builder::new()
            .name(format!("native:{}", spec.extension_id))
            .stack_size(THREAD_STACK_BYTES)
            .spawn(move || bridge::run_thread(functions, path, spec, host, requests))
            .map_err(|error| RuntimeError::Load {
                module,
                reason: format!("cannot start the extension's thread: {error}"),
            })?;
        Ok(handle)
    }
}
