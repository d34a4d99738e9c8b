//! Node's light built-in modules for QuickJS extensions: the JS modules (`node/*.js`, compiled into the
//! prelude after the shim) and the Rust operations they call (`native.node.*` in `bootstrap.js`).
//!
//! File access goes through [`NodeFiles`], which checks every path against the extension's permissions
//! (see [`crate::permissions`]) after resolving symbolic links and `..` on the nearest existing ancestor, so
//! neither can escape. A path outside them is put to the user (`window/showMessageRequest`: Allow / Always
//! allow / Deny, waited for on the extension's thread, the call's limits paused): a grant applies to this
//! runtime at once; a refusal (or no answer in time) is an `EACCES` error whose message names the
//! permission and how to grant it, and that path is not asked about again this run.

use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::time::UNIX_EPOCH;

use rquickjs::{Ctx, Exception, Function, Object, TypedArray};
use serde_json::{Value as Json, json};

use super::native::Shared;
use crate::permissions::{
    Access, ENVIRONMENT_KEPT, PermissionContext, Permissions, denial_message, display_name,
    question_request, settle_answer, was_denied,
};

/// The roots an extension may read and write, canonical; empty until [`NodeFiles::configure`].
#[derive(Debug, Default)]
struct NodeFiles {
    configured: bool,
    readable: Vec<PathBuf>,
    writable: Vec<PathBuf>,
    cwd: Option<PathBuf>,
    /// The extension's name, for the permission question.
    name: String,
}

/// A path made absolute, with `..` and symbolic links resolved on its nearest existing ancestor.
fn settle(path: &Path, base: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut settled = canonical;
            for part in rest.iter().rev() {
                settled.push(part);
            }
            return settled;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return lexical,
        }
    }
}

impl NodeFiles {
    fn configure(
        &mut self,
        id: &str,
        root: &Path,
        package_json: &Json,
        snapshot: &Json,
        extensions: &Json,
    ) {
        let context = PermissionContext::from_session(id, root, snapshot, extensions);
        let permissions = Permissions::for_extension(package_json, snapshot, id);
        let canonical = |paths: Vec<PathBuf>| -> Vec<PathBuf> {
            paths.iter().map(|path| settle(path, root)).collect()
        };
        self.readable = canonical(context.readable(&permissions));
        self.writable = canonical(context.writable(&permissions));
        self.cwd = context.workspace.first().cloned();
        self.name = display_name(package_json, id);
        self.configured = true;
    }

    /// `path` settled, when it lies in one of `roots`; else the settled path and the `EACCES` denial.
    fn check(
        &self,
        id: &str,
        root: &Path,
        path: &str,
        write: bool,
    ) -> Result<PathBuf, (PathBuf, String)> {
        let settled = settle(Path::new(path), self.cwd.as_deref().unwrap_or(root));
        let roots = if write {
            &self.writable
        } else {
            &self.readable
        };
        if roots.iter().any(|allowed| settled.starts_with(allowed)) {
            return Ok(settled);
        }
        let what = if write {
            "may not write this path"
        } else {
            "may not read this path"
        };
        let message = format!(
            "EACCES: {}",
            denial_message(
                id,
                "fs",
                what,
                &format!("{} access to {path}", if write { "write" } else { "read" })
            )
        );
        Err((settled, message))
    }
}

/// [`NodeFiles::check`], and when the path is outside the extension's permissions, the user's answer to
/// the permission question: a grant of exactly the settled path is added to this runtime's roots.
fn check_or_ask(
    table: &RefCell<NodeFiles>,
    state: &Shared,
    path: &str,
    write: bool,
) -> Result<PathBuf, String> {
    let id = state.extension_id.as_str();
    let checked = table.borrow().check(id, &state.root, path, write);
    let (settled, message) = match checked {
        Ok(settled) => return Ok(settled),
        Err(denied) => denied,
    };
    let access = if write {
        Access::Write(settled.clone())
    } else {
        Access::Read(settled.clone())
    };
    let name = table.borrow().name.clone();
    let granted = table.borrow().configured
        && !was_denied(id, &access)
        && settle_answer(
            id,
            &access,
            state.ask_blocking(
                question_request(&name, &access),
                state.question_timeout.get(),
            ),
        );
    if !granted {
        tracing::warn!(extension = %id, path, write, "permission denied");
        return Err(message);
    }
    let mut files = table.borrow_mut();
    if write {
        files.writable.push(settled.clone());
    } else {
        files.readable.push(settled.clone());
    }
    Ok(settled)
}

/// `ENOENT: …` and friends, from an I/O error, as Node words them.
fn io_error(error: &std::io::Error, syscall: &str, path: &str) -> String {
    let code = match error.kind() {
        std::io::ErrorKind::NotFound => "ENOENT",
        std::io::ErrorKind::PermissionDenied => "EACCES",
        std::io::ErrorKind::AlreadyExists => "EEXIST",
        std::io::ErrorKind::IsADirectory => "EISDIR",
        std::io::ErrorKind::NotADirectory => "ENOTDIR",
        std::io::ErrorKind::DirectoryNotEmpty => "ENOTEMPTY",
        _ => "EIO",
    };
    format!("{code}: {error}, {syscall} '{path}'")
}

fn stat_json(metadata: &std::fs::Metadata) -> Json {
    use std::os::unix::fs::MetadataExt;
    let millis = |time: std::io::Result<std::time::SystemTime>| {
        time.ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map_or(0.0, |duration| duration.as_secs_f64() * 1000.0)
    };
    let kind = if metadata.file_type().is_symlink() {
        "symlink"
    } else if metadata.is_dir() {
        "directory"
    } else if metadata.is_file() {
        "file"
    } else {
        "other"
    };
    json!({
        "type": kind, "size": metadata.len(), "mode": metadata.mode(),
        "mtimeMs": millis(metadata.modified()), "ctimeMs": millis(metadata.created()),
        "atimeMs": millis(metadata.accessed()), "ino": metadata.ino(), "uid": metadata.uid(),
        "gid": metadata.gid(), "nlink": metadata.nlink(), "dev": metadata.dev(),
    })
}

fn throw(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    Exception::throw_message(ctx, message)
}

/// Builds `native.node`.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    native: &Object<'js>,
    shared: &Rc<Shared>,
) -> rquickjs::Result<()> {
    let node = Object::new(ctx.clone())?;
    let files = Rc::new(RefCell::new(NodeFiles::default()));

    node.set(
        "os",
        Function::new(ctx.clone(), || {
            let text = |path: &str| {
                std::fs::read_to_string(path)
                    .map(|text| text.trim().to_owned())
                    .unwrap_or_default()
            };
            // SAFETY: getuid/getgid have no preconditions and cannot fail.
            let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
            json!({
                "platform": std::env::consts::OS,
                "arch": match std::env::consts::ARCH { "x86_64" => "x64", "aarch64" => "arm64", other => other },
                "release": text("/proc/sys/kernel/osrelease"),
                "hostname": text("/proc/sys/kernel/hostname"),
                "homedir": std::env::var("HOME").unwrap_or_default(),
                "tmpdir": std::env::temp_dir(),
                "username": std::env::var("USER").unwrap_or_default(),
                "cpus": std::thread::available_parallelism().map_or(1, |count| count.get()),
                "uid": uid, "gid": gid, "pid": std::process::id(),
            })
            .to_string()
        })?,
    )?;

    node.set(
        "env",
        Function::new(ctx.clone(), || {
            let kept: serde_json::Map<String, Json> = ENVIRONMENT_KEPT
                .iter()
                .filter_map(|key| {
                    std::env::var(key)
                        .ok()
                        .map(|value| ((*key).to_owned(), Json::String(value)))
                })
                .collect();
            Json::Object(kept).to_string()
        })?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "configure",
        Function::new(
            ctx.clone(),
            move |package_json: String, snapshot: String, extensions: String| {
                let parse = |text: &str| serde_json::from_str::<Json>(text).unwrap_or(Json::Null);
                table.borrow_mut().configure(
                    &state.extension_id,
                    &state.root,
                    &parse(&package_json),
                    &parse(&snapshot),
                    &parse(&extensions),
                );
            },
        )?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "cwd",
        Function::new(ctx.clone(), move || {
            table
                .borrow()
                .cwd
                .clone()
                .unwrap_or_else(|| state.root.clone())
                .display()
                .to_string()
        })?,
    )?;

    let table = files.clone();
    node.set(
        "configured",
        Function::new(ctx.clone(), move || table.borrow().configured)?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "read",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String| -> rquickjs::Result<TypedArray<'js, u8>> {
                let checked = check_or_ask(&table, &state, &path, false)
                    .map_err(|message| throw(&ctx, &message))?;
                let bytes = std::fs::read(&checked)
                    .map_err(|error| throw(&ctx, &io_error(&error, "open", &path)))?;
                TypedArray::new(ctx.clone(), bytes)
            },
        )?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "stat",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String, follow: bool| -> rquickjs::Result<String> {
                let checked = check_or_ask(&table, &state, &path, false)
                    .map_err(|message| throw(&ctx, &message))?;
                // `settle` resolved the links of the ancestors; `lstat` looks at the last component.
                let target = if follow {
                    checked.clone()
                } else {
                    PathBuf::from(&path)
                };
                let metadata = if follow {
                    std::fs::metadata(&target)
                } else {
                    std::fs::symlink_metadata(&target)
                };
                metadata
                    .map(|metadata| stat_json(&metadata).to_string())
                    .map_err(|error| throw(&ctx, &io_error(&error, "stat", &path)))
            },
        )?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "readDirectory",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String| -> rquickjs::Result<String> {
                let checked = check_or_ask(&table, &state, &path, false)
                    .map_err(|message| throw(&ctx, &message))?;
                let entries = std::fs::read_dir(&checked)
                    .map_err(|error| throw(&ctx, &io_error(&error, "scandir", &path)))?;
                let mut listed: Vec<(String, &str)> = entries
                    .filter_map(Result::ok)
                    .map(|entry| {
                        let kind = match entry.file_type() {
                            Ok(kind) if kind.is_symlink() => "symlink",
                            Ok(kind) if kind.is_dir() => "directory",
                            Ok(kind) if kind.is_file() => "file",
                            _ => "other",
                        };
                        (entry.file_name().to_string_lossy().into_owned(), kind)
                    })
                    .collect();
                listed.sort();
                Ok(json!(listed).to_string())
            },
        )?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "realpath",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String| -> rquickjs::Result<String> {
                let checked = check_or_ask(&table, &state, &path, false)
                    .map_err(|message| throw(&ctx, &message))?;
                checked
                    .canonicalize()
                    .map(|path| path.display().to_string())
                    .map_err(|error| throw(&ctx, &io_error(&error, "realpath", &path)))
            },
        )?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "write",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  path: String,
                  bytes: TypedArray<'js, u8>,
                  append: bool|
                  -> rquickjs::Result<()> {
                let checked = check_or_ask(&table, &state, &path, true)
                    .map_err(|message| throw(&ctx, &message))?;
                // SAFETY: the bytes are copied at once, before any JS runs that could detach or resize
                // the array's buffer.
                let data: Vec<u8> = unsafe { bytes.as_bytes() }
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
                let data = data.as_slice();
                let written = if append {
                    use std::io::Write;
                    std::fs::OpenOptions::new()
                        .append(true)
                        .create(true)
                        .open(&checked)
                        .and_then(|mut file| file.write_all(data))
                } else {
                    std::fs::write(&checked, data)
                };
                written.map_err(|error| throw(&ctx, &io_error(&error, "open", &path)))
            },
        )?,
    )?;

    let state = shared.clone();
    let table = files.clone();
    node.set(
        "mkdir",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String, recursive: bool| -> rquickjs::Result<()> {
                let checked = check_or_ask(&table, &state, &path, true)
                    .map_err(|message| throw(&ctx, &message))?;
                let made = if recursive {
                    std::fs::create_dir_all(&checked)
                } else {
                    std::fs::create_dir(&checked)
                };
                made.map_err(|error| throw(&ctx, &io_error(&error, "mkdir", &path)))
            },
        )?,
    )?;

    let state = shared.clone();
    let table = files;
    node.set(
        "remove",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, path: String, recursive: bool| -> rquickjs::Result<()> {
                let checked = check_or_ask(&table, &state, &path, true)
                    .map_err(|message| throw(&ctx, &message))?;
                let removed = match std::fs::symlink_metadata(&checked) {
                    Ok(metadata) if metadata.is_dir() && recursive => {
                        std::fs::remove_dir_all(&checked)
                    }
                    Ok(metadata) if metadata.is_dir() => std::fs::remove_dir(&checked),
                    Ok(_) => std::fs::remove_file(&checked),
                    Err(error) => Err(error),
                };
                removed.map_err(|error| throw(&ctx, &io_error(&error, "rm", &path)))
            },
        )?,
    )?;

    native.set("node", node)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settling_resolves_dot_dot_and_links_so_they_cannot_escape() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("ext/sub")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("ext/link")).unwrap();
        let mut files = NodeFiles {
            configured: true,
            readable: vec![root.join("ext")],
            writable: vec![],
            cwd: None,
            name: "x".to_owned(),
        };
        let ext = root.join("ext");
        assert!(
            files
                .check("t.x", &ext, "sub/../sub/new.txt", false)
                .is_ok()
        );
        let escape = files
            .check("t.x", &ext, "sub/../../outside", false)
            .unwrap_err()
            .1;
        assert!(
            escape.starts_with("EACCES: NoPermissions: t.x may not read this path"),
            "{escape}"
        );
        assert!(
            files.check("t.x", &ext, "link/passwd", false).is_err(),
            "a link out is refused"
        );
        assert!(
            files.check("t.x", &ext, "sub/x", true).is_err(),
            "nothing is writable"
        );
        files.writable.push(root.join("ext/sub"));
        assert!(
            files
                .check(
                    "t.x",
                    &ext,
                    &root.join("ext/sub/x").display().to_string(),
                    true
                )
                .is_ok()
        );
    }
}
