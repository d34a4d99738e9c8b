//! What an extension may touch outside the `vscode` API: files (`fs`), the network (`net`) and other
//! programs (`process`), from its manifest's `permissions` (contract §5) and the user's grants (the setting
//! `permissions.<id>`), and how that becomes Deno's permission flags.
//!
//! Defaults (an extension that declares nothing, which is every VS Code extension): read its own folder,
//! the other extensions' folders and the workspace folders; read and write its storage folder
//! (`$EXTHOST_HOME/storage/<id>`); no network, no processes. An `exthost.json` that declares `fs` gets
//! exactly those paths (read and write) besides its own folder and storage. `${workspace}`, `${extension}`
//! and `${storage}` expand in `fs` paths. A grant in settings adds to what the manifest declares, and so do
//! the user's answers to the host's question when the extension first needs what it lacks
//! ([`grant_question`], [`settle_answer`]): "Allow" for the rest of the host's life, "Always allow" also
//! kept in `$EXTHOST_HOME/permissions.json` for every later start, "Deny" (or no answer within
//! `limits.permissionQuestionMs`) for the rest of the host's life, without asking again. A grant takes
//! effect at once: QuickJS checks in the Rust operation, which reads the new grant; the Deno engine
//! restarts the extension's process with the widened `--allow-*` flags and activates it again. Grants
//! (settings and answers) add to the defaults; only a manifest's `fs` replaces them.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::runtime::RuntimeError;

/// The environment variables an extension sees (`process.env`), in either engine; the rest of the host's
/// environment (tokens, credentials) is left out.
pub const ENVIRONMENT_KEPT: &[&str] = &[
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR", "SHELL",
];

/// Access to one kind of resource: none, all, or a list (hosts, programs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Grant {
    /// Nothing (the default).
    #[default]
    Denied,
    /// Everything of the kind.
    All,
    /// Only these hosts or programs.
    Only(Vec<String>),
}

impl Grant {
    /// Reads `false`, `true` or a list of strings (anything else grants nothing).
    pub fn from_json(value: &Value) -> Self {
        match value {
            Value::Bool(true) => Self::All,
            Value::Array(items) => Self::Only(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            _ => Self::Denied,
        }
    }

    /// The union of two grants.
    pub fn union(self, other: Grant) -> Grant {
        match (self, other) {
            (Grant::All, _) | (_, Grant::All) => Grant::All,
            (Grant::Denied, other) | (other, Grant::Denied) => other,
            (Grant::Only(mut first), Grant::Only(second)) => {
                for item in second {
                    if !first.contains(&item) {
                        first.push(item);
                    }
                }
                Grant::Only(first)
            }
        }
    }

    /// Deno's flag for this grant: `--allow-<name>` or `--allow-<name>=a,b`; `None` when denied.
    fn deno_flag(&self, name: &str) -> Option<String> {
        match self {
            Grant::Denied => None,
            Grant::All => Some(format!("--allow-{name}")),
            Grant::Only(items) if items.is_empty() => None,
            Grant::Only(items) => Some(format!("--allow-{name}={}", items.join(","))),
        }
    }
}

/// An extension's permissions: declared in its manifest, plus what the user granted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Permissions {
    /// `fs`: paths (with `${workspace}`, `${extension}`, `${storage}`) it may read and write; `None` when
    /// the manifest declares none (the defaults apply).
    pub fs: Option<Vec<String>>,
    /// `net`: hosts it may connect to.
    pub net: Grant,
    /// `process`: programs it may run.
    pub process: Grant,
    /// Paths granted for reading (settings, answers), besides what `fs` or the defaults give.
    pub granted_read: Vec<String>,
    /// Paths granted for writing (settings, answers), besides what `fs` gives.
    pub granted_write: Vec<String>,
}

impl Permissions {
    /// Reads a `permissions` object (of a manifest, or of a grant).
    pub fn from_json(value: &Value) -> Self {
        Self {
            fs: value.get("fs").and_then(Value::as_array).map(|paths| {
                paths
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
            net: value.get("net").map(Grant::from_json).unwrap_or_default(),
            process: value
                .get("process")
                .map(Grant::from_json)
                .unwrap_or_default(),
            granted_read: Vec::new(),
            granted_write: Vec::new(),
        }
    }

    /// Reads a grant (the setting `permissions.<id>`, or an entry of [`grants_file`]): `process` and
    /// `net` as in a manifest; `fs` a list of paths to read and write, or `{read: [...], write: [...]}`.
    /// A granted `fs` adds to the extension's paths, never replaces its defaults.
    pub fn from_grant_json(value: &Value) -> Self {
        let paths = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_array)
                .map(|paths| {
                    paths
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut grant = Self::from_json(&json!({
            "net": value.get("net").cloned().unwrap_or(Value::Null),
            "process": value.get("process").cloned().unwrap_or(Value::Null),
        }));
        match value.get("fs") {
            Some(Value::Array(_)) => {
                grant.granted_read = paths(value.get("fs"));
                grant.granted_write = grant.granted_read.clone();
            }
            Some(fs @ Value::Object(_)) => {
                grant.granted_read = paths(fs.get("read"));
                grant.granted_write = paths(fs.get("write"));
            }
            _ => {}
        }
        grant
    }

    /// The manifest's `permissions` (`package_json` is the manifest as written) with the grants of the
    /// setting `permissions.<id>` in the session snapshot's (flat) settings added.
    pub fn for_extension(package_json: &Value, snapshot: &Value, extension_id: &str) -> Self {
        let declared = package_json
            .get("permissions")
            .map(Self::from_json)
            .unwrap_or_default();
        let granted = snapshot
            .get("settings")
            .map(|settings| granted_in_settings(settings, extension_id))
            .unwrap_or_default();
        declared.union(granted).union(answered_grants(extension_id))
    }

    /// The union of two sets of permissions.
    pub fn union(self, other: Permissions) -> Permissions {
        let fs = match (self.fs, other.fs) {
            (None, None) => None,
            (Some(paths), None) | (None, Some(paths)) => Some(paths),
            (Some(mut first), Some(second)) => {
                first.extend(second.into_iter().filter(|path| !path.is_empty()));
                Some(first)
            }
        };
        let join = |mut first: Vec<String>, second: Vec<String>| {
            for path in second {
                if !first.contains(&path) {
                    first.push(path);
                }
            }
            first
        };
        Permissions {
            fs,
            net: self.net.union(other.net),
            process: self.process.union(other.process),
            granted_read: join(self.granted_read, other.granted_read),
            granted_write: join(self.granted_write, other.granted_write),
        }
    }

    /// Whether these permissions already allow `access` (a program or host by name; paths are checked
    /// by the engines against [`PermissionContext::readable`] and [`PermissionContext::writable`]).
    pub fn allows(&self, access: &Access) -> bool {
        let granted = |grant: &Grant, item: &str| match grant {
            Grant::All => true,
            Grant::Only(items) => items.iter().any(|granted| granted == item),
            Grant::Denied => false,
        };
        match access {
            Access::Run(program) => granted(&self.process, program),
            Access::Net(host) => granted(&self.net, host),
            Access::Read(path) => self
                .granted_read
                .iter()
                .any(|granted| path.starts_with(granted)),
            Access::Write(path) => self
                .granted_write
                .iter()
                .any(|granted| path.starts_with(granted)),
        }
    }
}

/// The grants under `permissions.<id>` in flat settings (`permissions.<id>.process: true`), or a nested
/// object at `permissions.<id>`.
fn granted_in_settings(settings: &Value, extension_id: &str) -> Permissions {
    let key = format!("permissions.{extension_id}");
    if let Some(object) = settings.get(&key) {
        return Permissions::from_grant_json(object);
    }
    let mut grant = serde_json::Map::new();
    for field in ["fs", "net", "process"] {
        if let Some(value) = settings.get(format!("{key}.{field}")) {
            grant.insert(field.to_owned(), value.clone());
        }
    }
    Permissions::from_grant_json(&Value::Object(grant))
}

/// Something an extension tried to do without the permission for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Access {
    /// Run this program (`process`).
    Run(String),
    /// Connect to this host (`net`).
    Net(String),
    /// Read this path (`fs`; absolute, settled).
    Read(PathBuf),
    /// Write this path (`fs`; absolute, settled).
    Write(PathBuf),
}

impl Access {
    /// The permission it needs: `process`, `net` or `fs`.
    pub fn permission(&self) -> &'static str {
        match self {
            Self::Run(_) => "process",
            Self::Net(_) => "net",
            Self::Read(_) | Self::Write(_) => "fs",
        }
    }

    /// The program, host or path.
    pub fn item(&self) -> String {
        match self {
            Self::Run(item) | Self::Net(item) => item.clone(),
            Self::Read(path) | Self::Write(path) => path.display().to_string(),
        }
    }

    /// What the question says the extension wants: `run processes (git)`, `read /etc/hosts`, ….
    fn wants(&self) -> String {
        match self {
            Self::Run(program) => format!("run processes ({program})"),
            Self::Net(host) => format!("use the network ({host})"),
            Self::Read(path) => format!("read {}", path.display()),
            Self::Write(path) => format!("write {}", path.display()),
        }
    }

    /// The grant that allows exactly this access.
    fn grant(&self) -> Permissions {
        let mut grant = Permissions::default();
        match self {
            Self::Run(program) => grant.process = Grant::Only(vec![program.clone()]),
            Self::Net(host) => grant.net = Grant::Only(vec![host.clone()]),
            Self::Read(path) => grant.granted_read = vec![path.display().to_string()],
            Self::Write(path) => grant.granted_write = vec![path.display().to_string()],
        }
        grant
    }
}

/// The user's answers this run: grants ("Allow", "Always allow") and refusals ("Deny", no answer), by
/// extension id.
#[derive(Default)]
struct Answers {
    granted: Vec<(String, Permissions)>,
    denied: Vec<(String, Access)>,
}

static ANSWERS: std::sync::Mutex<Answers> = std::sync::Mutex::new(Answers {
    granted: Vec::new(),
    denied: Vec::new(),
});

fn answers() -> std::sync::MutexGuard<'static, Answers> {
    ANSWERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where "Always allow" answers are kept: `$EXTHOST_HOME/permissions.json`,
/// `{"<id>": {"process": [...], "net": [...], "fs": {"read": [...], "write": [...]}}}`.
pub fn grants_file() -> Option<PathBuf> {
    crate::config::home_dir().map(|home| home.join("permissions.json"))
}

/// The persisted grants (an unreadable file counts as none, and is logged).
fn persisted_grants() -> Value {
    let Some(file) = grants_file() else {
        return json!({});
    };
    let text = match crate::regular_file::read_text(&file, crate::regular_file::MAX_SETTINGS_BYTES)
    {
        Ok(text) => text,
        Err(error) if error.is_not_found() => return json!({}),
        Err(error) => {
            tracing::warn!(file = %file.display(), error = %error.reason(), "cannot read the permission grants");
            return json!({});
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(grants) if grants.is_object() => grants,
        _ => {
            tracing::warn!(file = %file.display(), "the permission grants are not a JSON object: ignored");
            json!({})
        }
    }
}

/// What the user granted `extension_id` in answers: this run's and the persisted ones.
fn answered_grants(extension_id: &str) -> Permissions {
    let persisted = persisted_grants()
        .get(extension_id)
        .map(Permissions::from_grant_json)
        .unwrap_or_default();
    answers()
        .granted
        .iter()
        .filter(|(id, _)| id == extension_id)
        .fold(persisted, |all, (_, grant)| all.union(grant.clone()))
}

/// Whether the user refused `access` to `extension_id` this run (then it is not asked again).
pub fn was_denied(extension_id: &str, access: &Access) -> bool {
    answers()
        .denied
        .iter()
        .any(|(id, denied)| id == extension_id && denied == access)
}

/// Records a grant of exactly `access`; with `always`, also in [`grants_file`] (written atomically).
pub fn record_grant(extension_id: &str, access: &Access, always: bool) -> std::io::Result<()> {
    answers()
        .granted
        .push((extension_id.to_owned(), access.grant()));
    if !always {
        return Ok(());
    }
    let Some(file) = grants_file() else {
        return Ok(());
    };
    let mut grants = persisted_grants();
    let item = Value::String(access.item());
    let list = match access {
        Access::Run(_) | Access::Net(_) => &mut grants[extension_id][access.permission()],
        Access::Read(_) => &mut grants[extension_id]["fs"]["read"],
        Access::Write(_) => &mut grants[extension_id]["fs"]["write"],
    };
    match list {
        Value::Array(items) if items.contains(&item) => {}
        Value::Array(items) => items.push(item),
        Value::Bool(true) => {}
        _ => *list = json!([item]),
    }
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::regular_file::write_atomic(&file, &serde_json::to_vec_pretty(&grants)?)
}

/// What a Deno denial asked for, from `Requires run access to "echo"` (processes and the network;
/// Deno's file denials are answered by the error alone: the defaults cover what extensions read).
pub fn denied_access(message: &str) -> Option<Access> {
    let permission = denied_permission(message)?.0;
    let start = message.find("access to \"")? + "access to \"".len();
    let end = message[start..].find('"')? + start;
    let item = message[start..end].to_owned();
    match permission {
        "process" => Some(Access::Run(item)),
        "net" => Some(Access::Net(item)),
        _ => None,
    }
}

/// The question put to the user when an extension needs what it lacks, as `window/showMessageRequest`
/// params: "<name> wants to run processes (git): Allow / Always allow / Deny".
pub fn grant_question(name: &str, access: &Access) -> Value {
    json!({
        "type": 3,
        "message": format!("{name} wants to {}", access.wants()),
        "actions": [{"title": "Allow"}, {"title": "Always allow"}, {"title": "Deny"}],
    })
}

/// The request that puts [`grant_question`] to the editor.
pub fn question_request(name: &str, access: &Access) -> crate::runtime::HostRequest {
    crate::runtime::HostRequest::EditorRequest {
        method: "window/showMessageRequest".to_owned(),
        params: grant_question(name, access),
    }
}

/// Records the outcome of [`question_request`]: the editor's answer (`{title}`), its error (an editor
/// without `window/showMessageRequest`), or `None` when no answer came before the deadline. Anything but
/// "Allow" or "Always allow" is a refusal, kept for the rest of the run. Answers whether `access` is
/// granted now.
pub fn settle_answer(
    extension_id: &str,
    access: &Access,
    outcome: Option<Result<Value, String>>,
) -> bool {
    let permission = access.permission();
    let item = access.item();
    let always = match &outcome {
        Some(Ok(answer)) => match answer.get("title").and_then(Value::as_str) {
            Some("Allow") => Some(false),
            Some("Always allow") => Some(true),
            _ => None,
        },
        _ => None,
    };
    match (always, &outcome) {
        (Some(always), _) => match record_grant(extension_id, access, always) {
            Ok(()) => {
                tracing::info!(extension = %extension_id, %permission, %item, always, "permission granted by the user");
                return true;
            }
            Err(error) => {
                tracing::warn!(extension = %extension_id, %error, "cannot keep the permission grant");
                return true;
            }
        },
        (None, Some(Ok(_))) => {
            tracing::info!(extension = %extension_id, %permission, %item, "permission denied by the user")
        }
        (None, Some(Err(error))) => {
            tracing::warn!(extension = %extension_id, %permission, %item, %error, "the editor did not answer the permission question: treated as Deny")
        }
        (None, None) => {
            tracing::warn!(extension = %extension_id, %permission, %item, "no answer to the permission question before its deadline: treated as Deny")
        }
    }
    answers()
        .denied
        .push((extension_id.to_owned(), access.clone()));
    false
}

/// The name the user knows an extension by (`displayName`, `name`, else its id).
pub fn display_name(package_json: &Value, extension_id: &str) -> String {
    ["displayName", "name"]
        .iter()
        .find_map(|key| package_json.get(key).and_then(Value::as_str))
        .unwrap_or(extension_id)
        .to_owned()
}

/// The places an extension's permissions refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionContext {
    /// The extension's own folder, canonical.
    pub extension: PathBuf,
    /// The other extensions' folders.
    pub extensions: Vec<PathBuf>,
    /// The workspace folders.
    pub workspace: Vec<PathBuf>,
    /// The extension's storage folder (`globalStorageUri`, what `${storage}` names).
    pub storage: PathBuf,
    /// Its other folders, read and written like `storage`: `storageUri` (for these workspace folders)
    /// and `logUri` (see `extension_state::StorageFolders`).
    pub other_storage: Vec<PathBuf>,
}

impl PermissionContext {
    /// From the session snapshot (`workspaceFolders: [{uri}]`) and the description of every extension
    /// (`[{extensionPath}]`).
    pub fn from_session(
        extension_id: &str,
        root: &Path,
        snapshot: &Value,
        extensions: &Value,
    ) -> Self {
        let workspace: Vec<PathBuf> = snapshot
            .get("workspaceFolders")
            .and_then(Value::as_array)
            .map(|folders| {
                folders
                    .iter()
                    .filter_map(|folder| folder.get("uri").and_then(Value::as_str))
                    .filter_map(file_uri_path)
                    .collect()
            })
            .unwrap_or_default();
        let extensions = extensions
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|extension| extension.get("extensionPath").and_then(Value::as_str))
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        let folders =
            crate::extension_state::StorageFolders::of(&storage_home(), extension_id, &workspace);
        Self {
            extension: root.to_path_buf(),
            extensions,
            workspace,
            storage: folders.global.clone(),
            other_storage: folders
                .all()
                .into_iter()
                .filter(|folder| *folder != folders.global)
                .collect(),
        }
    }

    /// `fs` paths with their variables expanded (`${workspace}` to every workspace folder).
    fn expand(&self, paths: &[String]) -> Vec<PathBuf> {
        let mut expanded = Vec::new();
        for path in paths {
            if path.contains("${workspace}") {
                for folder in &self.workspace {
                    expanded.push(PathBuf::from(
                        path.replace("${workspace}", &folder.display().to_string()),
                    ));
                }
                continue;
            }
            let path = path
                .replace("${extension}", &self.extension.display().to_string())
                .replace("${storage}", &self.storage.display().to_string());
            if Path::new(&path).is_absolute() {
                expanded.push(PathBuf::from(path));
            } else {
                expanded.push(self.extension.join(path));
            }
        }
        expanded
    }

    /// The paths the extension may read.
    pub fn readable(&self, permissions: &Permissions) -> Vec<PathBuf> {
        let mut paths = vec![self.extension.clone(), self.storage.clone()];
        paths.extend(self.other_storage.iter().cloned());
        match &permissions.fs {
            Some(declared) => paths.extend(self.expand(declared)),
            None => {
                paths.extend(self.extensions.iter().cloned());
                paths.extend(self.workspace.iter().cloned());
            }
        }
        paths.extend(self.expand(&permissions.granted_read));
        paths
    }

    /// The paths the extension may write.
    pub fn writable(&self, permissions: &Permissions) -> Vec<PathBuf> {
        let mut paths = vec![self.storage.clone()];
        paths.extend(self.other_storage.iter().cloned());
        if let Some(declared) = &permissions.fs {
            paths.extend(self.expand(declared));
        }
        paths.extend(self.expand(&permissions.granted_write));
        paths
    }
}

/// `$EXTHOST_HOME/storage/<id>` (the temporary folder when there is no home).
pub fn storage_folder(extension_id: &str) -> PathBuf {
    crate::extension_state::StorageFolders::of(&storage_home(), extension_id, &[]).global
}

/// The home the storage folders are in (the temporary folder when there is none).
fn storage_home() -> PathBuf {
    crate::config::home_dir().unwrap_or_else(std::env::temp_dir)
}

/// The path of a `file:` URI (percent-decoded), or `None` for other schemes.
pub(crate) fn file_uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&rest[index + 1..index + 3], 16)
        {
            decoded.push(byte);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    Some(PathBuf::from(
        String::from_utf8_lossy(&decoded).into_owned(),
    ))
}

/// Deno's permission flags: read and write exactly `readable` and `writable`, the (already filtered)
/// environment, a few harmless system facts, and the network and processes only as granted.
pub fn deno_flags(
    readable: &[PathBuf],
    writable: &[PathBuf],
    permissions: &Permissions,
) -> Vec<String> {
    let list = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|path| path.display().to_string().replace(',', ",,"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut flags = vec![
        format!("--allow-read={}", list(readable)),
        format!("--allow-write={}", list(writable)),
        "--allow-env".to_owned(),
        "--allow-sys=hostname,osRelease,cpus,systemMemoryInfo,uid,gid".to_owned(),
    ];
    flags.extend(permissions.net.deno_flag("net"));
    flags.extend(permissions.process.deno_flag("run"));
    flags
}

/// Which permission a Deno `NotCapable` message is about, and the grant that would allow it.
fn denied_permission(message: &str) -> Option<(&'static str, &'static str)> {
    if !(message.contains("NotCapable") || message.contains("Requires ")) {
        return None;
    }
    [
        ("run access", "process", "may not run processes"),
        ("net access", "net", "may not use the network"),
        ("read access", "fs", "may not read this path"),
        ("write access", "fs", "may not write this path"),
    ]
    .into_iter()
    .find(|(needle, _, _)| message.contains(needle))
    .map(|(_, permission, what)| (permission, what))
}

/// Turns Deno's permission error in an extension's failure into a message naming the permission and how
/// to grant it (`NoPermissions: …`); other errors pass unchanged.
pub fn explain_denial(extension_id: &str, error: RuntimeError) -> RuntimeError {
    let RuntimeError::Threw { message, stack } = error else {
        return error;
    };
    match denied_permission(&message) {
        // Explained already (the Deno bootstrap's own check of a synchronous `child_process` call).
        Some((permission, _)) if message.starts_with("NoPermissions: ") => {
            tracing::warn!(extension = %extension_id, %permission, "permission denied: {message}");
            RuntimeError::Threw { message, stack }
        }
        Some((permission, what)) => {
            let explained = denial_message(extension_id, permission, what, &message);
            tracing::warn!(extension = %extension_id, %permission, "permission denied: {message}");
            RuntimeError::Threw {
                message: explained,
                stack,
            }
        }
        None => RuntimeError::Threw { message, stack },
    }
}

/// `NoPermissions: <id> may not run processes (<detail>); grant it with the setting permissions.<id>.process`.
pub fn denial_message(extension_id: &str, permission: &str, what: &str, detail: &str) -> String {
    let example = if permission == "fs" {
        "a list of paths"
    } else {
        "true, or a list"
    };
    format!(
        "NoPermissions: {extension_id} {what} ({detail}); grant it with the setting \
         permissions.{extension_id}.{permission} ({example}) or `permissions` in its exthost.json"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grants_from_the_manifest_and_the_settings_add_up() {
        let manifest = json!({"permissions": {"process": ["git"], "net": false}});
        let snapshot = json!({"settings": {
            "permissions.com.example.a.process": ["ls"],
            "permissions.com.example.a.net": true,
            "permissions.com.example.b.process": true,
        }});
        let permissions = Permissions::for_extension(&manifest, &snapshot, "com.example.a");
        assert_eq!(
            permissions.process,
            Grant::Only(vec!["git".into(), "ls".into()])
        );
        assert_eq!(permissions.net, Grant::All);
        assert_eq!(permissions.fs, None);
        let nothing = Permissions::for_extension(&json!({}), &json!({}), "com.example.a");
        assert_eq!(nothing, Permissions::default());
    }

    #[test]
    fn defaults_read_extensions_and_workspace_and_write_only_storage() {
        let context = PermissionContext {
            extension: PathBuf::from("/ext/a"),
            extensions: vec![PathBuf::from("/ext/b")],
            workspace: vec![PathBuf::from("/work space")],
            storage: PathBuf::from("/home/storage/a"),
            other_storage: vec![PathBuf::from("/home/logs/a")],
        };
        let defaults = Permissions::default();
        assert_eq!(
            context.readable(&defaults),
            [
                "/ext/a",
                "/home/storage/a",
                "/home/logs/a",
                "/ext/b",
                "/work space"
            ]
            .map(PathBuf::from)
        );
        assert_eq!(
            context.writable(&defaults),
            ["/home/storage/a", "/home/logs/a"].map(PathBuf::from)
        );
        let declared = Permissions {
            fs: Some(vec!["${workspace}/out".into(), "data".into()]),
            ..Permissions::default()
        };
        assert_eq!(
            context.readable(&declared),
            [
                "/ext/a",
                "/home/storage/a",
                "/home/logs/a",
                "/work space/out",
                "/ext/a/data"
            ]
            .map(PathBuf::from)
        );
        let flags = deno_flags(
            &context.readable(&defaults),
            &context.writable(&defaults),
            &defaults,
        );
        assert!(
            flags
                .iter()
                .all(|flag| !flag.starts_with("--allow-run") && !flag.starts_with("--allow-net"))
        );
        assert!(!flags.contains(&"--allow-all".to_owned()));
        let granted = Permissions {
            process: Grant::Only(vec!["ls".into()]),
            net: Grant::All,
            ..Permissions::default()
        };
        let flags = deno_flags(&[], &[], &granted);
        assert!(flags.contains(&"--allow-run=ls".to_owned()), "{flags:?}");
        assert!(flags.contains(&"--allow-net".to_owned()), "{flags:?}");
    }

    #[test]
    fn file_uris_are_decoded() {
        assert_eq!(
            file_uri_path("file:///a%20b/c"),
            Some(PathBuf::from("/a b/c"))
        );
        assert_eq!(file_uri_path("untitled:x"), None);
    }

    #[test]
    fn deno_denials_name_the_permission_and_the_setting() {
        let error = RuntimeError::Threw {
            message:
                "NotCapable: Requires run access to \"ls\", run again with the --allow-run flag"
                    .into(),
            stack: None,
        };
        let RuntimeError::Threw { message, .. } = explain_denial("com.example.a", error) else {
            panic!("still a throw");
        };
        assert!(
            message.starts_with("NoPermissions: com.example.a may not run processes"),
            "{message}"
        );
        assert!(
            message.contains("permissions.com.example.a.process"),
            "{message}"
        );
        // An explained denial (the bootstrap's own) is not explained twice.
        let again = explain_denial(
            "com.example.a",
            RuntimeError::Threw {
                message: message.clone(),
                stack: None,
            },
        );
        assert!(matches!(again, RuntimeError::Threw { message: twice, .. } if twice == message));
    }

    #[test]
    fn granted_paths_add_to_the_defaults_and_a_write_grant_gives_no_reads() {
        let context = PermissionContext {
            extension: PathBuf::from("/ext/a"),
            extensions: vec![PathBuf::from("/ext/b")],
            workspace: vec![PathBuf::from("/work")],
            storage: PathBuf::from("/home/storage/a"),
            other_storage: vec![],
        };
        let snapshot = json!({"settings": {"permissions.test.paths.fs": ["/granted"]}});
        let permissions = Permissions::for_extension(&json!({}), &snapshot, "test.paths");
        assert_eq!(
            permissions.fs, None,
            "a grant does not replace the defaults"
        );
        let readable = context.readable(&permissions);
        for path in ["/ext/b", "/work", "/granted"] {
            assert!(readable.contains(&PathBuf::from(path)), "{readable:?}");
        }
        assert!(
            context
                .writable(&permissions)
                .contains(&PathBuf::from("/granted"))
        );
        let write_only = Permissions::from_grant_json(&json!({"fs": {"write": ["/w"]}}));
        assert!(!context.readable(&write_only).contains(&PathBuf::from("/w")));
        assert!(context.writable(&write_only).contains(&PathBuf::from("/w")));
        assert!(write_only.allows(&Access::Write(PathBuf::from("/w/file"))));
        assert!(!write_only.allows(&Access::Read(PathBuf::from("/w/file"))));
    }

    #[test]
    fn deno_denials_name_the_program_or_host_to_ask_for() {
        assert_eq!(
            denied_access(
                "NotCapable: Requires run access to \"echo\", run again with the --allow-run flag"
            ),
            Some(Access::Run("echo".into()))
        );
        assert_eq!(
            denied_access(
                "NotCapable: Requires net access to \"127.0.0.1:9\", run again with the --allow-net flag"
            ),
            Some(Access::Net("127.0.0.1:9".into()))
        );
        assert_eq!(
            denied_access(
                "NotCapable: Requires read access to \"/etc\", run again with the --allow-read flag"
            ),
            None
        );
        assert_eq!(denied_access("TypeError: x is not a function"), None);
        assert_eq!(
            grant_question("Git Lens", &Access::Run("git".into()))["message"],
            "Git Lens wants to run processes (git)"
        );
    }

    #[test]
    fn answers_grant_exactly_what_was_asked_and_a_refusal_is_remembered() {
        let git = Access::Run("git".into());
        assert!(!settle_answer(
            "test.answers",
            &git,
            Some(Ok(json!({"title": "Deny"})))
        ));
        assert!(was_denied("test.answers", &git));
        let nothing = Access::Run("ls".into());
        assert!(
            !settle_answer("test.answers", &nothing, None),
            "no answer is Deny"
        );
        assert!(was_denied("test.answers", &nothing));
        let failed = Access::Run("cat".into());
        assert!(!settle_answer(
            "test.answers",
            &failed,
            Some(Err("method not found".into()))
        ));
        assert!(!answered_grants("test.answers").allows(&git));

        let host = Access::Net("example.com:443".into());
        assert!(settle_answer(
            "test.answers.allowed",
            &host,
            Some(Ok(json!({"title": "Allow"})))
        ));
        let granted = answered_grants("test.answers.allowed");
        assert!(granted.allows(&host));
        assert!(!granted.allows(&Access::Net("other.example:443".into())));
        assert!(!granted.allows(&git));
        assert!(!was_denied("test.answers.allowed", &host));
    }
}
