const vscode = require('vscode');

exports.activate = function activate(context) {
  const greetings = vscode.extensions.getExtension('com.exthost.greetings').exports;
  context.subscriptions.push(
    vscode.commands.registerCommand('hello.say', async (name = 'world', language = 'en') => {
      return greetings.greet(name, language);
    }),
  );
};

exports.deactivate = function deactivate() {
  console.log('hello: goodbye');
};
