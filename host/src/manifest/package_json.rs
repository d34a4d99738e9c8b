//! Validating a VS Code `package.json` (already parsed as JSON) into a [`Manifest`], as leniently as VS Code
//! does: unknown activation event kinds are kept, and a malformed contribution is skipped with a warning
//! rather than failing the extension.

use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::checked::Checked;
use super::fields::{self, UnknownEvents};
use super::problems::ProblemList;
use super::schema::{EnginesFile, LanguageFile};
use super::{
    Capabilities, CommandContribution, Contributes, DependencyRange, Manifest, ManifestContext,
    ManifestError, ManifestKind, ManifestLimits, check_engines, deserialize_fields,
    invalid_manifest, is_vscode_id, with_implicit_events,
};

/// The id VS Code gives an extension whose `package.json` has no `publisher`.
const UNDEFINED_PUBLISHER: &str = "undefined_publisher";

/// The fields of a VS Code `package.json` the host reads; the rest stay in [`Manifest::raw`].
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct PackageJsonFile {
    /// The extension's name: lower-case, no spaces.
    name: Checked<String>,
    /// The name shown to users.
    #[serde(default)]
    display_name: Checked<String>,
    /// The publisher's id; the extension's id is `publisher.name`.
    #[serde(default)]
    publisher: Checked<String>,
    /// A semantic version.
    version: Checked<String>,
    /// A one-line description.
    #[serde(default)]
    description: Checked<String>,
    /// The JavaScript entry point; absent for a contribution-only extension.
    #[serde(default)]
    main: Checked<String>,
    /// `engines.vscode` (and, for extensions that also target exthost, `engines.exthost`).
    #[serde(default)]
    engines: Checked<EnginesFile>,
    /// Activation events, explicit ones only.
    #[serde(default)]
    activation_events: Checked<Vec<Checked<String>>>,
    /// Contribution points.
    #[serde(default)]
    contributes: Checked<PackageContributesFile>,
    /// Ids (`publisher.name`) of extensions this one needs, of any version.
    #[serde(default)]
    extension_dependencies: Checked<Vec<Checked<String>>>,
}

/// The contribution points the host reads from a `package.json`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct PackageContributesFile {
    /// One command object or an array of them (VS Code accepts both).
    #[serde(default)]
    commands: Checked<Value>,
    /// Contributed languages.
    #[serde(default)]
    languages: Checked<Vec<Checked<LanguageFile>>>,
    /// Configuration, kept as written.
    #[serde(default)]
    configuration: Checked<Value>,
}

/// One command of a `package.json`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct PackageCommandFile {
    /// The command id.
    command: Checked<String>,
    /// The title: a string, or a localized `{value, original}`.
    title: Checked<LocalizedText>,
    /// The category: a string, or a localized `{value, original}`.
    #[serde(default)]
    category: Checked<LocalizedText>,
}

/// A string VS Code lets a manifest write either plainly or as `{value, original}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
enum LocalizedText {
    /// A plain string (possibly an `%nls.key%` placeholder).
    Plain(String),
    /// A localized string (its `original`, the untranslated text, is not needed).
    Localized {
        /// The text to show.
        value: String,
    },
}

impl LocalizedText {
    /// The text to show.
    fn into_text(self) -> String {
        match self {
            LocalizedText::Plain(text) | LocalizedText::Localized { value: text } => text,
        }
    }
}

/// Validates `raw` (a JSON object) as a VS Code `package.json`.
pub(crate) fn read(
    file: &Path,
    raw: Value,
    context: &ManifestContext,
) -> Result<Manifest, ManifestError> {
    let package: PackageJsonFile = deserialize_fields(file, &raw)?;
    let mut problems = ProblemList::default();

    let name = problems.required("name", package.name);
    let publisher = problems.optional("publisher", package.publisher);
    let id_hint = name
        .as_ref()
        .map(|name| vscode_id(publisher.as_deref(), name));
    let name = name.filter(|name| {
        let valid = !name.is_empty() && *name == name.to_lowercase() && !name.contains(char::is_whitespace);
        if !valid {
            problems.push(
                "name",
                format!("\"{name}\" is not a valid VS Code extension name: expected lower case without spaces"),
            );
        }
        valid
    });
    let publisher = publisher.filter(|publisher| {
        let valid = !publisher.is_empty() && !publisher.contains(char::is_whitespace);
        if !valid {
            problems.push(
                "publisher",
                format!("\"{publisher}\" is not a valid publisher id: expected a non-empty name without spaces"),
            );
        }
        valid
    });
    let display_name = problems.optional("displayName", package.display_name);
    let version = problems.required("version", package.version);
    let version = fields::version(&mut problems, "version", version, true);
    let description = problems.optional("description", package.description);
    let main = problems.optional("main", package.main);
    let main = fields::non_empty(&mut problems, "main", main);

    let engines = check_engines(&mut problems, package.engines, context);

    let explicit_events = fields::activation_events(
        &mut problems,
        "activationEvents",
        package.activation_events,
        UnknownEvents::Keep,
    );

    // VS Code skips a malformed contribution and loads the extension anyway; so do we, with a warning.
    let mut contribution_problems = ProblemList::default();
    let contributes = match contribution_problems.optional("contributes", package.contributes) {
        Some(contributes) => Contributes {
            commands: commands(&mut contribution_problems, contributes.commands),
            languages: fields::languages(
                &mut contribution_problems,
                "contributes.languages",
                contributes.languages,
            ),
            configuration: contribution_problems
                .optional("contributes.configuration", contributes.configuration)
                .unwrap_or(Value::Null),
        },
        None => Contributes::default(),
    };
    for problem in contribution_problems.into_vec() {
        tracing::warn!(file = %file.display(), "{problem}; the contribution is ignored");
    }

    let mut dependencies = std::collections::BTreeMap::new();
    for (path, dependency_id) in
        problems.items("extensionDependencies", package.extension_dependencies)
    {
        let Some(dependency_id) = problems.non_null(&path, dependency_id) else {
            continue;
        };
        if is_vscode_id(&dependency_id) {
            dependencies.insert(dependency_id, DependencyRange::any());
        } else {
            problems.push(
                path,
                format!(
                    "\"{dependency_id}\" is not a VS Code extension id: expected \"publisher.name\""
                ),
            );
        }
    }

    match (name, version, problems.is_empty()) {
        (Some(name), Some(version), true) => Ok(Manifest {
            kind: ManifestKind::VsCode,
            file: file.to_path_buf(),
            id: vscode_id(publisher.as_deref(), &name),
            name: display_name
                .filter(|display_name| !display_name.trim().is_empty())
                .unwrap_or(name),
            version,
            description,
            main,
            native: None,
            engines,
            activation_events: with_implicit_events(explicit_events, &contributes),
            contributes,
            capabilities: Capabilities::default(),
            dependencies,
            limits: ManifestLimits::default(),
            engine: None,
            raw,
        }),
        _ => Err(invalid_manifest(file, id_hint, problems)),
    }
}

/// `publisher.name`, or `undefined_publisher.name` without a publisher.
fn vscode_id(publisher: Option<&str>, name: &str) -> String {
    format!("{}.{name}", publisher.unwrap_or(UNDEFINED_PUBLISHER))
}

/// Reads `contributes.commands`, a single command object or an array of them; each needs a non-empty
/// `command` and a `title`.
fn commands(problems: &mut ProblemList, checked: Checked<Value>) -> Vec<CommandContribution> {
    const FIELD: &str = "contributes.commands";
    let Some(value) = problems.optional(FIELD, checked) else {
        return Vec::new();
    };
    let value = match value {
        Value::Object(_) => Value::Array(vec![value]),
        other => other,
    };
    let mut commands = Vec::new();
    for (path, command) in problems.items(
        FIELD,
        Checked::<Vec<Checked<PackageCommandFile>>>::from_value(&value),
    ) {
        let Some(command) = problems.non_null(&path, command) else {
            continue;
        };
        let command_field = format!("{path}.command");
        let id = problems.required(&command_field, command.command);
        let id = fields::non_empty(problems, &command_field, id);
        let title = problems.required(&format!("{path}.title"), command.title);
        let category = problems.optional(&format!("{path}.category"), command.category);
        if let (Some(command), Some(title)) = (id, title) {
            commands.push(CommandContribution {
                command,
                title: title.into_text(),
                category: category.map(LocalizedText::into_text),
            });
        }
    }
    commands
}
