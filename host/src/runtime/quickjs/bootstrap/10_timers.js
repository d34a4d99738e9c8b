// QuickJS: timers (`setTimeout`, `setInterval`, `setImmediate`, their `clear*`), `queueMicrotask` and
// `performance`, run by the Rust event loop through `runTimer` and `nextTimerDelay` (which Rust clamps
// again: see `quickjs.rs::timer_wait`). Every change to the timers calls `native.timersChanged()`: the
// event loop asks `nextTimerDelay` again only after one.

const {
  MathMax, Number, PromisePrototypeThen, PromiseResolve, ReflectApply, SafeMap, TypeError, DateNow,
  ObjectDefineProperty, ObjectKeys, SymbolToPrimitive, Infinity,
} = core.primordials;
const native = core.native;

const timers = new SafeMap();
let nextTimerId = 1;

class Timeout {
  constructor(id) { this._id = id; }
  ref() { return this; }
  unref() { return this; }
  hasRef() { return true; }
  refresh() {
    const timer = timers.get(this._id);
    if (timer) {
      timer.due = native.now() + timer.delay;
      native.timersChanged();
    }
    return this;
  }
  [SymbolToPrimitive]() { return this._id; }
}

function addTimer(callback, delay, args, repeat) {
  if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
  delay = Number(delay);
  if (!(delay >= 0) || delay > 2147483647) delay = 0;
  const id = nextTimerId++;
  timers.set(id, { callback, args, delay, due: native.now() + delay, repeat });
  native.timersChanged();
  return new Timeout(id);
}

function clearTimer(handle) {
  if (handle !== undefined && handle !== null && timers.delete(Number(handle))) native.timersChanged();
}

// Runs the earliest due timer (ties in creation order); false when none is due.
function runTimer() {
  const now = native.now();
  let chosenId = 0;
  let chosen = null;
  timers.forEach((timer, id) => {
    if (timer.due <= now && (chosen === null || timer.due < chosen.due)) {
      chosenId = id;
      chosen = timer;
    }
  });
  if (chosen === null) return false;
  native.timersChanged();
  if (chosen.repeat) chosen.due = now + MathMax(chosen.delay, 1);
  else timers.delete(chosenId);
  try {
    ReflectApply(chosen.callback, undefined, chosen.args);
  } catch (error) {
    core.reportUncaught('a timer callback', error);
  }
  return true;
}

// Milliseconds until the earliest timer is due, or -1 when there is none.
function nextTimerDelay() {
  let earliest = Infinity;
  timers.forEach((timer) => { if (timer.due < earliest) earliest = timer.due; });
  return earliest === Infinity ? -1 : MathMax(0, earliest - native.now());
}

const globals = {
  setTimeout: (callback, delay, ...args) => addTimer(callback, delay, args, false),
  setInterval: (callback, delay, ...args) => addTimer(callback, delay, args, true),
  setImmediate: (callback, ...args) => addTimer(callback, 0, args, false),
  clearTimeout: clearTimer,
  clearInterval: clearTimer,
  clearImmediate: clearTimer,
  queueMicrotask: (callback) => {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    PromisePrototypeThen(PromiseResolve(), () => {
      try {
        callback();
      } catch (error) {
        core.reportUncaught('a microtask', error);
      }
    });
  },
  performance: { now: () => native.now(), timeOrigin: DateNow() - native.now() },
};
const names = ObjectKeys(core.globals);
for (let index = 0; index < names.length; index++) globals[names[index]] = core.globals[names[index]];
const all = ObjectKeys(globals);
for (let index = 0; index < all.length; index++) {
  ObjectDefineProperty(globalThis, all[index], { value: globals[all[index]], writable: true, configurable: true, enumerable: false });
}

core.runTimer = runTimer;
core.nextTimerDelay = nextTimerDelay;
core.afterDeactivate = () => {
  timers.clear();
  native.timersChanged();
};
