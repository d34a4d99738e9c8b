//! End-to-end tests: each spawns the real `exthost` binary and speaks framed JSON-RPC over real pipes.
//! One test binary, modules by feature.

mod e2e {
    pub mod activation;
    pub mod answers;
    pub mod backpressure;
    pub mod change_listeners;
    pub mod dependencies;
    pub mod docs;
    pub mod engines;
    pub mod hostile_files;
    pub mod large_documents;
    pub mod lifecycle;
    pub mod lsp_bridge;
    pub mod manager;
    pub mod native;
    pub mod neovim;
    pub mod packaging;
    pub mod parallel_restart;
    pub mod protocol;
    pub mod real_world;
    pub mod resilience;
    pub mod signals;
    pub mod state;
    pub mod stdio;
    pub mod supervisor;
    pub mod trust;
    pub mod vscode_api_fixtures;
    pub mod vscode_fidelity;
}
