//! JSON text to values without serde_json's silent 128-level recursion limit: any nesting up to
//! [`MAX_DEPTH`] is carried (parsed on a growing stack), deeper text is refused with an error naming the
//! depth — never replaced by something else.

use serde::Deserialize;

/// The deepest nesting of arrays and objects the host carries, in every direction (editor → host,
/// extension → host, host → editor). Deeper JSON is an error that names its depth.
pub const MAX_DEPTH: usize = 1024;

/// Why JSON text could not become a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Arrays and objects are nested deeper than [`MAX_DEPTH`].
    #[error("JSON nested {depth} levels deep; the limit is {limit}")]
    TooDeep {
        /// How deep the text nests.
        depth: usize,
        /// The limit it broke ([`MAX_DEPTH`]).
        limit: usize,
    },
    /// The text is not JSON (serde_json's message, with line and column).
    #[error("{0}")]
    Syntax(String),
}

/// How deep arrays and objects nest in `bytes` (0 for a scalar), ignoring brackets inside strings. The
/// text need not be valid JSON.
pub fn depth(bytes: &[u8]) -> usize {
    let mut deepest = 0usize;
    let mut current = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                current += 1;
                deepest = deepest.max(current);
            }
            b']' | b'}' => current = current.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// How deep text may nest to be parsed on the caller's own stack, by serde_json alone (well inside its
/// 128-level recursion limit and any thread's stack). Deeper text goes through a growing stack
/// (`serde_stacker`), which costs a check on every value and, on a thread's first use, a look at the
/// thread's stack (for a process's main thread glibc reads all of `/proc/self/maps`).
const SHALLOW_DEPTH: usize = 64;

/// Parses `bytes` into a value of type `T` when it nests at most [`MAX_DEPTH`] levels.
pub fn from_slice<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, JsonError> {
    let depth = depth(bytes);
    if depth > MAX_DEPTH {
        return Err(JsonError::TooDeep {
            depth,
            limit: MAX_DEPTH,
        });
    }
    if depth <= SHALLOW_DEPTH {
        return serde_json::from_slice(bytes).map_err(|error| JsonError::Syntax(error.to_string()));
    }
    from_slice_unchecked(bytes)
}

/// Parses `text` (see [`from_slice`]).
pub fn from_str<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, JsonError> {
    from_slice(text.as_bytes())
}

/// Parses `bytes` with no recursion limit, on a stack that grows as needed. Only for text whose depth
/// the caller has bounded, or for targets that build no tree (e.g. reading one member of a message).
pub fn from_slice_unchecked<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer.disable_recursion_limit();
    let value = T::deserialize(serde_stacker::Deserializer::new(&mut deserializer))
        .map_err(|error| JsonError::Syntax(error.to_string()))?;
    deserializer
        .end()
        .map_err(|error| JsonError::Syntax(error.to_string()))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn depth_ignores_brackets_in_strings() {
        let cases: &[(&str, usize)] = &[
            ("1", 0),
            ("[]", 1),
            (r#"{"a":[{"b":"[[[["}]}"#, 3),
            (r#"["\"[", ["]"]]"#, 2),
            (r#"["\\", [[]]]"#, 3),
        ];
        for (text, expected) in cases {
            assert_eq!(depth(text.as_bytes()), *expected, "{text}");
        }
    }

    #[test]
    fn carries_values_past_serde_json_s_default_limit() {
        for levels in [
            SHALLOW_DEPTH,
            SHALLOW_DEPTH + 1,
            127,
            128,
            129,
            500,
            MAX_DEPTH,
        ] {
            let value: Value = from_str(&nested(levels)).expect("parses");
            let mut inner = &value;
            let mut seen = 0;
            while let Value::Array(items) = inner {
                inner = &items[0];
                seen += 1;
            }
            assert_eq!(seen, levels);
            assert_eq!(*inner, Value::from(1));
            assert_eq!(
                serde_json::to_string(&value).expect("serialises"),
                nested(levels)
            );
        }
    }

    #[test]
    fn refuses_deeper_text_naming_its_depth() {
        let error = from_str::<Value>(&nested(MAX_DEPTH + 1)).expect_err("too deep");
        assert_eq!(
            error,
            JsonError::TooDeep {
                depth: MAX_DEPTH + 1,
                limit: MAX_DEPTH
            }
        );
        assert_eq!(
            error.to_string(),
            "JSON nested 1025 levels deep; the limit is 1024"
        );
    }

    #[test]
    fn syntax_errors_stay_syntax_errors() {
        assert!(matches!(
            from_str::<Value>("[1,"),
            Err(JsonError::Syntax(_))
        ));
        assert!(matches!(
            from_str::<Value>("1 2"),
            Err(JsonError::Syntax(_))
        ));
    }
}
