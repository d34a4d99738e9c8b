// vscode.EventEmitter: `event(listener, thisArgs?, disposables?)` subscribes, `fire(data)` calls every
// listener (one that throws is reported and the others still run), `dispose()` drops them all.

const { Disposable } = shim;

class EventEmitter {
  constructor() {
    this._listeners = [];
    this._disposed = false;
    this._event = undefined;
    // Set by the shim where the host wants to know whether anyone listens: called with `true` when the
    // first listener is added and `false` when the last is gone (once per transition).
    this._onListening = undefined;
  }

  get event() {
    if (this._event === undefined) {
      this._event = (listener, thisArgs, disposables) => {
        if (typeof listener !== 'function') throw new TypeError('EventEmitter.event: listener must be a function');
        if (this._disposed) return new Disposable(() => {});
        const entry = { listener, thisArgs };
        this._listeners.push(entry);
        if (this._listeners.length === 1 && this._onListening) this._onListening(true);
        const subscription = new Disposable(() => {
          const index = this._listeners.indexOf(entry);
          if (index < 0) return;
          this._listeners.splice(index, 1);
          if (this._listeners.length === 0 && this._onListening) this._onListening(false);
        });
        if (Array.isArray(disposables)) disposables.push(subscription);
        return subscription;
      };
    }
    return this._event;
  }

  fire(data) {
    // The listeners as they were when it fired: one that subscribes or disposes during the event
    // changes the next one (a single listener needs no copy: what it adds comes after it).
    const count = this._listeners.length;
    const listeners = count === 1 ? this._listeners : this._listeners.slice();
    for (let index = 0; index < count; index++) {
      const entry = listeners[index];
      try {
        entry.listener.call(entry.thisArgs, data);
      } catch (error) {
        host.reportUncaught('an event listener', error);
      }
    }
  }

  dispose() {
    this._disposed = true;
    const had = this._listeners.length > 0;
    this._listeners = [];
    if (had && this._onListening) this._onListening(false);
  }
}

shim.EventEmitter = EventEmitter;
