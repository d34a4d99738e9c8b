// `fs` and `fs/promises`: reads (and writes where permitted) through `native.node`, which checks every
// path against the extension's permissions (see `node.rs`). The callback and promise forms run the
// synchronous operation and answer on a later turn.

shim.nodeDefine('fs', (load) => {
  const { Buffer } = load('buffer');
  const native = host.node;

  // The permissions need the session (workspace folders, the other extensions' folders, settings).
  function ready() {
    if (native.configured()) return;
    let snapshot = null;
    let extensions = null;
    try { snapshot = host.callSync('snapshot', null); } catch (_) { /* no session: defaults only */ }
    try { extensions = host.callSync('allExtensions', null); } catch (_) { /* none known */ }
    native.configure(JSON.stringify(host.packageJSON || {}), JSON.stringify(snapshot), JSON.stringify(extensions));
  }

  const pathOf = (path) => {
    if (path instanceof URL) return load('url').fileURLToPath(path);
    if (path instanceof Uint8Array) return Buffer.from(path).toString();
    if (typeof path !== 'string') throw new TypeError('The "path" argument must be of type string, Buffer or URL');
    return host.path.resolve(native.cwd(), path);
  };
  const attempt = (operation) => {
    ready();
    try { return operation(); } catch (error) { throw shim.nodeError(error); }
  };
  const encodingOf = (options) => (typeof options === 'string' ? options : options && options.encoding) || null;

  class Stats {
    constructor(stat) {
      Object.assign(this, stat);
      delete this.type;
      Object.defineProperty(this, '_type', { value: stat.type });
      this.blksize = 4096;
      this.blocks = Math.ceil(stat.size / 512);
      this.mtime = new Date(stat.mtimeMs);
      this.ctime = new Date(stat.ctimeMs);
      this.atime = new Date(stat.atimeMs);
      this.birthtime = new Date(stat.ctimeMs);
      this.birthtimeMs = stat.ctimeMs;
    }
    isFile() { return this._type === 'file'; }
    isDirectory() { return this._type === 'directory'; }
    isSymbolicLink() { return this._type === 'symlink'; }
    isFIFO() { return false; }
    isSocket() { return false; }
    isBlockDevice() { return false; }
    isCharacterDevice() { return false; }
  }
  class Dirent {
    constructor(name, type, parentPath) { this.name = name; this._type = type; this.parentPath = parentPath; this.path = parentPath; }
    isFile() { return this._type === 'file'; }
    isDirectory() { return this._type === 'directory'; }
    isSymbolicLink() { return this._type === 'symlink'; }
    isFIFO() { return false; }
    isSocket() { return false; }
    isBlockDevice() { return false; }
    isCharacterDevice() { return false; }
  }

  const sync = {
    readFileSync(path, options) {
      const bytes = attempt(() => native.read(pathOf(path)));
      const buffer = Buffer.from(bytes);
      const encoding = encodingOf(options);
      return encoding ? buffer.toString(encoding) : buffer;
    },
    writeFileSync(path, data, options) {
      const bytes = typeof data === 'string' ? Buffer.from(data, encodingOf(options) || 'utf8') : new Uint8Array(data.buffer ? data.buffer : data, data.byteOffset || 0, data.byteLength);
      attempt(() => native.write(pathOf(path), bytes, Boolean(options && options.flag === 'a')));
    },
    appendFileSync(path, data, options) {
      const bytes = typeof data === 'string' ? Buffer.from(data, encodingOf(options) || 'utf8') : data;
      attempt(() => native.write(pathOf(path), bytes, true));
    },
    statSync(path, options) {
      try {
        return new Stats(JSON.parse(attempt(() => native.stat(pathOf(path), true))));
      } catch (error) {
        if (options && options.throwIfNoEntry === false && error.code === 'ENOENT') return undefined;
        throw error;
      }
    },
    lstatSync(path) { return new Stats(JSON.parse(attempt(() => native.stat(pathOf(path), false)))); },
    existsSync(path) {
      try { sync.statSync(path); return true; } catch (_) { return false; }
    },
    accessSync(path) { sync.statSync(path); },
    readdirSync(path, options) {
      const folder = pathOf(path);
      const entries = JSON.parse(attempt(() => native.readDirectory(folder)));
      if (options && options.withFileTypes) return entries.map(([name, type]) => new Dirent(name, type, folder));
      return entries.map(([name]) => name);
    },
    realpathSync(path) { return attempt(() => native.realpath(pathOf(path))); },
    mkdirSync(path, options) {
      const recursive = Boolean(options && (options === true || options.recursive));
      attempt(() => native.mkdir(pathOf(path), recursive));
      return recursive ? pathOf(path) : undefined;
    },
    rmSync(path, options) {
      try { attempt(() => native.remove(pathOf(path), Boolean(options && options.recursive))); } catch (error) {
        if (!(options && options.force && error.code === 'ENOENT')) throw error;
      }
    },
    unlinkSync(path) { attempt(() => native.remove(pathOf(path), false)); },
    rmdirSync(path, options) { attempt(() => native.remove(pathOf(path), Boolean(options && options.recursive))); },
  };
  sync.realpathSync.native = sync.realpathSync;

  // `fs.x(…, callback)` and `fs.promises.x(…)` from `fs.xSync`.
  const callbacks = {};
  const promises = {};
  for (const [name, operation] of Object.entries(sync)) {
    const plain = name.replace(/Sync$/, '');
    if (plain === 'exists') continue;
    promises[plain] = (...args) => new Promise((resolve, reject) => {
      setTimeout(() => { try { resolve(operation(...args)); } catch (error) { reject(error); } }, 0);
    });
    callbacks[plain] = (...args) => {
      const callback = typeof args[args.length - 1] === 'function' ? args.pop() : () => {};
      setTimeout(() => {
        let result;
        try { result = operation(...args); } catch (error) { callback(error); return; }
        callback(null, result);
      }, 0);
    };
  }
  callbacks.exists = (path, callback) => setTimeout(() => callback(sync.existsSync(path)), 0);
  promises.constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };
  const fs = Object.assign({}, sync, callbacks, { promises, constants: promises.constants, Stats, Dirent });
  return fs;
});

shim.nodeDefine('fs/promises', (load) => load('fs').promises);
