// Primordials (deno's habit): the builtins the bootstrap and the shim's host-facing paths use, captured
// here, before any extension code runs, so that an extension overwriting `Array.prototype.map`,
// `JSON.stringify`, `Math.max`, `Promise.prototype.then`, `Object.keys` or a global such as `JSON`
// itself changes nothing the host does. Loaded first, in both engines (QuickJS and Deno), from this one
// file.
//
// Naming: a static method is `<Name><Method>` (`JSONStringify`, `MathMax`, `ObjectKeys`, bound to its
// namespace); a prototype method is `<Name>Prototype<Method>` and takes the receiver first
// (`ArrayPrototypeMap(list, fn)`, uncurried with `Function.prototype.call.bind`); an accessor is
// `<Name>PrototypeGet<Property>` (`MapPrototypeGetSize(map)`); the constructors keep their names
// (`Map`, `Promise`, `Error`). `core.primordials` is frozen.

const uncurryThis = Function.prototype.bind.bind(Function.prototype.call);
const bindTo = (target) => (method) => Function.prototype.bind.call(method, target);
const objectFreeze = Object.freeze;
const ownKeys = Reflect.ownKeys;
const describeOwn = Object.getOwnPropertyDescriptor;

const primordials = { uncurryThis };

function capitalised(key) {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

// Copies `source`'s own methods (and accessors, with `Get`) as `<prefix><Method>`, each made by `wrap`.
function copy(source, prefix, wrap) {
  const keys = ownKeys(source);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index];
    if (typeof key !== 'string') continue;
    const descriptor = describeOwn(source, key);
    const name = prefix + capitalised(key);
    if (typeof descriptor.value === 'function' && key !== 'constructor') {
      primordials[name] = wrap(descriptor.value);
    } else if (typeof descriptor.get === 'function') {
      primordials[prefix + 'Get' + capitalised(key)] = uncurryThis(descriptor.get);
    } else if (prefix !== '' && descriptor.value !== undefined && typeof descriptor.value !== 'object') {
      primordials[name] = descriptor.value;
    }
  }
}

// Namespaces: static methods and constants only.
const namespaces = { JSON, Math, Reflect };
for (const name of ownKeys(namespaces)) copy(namespaces[name], name, bindTo(namespaces[name]));

// Constructors: the constructor, its static methods, its prototype's methods.
const constructors = {
  Array, ArrayBuffer, Boolean, Date, Error, Function, Map, Number, Object, Promise, RangeError, RegExp,
  Set, String, Symbol, SyntaxError, TypeError, Uint8Array, WeakMap,
};
for (const name of ownKeys(constructors)) {
  const constructor = constructors[name];
  primordials[name] = constructor;
  copy(constructor, name, bindTo(constructor));
  if (constructor.prototype) copy(constructor.prototype, name + 'Prototype', uncurryThis);
}

primordials.globalThis = globalThis;
primordials.isNaN = isNaN;
primordials.parseFloat = parseFloat;
primordials.Infinity = Infinity;
primordials.SymbolFor = Symbol.for;
primordials.SymbolToPrimitive = Symbol.toPrimitive;
primordials.SymbolIterator = Symbol.iterator;

// A `Map` whose methods cannot be replaced from outside (`Map.prototype.get = …` does not reach it).
class SafeMap extends Map {}
for (const key of ['get', 'set', 'has', 'delete', 'clear', 'forEach', 'keys', 'values', 'entries']) {
  const method = Map.prototype[key];
  Object.defineProperty(SafeMap.prototype, key, { value: method, writable: false, configurable: false });
}
Object.defineProperty(SafeMap.prototype, 'size', { get: describeOwn(Map.prototype, 'size').get, configurable: false });
objectFreeze(SafeMap.prototype);
primordials.SafeMap = SafeMap;

// The values of a Map (or Set) as an array, without its (replaceable) iterator protocol.
primordials.SafeMapValues = (map) => {
  const values = [];
  primordials.MapPrototypeForEach(map, (value) => { values[values.length] = value; });
  return values;
};

core.primordials = objectFreeze(primordials);
