//! The package commands of the command line: `install`, `uninstall`, `upgrade`, `pack`, `keygen`. Results
//! go to stdout, warnings and progress to stderr (a progress bar on a terminal, plain lines otherwise).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use exthost::package::install::UpgradeOutcome;
use exthost::package::npm::{ProgressEvent, ProgressSink};
use exthost::package::{InstallOptions, PackOptions};

/// Progress on stderr: an indicatif bar for downloads when stderr is a terminal, plain lines otherwise.
fn progress_sink() -> ProgressSink {
    let terminal = std::io::stderr().is_terminal();
    let bar: Arc<Mutex<Option<indicatif::ProgressBar>>> = Arc::default();
    Arc::new(move |event: &ProgressEvent| match event {
        ProgressEvent::Step(text) => {
            let bar = bar
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match bar.as_ref() {
                Some(bar) if terminal => bar.println(text),
                _ => eprintln!("{text}"),
            }
        }
        ProgressEvent::Download { done, total } => {
            if !terminal {
                if Some(*done) == *total {
                    eprintln!("downloaded {done} bytes");
                }
                return;
            }
            let mut bar = bar
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let bar = bar.get_or_insert_with(|| {
                let bar = match total {
                    Some(total) => indicatif::ProgressBar::new(*total),
                    None => indicatif::ProgressBar::new_spinner(),
                };
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec}",
                ) {
                    bar.set_style(style);
                }
                bar
            });
            bar.set_position(*done);
            if Some(*done) == *total {
                bar.finish_and_clear();
            }
        }
    })
}

#[allow(
    clippy::print_stdout,
    reason = "`exthost install` reports what it installed on stdout"
)]
fn print_installed(installed: &exthost::package::Installed) {
    for warning in &installed.warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "installed {} {} into {}",
        installed.id,
        installed.version,
        installed.folder.display()
    );
}

/// `exthost install SRC [--force] [--registry URL]`.
pub(super) fn install(
    source: &str,
    force: bool,
    registry: Option<String>,
) -> anyhow::Result<ExitCode> {
    let options = InstallOptions {
        force,
        registry,
        progress: Some(progress_sink()),
    };
    let installed = exthost::package::install(source, &options)?;
    print_installed(&installed);
    Ok(ExitCode::SUCCESS)
}

/// `exthost uninstall ID [--force]`.
#[allow(
    clippy::print_stdout,
    reason = "`exthost uninstall` reports what it removed on stdout"
)]
pub(super) fn uninstall(id: &str, force: bool) -> anyhow::Result<ExitCode> {
    for folder in exthost::package::uninstall(id, force)? {
        println!("uninstalled {id} from {}", folder.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `exthost upgrade [ID] [--registry URL]`.
#[allow(
    clippy::print_stdout,
    reason = "`exthost upgrade` reports what it did on stdout"
)]
pub(super) fn upgrade(id: Option<&str>, registry: Option<String>) -> anyhow::Result<ExitCode> {
    let options = InstallOptions {
        force: false,
        registry,
        progress: Some(progress_sink()),
    };
    for outcome in exthost::package::upgrade(id, &options)? {
        match outcome {
            UpgradeOutcome::Upgraded(installed) => print_installed(&installed),
            UpgradeOutcome::UpToDate { id, version } => println!("{id} {version} is up to date"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `exthost pack DIR [--out FILE] [--sign KEY]`.
#[allow(
    clippy::print_stdout,
    reason = "`exthost pack` names the package it wrote on stdout"
)]
pub(super) fn pack(
    dir: &Path,
    out: Option<PathBuf>,
    sign: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let packed = exthost::package::pack(dir, &PackOptions { out, sign })?;
    println!(
        "packed {} {} into {} ({} files)",
        packed.manifest.id,
        packed.manifest.version,
        packed.file.display(),
        packed.files
    );
    Ok(ExitCode::SUCCESS)
}

/// `exthost keygen --out KEY`.
#[allow(
    clippy::print_stdout,
    reason = "`exthost keygen` names the files it wrote on stdout"
)]
pub(super) fn keygen(out: &Path) -> anyhow::Result<ExitCode> {
    let public = exthost::package::keys::keygen(out)?;
    println!(
        "wrote the private key {} (keep it secret) and the public key {}",
        out.display(),
        public.display()
    );
    println!(
        "to trust packages signed with it, copy {} into $EXTHOST_HOME/trusted-keys/",
        public.display()
    );
    Ok(ExitCode::SUCCESS)
}
