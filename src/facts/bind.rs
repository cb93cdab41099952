//! Binding what the facts readers read to the schema: scalars to typed values, rows to
//! tables, keys to rows. Shared by the JSON, YAML and CSV readers and by test facts.

use std::collections::hash_map::Entry;

use super::path::{NestLink, Path};
use super::pending::{PendingRef, Slot};
use super::sink::Sink;
use super::{FactsBuilder, Parent, messages};
use crate::check::ir::{RecordId, TestFact, TestValue, Type, TypeId};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::value::{Date, PartialDate, SeqId, Sym, Value, decimal};

/// A value as a reader found it, before its field's type gives it meaning.
#[derive(Copy, Clone, Debug)]
pub(super) enum Scalar<'a> {
    /// JSON `null`, a YAML null, an empty CSV cell.
    Null,
    /// JSON `true` or `false`.
    Bool(bool),
    /// A JSON number, as written.
    Number(&'a str),
    /// A quoted string.
    Str(&'a str),
    /// Untyped text (a YAML plain scalar or a CSV cell): the field's type says what it is.
    Plain(&'a str),
}

impl Scalar<'_> {
    /// What kind of value it is, for messages.
    pub(super) fn kind(self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Number(_) => "a number",
            Scalar::Str(_) | Scalar::Plain(_) => "text",
        }
    }

    fn is_unknown_mark(self) -> bool {
        matches!(self, Scalar::Str("?") | Scalar::Plain("?"))
    }
}

/// A scalar given meaning by its type.
#[derive(Copy, Clone, Debug)]
pub(super) enum Converted {
    Value(Value),
    /// Written `"?"`.
    Unknown,
    /// Missing or null in a required field.
    Missing,
    /// Wrong; a diagnostic was reported.
    Failed,
    /// A reference by key to a record of this type.
    Key(RecordId, Sym),
}

/// A row being filled.
#[derive(Debug)]
pub(super) struct Row {
    pub(super) record: RecordId,
    row: u32,
    base: usize,
    pub(super) index: u32,
    key_span: Option<Span>,
    /// Whether a problem with the key was already reported.
    key_reported: bool,
    /// For a nested record, its link to the field that holds it (see [`Path::nest`]).
    nest: Option<u32>,
}

/// The state of the parent row while a nested record is read: the fields it has seen.
#[derive(Debug)]
pub(super) struct Nesting {
    parent_seen: Vec<Option<Span>>,
}

impl Row {
    pub(super) fn path(&self, field: u32) -> Path {
        Path {
            record: self.record,
            index: self.index,
            field: Some(field),
            element: None,
            nest: self.nest,
        }
    }

    /// Notes that a problem with the key was already reported, so a missing key is not reported again.
    pub(super) fn key_reported(&mut self) {
        self.key_reported = true;
    }

    pub(super) fn record_path(&self) -> Path {
        Path {
            record: self.record,
            index: self.index,
            field: None,
            element: None,
            nest: self.nest,
        }
    }
}

/// The lengths to return to when a row cannot be finished (the text broke off inside it).
#[derive(Clone, Debug)]
pub(super) struct Mark {
    record: RecordId,
    n_rows: usize,
    n_seqs: usize,
    n_pending: usize,
    n_unsorted: usize,
    /// The rows of every table, when the program has nested records (their rows are
    /// added with the row that holds them); empty otherwise, so marking costs nothing.
    n_rows_all: Vec<usize>,
}

/// A set or list being filled.
#[derive(Debug)]
pub(super) struct SeqBuilder {
    /// The element type (may be optional).
    elem: TypeId,
    is_set: bool,
    values: Vec<Value>,
    /// References not yet resolved: their index in `values`, target, key, and where they were written.
    refs: Vec<(u32, RecordId, Sym, Span, Path)>,
    /// How many elements were read, whether or not they were kept.
    n_read: u32,
    /// An element was unknown or wrong: the whole set is unknown.
    spoiled: bool,
}

impl SeqBuilder {
    /// The element type, without `?`, for readers deciding whether an element may be an array.
    pub(super) fn elem_is_seq(&self, builder: &FactsBuilder<'_>) -> bool {
        let types = &builder.program.types;
        matches!(
            types.get(types.strip_optional(self.elem)),
            Type::Set(_) | Type::List(_)
        )
    }

    /// The position of the next element read, for paths.
    pub(super) fn position(&self) -> u32 {
        self.n_read
    }

    fn n_values(&self) -> u32 {
        u32::try_from(self.values.len()).expect("fewer than 2^32 elements")
    }

    /// Skips an element that is wrong (and reported): the whole set is then unknown.
    pub(super) fn skip_element(&mut self) {
        self.n_read += 1;
        self.spoiled = true;
    }

    pub(super) fn elem(&self) -> TypeId {
        self.elem
    }
}

impl FactsBuilder<'_> {
    /// The index of a field of a record by name, trying `guess` first (fields usually come in order).
    pub(super) fn field_index(&self, record: RecordId, name: &[u8], guess: usize) -> Option<u32> {
        let names = &self.tables[record.idx()].field_names;
        if names.get(guess).is_some_and(|known| **known == *name) {
            return Some(guess as u32);
        }
        names
            .iter()
            .position(|known| **known == *name)
            .map(|idx| idx as u32)
    }

    pub(super) fn n_fields(&self, record: RecordId) -> usize {
        self.tables[record.idx()].n_fields
    }

    /// The type of a field.
    pub(super) fn field_type(&self, record: RecordId, field: u32) -> TypeId {
        self.program.records[record.idx()].fields[field as usize].ty
    }

    /// Whether the type (without `?`) is a reference to a record with a key.
    pub(super) fn is_reference(&self, ty: TypeId) -> bool {
        let types = &self.program.types;
        match types.get(types.strip_optional(ty)) {
            Type::Record(target) => !self.program.records[target.idx()].nested,
            _ => false,
        }
    }

    /// If the type (without `?`) is a set or list, its element type and whether it is a set.
    pub(super) fn seq_type(&self, ty: TypeId) -> Option<(TypeId, bool)> {
        let types = &self.program.types;
        match types.get(types.strip_optional(ty)) {
            Type::Set(elem) => Some((elem, true)),
            Type::List(elem) => Some((elem, false)),
            _ => None,
        }
    }

    /// Makes room for `n_rows` more rows of `record`, so that a large file fills its table without regrowing it.
    pub(super) fn reserve_rows(&mut self, record: RecordId, n_rows: usize) {
        let keyed = self.program.records[record.idx()].key.is_some();
        let table = &mut self.tables[record.idx()];
        table.cells.reserve(n_rows * table.n_fields);
        table.origins.reserve(n_rows);
        if keyed {
            table.key_spans.reserve(n_rows);
            table.keys.reserve(n_rows);
        }
    }

    pub(super) fn mark(&self, record: RecordId) -> Mark {
        Mark {
            record,
            n_rows: self.tables[record.idx()].origins.len(),
            n_seqs: self.seqs.len(),
            n_pending: self.pending.len(),
            n_unsorted: self.unsorted_sets.len(),
            n_rows_all: if self.has_nested {
                self.tables.iter().map(|table| table.origins.len()).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Removes a row that was begun but not finished, with the nested records it holds.
    pub(super) fn rollback(&mut self, mark: Mark) {
        for (idx, n_rows) in mark.n_rows_all.iter().enumerate() {
            if self.program.records[idx].nested {
                let table = &mut self.tables[idx];
                table.cells.truncate(n_rows * table.n_fields);
                table.origins.truncate(*n_rows);
                table.parents.truncate(*n_rows);
            }
        }
        let table = &mut self.tables[mark.record.idx()];
        table.cells.truncate(mark.n_rows * table.n_fields);
        table.origins.truncate(mark.n_rows);
        table.key_spans.truncate(mark.n_rows);
        self.seqs.truncate(mark.n_seqs);
        self.pending.truncate(mark.n_pending);
        self.unsorted_sets.truncate(mark.n_unsorted);
    }

    /// Starts a row of `record` with every field at its default (none if optional, else unknown).
    pub(super) fn begin_row(&mut self, record: RecordId, index: u32, span: Span) -> Row {
        if self.tables_closed
            && self.program.records[record.idx()].table
            && !self.tables_reported[record.idx()]
        {
            self.tables_reported[record.idx()] = true;
            let diagnostic = messages::table_row_in_facts(self.schema(), record, span);
            self.deferred.push(diagnostic);
        }
        let table = &mut self.tables[record.idx()];
        let row = table.n_rows();
        let base = table.cells.len();
        table.cells.extend_from_slice(&table.defaults);
        table.origins.push(Some(span));
        if self.program.records[record.idx()].key.is_some() {
            table.key_spans.push(span);
        }
        self.seen.clear();
        self.seen.resize(table.n_fields, None);
        Row {
            record,
            row,
            base,
            index,
            key_span: None,
            key_reported: false,
            nest: None,
        }
    }

    /// Starts the nested record of type `nested` that `field` of `parent` holds, written at `span`.
    /// Read its fields as for any row, then call [`FactsBuilder::end_nested`].
    pub(super) fn begin_nested(
        &mut self,
        parent: &Row,
        field: u32,
        nested: RecordId,
        span: Span,
    ) -> (Row, Nesting) {
        let link = u32::try_from(self.nest_links.len()).expect("fewer than 2^32 nested records");
        self.nest_links.push(NestLink {
            outer: parent.path(field),
        });
        let nesting = Nesting {
            parent_seen: std::mem::take(&mut self.seen),
        };
        let mut row = self.begin_row(nested, parent.index, span);
        row.nest = Some(link);
        self.tables[nested.idx()].parents.push(Parent {
            record: parent.record,
            row: parent.row,
            field,
        });
        (row, nesting)
    }

    /// Finishes a nested record and stores it in the field of `parent` that holds it.
    pub(super) fn end_nested(
        &mut self,
        parent: &mut Row,
        field: u32,
        nested: Row,
        nesting: Nesting,
        span: Span,
        sink: &mut Sink,
    ) {
        let row = nested.row;
        self.finish_row(nested, span, sink);
        self.seen = nesting.parent_seen;
        self.store(parent, field, Converted::Value(Value::Record(row)), span, sink);
    }

    /// Notes that a field was given at `span`; the span it was first given at if it was already.
    pub(super) fn note_field(&mut self, field: u32, span: Span) -> Option<Span> {
        let seen = &mut self.seen[field as usize];
        match seen {
            Some(first) => Some(*first),
            None => {
                *seen = Some(span);
                None
            }
        }
    }

    /// Finishes a row: records where it came from and registers its key.
    pub(super) fn finish_row(&mut self, row: Row, span: Span, sink: &mut Sink) {
        let record = row.record;
        let table = &mut self.tables[record.idx()];
        table.origins[row.row as usize] = Some(span);
        let Some(key_field) = self.program.records[record.idx()].key else {
            return;
        };
        let mut key_cell = table.cells[row.base + key_field as usize];
        // A key that is a row of a table stands for the row's own key.
        if let (Some(Value::Record(target_row)), Some(target)) =
            (key_cell, self.program.records[record.idx()].key_table)
        {
            key_cell = self.table_key(target, target_row).map(Value::Text);
        }
        let table = &mut self.tables[record.idx()];
        let Some(Value::Text(key)) = key_cell else {
            if !row.key_reported {
                sink.push(messages::missing_key(
                    self.schema(),
                    row.record_path(),
                    key_field,
                    span,
                ));
            }
            return;
        };
        let key_span = row.key_span.unwrap_or(span);
        table.key_spans[row.row as usize] = key_span;
        match table.keys.entry(key) {
            Entry::Vacant(entry) => {
                entry.insert(row.row);
            }
            Entry::Occupied(entry) => {
                let first = table.key_spans[*entry.get() as usize];
                let path = row.path(key_field);
                let diagnostic =
                    messages::duplicate_key(self.schema(), path, self.interner.resolve(key), key_span, first);
                self.deferred.push(diagnostic);
            }
        }
    }

    /// Stores a scalar into a field of a row, converting it by the field's type.
    pub(super) fn put_scalar(
        &mut self,
        row: &mut Row,
        field: u32,
        scalar: Scalar<'_>,
        span: Span,
        sink: &mut Sink,
    ) {
        let ty = self.field_type(row.record, field);
        let path = row.path(field);
        let converted =
            if self.seq_type(ty).is_some() && !matches!(scalar, Scalar::Null) && !scalar.is_unknown_mark() {
                self.mismatch(ty, scalar.kind(), span, path, sink)
            } else {
                self.convert(ty, scalar, span, path, sink)
            };
        self.store(row, field, converted, span, sink);
    }

    /// Stores a converted value into a field of a row.
    pub(super) fn store(
        &mut self,
        row: &mut Row,
        field: u32,
        converted: Converted,
        span: Span,
        sink: &mut Sink,
    ) {
        let is_key = self.program.records[row.record.idx()].key == Some(field);
        let cell = row.base + field as usize;
        let value = match converted {
            Converted::Value(value) => {
                if is_key {
                    row.key_span = Some(span);
                }
                Some(value)
            }
            Converted::Missing => {
                if is_key && !row.key_reported {
                    row.key_reported = true;
                    sink.push(messages::missing_key(
                        self.schema(),
                        row.record_path(),
                        field,
                        span,
                    ));
                }
                self.tables[row.record.idx()].defaults[field as usize]
            }
            Converted::Unknown => {
                if is_key && !row.key_reported {
                    row.key_reported = true;
                    sink.push(messages::unknown_key(self.schema(), row.path(field), span));
                }
                None
            }
            Converted::Failed => {
                row.key_reported |= is_key;
                None
            }
            Converted::Key(target, key) => match self.resolvable(target, key) {
                Some(target_row) => Some(Value::Record(target_row)),
                None => {
                    self.pending.push(PendingRef {
                        target,
                        key,
                        span,
                        path: row.path(field),
                        slot: Slot::Cell {
                            record: row.record,
                            cell,
                        },
                    });
                    Some(Value::Text(key))
                }
            },
        };
        self.tables[row.record.idx()].cells[cell] = value;
    }

    /// Converts a scalar to a value of type `ty` (which may be optional but not a set or list).
    pub(super) fn convert(
        &mut self,
        ty: TypeId,
        scalar: Scalar<'_>,
        span: Span,
        path: Path,
        sink: &mut Sink,
    ) -> Converted {
        let types = &self.program.types;
        let inner = types.strip_optional(ty);
        let optional = inner != ty;
        if scalar.is_unknown_mark() {
            return Converted::Unknown;
        }
        if matches!(scalar, Scalar::Null | Scalar::Plain("")) {
            return if optional {
                Converted::Value(Value::None)
            } else {
                Converted::Missing
            };
        }
        match (types.get(inner), scalar) {
            (Type::Bool, Scalar::Bool(value)) => Converted::Value(Value::Bool(value)),
            (Type::Bool, Scalar::Plain(text)) => match parse_bool_word(text) {
                Some(value) => Converted::Value(Value::Bool(value)),
                None => self.report(sink, Code::FactType, || {
                    messages::not_boolean(self.schema(), inner, text, path, span)
                }),
            },
            (Type::Int, Scalar::Number(text) | Scalar::Plain(text)) => match parse_int(text) {
                Ok(value) => Converted::Value(Value::Int(value)),
                Err(IntError::NotInteger) => self.report(sink, Code::FactType, || {
                    messages::not_integer(self.schema(), inner, text, path, span)
                }),
                Err(IntError::TooLarge) => self.report(sink, Code::FactType, || {
                    messages::integer_too_large(self.schema(), inner, text, path, span)
                }),
            },
            (Type::Text, Scalar::Str(text) | Scalar::Plain(text)) => {
                Converted::Value(Value::Text(self.interner.intern(text)))
            }
            (Type::Date, Scalar::Str(text) | Scalar::Plain(text) | Scalar::Number(text)) => {
                match (Date::parse(text), PartialDate::parse(text)) {
                    (Some(date), _) => Converted::Value(Value::Date(date)),
                    // A year (`2014`) or a month (`2014-03`): some day of it.
                    (None, Some(date)) => Converted::Value(Value::Partial(date)),
                    (None, None) if looks_partial(text) => {
                        self.report(sink, Code::InvalidPartialDate, || {
                            messages::invalid_partial_date(self.schema(), inner, text, path, span)
                        })
                    }
                    (None, None) if matches!(scalar, Scalar::Number(_)) => {
                        self.mismatch(ty, scalar.kind(), span, path, sink)
                    }
                    (None, None) => self.report(sink, Code::FactType, || {
                        messages::invalid_date(self.schema(), inner, text, path, span)
                    }),
                }
            }
            (Type::Decimal, Scalar::Number(text) | Scalar::Str(text) | Scalar::Plain(text)) => {
                // JSON writes numbers with exponents; texts and cells are written plainly.
                let exponent = matches!(scalar, Scalar::Number(_));
                match decimal::parse(text.trim(), '.', exponent) {
                    Ok(number) => Converted::Value(Value::from(number)),
                    Err(decimal::ParseError::Shape) => self.report(sink, Code::FactType, || {
                        messages::not_decimal(self.schema(), inner, text, path, span)
                    }),
                    Err(decimal::ParseError::Range(error)) => {
                        self.report(sink, Code::DecimalOutOfRange, || {
                            messages::decimal_out_of_range(self.schema(), inner, text, error, path, span)
                        })
                    }
                }
            }
            (Type::Enum(id), Scalar::Str(text) | Scalar::Plain(text)) => {
                let variants = &self.program.enums[id.idx()].variants;
                match variants.iter().position(|variant| variant == text) {
                    Some(idx) => Converted::Value(Value::Variant(idx as u32)),
                    None => self.report(sink, Code::FactType, || {
                        messages::unknown_variant(self.schema(), inner, id, text, path, span)
                    }),
                }
            }
            (Type::Record(target), Scalar::Str(text) | Scalar::Plain(text))
                if !self.program.records[target.idx()].nested =>
            {
                Converted::Key(target, self.interner.intern(text))
            }
            _ => self.mismatch(ty, scalar.kind(), span, path, sink),
        }
    }

    /// Reports a value of the wrong kind for type `ty`.
    pub(super) fn mismatch(
        &self,
        ty: TypeId,
        found: &str,
        span: Span,
        path: Path,
        sink: &mut Sink,
    ) -> Converted {
        self.report(sink, Code::FactType, || {
            messages::type_mismatch(self.schema(), ty, found, path, span)
        })
    }

    fn report(&self, sink: &mut Sink, code: Code, build: impl FnOnce() -> Diagnostic) -> Converted {
        sink.push_with(code, build);
        Converted::Failed
    }

    /// Starts a set or list of type `ty` (a `Set<T>` or `List<T>`, possibly optional).
    pub(super) fn begin_seq(&self, ty: TypeId) -> SeqBuilder {
        let (elem, is_set) = self
            .seq_type(ty)
            .expect("begin_seq is called on set and list types");
        SeqBuilder {
            elem,
            is_set,
            values: Vec::new(),
            refs: Vec::new(),
            n_read: 0,
            spoiled: false,
        }
    }

    /// Adds a scalar element to a set or list.
    pub(super) fn push_scalar(
        &mut self,
        seq: &mut SeqBuilder,
        scalar: Scalar<'_>,
        span: Span,
        path: Path,
        sink: &mut Sink,
    ) {
        let path = path.element(seq.position());
        seq.n_read += 1;
        let converted = if self.seq_type(seq.elem).is_some() && !scalar.is_unknown_mark() {
            self.mismatch(seq.elem, scalar.kind(), span, path, sink)
        } else {
            self.convert(seq.elem, scalar, span, path, sink)
        };
        match converted {
            Converted::Value(value) => seq.values.push(value),
            Converted::Key(target, key) => match self.resolvable(target, key) {
                Some(row) => seq.values.push(Value::Record(row)),
                None => {
                    seq.refs.push((seq.n_values(), target, key, span, path));
                    seq.values.push(Value::Text(key));
                }
            },
            Converted::Missing => {
                sink.push_with(Code::FactType, || {
                    messages::null_element(self.schema(), path, span)
                });
                seq.spoiled = true;
            }
            Converted::Unknown | Converted::Failed => seq.spoiled = true,
        }
    }

    /// Adds a finished inner set or list as an element of an outer one.
    pub(super) fn push_seq(&mut self, seq: &mut SeqBuilder, inner: SeqBuilder) {
        seq.n_read += 1;
        match self.end_seq(inner) {
            Converted::Value(value) => seq.values.push(value),
            _ => seq.spoiled = true,
        }
    }

    /// Finishes a set or list: stores it in the arena (sorted and deduplicated if a set).
    pub(super) fn end_seq(&mut self, seq: SeqBuilder) -> Converted {
        if seq.spoiled {
            return Converted::Unknown;
        }
        let id = u32::try_from(self.seqs.len()).expect("fewer than 2^32 sets and lists");
        let mut values = seq.values;
        if seq.is_set {
            if seq.refs.is_empty() {
                values.sort_unstable();
                values.dedup();
            } else {
                self.unsorted_sets.push(id);
            }
        }
        for (idx, target, key, span, path) in seq.refs {
            self.pending.push(PendingRef {
                target,
                key,
                span,
                path,
                slot: Slot::Element { seq: id, idx },
            });
        }
        self.seqs.push(values.into_boxed_slice());
        Converted::Value(Value::Seq(SeqId(id)))
    }

    /// The row a reference by key resolves to as it is read: none if no fact has the key yet, or
    /// if the fact is a subject of the chunk being streamed, which `resolve_pending` reports.
    fn resolvable(&self, target: RecordId, key: Sym) -> Option<u32> {
        let key = self.canonical(target, key);
        let row = *self.tables[target.idx()].keys.get(&key)?;
        (!self.is_streamed(target, row)).then_some(row)
    }

    /// The key of a row of a table (a record whose key is text), if known.
    pub(super) fn table_key(&self, table: RecordId, row: u32) -> Option<Sym> {
        let key = self.program.records[table.idx()].key?;
        let cells = &self.tables[table.idx()];
        match cells.cells[row as usize * cells.n_fields + key as usize] {
            Some(Value::Text(sym)) => Some(sym),
            _ => None,
        }
    }

    /// The key a fact of `target` is named by when written `key`: for a record keyed by a
    /// table's rows, the key of the row any of whose names `key` is; else `key` itself.
    pub(super) fn canonical(&self, target: RecordId, key: Sym) -> Sym {
        let Some(table) = self.program.records[target.idx()].key_table else {
            return key;
        };
        self.tables[table.idx()]
            .keys
            .get(&key)
            .and_then(|row| self.table_key(table, *row))
            .unwrap_or(key)
    }

    /// Whether a row was added after [`FactsBuilder::mark_base`]: a subject of a streamed chunk.
    fn is_streamed(&self, record: RecordId, row: u32) -> bool {
        self.base
            .as_ref()
            .is_some_and(|base| row >= base.rows[record.idx()])
    }

    /// Whether a reference was read from a streamed chunk.
    fn is_from_stream(&self, slot: Slot) -> bool {
        let Some(base) = &self.base else { return false };
        match slot {
            Slot::Cell { record, cell } => {
                let table = &self.tables[record.idx()];
                cell / table.n_fields >= base.rows[record.idx()] as usize
            }
            Slot::Element { seq, .. } => seq as usize >= base.n_seqs,
        }
    }

    /// Resolves the references read before their targets; reports keys no fact has, and references
    /// from one streamed subject to another (a subject of another chunk is gone by then, so no
    /// such reference is allowed, whatever chunk its target is in).
    pub(super) fn resolve_pending(&mut self, sink: &mut Sink) {
        let pending = std::mem::take(&mut self.pending);
        for reference in &pending {
            let key = self.canonical(reference.target, reference.key);
            let found = self.tables[reference.target.idx()].keys.get(&key).copied();
            // A streamed subject's reference to its own record type must find its target in the
            // other inputs: whether the key is in this chunk, an earlier one or nowhere, the
            // answer is the same error.
            let to_stream = match found {
                Some(row) => self.is_streamed(reference.target, row),
                None => reference.path.record == reference.target && self.is_from_stream(reference.slot),
            };
            if to_stream {
                let first = found.and_then(|row| self.tables[reference.target.idx()].origins[row as usize]);
                sink.push(messages::streamed_reference(
                    self.schema(),
                    reference.target,
                    self.interner.resolve(reference.key),
                    reference.path,
                    reference.span,
                    first,
                ));
                continue;
            }
            let Some(row) = found else {
                sink.push_with(Code::DanglingReference, || {
                    // Sorted, so that a suggestion among keys (and aliases) equally close is
                    // always the same one.
                    let mut keys: Vec<&str> = self.tables[reference.target.idx()]
                        .keys
                        .keys()
                        .map(|sym| self.interner.resolve(*sym))
                        .collect();
                    keys.sort_unstable();
                    messages::dangling_reference(
                        self.schema(),
                        reference.target,
                        self.interner.resolve(reference.key),
                        keys,
                        reference.path,
                        reference.span,
                    )
                });
                continue;
            };
            match reference.slot {
                Slot::Cell { record, cell } => {
                    self.tables[record.idx()].cells[cell] = Some(Value::Record(row))
                }
                Slot::Element { seq, idx } => self.seqs[seq as usize][idx as usize] = Value::Record(row),
            }
        }
    }

    /// Sorts the sets whose references were resolved only now.
    pub(super) fn sort_pending_sets(&mut self) {
        for id in std::mem::take(&mut self.unsorted_sets) {
            let mut values = std::mem::take(&mut self.seqs[id as usize]).into_vec();
            values.sort_unstable();
            values.dedup();
            self.seqs[id as usize] = values.into_boxed_slice();
        }
    }

    /// Adds one checked test fact.
    pub(super) fn add_test_fact(&mut self, fact: &TestFact, index: u32) {
        let mut sink = Sink::new();
        let mut row = self.begin_row(fact.record, index, fact.span);
        self.test_fields(&mut row, &fact.fields, fact.span, &mut sink);
        self.finish_row(row, fact.span, &mut sink);
        self.deferred.absorb(sink);
    }

    /// Stores the checked fields of a test fact, or of a nested record in one, into its row.
    fn test_fields(&mut self, row: &mut Row, fields: &[TestValue], fact_span: Span, sink: &mut Sink) {
        for (field, value) in (0u32..).zip(fields) {
            let ty = self.field_type(row.record, field);
            let converted = match value {
                TestValue::Unknown => Converted::Unknown,
                TestValue::Scalar(value) => Converted::Value(*value),
                TestValue::Key(target, key, _) => Converted::Key(*target, *key),
                TestValue::Seq(elements) => self.test_seq(ty, elements, row.path(field)),
                TestValue::Record(nested, inner) => {
                    let (mut nested_row, nesting) = self.begin_nested(row, field, *nested, fact_span);
                    self.test_fields(&mut nested_row, inner, fact_span, sink);
                    self.end_nested(row, field, nested_row, nesting, fact_span, sink);
                    continue;
                }
            };
            let span = match value {
                TestValue::Key(_, _, span) => *span,
                _ => fact_span,
            };
            self.store(row, field, converted, span, sink);
        }
    }

    fn test_seq(&mut self, ty: TypeId, elements: &[TestValue], path: Path) -> Converted {
        if self.seq_type(ty).is_none() {
            unreachable!("the checker gives set values only to set and list fields");
        }
        let mut seq = self.begin_seq(ty);
        for value in elements {
            let position = seq.n_values();
            match value {
                TestValue::Unknown => seq.spoiled = true,
                TestValue::Scalar(value) => seq.values.push(*value),
                TestValue::Key(target, key, span) => {
                    match self.tables[target.idx()].keys.get(&self.canonical(*target, *key)) {
                        Some(row) => seq.values.push(Value::Record(*row)),
                        None => {
                            seq.refs
                                .push((position, *target, *key, *span, path.element(position)));
                            seq.values.push(Value::Text(*key));
                        }
                    }
                }
                TestValue::Record(..) => {
                    unreachable!("the checker rejects nested records as elements of sets and lists")
                }
                TestValue::Seq(inner) => {
                    let inner = self.test_seq(seq.elem, inner, path.element(position));
                    match inner {
                        Converted::Value(value) => seq.values.push(value),
                        _ => seq.spoiled = true,
                    }
                }
            }
        }
        self.end_seq(seq)
    }
}

/// `true`, `false`, `yes` or `no`, in any case.
fn parse_bool_word(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") || text.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

enum IntError {
    NotInteger,
    TooLarge,
}

/// Whether a text has the shape of a year (`2014`) or a month (`2014-03`), so that failing to
/// read one names the partial date it meant.
fn looks_partial(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    match bytes.len() {
        4 => digits(0..4),
        7 => digits(0..4) && bytes[4] == b'-' && digits(5..7),
        _ => false,
    }
}

/// An optionally signed decimal integer that fits in 64 bits.
fn parse_int(text: &str) -> Result<i64, IntError> {
    let digits = text
        .strip_prefix('-')
        .or_else(|| text.strip_prefix('+'))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(IntError::NotInteger);
    }
    text.parse().map_err(|_| IntError::TooLarge)
}
