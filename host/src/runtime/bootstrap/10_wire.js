// The wire format between an extension and the host, in both engines: JSON-able copies of values, where
// functions in an extension's exports become `{"$exthostFunction": path}` markers, and markers received
// from another extension become functions that call it through the host (`core.hostCall`, set by the
// engine's transport).

const {
  ArrayIsArray, ArrayPrototypeIncludes, ArrayPrototypePush, ArrayPrototypePop, ArrayPrototypeSlice,
  ArrayPrototypeConcat, NumberIsFinite, ObjectKeys, ObjectGetPrototypeOf, ObjectGetOwnPropertyNames,
  ObjectGetOwnPropertyDescriptor, ObjectDefineProperty, PromisePrototypeThen, ReflectApply, String, Array,
} = core.primordials;

// An own data property, as an assignment would make on a plain object — but never calling a setter an
// extension put on `Object.prototype` or `Array.prototype`. One descriptor object is reused (a wire copy
// sets one property per member); it is read before `ObjectDefineProperty` returns, so reuse is safe.
const ownDescriptor = { value: undefined, writable: true, enumerable: true, configurable: true };
function setOwn(target, key, value) {
  ownDescriptor.value = value;
  ObjectDefineProperty(target, key, ownDescriptor);
  ownDescriptor.value = undefined;
}

const FUNCTION_MARKER = '$exthostFunction';
const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;

// The enumerable own keys, plus methods found on the prototype chain when functions are marked (so an
// exported class instance keeps its methods).
function wireKeys(value, markFunctions) {
  const keys = ObjectKeys(value);
  if (!markFunctions) return keys;
  let prototype = ObjectGetPrototypeOf(value);
  while (prototype && prototype !== objectPrototype && prototype !== arrayPrototype) {
    const names = ObjectGetOwnPropertyNames(prototype);
    for (let index = 0; index < names.length; index++) {
      const key = names[index];
      if (key === 'constructor' || ArrayPrototypeIncludes(keys, key)) continue;
      const descriptor = ObjectGetOwnPropertyDescriptor(prototype, key);
      if (descriptor && typeof descriptor.value === 'function') ArrayPrototypePush(keys, key);
    }
    prototype = ObjectGetPrototypeOf(prototype);
  }
  return keys;
}

// A JSON-able copy of `value`. With `markFunctions`, functions become {"$exthostFunction": path};
// otherwise they are dropped as JSON.stringify drops them. Cycles are cut. The path to each member is
// kept only when functions are marked (nothing else reads it).
function toWireValue(value, markFunctions) {
  // A primitive (what most commands answer) needs no walk; what JSON cannot carry is null, as below.
  switch (typeof value) {
    case 'undefined': case 'symbol': return null;
    case 'bigint': return String(value);
    case 'number': return NumberIsFinite(value) ? value : null;
    case 'string': case 'boolean': return value;
  }
  if (value === null) return null;
  const seen = [];
  function walk(current, path) {
    switch (typeof current) {
      case 'undefined': case 'symbol': return undefined;
      case 'function': return markFunctions ? { [FUNCTION_MARKER]: ArrayPrototypeSlice(path) } : undefined;
      case 'bigint': return String(current);
      case 'number': return NumberIsFinite(current) ? current : null;
      case 'string': case 'boolean': return current;
    }
    if (current === null) return null;
    if (ArrayPrototypeIncludes(seen, current)) return undefined;
    if (typeof current.toJSON === 'function') {
      const replaced = ReflectApply(current.toJSON, current, []);
      if (replaced !== current) {
        ArrayPrototypePush(seen, current);
        try { return walk(replaced, path); } finally { ArrayPrototypePop(seen); }
      }
    }
    ArrayPrototypePush(seen, current);
    try {
      if (ArrayIsArray(current)) {
        // A plain loop, not `map`: one JS frame per level of nesting, so deep values fit the stack.
        const result = new Array(current.length);
        for (let index = 0; index < current.length; index++) {
          const wired = walk(current[index], markFunctions ? ArrayPrototypeConcat(path, String(index)) : path);
          setOwn(result, index, wired === undefined ? null : wired);
        }
        return result;
      }
      const result = {};
      const keys = wireKeys(current, markFunctions);
      for (let index = 0; index < keys.length; index++) {
        const key = keys[index];
        const wired = walk(current[key], markFunctions ? ArrayPrototypeConcat(path, key) : path);
        if (wired !== undefined) setOwn(result, key, wired);
      }
      return result;
    } finally {
      ArrayPrototypePop(seen);
    }
  }
  const wired = walk(value, []);
  return wired === undefined ? null : wired;
}

// Turns function markers in a value received from extension `owner` back into functions that call it.
function fromWire(value, owner) {
  if (ArrayIsArray(value)) {
    const result = new Array(value.length);
    for (let index = 0; index < value.length; index++) setOwn(result, index, fromWire(value[index], owner));
    return result;
  }
  if (value !== null && typeof value === 'object') {
    const keys = ObjectKeys(value);
    if (keys.length === 1 && keys[0] === FUNCTION_MARKER && ArrayIsArray(value[FUNCTION_MARKER])) {
      const path = value[FUNCTION_MARKER];
      const names = new Array(path.length);
      for (let index = 0; index < path.length; index++) setOwn(names, index, String(path[index]));
      return exportProxy(owner, names);
    }
    const result = {};
    for (let index = 0; index < keys.length; index++) setOwn(result, keys[index], fromWire(value[keys[index]], owner));
    return result;
  }
  return value;
}

function exportProxy(owner, path) {
  const name = path.length ? path[path.length - 1] : 'exports';
  return {
    [name](...args) {
      return PromisePrototypeThen(
        core.hostCall('callExport', { id: owner, path, arguments: toWireValue(args, false) }),
        (result) => fromWire(result, owner),
      );
    },
  }[name];
}

core.setOwn = setOwn;
core.FUNCTION_MARKER = FUNCTION_MARKER;
core.toWireValue = toWireValue;
core.fromWire = fromWire;
