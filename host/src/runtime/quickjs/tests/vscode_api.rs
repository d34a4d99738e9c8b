//! Tests of the `vscode` shim's API over a fake host: value types, the document model fed by snapshot
//! and events, providers answering LSP JSON, window messages and progress, configuration, diagnostics,
//! editors, workspace files, and the table in docs/vscode-api.md.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// A test host with a session snapshot; editor requests are answered by `editor(method, params)`.
pub(super) fn session_host(
    snapshot: Value,
    editor: impl Fn(&str, &Value) -> Result<Value, String> + Send + Sync + 'static,
) -> Answer {
    Arc::new(move |request| match request {
        HostRequest::Snapshot => Ok(snapshot.clone()),
        HostRequest::EditorRequest { method, params } => {
            editor(method, params).map_err(crate::runtime::HostCallError::from)
        }
        other => answer(other),
    })
}

pub(super) fn package(extra: Value) -> Value {
    let mut package = json!({ "name": "ext", "publisher": "test", "version": "1.0.0" });
    if let (Some(target), Some(source)) = (package.as_object_mut(), extra.as_object()) {
        target.extend(source.clone());
    }
    package
}

pub(super) fn api_harness(script: &str, snapshot: Value, package_json: Value) -> Harness {
    Harness::with_host(
        &[("main.js", script)],
        "main.js",
        Limits::default(),
        package_json,
        session_host(snapshot, |method, _| match method {
            "workspace/applyEdit" => Ok(json!({ "applied": true })),
            _ => Ok(Value::Null),
        }),
    )
}

fn range(start_line: u32, start: u32, end_line: u32, end: u32) -> Value {
    json!({ "start": { "line": start_line, "character": start }, "end": { "line": end_line, "character": end } })
}

impl Harness {
    /// The next `EditorNotify` with `method`; its params.
    async fn expect_notify(&mut self, method: &str) -> Value {
        match self
            .expect(|request| matches!(request, HostRequest::EditorNotify { method: seen, .. } if seen == method))
            .await
        {
            HostRequest::EditorNotify { params, .. } => params,
            other => unreachable!("{other:?}"),
        }
    }

    /// The next `EditorRequest` with `method`; its params.
    async fn expect_editor_request(&mut self, method: &str) -> Value {
        match self
            .expect(|request| matches!(request, HostRequest::EditorRequest { method: seen, .. } if seen == method))
            .await
        {
            HostRequest::EditorRequest { params, .. } => params,
            other => unreachable!("{other:?}"),
        }
    }

    pub(super) async fn event(&self, name: &str, payload: Value) {
        assert_eq!(
            self.call(RuntimeRequest::Event {
                name: name.to_owned(),
                payload
            })
            .await,
            Ok(Value::Null)
        );
    }

    pub(super) async fn invoke(
        &self,
        handle: u64,
        method: &str,
        params: Value,
    ) -> Result<Value, RuntimeError> {
        self.call(RuntimeRequest::InvokeProvider {
            handle,
            method: method.to_owned(),
            params,
            token: 7,
        })
        .await
    }
}

#[tokio::test]
async fn value_types_follow_vscode_semantics() {
    let script = r#"
        const vscode = require('vscode');
        const { Uri, Position, Range, Selection, Location, TextEdit, WorkspaceEdit, MarkdownString, SnippetString,
                CodeActionKind, SemanticTokensBuilder, SemanticTokensLegend, CancellationTokenSource, FileSystemError,
                EventEmitter, Diagnostic, Hover, CompletionItem, CompletionItemKind, SymbolKind, DocumentSymbol } = vscode;
        const thrown = (read) => { try { read(); return 'no error'; } catch (error) { return error.message; } };
        const pos = (p) => [p.line, p.character];
        const rng = (r) => r && [pos(r.start), pos(r.end)];
        exports.activate = () => {
            const web = Uri.parse('https://Example.com:8080/a b/c?q=1 2#frag ment');
            const file = Uri.file('/home/user/my file#1.txt');
            const custom = Uri.parse('references:References.locations?["file:///a",1,2]#0');
            const p = new Position(1, 2);
            const r = new Range(2, 0, 1, 5);
            const selection = new Selection(3, 0, 1, 0);
            const edit = new WorkspaceEdit();
            const a = Uri.parse('file:///a.txt');
            edit.replace(a, new Range(0, 0, 0, 1), 'x');
            edit.insert(Uri.parse('file:///b.txt'), new Position(1, 0), 'y');
            edit.delete(a, new Range(1, 0, 1, 2));
            const sizeBefore = edit.size;
            edit.set(a, [TextEdit.insert(new Position(0, 0), 'z')]);
            const builder = new SemanticTokensBuilder(new SemanticTokensLegend(['class', 'fn'], ['decl']));
            builder.push(new Range(1, 2, 1, 5), 'fn', ['decl']);
            builder.push(0, 1, 3, 0, 0);
            const source = new CancellationTokenSource();
            let cancelled = 0;
            source.token.onCancellationRequested(() => cancelled++);
            source.cancel();
            source.cancel();
            const notFound = FileSystemError.FileNotFound(Uri.parse('memfs:/x'));
            const bytes = new TextEncoder().encode('héllo 😀');
            return {
                web: [web.scheme, web.authority, web.path, web.query, web.fragment, web.toString(), web.toString(true), web instanceof Uri],
                file: [file.toString(), file.fsPath, file.path],
                joined: Uri.joinPath(Uri.file('/a/b'), '..', 'c', 'd.txt').toString(),
                withed: file.with({ scheme: 'untitled', path: '/x' }).toString(),
                from: Uri.from({ scheme: 'memfs', path: '/file.txt' }).toString(),
                custom: [custom.scheme, custom.path, custom.query, custom.fragment],
                uriJson: JSON.parse(JSON.stringify(Uri.parse('memfs:/x'))),
                uriStrict: thrown(() => Uri.parse('no-scheme', true)),
                position: [p.compareTo(new Position(1, 5)), p.isBefore(new Position(2, 0)), p.isAfter(new Position(1, 1)),
                           p.isEqual(new Position(1, 2)), pos(p.translate(1, -1)), pos(p.with({ character: 0 })),
                           pos(p.translate({ lineDelta: 2 })), thrown(() => new Position(-1, 0))],
                range: [rng(r), r.isSingleLine, r.isEmpty, r.contains(new Position(1, 7)), r.contains(new Position(2, 1)),
                        rng(r.intersection(new Range(0, 0, 1, 6))), rng(r.union(new Range(3, 0, 3, 1))),
                        rng(r.with({ end: new Position(4, 0) })), new Range(p, p).isEmpty, r.intersection(new Range(5, 0, 6, 0)) === undefined,
                        JSON.parse(JSON.stringify(new Range(0, 1, 0, 2)))],
                selection: [pos(selection.anchor), pos(selection.active), selection.isReversed, rng(selection), selection instanceof Range],
                location: rng(new Location(a, new Position(2, 3)).range),
                textEdit: [rng(TextEdit.insert(p, 'x').range), TextEdit.delete(r).newText],
                workspaceEdit: [sizeBefore, edit.size, edit.has(a), edit.get(a).map((e) => e.newText), edit.entries().map(([u, e]) => [u.toString(), e.length])],
                markdown: new MarkdownString('a').appendText('*b* <c>\n').appendCodeblock('x', 'js').appendMarkdown('**d**').value,
                snippet: new SnippetString().appendText('a$').appendTabstop().appendPlaceholder('b}').appendChoice(['x', 'y,z'])
                    .appendVariable('TM_FILENAME', 'def').appendTabstop(0).value,
                kinds: [CodeActionKind.QuickFix.value, CodeActionKind.Refactor.append('extract').value,
                        CodeActionKind.Refactor.contains(CodeActionKind.RefactorExtract), CodeActionKind.RefactorExtract.contains(CodeActionKind.Refactor),
                        CodeActionKind.RefactorExtract.intersects(CodeActionKind.Refactor), CodeActionKind.Source.contains(CodeActionKind.QuickFix),
                        CompletionItemKind.Keyword, SymbolKind.Object],
                tokens: Array.from(builder.build().data),
                cancellation: [source.token.isCancellationRequested, cancelled],
                fileSystemError: [notFound.code, notFound.message, notFound instanceof Error, notFound.name],
                text: [bytes.length, new TextDecoder().decode(bytes), new TextDecoder('utf-8').decode(new Uint8Array([0xff, 0x41]))],
                url: (() => { const url = new URL('https://user@Host.com:81/a/../b?x=1&y=a+b#h'); return [url.hostname, url.port, url.pathname, url.searchParams.get('y'), url.hash, url.href]; })(),
                diagnostic: new Diagnostic(r, 'bad').severity,
                hover: new Hover('text').contents,
                completion: [new CompletionItem('label', CompletionItemKind.Method).kind],
                symbol: thrown(() => new DocumentSymbol('s', '', SymbolKind.Class, new Range(0, 0, 0, 1), new Range(1, 0, 1, 1))),
            };
        };"#;
    let harness = api_harness(script, json!({}), package(json!({})));
    let result = harness.activate().await.expect("activate");
    let expected = json!({
        "web": ["https", "Example.com:8080", "/a b/c", "q=1 2", "frag ment",
                "https://example.com:8080/a%20b/c?q%3D1%202#frag%20ment", "https://example.com:8080/a b/c?q=1 2#frag ment", true],
        "file": ["file:///home/user/my%20file%231.txt", "/home/user/my file#1.txt", "/home/user/my file#1.txt"],
        "joined": "file:///a/c/d.txt",
        "withed": "untitled:/x",
        "from": "memfs:/file.txt",
        "custom": ["references", "References.locations", "[\"file:///a\",1,2]", "0"],
        "uriJson": { "$mid": 1, "fsPath": "/x", "external": "memfs:/x", "path": "/x", "scheme": "memfs" },
        "uriStrict": "[UriError]: Scheme is missing: {scheme: \"\", authority: \"\", path: \"no-scheme\", query: \"\", fragment: \"\"}",
        "position": [-1, true, true, true, [2, 1], [1, 0], [3, 2], "Illegal argument: line must be non-negative"],
        "range": [[[1, 5], [2, 0]], false, false, true, false, [[1, 5], [1, 6]], [[1, 5], [3, 1]], [[1, 5], [4, 0]], true, true,
                  [{ "line": 0, "character": 1 }, { "line": 0, "character": 2 }]],
        "selection": [[3, 0], [1, 0], true, [[1, 0], [3, 0]], true],
        "location": [[2, 3], [2, 3]],
        "textEdit": [[[1, 2], [1, 2]], ""],
        "workspaceEdit": [2, 2, true, ["z"], [["file:///b.txt", 1], ["file:///a.txt", 1]]],
        "markdown": "a\\*b\\*&nbsp;<c\\>\n\n\n```js\nx\n```\n**d**",
        "snippet": "a\\$$1${2:b\\}}${3|x,y\\,z|}${TM_FILENAME:def}$0",
        "kinds": ["quickfix", "refactor.extract", true, false, true, false, 13, 18],
        "tokens": [0, 1, 3, 0, 0, 1, 2, 3, 1, 1],
        "cancellation": [true, 1],
        "fileSystemError": ["FileNotFound", "memfs:/x", true, "FileNotFound (FileSystemError)"],
        "text": [11, "héllo 😀", "\u{fffd}A"],
        "url": ["host.com", "81", "/b", "a b", "#h", "https://user@host.com:81/b?x=1&y=a+b#h"],
        "diagnostic": 0,
        "hover": ["text"],
        "completion": [1],
        "symbol": "selectionRange must be contained in fullRange",
    });
    assert_eq!(result, expected);
}

fn one_document_snapshot() -> Value {
    json!({
        "workspaceFolders": [{ "uri": "file:///w", "name": "w", "index": 0 }],
        "documents": [{ "uri": "file:///w/a.txt", "languageId": "plaintext", "version": 1, "text": "hello world\nfoo bar\r\n  last" }],
        "settings": {},
        "activeEditor": { "uri": "file:///w/a.txt", "selections": [range(0, 0, 0, 5)] },
    })
}

#[tokio::test]
async fn documents_come_from_the_snapshot_and_follow_events() {
    let script = r#"
        const vscode = require('vscode');
        const { Position, Range } = vscode;
        const pos = (p) => [p.line, p.character];
        const rng = (r) => r && [pos(r.start), pos(r.end)];
        const seen = [];
        exports.activate = (context) => {
            const doc = vscode.workspace.textDocuments[0];
            const editor = vscode.window.activeTextEditor;
            vscode.workspace.onDidOpenTextDocument((d) => seen.push(['open', d.uri.toString(), d.languageId, d.version]));
            vscode.workspace.onDidChangeTextDocument((e) => seen.push(['change', e.document === doc, e.document.version,
                e.contentChanges.map((c) => [rng(c.range), c.rangeOffset, c.rangeLength, c.text])]));
            vscode.workspace.onDidCloseTextDocument((d) => seen.push(['close', d.uri.toString(), d.isClosed]));
            vscode.workspace.onDidSaveTextDocument((d) => seen.push(['save', d.isDirty]));
            vscode.window.onDidChangeActiveTextEditor((e) => seen.push(['active', e ? e.document.uri.toString() : null]));
            vscode.window.onDidChangeTextEditorSelection((e) => seen.push(['selection', e.textEditor.document.uri.toString(), e.selections.map(rng)]));
            context.subscriptions.push(vscode.commands.registerCommand('test.state', () => ({
                seen,
                text: doc.getText(),
                version: doc.version,
                dirty: doc.isDirty,
                active: vscode.window.activeTextEditor ? vscode.window.activeTextEditor.document.uri.toString() : null,
                documents: vscode.workspace.textDocuments.map((d) => d.uri.toString()),
            })));
            const line = doc.lineAt(1);
            return {
                uri: doc.uri.toString(), fileName: doc.fileName, languageId: doc.languageId, version: doc.version,
                lineCount: doc.lineCount, eol: doc.eol, untitled: doc.isUntitled, dirty: doc.isDirty, closed: doc.isClosed,
                line: [line.lineNumber, line.text, rng(line.range), rng(line.rangeIncludingLineBreak), line.firstNonWhitespaceCharacterIndex, line.isEmptyOrWhitespace],
                last: [doc.lineAt(new Position(2, 1)).firstNonWhitespaceCharacterIndex, rng(doc.lineAt(2).rangeIncludingLineBreak)],
                offsets: [doc.offsetAt(new Position(2, 0)), pos(doc.positionAt(19)), pos(doc.positionAt(20)), pos(doc.positionAt(999)), pos(doc.positionAt(-3))],
                text: doc.getText(new Range(0, 6, 1, 3)),
                word: rng(doc.getWordRangeAtPosition(new Position(0, 2))),
                wordAtEnd: rng(doc.getWordRangeAtPosition(new Position(0, 5))),
                custom: rng(doc.getWordRangeAtPosition(new Position(1, 1), /(.+)/g)),
                none: doc.getWordRangeAtPosition(new Position(2, 0)) === undefined,
                touching: rng(doc.getWordRangeAtPosition(new Position(1, 3))),
                validated: [pos(doc.validatePosition(new Position(9, 9))), rng(doc.validateRange(new Range(0, 3, 0, 99)))],
                badLine: (() => { try { doc.lineAt(3); return 'no error'; } catch (error) { return error.message; } })(),
                editor: [editor.document === doc, rng(editor.selection), editor.selections.length, editor.viewColumn],
                folders: vscode.workspace.workspaceFolders.map((f) => [f.uri.toString(), f.name, f.index]),
                folderOf: vscode.workspace.getWorkspaceFolder(doc.uri).name,
                relative: vscode.workspace.asRelativePath(doc.uri),
                name: vscode.workspace.name,
            };
        };"#;
    let harness = api_harness(script, one_document_snapshot(), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "uri": "file:///w/a.txt", "fileName": "/w/a.txt", "languageId": "plaintext", "version": 1,
            "lineCount": 3, "eol": 2, "untitled": false, "dirty": false, "closed": false,
            "line": [1, "foo bar", [[1, 0], [1, 7]], [[1, 0], [2, 0]], 0, false],
            "last": [2, [[2, 0], [2, 6]]],
            "offsets": [21, [1, 7], [1, 7], [2, 6], [0, 0]],
            "text": "world\nfoo",
            "word": [[0, 0], [0, 5]],
            "wordAtEnd": [[0, 0], [0, 5]],
            "custom": [[1, 0], [1, 7]],
            "none": true,
            "touching": [[1, 0], [1, 3]],
            "validated": [[2, 6], [[0, 3], [0, 11]]],
            "badLine": "Illegal value for `line`",
            "editor": [true, [[0, 0], [0, 5]], 1, 1],
            "folders": [["file:///w", "w", 0]],
            "folderOf": "w",
            "relative": "a.txt",
            "name": "w",
        })
    );

    harness
        .event(
            "documentChanged",
            json!({ "uri": "file:///w/a.txt", "version": 2, "text": "hello there\nfoo bar\r\n  last",
                    "changes": [{ "range": range(0, 6, 0, 11), "text": "there" }] }),
        )
        .await;
    harness
        .event("documentChanged", json!({ "uri": "file:///w/a.txt", "version": 3, "text": "replaced", "changes": [{ "text": "replaced" }] }))
        .await;
    harness
        .event("documentSaved", json!({ "uri": "file:///w/a.txt" }))
        .await;
    harness
        .event("documentOpened", json!({ "uri": "file:///w/b.rs", "languageId": "rust", "version": 4, "text": "fn main() {}" }))
        .await;
    harness
        .event(
            "activeEditorChanged",
            json!({ "uri": "file:///w/b.rs", "selections": [range(0, 3, 0, 7)] }),
        )
        .await;
    harness
        .event(
            "selectionChanged",
            json!({ "uri": "file:///w/b.rs", "selections": [range(0, 0, 0, 2)] }),
        )
        .await;
    harness
        .event("documentClosed", json!({ "uri": "file:///w/b.rs" }))
        .await;
    assert_eq!(
        harness.command("test.state", vec![]).await,
        Ok(json!({
            "seen": [
                ["change", true, 2, [[[[0, 6], [0, 11]], 6, 5, "there"]]],
                ["change", true, 3, [[[[0, 0], [2, 6]], 0, 27, "replaced"]]],
                ["save", false],
                ["open", "file:///w/b.rs", "rust", 4],
                ["active", "file:///w/b.rs"],
                ["selection", "file:///w/b.rs", [[[0, 0], [0, 2]]]],
                ["close", "file:///w/b.rs", true],
                ["active", null],
            ],
            "text": "replaced",
            "version": 3,
            "dirty": false,
            "active": null,
            "documents": ["file:///w/a.txt"],
        }))
    );
}

#[tokio::test]
async fn providers_answer_invoke_provider_with_lsp_json() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = (context) => {
            context.subscriptions.push(vscode.languages.registerHoverProvider({ language: 'plaintext', scheme: 'file' }, {
                provideHover(document, position, token) {
                    const md = new vscode.MarkdownString('**' + document.lineAt(position.line).text + '**');
                    return new vscode.Hover([md, { language: 'js', value: 'x' }], new vscode.Range(position, position.translate(0, 2)));
                },
            }));
            context.subscriptions.push(vscode.languages.registerCompletionItemProvider('plaintext', {
                provideCompletionItems(document, position, token, completionContext) {
                    const snippet = new vscode.CompletionItem('Good', vscode.CompletionItemKind.Snippet);
                    snippet.insertText = new vscode.SnippetString('Good ${1|morning,evening|}');
                    snippet.documentation = new vscode.MarkdownString('Inserts a *snippet*');
                    const plain = new vscode.CompletionItem({ label: 'console', description: 'global' });
                    plain.commitCharacters = ['.'];
                    plain.detail = 'trigger ' + completionContext.triggerKind + ' ' + completionContext.triggerCharacter;
                    plain.command = { command: 'editor.action.triggerSuggest', title: 'Re-trigger' };
                    plain.range = new vscode.Range(position.line, 0, position.line, position.character);
                    return new vscode.CompletionList([snippet, plain], true);
                },
                resolveCompletionItem(item) { item.detail = 'resolved ' + item.label; return item; },
            }, '.'));
            const disposable = vscode.languages.registerCodeLensProvider('*', {
                provideCodeLenses(document) {
                    return [new vscode.CodeLens(new vscode.Range(0, 0, 0, 5)),
                            new vscode.CodeLens(new vscode.Range(1, 0, 1, 3), { title: 'ready', command: 'x.y', arguments: [vscode.Uri.parse('file:///z'), 1] })];
                },
                resolveCodeLens(lens, token) { lens.command = { title: 'resolved ' + token.isCancellationRequested, command: 'do.it' }; return lens; },
            });
            context.subscriptions.push(disposable);
            return {
                match: [vscode.languages.match('plaintext', vscode.workspace.textDocuments[0]),
                        vscode.languages.match('*', vscode.workspace.textDocuments[0]),
                        vscode.languages.match({ scheme: 'file', pattern: '**/*.txt' }, vscode.workspace.textDocuments[0]),
                        vscode.languages.match([{ language: 'rust' }, { scheme: 'untitled' }], vscode.workspace.textDocuments[0])],
            };
        };"#;
    let mut harness = api_harness(script, one_document_snapshot(), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({ "match": [10, 5, 10, 0] })
    );
    let mut registered = Vec::new();
    for _ in 0..3 {
        match harness
            .expect(|request| matches!(request, HostRequest::RegisterProvider { .. }))
            .await
        {
            HostRequest::RegisterProvider {
                handle,
                method,
                selector,
                options,
            } => registered.push(json!([handle, method, selector, options])),
            _ => unreachable!(),
        }
    }
    assert_eq!(
        registered,
        [
            json!([1, "textDocument/hover", { "language": "plaintext", "scheme": "file" }, {}]),
            json!([2, "textDocument/completion", "plaintext", { "triggerCharacters": ["."], "resolveProvider": true }]),
            json!([3, "textDocument/codeLens", "*", { "resolveProvider": true }]),
        ]
    );
    let at = json!({ "textDocument": { "uri": "file:///w/a.txt" }, "position": { "line": 1, "character": 4 } });
    assert_eq!(
        harness.invoke(1, "textDocument/hover", at.clone()).await,
        Ok(
            json!({ "contents": { "kind": "markdown", "value": "**foo bar**\n\n```js\nx\n```" }, "range": range(1, 4, 1, 6) })
        )
    );
    let mut completion = at.clone();
    completion["context"] = json!({ "triggerKind": 2, "triggerCharacter": "." });
    let completions = harness
        .invoke(2, "textDocument/completion", completion)
        .await
        .expect("completions");
    assert_eq!(
        completions,
        json!({ "isIncomplete": true, "items": [
            { "label": "Good", "kind": 15, "documentation": { "kind": "markdown", "value": "Inserts a *snippet*" },
              "insertTextFormat": 2, "insertText": "Good ${1|morning,evening|}", "data": { "handle": 2, "cache": 1, "index": 0 } },
            { "label": "console", "labelDetails": { "description": "global" }, "detail": "trigger 1 .",
              "textEdit": { "range": range(1, 0, 1, 4), "newText": "console" }, "commitCharacters": ["."],
              "command": { "title": "Re-trigger", "command": "editor.action.triggerSuggest" },
              "data": { "handle": 2, "cache": 1, "index": 1 } },
        ] })
    );
    let resolved = harness
        .invoke(2, "completionItem/resolve", completions["items"][1].clone())
        .await
        .expect("resolved");
    assert_eq!(resolved["detail"], json!("resolved [object Object]"));
    assert_eq!(resolved["data"], completions["items"][1]["data"]);

    let lenses = harness
        .invoke(
            3,
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": "file:///w/a.txt" } }),
        )
        .await
        .expect("lenses");
    assert_eq!(
        lenses,
        json!([
            { "range": range(0, 0, 0, 5), "data": { "handle": 3, "cache": 1, "index": 0 } },
            { "range": range(1, 0, 1, 3), "command": { "title": "ready", "command": "x.y",
              "arguments": [{ "$mid": 1, "fsPath": "/z", "external": "file:///z", "path": "/z", "scheme": "file" }, 1] } },
        ])
    );
    assert_eq!(
        harness
            .invoke(3, "codeLens/resolve", lenses[0].clone())
            .await,
        Ok(
            json!({ "range": range(0, 0, 0, 5), "command": { "title": "resolved false", "command": "do.it" },
                   "data": { "handle": 3, "cache": 1, "index": 0 } })
        )
    );
    match harness.invoke(9, "textDocument/hover", at).await {
        Err(RuntimeError::Threw { message, .. }) => {
            assert_eq!(message, "exthost: test.ext has no provider with handle 9")
        }
        other => panic!("expected Threw, got {other:?}"),
    }
    assert_eq!(
        harness.call(RuntimeRequest::Deactivate).await,
        Ok(Value::Null)
    );
    harness
        .expect(|request| matches!(request, HostRequest::UnregisterProvider { handle: 3 }))
        .await;
}

/// A hover provider's answer is converted as `convert(await answer)` would: a synchronous answer at once
/// (the arguments the real TextDocument and Position), but after the promise jobs the provider queued (a
/// change they make to the Hover shows), a thenable adopted, a throw or rejection a failure; each call's
/// cancellation token is released once it is answered, however it is answered.
#[tokio::test]
async fn hover_answers_are_converted_as_an_await_would() {
    let script = r#"
        const vscode = require('vscode');
        const tokens = [];
        exports.activate = (context) => {
            const provider = (kind) => ({
                provideHover(document, position, token) {
                    tokens.push(token);
                    const line = document.lineAt(position).text;
                    const args = typeof document.getText === 'function' && document.uri instanceof vscode.Uri && position instanceof vscode.Position;
                    if (kind === 'sync') return new vscode.Hover([line, new vscode.MarkdownString('**' + args + '**')], new vscode.Range(position, position.translate(0, 2)));
                    if (kind === 'job') {
                        const hover = new vscode.Hover('before');
                        Promise.resolve().then(() => { hover.contents = ['after a job']; });
                        return hover;
                    }
                    if (kind === 'microtask') {
                        const hover = new vscode.Hover('before');
                        queueMicrotask(() => { hover.contents.push('queued'); });
                        return hover;
                    }
                    if (kind === 'thenable') return { then(resolve) { resolve(new vscode.Hover('from a thenable')); } };
                    if (kind === 'promise') return Promise.resolve(new vscode.Hover({ language: 'js', value: 'x' }));
                    if (kind === 'none') return undefined;
                    if (kind === 'throws') throw new Error('sync failure');
                    // Empty parts and holes are left out of the text.
                    if (kind === 'parts') return new vscode.Hover(['', 'a', , new vscode.MarkdownString(''), { language: 'ts', value: 'b' }, 'c']);
                    if (kind === 'rejects') return Promise.reject(new Error('async failure'));
                },
            });
            for (const kind of ['sync', 'job', 'microtask', 'thenable', 'promise', 'none', 'throws', 'rejects', 'parts']) {
                context.subscriptions.push(vscode.languages.registerHoverProvider({ language: 'plaintext', pattern: '**/a.txt' }, provider(kind)));
            }
            context.subscriptions.push(vscode.commands.registerCommand('test.tokens', () => tokens.map((token) => token.isCancellationRequested)));
        };"#;
    let harness = api_harness(script, one_document_snapshot(), package(json!({})));
    harness.activate().await.expect("activate");
    let at = json!({ "textDocument": { "uri": "file:///w/a.txt" }, "position": { "line": 1, "character": 4 } });
    let hover = |text: &str| json!({ "contents": { "kind": "markdown", "value": text } });
    assert_eq!(
        harness.invoke(1, "textDocument/hover", at.clone()).await,
        Ok(
            json!({ "contents": { "kind": "markdown", "value": "foo bar\n\n**true**" }, "range": range(1, 4, 1, 6) })
        )
    );
    let converted = [
        (2, "after a job"),
        (3, "before\n\nqueued"),
        (4, "from a thenable"),
        (5, "```js\nx\n```"),
    ];
    for (handle, expected) in converted {
        assert_eq!(
            harness
                .invoke(handle, "textDocument/hover", at.clone())
                .await,
            Ok(hover(expected)),
            "provider {handle}"
        );
    }
    assert_eq!(
        harness.invoke(6, "textDocument/hover", at.clone()).await,
        Ok(Value::Null)
    );
    for (handle, expected) in [(7, "sync failure"), (8, "async failure")] {
        match harness
            .invoke(handle, "textDocument/hover", at.clone())
            .await
        {
            Err(RuntimeError::Threw { message, .. }) => assert_eq!(message, expected),
            other => panic!("expected Threw, got {other:?}"),
        }
    }
    assert_eq!(
        harness.invoke(9, "textDocument/hover", at.clone()).await,
        Ok(hover("a\n\n```ts\nb\n```\n\nc"))
    );
    // A document the model does not have fails the call before any provider runs.
    let elsewhere = json!({ "textDocument": { "uri": "file:///w/b.txt" }, "position": { "line": 0, "character": 0 } });
    match harness.invoke(1, "textDocument/hover", elsewhere).await {
        Err(RuntimeError::Threw { message, .. }) => {
            assert_eq!(message, "exthost: the document file:///w/b.txt is not open")
        }
        other => panic!("expected Threw, got {other:?}"),
    }
    // Every call used token 7 (`Harness::invoke`): once answered it is no longer the host's to cancel.
    assert_eq!(
        harness.call(RuntimeRequest::Cancel { token: 7 }).await,
        Ok(Value::Null)
    );
    assert_eq!(
        harness.command("test.tokens", vec![]).await,
        Ok(json!([
            false, false, false, false, false, false, false, false, false
        ]))
    );
}

#[tokio::test]
async fn messages_notify_without_items_and_request_with_items() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = (context) => {
            context.subscriptions.push(vscode.commands.registerCommand('test.messages', async () => {
                const none = await vscode.window.showInformationMessage('plain');
                const item = { title: 'Two', id: 2 };
                const chosen = await vscode.window.showWarningMessage('pick', { modal: true, detail: 'more' }, 'One', item);
                const failed = await vscode.window.showErrorMessage('fails', 'Retry');
                const strings = await vscode.window.showInformationMessage('strings', 'Two', 'Three');
                return { none: none === undefined, chosen, same: chosen === item, failed: failed === undefined, strings };
            }));
        };"#;
    let mut harness = Harness::with_host(
        &[("main.js", script)],
        "main.js",
        Limits::default(),
        package(json!({})),
        session_host(json!({}), |method, params| {
            match (method, params["message"].as_str()) {
                ("window/showMessageRequest", Some("fails")) => Err("method not found".to_owned()),
                ("window/showMessageRequest", _) => Ok(json!({ "title": "Two" })),
                _ => Ok(Value::Null),
            }
        }),
    );
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.command("test.messages", vec![]).await,
        Ok(
            json!({ "none": true, "chosen": { "title": "Two", "id": 2 }, "same": true, "failed": true, "strings": "Two" })
        )
    );
    assert_eq!(
        harness.expect_notify("window/showMessage").await,
        json!({ "type": 3, "message": "plain" })
    );
    assert_eq!(
        harness
            .expect_editor_request("window/showMessageRequest")
            .await,
        json!({ "type": 2, "message": "pick\n\nmore", "actions": [{ "title": "One" }, { "title": "Two" }] })
    );
    assert_eq!(
        harness
            .expect_editor_request("window/showMessageRequest")
            .await,
        json!({ "type": 1, "message": "fails", "actions": [{ "title": "Retry" }] })
    );
    harness
        .expect_log("the editor did not answer window/showMessageRequest")
        .await;
}

#[tokio::test]
async fn with_progress_reports_and_is_cancelled_by_the_host() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = (context) => {
            context.subscriptions.push(vscode.commands.registerCommand('test.progress', () =>
                vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Working', cancellable: true }, (progress, token) => {
                    progress.report({ increment: 10, message: 'a' });
                    progress.report({ increment: 15 });
                    return new Promise((resolve) => token.onCancellationRequested(() => resolve('cancelled ' + token.isCancellationRequested)));
                })));
        };"#;
    let mut harness = api_harness(script, json!({}), package(json!({})));
    harness.activate().await.expect("activate");
    let handle = harness.handle.clone();
    let pending = tokio::spawn(async move {
        handle
            .call(RuntimeRequest::ExecuteCommand {
                command: "test.progress".to_owned(),
                arguments: vec![],
            })
            .await
    });
    let token = "test.ext/4294967296";
    assert_eq!(
        harness
            .expect_editor_request("window/workDoneProgress/create")
            .await,
        json!({ "token": token })
    );
    assert_eq!(
        harness.expect_notify("$/progress").await,
        json!({ "token": token, "value": { "kind": "begin", "title": "Working", "cancellable": true } })
    );
    assert_eq!(
        harness.expect_notify("$/progress").await,
        json!({ "token": token, "value": { "kind": "report", "message": "a", "percentage": 10 } })
    );
    assert_eq!(
        harness.expect_notify("$/progress").await,
        json!({ "token": token, "value": { "kind": "report", "percentage": 25 } })
    );
    assert_eq!(
        harness
            .call(RuntimeRequest::Cancel { token: 4294967296 })
            .await,
        Ok(Value::Null)
    );
    assert_eq!(
        harness.expect_notify("$/progress").await,
        json!({ "token": token, "value": { "kind": "end" } })
    );
    assert_eq!(pending.await.expect("joined"), Ok(json!("cancelled true")));
}

#[tokio::test]
async fn configuration_reads_defaults_updates_and_reports_changes() {
    let script = r#"
        const vscode = require('vscode');
        const changes = [];
        const sections = ['sample', 'sample.enabled', 'sample.view', 'sample.view.mode', 'other'];
        exports.activate = (context) => {
            vscode.workspace.onDidChangeConfiguration((event) => changes.push(sections.filter((section) => event.affectsConfiguration(section))));
            context.subscriptions.push(vscode.commands.registerCommand('test.update', async () => {
                await vscode.workspace.getConfiguration('sample').update('enabled', false, true);
                return { enabled: vscode.workspace.getConfiguration('sample').get('enabled'), changes };
            }));
            context.subscriptions.push(vscode.commands.registerCommand('test.changes', () => ({
                changes, mode: vscode.workspace.getConfiguration('sample.view').get('mode'),
            })));
            const all = vscode.workspace.getConfiguration();
            const sample = vscode.workspace.getConfiguration('sample');
            const view = vscode.workspace.getConfiguration('sample.view', vscode.Uri.file('/w/a.txt'));
            return {
                enabled: all.get('sample.enabled'),
                view: sample.get('view'),
                size: view.size,
                mode: view.get('mode'),
                missing: sample.get('missing', 'fallback'),
                has: [sample.has('enabled'), sample.has('missing')],
                inspect: view.inspect('size'),
                wordSeparators: vscode.workspace.getConfiguration('editor')['wordSeparators'].length > 10,
            };
        };"#;
    let package_json = package(json!({ "contributes": { "configuration": { "properties": {
        "sample.enabled": { "type": "boolean", "default": true },
        "sample.view.mode": { "type": "string", "default": "tree" },
        "sample.view.size": { "type": "number", "default": 3 },
    } } } }));
    let mut harness = api_harness(
        script,
        json!({ "settings": { "sample.view.size": 5 } }),
        package_json,
    );
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "enabled": true,
            "view": { "mode": "tree", "size": 5 },
            "size": 5,
            "mode": "tree",
            "missing": "fallback",
            "has": [true, false],
            "inspect": { "key": "sample.view.size", "defaultValue": 3, "globalValue": 5 },
            "wordSeparators": true,
        })
    );
    assert_eq!(
        harness.command("test.update", vec![]).await,
        Ok(json!({ "enabled": false, "changes": [["sample", "sample.enabled"]] }))
    );
    assert_eq!(
        harness
            .expect(|request| matches!(request, HostRequest::UpdateSetting { .. }))
            .await,
        HostRequest::UpdateSetting {
            key: "sample.enabled".to_owned(),
            value: json!(false),
            target: 1
        }
    );
    // The host's broadcast of the same change is no change; a new value of another key is one.
    harness
        .event(
            "configurationChanged",
            json!({ "settings": { "sample.view.size": 5, "sample.enabled": false } }),
        )
        .await;
    harness
        .event("configurationChanged", json!({ "settings": { "sample.view.size": 5, "sample.enabled": false, "sample.view.mode": "list" } }))
        .await;
    assert_eq!(
        harness.command("test.changes", vec![]).await,
        Ok(
            json!({ "changes": [["sample", "sample.enabled"], ["sample", "sample.view", "sample.view.mode"]], "mode": "list" })
        )
    );
}

#[tokio::test]
async fn diagnostic_collections_set_lsp_diagnostics() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = () => {
            const collection = vscode.languages.createDiagnosticCollection('lint');
            const twin = vscode.languages.createDiagnosticCollection('lint');
            const uri = vscode.Uri.file('/w/a.txt');
            const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 1, 0, 4), 'bad thing', vscode.DiagnosticSeverity.Warning);
            diagnostic.code = { value: 'E1', target: vscode.Uri.parse('https://example.com/E1') };
            diagnostic.source = 'sample';
            diagnostic.tags = [vscode.DiagnosticTag.Unnecessary];
            diagnostic.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Range(1, 0, 1, 2)), 'here')];
            collection.set(uri, [diagnostic, new vscode.Diagnostic(new vscode.Range(1, 0, 1, 1), 'error')]);
            twin.set([[vscode.Uri.file('/w/b.txt'), [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), 'hint', vscode.DiagnosticSeverity.Hint)]]]);
            const before = [collection.has(uri), collection.get(uri).length, vscode.languages.getDiagnostics(uri).length, vscode.languages.getDiagnostics().length];
            collection.delete(uri);
            twin.dispose();
            return { before, after: [collection.has(uri), vscode.languages.getDiagnostics().length, collection.name] };
        };"#;
    let mut harness = api_harness(script, one_document_snapshot(), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({ "before": [true, 2, 2, 2], "after": [false, 0, "lint"] })
    );
    let mut sets = Vec::new();
    for _ in 0..4 {
        match harness
            .expect(|request| matches!(request, HostRequest::SetDiagnostics { .. }))
            .await
        {
            HostRequest::SetDiagnostics {
                collection,
                uri,
                diagnostics,
            } => sets.push(json!([collection, uri, diagnostics])),
            _ => unreachable!(),
        }
    }
    assert_eq!(
        sets,
        [
            json!(["lint", "file:///w/a.txt", [
                { "range": range(0, 1, 0, 4), "message": "bad thing", "severity": 2, "code": "E1",
                  "codeDescription": { "href": "https://example.com/E1" }, "source": "sample", "tags": [1],
                  "relatedInformation": [{ "location": { "uri": "file:///w/a.txt", "range": range(1, 0, 1, 2) }, "message": "here" }] },
                { "range": range(1, 0, 1, 1), "message": "error", "severity": 1 },
            ]]),
            json!(["lint#1", "file:///w/b.txt", [{ "range": range(0, 0, 0, 0), "message": "hint", "severity": 4 }]]),
            json!(["lint", "file:///w/a.txt", []]),
            json!(["lint#1", "file:///w/b.txt", []]),
        ]
    );
}

#[tokio::test]
async fn text_editor_edits_go_to_the_editor_as_apply_edit() {
    let script = r#"
        const vscode = require('vscode');
        exports.activate = (context) => {
            context.subscriptions.push(vscode.commands.registerCommand('test.edit', async () => {
                const editor = vscode.window.activeTextEditor;
                const applied = await editor.edit((edit) => {
                    edit.replace(editor.selection, 'HELLO');
                    edit.insert(new vscode.Position(1, 0), '> ');
                    edit.delete(new vscode.Range(2, 0, 2, 2));
                }, { undoStopBefore: true, undoStopAfter: false });
                editor.selection = new vscode.Selection(1, 0, 1, 0);
                editor.revealRange(editor.selection, vscode.TextEditorRevealType.Default);
                const type = vscode.window.createTextEditorDecorationType({ backgroundColor: new vscode.ThemeColor('x.y') });
                editor.setDecorations(type, [{ range: new vscode.Range(0, 0, 0, 1), hoverMessage: new vscode.MarkdownString('**n**') }, new vscode.Range(1, 0, 1, 1)]);
                type.dispose();
                return { applied, text: editor.document.getText(), version: editor.document.version, dirty: editor.document.isDirty };
            }));
            context.subscriptions.push(vscode.commands.registerTextEditorCommand('test.textEditor', (editor, edit, suffix) => {
                edit.insert(new vscode.Position(0, 0), suffix);
            }));
        };"#;
    let mut harness = api_harness(script, one_document_snapshot(), package(json!({})));
    harness.activate().await.expect("activate");
    assert_eq!(
        harness.command("test.edit", vec![]).await,
        Ok(
            json!({ "applied": true, "text": "HELLO world\n> foo bar\r\nlast", "version": 2, "dirty": true })
        )
    );
    assert_eq!(
        harness.expect_editor_request("workspace/applyEdit").await,
        json!({ "edit": { "changes": { "file:///w/a.txt": [
            { "range": range(0, 0, 0, 5), "newText": "HELLO" },
            { "range": range(1, 0, 1, 0), "newText": "> " },
            { "range": range(2, 0, 2, 2), "newText": "" },
        ] } } })
    );
    assert_eq!(
        harness.expect_notify("exthost/revealRange").await,
        json!({ "uri": "file:///w/a.txt", "range": range(1, 0, 1, 0) })
    );
    assert_eq!(
        harness.expect_notify("exthost/decorationType").await,
        json!({ "key": "test.ext/decoration/1", "options": { "backgroundColor": { "id": "x.y" } } })
    );
    assert_eq!(
        harness.expect_notify("exthost/decorations").await,
        json!({ "uri": "file:///w/a.txt", "type": "test.ext/decoration/1", "ranges": [
            { "range": range(0, 0, 0, 1), "hoverMessage": "**n**" }, { "range": range(1, 0, 1, 1) },
        ] })
    );
    assert_eq!(
        harness.expect_notify("exthost/decorationType").await,
        json!({ "key": "test.ext/decoration/1", "disposed": true })
    );
    assert_eq!(
        harness.command("test.textEditor", vec![json!("// ")]).await,
        Ok(Value::Null)
    );
    assert_eq!(
        harness.expect_editor_request("workspace/applyEdit").await,
        json!({ "edit": { "changes": { "file:///w/a.txt": [{ "range": range(0, 0, 0, 0), "newText": "// " }] } } })
    );
}

#[tokio::test]
async fn workspace_fs_reads_inside_the_folders_and_routes_schemes_to_providers() {
    let workspace = tempfile::tempdir().expect("tempdir");
    let root = workspace.path().canonicalize().expect("canonical");
    write(&root, "src/a.txt", "alpha\n");
    write(&root, "src/deep/b.txt", "beta");
    write(&root, ".git/x.txt", "ignored");
    write(&root, "top.md", "# top");
    let script = r#"
        const vscode = require('vscode');
        const { Uri, RelativePattern } = vscode;
        const code = (promise) => promise.then(() => 'no error', (error) => error.code || error.message);
        exports.activate = async (context) => {
            const fs = vscode.workspace.fs;
            const ws = vscode.workspace.workspaceFolders[0].uri;
            const file = Uri.joinPath(ws, 'src/a.txt');
            const stat = await fs.stat(file);
            const memory = new Map();
            context.subscriptions.push(vscode.workspace.registerFileSystemProvider('mem', {
                stat: (uri) => ({ type: vscode.FileType.File, ctime: 0, mtime: 0, size: (memory.get(uri.path) || []).length }),
                readFile: (uri) => { if (!memory.has(uri.path)) throw vscode.FileSystemError.FileNotFound(uri); return memory.get(uri.path); },
                writeFile: (uri, content) => { memory.set(uri.path, content); },
                readDirectory: () => Array.from(memory.keys()).map((path) => [path.slice(1), vscode.FileType.File]),
            }));
            context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider('virt', {
                provideTextDocumentContent: (uri) => 'virtual ' + uri.path,
            }));
            await fs.writeFile(Uri.parse('mem:/note.txt'), new TextEncoder().encode('in memory'));
            const relative = (uris) => uris.map((uri) => vscode.workspace.asRelativePath(uri));
            const opened = await vscode.workspace.openTextDocument(file);
            const untitled = await vscode.workspace.openTextDocument({ content: 'abc', language: 'markdown' });
            return {
                stat: [stat.type, stat.size],
                text: new TextDecoder().decode(await fs.readFile(file)),
                directory: await fs.readDirectory(ws),
                found: relative(await vscode.workspace.findFiles('**/*.txt')),
                excluded: relative(await vscode.workspace.findFiles('**/*.txt', '**/deep/**')),
                noExcludes: relative(await vscode.workspace.findFiles('**/x.txt', null)),
                limited: relative(await vscode.workspace.findFiles(new RelativePattern(ws, 'src/**'), undefined, 1)),
                own: await code(fs.readFile(Uri.joinPath(context.extensionUri, 'main.js'))),
                outside: await code(fs.readFile(Uri.file('/etc/passwd'))),
                missing: await code(fs.stat(Uri.joinPath(ws, 'nope.txt'))),
                write: await code(fs.writeFile(file, new Uint8Array(1))),
                otherScheme: await code(fs.readFile(Uri.parse('ftp://x/y'))),
                memory: new TextDecoder().decode(await fs.readFile(Uri.parse('mem:/note.txt'))),
                memoryMissing: await code(fs.readFile(Uri.parse('mem:/none'))),
                opened: [opened.languageId, opened.getText(), opened === await vscode.workspace.openTextDocument(file.fsPath)],
                virtual: (await vscode.workspace.openTextDocument(Uri.parse('virt:/hello'))).getText(),
                memoryDocument: (await vscode.workspace.openTextDocument(Uri.parse('mem:/note.txt'))).getText(),
                untitled: [untitled.uri.scheme, untitled.isUntitled, untitled.languageId, untitled.getText()],
                documents: vscode.workspace.textDocuments.length,
            };
        };"#;
    let snapshot = json!({ "workspaceFolders": [{ "uri": format!("file://{}", root.display()), "name": "ws", "index": 0 }] });
    let harness = api_harness(script, snapshot, package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "stat": [1, 6],
            "text": "alpha\n",
            "directory": [[".git", 2], ["src", 2], ["top.md", 1]],
            "found": ["src/a.txt", "src/deep/b.txt"],
            "excluded": [".git/x.txt", "src/a.txt"],
            "noExcludes": [".git/x.txt"],
            "limited": ["src/a.txt"],
            "own": "no error",
            "outside": "NoPermissions",
            "missing": "FileNotFound",
            "write": "NoPermissions",
            "otherScheme": "Unavailable",
            "memory": "in memory",
            "memoryMissing": "FileNotFound",
            "opened": ["plaintext", "alpha\n", true],
            "virtual": "virtual /hello",
            "memoryDocument": "in memory",
            "untitled": ["untitled", true, "markdown", "abc"],
            "documents": 4,
        })
    );
}

#[tokio::test]
async fn es_modules_import_the_same_vscode_namespaces() {
    let module = "import * as vscode from 'vscode';
        import { window, Uri, Position } from 'vscode';
        export function activate() {
            const thrown = (read) => { try { read(); return 'no error'; } catch (error) { return error.message; } };
            return {
                same: vscode.window === window,
                uri: Uri.file('/x').toString(),
                position: new Position(1, 2).character,
                namespaceMember: thrown(() => vscode.window.createTerminal()),
                topLevel: vscode.Foo === undefined,
            };
        }";
    let harness = Harness::new(&[("main.mjs", module)], "main.mjs");
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "same": true,
            "uri": "file:///x",
            "position": 2,
            "namespaceMember": "exthost does not implement vscode.window.createTerminal",
            "topLevel": true,
        })
    );
}

/// `{namespace: {members, not, notErrors}}` for the `vscode` module and every guarded object in it.
/// `members` are the implemented ones; calling a `not` member (every member, for a missing namespace)
/// must throw the naming error, and `notErrors` holds what it threw.
async fn shim_tables() -> BTreeMap<String, Value> {
    let script = r#"
        const vscode = require('vscode');
        const NOT_IMPLEMENTED = Symbol.for('exthost.notImplemented');
        const MISSING = Symbol.for('exthost.missing');
        const thrown = (call) => { try { call(); return 'no error'; } catch (error) { return error.message; } };
        exports.activate = () => {
            const tables = {};
            const walk = (object, path) => {
                const not = Array.from(object[NOT_IMPLEMENTED] || []);
                const members = Object.keys(object).filter((key) => !not.includes(key));
                const notErrors = not.map((name) => {
                    const value = object[name];
                    if (typeof value === 'function') return thrown(() => value());
                    const inner = Object.keys(value || {});
                    if (!inner.length || value[MISSING] !== path + '.' + name) return 'not a missing namespace';
                    const wrong = inner.map((key) => [key, thrown(() => value[key]())])
                        .find(([key, message]) => message !== 'exthost does not implement ' + path + '.' + name + '.' + key);
                    return wrong ? wrong.join(': ') : 'exthost does not implement ' + path + '.' + name;
                });
                tables[path] = { members, not, notErrors };
                for (const key of members) {
                    const value = object[key];
                    if (value && typeof value === 'object' && value[NOT_IMPLEMENTED]) walk(value, path + '.' + key);
                }
            };
            walk(vscode, 'vscode');
            return tables;
        };"#;
    let harness = api_harness(script, json!({}), package(json!({})));
    serde_json::from_value(harness.activate().await.expect("activate")).expect("tables")
}

/// `(namespace, member) → status` from the tables of docs/vscode-api.md.
fn documented_members() -> BTreeMap<(String, String), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vscode-api.md");
    let text = std::fs::read_to_string(&path).expect("docs/vscode-api.md");
    let mut namespace = None;
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with("## ") {
            namespace = line
                .split('`')
                .nth(1)
                .filter(|name| name.starts_with("vscode"))
                .map(str::to_owned);
            continue;
        }
        let Some(namespace) = &namespace else {
            continue;
        };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let member = cells[1].trim_matches('`').to_owned();
        let status = cells[2].to_owned();
        assert!(
            ["implemented", "partial", "not"].contains(&status.as_str()),
            "{namespace}.{member}: unknown status {status:?}"
        );
        let previous = rows.insert((namespace.clone(), member.clone()), status);
        assert!(previous.is_none(), "{namespace}.{member} is listed twice");
    }
    rows
}

#[tokio::test]
async fn docs_list_exactly_what_the_shim_exports_and_what_throws() {
    let tables = shim_tables().await;
    let documented = documented_members();
    let mut missing_from_docs = Vec::new();
    let mut wrong_status = Vec::new();
    let mut shim_rows = BTreeSet::new();
    for (namespace, table) in &tables {
        let names = |key: &str| -> Vec<String> {
            serde_json::from_value(table[key].clone()).expect("a list of names")
        };
        for member in names("members") {
            shim_rows.insert((namespace.clone(), member.clone()));
            match documented
                .get(&(namespace.clone(), member.clone()))
                .map(String::as_str)
            {
                Some("implemented" | "partial") => {}
                Some(status) => wrong_status.push(format!(
                    "{namespace}.{member} is exported but documented {status:?}"
                )),
                None => missing_from_docs.push(format!("{namespace}.{member} (exported)")),
            }
        }
        let not_errors = names("notErrors");
        for (member, error) in names("not").into_iter().zip(not_errors) {
            assert_eq!(
                error,
                format!("exthost does not implement {namespace}.{member}")
            );
            shim_rows.insert((namespace.clone(), member.clone()));
            match documented
                .get(&(namespace.clone(), member.clone()))
                .map(String::as_str)
            {
                Some("not") => {}
                Some(status) => wrong_status.push(format!(
                    "{namespace}.{member} throws but is documented {status:?}"
                )),
                None => missing_from_docs.push(format!("{namespace}.{member} (not implemented)")),
            }
        }
    }
    let not_in_shim: Vec<String> = documented
        .keys()
        .filter(|row| !shim_rows.contains(*row))
        .map(|(namespace, member)| format!("{namespace}.{member}"))
        .collect();
    assert!(
        missing_from_docs.is_empty() && wrong_status.is_empty() && not_in_shim.is_empty(),
        "docs/vscode-api.md is out of date.\nMissing from the docs: {missing_from_docs:#?}\nWrong status: {wrong_status:#?}\nDocumented but unknown to the shim: {not_in_shim:#?}"
    );
}

/// The start of a bundle as esbuild writes it for `import * as vscode from "vscode"` in TypeScript.
const ESBUILD_PRELUDE: &str = r#""use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);
var extension_exports = {};
__export(extension_exports, {
  activate: () => activate,
  deactivate: () => deactivate
});
module.exports = __toCommonJS(extension_exports);
const vscode = require("vscode");
const vscode_1 = require("vscode");
"#;

fn bundle(body: &str) -> String {
    format!("{ESBUILD_PRELUDE}{body}\nfunction deactivate() {{}}\n")
}

#[tokio::test]
async fn namespaces_are_plain_objects_and_only_calls_of_missing_members_fail() {
    let script = bundle(
        r#"
const thrown = (call) => { try { call(); return "no error"; } catch (error) { return error.message; } };
function activate(context) {
  const before = vscode.window.statusBarItem;
  vscode.window.statusBarItem = (0, vscode_1.window.createStatusBarItem)(vscode.StatusBarAlignment.Left, 10);
  vscode.workspace.myCache = { hits: 1 };
  return {
    unknownRead: before === undefined && vscode.languages.somethingElse === undefined && vscode.notAThing === undefined,
    assignmentSticks: vscode.window.statusBarItem.alignment === vscode.StatusBarAlignment.Left && vscode.workspace.myCache.hits === 1,
    inOperator: ["createTerminal" in vscode.window, "noSuchMember" in vscode.window],
    featureCheck: typeof vscode.window.createTerminal,
    missingCall: thrown(() => vscode.window.createTerminal({ name: "t" })),
    missingNamespaceCall: thrown(() => (0, vscode_1.tests.createTestController)("jest", "Jest")),
    missingNamespaceProperty: vscode.scm.inputBox === undefined,
    neverFiring: typeof vscode.window.onDidCloseTerminal(() => {}).dispose,
    emptyLists: [vscode.window.terminals.length, vscode.workspace.notebookDocuments.length],
    spread: Object.keys({ ...vscode.commands }).includes("registerCommand"),
  };
}"#,
    );
    let harness = api_harness(&script, json!({}), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "unknownRead": true,
            "assignmentSticks": true,
            "inOperator": [true, false],
            "featureCheck": "function",
            "missingCall": "exthost does not implement vscode.window.createTerminal",
            "missingNamespaceCall": "exthost does not implement vscode.tests.createTestController",
            "missingNamespaceProperty": true,
            "neverFiring": "function",
            "emptyLists": [0, 0],
            "spread": true,
        })
    );
}

#[tokio::test]
async fn a_setting_contributed_without_default_reads_its_types_default() {
    let script = bundle(
        r#"
function activate(context) {
  const config = vscode.workspace.getConfiguration("lint");
  const seen = [];
  config.get("rules").forEach((rule) => seen.push(rule));
  return {
    rules: config.get("rules"),
    options: config.get("options"),
    enabled: config.get("enabled"),
    depth: config.get("depth"),
    ratio: config.get("ratio"),
    path: config.get("path"),
    either: config.get("either"),
    nothing: config.get("nothing"),
    given: config.get("given"),
    seen: seen.length,
  };
}"#,
    );
    let package_json = package(
        json!({ "contributes": { "configuration": [{ "title": "Lint", "properties": {
        "lint.rules": { "type": "array", "items": { "type": "string" } },
        "lint.options": { "type": "object" },
        "lint.enabled": { "type": "boolean" },
        "lint.depth": { "type": "integer" },
        "lint.ratio": { "type": "number" },
        "lint.path": { "type": "string" },
        "lint.either": { "type": ["boolean", "string"] },
        "lint.nothing": { "type": "null" },
        "lint.given": { "type": "array", "default": ["a"] },
    } }] } }),
    );
    let harness = api_harness(&script, json!({}), package_json);
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "rules": [], "options": {}, "enabled": false, "depth": 0, "ratio": 0, "path": "",
            "either": false, "nothing": null, "given": ["a"], "seen": 0,
        })
    );
}

#[tokio::test]
async fn every_exported_class_is_a_constructor_that_can_be_subclassed() {
    // As vscode-languageclient does at load time: `class ProtocolCallHierarchyItem extends code.CallHierarchyItem`.
    let script = bundle(
        r#"
class ProtocolCallHierarchyItem extends vscode.CallHierarchyItem {
  constructor(kind, name, detail, uri, range, selectionRange, data) {
    super(kind, name, detail, uri, range, selectionRange);
    if (data !== undefined) this.data = data;
  }
}
class ProtocolTypeHierarchyItem extends vscode.TypeHierarchyItem {
  constructor(kind, name, detail, uri, range, selectionRange, data) {
    super(kind, name, detail, uri, range, selectionRange);
    if (data !== undefined) this.data = data;
  }
}
class ProtocolInlayHint extends vscode.InlayHint {
  constructor(position, label, kind) { super(position, label, kind); }
}
class ProtocolCompletionItem extends vscode.CompletionItem {
  constructor(label) { super(label); }
}
class ProtocolCodeLens extends vscode.CodeLens {
  constructor(range) { super(range); }
}
class ProtocolDocumentLink extends vscode.DocumentLink {
  constructor(range, target) { super(range, target); }
}
class ProtocolCodeAction extends vscode.CodeAction {
  constructor(title, data) { super(title); this.data = data; }
}
class ProtocolDiagnostic extends vscode.Diagnostic {
  constructor(range, message, severity, data) { super(range, message, severity); this.data = data; }
}
// Arguments for the classes whose constructors check them.
const ARGUMENTS = {
  Position: [0, 0], Range: [0, 0, 0, 1], Selection: [0, 0, 0, 1], Hover: ["text"], Location: [vscode.Uri.file("/a"), new vscode.Position(0, 0)],
  TextEdit: [new vscode.Range(0, 0, 0, 0), ""], Diagnostic: [new vscode.Range(0, 0, 0, 0), "m"], Disposable: [() => {}],
  DocumentSymbol: ["s", "", 1, new vscode.Range(0, 0, 0, 0), new vscode.Range(0, 0, 0, 0)], SymbolInformation: ["s", 1, "", new vscode.Location(vscode.Uri.file("/a"), new vscode.Position(0, 0))],
  CodeLens: [new vscode.Range(0, 0, 0, 0)], DocumentLink: [new vscode.Range(0, 0, 0, 1)], CodeActionKind: ["quickfix"], Uri: ["file", "", "/a", "", ""],
  SemanticTokensLegend: [[]], SemanticTokens: [new Uint32Array(0)], SemanticTokensEdits: [[]], SemanticTokensEdit: [0, 0], RelativePattern: ["/w", "*.ts"],
  DiagnosticRelatedInformation: [new vscode.Location(vscode.Uri.file("/a"), new vscode.Position(0, 0)), "m"], SnippetString: [""], MarkdownString: [""],
  ProcessExecution: ["node"], NotebookRange: [0, 1], ThemeIcon: ["x"], ThemeColor: ["x"], FileSystemError: ["m"],
};
function activate(context) {
  const results = {};
  for (const name of Object.keys(vscode)) {
    const value = vscode[name];
    if (typeof value !== "function" || !/^[A-Z]/.test(name)) continue;
    try {
      const Sub = class extends value { constructor(...args) { super(...args); this.extended = true; } };
      const made = new Sub(...(ARGUMENTS[name] || []));
      results[name] = made instanceof value && made.extended === true && Object.getPrototypeOf(Sub) === value ? "ok" : "not an instance";
    } catch (error) {
      results[name] = String(error && error.message);
    }
  }
  const uri = vscode.Uri.file("/w/a.ts");
  const range = new vscode.Range(1, 0, 1, 4);
  const item = new ProtocolCallHierarchyItem(vscode.SymbolKind.Function, "main", "detail", uri, range, range, { id: 1 });
  const type = new ProtocolTypeHierarchyItem(vscode.SymbolKind.Class, "Base", "", uri, range, range);
  const hint = new ProtocolInlayHint(new vscode.Position(1, 4), ": number", vscode.InlayHintKind.Type);
  return {
    results,
    classes: Object.keys(results).length,
    item: [item.name, item.kind, item.detail, item.uri.toString(), item.range.start.line, item.data.id, item instanceof vscode.CallHierarchyItem],
    type: [type.name, type.kind, type instanceof vscode.TypeHierarchyItem],
    hint: [hint.label, hint.kind, hint.position.character],
    others: [new ProtocolCompletionItem("x").label, new ProtocolCodeLens(range).isResolved, new ProtocolDocumentLink(range).range.end.character,
      new ProtocolCodeAction("fix", 1).title, new ProtocolDiagnostic(range, "m", 0, 2).severity],
    callName: vscode.CallHierarchyItem.name,
  };
}"#,
    );
    let harness = api_harness(&script, json!({}), package(json!({})));
    let answer = harness.activate().await.expect("activate");
    let failures: BTreeMap<String, Value> = answer["results"]
        .as_object()
        .expect("results")
        .iter()
        .filter(|(_, result)| *result != "ok")
        .map(|(name, result)| (name.clone(), result.clone()))
        .collect();
    assert!(
        failures.is_empty(),
        "classes that cannot be subclassed: {failures:#?}"
    );
    assert!(
        answer["classes"].as_u64().unwrap_or(0) >= 120,
        "{}",
        answer["classes"]
    );
    assert_eq!(
        answer["item"],
        json!(["main", 11, "detail", "file:///w/a.ts", 1, 1, true])
    );
    assert_eq!(answer["type"], json!(["Base", 4, true]));
    assert_eq!(answer["hint"], json!([": number", 1, 4]));
    assert_eq!(answer["others"], json!(["x", false, 4, "fix", 0]));
    assert_eq!(answer["callName"], json!("CallHierarchyItem"));
}

#[tokio::test]
async fn task_providers_and_language_status_items_work_in_activate() {
    // As markdownlint and prettier do in `activate`.
    let script = bundle(
        r#"
const thrown = async (call) => { try { await call(); return "no error"; } catch (error) { return error.message; } };
class LintTaskProvider {
  provideTasks(token) {
    const fix = new vscode.Task({ type: "markdownlint", fix: true }, vscode.TaskScope.Workspace, "Fix all", "markdownlint",
      new vscode.ShellExecution("markdownlint", ["--fix", "."]), "$markdownlint");
    fix.group = vscode.TaskGroup.Build;
    const legacy = new vscode.Task({ type: "markdownlint" }, "Lint", "markdownlint", new vscode.ProcessExecution("markdownlint", { cwd: "/w" }));
    const custom = new vscode.Task({ type: "markdownlint" }, vscode.TaskScope.Global, "Custom", "markdownlint",
      new vscode.CustomExecution(async () => ({ onDidWrite: () => {}, open() {}, close() {} })));
    return [fix, legacy, custom];
  }
  resolveTask(task) { return task; }
}
async function activate(context) {
  context.subscriptions.push((0, vscode_1.tasks.registerTaskProvider)("markdownlint", new LintTaskProvider()));
  context.subscriptions.push(vscode.workspace.registerTaskProvider("other", { provideTasks: () => [] }));
  const status = (0, vscode_1.languages.createLanguageStatusItem)("prettier.status", [{ language: "markdown" }]);
  status.text = "Prettier";
  status.severity = vscode.LanguageStatusSeverity.Warning;
  context.subscriptions.push(status);
  const tasks = await vscode.tasks.fetchTasks({ type: "markdownlint" });
  const [fix, legacy, custom] = tasks;
  return {
    count: tasks.length,
    other: (await vscode.tasks.fetchTasks({ type: "other" })).length,
    fix: [fix.name, fix.source, fix.scope, fix.execution.command, fix.execution.args, fix.problemMatchers, fix.group.id, fix.definition.fix],
    legacy: [legacy.name, legacy.scope, legacy.execution.process, legacy.execution.args, legacy.execution.options.cwd],
    custom: typeof custom.execution.callback,
    shellLine: new vscode.ShellExecution("npm run lint").commandLine,
    groups: [vscode.TaskGroup.Clean.id, vscode.TaskGroup.Rebuild.label, vscode.TaskGroup.Test.id],
    run: await thrown(() => vscode.tasks.executeTask(fix)),
    executions: vscode.tasks.taskExecutions.length,
    status: [status.id, status.text, status.severity, vscode.LanguageStatusSeverity.Error],
  };
}"#,
    );
    let harness = api_harness(&script, json!({}), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "count": 3,
            "other": 0,
            "fix": ["Fix all", "markdownlint", 2, "markdownlint", ["--fix", "."], ["$markdownlint"], "build", true],
            "legacy": ["Lint", null, "markdownlint", [], "/w"],
            "custom": "function",
            "shellLine": "npm run lint",
            "groups": ["clean", "Rebuild", "test"],
            "run": "exthost cannot run tasks (Fix all): an LSP editor has no terminal to run them in (vscode.tasks.executeTask)",
            "executions": 0,
            "status": ["prettier.status", "Prettier", 1, 2],
        })
    );
}

#[tokio::test]
async fn l10n_formats_messages_as_vscode_does_without_a_bundle() {
    let script = bundle(
        r#"
function activate(context) {
  return [
    vscode.l10n.t("Hello {0}, you have {1} new {1}", "Ada", 3),
    (0, vscode_1.l10n.t)("Hello {name}", { name: "Ada" }),
    vscode.l10n.t({ message: "Fixed {0} problems", args: [2], comment: ["count"] }),
    vscode.l10n.t("Kept {missing}"),
    vscode.l10n.bundle === undefined,
  ];
}"#,
    );
    let harness = api_harness(&script, json!({}), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!([
            "Hello Ada, you have 3 new 3",
            "Hello Ada",
            "Fixed 2 problems",
            "Kept {missing}",
            true
        ])
    );
}

#[tokio::test]
async fn locale_compare_answers_as_node_does_for_ascii() {
    // The expected values are what Node 20 (ICU) answers for the same calls.
    let script = r#"
        const pairs = [['a','B'],['B','a'],['a','A'],['A','a'],['a','b'],['abc','ABD'],['résumé','resume'],['a','á'],
                       ['Z','a'],['_','a'],['a','_'],['10','9'],['','a'],['x','x'],['a-b','ab'],['a b','ab'],['aB','Ab'],
                       ['file10.txt','file9.txt'],['Item 2','item 10']];
        exports.activate = () => pairs.map(([a, b]) => [a.localeCompare(b), a.localeCompare(b, undefined, { sensitivity: 'base' }),
            a.localeCompare(b, 'en', { sensitivity: 'accent' }), a.localeCompare(b, undefined, { numeric: true })]);"#;
    let harness = api_harness(script, json!({}), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!([
            [-1, -1, -1, -1],
            [1, 1, 1, 1],
            [-1, 0, 0, -1],
            [1, 0, 0, 1],
            [-1, -1, -1, -1],
            [-1, -1, -1, -1],
            [1, 0, 1, 1],
            [-1, 0, -1, -1],
            [1, 1, 1, 1],
            [-1, -1, -1, -1],
            [1, 1, 1, 1],
            [-1, -1, -1, 1],
            [-1, -1, -1, -1],
            [0, 0, 0, 0],
            [-1, -1, -1, -1],
            [-1, -1, -1, -1],
            [-1, 0, 0, -1],
            [-1, -1, -1, 1],
            [1, 1, 1, -1],
        ])
    );
}

#[tokio::test]
async fn highlight_folding_selection_inlay_color_and_linked_editing_providers_answer_lsp_json() {
    // As vscode-languageclient registers them when a server announces these capabilities.
    let script = bundle(
        r#"
function activate(context) {
  const selector = [{ scheme: "file", language: "plaintext" }];
  const r = (a, b, c, d) => new vscode.Range(a, b, c, d);
  context.subscriptions.push(
    (0, vscode_1.languages.registerDocumentHighlightProvider)(selector, {
      provideDocumentHighlights: (document, position) => [new vscode.DocumentHighlight(r(position.line, 0, position.line, 3), vscode.DocumentHighlightKind.Write), new vscode.DocumentHighlight(r(0, 0, 0, 1))],
    }),
    (0, vscode_1.languages.registerFoldingRangeProvider)(selector, {
      provideFoldingRanges: () => [new vscode.FoldingRange(0, 2, vscode.FoldingRangeKind.Region), new vscode.FoldingRange(1, 2)],
    }),
    (0, vscode_1.languages.registerSelectionRangeProvider)(selector, {
      provideSelectionRanges: (document, positions) => positions.map((p) => new vscode.SelectionRange(r(p.line, p.character, p.line, p.character + 1), new vscode.SelectionRange(r(p.line, 0, p.line, 7)))),
    }),
    (0, vscode_1.languages.registerInlayHintsProvider)(selector, {
      provideInlayHints: (document, range) => {
        const typed = new vscode.InlayHint(new vscode.Position(range.start.line, 3), ": number", vscode.InlayHintKind.Type);
        typed.paddingLeft = true;
        const parts = new vscode.InlayHint(new vscode.Position(1, 0), [new vscode.InlayHintLabelPart("name:")], vscode.InlayHintKind.Parameter);
        parts.tooltip = new vscode.MarkdownString("the **name**");
        return [typed, parts];
      },
    }),
    (0, vscode_1.languages.registerColorProvider)(selector, {
      provideDocumentColors: () => [new vscode.ColorInformation(r(0, 0, 0, 5), new vscode.Color(1, 0, 0, 1))],
      provideColorPresentations: (color, context) => {
        const presentation = new vscode.ColorPresentation("rgb(" + color.red * 255 + ", 0, 0)");
        presentation.textEdit = vscode.TextEdit.replace(context.range, presentation.label);
        return [presentation];
      },
    }),
    (0, vscode_1.languages.registerLinkedEditingRangeProvider)(selector, {
      provideLinkedEditingRanges: () => new vscode.LinkedEditingRanges([r(0, 1, 0, 4), r(1, 1, 1, 4)], /[a-z]+/),
    }),
  );
}"#,
    );
    let mut harness = api_harness(&script, one_document_snapshot(), package(json!({})));
    harness.activate().await.expect("activate");
    let mut registered = Vec::new();
    for _ in 0..6 {
        match harness
            .expect(|request| matches!(request, HostRequest::RegisterProvider { .. }))
            .await
        {
            HostRequest::RegisterProvider { handle, method, .. } => {
                registered.push((handle, method))
            }
            _ => unreachable!(),
        }
    }
    let methods: Vec<&str> = registered.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        methods,
        [
            "textDocument/documentHighlight",
            "textDocument/foldingRange",
            "textDocument/selectionRange",
            "textDocument/inlayHint",
            "textDocument/documentColor",
            "textDocument/linkedEditingRange"
        ]
    );
    let document = json!({ "uri": "file:///w/a.txt" });
    let at = json!({ "textDocument": document, "position": { "line": 1, "character": 4 } });
    assert_eq!(
        harness
            .invoke(1, "textDocument/documentHighlight", at.clone())
            .await,
        Ok(
            json!([{ "range": range(1, 0, 1, 3), "kind": 3 }, { "range": range(0, 0, 0, 1), "kind": 1 }])
        )
    );
    assert_eq!(
        harness
            .invoke(
                2,
                "textDocument/foldingRange",
                json!({ "textDocument": document })
            )
            .await,
        Ok(
            json!([{ "startLine": 0, "endLine": 2, "kind": "region" }, { "startLine": 1, "endLine": 2 }])
        )
    );
    assert_eq!(
        harness
            .invoke(
                3,
                "textDocument/selectionRange",
                json!({ "textDocument": document, "positions": [{ "line": 1, "character": 4 }] })
            )
            .await,
        Ok(json!([{ "range": range(1, 4, 1, 5), "parent": { "range": range(1, 0, 1, 7) } }]))
    );
    assert_eq!(
        harness
            .invoke(
                4,
                "textDocument/inlayHint",
                json!({ "textDocument": document, "range": range(0, 0, 2, 0) })
            )
            .await,
        Ok(json!([
            { "position": { "line": 0, "character": 3 }, "label": ": number", "kind": 1, "paddingLeft": true },
            { "position": { "line": 1, "character": 0 }, "label": [{ "value": "name:" }], "kind": 2,
              "tooltip": { "kind": "markdown", "value": "the **name**" } },
        ]))
    );
    assert_eq!(
        harness
            .invoke(
                5,
                "textDocument/documentColor",
                json!({ "textDocument": document })
            )
            .await,
        Ok(
            json!([{ "range": range(0, 0, 0, 5), "color": { "red": 1, "green": 0, "blue": 0, "alpha": 1 } }])
        )
    );
    assert_eq!(
        harness
            .invoke(
                5,
                "textDocument/colorPresentation",
                json!({ "textDocument": document, "range": range(0, 0, 0, 5),
                "color": { "red": 1, "green": 0, "blue": 0, "alpha": 1 } })
            )
            .await,
        Ok(
            json!([{ "label": "rgb(255, 0, 0)", "textEdit": { "range": range(0, 0, 0, 5), "newText": "rgb(255, 0, 0)" } }])
        )
    );
    assert_eq!(
        harness
            .invoke(6, "textDocument/linkedEditingRange", at)
            .await,
        Ok(json!({ "ranges": [range(0, 1, 0, 4), range(1, 1, 1, 4)], "wordPattern": "[a-z]+" }))
    );
}

#[tokio::test]
async fn providers_an_lsp_editor_never_asks_for_register_without_failing_activation() {
    let script = bundle(
        r#"
function activate(context) {
  const selector = { language: "typescript" };
  const disposables = [
    (0, vscode_1.languages.registerInlineCompletionItemProvider)(selector, { provideInlineCompletionItems: () => [] }),
    vscode.languages.registerInlineValuesProvider(selector, { provideInlineValues: () => [] }),
    vscode.languages.registerEvaluatableExpressionProvider(selector, { provideEvaluatableExpression: () => undefined }),
    vscode.languages.registerDocumentDropEditProvider(selector, { provideDocumentDropEdits: () => undefined }),
    vscode.languages.registerDocumentPasteEditProvider(selector, { provideDocumentPasteEdits: () => undefined }, { providedPasteEditKinds: [] }),
    vscode.languages.registerDocumentRangeSemanticTokensProvider(selector, { provideDocumentRangeSemanticTokens: () => undefined }, new vscode.SemanticTokensLegend(["type"])),
  ];
  context.subscriptions.push(...disposables);
  return disposables.map((disposable) => typeof disposable.dispose);
}"#,
    );
    let mut harness = api_harness(&script, json!({}), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!([
            "function", "function", "function", "function", "function", "function"
        ])
    );
    let (level, message) = harness
        .expect_log("registerInlineCompletionItemProvider is accepted")
        .await;
    assert_eq!(level, LogLevel::Warn, "{message}");
}

#[tokio::test]
async fn views_webviews_and_debuggers_register_without_failing_activation() {
    // What extensions with a tree view, a webview view and a debugger do in `activate`.
    let script = bundle(
        r#"
class NodeProvider { getChildren() { return []; } getTreeItem(element) { return new vscode.TreeItem(element); } }
async function activate(context) {
  const started = [];
  const registered = [
    (0, vscode_1.window.registerTreeDataProvider)("npmScripts", new NodeProvider()),
    vscode.window.registerWebviewViewProvider("calicoColors.colorsView", { resolveWebviewView() {} }),
    vscode.window.registerUriHandler({ handleUri() {} }),
    vscode.window.registerFileDecorationProvider({ provideFileDecoration: () => undefined }),
    vscode.debug.registerDebugConfigurationProvider("node", { provideDebugConfigurations: () => [] }),
    vscode.debug.registerDebugAdapterDescriptorFactory("mock", { createDebugAdapterDescriptor: () => undefined }),
    vscode.debug.onDidStartDebugSession((session) => started.push(session)),
  ];
  const view = vscode.window.createTreeView("npmScripts", { treeDataProvider: new NodeProvider(), showCollapseAll: true });
  view.onDidChangeSelection(() => {});
  view.message = "No scripts";
  context.subscriptions.push(...registered, view);
  return {
    disposables: registered.map((disposable) => typeof disposable.dispose),
    view: [view.visible, view.selection.length, view.message, typeof view.reveal],
    debug: [vscode.debug.activeDebugSession === undefined, vscode.debug.breakpoints.length, await vscode.debug.startDebugging(undefined, { type: "node", name: "x", request: "launch" })],
    started: started.length,
  };
}"#,
    );
    let harness = api_harness(&script, json!({}), package(json!({})));
    assert_eq!(
        harness.activate().await.expect("activate"),
        json!({
            "disposables": ["function", "function", "function", "function", "function", "function", "function"],
            "view": [false, 0, "No scripts", "function"],
            "debug": [true, 0, false],
            "started": 0,
        })
    );
}

#[tokio::test]
async fn reads_outside_the_allowed_folders_answer_the_same_whether_the_file_exists_or_not() {
    let workspace = tempfile::tempdir().expect("tempdir");
    let root = workspace.path().canonicalize().expect("canonical");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let outside = elsewhere.path().canonicalize().expect("canonical");
    write(&outside, "secret.js", "module.exports = 1;");
    let script = format!(
        r#"
        const vscode = require('vscode');
        const code = (promise) => promise.then(() => 'no error', (error) => error.code + ' ' + error.message);
        const thrown = (load) => {{ try {{ load(); return 'no error'; }} catch (error) {{ return error.message; }} }};
        exports.activate = async () => ({{
            statExisting: await code(vscode.workspace.fs.stat(vscode.Uri.file({existing:?}))),
            statMissing: await code(vscode.workspace.fs.stat(vscode.Uri.file({missing:?}))),
            requireExisting: thrown(() => require({existing:?})),
            requireMissing: thrown(() => require({missing:?})),
        }});"#,
        existing = outside.join("secret.js").display().to_string(),
        missing = outside.join("absent.js").display().to_string(),
    );
    let snapshot = json!({ "workspaceFolders": [{ "uri": format!("file://{}", root.display()), "name": "ws", "index": 0 }] });
    let harness = api_harness(&script, snapshot, package(json!({})));
    let answers = harness.activate().await.expect("activate");
    let same = |existing: &str, missing: &str| {
        let existing = answers[existing].as_str().expect("text").to_owned();
        let missing = answers[missing]
            .as_str()
            .expect("text")
            .replace("absent.js", "secret.js");
        assert_eq!(existing, missing, "{answers:#}");
        existing
    };
    let stat = same("statExisting", "statMissing");
    assert!(stat.starts_with("NoPermissions"), "{stat}");
    let required = same("requireExisting", "requireMissing");
    assert!(
        required.contains("outside the extension's folder"),
        "{required}"
    );
}

#[tokio::test]
async fn a_file_larger_than_the_memory_limit_is_refused_before_it_is_read() {
    let limits = Limits {
        memory_bytes: 16 * 1024 * 1024,
        ..Limits::default()
    };
    let huge = format!("[\"{}\"]", "x".repeat(20 * 1024 * 1024));
    let harness = Harness::with_host(
        &[
            (
                "main.js",
                "exports.activate = () => { try { require('./huge.json'); return 'loaded'; } catch (error) { return error.message; } };",
            ),
            ("huge.json", &huge),
        ],
        "main.js",
        limits,
        json!({ "name": "ext", "publisher": "test", "version": "1.0.0" }),
        std::sync::Arc::new(|_: &HostRequest| Ok(Value::Null)),
    );
    let answer = harness.activate().await.expect("activate");
    let message = answer.as_str().expect("a message");
    assert!(
        message.contains("huge.json") && message.contains("larger than 16 MB"),
        "{message}"
    );
}
