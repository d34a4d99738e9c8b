// Exports an API other extensions reach through vscode.extensions.getExtension(...).exports.
const greetings = { en: 'Hello', fr: 'Bonjour', de: 'Hallo', es: 'Hola' };

exports.activate = function activate() {
  console.log('greetings ready');
  return {
    languages: Object.keys(greetings),
    greet(name, language) {
      return `${greetings[language] || greetings.en}, ${name}!`;
    },
  };
};
