//! Extension manifests: finding and reading `exthost.json` (or a VS Code `package.json`), validating it with
//! every problem reported at once, and the [`Manifest`] the rest of the host works from.
//!
//! Invariant: this module reads files only in [`load_manifest`]; everything else is pure.

pub mod activation_event;
mod checked;
pub mod dependency_range;
mod exthost_json;
mod fields;
mod package_json;
mod problems;
pub mod schema;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::regular_file;

pub use activation_event::ActivationEvent;
pub use dependency_range::DependencyRange;
pub use schema::manifest_schema;

/// The name of an exthost manifest at the root of an extension's folder.
pub const MANIFEST_FILE: &str = "exthost.json";

/// The name of a VS Code manifest, read when a folder has no [`MANIFEST_FILE`].
pub const PACKAGE_JSON_FILE: &str = "package.json";

/// Which kind of file a manifest was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManifestKind {
    /// An `exthost.json`.
    Exthost,
    /// A VS Code `package.json`.
    VsCode,
}

impl ManifestKind {
    /// The file name of this kind of manifest: [`MANIFEST_FILE`] or [`PACKAGE_JSON_FILE`].
    pub fn file_name(self) -> &'static str {
        match self {
            ManifestKind::Exthost => MANIFEST_FILE,
            ManifestKind::VsCode => PACKAGE_JSON_FILE,
        }
    }
}

/// A validated extension manifest, from either kind of file.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Which kind of file it came from.
    pub kind: ManifestKind,
    /// The manifest file's path.
    pub file: PathBuf,
    /// The extension's id: `id` of an `exthost.json`; `publisher.name` of a `package.json`
    /// (`undefined_publisher.name` when it has no publisher, as VS Code does).
    pub id: String,
    /// The name shown to users: `name` of an `exthost.json`; `displayName`, else `name`, of a `package.json`.
    pub name: String,
    /// The extension's version.
    pub version: semver::Version,
    /// A one-line description.
    pub description: Option<String>,
    /// The JavaScript entry point, relative to the extension's folder, as written.
    pub main: Option<String>,
    /// The native library, for a native extension.
    pub native: Option<NativeSpec>,
    /// The host versions the extension works with.
    pub engines: Engines,
    /// The events that activate the extension: the explicit ones, then the implicit ones (`onCommand` for
    /// each contributed command, `onLanguage` for each contributed language), without duplicates, in order.
    pub activation_events: Vec<ActivationEvent>,
    /// What the extension adds to the editor.
    pub contributes: Contributes,
    /// What the extension supports in its lifecycle.
    pub capabilities: Capabilities,
    /// The extensions this one needs, by id, with the versions it accepts.
    pub dependencies: BTreeMap<String, DependencyRange>,
    /// Resource limits the extension asks for; `None` leaves the host's default.
    pub limits: ManifestLimits,
    /// The JavaScript engine `exthost.json` asks for (`engine`); `None` for a VS Code `package.json` and
    /// when not given (the host chooses, see `lifecycle`).
    pub engine: Option<JsEngine>,
    /// The whole file as parsed, unknown fields included (VS Code's `packageJSON`).
    pub raw: Value,
}

impl Manifest {
    /// The ids of the extensions this one depends on, in id order.
    pub fn dependency_ids(&self) -> impl Iterator<Item = &str> {
        self.dependencies.keys().map(String::as_str)
    }

    /// Whether the extension has JavaScript code (`main`).
    pub fn is_js(&self) -> bool {
        self.main.is_some()
    }

    /// Whether the extension is a native library (`native`).
    pub fn is_native(&self) -> bool {
        self.native.is_some()
    }
}

/// A JavaScript engine an extension can run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
pub enum JsEngine {
    /// QuickJS, in the host's process (`quickjs`).
    #[serde(rename = "quickjs")]
    QuickJs,
    /// Deno, one process per extension (`deno`).
    #[serde(rename = "deno")]
    Deno,
}

impl JsEngine {
    /// The name used in manifests, settings and `ExtensionInfo.engine`.
    pub fn name(self) -> &'static str {
        match self {
            JsEngine::QuickJs => "quickjs",
            JsEngine::Deno => "deno",
        }
    }

    /// Reads `quickjs` or `deno`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "quickjs" => Some(JsEngine::QuickJs),
            "deno" => Some(JsEngine::Deno),
            _ => None,
        }
    }
}

/// A native extension's library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeSpec {
    /// The library's base name without path, platform prefix or suffix, e.g. `libhello`.
    pub library: String,
}

/// The host versions an extension declares it works with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Engines {
    /// `engines.exthost`: the exthost versions.
    pub exthost: Option<DependencyRange>,
    /// `engines.vscode`: the VS Code API versions.
    pub vscode: Option<DependencyRange>,
}

/// Contribution points the host understands; the rest stay in [`Manifest::raw`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contributes {
    /// `contributes.commands`.
    pub commands: Vec<CommandContribution>,
    /// `contributes.languages`.
    pub languages: Vec<LanguageContribution>,
    /// `contributes.configuration` as written (`Null` when absent).
    pub configuration: Value,
}

/// One contributed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContribution {
    /// The command id, e.g. `hello.say`.
    pub command: String,
    /// The title shown to users.
    pub title: String,
    /// The category shown before the title.
    pub category: Option<String>,
}

/// One contributed language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageContribution {
    /// The language id, e.g. `rust`.
    pub id: String,
    /// File name extensions, e.g. `.rs`.
    pub extensions: Vec<String>,
    /// Names shown to users.
    pub aliases: Vec<String>,
}

/// Lifecycle capabilities an extension declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Whether the extension can be reloaded in place; `false` unless declared.
    pub supports_hot_reload: bool,
    /// Whether the extension can be disabled while the host runs; `true` unless declared otherwise.
    pub supports_disable: bool,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            supports_hot_reload: false,
            supports_disable: true,
        }
    }
}

/// Resource limits from an `exthost.json`'s `limits`; `None` leaves the host's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ManifestLimits {
    /// `limits.memoryMb`: the most memory the extension's engine may use, in MiB.
    pub memory_mb: Option<u64>,
    /// `limits.activateTimeoutMs`: how long `activate` may run.
    pub activate_timeout_ms: Option<u64>,
    /// `limits.callTimeoutMs`: how long one call into the extension may run.
    pub call_timeout_ms: Option<u64>,
}

/// What a manifest is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestContext {
    /// This host's version, matched against `engines.exthost`.
    pub host_version: semver::Version,
    /// The VS Code API version the `vscode` shim provides, matched against `engines.vscode`.
    pub vscode_api_version: semver::Version,
}

/// One thing wrong with a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestProblem {
    /// The JSON path of the field, e.g. `engines.exthost` or `contributes.commands[0].command`; empty for the
    /// file as a whole.
    pub field: String,
    /// What is wrong and what was expected.
    pub reason: String,
}

impl fmt::Display for ManifestProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            formatter.write_str(&self.reason)
        } else {
            write!(formatter, "{}: {}", self.field, self.reason)
        }
    }
}

/// Why a manifest could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The folder has neither manifest file.
    #[error("no {MANIFEST_FILE} or {PACKAGE_JSON_FILE} in {}", .dir.display())]
    NotFound {
        /// The extension folder.
        dir: PathBuf,
    },
    /// The manifest file exists but could not be read.
    #[error("cannot read {}: {source}", .file.display())]
    Unreadable {
        /// The manifest file.
        file: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The manifest file is not JSON.
    #[error("{}:{line}:{column}: invalid JSON: {reason}", .file.display())]
    InvalidJson {
        /// The manifest file.
        file: PathBuf,
        /// The line of the syntax error, from 1.
        line: usize,
        /// The column of the syntax error, from 1.
        column: usize,
        /// What the parser expected.
        reason: String,
    },
    /// The manifest is JSON but breaks the manifest rules; every problem is listed.
    #[error("{}", render_problems(.file, .problems))]
    Invalid {
        /// The manifest file.
        file: PathBuf,
        /// The extension's id as far as it could be read, even if malformed.
        id: Option<String>,
        /// Every problem found, in the order the fields are checked (roughly the contract's order).
        problems: Vec<ManifestProblem>,
    },
}

impl ManifestError {
    /// The extension id as far as it could be read (only an invalid manifest has one).
    pub fn id_hint(&self) -> Option<&str> {
        match self {
            ManifestError::Invalid { id, .. } => id.as_deref(),
            ManifestError::NotFound { .. }
            | ManifestError::Unreadable { .. }
            | ManifestError::InvalidJson { .. } => None,
        }
    }
}

/// `<file>: N problems` then one `<file>: <field>: <reason>` line per problem.
fn render_problems(file: &Path, problems: &[ManifestProblem]) -> String {
    let file = file.display();
    let count = match problems.len() {
        1 => "1 problem".to_owned(),
        count => format!("{count} problems"),
    };
    let mut text = format!("{file}: {count}");
    for problem in problems {
        text.push_str(&format!("\n{file}: {problem}"));
    }
    text
}

/// Reads `exthost.json`, else `package.json`, from `dir`, and validates it.
pub fn load_manifest(dir: &Path, context: &ManifestContext) -> Result<Manifest, ManifestError> {
    for kind in [ManifestKind::Exthost, ManifestKind::VsCode] {
        let file = dir.join(kind.file_name());
        // Only a regular file, capped: a FIFO, `/dev/zero` or a link to stdin would hang or flood.
        match regular_file::read_text(&file, regular_file::MAX_MANIFEST_BYTES) {
            Ok(text) => return parse_manifest(&file, &text, kind, context),
            Err(error) if error.is_not_found() => continue,
            Err(error) => {
                return Err(ManifestError::Unreadable {
                    file,
                    source: error.into_io(),
                });
            }
        }
    }
    Err(ManifestError::NotFound {
        dir: dir.to_path_buf(),
    })
}

/// Same from text already read (for tests and `exthost check`); `file` is only used in the result and in
/// messages.
pub fn parse_manifest(
    file: &Path,
    text: &str,
    kind: ManifestKind,
    context: &ManifestContext,
) -> Result<Manifest, ManifestError> {
    // Editors on Windows sometimes save a byte-order mark; VS Code skips it, and so do we.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: Value = serde_json::from_str(text).map_err(|error| {
        let (line, column) = (error.line(), error.column());
        let message = error.to_string();
        let reason = message
            .strip_suffix(&format!(" at line {line} column {column}"))
            .unwrap_or(&message)
            .to_owned();
        ManifestError::InvalidJson {
            file: file.to_path_buf(),
            line,
            column,
            reason,
        }
    })?;
    if !raw.is_object() {
        return Err(ManifestError::Invalid {
            file: file.to_path_buf(),
            id: None,
            problems: vec![ManifestProblem {
                field: String::new(),
                reason: format!(
                    "expected a JSON object at the top level, found {}",
                    checked::describe_value(&raw)
                ),
            }],
        });
    }
    match kind {
        ManifestKind::Exthost => exthost_json::read(file, raw, context),
        ManifestKind::VsCode => package_json::read(file, raw, context),
    }
}

/// The error for a manifest with problems.
fn invalid_manifest(
    file: &Path,
    id: Option<String>,
    problems: problems::ProblemList,
) -> ManifestError {
    ManifestError::Invalid {
        file: file.to_path_buf(),
        id,
        problems: problems.into_vec(),
    }
}

/// The explicit events followed by the implicit ones of the contributions (VS Code ≥ 1.74), each once.
fn with_implicit_events(
    explicit: Vec<ActivationEvent>,
    contributes: &Contributes,
) -> Vec<ActivationEvent> {
    let implicit = contributes
        .commands
        .iter()
        .map(|command| ActivationEvent::OnCommand(command.command.clone()))
        .chain(
            contributes
                .languages
                .iter()
                .map(|language| ActivationEvent::OnLanguage(language.id.clone())),
        );
    let mut events: Vec<ActivationEvent> = Vec::new();
    for event in explicit.into_iter().chain(implicit) {
        if !events.contains(&event) {
            events.push(event);
        }
    }
    events
}

/// Whether `id` is an exthost extension id: lower-case dot-separated segments of `[a-z0-9][a-z0-9-]*`, at
/// least two.
fn is_exthost_id(id: &str) -> bool {
    let segments: Vec<&str> = id.split('.').collect();
    segments.len() >= 2
        && segments.iter().all(|segment| {
            segment
                .chars()
                .next()
                .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
                && segment.chars().all(|character| {
                    character.is_ascii_lowercase() || character.is_ascii_digit() || character == '-'
                })
        })
}

/// Whether `id` is a VS Code extension id `publisher.name`: two non-empty parts of ASCII letters, digits, `-`
/// and `_`, each starting with a letter or digit.
fn is_vscode_id(id: &str) -> bool {
    let is_part = |part: &str| {
        part.chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphanumeric())
            && part.chars().all(|character| {
                character.is_ascii_alphanumeric() || character == '-' || character == '_'
            })
    };
    id.split_once('.')
        .is_some_and(|(publisher, name)| is_part(publisher) && is_part(name))
}

/// The reason given for a malformed exthost id.
fn exthost_id_reason(id: &str) -> String {
    format!(
        "\"{id}\" is not a valid extension id: expected lower-case dot-separated segments of letters, digits \
         and '-', at least two, each starting with a letter or digit, e.g. \"com.example.hello\""
    )
}

/// Which engine an `engines` field names, for [`check_engine`].
#[derive(Debug, Clone, Copy)]
enum Engine {
    /// `engines.exthost`, matched against the host's version.
    Exthost,
    /// `engines.vscode`, matched against the shim's VS Code API version.
    VsCode,
}

/// Deserializes a manifest file's fields. Every field is `Checked`, so only a non-object fails — which the
/// caller has ruled out; should it happen, it is reported as a problem of the file as a whole.
fn deserialize_fields<T: serde::de::DeserializeOwned>(
    file: &Path,
    raw: &serde_json::Value,
) -> Result<T, ManifestError> {
    T::deserialize(raw).map_err(|error| {
        let mut problems = problems::ProblemList::default();
        problems.push("", error.to_string());
        invalid_manifest(file, None, problems)
    })
}

/// Reads and checks the `engines` object (both kinds of manifest share it): each range must parse and
/// admit the version this host has.
fn check_engines(
    problems: &mut problems::ProblemList,
    engines: checked::Checked<schema::EnginesFile>,
    context: &ManifestContext,
) -> Engines {
    let Some(engines) = problems.optional("engines", engines) else {
        return Engines::default();
    };
    let exthost = problems.optional("engines.exthost", engines.exthost);
    let vscode = problems.optional("engines.vscode", engines.vscode);
    Engines {
        exthost: check_engine(
            problems,
            "engines.exthost",
            exthost,
            Engine::Exthost,
            context,
        ),
        vscode: check_engine(problems, "engines.vscode", vscode, Engine::VsCode, context),
    }
}

/// Checks an `engines` range against the version this host has, recording a problem if it does not parse or
/// does not match.
fn check_engine(
    problems: &mut problems::ProblemList,
    field: &str,
    text: Option<String>,
    engine: Engine,
    context: &ManifestContext,
) -> Option<DependencyRange> {
    let text = text?;
    match DependencyRange::parse(&text) {
        Ok(range) => {
            let matches = match engine {
                Engine::Exthost => range.matches(&context.host_version),
                Engine::VsCode => range.matches(&context.vscode_api_version),
            };
            if matches {
                return Some(range);
            }
            let reason = match engine {
                Engine::Exthost => format!(
                    "requires exthost {range} but this host is {}",
                    context.host_version
                ),
                Engine::VsCode => format!(
                    "requires VS Code API {range} but this host provides VS Code API {}",
                    context.vscode_api_version
                ),
            };
            problems.push(field, reason);
            None
        }
        Err(reason) => {
            problems.push(field, reason);
            None
        }
    }
}
