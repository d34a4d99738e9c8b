//! Packages (contract §9) through the real binary: `pack`, `keygen`, `install` from `.xpkg`, `.vsix`,
//! folders and npm, refusals that write nothing, versions side by side, `upgrade`, `uninstall`, the
//! install RPC methods, and a `kill -9` in the middle of an install.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use exthost_e2e::{Host, HostOptions, binary};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

/// Runs the binary with `home` as `$EXTHOST_HOME` and no built-in extensions.
fn exthost(home: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env("EXTHOST_HOME", home)
        .env("EXTHOST_BUILTIN_DIR", "")
        .env_remove("npm_config_registry")
        .output()
        .expect("run exthost")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs the binary and fails the test unless it succeeded; answers stdout.
fn exthost_ok(home: &Path, args: &[&str]) -> String {
    let output = exthost(home, args);
    assert!(
        output.status.success(),
        "exthost {args:?} failed: {}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// An extension folder `test.pkg` at `version` whose command `pkg.version` answers the version.
fn extension_source(parent: &Path, version: &str, manifest_extra: Value) -> PathBuf {
    let mut manifest = json!({
        "id": "test.pkg", "name": "Pkg", "version": version, "main": "extension.js",
        "activationEvents": ["onCommand:pkg.version"],
        "contributes": {"commands": [{"command": "pkg.version", "title": "Version"}]},
    });
    if let (Some(manifest), Some(extra)) = (manifest.as_object_mut(), manifest_extra.as_object()) {
        manifest.extend(extra.clone());
    }
    let js = format!(
        "const vscode = require('vscode');\n\
         exports.activate = (context) => {{\n\
           context.subscriptions.push(vscode.commands.registerCommand('pkg.version', () => '{version}'));\n\
         }};\n"
    );
    exthost_e2e::write_extension(
        parent,
        &format!("pkg-{version}"),
        &manifest,
        &[("extension.js", &js)],
    )
}

/// Packs `dir` into `out` with the real `exthost pack`.
fn pack(home: &Path, dir: &Path, out: &Path, sign: Option<&Path>) {
    let mut args = vec![
        "pack".to_owned(),
        dir.display().to_string(),
        "--out".to_owned(),
        out.display().to_string(),
    ];
    if let Some(key) = sign {
        args.push("--sign".to_owned());
        args.push(key.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    exthost_ok(home, &args);
}

/// The entries of a zip file, by name, with their bytes.
fn read_zip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entries = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        entries.insert(entry.name().unwrap().into_owned(), data);
    }
    entries
}

/// What goes into a crafted zip entry.
enum Crafted {
    File(Vec<u8>),
    Symlink(&'static str),
    Device,
}

/// Writes a zip file of crafted entries (names as given, unchecked).
fn write_zip(path: &Path, entries: Vec<(String, Crafted)>, method: zip::CompressionMethod) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, entry) in entries {
        match entry {
            Crafted::File(data) => {
                writer.start_file(name, options).unwrap();
                writer.write_all(&data).unwrap();
            }
            Crafted::Symlink(target) => writer.add_symlink(name, target, options).unwrap(),
            Crafted::Device => {
                writer
                    .start_file(name, options.external_attributes(0o020_644 << 16))
                    .unwrap();
            }
        }
    }
    writer.finish().unwrap();
}

/// A refused install: its label, the package's entries, the expected message, the `config.json` to use.
type RefusalCase = (
    &'static str,
    Vec<(String, Crafted)>,
    &'static str,
    Option<&'static str>,
);

fn files(entries: &BTreeMap<String, Vec<u8>>) -> Vec<(String, Crafted)> {
    entries
        .iter()
        .map(|(name, data)| (name.clone(), Crafted::File(data.clone())))
        .collect()
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `CHECKSUMS` for `entries` (all but the metadata files).
fn checksums_for(entries: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    entries
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "CHECKSUMS" | "SIGNATURE"))
        .map(|(name, data)| format!("{}  {name}\n", sha256_hex(data)))
        .collect::<String>()
        .into_bytes()
}

/// Every file under `root` with a digest of its contents (folders too), except the host's log.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            if relative == Path::new("exthost.log") {
                continue;
            }
            if path.is_dir() {
                found.insert(relative, "folder".to_owned());
                pending.push(path);
            } else {
                found.insert(relative, sha256_hex(&std::fs::read(&path).unwrap()));
            }
        }
    }
    found
}

/// Runs `pkg.version` in a host and answers what it returned.
async fn run_version_command(host: &mut Host) -> Value {
    host.call(
        "workspace/executeCommand",
        json!({"command": "pkg.version", "arguments": []}),
    )
    .await
}

#[tokio::test]
async fn every_refusal_writes_nothing_and_the_installed_version_keeps_working() {
    let sources = tempfile::tempdir().unwrap();
    let mut host = Host::spawn(HostOptions::default());
    let home = host.home.path().to_path_buf();
    let v1 = extension_source(sources.path(), "1.0.0", json!({}));
    let v1_package = sources.path().join("pkg-1.0.0.xpkg");
    pack(&home, &v1, &v1_package, None);
    let installed = exthost_ok(&home, &["install", &v1_package.display().to_string()]);
    assert!(
        installed.contains("installed test.pkg 1.0.0"),
        "{installed}"
    );

    let v2 = extension_source(sources.path(), "2.0.0", json!({}));
    let v2_package = sources.path().join("pkg-2.0.0.xpkg");
    pack(&home, &v2, &v2_package, None);
    let good = read_zip(&v2_package);
    let key = sources.path().join("publisher.key");
    exthost_ok(&home, &["keygen", "--out", &key.display().to_string()]);
    let signed_package = sources.path().join("signed.xpkg");
    pack(&home, &v2, &signed_package, Some(&key));
    let signed = read_zip(&signed_package);

    let mut cases: Vec<RefusalCase> = Vec::new();
    let mut tampered = good.clone();
    tampered.insert(
        "extension.js".into(),
        b"exports.activate = () => {};".to_vec(),
    );
    cases.push((
        "checksum mismatch",
        files(&tampered),
        "checksum: extension.js: does not match its checksum",
        None,
    ));
    let mut unlisted = good.clone();
    unlisted.insert("extra.js".into(), b"1".to_vec());
    cases.push((
        "unlisted file",
        files(&unlisted),
        "checksum: extra.js: present in the package but not listed in CHECKSUMS",
        None,
    ));
    let mut missing = good.clone();
    missing.remove("extension.js");
    cases.push((
        "missing listed file",
        files(&missing),
        "checksum: extension.js: listed in CHECKSUMS but missing from the package",
        None,
    ));
    let mut no_list = good.clone();
    no_list.remove("CHECKSUMS");
    cases.push((
        "no CHECKSUMS",
        files(&no_list),
        "checksum: CHECKSUMS: ",
        None,
    ));
    // Consistent checksums for changed code, but the signature was made over the old list.
    let mut forged = signed.clone();
    forged.insert(
        "extension.js".into(),
        b"exports.activate = () => {};".to_vec(),
    );
    let list = checksums_for(&forged);
    forged.insert("CHECKSUMS".into(), list);
    cases.push((
        "bad signature",
        files(&forged),
        "signature: SIGNATURE does not verify",
        None,
    ));
    for (label, name, reason) in [
        ("parent folder", "../escape.js", "`..`"),
        ("nested parent folder", "out/../../escape.js", "`..`"),
        ("absolute path", "/tmp/escape.js", "absolute path"),
        ("drive letter", "C:/escape.js", "drive letter"),
        ("backslash", "out\\escape.js", "backslash"),
        ("NUL byte", "escape\0.js", "NUL byte"),
    ] {
        let mut entries = files(&good);
        entries.push((name.to_owned(), Crafted::File(b"1".to_vec())));
        cases.push((label, entries, reason, None));
    }
    let mut with_link = files(&good);
    with_link.push(("link.js".into(), Crafted::Symlink("/etc/passwd")));
    cases.push(("symbolic link", with_link, "symbolic link", None));
    let mut with_device = files(&good);
    with_device.push(("device".into(), Crafted::Device));
    cases.push(("device file", with_device, "device file", None));
    let mut many = files(&good);
    for index in 0..10_001 {
        many.push((format!("many/{index}.txt"), Crafted::File(Vec::new())));
    }
    cases.push(("too many entries", many, "more than 10000 entries", None));
    let mut bomb = files(&good);
    bomb.push(("zeros.bin".into(), Crafted::File(vec![0; 4 * 1024 * 1024])));
    cases.push((
        "compression ratio",
        bomb,
        "the compression ratio is over 100:1",
        None,
    ));
    cases.push((
        "total size",
        files(&good),
        "the uncompressed size is over the limit of 100 bytes",
        Some(r#"{"packageLimits": {"maxBytes": 100}}"#),
    ));
    let mut bad_manifest = good.clone();
    let mut manifest: Value = serde_json::from_slice(&good["exthost.json"]).unwrap();
    manifest.as_object_mut().unwrap().remove("name");
    bad_manifest.insert(
        "exthost.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    );
    let list = checksums_for(&bad_manifest);
    bad_manifest.insert("CHECKSUMS".into(), list);
    cases.push((
        "invalid manifest",
        files(&bad_manifest),
        "invalid manifest: ",
        None,
    ));
    let mut too_new = good.clone();
    let mut manifest: Value = serde_json::from_slice(&good["exthost.json"]).unwrap();
    manifest["engines"] = json!({"exthost": ">=99.0.0"});
    too_new.insert(
        "exthost.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    );
    let list = checksums_for(&too_new);
    too_new.insert("CHECKSUMS".into(), list);
    cases.push((
        "engine range",
        files(&too_new),
        "engines.exthost: requires exthost >=99.0.0",
        None,
    ));
    cases.push((
        "unsigned under deny",
        files(&good),
        "signature: pkg-2.0.0.xpkg is unsigned and the trust policy (unsigned: \"deny\"",
        Some(r#"{"unsigned": "deny"}"#),
    ));
    cases.push((
        "untrusted signer under deny",
        files(&signed),
        "is signed by an untrusted key",
        Some(r#"{"unsigned": "deny"}"#),
    ));

    for (label, entries, expected, config) in cases {
        let package = sources.path().join("pkg-2.0.0.xpkg");
        write_zip(&package, entries, zip::CompressionMethod::Deflated);
        if let Some(config) = config {
            std::fs::write(home.join("config.json"), config).unwrap();
        }
        let before = snapshot(&home);
        let output = exthost(&home, &["install", &package.display().to_string()]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{label}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{label}: expected {expected:?} in {stderr}"
        );
        assert_eq!(
            snapshot(&home),
            before,
            "{label}: the install wrote something"
        );
        if config.is_some() {
            std::fs::remove_file(home.join("config.json")).unwrap();
        }
    }

    host.initialize(json!({})).await;
    assert_eq!(run_version_command(&mut host).await, "1.0.0");
    let info = host.extension("test.pkg").await;
    assert_eq!(info["version"], "1.0.0");
    assert_eq!(info["source"], "user");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn signed_packages_from_trusted_keys_install_under_deny_and_are_recorded() {
    let sources = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let key = sources.path().join("publisher.key");
    let keygen = exthost_ok(
        home.path(),
        &["keygen", "--out", &key.display().to_string()],
    );
    assert!(keygen.contains("publisher.key.pub"), "{keygen}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is private");
    }
    let v1 = extension_source(sources.path(), "1.0.0", json!({}));
    let package = sources.path().join("signed.xpkg");
    pack(home.path(), &v1, &package, Some(&key));
    let entries = read_zip(&package);
    assert!(entries.contains_key("SIGNATURE") && entries.contains_key("CHECKSUMS"));
    assert_eq!(
        text(&entries["CHECKSUMS"]),
        text(&checksums_for(&entries)),
        "CHECKSUMS is sha256sum's format, sorted, of every file"
    );

    std::fs::write(home.path().join("config.json"), r#"{"unsigned": "deny"}"#).unwrap();
    std::fs::create_dir(home.path().join("trusted-keys")).unwrap();
    std::fs::copy(
        sources.path().join("publisher.key.pub"),
        home.path().join("trusted-keys/publisher.pub"),
    )
    .unwrap();
    let output = exthost(home.path(), &["install", &package.display().to_string()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        !text(&output.stderr).contains("warning"),
        "a trusted package installs silently"
    );
    let record: Value = serde_json::from_slice(
        &std::fs::read(home.path().join("extensions/installed.json")).unwrap(),
    )
    .unwrap();
    let entry = &record["extensions"][0];
    assert_eq!(entry["id"], "test.pkg");
    assert_eq!(entry["folder"], "test.pkg-1.0.0");
    assert_eq!(entry["signer"], "publisher.pub");
    assert_eq!(entry["source"]["kind"], "xpkg");
    assert_eq!(
        entry["checksum"],
        format!("sha256:{}", sha256_hex(&std::fs::read(&package).unwrap()))
    );
    assert!(entry["installedAt"].as_str().unwrap().ends_with('Z'));
    let installed = home.path().join("extensions/test.pkg-1.0.0");
    assert!(installed.join("extension.js").is_file());
    assert!(
        !installed.join("CHECKSUMS").exists(),
        "metadata is not extracted"
    );

    // Unsigned under the default policy: installed with a warning naming it.
    std::fs::remove_file(home.path().join("config.json")).unwrap();
    let v2 = extension_source(sources.path(), "2.0.0", json!({}));
    let unsigned = sources.path().join("unsigned.xpkg");
    pack(home.path(), &v2, &unsigned, None);
    let output = exthost(home.path(), &["install", &unsigned.display().to_string()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("warning: unsigned.xpkg is unsigned"),
        "{}",
        text(&output.stderr)
    );
    // The same version again is refused without --force, and replaced with it.
    let again = exthost(home.path(), &["install", &unsigned.display().to_string()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already installed"),
        "{}",
        text(&again.stderr)
    );
    exthost_ok(
        home.path(),
        &["install", "--force", &unsigned.display().to_string()],
    );
}

#[tokio::test]
async fn vsix_and_folder_installs_are_discovered_and_activate() {
    let sources = tempfile::tempdir().unwrap();
    let mut host = Host::spawn(HostOptions::default());
    let home = host.home.path().to_path_buf();
    // A .vsix as `vsce package` lays it out: the extension under `extension/`.
    let package_json = json!({
        "name": "hello-vsix", "publisher": "tester", "version": "0.3.0", "main": "./extension.js",
        "engines": {"vscode": "^1.80.0"},
        "contributes": {"commands": [{"command": "vsix.hello", "title": "Hello"}]},
    });
    let vsix = sources.path().join("hello.vsix");
    write_zip(
        &vsix,
        vec![
            ("[Content_Types].xml".into(), Crafted::File(b"<Types/>".to_vec())),
            ("extension.vsixmanifest".into(), Crafted::File(b"<PackageManifest/>".to_vec())),
            (
                "extension/package.json".into(),
                Crafted::File(serde_json::to_vec(&package_json).unwrap()),
            ),
            (
                "extension/extension.js".into(),
                Crafted::File(
                    b"const vscode = require('vscode');\nexports.activate = (c) => { c.subscriptions.push(vscode.commands.registerCommand('vsix.hello', () => 'hello from vsix')); };\n".to_vec(),
                ),
            ),
        ],
        zip::CompressionMethod::Deflated,
    );
    let output = exthost_ok(&home, &["install", &vsix.display().to_string()]);
    assert!(
        output.contains("installed tester.hello-vsix 0.3.0"),
        "{output}"
    );
    assert!(
        home.join("extensions/tester.hello-vsix-0.3.0/package.json")
            .is_file()
    );
    assert!(
        !home
            .join("extensions/tester.hello-vsix-0.3.0/extension.vsixmanifest")
            .exists()
    );
    let folder = extension_source(sources.path(), "1.2.0", json!({}));
    std::fs::write(folder.join(".exthostignore"), "*.log\n").unwrap();
    std::fs::write(folder.join("debug.log"), "noise").unwrap();
    exthost_ok(&home, &["install", &folder.display().to_string()]);
    assert!(
        home.join("extensions/test.pkg-1.2.0/extension.js")
            .is_file()
    );
    assert!(!home.join("extensions/test.pkg-1.2.0/debug.log").exists());

    host.initialize(json!({})).await;
    assert_eq!(run_version_command(&mut host).await, "1.2.0");
    let hello = host
        .call("workspace/executeCommand", json!({"command": "vsix.hello"}))
        .await;
    assert_eq!(hello, "hello from vsix");
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn versions_sit_side_by_side_upgrade_installs_newer_and_uninstall_minds_dependents() {
    let sources = tempfile::tempdir().unwrap();
    let mut host = Host::spawn(HostOptions::default());
    // The home outlives the host (its shutdown drops the host's copy).
    let home_folder = std::mem::replace(&mut host.home, tempfile::tempdir().unwrap());
    let home = home_folder.path().to_path_buf();
    let package = sources.path().join("pkg.xpkg");
    pack(
        &home,
        &extension_source(sources.path(), "1.0.0", json!({})),
        &package,
        None,
    );
    exthost_ok(&home, &["install", &package.display().to_string()]);
    let up_to_date = exthost_ok(&home, &["upgrade"]);
    assert!(
        up_to_date.contains("test.pkg 1.0.0 is up to date"),
        "{up_to_date}"
    );
    // The file the extension was installed from now holds 1.1.0: upgrade installs it beside 1.0.0.
    pack(
        &home,
        &extension_source(sources.path(), "1.1.0", json!({})),
        &package,
        None,
    );
    let upgraded = exthost_ok(&home, &["upgrade", "test.pkg"]);
    assert!(upgraded.contains("installed test.pkg 1.1.0"), "{upgraded}");
    assert!(home.join("extensions/test.pkg-1.0.0").is_dir());
    // A dependent, installed from a folder.
    let dependent = exthost_e2e::write_extension(
        sources.path(),
        "dependent",
        &json!({"id": "test.dependent", "name": "D", "version": "1.0.0", "main": "d.js",
                "dependencies": {"test.pkg": "^1.0.0"}}),
        &[("d.js", "exports.activate = () => {};")],
    );
    exthost_ok(&home, &["install", &dependent.display().to_string()]);

    let list = exthost_ok(&home, &["list", "--json"]);
    let list: Value = serde_json::from_str(&list).unwrap();
    let running: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["id"] == "test.pkg" && e.get("shadowedBy").is_none())
        .collect();
    assert_eq!(running.len(), 1, "{list:#}");
    assert_eq!(running[0]["version"], "1.1.0");

    host.initialize(json!({})).await;
    assert_eq!(run_version_command(&mut host).await, "1.1.0");
    assert_eq!(host.shutdown().await, 0);

    let refused = exthost(&home, &["uninstall", "test.pkg"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("dependents: test.pkg is needed by test.dependent"),
        "{}",
        text(&refused.stderr)
    );
    assert!(home.join("extensions/test.pkg-1.1.0").is_dir());
    let removed = exthost_ok(&home, &["uninstall", "--force", "test.pkg"]);
    assert!(
        removed.contains("test.pkg-1.0.0") && removed.contains("test.pkg-1.1.0"),
        "{removed}"
    );
    assert!(!home.join("extensions/test.pkg-1.1.0").exists());
    let record = std::fs::read_to_string(home.join("extensions/installed.json")).unwrap();
    assert!(!record.contains("\"test.pkg\""), "{record}");
    assert!(record.contains("test.dependent"), "{record}");
    let missing = exthost(&home, &["uninstall", "test.pkg"]);
    assert!(text(&missing.stderr).contains("test.pkg is not installed"));
}

#[tokio::test]
async fn a_kill_in_the_middle_of_an_install_leaves_the_old_version_and_nothing_half_installed() {
    let sources = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let v1 = sources.path().join("v1.xpkg");
    pack(
        home,
        &extension_source(sources.path(), "1.0.0", json!({})),
        &v1,
        None,
    );
    exthost_ok(home, &["install", &v1.display().to_string()]);
    // A big 2.0.0 (many stored files, each written and synced) so the kill lands during extraction.
    let v2_dir = extension_source(sources.path(), "2.0.0", json!({}));
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for name in ["exthost.json", "extension.js"] {
        entries.insert(name.to_owned(), std::fs::read(v2_dir.join(name)).unwrap());
    }
    // Stored, not deflated: plain bytes are cheap to make and keep the ratio at 1:1.
    for index in 0..2_000 {
        let mut data = vec![b'x'; 16 * 1024];
        data[..8].copy_from_slice(&(index as u64).to_le_bytes());
        entries.insert(format!("data/{index:05}.bin"), data);
    }
    let list = checksums_for(&entries);
    entries.insert("CHECKSUMS".into(), list);
    let v2 = sources.path().join("v2.xpkg");
    write_zip(&v2, files(&entries), zip::CompressionMethod::Stored);

    let extensions = home.join("extensions");
    let mut child = Command::new(binary())
        .args(["install", &v2.display().to_string()])
        .env("EXTHOST_HOME", home)
        .env("EXTHOST_BUILTIN_DIR", "")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let temp_seen = loop {
        let temp = std::fs::read_dir(&extensions)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(".install-"));
        if temp {
            break true;
        }
        if child.try_wait().unwrap().is_some() || std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::yield_now();
    };
    assert!(
        temp_seen,
        "the install finished before its temp folder was seen"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !extensions.join("test.pkg-2.0.0").exists(),
        "the kill landed before the rename"
    );
    let list: Value = serde_json::from_str(&exthost_ok(home, &["list", "--json"])).unwrap();
    let discovered: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["id"] == "test.pkg")
        .collect();
    assert_eq!(discovered.len(), 1, "only 1.0.0 is discovered: {list:#}");
    assert_eq!(discovered[0]["version"], "1.0.0");
    assert_eq!(discovered[0]["state"], "discovered");

    // The next install removes the interrupted one's temp folder, and completes.
    let v3 = sources.path().join("v3.xpkg");
    pack(
        home,
        &extension_source(sources.path(), "3.0.0", json!({})),
        &v3,
        None,
    );
    exthost_ok(home, &["install", &v3.display().to_string()]);
    let leftovers: Vec<String> = std::fs::read_dir(&extensions)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.') && name != ".lock")
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
    assert!(extensions.join("test.pkg-3.0.0/extension.js").is_file());
    assert!(!extensions.join("test.pkg-2.0.0").exists());
}

/// Answers the host's `window/workDoneProgress/create` and waits for the operation's `end` progress.
async fn answer_progress(host: &mut Host) -> Value {
    let (id, params) = host.server_request("window/workDoneProgress/create").await;
    host.send(&exthost_protocol::Message::Response(
        exthost_protocol::Response::ok(id, Value::Null),
    ))
    .await;
    let token = params["token"].clone();
    let begin = host
        .notification("$/progress", |p| {
            p["token"] == token && p["value"]["kind"] == "begin"
        })
        .await;
    let title = begin["value"]["title"].as_str().unwrap_or_default();
    assert!(
        ["Installing ", "Uninstalling ", "Upgrading "]
            .iter()
            .any(|verb| title.starts_with(verb)),
        "{begin}"
    );
    host.notification("$/progress", |p| {
        p["token"] == token && p["value"]["kind"] == "end"
    })
    .await
}

/// Sends `method` with `params`, answering the progress it reports; answers the response.
async fn package_request(
    host: &mut Host,
    method: &str,
    params: Value,
) -> exthost_protocol::Response {
    let id = host.send_request(method, params).await;
    answer_progress(host).await;
    host.response(&id).await
}

fn result(response: exthost_protocol::Response) -> Value {
    match response.payload {
        exthost_protocol::ResponsePayload::Result(value) => value,
        exthost_protocol::ResponsePayload::Error(error) => panic!("request failed: {error:?}"),
    }
}

#[tokio::test]
async fn rpc_installs_are_activatable_at_once_and_restart_required_marks_what_waits() {
    let sources = tempfile::tempdir().unwrap();
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({"capabilities": {"window": {"workDoneProgress": true}}}))
        .await;
    let v1 = sources.path().join("v1.xpkg");
    pack(
        host.home.path(),
        &extension_source(sources.path(), "1.0.0", json!({})),
        &v1,
        None,
    );
    let installed = result(
        package_request(
            &mut host,
            "exthost/install",
            json!({"source": v1.display().to_string()}),
        )
        .await,
    );
    assert_eq!(installed["installed"]["id"], "test.pkg");
    assert_eq!(installed["installed"]["version"], "1.0.0");
    assert_eq!(installed["installed"]["source"], "user");
    assert_eq!(installed["installed"]["state"], "discovered");
    assert!(installed["installed"].get("restartRequired").is_none());
    assert_eq!(
        run_version_command(&mut host).await,
        "1.0.0",
        "activatable without a restart"
    );

    // A refusal over RPC: -32803 naming the reason and the file.
    let v2_dir = extension_source(sources.path(), "2.0.0", json!({}));
    let v2 = sources.path().join("v2.xpkg");
    pack(host.home.path(), &v2_dir, &v2, None);
    let mut tampered = read_zip(&v2);
    tampered.insert(
        "extension.js".into(),
        b"exports.activate = () => {};".to_vec(),
    );
    let bad = sources.path().join("bad.xpkg");
    write_zip(&bad, files(&tampered), zip::CompressionMethod::Deflated);
    let refused = package_request(
        &mut host,
        "exthost/install",
        json!({"source": bad.display().to_string()}),
    )
    .await;
    let exthost_protocol::ResponsePayload::Error(error) = refused.payload else {
        panic!("a tampered package installs: {refused:?}");
    };
    assert_eq!(error.code, exthost_protocol::error_code::REQUEST_FAILED);
    assert!(
        error.message.contains("checksum: extension.js"),
        "{}",
        error.message
    );
    assert_eq!(error.data.as_ref().unwrap()["reason"], "checksum");

    // An upgrade of a running extension without hot reload waits for a restart.
    let upgraded = result(
        package_request(
            &mut host,
            "exthost/install",
            json!({"source": v2.display().to_string()}),
        )
        .await,
    );
    assert_eq!(upgraded["installed"]["version"], "2.0.0");
    assert_eq!(upgraded["installed"]["restartRequired"], true);
    assert_eq!(
        run_version_command(&mut host).await,
        "1.0.0",
        "the old code keeps running"
    );
    let running = host.extension("test.pkg").await;
    assert_eq!(running["version"], "1.0.0");
    assert_eq!(running["restartRequired"], true);
    let listed = host.call("exthost/listExtensions", json!({})).await;
    let versions: Vec<(&str, bool)> = listed["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["id"] == "test.pkg")
        .map(|e| {
            (
                e["version"].as_str().unwrap(),
                e.get("shadowedBy").is_some(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [("1.0.0", false), ("2.0.0", true)],
        "the running version once, the waiting one shadowed by it: {listed:#}"
    );
    host.call("exthost/restartHost", json!({})).await;
    assert_eq!(run_version_command(&mut host).await, "2.0.0");
    let running = host.extension("test.pkg").await;
    assert_eq!(running["version"], "2.0.0");
    assert!(running.get("restartRequired").is_none(), "{running}");

    // A dependent blocks the uninstall; with force it goes, and the running one waits for a restart.
    let dependent = exthost_e2e::write_extension(
        sources.path(),
        "dependent",
        &json!({"id": "test.dependent", "name": "D", "version": "1.0.0", "main": "d.js",
                "dependencies": {"test.pkg": "^2.0.0"}}),
        &[("d.js", "exports.activate = () => {};")],
    );
    result(
        package_request(
            &mut host,
            "exthost/install",
            json!({"source": dependent.display().to_string()}),
        )
        .await,
    );
    let refused = package_request(&mut host, "exthost/uninstall", json!({"id": "test.pkg"})).await;
    let exthost_protocol::ResponsePayload::Error(error) = refused.payload else {
        panic!("uninstalled despite a dependent: {refused:?}");
    };
    assert_eq!(error.data.as_ref().unwrap()["reason"], "dependents");
    assert!(
        error.message.contains("test.dependent"),
        "{}",
        error.message
    );
    let removed = result(
        package_request(
            &mut host,
            "exthost/uninstall",
            json!({"id": "test.pkg", "force": true}),
        )
        .await,
    );
    assert_eq!(removed, json!({"uninstalled": ["test.pkg"]}));
    let running = host.extension("test.pkg").await;
    assert_eq!(running["restartRequired"], true);
    assert_eq!(run_version_command(&mut host).await, "2.0.0");
    let nothing = result(package_request(&mut host, "exthost/upgrade", json!({})).await);
    assert_eq!(nothing, json!({"upgraded": []}));
    assert_eq!(host.shutdown().await, 0);
}

#[tokio::test]
async fn an_upgrade_of_a_hot_reloadable_extension_reloads_it() {
    let sources = tempfile::tempdir().unwrap();
    let mut host = Host::spawn(HostOptions::default());
    host.initialize(json!({})).await;
    let hot = json!({"capabilities": {"supportsHotReload": true}});
    for version in ["1.0.0", "1.1.0"] {
        let package = sources.path().join(format!("{version}.xpkg"));
        pack(
            host.home.path(),
            &extension_source(sources.path(), version, hot.clone()),
            &package,
            None,
        );
        // No progress capability and no token: plain requests.
        let installed = host
            .call(
                "exthost/install",
                json!({"source": package.display().to_string()}),
            )
            .await;
        assert_eq!(installed["installed"]["version"], version);
        assert!(
            installed["installed"].get("restartRequired").is_none(),
            "{installed}"
        );
        assert_eq!(run_version_command(&mut host).await, version);
    }
    // A client-initiated progress token: the host reports on it without creating one.
    let id = host
        .send_request(
            "exthost/upgrade",
            json!({"id": "test.pkg", "workDoneToken": "editor-token-1"}),
        )
        .await;
    let begin = host
        .notification("$/progress", |p| p["token"] == "editor-token-1")
        .await;
    assert_eq!(begin["value"]["kind"], "begin");
    assert_eq!(begin["value"]["title"], "Upgrading test.pkg");
    host.notification("$/progress", |p| {
        p["token"] == "editor-token-1" && p["value"]["kind"] == "end"
    })
    .await;
    let response = host.response(&id).await;
    assert_eq!(
        result(response),
        json!({"upgraded": []}),
        "1.1.0 is the newest its file holds"
    );
    assert_eq!(host.shutdown().await, 0);
}

/// A Verdaccio registry on a loopback port, with its own configuration and storage in a temp folder;
/// stopped when dropped.
struct Verdaccio {
    child: std::process::Child,
    url: String,
    folder: tempfile::TempDir,
    token: String,
}

impl Drop for Verdaccio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Verdaccio from `tests/verdaccio` (`npm ci` there installs the pinned version), else
/// `$EXTHOST_VERDACCIO` or `verdaccio` on the `PATH`; skipped outside CI when absent.
fn verdaccio_program() -> Option<PathBuf> {
    let local = exthost_e2e::repository_root().join("tests/verdaccio/node_modules/.bin/verdaccio");
    if local.is_file() {
        return Some(local);
    }
    exthost_e2e::external_program(
        "verdaccio",
        Some("EXTHOST_VERDACCIO"),
        "cd tests/verdaccio && npm ci",
    )
}

impl Verdaccio {
    fn start(program: &Path) -> Self {
        let folder = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = folder.path().join("config.yaml");
        std::fs::write(
            &config,
            format!(
                "storage: {storage}\n\
                 auth:\n  htpasswd:\n    file: {htpasswd}\n    max_users: 10\n\
                 uplinks: {{}}\n\
                 packages:\n  '**':\n    access: $all\n    publish: $authenticated\n    unpublish: $authenticated\n\
                 log: {{type: stdout, format: pretty, level: warn}}\n",
                storage = folder.path().join("storage").display(),
                htpasswd = folder.path().join("htpasswd").display(),
            ),
        )
        .unwrap();
        let log = std::fs::File::create(folder.path().join("verdaccio.log")).unwrap();
        let child = Command::new(program)
            .arg("--config")
            .arg(&config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start verdaccio");
        let url = format!("http://127.0.0.1:{port}/");
        let mut verdaccio = Verdaccio {
            child,
            url,
            folder,
            token: String::new(),
        };
        // Ready once it accepts a connection (polled with a deadline; Verdaccio says nothing on stdout at
        // this log level).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                verdaccio.child.try_wait().unwrap().is_none(),
                "verdaccio exited: {}",
                std::fs::read_to_string(verdaccio.folder.path().join("verdaccio.log")).unwrap()
            );
            assert!(
                std::time::Instant::now() < deadline,
                "verdaccio did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        verdaccio.token = verdaccio.add_user();
        verdaccio
    }

    /// Registers a user through the registry's own API (what `npm adduser` does) and answers its token.
    fn add_user(&self) -> String {
        let script = "const [url] = process.argv.slice(1);\
            fetch(url + '-/user/org.couchdb.user:tester', {method: 'PUT',\
              headers: {'content-type': 'application/json'},\
              body: JSON.stringify({name: 'tester', password: 'tester-password-1', email: 't@example.invalid'})})\
            .then(r => r.json()).then(j => { if (!j.token) { console.error(JSON.stringify(j)); process.exit(1); }\
              console.log(j.token); });";
        let output = Command::new("node")
            .args(["-e", script, &self.url])
            .output()
            .expect("run node");
        assert!(output.status.success(), "adduser: {}", text(&output.stderr));
        text(&output.stdout).trim().to_owned()
    }

    /// `npm publish --registry … --tag TAG` of the package folder `dir`.
    fn publish(&self, dir: &Path, tag: &str) {
        let npmrc = self.folder.path().join("npmrc");
        let authority = self.url.trim_start_matches("http:");
        std::fs::write(&npmrc, format!("{authority}:_authToken={}\n", self.token)).unwrap();
        let output = Command::new("npm")
            .args([
                "publish",
                "--registry",
                &self.url,
                "--tag",
                tag,
                "--userconfig",
            ])
            .arg(&npmrc)
            .current_dir(dir)
            .output()
            .expect("run npm publish");
        assert!(
            output.status.success(),
            "npm publish: {}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
    }
}

/// An npm package folder holding an exthost extension `test.npm` at `version`.
fn npm_package(parent: &Path, version: &str) -> PathBuf {
    let dir = extension_source(parent, version, json!({"id": "test.npm", "name": "Npm"}));
    std::fs::write(
        dir.join("package.json"),
        serde_json::to_vec_pretty(&json!({
            "name": "exthost-test-npm", "version": version, "description": "a test extension",
            "license": "MIT", "files": ["exthost.json", "extension.js"],
        }))
        .unwrap(),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn npm_installs_verify_integrity_and_upgrade_within_the_range() {
    let Some(program) = verdaccio_program() else {
        return;
    };
    for needed in ["node", "npm"] {
        if exthost_e2e::external_program(needed, None, "Node 20 with npm").is_none() {
            return;
        }
    }
    let registry = Verdaccio::start(&program);
    let sources = tempfile::tempdir().unwrap();
    for version in ["1.0.0", "1.1.0", "2.0.0"] {
        registry.publish(&npm_package(sources.path(), version), "latest");
    }
    let mut host = Host::spawn(HostOptions::default());
    let home_folder = std::mem::replace(&mut host.home, tempfile::tempdir().unwrap());
    let home = home_folder.path();
    // The registry from config.json; the newest version in the range.
    std::fs::write(
        home.join("config.json"),
        serde_json::to_vec(&json!({"registry": registry.url})).unwrap(),
    )
    .unwrap();
    let output = exthost(home, &["install", "npm:exthost-test-npm@^1"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("installed test.npm 1.1.0"),
        "{}",
        text(&output.stdout)
    );
    let progress = text(&output.stderr);
    assert!(
        progress.contains("integrity verified"),
        "plain progress lines off a terminal: {progress}"
    );
    assert!(
        home.join("extensions/test.npm-1.1.0/exthost.json")
            .is_file()
    );
    let record: Value =
        serde_json::from_slice(&std::fs::read(home.join("extensions/installed.json")).unwrap())
            .unwrap();
    assert_eq!(
        record["extensions"][0]["source"],
        json!({"kind": "npm", "name": "exthost-test-npm", "range": "^1", "registry": registry.url})
    );

    host.initialize(json!({})).await;
    // Another version through RPC, with the registry given in the request.
    std::fs::remove_file(home.join("config.json")).unwrap();
    let installed = host
        .call(
            "exthost/install",
            json!({"source": "npm:exthost-test-npm@2.0.0", "registry": registry.url}),
        )
        .await;
    assert_eq!(installed["installed"]["version"], "2.0.0");
    assert_eq!(
        host.call(
            "workspace/executeCommand",
            json!({"command": "pkg.version"})
        )
        .await,
        "2.0.0"
    );
    assert_eq!(host.shutdown().await, 0);

    // A VS Code extension published to npm (its package.json is the manifest), no range: `latest`.
    let vscode_style = sources.path().join("vscode-style");
    std::fs::create_dir_all(&vscode_style).unwrap();
    std::fs::write(
        vscode_style.join("package.json"),
        serde_json::to_vec_pretty(&json!({
            "name": "exthost-test-vscode", "publisher": "tester", "version": "0.4.0",
            "license": "MIT", "main": "./extension.js", "engines": {"vscode": "^1.80.0"},
        }))
        .unwrap(),
    )
    .unwrap();
    std::fs::write(
        vscode_style.join("extension.js"),
        "exports.activate = () => {};\n",
    )
    .unwrap();
    registry.publish(&vscode_style, "latest");
    let output = exthost(
        home,
        &[
            "install",
            "--registry",
            &registry.url,
            "npm:exthost-test-vscode",
        ],
    );
    assert!(
        text(&output.stdout).contains("installed tester.exthost-test-vscode 0.4.0"),
        "{}",
        text(&output.stderr)
    );

    // Upgrade stays in the recorded range, from the recorded registry: 1.2.0, not 2.0.0.
    exthost_ok(home, &["uninstall", "test.npm"]);
    let output = exthost(
        home,
        &[
            "install",
            "--registry",
            &registry.url,
            "npm:exthost-test-npm@^1",
        ],
    );
    assert!(
        text(&output.stdout).contains("installed test.npm 1.1.0"),
        "{}",
        text(&output.stderr)
    );
    let up_to_date = exthost_ok(home, &["upgrade"]);
    assert!(
        up_to_date.contains("test.npm 1.1.0 is up to date"),
        "{up_to_date}"
    );
    registry.publish(&npm_package(sources.path(), "1.2.0"), "one");
    let upgraded = exthost_ok(home, &["upgrade", "test.npm"]);
    assert!(upgraded.contains("installed test.npm 1.2.0"), "{upgraded}");
    assert!(
        home.join("extensions/test.npm-1.1.0").is_dir(),
        "the old version stays beside"
    );
    // A tampered tarball in the registry's storage: refused before anything is extracted.
    registry.publish(&npm_package(sources.path(), "1.3.0"), "one");
    let tarball = registry
        .folder
        .path()
        .join("storage/exthost-test-npm/exthost-test-npm-1.3.0.tgz");
    let mut bytes = std::fs::read(&tarball).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&tarball, bytes).unwrap();
    let before = snapshot(home);
    let refused = exthost(
        home,
        &[
            "install",
            "--registry",
            &registry.url,
            "npm:exthost-test-npm@~1.3",
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("integrity: exthost-test-npm@1.3.0"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(snapshot(home), before);
}

/// Builds the `native-ok` fixture crate into a target folder of the tests' own (as the native tests do,
/// so the nested cargo never waits on the lock of the cargo running the tests); answers that folder.
fn built_native_fixture() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().join("native-fixtures");
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(exthost_e2e::repository_root())
        .env("CARGO_TARGET_DIR", &target)
        .args([
            "build",
            "--quiet",
            "--jobs",
            "1",
            "-p",
            "exthost-fixture-native-ok",
        ])
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo build: {}",
        text(&output.stderr)
    );
    target
}

#[tokio::test]
async fn a_native_package_carries_its_library_and_platform_and_runs_once_installed() {
    let target = built_native_fixture();
    let sources = tempfile::tempdir().unwrap();
    let mut host = Host::spawn(HostOptions::default());
    let home = host.home.path().to_path_buf();
    let fixture = exthost_e2e::repository_root().join("tests/fixtures/native/native-ok");
    let package = sources.path().join("native.xpkg");
    let output = Command::new(binary())
        .args(["pack", &fixture.display().to_string(), "--out"])
        .arg(&package)
        .env("EXTHOST_HOME", &home)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let entries = read_zip(&package);
    let library = format!(
        "{}exthost_fixture_native_ok{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    assert!(entries.contains_key(&library), "{:?}", entries.keys());
    let platform = text(&entries["PLATFORM"]);
    let expected = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "aarch64") => "darwin-arm64",
        ("macos", "x86_64") => "darwin-x64",
        other => panic!("no expected platform name for {other:?}"),
    };
    assert_eq!(platform.trim(), expected);
    assert!(entries.keys().all(|name| !name.starts_with("target/")));

    // The same package said to be for another platform: refused.
    let mut foreign = entries.clone();
    foreign.insert("PLATFORM".into(), b"plan9-mips\n".to_vec());
    let list = checksums_for(&foreign);
    foreign.insert("CHECKSUMS".into(), list);
    let foreign_package = sources.path().join("foreign.xpkg");
    write_zip(
        &foreign_package,
        files(&foreign),
        zip::CompressionMethod::Deflated,
    );
    let refused = exthost(&home, &["install", &foreign_package.display().to_string()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains(&format!(
            "platform: foreign.xpkg was built for plan9-mips, this machine is {expected}"
        )),
        "{}",
        text(&refused.stderr)
    );

    exthost_ok(&home, &["install", &package.display().to_string()]);
    assert!(
        home.join("extensions/test.native-ok-1.0.0")
            .join(&library)
            .is_file()
    );
    host.initialize(json!({})).await;
    let answer = host
        .call(
            "workspace/executeCommand",
            json!({"command": "native-ok.compute", "arguments": [2, 3.5]}),
        )
        .await;
    assert_eq!(answer["sum"], 5.5);
    assert_eq!(host.shutdown().await, 0);
}
