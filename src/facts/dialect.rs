//! How a table's text is cut into rows and cells (the delimiter, the lines before the header,
//! a separator ending every line), and where its rows end in a stream. A leaf of the facts stage.

use super::format::Format;
use super::mapping::Mapping;

/// How a table's text is cut into rows and cells.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Dialect {
    /// The byte between cells.
    pub delimiter: u8,
    /// A byte that ends every line after its last cell, dropped.
    pub trailing: Option<u8>,
    /// How many lines come before the header row.
    pub skip_lines: usize,
}

impl Dialect {
    /// The dialect of a file of `format` read with `mapping`: commas for CSV, tabs for TSV,
    /// unless the mapping says otherwise.
    pub fn of(format: Format, mapping: Option<&Mapping>) -> Dialect {
        let default = if format == Format::Tsv { b'\t' } else { b',' };
        Dialect {
            delimiter: mapping.and_then(|mapping| mapping.delimiter).unwrap_or(default),
            trailing: mapping.and_then(|mapping| mapping.trailing),
            skip_lines: mapping.map_or(0, |mapping| mapping.skip_lines),
        }
    }
}

/// Finds where rows end in a table's bytes as the reader cuts them (a line break inside a
/// quoted cell does not end its row), so that a stream can be cut into chunks of whole rows.
#[derive(Clone, Debug)]
pub struct RowSplitter {
    delimiter: u8,
    state: SplitState,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum SplitState {
    CellStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl RowSplitter {
    /// A splitter for rows whose cells are separated by `delimiter`, at the start of a row.
    pub fn new(delimiter: u8) -> RowSplitter {
        RowSplitter {
            delimiter,
            state: SplitState::CellStart,
        }
    }

    /// The length of `bytes` up to and including the line feed that ends the current row, if
    /// it is in `bytes`; the splitter then stands at the start of the next row. Otherwise `None`,
    /// the splitter remembering where it is for the next bytes.
    pub fn row_end(&mut self, bytes: &[u8]) -> Option<usize> {
        for (idx, &byte) in bytes.iter().enumerate() {
            self.state = match (self.state, byte) {
                (SplitState::Quoted, b'"') => SplitState::QuoteInQuoted,
                (SplitState::Quoted, _) => SplitState::Quoted,
                (SplitState::CellStart, b'"') | (SplitState::QuoteInQuoted, b'"') => SplitState::Quoted,
                (_, b'\n') => {
                    self.state = SplitState::CellStart;
                    return Some(idx + 1);
                }
                (_, byte) if byte == self.delimiter => SplitState::CellStart,
                _ => SplitState::Unquoted,
            };
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows `RowSplitter` cuts `text` into, fed in pieces of `piece` bytes.
    fn check(text: &str, piece: usize, expected: &[&str]) {
        let mut splitter = RowSplitter::new(b',');
        let mut rows = Vec::new();
        let mut current = Vec::new();
        for chunk in text.as_bytes().chunks(piece) {
            let mut rest = chunk;
            while let Some(end) = splitter.row_end(rest) {
                current.extend_from_slice(&rest[..end]);
                rows.push(String::from_utf8(std::mem::take(&mut current)).unwrap());
                rest = &rest[end..];
            }
            current.extend_from_slice(rest);
        }
        if !current.is_empty() {
            rows.push(String::from_utf8(current).unwrap());
        }
        assert_eq!(rows, expected, "in pieces of {piece}");
    }

    #[test]
    fn a_line_break_in_a_quoted_cell_stays_in_its_row() {
        let text = "a,\"b\nc\",d\r\ne,\"say \"\"x\"\"\nnow\"\nf,g\"h\ni";
        for piece in [1, 2, 5, 100] {
            check(
                text,
                piece,
                &["a,\"b\nc\",d\r\n", "e,\"say \"\"x\"\"\nnow\"\n", "f,g\"h\n", "i"],
            );
        }
    }
}
