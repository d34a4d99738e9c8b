//! JSON-RPC 2.0 messages: requests, notifications and responses, their classification and serialisation.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::error_code;
use crate::json::{self, JsonError};

/// A request id: JSON-RPC allows an integer or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    /// An integer id, e.g. `1`.
    Number(i64),
    /// A string id, e.g. `"a1"`.
    String(String),
}

impl fmt::Display for Id {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Number(number) => write!(formatter, "{number}"),
            Id::String(string) => formatter.write_str(string),
        }
    }
}

impl From<i64> for Id {
    fn from(number: i64) -> Self {
        Id::Number(number)
    }
}

impl From<String> for Id {
    fn from(string: String) -> Self {
        Id::String(string)
    }
}

impl From<&str> for Id {
    fn from(string: &str) -> Self {
        Id::String(string.to_owned())
    }
}

/// A request: a call that expects a response with the same id.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The id the response will carry.
    pub id: Id,
    /// The method to call, e.g. `exthost/enable`.
    pub method: String,
    /// The parameters: an array or an object, or `None` when absent.
    pub params: Option<Value>,
}

/// A notification: a call that gets no response.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The method to call, e.g. `exthost/extensionStateChanged`.
    pub method: String,
    /// The parameters: an array or an object, or `None` when absent.
    pub params: Option<Value>,
}

/// The `error` member of a failed response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseError {
    /// The error code, one of [`crate::error_code`] or an application-defined one.
    pub code: i64,
    /// A short description of the error.
    pub message: String,
    /// Additional information about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ResponseError {
    /// An error with the given code and message and no data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ResponseError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// This error with `data` attached.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// A -32700 error: the message body is not valid JSON.
    pub fn parse_error(message: impl Into<String>) -> Self {
        ResponseError::new(error_code::PARSE_ERROR, message)
    }

    /// A -32600 error: the JSON is not a valid request.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        ResponseError::new(error_code::INVALID_REQUEST, message)
    }

    /// A -32601 error naming the unknown method: `method not found: foo/bar`.
    pub fn method_not_found(method: &str) -> Self {
        ResponseError::new(
            error_code::METHOD_NOT_FOUND,
            format!("method not found: {method}"),
        )
    }

    /// A -32602 error: the parameters do not fit the method.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        ResponseError::new(error_code::INVALID_PARAMS, message)
    }

    /// A -32603 error: the handler failed unexpectedly.
    pub fn internal(message: impl Into<String>) -> Self {
        ResponseError::new(error_code::INTERNAL_ERROR, message)
    }

    /// A -32002 error: a request arrived before `initialize`.
    pub fn not_initialized() -> Self {
        ResponseError::new(error_code::SERVER_NOT_INITIALIZED, "server not initialized")
    }
}

/// What a response carries: exactly one of a result or an error.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponsePayload {
    /// The request succeeded with this value (which may be `null`).
    Result(Value),
    /// The request failed.
    Error(ResponseError),
}

/// A response to a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The id of the request answered; `None` (serialised as `null`) when it could not be read.
    pub id: Option<Id>,
    /// The result or the error.
    pub payload: ResponsePayload,
}

impl Response {
    /// A successful response.
    pub fn ok(id: Id, result: Value) -> Self {
        Response {
            id: Some(id),
            payload: ResponsePayload::Result(result),
        }
    }

    /// A failed response; `id` is `None` when the request's id could not be read.
    pub fn error(id: Option<Id>, error: ResponseError) -> Self {
        Response {
            id,
            payload: ResponsePayload::Error(error),
        }
    }
}

/// Any JSON-RPC 2.0 message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A call expecting a response.
    Request(Request),
    /// A call expecting no response.
    Notification(Notification),
    /// The answer to a request.
    Response(Response),
}

impl From<Request> for Message {
    fn from(request: Request) -> Self {
        Message::Request(request)
    }
}

impl From<Notification> for Message {
    fn from(notification: Notification) -> Self {
        Message::Notification(notification)
    }
}

impl From<Response> for Message {
    fn from(response: Response) -> Self {
        Message::Response(response)
    }
}

/// Why a message body is not a JSON-RPC 2.0 message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MessageError {
    /// The body is not valid JSON.
    #[error("parse error: {0}")]
    Parse(String),
    /// The body is JSON but not a valid JSON-RPC 2.0 message.
    #[error("invalid request: {reason}")]
    Invalid {
        /// The message's id, when it could be read.
        id: Option<Id>,
        /// What is wrong with the message.
        reason: String,
    },
}

impl MessageError {
    /// The error response to send back: -32700 with a `null` id, or -32600 with the id when known.
    pub fn to_response(&self) -> Response {
        match self {
            MessageError::Parse(message) => {
                Response::error(None, ResponseError::parse_error(message.clone()))
            }
            MessageError::Invalid { id, reason } => {
                Response::error(id.clone(), ResponseError::invalid_request(reason.clone()))
            }
        }
    }
}

impl Message {
    /// Parses and classifies one message body, following JSON-RPC 2.0 strictly.
    ///
    /// Nesting up to [`json::MAX_DEPTH`] levels is carried; a deeper message is refused with -32600
    /// naming its depth, answered to its own id when that id can be read.
    pub fn from_slice(bytes: &[u8]) -> Result<Message, MessageError> {
        let value: Value = match json::from_slice(bytes) {
            Ok(value) => value,
            Err(JsonError::Syntax(message)) => return Err(MessageError::Parse(message)),
            Err(too_deep @ JsonError::TooDeep { .. }) => {
                return Err(invalid(read_id(bytes), too_deep.to_string()));
            }
        };
        Message::from_value(value)
    }

    /// Classifies a parsed JSON value as a request, a notification or a response.
    pub fn from_value(value: Value) -> Result<Message, MessageError> {
        let mut object = match value {
            Value::Object(object) => object,
            Value::Array(_) => {
                return Err(invalid(
                    None,
                    "batch messages (JSON arrays) are not supported by LSP",
                ));
            }
            other => {
                return Err(invalid(
                    None,
                    format!("a message must be a JSON object, not {}", kind(&other)),
                ));
            }
        };
        // `None`: no `id` member; `Some(Ok(None))`: `"id": null`.
        let id: Option<Result<Option<Id>, &str>> = object.remove("id").map(|id| match id {
            Value::Null => Ok(None),
            Value::String(string) => Ok(Some(Id::String(string))),
            Value::Number(number) => number
                .as_i64()
                .map(|number| Some(Id::Number(number)))
                .ok_or(BAD_ID),
            _ => Err(BAD_ID),
        });
        let recovered = id.clone().and_then(Result::ok).flatten();
        let fail = |reason: String| Err(invalid(recovered.clone(), reason));

        match object.get("jsonrpc") {
            Some(Value::String(version)) if version == "2.0" => {}
            None => return fail("missing \"jsonrpc\": \"2.0\"".to_owned()),
            Some(other) => return fail(format!("\"jsonrpc\" must be \"2.0\", not {other}")),
        }
        let id = match id.transpose() {
            Ok(id) => id,
            Err(reason) => return fail(reason.to_owned()),
        };

        if let Some(method) = object.remove("method") {
            let Value::String(method) = method else {
                return fail(format!(
                    "\"method\" must be a string, not {}",
                    kind(&method)
                ));
            };
            // `"params": null` is read as absent: some clients send it, e.g. for `shutdown`.
            let params = match object.remove("params") {
                None | Some(Value::Null) => None,
                Some(params @ (Value::Array(_) | Value::Object(_))) => Some(params),
                Some(other) => {
                    return fail(format!(
                        "\"params\" must be an array or an object, not {}",
                        kind(&other)
                    ));
                }
            };
            return match id {
                None => Ok(Message::Notification(Notification { method, params })),
                Some(None) => fail("a request's \"id\" must not be null".to_owned()),
                Some(Some(id)) => Ok(Message::Request(Request { id, method, params })),
            };
        }

        let payload = match (object.remove("result"), object.remove("error")) {
            (Some(result), None) => ResponsePayload::Result(result),
            (None, Some(error)) => match serde_json::from_value(error) {
                Ok(error) => ResponsePayload::Error(error),
                Err(error) => return fail(format!("invalid \"error\" object: {error}")),
            },
            (Some(_), Some(_)) => {
                return fail("a response must not have both \"result\" and \"error\"".to_owned());
            }
            (None, None) => {
                return fail("a message needs \"method\", or \"result\" or \"error\"".to_owned());
            }
        };
        match id {
            Some(id) => Ok(Message::Response(Response { id, payload })),
            None => fail("a response must have an \"id\"".to_owned()),
        }
    }

    /// The JSON body of this message, always with `"jsonrpc": "2.0"`.
    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("invariant: a message of JSON values always serialises")
    }
}

/// The top-level `id` of a message too deep to parse as a tree, when it is an integer or a string. Reads
/// the text once without building anything for the other members.
fn read_id(bytes: &[u8]) -> Option<Id> {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(default)]
        id: IdOnly,
    }
    json::from_slice_unchecked::<Envelope>(bytes)
        .ok()
        .and_then(|envelope| envelope.id.0)
}

/// An `id` member read without building a tree: an integer or a string, else nothing.
#[derive(Default)]
struct IdOnly(Option<Id>);

impl<'de> Deserialize<'de> for IdOnly {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl<'de> serde::de::Visitor<'de> for IdVisitor {
            type Value = IdOnly;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON-RPC id")
            }
            fn visit_i64<E>(self, number: i64) -> Result<IdOnly, E> {
                Ok(IdOnly(Some(Id::Number(number))))
            }
            fn visit_u64<E>(self, number: u64) -> Result<IdOnly, E> {
                Ok(IdOnly(i64::try_from(number).ok().map(Id::Number)))
            }
            fn visit_f64<E>(self, _: f64) -> Result<IdOnly, E> {
                Ok(IdOnly(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<IdOnly, E> {
                Ok(IdOnly(None))
            }
            fn visit_str<E>(self, text: &str) -> Result<IdOnly, E> {
                Ok(IdOnly(Some(Id::String(text.to_owned()))))
            }
            fn visit_unit<E>(self) -> Result<IdOnly, E> {
                Ok(IdOnly(None))
            }
            fn visit_none<E>(self) -> Result<IdOnly, E> {
                Ok(IdOnly(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<IdOnly, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(IdOnly(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<IdOnly, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(IdOnly(None))
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

const BAD_ID: &str = "\"id\" must be an integer, a string or null";

fn invalid(id: Option<Id>, reason: impl Into<String>) -> MessageError {
    MessageError::Invalid {
        id,
        reason: reason.into(),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("jsonrpc", "2.0")?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("method", &self.method)?;
        if let Some(params) = &self.params {
            map.serialize_entry("params", params)?;
        }
        map.end()
    }
}

impl Serialize for Notification {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("jsonrpc", "2.0")?;
        map.serialize_entry("method", &self.method)?;
        if let Some(params) = &self.params {
            map.serialize_entry("params", params)?;
        }
        map.end()
    }
}

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("jsonrpc", "2.0")?;
        map.serialize_entry("id", &self.id)?;
        match &self.payload {
            ResponsePayload::Result(result) => map.serialize_entry("result", result)?,
            ResponsePayload::Error(error) => map.serialize_entry("error", error)?,
        }
        map.end()
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Message::Request(request) => request.serialize(serializer),
            Message::Notification(notification) => notification.serialize(serializer),
            Message::Response(response) => response.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    enum Expected {
        Request,
        Notification,
        Response,
        Parse,
        Invalid(Option<Id>),
    }

    #[test]
    fn classifies_messages() {
        use Expected::*;
        let cases: &[(&str, Expected)] = &[
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
                Request,
            ),
            (r#"{"jsonrpc":"2.0","id":"a","method":"shutdown"}"#, Request),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"m","params":[1,2]}"#,
                Request,
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"shutdown","params":null}"#,
                Request,
            ),
            (
                r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
                Notification,
            ),
            (r#"{"jsonrpc":"2.0","method":"exit"}"#, Notification),
            (r#"{"jsonrpc":"2.0","id":1,"result":null}"#, Response),
            (r#"{"jsonrpc":"2.0","id":1,"result":{"a":1}}"#, Response),
            (
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}"#,
                Response,
            ),
            (
                r#"{"jsonrpc":"2.0","id":"x","error":{"code":1,"message":"m","data":[1]}}"#,
                Response,
            ),
            (r#"{"jsonrpc":"2.0","id":1,"method":"#, Parse),
            ("", Parse),
            ("not json", Parse),
            (r#"[{"jsonrpc":"2.0","method":"exit"}]"#, Invalid(None)),
            ("[]", Invalid(None)),
            ("42", Invalid(None)),
            (r#""text""#, Invalid(None)),
            ("null", Invalid(None)),
            (r#"{"id":1,"method":"m"}"#, Invalid(Some(Id::Number(1)))),
            (
                r#"{"jsonrpc":"1.0","id":1,"method":"m"}"#,
                Invalid(Some(Id::Number(1))),
            ),
            (
                r#"{"jsonrpc":2.0,"id":"s","method":"m"}"#,
                Invalid(Some(Id::String("s".into()))),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
                Invalid(Some(Id::Number(1))),
            ),
            (r#"{"jsonrpc":"2.0","method":null}"#, Invalid(None)),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#, Invalid(None)),
            (r#"{"jsonrpc":"2.0","id":true,"method":"m"}"#, Invalid(None)),
            (r#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#, Invalid(None)),
            (r#"{"jsonrpc":"2.0","id":{},"result":1}"#, Invalid(None)),
            (r#"{"jsonrpc":"2.0","id":null,"method":"m"}"#, Invalid(None)),
            (
                r#"{"jsonrpc":"2.0","id":7,"method":"m","params":"p"}"#,
                Invalid(Some(Id::Number(7))),
            ),
            (
                r#"{"jsonrpc":"2.0","method":"m","params":3}"#,
                Invalid(None),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}}"#,
                Invalid(Some(Id::Number(1))),
            ),
            (r#"{"jsonrpc":"2.0","id":1}"#, Invalid(Some(Id::Number(1)))),
            (r#"{"jsonrpc":"2.0"}"#, Invalid(None)),
            (r#"{"jsonrpc":"2.0","result":1}"#, Invalid(None)),
            (
                r#"{"jsonrpc":"2.0","id":2,"error":{"code":"x","message":"m"}}"#,
                Invalid(Some(Id::Number(2))),
            ),
            (
                r#"{"jsonrpc":"2.0","id":2,"error":"oops"}"#,
                Invalid(Some(Id::Number(2))),
            ),
        ];
        for (input, expected) in cases {
            let actual = Message::from_slice(input.as_bytes());
            let matches = match (expected, &actual) {
                (Request, Ok(Message::Request(_)))
                | (Notification, Ok(Message::Notification(_)))
                | (Response, Ok(Message::Response(_)))
                | (Parse, Err(MessageError::Parse(_))) => true,
                (Invalid(expected_id), Err(MessageError::Invalid { id, .. })) => expected_id == id,
                _ => false,
            };
            assert!(matches, "{input} was classified as {actual:?}");
        }
    }

    fn nested_params(levels: usize) -> String {
        format!(
            r#"{{"jsonrpc":"2.0","method":"m","params":{}1{},"id":7}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    }

    #[test]
    fn deep_params_are_carried_and_deeper_ones_answered_to_their_id() {
        // serde_json alone refuses 128 levels and the id would be lost with -32700.
        // The message's own object is one level: params may nest one less than the limit.
        for levels in [126, 200, crate::json::MAX_DEPTH - 1] {
            match Message::from_slice(nested_params(levels).as_bytes()) {
                Ok(Message::Request(request)) => {
                    assert_eq!(request.id, Id::Number(7));
                    let params = request.params.expect("params");
                    let mut inner = &params;
                    let mut depth = 0;
                    while let Value::Array(items) = inner {
                        inner = &items[0];
                        depth += 1;
                    }
                    assert_eq!(depth, levels);
                }
                other => panic!("{levels} levels: {other:?}"),
            }
        }
        let too_deep = Message::from_slice(nested_params(100_000).as_bytes()).unwrap_err();
        assert_eq!(
            too_deep,
            MessageError::Invalid {
                id: Some(Id::Number(7)),
                reason: "JSON nested 100001 levels deep; the limit is 1024".to_owned()
            }
        );
        let response = too_deep.to_response();
        assert_eq!(response.id, Some(Id::Number(7)));
    }

    #[test]
    fn batch_reason_mentions_lsp() {
        let error = Message::from_slice(b"[]").unwrap_err();
        assert!(
            error.to_string().contains("not supported by LSP"),
            "{error}"
        );
    }

    #[test]
    fn errors_become_responses() {
        let parse = Message::from_slice(b"{").unwrap_err().to_response();
        assert_eq!(serde_json::to_value(&parse).unwrap()["id"], Value::Null);
        assert!(matches!(
            parse.payload,
            ResponsePayload::Error(ResponseError {
                code: error_code::PARSE_ERROR,
                ..
            })
        ));

        let invalid = Message::from_slice(br#"{"jsonrpc":"2.0","id":"q","method":1}"#)
            .unwrap_err()
            .to_response();
        assert_eq!(invalid.id, Some(Id::String("q".into())));
        assert!(matches!(
            invalid.payload,
            ResponsePayload::Error(ResponseError {
                code: error_code::INVALID_REQUEST,
                ..
            })
        ));
    }

    #[test]
    fn serialises_exact_shapes() {
        let cases: Vec<(Message, Value)> = vec![
            (
                Request {
                    id: Id::Number(1),
                    method: "m".into(),
                    params: Some(json!({"a": 1})),
                }
                .into(),
                json!({"jsonrpc": "2.0", "id": 1, "method": "m", "params": {"a": 1}}),
            ),
            (
                Request {
                    id: "s".into(),
                    method: "m".into(),
                    params: None,
                }
                .into(),
                json!({"jsonrpc": "2.0", "id": "s", "method": "m"}),
            ),
            (
                Notification {
                    method: "n".into(),
                    params: Some(json!([1])),
                }
                .into(),
                json!({"jsonrpc": "2.0", "method": "n", "params": [1]}),
            ),
            (
                Notification {
                    method: "exit".into(),
                    params: None,
                }
                .into(),
                json!({"jsonrpc": "2.0", "method": "exit"}),
            ),
            (
                Response::ok(Id::Number(3), Value::Null).into(),
                json!({"jsonrpc": "2.0", "id": 3, "result": null}),
            ),
            (
                Response::error(None, ResponseError::parse_error("bad")).into(),
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "bad"}}),
            ),
            (
                Response::error(
                    Some(Id::Number(4)),
                    ResponseError::internal("x").with_data(json!({"k": 1})),
                )
                .into(),
                json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32603, "message": "x", "data": {"k": 1}}}),
            ),
        ];
        for (message, expected) in cases {
            let bytes = message.to_vec();
            let value: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(value, expected);
            assert_eq!(
                Message::from_slice(&bytes).unwrap(),
                message,
                "round trip of {expected}"
            );
        }
    }

    #[test]
    fn response_error_helpers() {
        let error = ResponseError::method_not_found("foo/bar");
        assert_eq!(error.code, error_code::METHOD_NOT_FOUND);
        assert_eq!(error.message, "method not found: foo/bar");
        assert_eq!(
            ResponseError::invalid_params("p").code,
            error_code::INVALID_PARAMS
        );
        assert_eq!(
            ResponseError::invalid_request("r").code,
            error_code::INVALID_REQUEST
        );
        assert_eq!(
            ResponseError::not_initialized().code,
            error_code::SERVER_NOT_INITIALIZED
        );
    }

    #[test]
    fn id_display_and_order() {
        assert_eq!(Id::Number(12).to_string(), "12");
        assert_eq!(Id::from("abc").to_string(), "abc");
        assert!(Id::Number(2) < Id::Number(10));
        assert_eq!(
            serde_json::from_str::<Id>("\"7\"").unwrap(),
            Id::String("7".into())
        );
        assert_eq!(serde_json::from_str::<Id>("7").unwrap(), Id::Number(7));
    }
}
