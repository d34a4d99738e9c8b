//! Where the `deno` executable comes from: `EXTHOST_DENO`, else `deno` on `PATH`, else the copy that
//! `exthost setup deno` installed under `$EXTHOST_HOME/deno` from the npm registry.

use std::path::{Path, PathBuf};

/// The environment variable naming the `deno` executable to use.
pub const DENO_ENV: &str = "EXTHOST_DENO";

/// The npm package that ships the Deno binary for this platform.
pub const DENO_PACKAGE: &str = "@deno/linux-x64-glibc";

/// The version of [`DENO_PACKAGE`] that `exthost setup deno` installs.
pub const DENO_VERSION: &str = "2.9.6";

/// Why an extension that needs Deno cannot start, and how to fix it.
pub const NOT_FOUND: &str = "this extension runs in the Deno engine and no `deno` was found: run \
    `exthost setup deno` (installs Deno from the npm registry), put `deno` on PATH, or set EXTHOST_DENO \
    to its path; or choose the QuickJS engine with the setting jsEngine";

/// The `deno` executable to use, if any.
pub fn find_deno() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(DENO_ENV).filter(|path| !path.is_empty()) {
        let path = PathBuf::from(path);
        return is_executable(&path).then_some(path);
    }
    if let Some(path) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|folder| folder.join("deno"))
            .find(|candidate| is_executable(candidate))
    }) {
        return Some(path);
    }
    let installed = installed_path(&crate::config::home_dir()?);
    is_executable(&installed).then_some(installed)
}

/// Where `exthost setup deno` puts the executable under `home` (`$EXTHOST_HOME`).
pub fn installed_path(home: &Path) -> PathBuf {
    home.join("deno")
        .join("node_modules")
        .join(DENO_PACKAGE)
        .join("deno")
}

/// Installs [`DENO_PACKAGE`] at [`DENO_VERSION`] under `home` with npm (which checks the tarball against
/// the integrity digest the registry publishes) and answers the executable's path.
pub fn install(home: &Path) -> Result<PathBuf, String> {
    let prefix = home.join("deno");
    std::fs::create_dir_all(&prefix)
        .map_err(|error| format!("cannot create {}: {error}", prefix.display()))?;
    let status = std::process::Command::new("npm")
        .arg("install")
        .arg("--no-save")
        .arg("--no-package-lock")
        .arg("--no-audit")
        .arg("--no-fund")
        .arg("--prefix")
        .arg(&prefix)
        .arg(format!("{DENO_PACKAGE}@{DENO_VERSION}"))
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|error| {
            format!("cannot run npm (it installs Deno from the npm registry): {error}")
        })?;
    if !status.success() {
        return Err(format!(
            "npm install {DENO_PACKAGE}@{DENO_VERSION} failed ({status})"
        ));
    }
    let path = installed_path(home);
    if !is_executable(&path) {
        return Err(format!(
            "npm installed {DENO_PACKAGE} but {} is not there",
            path.display()
        ));
    }
    Ok(path)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}
