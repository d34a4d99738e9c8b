//! Tests of manifest loading and validation: a table of `exthost.json` and `package.json` cases, the VS Code
//! API fixtures, file lookup and error rendering.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;

/// The host and VS Code API versions every case is checked against.
fn context() -> ManifestContext {
    ManifestContext {
        host_version: semver::Version::new(0, 1, 0),
        vscode_api_version: semver::Version::new(1, 100, 0),
    }
}

/// Parses `json` as the given kind of manifest.
fn parse(kind: ManifestKind, json: &Value) -> Result<Manifest, ManifestError> {
    let file = Path::new("extension").join(kind.file_name());
    parse_manifest(&file, &json.to_string(), kind, &context())
}

/// The smallest valid `exthost.json`, with `changes` merged in at the top level (`null` removes a field).
fn exthost_with(changes: Value) -> Value {
    let mut manifest = json!({
        "id": "com.example.hello",
        "name": "Hello",
        "version": "1.2.0",
        "main": "out/extension.js"
    });
    merge(&mut manifest, changes);
    manifest
}

/// The smallest valid `package.json`, with `changes` merged in at the top level (`null` removes a field).
fn package_with(changes: Value) -> Value {
    let mut manifest = json!({
        "name": "hello",
        "publisher": "example",
        "version": "0.0.1",
        "engines": { "vscode": "^1.74.0" },
        "main": "./out/extension.js"
    });
    merge(&mut manifest, changes);
    manifest
}

/// Sets each field of `changes` on `manifest`, removing those set to `null`.
fn merge(manifest: &mut Value, changes: Value) {
    let (Some(manifest), Value::Object(changes)) = (manifest.as_object_mut(), changes) else {
        panic!("test manifests and changes are objects");
    };
    for (field, value) in changes {
        if value.is_null() {
            manifest.remove(&field);
        } else {
            manifest.insert(field, value);
        }
    }
}

/// The contract's §5 example, verbatim.
fn contract_example() -> Value {
    json!({
      "id": "com.example.hello",
      "name": "Hello",
      "version": "1.2.0",
      "description": "…", "author": "…",
      "main": "out/extension.js",
      "native": { "library": "libhello" },
      "engines": { "exthost": "^0.1" },
      "activationEvents": ["onCommand:hello.say", "onLanguage:rust", "workspaceContains:Cargo.toml", "onStartupFinished", "*"],
      "contributes": { "commands": [{ "command": "hello.say", "title": "Say hello" }], "configuration": {} },
      "capabilities": { "supportsHotReload": false, "supportsDisable": true },
      "dependencies": { "com.example.base": "^1.0.0" },
      "permissions": { "fs": ["${workspace}"], "net": false, "process": false },
      "settings": { "configFile": "hello.config.json" }
    })
}

/// Activation events from their text.
fn events(texts: &[&str]) -> Vec<ActivationEvent> {
    texts
        .iter()
        .map(|text| text.parse().expect("test event is well formed"))
        .collect()
}

/// What a case must produce.
enum Expected {
    /// A manifest, checked by the function.
    Valid(fn(&Manifest)),
    /// Exactly these problems, in order: (field, a substring of the reason).
    Problems(&'static [(&'static str, &'static str)]),
}

/// One row of the table.
struct Case {
    /// What the case shows.
    name: &'static str,
    /// Which kind of file.
    kind: ManifestKind,
    /// The file's content.
    manifest: Value,
    /// The outcome.
    expected: Expected,
}

/// Shorthand for an `exthost.json` case.
fn exthost_case(name: &'static str, manifest: Value, expected: Expected) -> Case {
    Case {
        name,
        kind: ManifestKind::Exthost,
        manifest,
        expected,
    }
}

/// Shorthand for a `package.json` case.
fn package_case(name: &'static str, manifest: Value, expected: Expected) -> Case {
    Case {
        name,
        kind: ManifestKind::VsCode,
        manifest,
        expected,
    }
}

fn cases() -> Vec<Case> {
    use Expected::{Problems, Valid};
    let mut contract_without_native = contract_example();
    merge(&mut contract_without_native, json!({ "native": null }));
    vec![
        // --- exthost.json: valid ---
        exthost_case(
            "minimal exthost.json",
            exthost_with(json!({})),
            Valid(|manifest| {
                assert_eq!(manifest.kind, ManifestKind::Exthost);
                assert_eq!(manifest.id, "com.example.hello");
                assert_eq!(manifest.name, "Hello");
                assert_eq!(manifest.version, semver::Version::new(1, 2, 0));
                assert_eq!(manifest.main.as_deref(), Some("out/extension.js"));
                assert!(manifest.is_js() && !manifest.is_native());
                assert!(manifest.activation_events.is_empty());
                assert_eq!(manifest.capabilities, Capabilities::default());
                assert!(
                    !manifest.capabilities.supports_hot_reload
                        && manifest.capabilities.supports_disable
                );
                assert_eq!(manifest.limits, ManifestLimits::default());
                assert_eq!(manifest.engines, Engines::default());
                assert_eq!(manifest.contributes, Contributes::default());
                assert_eq!(manifest.dependency_ids().count(), 0);
            }),
        ),
        exthost_case(
            "the contract's full example (with main only)",
            contract_without_native,
            Valid(|manifest| {
                assert_eq!(manifest.description.as_deref(), Some("…"));
                assert_eq!(
                    manifest
                        .engines
                        .exthost
                        .as_ref()
                        .map(DependencyRange::as_str),
                    Some("^0.1")
                );
                assert_eq!(
                    manifest.activation_events,
                    events(&[
                        "onCommand:hello.say",
                        "onLanguage:rust",
                        "workspaceContains:Cargo.toml",
                        "onStartupFinished",
                        "*"
                    ])
                );
                assert_eq!(
                    manifest.contributes.commands,
                    vec![CommandContribution {
                        command: "hello.say".to_owned(),
                        title: "Say hello".to_owned(),
                        category: None,
                    }]
                );
                assert_eq!(manifest.contributes.configuration, json!({}));
                assert_eq!(
                    manifest.dependency_ids().collect::<Vec<_>>(),
                    ["com.example.base"]
                );
                assert_eq!(manifest.raw["settings"]["configFile"], "hello.config.json");
                assert_eq!(manifest.raw["permissions"]["fs"][0], "${workspace}");
            }),
        ),
        exthost_case(
            "a native extension with limits and capabilities",
            exthost_with(json!({
                "main": null,
                "native": { "library": "libhello" },
                "capabilities": { "supportsHotReload": true },
                "limits": { "memoryMb": 64, "activateTimeoutMs": 5000, "callTimeoutMs": 1000 },
                "somethingNew": { "kept": true }
            })),
            Valid(|manifest| {
                assert!(manifest.is_native() && !manifest.is_js());
                assert_eq!(
                    manifest.native,
                    Some(NativeSpec {
                        library: "libhello".to_owned()
                    })
                );
                assert_eq!(
                    manifest.capabilities,
                    Capabilities {
                        supports_hot_reload: true,
                        supports_disable: true
                    }
                );
                assert_eq!(
                    manifest.limits,
                    ManifestLimits {
                        memory_mb: Some(64),
                        activate_timeout_ms: Some(5000),
                        call_timeout_ms: Some(1000)
                    }
                );
                assert_eq!(manifest.raw["somethingNew"]["kept"], true);
            }),
        ),
        exthost_case(
            "implicit activation events follow the explicit ones, without duplicates",
            exthost_with(json!({
                "activationEvents": ["onCommand:hello.b", "onView:tree", "onCommand:hello.b"],
                "contributes": {
                    "commands": [
                        { "command": "hello.a", "title": "A", "category": "Hello" },
                        { "command": "hello.b", "title": "B" }
                    ],
                    "languages": [{ "id": "hello-lang", "extensions": [".hello"], "aliases": ["Hello"] }]
                }
            })),
            Valid(|manifest| {
                assert_eq!(
                    manifest.activation_events,
                    events(&[
                        "onCommand:hello.b",
                        "onView:tree",
                        "onCommand:hello.a",
                        "onLanguage:hello-lang"
                    ])
                );
                assert_eq!(
                    manifest.contributes.commands[0].category.as_deref(),
                    Some("Hello")
                );
                assert_eq!(
                    manifest.contributes.languages,
                    vec![LanguageContribution {
                        id: "hello-lang".to_owned(),
                        extensions: vec![".hello".to_owned()],
                        aliases: vec!["Hello".to_owned()],
                    }]
                );
            }),
        ),
        exthost_case(
            "npm ranges, including || and space-separated ones",
            exthost_with(json!({
                "engines": { "exthost": ">=0.1.0 <1.0.0 || ^2" },
                "dependencies": {
                    "com.example.base": "^1.0.0",
                    "com.example.either": "^1.2 || ^2.0.0",
                    "com.example.between": ">=1.0.0 <2.0.0",
                    "com.example.hyphen": "1.2.3 - 1.4",
                    "com.example.wild": "1.x",
                    "com.example.any": "*",
                    "Some-Publisher.vscode-thing": "~0.3"
                }
            })),
            Valid(|manifest| {
                let matches = |id: &str, version: &str| {
                    manifest.dependencies[id]
                        .matches(&semver::Version::parse(version).expect("test version"))
                };
                assert!(
                    matches("com.example.either", "2.5.0")
                        && matches("com.example.either", "1.3.0")
                );
                assert!(!matches("com.example.either", "3.0.0"));
                assert!(
                    matches("com.example.between", "1.9.9")
                        && !matches("com.example.between", "2.0.0")
                );
                assert!(
                    matches("com.example.hyphen", "1.4.7")
                        && !matches("com.example.hyphen", "1.5.0")
                );
                assert!(
                    matches("com.example.wild", "1.9.0") && matches("com.example.any", "7.0.0")
                );
                assert_eq!(manifest.dependency_ids().count(), 7);
            }),
        ),
        // --- exthost.json: one problem each ---
        exthost_case(
            "the contract's example sets both main and native",
            contract_example(),
            Problems(&[("native", "\"main\" and \"native\" are both set")]),
        ),
        exthost_case(
            "id missing",
            exthost_with(json!({ "id": null })),
            Problems(&[("id", "is required but missing")]),
        ),
        exthost_case(
            "id with upper case",
            exthost_with(json!({ "id": "Com.Example.Hello" })),
            Problems(&[(
                "id",
                "\"Com.Example.Hello\" is not a valid extension id: expected lower-case dot-separated segments",
            )]),
        ),
        exthost_case(
            "id with one segment",
            exthost_with(json!({ "id": "hello" })),
            Problems(&[("id", "at least two")]),
        ),
        exthost_case(
            "id with an empty segment",
            exthost_with(json!({ "id": "com..hello" })),
            Problems(&[("id", "e.g. \"com.example.hello\"")]),
        ),
        exthost_case(
            "id of the wrong type",
            exthost_with(json!({ "id": 7 })),
            Problems(&[("id", "expected a string, found number 7")]),
        ),
        exthost_case(
            "name empty",
            exthost_with(json!({ "name": " " })),
            Problems(&[("name", "must not be empty")]),
        ),
        exthost_case(
            "name missing",
            exthost_with(json!({ "name": null })),
            Problems(&[("name", "is required")]),
        ),
        exthost_case(
            "version not strict semver",
            exthost_with(json!({ "version": "1.0" })),
            Problems(&[(
                "version",
                "\"1.0\" is not a semantic version: expected MAJOR.MINOR.PATCH",
            )]),
        ),
        exthost_case(
            "version with a leading v",
            exthost_with(json!({ "version": "v1.0.0" })),
            Problems(&[("version", "\"v1.0.0\" is not a semantic version")]),
        ),
        exthost_case(
            "neither main nor native",
            exthost_with(json!({ "main": null })),
            Problems(&[(
                "main",
                "one of \"main\" (a JavaScript entry point) or \"native\" (a native library) is required",
            )]),
        ),
        exthost_case(
            "main outside the folder",
            exthost_with(json!({ "main": "../elsewhere/extension.js" })),
            Problems(&[(
                "main",
                "must be a relative path inside the extension's folder",
            )]),
        ),
        exthost_case(
            "main absolute or with a drive letter",
            exthost_with(json!({ "main": "C:\\ext\\main.js" })),
            Problems(&[(
                "main",
                "must be a relative path inside the extension's folder",
            )]),
        ),
        exthost_case(
            "native library with a path",
            exthost_with(json!({ "main": null, "native": { "library": "lib/libhello" } })),
            Problems(&[(
                "native.library",
                "\"lib/libhello\" must be a library's base name without a path",
            )]),
        ),
        exthost_case(
            "native without library",
            exthost_with(json!({ "main": null, "native": {} })),
            Problems(&[("native.library", "is required")]),
        ),
        exthost_case(
            "native as an array",
            exthost_with(json!({ "main": null, "native": ["libhello"] })),
            Problems(&[("native", "expected an object, found an array")]),
        ),
        exthost_case(
            "engines.exthost too new",
            exthost_with(json!({ "engines": { "exthost": "^0.9" } })),
            Problems(&[(
                "engines.exthost",
                "requires exthost ^0.9 but this host is 0.1.0",
            )]),
        ),
        exthost_case(
            "engines.exthost not a range",
            exthost_with(json!({ "engines": { "exthost": "newest" } })),
            Problems(&[(
                "engines.exthost",
                "\"newest\" is not a valid npm version range",
            )]),
        ),
        exthost_case(
            "engines of the wrong type",
            exthost_with(json!({ "engines": "^0.1" })),
            Problems(&[("engines", "expected an object, found string \"^0.1\"")]),
        ),
        exthost_case(
            "activationEvents not an array",
            exthost_with(json!({ "activationEvents": "*" })),
            Problems(&[("activationEvents", "expected an array, found string \"*\"")]),
        ),
        exthost_case(
            "activation events: wrong type, malformed, unknown, whitespace",
            exthost_with(
                json!({ "activationEvents": [3, "onCommand:", "onFancy:x", "*", " onStartupFinished"] }),
            ),
            Problems(&[
                ("activationEvents[0]", "expected a string, found number 3"),
                ("activationEvents[1]", "nothing after the colon"),
                (
                    "activationEvents[2]",
                    "unknown activation event kind \"onFancy\"; expected one of: *, onStartupFinished, onCommand",
                ),
                ("activationEvents[4]", "whitespace"),
            ]),
        ),
        exthost_case(
            "dependencies: bad id, bad range, wrong type, self",
            exthost_with(json!({ "dependencies": {
                "Not An Id": "^1",
                "com.example.bad-range": "latest",
                "com.example.number": 1,
                "com.example.hello": "^1"
            } })),
            Problems(&[
                (
                    "dependencies[\"Not An Id\"]",
                    "\"Not An Id\" is not a valid extension id",
                ),
                (
                    "dependencies[\"com.example.bad-range\"]",
                    "\"latest\" is not a valid npm version range",
                ),
                (
                    "dependencies[\"com.example.hello\"]",
                    "cannot depend on itself",
                ),
                (
                    "dependencies[\"com.example.number\"]",
                    "expected a string, found number 1",
                ),
            ]),
        ),
        exthost_case(
            "dependencies of the wrong type",
            exthost_with(json!({ "dependencies": ["com.example.base"] })),
            Problems(&[("dependencies", "expected an object, found an array")]),
        ),
        exthost_case(
            "commands without command, with the wrong types",
            exthost_with(json!({ "contributes": { "commands": [
                { "title": "No id" },
                { "command": 5, "title": "Number id" },
                { "command": "hello.ok", "title": "Fine", "category": false },
                "hello.string"
            ] } })),
            Problems(&[
                ("contributes.commands[0].command", "is required but missing"),
                (
                    "contributes.commands[1].command",
                    "expected a string, found number 5",
                ),
                (
                    "contributes.commands[2].category",
                    "expected a string, found boolean false",
                ),
                (
                    "contributes.commands[3]",
                    "expected an object, found string \"hello.string\"",
                ),
            ]),
        ),
        exthost_case(
            "command without title, language without id",
            exthost_with(json!({ "contributes": {
                "commands": [{ "command": "hello.untitled" }],
                "languages": [{ "extensions": [".x", 1] }]
            } })),
            Problems(&[
                ("contributes.commands[0].title", "is required but missing"),
                ("contributes.languages[0].id", "is required but missing"),
                (
                    "contributes.languages[0].extensions[1]",
                    "expected a string, found number 1",
                ),
            ]),
        ),
        exthost_case(
            "capabilities must be booleans",
            exthost_with(
                json!({ "capabilities": { "supportsHotReload": "yes", "supportsDisable": 0 } }),
            ),
            Problems(&[
                (
                    "capabilities.supportsHotReload",
                    "expected a boolean (true or false), found string \"yes\"",
                ),
                (
                    "capabilities.supportsDisable",
                    "expected a boolean (true or false), found number 0",
                ),
            ]),
        ),
        exthost_case(
            "limits must be positive integers",
            exthost_with(
                json!({ "limits": { "memoryMb": 0, "activateTimeoutMs": -5, "callTimeoutMs": 1.5 } }),
            ),
            Problems(&[
                (
                    "limits.memoryMb",
                    "expected a positive integer, found number 0",
                ),
                (
                    "limits.activateTimeoutMs",
                    "expected a positive integer, found number -5",
                ),
                (
                    "limits.callTimeoutMs",
                    "expected a positive integer, found number 1.5",
                ),
            ]),
        ),
        exthost_case(
            "permissions and settings are type-checked",
            exthost_with(
                json!({ "permissions": { "fs": "everything", "net": "yes" }, "settings": [] }),
            ),
            Problems(&[
                ("permissions.fs", "expected an array"),
                ("permissions.net", "expected a boolean"),
                ("settings", "expected an object, found an array"),
            ]),
        ),
        exthost_case(
            "every problem is reported at once",
            json!({
                "id": "Hello",
                "version": "one",
                "engines": { "exthost": "^9" },
                "activationEvents": ["onCommand"],
                "limits": { "memoryMb": "lots" }
            }),
            Problems(&[
                ("id", "not a valid extension id"),
                ("name", "is required but missing"),
                ("version", "\"one\" is not a semantic version"),
                ("main", "one of \"main\""),
                (
                    "engines.exthost",
                    "requires exthost ^9 but this host is 0.1.0",
                ),
                ("activationEvents[0]", "\"onCommand\" needs an argument"),
                (
                    "limits.memoryMb",
                    "expected a positive integer, found string \"lots\"",
                ),
            ]),
        ),
        // --- package.json ---
        package_case(
            "package.json with a publisher",
            package_with(json!({
                "displayName": "Hello World",
                "description": "Says hello",
                "activationEvents": ["onFancyNewEvent:x", "onLanguage"],
                "contributes": {
                    "commands": [{ "command": "hello.say", "title": "Say hello" }],
                    "languages": [{ "id": "hello" }],
                    "menus": { "editor/context": [] }
                },
                "extensionDependencies": ["vscode.git"],
                "browser": "./dist/web.js"
            })),
            Valid(|manifest| {
                assert_eq!(manifest.kind, ManifestKind::VsCode);
                assert_eq!(manifest.id, "example.hello");
                assert_eq!(manifest.name, "Hello World");
                assert_eq!(manifest.description.as_deref(), Some("Says hello"));
                assert_eq!(
                    manifest
                        .engines
                        .vscode
                        .as_ref()
                        .map(DependencyRange::as_str),
                    Some("^1.74.0")
                );
                assert_eq!(
                    manifest.activation_events,
                    events(&[
                        "onFancyNewEvent:x",
                        "onLanguage",
                        "onCommand:hello.say",
                        "onLanguage:hello"
                    ])
                );
                assert_eq!(manifest.dependencies["vscode.git"], DependencyRange::any());
                assert_eq!(manifest.capabilities, Capabilities::default());
                assert_eq!(
                    manifest.raw["contributes"]["menus"],
                    json!({ "editor/context": [] })
                );
            }),
        ),
        package_case(
            "package.json without a publisher, name as display name",
            package_with(json!({ "publisher": null, "main": null, "engines": null })),
            Valid(|manifest| {
                assert_eq!(manifest.id, "undefined_publisher.hello");
                assert_eq!(manifest.name, "hello");
                assert!(!manifest.is_js() && !manifest.is_native());
                assert_eq!(manifest.engines, Engines::default());
            }),
        ),
        package_case(
            "package.json: single command object, localized title, leading v in the version",
            package_with(json!({
                "version": "v2.0.0",
                "contributes": { "commands": { "command": "hello.one", "title": { "value": "One", "original": "One" }, "category": "%cat%" } }
            })),
            Valid(|manifest| {
                assert_eq!(manifest.version, semver::Version::new(2, 0, 0));
                assert_eq!(
                    manifest.contributes.commands,
                    vec![CommandContribution {
                        command: "hello.one".to_owned(),
                        title: "One".to_owned(),
                        category: Some("%cat%".to_owned()),
                    }]
                );
                assert_eq!(manifest.activation_events, events(&["onCommand:hello.one"]));
            }),
        ),
        package_case(
            "package.json: a malformed contribution is skipped, as VS Code does",
            package_with(json!({
                "contributes": {
                    "commands": [{ "title": "No id" }, { "command": "hello.ok", "title": "OK" }],
                    "languages": "rust"
                }
            })),
            Valid(|manifest| {
                assert_eq!(manifest.contributes.commands.len(), 1);
                assert!(manifest.contributes.languages.is_empty());
                assert_eq!(manifest.activation_events, events(&["onCommand:hello.ok"]));
            }),
        ),
        package_case(
            "package.json engines.vscode too new",
            package_with(json!({ "engines": { "vscode": "^1.200.0" } })),
            Problems(&[(
                "engines.vscode",
                "requires VS Code API ^1.200.0 but this host provides VS Code API 1.100.0",
            )]),
        ),
        package_case(
            "package.json name rules, missing version",
            package_with(json!({ "name": "Hello World", "version": null })),
            Problems(&[
                (
                    "name",
                    "\"Hello World\" is not a valid VS Code extension name: expected lower case without spaces",
                ),
                ("version", "is required but missing"),
            ]),
        ),
        package_case(
            "package.json malformed activation events and dependencies",
            package_with(json!({
                "activationEvents": ["", "onCommand:", "onView", "onFancy: x"],
                "extensionDependencies": ["vscode.git", "nodot", 3]
            })),
            Problems(&[
                ("activationEvents[0]", "activation event is empty"),
                ("activationEvents[1]", "nothing after the colon"),
                ("activationEvents[2]", "\"onView\" needs an argument"),
                ("activationEvents[3]", "whitespace around its argument"),
                (
                    "extensionDependencies[1]",
                    "\"nodot\" is not a VS Code extension id: expected \"publisher.name\"",
                ),
                (
                    "extensionDependencies[2]",
                    "expected a string, found number 3",
                ),
            ]),
        ),
        package_case(
            "package.json: the top level is not an object",
            json!(["name"]),
            Problems(&[(
                "",
                "expected a JSON object at the top level, found an array",
            )]),
        ),
    ]
}

#[test]
fn table_of_cases() {
    for case in cases() {
        let result = parse(case.kind, &case.manifest);
        match (case.expected, result) {
            (Expected::Valid(check), Ok(manifest)) => check(&manifest),
            (Expected::Valid(_), Err(error)) => {
                panic!("{}: expected a valid manifest, got:\n{error}", case.name)
            }
            (Expected::Problems(expected), Ok(_)) => panic!(
                "{}: expected problems {expected:?}, got a manifest",
                case.name
            ),
            (Expected::Problems(expected), Err(ManifestError::Invalid { problems, .. })) => {
                let actual: Vec<(&str, &str)> = problems
                    .iter()
                    .map(|problem| (problem.field.as_str(), problem.reason.as_str()))
                    .collect();
                assert_eq!(
                    actual.len(),
                    expected.len(),
                    "{}: expected {expected:#?}\ngot {actual:#?}",
                    case.name
                );
                for ((field, reason), (expected_field, expected_reason)) in
                    actual.iter().zip(expected)
                {
                    assert_eq!(field, expected_field, "{}: got {actual:#?}", case.name);
                    assert!(
                        reason.contains(expected_reason),
                        "{}: reason for {field} {reason:?} should contain {expected_reason:?}",
                        case.name
                    );
                }
            }
            (Expected::Problems(_), Err(error)) => {
                panic!("{}: expected Invalid, got {error:?}", case.name)
            }
        }
    }
}

/// One step of a problem's field path.
#[derive(Debug)]
enum PathStep {
    /// `.name`: an object property.
    Property(String),
    /// `[3]`: an array item.
    Item,
    /// `["key"]`: a map entry.
    Entry,
}

/// Splits `contributes.commands[0].command` or `dependencies["a.b"]` into steps.
fn path_steps(path: &str) -> Vec<PathStep> {
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]").expect("a map step is closed");
            steps.push(PathStep::Entry);
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').expect("an item step is closed");
            steps.push(PathStep::Item);
            rest = &after[end + 1..];
        } else {
            let rest_without_dot = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_without_dot
                .find(['.', '['])
                .unwrap_or(rest_without_dot.len());
            steps.push(PathStep::Property(rest_without_dot[..end].to_owned()));
            rest = &rest_without_dot[end..];
        }
    }
    steps
}

/// Whether a problem's field path leads somewhere in the schema.
fn schema_has_path(schema: &Value, path: &str) -> bool {
    let mut node = schema.clone();
    for step in path_steps(path) {
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            node = schema
                .pointer(reference.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null);
        }
        let next = match step {
            PathStep::Property(name) => node
                .get("properties")
                .and_then(|properties| properties.get(&name)),
            PathStep::Item => node.get("items"),
            PathStep::Entry => node.get("additionalProperties"),
        };
        match next {
            Some(next) => node = next.clone(),
            None => return false,
        }
    }
    true
}

#[test]
fn exthost_problem_fields_are_schema_paths() {
    let schema = manifest_schema();
    for case in cases() {
        if let (ManifestKind::Exthost, Expected::Problems(problems)) = (case.kind, &case.expected) {
            for (field, _) in *problems {
                assert!(
                    schema_has_path(&schema, field),
                    "{}: {field} is not a path in the schema",
                    case.name
                );
            }
        }
    }
    assert!(!schema_has_path(&schema, "contributes.nonsense"));
}

/// The VS Code API fixtures of the end-to-end test crate (extensions of our own, one per folder).
fn vscode_fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/vscode-api")
}

#[test]
fn vscode_fixtures_load() {
    let dir = vscode_fixtures_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("the fixtures at {}: {error}", dir.display()));
    let mut loaded = Vec::new();
    for entry in entries {
        let folder = entry.expect("fixture folder entry is readable").path();
        assert!(
            folder.join(PACKAGE_JSON_FILE).is_file(),
            "{} has no package.json",
            folder.display()
        );
        let manifest = load_manifest(&folder, &context())
            .unwrap_or_else(|error| panic!("{} should load:\n{error}", folder.display()));
        assert_eq!(manifest.kind, ManifestKind::VsCode);
        let name = folder
            .file_name()
            .and_then(|name| name.to_str())
            .expect("a folder name");
        assert_eq!(manifest.id, format!("exthost-fixtures.{name}"));
        assert!(
            manifest
                .main
                .as_deref()
                .is_some_and(|main| main.starts_with("./")),
            "{}: {:?}",
            manifest.id,
            manifest.main
        );
        loaded.push(manifest.id);
    }
    assert!(
        loaded.len() >= 14,
        "every fixture under {} loads: {loaded:?}",
        dir.display()
    );
}

#[test]
fn a_vscode_fixture_reads_as_vs_code_does() {
    let folder = vscode_fixtures_dir().join("hello-plain");
    let manifest = load_manifest(&folder, &context())
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
    assert_eq!(manifest.id, "exthost-fixtures.hello-plain");
    assert_eq!(manifest.main.as_deref(), Some("./extension.js"));
    assert_eq!(
        manifest.activation_events,
        events(&["onCommand:extension.helloWorld"]),
        "`activationEvents: []` plus a contributed command"
    );
    let typescript = load_manifest(&vscode_fixtures_dir().join("hello-typescript"), &context())
        .expect("hello-typescript");
    assert_eq!(typescript.main.as_deref(), Some("./out/extension"));
    assert_eq!(
        typescript.activation_events,
        events(&["onCommand:extension.helloWorld"]),
        "the explicit event and the implicit one, once"
    );
}

#[test]
fn load_prefers_exthost_json_then_package_json() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let exthost_text = exthost_with(json!({})).to_string();
    let package_text = package_with(json!({})).to_string();

    let missing = load_manifest(dir.path(), &context()).expect_err("empty folder");
    assert!(matches!(&missing, ManifestError::NotFound { dir: found } if found == dir.path()));
    assert!(
        missing
            .to_string()
            .contains("no exthost.json or package.json in")
    );

    std::fs::write(
        dir.path().join(PACKAGE_JSON_FILE),
        format!("\u{feff}{package_text}"),
    )
    .expect("write package.json");
    let manifest =
        load_manifest(dir.path(), &context()).expect("package.json with a byte-order mark");
    assert_eq!(
        (manifest.kind, manifest.id.as_str()),
        (ManifestKind::VsCode, "example.hello")
    );
    assert_eq!(manifest.file, dir.path().join(PACKAGE_JSON_FILE));

    std::fs::write(dir.path().join(MANIFEST_FILE), exthost_text).expect("write exthost.json");
    let manifest = load_manifest(dir.path(), &context()).expect("exthost.json");
    assert_eq!(
        (manifest.kind, manifest.id.as_str()),
        (ManifestKind::Exthost, "com.example.hello")
    );
    assert_eq!(manifest.file, dir.path().join(MANIFEST_FILE));

    std::fs::remove_file(dir.path().join(MANIFEST_FILE)).expect("remove exthost.json");
    std::fs::create_dir(dir.path().join(MANIFEST_FILE)).expect("a folder named exthost.json");
    let unreadable = load_manifest(dir.path(), &context()).expect_err("a folder is not a file");
    assert!(
        matches!(unreadable, ManifestError::Unreadable { .. }),
        "{unreadable:?}"
    );
    assert!(unreadable.to_string().starts_with("cannot read "));
}

#[test]
fn invalid_json_names_file_line_and_column() {
    let error = parse_manifest(
        Path::new("ext/exthost.json"),
        "{\n  \"id\": \"a.b\",\n  oops\n}",
        ManifestKind::Exthost,
        &context(),
    )
    .expect_err("not JSON");
    let ManifestError::InvalidJson {
        line,
        column,
        reason,
        ..
    } = &error
    else {
        panic!("expected InvalidJson, got {error:?}");
    };
    assert_eq!((*line, *column), (3, 3));
    assert!(!reason.contains("at line"), "{reason}");
    assert_eq!(
        error.to_string(),
        format!("ext/exthost.json:3:3: invalid JSON: {reason}")
    );
    assert_eq!(error.id_hint(), None);
}

#[test]
fn invalid_lists_every_problem_with_the_file() {
    let error = parse(
        ManifestKind::Exthost,
        &exthost_with(json!({ "id": "Bad", "version": "x", "engines": { "exthost": "^3" } })),
    )
    .expect_err("three problems");
    assert_eq!(error.id_hint(), Some("Bad"));
    let text = error.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0], "extension/exthost.json: 3 problems");
    assert!(
        lines[1].starts_with("extension/exthost.json: id: \"Bad\" is not a valid extension id")
    );
    assert!(
        lines[2].starts_with("extension/exthost.json: version: \"x\" is not a semantic version")
    );
    assert_eq!(
        lines[3],
        "extension/exthost.json: engines.exthost: requires exthost ^3 but this host is 0.1.0"
    );

    let single = parse(
        ManifestKind::VsCode,
        &package_with(json!({ "name": "Bad Name" })),
    )
    .expect_err("one problem");
    assert_eq!(single.id_hint(), Some("example.Bad Name"));
    assert!(
        single
            .to_string()
            .starts_with("extension/package.json: 1 problem\nextension/package.json: name: ")
    );
}
