//! Typed dispatch of requests, in the style of rust-analyzer's `RequestDispatcher`: each method is
//! registered with `on::<R>(handler)` for its definition `R` (an `exthost/*` method of the catalogue in
//! `exthost_protocol::methods`, or an LSP request of `ls-types`); the params are parsed once into
//! `R::Params` (a bad shape is -32602 before the handler runs), the result serialised from `R::Result`,
//! and whether `$/cancelRequest` may abort the request is a property of the method (`R::CANCELLABLE`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use exthost_protocol::ResponseError;
use exthost_protocol::methods::RpcRequest;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Server;
use crate::lifecycle::Lifecycle;

/// The answer a request's task waits for.
pub(super) type Answer = Pin<Box<dyn Future<Output = Result<Value, ResponseError>> + Send>>;

/// A request matched to its handler: the answer to run, and whether `$/cancelRequest` may abort it.
pub(super) struct Dispatched {
    /// Whether `$/cancelRequest` aborts the request's task.
    pub cancellable: bool,
    /// The handler's answer, params already parsed.
    pub answer: Answer,
}

/// What every handler gets besides its params.
pub(super) struct Call {
    /// The server (its editor handle, the session).
    pub server: Arc<Server>,
    /// The session's lifecycle.
    pub lifecycle: Arc<Lifecycle>,
    /// The request's `workDoneToken` (LSP's `WorkDoneProgressParams`), when it carried one.
    pub work_done_token: Option<Value>,
}

/// Parses `params` into `T`; absent params read as `null`. A mismatch is -32602 naming what is wrong.
pub(super) fn parse<T: DeserializeOwned>(params: Option<Value>) -> Result<T, ResponseError> {
    serde_json::from_value(params.unwrap_or(Value::Null))
        .map_err(|error| ResponseError::invalid_params(format!("invalid params: {error}")))
}

fn to_value<T: Serialize>(value: T) -> Result<Value, ResponseError> {
    serde_json::to_value(value).map_err(|error| ResponseError::internal(error.to_string()))
}

/// Matches one request against the methods registered with [`RequestDispatcher::on`] (and
/// [`RequestDispatcher::on_lsp`]); the first that names it handles it.
pub(super) struct RequestDispatcher {
    server: Arc<Server>,
    method: String,
    params: Option<Value>,
    dispatched: Option<Dispatched>,
}

impl RequestDispatcher {
    /// A dispatcher for one request.
    pub fn new(server: &Arc<Server>, method: &str, params: Option<Value>) -> Self {
        Self {
            server: Arc::clone(server),
            method: method.to_owned(),
            params,
            dispatched: None,
        }
    }

    /// Handles the request with `handler` when it is `R`'s method (an `exthost/*` method).
    pub fn on<R, F, Fut>(self, handler: F) -> Self
    where
        R: RpcRequest,
        R::Params: Send + 'static,
        R::Result: 'static,
        F: FnOnce(Call, R::Params) -> Fut,
        Fut: Future<Output = Result<R::Result, ResponseError>> + Send + 'static,
    {
        self.handle::<R::Params, R::Result, F, Fut>(R::METHOD, R::CANCELLABLE, handler)
    }

    /// Handles the request with `handler` when it is the LSP request `R` (from `ls-types`). LSP requests
    /// only ask for answers: every one is cancellable.
    pub fn on_lsp<R, F, Fut>(self, handler: F) -> Self
    where
        R: ls_types::request::Request,
        F: FnOnce(Call, R::Params) -> Fut,
        Fut: Future<Output = Result<R::Result, ResponseError>> + Send + 'static,
    {
        self.handle::<R::Params, R::Result, F, Fut>(R::METHOD, true, handler)
    }

    fn handle<P, T, F, Fut>(mut self, method: &str, cancellable: bool, handler: F) -> Self
    where
        P: DeserializeOwned,
        T: Serialize,
        F: FnOnce(Call, P) -> Fut,
        Fut: Future<Output = Result<T, ResponseError>> + Send + 'static,
    {
        if self.dispatched.is_some() || self.method != method {
            return self;
        }
        let params = self.params.take();
        let answer: Answer = match self.call(params.as_ref()) {
            Err(error) => Box::pin(std::future::ready(Err(error))),
            Ok(call) => match parse::<P>(params) {
                Err(error) => Box::pin(std::future::ready(Err(error))),
                Ok(params) => {
                    let answer = handler(call, params);
                    Box::pin(async move { to_value(answer.await?) })
                }
            },
        };
        self.dispatched = Some(Dispatched {
            cancellable,
            answer,
        });
        self
    }

    fn call(&self, params: Option<&Value>) -> Result<Call, ResponseError> {
        Ok(Call {
            server: Arc::clone(&self.server),
            lifecycle: Arc::clone(self.server.lifecycle()?),
            work_done_token: params
                .and_then(|params| params.get("workDoneToken"))
                .cloned(),
        })
    }

    /// The matched request, or `otherwise`'s answer (cancellable) for a method none of the `on` calls
    /// named: the language features the bridge forwards by name, and unknown methods (-32601).
    pub fn finish<F, Fut>(self, otherwise: F) -> Dispatched
    where
        F: FnOnce(Arc<Server>, String, Option<Value>) -> Fut,
        Fut: Future<Output = Result<Value, ResponseError>> + Send + 'static,
    {
        match self.dispatched {
            Some(dispatched) => dispatched,
            None => Dispatched {
                cancellable: true,
                answer: Box::pin(otherwise(self.server, self.method, self.params)),
            },
        }
    }
}
