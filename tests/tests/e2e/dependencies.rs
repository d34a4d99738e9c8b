//! Discovery, manifests and the dependency graph seen through `exthost/listExtensions`: every failure kind
//! with its exact state and message, over the fixture tree `tests/fixtures/catalog`.

use exthost_e2e::{Host, HostOptions, fixtures};
use serde_json::{Value, json};

async fn catalog() -> (Host, Vec<Value>) {
    let dir = fixtures().join("catalog");
    let mut host = Host::start(&[&dir]).await;
    let list = host.call("exthost/listExtensions", json!({})).await;
    let extensions = list["extensions"].as_array().expect("an array").clone();
    (host, extensions)
}

fn find<'a>(extensions: &'a [Value], id: &str) -> &'a Value {
    extensions
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("{id} is listed: {extensions:#?}"))
}

fn manifest_path(folder: &str) -> String {
    fixtures()
        .join("catalog")
        .join(folder)
        .join("exthost.json")
        .display()
        .to_string()
}

/// Asserts `id` is failed with exactly `message`.
fn assert_failed(extensions: &[Value], id: &str, message: &str) {
    let extension = find(extensions, id);
    assert_eq!(extension["state"], "failed", "{extension:#}");
    assert_eq!(extension["error"]["message"], message, "{id}");
}

#[tokio::test]
async fn good_extensions_are_discovered_with_their_details() {
    let (host, extensions) = catalog().await;
    let base = find(&extensions, "com.fixture.base");
    assert_eq!(base["state"], "discovered");
    assert_eq!(base["name"], "Base");
    assert_eq!(base["version"], "1.0.0");
    assert_eq!(base["source"], "dir");
    assert_eq!(
        base["path"],
        fixtures().join("catalog/base").display().to_string()
    );
    assert!(base.get("error").is_none());

    let app = find(&extensions, "com.fixture.app");
    assert_eq!(app["state"], "discovered");
    assert_eq!(app["dependencies"], json!({"com.fixture.base": "^1.0.0"}));
    assert_eq!(app["activationEvents"], json!(["onCommand:app.run"]));

    let vscode_style = find(&extensions, "fixture.vscode-style");
    assert_eq!(vscode_style["state"], "discovered");
    assert_eq!(
        vscode_style["activationEvents"],
        json!(["onCommand:vscodeStyle.hello"])
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn broken_manifests_are_failed_with_file_field_and_reason() {
    let (host, extensions) = catalog().await;
    // Unreadable JSON: the folder name stands for the id, the message gives the file, line and column.
    let bad_json = find(&extensions, "bad-json");
    assert_eq!(bad_json["state"], "failed");
    assert_eq!(
        bad_json["error"]["message"],
        format!(
            "{}:4:1: invalid JSON: expected value",
            manifest_path("bad-json")
        )
    );

    let file = manifest_path("missing-field");
    assert_failed(
        &extensions,
        "com.fixture.missing-field",
        &format!("{file}: 1 problem\n{file}: version: is required but missing"),
    );
    let file = manifest_path("bad-semver");
    assert_failed(
        &extensions,
        "com.fixture.bad-semver",
        &format!(
            "{file}: 1 problem\n{file}: version: \"1.0\" is not a semantic version: expected MAJOR.MINOR.PATCH such as \"1.2.0\" (unexpected end of input while parsing minor version number)"
        ),
    );
    let file = manifest_path("too-new");
    assert_failed(
        &extensions,
        "com.fixture.too-new",
        &format!(
            "{file}: 1 problem\n{file}: engines.exthost: requires exthost ^9.0 but this host is {}",
            env!("CARGO_PKG_VERSION")
        ),
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn dependency_failures_name_their_cause() {
    let (host, extensions) = catalog().await;
    assert_failed(
        &extensions,
        "com.fixture.missing-dep",
        "dependency com.fixture.nowhere (^1.0.0) is not installed",
    );
    assert_failed(
        &extensions,
        "com.fixture.unsatisfied",
        "dependency com.fixture.base ^2.0.0 is not satisfied: the installed version is 1.0.0",
    );
    let two = "dependency cycle: com.fixture.cycle-a -> com.fixture.cycle-b -> com.fixture.cycle-a";
    assert_failed(&extensions, "com.fixture.cycle-a", two);
    assert_failed(&extensions, "com.fixture.cycle-b", two);
    let three = "dependency cycle: com.fixture.cycle-x -> com.fixture.cycle-y -> com.fixture.cycle-z -> com.fixture.cycle-x";
    for id in [
        "com.fixture.cycle-x",
        "com.fixture.cycle-y",
        "com.fixture.cycle-z",
    ] {
        assert_failed(&extensions, id, three);
    }
    assert_failed(
        &extensions,
        "com.fixture.on-broken",
        "dependency com.fixture.too-new failed",
    );
    assert_failed(
        &extensions,
        "com.fixture.on-cycle",
        "dependency com.fixture.cycle-x failed",
    );
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn later_locations_shadow_earlier_ones_and_both_are_listed() {
    let user_dir = tempfile::tempdir().unwrap();
    let dev_dir = tempfile::tempdir().unwrap();
    let manifest = |version: &str| json!({"id": "com.fixture.shadow", "name": "Shadow", "version": version, "main": "extension.js"});
    let js = [("extension.js", "exports.activate = () => {};")];
    let in_dir = exthost_e2e::write_extension(user_dir.path(), "shadow", &manifest("1.0.0"), &js);
    let in_dev = exthost_e2e::write_extension(dev_dir.path(), "shadow", &manifest("2.0.0"), &js);
    let mut options = HostOptions::with_dirs(&[user_dir.path()]);
    options
        .args
        .extend(["--dev".to_owned(), in_dev.display().to_string()]);
    let mut host = Host::spawn(options);
    host.initialize(json!({})).await;
    let list = host.call("exthost/listExtensions", json!({})).await;
    let shadows: Vec<&Value> = list["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["id"] == "com.fixture.shadow")
        .collect();
    assert_eq!(shadows.len(), 2, "{list:#}");
    assert_eq!(shadows[0]["source"], "dir");
    assert_eq!(shadows[0]["path"], in_dir.display().to_string());
    assert_eq!(shadows[0]["shadowedBy"], in_dev.display().to_string());
    assert_eq!(shadows[1]["source"], "dev");
    assert_eq!(shadows[1]["version"], "2.0.0");
    assert!(shadows[1].get("shadowedBy").is_none());
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn initialization_options_add_locations() {
    let dir = fixtures().join("catalog");
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({"initializationOptions": {"extensionsDirs": [dir]}}))
        .await;
    let base = host.extension("com.fixture.base").await;
    assert_eq!(base["state"], "discovered");
    assert_eq!(host.shutdown().await, 0);
}
