// `events`: EventEmitter, once().

shim.nodeDefine('events', () => {
  const listenersOf = (emitter) => {
    if (!Object.prototype.hasOwnProperty.call(emitter, '_events') || !emitter._events) {
      Object.defineProperty(emitter, '_events', { value: new Map(), writable: true, configurable: true });
    }
    return emitter._events;
  };

  class EventEmitter {
    constructor() { listenersOf(this); this._maxListeners = undefined; }
    on(name, listener) { return this.addListener(name, listener); }
    addListener(name, listener) {
      if (typeof listener !== 'function') throw new TypeError('The "listener" argument must be of type function');
      const events = listenersOf(this);
      if (events.has('newListener') && name !== 'newListener') this.emit('newListener', name, listener.listener || listener);
      if (!events.has(name)) events.set(name, []);
      events.get(name).push(listener);
      return this;
    }
    prependListener(name, listener) {
      const events = listenersOf(this);
      if (!events.has(name)) events.set(name, []);
      events.get(name).unshift(listener);
      return this;
    }
    once(name, listener) {
      const wrapper = (...args) => { this.removeListener(name, wrapper); return listener.apply(this, args); };
      wrapper.listener = listener;
      return this.on(name, wrapper);
    }
    prependOnceListener(name, listener) {
      const wrapper = (...args) => { this.removeListener(name, wrapper); return listener.apply(this, args); };
      wrapper.listener = listener;
      return this.prependListener(name, wrapper);
    }
    off(name, listener) { return this.removeListener(name, listener); }
    removeListener(name, listener) {
      const list = listenersOf(this).get(name);
      if (!list) return this;
      const index = list.findIndex((item) => item === listener || item.listener === listener);
      if (index >= 0) list.splice(index, 1);
      if (!list.length) listenersOf(this).delete(name);
      return this;
    }
    removeAllListeners(name) {
      if (name === undefined) listenersOf(this).clear();
      else listenersOf(this).delete(name);
      return this;
    }
    emit(name, ...args) {
      const list = listenersOf(this).get(name);
      if (!list || !list.length) {
        if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error('Unhandled error. (' + String(args[0]) + ')');
        return false;
      }
      for (const listener of list.slice()) listener.apply(this, args);
      return true;
    }
    listeners(name) { return (listenersOf(this).get(name) || []).map((item) => item.listener || item); }
    rawListeners(name) { return (listenersOf(this).get(name) || []).slice(); }
    listenerCount(name) { return (listenersOf(this).get(name) || []).length; }
    eventNames() { return Array.from(listenersOf(this).keys()); }
    setMaxListeners(count) { this._maxListeners = count; return this; }
    getMaxListeners() { return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners; }
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.once = (emitter, name) => new Promise((resolve, reject) => {
    const onError = (error) => { emitter.removeListener(name, onEvent); reject(error); };
    const onEvent = (...args) => { emitter.removeListener('error', onError); resolve(args); };
    emitter.once(name, onEvent);
    if (name !== 'error') emitter.once('error', onError);
  });
  EventEmitter.listenerCount = (emitter, name) => emitter.listenerCount(name);
  return EventEmitter;
});
