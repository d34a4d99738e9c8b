//! Text document synchronisation: applies LSP `didChange` content changes (full and incremental) to the
//! text of an open document, with LSP's positions (line, UTF-16 code unit), in a rope, so that a change's
//! cost does not grow with the document.

use serde::{Deserialize, Serialize};

use ls_types::{Position, TextDocumentContentChangeEvent};

/// An open document's text, held in a rope so that a change costs the same whatever the document's size.
/// Lines end at `\n`, `\r\n` or `\r`, as in LSP. It (de)serialises as the plain string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentText {
    rope: ropey::Rope,
}

impl DocumentText {
    /// The text `text`.
    pub fn new(text: &str) -> Self {
        Self {
            rope: ropey::Rope::from_str(text),
        }
    }

    /// The character index of an LSP position. Positions past the end of a line clamp to the line's end
    /// (before its line break), lines past the end clamp to the end of the text, and a position inside a
    /// surrogate pair to the start of its character.
    pub fn char_at(&self, position: Position) -> usize {
        let rope = &self.rope;
        let line = position.line as usize;
        if line >= rope.len_lines() {
            return rope.len_chars();
        }
        let line_start = rope.line_to_char(line);
        let mut line_end = if line + 1 < rope.len_lines() {
            rope.line_to_char(line + 1)
        } else {
            rope.len_chars()
        };
        if line_end > line_start && rope.char(line_end - 1) == '\n' {
            line_end -= 1;
        }
        if line_end > line_start && rope.char(line_end - 1) == '\r' {
            line_end -= 1;
        }
        let start_unit = rope.char_to_utf16_cu(line_start);
        let end_unit = rope.char_to_utf16_cu(line_end);
        let unit = (start_unit + position.character as usize).min(end_unit);
        rope.utf16_cu_to_char(unit)
    }

    /// Applies `changes` in order.
    pub fn apply(&mut self, changes: &[TextDocumentContentChangeEvent]) {
        for change in changes {
            match change.range {
                None => self.rope = ropey::Rope::from_str(&change.text),
                Some(range) => {
                    let start = self.char_at(range.start);
                    let end = self.char_at(range.end).max(start);
                    self.rope.remove(start..end);
                    self.rope.insert(start, &change.text);
                }
            }
        }
    }

    /// The LSP position of a character index (clamped to the end of the text).
    pub fn position_of(&self, char_index: usize) -> Position {
        let char_index = char_index.min(self.rope.len_chars());
        let line = self.rope.char_to_line(char_index);
        let line_start = self.rope.line_to_char(line);
        let character =
            self.rope.char_to_utf16_cu(char_index) - self.rope.char_to_utf16_cu(line_start);
        Position {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The number of characters (Unicode scalar values).
    pub fn char_count(&self) -> usize {
        self.rope.len_chars()
    }

    /// The number of lines (a text ending in a line break has an empty last line).
    pub fn line_count(&self) -> usize {
        self.rope.len_lines()
    }
}

impl std::fmt::Display for DocumentText {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for chunk in self.rope.chunks() {
            formatter.write_str(chunk)?;
        }
        Ok(())
    }
}

impl From<&str> for DocumentText {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl Serialize for DocumentText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DocumentText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::new(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ls_types::Range;

    fn position(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    fn change(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range_length: None,
            range: Some(Range {
                start: position(start.0, start.1),
                end: position(end.0, end.1),
            }),
            text: text.into(),
        }
    }

    fn applied(text: &str, changes: &[TextDocumentContentChangeEvent]) -> String {
        let mut document = DocumentText::new(text);
        document.apply(changes);
        document.to_string()
    }

    #[test]
    fn positions_count_utf16_units_and_clamp() {
        let text = DocumentText::new("a😀b\r\nsecond\nlast");
        assert_eq!(text.char_at(position(0, 0)), 0);
        assert_eq!(text.char_at(position(0, 1)), 1);
        assert_eq!(text.char_at(position(0, 3)), 2); // after the surrogate pair
        assert_eq!(text.char_at(position(0, 2)), 1); // inside it: the pair's start
        assert_eq!(text.char_at(position(0, 99)), 3); // clamps before \r\n
        assert_eq!(text.char_at(position(1, 2)), 7);
        assert_eq!(text.char_at(position(9, 0)), 16);
        assert_eq!(text.line_count(), 3);
    }

    #[test]
    fn incremental_and_full_changes_apply_in_order() {
        let mut text = DocumentText::new("hello world\nline two");
        text.apply(&[
            change((0, 6), (0, 11), "there"),
            change((1, 0), (1, 4), "row"),
            change((1, 7), (1, 7), "!\n"),
        ]);
        assert_eq!(text.to_string(), "hello there\nrow two!\n");
        text.apply(&[TextDocumentContentChangeEvent {
            range_length: None,
            range: None,
            text: "new".into(),
        }]);
        assert_eq!(text.to_string(), "new");
    }

    #[test]
    fn multi_line_edits_crlf_surrogates_and_the_end() {
        // A deletion across lines, CRLF kept.
        assert_eq!(
            applied("one\r\ntwo\r\nthree", &[change((0, 1), (2, 2), "")]),
            "oree"
        );
        // A multi-line insertion in the middle of a line.
        assert_eq!(
            applied("ab\r\ncd", &[change((0, 1), (0, 1), "1\r\n2\r\n3")]),
            "a1\r\n2\r\n3b\r\ncd"
        );
        // After a surrogate pair (two UTF-16 units).
        assert_eq!(applied("😀x", &[change((0, 2), (0, 3), "y")]), "😀y");
        // Inserting at the very end, past a final line break, and past the end (clamped).
        assert_eq!(applied("a\n", &[change((1, 0), (1, 0), "b")]), "a\nb");
        assert_eq!(applied("a", &[change((5, 0), (5, 0), "!")]), "a!");
        // A lone \r ends a line, as in LSP.
        assert_eq!(applied("a\rb", &[change((1, 0), (1, 1), "c")]), "a\rc");
    }

    #[test]
    fn serialises_as_the_plain_string() {
        let text: DocumentText = serde_json::from_str("\"x\\ny\"").unwrap();
        assert_eq!(text.line_count(), 2);
        assert_eq!(serde_json::to_string(&text).unwrap(), "\"x\\ny\"");
    }
}
