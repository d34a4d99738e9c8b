// Primordials (deno's habit): the builtins the bootstrap and the shim's host-facing paths use, captured
// here, before any extension code runs, so that an extension overwriting `Array.prototype.map`,
// `JSON.stringify`, `Math.max`, `Promise.prototype.then`, `Object.keys` or a global such as `JSON`
// itself changes nothing the host does. Loaded first, in both engines (QuickJS and Deno), from this one
// file.
//
// Naming: a static method is `<Name><Method>` (`JSONStringify`, `MathMax`, `ObjectKeys`, bound to its
// namespace); a prototype method is `<Name>Prototype<Method>` and takes the receiver first
// (`ArrayPrototypeMap(list, fn)`, uncurried with `Function.prototype.call.bind`); an accessor is
// `<Name>PrototypeGet<Property>` (`MapPrototypeGetSize(map)`); a static constant is `<Name><Constant>`
// (`SymbolToPrimitive`); the constructors keep their names (`Map`, `Promise`, `Error`).
// `core.primordials` is frozen.
//
// Only the names in `NAMES` are made: every runtime pays for each one (a bound function and its atom),
// and making all of them was ~450 functions per runtime. A test (`primordials_table_is_what_the_js_uses`
// in runtime/quickjs/tests.rs) fails when the engines' JS takes a name from `core.primordials` or
// `host.primordials` that is not here, or when a name here is used nowhere.

const NAMES = [
  'Array', 'ArrayFrom', 'ArrayIsArray', 'ArrayPrototypeConcat', 'ArrayPrototypeFilter', 'ArrayPrototypeIncludes',
  'ArrayPrototypeJoin', 'ArrayPrototypeMap', 'ArrayPrototypePop', 'ArrayPrototypePush', 'ArrayPrototypeSlice',
  'Boolean', 'Date', 'DateNow', 'DatePrototypeToISOString', 'Error', 'Infinity', 'JSONParse', 'JSONStringify', 'Map',
  'MapPrototypeForEach', 'MathMax', 'MathTrunc', 'Number', 'NumberIsFinite', 'NumberPrototypeToFixed',
  'ObjectAssign', 'ObjectCreate', 'ObjectDefineProperty', 'ObjectFreeze', 'ObjectGetOwnPropertyDescriptor',
  'ObjectGetOwnPropertyNames', 'ObjectGetPrototypeOf', 'ObjectIs', 'ObjectKeys', 'ObjectPrototypeHasOwnProperty',
  'ObjectSetPrototypeOf', 'Promise', 'PromisePrototypeThen', 'PromiseReject', 'PromiseResolve', 'Proxy', 'ReflectApply', 'ReflectGet', 'RegExp',
  'RegExpPrototypeTest', 'SafeMap', 'SafeMapValues', 'Set', 'SetPrototypeHas', 'String', 'StringPrototypeReplace',
  'StringPrototypeSlice', 'StringPrototypeStartsWith', 'Symbol', 'SymbolPrototypeToString', 'SymbolToPrimitive',
  'TypeError', 'Uint8Array', 'isNaN', 'parseFloat',
];

const uncurryThis = Function.prototype.bind.bind(Function.prototype.call);
const bindTo = (target, method) => Function.prototype.bind.call(method, target);
const objectFreeze = Object.freeze;
const describeOwn = Object.getOwnPropertyDescriptor;

// A `Map` whose methods cannot be replaced from outside (`Map.prototype.get = …` does not reach it).
class SafeMap extends Map {}
for (const key of ['get', 'set', 'has', 'delete', 'clear', 'forEach', 'keys', 'values', 'entries']) {
  const method = Map.prototype[key];
  Object.defineProperty(SafeMap.prototype, key, { value: method, writable: false, configurable: false });
}
Object.defineProperty(SafeMap.prototype, 'size', { get: describeOwn(Map.prototype, 'size').get, configurable: false });
objectFreeze(SafeMap.prototype);

const mapForEach = uncurryThis(Map.prototype.forEach);

// Names that are not `<Source><Member>`.
const plain = {
  globalThis, isNaN, parseFloat, Infinity, SafeMap,
  // The values of a Map (or Set) as an array, without its (replaceable) iterator protocol.
  SafeMapValues: (map) => {
    const values = [];
    mapForEach(map, (value) => { values[values.length] = value; });
    return values;
  },
};

// Where `<Source>…` names come from: namespaces (static members only) and constructors (the constructor,
// its static members, its prototype's).
const sources = {
  JSON, Math, Reflect, Array, ArrayBuffer, Boolean, Date, Error, Function, Map, Number, Object, Promise,
  Proxy, RangeError, RegExp, Set, String, Symbol, SyntaxError, TypeError, Uint8Array, WeakMap,
};
const sourceNames = Object.keys(sources);

// `Method` → `method`, `ToISOString` → `toISOString`.
function lowered(member) {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

// `member` of `holder` (a method, `Get<Property>` for an accessor, or a constant), made by `wrap`.
function memberOf(holder, member, wrap) {
  for (const key of [lowered(member), member]) {
    const descriptor = describeOwn(holder, key);
    if (!descriptor) continue;
    if (typeof descriptor.value === 'function') return wrap(holder, descriptor.value);
    if (descriptor.value !== undefined) return descriptor.value;
  }
  if (member.startsWith('Get')) {
    const descriptor = describeOwn(holder, lowered(member.slice(3)));
    if (descriptor && typeof descriptor.get === 'function') return uncurryThis(descriptor.get);
  }
  return undefined;
}

function resolve(name) {
  if (Object.prototype.hasOwnProperty.call(plain, name)) return plain[name];
  let source = '';
  for (const candidate of sourceNames) {
    if (name.startsWith(candidate) && candidate.length > source.length) source = candidate;
  }
  const holder = sources[source];
  if (holder === undefined) return undefined;
  const member = name.slice(source.length);
  if (member === '') return holder;
  if (member.startsWith('Prototype') && holder.prototype) {
    return memberOf(holder.prototype, member.slice('Prototype'.length), (_, method) => uncurryThis(method));
  }
  return memberOf(holder, member, bindTo);
}

const primordials = {};
for (const name of NAMES) {
  const value = resolve(name);
  if (value === undefined) throw new Error('exthost primordials: no builtin for ' + name);
  primordials[name] = value;
}

core.primordials = objectFreeze(primordials);
