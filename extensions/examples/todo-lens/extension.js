// TODO Lens: marks TODO/FIXME notes in plain text documents with diagnostics, explains them on hover,
// completes the keywords, and offers a command that asks before clearing its diagnostics.
const vscode = require('vscode');

const NOTE = /\b(TODO|FIXME)\b:?(.*)/g;
// How long typing must pause before a changed document is scanned again.
const RESCAN_DELAY_MS = 150;
const EXPLANATIONS = {
  TODO: 'Something still to be done.',
  FIXME: 'Something known to be broken.',
};

function severity() {
  const name = vscode.workspace.getConfiguration('todoLens').get('severity', 'warning');
  return { error: vscode.DiagnosticSeverity.Error, information: vscode.DiagnosticSeverity.Information }[name]
    ?? vscode.DiagnosticSeverity.Warning;
}

function notesIn(document) {
  const diagnostics = [];
  for (let line = 0; line < document.lineCount; line += 1) {
    const text = document.lineAt(line).text;
    for (const match of text.matchAll(NOTE)) {
      const range = new vscode.Range(line, match.index, line, match.index + match[1].length);
      const diagnostic = new vscode.Diagnostic(range, `${match[1]}:${match[2]}`.trim(), severity());
      diagnostic.source = 'todo-lens';
      diagnostics.push(diagnostic);
    }
  }
  return diagnostics;
}

exports.activate = function activate(context) {
  const collection = vscode.languages.createDiagnosticCollection('todo-lens');
  const refresh = (document) => {
    if (document.languageId === 'plaintext') collection.set(document.uri, notesIn(document));
  };
  // Typing changes a document many times a second and a scan reads all of it: scan once the typing
  // pauses (as linters do), not on every keystroke.
  const pending = new Map();
  const refreshSoon = (document) => {
    const key = document.uri.toString();
    clearTimeout(pending.get(key));
    pending.set(key, setTimeout(() => {
      pending.delete(key);
      if (!document.isClosed) refresh(document);
    }, RESCAN_DELAY_MS));
  };
  vscode.workspace.textDocuments.forEach(refresh);
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(refresh),
    vscode.workspace.onDidChangeTextDocument((event) => refreshSoon(event.document)),
    vscode.workspace.onDidCloseTextDocument((document) => {
      clearTimeout(pending.get(document.uri.toString()));
      pending.delete(document.uri.toString());
      collection.delete(document.uri);
    }),
    vscode.languages.registerHoverProvider('plaintext', {
      provideHover(document, position) {
        const range = document.getWordRangeAtPosition(position, /TODO|FIXME/);
        if (!range) return undefined;
        const word = document.getText(range);
        return new vscode.Hover(new vscode.MarkdownString(`**${word}** — ${EXPLANATIONS[word]}`), range);
      },
    }),
    vscode.languages.registerCompletionItemProvider('plaintext', {
      provideCompletionItems() {
        return Object.keys(EXPLANATIONS).map((word) => {
          const item = new vscode.CompletionItem(word, vscode.CompletionItemKind.Keyword);
          item.insertText = new vscode.SnippetString(`${word}: \${1:what}`);
          item.documentation = new vscode.MarkdownString(EXPLANATIONS[word]);
          return item;
        });
      },
    }),
    vscode.commands.registerCommand('todoLens.clear', async () => {
      const answer = await vscode.window.showWarningMessage('Clear all TODO diagnostics?', 'Clear', 'Keep');
      if (answer === 'Clear') collection.clear();
      return answer ?? 'dismissed';
    }),
  );
};
