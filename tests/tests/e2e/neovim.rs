//! A real editor as the client: headless Neovim's built-in LSP client starts `exthost serve` as a
//! language server, opens a file, and gets a hover and completions that a JS extension provides.
//!
//! Neovim comes from Debian's packages (`.ci/run` installs it). Without `nvim` on the PATH this test fails
//! under CI (`CI=true`) and, elsewhere, says so on stderr and checks nothing.

use exthost_e2e::{external_program, neovim, write_extension};
use serde_json::json;

const EXTENSION: &str = r#"
const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(
    vscode.languages.registerHoverProvider('text', {
      provideHover(document, position) {
        const range = document.getWordRangeAtPosition(position);
        const word = range ? document.getText(range) : '';
        return new vscode.Hover(new vscode.MarkdownString(`**${word}** has ${word.length} letters`), range);
      },
    }),
    vscode.languages.registerCompletionItemProvider('text', {
      provideCompletionItems(document, position) {
        const item = new vscode.CompletionItem('exthost-from-js', vscode.CompletionItemKind.Keyword);
        item.detail = `line ${position.line}`;
        return [item];
      },
    }),
  );
};
"#;

/// Lua run by Neovim once the server is attached (`exthost_e2e::neovim`): ask until the providers
/// answer, write the answers as JSON, quit.
const SCRIPT: &str = r#"
local position = { textDocument = { uri = vim.uri_from_bufnr(buffer) }, position = { line = 0, character = 2 } }
local hover, completion
vim.wait(15000, function()
  local answers = vim.lsp.buf_request_sync(buffer, 'textDocument/hover', position, 2000) or {}
  for _, answer in pairs(answers) do
    if answer.result then hover = answer.result end
  end
  return hover ~= nil
end, 50)
local answers = vim.lsp.buf_request_sync(buffer, 'textDocument/completion', position, 5000) or {}
for _, answer in pairs(answers) do
  if answer.result then completion = answer.result end
end
local client = vim.lsp.get_client_by_id(client_id)
finish({ hover = hover or vim.NIL, completion = completion or vim.NIL, server = client.server_capabilities and client.server_capabilities.hoverProvider or vim.NIL })
"#;

#[tokio::test]
async fn neovim_gets_a_hover_and_completions_from_a_js_extension() {
    let Some(nvim) = external_program("nvim", None, "apt-get install neovim") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let extensions = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    write_extension(
        extensions.path(),
        "words",
        &json!({"id": "test.words", "name": "Words", "version": "1.0.0", "main": "extension.js",
                "activationEvents": ["onLanguage:text"]}),
        &[("extension.js", EXTENSION)],
    );
    let file = workspace.path().join("notes.txt");
    std::fs::write(&file, "hello neovim\n").unwrap();
    let answers = neovim::Session {
        program: &nvim,
        file: &file,
        extensions: extensions.path(),
        home: home.path(),
        env: &[],
        script: SCRIPT,
        timeout: std::time::Duration::from_secs(60),
    }
    .run()
    .await;
    assert_eq!(
        answers["hover"]["contents"]["kind"], "markdown",
        "{answers:#}"
    );
    assert_eq!(
        answers["hover"]["contents"]["value"], "**hello** has 5 letters",
        "{answers:#}"
    );
    let items = answers["completion"]["items"]
        .as_array()
        .expect("a completion list");
    let item = items
        .iter()
        .find(|item| item["label"] == "exthost-from-js")
        .expect("the JS item");
    assert_eq!(item["detail"], "line 0");
    assert_eq!(item["kind"], 14, "Keyword is 14 in LSP");
}
