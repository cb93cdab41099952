//! The CSV facts reader: a hand-written RFC 4180 reader (so every cell has an exact span)
//! that loads one record per row, converting each cell by its field's type.
//!
//! The first row names the fields; every later row is one record of the type given with
//! the file (`--facts Country=countries.csv`). Blank lines are skipped. A cell is read by
//! its field's type:
//! - `Bool`: `true`, `false`, `yes` or `no`, in any case;
//! - `Int`: an optionally signed decimal integer;
//! - `Date`: `YYYY-MM-DD`;
//! - `Text`: the cell as written (quote it to include `,`, `"` or a line break);
//! - an enum: the name of a variant;
//! - a record: the key of a record of that type;
//! - `Set<T>` or `List<T>`: elements separated by `;`, each read as a `T`, with spaces around
//!   them ignored; `{}` is the empty set or list.
//!
//! An empty cell is missing: unknown for a required field, none for an optional one (`T?`).
//! A cell holding just `?` is unknown, whatever the field's type; so is a set with a `?` element.

use std::borrow::Cow;

use super::bind::{Scalar, Sink};
use super::{FactsBuilder, messages};
use crate::check::ir::RecordId;
use crate::source::{SourceId, Span};

/// One cell of a row.
struct Cell<'t> {
    text: Cow<'t, str>,
    /// The whole cell, quotes included.
    span: Span,
    /// Where `text` starts in the source.
    content_start: usize,
    /// Whether `text` is a slice of the source (no doubled quotes), so offsets in it are exact.
    exact: bool,
}

/// Parses CSV facts: a header row, then one `record` per row.
pub(super) fn load(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    text: &str,
    source: SourceId,
    record: RecordId,
) {
    let start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: start,
        source,
    };
    let Ok(Some((header, header_span))) = reader.row(sink) else {
        return;
    };
    let mut columns: Vec<Option<u32>> = Vec::with_capacity(header.len());
    let mut seen: Vec<Option<Span>> = vec![None; builder.n_fields(record)];
    for cell in &header {
        let name = cell.text.trim();
        let column = match builder.field_index(record, name.as_bytes(), columns.len()) {
            None => {
                sink.push(messages::unknown_column(builder, record, name, cell.span));
                None
            }
            Some(field) => match seen[field as usize] {
                Some(first) => {
                    sink.push(messages::duplicate_column(name, cell.span, first));
                    None
                }
                None => {
                    seen[field as usize] = Some(cell.span);
                    Some(field)
                }
            },
        };
        columns.push(column);
    }
    let key_missing = match builder.program.records[record.idx()].key {
        Some(key) if seen[key as usize].is_none() => {
            sink.push(messages::missing_key_column(builder, record, key, header_span));
            true
        }
        _ => false,
    };
    let mut index = 0u32;
    while let Ok(Some((cells, span))) = reader.row(sink) {
        if cells.len() != header.len() {
            let detail = format!(
                "expected {} cells as in the header, found {}",
                header.len(),
                cells.len()
            );
            sink.push(messages::malformed("CSV", &detail, "this row", span));
        } else {
            let mut row = builder.begin_row(record, index, span);
            if key_missing {
                row.key_reported();
            }
            for (cell, column) in cells.iter().zip(&columns) {
                if let Some(field) = column {
                    put_cell(builder, sink, &mut row, *field, cell);
                }
            }
            builder.finish_row(row, span, sink);
        }
        index += 1;
    }
}

/// Converts one cell into its field.
fn put_cell(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    row: &mut super::bind::Row,
    field: u32,
    cell: &Cell<'_>,
) {
    let text: &str = &cell.text;
    let ty = builder.field_type(row.record, field);
    if text.is_empty() {
        builder.put_scalar(row, field, Scalar::Null, cell.span, sink);
        return;
    }
    if text == "?" || builder.seq_type(ty).is_none() {
        builder.put_scalar(row, field, Scalar::Plain(text), cell.span, sink);
        return;
    }
    let mut seq = builder.begin_seq(ty);
    if text.trim() != "{}" {
        let path = row.path(field);
        let mut offset = 0;
        for part in text.split(';') {
            let element = part.trim();
            let element_start = offset + (part.len() - part.trim_start().len());
            offset += part.len() + 1;
            if element.is_empty() {
                continue;
            }
            let span = if cell.exact {
                let start = cell.content_start + element_start;
                Span::new(cell.span.source, start, start + element.len())
            } else {
                cell.span
            };
            builder.push_scalar(&mut seq, Scalar::Plain(element), span, path, sink);
        }
    }
    let converted = builder.end_seq(seq);
    builder.store(row, field, converted, cell.span, sink);
}

/// A cursor over a CSV text.
struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    source: SourceId,
}

impl<'t> Reader<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.source, start, end)
    }

    /// Whether a line break starts at `idx`.
    fn line_break_at(&self, idx: usize) -> Option<usize> {
        match self.bytes.get(idx) {
            Some(b'\n') => Some(1),
            Some(b'\r') if self.bytes.get(idx + 1) == Some(&b'\n') => Some(2),
            _ => None,
        }
    }

    /// The next non-blank row and its span; `Ok(None)` at the end, `Err` after a reported problem.
    fn row(&mut self, sink: &mut Sink) -> Result<Option<(Vec<Cell<'t>>, Span)>, ()> {
        while let Some(len) = self.line_break_at(self.pos) {
            self.pos += len;
        }
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let start = self.pos;
        let mut cells = Vec::new();
        loop {
            cells.push(self.cell(sink)?);
            let end = self.pos;
            if self.bytes.get(self.pos) == Some(&b',') {
                self.pos += 1;
                continue;
            }
            if let Some(len) = self.line_break_at(self.pos) {
                self.pos += len;
            }
            return Ok(Some((cells, self.span(start, end))));
        }
    }

    fn cell(&mut self, sink: &mut Sink) -> Result<Cell<'t>, ()> {
        let text = self.text;
        let start = self.pos;
        if self.bytes.get(start) != Some(&b'"') {
            let mut idx = start;
            while idx < self.bytes.len() && self.bytes[idx] != b',' && self.line_break_at(idx).is_none() {
                idx += 1;
            }
            self.pos = idx;
            return Ok(Cell {
                text: Cow::Borrowed(&text[start..idx]),
                span: self.span(start, idx),
                content_start: start,
                exact: true,
            });
        }
        let content_start = start + 1;
        let mut owned: Option<String> = None;
        let mut segment = content_start;
        let mut idx = content_start;
        loop {
            match self.bytes.get(idx) {
                None => {
                    let span = self.span(start, start + 1);
                    sink.push(messages::malformed(
                        "CSV",
                        "unterminated quoted cell",
                        "the cell starts here",
                        span,
                    ));
                    return Err(());
                }
                Some(b'"') if self.bytes.get(idx + 1) == Some(&b'"') => {
                    owned
                        .get_or_insert_with(String::new)
                        .push_str(&text[segment..=idx]);
                    idx += 2;
                    segment = idx;
                }
                Some(b'"') => break,
                Some(_) => idx += 1,
            }
        }
        let exact = owned.is_none();
        let content = match owned {
            None => Cow::Borrowed(&text[content_start..idx]),
            Some(mut owned) => {
                owned.push_str(&text[segment..idx]);
                Cow::Owned(owned)
            }
        };
        self.pos = idx + 1;
        let at_boundary = self.pos >= self.bytes.len()
            || self.bytes[self.pos] == b','
            || self.line_break_at(self.pos).is_some();
        if !at_boundary {
            let found = text[self.pos..].chars().next().map_or(0, char::len_utf8);
            let label = format!("found `{}`", text[self.pos..self.pos + found].escape_debug());
            let span = self.span(self.pos, self.pos + found);
            sink.push(messages::malformed(
                "CSV",
                "expected `,` or a line break after a quoted cell",
                &label,
                span,
            ));
            return Err(());
        }
        Ok(Cell {
            text: content,
            span: self.span(start, self.pos),
            content_start,
            exact,
        })
    }
}
