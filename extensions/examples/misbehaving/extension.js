// An extension that misbehaves on purpose: its command never returns. The host interrupts it after its
// time limit (500 ms here), marks it failed, tells the editor, and every other extension keeps working.
const vscode = require('vscode');

exports.activate = function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('misbehaving.spin', () => {
      for (;;) { /* spin */ }
    }),
  );
};
