//! What an extension may touch outside the `vscode` API: files (`fs`), the network (`net`) and other
//! programs (`process`), from its manifest's `permissions` (contract §5) and the user's grants (the setting
//! `permissions.<id>`), and how that becomes Deno's permission flags.
//!
//! Defaults (an extension that declares nothing, which is every VS Code extension): read its own folder,
//! the other extensions' folders and the workspace folders; read and write its storage folder
//! (`$EXTHOST_HOME/storage/<id>`); no network, no processes. An `exthost.json` that declares `fs` gets
//! exactly those paths (read and write) besides its own folder and storage. `${workspace}`, `${extension}`
//! and `${storage}` expand in `fs` paths. A grant in settings adds to what the manifest declares, and so do
//! the user's answers to the host's question after a denial ([`ask_for_grant`]): "Allow" for the rest
//! of the host's life, "Always allow" kept in `$EXTHOST_HOME/permissions.json`; either takes effect when
//! the extension next starts.

use std::path::{Path, PathBuf};

use serde_json::Value;

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
        }
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
        Permissions {
            fs,
            net: self.net.union(other.net),
            process: self.process.union(other.process),
        }
    }
}

/// The grants under `permissions.<id>` in flat settings (`permissions.<id>.process: true`), or a nested
/// object at `permissions.<id>`.
fn granted_in_settings(settings: &Value, extension_id: &str) -> Permissions {
    let key = format!("permissions.{extension_id}");
    if let Some(object) = settings.get(&key) {
        return Permissions::from_json(object);
    }
    let mut grant = serde_json::Map::new();
    for field in ["fs", "net", "process"] {
        if let Some(value) = settings.get(format!("{key}.{field}")) {
            grant.insert(field.to_owned(), value.clone());
        }
    }
    Permissions::from_json(&Value::Object(grant))
}

/// The grants given in answers this run ("Allow"), by extension id.
static ANSWERED: std::sync::Mutex<Vec<(String, Permissions)>> = std::sync::Mutex::new(Vec::new());

/// Where "Always allow" answers are kept: `$EXTHOST_HOME/permissions.json`, `{"<id>": {"process": […]}}`.
pub fn grants_file() -> Option<PathBuf> {
    crate::config::home_dir().map(|home| home.join("permissions.json"))
}

/// What the user granted `extension_id` in answers: this run's and the persisted ones.
fn answered_grants(extension_id: &str) -> Permissions {
    let persisted = grants_file()
        .and_then(|file| std::fs::read_to_string(file).ok())
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|grants| grants.get(extension_id).map(Permissions::from_json))
        .unwrap_or_default();
    let answered = ANSWERED.lock().map_or_else(
        |_| Permissions::default(),
        |answered| {
            answered
                .iter()
                .filter(|(id, _)| id == extension_id)
                .fold(Permissions::default(), |all, (_, grant)| {
                    all.union(grant.clone())
                })
        },
    );
    persisted.union(answered)
}

/// Records a grant of `item` (a program or a host) for `permission` (`process` or `net`); with `always`,
/// also in [`grants_file`].
pub fn record_grant(
    extension_id: &str,
    permission: &str,
    item: &str,
    always: bool,
) -> std::io::Result<()> {
    let grant = Permissions::from_json(&serde_json::json!({ permission: [item] }));
    if let Ok(mut answered) = ANSWERED.lock() {
        answered.push((extension_id.to_owned(), grant));
    }
    if !always {
        return Ok(());
    }
    let Some(file) = grants_file() else {
        return Ok(());
    };
    let mut grants = std::fs::read_to_string(&file)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    let list = &mut grants[extension_id][permission];
    match list {
        Value::Array(items) if items.iter().any(|existing| existing == item) => {}
        Value::Array(items) => items.push(Value::String(item.to_owned())),
        Value::Bool(true) => {}
        _ => *list = serde_json::json!([item]),
    }
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&file, serde_json::to_vec_pretty(&grants)?)
}

/// What a Deno denial asked for: the permission (`process` or `net`) and the program or host, from
/// `Requires run access to "echo"`.
pub fn denied_item(message: &str) -> Option<(&'static str, String)> {
    let permission = match denied_permission(message)? {
        ("process", _) => "process",
        ("net", _) => "net",
        _ => return None,
    };
    let start = message.find("access to \"")? + "access to \"".len();
    let end = message[start..].find('"')? + start;
    Some((permission, message[start..end].to_owned()))
}

/// The question put to the user after a denial, as `window/showMessageRequest` params.
pub fn grant_question(name: &str, permission: &str, item: &str) -> Value {
    let what = if permission == "process" {
        format!("{name} wants to run processes ({item})")
    } else {
        format!("{name} wants to use the network ({item})")
    };
    serde_json::json!({
        "type": 3,
        "message": format!("{what}: allow it? It takes effect when the extension restarts."),
        "actions": [{"title": "Allow"}, {"title": "Always allow"}, {"title": "Deny"}],
    })
}

/// Records the user's answer (`{title}` of `window/showMessageRequest`) to [`grant_question`]; answers
/// whether anything was granted.
pub fn ask_for_grant_answered(
    extension_id: &str,
    permission: &str,
    item: &str,
    answer: &Value,
) -> bool {
    let always = match answer.get("title").and_then(Value::as_str) {
        Some("Allow") => false,
        Some("Always allow") => true,
        _ => return false,
    };
    match record_grant(extension_id, permission, item, always) {
        Ok(()) => {
            tracing::info!(extension = %extension_id, %permission, %item, always, "permission granted by the user");
            true
        }
        Err(error) => {
            tracing::warn!(extension = %extension_id, %error, "cannot keep the permission grant");
            false
        }
    }
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
        paths
    }

    /// The paths the extension may write.
    pub fn writable(&self, permissions: &Permissions) -> Vec<PathBuf> {
        let mut paths = vec![self.storage.clone()];
        paths.extend(self.other_storage.iter().cloned());
        if let Some(declared) = &permissions.fs {
            paths.extend(self.expand(declared));
        }
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
    }
}
