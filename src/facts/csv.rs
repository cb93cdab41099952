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
//!
//! A [`Mapping`] changes how a file is cut (delimiter, lines before the header, a separator
//! ending every line) and read (columns to fields, columns ignored, words, date formats, text
//! normalised); TSV is CSV with tabs. A header read once gives a `Layout`, which reads
//! the rows of the whole text, or of a stream's chunks one after another.

use std::borrow::Cow;

use super::bind::{Converted, Scalar};
use super::dialect::Dialect;
use super::format::Format;
use super::mapping::{DateFormat, Mapping, Normaliser, Words};
use super::sink::Sink;
use super::{FactsBuilder, messages};
use crate::check::ir::{RecordId, Type};
use crate::source::{SourceId, Span};

/// How the columns of a table are read, from its header: made once, then used for every row of
/// the text, or of every chunk of a stream.
#[derive(Debug)]
pub(super) struct Layout {
    record: RecordId,
    top: Group,
    n_columns: usize,
    /// Per column, how its cells are changed before they are read.
    rules: Vec<Option<CellRule>>,
    key_missing: bool,
    dialect: Dialect,
    /// The position of the next row among the rows of the table, from 0.
    next_index: u32,
    /// The line (from 1) where the text of the next chunk starts.
    line: usize,
    /// Lines where rows start that are not read.
    skip_rows: Vec<usize>,
}

impl Layout {
    /// How the table is cut into rows and cells.
    pub(super) fn dialect(&self) -> Dialect {
        self.dialect
    }
}

/// How one column's cells are changed before they are read.
#[derive(Debug)]
struct CellRule {
    normalise: Normaliser,
    words: Words,
    /// Whether the column's field is a `Bool`, so that the words for true and false apply.
    boolean: bool,
    date: Option<DateFormat>,
    separator: Option<String>,
    /// The field of the file's record the column is (or holds) , for paths in messages.
    field: Option<u32>,
}

/// Parses a table: its header (after the lines the dialect skips), then one `record` per row.
pub(super) fn load(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    text: &str,
    source: SourceId,
    record: RecordId,
    format: Format,
    mapping: Option<&Mapping>,
) {
    let Some((mut layout, start)) = read_header(builder, sink, text, source, record, format, mapping) else {
        return;
    };
    load_rows(builder, sink, text, source, start, &mut layout);
}

/// Reads the header of a table (after the lines to skip) and checks it against the schema and
/// the mapping; the layout and where the rows start, or `None` after reporting why not.
pub(super) fn read_header(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    text: &str,
    source: SourceId,
    record: RecordId,
    format: Format,
    mapping: Option<&Mapping>,
) -> Option<(Layout, usize)> {
    let dialect = Dialect::of(format, mapping);
    let mut start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    for line in 0..dialect.skip_lines {
        match memchr::memchr(b'\n', &text.as_bytes()[start..]) {
            Some(idx) => start += idx + 1,
            None => {
                let end = Span::new(source, text.len(), text.len());
                sink.push(messages::header_not_found(
                    line + usize::from(start < text.len()),
                    dialect.skip_lines + 1,
                    end,
                ));
                return None;
            }
        }
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: start,
        source,
        delimiter: dialect.delimiter,
        trailing: dialect.trailing,
    };
    let (header, header_span) = match reader.row(sink) {
        Ok(Some(found)) => found,
        Ok(None) if mapping.is_some_and(|mapping| mapping.skip_lines > 0) => {
            let end = Span::new(source, text.len(), text.len());
            sink.push(messages::header_not_found(
                dialect.skip_lines,
                dialect.skip_lines + 1,
                end,
            ));
            return None;
        }
        _ => return None,
    };
    let mut top = Group {
        record,
        slots: Vec::new(),
        seen: vec![None; builder.n_fields(record)],
        whole: None,
    };
    let mut rules: Vec<Option<CellRule>> = Vec::with_capacity(header.len());
    let file_words = mapping.map(|mapping| mapping.words.clone()).unwrap_or_default();
    for (column, cell) in header.iter().enumerate() {
        let name = cell.text.trim();
        let mapped = mapping.and_then(|mapping| mapping.column(name));
        let target = match mapped {
            Some(mapped) => match &mapped.field {
                None => {
                    rules.push(None);
                    continue;
                }
                Some((field, span)) => {
                    let head = field.split('.').next().unwrap_or(field);
                    if builder.field_index(record, head.as_bytes(), 0).is_none() {
                        sink.push(messages::mapping_unknown_field(
                            builder.schema(),
                            record,
                            name,
                            field,
                            *span,
                        ));
                        rules.push(None);
                        continue;
                    }
                    field.as_str()
                }
            },
            None => {
                let head = name.split('.').next().unwrap_or(name);
                let known = builder.field_index(record, head.as_bytes(), 0).is_some();
                if !known && mapping.is_some_and(|mapping| mapping.ignore_other_columns) {
                    rules.push(None);
                    continue;
                }
                if !known && mapping.is_some() {
                    // Read with a mapping, the fix is in the mapping, not in the file.
                    let mut diagnostic =
                        messages::unknown_column(builder.schema(), record, name, name, cell.span);
                    let advice = format!(
                        "map the column in the mapping (`{}: FIELD`, or `{}: ignore`), or leave out every column it does not name with `other_columns: ignore`",
                        messages::quoted(name),
                        messages::quoted(name)
                    );
                    diagnostic.help = Some(match diagnostic.help.take() {
                        Some(help) => format!("{help}; or {advice}"),
                        None => advice,
                    });
                    sink.push(diagnostic);
                    rules.push(None);
                    continue;
                }
                name
            }
        };
        let field = builder.field_index(record, target.split('.').next().unwrap_or(target).as_bytes(), 0);
        let n_slots = top.slots.len();
        add_column(builder, sink, &mut top, target, target, column, cell.span);
        let read = top.slots.len() > n_slots || target.contains('.');
        let boolean = !target.contains('.')
            && field.is_some_and(|field| {
                let ty = builder.field_type(record, field);
                let ty = match builder.program.types.get(ty) {
                    Type::Optional(inner) => inner,
                    _ => ty,
                };
                builder.program.types.get(ty) == Type::Bool
            });
        let rule = mapped.filter(|_| read).map(|mapped| CellRule {
            normalise: mapped.normalise.clone(),
            words: mapped.words.clone().unwrap_or_else(|| file_words.clone()),
            boolean,
            date: mapped.date.clone(),
            separator: mapped.separator.clone(),
            field,
        });
        let rule = rule.or_else(|| {
            (mapping.is_some() && read).then(|| CellRule {
                normalise: Normaliser::default(),
                words: file_words.clone(),
                boolean,
                date: None,
                separator: None,
                field,
            })
        });
        rules.push(rule);
    }
    if let Some(mapping) = mapping {
        for column in &mapping.columns {
            if !header.iter().any(|cell| cell.text.trim() == column.name) {
                let names = header.iter().map(|cell| cell.text.trim());
                let similar = crate::diagnostic::did_you_mean(&column.name, names);
                sink.push(messages::mapped_column_missing(
                    &column.name,
                    column.span,
                    header_span,
                    similar,
                ));
            }
        }
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
    let layout = Layout {
        record,
        top,
        n_columns: header.len(),
        rules,
        key_missing,
        dialect,
        next_index: 0,
        line: 1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..reader.pos]).count(),
        skip_rows: mapping
            .map(|mapping| mapping.skip_rows.clone())
            .unwrap_or_default(),
    };
    Some((layout, reader.pos))
}

/// Reads the rows of `text` from `start` (a whole table after its header, or a chunk of rows of
/// a stream), each a record of the layout's type.
pub(super) fn load_rows(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    text: &str,
    source: SourceId,
    start: usize,
    layout: &mut Layout,
) {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: start,
        source,
        delimiter: layout.dialect.delimiter,
        trailing: layout.dialect.trailing,
    };
    let record = layout.record;
    let mut counted = start;
    while let Ok(Some((mut cells, span))) = reader.row(sink) {
        let row_start = span.start as usize;
        layout.line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted..row_start]).count();
        counted = row_start;
        if layout.skip_rows.contains(&layout.line) {
            continue;
        }
        let index = layout.next_index;
        layout.next_index += 1;
        if cells.len() != layout.n_columns {
            let detail = format!(
                "expected {} cells as in the header, found {}",
                layout.n_columns,
                cells.len()
            );
            sink.push(messages::malformed(
                format_name(layout.dialect),
                &detail,
                "this row",
                span,
            ));
            continue;
        }
        let mut row = builder.begin_row(record, index, span);
        if layout.key_missing {
            row.key_reported();
        }
        let separators = apply_rules(builder, sink, &row, &layout.rules, &mut cells);
        put_group(builder, sink, &mut row, &layout.top, &cells, &separators, span);
        builder.finish_row(row, span, sink);
    }
    layout.line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted.min(text.len())..]).count();
}

/// The name of a table's format in messages.
fn format_name(dialect: Dialect) -> &'static str {
    if dialect.delimiter == b'\t' { "TSV" } else { "CSV" }
}

/// Changes the cells of a row as the mapping says (normalised, words, dates); the separator of
/// each column's sets and lists.
fn apply_rules<'r>(
    builder: &FactsBuilder<'_>,
    sink: &mut Sink,
    row: &super::bind::Row,
    rules: &'r [Option<CellRule>],
    cells: &mut [Cell<'_>],
) -> Vec<&'r str> {
    let mut separators = Vec::with_capacity(cells.len());
    for (cell, rule) in cells.iter_mut().zip(rules) {
        let Some(rule) = rule else {
            separators.push(";");
            continue;
        };
        separators.push(rule.separator.as_deref().unwrap_or(";"));
        let normalised = rule.normalise.apply(&cell.text);
        let word = |words: &[String]| words.iter().any(|word| *word == normalised);
        let replaced: Option<Cow<'static, str>> = if word(&rule.words.unknown) {
            Some(Cow::Borrowed("?"))
        } else if rule.boolean && word(&rule.words.truthy) {
            Some(Cow::Borrowed("true"))
        } else if rule.boolean && word(&rule.words.falsy) {
            Some(Cow::Borrowed("false"))
        } else if let Some(date) = rule
            .date
            .as_ref()
            .filter(|_| !normalised.is_empty() && normalised != "?")
        {
            match date.read_text(&normalised) {
                Some(found) => Some(Cow::Owned(found)),
                None => {
                    let path = match rule.field {
                        Some(field) => row.path(field),
                        None => row.record_path(),
                    };
                    let path = builder.schema().render(path);
                    sink.push(messages::date_format_mismatch(
                        path,
                        &normalised,
                        &date.text,
                        cell.span,
                    ));
                    Some(Cow::Borrowed("?"))
                }
            }
        } else if let Cow::Owned(changed) = normalised {
            Some(Cow::Owned(changed))
        } else if normalised.len() != cell.text.len() {
            Some(Cow::Owned(normalised.into_owned()))
        } else {
            None
        };
        if let Some(replaced) = replaced {
            cell.text = Cow::Owned(replaced.into_owned());
            cell.exact = false;
        }
    }
    separators
}

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

/// The columns of one record: the top-level record of the file, or a nested one
/// (`government_approval.nsc`, `government_approval.cabinet`).
#[derive(Debug)]
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
#[derive(Debug)]
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
    separators: &[&str],
    row_span: Span,
) {
    for (field, slot) in &group.slots {
        match slot {
            Slot::Column(column) => {
                put_cell(builder, sink, row, *field, &cells[*column], separators[*column]);
            }
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
                (Some(whole), None) => put_cell(builder, sink, row, *field, whole, ";"),
                (None, Some(_)) => {
                    let span = group_span(inner, cells, row_span);
                    let (mut nested, nesting) = builder.begin_nested(row, *field, inner.record, span);
                    put_group(builder, sink, &mut nested, inner, cells, separators, row_span);
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
    separator: &str,
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
        for part in text.split(separator) {
            let element = part.trim();
            let element_start = offset + (part.len() - part.trim_start().len());
            offset += part.len() + separator.len();
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
        delimiter: b',',
        trailing: None,
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
    delimiter: u8,
    trailing: Option<u8>,
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

    /// Whether a cell ends at `idx`: at the delimiter, a line break, the end, or the trailing
    /// separator just before a line break or the end.
    fn cell_ends_at(&self, idx: usize) -> bool {
        idx >= self.bytes.len()
            || self.bytes[idx] == self.delimiter
            || self.line_break_at(idx).is_some()
            || self.trailing_at(idx)
    }

    /// Whether the trailing separator is at `idx`, ending its line.
    fn trailing_at(&self, idx: usize) -> bool {
        self.trailing.is_some_and(|trailing| {
            self.bytes.get(idx) == Some(&trailing)
                && (idx + 1 >= self.bytes.len() || self.line_break_at(idx + 1).is_some())
        })
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
            if self.trailing_at(self.pos) {
                self.pos += 1;
            } else if self.bytes.get(self.pos) == Some(&self.delimiter) {
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
            while !self.cell_ends_at(idx) {
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
        let at_boundary = self.cell_ends_at(self.pos);
        if !at_boundary {
            let found = text[self.pos..].chars().next().map_or(0, char::len_utf8);
            let label = format!("found `{}`", text[self.pos..self.pos + found].escape_debug());
            let span = self.span(self.pos, self.pos + found);
            sink.push(messages::malformed(
                "CSV",
                &format!(
                    "expected `{}` or a line break after a quoted cell",
                    char::from(self.delimiter).escape_default()
                ),
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
