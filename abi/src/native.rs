//! The C ABI between the exthost host and a native extension library: the version number, the symbols a
//! library exports, the host's table of callbacks and the buffer type through which JSON crosses. The
//! host and the SDK both use these definitions (there is no second copy); the full description, with
//! every JSON operation, is `docs/native-abi.md`. The JSON that crosses is [`HostOperation`] (library →
//! host) and [`ExtensionRequest`] (host → library).
//!
//! [`HostOperation`]: crate::HostOperation
//! [`ExtensionRequest`]: crate::ExtensionRequest
//!
//! # The contract in short
//!
//! * The host first resolves [`symbols::ABI_VERSION`] and calls it. If the number is not the host's
//!   [`ABI_VERSION`], the host refuses the library before touching any other symbol.
//! * [`symbols::CREATE`] receives a pointer to a [`HostVTable`] that stays valid until
//!   [`symbols::DESTROY`] returns, and answers an opaque instance pointer (null on failure). No extension
//!   code runs yet.
//! * [`symbols::CALL`] receives one JSON request (`{"op": "activate"}`, `{"op": "executeCommand", …}`) and
//!   answers one JSON [`Buffer`] (`{"ok": value}` or `{"error": {"kind": …, "message": …}}`). The host
//!   hands that buffer back to [`symbols::BUFFER_FREE`]: the library frees what the library allocated.
//! * While serving a request the library may call [`HostVTable::call`] with a JSON operation; the answer is a
//!   buffer the host allocated, returned to [`HostVTable::free_buffer`]. While the library waits inside
//!   `call`, the host may call [`symbols::CALL`] again on the same thread (re-entrantly) to serve a request
//!   that arrived meanwhile, e.g. a command of this extension that another extension executes.
//! * Every call happens on the one thread the host gives this extension. Nothing may unwind across the
//!   boundary: a panic must be caught inside the library and reported as `{"error": {"kind": "panic"}}`.

use std::ffi::c_void;

/// The version of this ABI. The host refuses a library whose [`symbols::ABI_VERSION`] answers another
/// number, naming both.
pub const ABI_VERSION: u32 = 1;

/// The names of the symbols a library exports (all `extern "C"`, unmangled).
pub mod symbols {
    /// `extern "C" fn() -> u32`: the ABI version the library was built for. Checked before anything else.
    pub const ABI_VERSION: &str = "exthost_abi_version";
    /// `unsafe extern "C" fn(host: *const HostVTable) -> *mut c_void`: a new instance (null on failure).
    ///
    /// [`HostVTable`]: super::HostVTable
    pub const CREATE: &str = "exthost_extension_create";
    /// `unsafe extern "C" fn(instance: *mut c_void, request: *const u8, request_len: usize) -> Buffer`:
    /// serve one JSON request, answer one JSON buffer the library allocated.
    pub const CALL: &str = "exthost_extension_call";
    /// `unsafe extern "C" fn(buffer: Buffer)`: free a buffer [`CALL`] answered.
    pub const BUFFER_FREE: &str = "exthost_buffer_free";
    /// `unsafe extern "C" fn(instance: *mut c_void)`: drop an instance; the host vtable is not used after.
    pub const DESTROY: &str = "exthost_extension_destroy";
}

/// The signature of [`symbols::ABI_VERSION`].
pub type AbiVersionFunction = extern "C" fn() -> u32;
/// The signature of [`symbols::CREATE`].
pub type CreateFunction = unsafe extern "C" fn(host: *const HostVTable) -> *mut c_void;
/// The signature of [`symbols::CALL`].
pub type CallFunction =
    unsafe extern "C" fn(instance: *mut c_void, request: *const u8, request_len: usize) -> Buffer;
/// The signature of [`symbols::BUFFER_FREE`].
pub type BufferFreeFunction = unsafe extern "C" fn(buffer: Buffer);
/// The signature of [`symbols::DESTROY`].
pub type DestroyFunction = unsafe extern "C" fn(instance: *mut c_void);

/// Bytes (UTF-8 JSON) handed across the boundary. Whoever allocated a buffer frees it: the receiver reads
/// it, then passes it back to the allocator's free function ([`symbols::BUFFER_FREE`] for the library's,
/// [`HostVTable::free_buffer`] for the host's). A buffer with a null `data` is empty and needs no freeing.
#[repr(C)]
#[derive(Debug)]
pub struct Buffer {
    /// The first byte, or null for an empty buffer.
    pub data: *mut u8,
    /// How many bytes are valid.
    pub len: usize,
    /// The allocation's capacity (so the allocator can rebuild its `Vec<u8>`).
    pub capacity: usize,
}

impl Buffer {
    /// An empty buffer (null data), which needs no freeing.
    pub const fn empty() -> Self {
        Self {
            data: std::ptr::null_mut(),
            len: 0,
            capacity: 0,
        }
    }

    /// Hands `bytes` over as a buffer owned by this side's allocator.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        Self {
            data: bytes.as_mut_ptr(),
            len: bytes.len(),
            capacity: bytes.capacity(),
        }
    }

    /// Copies the bytes out, leaving the buffer untouched (it must still be freed by its allocator).
    ///
    /// # Safety
    /// `data` must be null or point to `len` readable bytes, as every buffer made by [`Buffer::from_vec`]
    /// does until it is freed.
    pub unsafe fn to_vec(&self) -> Vec<u8> {
        if self.data.is_null() {
            return Vec::new();
        }
        // SAFETY: the caller guarantees `data` points to `len` initialised bytes.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }.to_vec()
    }

    /// Takes the allocation back as a `Vec<u8>` (to drop it).
    ///
    /// # Safety
    /// The buffer must have been made by [`Buffer::from_vec`] in this same library (the same allocator),
    /// and not been reclaimed before.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.data.is_null() {
            return Vec::new();
        }
        // SAFETY: the caller guarantees these are the parts of a `Vec<u8>` this allocator made.
        unsafe { Vec::from_raw_parts(self.data, self.len, self.capacity) }
    }
}

/// The host's callbacks, passed to [`symbols::CREATE`]. Valid until [`symbols::DESTROY`] returns; only
/// ever used on the thread the host calls the library on.
#[repr(C)]
#[derive(Debug)]
pub struct HostVTable {
    /// The ABI version the host speaks (the same as [`ABI_VERSION`] once the host accepted the library).
    pub abi_version: u32,
    /// The host's context for this extension; passed back to [`HostVTable::call`] as is.
    pub context: *mut c_void,
    /// Performs one host operation (`{"op": "registerCommand", "command": "…"}`, …) and answers a JSON
    /// buffer the host allocated: `{"ok": value}` or `{"error": {"kind": …, "message": …}}`.
    pub call: unsafe extern "C" fn(
        context: *mut c_void,
        request: *const u8,
        request_len: usize,
    ) -> Buffer,
    /// Frees a buffer [`HostVTable::call`] answered.
    pub free_buffer: unsafe extern "C" fn(buffer: Buffer),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_the_documented_c_layouts() {
        let word = std::mem::size_of::<usize>();
        assert_eq!(std::mem::size_of::<Buffer>(), 3 * word);
        assert_eq!(std::mem::offset_of!(Buffer, len), word);
        assert_eq!(std::mem::offset_of!(Buffer, capacity), 2 * word);
        assert_eq!(std::mem::offset_of!(HostVTable, context), word);
        assert_eq!(std::mem::offset_of!(HostVTable, call), 2 * word);
        assert_eq!(std::mem::offset_of!(HostVTable, free_buffer), 3 * word);
        assert_eq!(std::mem::size_of::<HostVTable>(), 4 * word);
    }

    #[test]
    fn the_version_and_symbols_are_those_compiled_libraries_export() {
        assert_eq!(ABI_VERSION, 1);
        assert_eq!(symbols::ABI_VERSION, "exthost_abi_version");
        assert_eq!(symbols::CREATE, "exthost_extension_create");
        assert_eq!(symbols::CALL, "exthost_extension_call");
        assert_eq!(symbols::BUFFER_FREE, "exthost_buffer_free");
        assert_eq!(symbols::DESTROY, "exthost_extension_destroy");
    }

    #[test]
    fn buffers_round_trip() {
        let buffer = Buffer::from_vec(b"{\"ok\":1}".to_vec());
        // SAFETY: made just above by this allocator.
        assert_eq!(unsafe { buffer.to_vec() }, b"{\"ok\":1}");
        // SAFETY: as above, reclaimed once.
        assert_eq!(unsafe { buffer.into_vec() }.len(), 8);
        // SAFETY: an empty buffer has null data.
        assert!(unsafe { Buffer::empty().to_vec() }.is_empty());
    }
}
