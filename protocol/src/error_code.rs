//! JSON-RPC 2.0 and LSP 3.17 error codes, as `i64` constants for `ResponseError::code`.

/// Invalid JSON was received: the message body could not be parsed as JSON.
pub const PARSE_ERROR: i64 = -32700;

/// The JSON sent is not a valid request object (wrong shape, missing `jsonrpc`, bad `id`, a batch…).
pub const INVALID_REQUEST: i64 = -32600;

/// The method does not exist or is not available.
pub const METHOD_NOT_FOUND: i64 = -32601;

/// The method exists but its parameters are invalid.
pub const INVALID_PARAMS: i64 = -32602;

/// An internal error occurred while handling the request.
pub const INTERNAL_ERROR: i64 = -32603;

/// A request arrived before the server received the `initialize` request.
pub const SERVER_NOT_INITIALIZED: i64 = -32002;

/// A generic error code reserved by JSON-RPC for implementation-defined errors.
pub const UNKNOWN_ERROR_CODE: i64 = -32001;

/// A request failed although it was syntactically correct and the method is known; the message says why
/// (for example: an extension cannot be reloaded and a host restart is needed).
pub const REQUEST_FAILED: i64 = -32803;

/// The server cancelled the request; the client may retry it.
pub const SERVER_CANCELLED: i64 = -32802;

/// The document changed while the request was being handled, so the result would be stale.
pub const CONTENT_MODIFIED: i64 = -32801;

/// The client cancelled the request (with `$/cancelRequest`).
pub const REQUEST_CANCELLED: i64 = -32800;
