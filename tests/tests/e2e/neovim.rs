//! A real editor as the client: headless Neovim's built-in LSP client starts `exthost serve` as a
//! language server, opens a file, and gets a hover and completions that a JS extension provides.
//!
//! Neovim comes from Debian's packages (`.ci/run` installs it). Without `nvim` on the PATH this test fails
//! under CI (`CI=true`) and, elsewhere, says so on stderr and checks nothing.

use std::process::Stdio;

use exthost_e2e::{binary, external_program, write_extension};
use serde_json::{Value, json};

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

/// Lua run by Neovim: start the server, attach it to the buffer, ask until the providers answer, write the
/// answers as JSON, quit.
const SCRIPT: &str = r#"
local out = os.getenv('EXTHOST_NVIM_OUT')
local function finish(result)
  vim.fn.writefile({ vim.fn.json_encode(result) }, out)
  vim.cmd('qa!')
end
local client_id = vim.lsp.start_client({
  name = 'exthost',
  cmd = { os.getenv('EXTHOST_BIN'), 'serve', '--extensions-dir', os.getenv('EXTHOST_NVIM_EXTENSIONS') },
  root_dir = vim.fn.getcwd(),
})
if not client_id then finish({ error = 'start_client failed' }) return end
local buffer = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buffer, client_id)
local ready = vim.wait(10000, function()
  local client = vim.lsp.get_client_by_id(client_id)
  return client ~= nil and client.initialized
end, 20)
if not ready then finish({ error = 'the server did not initialize' }) return end
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
    let script = workspace.path().join("init.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let out = workspace.path().join("answers.json");

    let status = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        tokio::process::Command::new(nvim)
            .args(["--headless", "--clean", "-n", "-i", "NONE"])
            .arg("-c")
            .arg(format!("luafile {}", script.display()))
            .arg(&file)
            .current_dir(workspace.path())
            .env("EXTHOST_BIN", binary())
            .env("EXTHOST_NVIM_EXTENSIONS", extensions.path())
            .env("EXTHOST_NVIM_OUT", &out)
            .env("EXTHOST_HOME", home.path())
            .env("EXTHOST_BUILTIN_DIR", "")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .status(),
    )
    .await
    .expect("neovim finishes within a minute")
    .expect("neovim runs");
    assert!(status.success(), "neovim exited with {status}");
    let answers: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("neovim wrote its answers"))
            .expect("the answers are JSON");
    assert!(answers.get("error").is_none(), "{answers:#}");
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
