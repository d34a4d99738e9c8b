//! The bodies of the C entry points [`export_extension!`](crate::export_extension) emits. Not public API:
//! reached through `exthost_sdk::__private` by the macro only.

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::Extension;
use crate::abi::{ABI_VERSION, Buffer, HostVTable};
use crate::dispatch::{Dispatch, Instance, failure, install_panic_hook};
use crate::host::Host;

/// What the opaque instance pointer points to.
type Erased = Box<dyn Dispatch>;

/// `exthost_extension_create`: a new instance whose extension `factory` makes on `activate`. Answers
/// null when `host` is null or speaks another ABI version.
///
/// # Safety
/// `host` must be null or point to a [`HostVTable`] that stays valid, at the same address, until
/// [`destroy`] returns for the answered instance.
pub unsafe fn create<E, F>(host: *const HostVTable, factory: F) -> *mut c_void
where
    E: Extension + 'static,
    F: FnMut() -> E + 'static,
{
    install_panic_hook();
    // SAFETY: the caller guarantees `host` is null or valid.
    if host.is_null() || unsafe { (*host).abi_version } != ABI_VERSION {
        return std::ptr::null_mut();
    }
    catch_unwind(AssertUnwindSafe(|| {
        let instance: Erased = Box::new(Instance::new(Host::new(host), factory));
        Box::into_raw(Box::new(instance)).cast::<c_void>()
    }))
    .unwrap_or(std::ptr::null_mut())
}

/// `exthost_extension_call`: serves one JSON request and answers a JSON buffer to be freed with
/// [`free_buffer`].
///
/// # Safety
/// `instance` must be null or come from [`create`] and not be destroyed; `request` must point to
/// `request_len` readable bytes (or be null with length 0).
pub unsafe fn call(instance: *mut c_void, request: *const u8, request_len: usize) -> Buffer {
    let answer = catch_unwind(AssertUnwindSafe(|| {
        if instance.is_null() {
            return failure("invalidRequest", "the instance pointer is null");
        }
        // SAFETY: the caller guarantees `instance` came from `create` and is alive. Only shared
        // references are made, so a re-entrant call (from inside a host call) aliases nothing mutably.
        let dispatch = unsafe { &*instance.cast::<Erased>() };
        let request = if request.is_null() {
            &[][..]
        } else {
            // SAFETY: the caller guarantees `request_len` readable bytes.
            unsafe { std::slice::from_raw_parts(request, request_len) }
        };
        dispatch.handle(request)
    }))
    .unwrap_or_else(|_| failure("panic", "the exthost SDK panicked while serving a request"));
    let bytes = serde_json::to_vec(&answer).unwrap_or_else(|_| {
        br#"{"error":{"kind":"panic","message":"the answer could not be encoded"}}"#.to_vec()
    });
    Buffer::from_vec(bytes)
}

/// `exthost_buffer_free`: frees a buffer [`call`] answered.
///
/// # Safety
/// `buffer` must come from [`call`] in this library and not have been freed.
pub unsafe fn free_buffer(buffer: Buffer) {
    // SAFETY: the caller guarantees the buffer is one of ours, freed once.
    drop(unsafe { buffer.into_vec() });
}

/// `exthost_extension_destroy`: drops the instance (its extension, with panics caught) and detaches every
/// [`Host`] handle it gave out.
///
/// # Safety
/// `instance` must be null or come from [`create`] and not be destroyed yet; no call may be running on it.
pub unsafe fn destroy(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    // SAFETY: the caller guarantees `instance` came from `create` and is destroyed once.
    let instance = unsafe { Box::from_raw(instance.cast::<Erased>()) };
    instance.shutdown();
    // The extension is already gone; what is left (tables, the factory) is dropped under a guard too.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(instance)));
}
