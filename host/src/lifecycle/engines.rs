//! The engines the lifecycle runs extensions with, injected at [`Lifecycle::start`](super::Lifecycle::start):
//! the server wires the real ones ([`Engines::real`]); the lifecycle's unit tests wire a scripted fake.

use std::sync::Arc;

use crate::manifest::JsEngine;
use crate::runtime::Engine;
use crate::runtime::deno::DenoEngine;
use crate::runtime::native::NativeEngine;
use crate::runtime::quickjs::QuickJsEngine;

/// One engine per kind of extension code. Cloning shares the engines.
#[derive(Clone)]
pub struct Engines {
    /// QuickJS: JavaScript extensions unless Deno is chosen.
    pub quickjs: Arc<dyn Engine>,
    /// Deno: JavaScript extensions that ask for it, and VS Code extensions when it is available.
    pub deno: Arc<dyn Engine>,
    /// Native (Rust cdylib) extensions.
    pub native: Arc<dyn Engine>,
}

impl Engines {
    /// The real engines: QuickJS, the `deno` found on this machine (if any) and native libraries.
    pub fn real() -> Self {
        Self::with_quickjs(Arc::new(QuickJsEngine::new()))
    }

    /// `quickjs` for QuickJS extensions, the real Deno and native engines for the others.
    pub fn with_quickjs(quickjs: Arc<dyn Engine>) -> Self {
        Self {
            quickjs,
            deno: Arc::new(DenoEngine::new()),
            native: Arc::new(NativeEngine::new()),
        }
    }

    /// The same engine for every kind of extension (the lifecycle's unit tests).
    pub fn all(engine: Arc<dyn Engine>) -> Self {
        Self {
            quickjs: Arc::clone(&engine),
            deno: Arc::clone(&engine),
            native: engine,
        }
    }

    /// The engine for JavaScript extensions run in `engine`.
    pub fn javascript(&self, engine: JsEngine) -> &Arc<dyn Engine> {
        match engine {
            JsEngine::QuickJs => &self.quickjs,
            JsEngine::Deno => &self.deno,
        }
    }
}

impl Default for Engines {
    fn default() -> Self {
        Self::real()
    }
}

/// A JavaScript engine given alone is the QuickJS engine; Deno and native are the real ones.
impl From<Arc<dyn Engine>> for Engines {
    fn from(quickjs: Arc<dyn Engine>) -> Self {
        Self::with_quickjs(quickjs)
    }
}

/// A JavaScript engine given alone is the QuickJS engine; Deno and native are the real ones.
impl<E: Engine + 'static> From<Arc<E>> for Engines {
    fn from(quickjs: Arc<E>) -> Self {
        Self::with_quickjs(quickjs)
    }
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Engines")
            .field("quickjs", &self.quickjs.name())
            .field("deno", &self.deno.name())
            .field("native", &self.native.name())
            .finish()
    }
}
