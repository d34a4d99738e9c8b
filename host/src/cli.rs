//! The command line (contract §1): `serve`, `list`, `check`. Parsing with clap, logging set up here and
//! only here, and the translation of outcomes into exit codes (0 success, 1 failure, 2 bad usage).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use exthost::config::{HostConfig, absolute, manifest_context};
use exthost::lifecycle::load_catalog;
use exthost::runtime::quickjs::QuickJsEngine;
use exthost::scaffold::ScaffoldKind;
use exthost::session::SessionState;
use exthost_protocol::methods::ExtensionInfo;
use tracing_subscriber::EnvFilter;

/// An editor-agnostic extension host: editors speak JSON-RPC (LSP framing) to it on stdio.
#[derive(Debug, Parser)]
#[command(name = "exthost", version, about)]
struct Cli {
    /// Write logs to this file instead of stderr (filter with EXTHOST_LOG, e.g. `exthost=debug`).
    #[arg(long, global = true, value_name = "FILE")]
    log_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Speak JSON-RPC on stdin/stdout until `exit` or end of input.
    Serve {
        #[command(flatten)]
        locations: Locations,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run a scripted editor session against the built-in example extensions and print the transcript.
    Demo,
    /// List discovered extensions with their state.
    List {
        /// Print the list as JSON (`ExtensionInfo` objects, as `exthost/listExtensions` answers).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        locations: Locations,
    },
    /// Validate one extension's manifest and print every problem.
    Check {
        /// The extension folder.
        dir: PathBuf,
    },
    /// Install an extension package (not available yet: packaging comes with its own issue).
    Install {
        /// A folder, a package file, a `.vsix` or an npm package name.
        source: String,
    },
    /// Uninstall an installed extension (not available yet).
    Uninstall {
        /// The extension id.
        id: String,
    },
    /// Pack an extension folder into a package (not available yet).
    Pack {
        /// The extension folder.
        dir: PathBuf,
    },
    /// Create a working extension with one command (`<name>.hello`), a README and a test.
    New {
        /// A native extension: a Rust cdylib crate on exthost-sdk.
        #[arg(long, conflicts_with = "js", required_unless_present = "js")]
        rust: bool,
        /// A JavaScript extension on the `vscode` API.
        #[arg(long)]
        js: bool,
        /// Depend on the SDK at this path (until it is published).
        #[arg(long, requires = "rust", value_name = "PATH")]
        sdk: Option<PathBuf>,
        /// The folder to create (its name names the extension).
        dir: PathBuf,
    },
}

/// Where extensions are found, besides the built-in and user folders.
#[derive(Debug, Args)]
struct Locations {
    /// A folder whose sub-folders are extensions (repeatable).
    #[arg(long = "extensions-dir", value_name = "DIR")]
    extensions_dirs: Vec<PathBuf>,
    /// The workspace folder (its `.exthost/extensions` holds project extensions).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// One extension folder in development mode (repeatable).
    #[arg(long = "dev", value_name = "DIR")]
    dev_paths: Vec<PathBuf>,
}

/// Default limits for every extension (an extension's manifest may ask for others, up to the caps).
#[derive(Debug, Args)]
struct LimitArgs {
    /// Heap limit of each JS extension, in MB (default 64; at most 1024).
    #[arg(long, value_name = "MB")]
    memory_limit_mb: Option<u64>,
    /// Time limit for an extension's `activate`, in milliseconds (default 5000).
    #[arg(long, value_name = "MS")]
    activate_timeout_ms: Option<u64>,
    /// Time limit for one command or provider call, in milliseconds (default 2000).
    #[arg(long, value_name = "MS")]
    call_timeout_ms: Option<u64>,
}

impl LimitArgs {
    fn apply(&self, config: &mut HostConfig) {
        config.apply_limit_overrides(&serde_json::json!({
            "memoryMb": self.memory_limit_mb,
            "activateTimeoutMs": self.activate_timeout_ms,
            "callTimeoutMs": self.call_timeout_ms,
        }));
    }
}

impl Locations {
    fn into_config(self) -> HostConfig {
        HostConfig {
            workspace: self.workspace.as_deref().map(absolute),
            extensions_dirs: self.extensions_dirs.iter().map(|p| absolute(p)).collect(),
            dev_paths: self.dev_paths.iter().map(|p| absolute(p)).collect(),
            ..HostConfig::default()
        }
    }
}

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // The demo's transcript is the point; its logs stay quiet unless asked for.
    let quiet = matches!(cli.command, Command::Demo);
    // Kept to the end: dropping it writes out the log lines still queued for stderr.
    let _log_guard = match init_logging(cli.log_file.as_deref(), quiet) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("exthost: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    match execute(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("exthost: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines queued for stderr while nobody reads it; more are dropped (and counted).
const STDERR_LOG_LINES: usize = 16 * 1024;

/// Installs the subscriber. A log file is written directly (a file does not block); stderr goes through
/// a bounded queue and a thread of its own that drops lines when it is full, so an editor that never
/// reads the host's stderr cannot stall serving; the count of dropped lines is logged when it grows.
fn init_logging(
    log_file: Option<&std::path::Path>,
    quiet: bool,
) -> anyhow::Result<Option<tracing_appender::non_blocking::WorkerGuard>> {
    let default = if quiet { "error" } else { "info" };
    let filter = EnvFilter::try_from_env("EXTHOST_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open log file {}", path.display()))?;
            builder.with_ansi(false).with_writer(Arc::new(file)).init();
            Ok(None)
        }
        None => {
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .lossy(true)
                .buffered_lines_limit(STDERR_LOG_LINES)
                .thread_name("exthost-log")
                .finish(std::io::stderr());
            let dropped = writer.error_counter();
            builder.with_writer(writer).init();
            let _ = std::thread::Builder::new()
                .name("exthost-log-count".to_owned())
                .spawn(move || {
                    let mut reported = 0;
                    loop {
                        std::thread::sleep(std::time::Duration::from_secs(5));
                        let now = dropped.dropped_lines();
                        if now > reported {
                            tracing::warn!(
                                dropped = now - reported,
                                "log lines to stderr dropped: nobody was reading it"
                            );
                            reported = now;
                        }
                    }
                });
            Ok(Some(guard))
        }
    }
}

fn execute(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { locations, limits } => {
            let mut config = locations.into_config();
            limits.apply(&mut config);
            serve(config)
        }
        Command::Demo => crate::demo::run(Arc::new(QuickJsEngine::new())),
        Command::List { json, locations } => list(&locations.into_config(), json),
        Command::Check { dir } => Ok(check(&dir)),
        Command::Install { .. } | Command::Uninstall { .. } | Command::Pack { .. } => {
            anyhow::bail!(
                "packaging (install, uninstall, pack) is not available in this version yet; copy the \
                 extension folder into $EXTHOST_HOME/extensions (default ~/.exthost/extensions) instead"
            )
        }
        Command::New {
            rust,
            js: _,
            sdk,
            dir,
        } => new_extension(rust, &dir, sdk.as_deref()),
    }
}

/// The protocol's output. On Unix, stdout is duplicated for the protocol writer and file descriptor 1 then
/// points at stderr, so that nothing else in the process — a native extension's `println!`, a library
/// that prints — can write into the protocol stream.
#[cfg(unix)]
fn protocol_output() -> std::io::Result<tokio::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: duplicating the process's own standard descriptors; `protocol` is a fresh descriptor
    // that the returned `File` owns from here on.
    unsafe {
        let protocol = libc::dup(libc::STDOUT_FILENO);
        if protocol < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(tokio::fs::File::from_std(std::fs::File::from_raw_fd(
            protocol,
        )))
    }
}

/// The protocol's output (stdout itself where descriptors cannot be redirected).
#[cfg(not(unix))]
fn protocol_output() -> std::io::Result<tokio::io::Stdout> {
    Ok(tokio::io::stdout())
}

fn serve(config: HostConfig) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("exthost")
        .build()
        .context("cannot start the async runtime")?;
    let output = protocol_output().context("cannot set up stdout for the protocol")?;
    let code = runtime.block_on(async {
        // Installed before the first message is read: a signal at any time after start-up counts.
        let stop = termination_signal().context("cannot listen for termination signals")?;
        anyhow::Ok(
            exthost::server::serve_until(
                tokio::io::stdin(),
                output,
                config,
                Arc::new(QuickJsEngine::new()),
                stop,
            )
            .await,
        )
    })?;
    // Extension threads may still be winding down; the protocol is over, so leave now.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

/// Completes with the signal's name at the first SIGTERM, SIGINT or SIGHUP (how editors stop servers);
/// a second one while extensions deactivate ends the process at once.
#[cfg(unix)]
fn termination_signal() -> std::io::Result<impl std::future::Future<Output = String> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(async move {
        let name = tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
            _ = hangup.recv() => "SIGHUP",
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
                _ = hangup.recv() => {}
            }
            tracing::warn!("a second termination signal: exiting without waiting");
            std::process::exit(1);
        });
        format!("received {name}")
    })
}

/// Completes at the first Ctrl-C.
#[cfg(not(unix))]
fn termination_signal() -> std::io::Result<impl std::future::Future<Output = String> + Send> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "received Ctrl-C".to_owned()
    })
}

#[allow(
    clippy::print_stdout,
    reason = "`exthost list` prints its result to stdout"
)]
fn list(config: &HostConfig, json: bool) -> anyhow::Result<ExitCode> {
    let (registry, _) = load_catalog(config, &SessionState::default());
    let extensions = registry.infos();
    if json {
        println!("{}", serde_json::to_string_pretty(&extensions)?);
    } else {
        print!("{}", render_table(&extensions));
    }
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A readable listing: one line per extension, errors and shadowing below it.
fn render_table(extensions: &[ExtensionInfo]) -> String {
    if extensions.is_empty() {
        return "no extensions found\n".to_owned();
    }
    let id_width = extensions.iter().map(|e| e.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for extension in extensions {
        out.push_str(&format!(
            "{:<id_width$}  {:<10}  {:<10}  {:<8}  {}\n",
            extension.id, extension.version, extension.state, extension.source, extension.path,
        ));
        if let Some(shadowed_by) = &extension.shadowed_by {
            out.push_str(&format!("    shadowed by {shadowed_by}\n"));
        }
        if let Some(error) = &extension.error {
            for line in error.message.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

#[allow(
    clippy::print_stdout,
    reason = "`exthost check` reports success on stdout"
)]
fn check(dir: &std::path::Path) -> ExitCode {
    match exthost::manifest::load_manifest(dir, &manifest_context()) {
        Ok(manifest) => {
            println!(
                "{}: ok ({} {})",
                manifest.file.display(),
                manifest.id,
                manifest.version
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

#[allow(
    clippy::print_stdout,
    reason = "`exthost new` lists what it wrote on stdout"
)]
fn new_extension(
    rust: bool,
    dir: &std::path::Path,
    sdk: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let kind = if rust {
        ScaffoldKind::Rust
    } else {
        ScaffoldKind::Js
    };
    let written = exthost::scaffold::scaffold(kind, dir, sdk)?;
    println!("created {}:", dir.display());
    for file in written {
        println!("  {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}
