//! ES module loading for one extension: the resolver and loader rquickjs calls for `import`. Files come
//! from the extension's folder only; `vscode` and `path` are synthetic modules over the shim's objects;
//! a CommonJS file or JSON imported from an ES module is wrapped (its `module.exports` is the default
//! export, its keys the named exports).

use std::path::Path;
use std::rc::Rc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{Ctx, Function, Module, Object, Value};

use super::native::{Shared, read_confined};
use super::resolve::{self, Resolved};

/// Resolves `import` specifiers with [`resolve::resolve`] (preferring `import` export conditions).
pub(crate) struct ModuleResolver {
    shared: Rc<Shared>,
}

impl ModuleResolver {
    pub(crate) fn new(shared: Rc<Shared>) -> Self {
        Self { shared }
    }
}

impl Resolver for ModuleResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        let root = &self.shared.root;
        let base = Path::new(base);
        let from_dir = match base.parent() {
            Some(parent) if base.is_absolute() => parent,
            _ => root.as_path(),
        };
        match resolve::resolve(root, from_dir, name, true) {
            Ok(Resolved::File(path)) => Ok(path.to_string_lossy().into_owned()),
            Ok(Resolved::Builtin(builtin)) => Ok(builtin.to_owned()),
            Err(error) => Err(throw_load_error(ctx, &error.module, &error.reason)),
        }
    }
}

/// Declares the module a resolved name stands for.
pub(crate) struct ModuleLoader {
    shared: Rc<Shared>,
}

impl ModuleLoader {
    pub(crate) fn new(shared: Rc<Shared>) -> Self {
        Self { shared }
    }
}

impl Loader for ModuleLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        let root = &self.shared.root;
        if resolve::BUILTIN_MODULES.contains(&name) {
            let names: Vec<String> = entry(ctx, "builtinExportNames")?.call((name,))?;
            let source = wrapper_source(&format!("globalThis.__exthost.builtin({name:?})"), &names);
            return Module::declare(ctx.clone(), name, source);
        }
        let path = Path::new(name);
        if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            let text =
                read_confined(root, path).map_err(|reason| throw_load_error(ctx, name, &reason))?;
            if let Err(error) = serde_json::from_str::<serde_json::Value>(&text) {
                return Err(throw_load_error(
                    ctx,
                    name,
                    &format!("invalid JSON: {error}"),
                ));
            }
            return declare(ctx, name, format!("export default {text};"));
        }
        if resolve::is_es_module(root, path) {
            let source =
                read_confined(root, path).map_err(|reason| throw_load_error(ctx, name, &reason))?;
            return declare(ctx, name, source);
        }
        // CommonJS imported from an ES module: run it through `require` now, export what it exported.
        let exports: Value<'js> = entry(ctx, "requireForEsm")?.call((name,))?;
        let names = match exports.as_object() {
            Some(object) if !exports.is_function() => object
                .keys::<String>()
                .filter_map(Result::ok)
                .filter(|key| is_identifier(key) && key != "default")
                .collect(),
            _ => Vec::new(),
        };
        let access = format!("globalThis.__exthost.requireForEsm({name:?})");
        declare(ctx, name, wrapper_source(&access, &names))
    }
}

/// Declares a module, turning a syntax error into a load error naming the file.
fn declare<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    source: String,
) -> rquickjs::Result<Module<'js, Declared>> {
    Module::declare(ctx.clone(), name, source).map_err(|error| {
        let reason = match error {
            rquickjs::Error::Exception => {
                let exception = ctx.catch();
                // An import of this module failed to load: that failure names the module at fault.
                let nested = entry(ctx, "isLoadError")
                    .and_then(|is_load_error| is_load_error.call::<_, bool>((exception.clone(),)));
                if nested.unwrap_or(false) {
                    return ctx.throw(exception);
                }
                describe_exception(&exception)
            }
            other => other.to_string(),
        };
        throw_load_error(ctx, name, &reason)
    })
}

fn describe_exception(value: &Value<'_>) -> String {
    match value.as_exception() {
        Some(exception) => {
            let name: String = exception.get("name").unwrap_or_else(|_| "Error".to_owned());
            let message = exception.message().unwrap_or_default();
            let frame = exception.stack().and_then(|stack| {
                stack
                    .lines()
                    .map(str::trim)
                    .find(|line| !line.is_empty())
                    .map(str::to_owned)
            });
            match frame {
                Some(frame) => format!("{name}: {message} ({frame})"),
                None => format!("{name}: {message}"),
            }
        }
        None => format!("{value:?}"),
    }
}

/// `const m = <access>; export default m; export const { a, b } = m;`
fn wrapper_source(access: &str, names: &[String]) -> String {
    let mut source = format!("const m = {access};\nexport default m;\n");
    if !names.is_empty() {
        source.push_str(&format!("export const {{ {} }} = m;\n", names.join(", ")));
    }
    source
}

fn is_identifier(key: &str) -> bool {
    const RESERVED: &[&str] = &[
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "let",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ];
    let mut characters = key.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == '$')
        && characters.all(|rest| rest.is_ascii_alphanumeric() || rest == '_' || rest == '$')
        && !RESERVED.contains(&key)
}

/// One of the entry points `bootstrap.js` publishes on `globalThis.__exthost`.
pub(crate) fn entry<'js>(ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Function<'js>> {
    ctx.globals().get::<_, Object<'js>>("__exthost")?.get(name)
}

/// Throws the tagged error `bootstrap.js` reports as [`crate::runtime::RuntimeError::Load`].
fn throw_load_error(ctx: &Ctx<'_>, module: &str, reason: &str) -> rquickjs::Error {
    match entry(ctx, "loadError").and_then(|make| make.call::<_, Value<'_>>((module, reason))) {
        Ok(error) => ctx.throw(error),
        Err(error) => error,
    }
}
