// `url`: URL and URLSearchParams (the shim's globals), fileURLToPath, pathToFileURL,
// and the legacy parse/format basics.

shim.nodeDefine('url', () => {
  // The shim provides the WHATWG globals (`vscode-shim/src/02_globals.js`).
  const URLClass = globalThis.URL;
  const SearchParamsClass = globalThis.URLSearchParams;

  function fileURLToPath(url) {
    const parsed = typeof url === 'string' ? new URLClass(url) : url;
    if (parsed.protocol !== 'file:') { const error = new TypeError('The URL must be of scheme file'); error.code = 'ERR_INVALID_URL_SCHEME'; throw error; }
    return decodeURIComponent(parsed.pathname);
  }
  function pathToFileURL(path) {
    const absolute = host.path.resolve(String(path));
    const encoded = absolute.split('/').map((part) => encodeURIComponent(part)).join('/');
    return new URLClass('file://' + encoded);
  }
  return {
    URL: URLClass, URLSearchParams: SearchParamsClass, fileURLToPath, pathToFileURL,
    parse: (text) => {
      const url = new URLClass(text);
      return { protocol: url.protocol, host: url.host, hostname: url.hostname, port: url.port || null, pathname: url.pathname,
        search: url.search || null, query: url.search ? url.search.slice(1) : null, hash: url.hash || null, href: url.href };
    },
    format: (url) => (typeof url === 'string' ? url : url.href || String(url)),
  };
});
