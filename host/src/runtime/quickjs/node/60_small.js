// `assert`, `querystring`, `string_decoder`, `timers`.

shim.nodeDefine(['assert', 'assert/strict'], (load) => {
  const util = load('util');
  class AssertionError extends Error {
    constructor(options) {
      super(options.message || util.format('%o %s %o', options.actual, options.operator, options.expected));
      this.name = 'AssertionError';
      this.code = 'ERR_ASSERTION';
      this.actual = options.actual;
      this.expected = options.expected;
      this.operator = options.operator;
      this.generatedMessage = !options.message;
    }
  }
  const fail = (actual, expected, message, operator) => {
    if (message instanceof Error) throw message;
    throw new AssertionError({ actual, expected, message, operator });
  };
  function assert(value, message) { if (!value) fail(value, true, message || 'The expression evaluated to a falsy value', '=='); }
  const checks = {
    ok: assert,
    equal: (a, b, message) => { if (!(a == b)) fail(a, b, message, '=='); },
    notEqual: (a, b, message) => { if (a == b) fail(a, b, message, '!='); },
    strictEqual: (a, b, message) => { if (!Object.is(a, b)) fail(a, b, message, 'strictEqual'); },
    notStrictEqual: (a, b, message) => { if (Object.is(a, b)) fail(a, b, message, 'notStrictEqual'); },
    deepEqual: (a, b, message) => { if (!util.isDeepStrictEqual(a, b)) fail(a, b, message, 'deepEqual'); },
    deepStrictEqual: (a, b, message) => { if (!util.isDeepStrictEqual(a, b)) fail(a, b, message, 'deepStrictEqual'); },
    notDeepStrictEqual: (a, b, message) => { if (util.isDeepStrictEqual(a, b)) fail(a, b, message, 'notDeepStrictEqual'); },
    fail: (message) => fail(undefined, undefined, message || 'Failed', 'fail'),
    match: (text, pattern, message) => { if (!pattern.test(text)) fail(text, pattern, message, 'match'); },
    throws(block, expected, message) {
      try { block(); } catch (error) {
        if (typeof expected === 'function' && expected.prototype !== undefined && !(error instanceof expected)) throw error;
        if (expected instanceof RegExp && !expected.test(String(error && error.message))) fail(error, expected, message, 'throws');
        return;
      }
      fail(undefined, expected, typeof expected === 'string' ? expected : message || 'Missing expected exception.', 'throws');
    },
    doesNotThrow(block) { block(); },
    async rejects(promise, expected, message) {
      try { await (typeof promise === 'function' ? promise() : promise); } catch (_) { return; }
      fail(undefined, expected, message || 'Missing expected rejection.', 'rejects');
    },
    ifError: (value) => { if (value !== null && value !== undefined) throw value; },
    AssertionError,
  };
  Object.assign(assert, checks);
  assert.strict = assert;
  return assert;
});

shim.nodeDefine('querystring', () => {
  const escape = (text) => encodeURIComponent(text);
  const unescape = (text) => { try { return decodeURIComponent(text); } catch (_) { return text; } };
  return {
    escape, unescape,
    parse(text, separator = '&', equals = '=') {
      const result = {};
      if (typeof text !== 'string' || !text) return result;
      for (const part of text.split(separator)) {
        if (!part) continue;
        const index = part.indexOf(equals);
        const key = unescape((index < 0 ? part : part.slice(0, index)).replace(/\+/g, ' '));
        const value = index < 0 ? '' : unescape(part.slice(index + equals.length).replace(/\+/g, ' '));
        if (Object.prototype.hasOwnProperty.call(result, key)) result[key] = [].concat(result[key], value);
        else result[key] = value;
      }
      return result;
    },
    stringify(object, separator = '&', equals = '=') {
      if (!object || typeof object !== 'object') return '';
      const text = (value) => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : '');
      return Object.keys(object).flatMap((key) => [].concat(object[key]).map((value) => escape(key) + equals + escape(text(value)))).join(separator);
    },
    decode: undefined,
    encode: undefined,
  };
});

shim.nodeDefine('string_decoder', (load) => {
  const { Buffer } = load('buffer');
  class StringDecoder {
    constructor(encoding = 'utf8') {
      this.encoding = String(encoding).toLowerCase().replace('-', '');
      this._pending = new Uint8Array(0);
    }
    write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (this.encoding !== 'utf8') return Buffer.from(bytes).toString(this.encoding);
      const joined = new Uint8Array(this._pending.length + bytes.length);
      joined.set(this._pending);
      joined.set(bytes, this._pending.length);
      const [text, rest] = shim.utf8.decode(joined, true);
      this._pending = rest;
      return text;
    }
    end(chunk) {
      const text = chunk === undefined ? '' : this.write(chunk);
      const rest = this._pending.length ? '\ufffd' : '';
      this._pending = new Uint8Array(0);
      return text + rest;
    }
  }
  return { StringDecoder };
});

shim.nodeDefine(['timers'], () => ({
  setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate,
}));
shim.nodeDefine(['timers/promises'], () => ({
  setTimeout: (delay, value) => new Promise((resolve) => setTimeout(() => resolve(value), delay)),
  setImmediate: (value) => new Promise((resolve) => setImmediate(() => resolve(value))),
}));
