//! Source texts, their ids and byte spans, and line/column conversion.
//! Shared by every stage; positions become lines only when rendered.

use std::fmt;

/// Identifies one source text in a [`SourceMap`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// A byte range in one source text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The text the range is in.
    pub source: SourceId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        Span {
            source,
            start: clamp_u32(start),
            end: clamp_u32(end),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            source: self.source,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range as `usize`.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A line and character position, both 0-based.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 0-based line.
    pub line: u32,
    /// 0-based character within the line, counted as the caller asked
    /// (UTF-16 code units for editors, Unicode scalar values for people).
    pub character: u32,
}

/// One source text: its name (a path or a label such as `<stdin>`), text and line starts.
#[derive(Debug)]
pub struct Source {
    /// The name shown to users.
    pub name: String,
    /// The whole text.
    pub text: String,
    line_starts: Vec<u32>,
    /// Whether [`SourceMap::remove`] removed it; its slot waits to be given out again.
    removed: bool,
}

impl Source {
    fn new(name: String, text: String) -> Source {
        // A stream's chunks are indexed as they come: memchr finds the line ends many bytes at
        // a time.
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|idx| clamp_u32(idx + 1)));
        Source {
            name,
            text,
            line_starts,
            removed: false,
        }
    }

    /// The 0-based line holding a byte offset.
    pub fn line_of(&self, offset: u32) -> u32 {
        let idx = self.line_starts.partition_point(|start| *start <= offset);
        clamp_u32(idx.saturating_sub(1))
    }

    /// The byte offset where a 0-based line starts.
    pub fn line_start(&self, line: u32) -> u32 {
        self.line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(clamp_u32(self.text.len()))
    }

    /// Position of a byte offset, with the character counted in UTF-16 code units (as LSP does).
    pub fn position_utf16(&self, offset: u32) -> Position {
        self.position_with(offset, char::len_utf16)
    }

    /// Position of a byte offset, with the character counted in Unicode scalar values.
    pub fn position_chars(&self, offset: u32) -> Position {
        self.position_with(offset, |_| 1)
    }

    fn position_with(&self, offset: u32, width: impl Fn(char) -> usize) -> Position {
        let offset = offset.min(clamp_u32(self.text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let character = self.text[start..end].chars().map(width).sum::<usize>();
        Position {
            line,
            character: clamp_u32(character),
        }
    }

    /// The byte offset of a 0-based line and UTF-16 character, clamped to the text.
    pub fn offset_utf16(&self, position: Position) -> u32 {
        let start = self.line_start(position.line) as usize;
        let mut units = 0usize;
        for (idx, ch) in self.text[start..].char_indices() {
            if units >= position.character as usize || ch == '\n' {
                return clamp_u32(start + idx);
            }
            units += ch.len_utf16();
        }
        clamp_u32(self.text.len())
    }
}

/// Every source text of one run: policy files, stdlib modules, facts files.
///
/// A long-lived user (an editor's session) replaces texts in place ([`SourceMap::set_text`]),
/// keeping their ids, and removes texts nothing uses any more ([`SourceMap::remove`]), whose ids
/// are then given to texts added later; so the map holds only the texts in use.
#[derive(Debug, Default)]
pub struct SourceMap {
    sources: Vec<Source>,
    /// Ids of removed texts, given out again by [`SourceMap::add`].
    free: Vec<SourceId>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a text and returns its id (the id of a removed text, if there is one).
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> SourceId {
        let source = Source::new(name.into(), text.into());
        if let Some(id) = self.free.pop() {
            self.sources[id.0 as usize] = source;
            return id;
        }
        let id = SourceId(clamp_u32(self.sources.len()));
        self.sources.push(source);
        id
    }

    /// Replaces the text of an existing source (an editor's change), keeping its id.
    pub fn replace(&mut self, id: SourceId, text: impl Into<String>) {
        let name = std::mem::take(&mut self.sources[id.0 as usize].name);
        self.sources[id.0 as usize] = Source::new(name, text.into());
    }

    /// Sets the text of an existing source, keeping its id; its line index is rebuilt only if
    /// the text changed. Whether it changed.
    pub fn set_text(&mut self, id: SourceId, text: &str) -> bool {
        if self.sources[id.0 as usize].text == text {
            return false;
        }
        self.replace(id, text);
        true
    }

    /// Removes a text nothing refers to any more; its id will name the next text added.
    ///
    /// INVARIANT: no span or diagnostic that is still to be shown points into it.
    pub fn remove(&mut self, id: SourceId) {
        let source = &mut self.sources[id.0 as usize];
        if source.removed {
            return;
        }
        *source = Source::new(String::new(), String::new());
        source.removed = true;
        self.free.push(id);
    }

    /// Renames a source (a chunk of a stream, named by where it starts).
    pub fn rename(&mut self, id: SourceId, name: impl Into<String>) {
        self.sources[id.0 as usize].name = name.into();
    }

    /// Takes a source's text out, leaving it empty (to reuse its buffer).
    pub fn take_text(&mut self, id: SourceId) -> String {
        let source = &mut self.sources[id.0 as usize];
        source.line_starts = vec![0];
        std::mem::take(&mut source.text)
    }

    /// The source with this id.
    pub fn get(&self, id: SourceId) -> &Source {
        &self.sources[id.0 as usize]
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        let text = &self.get(span.source).text;
        text.get(span.range()).unwrap_or("")
    }

    /// How many texts the map holds (removed ones not counted).
    pub fn len(&self) -> usize {
        self.sources.len() - self.free.len()
    }

    /// Whether the map holds no text.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of every text the map holds, added up.
    pub fn total_bytes(&self) -> usize {
        self.sources.iter().map(|source| source.text.len()).sum()
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_count_surrogate_pairs() {
        let mut map = SourceMap::new();
        let id = map.add("a.pol", "ab\n\u{1F600}x\n");
        let source = map.get(id);
        assert_eq!(
            source.position_utf16(3),
            Position {
                line: 1,
                character: 0
            }
        );
        // The emoji is 4 bytes and 2 UTF-16 units.
        assert_eq!(
            source.position_utf16(7),
            Position {
                line: 1,
                character: 2
            }
        );
        assert_eq!(
            source.position_chars(7),
            Position {
                line: 1,
                character: 1
            }
        );
        assert_eq!(
            source.offset_utf16(Position {
                line: 1,
                character: 2
            }),
            7
        );
    }

    #[test]
    fn set_text_keeps_the_id_and_rebuilds_lines_only_on_change() {
        let mut map = SourceMap::new();
        let id = map.add("a.pol", "one\ntwo\n");
        assert!(!map.set_text(id, "one\ntwo\n"));
        assert!(map.set_text(id, "one\n\ntwo\nthree"));
        assert_eq!(map.get(id).name, "a.pol");
        assert_eq!(map.get(id).line_of(9), 3);
        assert_eq!((map.len(), map.total_bytes()), (1, 14));
    }

    #[test]
    fn removed_texts_are_not_counted_and_their_ids_are_given_out_again() {
        let mut map = SourceMap::new();
        let first = map.add("a.pol", "aaaa");
        let second = map.add("b.pol", "bb");
        map.remove(first);
        map.remove(first);
        assert_eq!((map.len(), map.total_bytes()), (1, 2));
        let third = map.add("c.pol", "c");
        assert_eq!(third, first);
        assert_eq!(map.get(third).text, "c");
        assert_eq!(map.get(second).text, "bb");
        assert_eq!((map.len(), map.total_bytes()), (2, 3));
    }
}
