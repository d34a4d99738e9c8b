//! Settings (`workspace.getConfiguration`): defaults contributed by extensions, values the editor sends,
//! and values extensions write, kept as flat maps of dotted keys (`conf.view.showOnWindowOpen`).
//!
//! Precedence, lowest first: contributed defaults, the editor's settings (`workspace/didChangeConfiguration`
//! and `workspace/configuration`), user settings (`$EXTHOST_HOME/settings.json`), workspace settings
//! (`<workspace>/.exthost/settings.json`). `WorkspaceConfiguration.update` writes the last two files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::manifest::Manifest;

/// A flat map of dotted keys to values.
pub type FlatSettings = BTreeMap<String, Value>;

/// Where a written setting goes (VS Code's `ConfigurationTarget`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingTarget {
    /// User settings (`ConfigurationTarget.Global`, 1).
    Global,
    /// Workspace settings (`ConfigurationTarget.Workspace`, 2, and `WorkspaceFolder`, 3).
    Workspace,
}

impl SettingTarget {
    /// From `ConfigurationTarget`'s number; anything but 1 is the workspace.
    pub fn from_number(target: u8) -> Self {
        if target == 1 {
            Self::Global
        } else {
            Self::Workspace
        }
    }
}

/// Every layer of settings, and the files the written layers live in.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    defaults: FlatSettings,
    editor: FlatSettings,
    user: FlatSettings,
    workspace: FlatSettings,
    user_file: Option<PathBuf>,
    workspace_file: Option<PathBuf>,
}

impl Settings {
    /// Loads the layers: defaults from `manifests`, user and workspace values from their files.
    pub fn load<'a>(
        manifests: impl IntoIterator<Item = &'a Manifest>,
        user_file: Option<PathBuf>,
        workspace_file: Option<PathBuf>,
    ) -> Self {
        let mut defaults = FlatSettings::new();
        for manifest in manifests {
            contributed_defaults(&manifest.contributes.configuration, &mut defaults);
        }
        Self {
            defaults,
            editor: FlatSettings::new(),
            user: user_file
                .as_deref()
                .map(read_settings_file)
                .unwrap_or_default(),
            workspace: workspace_file
                .as_deref()
                .map(read_settings_file)
                .unwrap_or_default(),
            user_file,
            workspace_file,
        }
    }

    /// The contributed defaults.
    pub fn defaults(&self) -> &FlatSettings {
        &self.defaults
    }

    /// The effective value of every key.
    pub fn effective(&self) -> FlatSettings {
        let mut merged = self.defaults.clone();
        for layer in [&self.editor, &self.user, &self.workspace] {
            for (key, value) in layer {
                merged.insert(key.clone(), value.clone());
            }
        }
        merged
    }

    /// Merges settings the editor sent (a nested object, as `workspace/didChangeConfiguration` carries it;
    /// `prefix` is the section it was asked for, empty for the root).
    pub fn merge_editor(&mut self, prefix: &str, settings: &Value) {
        flatten(prefix, settings, &mut self.editor);
    }

    /// Drops from the workspace layer every key that is one of `sections` or under one of them.
    pub fn restrict_workspace(&mut self, sections: &[&str]) {
        self.workspace.retain(|key, _| {
            !sections.iter().any(|section| {
                key == section
                    || key
                        .strip_prefix(section)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        });
    }

    /// Writes one setting to its file and to the layer; `null` removes it.
    pub fn write(&mut self, key: &str, value: Value, target: SettingTarget) -> std::io::Result<()> {
        match self.set(key, value, target)? {
            Some(pending) => pending.commit(),
            None => Ok(()),
        }
    }

    /// Sets one setting in its layer (`null` removes it) and answers the write of its file still to be
    /// made (`None`: the layer has no file), so the caller can write outside its locks.
    pub fn set(
        &mut self,
        key: &str,
        value: Value,
        target: SettingTarget,
    ) -> std::io::Result<Option<PendingWrite>> {
        let (layer, file) = match (target, &self.workspace_file) {
            (SettingTarget::Workspace, Some(file)) => (&mut self.workspace, Some(file.clone())),
            _ => (&mut self.user, self.user_file.clone()),
        };
        if value.is_null() {
            layer.remove(key);
        } else {
            layer.insert(key.to_owned(), value);
        }
        let Some(file) = file else {
            return Ok(None);
        };
        let object: Map<String, Value> = layer.clone().into_iter().collect();
        let mut text = serde_json::to_string_pretty(&Value::Object(object))?;
        text.push('\n');
        Ok(Some(PendingWrite { file, text }))
    }
}

/// A settings file's new content, to be written ([`Settings::set`]).
#[derive(Debug)]
#[must_use = "the settings file is only written by commit"]
pub struct PendingWrite {
    file: std::path::PathBuf,
    text: String,
}

impl PendingWrite {
    /// Writes the file. Atomic: never a half-written file, and never written through a FIFO or a link.
    pub fn commit(self) -> std::io::Result<()> {
        crate::regular_file::write_atomic(&self.file, self.text.as_bytes())
    }
}

/// The top-level sections the extensions contribute (`conf` for `conf.view.x`), to ask the editor for.
pub fn contributed_sections(defaults: &FlatSettings) -> Vec<String> {
    let mut sections: Vec<String> = defaults
        .keys()
        .filter_map(|key| key.split('.').next())
        .map(str::to_owned)
        .collect();
    sections.dedup();
    sections
}

/// Adds the `default` of every property in `contributes.configuration` (an object or an array of them); a
/// property without one gets its type's default, as in VS Code.
fn contributed_defaults(configuration: &Value, into: &mut FlatSettings) {
    let blocks: Vec<&Value> = match configuration {
        Value::Array(blocks) => blocks.iter().collect(),
        Value::Object(_) => vec![configuration],
        _ => Vec::new(),
    };
    for block in blocks {
        let Some(properties) = block.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (key, schema) in properties {
            let default = match schema.get("default") {
                Some(default) => default.clone(),
                None => type_default(schema.get("type")),
            };
            into.insert(key.clone(), default);
        }
    }
}

/// VS Code's default for a setting declared with `type` and no `default` (the first of a list of types).
fn type_default(declared: Option<&Value>) -> Value {
    let first = match declared {
        Some(Value::Array(types)) => types.first().and_then(Value::as_str),
        Some(Value::String(name)) => Some(name.as_str()),
        _ => None,
    };
    match first {
        Some("boolean") => Value::Bool(false),
        Some("integer" | "number") => Value::from(0),
        Some("string") => Value::String(String::new()),
        Some("array") => Value::Array(Vec::new()),
        Some("object") => Value::Object(serde_json::Map::new()),
        _ => Value::Null,
    }
}

/// Reads a settings file: a JSON object of dotted keys (nested objects are flattened). A missing or broken
/// file is empty (and logged).
fn read_settings_file(file: &Path) -> FlatSettings {
    let mut settings = FlatSettings::new();
    // Only a regular file, capped: a FIFO or a link to `/dev/zero` must not hang or flood the host.
    match crate::regular_file::read_text(file, crate::regular_file::MAX_SETTINGS_BYTES) {
        Ok(text) => match exthost_protocol::json::from_str::<Value>(&text) {
            Ok(value) => flatten("", &value, &mut settings),
            Err(error) => {
                tracing::warn!(file = %file.display(), %error, "settings file is not JSON; ignored")
            }
        },
        Err(error) if error.is_not_found() => {}
        Err(error) => {
            let reason = error.reason();
            tracing::warn!(file = %file.display(), %reason, "cannot read settings file; ignored")
        }
    }
    settings
}

/// Flattens nested objects into dotted keys under `prefix`; other values are leaves.
fn flatten(prefix: &str, value: &Value, into: &mut FlatSettings) {
    match value {
        Value::Object(object) if !object.is_empty() => {
            for (key, child) in object {
                let full = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&full, child, into);
            }
        }
        Value::Null if prefix.is_empty() => {}
        leaf if !prefix.is_empty() => {
            into.insert(prefix.to_owned(), leaf.clone());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layers_override_in_order_and_writes_persist() {
        let folder = tempfile::tempdir().unwrap();
        let user_file = folder.path().join("user/settings.json");
        let workspace_file = folder.path().join("ws/.exthost/settings.json");
        std::fs::create_dir_all(user_file.parent().unwrap()).unwrap();
        std::fs::write(
            &user_file,
            r#"{"a.user": 1, "nested": {"deep": {"key": true}}}"#,
        )
        .unwrap();
        let mut settings =
            Settings::load([], Some(user_file.clone()), Some(workspace_file.clone()));
        contributed_defaults(
            &json!([{"properties": {"a.user": {"default": 0}, "a.other": {"default": "x"}}}]),
            &mut settings.defaults,
        );
        settings.merge_editor("", &json!({"a": {"other": "from-editor"}}));
        let effective = settings.effective();
        assert_eq!(effective["a.user"], json!(1));
        assert_eq!(effective["a.other"], json!("from-editor"));
        assert_eq!(effective["nested.deep.key"], json!(true));

        settings
            .write("a.other", json!("mine"), SettingTarget::Workspace)
            .unwrap();
        assert_eq!(settings.effective()["a.other"], json!("mine"));
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&workspace_file).unwrap()).unwrap();
        assert_eq!(written, json!({"a.other": "mine"}));
        settings
            .write("a.user", Value::Null, SettingTarget::Global)
            .unwrap();
        assert_eq!(settings.effective()["a.user"], json!(0));
        assert_eq!(contributed_sections(settings.defaults()), ["a"]);
    }

    #[test]
    fn a_setting_without_default_gets_its_types_default() {
        let mut defaults = FlatSettings::new();
        contributed_defaults(
            &json!({"properties": {
                "x.list": {"type": "array"},
                "x.map": {"type": "object"},
                "x.flag": {"type": "boolean"},
                "x.count": {"type": "integer"},
                "x.ratio": {"type": "number"},
                "x.name": {"type": ["string", "null"]},
                "x.none": {"type": "null"},
                "x.untyped": {"description": "no type"},
                "x.given": {"type": "array", "default": [1]},
            }}),
            &mut defaults,
        );
        assert_eq!(
            serde_json::to_value(&defaults).unwrap(),
            json!({
                "x.list": [], "x.map": {}, "x.flag": false, "x.count": 0, "x.ratio": 0,
                "x.name": "", "x.none": null, "x.untyped": null, "x.given": [1],
            })
        );
    }
}
