// Globals whose engine behaviour differs from VS Code's runtime (Node's collation). The web globals
// (TextEncoder, URL, …) are in `02_web.js`.

// `String.prototype.localeCompare` as Node (ICU's root collation) answers (`02_collation.js`, which
// QuickJS reads on the first call: `LAZY_SHIM_GROUPS` in quickjs.rs).
Object.defineProperty(String.prototype, 'localeCompare', {
  value: function localeCompareLikeNode(that, locales, options) {
    void locales;
    return shim.internal.localeCompare.call(String(this), String(that), options);
  },
  writable: true,
  configurable: true,
  enumerable: false,
});
