//! The engines' JS files, listed by `build.rs` from their folders (never by hand): the `vscode` shim
//! (`vscode-shim/src`), the bootstrap core both engines run (`runtime/bootstrap`), QuickJS's own bootstrap
//! modules (`runtime/quickjs/bootstrap`) and Node's light built-ins for QuickJS (`runtime/quickjs/node`).

include!(concat!(env!("OUT_DIR"), "/js_files.rs"));
