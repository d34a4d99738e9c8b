//! The `exthost` binary: command-line parsing and process setup; everything else lives in the library.

mod cli;
mod demo;

fn main() -> std::process::ExitCode {
    cli::run()
}
