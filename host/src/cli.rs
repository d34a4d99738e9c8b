//! The command line (contract §1): `serve` (with `--manager`), `manage`, `list`, `check`, and the
//! package commands (in `cli/packages.rs`). Parsing with clap, logging set up here and only here, and the
//! translation of outcomes into exit codes (0 success, 1 failure, 2 bad usage).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use exthost::config::{HostConfig, LimitOverrides, absolute, manifest_context};
use exthost::lifecycle::load_catalog;
use exthost::manifest::JsEngine;
use exthost::package::record::InstalledRecords;
use exthost::runtime::quickjs::QuickJsEngine;
use exthost::scaffold::ScaffoldKind;
use exthost::session::SessionState;
use exthost::stdio::{ProtocolInput, ProtocolOutput};
use exthost_protocol::methods::{ExtensionInfo, ExtensionSource};
use tracing_subscriber::EnvFilter;

mod packages;

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
        serve: ServeArgs,
    },
    /// Run a host with no editor and serve the extension manager page (for managing `$EXTHOST_HOME`
    /// between sessions); prints its URL and runs until interrupted.
    Manage {
        #[command(flatten)]
        locations: Locations,
        /// The address to listen on (default 127.0.0.1:0: loopback, any free port).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        address: std::net::SocketAddr,
        /// Allow a non-loopback address.
        #[arg(long)]
        allow_remote: bool,
        /// Open the page in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// The worker process of `serve`'s supervisor: the server itself, on private pipes (internal).
    #[command(hide = true)]
    Worker {
        #[command(flatten)]
        serve: ServeArgs,
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
    /// Install an extension: a `.xpkg`, a VS Code `.vsix`, a folder, or `npm:NAME[@RANGE]`.
    Install {
        /// A `.xpkg` or `.vsix` file, an extension folder, or `npm:NAME[@RANGE]`.
        source: String,
        /// Replace the same id and version if it is installed already.
        #[arg(long)]
        force: bool,
        /// The npm registry URL (default: `registry` in $EXTHOST_HOME/config.json, npm_config_registry,
        /// then https://registry.npmjs.org/).
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
    },
    /// Uninstall every installed version of an extension.
    Uninstall {
        /// The extension id.
        id: String,
        /// Uninstall even if other installed extensions depend on it.
        #[arg(long)]
        force: bool,
    },
    /// Install the newest version each installed extension's source offers (or only ID's).
    Upgrade {
        /// The extension id (default: every installed extension).
        id: Option<String>,
        /// The npm registry URL (default: the one each extension was installed from).
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
    },
    /// Pack an extension folder into a `.xpkg` package.
    Pack {
        /// The extension folder.
        dir: PathBuf,
        /// The package file to write (default `<id>-<version>.xpkg`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Sign the package with this private key (made by `exthost keygen`).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
    },
    /// Make a signing key pair: KEY (private, mode 0600) and KEY.pub.
    Keygen {
        /// The private key file to write.
        #[arg(long, value_name = "KEY")]
        out: PathBuf,
    },
    /// Install what an engine needs: `deno` installs the pinned Deno from the npm registry (npm checks the
    /// package's integrity) under `$EXTHOST_HOME/deno`, where the host finds it.
    Setup {
        /// What to install.
        #[arg(value_parser = ["deno"])]
        what: String,
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

/// Everything `serve` takes; the supervisor hands the same options to its worker (`exthost worker`).
#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    locations: Locations,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    manager: ManagerArgs,
    /// The JavaScript engine for every JS extension (`quickjs` or `deno`), overriding manifests;
    /// by default VS Code extensions run in Deno when it is installed, others in QuickJS.
    #[arg(long, value_name = "ENGINE")]
    js_engine: Option<JsEngineArg>,
}

/// `--js-engine`'s value: a [`JsEngine`] by its manifest name (`quickjs` or `deno`).
#[derive(Debug, Clone, Copy)]
struct JsEngineArg(JsEngine);

impl clap::ValueEnum for JsEngineArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[JsEngineArg(JsEngine::QuickJs), JsEngineArg(JsEngine::Deno)]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.name()))
    }
}

impl ServeArgs {
    /// The typed configuration of the server.
    fn into_config(self) -> HostConfig {
        let mut config = self.locations.into_config();
        config.apply_limit_overrides(&self.limits.overrides());
        config.manager = self.manager.options();
        config.js_engine = self.js_engine.map(|engine| engine.0);
        config
    }

    /// A `--manager` address that is not loopback without `--manager-allow-remote`: refused before
    /// anything starts, with the reason, and exit code 2 (bad usage).
    fn refused_manager_address(&self) -> Option<ExitCode> {
        let options = self.manager.options()?;
        if options.address.ip().is_loopback() || options.allow_remote {
            return None;
        }
        eprintln!(
            "exthost: {}",
            exthost::manager::ManagerError::RemoteRefused {
                address: options.address
            }
        );
        Some(ExitCode::from(2))
    }

    /// The same options as worker arguments.
    fn to_args(&self, args: &mut Vec<std::ffi::OsString>) {
        self.locations.to_args(args);
        self.limits.to_args(args);
        if let Some(address) = self.manager.address {
            args.extend(["--manager".into(), address.to_string().into()]);
            if self.manager.allow_remote {
                args.push("--manager-allow-remote".into());
            }
        }
        if let Some(engine) = self.js_engine {
            args.extend(["--js-engine".into(), engine.0.name().into()]);
        }
    }
}

/// The manager endpoint of `serve` (contract §10).
#[derive(Debug, Args)]
struct ManagerArgs {
    /// Serve the extension manager page and its WebSocket JSON-RPC endpoint on ADDR (default
    /// 127.0.0.1:0); the editor gets `exthost/managerStarted {url}`.
    #[arg(
        long = "manager",
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = "127.0.0.1:0"
    )]
    address: Option<std::net::SocketAddr>,
    /// Allow `--manager` on a non-loopback address.
    #[arg(long = "manager-allow-remote", requires = "address")]
    allow_remote: bool,
}

impl ManagerArgs {
    fn options(&self) -> Option<exthost::manager::ManagerOptions> {
        self.address
            .map(|address| exthost::manager::ManagerOptions {
                address,
                allow_remote: self.allow_remote,
            })
    }
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
    /// The flags as limit overrides (the same the editor may send in `initializationOptions.limits`).
    fn overrides(&self) -> LimitOverrides {
        LimitOverrides {
            memory_mb: self.memory_limit_mb,
            activate_timeout_ms: self.activate_timeout_ms,
            call_timeout_ms: self.call_timeout_ms,
            ..LimitOverrides::default()
        }
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
    match execute(cli.command, cli.log_file.as_deref()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("exthost: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines queued for stderr while nobody reads it; more are dropped (and counted). The queue's
/// slots are allocated and written when the process starts, before it can answer `initialize` (16,384
/// slots were 96 more page faults of each process's start than these), so it holds what a reader that is
/// briefly behind needs, not a flood.
const STDERR_LOG_LINES: usize = 4 * 1024;

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
            builder
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(writer)
                .init();
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

fn execute(command: Command, log_file: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { serve } => {
            if let Some(refused) = serve.refused_manager_address() {
                return Ok(refused);
            }
            supervise(&serve, log_file)
        }
        Command::Worker { serve } => self::serve(serve.into_config()),
        Command::Manage {
            locations,
            address,
            allow_remote,
            open,
        } => manage(
            locations.into_config(),
            &exthost::manager::ManagerOptions {
                address,
                allow_remote,
            },
            open,
        ),
        Command::Demo => crate::demo::run(Arc::new(QuickJsEngine::new())),
        Command::List { json, locations } => list(&locations.into_config(), json),
        Command::Check { dir } => Ok(check(&dir)),
        Command::Install {
            source,
            force,
            registry,
        } => packages::install(&source, force, registry),
        Command::Uninstall { id, force } => packages::uninstall(&id, force),
        Command::Upgrade { id, registry } => packages::upgrade(id.as_deref(), registry),
        Command::Pack { dir, out, sign } => packages::pack(&dir, out, sign),
        Command::Keygen { out } => packages::keygen(&out),
        Command::Setup { what: _ } => setup_deno(),
        Command::New {
            rust,
            js: _,
            sdk,
            dir,
        } => new_extension(rust, &dir, sdk.as_deref()),
    }
}

impl Locations {
    /// The same options as worker arguments.
    fn to_args(&self, args: &mut Vec<std::ffi::OsString>) {
        for dir in &self.extensions_dirs {
            args.extend(["--extensions-dir".into(), dir.clone().into_os_string()]);
        }
        if let Some(workspace) = &self.workspace {
            args.extend(["--workspace".into(), workspace.clone().into_os_string()]);
        }
        for dir in &self.dev_paths {
            args.extend(["--dev".into(), dir.clone().into_os_string()]);
        }
    }
}

impl LimitArgs {
    /// The same limits as worker arguments.
    fn to_args(&self, args: &mut Vec<std::ffi::OsString>) {
        let limits = [
            ("--memory-limit-mb", self.memory_limit_mb),
            ("--activate-timeout-ms", self.activate_timeout_ms),
            ("--call-timeout-ms", self.call_timeout_ms),
        ];
        for (flag, value) in limits {
            if let Some(value) = value {
                args.extend([flag.into(), value.to_string().into()]);
            }
        }
    }
}

/// The protocol's stdin and stdout (non-blocking pipes or sockets where they are; see `exthost::stdio`).
/// Called inside the runtime, before anything could print.
fn protocol_stdio() -> anyhow::Result<(ProtocolInput, ProtocolOutput)> {
    let output = ProtocolOutput::take_stdout().context("cannot set up stdout for the protocol")?;
    let input = ProtocolInput::stdin();
    tracing::debug!(?input, ?output, "protocol stdio");
    Ok((input, output))
}

/// `exthost serve`: the supervisor on the editor's stdio; the server runs in `exthost worker` processes.
fn supervise(serve: &ServeArgs, log_file: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    if let Some(log_file) = log_file {
        args.extend(["--log-file".into(), log_file.as_os_str().to_owned()]);
    }
    args.push("worker".into());
    serve.to_args(&mut args);
    let options = exthost::supervisor::SupervisorOptions {
        program: std::env::current_exe().context("cannot find this program to start its worker")?,
        args,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let code = runtime.block_on(async {
        let (input, output) = protocol_stdio()?;
        // Installed before the first message is read: a signal at any time after start-up counts.
        let stop = termination_signal().context("cannot listen for termination signals")?;
        anyhow::Ok(exthost::supervisor::run_until(input, output, options, stop).await)
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

/// The server on stdio (the worker), reading and writing its non-blocking pipes on the runtime's own
/// poller, all on this one thread (a current-thread runtime): the reader, each request's task and the
/// writer run where the frame was read, so a call wakes this thread once for the request and once for the
/// extension's answer, and no other worker thread. The extensions' JS runs on threads of their own, and
/// their time limits count their own CPU time (`runtime/quickjs/watchdog.rs`), so a wait for this thread
/// during many runtimes' start-up (ten activating on a 100,000-line document, `e2e::large_documents`) is
/// not charged to them.
fn serve(config: HostConfig) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let code = runtime.block_on(async {
        let (input, output) = protocol_stdio()?;
        // Installed before the first message is read: a signal at any time after start-up counts.
        let stop = termination_signal().context("cannot listen for termination signals")?;
        let session = tokio::spawn(exthost::server::serve_until(
            input,
            output,
            config,
            Arc::new(QuickJsEngine::new()),
            stop,
        ));
        session.await.context("the session's task failed")
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
    reason = "`exthost manage` prints the manager's URL on stdout"
)]
fn manage(
    config: HostConfig,
    options: &exthost::manager::ManagerOptions,
    open: bool,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("exthost")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let lifecycle = exthost::lifecycle::Lifecycle::start(
            config,
            Arc::new(QuickJsEngine::new()),
            exthost::editor::EditorHandle::detached(),
            SessionState::default(),
        );
        let manager = exthost::manager::start(&lifecycle, options)?;
        println!("{}", manager.url());
        std::io::stdout().flush()?;
        if open {
            open_in_browser(manager.url());
        }
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        manager.stop();
        lifecycle.stop_all().await;
        anyhow::Ok(())
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(ExitCode::SUCCESS)
}

/// Opens `url` with the desktop's opener (`xdg-open`, `open`, `start`); a failure is only logged.
fn open_in_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("cmd");
        command.args(["/C", "start", ""]);
        command
    } else {
        std::process::Command::new("xdg-open")
    };
    if let Err(error) = command.arg(url).stdout(std::process::Stdio::null()).spawn() {
        tracing::warn!(%error, "cannot open a browser; open the URL yourself");
    }
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
        let installs = exthost::config::home_dir()
            .map(|home| InstalledRecords::load(&home.join("extensions")))
            .unwrap_or_default();
        print!("{}", render_table(&extensions, &installs));
    }
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A readable listing: one line per extension; below it where an installed one came from, whether a
/// restart is needed, shadowing and errors.
fn render_table(extensions: &[ExtensionInfo], installs: &InstalledRecords) -> String {
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
        let folder = std::path::Path::new(&extension.path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if extension.source == ExtensionSource::User
            && let Some(install) = installs.for_folder(&folder)
        {
            let signer = install
                .signer
                .as_deref()
                .map(|signer| format!(", signed by {signer}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "    installed from {} at {}{signer}\n",
                install.source.describe(),
                install.installed_at
            ));
        }
        if extension.restart_required {
            out.push_str("    restart needed: a change waits for the host to restart\n");
        }
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
    reason = "`exthost setup deno` reports where Deno went on stdout"
)]
fn setup_deno() -> anyhow::Result<ExitCode> {
    use exthost::runtime::deno::locate;
    let home = exthost::config::home_dir()
        .context("no home folder: set EXTHOST_HOME (or HOME) to say where Deno goes")?;
    let path = locate::install(&home).map_err(anyhow::Error::msg)?;
    println!(
        "installed {}@{} at {}",
        locate::DENO_PACKAGE,
        locate::DENO_VERSION,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
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
