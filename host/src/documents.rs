//! Text document synchronisation: applies LSP `didChange` content changes (full and incremental) to the
//! text of an open document, with LSP's positions (line, UTF-16 code unit).

use serde::Deserialize;

/// An LSP position: zero-based line and UTF-16 code unit offset in that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Position {
    /// Zero-based line.
    pub line: u32,
    /// Zero-based UTF-16 code unit offset within the line.
    pub character: u32,
}

/// An LSP range (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Range {
    /// Start (inclusive).
    pub start: Position,
    /// End (exclusive).
    pub end: Position,
}

/// One entry of `didChange`'s `contentChanges`: a whole new text, or a range replaced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContentChange {
    /// The replaced range; absent for a full-text change.
    pub range: Option<Range>,
    /// The new text of the range (or of the whole document).
    pub text: String,
}

/// The byte offset in `text` of an LSP position. Positions past the end of a line clamp to the line's end
/// and lines past the end clamp to the end of the text, as LSP asks.
pub fn offset_at(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(newline) => line_start += newline + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |newline| line_start + newline);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let mut units = 0u32;
    for (byte, character) in line.char_indices() {
        if units >= position.character {
            return line_start + byte;
        }
        units += character.len_utf16() as u32;
    }
    line_start + line.len()
}

/// Applies `changes` in order to `text`.
pub fn apply_changes(text: &mut String, changes: &[ContentChange]) {
    for change in changes {
        match change.range {
            None => text.clone_from(&change.text),
            Some(range) => {
                let start = offset_at(text, range.start);
                let end = offset_at(text, range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn offsets_count_utf16_units_and_clamp() {
        let text = "a😀b\r\nsecond\nlast";
        assert_eq!(offset_at(text, position(0, 0)), 0);
        assert_eq!(offset_at(text, position(0, 1)), 1);
        assert_eq!(offset_at(text, position(0, 3)), 5); // after the surrogate pair
        assert_eq!(offset_at(text, position(0, 99)), 6); // clamps before \r\n
        assert_eq!(offset_at(text, position(1, 2)), 10);
        assert_eq!(offset_at(text, position(9, 0)), text.len());
    }

    #[test]
    fn incremental_and_full_changes_apply_in_order() {
        let mut text = String::from("hello world\nline two");
        apply_changes(
            &mut text,
            &[
                ContentChange {
                    range: Some(Range {
                        start: position(0, 6),
                        end: position(0, 11),
                    }),
                    text: "there".into(),
                },
                ContentChange {
                    range: Some(Range {
                        start: position(1, 0),
                        end: position(1, 4),
                    }),
                    text: "row".into(),
                },
                ContentChange {
                    range: Some(Range {
                        start: position(1, 7),
                        end: position(1, 7),
                    }),
                    text: "!\n".into(),
                },
            ],
        );
        assert_eq!(text, "hello there\nrow two!\n");
        apply_changes(
            &mut text,
            &[ContentChange {
                range: None,
                text: "new".into(),
            }],
        );
        assert_eq!(text, "new");
    }
}
