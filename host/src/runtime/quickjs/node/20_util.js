// `util` (format, inspect, promisify, callbackify, inherits, deprecate, types,
// isDeepStrictEqual; TextEncoder/TextDecoder are the shim's globals) and the UTF-8 coding `buffer` uses
// (`shim.utf8`).

const utf8 = {
  encode(text) {
    const bytes = [];
    for (const character of String(text)) {
      let code = character.codePointAt(0);
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      if (code < 0x80) bytes.push(code);
      else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
      else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
      else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    }
    return new Uint8Array(bytes);
  },
  // Decodes complete sequences; answers [text, bytes left over at the end (an incomplete sequence)].
  decode(bytes, stream) {
    let text = '';
    let index = 0;
    const length = bytes.length;
    while (index < length) {
      const first = bytes[index];
      const size = first < 0x80 ? 1 : first >= 0xf0 && first < 0xf8 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 0;
      if (size === 0) { text += '\ufffd'; index++; continue; }
      if (index + size > length) {
        if (stream) return [text, bytes.slice(index)];
        text += '\ufffd';
        break;
      }
      let code = size === 1 ? first : first & (0xff >> (size + 1));
      let valid = true;
      for (let offset = 1; offset < size; offset++) {
        const next = bytes[index + offset];
        if ((next & 0xc0) !== 0x80) { valid = false; break; }
        code = (code << 6) | (next & 63);
      }
      if (!valid) { text += '\ufffd'; index++; continue; }
      text += String.fromCodePoint(code > 0x10ffff ? 0xfffd : code);
      index += size;
    }
    return [text, new Uint8Array(0)];
  },
};
shim.utf8 = utf8;

shim.nodeDefine(['util', 'sys'], (load) => {
  const custom = Symbol.for('nodejs.util.promisify.custom');
  function format(...args) {
    const first = args[0];
    if (typeof first !== 'string') return args.map((arg) => (typeof arg === 'string' ? arg : host.inspect(arg))).join(' ');
    let rest = 1;
    const text = first.replace(/%([sdifjoOc%])/g, (match, type) => {
      if (type === '%') return '%';
      if (rest >= args.length) return match;
      const arg = args[rest++];
      switch (type) {
        case 's': return typeof arg === 'string' ? arg : typeof arg === 'bigint' ? arg + 'n' : host.inspect(arg);
        case 'd': case 'i': {
          if (typeof arg === 'bigint') return arg + 'n';
          const number = Number(arg);
          return String(type === 'i' ? Math.trunc(number) : number);
        }
        case 'f': return String(parseFloat(arg));
        case 'j': try { return JSON.stringify(arg); } catch (_) { return '[Circular]'; }
        case 'c': return '';
        default: return host.inspect(arg);
      }
    });
    return [text].concat(args.slice(rest).map((arg) => (typeof arg === 'string' ? arg : host.inspect(arg)))).join(' ');
  }
  function promisify(original) {
    if (typeof original !== 'function') throw new TypeError('The "original" argument must be of type function');
    if (original[custom]) return original[custom];
    function promisified(...args) {
      return new Promise((resolve, reject) => {
        original.call(this, ...args, (error, ...values) => {
          if (error) reject(error);
          else resolve(values.length > 1 ? values : values[0]);
        });
      });
    }
    Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
    return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
  }
  promisify.custom = custom;
  function callbackify(original) {
    return function callbackified(...args) {
      const callback = args.pop();
      original.apply(this, args).then((value) => callback(null, value), (error) => callback(error || new Error(String(error))));
    };
  }
  function isDeepStrictEqual(a, b) {
    if (Object.is(a, b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (a instanceof Date) return a.getTime() === b.getTime();
    if (a instanceof Map || a instanceof Set) {
      if (a.size !== b.size) return false;
      const left = Array.from(a), right = Array.from(b);
      return left.every((item, index) => isDeepStrictEqual(item, right[index]));
    }
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && isDeepStrictEqual(a[key], b[key]));
  }
  const inspect = (value, options) => host.inspect(value, options && options.depth !== undefined ? options.depth : 2);
  inspect.custom = Symbol.for('nodejs.util.inspect.custom');
  const types = {
    isPromise: (value) => value instanceof Promise,
    isRegExp: (value) => value instanceof RegExp,
    isDate: (value) => value instanceof Date,
    isMap: (value) => value instanceof Map,
    isSet: (value) => value instanceof Set,
    isNativeError: (value) => value instanceof Error,
    isTypedArray: (value) => ArrayBuffer.isView(value) && !(value instanceof DataView),
    isUint8Array: (value) => value instanceof Uint8Array,
    isArrayBuffer: (value) => value instanceof ArrayBuffer,
    isAsyncFunction: (value) => typeof value === 'function' && value.constructor && value.constructor.name === 'AsyncFunction',
  };
  return {
    format, inspect, promisify, callbackify, isDeepStrictEqual, types,
    TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder,
    inherits(constructor, superConstructor) {
      Object.defineProperty(constructor, 'super_', { value: superConstructor, writable: true, configurable: true });
      Object.setPrototypeOf(constructor.prototype, superConstructor.prototype);
    },
    deprecate(fn, message) {
      let warned = false;
      return function deprecated(...args) {
        if (!warned) { warned = true; host.log('warn', 'DeprecationWarning: ' + message); }
        return fn.apply(this, args);
      };
    },
    debuglog: () => Object.assign(() => {}, { enabled: false }),
    isArray: Array.isArray,
    isString: (value) => typeof value === 'string',
    isFunction: (value) => typeof value === 'function',
    isObject: (value) => value !== null && typeof value === 'object',
    isUndefined: (value) => value === undefined,
    isNullOrUndefined: (value) => value === null || value === undefined,
  };
});

shim.nodeDefine('util/types', (load) => load('util').types);
