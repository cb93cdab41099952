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
//!   them ignored; `{}` is the empty set or list;
//! - a nested record: one column per field, named `field.subfield` (deeper: `a.b.c`); a nested
//!   record whose cells are all empty is missing, otherwise each cell is read by its own field.
//!
//! An empty cell is missing: unknown for a required field, none for an optional one (`T?`).
//! A cell holding just `?` is unknown, whatever the field's type; so is a set with a `?` element.

use std::borrow::Cow;

use super::bind::{Converted, Scalar};
use super::sink::Sink;
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
    let mut top = Group {
        record,
        slots: Vec::new(),
        seen: vec![None; builder.n_fields(record)],
        whole: None,
    };
    for (column, cell) in header.iter().enumerate() {
        let name = cell.text.trim();
        add_column(builder, sink, &mut top, name, name, column, cell.span);
    }
    let key_missing = match builder.program.records[record.idx()].key {
        Some(key) if top.seen[key as usize].is_none() => {
            sink.push(messages::missing_key_column(
                builder.schema(),
                record,
                key,
                header_span,
            ));
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
            put_group(builder, sink, &mut row, &top, &cells, span);
            builder.finish_row(row, span, sink);
        }
        index += 1;
    }
}

/// The columns of one record: the top-level record of the file, or a nested one
/// (`government_approval.nsc`, `government_approval.cabinet`).
struct Group {
    record: RecordId,
    /// The fields that have columns, in header order.
    slots: Vec<(u32, Slot)>,
    /// Per field, the span of the header cell that first named it.
    seen: Vec<Option<Span>>,
    /// For a nested record, the column named after its field alone, whose `?` makes the whole
    /// record unknown.
    whole: Option<usize>,
}

/// Where a field's value comes from.
enum Slot {
    /// One column, by index.
    Column(usize),
    /// A nested record, from the columns named `field.…`.
    Nested(Group),
}

/// Adds a header cell (possibly dotted) to a group; reports unknown, duplicate and misplaced columns.
fn add_column(
    builder: &FactsBuilder<'_>,
    sink: &mut Sink,
    group: &mut Group,
    whole: &str,
    name: &str,
    column: usize,
    span: Span,
) {
    let (head, rest) = match name.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (name, None),
    };
    let Some(field) = builder.field_index(group.record, head.as_bytes(), group.slots.len()) else {
        sink.push(messages::unknown_column(
            builder.schema(),
            group.record,
            whole,
            head,
            span,
        ));
        return;
    };
    let nested = builder
        .program
        .nested_record(builder.field_type(group.record, field));
    match (rest, nested) {
        (None, None) => {
            if let Some(first) = group.seen[field as usize] {
                sink.push(messages::duplicate_column(whole, span, first));
                return;
            }
            group.seen[field as usize] = Some(span);
            group.slots.push((field, Slot::Column(column)));
        }
        (None, Some(nested)) => {
            let idx = nested_group(builder, group, field, nested, span);
            let first = group.seen[field as usize].unwrap_or(span);
            let Slot::Nested(inner) = &mut group.slots[idx].1 else {
                unreachable!("nested_group made the slot nested");
            };
            if inner.whole.is_some() {
                sink.push(messages::duplicate_column(whole, span, first));
                return;
            }
            inner.whole = Some(column);
        }
        (Some(_), None) => sink.push(messages::not_nested_column(
            builder.schema(),
            group.record,
            field,
            whole,
            span,
        )),
        (Some(rest), Some(nested)) => {
            let idx = nested_group(builder, group, field, nested, span);
            let Slot::Nested(inner) = &mut group.slots[idx].1 else {
                unreachable!("nested_group made the slot nested");
            };
            add_column(builder, sink, inner, whole, rest, column, span);
        }
    }
}

/// The index among a group's slots of the nested record a field holds, made on first use
/// (`span` is its first column). A nested record field only ever has a nested slot.
fn nested_group(
    builder: &FactsBuilder<'_>,
    group: &mut Group,
    field: u32,
    nested: RecordId,
    span: Span,
) -> usize {
    if let Some(idx) = group.slots.iter().position(|(known, _)| *known == field) {
        return idx;
    }
    group.seen[field as usize] = Some(span);
    group.slots.push((
        field,
        Slot::Nested(Group {
            record: nested,
            slots: Vec::new(),
            seen: vec![None; builder.n_fields(nested)],
            whole: None,
        }),
    ));
    group.slots.len() - 1
}

/// The first non-empty cell among the dotted columns of a group (and of the groups nested in it).
fn first_written<'c, 't>(group: &Group, cells: &'c [Cell<'t>]) -> Option<&'c Cell<'t>> {
    group.slots.iter().find_map(|(_, slot)| match slot {
        Slot::Column(column) => Some(&cells[*column]).filter(|cell| !cell.text.is_empty()),
        Slot::Nested(inner) => whole_cell(inner, cells).or_else(|| first_written(inner, cells)),
    })
}

/// The cell of a nested record's own column, if it has one and it is not empty.
fn whole_cell<'c, 't>(group: &Group, cells: &'c [Cell<'t>]) -> Option<&'c Cell<'t>> {
    group
        .whole
        .map(|column| &cells[column])
        .filter(|cell| !cell.text.is_empty())
}

/// The span of a group's first column in a row.
fn group_span(group: &Group, cells: &[Cell<'_>], row_span: Span) -> Span {
    match group.slots.first() {
        Some((_, Slot::Column(column))) => cells[*column].span,
        Some((_, Slot::Nested(inner))) => group_span(inner, cells, row_span),
        None => group.whole.map_or(row_span, |column| cells[column].span),
    }
}

/// Converts the cells of a group into a row. A nested record whose cells are all empty is
/// missing (unknown if required, none if optional); one whose own column is written takes
/// that cell (`?`: unknown), its dotted cells then being empty; otherwise it is read as written.
fn put_group(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    row: &mut super::bind::Row,
    group: &Group,
    cells: &[Cell<'_>],
    row_span: Span,
) {
    for (field, slot) in &group.slots {
        match slot {
            Slot::Column(column) => put_cell(builder, sink, row, *field, &cells[*column]),
            Slot::Nested(inner) => match (whole_cell(inner, cells), first_written(inner, cells)) {
                (Some(whole), Some(written)) => {
                    let path = row.path(*field);
                    sink.push(messages::duplicate_field(
                        builder.schema(),
                        path,
                        written.span,
                        whole.span,
                    ));
                    builder.store(row, *field, Converted::Failed, whole.span, sink);
                }
                (Some(whole), None) => put_cell(builder, sink, row, *field, whole),
                (None, Some(_)) => {
                    let span = group_span(inner, cells, row_span);
                    let (mut nested, nesting) = builder.begin_nested(row, *field, inner.record, span);
                    put_group(builder, sink, &mut nested, inner, cells, row_span);
                    builder.end_nested(row, *field, nested, nesting, span, sink);
                }
                (None, None) => {
                    let span = group_span(inner, cells, row_span);
                    builder.put_scalar(row, *field, Scalar::Null, span, sink);
                }
            },
        }
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
/// The rows of a CSV text, each cell as its text and the span of the whole cell (quotes
/// included), for an editor that changes one cell; `None` if the text is not CSV.
pub(super) fn cells(text: &str) -> Option<Vec<Vec<(String, Span)>>> {
    let start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: start,
        source: SourceId(0),
    };
    let mut sink = Sink::new();
    let mut rows = Vec::new();
    while let Some((cells, _)) = reader.row(&mut sink).ok()? {
        rows.push(
            cells
                .into_iter()
                .map(|cell| (cell.text.into_owned(), cell.span))
                .collect(),
        );
    }
    Some(rows)
}

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
