// File URIs as plain objects ({scheme, path, fsPath, toString()}) until vscode.Uri is implemented.

shim.fileUri = function fileUri(fsPath) {
  return {
    scheme: 'file',
    authority: '',
    path: fsPath,
    query: '',
    fragment: '',
    fsPath,
    toString() {
      return 'file://' + encodeURI(fsPath).replace(/[?#]/g, encodeURIComponent);
    },
    toJSON() {
      return { scheme: 'file', authority: '', path: fsPath, query: '', fragment: '', fsPath };
    },
  };
};
