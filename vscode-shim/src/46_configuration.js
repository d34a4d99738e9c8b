// workspace.getConfiguration over the settings of the snapshot (`settings`: the effective values,
// `defaults`: every extension's contributed defaults; both flat maps of dotted keys, nested objects
// accepted too) and the configurationChanged event. Also assembles `vscode.workspace`.
//
// Scopes (resource, language) are accepted and ignored: the host sends one merged view.

// Defaults of VS Code core settings that extensions commonly read and that no extension contributes.
const BUILTIN_DEFAULTS = {
  'editor.wordSeparators': '`~!@#$%^&*()-=+[{]}\\|;:\'",.<>/?',
  'editor.tabSize': 4,
  'editor.indentSize': 'tabSize',
  'editor.insertSpaces': true,
  'editor.detectIndentation': true,
  'editor.lineNumbers': 'on',
  'editor.cursorStyle': 'line',
  'files.eol': 'auto',
  'files.encoding': 'utf8',
  'files.exclude': { '**/.git': true, '**/.svn': true, '**/.hg': true, '**/CVS': true, '**/.DS_Store': true, '**/Thumbs.db': true },
};

let settings = {};
let defaults = {};
const configurationChanged = new shim.EventEmitter();

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// VS Code's default for a setting contributed with a `type` and no `default` (the first type of a list).
function typeDefault(type) {
  switch (Array.isArray(type) ? type[0] : type) {
    case 'boolean': return false;
    case 'integer':
    case 'number': return 0;
    case 'string': return '';
    case 'array': return [];
    case 'object': return {};
    default: return null;
  }
}

// This extension's own contributed defaults (used when the snapshot has none).
function ownDefaults() {
  const result = {};
  const contributes = host.packageJSON && host.packageJSON.contributes;
  const configuration = contributes && contributes.configuration;
  for (const block of Array.isArray(configuration) ? configuration : configuration ? [configuration] : []) {
    const properties = block && block.properties;
    if (!isPlainObject(properties)) continue;
    for (const key of Object.keys(properties)) {
      if (!isPlainObject(properties[key])) continue;
      result[key] = properties[key].default !== undefined ? properties[key].default : typeDefault(properties[key].type);
    }
  }
  return result;
}

// The value of dotted `key` in `map`: the key itself, inside an object stored under a prefix, or an
// object assembled from the keys below it.
function lookup(map, key) {
  if (Object.prototype.hasOwnProperty.call(map, key)) return map[key];
  const parts = key.split('.');
  for (let length = parts.length - 1; length > 0; length--) {
    const prefix = parts.slice(0, length).join('.');
    if (!Object.prototype.hasOwnProperty.call(map, prefix)) continue;
    let value = map[prefix];
    for (const part of parts.slice(length)) {
      if (!isPlainObject(value) || !Object.prototype.hasOwnProperty.call(value, part)) {
        value = undefined;
        break;
      }
      value = value[part];
    }
    if (value !== undefined) return value;
  }
  let assembled;
  const below = key + '.';
  for (const candidate of Object.keys(map)) {
    if (!candidate.startsWith(below)) continue;
    assembled = assembled || {};
    let target = assembled;
    const rest = candidate.slice(below.length).split('.');
    rest.slice(0, -1).forEach((part) => {
      if (!isPlainObject(target[part])) target[part] = {};
      target = target[part];
    });
    target[rest[rest.length - 1]] = map[candidate];
  }
  return assembled;
}

function merge(base, over) {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const result = Object.assign({}, base);
  for (const key of Object.keys(over)) result[key] = merge(base[key], over[key]);
  return result;
}

function defaultValue(key) {
  return merge(lookup(BUILTIN_DEFAULTS, key), lookup(defaults, key));
}

function effective(key) {
  return clone(merge(defaultValue(key), lookup(settings, key)));
}

function flatten(map) {
  const flat = {};
  for (const key of Object.keys(map)) flat[key] = JSON.stringify(map[key]);
  return flat;
}

// The dotted keys whose value differs between two settings maps.
function changedKeys(before, after) {
  const left = flatten(before);
  const right = flatten(after);
  const keys = new Set(Object.keys(left).concat(Object.keys(right)));
  return Array.from(keys).filter((key) => left[key] !== right[key]);
}

function fireChange(keys) {
  if (keys.length === 0) return;
  const affects = (section) => {
    if (typeof section !== 'string') return false;
    return keys.some((key) => key === section || key.startsWith(section + '.') || section.startsWith(key + '.')
      || (key.startsWith('[') && (key + '.').includes(section)));
  };
  configurationChanged.fire(Object.freeze({ affectsConfiguration: (section) => affects(section) }));
}

function replaceSettings(next, nextDefaults) {
  const before = settings;
  const beforeDefaults = defaults;
  settings = isPlainObject(next) ? next : settings;
  if (isPlainObject(nextDefaults)) defaults = nextDefaults;
  const keys = changedKeys(before, settings);
  for (const key of changedKeys(beforeDefaults, defaults)) if (!keys.includes(key)) keys.push(key);
  return keys;
}

shim.internal.onSnapshot((snapshot) => {
  settings = isPlainObject(snapshot.settings) ? snapshot.settings : {};
  defaults = Object.assign(ownDefaults(), isPlainObject(snapshot.defaults) ? snapshot.defaults : {});
});

shim.internal.onEvent('configurationChanged', (payload) => {
  if (!payload) return;
  fireChange(replaceSettings(payload.settings, payload.defaults ? Object.assign(ownDefaults(), payload.defaults) : undefined));
});

function targetNumber(target) {
  const { Global, Workspace, WorkspaceFolder } = shim.ConfigurationTarget;
  if (target === true) return Global;
  if (target === false || target === undefined || target === null) return Workspace;
  if (target === Global || target === Workspace || target === WorkspaceFolder) return target;
  throw shim.illegalArgument('configurationTarget');
}

const RESERVED = new Set(['get', 'has', 'inspect', 'update']);

function getConfiguration(section, scope) {
  shim.internal.ensureSession();
  const prefix = typeof section === 'string' && section ? section : '';
  const full = (key) => (prefix ? prefix + '.' + key : String(key));
  const configuration = {
    get(key, fallback) {
      const value = effective(full(key));
      return value === undefined ? fallback : value;
    },
    has(key) {
      return effective(full(key)) !== undefined;
    },
    inspect(key) {
      const name = full(key);
      const result = { key: name, defaultValue: clone(defaultValue(name)) };
      const own = lookup(settings, name);
      if (own !== undefined) result.globalValue = clone(own);
      return result;
    },
    update(key, value, configurationTarget, overrideInLanguage) {
      const name = full(key);
      const target = targetNumber(configurationTarget);
      if (overrideInLanguage) shim.warnOnce('exthost: language-specific settings are not supported; ' + name + ' is updated for every language');
      return host.call('updateSetting', { key: name, value: value === undefined ? null : value, target }).then(() => {
        const next = Object.assign({}, settings);
        if (value === undefined || value === null) delete next[name];
        else next[name] = clone(value);
        fireChange(replaceSettings(next));
      });
    },
  };
  // The section's values as properties, as VS Code's configuration object has them.
  const below = prefix ? prefix + '.' : '';
  const names = new Set();
  for (const map of [BUILTIN_DEFAULTS, defaults, settings]) {
    for (const key of Object.keys(map)) {
      if (below && !key.startsWith(below)) continue;
      const first = key.slice(below.length).split('.')[0];
      if (first && !RESERVED.has(first)) names.add(first);
    }
  }
  for (const name of names) {
    Object.defineProperty(configuration, name, { value: effective(full(name)), enumerable: true });
  }
  void scope;
  return Object.freeze(configuration);
}

const workspaceObject = {};
Object.defineProperties(workspaceObject, Object.getOwnPropertyDescriptors(shim.internal.workspaceMembers));
Object.defineProperties(workspaceObject, Object.getOwnPropertyDescriptors({
  getConfiguration,
  onDidChangeConfiguration: configurationChanged.event,
}));

shim.workspace = shim.guard(workspaceObject, 'vscode.workspace', shim.internal.workspaceNotImplemented);
