//! `Checked<T>`: a manifest field that deserializes even when its value has the wrong type, so that every
//! problem in a file is reported rather than only the first one serde meets.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, de};
use serde_json::Value;

/// One field of a manifest file as read: absent (or `null`), a value of the right type, or a value of the
/// wrong type together with a reason naming the expected type.
///
/// Its JSON Schema is `T`'s, so a struct of `Checked` fields documents the same shape it reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Checked<T> {
    /// The field is absent or `null`.
    #[default]
    Missing,
    /// The field holds a value of the expected type.
    Valid(T),
    /// The field holds a value of another type.
    Invalid {
        /// Says what was expected and what was found, e.g. `expected a string, found number 3`.
        reason: String,
        /// What was found, e.g. `number 3`, for callers that word the expectation themselves.
        found: String,
    },
}

impl<T: DeserializeOwned + JsonSchema> Checked<T> {
    /// Reads `value` as a `T`, describing the mismatch from `T`'s schema when it is not one.
    pub(crate) fn from_value(value: &Value) -> Checked<T> {
        if value.is_null() {
            return Checked::Missing;
        }
        // serde reads a struct from an array too (fields by position); a manifest object must be an object.
        if value.is_array()
            && schema_of::<T>()
                .get("type")
                .is_some_and(|kind| kind == "object")
        {
            return Checked::invalid::<T>(value, "expected an object");
        }
        match T::deserialize(value) {
            Ok(valid) => Checked::Valid(valid),
            Err(error) => Checked::invalid::<T>(value, &error.to_string()),
        }
    }
}

impl<T> Checked<T> {
    /// An invalid value of a field whose schema is `S`'s (that is, `T`'s).
    fn invalid<S: JsonSchema>(value: &Value, serde_message: &str) -> Checked<T> {
        Checked::Invalid {
            reason: mismatch_reason::<S>(value, serde_message),
            found: describe_value(value),
        }
    }
}

/// `T`'s own schema (not a `$ref` to it), as JSON.
fn schema_of<T: JsonSchema>() -> Value {
    T::json_schema(&mut SchemaGenerator::default()).to_value()
}

/// `expected <what T's schema says>, found <what the value is>`; falls back to serde's message when the
/// schema says nothing useful.
fn mismatch_reason<T: JsonSchema>(value: &Value, serde_message: &str) -> String {
    match describe_schema(&schema_of::<T>()) {
        Some(expected) => format!("expected {expected}, found {}", describe_value(value)),
        None => serde_message.to_owned(),
    }
}

/// Describes the JSON types a schema admits, e.g. `a string` or `a string or an object`.
fn describe_schema(schema: &Value) -> Option<String> {
    if let Some(alternatives) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        let described: Option<Vec<String>> = alternatives.iter().map(describe_schema).collect();
        return described.map(|described| described.join(" or "));
    }
    if schema.get("$ref").is_some() {
        return Some("an object".to_owned());
    }
    let types: Vec<&str> = match schema.get("type")? {
        Value::String(single) => vec![single.as_str()],
        Value::Array(several) => several.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    let minimum = schema.get("minimum").and_then(Value::as_i64);
    let described: Vec<String> = types
        .iter()
        .filter(|name| **name != "null")
        .map(|name| match (*name, minimum) {
            ("integer", Some(minimum)) => format!("an integer of at least {minimum}"),
            ("integer", None) => "an integer".to_owned(),
            ("string", _) => "a string".to_owned(),
            ("boolean", _) => "a boolean (true or false)".to_owned(),
            ("number", _) => "a number".to_owned(),
            ("array", _) => "an array".to_owned(),
            ("object", _) => "an object".to_owned(),
            (other, _) => format!("a value of JSON type {other}"),
        })
        .collect();
    (!described.is_empty()).then(|| described.join(" or "))
}

/// Describes a JSON value for an error message: scalars with their value, containers by kind.
pub(crate) fn describe_value(value: &Value) -> String {
    const LONGEST_QUOTE: usize = 40;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(boolean) => format!("boolean {boolean}"),
        Value::Number(number) => format!("number {number}"),
        Value::String(text) if text.chars().count() > LONGEST_QUOTE => {
            let start: String = text.chars().take(LONGEST_QUOTE).collect();
            format!("string \"{start}…\"")
        }
        Value::String(text) => format!("string \"{text}\""),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

impl<'de, T: DeserializeOwned + JsonSchema> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `deserialize_option` makes serde's derive hand an absent field to `visit_none` instead of failing
        // with "missing field", so required fields can be `Checked` too.
        deserializer.deserialize_option(CheckedVisitor(PhantomData))
    }
}

/// Visits the field's value as an `Option`, then checks its type.
struct CheckedVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned + JsonSchema> Visitor<'de> for CheckedVisitor<T> {
    type Value = Checked<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Checked::Missing)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Checked::Missing)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(Checked::from_value(&value))
    }
}

impl<T: JsonSchema> JsonSchema for Checked<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reason of an invalid value, `None` otherwise.
    fn invalid_reason<T>(checked: Checked<T>) -> Option<String> {
        match checked {
            Checked::Invalid { reason, .. } => Some(reason),
            Checked::Missing | Checked::Valid(_) => None,
        }
    }

    #[test]
    fn wrong_types_are_kept_with_a_reason() {
        assert_eq!(
            Checked::<String>::from_value(&json!("a")),
            Checked::Valid("a".to_owned())
        );
        assert_eq!(
            Checked::<String>::from_value(&Value::Null),
            Checked::Missing
        );
        let cases = [
            (
                invalid_reason(Checked::<String>::from_value(&json!(3))),
                "expected a string, found number 3",
            ),
            (
                invalid_reason(Checked::<bool>::from_value(&json!("yes"))),
                "expected a boolean (true or false), found string \"yes\"",
            ),
            (
                invalid_reason(Checked::<Vec<String>>::from_value(&json!({}))),
                "expected an array, found an object",
            ),
        ];
        for (reason, expected) in cases {
            assert_eq!(reason.as_deref(), Some(expected));
        }
    }
}
