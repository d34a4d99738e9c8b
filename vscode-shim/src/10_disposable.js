// vscode.Disposable.

class Disposable {
  static from(...disposables) {
    return new Disposable(() => {
      for (const disposable of disposables) {
        if (disposable && typeof disposable.dispose === 'function') disposable.dispose();
      }
    });
  }

  constructor(callOnDispose) {
    if (typeof callOnDispose !== 'function') throw new TypeError('Disposable: callOnDispose must be a function');
    this._callOnDispose = callOnDispose;
  }

  dispose() {
    const callOnDispose = this._callOnDispose;
    if (typeof callOnDispose === 'function') {
      this._callOnDispose = undefined;
      callOnDispose();
    }
  }
}

shim.Disposable = Disposable;
