//! The host's copy of the native extension C ABI (the contract is `docs/native-abi.md`; the SDK's
//! `exthost_sdk::abi` is the other copy). The host does not depend on the SDK — the SDK is what third
//! parties build against — so the few `repr(C)` types are mirrored here, and a test pins their layout.

use std::ffi::c_void;

/// The ABI version this host speaks. A library answering another number is refused.
pub const ABI_VERSION: u32 = 1;

/// `exthost_abi_version`: checked before any other symbol is looked up.
pub const SYMBOL_ABI_VERSION: &str = "exthost_abi_version";
/// `exthost_extension_create`.
pub const SYMBOL_CREATE: &str = "exthost_extension_create";
/// `exthost_extension_call`.
pub const SYMBOL_CALL: &str = "exthost_extension_call";
/// `exthost_buffer_free`.
pub const SYMBOL_BUFFER_FREE: &str = "exthost_buffer_free";
/// `exthost_extension_destroy`.
pub const SYMBOL_DESTROY: &str = "exthost_extension_destroy";

/// `extern "C" fn() -> u32`.
pub type AbiVersionFunction = unsafe extern "C" fn() -> u32;
/// `unsafe extern "C" fn(host: *const HostVTable) -> *mut c_void`.
pub type CreateFunction = unsafe extern "C" fn(host: *const HostVTable) -> *mut c_void;
/// `unsafe extern "C" fn(instance, request, request_len) -> Buffer`.
pub type CallFunction =
    unsafe extern "C" fn(instance: *mut c_void, request: *const u8, request_len: usize) -> Buffer;
/// `unsafe extern "C" fn(buffer: Buffer)`.
pub type BufferFreeFunction = unsafe extern "C" fn(buffer: Buffer);
/// `unsafe extern "C" fn(instance: *mut c_void)`.
pub type DestroyFunction = unsafe extern "C" fn(instance: *mut c_void);

/// JSON bytes crossing the boundary, freed by whoever allocated them.
#[repr(C)]
#[derive(Debug)]
pub struct Buffer {
    /// The first byte, or null for an empty buffer.
    pub data: *mut u8,
    /// How many bytes are valid.
    pub len: usize,
    /// The allocation's capacity.
    pub capacity: usize,
}

impl Buffer {
    /// Hands `bytes` over as a buffer owned by the host's allocator.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        Self {
            data: bytes.as_mut_ptr(),
            len: bytes.len(),
            capacity: bytes.capacity(),
        }
    }

    /// Copies the bytes out (the buffer must still be freed by its allocator).
    ///
    /// # Safety
    /// `data` must be null or point to `len` readable bytes.
    pub unsafe fn to_vec(&self) -> Vec<u8> {
        if self.data.is_null() {
            return Vec::new();
        }
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }.to_vec()
    }

    /// Takes back a buffer the host made, to drop it.
    ///
    /// # Safety
    /// The buffer must come from [`Buffer::from_vec`] in the host and not have been reclaimed before.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.data.is_null() {
            return Vec::new();
        }
        // SAFETY: guaranteed by the caller.
        unsafe { Vec::from_raw_parts(self.data, self.len, self.capacity) }
    }
}

/// The callbacks the host gives a library instance.
#[repr(C)]
#[derive(Debug)]
pub struct HostVTable {
    /// [`ABI_VERSION`].
    pub abi_version: u32,
    /// Passed back to `call` as is.
    pub context: *mut c_void,
    /// Performs one host operation; answers a host-allocated JSON buffer.
    pub call: unsafe extern "C" fn(
        context: *mut c_void,
        request: *const u8,
        request_len: usize,
    ) -> Buffer,
    /// Frees a buffer `call` answered.
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
        assert_eq!(std::mem::size_of::<HostVTable>(), 4 * word);
    }

    #[test]
    fn buffers_round_trip() {
        let buffer = Buffer::from_vec(b"{\"ok\":1}".to_vec());
        // SAFETY: made just above by this allocator.
        assert_eq!(unsafe { buffer.to_vec() }, b"{\"ok\":1}");
        // SAFETY: as above, reclaimed once.
        assert_eq!(unsafe { buffer.into_vec() }.len(), 8);
    }
}
