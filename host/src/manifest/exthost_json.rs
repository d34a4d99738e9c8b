//! Validating an `exthost.json` (already parsed as JSON) into a [`Manifest`], with every problem reported.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::checked::Checked;
use super::fields::{self, UnknownEvents};
use super::problems::ProblemList;
use super::schema::{CommandFile, EngineFile, ManifestFile};
use super::{
    Capabilities, CommandContribution, Contributes, DependencyRange, JsEngine, Manifest,
    ManifestContext, ManifestError, ManifestKind, ManifestLimits, NativeSpec, check_engines,
    deserialize_fields, exthost_id_reason, invalid_manifest, is_exthost_id, is_vscode_id,
    with_implicit_events,
};

/// Validates `raw` (a JSON object) as an `exthost.json`.
pub(crate) fn read(
    file: &Path,
    raw: Value,
    context: &ManifestContext,
) -> Result<Manifest, ManifestError> {
    let manifest_file: ManifestFile = deserialize_fields(file, &raw)?;
    let mut problems = ProblemList::default();

    let id_text = problems.required("id", manifest_file.id);
    let id_hint = id_text.clone();
    let id = id_text.filter(|id| {
        let valid = is_exthost_id(id);
        if !valid {
            problems.push("id", exthost_id_reason(id));
        }
        valid
    });
    let name = problems.required("name", manifest_file.name);
    let name = fields::non_empty(&mut problems, "name", name);
    let version = problems.required("version", manifest_file.version);
    let version = fields::version(&mut problems, "version", version, false);
    let description = problems.optional("description", manifest_file.description);
    problems.optional("author", manifest_file.author);

    let has_main = !matches!(manifest_file.main, Checked::Missing);
    let has_native = !matches!(manifest_file.native, Checked::Missing);
    let main = problems.optional("main", manifest_file.main);
    let main = fields::non_empty(&mut problems, "main", main).filter(|main| {
        let inside = is_inside_folder(main);
        if !inside {
            problems.push(
                "main",
                format!("\"{main}\" must be a relative path inside the extension's folder"),
            );
        }
        inside
    });
    let native = problems.optional("native", manifest_file.native).and_then(|native| {
        let library = problems.required("native.library", native.library);
        let library = fields::non_empty(&mut problems, "native.library", library)?;
        if library.contains(['/', '\\']) {
            problems.push(
                "native.library",
                format!(
                    "\"{library}\" must be a library's base name without a path, e.g. \"libhello\"; the host looks \
                     for it in the extension's folder"
                ),
            );
            return None;
        }
        Some(NativeSpec { library })
    });
    match (has_main, has_native) {
        (true, true) => problems.push(
            "native",
            "\"main\" and \"native\" are both set: an extension is either JavaScript (\"main\") or native \
             (\"native\"), not both",
        ),
        (false, false) => problems.push(
            "main",
            "one of \"main\" (a JavaScript entry point) or \"native\" (a native library) is required",
        ),
        _ => {}
    }

    let engines = check_engines(&mut problems, manifest_file.engines, context);

    let explicit_events = fields::activation_events(
        &mut problems,
        "activationEvents",
        manifest_file.activation_events,
        UnknownEvents::Reject,
    );

    let contributes = match problems.optional("contributes", manifest_file.contributes) {
        Some(contributes) => Contributes {
            commands: commands(&mut problems, contributes.commands),
            languages: fields::languages(
                &mut problems,
                "contributes.languages",
                contributes.languages,
            ),
            configuration: problems
                .optional("contributes.configuration", contributes.configuration)
                .unwrap_or(Value::Null),
        },
        None => Contributes::default(),
    };

    let capabilities = match problems.optional("capabilities", manifest_file.capabilities) {
        Some(capabilities) => {
            let defaults = Capabilities::default();
            Capabilities {
                supports_hot_reload: problems
                    .optional(
                        "capabilities.supportsHotReload",
                        capabilities.supports_hot_reload,
                    )
                    .unwrap_or(defaults.supports_hot_reload),
                supports_disable: problems
                    .optional(
                        "capabilities.supportsDisable",
                        capabilities.supports_disable,
                    )
                    .unwrap_or(defaults.supports_disable),
            }
        }
        None => Capabilities::default(),
    };

    let dependencies = dependencies(&mut problems, manifest_file.dependencies, id.as_deref());

    let limits = match problems.optional("limits", manifest_file.limits) {
        Some(limits) => ManifestLimits {
            memory_mb: positive(&mut problems, "limits.memoryMb", limits.memory_mb),
            activate_timeout_ms: positive(
                &mut problems,
                "limits.activateTimeoutMs",
                limits.activate_timeout_ms,
            ),
            call_timeout_ms: positive(
                &mut problems,
                "limits.callTimeoutMs",
                limits.call_timeout_ms,
            ),
        },
        None => ManifestLimits::default(),
    };

    let engine = problems
        .optional("engine", manifest_file.engine)
        .map(|engine| match engine {
            EngineFile::Quickjs => JsEngine::QuickJs,
            EngineFile::Deno => JsEngine::Deno,
        });
    if let Some(permissions) = problems.optional("permissions", manifest_file.permissions) {
        fields::strings(&mut problems, "permissions.fs", permissions.fs);
        problems.optional("permissions.net", permissions.net);
        problems.optional("permissions.process", permissions.process);
    }
    problems.optional("settings", manifest_file.settings);

    match (id, name, version, problems.is_empty()) {
        (Some(id), Some(name), Some(version), true) => Ok(Manifest {
            kind: ManifestKind::Exthost,
            file: file.to_path_buf(),
            id,
            name,
            version,
            description,
            main,
            native,
            engines,
            activation_events: with_implicit_events(explicit_events, &contributes),
            contributes,
            capabilities,
            dependencies,
            limits,
            engine,
            raw,
        }),
        _ => Err(invalid_manifest(file, id_hint, problems)),
    }
}

/// Whether a relative path written in the manifest stays inside the extension's folder (checked the same
/// way on every platform: no leading separator, no drive letter, no `..`).
fn is_inside_folder(path: &str) -> bool {
    let has_drive = path.as_bytes().get(1) == Some(&b':');
    !has_drive
        && !path.starts_with(['/', '\\'])
        && path.split(['/', '\\']).all(|component| component != "..")
}

/// Reads `contributes.commands`: each needs a non-empty `command` and a `title`.
fn commands(
    problems: &mut ProblemList,
    checked: Checked<Vec<Checked<CommandFile>>>,
) -> Vec<CommandContribution> {
    let mut commands = Vec::new();
    for (path, command) in problems.items("contributes.commands", checked) {
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
                title,
                category,
            });
        }
    }
    commands
}

/// Reads `dependencies`: keys are extension ids, values npm ranges.
fn dependencies(
    problems: &mut ProblemList,
    checked: Checked<BTreeMap<String, Checked<String>>>,
    own_id: Option<&str>,
) -> BTreeMap<String, DependencyRange> {
    let mut dependencies = BTreeMap::new();
    for (dependency_id, range) in problems
        .optional("dependencies", checked)
        .unwrap_or_default()
    {
        let field = format!("dependencies[\"{dependency_id}\"]");
        let range = problems.non_null(&field, range);
        if !is_exthost_id(&dependency_id) && !is_vscode_id(&dependency_id) {
            problems.push(
                &field,
                format!(
                    "\"{dependency_id}\" is not a valid extension id: expected an exthost id such as \
                     \"com.example.base\" or a VS Code id \"publisher.name\""
                ),
            );
            continue;
        }
        if own_id == Some(dependency_id.as_str()) {
            problems.push(&field, "an extension cannot depend on itself");
            continue;
        }
        match range.map(|range| DependencyRange::parse(&range)) {
            Some(Ok(range)) => {
                dependencies.insert(dependency_id, range);
            }
            Some(Err(reason)) => problems.push(&field, reason),
            None => {}
        }
    }
    dependencies
}

/// Reads a limit, which must be a positive integer.
fn positive(problems: &mut ProblemList, field: &str, checked: Checked<u64>) -> Option<u64> {
    let found = match checked {
        Checked::Missing => return None,
        Checked::Valid(0) => "number 0".to_owned(),
        Checked::Valid(value) => return Some(value),
        Checked::Invalid { found, .. } => found,
    };
    problems.push(field, format!("expected a positive integer, found {found}"));
    None
}
