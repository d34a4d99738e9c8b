//! The shim files QuickJS reads on first use (`LAZY_SHIM_GROUPS`): the `vscode` module object behaves as
//! a plain object whose members were all there from the start, a member read late is the same value on
//! every read and through every path (the module, `import`, the shim's own code), and reading one costs
//! nothing before it is read.

use super::vscode_api::{api_harness, package};
use super::*;

/// What `script`'s `activate` returns, run with no settings and an empty manifest.
async fn activated(script: &str) -> Value {
    api_harness(script, json!({}), package(json!({})))
        .activate()
        .await
        .expect("activate")
}

#[tokio::test]
async fn lazy_members_look_eager_and_are_the_same_value_on_every_read() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = async () => {
            const own = (name) => Object.prototype.hasOwnProperty.call(vscode, name);
            const describe = (name) => {
                const d = Object.getOwnPropertyDescriptor(vscode, name);
                return d && [typeof d.value, d.writable, d.enumerable, d.configurable, 'get' in d];
            };
            // Before any read: listed, owned, described as a plain property.
            const before = ['Hover' in vscode, own('TreeItem'), describe('DiagnosticSeverity')];
            const keys = Object.keys(vscode);
            const listed = ['Hover', 'TreeItem', 'TaskGroup', 'CompletionItemKind', 'commands', 'lsp']
                .map((name) => keys.includes(name));
            const first = vscode.TreeItem;
            const same = [
                first === vscode.TreeItem,
                vscode.Hover === require('vscode').Hover,
                vscode.TaskGroup.Build === vscode.TaskGroup.Build,
            ];
            // The shim's own code gets the same classes as the extension (a provider's answer is checked
            // with `instanceof` against them).
            const item = new vscode.TreeItem('label', vscode.TreeItemCollapsibleState.Collapsed);
            const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), 'm', vscode.DiagnosticSeverity.Warning);
            // A write before the first read sticks, as on a plain object.
            vscode.TestTag = 'replaced';
            delete vscode.TestMessage;
            const { Hover } = await import('vscode');
            // The web globals: there before the first read, plain values after it.
            const web = [typeof TextEncoder, new URL('https://a.example/b?c=1').pathname,
                new TextDecoder().decode(new TextEncoder().encode('é')),
                typeof Object.getOwnPropertyDescriptor(globalThis, 'URLSearchParams').value, URL === globalThis.URL];
            return {
                before, listed, same,
                item: [item.label, item.collapsibleState],
                diagnostic: [diagnostic.severity, diagnostic instanceof vscode.Diagnostic],
                written: [vscode.TestTag, 'TestMessage' in vscode, own('TestMessage')],
                imported: Hover === vscode.Hover,
                web,
            };
        };
    "#;
    let result = activated(script).await;
    assert_eq!(
        result,
        json!({
            "before": [true, true, ["object", true, true, true, false]],
            "listed": [true, true, true, true, true, false],
            "same": [true, true, true],
            "item": ["label", 1],
            "diagnostic": [1, true],
            "written": ["replaced", false, false],
            "imported": true,
            "web": ["function", "/b", "é", "function", true],
        })
    );
}

/// The names `source` assigns as `<prefix>NAME =` (not `==`).
fn assigned(source: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (found, _) in source.match_indices(prefix) {
        let before = source[..found].chars().next_back();
        if before.is_some_and(|character| character.is_ascii_alphanumeric() || character == '.') {
            continue;
        }
        let rest = &source[found + prefix.len()..];
        let name: String = rest
            .chars()
            .take_while(|character| character.is_ascii_alphanumeric() || *character == '_')
            .collect();
        let after = rest[name.len()..].trim_start();
        if !name.is_empty() && after.starts_with('=') && !after.starts_with("==") {
            names.push(name);
        }
    }
    names
}

#[test]
fn every_assigned_lazy_member_is_listed() {
    use crate::runtime::js_files::SHIM_FILES;
    for (files, shim, internal, _) in super::super::LAZY_SHIM_GROUPS {
        for file in *files {
            let source = SHIM_FILES
                .iter()
                .find(|(name, _)| name == file)
                .map(|(_, source)| *source)
                .unwrap_or_else(|| panic!("{file} is a shim file"));
            for name in assigned(source, "shim.internal.") {
                assert!(
                    internal.contains(&name.as_str()),
                    "{file}: shim.internal.{name} is not listed"
                );
            }
            for name in assigned(source, "shim.") {
                assert!(
                    shim.contains(&name.as_str()),
                    "{file}: shim.{name} is not listed"
                );
            }
        }
    }
    assert_eq!(
        assigned(
            "shim.a = 1; shim.b == 2; x.shim.c = 3; shim.internal.d = 4;",
            "shim."
        ),
        ["a"]
    );
}

#[tokio::test]
async fn the_small_namespaces_and_the_collation_wait_and_look_eager() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = async () => {
            const describe = (name) => {
                const d = Object.getOwnPropertyDescriptor(vscode, name);
                return d && [typeof d.value, d.writable, d.enumerable, d.configurable];
            };
            const keys = Object.keys(vscode);
            const listed = ['l10n', 'tasks', 'debug'].map((name) => keys.includes(name) && name in vscode);
            const described = describe('debug');
            // Through `workspace` first: a task provider registered before `vscode.tasks` was read.
            const provider = { provideTasks: () => [{ name: 'build' }] };
            const registration = vscode.workspace.registerTaskProvider('make', provider);
            const tasks = (await vscode.tasks.fetchTasks({ type: 'make' })).map((task) => task.name);
            registration.dispose();
            const { tasks: imported, l10n } = await import('vscode');
            const same = [imported === vscode.tasks, l10n === require('vscode').l10n, vscode.debug === vscode.debug];
            const guarded = Object.getOwnPropertySymbols(vscode.tasks).length;
            // The collation: read on the first call, the same function throughout.
            const compare = String.prototype.localeCompare;
            const sorted = ['b', 'B', 'a', 'é', 'e', '10', '9'].sort((left, right) => left.localeCompare(right));
            const numeric = 'x10'.localeCompare('x9', undefined, { numeric: true });
            return {
                listed, described, tasks, same, guarded,
                compare: [compare.name, compare.length, compare === String.prototype.localeCompare],
                sorted, numeric,
                message: vscode.l10n.t('Hello {0}', 'Ada'),
            };
        };
    "#;
    let result = activated(script).await;
    assert_eq!(
        result,
        json!({
            "listed": [true, true, true],
            "described": ["object", true, true, true],
            "tasks": ["build"],
            "same": [true, true, true],
            "guarded": 1,
            "compare": ["localeCompareLikeNode", 3, true],
            "sorted": ["10", "9", "a", "b", "B", "e", "é"],
            "numeric": 1,
            "message": "Hello Ada",
        })
    );
}

#[tokio::test]
async fn a_namespace_written_before_its_first_read_keeps_the_write() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = () => {
            vscode.debug = 'mine';
            delete vscode.l10n;
            return [vscode.debug, 'l10n' in vscode, Object.keys(vscode).includes('l10n'), typeof vscode.tasks.fetchTasks];
        };
    "#;
    let result = activated(script).await;
    assert_eq!(result, json!(["mine", false, false, "function"]));
}

#[tokio::test]
async fn env_waits_and_looks_eager() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = async () => {
            const keys = Object.keys(vscode);
            const before = [keys.includes('env'), 'env' in vscode, Object.prototype.hasOwnProperty.call(vscode, 'env')];
            const env = vscode.env;
            const { env: imported } = await import('vscode');
            const machine = Object.getOwnPropertyDescriptor(env, 'machineId');
            return {
                before,
                same: [imported === env, require('vscode').env === env, env.clipboard === vscode.env.clipboard],
                values: [env.appName, env.language, env.uiKind === vscode.UIKind.Desktop, typeof env.sessionId, env.sessionId === vscode.env.sessionId],
                accessor: [typeof machine.get, 'value' in machine],
                guarded: typeof env.createTelemetryLogger,
            };
        };
    "#;
    let result = activated(script).await;
    assert_eq!(
        result,
        json!({
            "before": [true, true, true],
            "same": [true, true, true],
            "values": ["exthost", "en", true, "string", true],
            "accessor": ["function", false],
            "guarded": "function",
        })
    );
}

#[tokio::test]
async fn extensions_waits_and_hands_out_the_contexts_own_entry() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = async (context) => {
            const before = [Object.keys(vscode).includes('extensions'), 'extensions' in vscode];
            const own = vscode.extensions.getExtension(context.extension.id);
            const { extensions } = await import('vscode');
            return {
                before,
                same: [own === context.extension, extensions === vscode.extensions, vscode.extensions.onDidChange === extensions.onDidChange],
                kind: [context.extension.extensionKind, vscode.ExtensionKind.Workspace],
                // The test host lists no extensions.
                all: Array.isArray(vscode.extensions.all),
            };
        };
    "#;
    let result = activated(script).await;
    assert_eq!(
        result,
        json!({
            "before": [true, true],
            "same": [true, true, true],
            "kind": [2, 2],
            "all": true,
        })
    );
}
