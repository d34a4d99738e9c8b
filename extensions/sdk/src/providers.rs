//! Language feature providers (hover, completion, and any other LSP feature the host routes): which
//! documents they serve ([`DocumentSelector`]) and what they are asked ([`ProviderRequest`]).
//!
//! The host fans the editor's `textDocument/*` requests out to every provider whose selector matches the
//! document, each under its extension's time limit, and merges the answers. A host without that language
//! bridge refuses registrations with [`Error::Unsupported`](crate::Error::Unsupported).

use serde_json::{Map, Value};

use crate::host::Host;

/// One condition on a document, as in VS Code's `DocumentFilter`: every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    /// A language id, e.g. `rust`.
    pub language: Option<String>,
    /// A URI scheme, e.g. `file` or `untitled`.
    pub scheme: Option<String>,
    /// A glob over the document's path, e.g. `**/*.md`.
    pub pattern: Option<String>,
}

/// The documents a provider serves: any document matching one of the filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentSelector {
    filters: Vec<DocumentFilter>,
}

impl DocumentSelector {
    /// Documents of language `language` (any scheme).
    pub fn language(language: impl Into<String>) -> Self {
        Self::from_filter(DocumentFilter {
            language: Some(language.into()),
            ..DocumentFilter::default()
        })
    }

    /// Documents matching `filter`.
    pub fn from_filter(filter: DocumentFilter) -> Self {
        Self {
            filters: vec![filter],
        }
    }

    /// Also the documents matching `filter`.
    pub fn or(mut self, filter: DocumentFilter) -> Self {
        self.filters.push(filter);
        self
    }

    /// The filters, in order.
    pub fn filters(&self) -> &[DocumentFilter] {
        &self.filters
    }

    /// The selector as VS Code writes it: `[{"language": "rust"}, {"scheme": "file", "pattern": "…"}]`.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.filters
                .iter()
                .map(|filter| {
                    let mut object = Map::new();
                    let fields = [
                        ("language", &filter.language),
                        ("scheme", &filter.scheme),
                        ("pattern", &filter.pattern),
                    ];
                    for (key, value) in fields {
                        if let Some(value) = value {
                            object.insert(key.to_owned(), Value::String(value.clone()));
                        }
                    }
                    Value::Object(object)
                })
                .collect(),
        )
    }
}

/// A position in a document: zero-based line, and character offset in UTF-16 code units (as LSP counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    /// The line, from 0.
    pub line: u64,
    /// The offset in the line, in UTF-16 code units, from 0.
    pub character: u64,
}

/// One request to a provider: the LSP method and its params as the editor sent them (for hover and
/// completion, `TextDocumentPositionParams` plus e.g. a completion `context`).
#[derive(Debug)]
pub struct ProviderRequest<'a> {
    method: &'a str,
    params: &'a Value,
    host: &'a Host,
}

impl<'a> ProviderRequest<'a> {
    pub(crate) fn new(method: &'a str, params: &'a Value, host: &'a Host) -> Self {
        Self {
            method,
            params,
            host,
        }
    }

    /// The LSP method, e.g. `textDocument/hover`.
    pub fn method(&self) -> &str {
        self.method
    }

    /// The document's URI (`textDocument.uri`), if the params have one.
    pub fn uri(&self) -> Option<&str> {
        self.params["textDocument"]["uri"].as_str()
    }

    /// The position (`position`), if the params have one.
    pub fn position(&self) -> Option<Position> {
        let position = &self.params["position"];
        Some(Position {
            line: position["line"].as_u64()?,
            character: position["character"].as_u64()?,
        })
    }

    /// The full LSP params.
    pub fn params(&self) -> &Value {
        self.params
    }

    /// The handle on the host.
    pub fn host(&self) -> &Host {
        self.host
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn selectors_serialise_as_vscode_writes_them() {
        let selector = DocumentSelector::language("rust").or(DocumentFilter {
            scheme: Some("file".to_owned()),
            pattern: Some("**/*.md".to_owned()),
            ..DocumentFilter::default()
        });
        assert_eq!(
            selector.to_json(),
            json!([{"language": "rust"}, {"scheme": "file", "pattern": "**/*.md"}])
        );
        assert_eq!(selector.filters().len(), 2);
    }

    #[test]
    fn provider_requests_read_lsp_params() {
        let host = Host::new(std::ptr::null());
        let params = json!({"textDocument": {"uri": "file:///a.rs"}, "position": {"line": 3, "character": 7}});
        let request = ProviderRequest::new("textDocument/hover", &params, &host);
        assert_eq!(request.method(), "textDocument/hover");
        assert_eq!(request.uri(), Some("file:///a.rs"));
        assert_eq!(
            request.position(),
            Some(Position {
                line: 3,
                character: 7
            })
        );
        let empty = json!({});
        assert_eq!(ProviderRequest::new("x", &empty, &host).position(), None);
    }
}
