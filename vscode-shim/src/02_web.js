// Web globals extensions expect from VS Code's runtime and QuickJS lacks: TextEncoder / TextDecoder
// (UTF-8 only) and a small URL / URLSearchParams. Each is installed only when the engine has none.
// QuickJS reads this file on first use (`LAZY_SHIM_GROUPS` in host/src/runtime/quickjs.rs; its
// `90_entry.js` installs the globals as accessors that read it).

function encodeUtf8(text) {
  text = String(text === undefined ? '' : text);
  const bytes = [];
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        index++;
      } else {
        code = 0xfffd;
      }
    } else if (code >= 0xd800 && code <= 0xdfff) {
      code = 0xfffd;
    }
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return new Uint8Array(bytes);
}

function decodeUtf8(bytes, fatal) {
  let text = '';
  let chunk = [];
  const flush = () => {
    text += String.fromCharCode.apply(null, chunk);
    chunk = [];
  };
  const bad = () => {
    if (fatal) throw new TypeError('The encoded data was not valid for encoding utf-8');
    chunk.push(0xfffd);
  };
  for (let index = 0; index < bytes.length;) {
    const first = bytes[index];
    let needed = 0;
    let code = 0;
    let lower = 0x80;
    if (first < 0x80) {
      chunk.push(first);
      index++;
    } else {
      if (first >= 0xc2 && first <= 0xdf) { needed = 1; code = first & 0x1f; }
      else if (first >= 0xe0 && first <= 0xef) { needed = 2; code = first & 0xf; lower = first === 0xe0 ? 0xa0 : 0x80; }
      else if (first >= 0xf0 && first <= 0xf4) { needed = 3; code = first & 0x7; lower = first === 0xf0 ? 0x90 : 0x80; }
      else { bad(); index++; continue; }
      let upper = first === 0xed ? 0x9f : first === 0xf4 ? 0x8f : 0xbf;
      let seen = 0;
      index++;
      while (seen < needed && index < bytes.length && bytes[index] >= lower && bytes[index] <= upper) {
        code = (code << 6) | (bytes[index] & 63);
        lower = 0x80;
        upper = 0xbf;
        seen++;
        index++;
      }
      if (seen < needed) { bad(); continue; }
      if (code >= 0x10000) {
        code -= 0x10000;
        chunk.push(0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff));
      } else {
        chunk.push(code);
      }
    }
    if (chunk.length > 8192) flush();
  }
  flush();
  return text;
}

function asBytes(input) {
  if (input === undefined || input === null) return new Uint8Array(0);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('TextDecoder.decode: the input must be an ArrayBuffer or a view of one');
}

class TextEncoder {
  get encoding() { return 'utf-8'; }
  encode(text) { return encodeUtf8(text); }
  encodeInto(text, destination) {
    const bytes = encodeUtf8(text);
    const written = Math.min(bytes.length, destination.length);
    destination.set(bytes.subarray(0, written));
    return { read: String(text).length, written };
  }
}

class TextDecoder {
  constructor(label, options) {
    const name = String(label === undefined ? 'utf-8' : label).toLowerCase();
    if (name !== 'utf-8' && name !== 'utf8' && name !== 'unicode-1-1-utf-8') {
      throw new RangeError("exthost: TextDecoder supports only 'utf-8', not '" + label + "'");
    }
    this._fatal = Boolean(options && options.fatal);
    this._ignoreBOM = Boolean(options && options.ignoreBOM);
  }
  get encoding() { return 'utf-8'; }
  get fatal() { return this._fatal; }
  get ignoreBOM() { return this._ignoreBOM; }
  decode(input) {
    let bytes = asBytes(input);
    if (!this._ignoreBOM && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    return decodeUtf8(bytes, this._fatal);
  }
}

shim.encodeUtf8 = encodeUtf8;
shim.decodeUtf8 = (bytes) => decodeUtf8(asBytes(bytes), false);

class URLSearchParams {
  constructor(init) {
    this._entries = [];
    if (typeof init === 'string') {
      for (const part of init.replace(/^\?/, '').split('&')) {
        if (!part) continue;
        const index = part.indexOf('=');
        const decode = (text) => decodeURIComponent(text.replace(/\+/g, ' '));
        this._entries.push(index < 0 ? [decode(part), ''] : [decode(part.slice(0, index)), decode(part.slice(index + 1))]);
      }
    } else if (init && typeof init === 'object') {
      const pairs = typeof init[Symbol.iterator] === 'function' ? Array.from(init) : Object.entries(init);
      for (const [key, value] of pairs) this._entries.push([String(key), String(value)]);
    }
  }
  append(key, value) { this._entries.push([String(key), String(value)]); }
  delete(key) { this._entries = this._entries.filter(([name]) => name !== key); }
  get(key) { const found = this._entries.find(([name]) => name === key); return found ? found[1] : null; }
  getAll(key) { return this._entries.filter(([name]) => name === key).map(([, value]) => value); }
  has(key) { return this._entries.some(([name]) => name === key); }
  set(key, value) {
    const index = this._entries.findIndex(([name]) => name === key);
    if (index < 0) { this.append(key, value); return; }
    this._entries[index][1] = String(value);
    this._entries = this._entries.filter(([name], position) => name !== key || position === index);
  }
  forEach(callback, thisArg) { for (const [key, value] of this._entries) callback.call(thisArg, value, key, this); }
  keys() { return this._entries.map(([key]) => key)[Symbol.iterator](); }
  values() { return this._entries.map(([, value]) => value)[Symbol.iterator](); }
  entries() { return this._entries.map((entry) => entry.slice())[Symbol.iterator](); }
  [Symbol.iterator]() { return this.entries(); }
  toString() {
    const encode = (text) => encodeURIComponent(text).replace(/%20/g, '+');
    return this._entries.map(([key, value]) => encode(key) + '=' + encode(value)).join('&');
  }
}

// Absolute URLs with a scheme (`https://host:8080/path?query#hash`, `mailto:x`), or relative to `base`.
class URL {
  constructor(url, base) {
    let text = String(url);
    if (base !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)) {
      const parent = new URL(String(base));
      if (text.startsWith('//')) text = parent.protocol + text;
      else if (text.startsWith('/')) text = parent.origin + text;
      else if (text.startsWith('?')) text = parent.origin + parent.pathname + text;
      else if (text.startsWith('#')) text = parent.origin + parent.pathname + parent.search + text;
      else text = parent.origin + parent.pathname.replace(/[^/]*$/, '') + text;
    }
    const match = /^([A-Za-z][A-Za-z0-9+.-]*:)(\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(text);
    if (!match) throw new TypeError('Invalid URL: ' + text);
    this.protocol = match[1].toLowerCase();
    const authority = match[3] || '';
    const at = authority.lastIndexOf('@');
    const credentials = at >= 0 ? authority.slice(0, at) : '';
    const hostPart = at >= 0 ? authority.slice(at + 1) : authority;
    const colon = credentials.indexOf(':');
    this.username = colon >= 0 ? credentials.slice(0, colon) : credentials;
    this.password = colon >= 0 ? credentials.slice(colon + 1) : '';
    const port = /:(\d*)$/.exec(hostPart);
    this.hostname = (port ? hostPart.slice(0, port.index) : hostPart).toLowerCase();
    this.port = port ? port[1] : '';
    const special = /^(https?|wss?|ftp|file):$/.test(this.protocol);
    let pathname = match[4] || '';
    if (special) {
      const parts = [];
      for (const part of (pathname || '/').split('/').slice(1)) {
        if (part === '..') parts.pop();
        else if (part !== '.') parts.push(part);
      }
      pathname = '/' + parts.join('/');
    }
    this._hasAuthority = match[2] !== undefined;
    this.pathname = pathname;
    this.search = match[5] && match[5].length > 1 ? match[5] : '';
    this.hash = match[6] && match[6].length > 1 ? match[6] : '';
    this.searchParams = new URLSearchParams(this.search);
  }
  get host() { return this.hostname + (this.port ? ':' + this.port : ''); }
  get origin() { return this._hasAuthority ? this.protocol + '//' + this.host : 'null'; }
  get href() {
    const credentials = this.username ? this.username + (this.password ? ':' + this.password : '') + '@' : '';
    const authority = this._hasAuthority ? '//' + credentials + this.host : '';
    return this.protocol + authority + this.pathname + this.search + this.hash;
  }
  toString() { return this.href; }
  toJSON() { return this.href; }
}

const webGlobals = { TextEncoder, TextDecoder, URL, URLSearchParams };
for (const name of Object.keys(webGlobals)) {
  if (typeof globalThis[name] === 'undefined') {
    Object.defineProperty(globalThis, name, { value: webGlobals[name], writable: true, configurable: true, enumerable: false });
  }
}
