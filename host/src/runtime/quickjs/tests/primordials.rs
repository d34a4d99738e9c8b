//! The primordials table (`runtime/bootstrap/00_primordials.js`) holds exactly the names the engines' JS
//! takes from it: a name the JS uses but the table lacks would be `undefined` at run time, and a name the
//! table holds but nobody uses costs every runtime a function for nothing.

use std::collections::BTreeSet;

use crate::runtime::js_files::{CORE_FILES, NODE_FILES, QUICKJS_BOOTSTRAP_FILES, SHIM_FILES};

/// The Deno engine's glue, which takes primordials too.
const DENO_BOOTSTRAP: &str = include_str!("../../deno/bootstrap.js");

const PRIMORDIALS_FILE: &str = "bootstrap/00_primordials.js";

fn primordials_source() -> &'static str {
    CORE_FILES
        .iter()
        .find(|(name, _)| *name == PRIMORDIALS_FILE)
        .map(|(_, source)| *source)
        .expect("the primordials file is a core file")
}

/// The names of `NAMES = [ 'A', 'B', … ]` in the primordials file.
fn table() -> BTreeSet<String> {
    let source = primordials_source();
    let start =
        source.find("const NAMES = [").expect("NAMES is declared") + "const NAMES = [".len();
    let end = start + source[start..].find("];").expect("NAMES ends");
    source[start..end]
        .split(',')
        .map(|item| item.trim().trim_matches('\'').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

fn is_name_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '_' || character == '$'
}

/// Every name `source` takes from a primordials table: destructured (`const { A, B: b } =
/// core.primordials` or `host.primordials`) or read as a member (`primordials.A`, not part of a longer
/// word such as a file name `00_primordials.js`).
fn used_in(source: &str, names: &mut BTreeSet<String>) {
    for holder in ["core.primordials", "host.primordials"] {
        let mut rest = source;
        while let Some(found) = rest.find(holder) {
            let before = rest[..found].trim_end();
            if let Some(before) = before.strip_suffix('=') {
                let before = before.trim_end();
                if let Some(open) = before.strip_suffix('}').and_then(|inner| inner.rfind('{')) {
                    for item in before[open + 1..before.len() - 1].split(',') {
                        let name = item.split(':').next().unwrap_or("").trim();
                        if !name.is_empty() {
                            names.insert(name.to_owned());
                        }
                    }
                }
            }
            rest = &rest[found + holder.len()..];
        }
    }
    let mut rest = source;
    while let Some(found) = rest.find("primordials.") {
        let preceded_by_word = rest[..found]
            .chars()
            .next_back()
            .is_some_and(|character| is_name_character(character) && character != '.');
        let after = &rest[found + "primordials.".len()..];
        let name: String = after
            .chars()
            .take_while(|c| is_name_character(*c))
            .collect();
        if !preceded_by_word && !name.is_empty() && name != "js" {
            names.insert(name);
        }
        rest = after;
    }
}

fn used() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let files = [CORE_FILES, QUICKJS_BOOTSTRAP_FILES, NODE_FILES, SHIM_FILES].concat();
    for (name, source) in files {
        if name != PRIMORDIALS_FILE {
            used_in(source, &mut names);
        }
    }
    used_in(DENO_BOOTSTRAP, &mut names);
    names
}

#[test]
fn primordials_table_is_what_the_js_uses() {
    let table = table();
    let used = used();
    assert!(used.len() > 40, "the scan found too few names: {used:?}");
    let missing: Vec<&String> = used.difference(&table).collect();
    assert!(missing.is_empty(), "used but not in NAMES: {missing:?}");
    let unused: Vec<&String> = table.difference(&used).collect();
    assert!(unused.is_empty(), "in NAMES but used nowhere: {unused:?}");
}

#[test]
fn the_scan_sees_destructuring_and_members_but_not_file_names() {
    let mut names = BTreeSet::new();
    used_in(
        "const {\n  JSONParse, ObjectKeys: keys,\n} = core.primordials;\n\
         const x = new host.primordials.SafeMap(); // see `00_primordials.js`",
        &mut names,
    );
    let expected: BTreeSet<String> = ["JSONParse", "ObjectKeys", "SafeMap"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, expected);
}

#[test]
fn every_name_of_the_table_is_the_builtin_it_names() {
    let runtime = rquickjs::Runtime::new().expect("runtime");
    let context = rquickjs::Context::full(&runtime).expect("context");
    context.with(|ctx| {
        let source = format!(
            "(function (core) {{'use strict';{}\n}})",
            primordials_source()
        );
        let module: rquickjs::Function = ctx.eval(source).expect("compiles");
        let core = rquickjs::Object::new(ctx.clone()).expect("object");
        module.call::<_, ()>((core.clone(),)).expect("runs");
        ctx.globals().set("core", core).expect("global");
        let checks = [
            "Object.isFrozen(core.primordials)",
            "core.primordials.ArrayPrototypeMap([1, 2], (x) => x * 2).join() === '2,4'",
            "core.primordials.JSONStringify({ a: 1 }) === '{\"a\":1}'",
            "core.primordials.MathMax(1, 3) === 3",
            "core.primordials.SymbolToPrimitive === Symbol.toPrimitive",
            "core.primordials.DatePrototypeToISOString(new Date(0)) === '1970-01-01T00:00:00.000Z'",
            "core.primordials.ObjectPrototypeHasOwnProperty({ a: 1 }, 'a')",
            "core.primordials.SetPrototypeHas(new Set([1]), 1)",
            "core.primordials.SafeMapValues(new Map([[1, 'a']]))[0] === 'a'",
            "core.primordials.Map === Map && core.primordials.Infinity === Infinity",
            "Object.keys(core.primordials).every((name) => core.primordials[name] !== undefined)",
        ];
        for check in checks {
            let holds: bool = ctx
                .eval(check)
                .unwrap_or_else(|error| panic!("{check}: {error}"));
            assert!(holds, "{check}");
        }
    });
}
