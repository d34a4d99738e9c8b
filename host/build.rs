//! Generates the lists of the engines' JS files (`$OUT_DIR/js_files.rs`), so that no list is kept by
//! hand: every `*.js` of a folder, in file-name order (the `NN_` prefixes are the load order), each
//! embedded with `include_str!`. Adding, removing or renaming a file reruns this script.

use std::fmt::Write as _;
use std::path::Path;

/// `(constant, folder relative to this crate, prefix of each file's name in the list)`.
const LISTS: &[(&str, &str, &str)] = &[
    ("SHIM_FILES", "../vscode-shim/src", ""),
    ("CORE_FILES", "src/runtime/bootstrap", "bootstrap/"),
    (
        "QUICKJS_BOOTSTRAP_FILES",
        "src/runtime/quickjs/bootstrap",
        "quickjs/bootstrap/",
    ),
    ("NODE_FILES", "src/runtime/quickjs/node", "node/"),
];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut code = String::new();
    for (constant, folder, prefix) in LISTS {
        let path = Path::new(&manifest).join(folder);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name.ends_with(".js"))
            .collect();
        names.sort();
        let _ = writeln!(
            code,
            "/// Every `*.js` of `{folder}`, in load order: `(name, source)`.\npub(crate) const {constant}: &[(&str, &str)] = &["
        );
        for name in names {
            let _ = writeln!(
                code,
                "    ({:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))),",
                format!("{prefix}{name}"),
                format!("/{folder}/{name}"),
            );
        }
        let _ = writeln!(code, "];");
    }
    let target = Path::new(&out).join("js_files.rs");
    std::fs::write(&target, code)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", target.display()));
}
