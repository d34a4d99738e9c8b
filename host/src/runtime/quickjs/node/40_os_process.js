// `os` and the `process` global (`env` filtered to a few variables, `platform`, `cwd()`, `nextTick`,
// `versions`, …).

let osFacts = null;
const facts = () => osFacts || (osFacts = JSON.parse(host.node.os()));

shim.nodeDefine('os', () => ({
  EOL: '\n',
  platform: () => facts().platform,
  type: () => (facts().platform === 'linux' ? 'Linux' : facts().platform === 'macos' ? 'Darwin' : facts().platform),
  arch: () => facts().arch,
  release: () => facts().release,
  version: () => facts().release,
  hostname: () => facts().hostname,
  homedir: () => facts().homedir,
  tmpdir: () => facts().tmpdir,
  endianness: () => 'LE',
  cpus: () => Array.from({ length: facts().cpus }, () => ({ model: 'unknown', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } })),
  availableParallelism: () => facts().cpus,
  totalmem: () => 0,
  freemem: () => 0,
  uptime: () => 0,
  loadavg: () => [0, 0, 0],
  networkInterfaces: () => ({}),
  userInfo: () => ({ username: facts().username, uid: facts().uid, gid: facts().gid, shell: null, homedir: facts().homedir }),
  constants: { signals: {}, errno: {} },
  devNull: '/dev/null',
}));

shim.nodeDefine('process', (load) => {
  const EventEmitter = load('events');
  const process = new EventEmitter();
  const started = performance.now();
  Object.assign(process, {
    title: 'exthost',
    version: 'v20.0.0',
    versions: { node: '20.0.0', exthost: '0.1.0', quickjs: 'ng' },
    release: { name: 'node' },
    arch: facts().arch,
    platform: facts().platform === 'macos' ? 'darwin' : facts().platform,
    pid: facts().pid,
    ppid: 0,
    argv: ['exthost', host.extensionPath],
    argv0: 'exthost',
    execArgv: [],
    execPath: 'exthost',
    exitCode: undefined,
    env: JSON.parse(host.node.env()),
    cwd: () => host.node.cwd(),
    chdir: () => { throw new Error('exthost: process.chdir is not available to extensions'); },
    exit: (code) => { throw new Error('exthost: process.exit(' + (code === undefined ? '' : code) + ') is not available to extensions'); },
    abort: () => { throw new Error('exthost: process.abort is not available to extensions'); },
    kill: () => { throw new Error('exthost: process.kill needs the Deno engine'); },
    nextTick: (callback, ...args) => queueMicrotask(() => callback(...args)),
    uptime: () => (performance.now() - started) / 1000,
    hrtime: Object.assign((previous) => {
      const now = performance.now();
      const seconds = Math.floor(now / 1000);
      const nanos = Math.floor((now % 1000) * 1e6);
      if (!previous) return [seconds, nanos];
      let [s, n] = [seconds - previous[0], nanos - previous[1]];
      if (n < 0) { s -= 1; n += 1e9; }
      return [s, n];
    }, { bigint: () => BigInt(Math.floor(performance.now() * 1e6)) }),
    memoryUsage: Object.assign(() => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }), { rss: () => 0 }),
    emitWarning: (warning) => host.log('warn', String(warning && warning.message ? warning.message : warning)),
    umask: () => 0o22,
    getuid: () => facts().uid,
    getgid: () => facts().gid,
    stdout: { write: (text) => { host.log('info', String(text).replace(/\n$/, '')); return true; }, isTTY: false, fd: 1 },
    stderr: { write: (text) => { host.log('warn', String(text).replace(/\n$/, '')); return true; }, isTTY: false, fd: 2 },
    stdin: { isTTY: false, fd: 0 },
    binding: () => { throw new Error('exthost: process.binding is not available'); },
  });
  return process;
});
