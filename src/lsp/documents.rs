//! The texts an editor has open, as the server holds them between changes: each change (a range
//! in UTF-16 units, or the whole text) applied in order, before the session is given the result.

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::convert;

/// One document open in the editor.
#[derive(Debug)]
pub(crate) struct Document {
    /// The URI the editor names it by.
    pub(crate) uri: Uri,
    /// Its text as the editor has it now.
    pub(crate) text: String,
    /// The editor's version of that text.
    pub(crate) version: i32,
    /// Whether checking this very text made Pol panic: it is not given to the session again
    /// until it changes.
    pub(crate) broken: bool,
}

impl Document {
    /// Applies one change: a range replaced, or the whole text when the change has no range.
    pub(crate) fn apply(&mut self, change: TextDocumentContentChangeEvent) {
        match change.range {
            Some(range) => {
                let start = convert::offset_in(&self.text, range.start);
                let end = convert::offset_in(&self.text, range.end).max(start);
                self.text.replace_range(start..end, &change.text);
            }
            None => self.text = change.text,
        }
        self.broken = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    /// A change: the range as start line and character, end line and character, if any; the text.
    type Change<'a> = (Option<(u32, u32, u32, u32)>, &'a str);

    fn check(text: &str, changes: &[Change<'_>], expected: &str) {
        let mut document = Document {
            uri: convert::parse_uri("file:///t.pol"),
            text: text.to_string(),
            version: 0,
            broken: false,
        };
        for (range, new_text) in changes {
            document.apply(TextDocumentContentChangeEvent {
                range: range.map(|(l1, c1, l2, c2)| Range::new(Position::new(l1, c1), Position::new(l2, c2))),
                range_length: None,
                text: new_text.to_string(),
            });
        }
        assert_eq!(document.text, expected);
    }

    #[test]
    fn range_edits_count_utf16_units() {
        check("a😀b\n中c", &[(Some((0, 3, 0, 4)), "B")], "a😀B\n中c");
        check("a😀b\n中c", &[(Some((1, 1, 1, 2)), "C")], "a😀b\n中C");
        check("a😀b\n中c", &[(Some((0, 1, 1, 1)), "")], "ac");
    }

    #[test]
    fn changes_apply_in_order_and_a_full_text_replaces_all() {
        check(
            "rule",
            &[
                (Some((0, 4, 0, 4)), " x"),
                (None, "new"),
                (Some((0, 0, 0, 0)), "a "),
            ],
            "a new",
        );
    }

    #[test]
    fn a_range_past_the_end_or_reversed_is_clamped() {
        check("ab\ncd", &[(Some((5, 0, 9, 9)), "!")], "ab\ncd!");
        check("abcd", &[(Some((0, 3, 0, 1)), "X")], "abcXd");
    }
}
