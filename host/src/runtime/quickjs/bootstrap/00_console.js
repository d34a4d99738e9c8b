// QuickJS: `console` and the formatting it uses (Node's `util.inspect` and `util.format`, roughly); log
// lines go to the host through `core.native.log`.

const {
  ArrayIsArray, ArrayFrom, ArrayPrototypeIncludes, ArrayPrototypePush, ArrayPrototypePop, ArrayPrototypeMap,
  ArrayPrototypeJoin, ArrayPrototypeSlice, ArrayPrototypeConcat, DatePrototypeToISOString, JSONStringify,
  MathTrunc, Number, ObjectIs, ObjectKeys, RegExpPrototypeTest, String,
  StringPrototypeReplace, StringPrototypeSlice, StringPrototypeStartsWith,
  SymbolPrototypeToString, NumberPrototypeToFixed, SafeMap, Map, Set, Date, RegExp, Error, isNaN, parseFloat,
} = core.primordials;
const native = core.native;
const errorHeadline = core.errorHeadline;

function inspect(value, depth, seen) {
  depth = depth === undefined ? 2 : depth;
  seen = seen || [];
  switch (typeof value) {
    case 'string': return seen.length ? JSONStringify(value) : value;
    case 'number': return ObjectIs(value, -0) ? '-0' : String(value);
    case 'bigint': return value + 'n';
    case 'undefined': case 'boolean': return String(value);
    case 'symbol': return SymbolPrototypeToString(value);
    case 'function': return '[Function: ' + (value.name || '(anonymous)') + ']';
  }
  if (value === null) return 'null';
  if (value instanceof Error) return value.stack ? errorHeadline(value) + '\n' + stackFrames(value) : errorHeadline(value);
  if (ArrayPrototypeIncludes(seen, value)) return '[Circular]';
  if (value instanceof Date) return isNaN(value) ? 'Invalid Date' : DatePrototypeToISOString(value);
  if (value instanceof RegExp) return String(value);
  if (depth < 0) return ArrayIsArray(value) ? '[Array]' : '[Object]';
  ArrayPrototypePush(seen, value);
  try {
    if (ArrayIsArray(value)) {
      return '[ ' + ArrayPrototypeJoin(ArrayPrototypeMap(value, (item) => inspect(item, depth - 1, seen)), ', ') + ' ]';
    }
    if (value instanceof Map) {
      return 'Map(' + value.size + ') { ' + ArrayPrototypeJoin(ArrayFrom(value, ([k, v]) => inspect(k, depth - 1, seen) + ' => ' + inspect(v, depth - 1, seen)), ', ') + ' }';
    }
    if (value instanceof Set) {
      return 'Set(' + value.size + ') { ' + ArrayPrototypeJoin(ArrayFrom(value, (v) => inspect(v, depth - 1, seen)), ', ') + ' }';
    }
    const keys = ObjectKeys(value);
    const body = ArrayPrototypeMap(keys, (key) => (RegExpPrototypeTest(/^[A-Za-z_$][\w$]*$/, key) ? key : JSONStringify(key)) + ': ' + inspect(value[key], depth - 1, seen));
    const name = value.constructor && value.constructor !== Object && typeof value.constructor.name === 'string' ? value.constructor.name + ' ' : '';
    return keys.length ? name + '{ ' + ArrayPrototypeJoin(body, ', ') + ' }' : name + '{}';
  } catch (error) {
    return '[object]';
  } finally {
    ArrayPrototypePop(seen);
  }
}

// QuickJS's `stack` holds only the frames; keep it that way but tolerate engines that prefix the headline.
function stackFrames(error) {
  const stack = typeof error.stack === 'string' ? error.stack : '';
  const headline = errorHeadline(error);
  return StringPrototypeReplace(StringPrototypeStartsWith(stack, headline) ? StringPrototypeSlice(stack, headline.length) : stack, /^\n+|\n+$/g, '');
}

// Node's util.format, roughly: %s %d %i %f %j %o %O %%, then the rest joined by spaces.
function format(args) {
  const first = args[0];
  let rest = 1;
  let text = '';
  if (typeof first === 'string' && args.length > 1) {
    text = StringPrototypeReplace(first, /%([sdifjoO%])/g, (match, type) => {
      if (type === '%') return '%';
      if (rest >= args.length) return match;
      const arg = args[rest++];
      switch (type) {
        case 's': return typeof arg === 'string' ? arg : inspect(arg, 1);
        case 'd': case 'i': {
          const number = Number(arg);
          return String(type === 'i' ? MathTrunc(number) : number);
        }
        case 'f': return String(parseFloat(arg));
        case 'j': try { return JSONStringify(arg); } catch (_) { return '[Circular]'; }
        default: return inspect(arg, 4);
      }
    });
  } else {
    rest = 0;
  }
  const tail = ArrayPrototypeMap(ArrayPrototypeSlice(args, rest), (arg) => inspect(arg));
  return rest ? ArrayPrototypeJoin(ArrayPrototypeConcat([text], tail), ' ') : ArrayPrototypeJoin(tail, ' ');
}

function log(level, message) {
  native.log(level, message);
}

function reportUncaught(where, error) {
  log('error', 'Uncaught exception in ' + where + ': ' + inspect(error));
}

const counters = new SafeMap();
const clocks = new SafeMap();
const console = {
  log: (...args) => log('info', format(args)),
  info: (...args) => log('info', format(args)),
  warn: (...args) => log('warn', format(args)),
  error: (...args) => log('error', format(args)),
  debug: (...args) => log('debug', format(args)),
  trace: (...args) => log('debug', 'Trace' + (args.length ? ': ' + format(args) : '') + '\n' + stackFrames(new Error())),
  dir: (value) => log('info', inspect(value)),
  assert: (condition, ...args) => {
    if (!condition) log('error', 'Assertion failed' + (args.length ? ': ' + format(args) : ''));
  },
  count: (label = 'default') => {
    const count = (counters.get(label) || 0) + 1;
    counters.set(label, count);
    log('info', label + ': ' + count);
  },
  time: (label = 'default') => { clocks.set(label, native.now()); },
  timeEnd: (label = 'default') => {
    if (!clocks.has(label)) return;
    log('info', label + ': ' + NumberPrototypeToFixed(native.now() - clocks.get(label), 3) + 'ms');
    clocks.delete(label);
  },
};

core.inspect = inspect;
core.stackFrames = stackFrames;
core.stackOf = (error) => errorHeadline(error) + '\n' + stackFrames(error);
core.log = log;
core.reportUncaught = reportUncaught;
core.globals = { console, global: globalThis };
