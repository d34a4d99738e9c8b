// vscode.Uri with VS Code's semantics (its `URI` class): parse / file / from / joinPath / with, `fsPath`
// (POSIX), `toString(skipEncoding)` with VS Code's percent-encoding, `toJSON` ({$mid: 1, …}).

const URI_PATTERN = /^(([^:/?#]+?):)?(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?/;
const SCHEME_PATTERN = /^\w[\w\d+.-]*$/;

function percentDecode(text) {
  if (!/%[0-9A-Fa-f]{2}/.test(text)) return text;
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (match) => {
    try {
      return decodeURIComponent(match);
    } catch (_) {
      return match.length > 3 ? match.slice(0, 3) + percentDecode(match.slice(3)) : match;
    }
  });
}

// VS Code's encodeURIComponentFast: everything but unreserved characters (and `/` in paths, `[]:` in
// authorities) is percent-encoded, `!'()*` included.
function encodeFast(text, isPath, isAuthority) {
  let result = '';
  for (const character of text) {
    const code = character.charCodeAt(0);
    const unreserved = character.length === 1 && ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57)
      || code === 45 || code === 46 || code === 95 || code === 126);
    if (unreserved || (isPath && code === 47) || (isAuthority && (code === 91 || code === 93 || code === 58))) {
      result += character;
      continue;
    }
    let encoded;
    try {
      encoded = encodeURIComponent(character);
    } catch (_) {
      encoded = character;
    }
    result += encoded.replace(/[!'()*]/g, (special) => '%' + special.charCodeAt(0).toString(16).toUpperCase());
  }
  return result;
}

// VS Code's encodeURIComponentMinimal (toString(true)): only `#` and `?`.
function encodeMinimal(text) {
  return text.replace(/[#?]/g, (special) => (special === '#' ? '%23' : '%3F'));
}

function referenceResolution(scheme, path) {
  if (scheme === 'https' || scheme === 'http' || scheme === 'file') {
    if (!path) return '/';
    if (path[0] !== '/') return '/' + path;
  }
  return path;
}

class Uri {
  static parse(value, strict) {
    const match = URI_PATTERN.exec(String(value));
    if (!match) return new Uri('', '', '', '', '');
    const scheme = match[2] || (strict ? '' : 'file');
    return new Uri(scheme, percentDecode(match[4] || ''), percentDecode(match[5] || ''), percentDecode(match[7] || ''), percentDecode(match[9] || ''), strict);
  }

  static file(path) {
    let authority = '';
    path = String(path).replace(/\\/g, '/');
    if (path[0] === '/' && path[1] === '/') {
      const index = path.indexOf('/', 2);
      if (index === -1) {
        authority = path.substring(2);
        path = '/';
      } else {
        authority = path.substring(2, index);
        path = path.substring(index) || '/';
      }
    }
    return new Uri('file', authority, path, '', '');
  }

  static from(components) {
    if (!components || typeof components !== 'object') throw shim.illegalArgument('components');
    return new Uri(components.scheme, components.authority, components.path, components.query, components.fragment, true);
  }

  static joinPath(base, ...pathSegments) {
    if (!base || typeof base.path !== 'string') throw shim.illegalArgument('base');
    if (!base.path) throw new Error('[UriError]: cannot call joinPath on URI without path');
    return base.with({ path: host.path.join(base.path, ...pathSegments) });
  }

  static isUri(thing) {
    return thing instanceof Uri || (thing !== null && typeof thing === 'object' && typeof thing.scheme === 'string'
      && typeof thing.authority === 'string' && typeof thing.path === 'string' && typeof thing.query === 'string'
      && typeof thing.fragment === 'string' && typeof thing.with === 'function' && typeof thing.fsPath === 'string');
  }

  // A Uri from its JSON (`toJSON`'s {$mid, scheme, …}) or a URI string; other values unchanged.
  static revive(data) {
    if (data instanceof Uri || data === null || data === undefined) return data;
    if (typeof data === 'string') return Uri.parse(data);
    if (typeof data === 'object' && typeof data.scheme === 'string' && typeof data.path === 'string') {
      return new Uri(data.scheme, data.authority || '', data.path, data.query || '', data.fragment || '');
    }
    return data;
  }

  constructor(scheme, authority, path, query, fragment, strict) {
    if (scheme !== null && typeof scheme === 'object') {
      ({ scheme, authority, path, query, fragment } = scheme);
    }
    this.scheme = scheme || (strict ? '' : 'file');
    this.authority = authority || '';
    this.path = referenceResolution(this.scheme, path || '');
    this.query = query || '';
    this.fragment = fragment || '';
    if (strict && !this.scheme) throw new Error('[UriError]: Scheme is missing: {scheme: "", authority: "' + this.authority + '", path: "' + this.path + '", query: "' + this.query + '", fragment: "' + this.fragment + '"}');
    if (this.scheme && !SCHEME_PATTERN.test(this.scheme)) throw new Error('[UriError]: Scheme contains illegal characters.');
    if (this.path) {
      if (this.authority && this.path[0] !== '/') throw new Error('[UriError]: If a URI contains an authority component, then the path component must either be empty or begin with a slash ("/") character');
      if (!this.authority && this.path.startsWith('//')) throw new Error('[UriError]: If a URI does not contain an authority component, then the path cannot begin with two slash characters ("//")');
    }
  }

  get fsPath() {
    if (this.authority && this.path.length > 1 && this.scheme === 'file') return '//' + this.authority + this.path;
    return this.path;
  }

  with(change) {
    if (!change) return this;
    const pick = (key) => (change[key] === undefined ? this[key] : change[key] === null ? '' : change[key]);
    const scheme = pick('scheme');
    const authority = pick('authority');
    const path = pick('path');
    const query = pick('query');
    const fragment = pick('fragment');
    if (scheme === this.scheme && authority === this.authority && path === this.path && query === this.query && fragment === this.fragment) return this;
    return new Uri(scheme, authority, path, query, fragment);
  }

  toString(skipEncoding) {
    const encode = skipEncoding ? (text) => encodeMinimal(text) : encodeFast;
    let result = '';
    if (this.scheme) result += this.scheme + ':';
    if (this.authority || this.scheme === 'file') result += '//';
    if (this.authority) {
      let authority = this.authority;
      const at = authority.indexOf('@');
      if (at !== -1) {
        const userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const colon = userinfo.lastIndexOf(':');
        if (colon === -1) result += encode(userinfo, false, false);
        else result += encode(userinfo.substr(0, colon), false, false) + ':' + encode(userinfo.substr(colon + 1), false, true);
        result += '@';
      }
      authority = authority.toLowerCase();
      const colon = authority.lastIndexOf(':');
      if (colon === -1) result += encode(authority, false, true);
      else result += encode(authority.substr(0, colon), false, true) + authority.substr(colon);
    }
    if (this.path) {
      let path = this.path;
      if (/^\/[A-Z]:/.test(path)) path = '/' + path[1].toLowerCase() + path.substr(2);
      else if (/^[A-Z]:/.test(path)) path = path[0].toLowerCase() + path.substr(1);
      result += encode(path, true, false);
    }
    if (this.query) result += '?' + encode(this.query, false, false);
    if (this.fragment) result += '#' + (skipEncoding ? this.fragment : encodeFast(this.fragment, false, false));
    return result;
  }

  toJSON() {
    const json = { $mid: 1, fsPath: this.fsPath, external: this.toString(), path: this.path, scheme: this.scheme };
    if (this.authority) json.authority = this.authority;
    if (this.query) json.query = this.query;
    if (this.fragment) json.fragment = this.fragment;
    return json;
  }
}

shim.Uri = Uri;
shim.fileUri = (fsPath) => Uri.file(fsPath);

// A URI given as Uri or string, as a Uri.
shim.toUri = function toUri(value) {
  if (value instanceof Uri) return value;
  if (typeof value === 'string') return Uri.parse(value);
  if (Uri.isUri(value)) return Uri.revive(value);
  throw shim.illegalArgument('uri');
};
