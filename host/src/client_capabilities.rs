//! What the editor said it can take (its `initialize` capabilities), and the one place where provider
//! answers are converted for an editor that takes less: snippets become plain text (placeholders → their
//! defaults) without `completionItem.snippetSupport`, markdown becomes plain text where the editor did
//! not list `markdown` (hover, completion documentation, signature help), and insert/replace edits
//! become one range without `insertReplaceSupport`. Positions are always UTF-16, the encoding every LSP
//! client must support (see [`POSITION_ENCODING`]).

use std::collections::BTreeMap;

use ls_types::InsertTextFormat;
use serde_json::Value;

use crate::to_proto;

/// The position encoding the host answers in `initialize` (LSP 3.17 `positionEncoding`): documents are
/// kept with UTF-16 positions, which every client must support, whatever else it offers.
pub const POSITION_ENCODING: &str = "utf-16";

/// How documentation may be sent in one place of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// The editor listed `markdown`.
    Markdown,
    /// The editor listed formats, without `markdown`: `MarkupContent` of kind `plaintext`.
    PlainMarkup,
    /// The editor listed none: a plain string (LSP's oldest form, which every client reads).
    PlainString,
}

impl Format {
    fn of(formats: &Value) -> Self {
        match formats.as_array() {
            Some(list) if list.iter().any(|format| format == "markdown") => Self::Markdown,
            Some(_) => Self::PlainMarkup,
            None => Self::PlainString,
        }
    }
}

/// The parts of the editor's capabilities that change what the host sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientCapabilities {
    snippets: bool,
    insert_replace: bool,
    completion_documentation: Format,
    hover: Format,
    signature_documentation: Format,
}

impl ClientCapabilities {
    /// Reads the `capabilities` object of `initialize` (absent entries mean "not supported", as in LSP).
    pub fn new(capabilities: &Value) -> Self {
        let at = |pointer: &str| {
            capabilities
                .pointer(pointer)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let item = "/textDocument/completion/completionItem";
        Self {
            snippets: at(&format!("{item}/snippetSupport")) == true,
            insert_replace: at(&format!("{item}/insertReplaceSupport")) == true,
            completion_documentation: Format::of(&at(&format!("{item}/documentationFormat"))),
            hover: Format::of(&at("/textDocument/hover/contentFormat")),
            signature_documentation: Format::of(&at(
                "/textDocument/signatureHelp/signatureInformation/documentationFormat",
            )),
        }
    }

    /// Converts the answer to `method` (a request or a resolve) into what the editor can take.
    pub fn adapt(&self, method: &str, result: &mut Value) {
        match method {
            "textDocument/completion" => {
                let items = match result {
                    Value::Array(items) => Some(items),
                    Value::Object(list) => list.get_mut("items").and_then(Value::as_array_mut),
                    _ => None,
                };
                for item in items.into_iter().flatten() {
                    self.adapt_completion_item(item);
                }
            }
            "completionItem/resolve" => self.adapt_completion_item(result),
            "textDocument/hover" => {
                if let Some(contents) = result.get_mut("contents") {
                    convert_documentation(contents, self.hover);
                }
            }
            "textDocument/signatureHelp" => {
                let format = self.signature_documentation;
                let signatures = result.get_mut("signatures").and_then(Value::as_array_mut);
                for signature in signatures.into_iter().flatten() {
                    if let Some(documentation) = signature.get_mut("documentation") {
                        convert_documentation(documentation, format);
                    }
                    let parameters = signature
                        .get_mut("parameters")
                        .and_then(Value::as_array_mut);
                    for parameter in parameters.into_iter().flatten() {
                        if let Some(documentation) = parameter.get_mut("documentation") {
                            convert_documentation(documentation, format);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn adapt_completion_item(&self, item: &mut Value) {
        let Some(object) = item.as_object_mut() else {
            return;
        };
        if !self.snippets
            && object.get("insertTextFormat")
                == Some(&to_proto::insert_text_format(InsertTextFormat::SNIPPET))
        {
            if let Some(Value::String(text)) = object.get_mut("insertText") {
                *text = snippet_to_text(text);
            }
            if let Some(Value::String(text)) = object
                .get_mut("textEdit")
                .and_then(|edit| edit.get_mut("newText"))
            {
                *text = snippet_to_text(text);
            }
            object.insert(
                "insertTextFormat".to_owned(),
                to_proto::insert_text_format(InsertTextFormat::PLAIN_TEXT),
            );
        }
        if !self.insert_replace
            && let Some(edit) = object.get_mut("textEdit").and_then(Value::as_object_mut)
            && let Some(insert) = edit.remove("insert")
        {
            // VS Code's default (`editor.suggest.insertMode: insert`) is the insert range.
            edit.remove("replace");
            edit.insert("range".to_owned(), insert);
        }
        if let Some(documentation) = object.get_mut("documentation") {
            convert_documentation(documentation, self.completion_documentation);
        }
    }
}

/// `MarkupContent` / `MarkedString` (or a list of them) in `format`.
fn convert_documentation(documentation: &mut Value, format: Format) {
    if format == Format::Markdown {
        return;
    }
    let text = match &*documentation {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(marked_text)
            .collect::<Vec<_>>()
            .join("\n\n"),
        other => marked_text(other),
    };
    *documentation = match format {
        Format::PlainString => Value::String(text),
        _ => to_proto::markup(ls_types::MarkupKind::PlainText, text),
    };
}

/// The plain text of one `MarkupContent` or `MarkedString`.
fn marked_text(value: &Value) -> String {
    match value {
        Value::String(text) => markdown_to_text(text),
        Value::Object(object) => {
            let text = object.get("value").and_then(Value::as_str).unwrap_or("");
            match object.get("kind").and_then(Value::as_str) {
                Some("markdown") => markdown_to_text(text),
                // `{language, value}` is code; `plaintext` is already text.
                _ => text.to_owned(),
            }
        }
        _ => String::new(),
    }
}

/// Markdown as the text a reader sees: emphasis, code marks, links and headings reduced to their text;
/// code blocks, paragraphs and list items on lines of their own; a rule as an empty line.
pub fn markdown_to_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut text = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(part) | Event::Code(part) => text.push_str(&part),
            Event::SoftBreak | Event::HardBreak => text.push('\n'),
            Event::Start(Tag::List(start)) => lists.push(start),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                if lists.is_empty() {
                    text.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                match lists.last_mut() {
                    Some(Some(number)) => {
                        text.push_str(&format!("{number}. "));
                        *number += 1;
                    }
                    _ => text.push_str("- "),
                }
            }
            Event::End(TagEnd::Item) if !text.ends_with('\n') => text.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock)
            | Event::Rule => {
                if lists.is_empty() {
                    while !text.ends_with("\n\n") && !text.is_empty() {
                        text.push('\n');
                    }
                } else if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            _ => {}
        }
    }
    text.trim_end().to_owned()
}

/// One piece of an LSP snippet.
enum Piece {
    Text(String),
    /// `$1`, `${1}` (a mirror of the placeholder with that number, if any) or a transform of it.
    Tabstop(u32),
    /// `${1:default}` or `${1|first,…|}`: the number and what it inserts.
    Placeholder(u32, Vec<Piece>),
    /// `$NAME`, `${NAME}`, `${NAME:default}`: the default (variables are the editor's to resolve).
    Variable(Vec<Piece>),
}

/// A snippet as the plain text accepting it inserts: placeholders and choices give their default (the
/// first choice), mirrors repeat their placeholder, tab stops and unknown variables give nothing, and
/// escapes (`\$`, `\}`, `\\`) their character.
pub fn snippet_to_text(snippet: &str) -> String {
    let characters: Vec<char> = snippet.chars().collect();
    let mut position = 0;
    let pieces = parse_snippet(&characters, &mut position, false);
    let mut defaults = BTreeMap::new();
    collect_defaults(&pieces, &mut defaults);
    render(&pieces, &defaults)
}

fn collect_defaults(pieces: &[Piece], defaults: &mut BTreeMap<u32, String>) {
    for piece in pieces {
        match piece {
            Piece::Placeholder(number, inner) => {
                collect_defaults(inner, defaults);
                let text = render(inner, defaults);
                defaults.entry(*number).or_insert(text);
            }
            Piece::Variable(inner) => collect_defaults(inner, defaults),
            Piece::Text(_) | Piece::Tabstop(_) => {}
        }
    }
}

fn render(pieces: &[Piece], defaults: &BTreeMap<u32, String>) -> String {
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(part) => text.push_str(part),
            Piece::Tabstop(number) => {
                text.push_str(defaults.get(number).map(String::as_str).unwrap_or(""));
            }
            Piece::Placeholder(_, inner) | Piece::Variable(inner) => {
                text.push_str(&render(inner, defaults));
            }
        }
    }
    text
}

/// Parses until the end, or (`nested`) until the `}` closing the enclosing placeholder.
fn parse_snippet(characters: &[char], position: &mut usize, nested: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    while let Some(&character) = characters.get(*position) {
        match character {
            '\\' if characters
                .get(*position + 1)
                .is_some_and(|next| matches!(next, '$' | '}' | '\\')) =>
            {
                text.push(characters[*position + 1]);
                *position += 2;
            }
            '}' if nested => {
                *position += 1;
                break;
            }
            '$' => {
                let start = *position;
                match parse_dollar(characters, position) {
                    Some(piece) => {
                        if !text.is_empty() {
                            pieces.push(Piece::Text(std::mem::take(&mut text)));
                        }
                        pieces.push(piece);
                    }
                    None => {
                        text.push('$');
                        *position = start + 1;
                    }
                }
            }
            _ => {
                text.push(character);
                *position += 1;
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

/// `$…` at `position`; `None` when it is a literal `$`.
fn parse_dollar(characters: &[char], position: &mut usize) -> Option<Piece> {
    *position += 1;
    let braced = characters.get(*position) == Some(&'{');
    if braced {
        *position += 1;
    }
    let name_start = *position;
    while characters
        .get(*position)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
    {
        *position += 1;
    }
    let name: String = characters[name_start..*position].iter().collect();
    if name.is_empty() {
        return None;
    }
    let number = name.parse::<u32>().ok();
    if number.is_none() && name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if !braced {
        return Some(match number {
            Some(number) => Piece::Tabstop(number),
            None => Piece::Variable(Vec::new()),
        });
    }
    match characters.get(*position) {
        Some('}') => {
            *position += 1;
            Some(match number {
                Some(number) => Piece::Tabstop(number),
                None => Piece::Variable(Vec::new()),
            })
        }
        Some(':') => {
            *position += 1;
            let inner = parse_snippet(characters, position, true);
            Some(match number {
                Some(number) => Piece::Placeholder(number, inner),
                None => Piece::Variable(inner),
            })
        }
        Some('|') if number.is_some() => {
            *position += 1;
            let choices = parse_choices(characters, position);
            let first = choices.into_iter().next().unwrap_or_default();
            Some(Piece::Placeholder(
                number.unwrap_or_default(),
                vec![Piece::Text(first)],
            ))
        }
        Some('/') => {
            // A transform: `${1/regex/format/options}` or `${NAME/…}`; inserts its source here.
            let mut depth = 1;
            while let Some(&c) = characters.get(*position) {
                *position += 1;
                match c {
                    '\\' => *position += 1,
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            Some(match number {
                Some(number) => Piece::Tabstop(number),
                None => Piece::Variable(Vec::new()),
            })
        }
        _ => None,
    }
}

/// The choices of `${1|a,b|}` after the first `|`, up to and including `|}`.
fn parse_choices(characters: &[char], position: &mut usize) -> Vec<String> {
    let mut choices = Vec::new();
    let mut current = String::new();
    while let Some(&character) = characters.get(*position) {
        *position += 1;
        match character {
            '\\' => {
                if let Some(&next) = characters.get(*position) {
                    current.push(next);
                    *position += 1;
                }
            }
            ',' => choices.push(std::mem::take(&mut current)),
            '|' if characters.get(*position) == Some(&'}') => {
                *position += 1;
                choices.push(current);
                return choices;
            }
            _ => current.push(character),
        }
    }
    choices.push(current);
    choices
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn snippets_become_the_text_they_insert() {
        let cases = [
            ("TODO: ${1:what}", "TODO: what"),
            (
                "for (${1:i} = 0; $1 < ${2:n}; $1++) {\n\t$0\n}",
                "for (i = 0; i < n; i++) {\n\t\n}",
            ),
            (
                "Good ${1|morning,afternoon,evening|}. It is ${1}, right?",
                "Good morning. It is morning, right?",
            ),
            ("${1:outer ${2:inner}} and $2", "outer inner and inner"),
            ("cost: \\$5 \\} \\\\", "cost: $5 } \\"),
            (
                "${TM_FILENAME:untitled}.rs and $TM_LINE_NUMBER",
                "untitled.rs and ",
            ),
            ("a $ b ${ c", "a $ b ${ c"),
            ("${1/(.*)/${1:/upcase}/} after", " after"),
            ("${1|a\\,b,c|}", "a,b"),
            ("plain", "plain"),
        ];
        for (snippet, text) in cases {
            assert_eq!(snippet_to_text(snippet), text, "{snippet:?}");
        }
    }

    #[test]
    fn markdown_becomes_what_a_reader_sees() {
        assert_eq!(
            markdown_to_text(
                "**TODO** — something *to do*, see [the docs](https://x.y) and `code`"
            ),
            "TODO — something to do, see the docs and code"
        );
        assert_eq!(
            markdown_to_text(
                "# Title\n\ntext\n\n---\n\n```rust\nfn x() {}\n```\n\n- one\n- two\n\n1. first\n2. second"
            ),
            "Title\n\ntext\n\nfn x() {}\n\n- one\n- two\n\n1. first\n2. second"
        );
    }

    fn narrow() -> ClientCapabilities {
        ClientCapabilities::new(&json!({
            "textDocument": {
                "completion": {"completionItem": {"snippetSupport": false, "documentationFormat": ["plaintext"]}},
                "hover": {"contentFormat": ["plaintext"]},
                "signatureHelp": {"signatureInformation": {"documentationFormat": ["plaintext"]}},
            },
        }))
    }

    #[test]
    fn a_narrow_client_gets_plain_text_and_one_range() {
        let range =
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 2}});
        let wider =
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}});
        let mut list = json!({"isIncomplete": false, "items": [
            {"label": "TODO", "insertText": "TODO: ${1:what}", "insertTextFormat": 2,
             "documentation": {"kind": "markdown", "value": "**Something** to do"}},
            {"label": "edit", "insertTextFormat": 2, "textEdit": {"newText": "x${1:y}", "insert": range, "replace": wider}},
        ]});
        narrow().adapt("textDocument/completion", &mut list);
        assert_eq!(
            list,
            json!({"isIncomplete": false, "items": [
                {"label": "TODO", "insertText": "TODO: what", "insertTextFormat": 1,
                 "documentation": {"kind": "plaintext", "value": "Something to do"}},
                {"label": "edit", "insertTextFormat": 1, "textEdit": {"newText": "xy", "range": range}},
            ]})
        );
        let mut hover =
            json!({"contents": {"kind": "markdown", "value": "**TODO** — a task"}, "range": range});
        narrow().adapt("textDocument/hover", &mut hover);
        assert_eq!(
            hover,
            json!({"contents": {"kind": "plaintext", "value": "TODO — a task"}, "range": range})
        );
        let mut help = json!({"signatures": [{"label": "f(a)", "documentation": {"kind": "markdown", "value": "*f*"},
            "parameters": [{"label": "a", "documentation": {"kind": "markdown", "value": "`a`"}}]}]});
        narrow().adapt("textDocument/signatureHelp", &mut help);
        assert_eq!(
            help,
            json!({"signatures": [{"label": "f(a)", "documentation": {"kind": "plaintext", "value": "f"},
                "parameters": [{"label": "a", "documentation": {"kind": "plaintext", "value": "a"}}]}]})
        );
    }

    #[test]
    fn a_client_that_announces_nothing_gets_plain_strings_and_a_wide_one_everything() {
        let mut hover = json!({"contents": {"kind": "markdown", "value": "**A**"}});
        ClientCapabilities::new(&json!({})).adapt("textDocument/hover", &mut hover);
        assert_eq!(hover, json!({"contents": "A"}));
        let wide = ClientCapabilities::new(&json!({"textDocument": {
            "completion": {"completionItem": {"snippetSupport": true, "insertReplaceSupport": true, "documentationFormat": ["markdown"]}},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
        }}));
        let item = json!({"label": "x", "insertText": "${1:a}", "insertTextFormat": 2,
            "documentation": {"kind": "markdown", "value": "**d**"},
            "textEdit": {"newText": "${1:a}", "insert": {}, "replace": {}}});
        let mut resolved = item.clone();
        wide.adapt("completionItem/resolve", &mut resolved);
        assert_eq!(resolved, item);
        let mut hover = json!({"contents": {"kind": "markdown", "value": "**A**"}});
        wide.adapt("textDocument/hover", &mut hover);
        assert_eq!(
            hover,
            json!({"contents": {"kind": "markdown", "value": "**A**"}})
        );
    }
}
