//! The C ABI between the exthost host and a native extension library: the version number, the symbols a
//! library exports, the host's table of callbacks and the buffer type through which JSON crosses.
//!
//! [`export_extension!`](crate::export_extension) emits all of this for you; this module is public so that
//! a library written without the SDK (in another language, or by hand) can follow the contract. The types
//! are those of `exthost-abi` — the host uses the very same definitions — re-exported here; the full
//! description, with every JSON operation, is `docs/native-abi.md` in the exthost repository.

pub use exthost_abi::native::*;
