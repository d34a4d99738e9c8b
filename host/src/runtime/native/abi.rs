//! The native extension C ABI as the host uses it: `exthost-abi`'s definitions (the SDK re-exports the
//! very same ones, so there is no second copy to keep identical; the contract is `docs/native-abi.md`).

pub use exthost_abi::native::{
    ABI_VERSION, AbiVersionFunction, Buffer, BufferFreeFunction, CallFunction, CreateFunction,
    DestroyFunction, HostVTable, symbols,
};
