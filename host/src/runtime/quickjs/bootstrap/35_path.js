// QuickJS: Node's `path` module (POSIX), a built-in module of `require` and the shim's `host.path`.

core.builtinModules.set('path', (() => {
  function assertPath(value) {
    if (typeof value !== 'string') throw new TypeError('The "path" argument must be of type string. Received ' + core.inspect(value));
  }
  function normalizeParts(parts, allowAboveRoot) {
    const result = [];
    for (const part of parts) {
      if (!part || part === '.') continue;
      if (part === '..') {
        if (result.length && result[result.length - 1] !== '..') result.pop();
        else if (allowAboveRoot) result.push('..');
      } else {
        result.push(part);
      }
    }
    return result;
  }
  function normalize(path) {
    assertPath(path);
    if (!path) return '.';
    const absolute = path.startsWith('/');
    const trailing = path.endsWith('/');
    let result = normalizeParts(path.split('/'), !absolute).join('/');
    if (!result && !absolute) result = '.';
    if (result && trailing) result += '/';
    return (absolute ? '/' : '') + result;
  }
  function join(...parts) {
    parts.forEach(assertPath);
    const joined = parts.filter((part) => part !== '').join('/');
    return joined ? normalize(joined) : '.';
  }
  function resolve(...parts) {
    let resolved = '';
    let absolute = false;
    for (let index = parts.length - 1; index >= -1 && !absolute; index--) {
      const part = index >= 0 ? parts[index] : '/';
      assertPath(part);
      if (!part) continue;
      resolved = part + '/' + resolved;
      absolute = part.startsWith('/');
    }
    const result = normalizeParts(resolved.split('/'), !absolute).join('/');
    return (absolute ? '/' : '') + result || '.';
  }
  function trimTrailing(path) {
    let end = path.length;
    while (end > 1 && path[end - 1] === '/') end--;
    return path.slice(0, end);
  }
  function dirnameOf(path) {
    assertPath(path);
    if (!path) return '.';
    const trimmed = trimTrailing(path);
    const index = trimmed.lastIndexOf('/');
    if (index < 0) return '.';
    if (index === 0) return '/';
    return trimTrailing(trimmed.slice(0, index));
  }
  function basename(path, extension) {
    assertPath(path);
    const trimmed = trimTrailing(path);
    let base = trimmed === '/' ? '' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
    if (extension && base.endsWith(extension) && base !== extension) base = base.slice(0, base.length - extension.length);
    return base;
  }
  function extname(path) {
    const base = basename(path);
    const index = base.lastIndexOf('.');
    return index <= 0 ? '' : base.slice(index);
  }
  function relative(from, to) {
    const fromParts = resolve(from).split('/').filter(Boolean);
    const toParts = resolve(to).split('/').filter(Boolean);
    let common = 0;
    while (common < fromParts.length && common < toParts.length && fromParts[common] === toParts[common]) common++;
    return fromParts.slice(common).map(() => '..').concat(toParts.slice(common)).join('/');
  }
  function parse(path) {
    assertPath(path);
    const root = path.startsWith('/') ? '/' : '';
    const base = basename(path);
    const ext = extname(path);
    let dir = dirnameOf(path);
    if (dir === '.' && !path.includes('/')) dir = '';
    return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
  }
  function formatPath(parts) {
    const dir = parts.dir || parts.root || '';
    const base = parts.base || (parts.name || '') + (parts.ext || '');
    return dir ? (dir === parts.root ? dir + base : dir + '/' + base) : base;
  }
  const path = {
    sep: '/', delimiter: ':', normalize, join, resolve, dirname: dirnameOf, basename, extname, relative,
    parse, format: formatPath,
    isAbsolute: (value) => { assertPath(value); return value.startsWith('/'); },
    toNamespacedPath: (value) => value,
  };
  path.posix = path;
  return path;
})());
