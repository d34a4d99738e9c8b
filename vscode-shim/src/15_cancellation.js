// vscode.CancellationTokenSource and CancellationError, plus the tokens the host can cancel: each
// provider call and each `withProgress` task gets a source registered under a number, and
// RuntimeRequest::Cancel{token} cancels it.

class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

// The listeners of one token; created lazily, like VS Code's MutableToken.
class MutableToken {
  constructor() {
    this._cancelled = false;
    this._emitter = undefined;
  }

  get isCancellationRequested() {
    return this._cancelled;
  }

  get onCancellationRequested() {
    if (this._cancelled) {
      return (listener, thisArgs, disposables) => {
        const handle = setTimeout(() => listener.call(thisArgs, undefined), 0);
        const subscription = new shim.Disposable(() => clearTimeout(handle));
        if (Array.isArray(disposables)) disposables.push(subscription);
        return subscription;
      };
    }
    if (!this._emitter) this._emitter = new shim.EventEmitter();
    return this._emitter.event;
  }

  _cancel() {
    if (this._cancelled) return;
    this._cancelled = true;
    if (this._emitter) {
      this._emitter.fire(undefined);
      this._emitter.dispose();
      this._emitter = undefined;
    }
  }
}

class CancellationTokenSource {
  constructor(parent) {
    this._token = undefined;
    this._parentListener = parent && parent.onCancellationRequested ? parent.onCancellationRequested(() => this.cancel()) : undefined;
  }

  get token() {
    if (!this._token) this._token = new MutableToken();
    return this._token;
  }

  cancel() {
    this.token._cancel();
  }

  dispose(cancel = false) {
    if (cancel) this.cancel();
    if (this._parentListener) this._parentListener.dispose();
  }
}

// Tokens the host may cancel, by number (the host's Cancel is dispatched with builtins captured before
// extension code ran).
const cancellable = new host.primordials.SafeMap();

shim.internal.cancellationSource = (id) => {
  const source = new CancellationTokenSource();
  cancellable.set(Number(id), source);
  return source;
};

shim.internal.releaseCancellation = (id) => {
  cancellable.delete(Number(id));
};

shim.internal.cancel = (id) => {
  const source = cancellable.get(Number(id));
  if (source) source.cancel();
  return null;
};

shim.CancellationTokenSource = CancellationTokenSource;
shim.CancellationError = CancellationError;
