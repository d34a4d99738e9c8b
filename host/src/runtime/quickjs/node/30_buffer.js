// `buffer`: Buffer (a Uint8Array with Node's encodings: utf8, base64, base64url, hex, latin1/binary,
// ascii, utf16le) — the basics.

shim.nodeDefine('buffer', () => {
  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const normal = (encoding) => {
    const name = String(encoding || 'utf8').toLowerCase();
    if (name === 'utf-8') return 'utf8';
    if (name === 'binary') return 'latin1';
    if (name === 'ucs2' || name === 'ucs-2' || name === 'utf-16le') return 'utf16le';
    if (!['utf8', 'base64', 'base64url', 'hex', 'latin1', 'ascii', 'utf16le'].includes(name)) throw new TypeError('Unknown encoding: ' + encoding);
    return name;
  };
  function encode(text, encoding) {
    switch (normal(encoding)) {
      case 'utf8': return shim.utf8.encode(text);
      case 'hex': {
        const bytes = [];
        for (let index = 0; index + 1 < text.length; index += 2) {
          const byte = parseInt(text.slice(index, index + 2), 16);
          if (Number.isNaN(byte)) break;
          bytes.push(byte);
        }
        return new Uint8Array(bytes);
      }
      case 'base64': case 'base64url': {
        const clean = text.replace(/[^A-Za-z0-9+/\-_]/g, '').replace(/-/g, '+').replace(/_/g, '/');
        const bytes = [];
        let bits = 0, value = 0;
        for (const character of clean) {
          value = (value << 6) | BASE64.indexOf(character);
          bits += 6;
          if (bits >= 8) { bits -= 8; bytes.push((value >> bits) & 255); }
        }
        return new Uint8Array(bytes);
      }
      case 'utf16le': {
        const bytes = new Uint8Array(text.length * 2);
        for (let index = 0; index < text.length; index++) {
          const code = text.charCodeAt(index);
          bytes[index * 2] = code & 255;
          bytes[index * 2 + 1] = code >> 8;
        }
        return bytes;
      }
      default: return Uint8Array.from(text, (character) => character.charCodeAt(0) & 255);
    }
  }
  function decode(bytes, encoding) {
    switch (normal(encoding)) {
      case 'utf8': return shim.utf8.decode(bytes, false)[0];
      case 'hex': return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
      case 'base64': case 'base64url': {
        let text = '';
        for (let index = 0; index < bytes.length; index += 3) {
          const value = (bytes[index] << 16) | ((bytes[index + 1] || 0) << 8) | (bytes[index + 2] || 0);
          const count = Math.min(3, bytes.length - index);
          for (let digit = 0; digit < 4; digit++) text += digit <= count ? BASE64[(value >> (18 - 6 * digit)) & 63] : '=';
        }
        return normal(encoding) === 'base64url' ? text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : text;
      }
      case 'utf16le': {
        let text = '';
        for (let index = 0; index + 1 < bytes.length; index += 2) text += String.fromCharCode(bytes[index] | (bytes[index + 1] << 8));
        return text;
      }
      case 'ascii': return Array.from(bytes, (byte) => String.fromCharCode(byte & 127)).join('');
      default: return Array.from(bytes, (byte) => String.fromCharCode(byte)).join('');
    }
  }

  class Buffer extends Uint8Array {
    static from(value, encodingOrOffset, length) {
      if (typeof value === 'string') return Buffer._wrap(encode(value, encodingOrOffset));
      if (value instanceof ArrayBuffer) return new Buffer(value, encodingOrOffset || 0, length === undefined ? value.byteLength - (encodingOrOffset || 0) : length);
      if (ArrayBuffer.isView(value)) return Buffer._wrap(new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice());
      if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer._wrap(Uint8Array.from(value.data));
      if (Array.isArray(value) || (value && typeof value.length === 'number')) return Buffer._wrap(Uint8Array.from(value));
      throw new TypeError('The first argument must be a string, Buffer, ArrayBuffer, Array, or array-like object');
    }
    static _wrap(bytes) { return new Buffer(bytes.buffer, bytes.byteOffset, bytes.byteLength); }
    static alloc(size, fill) {
      const buffer = new Buffer(size);
      if (fill !== undefined) buffer.fill(typeof fill === 'string' ? fill.charCodeAt(0) : fill);
      return buffer;
    }
    static allocUnsafe(size) { return new Buffer(size); }
    static isBuffer(value) { return value instanceof Buffer; }
    static isEncoding(encoding) { try { normal(encoding); return true; } catch (_) { return false; } }
    static byteLength(value, encoding) {
      return typeof value === 'string' ? encode(value, encoding).length : value.byteLength;
    }
    static concat(list, total) {
      const length = total === undefined ? list.reduce((sum, item) => sum + item.length, 0) : total;
      const result = Buffer.alloc(length);
      let offset = 0;
      for (const item of list) {
        if (offset >= length) break;
        result.set(item.subarray(0, length - offset), offset);
        offset += item.length;
      }
      return result;
    }
    static compare(a, b) { return a.compare(b); }
    toString(encoding, start = 0, end = this.length) { return decode(this.subarray(start, end), encoding); }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(other) { return this.compare(other) === 0; }
    compare(other) {
      const length = Math.min(this.length, other.length);
      for (let index = 0; index < length; index++) if (this[index] !== other[index]) return this[index] < other[index] ? -1 : 1;
      return this.length === other.length ? 0 : this.length < other.length ? -1 : 1;
    }
    slice(start, end) { return this.subarray(start, end); }
    subarray(start, end) {
      const view = Uint8Array.prototype.subarray.call(this, start, end);
      return new Buffer(view.buffer, view.byteOffset, view.byteLength);
    }
    write(text, offset = 0, length, encoding) {
      if (typeof offset === 'string') { encoding = offset; offset = 0; }
      const bytes = encode(text, encoding).subarray(0, length === undefined ? undefined : length);
      const count = Math.min(bytes.length, this.length - offset);
      this.set(bytes.subarray(0, count), offset);
      return count;
    }
    indexOf(value, from = 0) {
      if (typeof value === 'number') return Uint8Array.prototype.indexOf.call(this, value, from);
      const needle = typeof value === 'string' ? encode(value) : value;
      outer: for (let index = from; index <= this.length - needle.length; index++) {
        for (let offset = 0; offset < needle.length; offset++) if (this[index + offset] !== needle[offset]) continue outer;
        return index;
      }
      return -1;
    }
    includes(value, from) { return this.indexOf(value, from) !== -1; }
    readUInt8(offset = 0) { return this[offset]; }
    readUInt16LE(offset = 0) { return this[offset] | (this[offset + 1] << 8); }
    readUInt32LE(offset = 0) { return (this[offset] | (this[offset + 1] << 8) | (this[offset + 2] << 16)) + this[offset + 3] * 0x1000000; }
    readUInt32BE(offset = 0) { return this[offset] * 0x1000000 + ((this[offset + 1] << 16) | (this[offset + 2] << 8) | this[offset + 3]); }
  }
  return { Buffer, constants: { MAX_LENGTH: 2 ** 31 - 1 }, kMaxLength: 2 ** 31 - 1 };
});
