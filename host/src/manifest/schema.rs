//! The shape of `exthost.json` as serde/schemars types: the one place its field names and types are written,
//! read by the validator and turned into `docs/exthost.schema.json` by [`manifest_schema`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::checked::Checked;

/// The manifest of an exthost extension: `exthost.json` at the root of the extension's folder.
/// Unknown fields are allowed and ignored.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "exthost.json")]
#[schemars(extend("oneOf" = [{ "required": ["main"] }, { "required": ["native"] }]))]
pub(crate) struct ManifestFile {
    /// The extension's unique id: lower-case dot-separated segments of letters, digits and `-`, at least two,
    /// each starting with a letter or digit, e.g. `com.example.hello`.
    #[schemars(pattern(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$"))]
    pub id: Checked<String>,
    /// The name shown to users, e.g. `Hello`.
    #[schemars(length(min = 1))]
    pub name: Checked<String>,
    /// The extension's version, a semantic version such as `1.2.0`.
    pub version: Checked<String>,
    /// A one-line description shown to users.
    #[serde(default)]
    pub description: Checked<String>,
    /// The extension's author.
    #[serde(default)]
    pub author: Checked<String>,
    /// The JavaScript entry point, relative to the extension's folder (CommonJS or ES module), e.g.
    /// `out/extension.js`. Exactly one of `main` and `native` is required.
    #[serde(default)]
    pub main: Checked<String>,
    /// The native (Rust cdylib) entry point. Exactly one of `main` and `native` is required.
    #[serde(default)]
    pub native: Checked<NativeFile>,
    /// The host versions the extension works with.
    #[serde(default)]
    pub engines: Checked<EnginesFile>,
    /// Events that activate the extension, with VS Code's names: `onCommand:<id>`, `onLanguage:<id>`,
    /// `workspaceContains:<glob>`, `onStartupFinished`, `*`, `onView:<id>`, …. Contributed commands and
    /// languages add their `onCommand` and `onLanguage` events implicitly.
    #[serde(default)]
    pub activation_events: Checked<Vec<Checked<String>>>,
    /// What the extension adds to the editor.
    #[serde(default)]
    pub contributes: Checked<ContributesFile>,
    /// What the extension supports in its lifecycle.
    #[serde(default)]
    pub capabilities: Checked<CapabilitiesFile>,
    /// Extensions that must be enabled before this one, by id, each with an npm-style version range such as
    /// `^1.0.0`, `>=1.2 <2` or `^1 || ^2`.
    #[serde(default)]
    pub dependencies: Checked<BTreeMap<String, Checked<String>>>,
    /// Resource limits for the extension, tighter than the host's defaults.
    #[serde(default)]
    pub limits: Checked<LimitsFile>,
    /// The JavaScript engine that runs `main`: `quickjs` (in-process, small, no Node built-ins beyond the
    /// light ones) or `deno` (a Deno process: V8, full `Intl`, Node's built-in modules). Default: `quickjs`.
    #[serde(default)]
    pub engine: Checked<EngineFile>,
    /// What the extension may reach outside its own folder.
    #[serde(default)]
    pub permissions: Checked<PermissionsFile>,
    /// Extension-specific settings, kept as written for the extension to read.
    #[serde(default)]
    pub settings: Checked<Map<String, Value>>,
}

/// The JavaScript engines an `exthost.json` may ask for.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum EngineFile {
    /// QuickJS, in the host's process.
    Quickjs,
    /// Deno, a process per extension.
    Deno,
}

/// A native extension's library.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NativeFile {
    /// The library's base name without path, platform prefix or suffix, e.g. `libhello`; the host adds
    /// `.so`, `.dylib` or `.dll`.
    #[schemars(length(min = 1))]
    pub library: Checked<String>,
}

/// Version ranges of the hosts an extension works with (npm syntax).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnginesFile {
    /// The exthost versions the extension works with, e.g. `^0.1`.
    #[serde(default)]
    pub exthost: Checked<String>,
    /// The VS Code API versions the extension works with (for extensions that use the `vscode` module),
    /// e.g. `^1.90.0`.
    #[serde(default)]
    pub vscode: Checked<String>,
}

/// Contribution points (VS Code's names).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContributesFile {
    /// Commands the extension registers; each implies the activation event `onCommand:<command>`.
    #[serde(default)]
    pub commands: Checked<Vec<Checked<CommandFile>>>,
    /// Languages the extension defines; each implies the activation event `onLanguage:<id>`.
    #[serde(default)]
    pub languages: Checked<Vec<Checked<LanguageFile>>>,
    /// Settings the extension reads, as VS Code's `contributes.configuration`: an object with `title` and
    /// `properties` (JSON Schemas of each setting), or an array of such objects.
    #[serde(default)]
    pub configuration: Checked<Value>,
}

/// One contributed command.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommandFile {
    /// The command's id, e.g. `hello.say`.
    #[schemars(length(min = 1))]
    pub command: Checked<String>,
    /// The title shown to users, e.g. `Say hello`.
    pub title: Checked<String>,
    /// A group shown before the title, e.g. `Hello`.
    #[serde(default)]
    pub category: Checked<String>,
}

/// One contributed language.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LanguageFile {
    /// The language id, e.g. `rust`.
    #[schemars(length(min = 1))]
    pub id: Checked<String>,
    /// File name extensions of the language, with the dot, e.g. `.rs`.
    #[serde(default)]
    pub extensions: Checked<Vec<Checked<String>>>,
    /// Names of the language shown to users.
    #[serde(default)]
    pub aliases: Checked<Vec<Checked<String>>>,
}

/// Lifecycle capabilities.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CapabilitiesFile {
    /// Whether the extension can be reloaded in place (`exthost/reload`) without restarting the host.
    #[serde(default)]
    #[schemars(extend("default" = false))]
    pub supports_hot_reload: Checked<bool>,
    /// Whether the extension can be disabled while the host runs.
    #[serde(default)]
    #[schemars(extend("default" = true))]
    pub supports_disable: Checked<bool>,
}

/// Resource limits, each a positive integer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LimitsFile {
    /// The most memory the extension's engine may use, in MiB.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub memory_mb: Checked<u64>,
    /// How long `activate` may run, in milliseconds.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub activate_timeout_ms: Checked<u64>,
    /// How long one call into the extension may run, in milliseconds.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub call_timeout_ms: Checked<u64>,
}

/// What the extension may reach outside its own folder.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PermissionsFile {
    /// Paths the extension may read and write besides its own folder and storage; `${workspace}` stands
    /// for each workspace folder, `${extension}` for its folder, `${storage}` for its storage folder.
    #[serde(default)]
    pub fs: Checked<Vec<Checked<String>>>,
    /// Whether the extension may open network connections: `true`, `false`, or the hosts it may reach.
    #[serde(default)]
    pub net: Checked<GrantFile>,
    /// Whether the extension may start processes: `true`, `false`, or the programs it may run.
    #[serde(default)]
    pub process: Checked<GrantFile>,
}

/// A grant: all (`true`), none (`false`), or a list of hosts or programs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[allow(
    dead_code,
    reason = "checked here; `permissions.rs` reads the grant from the manifest as written"
)]
pub(crate) enum GrantFile {
    /// All or nothing.
    Flag(bool),
    /// Only these.
    List(Vec<String>),
}

/// The JSON Schema (draft 2020-12) of `exthost.json`, generated from the types the validator reads it into.
pub fn manifest_schema() -> Value {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<ManifestFile>()
        .to_value()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// Where the checked-in copy of the schema lives.
    fn schema_file() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/exthost.schema.json")
    }

    /// The schema as written to the docs: pretty-printed with two spaces, with a trailing newline.
    fn rendered_schema() -> String {
        let mut text =
            serde_json::to_string_pretty(&manifest_schema()).expect("a schema serializes");
        text.push('\n');
        text
    }

    #[test]
    fn docs_schema_matches_the_types() {
        let expected = rendered_schema();
        let path = schema_file();
        if std::env::var_os("EXTHOST_BLESS").is_some_and(|value| value == "1") {
            std::fs::write(&path, &expected).expect("docs/exthost.schema.json is writable");
            return;
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "{} is out of date with the manifest types; regenerate it with \
             `EXTHOST_BLESS=1 cargo test -p exthost --lib manifest::schema`",
            path.display()
        );
    }

    #[test]
    fn schema_names_the_contract_fields() {
        let schema = manifest_schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let properties = schema["properties"]
            .as_object()
            .expect("top-level properties");
        for field in [
            "id",
            "name",
            "version",
            "description",
            "author",
            "main",
            "native",
            "engines",
            "activationEvents",
            "contributes",
            "capabilities",
            "dependencies",
            "limits",
            "permissions",
            "settings",
        ] {
            assert!(properties.contains_key(field), "schema lacks {field}");
        }
        assert_eq!(
            schema["required"],
            serde_json::json!(["id", "name", "version"])
        );
        assert!(
            schema["properties"]["id"]["description"]
                .as_str()
                .is_some_and(|text| text.contains("com.example.hello"))
        );
    }
}
