//! The engine's own JS (the bootstrap modules and the `vscode` shim) compiled to QuickJS bytecode once per
//! process, so that each extension's runtime reads bytecode instead of parsing ~200 KB of source (parsing
//! was ~90% of a runtime's start-up).
//!
//! [`Prelude::compile`] compiles each script exactly as `JS_Eval` would (same source, file name and
//! flags) in a scratch runtime, and keeps the bytecode with its debug information (stack traces name the
//! same files and lines) but not its source: the shim's own functions answer `toString()` as native ones
//! do, which saves about a quarter of an idle extension's memory. Extensions' code is compiled from source
//! as usual and keeps its source.
//! [`Prelude::bootstrap`] and [`Prelude::shim`] then do in an extension's context what `JS_Eval` does
//! after compiling: instantiate the script and run it.
//!
//! rquickjs 0.14 writes and loads bytecode only for modules (`Module::write`, `Module::load`); these are
//! scripts (the shim runs in sloppy mode, and a module would be strict), so this file uses the C API
//! (`rquickjs::qjs`) for the four calls it needs. The bytecode never leaves the process: it is read back
//! by the same QuickJS that wrote it.

use std::ffi::CString;

use rquickjs::{Array, Context, Ctx, Function, Runtime, Value, qjs};

/// The compiled bootstrap and shim, shared by every runtime of the process.
#[derive(Debug)]
pub(crate) struct Prelude {
    /// Each bootstrap module as a strict script `(function (core) {…})`, in load order.
    bootstrap: Vec<Vec<u8>>,
    /// Each shim file as a script `(function (shim, host) {…})`, in load order, with its file name.
    shim: Vec<(String, Vec<u8>)>,
}

impl Prelude {
    /// Compiles every `(file name, source)` of the bootstrap (strict, wrapped in `(function (core) {…})`,
    /// as `exthost:<file name>`) and of the shim (sloppy, wrapped in `(function (shim, host) {…})`, as
    /// `exthost:vscode-shim/src/<file name>`). The error names the file that does not compile.
    pub(crate) fn compile(
        bootstrap: &[(&str, &str)],
        shim: &[(&str, &str)],
    ) -> Result<Self, String> {
        let runtime = Runtime::new().map_err(|error| error.to_string())?;
        let context = Context::full(&runtime).map_err(|error| error.to_string())?;
        context.with(|ctx| {
            let compile = |source: String, file_name: &str, strict: bool| {
                compile_script(&ctx, source, file_name, strict)
                    .map_err(|error| format!("{file_name}: {}", describe(&ctx, error)))
            };
            let bootstrap = bootstrap
                .iter()
                .map(|(file_name, source)| {
                    compile(
                        format!("(function (core) {{{source}\n}})"),
                        &format!("exthost:{file_name}"),
                        true,
                    )
                })
                .collect::<Result<_, _>>()?;
            let shim = shim
                .iter()
                .map(|(file_name, source)| {
                    let bytecode = compile(
                        format!("(function (shim, host) {{{source}\n}})"),
                        &format!("exthost:vscode-shim/src/{file_name}"),
                        false,
                    )?;
                    Ok::<_, String>(((*file_name).to_owned(), bytecode))
                })
                .collect::<Result<_, _>>()?;
            Ok(Self { bootstrap, shim })
        })
    }

    /// The bootstrap modules' functions, in `ctx`, in load order.
    pub(crate) fn bootstrap<'js>(&self, ctx: &Ctx<'js>) -> rquickjs::Result<Vec<Function<'js>>> {
        self.bootstrap
            .iter()
            .map(|bytecode| run_script(ctx, bytecode)?.get())
            .collect()
    }

    /// The shim's file names, in load order (a file's index is its place here).
    pub(crate) fn shim_names(&self) -> impl Iterator<Item = &str> {
        self.shim.iter().map(|(name, _)| name.as_str())
    }

    /// The functions of the shim's files whose index `eager` admits, in `ctx`, in load order. The others
    /// are read later, one by one, with [`Prelude::shim_file`].
    pub(crate) fn shim<'js>(
        &self,
        ctx: &Ctx<'js>,
        eager: impl Fn(usize) -> bool,
    ) -> rquickjs::Result<Array<'js>> {
        let files = Array::new(ctx.clone())?;
        let mut length = 0;
        for (index, (_, bytecode)) in self.shim.iter().enumerate() {
            if eager(index) {
                files.set(length, run_script(ctx, bytecode)?)?;
                length += 1;
            }
        }
        Ok(files)
    }

    /// The function of the shim's file `index`, in `ctx` (undefined past the last file).
    pub(crate) fn shim_file<'js>(
        &self,
        ctx: &Ctx<'js>,
        index: usize,
    ) -> rquickjs::Result<Value<'js>> {
        match self.shim.get(index) {
            Some((_, bytecode)) => run_script(ctx, bytecode),
            None => Ok(Value::new_undefined(ctx.clone())),
        }
    }
}

/// Compiles a global script without running it, and writes its bytecode.
fn compile_script(
    ctx: &Ctx<'_>,
    source: String,
    file_name: &str,
    strict: bool,
) -> rquickjs::Result<Vec<u8>> {
    let length = source.len();
    let source = CString::new(source)?;
    let file_name = CString::new(file_name)?;
    let mut flags = qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
    if strict {
        flags |= qjs::JS_EVAL_FLAG_STRICT;
    }
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: `raw` is the live context `ctx` borrows, used on this thread; `source` is NUL-terminated
    // as `JS_Eval` requires and `length` excludes the NUL. The compiled function is owned here and handed
    // to a `Value`, which frees it; the buffer `JS_WriteObject` returns is copied, then freed with the
    // allocator it came from.
    unsafe {
        qjs::JS_UpdateStackTop(qjs::JS_GetRuntime(raw));
        let function = qjs::JS_Eval(
            raw,
            source.as_ptr(),
            length as _,
            file_name.as_ptr(),
            flags as i32,
        );
        if qjs::JS_IsException(function) {
            return Err(rquickjs::Error::Exception);
        }
        let function = Value::from_raw(ctx.clone(), function);
        let mut size = 0;
        let buffer = qjs::JS_WriteObject(
            raw,
            &mut size,
            function.as_raw(),
            // The source is not kept: it was ~300 KB of every runtime's heap, and only
            // `Function.prototype.toString` of the shim's own functions would show it.
            (qjs::JS_WRITE_OBJ_BYTECODE | qjs::JS_WRITE_OBJ_STRIP_SOURCE) as i32,
        );
        if buffer.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let bytecode = std::slice::from_raw_parts(buffer, size as usize).to_vec();
        qjs::js_free(raw, buffer.cast());
        Ok(bytecode)
    }
}

/// Reads a script's bytecode and runs it; answers what it evaluates to.
fn run_script<'js>(ctx: &Ctx<'js>, bytecode: &[u8]) -> rquickjs::Result<Value<'js>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: `raw` is the live context `ctx` borrows, used on this thread. `bytecode` was written by
    // `compile_script` in this process, by the same QuickJS, so it is trusted input for
    // `JS_READ_OBJ_BYTECODE`. `JS_EvalFunction` takes ownership of the function it runs; the value it
    // answers is owned and handed to a `Value`.
    unsafe {
        let function = qjs::JS_ReadObject(
            raw,
            bytecode.as_ptr(),
            bytecode.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        if qjs::JS_IsException(function) {
            return Err(rquickjs::Error::Exception);
        }
        qjs::JS_UpdateStackTop(qjs::JS_GetRuntime(raw));
        let value = qjs::JS_EvalFunction(raw, function);
        if qjs::JS_IsException(value) {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Value::from_raw(ctx.clone(), value))
    }
}

/// The message of a compile error (the pending exception, for [`rquickjs::Error::Exception`]).
fn describe(ctx: &Ctx<'_>, error: rquickjs::Error) -> String {
    if !matches!(error, rquickjs::Error::Exception) {
        return error.to_string();
    }
    let exception: Value = ctx.catch();
    match exception.as_exception() {
        Some(exception) => exception.message().unwrap_or_default(),
        None => format!("{exception:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_runs_from_bytecode_with_its_file_name_and_mode() {
        let prelude = Prelude::compile(
            &[(
                "bootstrap/00_first.js",
                "core.answer = [core.x * 2, new Error('b').stack];",
            )],
            &[(
                "00_sloppy.js",
                "shim.self = (function () { return this; })();",
            )],
        )
        .expect("compiles");
        let runtime = Runtime::new().expect("runtime");
        let context = Context::full(&runtime).expect("context");
        context.with(|ctx| {
            let modules = prelude.bootstrap(&ctx).expect("bootstrap");
            let core = rquickjs::Object::new(ctx.clone()).expect("object");
            core.set("x", 21).expect("set");
            modules[0].call::<_, ()>((core.clone(),)).expect("call");
            let answer: Array = core.get("answer").expect("answer");
            let doubled: f64 = answer.get(0).expect("doubled");
            let stack: String = answer.get(1).expect("stack");
            assert_eq!(doubled, 42.0);
            assert!(stack.contains("exthost:bootstrap/00_first.js:1"), "{stack}");
            let files = prelude.shim(&ctx, |_| true).expect("shim");
            let file: Function = files.get(0).expect("file");
            let shim = rquickjs::Object::new(ctx.clone()).expect("object");
            file.call::<_, ()>((shim.clone(), ())).expect("runs");
            // Sloppy mode: `this` in a plain call is the global object.
            let this: rquickjs::Object = shim.get("self").expect("self");
            assert_eq!(this, ctx.globals());
        });
    }

    #[test]
    fn a_compile_error_names_the_file() {
        let error =
            Prelude::compile(&[], &[("10_broken.js", "let = ;")]).expect_err("does not compile");
        assert!(
            error.starts_with("exthost:vscode-shim/src/10_broken.js: "),
            "{error}"
        );
    }
}
