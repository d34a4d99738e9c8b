//! Headless Neovim as the editor: its built-in LSP client starts `exthost serve` as the language server of
//! one file, runs a test's Lua, and writes what the test's Lua gathered as JSON for the test to check.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::binary;

/// The Lua every driver runs first: `finish(result)` (writes `result` as JSON and quits), the server
/// started and attached to the current buffer (`buffer`, `client_id`), and a wait until it is initialised.
/// A failure on the way finishes with `{error}`.
const PRELUDE: &str = r#"
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
"#;

/// One Neovim session against `exthost serve --extensions-dir <extensions>`.
#[derive(Debug)]
pub struct Session<'a> {
    /// The `nvim` program.
    pub program: &'a Path,
    /// The file Neovim opens; its folder is the workspace (Neovim's working directory) and holds the
    /// script and the answers.
    pub file: &'a Path,
    /// The host's `--extensions-dir`.
    pub extensions: &'a Path,
    /// The host's `EXTHOST_HOME`.
    pub home: &'a Path,
    /// More environment variables for Neovim and so for the host (e.g. `EXTHOST_DENO`).
    pub env: &'a [(&'a str, &'a Path)],
    /// The test's Lua, run after [`PRELUDE`] (it has `buffer`, `client_id` and `finish`).
    pub script: &'a str,
    /// How long Neovim may take in all.
    pub timeout: Duration,
}

impl Session<'_> {
    /// Runs Neovim to the end and answers what the script passed to `finish`; fails the test if Neovim
    /// fails, takes too long, or the script finished with an `error`.
    pub async fn run(&self) -> Value {
        let workspace = self.file.parent().expect("the file is in a folder");
        let script = workspace.join("init.lua");
        std::fs::write(&script, format!("{PRELUDE}{}", self.script)).expect("write the script");
        let out = workspace.join("answers.json");
        let status = tokio::time::timeout(
            self.timeout,
            tokio::process::Command::new(self.program)
                .args(["--headless", "--clean", "-n", "-i", "NONE"])
                .arg(self.file)
                .arg("-c")
                .arg(format!("luafile {}", script.display()))
                .current_dir(workspace)
                .env("EXTHOST_BIN", binary())
                .env("EXTHOST_NVIM_EXTENSIONS", self.extensions)
                .env("EXTHOST_NVIM_OUT", &out)
                .env("EXTHOST_HOME", self.home)
                .env("EXTHOST_BUILTIN_DIR", "")
                .envs(self.env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .kill_on_drop(true)
                .status(),
        )
        .await
        .unwrap_or_else(|_| panic!("neovim finishes within {:?}", self.timeout))
        .expect("neovim runs");
        assert!(status.success(), "neovim exited with {status}");
        let answers: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("neovim wrote its answers"))
                .expect("the answers are JSON");
        assert!(answers.get("error").is_none(), "{answers:#}");
        answers
    }
}
