//! exthost: an editor-agnostic extension host.
//!
//! The binary (`main.rs`) is a thin CLI over this library. The lifecycle ([`lifecycle`]) is the heart: it
//! owns the [`registry`] of states, and discovery, the RPC [`server`] and activation all go through it.
//! Runtimes sit behind the engine-agnostic boundary in [`runtime`].

pub mod bridge;
pub mod client_capabilities;
pub mod config;
pub mod dev_watch;
pub mod discovery;
pub mod documents;
pub mod editor;
pub mod extension_state;
pub mod graph;
pub mod lifecycle;
pub mod manager;
pub mod manifest;
pub mod package;
pub mod permissions;
pub mod registry;
pub mod regular_file;
pub mod runtime;
pub mod scaffold;
pub mod server;
pub mod session;
pub mod settings;
pub mod state_store;
pub mod stdio;
pub mod supervisor;
pub mod to_proto;
pub mod trust;
pub mod workspace_scan;
